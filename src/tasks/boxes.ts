/**
 * Box geometry, class-aware NMS and greedy matching: the parts of detection agreement that do
 * not depend on a model's output layout.
 *
 * NMS follows Ultralytics' `non_max_suppression` (torchvision.ops.nms on boxes offset per class):
 * candidates by descending score (ties: earlier first), a box is dropped when its IoU with a kept
 * box of the same class is *greater* than the threshold, at most `maxDet` kept. We compare classes
 * directly instead of offsetting boxes by class × 7680, which is the same suppression without the
 * offset's float rounding.
 */
import type { Detection, MatchFigures } from './types.js';

/** Ultralytics keeps at most this many candidates (by score) before NMS (`max_nms`). */
export const MAX_NMS_CANDIDATES = 30000;

/** Intersection over union of two corner boxes; 0 when the union is empty (degenerate boxes). */
export function iou(a: Detection, b: Detection): number {
  const iw = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const ih = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  const inter = iw > 0 && ih > 0 ? iw * ih : 0;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : 0;
}

/** Indices 0..n-1 by descending score, ties by index (a stable order, as numpy's kind="stable"). */
function byScore(dets: readonly Detection[]): number[] {
  return dets.map((_, i) => i).sort((i, j) => dets[j]!.score - dets[i]!.score || i - j);
}

/** Class-aware NMS; returns the kept detections, best first. */
export function nms(candidates: readonly Detection[], iouThreshold: number, maxDet: number): Detection[] {
  const order = byScore(candidates).slice(0, MAX_NMS_CANDIDATES);
  const kept: Detection[] = [];
  for (const i of order) {
    if (kept.length >= maxDet) break;
    const d = candidates[i]!;
    if (kept.every((k) => k.cls !== d.cls || !(iou(k, d) > iouThreshold))) kept.push(d);
  }
  return kept;
}

export interface MatchedPair {
  readonly first: number;
  readonly second: number;
  readonly iou: number;
}

/**
 * Greedy matching by score, the way COCO-style evaluators match predictions to ground truth:
 * the first side's detections in descending score order each take the not-yet-matched detection
 * of the second side with the same class and the highest IoU ≥ `minIou` (ties: the second's
 * higher-scoring one, then the earlier). Indices refer to the input arrays.
 */
export function matchDetections(first: readonly Detection[], second: readonly Detection[], minIou: number): MatchedPair[] {
  const secondOrder = byScore(second);
  const taken = new Uint8Array(second.length);
  const pairs: MatchedPair[] = [];
  for (const i of byScore(first)) {
    const a = first[i]!;
    let best = -1;
    let bestIou = minIou;
    for (const j of secondOrder) {
      if (taken[j] || second[j]!.cls !== a.cls) continue;
      const v = iou(a, second[j]!);
      if (v >= bestIou && (best < 0 || v > bestIou)) {
        best = j;
        bestIou = v;
      }
    }
    if (best >= 0) {
      taken[best] = 1;
      pairs.push({ first: i, second: best, iou: bestIou });
    }
  }
  return pairs;
}

/** Figures from counts and matched pairs' IoU sum and max score difference (see MatchFigures). */
export function matchFigures(firstCount: number, secondCount: number, matched: number, iouSum: number, maxScoreDelta: number | null): MatchFigures {
  const bothEmpty = firstCount === 0 && secondCount === 0;
  const precision = bothEmpty ? 1 : firstCount === 0 ? 0 : matched / firstCount;
  const recall = bothEmpty ? 1 : secondCount === 0 ? 0 : matched / secondCount;
  // 2PR/(P+R) written on counts: defined whenever either side has a box.
  const f1 = bothEmpty ? 1 : (2 * matched) / (firstCount + secondCount);
  return {
    firstCount, secondCount, matched,
    onlyFirst: firstCount - matched,
    onlySecond: secondCount - matched,
    precision, recall, f1,
    meanIou: matched > 0 ? iouSum / matched : null,
    maxScoreDelta: matched > 0 ? maxScoreDelta : null,
  };
}

/** Match two images' detections and compute their figures. */
export function compareDetections(first: readonly Detection[], second: readonly Detection[], minIou: number): MatchFigures & { readonly pairs: readonly MatchedPair[] } {
  const pairs = matchDetections(first, second, minIou);
  let iouSum = 0;
  let maxDelta = 0;
  for (const p of pairs) {
    iouSum += p.iou;
    maxDelta = Math.max(maxDelta, Math.abs(first[p.first]!.score - second[p.second]!.score));
  }
  return { ...matchFigures(first.length, second.length, pairs.length, iouSum, pairs.length > 0 ? maxDelta : null), pairs };
}
