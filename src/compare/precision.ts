/**
 * numpy 1.24's arithmetic precision, replicated: which floating type each step of
 * `assert_allclose` is evaluated in, and rounding to that type.
 *
 * numpy.isclose(x, y) first casts y to `result_type(y, 1.)`, so the tolerance term
 * `atol + rtol * abs(y)` is computed in y's float type, while `abs(x - y)` is computed in
 * `result_type(x, y')`. Python-float tolerances take part through numpy 1.24's legacy
 * value-based casting: a scalar below 65000 in magnitude counts as float16, below 3.4e38
 * as float32, larger as float64, and never widens an array of its own kind beyond that.
 * The error figures numpy prints (`Max absolute difference`) use yet another type:
 * `abs(x - y)` on the *original* arrays, `result_type(x, y)`.
 *
 * Tables (numpy 1.24.2, `np.result_type`, checked by hand with /usr/bin/python3):
 *
 *   result_type(y, 1.)   float16→float16, float32→float32, int8/uint8/int32/int64/bool→float64
 *
 *   result_type(x, y)    f16    f32    i8     u8     i32    i64    bool
 *   float16              f16    f32    f16    f16    f64    f64    f16
 *   float32              f32    f32    f32    f32    f64    f64    f32
 *   int8                 f16    f32    i8     i16    i32    i64    i8
 *   uint8                f16    f32    i16    u8     i32    i64    u8
 *   int32                f64    f64    i32    i32    i32    i64    i32
 *   int64                f64    f64    i64    i64    i64    i64    i64
 *   bool                 f16    f32    i8     u8     i32    i64    bool
 *
 * bfloat16 has no numpy dtype. We define it as "converted exactly to float32 first", so it
 * follows the float32 row and column everywhere.
 *
 * Integer results are computed exactly here (in float64, or BigInt for int64), where numpy
 * wraps around (int8 100 - (-100) prints 56) or fails (bool - bool raises TypeError and
 * prints no difference at all). Those are the only places our printed differences depart
 * from numpy's; the pass/fail verdict never does, because isclose itself always runs in a
 * float type.
 */
import type { DType } from '../tensor/types.js';

/** A floating type that arithmetic is rounded to. */
export type Precision = 'float16' | 'float32' | 'float64';

/** The type of an error figure: a float precision, or an exact integer difference. */
export type ErrorPrecision = Precision | 'integer';

const RANK: Readonly<Record<Precision, number>> = { float16: 0, float32: 1, float64: 2 };

export function widest(a: Precision, b: Precision): Precision {
  return RANK[a] >= RANK[b] ? a : b;
}

/** The float type a dtype's values are exactly representable in, or null for integers and bool. */
function floatPrecisionOf(d: DType): Precision | null {
  if (d === 'float16') return 'float16';
  if (d === 'float32' || d === 'bfloat16') return 'float32';
  return null;
}

function isSmallInt(d: DType): boolean {
  return d === 'int8' || d === 'uint8' || d === 'bool';
}

/** numpy's `result_type(y, 1.)`: the type isclose casts the reference to, and computes the tolerance term in. */
export function referencePrecision(second: DType): Precision {
  return floatPrecisionOf(second) ?? 'float64';
}

/**
 * `result_type(a, b)` when at least one side is a float type; 'integer' when neither is.
 * Integer-with-float: int8/uint8/bool keep the float type, int32/int64 force float64.
 */
function promote(a: DType | Precision, b: DType | Precision): ErrorPrecision {
  const fa = asPrecision(a);
  const fb = asPrecision(b);
  if (fa === null && fb === null) return 'integer';
  if (fa !== null && fb !== null) return widest(fa, fb);
  const f = (fa ?? fb)!;
  const other = (fa === null ? a : b) as DType;
  return isSmallInt(other) ? f : 'float64';
}

function asPrecision(d: DType | Precision): Precision | null {
  if (d === 'float64') return 'float64';
  return floatPrecisionOf(d as DType);
}

/** Precision of `abs(x - y')` inside isclose, after y was cast to its reference precision. */
export function diffPrecision(first: DType, second: DType): Precision {
  return promote(first, referencePrecision(second)) as Precision;
}

/** Precision of the `abs(x - y)` numpy prints (original arrays). */
export function errorPrecision(first: DType, second: DType): ErrorPrecision {
  return promote(first, second);
}

/** The type numpy 1.24's value-based casting gives a non-negative Python float scalar. */
export function scalarPrecision(v: number): Precision {
  const a = Math.abs(v);
  if (a < 65000 || a === Infinity) return 'float16';
  if (a < 3.4e38) return 'float32';
  return 'float64';
}

/**
 * The precisions of `rtol * abs(y)` (product) and of `atol + product` (sum), and the
 * tolerances as numpy sees them after casting to those types.
 */
export interface TolerancePlan {
  readonly product: Precision;
  readonly sum: Precision;
  readonly rtol: number;
  readonly atol: number;
}

export function tolerancePlan(second: DType, rtol: number, atol: number): TolerancePlan {
  const product = widest(referencePrecision(second), scalarPrecision(rtol));
  const sum = widest(product, scalarPrecision(atol));
  return { product, sum, rtol: roundTo(product, rtol), atol: roundTo(sum, atol) };
}

const f64 = new Float64Array(1);
const u32of64 = new Uint32Array(f64.buffer);
// Little-endian hosts only (every platform Node supports for this addon): word 1 holds sign and exponent.
const HI = 1;

/** 1.5·2^(e+42) for the normal half exponents e = -14…15 (a table: Math.pow per element is slow). */
const HALF_ROUNDERS = Float64Array.from({ length: 30 }, (_, i) => 1.5 * 2 ** (i - 14 + 42));

/**
 * Round a float64 to the nearest float16 value (ties to even), returned as a number.
 * Adding and removing 1.5·2^(52+ulpExponent) makes the FPU round at exactly the half's ulp,
 * which is both exact and fast (no logs, no bit loops).
 */
export function roundToHalf(x: number): number {
  if (x !== x || x === 0) return x;
  const a = x < 0 ? -x : x;
  if (a >= 65520) return x < 0 ? -Infinity : Infinity;
  let c: number;
  if (a < 6.103515625e-5) {
    c = 402653184; // subnormal range: fixed ulp 2^-24, so 1.5 * 2^28
  } else {
    f64[0] = a;
    c = HALF_ROUNDERS[((u32of64[HI]! >>> 20) & 0x7ff) - 1023 + 14]!;
  }
  const r = a + c - c;
  return x < 0 ? -r : r;
}

function identity(x: number): number {
  return x;
}

/** The rounding function of a precision. */
export function rounder(p: Precision): (x: number) => number {
  if (p === 'float16') return roundToHalf;
  if (p === 'float32') return Math.fround;
  return identity;
}

export function roundTo(p: Precision, x: number): number {
  return rounder(p)(x);
}

/** A precision as a small integer, for hot loops: one function whose branches V8 inlines beats calls through variables. */
export const PRECISION_CODE: Readonly<Record<Precision, 0 | 1 | 2>> = { float16: 0, float32: 1, float64: 2 };

/** Round to the precision with code 0 (float16), 1 (float32) or 2 (float64). */
export function roundByCode(code: number, x: number): number {
  return code === 1 ? Math.fround(x) : code === 0 ? roundToHalf(x) : x;
}
