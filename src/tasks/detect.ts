/**
 * Detection agreement: decode each backend's raw outputs into boxes the same way, suppress,
 * match, and report how far the first side's detections are from the second's.
 *
 * Layouts (see DetectLayout): Ultralytics YOLOv8/11 `[B, 4+nc(+extra), N]`, YOLOv5
 * `[B, N, 5+nc]`, and EfficientNMS outputs that are already suppressed. Boxes stay in the
 * model's input pixels: both backends saw the same tensor, so no letterbox undoing is needed
 * to compare them. A batch of B images is matched image by image and summed.
 */
import { UsageError } from '../errors.js';
import type { Operand } from '../compare/operand.js';
import { compareDetections, matchFigures, nms } from './boxes.js';
import type { DetectItem, DetectLayout, DetectSummary, Detection, NmsOptions } from './types.js';

/** One side's outputs as numbers, by the role they play in the layout. */
export interface DetectTensors {
  /** 'ultralytics' / 'yolov5': the prediction tensor. */
  readonly pred?: { readonly values: Operand['values']; readonly shape: readonly number[] };
  /** 'efficient-nms': the four outputs. */
  readonly numDets?: { readonly values: Operand['values']; readonly shape: readonly number[] };
  readonly boxes?: { readonly values: Operand['values']; readonly shape: readonly number[] };
  readonly scores?: { readonly values: Operand['values']; readonly shape: readonly number[] };
  readonly classes?: { readonly values: Operand['values']; readonly shape: readonly number[] };
}

export interface DecodeOptions extends NmsOptions {
  /**
   * Number of classes, for Ultralytics outputs that carry more than boxes and scores (segment:
   * 32 mask coefficients, pose: keypoints): channels = 4 + nc + extra. Undefined: every
   * channel after the box is a class score.
   */
  readonly classes?: number;
}

/** Decode (and for raw layouts, suppress) one side's detections, one list per batch image. */
export function decodeDetections(layout: DetectLayout, t: DetectTensors, opts: DecodeOptions): Detection[][] {
  if (layout === 'efficient-nms') return decodeEfficientNms(t);
  const pred = t.pred;
  if (pred === undefined || pred.shape.length !== 3) throw new UsageError(`--task detect (${layout}) needs one output of rank 3`);
  const [batch, d1, d2] = pred.shape as [number, number, number];
  const out: Detection[][] = [];
  for (let b = 0; b < batch; b++) {
    const cands = layout === 'ultralytics'
      ? ultralyticsCandidates(pred.values, b * d1 * d2, d1, d2, opts)
      : yolov5Candidates(pred.values, b * d1 * d2, d1, d2, opts);
    out.push(nms(cands, opts.iou, opts.maxDet));
  }
  return out;
}

/** [4+nc+extra, N] channel-major: channel c of anchor a is at c*N + a. */
function ultralyticsCandidates(v: Operand['values'], off: number, channels: number, anchors: number, opts: DecodeOptions): Detection[] {
  const nc = opts.classes ?? channels - 4;
  if (nc < 1 || 4 + nc > channels) throw new UsageError(`--task detect: an Ultralytics output with ${channels} channels cannot hold 4 box values and ${nc} class scores`);
  const out: Detection[] = [];
  for (let a = 0; a < anchors; a++) {
    let best = 0;
    let score = -Infinity;
    for (let c = 0; c < nc; c++) {
      const s = v[off + (4 + c) * anchors + a]!;
      // First maximum wins, as torch's max(1).
      if (s > score) { score = s; best = c; }
    }
    if (!(score > opts.conf)) continue;
    out.push(fromXywh(v[off + a]!, v[off + anchors + a]!, v[off + 2 * anchors + a]!, v[off + 3 * anchors + a]!, score, best));
  }
  return out;
}

