/**
 * The comparison itself: every input through both backends, every output compared. Talks to the
 * outside world only through CompareIO, so tests run it on fakes; src/app/compare.ts gives it the
 * real one.
 */
import { type Backend, isReplay, type RunResult } from '../backends/backend.js';
import { compareOutputs } from '../compare/compare-outputs.js';
import type { ToleranceSpec } from '../compare/types.js';
import { InputError, TrtParityError, UsageError } from '../errors.js';
import type { DiscoveredImage } from '../image/discover.js';
import { interruptionOf, STOPPED, unlessStopped } from './interruption.js';
import { RepeatedFailureWatch } from './repeated-failure.js';
import { checkModelInputSize, DEFAULT_MAX_TENSOR_BYTES } from '../io/limits.js';
import { itemErrorOf } from '../report/model/common.js';
import { type CompareReport, COMPARE_SCHEMA_VERSION, type SavedRecord, type ItemResult, type PreprocessRecord, summarize } from '../report/model/compare.js';
import type { Tensor, TensorInfo, TensorMap } from '../tensor/types.js';
import type { TaskRunSpec, TaskTracker } from '../tasks/run.js';
import { TOOL_VERSION } from '../version.js';
import { SHARD_RULE, type Shard, takeShard } from './shard.js';

/** What the comparison needs from the outside world. The app passes the real ones; tests pass fakes. */
export interface CompareIO {
  openBackend(path: string): Promise<Backend>;
  discoverImages(args: readonly string[]): Promise<DiscoveredImage[]>;
  /** Decodes and preprocesses one image for the given model input. Returns the tensor and what was done. */
  loadImage(path: string, input: TensorInfo): Promise<{ tensor: Tensor; preprocess: PreprocessRecord }>;
  readTensor(path: string): Promise<Tensor>;
  /** Throws (naming `model`) when no image can feed `input`; called once, before any image. */
  checkImageInput?(input: TensorInfo, model: string): void;
  /**
   * Told how many inputs the run has, and whether they are decoded between inferences (a backend
   * busies every core) rather than alongside, once, before the first loadImage; answers how many to
   * prepare ahead of the one being compared (memory holds at most that many tensors). Default 1.
   */
  planLoads?(inputs: number, between: boolean): number;
  /** Recorders for --save-outputs / --save-inputs; null when not asked. Read after prepareRecorders. */
  readonly outputsRecorder: Recorder | null;
  readonly inputsRecorder: Recorder | null;
  /** Opens the recorders once the first backend is known (it names the producer of saved outputs). */
  prepareRecorders?(first: Backend): Promise<void>;
}

export interface Recorder {
  add(key: string, tensors: TensorMap, inputs: TensorMap): Promise<void>;
  close(): Promise<unknown>;
}

export interface CompareRunOptions {
  readonly first: string;
  readonly second: string;
  /** Image files, folders or globs. */
  readonly images: readonly string[];
  /** name → .npy path, fed instead of (or besides) an image. */
  readonly rawInputs: ReadonlyMap<string, string>;
  readonly tolerance: ToleranceSpec;
  readonly allowNonFinite: boolean;
  readonly failFast: boolean;
  /** Task-level agreement (--task) and the verdict that decides the exit code (--verdict). */
  readonly task?: TaskRunSpec;
  readonly onItem?: (done: number, total: number, item: ItemResult) => void;
  /** Stops before the next input when aborted (Ctrl-C); what ran so far is still reported. */
  readonly signal?: AbortSignal;
  /** Said once in the report's warnings, e.g. where the preprocessing pipeline was taken from. */
  readonly notes?: readonly string[];
  /** Stops at once when aborted (second Ctrl-C, SIGTERM): the input in flight is abandoned, the rest reported. */
  readonly stopNow?: AbortSignal;
  /** Refuse a model input whose fixed shape needs more bytes than this (default DEFAULT_MAX_TENSOR_BYTES). */
  readonly maxTensorBytes?: number;
  /** Run only this shard's inputs (`--shard i/n`); the report records it. */
  readonly shard?: Shard;
  /** Each compared input with both sides' outputs and its feeds (the HTML report's collector). */
  readonly onCompared?: (item: ItemResult, first: TensorMap, second: TensorMap, feeds: TensorMap) => void;
}

