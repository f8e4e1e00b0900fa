/** `bench` as a library function: a typed spec in, a BenchReport out. */
import { type BackendOptions, modelProviderByName, openBackend, providerFor } from '../backends/registry.js';
import { DEFAULT_MEASURE, type MeasureOptions } from '../bench/measure.js';
import { UsageError } from '../errors.js';
import { type PreprocessSpecInput, resolvePreprocessSpec } from '../image/preprocess-spec.js';
import type { BenchReport } from '../report/model/bench.js';
import { runBench } from './bench-run.js';
import { loadImageForModel } from './image-input.js';
import { choosePreprocess } from './preprocess-choice.js';

export interface BenchSpec {
  /** One or two models, one per backend (e.g. model.onnx and model.engine). */
  readonly models: readonly string[];
  /** An image to feed; random data (seeded) when absent. */
  readonly image?: string | null;
  readonly seed?: number;
  /** name → concrete shape, for dynamic inputs fed with random data. */
  readonly shapes?: ReadonlyMap<string, readonly number[]>;
  readonly measure?: Partial<MeasureOptions>;
  /** Keep every sample in the report. */
  readonly exportTimes?: boolean;
  /** How the image becomes a tensor (as compare). */
  readonly preprocess?: PreprocessSpecInput;
  readonly backend?: BackendOptions;
  /** Refuse an input tensor (model input, --shape, decoded image) larger than this; default DEFAULT_MAX_TENSOR_BYTES (src/io/limits.ts). */
  readonly maxTensorBytes?: number;
}

export interface BenchHooks {
  /** "loading model.onnx", "measuring tensorrt", … */
  readonly onPhase?: (text: string) => void;
}

/**
 * Measures one or two models (one per backend) on identical input, the way trtexec measures.
 * @throws UsageError for more than two models or two of the same backend; whatever opening a backend throws.
 */
export async function bench(spec: BenchSpec, hooks: BenchHooks = {}): Promise<BenchReport> {
  const { models } = spec;
  if (models.length === 0 || models.length > 2) throw new UsageError('bench takes one or two models, one per backend, e.g. model.onnx and model.engine');
  // An image is preprocessed as compare would: the pipeline an exported model asks for unless one is given.
  const preprocess = spec.image ? (await choosePreprocess(spec.preprocess ?? {}, models)).spec : resolvePreprocessSpec(spec.preprocess ?? {});
  const providers = await Promise.all(models.map((m) => providerFor(m)));
  if (providers.length === 2 && providers[0] === providers[1]) throw new UsageError(`bench compares two backends; ${models.join(' and ')} are both ${providers[0]!.name}`);
  const backend = spec.backend ?? {};
  return runBench({
    models, image: spec.image ?? null, seed: spec.seed ?? 1, shapes: spec.shapes ?? new Map(),
    measure: { ...DEFAULT_MEASURE, ...spec.measure }, exportTimes: spec.exportTimes ?? false,
    // The report records how the device backend ran; without this it claimed the defaults whatever was asked.
    device: { transfers: backend.transfers ?? true, cudaGraph: backend.cudaGraph ?? false },
    ...(hooks.onPhase ? { onPhase: hooks.onPhase } : {}),
    ...(spec.maxTensorBytes === undefined ? {} : { maxTensorBytes: spec.maxTensorBytes }),
  }, {
    // The providers are known already: no second stat() per model.
    openBackend: (p) => openBackend(p, backend, 'bench', providers[models.indexOf(p)]),
    loadImage: (p, input) => loadImageForModel(p, input, preprocess),
  });
}

/**
 * Splits bench's arguments into models and at most one image: a model is what a model-running backend
 * claims by its name.
 * @throws UsageError for a second image or a third model.
 */
export function splitBenchArguments(args: readonly string[]): { models: string[]; image: string | null } {
  const models: string[] = [];
  let image: string | null = null;
  for (const arg of args) {
    if (modelProviderByName(arg) !== null) models.push(arg);
    else if (image === null) image = arg;
    else throw new UsageError(`bench takes at most one image; got ${image} and ${arg}`);
  }
  if (models.length > 2) throw new UsageError('bench takes at most two models (one per backend)');
  return { models, image };
}
