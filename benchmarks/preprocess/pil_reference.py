#!/usr/bin/python3
"""The Python side of benchmarks/preprocess: Pillow decode + resize, then the numpy reference normalise.

Usage: /usr/bin/python3 pil_reference.py ROUNDS SIZE MODE FILE...
  MODE 'stretch' resizes to SIZE x SIZE; 'shorter-crop' is torchvision's Resize(SIZE) + CenterCrop(SIZE)
  written out with Pillow (shorter side to SIZE, bilinear, then the centre).
Prints one JSON object: per-image times in ms (all rounds) and the output shape.
"""
import json
import sys
import time

import numpy as np
from PIL import Image

MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)


def load(path: str, size: int, mode: str) -> np.ndarray:
    im = Image.open(path).convert('RGB')
    if mode == 'stretch':
        im = im.resize((size, size), Image.BILINEAR)
    else:
        w, h = im.size
        if w <= h:
            nw, nh = size, int(size * h / w)
        else:
            nw, nh = int(size * w / h), size
        im = im.resize((nw, nh), Image.BILINEAR)
        left, top = int(round((nw - size) / 2.0)), int(round((nh - size) / 2.0))
        im = im.crop((left, top, left + size, top + size))
    pixels = np.asarray(im)
    x = pixels.astype(np.float32) / np.float32(255.0)
    x = (x - MEAN) / STD
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None])


def main() -> None:
    rounds, size, mode, files = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4:]
    load(files[0], size, mode)  # warm-up
    times = []
    shape = None
    for _ in range(rounds):
        for f in files:
            t0 = time.perf_counter()
            shape = load(f, size, mode).shape
            times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({'ms': times, 'shape': list(shape)}))


if __name__ == '__main__':
    main()
