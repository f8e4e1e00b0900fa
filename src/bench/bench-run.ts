import type { Backend, RunResult, RunTiming } from '../backends/backend.js';
import { UsageError } from '../errors.js';
import type { Tensor, TensorInfo, TensorMap } from '../tensor/types.js';
import { isConcrete } from '../tensor/shape.js';
import { TOOL_VERSION } from '../version.js';
import { type MeasureOptions, measure } from './measure.js';
import { mulberry32, randomTensor } from './random-input.js';
import { type LatencyStats, UNSTABLE_CV_PERCENT, latencyStats } from './stats.js';

/** Version of the JSON written by `bench --json`. */
export const BENCH_SCHEMA_VERSION = 1;

export interface BenchIO {
  openBackend(path: string): Promise<Backend>;
  loadImage(path: string, input: TensorInfo): Promise<{ tensor: Tensor; preprocess: Record<string, unknown> }>;
}

export interface BenchOptions {
  /** One or two model paths: .onnx and/or .engine/.plan/.trt. */
  readonly models: readonly string[];
  readonly image: string | null;
  readonly seed: number;
  /** name → concrete shape, for dynamic inputs fed with random data. */
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  readonly measure: MeasureOptions;
  /** Keep every sample in the report (--export-times). */
  readonly exportTimes: boolean;
  /** Recorded in the report: how TensorRT was run (the backend itself is opened with these). */
  readonly tensorrt?: { readonly transfers: boolean; readonly cudaGraph: boolean };
  readonly onPhase?: (text: string) => void;
}

/** One measured run: the backend's own timing plus what only bench asks for. Times in ms. */
export interface BenchSample extends RunTiming {
  /** ONNX Runtime only: session.run() alone, timed inside its worker thread. */
  readonly sessionMs?: number;
  /** TensorRT with --cuda-graph: 'captured' | 'replayed' | 'fallback'. */
  readonly graph?: string;
  readonly graphFallbackReason?: string | null;
}

export interface BackendBench {
  readonly backend: string;
  readonly source: string;
  /** Opening the model: session creation or engine deserialization. */
  readonly loadMs: number;
  /** The very first inference, reported apart: lazy initialization, kernel loading. */
  readonly firstRunMs: number;
  readonly warmupRuns: number;
  readonly warmupMs: number;
  readonly iterations: number;
  readonly measuredMs: number;
  /** Inferences per second over the measured phase. */
  readonly throughput: number;
  /** End to end, seen from JavaScript: the wall time of each backend call. */
  readonly latency: LatencyStats;
  /** ONNX Runtime only: session.run() timed inside the worker thread (its compute); null otherwise. */
  readonly session: LatencyStats | null;
  /** TensorRT only: CUDA-event and host timings; null for ONNX Runtime. */
  readonly gpu: {
    readonly h2d: LatencyStats;
    readonly compute: LatencyStats;
    readonly d2h: LatencyStats;
    readonly enqueue: LatencyStats;
    /** Wall time minus (H2D + compute + D2H): the cost of our code, N-API, the worker hop and scheduling. */
    readonly overhead: LatencyStats;
  } | null;
  readonly warnings: readonly string[];
  readonly samples: readonly BenchSample[] | null;
}

export interface BenchReport {
  readonly schema: 'trt-parity/bench';
  readonly schemaVersion: typeof BENCH_SCHEMA_VERSION;
  readonly tool: { readonly name: 'trt-parity'; readonly version: string };
  readonly input: {
    readonly kind: 'image' | 'random';
    readonly image: string | null;
    readonly seed: number | null;
    readonly tensors: readonly { readonly name: string; readonly dtype: string; readonly shape: readonly number[] }[];
  };
  readonly settings: MeasureOptions & {
    readonly percentiles: 'trtexec nearest-rank (float32)';
    readonly tensorrt: { readonly transfers: boolean; readonly cudaGraph: boolean };
  };
  readonly results: readonly BackendBench[];
  /** Present when both backends ran. Ratios of medians. */
  readonly headline: {
    /** ONNX Runtime end-to-end median / TensorRT end-to-end median. */
    readonly speedupEndToEnd: number;
    /** ONNX Runtime session.run median (its compute; on CPU there are no transfers) / TensorRT GPU-compute median. */
    readonly speedupCompute: number;
    /** Share of TensorRT's end-to-end median spent in H2D + D2H copies. */
    readonly tensorrtTransferShare: number;
    /** Share of TensorRT's end-to-end median spent outside copies and compute: our code, N-API, scheduling. */
    readonly tensorrtOverheadShare: number;
  } | null;
}

