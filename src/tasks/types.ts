/**
 * Task-level agreement: does the first backend (usually the engine) give the same *answers* as
 * the second (the reference) — the same class, the same boxes, the same mask — whatever its
 * element-wise error. Pure data, like src/compare/types.ts; renderers and exit codes derive
 * from it.
 *
 * Every figure is a finite number or null ("not defined here"); none is ever NaN, so JSON stays
 * valid and a gate never compares against NaN. The conventions for empty cases are documented
 * on each field and in docs/tasks.md.
 */

export type TaskKind = 'classify' | 'detect' | 'segment';

/** How detections are laid out in a model's outputs. */
export type DetectLayout =
  /** Ultralytics YOLOv8/11: one output [B, 4+nc(+extra), N]: cx, cy, w, h, then class scores. */
  | 'ultralytics'
  /** YOLOv5: one output [B, N, 5+nc]: cx, cy, w, h, objectness, then class scores. */
  | 'yolov5'
  /** Already suppressed (TensorRT EfficientNMS plugin): num_dets, det_boxes (x1,y1,x2,y2), det_scores, det_classes. */
  | 'efficient-nms';

/** The two segmentation outputs we compare. */
export type SegmentLayout =
  /** Class scores [B, C, H, W] (C ≥ 2): the mask is the argmax over C. */
  | 'argmax'
  /** One probability map [B, 1, H, W], [B, H, W] or [H, W]: the mask is value > threshold. */
  | 'threshold';

export interface NmsOptions {
  /** Keep a candidate when its score is > conf (Ultralytics compares strictly). Default 0.25. */
  readonly conf: number;
  /** Suppress a box whose IoU with a kept box of the same class is > iou. Default 0.7. */
  readonly iou: number;
  /** Keep at most this many boxes per image after NMS. Default 300. */
  readonly maxDet: number;
}

export const DEFAULT_NMS: NmsOptions = { conf: 0.25, iou: 0.7, maxDet: 300 };

/** IoU at or above which two boxes of the same class are the same detection. */
export const DEFAULT_MATCH_IOU = 0.5;

export const DEFAULT_MASK_THRESHOLD = 0.5;

/** One detection in input pixels, corners form. */
export interface Detection {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
  readonly score: number;
  readonly cls: number;
}

// ---------------------------------------------------------------- classify

/** One row of class scores (one sample) compared. */
export interface ClassifyRow {
  /** Row index within the input (0 for batch-1 models). */
  readonly row: number;
  /** argmax of each side (numpy order: NaN first, ties to the lower index). */
  readonly firstTop1: number;
  readonly secondTop1: number;
  readonly agree: boolean;
  /** |top-k(first) ∩ top-k(second)|, k = min(5, classes). */
  readonly top5Common: number;
  readonly k: number;
  /** 1-based rank of the reference's (second's) top-1 class in the first's ordering: 1 when they agree. */
  readonly referenceRankInFirst: number;
  /** max over classes of |softmax(first) − softmax(second)|; null when a side holds NaN/Inf. */
  readonly maxSoftmaxDelta: number | null;
  /** Each side's top-1 probability minus its runner-up's (softmax): how sure it was; null with NaN/Inf. */
  readonly firstMargin: number | null;
  readonly secondMargin: number | null;
}

export interface ClassifyItem {
  readonly kind: 'classify';
  readonly output: string;
  readonly classes: number;
  /** True when the rows already were probabilities (in [0, 1], summing to 1) and were not softmaxed again. */
  readonly probabilities: boolean;
  readonly rows: readonly ClassifyRow[];
}

/** A 95% Wilson score interval for a proportion; [0, 1] when n = 0. */
export interface Interval {
  readonly low: number;
  readonly high: number;
}

export interface Flip {
  readonly key: string;
  readonly row: number;
  readonly firstLabel: number;
  readonly secondLabel: number;
  readonly firstName: string | null;
  readonly secondName: string | null;
  readonly firstMargin: number | null;
  readonly secondMargin: number | null;
}

export interface ClassifySummary {
  readonly kind: 'classify';
  readonly rows: number;
  readonly agree: number;
  /** agree / rows; 1 when there are no rows (nothing disagreed). */
  readonly rate: number;
  readonly interval: Interval;
  /** Mean over rows of top5Common / k; 1 when there are no rows. */
  readonly meanTop5Overlap: number;
  /** Worst rank of the reference's top-1 in the first's ordering (1 = always top-1). */
  readonly worstReferenceRank: number;
  /** Max over rows; null when no row had finite values on both sides. */
  readonly maxSoftmaxDelta: number | null;
  readonly flips: readonly Flip[];
}

