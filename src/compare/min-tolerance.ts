/**
 * The smallest atol (at the given rtol) and the smallest rtol (at the given atol) that would
 * make numpy's assert_allclose pass, computed against numpy's own rounded arithmetic so that
 * re-running with the reported value passes and its predecessor fails.
 *
 * Definition. For a tolerance value v on the grid of the floating type numpy will compute the
 * tolerance term in (float16, float32 or float64, chosen as precision.ts describes for a
 * tolerance of v's magnitude), element i passes when
 *   minAtol:  d_i ≤ fl(v + fl(rtol·|b_i|))
 *   minRtol:  d_i ≤ fl(atol + fl(v·|b_i|))
 * with d_i numpy's |a_i − b_i|. Each is monotone in v, so per element there is a least
 * passing grid value; the answer is the largest of those. It is found by exponential then
 * binary search over the grid's bit patterns, starting from the element that needs most.
 *
 * Only finite pairs have a finite answer: any NaN/inf position mismatch makes both Infinity,
 * as does a diff that no grid value covers. minRtol is also Infinity when some b_i = 0 with
 * d_i > atol.
 */
import { floatToHalf, halfToFloat } from '../tensor/dtype.js';
import {
  PRECISION_CODE,
  type Precision,
  referencePrecision,
  roundByCode,
  rounder,
  roundTo,
  scalarPrecision,
  widest,
} from './precision.js';
import type { Operand } from './operand.js';
import type { PairScan, ScanPlan } from './scan.js';
import type { Tolerance } from './types.js';

interface Grid {
  readonly max: bigint;
  ord(x: number): bigint;
  value(k: bigint): number;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

const GRIDS: Readonly<Record<Precision, Grid>> = {
  float16: { max: 0x7bffn, ord: (x) => BigInt(floatToHalf(x)), value: (k) => halfToFloat(Number(k)) },
  float32: {
    max: 0x7f7fffffn,
    ord: (x) => { f32[0] = x; return BigInt(u32[0]!); },
    value: (k) => { u32[0] = Number(k); return f32[0]!; },
  },
  float64: {
    max: 0x7fefffffffffffffn,
    ord: (x) => { f64[0] = x; return u64[0]!; },
    value: (k) => { u64[0] = k; return f64[0]!; },
  },
};

/** The least grid value above `from` (which fails) for which `passes` holds; Infinity when none. */
function leastPassing(grid: Grid, from: number, passes: (v: number) => boolean): number {
  const k0 = grid.ord(from);
  let lo = k0;
  let hi: bigint;
  for (let step = 1n; ; step *= 2n) {
    hi = k0 + step;
    if (hi >= grid.max) {
      hi = grid.max;
      if (!passes(grid.value(hi))) return Infinity;
      break;
    }
    if (passes(grid.value(hi))) break;
    lo = hi;
  }
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (passes(grid.value(mid))) hi = mid;
    else lo = mid;
  }
  return grid.value(hi);
}

// The searches live outside the hot loops: a closure created inside a loop would force the
// loop's locals into heap-allocated contexts and slow every iteration.
function raiseAtol(grid: Grid, from: number, d: number, t: number, sumRounder: (v: number) => (x: number) => number): number {
  return leastPassing(grid, from, (v) => d <= sumRounder(v)(v + t));
}

function raiseRtol(grid: Grid, from: number, d: number, ay: number, passes: (d: number, ay: number, v: number) => boolean): number {
  return leastPassing(grid, from, (v) => passes(d, ay, v));
}

function hasNonFiniteMismatch(scan: PairScan): boolean {
  return scan.mismatched > scan.violationsFinite;
}

/** Smallest atol that passes at `tol.rtol`; 0 when none is needed. See the module comment. */
export function minimumAtol(first: Operand, second: Operand, plan: ScanPlan, scan: PairScan): number {
  if (hasNonFiniteMismatch(scan)) return Infinity;
  if (scan.finite === 0 || scan.atolNeed <= 0) return 0;
  const product = plan.tolerance.product;
  const grid = GRIDS[widest(product, scalarPrecision(scan.atolNeed))];
  // numpy picks the sum's type from the atol's own magnitude, so the rounding follows the candidate.
  const sumRounder = (v: number): ((x: number) => number) => rounder(widest(product, scalarPrecision(v)));
  const sumCode = (v: number): number => PRECISION_CODE[widest(product, scalarPrecision(v))];
  const cd = PRECISION_CODE[plan.diff];
  const cp = PRECISION_CODE[product];
  const rtol = plan.tolerance.rtol;
  const a = first.values;
  const b = second.values;
  let need = 0;
  let cs = sumCode(need);
  // One plain loop, rounding functions in locals: this runs over every element (10 M in the benchmark).
  for (let pass = 0; pass < 2; pass++) {
    // Pass 0 settles the element that needs most, so pass 1 rarely has to raise `need` again.
    const start = pass === 0 ? scan.atolNeedIndex : 0;
    const end = pass === 0 ? scan.atolNeedIndex + 1 : a.length;
    for (let i = start; i < end; i++) {
      const x = a[i]!, y = b[i]!;
      if (!(x - x === 0 && y - y === 0)) continue;
      const d = Math.abs(roundByCode(cd, x - y));
      const t = roundByCode(cp, rtol * Math.abs(y));
      if (d <= t || d <= roundByCode(cs, need + t)) continue;
      need = raiseAtol(grid, need, d, t, sumRounder);
      if (need === Infinity) return Infinity;
      cs = sumCode(need);
    }
  }
  return need;
}

/** Smallest rtol that passes at `tol.atol`; 0 when none is needed. See the module comment. */
export function minimumRtol(first: Operand, second: Operand, plan: ScanPlan, scan: PairScan, tol: Tolerance): number {
  if (hasNonFiniteMismatch(scan) || scan.rtolImpossible) return Infinity;
  if (scan.finite === 0 || scan.rtolNeed === -Infinity) return 0;
  const reference = referencePrecision(second.dtype);
  const grid = GRIDS[widest(reference, scalarPrecision(scan.rtolNeed))];
  const cd = PRECISION_CODE[plan.diff];
  // numpy picks the product's type from the rtol's own magnitude, and the sum's from both.
  const terms = (v: number): { cp: number; cs: number; atol: number } => {
    const productP = widest(reference, scalarPrecision(v));
    const sumP = widest(productP, scalarPrecision(tol.atol));
    return { cp: PRECISION_CODE[productP], cs: PRECISION_CODE[sumP], atol: roundTo(sumP, tol.atol) };
  };
  const passes = (d: number, ay: number, v: number): boolean => {
    const { cp, cs, atol } = terms(v);
    return d <= roundByCode(cs, atol + roundByCode(cp, v * ay));
  };
  const a = first.values;
  const b = second.values;
  let need = 0;
  let { cp, cs, atol } = terms(need);
  for (let pass = 0; pass < 2; pass++) {
    const start = pass === 0 ? scan.rtolNeedIndex : 0;
    const end = pass === 0 ? scan.rtolNeedIndex + 1 : a.length;
    for (let i = start; i < end; i++) {
      const x = a[i]!, y = b[i]!;
      if (!(x - x === 0 && y - y === 0)) continue;
      const d = Math.abs(roundByCode(cd, x - y));
      const ay = Math.abs(y);
      if (d <= roundByCode(cs, atol + roundByCode(cp, need * ay))) continue;
      if (ay === 0) return Infinity;
      need = raiseRtol(grid, need, d, ay, passes);
      if (need === Infinity) return Infinity;
      ({ cp, cs, atol } = terms(need));
    }
  }
  return need;
}
