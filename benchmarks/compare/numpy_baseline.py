#!/usr/bin/python3
"""numpy side of benchmarks/compare/compare-bench.ts: assert_allclose plus the same statistics.

    /usr/bin/python3 benchmarks/compare/numpy_baseline.py DIR RUNS

Reads DIR/first.f32 and DIR/second.f32 (raw little-endian float32) and prints JSON with the
wall time of each run in milliseconds.
"""
import json
import sys
import time

import numpy as np

RTOL, ATOL = 1e-3, 1e-5


def compare(a, b):
    try:
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)
        passed = True
    except AssertionError:
        passed = False
    close = np.isclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True)
    mismatched = int(close.size - np.count_nonzero(close))
    finite = np.isfinite(a) & np.isfinite(b)
    nonfinite = {k: (int(np.isnan(x).sum()), int(np.isposinf(x).sum()), int(np.isneginf(x).sum())) for k, x in (("a", a), ("b", b))}
    af, bf = a[finite], b[finite]
    err = np.abs(af - bf)
    absb = np.abs(bf)
    nz = bf != 0
    rel = err[nz] / absb[nz]
    worst = int(np.argmax(err))
    bad = ~close[finite]
    stats = {
        "maxAbs": float(err.max()),
        "maxRel": float(rel.max()),
        "maxAbsViol": float(err[bad].max()) if bad.any() else None,
        "meanAbs": float(err.mean(dtype=np.float64)),
        "p99": float(np.percentile(err.astype(np.float64), 99)),
        "worst": (np.unravel_index(worst, a.shape), float(af[worst]), float(bf[worst])),
        "minAtol": float(max(0.0, (err - np.float32(RTOL) * absb).max())),
        "minRtol": float(max(0.0, ((err - np.float32(ATOL))[nz] / absb[nz]).max())),
        "cosine": float(np.dot(a.astype(np.float64), b.astype(np.float64)) / (np.linalg.norm(a.astype(np.float64)) * np.linalg.norm(b.astype(np.float64)))),
        "nonfinite": nonfinite,
    }
    return passed, mismatched, stats


def main():
    d, runs = sys.argv[1], int(sys.argv[2])
    a = np.fromfile(f"{d}/first.f32", dtype="<f4")
    b = np.fromfile(f"{d}/second.f32", dtype="<f4")
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        passed, mismatched, s = compare(a, b)
        times.append((time.perf_counter() - t0) * 1000)
    summary = f"passed={passed} mismatched={mismatched} maxAbs={s['maxAbs']} maxRel={s['maxRel']} p99={s['p99']} minAtol~{s['minAtol']} minRtol~{s['minRtol']}"
    print(json.dumps({"version": np.__version__, "times_ms": times, "summary": summary}))


if __name__ == "__main__":
    main()
