/**
 * The TensorRT backend: one deserialized engine behind the Backend interface.
 * File reading and option checks happen here; every native failure becomes a classified
 * TensorRtError (exit 3) carrying TensorRT's log lines.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { expected, InputError, InternalError, UsageError } from '../../errors.js';
import type { Dim, TensorInfo, TensorMap } from '../../tensor/types.js';
import type { Backend, RunResult, RunTiming } from '../backend.js';
import { classifyEngineError } from './classify-engine-error.js';
import { dtypeFromNative } from './dtypes.js';
import { prepareInferInputs } from './feeds.js';
import { requireTensorRt, runtimeInfoOf } from './load-addon.js';
import type { NativeAddon, NativeEngine, NativeEngineInfo, NativeEngineOptions, NativeGraphState, NativeInferInput, NativeInferResult, NativeRuntimeInfo, NativeTensorDesc } from './native-contract.js';
import { outputsToTensorMap } from './outputs.js';
import { type PlanFileInfo, readPlanFileInfo, type UltralyticsMetadata } from './plan-file.js';
import { TensorRtError } from './tensorrt-error.js';

export type TensorRtLogLevel = NonNullable<NativeEngineOptions['logLevel']>;

export interface TensorRtBackendOptions {
  /** CUDA device index. Defaults to 0. */
  readonly device?: number;
  /** Let version-compatible plans run the TensorRT code embedded in them. Defaults to false. */
  readonly allowHostCode?: boolean;
  /** Plugin libraries to load before deserializing. Defaults to none. */
  readonly plugins?: readonly string[];
  /** Optimization profile to run with. Defaults to 0. */
  readonly profile?: number;
  /** Minimum severity of TensorRT log lines kept. Defaults to "warning". */
  readonly logLevel?: TensorRtLogLevel;
  /** Default for every run (see TensorRtRunOptions.transfers). Defaults to true. */
  readonly transfers?: boolean;
  /** Default for every run (see TensorRtRunOptions.cudaGraph). Defaults to false. */
  readonly cudaGraph?: boolean;
  /** --trt-lib: the TensorRT library (or its folder) to load instead of the one the search finds. */
  readonly trtLib?: string;
}

/** Per-run overrides of the open-time defaults; for `bench`. */
export interface TensorRtRunOptions {
  /**
   * False measures compute alone (trtexec --noDataTransfers): the inputs already on the GPU are
   * reused when their shapes did not change (uploaded once otherwise; see `inputsUploaded`), and
   * nothing is copied back, so the result has no outputs and h2dMs/d2hMs are 0.
   */
  readonly transfers?: boolean;
  /** True replays a CUDA graph of the enqueue, captured on the first run in each state (trtexec --useCudaGraph). */
  readonly cudaGraph?: boolean;
}

/** RunTiming plus what only TensorRT knows. All times in milliseconds. */
export interface TensorRtRunTiming extends RunTiming {
  readonly h2dMs: number;
  /** GPU time of one enqueue or one graph launch (CUDA events). */
  readonly computeMs: number;
  readonly d2hMs: number;
  /** Host time of enqueueV3, or of cudaGraphLaunch for a graph. */
  readonly enqueueMs: number;
  /** Time inside the native worker, including a graph capture. */
  readonly nativeMs: number;
  /** Whether inputs were copied to the GPU and outputs back for this run. */
  readonly transfers: boolean;
  /** False only when transfers is false and the GPU already held inputs of these shapes. */
  readonly inputsUploaded: boolean;
  /** 'off' unless cudaGraph was asked for; then 'captured' (first run in a state), 'replayed' or 'fallback'. */
  readonly graph: NativeGraphState;
  /** Why no graph was used, when graph is 'fallback'; null otherwise. */
  readonly graphFallbackReason: string | null;
}

/** A RunResult whose `outputs` are empty when the run had transfers false. */
export interface TensorRtRunResult extends RunResult {
  readonly timing: TensorRtRunTiming;
}

/**
 * Inputs checked, converted and copied once into the engine's pinned staging buffers, for
 * `runStaged`: a run then copies nothing on the main thread and the GPU reads host memory the CPU
 * did not just write (trtexec's host buffers, prepared once). Made by `TensorRtBackend.stage`;
 * usable only with the backend that made it.
 */
export interface TensorRtStagedInputs {
  /** Names the inputs in messages, as `run`'s key. */
  readonly key: string;
  /** Dtype conversions made while staging (see feeds.ts). */
  readonly conversions: readonly string[];
}

