import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy, writeNpy } from '../../src/tensor/npy.js';
import { InputError } from '../../src/errors.js';
import type { DType, Tensor } from '../../src/tensor/types.js';
import { fixture } from '../helpers/paths.js';

// fixtures/npy/*.npy were written by numpy 1.24 (scripts/npy/make-npy-fixtures.py); expected.json
// holds numpy's own .tolist() of each array, so these tests check us against numpy, not ourselves.
interface Expected {
  readonly dtype?: DType;
  readonly shape?: number[];
  readonly values?: (number | string)[];
  readonly hint?: DType;
  readonly error?: string;
}
const expected = JSON.parse(readFileSync(fixture('npy', 'expected.json'), 'utf8')) as Record<string, Expected>;

function asNumber(v: number | string): number {
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return Number(v);
}

function decoded(t: Tensor, i: number): number | bigint {
  const v = t.data[i]!;
  if (t.dtype === 'float16') {
    // Independent half decode (not dtype.ts's): sign, 5-bit exponent, 10-bit fraction.
    const h = v as number;
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 31;
    const f = h & 1023;
    if (e === 31) return f ? NaN : s * Infinity;
    return e === 0 ? s * f * 2 ** -24 : s * (1 + f / 1024) * 2 ** (e - 15);
  }
  return v;
}

describe('readNpy on numpy-written files', () => {
  for (const [file, exp] of Object.entries(expected)) {
    if (file.startsWith('_')) continue;
    if (exp.error !== undefined) {
      test(`${file} is refused, naming the file and the problem`, () => {
        const path = fixture('npy', file);
        assert.throws(() => readNpy(readFileSync(path), path), (e: unknown) => {
          assert.ok(e instanceof InputError);
          assert.ok(e.message.startsWith(`${path}: `), e.message);
          assert.match(e.message, new RegExp(exp.error!));
          return true;
        });
      });
      continue;
    }
    test(`${file} reads as numpy reports it`, () => {
      const t = readNpy(readFileSync(fixture('npy', file)), file, exp.hint ? { dtype: exp.hint } : {});
      assert.equal(t.dtype, exp.dtype);
      assert.deepEqual([...t.shape], exp.shape);
      assert.equal(t.data.length, exp.values!.length);
      exp.values!.forEach((v, i) => {
        const got = decoded(t, i);
        if (t.dtype === 'int64') assert.equal(got, BigInt(v), `element ${i}`);
        else assert.ok(Object.is(got, asNumber(v)) || got === asNumber(v), `element ${i}: ${String(got)} vs ${v}`);
      });
    });
  }
});

describe('readNpy errors', () => {
  const good = writeNpy({ dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) });
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty file', new Uint8Array(0), /magic/],
    ['not npy', new TextEncoder().encode('hello world, not numpy'), /magic/],
    ['truncated data', good.subarray(0, good.length - 1), /truncated: shape \[2\] of float32 needs 8 bytes of data, found 7/],
    ['trailing bytes', Uint8Array.from([...good, 0]), /1 unexpected bytes/],
    ['header longer than file', good.subarray(0, 20), /header claims/],
    ['unknown version', Uint8Array.from([...good.subarray(0, 6), 9, 0, ...good.subarray(8)]), /version 9\.0/],
  ];
  for (const [name, bytes, re] of cases) {
    test(name, () => {
      assert.throws(() => readNpy(bytes, 'x.npy'), (e: unknown) => e instanceof InputError && /^x\.npy: /.test(e.message) && re.test(e.message));
    });
  }
  test('an extra header key is refused, as numpy 1.24 refuses it', () => {
    const text = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'dtype_hint': 'x', }";
    const header = text + ' '.repeat(118 - text.length - 1) + '\n';
    const bytes = Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length, 0, ...Buffer.from(header, 'latin1'), 0, 0, 128, 63]);
    assert.throws(() => readNpy(bytes, 'k.npy'), /header keys are \[descr, fortran_order, shape, dtype_hint\]/);
  });
  test('a dtype hint that disagrees with the file is refused', () => {
    assert.throws(() => readNpy(good, 'h.npy', { dtype: 'int32' }), /holds float32 .* but int32 was expected/);
  });
});

