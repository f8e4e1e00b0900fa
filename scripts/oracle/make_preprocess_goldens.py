#!/usr/bin/env python3
"""Golden input tensors for every --pipeline, made by the real Python libraries.

Usage (repository root), with a Python that has numpy, Pillow and opencv-python-headless:
    python scripts/oracle/make_preprocess_goldens.py
Writes fixtures/golden/pipelines/<case>.npy (float32, NCHW, batch 1), cases.json (what each case is,
plus the SHA-256 of the RGB bytes PIL and OpenCV decode from each file) and versions.json; and
fixtures/golden/resize/ (seeded random images resized by Pillow BILINEAR and cv2 INTER_LINEAR).

Each pipeline is the Python code of issue 10, verbatim where the issue gives it. torchvision is not
installed here (no CPU wheel without CUDA deps); its arithmetic is emulated in numpy exactly:
Pillow resize (torchvision's Resize on a PIL image calls it), ToTensor = float32 division by 255,
Normalize = float32 subtraction and division. scripts/oracle/check_torchvision_goldens.py confirms
those goldens with the real torchvision.
"""
import hashlib
import json
import os
import sys

import cv2
import numpy as np
import PIL
from PIL import Image

OUT = os.path.join('fixtures', 'golden', 'pipelines')
IMAGES = os.path.join('fixtures', 'images')
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def pil(path, H, W, mean=MEAN, std=STD):
    img = Image.open(path).convert('RGB')  # no EXIF transpose, no ICC transform
    if img.size != (W, H):
        img = img.resize((W, H), Image.BILINEAR)
    x = np.asarray(img).astype(np.float32)
    x /= 255.0
    x -= mean  # a Python tuple: numpy computes in float64 and stores float32
    x /= std
    return x.transpose(2, 0, 1)[None]


def tv_resize_output_size(h, w, size):
    """torchvision.transforms.functional._compute_resized_output_size for an int size, no max_size."""
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    return new_h, new_w


def tv_center_crop(img, ch, cw):
    """torchvision.transforms.functional.center_crop on a PIL image (pads with 0 when too small)."""
    iw, ih = img.size
    if cw > iw or ch > ih:
        left = (cw - iw) // 2 if cw > iw else 0
        top = (ch - ih) // 2 if ch > ih else 0
        right = (cw - iw + 1) // 2 if cw > iw else 0
        bottom = (ch - ih + 1) // 2 if ch > ih else 0
        a = np.asarray(img)
        a = np.pad(a, ((top, bottom), (left, right), (0, 0)), constant_values=0)  # F_pil.pad, fill=0, constant
        img = Image.fromarray(a)
        iw, ih = img.size
        if cw == iw and ch == ih:
            return img
    top = int(round((ih - ch) / 2.0))
    left = int(round((iw - cw) / 2.0))
    return img.crop((left, top, left + cw, top + ch))


def torchvision(path, H, W, resize_shorter=None, mean=MEAN, std=STD):
    img = Image.open(path).convert('RGB')
    if resize_shorter is None:  # T.Resize((H, W))
        if (img.size[1], img.size[0]) != (H, W):
            img = img.resize((W, H), Image.BILINEAR)
    else:  # T.Resize(N) + T.CenterCrop((H, W))
        nh, nw = tv_resize_output_size(img.size[1], img.size[0], resize_shorter)
        if (img.size[1], img.size[0]) != (nh, nw):
            img = img.resize((nw, nh), Image.BILINEAR)
        img = tv_center_crop(img, H, W)
    x = np.asarray(img).astype(np.float32).transpose(2, 0, 1) / np.float32(255)  # ToTensor
    x = (x - np.array(mean, np.float32)[:, None, None]) / np.array(std, np.float32)[:, None, None]  # Normalize
    return x[None]


def opencv(path, H, W, bgr=False, mean=MEAN, std=STD):
    img = cv2.imread(path, cv2.IMREAD_COLOR)  # BGR; EXIF applied; alpha dropped; grey replicated
    if not bgr:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    if img.shape[:2] != (H, W):
        img = cv2.resize(img, (W, H), interpolation=cv2.INTER_LINEAR)
    x = img.astype(np.float32) / 255.0
    x = (x - np.array(mean, np.float32)) / np.array(std, np.float32)
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


