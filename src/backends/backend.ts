/**
 * What every backend is, and what some backends can also do.
 *
 * The contract is small on purpose (Polygraphy's BaseRunner): open once, `run` once per input,
 * `dispose`. Abilities only some backends have are separate interfaces, each with a type guard, so
 * that the app layer asks "can this backend stage inputs?" instead of "is this TensorRT?". Backend
 * names are data here (`name`); only src/backends/ knows which names exist (registry.ts).
 */
import type { TensorInfo, TensorMap } from '../tensor/types.js';

/**
 * A backend's name as it appears in reports and errors ("onnxruntime", …). A plain string here so
 * that nothing outside src/backends/ depends on the list; registry.ts holds it.
 */
export type BackendName = string;

/**
 * Timing of one run. Every backend times `run` the same way (BaseBackend does it), so `wallMs` of
 * two backends compare like with like. All in milliseconds.
 */
export interface RunTiming {
  /** Wall time of the whole `run` call, seen from JavaScript: what a caller waits for. */
  readonly wallMs: number;
  /**
   * The backend's own measure of its compute, when it has one: ONNX Runtime's `session.run()` timed
   * inside its worker thread, TensorRT's GPU time from CUDA events. Absent when the backend cannot tell
   * (a saved run).
   */
  readonly computeMs?: number;
  /** Device transfers and host enqueue time, for backends that run on a device (CUDA events). */
  readonly device?: DeviceTiming;
}

/** What a device backend measures around its compute. All in milliseconds. */
export interface DeviceTiming {
  readonly h2dMs: number;
  readonly d2hMs: number;
  /** Host time spent enqueueing the work (or launching a captured graph). */
  readonly enqueueMs: number;
  /** 'off' unless a captured graph was asked for; then 'captured', 'replayed' or 'fallback'. */
  readonly graph?: string;
  /** Why no graph was used, when `graph` is 'fallback'. */
  readonly graphFallbackReason?: string | null;
}

export interface RunResult {
  readonly outputs: TensorMap;
  readonly timing: RunTiming;
}

/**
 * One producer of outputs: a runtime over a model, or a replay of saved outputs.
 * Opened once per command; `run` is called once per input.
 */
export interface Backend {
  readonly name: BackendName;
  /** The path the user gave. */
  readonly source: string;
  /** Null for a replay that recorded no input description. */
  readonly inputs: readonly TensorInfo[] | null;
  readonly outputs: readonly TensorInfo[];
  /**
   * Its inference keeps every CPU core busy (ONNX Runtime on the CPU with a thread per core): a run
   * that decodes images alongside it then decodes between inferences instead (compare-run.ts).
   * Absent: it leaves cores free (one thread, a GPU, a replay).
   */
  readonly busiesEveryCore?: boolean;
  /** `key` identifies the input (replays serve by it and check that the feeds are the ones they recorded). */
  run(feeds: TensorMap, key: string): Promise<RunResult>;
  /** Frees what the backend holds. Idempotent; `run` rejects afterwards. */
  dispose(): Promise<void>;
}

/**
 * A backend that serves outputs recorded earlier, by key, instead of computing them. Two replays can
 * be compared without any input (over their common keys), and a replay's run is file I/O, so it may
 * overlap with a live backend's run without disturbing its timing.
 */
export interface Replay extends Backend {
  /** Every key with recorded outputs, in recording order. */
  listKeys(): readonly string[];
  /** The digest of the input recorded for `key`, to check that two replays saw the same input. */
  inputDigest(key: string): string | undefined;
}

export function isReplay(backend: Backend): backend is Replay {
  const b = backend as Partial<Replay>;
  return typeof b.listKeys === 'function' && typeof b.inputDigest === 'function';
}

/**
 * A backend that can hold an input in its own (pinned) memory across calls, as trtexec prepares its
 * host buffers once: `bench` stages its input, so each measured call starts from there.
 */
export interface Stager<Staged = unknown> extends Backend {
  stage(feeds: TensorMap, key: string): Staged;
  runStaged(staged: Staged): Promise<RunResult>;
}

export function canStage(backend: Backend): backend is Stager {
  const b = backend as Partial<Stager>;
  return typeof b.stage === 'function' && typeof b.runStaged === 'function';
}

/** Which command opens a backend; a backend may tune itself for it (ONNX Runtime stops spinning for compare). */
export type Purpose = 'compare' | 'bench' | 'inspect' | 'doctor';

