#!/usr/bin/env python3
"""The Python side of benchmarks/preprocess/pipelines.ts: each --pipeline's own Python code, timed per image.

A long-running worker so that the Node side can interleave rounds: it reads one JSON request per line
on stdin, {"pipeline": ..., "size": [H, W], "files": [...]}, runs the pipeline's code on every file
(decode + resize + normalise, from the path, as a user's script does) and answers one JSON line
{"ms": [per-file milliseconds], "cpu": process CPU ms per file}. The code is that of issue 10 / docs/resize.md; torchvision is its
numpy emulation (Pillow resize + float32 ToTensor/Normalize), torchvision itself not being installed.
"""
import json
import sys
import time

import cv2
import numpy as np
from PIL import Image

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
MEAN32 = np.array(MEAN, np.float32)
STD32 = np.array(STD, np.float32)


def pil(path, H, W):
    img = Image.open(path).convert('RGB')
    if img.size != (W, H):
        img = img.resize((W, H), Image.BILINEAR)
    x = np.asarray(img).astype(np.float32)
    x /= 255.0
    x -= MEAN
    x /= STD
    return x.transpose(2, 0, 1)[None]


def torchvision(path, H, W):
    img = Image.open(path).convert('RGB')
    if img.size != (W, H):
        img = img.resize((W, H), Image.BILINEAR)
    x = np.asarray(img).astype(np.float32).transpose(2, 0, 1) / np.float32(255)
    return ((x - MEAN32[:, None, None]) / STD32[:, None, None])[None]


def opencv(path, H, W):
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    if img.shape[:2] != (H, W):
        img = cv2.resize(img, (W, H), interpolation=cv2.INTER_LINEAR)
    x = img.astype(np.float32) / 255.0
    x = (x - MEAN32) / STD32
    return x.transpose(2, 0, 1)[None]


def ultralytics(path, H, W):
    im = cv2.imread(path)
    h0, w0 = im.shape[:2]
    r = min(H / h0, W / w0)
    nw, nh = int(round(w0 * r)), int(round(h0 * r))
    dw, dh = (W - nw) / 2, (H - nh) / 2
    if (w0, h0) != (nw, nh):
        im = cv2.resize(im, (nw, nh), interpolation=cv2.INTER_LINEAR)
    top, bottom = int(round(dh - 0.1)), int(round(dh + 0.1))
    left, right = int(round(dw - 0.1)), int(round(dw + 0.1))
    im = cv2.copyMakeBorder(im, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(114, 114, 114))
    return np.ascontiguousarray(im[..., ::-1].transpose(2, 0, 1)[None]).astype(np.float32) / 255.0


PIPELINES = {'pil': pil, 'torchvision': torchvision, 'opencv': opencv, 'ultralytics': ultralytics}


def main():
    print(json.dumps({'ready': True, 'numpy': np.__version__, 'Pillow': Image.__version__, 'opencv': cv2.__version__,
                      'cv2_threads': cv2.getNumThreads()}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        fn = PIPELINES[req['pipeline']]
        H, W = req['size']
        ms = []
        c0 = time.process_time()
        for f in req['files']:
            t0 = time.perf_counter()
            fn(f, H, W)
            ms.append((time.perf_counter() - t0) * 1000)
        # CPU time of the whole process (every thread), per image: the work done, whatever the machine's load.
        cpu = (time.process_time() - c0) * 1000 / len(req['files'])
        print(json.dumps({'ms': ms, 'cpu': cpu}), flush=True)


if __name__ == '__main__':
    main()
