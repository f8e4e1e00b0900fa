#!/usr/bin/env python3
"""Confirm the torchvision goldens with the real torchvision.

Usage (repository root; needs torch, torchvision, Pillow, numpy, opencv-python-headless):
    python3 scripts/oracle/check_torchvision_goldens.py

fixtures/golden/pipelines/torchvision-*.npy were made without torchvision, by emulating its arithmetic
in numpy (scripts/oracle/make_preprocess_goldens.py: Pillow resize, float32 ToTensor and Normalize).
For each such case this script runs the real transforms on the same file,

    T.Compose([T.Resize((H, W)), T.ToTensor(), T.Normalize(MEAN, STD)])                     # no resizeShorter
    T.Compose([T.Resize(N), T.CenterCrop((H, W)), T.ToTensor(), T.Normalize(MEAN, STD)])    # resizeShorter N

applied to Image.open(path).convert("RGB"), and compares, byte for byte:
  1. real torchvision  vs  the numpy emulation run here with this machine's Pillow: the arithmetic check;
  2. real torchvision  vs  the committed golden (Pillow 13.0.0): also equal unless this Pillow resizes
     differently (Pillow < 13 always runs the horizontal pass first).
Exit 0 when every case passes check 1 (check 2 is reported, and fails the run only with --strict).
"""
import json
import os
import sys

import numpy as np
import PIL
import torch
import torchvision
import torchvision.transforms as T
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_preprocess_goldens import IMAGES, MEAN, OUT, STD, torchvision as emulate  # noqa: E402


def real(path, H, W, resize_shorter, mean, std):
    steps = [T.Resize((H, W))] if resize_shorter is None else [T.Resize(resize_shorter), T.CenterCrop((H, W))]
    tf = T.Compose([*steps, T.ToTensor(), T.Normalize(mean, std)])
    with torch.no_grad():
        return tf(Image.open(path).convert('RGB'))[None].numpy()


def differ(a, b):
    a = np.ascontiguousarray(a, np.float32)
    b = np.ascontiguousarray(b, np.float32)
    if a.shape != b.shape:
        return f'shape {list(a.shape)} vs {list(b.shape)}'
    n = int(np.count_nonzero(a.view(np.uint32) != b.view(np.uint32)))
    return None if n == 0 else f'{n} of {a.size} values differ (max |diff| {float(np.abs(a - b).max()):.3g})'


def main():
    strict = '--strict' in sys.argv[1:]
    with open(os.path.join(OUT, 'cases.json')) as f:
        cases = [c for c in json.load(f)['cases'] if c['pipeline'] == 'torchvision']
    print(f'torch {torch.__version__}, torchvision {torchvision.__version__}, Pillow {PIL.__version__}, numpy {np.__version__}')
    bad_arith = bad_golden = 0
    for c in cases:
        H, W = c['size']
        o = c['options']
        mean, std = tuple(o.get('mean', MEAN)), tuple(o.get('std', STD))
        path = os.path.join(IMAGES, c['file'])
        got = real(path, H, W, o.get('resizeShorter'), mean, std)
        arith = differ(got, emulate(path, H, W, o.get('resizeShorter'), mean, std))
        golden = differ(got, np.load(os.path.join(OUT, f"{c['name']}.npy")))
        bad_arith += arith is not None
        bad_golden += golden is not None
        print(f"{c['name']}: vs emulation {'PASS' if arith is None else 'FAIL ' + arith}; vs golden {'PASS' if golden is None else 'FAIL ' + golden}")
    print(f'{len(cases)} cases: arithmetic {len(cases) - bad_arith} pass, golden {len(cases) - bad_golden} pass')
    return 1 if bad_arith or (strict and bad_golden) else 0


if __name__ == '__main__':
    sys.exit(main())