const LOG_LEVELS: readonly TensorRtLogLevel[] = ['error', 'warning', 'info', 'verbose'];

/** Checks options before anything is loaded. @throws UsageError */
export function validateTensorRtOptions(options: TensorRtBackendOptions): void {
  const { device = 0, profile = 0, logLevel = 'warning', plugins = [] } = options;
  validateRunOptions(options);
  if (!Number.isInteger(device) || device < 0) throw new UsageError(expected('a non-negative integer', '--device', device));
  if (!Number.isInteger(profile) || profile < 0) throw new UsageError(expected('a non-negative integer', '--profile', profile));
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(expected(`one of ${LOG_LEVELS.join(', ')}`, 'the TensorRT log level', logLevel));
  for (const p of plugins) if (typeof p !== 'string' || p === '') throw new UsageError(expected('a plugin library path', '--plugin', p));
}

/** Checks the per-run switches (also part of TensorRtBackendOptions). @throws UsageError */
export function validateRunOptions(options: TensorRtRunOptions): void {
  if (options.transfers !== undefined && typeof options.transfers !== 'boolean') throw new UsageError(expected('true or false', 'the TensorRT transfers option', options.transfers));
  if (options.cudaGraph !== undefined && typeof options.cudaGraph !== 'boolean') throw new UsageError(expected('true or false', 'the TensorRT cudaGraph option', options.cudaGraph));
}

/** Reads an engine file whole. @throws InputError naming the file and what is wrong with it. */
export async function readEngineFile(path: string): Promise<Uint8Array> {
  await checkEngineFile(path);
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    throw engineFileError(path, err);
  }
}

/** Checks that `path` is a non-empty regular file, without reading it. @throws InputError */
export async function checkEngineFile(path: string): Promise<number> {
  let size: number;
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new InputError(path, 'is a directory, not a TensorRT engine file');
    size = s.size;
  } catch (err) {
    throw engineFileError(path, err);
  }
  if (size === 0) throw new InputError(path, 'is empty, not a TensorRT engine');
  return size;
}