/**
 * Runs every input through both backends and compares their outputs. Never throws for a bad
 * image or a failed inference: those become items with status "error", so a folder run reports
 * everything it could do. Throws (UsageError/InputError/BackendError) only when nothing can run:
 * a backend that cannot load, or inputs that cannot be matched to the model.
 */
export async function runCompare(options: CompareRunOptions, io: CompareIO): Promise<CompareReport> {
  const started = performance.now();
  const warnings: string[] = [...(options.notes ?? [])];
  let stoppedNow = false;
  // Both backends open at once (two ORT sessions share one worker, an engine deserialises while ORT
  // loads): start-up is the slower of the two, not their sum. The first one's error wins when both
  // fail, as when they opened one after the other; one that opened is disposed if the other did not.
  const [openedFirst, openedSecond] = await Promise.allSettled([io.openBackend(options.first), io.openBackend(options.second)]);
  if (openedFirst.status === 'rejected' || openedSecond.status === 'rejected') {
    await Promise.allSettled([openedFirst, openedSecond].map((o) => (o.status === 'fulfilled' ? o.value.dispose() : undefined)));
    throw openedFirst.status === 'rejected' ? openedFirst.reason : (openedSecond as PromiseRejectedResult).reason;
  }
  const first = openedFirst.value;
  let second: Backend | undefined;
  try {
    second = openedSecond.value;
    const plan = await planInputs(first, second, options, io, warnings);
    await io.prepareRecorders?.(first);
    // Task code is loaded only when a task is asked for (issue 14: a plain compare loads none of it).
    const tasks = options.task ? await import('../tasks/run.js') : null;
    const tracker = options.task && tasks ? new tasks.TaskTracker(options.task, [first, second]) : null;
    const items: ItemResult[] = [];
    let skipped = 0;
    // The report's preprocessing record is the first input's *in input order* (loads finish in any
    // order), so a run and the merge of its shards name the same example image.
    const records: (PreprocessRecord | undefined)[] = [];
    // Decoding the next images overlaps with inference on the current one (sharp runs on libuv's
    // pool, the decode pool on worker threads, ONNX Runtime on its worker thread, TensorRT on the
    // GPU), so a folder run costs little more than inference alone. Results are consumed in input
    // order; at most `depth` are prepared ahead, which bounds the memory.
    // Except when an inference keeps every core busy (ONNX Runtime on the CPU, a thread per core):
    // a decode alongside then takes a core from one of its threads, and the others wait for that one
    // at each parallel operator, so the run slows by more than the decode's own time. Then the
    // window is decoded between inferences, all of it at once, when it is empty. Measured on the
    // 2-core machine (ResNet-18 at 2 threads, 24 photos): +30-35% over inference alone decoding
    // alongside, +17-26% between; at 1 thread alongside stays better (+3-5% against +10%).
    const between = first.busiesEveryCore === true || second.busiesEveryCore === true;
    const depth = Math.max(1, io.planLoads?.(plan.entries.length, between) ?? 1);
    const prepare = (i: number): Promise<Prepared> => prepareFeeds(plan.entries[i]!, plan, io, (p) => { records[i] ??= p; });
    const ahead: Promise<Prepared>[] = [];
    let queued = 0;
    const fill = (): void => {
      while (queued < plan.entries.length && ahead.length < depth) {
        const p = prepare(queued++);
        // Awaited in its turn; until then a rejection (a bug, not a bad image) must not count as unhandled.
        p.catch(() => {});
        ahead.push(p);
      }
    };
    fill();
    // A backend failing alike on every input is said once (repeated-failure.ts); rows are held while that is open.
    const watch = new RepeatedFailureWatch();
    const held: [number, ItemResult][] = [];
    const release = (): void => {
      for (const [done, it] of held.splice(0)) options.onItem?.(done, plan.entries.length, it);
    };
    for (let i = 0; i < plan.entries.length; i++) {
      const prepared = await unlessStopped(ahead.shift()!, options.stopNow);
      if (prepared === STOPPED || options.signal?.aborted || options.stopNow?.aborted) {
        skipped = plan.entries.length - i;
        warnings.push(`interrupted: ${skipped} input${skipped > 1 ? 's' : ''} not run`);
        break;
      }
      if (!between) fill();
      const entry = plan.entries[i]!;
      // A second Ctrl-C or SIGTERM abandons the input in flight (an inference cannot be cancelled) and
      // reports the rest. Once its inferences are done, though, the input is committed (its outputs
      // are being saved, observed for the task verdict, drawn for the HTML report): then only that
      // work is left, and the input is finished and reported, so that the saved run, the task
      // summary and the HTML report list exactly the inputs the report has.
      const flight: Flight = { abandoned: false, committed: false };
      const running = runOne(entry, prepared, plan, first, second, options, io, tracker, watch, flight);
      let item = await unlessStopped(running, options.stopNow);
      if (item === STOPPED && flight.committed) item = await running;
      if (item === STOPPED) {
        flight.abandoned = true;
        skipped = plan.entries.length - i;
        warnings.push(`interrupted: ${skipped} input${skipped > 1 ? 's' : ''} not run (the one in flight abandoned)`);
        break;
      }
      items.push(item);
      // A requested task that does not fit the outputs fails every input alike: stop (exit 2).
      if (tracker?.fatal) throw tracker.fatal;
      const everyInput = watch.verdict(plan.entries.length);
      if (everyInput !== null) {
        // Nothing was saved (every run failed), but a folder opened for saving is left valid and unlocked.
        await Promise.allSettled([io.outputsRecorder?.close(), io.inputsRecorder?.close()]);
        throw everyInput;
      }
      held.push([i + 1, item]);
      if (!watch.suspect) release();
      if (options.failFast && item.status === 'fail') {
        skipped = plan.entries.length - i - 1;
        break;
      }
      if (between && ahead.length === 0) fill();
    }
    release();
    // Never leave a decode running behind the report (its errors are values, not throws), unless told to stop now.
    await unlessStopped<unknown>(Promise.allSettled(ahead), options.stopNow);
    // Closed whatever happened, so an interrupted run still leaves a valid manifest of what was written.
    const saved: SavedRecord[] = [];
    for (const [kind, recorder] of [['outputs', io.outputsRecorder], ['inputs', io.inputsRecorder]] as const) {
      const s = (await recorder?.close()) as { dir?: string; entries?: number; replaced?: number; notes?: readonly string[] } | undefined;
      if (s?.dir !== undefined) saved.push({ kind, dir: s.dir, entries: s.entries ?? 0, replaced: s.replaced ?? 0, notes: s.notes ?? [] });
    }
    const interruption = interruptionOf(options.signal, options.stopNow);
    stoppedNow = options.stopNow?.aborted === true;
    hoistCommonWarnings(items, warnings);
    const counted = summarize(items, skipped, interruption !== null);
    const summary = interruption ? { ...counted, exitCode: interruption.exitCode } : counted;
    const task = tracker?.report();
    return {
      schema: 'trt-parity/compare',
      schemaVersion: COMPARE_SCHEMA_VERSION,
      tool: { name: 'trt-parity', version: TOOL_VERSION },
      first: { backend: first.name, source: first.source, outputs: first.outputs },
      second: { backend: second.name, source: second.source, outputs: second.outputs },
      settings: {
        tolerance: { default: options.tolerance.default, perOutput: Object.fromEntries(options.tolerance.perOutput) },
        allowNonFinite: options.allowNonFinite,
        failFast: options.failFast,
        preprocess: records.find((r) => r !== undefined) ?? null,
      },
      ...(options.shard ? { shard: { ...options.shard, inputsInRun: plan.inputsInRun, rule: SHARD_RULE } } : {}),
      items,
      warnings,
      summary: tasks && tracker && task ? tasks.withVerdict(summary, tracker.verdictMode, task) : summary,
      interrupted: interruption !== null,
      interruptedBy: interruption?.signal ?? null,
      ...(saved.length > 0 ? { saved } : {}),
      durationMs: performance.now() - started,
      ...(task ? { task } : {}),
    };
  } finally {
    const disposed = Promise.allSettled([first.dispose(), second?.dispose()]);
    // After "stop now" an inference may still be in flight: disposing waits for it, so do not.
    if (!stoppedNow) await disposed;
  }
}

