/**
 * The measurement of `bench`: open each model, build one identical input, measure each backend the
 * way trtexec measures. Talks to the outside world only through BenchIO; src/app/bench.ts gives it
 * the real one.
 */
import { type Backend, canStage, type RunResult, runsOnProvider } from '../backends/backend.js';
import { type MeasureOptions, measure } from '../bench/measure.js';
import { checkModelInputSize, checkTensorSize, DEFAULT_MAX_TENSOR_BYTES, elementBytes } from '../io/limits.js';
import { mulberry32, randomTensor } from '../bench/random-input.js';
import { latencyStats, UNSTABLE_CV_PERCENT } from '../bench/stats.js';
import { GPU_PROVIDERS } from '../backends/onnx/providers.js';
import { UsageError } from '../errors.js';
import { BENCH_SCHEMA_VERSION, type BackendBench, type BenchReport, type BenchSample, type DeviceBench, type LatencyStats } from '../report/model/bench.js';
import { isConcrete } from '../tensor/shape.js';
import type { Tensor, TensorInfo, TensorMap } from '../tensor/types.js';
import { TOOL_VERSION } from '../version.js';

export interface BenchIO {
  openBackend(path: string): Promise<Backend>;
  loadImage(path: string, input: TensorInfo): Promise<{ tensor: Tensor }>;
}

export interface BenchRunOptions {
  /** One or two model paths (one per backend). */
  readonly models: readonly string[];
  readonly image: string | null;
  readonly seed: number;
  /** name → concrete shape, for dynamic inputs fed with random data. */
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  readonly measure: MeasureOptions;
  /** Keep every sample in the report (--export-times). */
  readonly exportTimes: boolean;
  /** Recorded in the report: how the device backend was run (the backend itself is opened with these). */
  readonly device?: { readonly transfers: boolean; readonly cudaGraph: boolean };
  readonly onPhase?: (text: string) => void;
  /** Refuse a random input tensor larger than this (default DEFAULT_MAX_TENSOR_BYTES). */
  readonly maxTensorBytes?: number;
}

export async function runBench(options: BenchRunOptions, io: BenchIO): Promise<BenchReport> {
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
      if (backend.inputs === null) throw new UsageError(`${path} declares no inputs; bench needs a model or an engine`);
      // Built once from the first model, so both backends get the very same tensors.
      if (feeds === null) {
        const built = await buildFeeds(path, backend.inputs, options, io);
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
    settings: { ...options.measure, percentiles: 'trtexec nearest-rank (float32)', tensorrt: options.device ?? { transfers: true, cudaGraph: false } },
    results,
    headline: headline(results),
  };
}

async function buildFeeds(model: string, inputs: readonly TensorInfo[], options: BenchRunOptions, io: BenchIO): Promise<{ feeds: TensorMap; kind: 'image' | 'random' }> {
  const maxBytes = options.maxTensorBytes ?? DEFAULT_MAX_TENSOR_BYTES;
  if (options.image !== null) {
    if (inputs.length !== 1) throw new UsageError(`the model has ${inputs.length} inputs; an image can feed only a one-input model (omit the image to use random data)`);
    // A fixed input too large is the model's problem, said before decoding; a dynamic one takes the image's size, checked after.
    checkModelInputSize(model, inputs[0]!, maxBytes);
    const { tensor } = await io.loadImage(options.image, inputs[0]!);
    checkTensorSize('decoded image tensor', tensor.shape, elementBytes(tensor.dtype), tensor.dtype, maxBytes, options.image);
    return { feeds: new Map([[inputs[0]!.name, tensor]]), kind: 'image' };
  }
  for (const name of options.shapes.keys()) {
    if (!inputs.some((i) => i.name === name)) throw new UsageError(`--shape ${name}: the model has no input named '${name}' (inputs: ${inputs.map((i) => i.name).join(', ')})`);
  }
  const next = mulberry32(options.seed);
  const feeds = new Map<string, Tensor>();
  for (const info of inputs) {
    const shape = options.shapes.get(info.name) ?? (isConcrete(info.shape) ? info.shape : null);
    if (shape === null) {
      throw new UsageError(`input '${info.name}' has dynamic dims ${JSON.stringify(info.shape)}: give an image, or its shape with --shape ${info.name}=1x3x224x224`);
    }
    // Before allocating: --shape x=1x3x100000x100000 is an input error naming the tensor, not "Invalid typed array length".
    if (options.shapes.has(info.name)) checkTensorSize(`--shape ${info.name}`, shape, elementBytes(info.dtype), info.dtype, maxBytes);
    else checkModelInputSize(model, info, maxBytes);
    feeds.set(info.name, randomTensor(info.name, info.dtype, shape, next));
  }
  return { feeds, kind: 'random' };
}