/** [N, 5+nc] anchor-major; score = objectness × class score, both filtered by conf as YOLOv5 does. */
function yolov5Candidates(v: Operand['values'], off: number, anchors: number, channels: number, opts: DecodeOptions): Detection[] {
  const nc = channels - 5;
  if (nc < 1) throw new UsageError(`--task detect: a YOLOv5 output needs at least 6 values per row, got ${channels}`);
  const out: Detection[] = [];
  for (let a = 0; a < anchors; a++) {
    const row = off + a * channels;
    const obj = v[row + 4]!;
    if (!(obj > opts.conf)) continue;
    let best = 0;
    let score = -Infinity;
    for (let c = 0; c < nc; c++) {
      const s = v[row + 5 + c]! * obj;
      if (s > score) { score = s; best = c; }
    }
    if (!(score > opts.conf)) continue;
    out.push(fromXywh(v[row]!, v[row + 1]!, v[row + 2]!, v[row + 3]!, score, best));
  }
  return out;
}

function fromXywh(cx: number, cy: number, w: number, h: number, score: number, cls: number): Detection {
  return { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score, cls };
}

/** EfficientNMS_TRT: the first num_dets[b] entries of each image, boxes already x1,y1,x2,y2. */
function decodeEfficientNms(t: DetectTensors): Detection[][] {
  const { numDets, boxes, scores, classes } = t;
  if (!numDets || !boxes || !scores || !classes) throw new UsageError('--task detect (efficient-nms) needs num_dets, det_boxes, det_scores and det_classes outputs');
  const batch = boxes.shape[0] ?? 0;
  const k = boxes.shape[1] ?? 0;
  const out: Detection[][] = [];
  for (let b = 0; b < batch; b++) {
    const n = Math.max(0, Math.min(k, Math.trunc(numDets.values[b]!)));
    const dets: Detection[] = [];
    for (let i = 0; i < n; i++) {
      const o = (b * k + i) * 4;
      dets.push({ x1: boxes.values[o]!, y1: boxes.values[o + 1]!, x2: boxes.values[o + 2]!, y2: boxes.values[o + 3]!, score: scores.values[b * k + i]!, cls: classes.values[b * k + i]! });
    }
    out.push(dets);
  }
  return out;
}

/** Compare two sides' decoded detections (same batch size) image by image, summed. */
export function detectItem(layout: DetectLayout, outputs: readonly string[], first: readonly Detection[][], second: readonly Detection[][], minIou: number): DetectItem {
  let fc = 0;
  let sc = 0;
  let matched = 0;
  let iouSum = 0;
  let maxDelta: number | null = null;
  for (let b = 0; b < Math.max(first.length, second.length); b++) {
    const r = compareDetections(first[b] ?? [], second[b] ?? [], minIou);
    fc += r.firstCount;
    sc += r.secondCount;
    matched += r.matched;
    iouSum += (r.meanIou ?? 0) * r.matched;
    if (r.maxScoreDelta !== null) maxDelta = Math.max(maxDelta ?? 0, r.maxScoreDelta);
  }
  return { kind: 'detect', layout, outputs, ...matchFigures(fc, sc, matched, iouSum, maxDelta) };
}

/** Over a run: counts summed (micro-averaged P/R/F1), mean IoU over every matched pair. */
export function summarizeDetect(items: readonly DetectItem[]): DetectSummary {
  let fc = 0;
  let sc = 0;
  let matched = 0;
  let iouSum = 0;
  let maxDelta: number | null = null;
  let differing = 0;
  for (const it of items) {
    fc += it.firstCount;
    sc += it.secondCount;
    matched += it.matched;
    iouSum += (it.meanIou ?? 0) * it.matched;
    if (it.maxScoreDelta !== null) maxDelta = Math.max(maxDelta ?? 0, it.maxScoreDelta);
    if (it.f1 < 1) differing++;
  }
  return { kind: 'detect', images: items.length, imagesWithDifferences: differing, ...matchFigures(fc, sc, matched, iouSum, maxDelta) };
}
