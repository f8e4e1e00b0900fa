/**
 * Classifier-style agreement: for outputs whose last axis has ≥ 2 entries, treat each row
 * (all other axes flattened) as class scores and compare the rankings.
 *
 * Ranking follows numpy's argmax: the larger value wins, NaN beats everything (the first NaN
 * is the argmax), and ties go to the lower index. Top-k uses the same order.
 */
import { volume } from '../tensor/shape.js';
import type { Operand } from './operand.js';
import type { ClassAgreement } from './types.js';

/** True when (v, i) ranks above (w, j). */
export function ranksAbove(v: number, i: number, w: number, j: number): boolean {
  if (v !== v) return w === w || i < j;
  if (w !== w) return false;
  return v > w || (v === w && i < j);
}

/** Indices of the k best entries of row `r` (best first), written into `out`. */
export function topK(values: Float32Array | Float64Array, offset: number, classes: number, k: number, out: Int32Array): void {
  let filled = 0;
  for (let c = 0; c < classes; c++) {
    const v = values[offset + c]!;
    if (filled === k) {
      const last = out[k - 1]!;
      // Fast reject for the common case (a non-NaN value below the current k-th).
      if (v < values[offset + last]!) continue;
      if (!ranksAbove(v, c, values[offset + last]!, last)) continue;
      filled--;
    }
    // Insertion into a list of at most 5: cheaper than any heap.
    let p = filled;
    while (p > 0) {
      const q = out[p - 1]!;
      if (!ranksAbove(v, c, values[offset + q]!, q)) break;
      out[p] = q;
      p--;
    }
    out[p] = c;
    filled++;
  }
}

/**
 * Top-1 agreement and top-5 overlap per row, or null when the last axis has fewer than 2
 * entries, the shape has no axes, or there are no rows. Both operands must follow `shape`.
 */
export function classAgreement(first: Operand, second: Operand, shape: readonly number[]): ClassAgreement | null {
  const classes = shape.length === 0 ? 0 : shape[shape.length - 1]!;
  if (classes < 2) return null;
  const rows = volume(shape) / classes;
  if (rows === 0) return null;
  const k = Math.min(5, classes);
  const ta = new Int32Array(k);
  const tb = new Int32Array(k);
  let top1 = 0;
  let overlapSum = 0;
  for (let r = 0; r < rows; r++) {
    const offset = r * classes;
    topK(first.values, offset, classes, k, ta);
    topK(second.values, offset, classes, k, tb);
    if (ta[0] === tb[0]) top1++;
    let common = 0;
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) if (ta[i] === tb[j]) common++;
    overlapSum += common / k;
  }
  return { rows, top1Agree: top1, top5Overlap: overlapSum / rows, k };
}