export async function runBench(options: BenchOptions, io: BenchIO): Promise<BenchReport> {
  if (options.models.length === 0 || options.models.length > 2) throw new UsageError('bench takes one or two models: model.onnx and/or model.engine');
  const results: BackendBench[] = [];
  let feeds: TensorMap | null = null;
  let inputKind: 'image' | 'random' = 'random';
  for (const path of options.models) {
    options.onPhase?.(`loading ${path}`);
    const t0 = performance.now();
    const backend = await io.openBackend(path);
    const loadMs = performance.now() - t0;
    try {
      if (backend.inputs === null) throw new UsageError(`${path} is a saved run; bench needs a model or an engine`);
      // Built once from the first model, so both backends get the very same tensors.
      if (feeds === null) {
        const built = await buildFeeds(backend.inputs, options, io);
        feeds = built.feeds;
        inputKind = built.kind;
      }
      options.onPhase?.(`measuring ${backend.name}`);
      results.push(await benchOne(backend, feeds, loadMs, options));
    } finally {
      await backend.dispose();
    }
  }
  return {
    schema: 'trt-parity/bench',
    schemaVersion: BENCH_SCHEMA_VERSION,
    tool: { name: 'trt-parity', version: TOOL_VERSION },
    input: {
      kind: inputKind,
      image: options.image,
      seed: inputKind === 'random' ? options.seed : null,
      tensors: [...(feeds ?? new Map<string, Tensor>())].map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape })),
    },
    settings: { ...options.measure, percentiles: 'trtexec nearest-rank (float32)', tensorrt: options.tensorrt ?? { transfers: true, cudaGraph: false } },
    results,
    headline: headline(results),
  };
}

async function buildFeeds(inputs: readonly TensorInfo[], options: BenchOptions, io: BenchIO): Promise<{ feeds: TensorMap; kind: 'image' | 'random' }> {
  if (options.image !== null) {
    if (inputs.length !== 1) throw new UsageError(`the model has ${inputs.length} inputs; an image can feed only a one-input model (omit the image to use random data)`);
    const { tensor } = await io.loadImage(options.image, inputs[0]!);
    return { feeds: new Map([[inputs[0]!.name, tensor]]), kind: 'image' };
  }
  const next = mulberry32(options.seed);
  const feeds = new Map<string, Tensor>();
  for (const info of inputs) {
    const shape = options.shapes.get(info.name) ?? (isConcrete(info.shape) ? info.shape : null);
    if (shape === null) {
      throw new UsageError(`input '${info.name}' has dynamic dims ${JSON.stringify(info.shape)}: give an image, or its shape with --shape ${info.name}=1x3x224x224`);
    }
    feeds.set(info.name, randomTensor(info.name, info.dtype, shape, next));
  }
  return { feeds, kind: 'random' };
}

/** A backend that can hold an input in its own (pinned) memory across calls. */
interface Stageable {
  stage(feeds: TensorMap, key: string): unknown;
  runStaged(staged: unknown): Promise<RunResult>;
}