/** One tensor of every dtype, with awkward values. */
function samples(): Tensor[] {
  return [
    { dtype: 'float32', shape: [2, 3], data: new Float32Array([1.5, -0, 3e-8, Infinity, -Infinity, NaN]) },
    { dtype: 'float16', shape: [4], data: new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001]) },
    { dtype: 'bfloat16', shape: [2], data: new Uint16Array([0x3f80, 0xc020]) },
    { dtype: 'int8', shape: [3], data: new Int8Array([-128, 0, 127]) },
    { dtype: 'uint8', shape: [1, 1, 3], data: new Uint8Array([0, 128, 255]) },
    { dtype: 'int32', shape: [2], data: new Int32Array([-2147483648, 2147483647]) },
    { dtype: 'int64', shape: [3], data: new BigInt64Array([-(2n ** 63n), 2n ** 53n + 1n, 2n ** 63n - 1n]) },
    { dtype: 'bool', shape: [2, 2], data: new Uint8Array([1, 0, 0, 1]) },
    { dtype: 'float32', shape: [], data: new Float32Array([42]) },
    { dtype: 'float32', shape: [0, 5], data: new Float32Array(0) },
  ];
}

describe('writeNpy', () => {
  test('round-trips every dtype through readNpy bit for bit', () => {
    for (const t of samples()) {
      const back = readNpy(writeNpy(t), 'rt.npy', t.dtype === 'bfloat16' ? { dtype: 'bfloat16' } : {});
      assert.equal(back.dtype, t.dtype);
      assert.deepEqual([...back.shape], [...t.shape]);
      assert.deepEqual(Buffer.from(back.data.buffer, back.data.byteOffset, back.data.byteLength),
        Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
  });

  test('pads the header so the data starts on a 64-byte boundary, as numpy does', () => {
    const bytes = writeNpy({ dtype: 'float32', shape: [1, 3, 224, 224], data: new Float32Array(3 * 224 * 224) });
    const headerLen = bytes[8]! | (bytes[9]! << 8);
    assert.equal((10 + headerLen) % 64, 0);
    assert.equal(bytes[10 + headerLen - 1], 0x0a);
  });

  test('matches numpy.save byte for byte on a float32 [2,3] array', () => {
    // Bytes from: np.save(f, np.arange(6, dtype='<f4').reshape(2, 3)) with numpy 1.24.
    const t: Tensor = { dtype: 'float32', shape: [2, 3], data: new Float32Array([0, 1, 2, 3, 4, 5]) };
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    const out = writeNpy(t);
    assert.equal(out.length, 128 + 24);
    assert.equal(Buffer.from(out.subarray(10, 10 + header.length)).toString('latin1'), header);
  });

  test('refuses data whose length disagrees with the shape', () => {
    assert.throws(() => writeNpy({ dtype: 'int32', shape: [3], data: new Int32Array(2) }), RangeError);
  });
});

const numpyCheck = spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { encoding: 'utf8' });
const numpyMissing = numpyCheck.status !== 0 ? '/usr/bin/python3 with numpy is not available' : false;
if (numpyMissing) console.log(`skipping numpy.load check: ${numpyMissing}`);

test('numpy.load reads what writeNpy writes (every dtype)', { skip: numpyMissing }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'npy-'));
  try {
    const all = samples();
    all.forEach((t, i) => {
      writeFileSync(join(dir, `${i}.npy`), writeNpy(t));
    });
    const script = `
import json, math, sys, numpy as np
def fix(v):
    if isinstance(v, float) and math.isnan(v): return None
    if isinstance(v, float) and math.isinf(v): return 'inf' if v > 0 else '-inf'
    return v
out = []
for i in range(${all.length}):
    a = np.load(sys.argv[1] + '/%d.npy' % i)
    vals = a.reshape(-1).view('<u2').tolist() if a.dtype == np.float16 else [str(v) if isinstance(v, int) and a.dtype == np.int64 else v for v in a.reshape(-1).tolist()]
    out.append({'dtype': a.dtype.str, 'shape': list(a.shape), 'values': [fix(v) for v in vals]})
print(json.dumps(out))`;
    const r = spawnSync('/usr/bin/python3', ['-c', script, dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const loaded = JSON.parse(r.stdout) as { dtype: string; shape: number[]; values: unknown[] }[];
    const descr: Record<DType, string> = { float32: '<f4', float16: '<f2', bfloat16: '<u2', int8: '|i1', uint8: '|u1', int32: '<i4', int64: '<i8', bool: '|b1' };
    all.forEach((t, i) => {
      const l = loaded[i]!;
      assert.equal(l.dtype, descr[t.dtype], `sample ${i}`);
      assert.deepEqual(l.shape, [...t.shape]);
      const mine = Array.from(t.data as ArrayLike<number | bigint>, (v) => {
        if (t.dtype === 'int64') return String(v);
        if (t.dtype === 'bool') return v === 1;
        if (typeof v === 'number' && Number.isNaN(v)) return null;
        if (v === Infinity || v === -Infinity) return v > 0 ? 'inf' : '-inf';
        return v;
      });
      // JSON turns -0 into 0 and Infinity into a Python token; compare as JSON text to be exact about the rest.
      assert.equal(JSON.stringify(l.values), JSON.stringify(mine), `sample ${i} (${t.dtype})`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
