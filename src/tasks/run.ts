/**
 * Task mode over a run: one TaskTracker per compare run, fed each input's two output maps. It
 * resolves the task on the first input that has outputs (their concrete shapes, the models'
 * Ultralytics metadata), computes each input's figures, and at the end gives the report's
 * `task` section and the verdict. Pure apart from its own state; backends are only read for
 * their metadata.
 */
import { UsageError, type TrtParityError } from '../errors.js';
import type { TensorMap } from '../tensor/types.js';
import {
  DEFAULT_TASK_OPTIONS, evaluateTask, resolveTask, summarizeTask, taskOutputs, taskVerdict,
  type ResolvedTask, type TaskHints, type TaskOptions, type TaskRequest,
} from './task.js';
import type { TaskItem, TaskReport, VerdictMode, VerdictSummary } from './types.js';

export interface TaskRunSpec {
  readonly request: TaskRequest;
  readonly options?: Partial<TaskOptions>;
  readonly verdict?: VerdictMode;
}

/**
 * What a backend says about the model's task and classes, from Ultralytics metadata: an ONNX
 * model's metadata_props (`model.ultralytics`) or an Ultralytics engine header (`ultralytics`).
 * Read by shape, so that this module needs no backend class.
 */
export function taskHintsOf(backend: unknown): TaskHints {
  const b = backend as { model?: { ultralytics?: { task?: string; names?: ReadonlyMap<number, string> } }; ultralytics?: { task?: string | null; classNames?: readonly string[] | null } | null };
  const onnx = b.model?.ultralytics;
  if (onnx) return { ...(onnx.task ? { task: onnx.task } : {}), ...(onnx.names ? { names: onnx.names } : {}) };
  const trt = b.ultralytics;
  if (trt) {
    return {
      ...(trt.task ? { task: trt.task } : {}),
      ...(trt.classNames ? { names: new Map(trt.classNames.map((n, i) => [i, n] as const)) } : {}),
    };
  }
  return {};
}

export class TaskTracker {
  readonly options: TaskOptions;
  readonly verdictMode: VerdictMode;
  readonly #request: TaskRequest;
  readonly #hints: TaskHints;
  #resolved: ResolvedTask | null = null;
  #unresolved: string | null = null;
  #pairing: ReadonlyMap<string, string> = new Map();
  readonly #items: { key: string; task: TaskItem }[] = [];
  /** Set when the requested task does not fit the outputs: the run cannot go on (exit 2). */
  fatal: TrtParityError | null = null;

  /** `backends`: [first, second]; the reference's metadata wins when both have some. */
  constructor(spec: TaskRunSpec, backends: readonly unknown[] = []) {
    this.#request = spec.request;
    this.verdictMode = spec.verdict ?? 'allclose';
    this.options = {
      ...DEFAULT_TASK_OPTIONS, ...spec.options,
      nms: { ...DEFAULT_TASK_OPTIONS.nms, ...spec.options?.nms },
      gates: { ...DEFAULT_TASK_OPTIONS.gates, ...spec.options?.gates },
    };
    const [a, b] = backends.map(taskHintsOf);
    this.#hints = { ...a, ...b };
    validateTaskOptions(this.options);
  }

  /**
   * One input's figures, or null when no task applies (auto found none, or the task is fatal).
   * `pairing`: second's output name → first's, as compare matched them.
   * @throws UsageError when this input's outputs do not fit the resolved task (the item errors).
   */
  observe(key: string, first: TensorMap, second: TensorMap, pairing: ReadonlyMap<string, string>): TaskItem | null {
    if (this.fatal || this.#unresolved !== null) return null;
    if (this.#resolved === null) {
      try {
        const r = resolveTask(this.#request, second, this.#hints);
        if ('unresolved' in r) {
          this.#unresolved = r.unresolved;
          return null;
        }
        if (this.options.gates.minMiou !== null && r.kind !== 'segment') {
          throw new UsageError(`--min-miou applies to --task segment; this run's task is ${r.kind} (${r.why})`, { hints: ['Use --min-agreement for classify (top-1 rate) and detect (F1).'] });
        }
        this.#resolved = r;
        this.#pairing = pairing;
      } catch (err) {
        if (err instanceof UsageError) {
          this.fatal = err;
          return null;
        }
        throw err;
      }
    }
    const item = evaluateTask(this.#resolved, first, second, this.#pairing, this.options);
    this.#items.push({ key, task: item });
    return item;
  }

  /** The report's task section. */
  report(): TaskReport {
    const r = this.#resolved;
    const settings = {
      nms: this.options.nms, matchIou: this.options.matchIou, matching: 'greedy by score, same class, IoU >= matchIou' as const,
      maskThreshold: this.options.maskThreshold, gates: this.options.gates,
    };
    if (r === null) {
      return {
        requested: this.#request, kind: null, layout: null,
        reason: this.#unresolved ?? 'no input produced outputs to read the task from',
        outputs: { first: [], second: [] }, settings, summary: null, verdict: null,
      };
    }
    const summary = summarizeTask(r.kind, this.#items, this.#hints.names);
    return {
      requested: this.#request, kind: r.kind, layout: r.kind === 'classify' ? null : r.layout, reason: r.why,
      outputs: taskOutputs(r, this.#pairing), settings, summary, verdict: taskVerdict(summary, this.options.gates),
    };
  }
}

/**
 * The exit code under a verdict mode. `allcloseCode` is what the run earns without task mode
 * (0 pass, 1 mismatch, 2/3 an input that could not be compared); those errors always stand.
 * 'task' and 'both' with no task figures (auto recognised none) are a usage problem (2): a gate
 * that cannot be evaluated must not pass.
 */
export function verdictExitCode(mode: VerdictMode, allcloseCode: number, taskPassed: boolean | null): number {
  if (mode === 'allclose' || allcloseCode >= 2) return allcloseCode;
  if (taskPassed === null) return 2;
  if (mode === 'task') return taskPassed ? 0 : 1;
  return allcloseCode === 0 && taskPassed ? 0 : 1;
}

/**
 * A run summary with its exit code decided by `mode`, and both verdicts recorded. Codes ≥ 2
 * (errors, an interrupted run) are kept whatever the mode.
 */
export function withVerdict<S extends { readonly exitCode: number; readonly failed: number }>(summary: S, mode: VerdictMode, task: TaskReport): S & { readonly verdict: VerdictSummary } {
  const taskPassed = task.verdict === null ? null : task.verdict.passed;
  const exitCode = verdictExitCode(mode, summary.exitCode, taskPassed);
  return { ...summary, exitCode, verdict: { mode, allclosePassed: summary.failed === 0, allcloseExitCode: summary.exitCode, taskPassed } };
}

/** Library callers get the CLI's checks: every threshold in [0, 1], maxDet a positive integer. @throws UsageError */
function validateTaskOptions(o: TaskOptions): void {
  const unit: [string, number | null][] = [
    ['conf', o.nms.conf], ['iou', o.nms.iou], ['matchIou', o.matchIou], ['maskThreshold', o.maskThreshold],
    ['minAgreement', o.gates.minAgreement], ['minMiou', o.gates.minMiou],
  ];
  for (const [name, v] of unit) if (v !== null && !(v >= 0 && v <= 1)) throw new UsageError(`task option ${name} must be a number from 0 to 1, got ${v}`);
  if (!(Number.isInteger(o.nms.maxDet) && o.nms.maxDet > 0)) throw new UsageError(`task option maxDet must be a positive integer, got ${o.nms.maxDet}`);
}
