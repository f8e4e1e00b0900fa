/**
 * The single pass over element pairs that everything else is derived from: the numpy
 * verdict (allclose.ts) and the statistics (stats.ts). Typed arrays only, no allocation per
 * element; a float32 fast path covers the common case and a generic path covers the rest.
 *
 * Element classes, following numpy's assert_array_compare:
 *  - "finite pair": both values finite. Only these enter the error figures (numpy removes the
 *    matched NaN/inf positions first, and any unmatched one fails before figures are printed).
 *  - "non-finite pair": either value NaN/±inf. It passes when both are NaN or both are the
 *    same infinity; otherwise it is a mismatch of its kind.
 */
import type { NonFiniteCounts, Tolerance } from './types.js';
import type { Operand } from './operand.js';
import {
  diffPrecision,
  errorPrecision,
  type ErrorPrecision,
  PRECISION_CODE,
  type Precision,
  roundByCode,
  tolerancePlan,
  type TolerancePlan,
} from './precision.js';

export interface PairScan {
  readonly total: number;
  /** Elements failing the rule, non-finite mismatches included. */
  readonly mismatched: number;
  /** Positions where exactly one side is NaN / +inf / -inf (numpy's three location checks, in its order). */
  readonly nanLocationMismatches: number;
  readonly posInfLocationMismatches: number;
  readonly negInfLocationMismatches: number;
  readonly nonFinite: { readonly first: NonFiniteCounts; readonly second: NonFiniteCounts };
  /** Number of finite pairs. */
  readonly finite: number;
  /** Max of |first - second| over finite pairs, in numpy's error precision; -1 when there are none. */
  readonly maxAbs: number;
  readonly maxAbsIndex: number;
  /** Max of |d|/|second| over finite pairs with second ≠ 0; -1 when there are none. */
  readonly maxRel: number;
  /** Finite violating pairs, and the same two maxima over them (-1 when none). */
  readonly violationsFinite: number;
  readonly maxAbsViolations: number;
  readonly maxRelViolations: number;
  /** True when some finite violating pair has second = 0 (its relative error is infinite). */
  readonly violationAtZero: boolean;
  /** Σ|d| over finite pairs, float64. */
  readonly sumAbs: number;
  /** Σ first·second, Σ first², Σ second² over all elements, float64. */
  readonly dot: number;
  readonly normFirst2: number;
  readonly normSecond2: number;
  /** |d| of every finite pair, in element order; null unless asked for. */
  readonly absDiffs: Float32Array | Float64Array | null;
  /** max over finite pairs of (isclose diff − rtol term), float64, and where; -Infinity when no finite pair. */
  readonly atolNeed: number;
  readonly atolNeedIndex: number;
  /** max over finite pairs with second ≠ 0 of (isclose diff − atol)/|second|; -Infinity when none needs rtol. */
  readonly rtolNeed: number;
  readonly rtolNeedIndex: number;
  /** A finite pair fails at every rtol: second = 0 and the diff exceeds atol alone. */
  readonly rtolImpossible: boolean;
}

/** The precisions of one comparison, fixed by the two dtypes and the tolerances. */
export interface ScanPlan {
  readonly diff: Precision;
  readonly error: ErrorPrecision;
  readonly tolerance: TolerancePlan;
}

export function scanPlan(first: Operand, second: Operand, tol: Tolerance): ScanPlan {
  return {
    diff: diffPrecision(first.dtype, second.dtype),
    error: errorPrecision(first.dtype, second.dtype),
    tolerance: tolerancePlan(second.dtype, tol.rtol, tol.atol),
  };
}

interface Counts {
  nan: number;
  posInf: number;
  negInf: number;
}

function count(c: Counts, v: number): void {
  if (v !== v) c.nan++;
  else if (v === Infinity) c.posInf++;
  else if (v === -Infinity) c.negInf++;
}

/**
 * Scan two operands of equal length (shape checks are the caller's). With `keepAbsDiffs`,
 * the |d| of every finite pair is kept for the percentile.
 */
