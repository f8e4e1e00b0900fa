#!/usr/bin/env python3
"""The single-threaded Python loop the end-to-end benchmark (e2e.ts) measures trt-parity against.

The article's work, for every image of a folder, one after the other: PIL decode + convert('RGB') +
resize to the model's 224x224 with BILINEAR (what `--pipeline pil`, trt-parity's default, reproduces
bit for bit), numpy normalisation with the ImageNet mean/std, ONNX Runtime on the first model and on
the second, and numpy.testing.assert_allclose(first, second, rtol=1e-3, atol=1e-5) (trt-parity's
default tolerance). Both sessions use the same intra-op thread count as the trt-parity run.

usage: python_loop.py FIRST.onnx SECOND.onnx FOLDER THREADS
Prints one JSON line: images, seconds (the whole script, from the first import: process start-up is
counted on the trt-parity side too), failures, and the library versions.
"""
import time

T0 = time.perf_counter()

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
from PIL import Image  # noqa: E402

MEAN = np.array((0.485, 0.456, 0.406), np.float32)
STD = np.array((0.229, 0.224, 0.225), np.float32)


def session(path, threads):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=['CPUExecutionProvider'])


def main():
    first_path, second_path, folder, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    first, second = session(first_path, threads), session(second_path, threads)
    name = first.get_inputs()[0].name
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.lower().endswith(('.jpg', '.jpeg')))
    failures = 0
    for f in files:
        img = Image.open(f).convert('RGB').resize((224, 224), Image.BILINEAR)
        x = ((np.asarray(img, dtype=np.float32) / 255.0 - MEAN) / STD).transpose(2, 0, 1)[None]
        x = np.ascontiguousarray(x, dtype=np.float32)
        a = first.run(None, {name: x})
        b = second.run(None, {name: x})
        for u, v in zip(a, b):
            try:
                np.testing.assert_allclose(u, v, rtol=1e-3, atol=1e-5)
            except AssertionError:
                failures += 1
    print(json.dumps({'images': len(files), 'seconds': time.perf_counter() - T0, 'failures': failures,
                      'numpy': np.__version__, 'Pillow': Image.__version__, 'onnxruntime': ort.__version__}))


main()
