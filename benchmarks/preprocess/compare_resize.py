#!/usr/bin/python3
"""Compare trt-parity's resized pixels with Pillow's. Called by compare-resize.ts.

Usage: /usr/bin/python3 compare_resize.py MANIFEST.json
The manifest lists {source, ours (a .npy of our HxWx3 uint8 pixels), width, height}. For each, Pillow
decodes `source`, converts to RGB and resizes to width x height with BILINEAR (plain, and with
reducing_gap=2.0, which shrinks by box first as libvips does). Prints a Markdown table row per case:
mean / max absolute difference in uint8 levels and the share of identical values.
"""
import json
import sys

import numpy as np
from PIL import Image


def diff(a: np.ndarray, b: np.ndarray) -> str:
    d = np.abs(a.astype(np.int16) - b.astype(np.int16))
    return f'{d.mean():.2f} / {d.max()} ({(d == 0).mean() * 100:.0f}% equal)'


def main() -> None:
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    print('| case | source → target | vs PIL BILINEAR | vs PIL BILINEAR reducing_gap=2 | vs PIL NEAREST (sanity) |')
    print('|---|---|---|---|---|')
    for c in cases:
        ours = np.load(c['ours'])
        src = Image.open(c['source']).convert('RGB')
        size = (c['width'], c['height'])
        plain = np.asarray(src.resize(size, Image.BILINEAR))
        gap = np.asarray(src.resize(size, Image.BILINEAR, reducing_gap=2.0))
        near = np.asarray(src.resize(size, Image.NEAREST))
        print(f"| {c['name']} | {src.size[0]}x{src.size[1]} → {size[0]}x{size[1]} | {diff(ours, plain)} | {diff(ours, gap)} | {diff(ours, near)} |")


if __name__ == '__main__':
    main()
