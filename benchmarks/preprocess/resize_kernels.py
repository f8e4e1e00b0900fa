#!/usr/bin/env python3
"""The Python side of benchmarks/preprocess/resize-kernels.ts: Pillow's BILINEAR resize alone, timed in CPU.

A long-running worker so that the Node side can interleave rounds. It reads one JSON request per line on
stdin, {"file": raw RGB bytes, "size": [w, h], "target": [W, H], "reps": n}, opens the pixels once with
Image.frombytes (not timed), runs `img.resize((W, H), Image.BILINEAR)` n times and answers one JSON line
{"cpu": process CPU ms per resize (time.process_time), "sha256": of the last output's bytes}, so the
Node side can check that both made the same bytes. The first line it writes names the versions.
"""
import hashlib
import json
import sys
import time

import PIL
from PIL import Image


def main() -> None:
    print(json.dumps({'python': sys.version.split()[0], 'pillow': PIL.__version__}), flush=True)
    for line in sys.stdin:
        r = json.loads(line)
        (w, h), (W, H) = r['size'], r['target']
        with open(r['file'], 'rb') as f:
            img = Image.frombytes('RGB', (w, h), f.read())
        out = img.resize((W, H), Image.BILINEAR)  # warm-up, outside the timing
        t0 = time.process_time()
        for _ in range(r['reps']):
            out = img.resize((W, H), Image.BILINEAR)
        cpu = (time.process_time() - t0) * 1000 / r['reps']
        print(json.dumps({'cpu': cpu, 'sha256': hashlib.sha256(out.tobytes()).hexdigest()}), flush=True)


if __name__ == '__main__':
    main()