# name, pipeline, file (under fixtures/images), H, W, extra options (as trt-parity names them)
CASES = [
    ('pil-chelsea-down', 'pil', 'photos/chelsea.jpg', 48, 48, {}),
    ('pil-rocket-vfirst', 'pil', 'photos/rocket.jpg', 30, 100, {}),
    ('pil-tif-up-odd', 'pil', 'edge/chelsea.tif', 75, 101, {}),
    ('pil-exif-rot8', 'pil', 'pipeline/exif-rot8.jpg', 48, 40, {}),
    ('pil-icc-p3', 'pil', 'pipeline/icc-p3.jpg', 48, 48, {}),
    ('pil-gray', 'pil', 'edge/gray.jpg', 37, 53, {}),
    ('pil-rgba', 'pil', 'edge/rgba.png', 48, 48, {}),
    ('pil-palette', 'pil', 'edge/palette.png', 48, 48, {}),
    ('pil-progressive', 'pil', 'pipeline/progressive.jpg', 48, 48, {}),
    ('pil-q444', 'pil', 'pipeline/q444.jpg', 48, 48, {}),
    ('pil-same-size', 'pil', 'edge/chelsea.tif', 48, 64, {}),
    ('pil-custom-mean', 'pil', 'photos/coffee.jpg', 40, 56, {'mean': [0.5, 0.25, 0.125], 'std': [0.3, 0.7, 0.9]}),
    ('torchvision-chelsea', 'torchvision', 'photos/chelsea.jpg', 48, 48, {}),
    ('torchvision-rocket-shorter', 'torchvision', 'photos/rocket.jpg', 48, 48, {'resizeShorter': 56}),
    ('torchvision-coffee-shorter-rect', 'torchvision', 'photos/coffee.jpg', 48, 64, {'resizeShorter': 60}),
    ('torchvision-tif-pad', 'torchvision', 'edge/chelsea.tif', 48, 48, {'resizeShorter': 40}),
    ('torchvision-exif-rot8', 'torchvision', 'pipeline/exif-rot8.jpg', 48, 48, {'resizeShorter': 50}),
    ('torchvision-icc-p3', 'torchvision', 'pipeline/icc-p3.jpg', 48, 48, {}),
    ('opencv-chelsea-down', 'opencv', 'photos/chelsea.jpg', 48, 48, {}),
    ('opencv-tif-up-odd', 'opencv', 'edge/chelsea.tif', 75, 101, {}),
    ('opencv-tif-half', 'opencv', 'edge/chelsea.tif', 24, 32, {}),
    ('opencv-exif-rot8', 'opencv', 'pipeline/exif-rot8.jpg', 40, 48, {}),
    ('opencv-icc-p3', 'opencv', 'pipeline/icc-p3.jpg', 48, 48, {}),
    ('opencv-gray', 'opencv', 'edge/gray.jpg', 37, 53, {}),
    ('opencv-rgba', 'opencv', 'edge/rgba.png', 48, 48, {}),
    ('opencv-palette', 'opencv', 'edge/palette.png', 48, 48, {}),
    ('opencv-progressive', 'opencv', 'pipeline/progressive.jpg', 48, 48, {}),
    ('opencv-q444-bgr', 'opencv', 'pipeline/q444.jpg', 48, 48, {'bgr': True}),
    ('ultralytics-chelsea', 'ultralytics', 'photos/chelsea.jpg', 64, 64, {}),
    ('ultralytics-rocket', 'ultralytics', 'photos/rocket.jpg', 64, 64, {}),
    ('ultralytics-exif-rot8', 'ultralytics', 'pipeline/exif-rot8.jpg', 64, 48, {}),
    ('ultralytics-tif-up', 'ultralytics', 'edge/chelsea.tif', 80, 80, {}),
]

DECODE_CHECK = ['photos/chelsea.jpg', 'photos/rocket.jpg', 'edge/chelsea.tif', 'edge/gray.jpg', 'edge/rgba.png',
                'edge/palette.png', 'edge/gray-alpha.png', 'pipeline/progressive.jpg', 'pipeline/q444.jpg',
                'pipeline/icc-p3.jpg', 'pipeline/exif-rot8.jpg', 'edge/rgb16.png', 'edge/grey16.png']