export function scanPairs(first: Operand, second: Operand, tol: Tolerance, keepAbsDiffs: boolean): PairScan {
  const plan = scanPlan(first, second, tol);
  const fast =
    first.values instanceof Float32Array &&
    second.values instanceof Float32Array &&
    plan.diff === 'float32' &&
    plan.error === 'float32' &&
    plan.tolerance.product === 'float32' &&
    plan.tolerance.sum === 'float32';
  return fast
    ? scanFloat32(first.values as Float32Array, second.values as Float32Array, plan, keepAbsDiffs)
    : scanGeneric(first, second, plan, keepAbsDiffs);
}

function scanFloat32(a: Float32Array, b: Float32Array, plan: ScanPlan, keep: boolean): PairScan {
  const n = a.length;
  const fr = Math.fround;
  const rtol = plan.tolerance.rtol;
  const atol = plan.tolerance.atol;
  const absDiffs = keep ? new Float32Array(n) : null;
  const c1: Counts = { nan: 0, posInf: 0, negInf: 0 };
  const c2: Counts = { nan: 0, posInf: 0, negInf: 0 };
  let mismatched = 0, nanLoc = 0, posLoc = 0, negLoc = 0;
  let finite = 0, maxAbs = -1, maxAbsIndex = -1, maxRel = -1;
  let viol = 0, maxAbsV = -1, maxRelV = -1, violZero = false;
  let sumAbs = 0, dot = 0, n1 = 0, n2 = 0;
  let atolNeed = -Infinity, atolNeedIndex = -1, rtolNeed = -Infinity, rtolNeedIndex = -1, rtolImpossible = false;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    n1 += x * x;
    n2 += y * y;
    if (x - x === 0 && y - y === 0) {
      const d = Math.abs(fr(x - y));
      const ay = Math.abs(y);
      const t = fr(rtol * ay);
      const ok = d <= fr(atol + t);
      if (absDiffs !== null) absDiffs[finite] = d;
      finite++;
      sumAbs += d;
      if (d > maxAbs) { maxAbs = d; maxAbsIndex = i; }
      const r = d - t;
      if (r > atolNeed) { atolNeed = r; atolNeedIndex = i; }
      let rel = -1;
      if (ay !== 0) {
        rel = fr(d / ay);
        if (rel > maxRel) maxRel = rel;
      }
      if (d > atol) {
        if (ay === 0) rtolImpossible = true;
        else {
          const q = (d - atol) / ay;
          if (q > rtolNeed) { rtolNeed = q; rtolNeedIndex = i; }
        }
      }
      if (!ok) {
        mismatched++;
        viol++;
        if (d > maxAbsV) maxAbsV = d;
        if (ay === 0) violZero = true;
        else if (rel > maxRelV) maxRelV = rel;
      }
    } else {
      count(c1, x);
      count(c2, y);
      const xn = x !== x, yn = y !== y;
      if (xn !== yn) nanLoc++;
      if ((x === Infinity) !== (y === Infinity)) posLoc++;
      if ((x === -Infinity) !== (y === -Infinity)) negLoc++;
      if (!(xn && yn) && x !== y) mismatched++;
    }
  }
  return {
    total: n, mismatched,
    nanLocationMismatches: nanLoc, posInfLocationMismatches: posLoc, negInfLocationMismatches: negLoc,
    nonFinite: { first: c1, second: c2 },
    finite, maxAbs, maxAbsIndex, maxRel,
    violationsFinite: viol, maxAbsViolations: maxAbsV, maxRelViolations: maxRelV, violationAtZero: violZero,
    sumAbs, dot, normFirst2: n1, normSecond2: n2,
    absDiffs: absDiffs === null ? null : absDiffs.subarray(0, finite),
    atolNeed, atolNeedIndex, rtolNeed, rtolNeedIndex, rtolImpossible,
  };
}

/**
 * Exact |first - second| for integer pairs involving int64 (numpy subtracts in int64; we do not
 * wrap around). Rounded once to float64.
 */
function exactInt64Errors(first: Operand, second: Operand): Float64Array {
  const n = first.values.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = first.int64 !== null ? first.int64[i]! : BigInt(first.values[i]!);
    const y = second.int64 !== null ? second.int64[i]! : BigInt(second.values[i]!);
    const d = x - y;
    out[i] = Number(d < 0n ? -d : d);
  }
  return out;
}

