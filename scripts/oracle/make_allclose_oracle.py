#!/usr/bin/python3
"""Golden verdicts of numpy.testing.assert_allclose for test/compare/numpy-oracle.test.ts.

Run with Debian's numpy (the pyenv python3 first on PATH has none):

    /usr/bin/python3 scripts/oracle/make_allclose_oracle.py

Writes fixtures/oracle/arrays/<case>.first.npy / .second.npy and fixtures/oracle/cases.json.
Deterministic (fixed seeds); re-running rewrites identical files.

For every case the JSON records what numpy itself does:
  - passed / failure: whether assert_allclose(actual=first, desired=second, rtol, atol) raised,
    and which check failed ("shape", "nan location", "+inf location", "-inf location", "values");
    taken from numpy's own AssertionError message.
  - mismatched: numpy's "Mismatched elements: N / M" (parsed from the message), or, when numpy
    stops earlier at a location check, the count of False in np.isclose(..., equal_nan=True)
    over all elements (our `mismatched` counts those too).
  - maxAbs / maxRel: recomputed with the very lines of numpy 1.24's assert_array_compare
    (after removing the matched NaN/inf positions) so they are exact rather than the 6 printed
    digits; the script checks that they agree with the printed ones.
  - f64_mismatched: the count a naive float64 evaluation would give; where it differs from
    `mismatched`, the case proves that precision matters.
"""
import json
import os
import re
import sys

import numpy as np

assert np.__version__.startswith("1.24"), np.__version__

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "fixtures", "oracle")
ARR = os.path.join(OUT, "arrays")

DEFAULT_RTOL, DEFAULT_ATOL = 1e-3, 1e-5


def num(v):
    """JSON-safe float: exact repr for finite values, strings for the rest."""
    if v is None:
        return None
    v = float(v)
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def numpy_figures(x, y):
    """maxAbs and maxRel exactly as numpy 1.24's assert_array_compare computes them."""
    flagged = np.isnan(x) & np.isnan(y)
    flagged = flagged | ((x == np.inf) & (y == np.inf)) | ((x == -np.inf) & (y == -np.inf))
    x, y = x[~flagged], y[~flagged]
    with np.errstate(all="ignore"):
        try:
            error = abs(x - y)
        except TypeError:  # bool - bool: numpy prints no figures
            return None, None
        if np.issubdtype(x.dtype, np.unsignedinteger):
            error2 = abs(y - x)
            np.minimum(error, error2, out=error)
        max_abs = np.max(error)
        nonzero = np.bool_(y != 0)
        if np.all(~nonzero):
            max_rel = np.array(np.inf)
        else:
            max_rel = np.max(error[nonzero] / abs(y[nonzero]))
    return max_abs, max_rel


def verdict(x, y, rtol, atol):
    try:
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol)
        return True, None, None, None, None
    except AssertionError as e:
        msg = str(e)
    if "mismatch)" in msg and "shapes" in msg:
        return False, "shape", None, None, msg
    m = re.search(r"x and y (nan|\+inf|-inf) location mismatch", msg)
    if m:
        return False, m.group(1) + " location", None, None, msg
    m = re.search(r"Mismatched elements: (\d+) / (\d+)", msg)
    assert m, msg
    return False, "values", int(m.group(1)), int(m.group(2)), msg


def printed(msg, label):
    m = re.search(label + r": (\S+)", msg)
    return None if m is None else float(m.group(1).replace("inf", "inf"))


CASES = []


def case(name, first, second, rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL, note=""):
    CASES.append((name, np.asarray(first), np.asarray(second), rtol, atol, note))


def f32(v):
    return np.asarray(v, dtype=np.float32)


def f16(v):
    return np.asarray(v, dtype=np.float16)