/**
 * One command-line option of a backend's option group, as data: the CLI turns it into a commander
 * option, the library takes the same field (commander's camelCase of the long flag) in its options.
 */
export interface OptionSpec {
  /** commander's flags, e.g. "--device <n>", "--plugins <lib.so...>", "--no-transfers". */
  readonly flags: string;
  readonly description: string;
  /** How the value is parsed; absent for a switch. */
  readonly value?: 'string' | 'non-negative-int' | 'positive-int' | 'list' | { readonly choices: readonly string[] };
  readonly default?: string | number | boolean;
  /** The commands that offer it. */
  readonly commands: readonly Purpose[];
}

/** A backend's options, shown together in help. */
export interface OptionGroup {
  /** Help heading, e.g. "ONNX Runtime options". */
  readonly title: string;
  readonly options: readonly OptionSpec[];
}

/**
 * One backend as the registry knows it: its name, which paths it claims, how it opens, its options,
 * and optional abilities (see Inspector, Diagnoser). `O` is its own options type; the registry passes
 * every backend the merged options of all groups.
 */
export interface BackendProvider<O = object> {
  readonly name: BackendName;
  /** Human name for messages and help: "ONNX Runtime". */
  readonly label: string;
  /** What paths it takes, for help and for "cannot tell which backend runs X": "a .onnx model". */
  readonly accepts: string;
  /** False for replays of saved outputs: bench and inspect need something that runs a model. */
  readonly runsModels: boolean;
  /** Whether `path` is this backend's; `isDirectory` comes from one stat() made by the registry. */
  claims(path: string, isDirectory: boolean): boolean | Promise<boolean>;
  /** Why a directory is refused, when this backend is the one that takes directories. */
  readonly directoryRefusal?: string;
  open(path: string, options: O, purpose: Purpose): Promise<Backend>;
  readonly optionGroup: OptionGroup;
}

/** A backend that runs on one of several execution providers (ONNX Runtime's cpu, cuda, tensorrt, …). */
export interface OnProvider extends Backend {
  readonly executionProvider: string;
}

export function runsOnProvider(backend: Backend): backend is OnProvider {
  return typeof (backend as Partial<OnProvider>).executionProvider === 'string';
}

/**
 * What a backend's file says about the preprocessing of its inputs: a saved run records the pipeline that
 * made them (binding: replaying it under another pipeline compares different tensors), a model exported
 * by a known tool names the pipeline it expects (a default, not a rule).
 */
export interface PreprocessHint {
  readonly pipeline: string;
  readonly binding: boolean;
  /** Where it comes from, for the report: "the saved run runs/a", "model.onnx's metadata (an Ultralytics export)". */
  readonly from: string;
}

/** A backend whose files can say which preprocessing their inputs need. */
export interface PreprocessHinter<O = object> extends BackendProvider<O> {
  preprocessHint(path: string): Promise<PreprocessHint | null>;
}

export function hintsPreprocess<O>(p: BackendProvider<O>): p is PreprocessHinter<O> {
  return typeof (p as Partial<PreprocessHinter<O>>).preprocessHint === 'function';
}

/** A backend that can describe a model file without running it: `trt-parity inspect`. */
export interface Inspector<O = object, R = unknown> extends BackendProvider<O> {
  inspect(path: string, options: O): Promise<R>;
}

export function canInspect<O, R>(p: BackendProvider<O>): p is Inspector<O, R> {
  return typeof (p as Partial<Inspector<O, R>>).inspect === 'function';
}

/** A backend that can check its own dependencies on this machine: `trt-parity doctor`. */
export interface Diagnoser<O = object, S = unknown> extends BackendProvider<O> {
  diagnose(options: O): Promise<S>;
}

export function canDiagnose<O, S>(p: BackendProvider<O>): p is Diagnoser<O, S> {
  return typeof (p as Partial<Diagnoser<O, S>>).diagnose === 'function';
}

/**
 * A backend whose start-up can begin before a path is opened: ONNX Runtime starts the worker thread
 * that loads onnxruntime-node while the main thread still loads modules, reads the models and
 * loads sharp (issue 14). `warmUp` resolves once that has started; what it started ends with the
 * backends that use it, or on its own when none does.
 */
export interface WarmUpper<O = object> extends BackendProvider<O> {
  warmUp(options: O): Promise<void>;
}

export function canWarmUp<O>(p: BackendProvider<O>): p is WarmUpper<O> {
  return typeof (p as Partial<WarmUpper<O>>).warmUp === 'function';
}