async function benchOne(backend: Backend, feeds: TensorMap, loadMs: number, options: BenchRunOptions): Promise<BackendBench> {
  const key = 'bench';
  const toSample = (r: RunResult): BenchSample => {
    const t = r.timing;
    const d = t.device;
    return {
      wallMs: t.wallMs,
      ...(d === undefined && t.computeMs !== undefined ? { sessionMs: t.computeMs } : {}),
      ...(d === undefined ? {} : { h2dMs: d.h2dMs, computeMs: t.computeMs ?? 0, d2hMs: d.d2hMs, enqueueMs: d.enqueueMs }),
      ...(d?.graph === undefined || d.graph === 'off' ? {} : { graph: d.graph, graphFallbackReason: d.graphFallbackReason ?? null }),
    };
  };
  // Like trtexec's host buffers, the input is prepared once: a backend that can keep it in pinned
  // memory stages it, so each measured call starts from there, not from a JS array.
  let runOnce: () => Promise<RunResult>;
  if (canStage(backend)) {
    const staged = backend.stage(feeds, key);
    runOnce = () => backend.runStaged(staged);
  } else {
    runOnce = () => backend.run(feeds, key);
  }
  const f0 = performance.now();
  await runOnce();
  const firstRunMs = performance.now() - f0;
  const m = await measure(async () => toSample(await runOnce()), options.measure);
  const s = m.samples;
  const latency = latencyStats(s.map((x) => x.wallMs));
  const warnings: string[] = [];
  const onDevice = s.length > 0 && s.every((x) => x.h2dMs !== undefined);
  let gpu: DeviceBench | null = null;
  if (onDevice) {
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
    ...ortProviderFields(backend),
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

/** The execution provider a backend runs on, when it has several (ONNX Runtime). */
function executionProviderOf(backend: Backend): string | null {
  return runsOnProvider(backend) ? backend.executionProvider : null;
}

/** What ONNX Runtime's session.run() time holds, by provider (see docs/gpu-runs.md, ORT on the GPU). */
function ortProviderFields(backend: Backend): { executionProvider?: string; sessionIncludes?: string } {
  const provider = executionProviderOf(backend);
  if (provider === null) return {};
  return {
    executionProvider: provider,
    sessionIncludes: GPU_PROVIDERS.has(provider)
      // onnxruntime-node 1.30 takes only JS typed arrays ('cpu') or WebGPU buffers: no CUDA device
      // tensors, and 'cpu-pinned' inputs are refused, so every run copies in and out inside run().
      ? `ONNX Runtime's session.run() on its worker thread with the ${provider} provider: H2D copy of the inputs from pageable memory, GPU compute, D2H copy of the outputs, synchronized (onnxruntime-node has no CUDA IO binding or pinned inputs)`
      : `ONNX Runtime's session.run() on its worker thread with the ${provider} provider: compute on the host`,
  };
}

/** trtexec's own hints (sampleReporting.cpp printEpilog), on medians. */
export function trtexecHints(gpu: DeviceBench): string[] {
  const hints: string[] = [];
  if (gpu.enqueue.median > 0.8 * gpu.compute.median) {
    hints.push('throughput may be bound by enqueue time rather than GPU compute; the GPU may be under-utilized (--cuda-graph may help)');
  }
  if (gpu.h2d.median >= gpu.compute.median) hints.push('throughput may be bound by host-to-device transfers of the inputs rather than GPU compute (--no-transfers shows compute alone)');
  if (gpu.d2h.median >= gpu.compute.median) hints.push('throughput may be bound by device-to-host transfers of the outputs rather than GPU compute (--no-transfers shows compute alone)');
  return hints;
}

function headline(results: readonly BackendBench[]): BenchReport['headline'] {
  // A host backend against a device backend: which ones they are is in the results, not here.
  const ort = results.find((r) => r.gpu === null);
  const trt = results.find((r) => r.gpu !== null);
  if (!ort || !trt?.gpu) return null;
  const e2e = trt.latency.median;
  const onGpu = ort.executionProvider !== undefined && GPU_PROVIDERS.has(ort.executionProvider);
  return {
    speedupEndToEnd: ort.latency.median / e2e,
    speedupCompute: (ort.session ?? ort.latency).median / trt.gpu.compute.median,
    tensorrtTransferShare: (trt.gpu.h2d.median + trt.gpu.d2h.median) / e2e,
    tensorrtOverheadShare: trt.gpu.overhead.median / e2e,
    ...(onGpu ? { speedupDeviceSpan: (ort.session ?? ort.latency).median / (trt.gpu.h2d.median + trt.gpu.compute.median + trt.gpu.d2h.median) } : {}),
  };
}
