/**
 * Task mode end to end, still pure: choose the task and the outputs it reads (from the
 * reference's output shapes and the model's Ultralytics `task`), compute one input's figures
 * from both sides' tensors, aggregate a run, and apply the gates.
 *
 * Outputs are chosen on the second (reference) side, in its output order, and found on the
 * first side through the pairing `compare` already made (by name, else by position), so a
 * renamed engine binding still lines up.
 */
import { operandOf } from '../compare/operand.js';
import { UsageError } from '../errors.js';
import { formatShape, volume } from '../tensor/shape.js';
import type { Tensor, TensorMap } from '../tensor/types.js';
import { classifyItem, isClassScores, summarizeClassify } from './classify.js';
import { decodeDetections, detectItem, summarizeDetect, type DetectTensors } from './detect.js';
import { labelMask, segmentItem, summarizeSegment } from './segment.js';
import {
  DEFAULT_MASK_THRESHOLD, DEFAULT_MATCH_IOU, DEFAULT_NMS,
  type ClassifyItem, type DetectItem, type DetectLayout, type GateResult, type NmsOptions, type SegmentItem,
  type SegmentLayout, type TaskGates, type TaskItem, type TaskKind, type TaskSummaryFigures, type TaskVerdict,
} from './types.js';

import type { TaskRequest } from './requests.js';

export { parseUnitInterval, TASK_REQUESTS, type TaskRequest, VERDICT_MODES } from './requests.js';

export interface TaskOptions {
  readonly nms: NmsOptions;
  /** IoU at or above which boxes of one class match between the backends (default 0.5). */
  readonly matchIou: number;
  /** Threshold for single-channel probability maps (default 0.5). */
  readonly maskThreshold: number;
  readonly gates: TaskGates;
}

export const DEFAULT_TASK_OPTIONS: TaskOptions = {
  nms: DEFAULT_NMS, matchIou: DEFAULT_MATCH_IOU, maskThreshold: DEFAULT_MASK_THRESHOLD, gates: { minAgreement: null, minMiou: null },
};

/** What the model says about itself, when it says anything (Ultralytics metadata). */
export interface TaskHints {
  /** Ultralytics `task`: classify, detect, segment, pose, obb. */
  readonly task?: string;
  /** Class index → name. */
  readonly names?: ReadonlyMap<number, string>;
}

/** Output roles: the reference's output name for each role. */
export type TaskRoles = Readonly<Record<string, string>>;

export type ResolvedTask =
  | { readonly kind: 'classify'; readonly roles: { readonly scores: string }; readonly why: string }
  | { readonly kind: 'detect'; readonly layout: DetectLayout; readonly classes?: number; readonly roles: TaskRoles; readonly why: string }
  | { readonly kind: 'segment'; readonly layout: SegmentLayout; readonly roles: { readonly mask: string }; readonly why: string };

type Shaped = Pick<Tensor, 'dtype' | 'shape'>;

const isFloat = (t: Shaped) => t.dtype === 'float32' || t.dtype === 'float16' || t.dtype === 'bfloat16';
const isInt = (t: Shaped) => !isFloat(t) && t.dtype !== 'bool';

/**
 * Pick the task and its outputs from the reference's concrete outputs.
 * Returns `{ unresolved }` when `auto` finds nothing it recognises; throws UsageError when an
 * explicitly requested task does not fit the outputs (naming them).
 */
