/**
 * The Wilson score interval for a binomial proportion (Wilson 1927), the interval statsmodels'
 * `proportion_confint(method="wilson")` and scipy's `binomtest(...).proportion_ci("wilson")`
 * compute. Chosen over the normal ("Wald") interval because it stays inside [0, 1] and is not
 * degenerate at 0 % or 100 % agreement — which is exactly where a good engine sits: 500/500
 * agreeing gives [0.9924, 1], not [1, 1].
 */
import type { Interval } from './types.js';

/** z for a two-sided 95 % interval: the 0.975 quantile of the standard normal. */
export const Z95 = 1.959963984540054;

/** Interval for `successes` out of `n`; the whole [0, 1] when n is 0 (nothing is known). */
export function wilsonInterval(successes: number, n: number, z = Z95): Interval {
  if (n <= 0) return { low: 0, high: 1 };
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // Clamp the rounding of p = 0 or 1 (centre ± half lands a few ulps outside [0, 1]).
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}
