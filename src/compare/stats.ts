/**
 * OutputStats from a finished scan.
 *
 * Which elements count: the error figures (maxAbs, maxRel, their "violations" variants,
 * meanAbs, p99Abs, worst) are taken over finite pairs only, i.e. positions where both sides
 * are finite. That is numpy's set: it removes matched NaN/±inf positions before computing
 * `abs(x - y)`, and fails on unmatched ones before printing any figure. Unmatched non-finite
 * positions still count as mismatches and make minAtol/minRtol Infinity; the per-side
 * NaN/inf counts are reported separately, and any non-finite value makes cosine null.
 *
 * maxAbs and maxRel are numpy 1.24's printed figures, bit for bit (in numpy's error
 * precision, e.g. float32 for two float32 outputs). meanAbs, p99Abs and cosine accumulate
 * in float64.
 */
import { InternalError } from '../errors.js';
import { unravelIndex } from '../tensor/shape.js';
import { minimumAtol, minimumRtol } from './min-tolerance.js';
import type { Operand } from './operand.js';
import { percentileLinear } from './percentile.js';
import type { PairScan, ScanPlan } from './scan.js';
import type { ElementRef, OutputStats, Tolerance } from './types.js';

/**
 * Statistics of one compared output. `scan` must have been made with keepAbsDiffs; its
 * absDiffs buffer is reordered (consumed) by the percentile. `shape` gives the worst
 * element's coordinates; pass null when the outputs were compared flattened.
 */
export function computeStats(
  first: Operand,
  second: Operand,
  plan: ScanPlan,
  scan: PairScan,
  tol: Tolerance,
  shape: readonly number[] | null,
): OutputStats {
  if (scan.absDiffs === null) throw new InternalError('computeStats needs a scan made with keepAbsDiffs');
  const any = scan.finite > 0;
  const maxAbs = any ? scan.maxAbs : 0;
  let worst: ElementRef | null = null;
  if (scan.maxAbsIndex >= 0) {
    const i = scan.maxAbsIndex;
    worst = {
      index: shape === null ? [i] : unravelIndex(i, shape),
      first: first.values[i]!,
      second: second.values[i]!,
      absDiff: scan.maxAbs,
    };
  }
  const nonFinite =
    scan.nonFinite.first.nan + scan.nonFinite.first.posInf + scan.nonFinite.first.negInf +
    scan.nonFinite.second.nan + scan.nonFinite.second.posInf + scan.nonFinite.second.negInf;
  const norms = Math.sqrt(scan.normFirst2) * Math.sqrt(scan.normSecond2);
  return {
    maxAbs,
    maxRel: scan.maxRel >= 0 ? scan.maxRel : maxAbs > 0 ? Infinity : 0,
    maxAbsViolations: scan.violationsFinite > 0 ? scan.maxAbsViolations : null,
    maxRelViolations: scan.violationsFinite > 0 ? (scan.maxRelViolations >= 0 ? scan.maxRelViolations : Infinity) : null,
    meanAbs: any ? scan.sumAbs / scan.finite : 0,
    p99Abs: any ? percentileLinear(scan.absDiffs, 99) : 0,
    worst,
    minAtol: minimumAtol(first, second, plan, scan),
    minRtol: minimumRtol(first, second, plan, scan, tol),
    cosine: nonFinite > 0 || norms === 0 || !Number.isFinite(norms) ? null : scan.dot / norms,
  };
}
