#!/usr/bin/env python3
"""The Python side of benchmarks/preprocess/resize-cv-kernels.ts: cv2.resize(INTER_LINEAR) alone, timed.

A long-running worker so that the Node side can interleave rounds: it reads one JSON request per line on
stdin, {"src": [h, w], "dst": [H, W], "threads": N or null (OpenCV's default), "n": calls}, resizes a
seeded random HWC uint8 image n times and answers one JSON line {"cpu": process CPU ms per call (every
thread), "wall": ms per call}. The first line it prints describes the libraries.
"""
import json
import sys
import time

import cv2
import numpy as np

DEFAULT_THREADS = cv2.getNumThreads()
images = {}

print(json.dumps({'numpy': np.__version__, 'cv2': cv2.__version__, 'cv2_default_threads': DEFAULT_THREADS}), flush=True)
for line in sys.stdin:
    req = json.loads(line)
    h, w = req['src']
    H, W = req['dst']
    key = (h, w)
    if key not in images:
        images[key] = np.random.default_rng(h * 100000 + w).integers(0, 256, (h, w, 3), dtype=np.uint8)
    img = images[key]
    cv2.setNumThreads(DEFAULT_THREADS if req['threads'] is None else req['threads'])
    n = req['n']
    cv2.resize(img, (W, H), interpolation=cv2.INTER_LINEAR)
    c0 = time.process_time()
    t0 = time.perf_counter()
    for _ in range(n):
        cv2.resize(img, (W, H), interpolation=cv2.INTER_LINEAR)
    wall = (time.perf_counter() - t0) * 1000 / n
    cpu = (time.process_time() - c0) * 1000 / n
    print(json.dumps({'cpu': cpu, 'wall': wall}), flush=True)
