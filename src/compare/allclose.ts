/**
 * The pass/fail verdict of numpy.testing.assert_allclose(actual=first, desired=second,
 * rtol, atol) from numpy 1.24, equal_nan=True, replicated element for element:
 *
 *   1. shapes must be equal (our extension: equal element counts are compared flattened,
 *      where numpy would fail; the result says `flattened`);
 *   2. NaN positions must agree, then +inf positions, then -inf positions (numpy stops at the
 *      first of these that fails: "x and y nan location mismatch");
 *   3. every remaining (finite) pair must satisfy |a − b| ≤ atol + rtol·|b|, evaluated in
 *      numpy's own precision after type promotion (see precision.ts): float32 arrays in
 *      float32 arithmetic with atol and rtol rounded to float32, float16 in float16, integer
 *      and bool references in float64.
 *
 * On a value failure numpy prints "Max absolute difference" and "Max relative difference"
 * over all finite pairs; `numpyMaxAbs` and `numpyMaxRel` are exactly those numbers.
 */
import { formatShape, sameShape, volume } from '../tensor/shape.js';
import type { Tensor } from '../tensor/types.js';
import { operandOf } from './operand.js';
import { scanPairs, type PairScan } from './scan.js';
import type { Tolerance } from './types.js';

/** Why numpy's assert_allclose fails, in the order it checks. */
export type AllcloseFailure = 'shape' | 'nan location' | '+inf location' | '-inf location' | 'values';

export interface AllcloseResult {
  readonly passed: boolean;
  /** Null when passed. */
  readonly failure: AllcloseFailure | null;
  readonly mismatched: number;
  readonly total: number;
  /** Shapes differed but element counts agreed, so the data was compared flattened. */
  readonly flattened: boolean;
  /** Set when the tensors could not be compared element-wise at all (then failure is 'shape'). */
  readonly problem: string | null;
  /** numpy 1.24's printed maxima: set only on a 'values' failure, as numpy prints them only then. */
  readonly numpyMaxAbs: number | null;
  readonly numpyMaxRel: number | null;
  /** The underlying pass, for statistics; null when there is a problem. */
  readonly scan: PairScan | null;
}

/** The verdict numpy reaches from one scan, in numpy's order of checks. */
function verdictOf(scan: PairScan): { passed: boolean; failure: AllcloseFailure | null } {
  if (scan.nanLocationMismatches > 0) return { passed: false, failure: 'nan location' };
  if (scan.posInfLocationMismatches > 0) return { passed: false, failure: '+inf location' };
  if (scan.negInfLocationMismatches > 0) return { passed: false, failure: '-inf location' };
  if (scan.mismatched > 0) return { passed: false, failure: 'values' };
  return { passed: true, failure: null };
}

/** Why two tensors cannot be compared element-wise, or null when they can. */
export function incompatibility(first: Tensor, second: Tensor): string | null {
  for (const [side, t] of [['first', first], ['second', second]] as const) {
    if (t.data.length !== volume(t.shape)) {
      return `${side} output holds ${t.data.length} elements but its shape ${formatShape(t.shape)} needs ${volume(t.shape)}`;
    }
  }
  if (!sameShape(first.shape, second.shape) && volume(first.shape) !== volume(second.shape)) {
    return `shape mismatch: ${formatShape(first.shape)} vs ${formatShape(second.shape)}`;
  }
  return null;
}

/**
 * numpy's verdict on two tensors. With `keepAbsDiffs` the scan keeps every |d| so that
 * statistics (the percentile) can be computed without a second pass.
 */
export function allclose(first: Tensor, second: Tensor, tol: Tolerance, options: { keepAbsDiffs?: boolean } = {}): AllcloseResult {
  const problem = incompatibility(first, second);
  const total = Math.max(first.data.length, second.data.length);
  if (problem !== null) {
    return { passed: false, failure: 'shape', mismatched: total, total, flattened: false, problem, numpyMaxAbs: null, numpyMaxRel: null, scan: null };
  }
  const flattened = !sameShape(first.shape, second.shape);
  return resultOf(scanPairs(operandOf(first), operandOf(second), tol, options.keepAbsDiffs ?? false), flattened);
}

/** The AllcloseResult of a finished scan (for callers that built the operands themselves). */
export function resultOf(scan: PairScan, flattened: boolean): AllcloseResult {
  const { passed, failure } = verdictOf(scan);
  const values = failure === 'values';
  return {
    passed,
    failure,
    mismatched: scan.mismatched,
    total: scan.total,
    flattened,
    problem: null,
    numpyMaxAbs: values ? scan.maxAbs : null,
    // numpy: inf when every reference element left is 0.
    numpyMaxRel: values ? (scan.maxRel < 0 ? Infinity : scan.maxRel) : null,
    scan,
  };
}