def boundary(dtype, rtol, atol, seed, n=300):
    """x at, one ulp inside and one ulp outside |x-y| = atol + rtol*|y|, the tolerance computed
    in `dtype` arithmetic as numpy does. The difference itself is rounded too, so some "at" and
    "outside" elements pass or fail only because of rounding: numpy's count is the answer, and
    f64_mismatched shows where a float64 evaluation would differ."""
    rng = np.random.default_rng(seed)
    y = (rng.standard_normal(n) * 4).astype(dtype)
    y[: n // 10] = 0  # pure-atol elements
    tol = (dtype(atol) + dtype(rtol) * abs(y)).astype(dtype)
    sign = np.where(rng.random(n) < 0.5, -1, 1).astype(dtype)
    at = (y + sign * tol).astype(dtype)
    away = (sign * np.inf).astype(dtype)
    inside = np.nextafter(at, -away).astype(dtype)
    outside = np.nextafter(at, away).astype(dtype)
    return y, at, inside, outside


def build():
    rng = np.random.default_rng(20240601)
    # --- zeros in the reference: the rtol term vanishes, only atol counts.
    case("zeros_ref_f32", f32([0, 1e-6, 1e-5, 1.1e-5, -2e-5, 0, 3e-3, -0.0]), f32(np.zeros(8)))
    case("zeros_both_f32", f32(np.zeros(5)), f32(np.zeros(5)))
    case("negative_zero_f32", f32([-0.0, 0.0, -0.0]), f32([0.0, -0.0, -0.0]), 0.0, 0.0)
    # --- NaN handling.
    case("nan_same_f32", f32([1, np.nan, 3, np.nan]), f32([1, np.nan, 3.001, np.nan]))
    case("nan_same_values_fail_f32", f32([1, np.nan, 3.5]), f32([1, np.nan, 3]))
    case("nan_diff_f32", f32([1, np.nan, 3]), f32([1, 2, np.nan]))
    case("nan_vs_inf_f32", f32([np.nan, 1]), f32([np.inf, 1]))
    case("all_nan_f32", f32([np.nan, np.nan]), f32([np.nan, np.nan]))
    # --- infinities.
    case("inf_match_f32", f32([np.inf, -np.inf, 1]), f32([np.inf, -np.inf, 1]))
    case("inf_sign_mismatch_f32", f32([np.inf, 1]), f32([-np.inf, 1]))
    case("neginf_only_f32", f32([-np.inf, 1]), f32([1, 1]))
    case("inf_vs_finite_f32", f32([1, 2, 3e38]), f32([1, 2, np.inf]))
    case("overflow_diff_f32", f32([3e38, 1]), f32([-3e38, 1]))
    # --- float32 subnormals.
    sub = np.float32(1.4e-45)
    case("denormals_f32_atol0", f32([sub, 2 * sub, 1e-40, 0]), f32([2 * sub, 2 * sub, 1.0001e-40, sub]), 1e-3, 0.0)
    case("denormals_f32_atol_sub", f32([sub, 3 * sub, 1e-40]), f32([0, sub, 1.0001e-40]), 0.0, 2 * 1.401298464324817e-45)
    case("denormals_f32_default", f32([sub, 1e-38, -1e-39]), f32([1e-38, -1e-38, 1e-39]))
    # --- the boundary, float32 arithmetic.
    for rtol, atol, seed in [(1e-3, 1e-5, 1), (1e-5, 1e-8, 2), (0.1, 0.0, 3)]:
        y, at, inside, outside = boundary(np.float32, rtol, atol, seed)
        tag = f"r{rtol:g}_a{atol:g}"
        case(f"boundary_f32_at_{tag}", at, y, rtol, atol)
        case(f"boundary_f32_inside_{tag}", inside, y, rtol, atol)
        case(f"boundary_f32_outside_{tag}", outside, y, rtol, atol)
    # a = 1, b = 1 + x, exactly at tolerance in float32 (hand-checkable).
    case("one_vs_one_plus_eps_f32", f32([1.0]), f32([1.0 + 2 ** -23]), 0.0, 2 ** -23)
    case("one_vs_one_plus_2eps_f32", f32([1.0]), f32([1.0 + 2 ** -22]), 0.0, 2 ** -23)
    # atol that float32 rounds: 1e-5 is not a float32; the rounded value decides.
    fa = np.float32(1e-5)
    case("atol_rounding_f32", f32([0, 0, 0]), f32([fa, np.nextafter(fa, np.float32(1)), np.nextafter(fa, np.float32(0))]), 0.0, 1e-5)
    # atol that float32 rounds UP: 1.00000004e-5 becomes 1.0000000656873453e-05, so numpy passes
    # an element that a float64 evaluation fails.
    up = np.nextafter(fa, np.float32(1))
    case("atol_rounding_up_f32", f32([0, 0]), f32([up, np.nextafter(up, np.float32(1))]), 0.0, 1.00000004e-5)
    # --- the boundary, float16 arithmetic.
    for rtol, atol, seed in [(1e-3, 1e-5, 4), (1e-2, 1e-3, 5)]:
        y, at, inside, outside = boundary(np.float16, rtol, atol, seed)
        tag = f"r{rtol:g}_a{atol:g}"
        case(f"boundary_f16_at_{tag}", at, y, rtol, atol)
        case(f"boundary_f16_inside_{tag}", inside, y, rtol, atol)
        case(f"boundary_f16_outside_{tag}", outside, y, rtol, atol)
    case("f16_random", f16(rng.standard_normal(200)), f16(rng.standard_normal(200)))
    y16 = f16(rng.standard_normal(300))
    case("f16_close", (y16.astype(np.float32) * (1 + rng.standard_normal(300) * 1e-3)).astype(np.float16), y16)
    case("f16_overflow_diff", f16([60000, 1]), f16([-60000, 1]))
    case("f16_subnormal", f16([6e-8, 1e-6, 0]), f16([0, 1.1e-6, 6e-8]), 0.0, 1e-7)
    # --- integers, bool, mixed dtypes.
    case("int8_int8", np.array([1, -5, 100, 0], np.int8), np.array([1, -4, 100, 0], np.int8), 0.0, 0.5)
    case("uint8_uint8", np.array([200, 10, 7], np.uint8), np.array([190, 10, 7], np.uint8), 0.0, 1.0)
    case("int32_int32", np.array([100000, -7, 2 ** 30], np.int32), np.array([100001, -7, 2 ** 30 - 5], np.int32))
    big = 2 ** 60
    case("int64_large", np.array([big, big + 1000, -big], np.int64), np.array([big + 3, big + 1000, -big], np.int64), 0.0, 2.0)
    case("int64_large_rel", np.array([big, big + 2 ** 52], np.int64), np.array([big + 2 ** 40, big], np.int64))
    case("bool_bool", np.array([True, False, True, False]), np.array([True, True, False, False]))
    case("bool_bool_equal", np.array([True, False]), np.array([True, False]))
    case("bool_f32", np.array([True, False, True]), f32([1.0, 0.0, 0.9995]))
    case("f32_bool", f32([1.0, 0.0, 0.9995]), np.array([True, False, True]))
    case("int32_f32", np.array([1, 2, 16777217], np.int32), f32([1.0005, 2, 16777216]), 1e-3, 0.0)
    case("f32_int32", f32([1.0005, 2, 16777216]), np.array([1, 2, 16777217], np.int32), 1e-3, 0.0)
    case("int64_f32", np.array([3, 2 ** 40 + 1], np.int64), f32([3.002, 2 ** 40]), 1e-3, 0.0)
    case("f16_f32", f16([1.0, 2.0, 0.1]), f32([1.0004, 2.01, 0.1]))
    case("f32_f16", f32([1.0004, 2.01, 0.1]), f16([1.0, 2.0, 0.1]))
    case("int8_f16", np.array([1, 2, -3, 100], np.int8), f16([1.0, 2.002, -3.0, 100.1]))
    case("f16_int8", f16([1.0, 2.002, -3.0, 100.1]), np.array([1, 2, -3, 100], np.int8))
    case("uint8_f16", np.array([1, 255, 30], np.uint8), f16([1.0, 255.2, 30.05]))
    case("f32_int8", f32([1.0004, 2, -3.5]), np.array([1, 2, -3], np.int8))
    case("f16_int32", f16([1.0, 2.0, 1000.0]), np.array([1, 3, 1001], np.int32))
    case("int32_f16", np.array([1, 3, 1001], np.int32), f16([1.0, 2.0, 1000.0]))
    # --- shape mismatch (numpy fails; we compare flattened when counts agree).
    case("shape_mismatch_same_count", f32(np.ones((1, 6))), f32(np.ones(6)))
    case("empty_f32", f32(np.zeros(0)), f32(np.zeros(0)))
    # --- large random, float32: a realistic logits pair.
    ref = (rng.standard_normal(8000) * 5).astype(np.float32)
    noisy = (ref + rng.standard_normal(8000).astype(np.float32) * np.float32(3e-3) * abs(ref)).astype(np.float32)
    case("large_f32_noisy", noisy, ref)
    close = (ref * (1 + rng.uniform(-9e-4, 9e-4, 8000))).astype(np.float32)
    case("large_f32_close", close, ref)


def main():
    os.makedirs(ARR, exist_ok=True)
    for f in os.listdir(ARR):
        os.remove(os.path.join(ARR, f))
    build()
    out = []
    discriminating = 0
    for name, x, y, rtol, atol, note in CASES:
        np.save(os.path.join(ARR, f"{name}.first.npy"), x)
        np.save(os.path.join(ARR, f"{name}.second.npy"), y)
        passed, failure, n_mis, n_tot, msg = verdict(x, y, rtol, atol)
        same_shape = x.shape == y.shape
        with np.errstate(all="ignore"):
            close = np.isclose(x.ravel() if not same_shape else x, y.ravel() if not same_shape else y,
                               rtol=rtol, atol=atol, equal_nan=True)
            xf, yf = x.astype(np.float64).ravel(), y.astype(np.float64).ravel()
            fin = np.isfinite(xf) & np.isfinite(yf)
            f64_bad = int(np.sum(~(np.abs(xf[fin] - yf[fin]) <= atol + rtol * np.abs(yf[fin]))))
        isclose_mismatched = int(close.size - np.sum(close))
        max_abs = max_rel = None
        if failure == "values":
            assert n_mis == isclose_mismatched, (name, n_mis, isclose_mismatched)
            max_abs, max_rel = numpy_figures(x, y)
            pa, pr = printed(msg, "Max absolute difference"), printed(msg, "Max relative difference")
            if max_abs is not None:
                assert np.isclose(float(max_abs), pa, rtol=1e-3), (name, max_abs, pa)
                assert (np.isinf(max_rel) and np.isinf(pr)) or np.isclose(float(max_rel), pr, rtol=1e-3), (name, max_rel, pr)
        if f64_bad != int(np.sum(~close.ravel()[fin])):
            discriminating += 1
        out.append({
            "name": name,
            "first": {"file": f"arrays/{name}.first.npy", "dtype": str(x.dtype), "shape": list(x.shape)},
            "second": {"file": f"arrays/{name}.second.npy", "dtype": str(y.dtype), "shape": list(y.shape)},
            "rtol": rtol,
            "atol": atol,
            "passed": passed,
            "failure": failure,
            "mismatched": n_mis if failure == "values" else isclose_mismatched,
            "total": int(x.size),
            "maxAbs": num(max_abs),
            "maxRel": num(max_rel),
            "numpyPrintsFigures": failure == "values" and max_abs is not None,
            "f64_mismatched": f64_bad,
        })
    meta = {
        "generator": "scripts/oracle/make_allclose_oracle.py",
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "rule": "numpy.testing.assert_allclose(actual=first, desired=second, rtol, atol), equal_nan=True",
        "cases": out,
    }
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print(f"{len(out)} cases, {discriminating} where float64 arithmetic would give another mismatch count")


if __name__ == "__main__":
    main()
