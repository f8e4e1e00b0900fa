/**
 * `compare` as a library function: a typed spec in, a CompareReport out. Opens the backends through
 * the registry, reads images with the resolved preprocessing, writes saved runs when asked.
 */
import type { Backend } from '../backends/backend.js';
import { type BackendOptions, openBackend, warmUp } from '../backends/registry.js';
import { parseToleranceSpec } from '../compare/tolerance.js';
import type { ToleranceSpec } from '../compare/types.js';
import { UsageError } from '../errors.js';
import type { SavedPreprocess } from '../backends/saved/manifest.js';
import { resolve } from 'node:path';
import { loadSharp } from '../image/decode.js';
import { discoverImages } from '../image/discover.js';
import { type PreprocessSpec, type PreprocessSpecInput, resolvePreprocessSpec } from '../image/preprocess-spec.js';
import type { CompareReport, ItemResult } from '../report/model/compare.js';
import { imageInputSpec } from '../image/model-input.js';
import { checkTensorSize, DEFAULT_MAX_TENSOR_BYTES, elementBytes } from '../io/limits.js';
import { type CompareIO, type CompareRunOptions, type Recorder, runCompare } from './compare-run.js';
import { BETWEEN_WINDOW, decodePool, type ImageLoader, inProcessLoader, POOL_MIN_IMAGES, poolSize } from './decode-pool.js';
import { choosePreprocess } from './preprocess-choice.js';
import type { TaskRunSpec } from '../tasks/run.js';
import type { Shard } from './shard.js';

export interface CompareSpec {
  /** .onnx, an engine (.engine/.plan/.trt) or a saved-run directory. */
  readonly first: string;
  /** The same kinds; the reference (numpy's "desired"). */
  readonly second: string;
  /** Image files, folders (searched recursively) or globs. */
  readonly inputs?: readonly string[];
  /** input name → .npy file fed instead of (or besides) an image. */
  readonly rawInputs?: ReadonlyMap<string, string>;
  /** A parsed spec, or `[output:]value` strings as on the command line. Defaults rtol=1e-3, atol=1e-5. */
  readonly tolerance?: ToleranceSpec | { readonly rtol?: readonly string[]; readonly atol?: readonly string[] };
  readonly allowNonFinite?: boolean;
  readonly failFast?: boolean;
  /** Any subset; the rest from DEFAULT_PREPROCESS_SPEC. Validated once, before any backend opens. */
  readonly preprocess?: PreprocessSpecInput;
  /** Every backend's options (see the registry's option groups). */
  readonly backend?: BackendOptions;
  /** Write the preprocessed input tensors here (.npy + manifest). */
  readonly saveInputs?: string;
  /** Write every output of `first` here (.npy + manifest); the directory is a backend later. */
  readonly saveOutputs?: string;
  /** Task-level agreement (classify/detect/segment/auto), its gates, and which verdict sets the exit code. */
  readonly task?: TaskRunSpec;
  /** Take only this shard of the inputs (`--shard i/n`, split by a hash of each key). */
  readonly shard?: Shard;
  /** Refuse any tensor (model input, .npy, decoded image) larger than this; default DEFAULT_MAX_TENSOR_BYTES (src/io/limits.ts). */
  readonly maxTensorBytes?: number;
}

/** Progress and cancellation, for long runs. */
export interface RunHooks {
  readonly onItem?: (done: number, total: number, item: ItemResult) => void;
  /** Stops before the next input when aborted; what ran so far is still reported (exit 130). */
  readonly signal?: AbortSignal;
  /** Stops at once when aborted (second Ctrl-C, SIGTERM): the input in flight is abandoned; the report and saved runs are still written. */
  readonly stopNow?: AbortSignal;
  /** Each compared input with both sides' outputs and the tensors fed (e.g. an HtmlCollector's observe). */
  readonly onCompared?: CompareRunOptions['onCompared'];
}

/**
 * Runs every input through `first` and `second` and compares all outputs with numpy's
 * assert_allclose rule; `second` is the reference. Resolves to the report whatever the verdict
 * (`exitCodeOf(report)`); rejects with a TrtParityError (exit 2 or 3) only when nothing can run.
 */
export async function compare(spec: CompareSpec, hooks: RunHooks = {}): Promise<CompareReport> {
  const tolerance = isParsed(spec.tolerance) ? spec.tolerance : parseToleranceSpec({ rtol: spec.tolerance?.rtol ?? [], atol: spec.tolerance?.atol ?? [] });
  const images = spec.inputs ?? [];
  // Checked here, once, before any backend opens: inside preprocessing a bad --std would fail every image.
  const given = resolvePreprocessSpec(spec.preprocess ?? {});
  // Start-up order (issue 14): the ONNX Runtime worker is started (the CLI started it already, before
  // this module loaded), both backends start opening, and only then does this thread load sharp, a
  // synchronous require() of about 65 ms, while the worker creates the sessions.
  await warmUp([spec.first, spec.second], spec.backend ?? {});
  const opening = openEarly(spec);
  try {
    // With images, a saved run's or an exported model's pipeline applies when none was given.
    const { spec: preprocess, note } = images.length > 0
      ? await choosePreprocess(spec.preprocess ?? {}, [spec.first, spec.second])
      : { spec: given, note: null };
    if (images.length > 0) void loadSharp().catch(() => {});
    // In-process until the run is known to be long enough for decode workers to pay for their start,
    // and in-process with a larger window when images are decoded between inferences (compare-run.ts).
    let loader: ImageLoader = inProcessLoader(preprocess);
    const io = createCompareIO(spec, (path, input) => loader.load(path, input), preprocess, opening.take);
    io.planLoads = (inputs, between) => {
      if (between) loader = inProcessLoader(preprocess, BETWEEN_WINDOW);
      else if (inputs >= POOL_MIN_IMAGES) loader = decodePool(preprocess, poolSize());
      return loader.ahead;
    };
    try {
      return await runCompare({
        first: spec.first, second: spec.second, images, rawInputs: spec.rawInputs ?? new Map(), tolerance,
        ...(note === null ? {} : { notes: [note] }),
        allowNonFinite: spec.allowNonFinite ?? false, failFast: spec.failFast ?? false,
        ...(spec.task ? { task: spec.task } : {}),
        ...(hooks.onItem ? { onItem: hooks.onItem } : {}),
        ...(hooks.signal ? { signal: hooks.signal } : {}),
        ...(hooks.stopNow ? { stopNow: hooks.stopNow } : {}),
        ...(spec.maxTensorBytes === undefined ? {} : { maxTensorBytes: spec.maxTensorBytes }),
        ...(hooks.onCompared ? { onCompared: hooks.onCompared } : {}),
        ...(spec.shard ? { shard: spec.shard } : {}),
      }, io);
    } finally {
      await loader.close();
    }
  } finally {
    await opening.abandon();
  }
}