def run(pipeline, path, H, W, extra):
    mean = tuple(extra.get('mean', MEAN))
    std = tuple(extra.get('std', STD))
    if pipeline == 'pil':
        return pil(path, H, W, mean, std)
    if pipeline == 'torchvision':
        return torchvision(path, H, W, extra.get('resizeShorter'), mean, std)
    if pipeline == 'opencv':
        bgr = extra.get('bgr', False)
        if bgr:  # the model's channel order: explicit constants are given in it; defaults follow their colours
            mean, std = tuple(extra.get('mean', MEAN[::-1])), tuple(extra.get('std', STD[::-1]))
        return opencv(path, H, W, bgr, mean, std)
    if pipeline == 'ultralytics':
        return ultralytics(path, H, W)
    raise ValueError(pipeline)


# Resize-only goldens on seeded random RGB images: (name, h, w, H, W). They exercise the kernels alone,
# including the corners the photos do not reach (1-pixel sides, exact 2x, Pillow 13's vertical-first order).
RESIZE_CASES = [
    ('down-mild', 29, 31, 23, 17), ('up', 7, 9, 19, 25), ('one-pixel-up', 1, 1, 3, 4), ('column-down', 40, 1, 9, 2),
    ('row-up', 1, 13, 3, 29), ('half', 18, 26, 9, 13), ('vertical-first', 60, 20, 7, 24), ('mixed', 21, 33, 35, 12),
    ('big-down', 64, 57, 5, 6), ('same-width', 17, 23, 9, 23),
]


def resize_goldens():
    rng = np.random.default_rng(20261202)
    out = os.path.join('fixtures', 'golden', 'resize')
    os.makedirs(out, exist_ok=True)
    listed = []
    for name, h, w, H, W in RESIZE_CASES:
        src = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        np.save(os.path.join(out, f'{name}.src.npy'), src)
        np.save(os.path.join(out, f'{name}.pil.npy'), np.asarray(Image.fromarray(src).resize((W, H), Image.BILINEAR)))
        np.save(os.path.join(out, f'{name}.cv.npy'), cv2.resize(src, (W, H), interpolation=cv2.INTER_LINEAR))
        listed.append({'name': name, 'size': [H, W]})
    with open(os.path.join(out, 'cases.json'), 'w') as f:
        json.dump({'cases': listed}, f, indent=1)
        f.write('\n')


def sha256(a):
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = []
    for name, pipeline, file, H, W, extra in CASES:
        x = run(pipeline, os.path.join(IMAGES, file), H, W, extra)
        assert x.dtype == np.float32 and x.shape == (1, 3, H, W), (name, x.dtype, x.shape)
        x = np.ascontiguousarray(x)
        np.save(os.path.join(OUT, f'{name}.npy'), x)
        cases.append({'name': name, 'pipeline': pipeline, 'file': file, 'size': [H, W], 'options': extra})
        print(f'{name}: {x.shape}')
    decoded = {}
    for file in DECODE_CHECK:
        path = os.path.join(IMAGES, file)
        p = np.asarray(Image.open(path).convert('RGB'))
        c = cv2.cvtColor(cv2.imread(path, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        decoded[file] = {'pil': {'shape': list(p.shape), 'sha256': sha256(p)}, 'opencv': {'shape': list(c.shape), 'sha256': sha256(c)}}
    with open(os.path.join(OUT, 'cases.json'), 'w') as f:
        json.dump({'cases': cases, 'decoded': decoded}, f, indent=1)
        f.write('\n')
    with open(os.path.join(OUT, 'versions.json'), 'w') as f:
        json.dump({'script': 'scripts/oracle/make_preprocess_goldens.py', 'python': sys.version.split()[0],
                   'numpy': np.__version__, 'Pillow': PIL.__version__, 'opencv-python-headless': cv2.__version__}, f, indent=1)
        f.write('\n')
    resize_goldens()


if __name__ == '__main__':
    main()