async function benchOne(backend: Backend, feeds: TensorMap, loadMs: number, options: BenchOptions): Promise<BackendBench> {
  const key = 'bench';
  const toSample = (r: RunResult): BenchSample => {
    const t = r.timing as RunResult['timing'] & { graph?: string; graphFallbackReason?: string | null };
    // ONNX Runtime reports session.run() time inside its worker; the round trip is what a caller sees.
    const roundTrip = (r as RunResult & { roundTripMs?: number }).roundTripMs;
    return {
      wallMs: roundTrip ?? t.wallMs,
      ...(roundTrip === undefined ? {} : { sessionMs: t.wallMs }),
      ...(t.h2dMs === undefined ? {} : { h2dMs: t.h2dMs, computeMs: t.computeMs ?? 0, d2hMs: t.d2hMs ?? 0, enqueueMs: t.enqueueMs ?? 0 }),
      ...(t.graph === undefined || t.graph === 'off' ? {} : { graph: t.graph, graphFallbackReason: t.graphFallbackReason ?? null }),
    };
  };
  // Like trtexec's host buffers, the input is prepared once: a backend that can keep it in pinned
  // memory (TensorRT) stages it, so each measured call starts from there, not from a JS array.
  const stageable = backend as Backend & Partial<Stageable>;
  const staged = typeof stageable.stage === 'function' && typeof stageable.runStaged === 'function' ? stageable.stage(feeds, key) : null;
  const runOnce = (): Promise<RunResult> => (staged !== null ? stageable.runStaged!(staged) : backend.run(feeds, key));
  const f0 = performance.now();
  await runOnce();
  const firstRunMs = performance.now() - f0;
  const m = await measure(async () => toSample(await runOnce()), options.measure);
  const s = m.samples;
  const latency = latencyStats(s.map((x) => x.wallMs));
  const warnings: string[] = [];
  const isTrt = s.length > 0 && s.every((x) => x.computeMs !== undefined);
  let gpu: BackendBench['gpu'] = null;
  if (isTrt) {
    const pick = (f: (x: BenchSample) => number): LatencyStats => latencyStats(s.map(f));
    gpu = {
      h2d: pick((x) => x.h2dMs ?? 0),
      compute: pick((x) => x.computeMs ?? 0),
      d2h: pick((x) => x.d2hMs ?? 0),
      enqueue: pick((x) => x.enqueueMs ?? 0),
      overhead: pick((x) => x.wallMs - (x.h2dMs ?? 0) - (x.computeMs ?? 0) - (x.d2hMs ?? 0)),
    };
    warnings.push(...trtexecHints(gpu));
    const fallback = s.find((x) => x.graph === 'fallback');
    if (fallback) warnings.push(`CUDA graph not used: ${fallback.graphFallbackReason ?? 'capture failed'}; plain enqueueV3 was timed instead`);
  }
  const unstable = gpu ? gpu.compute : latency;
  if (unstable.cvPercent > UNSTABLE_CV_PERCENT) {
    warnings.push(`${gpu ? 'GPU compute' : 'latency'} is unstable: coefficient of variation ${unstable.cvPercent.toFixed(1)}% (> ${UNSTABLE_CV_PERCENT}%); ${gpu ? 'locking the GPU clock may help' : 'close other programs, pin --threads, or run longer with --duration'}`);
  }
  return {
    backend: backend.name,
    source: backend.source,
    loadMs,
    firstRunMs,
    warmupRuns: m.warmupRuns,
    warmupMs: m.warmupMs,
    iterations: s.length,
    measuredMs: m.measuredMs,
    throughput: m.measuredMs > 0 ? (s.length / m.measuredMs) * 1000 : NaN,
    latency,
    session: s.some((x) => x.sessionMs !== undefined) ? latencyStats(s.map((x) => x.sessionMs ?? 0)) : null,
    gpu,
    warnings,
    samples: options.exportTimes ? s : null,
  };
}

/** trtexec's own hints (sampleReporting.cpp printEpilog), on medians. */
export function trtexecHints(gpu: NonNullable<BackendBench['gpu']>): string[] {
  const hints: string[] = [];
  if (gpu.enqueue.median > 0.8 * gpu.compute.median) {
    hints.push('throughput may be bound by enqueue time rather than GPU compute; the GPU may be under-utilized (--cuda-graph may help)');
  }
  if (gpu.h2d.median >= gpu.compute.median) hints.push('throughput may be bound by host-to-device transfers of the inputs rather than GPU compute (--no-transfers shows compute alone)');
  if (gpu.d2h.median >= gpu.compute.median) hints.push('throughput may be bound by device-to-host transfers of the outputs rather than GPU compute (--no-transfers shows compute alone)');
  return hints;
}

function headline(results: readonly BackendBench[]): BenchReport['headline'] {
  const ort = results.find((r) => r.backend === 'onnxruntime');
  const trt = results.find((r) => r.backend === 'tensorrt');
  if (!ort || !trt || !trt.gpu) return null;
  const e2e = trt.latency.median;
  return {
    speedupEndToEnd: ort.latency.median / e2e,
    speedupCompute: (ort.session ?? ort.latency).median / trt.gpu.compute.median,
    tensorrtTransferShare: (trt.gpu.h2d.median + trt.gpu.d2h.median) / e2e,
    tensorrtOverheadShare: trt.gpu.overhead.median / e2e,
  };
}
