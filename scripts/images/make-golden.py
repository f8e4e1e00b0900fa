#!/usr/bin/python3
"""Compute the golden preprocess tensors with numpy, the reference trt-parity must equal bit for bit.

Usage (repository root): /usr/bin/python3 scripts/images/make-golden.py
Needs numpy (Debian's python3-numpy; 1.24 made the committed files). Inputs:
  fixtures/golden/preprocess/cases.json       the variants (preprocess options) to compute
  fixtures/golden/preprocess/*.pixels.npy     decoded pixels, written by dump-decoded.ts
It also writes allvalues.pixels.npy itself: a 16x16 image whose three channels each take every byte
value 0..255 once, so that every entry of every look-up table is checked.
Outputs: fixtures/golden/preprocess/<image>.<variant>.npy
"""
import glob
import json
import os

import numpy as np

DIR = os.path.join('fixtures', 'golden', 'preprocess')
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def reference(pixels: np.ndarray, o: dict) -> np.ndarray:
    """The documented reference (src/image/preprocess.ts), option by option."""
    if o.get('channelOrder', 'rgb') == 'bgr':
        pixels = pixels[..., ::-1]
    if o.get('dtype', 'float32') == 'uint8':
        x = pixels
    else:
        scale = o.get('scale', 'div255')
        if scale == 'div255':
            x = pixels.astype(np.float32) / np.float32(255.0)
        else:
            x = pixels.astype(np.float32) * np.float32(scale)
        x = (x - np.array(o.get('mean', IMAGENET_MEAN), np.float32)) / np.array(o.get('std', IMAGENET_STD), np.float32)
        assert x.dtype == np.float32
    if o.get('layout', 'nchw') == 'nchw':
        x = x.transpose(2, 0, 1)[None]
    else:
        x = x[None]
    if o.get('dtype') == 'float16':
        x = x.astype(np.float16)
    return np.ascontiguousarray(x)


def main() -> None:
    i = np.arange(256, dtype=np.uint8)
    allvalues = np.stack([i, i[::-1], (i.astype(np.int32) * 7 % 256).astype(np.uint8)], axis=-1).reshape(16, 16, 3)
    np.save(os.path.join(DIR, 'allvalues.pixels.npy'), allvalues)

    with open(os.path.join(DIR, 'cases.json')) as f:
        variants = json.load(f)['variants']
    for path in sorted(glob.glob(os.path.join(DIR, '*.pixels.npy'))):
        pixels = np.load(path)
        assert pixels.dtype == np.uint8 and pixels.ndim == 3 and pixels.shape[2] == 3, path
        name = os.path.basename(path)[: -len('.pixels.npy')]
        for v in variants:
            out = reference(pixels, v['options'])
            np.save(os.path.join(DIR, f"{name}.{v['name']}.npy"), out)
            print(f"{name}.{v['name']}: {out.dtype} {out.shape}")


if __name__ == '__main__':
    main()