interface Entry {
  readonly key: string;
  readonly path: string | null;
  /** Found in a folder but unusable (link loop, unreadable): reported as this input's error. */
  readonly error?: string;
}

interface InputPlan {
  readonly entries: readonly Entry[];
  /** The model input fed from images, or null when every input comes from --input or no model is involved. */
  readonly imageInput: TensorInfo | null;
  readonly raw: TensorMap;
  /** Per backend, how our canonical input names map onto its own (only when names differ by position). */
  readonly renames: ReadonlyMap<Backend, ReadonlyMap<string, string>>;
  /** Inputs before any --shard split. */
  readonly inputsInRun: number;
}

async function planInputs(first: Backend, second: Backend, options: CompareRunOptions, io: CompareIO, warnings: string[]): Promise<InputPlan> {
  // Two replays and nothing to feed: compare over the keys both recorded, whatever inputs their
  // manifests declare (there is nothing to preprocess, so the declared inputs do not matter).
  if (options.images.length === 0 && options.rawInputs.size === 0 && isReplay(first) && isReplay(second)) {
    const all = commonKeys(first, second, warnings);
    return { entries: options.shard ? takeShard(all, options.shard) : all, imageInput: null, raw: new Map(), renames: new Map(), inputsInRun: all.length };
  }
  const models = [first, second].filter((b) => b.inputs !== null);
  const spec = models[0]?.inputs ?? null;
  const renames = new Map<Backend, Map<string, string>>();
  if (spec && models.length === 2) {
    const other = models[1]!;
    const otherInputs = other.inputs!;
    const names = spec.map((t) => t.name);
    const otherNames = otherInputs.map((t) => t.name);
    if (names.length !== otherNames.length) {
      throw new UsageError(`${first.source} has ${names.length} inputs (${names.join(', ')}) but ${second.source} has ${otherNames.length} (${otherNames.join(', ')}); they are not the same model`);
    }
    if (!names.every((n) => otherNames.includes(n))) {
      const map = new Map(names.map((n, i) => [n, otherNames[i]!] as const));
      renames.set(other, map);
      warnings.push(`input names differ; matched by position: ${[...map].map(([a, b]) => `${a} -> ${b}`).join(', ')}`);
    }
  }

  const raw = new Map<string, Tensor>();
  for (const [name, file] of options.rawInputs) {
    if (spec && !spec.some((t) => t.name === name)) {
      throw new UsageError(`--input ${name}=${file}: the model has no input named '${name}' (inputs: ${spec.map((t) => t.name).join(', ')})`);
    }
    const tensor = await io.readTensor(file);
    const declared = spec?.find((t) => t.name === name);
    // A .npy of the wrong dtype or shape is the .npy's fault: say so naming it, not as a backend failure per input.
    if (declared && models[0]) checkRawAgainst(file, tensor, declared, models[0].source);
    raw.set(name, tensor);
  }

  let imageInput: TensorInfo | null = null;
  if (spec) {
    const rest = spec.filter((t) => !raw.has(t.name));
    if (options.images.length > 0) {
      if (rest.length === 0) throw new UsageError('every model input is given with --input, so the image arguments would not be used; drop them or one --input');
      if (rest.length > 1) {
        throw new UsageError(`the model has ${rest.length} inputs not given with --input (${rest.map((t) => t.name).join(', ')}); images can feed only one: give the others with --input name=file.npy`);
      }
      imageInput = rest[0]!;
      // Once, naming the model, before any image: not one allocation failure per image.
      checkModelInputSize(models[0]!.source, imageInput, options.maxTensorBytes ?? DEFAULT_MAX_TENSOR_BYTES);
      // An input no image can feed (int64, one channel, batch 4) is the model's problem: said once, not as one ERROR row per image.
      io.checkImageInput?.(imageInput, models[0]!.source);
    } else if (rest.length > 0) {
      throw new UsageError(`no images given and input${rest.length > 1 ? 's' : ''} ${rest.map((t) => t.name).join(', ')} not given with --input name=file.npy`);
    }
  }

  let entries: Entry[];
  if (options.images.length > 0) {
    entries = (await io.discoverImages(options.images)).map((r) => ({ key: r.key, path: r.path, ...(r.error === undefined ? {} : { error: r.error }) }));
  } else if (spec) {
    entries = [{ key: [...options.rawInputs.values()].map((f) => f.split('/').pop()).join('+'), path: null }];
  } else {
    // Two replays of which at least one recorded no input description, with raw inputs given:
    // they still replay by key.
    if (!isReplay(first) || !isReplay(second)) throw new UsageError(`nothing to feed ${first.source} and ${second.source}: give images or --input name=file.npy`);
    entries = commonKeys(first, second, warnings);
  }
  return { entries: options.shard ? takeShard(entries, options.shard) : entries, imageInput, raw, renames, inputsInRun: entries.length };
}