// ---------------------------------------------------------------- detect

export interface MatchFigures {
  readonly firstCount: number;
  readonly secondCount: number;
  readonly matched: number;
  readonly onlyFirst: number;
  readonly onlySecond: number;
  /**
   * Of the first against the second as ground truth. Both empty: 1, 1, 1 (they agree: nothing
   * there). Exactly one side empty: 0, 0, 0.
   */
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Mean IoU over matched pairs; null when nothing matched. */
  readonly meanIou: number | null;
  /** Max |score difference| over matched pairs; null when nothing matched. */
  readonly maxScoreDelta: number | null;
}

export interface DetectItem extends MatchFigures {
  readonly kind: 'detect';
  readonly layout: DetectLayout;
  /** Outputs read, of the first side (names may differ on the second). */
  readonly outputs: readonly string[];
}

export interface DetectSummary extends MatchFigures {
  readonly kind: 'detect';
  readonly images: number;
  /** Images whose F1 is below 1: at least one box not matched. */
  readonly imagesWithDifferences: number;
}

// ---------------------------------------------------------------- segment

export interface ClassIou {
  readonly cls: number;
  readonly intersection: number;
  readonly union: number;
  /** intersection / union; null when the class is absent from both masks (union 0). */
  readonly iou: number | null;
}

export interface SegmentFigures {
  readonly pixels: number;
  readonly agreeing: number;
  /** agreeing / pixels; 1 when there are no pixels. */
  readonly pixelAgreement: number;
  /** Per class present in either mask (thresholded maps: 0 = background, 1 = foreground). */
  readonly perClass: readonly ClassIou[];
  /** Mean of the defined per-class IoUs; 1 when no class is present in either (no pixels). */
  readonly miou: number;
}

export interface SegmentItem extends SegmentFigures {
  readonly kind: 'segment';
  readonly layout: SegmentLayout;
  readonly output: string;
  /** The threshold used for 'threshold' maps, else null. */
  readonly threshold: number | null;
}

export interface SegmentSummary extends SegmentFigures {
  readonly kind: 'segment';
  readonly images: number;
}

export type TaskItem = ClassifyItem | DetectItem | SegmentItem;
export type TaskSummaryFigures = ClassifySummary | DetectSummary | SegmentSummary;

// ---------------------------------------------------------------- gates and verdict

export type VerdictMode = 'allclose' | 'task' | 'both';

export interface TaskGates {
  /** classify: top-1 rate; detect: F1 over the run; segment: pixel agreement. null = no gate. */
  readonly minAgreement: number | null;
  /** segment only: mIoU over the run. */
  readonly minMiou: number | null;
}

export interface GateResult {
  readonly name: 'min-agreement' | 'min-miou';
  /** What the gate looked at: "top-1 rate", "F1", "pixel agreement", "mIoU". */
  readonly figure: string;
  readonly value: number;
  readonly threshold: number;
  readonly passed: boolean;
}

export interface TaskVerdict {
  readonly gates: readonly GateResult[];
  /** All gates passed (true when there are none). */
  readonly passed: boolean;
}

// ---------------------------------------------------------------- the run, in the report

/** Settings a task run used, recorded in the report. */
export interface TaskSettings {
  readonly nms: NmsOptions;
  readonly matchIou: number;
  /** How boxes are paired between the backends. */
  readonly matching: 'greedy by score, same class, IoU >= matchIou';
  readonly maskThreshold: number;
  readonly gates: TaskGates;
}

/** The `task` section of a compare report. */
export interface TaskReport {
  /** What was asked: a task, or auto. */
  readonly requested: TaskKind | 'auto';
  /** The task compared, or null when auto recognised none (see `reason`). */
  readonly kind: TaskKind | null;
  readonly layout: DetectLayout | SegmentLayout | null;
  /** Why this task and these outputs (or why none). */
  readonly reason: string;
  /** Output names read on each side. */
  readonly outputs: { readonly first: readonly string[]; readonly second: readonly string[] };
  readonly settings: TaskSettings;
  /** Over every input with task figures; null when no task was compared. */
  readonly summary: TaskSummaryFigures | null;
  readonly verdict: TaskVerdict | null;
}

/** Which verdict decided the exit code, and both verdicts. */
export interface VerdictSummary {
  readonly mode: VerdictMode;
  /** True when every compared output passed numpy's allclose (and the NaN/Inf check). */
  readonly allclosePassed: boolean;
  /** The exit code allclose alone would have given (what `exitCode` is under --verdict allclose). */
  readonly allcloseExitCode: number;
  /** The task gates' verdict; null without task mode. */
  readonly taskPassed: boolean | null;
}