function scanGeneric(first: Operand, second: Operand, plan: ScanPlan, keep: boolean): PairScan {
  const a = first.values;
  const b = second.values;
  const n = a.length;
  // Precision codes rather than rounding functions in variables: V8 inlines roundByCode's branches.
  const cd = PRECISION_CODE[plan.diff];
  const errorFloat: Precision = plan.error === 'integer' ? 'float64' : plan.error;
  const ce = PRECISION_CODE[errorFloat];
  const cp = PRECISION_CODE[plan.tolerance.product];
  const cs = PRECISION_CODE[plan.tolerance.sum];
  const rtol = plan.tolerance.rtol;
  const atol = plan.tolerance.atol;
  const exact = plan.error === 'integer' && (first.int64 !== null || second.int64 !== null)
    ? exactInt64Errors(first, second)
    : null;
  const absDiffs = keep ? (errorFloat === 'float64' ? new Float64Array(n) : new Float32Array(n)) : null;
  const c1: Counts = { nan: 0, posInf: 0, negInf: 0 };
  const c2: Counts = { nan: 0, posInf: 0, negInf: 0 };
  let mismatched = 0, nanLoc = 0, posLoc = 0, negLoc = 0;
  let finite = 0, maxAbs = -1, maxAbsIndex = -1, maxRel = -1;
  let viol = 0, maxAbsV = -1, maxRelV = -1, violZero = false;
  let sumAbs = 0, dot = 0, n1 = 0, n2 = 0;
  let atolNeed = -Infinity, atolNeedIndex = -1, rtolNeed = -Infinity, rtolNeedIndex = -1, rtolImpossible = false;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    n1 += x * x;
    n2 += y * y;
    if (x - x === 0 && y - y === 0) {
      // isclose's view: y cast to its reference float type (exact), diff in the promoted type.
      const d = Math.abs(roundByCode(cd, x - y));
      const ay = Math.abs(y);
      const t = roundByCode(cp, rtol * ay);
      const ok = d <= roundByCode(cs, atol + t);
      // The printed error: original arrays, numpy's result_type(x, y).
      const e = exact !== null ? exact[i]! : Math.abs(roundByCode(ce, x - y));
      if (absDiffs !== null) absDiffs[finite] = e;
      finite++;
      sumAbs += e;
      if (e > maxAbs) { maxAbs = e; maxAbsIndex = i; }
      const r = d - t;
      if (r > atolNeed) { atolNeed = r; atolNeedIndex = i; }
      let rel = -1;
      if (ay !== 0) {
        rel = roundByCode(ce, e / ay);
        if (rel > maxRel) maxRel = rel;
      }
      if (d > atol) {
        if (ay === 0) rtolImpossible = true;
        else {
          const q = (d - atol) / ay;
          if (q > rtolNeed) { rtolNeed = q; rtolNeedIndex = i; }
        }
      }
      if (!ok) {
        mismatched++;
        viol++;
        if (e > maxAbsV) maxAbsV = e;
        if (ay === 0) violZero = true;
        else if (rel > maxRelV) maxRelV = rel;
      }
    } else {
      count(c1, x);
      count(c2, y);
      const xn = x !== x, yn = y !== y;
      if (xn !== yn) nanLoc++;
      if ((x === Infinity) !== (y === Infinity)) posLoc++;
      if ((x === -Infinity) !== (y === -Infinity)) negLoc++;
      if (!(xn && yn) && x !== y) mismatched++;
    }
  }
  return {
    total: n, mismatched,
    nanLocationMismatches: nanLoc, posInfLocationMismatches: posLoc, negInfLocationMismatches: negLoc,
    nonFinite: { first: c1, second: c2 },
    finite, maxAbs, maxAbsIndex, maxRel,
    violationsFinite: viol, maxAbsViolations: maxAbsV, maxRelViolations: maxRelV, violationAtZero: violZero,
    sumAbs, dot, normFirst2: n1, normSecond2: n2,
    absDiffs: absDiffs === null ? null : absDiffs.subarray(0, finite),
    atolNeed, atolNeedIndex, rtolNeed, rtolNeedIndex, rtolImpossible,
  };
}
