/**
 * trt-parity as a library. The CLI is a client of exactly these functions.
 *
 *   import { compare } from 'trt-parity';
 *   const report = await compare('model.onnx', 'model.engine', ['imgs/']);
 *   if (report.summary.exitCode !== 0) …
 */
import { parseToleranceSpec } from './compare/tolerance.js';
import type { ToleranceSpec } from './compare/types.js';
import { createCompareIO, loadImageForModel, type CompareCliOptions, type ImageCliOptions } from './cli/compare-io.js';
import { openModelBackend, type BackendCliOptions } from './cli/backends.js';
import { runCompare } from './run/compare-run.js';
import type { CompareReport, ItemResult } from './report/model.js';
import { runBench, type BenchReport } from './bench/bench-run.js';
import { DEFAULT_MEASURE, type MeasureOptions } from './bench/measure.js';

export interface CompareOptions extends CompareCliOptions {
  /** `[output:]value` strings as on the command line, or a parsed spec. Defaults rtol=1e-3, atol=1e-5. */
  readonly rtol?: readonly string[];
  readonly atol?: readonly string[];
  readonly tolerance?: ToleranceSpec;
  readonly allowNonFinite?: boolean;
  readonly failFast?: boolean;
  /** input name → .npy file fed instead of an image. */
  readonly rawInputs?: ReadonlyMap<string, string>;
  readonly onItem?: (done: number, total: number, item: ItemResult) => void;
  readonly signal?: AbortSignal;
}

/**
 * Runs every input through `first` and `second` (paths: .onnx, .engine/.plan/.trt, or a saved-run
 * directory) and compares all outputs with numpy's assert_allclose rule; `second` is the reference.
 * Resolves to the report whatever the verdict (see `report.summary.exitCode`); rejects with a
 * TrtParityError (exitCode 2 or 3) only when nothing can run.
 */
export async function compare(first: string, second: string, inputs: readonly string[], options: CompareOptions = {}): Promise<CompareReport> {
  const tolerance = options.tolerance ?? parseToleranceSpec({ rtol: options.rtol ?? [], atol: options.atol ?? [] });
  const io = await createCompareIO(options);
  return runCompare({
    first, second, images: inputs, rawInputs: options.rawInputs ?? new Map(), tolerance,
    allowNonFinite: options.allowNonFinite ?? false, failFast: options.failFast ?? false,
    ...(options.onItem ? { onItem: options.onItem } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  }, io);
}

export interface BenchOptions extends BackendCliOptions, ImageCliOptions {
  readonly image?: string | null;
  readonly seed?: number;
  readonly shapes?: ReadonlyMap<string, readonly number[]>;
  readonly measure?: Partial<MeasureOptions>;
  readonly exportTimes?: boolean;
}

/** Measures one or two models (one per backend) on identical input, the way trtexec measures. */
export async function bench(models: readonly string[], options: BenchOptions = {}): Promise<BenchReport> {
  return runBench({
    models, image: options.image ?? null, seed: options.seed ?? 1, shapes: options.shapes ?? new Map(),
    measure: { ...DEFAULT_MEASURE, ...options.measure }, exportTimes: options.exportTimes ?? false,
    // The report records how TensorRT ran; without this it claimed the defaults whatever was asked.
    tensorrt: { transfers: options.transfers ?? true, cudaGraph: options.cudaGraph ?? false },
  }, {
    openBackend: (p) => openModelBackend(p, options),
    loadImage: (p, input) => loadImageForModel(p, input, options),
  });
}

export { inspectOnnx, type OnnxModelInfo } from './backends/onnx/model-info.js';
export { describeEngine, type EngineReport } from './backends/tensorrt/engine-info.js';
export { collectDoctorReport, type DoctorReport } from './backends/tensorrt/doctor.js';
export { compareOutputs } from './compare/compare-outputs.js';
export { parseToleranceSpec } from './compare/tolerance.js';
export type { OutputComparison, OutputStats, Tolerance, ToleranceSpec } from './compare/types.js';
export type { CompareReport, ItemResult, CompareSummary } from './report/model.js';
export type { BenchReport, BackendBench } from './bench/bench-run.js';
export { readNpy, writeNpy } from './tensor/npy.js';
export type { DType, Tensor, TensorMap, TensorInfo } from './tensor/types.js';
export { ExitCode, TrtParityError, UsageError, InputError, BackendError } from './errors.js';
export { renderCompareText } from './report/text.js';
export { toJson } from './report/json.js';
export { toJUnit } from './report/junit.js';