export function resolveTask(request: TaskRequest, outputs: ReadonlyMap<string, Shaped>, hints: TaskHints = {}): ResolvedTask | { readonly unresolved: string } {
  const list = [...outputs];
  const described = list.map(([n, t]) => `${n} ${t.dtype}${formatShape(t.shape)}`).join(', ');
  const meta = hints.task;
  const names = hints.names;
  const tryKind = (kind: TaskKind): ResolvedTask | undefined => {
    if (kind === 'classify') {
      const hit = list.find(([, t]) => isFloat(t) && t.shape.length >= 1 && t.shape.length <= 2 && isClassScores(t.shape));
      return hit && { kind, roles: { scores: hit[0] }, why: `class scores in ${hit[0]} ${formatShape(hit[1].shape)}` };
    }
    if (kind === 'detect') {
      const nmsRoles = efficientNmsRoles(list);
      if (nmsRoles) return { kind, layout: 'efficient-nms', roles: nmsRoles, why: 'EfficientNMS outputs (num_dets, det_boxes, det_scores, det_classes)' };
      for (const [n, t] of list) {
        if (!isFloat(t) || t.shape.length !== 3) continue;
        const [, a, b] = t.shape as [number, number, number];
        // Ultralytics: few channels, many anchors ([1, 84, 8400]); YOLOv5: the transpose with objectness ([1, 25200, 85]).
        if (a < b && a >= 5) {
          const classes = names !== undefined && 4 + names.size <= a ? names.size : undefined;
          const extra = classes === undefined ? '' : `, ${classes} classes from the model's names${a > 4 + classes ? ` (${a - 4 - classes} extra channels ignored)` : ''}`;
          return { kind, layout: 'ultralytics', roles: { pred: n }, why: `Ultralytics layout in ${n} ${formatShape(t.shape)}${extra}`, ...(classes === undefined ? {} : { classes }) };
        }
        if (a > b && b >= 6) return { kind, layout: 'yolov5', roles: { pred: n }, why: `YOLOv5 layout in ${n} ${formatShape(t.shape)}` };
      }
      return undefined;
    }
    for (const [n, t] of list) {
      if (!isFloat(t)) continue;
      const s = t.shape;
      if (s.length === 4 && s[1]! >= 2) return { kind, layout: 'argmax', roles: { mask: n }, why: `class scores per pixel in ${n} ${formatShape(s)}` };
      // A map is [B,1,H,W], [B,H,W] or [H,W] with H, W > 1 ([1,1000] is class scores, not a 1×1000 image).
      const hw = s.length === 4 ? (s[1] === 1 ? s.slice(2) : []) : s.length === 3 ? s.slice(1) : s.length === 2 ? s : [];
      if (hw.length === 2 && hw[0]! > 1 && hw[1]! > 1) {
        if (kind === 'segment' && volume(s) > 0) return { kind, layout: 'threshold', roles: { mask: n }, why: `probability map in ${n} ${formatShape(s)}` };
      }
    }
    return undefined;
  };
  if (request !== 'auto') {
    const r = tryKind(request);
    if (r) return r;
    throw new UsageError(`--task ${request}: no output fits it (outputs: ${described})`, { hints: [HINTS[request]] });
  }
  // Metadata first: Ultralytics says what the model is. Its "segment" models are instance
  // segmentation (boxes plus mask coefficients), so they are compared as detections.
  if (meta === 'classify' || meta === 'detect' || meta === 'segment' || meta === 'pose') {
    const kind: TaskKind = meta === 'classify' ? 'classify' : 'detect';
    const r = tryKind(kind);
    if (r) return { ...r, why: `${r.why}; the model's metadata says task=${meta}` } as ResolvedTask;
  }
  if (meta === 'obb') return { unresolved: 'the model is an oriented-box (obb) detector, which task mode does not compare' };
  // Shapes alone: EfficientNMS, then detection tensors, then class scores, then per-pixel scores.
  for (const kind of ['detect', 'classify'] as const) {
    const r = tryKind(kind);
    if (r) return r;
  }
  const seg = list.find(([, t]) => isFloat(t) && t.shape.length === 4 && t.shape[1]! >= 2);
  if (seg) return { kind: 'segment', layout: 'argmax', roles: { mask: seg[0] }, why: `class scores per pixel in ${seg[0]} ${formatShape(seg[1].shape)}` };
  return { unresolved: `no output looks like class scores, detections or masks (outputs: ${described}); name the task with --task` };
}

const HINTS: Readonly<Record<TaskKind, string>> = {
  classify: 'classify reads a float output [N, classes] with at least 2 classes.',
  detect: 'detect reads an Ultralytics [1, 4+nc, N] or YOLOv5 [1, N, 5+nc] output, or EfficientNMS outputs num_dets, det_boxes, det_scores, det_classes.',
  segment: 'segment reads class scores [1, C, H, W] (argmax) or one probability map [1, 1, H, W] / [1, H, W] (thresholded by --mask-threshold).',
};

function efficientNmsRoles(list: readonly [string, Shaped][]): TaskRoles | undefined {
  const find = (re: RegExp, ok: (t: Shaped) => boolean) => list.find(([n, t]) => re.test(n) && ok(t))?.[0];
  const byName = {
    numDets: find(/num/i, (t) => t.shape.length === 2 && t.shape[1] === 1),
    boxes: find(/box/i, (t) => t.shape.length === 3 && t.shape[2] === 4),
    scores: find(/score/i, (t) => t.shape.length === 2 && isFloat(t)),
    classes: find(/class|label/i, (t) => t.shape.length === 2),
  };
  if (byName.numDets && byName.boxes && byName.scores && byName.classes) {
    return { numDets: byName.numDets, boxes: byName.boxes, scores: byName.scores, classes: byName.classes };
  }
  // Unnamed: one [B,1] integer, one [B,K,4], a float [B,K] and an integer [B,K].
  if (list.length !== 4) return undefined;
  const numDets = list.find(([, t]) => isInt(t) && t.shape.length === 2 && t.shape[1] === 1)?.[0];
  const boxes = list.find(([, t]) => t.shape.length === 3 && t.shape[2] === 4)?.[0];
  const k = boxes === undefined ? -1 : list.find(([n]) => n === boxes)![1].shape[1];
  const scores = list.find(([n, t]) => n !== numDets && isFloat(t) && t.shape.length === 2 && t.shape[1] === k)?.[0];
  const classes = list.find(([n, t]) => n !== numDets && isInt(t) && t.shape.length === 2 && t.shape[1] === k)?.[0];
  return numDets && boxes && scores && classes ? { numDets, boxes, scores, classes } : undefined;
}