/** @throws InputError naming `file` when its tensor cannot feed `declared` (dtype, rank, a fixed dimension). */
function checkRawAgainst(file: string, t: Tensor, declared: TensorInfo, model: string): void {
  const want = `input '${declared.name}' of ${model} takes ${declared.dtype} ${formatDims(declared.shape)}`;
  if (t.dtype !== declared.dtype) throw new InputError(file, `holds ${t.dtype} ${formatDims(t.shape)}, but ${want}`);
  const fits = t.shape.length === declared.shape.length && declared.shape.every((d, i) => typeof d !== 'number' || d < 0 || d === t.shape[i]);
  if (!fits) throw new InputError(file, `has shape ${formatDims(t.shape)}, but ${want}`);
}

function formatDims(shape: readonly (number | string | null)[]): string {
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(',')}]`;
}

/** The keys two replays have in common, in the first one's order; a warning names the others. */
function commonKeys(first: Backend & { listKeys(): readonly string[] }, second: Backend & { listKeys(): readonly string[] }, warnings: string[]): Entry[] {
  const a = first.listKeys();
  const b = new Set(second.listKeys());
  const common = a.filter((k) => b.has(k));
  const only = [...a.filter((k) => !b.has(k)), ...[...b].filter((k) => !a.includes(k))];
  if (only.length) warnings.push(`${only.length} key${only.length > 1 ? 's are' : ' is'} in only one saved run and not compared: ${only.slice(0, 5).join(', ')}${only.length > 5 ? ', …' : ''}`);
  if (common.length === 0) throw new InputError(undefined, `${first.source} and ${second.source} have no saved inputs in common; nothing to compare`);
  return common.map((key) => ({ key, path: null }));
}

/** An entry's feeds, or the error that made them impossible; computed ahead of its turn. */
type Prepared = { readonly feeds: TensorMap; readonly preprocessMs: number } | { readonly error: TrtParityError; readonly preprocessMs: number };

async function prepareFeeds(entry: Entry, plan: InputPlan, io: CompareIO, notePreprocess: (p: PreprocessRecord) => void): Promise<Prepared> {
  const t0 = performance.now();
  try {
    if (entry.error !== undefined) throw new InputError(entry.path ?? undefined, entry.error);
    const feeds = new Map(plan.raw);
    if (plan.imageInput && entry.path !== null) {
      const loaded = await io.loadImage(entry.path, plan.imageInput);
      notePreprocess(loaded.preprocess);
      feeds.set(plan.imageInput.name, loaded.tensor);
    }
    return { feeds, preprocessMs: performance.now() - t0 };
  } catch (err) {
    if (err instanceof TrtParityError) return { error: err, preprocessMs: performance.now() - t0 };
    throw err;
  }
}

/**
 * One input in flight, as the run loop and runOne see it: `abandoned` is set by the loop when it
 * stops without this input; `committed` by runOne when both inferences are done and it starts the
 * input's side effects (saving, the task tracker, the HTML collector), which it does only if the
 * input was not abandoned by then.
 */
interface Flight {
  abandoned: boolean;
  committed: boolean;
}

async function runOne(entry: Entry, prepared: Prepared, plan: InputPlan, first: Backend, second: Backend, options: CompareRunOptions, io: CompareIO, tracker: TaskTracker | null = null, watch?: RepeatedFailureWatch, flight?: Flight): Promise<ItemResult | typeof STOPPED> {
  const { preprocessMs } = prepared;
  let firstMs: number | null = null;
  let secondMs: number | null = null;
  try {
    if ('error' in prepared) throw prepared.error;
    const { feeds } = prepared;
    if (feeds.size === 0) {
      // Two saved runs: there is no tensor to check against, so check that both saw the same input.
      const da = isReplay(first) ? first.inputDigest(entry.key) : undefined;
      const db = isReplay(second) ? second.inputDigest(entry.key) : undefined;
      if (da !== undefined && db !== undefined && da !== db) {
        throw new InputError(undefined, `'${entry.key}': ${first.source} and ${second.source} were saved from different inputs (input digests ${da.slice(0, 19)}… and ${db.slice(0, 19)}…), so their outputs are not comparable`, {
          hints: ['save both runs from the same images with the same preprocessing options'],
        });
      }
    }
    const watched = (b: Backend, run: ReturnType<Backend['run']>): ReturnType<Backend['run']> => (watch === undefined ? run : run.then((r) => {
      watch.succeeded(b);
      return r;
    }, (err: unknown) => {
      if (err instanceof TrtParityError) watch.failed(b, entry.key, entry.path, err);
      throw err;
    }));
    const runFirst = (): ReturnType<Backend['run']> => watched(first, first.run(renamed(feeds, plan.renames.get(first)), entry.key));
    const runSecond = (): ReturnType<Backend['run']> => watched(second, second.run(renamed(feeds, plan.renames.get(second)), entry.key));
    // Replaying a saved run is file I/O and does not disturb the other side's timing, so it
    // overlaps; two live backends run one after the other so neither slows the other down.
    let a: RunResult;
    let b: RunResult;
    if (isReplay(first) || isReplay(second)) {
      const [ra, rb] = await Promise.allSettled([runFirst(), runSecond()]);
      if (ra.status === 'fulfilled') firstMs = ra.value.timing.wallMs;
      if (rb.status === 'fulfilled') secondMs = rb.value.timing.wallMs;
      if (ra.status === 'rejected') throw ra.reason;
      if (rb.status === 'rejected') throw rb.reason;
      [a, b] = [ra.value, rb.value];
    } else {
      a = await runFirst();
      firstMs = a.timing.wallMs;
      b = await runSecond();
      secondMs = b.timing.wallMs;
    }
    // Abandoned while inferring: no side effect for an input the report will not have.
    if (flight?.abandoned) return STOPPED;
    if (flight) flight.committed = true;
    await io.outputsRecorder?.add(entry.key, a.outputs, feeds);
    await io.inputsRecorder?.add(entry.key, feeds, feeds);
    const result = compareOutputs(a.outputs, b.outputs, { tolerance: options.tolerance, allowNonFinite: options.allowNonFinite });
    const task = tracker?.observe(entry.key, a.outputs, b.outputs, new Map(result.outputs.map((o) => [o.secondName, o.firstName])));
    const item: ItemResult = {
      key: entry.key, path: entry.path, status: result.passed ? 'pass' : 'fail', outputs: result.outputs,
      warnings: result.warnings, error: null, timing: { preprocessMs, firstMs, secondMs },
      ...(tracker ? { task: task ?? null } : {}),
    };
    options.onCompared?.(item, a.outputs, b.outputs, feeds);
    return item;
  } catch (err) {
    if (!(err instanceof TrtParityError)) throw err;
    return {
      key: entry.key, path: entry.path, status: 'error', outputs: [], warnings: [],
      error: itemErrorOf(err),
      timing: { preprocessMs, firstMs, secondMs },
    };
  }
}

/**
 * A warning every compared input repeats (output names matched by position, a tolerance for an
 * output nobody has) is said once in the report header instead of once per image.
 */
function hoistCommonWarnings(items: ItemResult[], warnings: string[]): void {
  const compared = items.filter((i) => i.status !== 'error');
  if (compared.length === 0) return;
  const common = compared[0]!.warnings.filter((w) => compared.every((i) => i.warnings.includes(w)));
  if (common.length === 0) return;
  for (const w of common) if (!warnings.includes(w)) warnings.push(w);
  for (let k = 0; k < items.length; k++) {
    const item = items[k]!;
    if (item.status !== 'error') items[k] = { ...item, warnings: item.warnings.filter((w) => !common.includes(w)) };
  }
}

function renamed(feeds: TensorMap, map: ReadonlyMap<string, string> | undefined): TensorMap {
  if (!map) return feeds;
  return new Map([...feeds].map(([k, v]) => [map.get(k) ?? k, v] as const));
}