function engineFileError(path: string, err: unknown): InputError {
  if (err instanceof InputError) return err;
  const code = typeof err === 'object' && err !== null && 'code' in err ? (err as { code: unknown }).code : undefined;
  if (code === 'ENOENT') return new InputError(path, 'no such file', { cause: err });
  if (code === 'EACCES' || code === 'EPERM') return new InputError(path, 'permission denied', { cause: err });
  if (code === 'EISDIR') return new InputError(path, 'is a directory, not a TensorRT engine file', { cause: err });
  return new InputError(path, `cannot be read: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/**
 * Runtime info re-read after loadEngine: the addon dlopens libnvinfer lazily, so the library
 * version (named in messages) may be known only now.
 */
export function freshRuntime(addon: NativeAddon, before: NativeRuntimeInfo): NativeRuntimeInfo {
  const later = runtimeInfoOf(addon);
  return 'error' in later ? before : later;
}

/** `options` without its undefined entries, so they do not override defaults when spread. */
function definedOnly(options: TensorRtRunOptions): TensorRtRunOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

/**
 * TensorRT 8 and later cannot load a TensorRT 7 plan, so say so before asking it.
 * @throws TensorRtError (exit 3)
 */
export function refuseTensorRt7(enginePath: string, planFile: PlanFileInfo): void {
  if (planFile.format !== 'ptrt') return;
  throw new TensorRtError({ reason: 'engine-incompatible', message: `${enginePath}: TensorRT cannot load this engine here: it is a TensorRT 7 plan (it starts with "ptrt"), which TensorRT 8 and later do not load`, hints: [`rebuild the engine on this machine: trtexec --onnx=<model.onnx> --saveEngine=${enginePath}`], detail: [] });
}

/**
 * Plugin libraries as absolute real paths, each once: the addon loads a library once per process
 * and recognises it by this path, so "./p.so" and "p.so" must not count as two.
 * @throws InputError for a file that does not exist
 */
export async function resolvePlugins(plugins: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of plugins) {
    let real: string;
    try {
      real = await realpath(p);
    } catch (err) {
      throw engineFileError(p, err);
    }
    if (!out.includes(real)) out.push(real);
  }
  return out;
}

/** Frees an engine on an error path; the error being thrown matters more than one from dispose. */
async function disposeQuietly(engine: NativeEngine): Promise<void> {
  try {
    await engine.dispose();
  } catch {
    // deliberately ignored: see above
  }
}

/** An engine tensor as TensorInfo: our dtype name when we have one, -1 dims as null (dynamic). */
export function tensorInfoOf(desc: NativeTensorDesc): TensorInfo {
  return { name: desc.name, dtype: dtypeFromNative(desc.dtype) ?? desc.dtype, shape: desc.shape.map((d): Dim => (d < 0 ? null : d)) };
}

/** What makes an engine unusable for us although TensorRT loaded it; null when it is fine. */
function unsupportedIO(enginePath: string, info: NativeEngineInfo): TensorRtError | null {
  const badType = info.tensors.filter((t) => dtypeFromNative(t.dtype) === null);
  if (badType.length > 0) {
    const list = badType.map((t) => `${t.mode} '${t.name}' is ${t.dtype}`).join(', ');
    return new TensorRtError({ reason: 'engine-unsupported', message: `${enginePath}: ${list}; trt-parity runs engines whose inputs and outputs are float32, float16, bfloat16, int8, uint8, int32, int64 or bool`, hints: ['rebuild the engine with float32/float16 I/O, e.g. trtexec ... --inputIOFormats=fp16:chw --outputIOFormats=fp16:chw'], detail: [] });
  }
  const badFormat = info.tensors.filter((t) => t.format !== '' && t.format.toUpperCase() !== 'LINEAR');
  if (badFormat.length > 0) {
    const list = badFormat.map((t) => `${t.mode} '${t.name}' uses ${t.format} (${t.formatDesc})`).join(', ');
    return new TensorRtError({ reason: 'engine-unsupported', message: `${enginePath}: ${list}; trt-parity only reads linear (row-major) tensors`, hints: ['rebuild the engine with linear I/O: trtexec ... --inputIOFormats=fp32:chw --outputIOFormats=fp32:chw'], detail: [] });
  }
  return null;
}

/**
 * A TensorRT engine as a Backend. Create it with `TensorRtBackend.open`.
 *
 * Calls to `run` are queued and run one at a time (the addon serializes per engine too; the queue
 * keeps JavaScript-side timing honest). `dispose` waits for queued runs, is idempotent, and makes
 * later `run` calls reject.
 */
export class TensorRtBackend implements Backend {
  readonly name = 'tensorrt' as const;
  readonly source: string;
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /** What the addon said about the engine, for `inspect` and reports. */
  readonly engineInfo: NativeEngineInfo;
  readonly runtime: NativeRuntimeInfo;
  readonly profile: number;
  readonly device: number;
  /** Run options used when `run` is given none. */
  readonly runOptions: Required<TensorRtRunOptions>;
  /** TensorRT version that built the plan, "10.0.1.6", per its header (undocumented; for messages only). */
  readonly planVersion: string | null;
  /** The engine file's layout: plan format, where the plan starts, any Ultralytics metadata. */
  readonly planFile: PlanFileInfo;
  /** TensorRT log lines printed while the engine loaded. */
  readonly loadLogs: readonly string[];
  readonly #engine: NativeEngine;
  readonly #inputDescs: readonly NativeTensorDesc[];
  readonly #outputOrder: readonly string[];
  readonly #conversions = new Set<string>();
  #lastRunLogs: readonly string[] = [];
  /** What each staged handle made by this backend sends to the addon. */
  readonly #staged = new WeakMap<TensorRtStagedInputs, readonly NativeInferInput[]>();
  #tail: Promise<unknown> = Promise.resolve();
  #disposal: Promise<void> | undefined;

  private constructor(source: string, engine: NativeEngine, info: NativeEngineInfo, runtime: NativeRuntimeInfo, profile: number, device: number, planFile: PlanFileInfo, runOptions: Required<TensorRtRunOptions>) {
    this.source = source;
    this.runOptions = runOptions;
    this.#engine = engine;
    this.engineInfo = info;
    this.runtime = runtime;
    this.profile = profile;
    this.device = device;
    this.planFile = planFile;
    this.planVersion = planFile.version;
    this.loadLogs = info.logs;
    this.#inputDescs = info.tensors.filter((t) => t.mode === 'input');
    const outputs = info.tensors.filter((t) => t.mode === 'output');
    this.#outputOrder = outputs.map((t) => t.name);
    this.inputs = this.#inputDescs.map(tensorInfoOf);
    this.outputs = outputs.map(tensorInfoOf);
  }

  /**
   * Loads `enginePath` on GPU `options.device`.
   * @throws UsageError for bad options or a profile the engine lacks; InputError when the file is
   * missing, unreadable or empty; TensorRtError (exit 3) when TensorRT is unavailable here or the
   * engine cannot be loaded, classified, with TensorRT's log lines.
   */
  static async open(enginePath: string, options: TensorRtBackendOptions = {}): Promise<TensorRtBackend> {
    validateTensorRtOptions(options);
    const { device = 0, profile = 0, allowHostCode = false, plugins = [], logLevel = 'warning', transfers = true, cudaGraph = false } = options;
    await checkEngineFile(enginePath);
    // Before any TensorRT call: a file that is no plan is an input error whether or not TensorRT is here.
    const planFile = await readPlanFileInfo(enginePath);
    const planVersion = planFile.version;
    // The plan's version picks the TensorRT library (and prebuilt addon) of its major (library-discovery.ts).
    const { addon, runtime } = requireTensorRt({ device, planVersion, engine: enginePath, ...(options.trtLib ? { trtLib: options.trtLib } : {}) });
    refuseTensorRt7(enginePath, planFile);
    const bytes = await readEngineFile(enginePath);
    const plan = planFile.planOffset === 0 ? bytes : bytes.subarray(planFile.planOffset);
    const pluginPaths = await resolvePlugins(plugins);
    let engine: NativeEngine;
    try {
      engine = await addon.loadEngine(plan, { device, allowHostCode, plugins: pluginPaths, logLevel });
    } catch (err) {
      const { problem, logs } = classifyEngineError(err, { enginePath, phase: 'load', planVersion, runtime: freshRuntime(addon, runtime), device, allowHostCode });
      throw new TensorRtError(problem, { logs, cause: err });
    }
    let info: NativeEngineInfo;
    try {
      info = engine.info();
    } catch (err) {
      await disposeQuietly(engine);
      const { problem, logs } = classifyEngineError(err, { enginePath, phase: 'load', planVersion, runtime, device, allowHostCode });
      throw new TensorRtError(problem, { logs, cause: err });
    }
    if (profile >= info.numProfiles) {
      await disposeQuietly(engine);
      throw new UsageError(`--profile ${profile} does not exist in ${enginePath}: it has ${info.numProfiles} optimization profile${info.numProfiles === 1 ? '' : 's'} (0..${info.numProfiles - 1})`);
    }
    const unsupported = unsupportedIO(enginePath, info);
    if (unsupported !== null) {
      await disposeQuietly(engine);
      throw unsupported;
    }
    return new TensorRtBackend(enginePath, engine, info, freshRuntime(addon, runtime), profile, device, planFile, { transfers, cudaGraph });
  }

  /** The Ultralytics export metadata wrapped around the plan (task, imgsz, class names, export args); null for a bare plan. */
  get ultralytics(): UltralyticsMetadata | null {
    return this.planFile.ultralytics;
  }

  /** Class names by index, from the engine file's metadata; null when it has none. */
  get classNames(): readonly string[] | null {
    return this.planFile.ultralytics?.classNames ?? null;
  }

  /** Dtype conversions made on inputs so far, e.g. "input 'ids': int64 → int32" (see feeds.ts). */
  get conversions(): readonly string[] {
    return [...this.#conversions];
  }

  /** TensorRT log lines printed during the latest run. */
  get lastRunLogs(): readonly string[] {
    return this.#lastRunLogs;
  }

  /**
   * Runs one input. Feeds are checked and converted before native code runs (feeds.ts).
   * `options` override the open-time `runOptions` for this run only.
   * @throws InputError for feeds that do not fit the engine; UsageError for bad options; TensorRtError
   * for TensorRT/CUDA failures, or (reason "disposed") after dispose().
   */
  run(feeds: TensorMap, key: string, options: TensorRtRunOptions = {}): Promise<TensorRtRunResult> {
    if (this.#disposal !== undefined) return Promise.reject(this.#disposedError());
    try {
      validateRunOptions(options);
    } catch (err) {
      return Promise.reject(err);
    }
    const runOptions = { ...this.runOptions, ...definedOnly(options) };
    const task = this.#tail.then(() => this.#runNow(feeds, key, runOptions));
    this.#tail = task.catch(() => undefined);
    return task;
  }

  /**
   * Checks and converts `feeds` as `run` does and copies them into pinned staging buffers of the
   * engine, once; `runStaged` then runs them without copying on the main thread. The bytes are read
   * when each run executes: the handle always runs these feeds. A later `stage` gets new buffers and
   * leaves earlier handles valid (they run with one more copy, as `run` does).
   * @throws InputError for feeds that do not fit the engine (as `run`); TensorRtError when the
   * engine was disposed or pinned memory cannot be allocated.
   */
  stage(feeds: TensorMap, key: string): TensorRtStagedInputs {
    if (this.#disposal !== undefined) throw this.#disposedError();
    const { inputs, conversions } = prepareInferInputs(feeds, this.#inputDescs, this.profile, key);
    for (const c of conversions) this.#conversions.add(c);
    const engine = this.#engine;
    let staged: NativeInferInput[];
    try {
      staged = inputs.map((input) => {
        const bytes = new Uint8Array(engine.stagingBuffer(input.name, input.data.byteLength));
        bytes.set(new Uint8Array(input.data.buffer, input.data.byteOffset, input.data.byteLength));
        return { name: input.name, shape: input.shape, data: bytes };
      });
    } catch (err) {
      const { problem, logs } = classifyEngineError(err, { enginePath: this.source, phase: 'run', planVersion: this.planVersion, runtime: this.runtime, device: this.device, key });
      throw new TensorRtError(problem, { logs, cause: err });
    }
    const handle: TensorRtStagedInputs = Object.freeze({ key, conversions });
    this.#staged.set(handle, staged);
    return handle;
  }

  /**
   * Runs inputs staged by `stage`, like `run` but with no feed checks, conversions or copies on the
   * main thread. Do not call `stage` for the same inputs while relying on the old handle to be
   * zero-copy (see `stage`).
   * @throws InternalError for a handle this backend did not make; otherwise as `run`.
   */
  runStaged(staged: TensorRtStagedInputs, options: TensorRtRunOptions = {}): Promise<TensorRtRunResult> {
    const inputs = this.#staged.get(staged);
    if (inputs === undefined) return Promise.reject(new InternalError(`${this.source}: runStaged() was given inputs staged by another TensorRT backend`));
    if (this.#disposal !== undefined) return Promise.reject(this.#disposedError());
    try {
      validateRunOptions(options);
    } catch (err) {
      return Promise.reject(err);
    }
    const runOptions = { ...this.runOptions, ...definedOnly(options) };
    const task = this.#tail.then(() => this.#infer(performance.now(), inputs, staged.key, runOptions));
    this.#tail = task.catch(() => undefined);
    return task;
  }

  #disposedError(): TensorRtError {
    return new TensorRtError({ reason: 'disposed', message: `${this.source}: the TensorRT engine was already disposed`, hints: [], detail: [] });
  }

  async #runNow(feeds: TensorMap, key: string, options: Required<TensorRtRunOptions>): Promise<TensorRtRunResult> {
    const start = performance.now();
    const { inputs, conversions } = prepareInferInputs(feeds, this.#inputDescs, this.profile, key);
    for (const c of conversions) this.#conversions.add(c);
    return this.#infer(start, inputs, key, options);
  }

  async #infer(start: number, inputs: readonly NativeInferInput[], key: string, { transfers, cudaGraph }: Required<TensorRtRunOptions>): Promise<TensorRtRunResult> {
    let result: NativeInferResult;
    try {
      // Defaults are left out of the request so that it reads exactly as before for plain runs.
      result = await this.#engine.infer({ profile: this.profile, inputs, ...(transfers ? {} : { transfers }), ...(cudaGraph ? { cudaGraph } : {}) });
    } catch (err) {
      const { problem, logs } = classifyEngineError(err, { enginePath: this.source, phase: 'run', planVersion: this.planVersion, runtime: this.runtime, device: this.device, key });
      this.#lastRunLogs = logs;
      throw new TensorRtError(problem, { logs, cause: err });
    }
    this.#lastRunLogs = result.logs;
    const outputs = outputsToTensorMap(result.outputs, this.#outputOrder);
    const { h2dMs, computeMs, d2hMs, enqueueMs, nativeMs } = result.timing;
    const timing: TensorRtRunTiming = {
      wallMs: performance.now() - start, h2dMs, computeMs, d2hMs, enqueueMs, nativeMs, transfers,
      inputsUploaded: result.inputsUploaded,
      graph: result.graph,
      graphFallbackReason: result.graphFallbackReason,
    };
    // The backend-neutral view of the same numbers (RunTiming.device), which bench reads.
    return { outputs, timing: { ...timing, device: { h2dMs, d2hMs, enqueueMs, graph: timing.graph, graphFallbackReason: timing.graphFallbackReason } } };
  }

  /** Waits for queued runs, then frees the engine. Idempotent: later calls return the same promise. */
  dispose(): Promise<void> {
    this.#disposal ??= this.#tail.then(() => this.#engine.dispose());
    return this.#disposal;
  }
}
