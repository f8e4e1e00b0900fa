/**
 * Segmentation agreement: turn each side's output into a label mask the same way and compare
 * the masks pixel by pixel.
 *
 * - 'argmax': class scores [B, C, H, W] (C ≥ 2); a pixel's label is the argmax over C (numpy
 *   order: NaN first, ties to the lower class).
 * - 'threshold': one probability map ([B, 1, H, W], [B, H, W] or [H, W]); a pixel is foreground
 *   (1) when its value is > threshold, else background (0). NaN is background.
 *
 * Per-class IoU is |A=c ∧ B=c| / |A=c ∨ B=c| over classes present in either mask; mIoU is their
 * mean. A batch is one long run of pixels.
 */
import { ranksAbove } from '../compare/class-agreement.js';
import type { Operand } from '../compare/operand.js';
import { volume } from '../tensor/shape.js';
import type { ClassIou, SegmentFigures, SegmentItem, SegmentLayout, SegmentSummary } from './types.js';

/** Label mask of one side: Int32Array of B·H·W labels. */
export function labelMask(layout: SegmentLayout, values: Operand['values'], shape: readonly number[], threshold: number): Int32Array {
  if (layout === 'threshold') {
    const out = new Int32Array(volume(shape));
    for (let i = 0; i < out.length; i++) out[i] = values[i]! > threshold ? 1 : 0;
    return out;
  }
  const [batch, classes, h, w] = shape as [number, number, number, number];
  const plane = h * w;
  const out = new Int32Array(batch * plane);
  for (let b = 0; b < batch; b++) {
    const base = b * classes * plane;
    for (let p = 0; p < plane; p++) {
      let best = 0;
      for (let c = 1; c < classes; c++) {
        if (ranksAbove(values[base + c * plane + p]!, c, values[base + best * plane + p]!, best)) best = c;
      }
      out[b * plane + p] = best;
    }
  }
  return out;
}

/** Pixel counts of two masks of equal length: agreeing, and per class intersection / union. */
export interface MaskCounts {
  readonly pixels: number;
  readonly agreeing: number;
  /** class → [intersection, union]. */
  readonly perClass: ReadonlyMap<number, readonly [number, number]>;
}

export function countMasks(first: Int32Array, second: Int32Array): MaskCounts {
  const inter = new Map<number, number>();
  const inA = new Map<number, number>();
  const inB = new Map<number, number>();
  let agreeing = 0;
  const inc = (m: Map<number, number>, k: number) => m.set(k, (m.get(k) ?? 0) + 1);
  for (let i = 0; i < first.length; i++) {
    const a = first[i]!;
    const b = second[i]!;
    inc(inA, a);
    inc(inB, b);
    if (a === b) {
      agreeing++;
      inc(inter, a);
    }
  }
  const perClass = new Map<number, readonly [number, number]>();
  for (const c of new Set([...inA.keys(), ...inB.keys()])) {
    const i = inter.get(c) ?? 0;
    perClass.set(c, [i, (inA.get(c) ?? 0) + (inB.get(c) ?? 0) - i]);
  }
  return { pixels: first.length, agreeing, perClass };
}

/** Figures from counts (pixels 0: agreement 1, mIoU 1 — nothing to disagree on). */
export function segmentFigures(c: MaskCounts): SegmentFigures {
  const perClass: ClassIou[] = [...c.perClass].sort((x, y) => x[0] - y[0]).map(([cls, [intersection, union]]) => ({
    cls, intersection, union, iou: union > 0 ? intersection / union : null,
  }));
  const defined = perClass.filter((p) => p.iou !== null).map((p) => p.iou!);
  return {
    pixels: c.pixels,
    agreeing: c.agreeing,
    pixelAgreement: c.pixels === 0 ? 1 : c.agreeing / c.pixels,
    perClass,
    miou: defined.length === 0 ? 1 : defined.reduce((s, x) => s + x, 0) / defined.length,
  };
}

export function segmentItem(layout: SegmentLayout, output: string, first: Int32Array, second: Int32Array, threshold: number): SegmentItem {
  return { kind: 'segment', layout, output, threshold: layout === 'threshold' ? threshold : null, ...segmentFigures(countMasks(first, second)) };
}

/** Over a run: pixels pooled, per-class intersections and unions summed, then IoU and mIoU. */
export function summarizeSegment(items: readonly SegmentItem[]): SegmentSummary {
  let pixels = 0;
  let agreeing = 0;
  const perClass = new Map<number, [number, number]>();
  for (const it of items) {
    pixels += it.pixels;
    agreeing += it.agreeing;
    for (const p of it.perClass) {
      const s = perClass.get(p.cls) ?? [0, 0];
      s[0] += p.intersection;
      s[1] += p.union;
      perClass.set(p.cls, s);
    }
  }
  return { kind: 'segment', images: items.length, ...segmentFigures({ pixels, agreeing, perClass }) };
}
