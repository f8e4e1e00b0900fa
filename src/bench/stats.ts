/**
 * Latency statistics, computed the way trtexec computes them (samples/common/sampleReporting.cpp),
 * so that our numbers and trtexec's can be read side by side:
 * - percentile p: sort ascending, exclude = trunc((1 − p/100)·n) evaluated in float32 as trtexec does,
 *   value = sorted[max(n − 1 − exclude, 0)]
 *   (a nearest-rank rule: p99 of 100 samples is the 99th smallest, never an interpolation);
 * - median: the middle sample, or the mean of the two middle ones;
 * - standard deviation: population (divide by n); coefficient of variation = std / mean, in percent.
 */
import type { LatencyStats } from '../report/model/bench.js';

export type { LatencyStats };

/** trtexec's rule for "unstable" (coefficient of variation above 2.5%). */
export const UNSTABLE_CV_PERCENT = 2.5;

export function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} is not in [0, 100]`);
  const n = sorted.length;
  if (n === 0) return NaN;
  // trtexec does this in float32; in float64, (1 − 0.9)·10 is 0.99999… and p90 of 10 samples would differ from trtexec's.
  const f = Math.fround;
  const exclude = Math.trunc(f(f(1 - f(f(p) / 100)) * n));
  return sorted[Math.max(n - 1 - exclude, 0)]!;
}

export function latencyStats(samples: readonly number[]): LatencyStats {
  const n = samples.length;
  if (n === 0) return { count: 0, min: NaN, mean: NaN, median: NaN, p90: NaN, p95: NaN, p99: NaN, max: NaN, std: NaN, cvPercent: NaN };
  const sorted = Float64Array.from(samples).sort();
  const s = Array.from(sorted);
  let sum = 0;
  for (const v of s) sum += v;
  const mean = sum / n;
  let sq = 0;
  for (const v of s) sq += (v - mean) ** 2;
  const std = Math.sqrt(sq / n);
  const m = n >> 1;
  const median = n % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  return {
    count: n,
    min: s[0]!,
    mean,
    median,
    p90: percentileOfSorted(s, 90),
    p95: percentileOfSorted(s, 95),
    p99: percentileOfSorted(s, 99),
    max: s[n - 1]!,
    std,
    cvPercent: mean === 0 ? Infinity : (std / mean) * 100,
  };
}