/**
 * Both backends, opening from now on, handed to runCompare when it asks for them (first, then
 * second). What it never took (an error came first) is disposed by `abandon`.
 */
function openEarly(spec: CompareSpec): { take: (path: string) => Promise<Backend>; abandon: () => Promise<void> } {
  const open = (path: string) => openBackend(path, spec.backend ?? {}, 'compare');
  const early = [spec.first, spec.second].map((path) => {
    const backend = open(path);
    // Awaited when taken or abandoned; until then a failure must not count as unhandled.
    backend.catch(() => {});
    return { path, backend };
  });
  return {
    take: (path) => (early[0]?.path === path ? early.shift()!.backend : open(path)),
    abandon: async () => {
      await Promise.allSettled(early.splice(0).map(async (e) => (await e.backend).dispose()));
    },
  };
}

/** The preprocessing as the flags that set it, for a saved run's manifest. */
function savedPreprocessOf(p: PreprocessSpec): SavedPreprocess {
  return {
    pipeline: p.pipeline,
    settings: {
      '--mean': p.mean.join(','), '--std': p.std.join(','), '--scale': String(p.scale), '--bgr': String(p.channelOrder === 'bgr'),
      '--layout': String(p.layout), '--resize': p.resizeMode, '--resize-shorter': String(p.resizeShorter), '--pad': String(p.padValue),
    },
  };
}

function isParsed(t: CompareSpec['tolerance']): t is ToleranceSpec {
  return t !== undefined && 'default' in t;
}

/** The real I/O of `compare`: backends from the registry, sharp for images, .npy files, saved-run writers. */
function createCompareIO(spec: CompareSpec, loadImage: CompareIO['loadImage'], chosen: PreprocessSpec, open: CompareIO['openBackend']): CompareIO {
  let outputsRecorder: Recorder | null = null;
  let inputsRecorder: Recorder | null = null;
  return {
    openBackend: open,
    discoverImages: (args) => discoverImages(args),
    // The decoded tensor of a model with dynamic H/W has the image's size: bounded like every other tensor.
    loadImage: async (path, input) => {
      const loaded = await loadImage(path, input);
      const t = loaded.tensor;
      checkTensorSize('decoded image tensor', t.shape, elementBytes(t.dtype), t.dtype, spec.maxTensorBytes ?? DEFAULT_MAX_TENSOR_BYTES, path);
      return loaded;
    },
    // Bounded and typed: a FIFO, /dev/zero or a header promising terabytes is an input error, not a hang or an OOM.
    checkImageInput: (input, model) => {
      try {
        imageInputSpec(input);
      } catch (err) {
        if (err instanceof UsageError) throw new UsageError(`${model}: ${err.message}`, { hints: err.hints, cause: err });
        throw err;
      }
    },
    // The .npy reader is loaded with the first --input tensor (a compare of images never needs it).
    readTensor: async (file) => (await import('../io/npy-file.js')).readNpyFile(file, spec.maxTensorBytes === undefined ? {} : { maxBytes: spec.maxTensorBytes }),
    get outputsRecorder() { return outputsRecorder; },
    get inputsRecorder() { return inputsRecorder; },
    async prepareRecorders(first: Backend) {
      if (spec.saveOutputs && spec.saveInputs && resolve(spec.saveOutputs) === resolve(spec.saveInputs)) {
        // One manifest per directory: the second writer would make the first one's entries unreachable.
        throw new UsageError(`--save-outputs and --save-inputs both name ${spec.saveOutputs}; give each its own directory`);
      }
      if (!spec.saveOutputs && !spec.saveInputs) return;
      // Imported only when saving (issue 14: a plain compare does not load the writer).
      const { SavedRunWriter } = await import('../backends/saved/saved-writer.js');
      // Recorded so that re-saving with other options says which one changed ("12 entries replaced: --mean differs").
      const preprocess = (spec.inputs ?? []).length > 0 ? savedPreprocessOf(chosen) : undefined;
      const withPre = preprocess ? { preprocess } : {};
      if (spec.saveOutputs) outputsRecorder = await SavedRunWriter.create(spec.saveOutputs, { kind: 'outputs', backend: first.name, source: first.source, outputs: first.outputs, ...withPre });
      if (spec.saveInputs) {
        inputsRecorder = await SavedRunWriter.create(spec.saveInputs, { kind: 'inputs', backend: first.name, source: first.source, outputs: first.inputs ?? [], ...withPre }).catch(async (err: unknown) => {
          await outputsRecorder?.close();
          throw err;
        });
      }
    },
  };
}