/** The output names a task reads on each side (second = reference; first through the pairing). */
export function taskOutputs(task: ResolvedTask, pairing: ReadonlyMap<string, string>): { readonly first: string[]; readonly second: string[] } {
  const second = Object.values(task.roles);
  return { second, first: second.map((n) => pairing.get(n) ?? n) };
}

/**
 * One input's task figures. `pairing` maps the second's output names to the first's.
 * @throws UsageError when a side lacks an output or its shape differs from the other side's.
 */
export function evaluateTask(task: ResolvedTask, first: TensorMap, second: TensorMap, pairing: ReadonlyMap<string, string>, opts: TaskOptions): TaskItem {
  const get = (role: string): [Tensor, Tensor] => {
    const sName = (task.roles as TaskRoles)[role]!;
    const fName = pairing.get(sName) ?? sName;
    const b = second.get(sName);
    const a = first.get(fName);
    if (!a || !b) throw new UsageError(`--task ${task.kind}: output ${!b ? sName : fName} is missing on the ${!b ? 'second' : 'first'} side`);
    if (task.kind !== 'detect' && formatShape(a.shape) !== formatShape(b.shape)) {
      throw new UsageError(`--task ${task.kind}: output ${sName} has shape ${formatShape(a.shape)} on the first side and ${formatShape(b.shape)} on the second`);
    }
    return [a, b];
  };
  if (task.kind === 'classify') {
    const [a, b] = get('scores');
    return classifyItem(task.roles.scores, operandOf(a), operandOf(b), b.shape) satisfies ClassifyItem;
  }
  if (task.kind === 'segment') {
    const [a, b] = get('mask');
    const ma = labelMask(task.layout, operandOf(a).values, a.shape, opts.maskThreshold);
    const mb = labelMask(task.layout, operandOf(b).values, b.shape, opts.maskThreshold);
    return segmentItem(task.layout, task.roles.mask, ma, mb, opts.maskThreshold) satisfies SegmentItem;
  }
  const sides: [DetectTensors, DetectTensors] = [{}, {}];
  for (const role of Object.keys(task.roles)) {
    const [a, b] = get(role);
    (sides[0] as Record<string, unknown>)[role] = { values: operandOf(a).values, shape: a.shape };
    (sides[1] as Record<string, unknown>)[role] = { values: operandOf(b).values, shape: b.shape };
  }
  const decode = { ...opts.nms, ...(task.classes === undefined ? {} : { classes: task.classes }) };
  const da = decodeDetections(task.layout, sides[0], decode);
  const db = decodeDetections(task.layout, sides[1], decode);
  return detectItem(task.layout, Object.values(task.roles), da, db, opts.matchIou) satisfies DetectItem;
}

/** Aggregate a run's task items (items of other kinds are ignored). */
export function summarizeTask(kind: TaskKind, items: readonly { readonly key: string; readonly task: TaskItem }[], names?: ReadonlyMap<number, string>): TaskSummaryFigures {
  if (kind === 'classify') return summarizeClassify(items.flatMap(({ key, task }) => (task.kind === 'classify' ? [{ key, item: task }] : [])), names);
  if (kind === 'detect') return summarizeDetect(items.flatMap(({ task }) => (task.kind === 'detect' ? [task] : [])));
  return summarizeSegment(items.flatMap(({ task }) => (task.kind === 'segment' ? [task] : [])));
}

/** The gates' results on a run's summary. --min-miou applies to segment only (UsageError otherwise). */
export function taskVerdict(summary: TaskSummaryFigures, gates: TaskGates): TaskVerdict {
  const results: GateResult[] = [];
  if (gates.minAgreement !== null) {
    const [figure, value] = summary.kind === 'classify' ? ['top-1 agreement', summary.rate]
      : summary.kind === 'detect' ? ['F1', summary.f1] : ['pixel agreement', summary.pixelAgreement];
    results.push({ name: 'min-agreement', figure, value, threshold: gates.minAgreement, passed: value >= gates.minAgreement });
  }
  if (gates.minMiou !== null) {
    if (summary.kind !== 'segment') throw new UsageError(`--min-miou applies to --task segment; this run's task is ${summary.kind}`, { hints: ['Use --min-agreement for classify (top-1 rate) and detect (F1).'] });
    results.push({ name: 'min-miou', figure: 'mIoU', value: summary.miou, threshold: gates.minMiou, passed: summary.miou >= gates.minMiou });
  }
  return { gates: results, passed: results.every((g) => g.passed) };
}
