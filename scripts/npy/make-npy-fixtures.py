#!/usr/bin/python3
"""Writes fixtures/npy/*.npy with numpy itself, plus expected.json describing each file.

These are the independent oracle for src/tensor/npy.ts: the reader must recover exactly the
values numpy reports here. Run with Debian's python (numpy 1.24):

    /usr/bin/python3 scripts/npy/make-npy-fixtures.py

Values in expected.json come from numpy's .tolist(): float32/float16 values are exact as float64
numbers; int64 values are written as decimal strings (beyond 2**53); NaN/Inf as strings.
"""
import io
import json
import math
import os
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'fixtures', 'npy')
os.makedirs(OUT, exist_ok=True)
expected = {'_generator': f'scripts/npy/make-npy-fixtures.py, numpy {np.__version__}, python {sys.version.split()[0]}'}


def jsonable(v):
    if isinstance(v, float):
        if math.isnan(v):
            return 'nan'
        if math.isinf(v):
            return 'inf' if v > 0 else '-inf'
    return v


def flat_values(a, dtype):
    flat = np.ascontiguousarray(a).reshape(-1)
    if dtype == 'int64':
        return [str(int(v)) for v in flat]
    if dtype == 'bool':
        return [1 if v else 0 for v in flat]
    return [jsonable(v) for v in flat.tolist()]


def save(name, a, dtype, version=None, hint=None, note=None):
    path = os.path.join(OUT, name)
    with open(path, 'wb') as f:
        if version is None:
            np.save(f, a)
        else:
            np.lib.format.write_array(f, a, version=version)
    entry = {'dtype': dtype, 'shape': list(a.shape), 'values': flat_values(a, dtype)}
    if hint:
        entry['hint'] = hint
    if note:
        entry['note'] = note
    expected[name] = entry


def bad(name, a, error, allow_pickle=False):
    with open(os.path.join(OUT, name), 'wb') as f:
        np.save(f, a, allow_pickle=allow_pickle)
    expected[name] = {'error': error}


save('float32.npy', np.array([[1.5, -2.25, 3e-8], [np.inf, -np.inf, np.nan]], dtype='<f4'), 'float32')
save('float16.npy', np.array([0.5, -1.25, 65504, 6e-8, np.inf, np.nan], dtype='<f2'), 'float16')
save('int8.npy', np.array([-128, -1, 0, 1, 127], dtype='i1'), 'int8')
save('uint8.npy', np.arange(0, 256, 51, dtype='u1').reshape(2, 3), 'uint8')
save('int32.npy', np.array([[-2147483648, 0], [7, 2147483647]], dtype='<i4'), 'int32')
save('int64.npy', np.array([-(2**63), -1, 2**53 + 1, 2**63 - 1], dtype='<i8'), 'int64')
save('bool.npy', np.array([[True, False, True]], dtype='?'), 'bool')
save('float32-big-endian.npy', np.array([1.0, -2.5, 3.140625, 1e-30], dtype='>f4'), 'float32')
save('int64-big-endian.npy', np.array([1, -2, 2**40 + 3], dtype='>i8'), 'int64')
save('float16-big-endian.npy', np.array([1.0, -0.333], dtype='>f2'), 'float16')
save('int32-fortran.npy', np.asfortranarray(np.arange(24, dtype='<i4').reshape(2, 3, 4)), 'int32',
     note='fortran_order True; values listed in C order')
save('float32-transposed.npy', np.arange(6, dtype='<f4').reshape(2, 3).T, 'float32',
     note='a transposed view: numpy writes it with fortran_order True')
save('float32-v2.npy', np.array([1, 2, 3], dtype='<f4'), 'float32', version=(2, 0))
save('float32-v3.npy', np.array([4, 5], dtype='<f4'), 'float32', version=(3, 0))
save('scalar.npy', np.array(3.5, dtype='<f4'), 'float32')
save('empty.npy', np.zeros((0, 3), dtype='<f4'), 'float32')
bf16_bits = (np.array([1.0, -2.5, 3.140625, 0.0], dtype='<f4').view('<u4') >> 16).astype('<u2')
save('bfloat16-bits.npy', bf16_bits, 'bfloat16', hint='bfloat16',
     note='bfloat16 bits stored as <u2; values listed are the raw bits')
bad('float64.npy', np.array([1.0, 2.0]), 'float64')
bad('object.npy', np.array([{'a': 1}], dtype=object), 'pickled object', allow_pickle=True)
bad('structured.npy', np.zeros(2, dtype=[('x', '<f4'), ('y', '<i4')]), 'structured')
bad('uint16.npy', np.array([1, 2], dtype='<u2'), 'uint16')

with open(os.path.join(OUT, 'expected.json'), 'w') as f:
    json.dump(expected, f, indent=1)
    f.write('\n')
print(f'wrote {len(expected) - 1} files to {os.path.normpath(OUT)}')
