/**
 * Classification agreement per input and over a run.
 *
 * Ranking is numpy's argmax order (shared with src/compare/class-agreement.ts): larger wins, NaN beats
 * everything, ties go to the lower index. Probabilities: a row is used as is when both sides
 * already look like distributions (every value in [0, 1], summing to 1 within 1e-3, as
 * Ultralytics classifiers output); otherwise each side is softmaxed (float64, max subtracted).
 * The softmax figures are then comparable between a logits model and its engine.
 */
import { ranksAbove, topK } from '../compare/class-agreement.js';
import type { Operand } from '../compare/operand.js';
import { volume } from '../tensor/shape.js';
import type { ClassifyItem, ClassifyRow, ClassifySummary, Flip } from './types.js';
import { wilsonInterval } from './wilson.js';

/** Rows of class scores in an output of this shape: last axis ≥ 2 and at least one row. */
export function isClassScores(shape: readonly number[]): boolean {
  const classes = shape.length === 0 ? 0 : shape[shape.length - 1]!;
  return classes >= 2 && volume(shape) > 0;
}

/**
 * Compare one output holding class scores (last axis = classes, all other axes are rows).
 * Both operands follow `shape`. The second is the reference.
 */
export function classifyItem(output: string, first: Operand, second: Operand, shape: readonly number[]): ClassifyItem {
  const classes = shape[shape.length - 1]!;
  const rows = volume(shape) / classes;
  const k = Math.min(5, classes);
  const probabilities = looksLikeDistributions(first.values, rows, classes) && looksLikeDistributions(second.values, rows, classes);
  const ta = new Int32Array(k);
  const tb = new Int32Array(k);
  const pa = new Float64Array(classes);
  const pb = new Float64Array(classes);
  const out: ClassifyRow[] = [];
  for (let r = 0; r < rows; r++) {
    const off = r * classes;
    topK(first.values, off, classes, k, ta);
    topK(second.values, off, classes, k, tb);
    let common = 0;
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) if (ta[i] === tb[j]) common++;
    const ref = tb[0]!;
    let rank = 1;
    const refValue = first.values[off + ref]!;
    for (let c = 0; c < classes; c++) if (c !== ref && ranksAbove(first.values[off + c]!, c, refValue, ref)) rank++;
    const okA = toProbabilities(first.values, off, classes, probabilities, pa);
    const okB = toProbabilities(second.values, off, classes, probabilities, pb);
    let delta: number | null = null;
    if (okA && okB) {
      delta = 0;
      for (let c = 0; c < classes; c++) delta = Math.max(delta, Math.abs(pa[c]! - pb[c]!));
    }
    out.push({
      row: r,
      firstTop1: ta[0]!,
      secondTop1: ref,
      agree: ta[0] === ref,
      top5Common: common,
      k,
      referenceRankInFirst: rank,
      maxSoftmaxDelta: delta,
      // topK on the scores orders the probabilities too (softmax is monotonic).
      firstMargin: okA ? pa[ta[0]!]! - pa[ta[1]!]! : null,
      secondMargin: okB ? pb[ref]! - pb[tb[1]!]! : null,
    });
  }
  return { kind: 'classify', output, classes, probabilities, rows: out };
}

function looksLikeDistributions(v: Float32Array | Float64Array, rows: number, classes: number): boolean {
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const x = v[r * classes + c]!;
      if (!(x >= 0 && x <= 1)) return false;
      sum += x;
    }
    if (Math.abs(sum - 1) > 1e-3) return false;
  }
  return true;
}

/** Fills `out` with the row's probabilities; false when the row holds NaN or ±Inf. */
function toProbabilities(v: Float32Array | Float64Array, off: number, classes: number, already: boolean, out: Float64Array): boolean {
  let max = -Infinity;
  for (let c = 0; c < classes; c++) {
    const x = v[off + c]!;
    if (!Number.isFinite(x)) return false;
    if (x > max) max = x;
  }
  if (already) {
    for (let c = 0; c < classes; c++) out[c] = v[off + c]!;
    return true;
  }
  let sum = 0;
  for (let c = 0; c < classes; c++) {
    const e = Math.exp(v[off + c]! - max);
    out[c] = e;
    sum += e;
  }
  for (let c = 0; c < classes; c++) out[c] = out[c]! / sum;
  return true;
}

/** Over a run: every row of every input counts once. `names` maps class indices to labels. */
export function summarizeClassify(
  items: readonly { readonly key: string; readonly item: ClassifyItem }[],
  names?: ReadonlyMap<number, string>,
): ClassifySummary {
  let rows = 0;
  let agree = 0;
  let overlap = 0;
  let worstRank = 1;
  let maxDelta: number | null = null;
  const flips: Flip[] = [];
  for (const { key, item } of items) {
    for (const r of item.rows) {
      rows++;
      if (r.agree) agree++;
      overlap += r.top5Common / r.k;
      worstRank = Math.max(worstRank, r.referenceRankInFirst);
      if (r.maxSoftmaxDelta !== null) maxDelta = Math.max(maxDelta ?? 0, r.maxSoftmaxDelta);
      if (!r.agree) {
        flips.push({
          key, row: r.row, firstLabel: r.firstTop1, secondLabel: r.secondTop1,
          firstName: names?.get(r.firstTop1) ?? null, secondName: names?.get(r.secondTop1) ?? null,
          firstMargin: r.firstMargin, secondMargin: r.secondMargin,
        });
      }
    }
  }
  return {
    kind: 'classify',
    rows,
    agree,
    rate: rows === 0 ? 1 : agree / rows,
    interval: wilsonInterval(agree, rows),
    meanTop5Overlap: rows === 0 ? 1 : overlap / rows,
    worstReferenceRank: worstRank,
    maxSoftmaxDelta: maxDelta,
    flips,
  };
}
