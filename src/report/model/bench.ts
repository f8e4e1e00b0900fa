/** The report of `trt-parity bench` (JSON: `bench --json`). */
import type { ToolInfo } from './common.js';

/** Version of the bench JSON. Bump on any incompatible change; additions keep it. */
export const BENCH_SCHEMA_VERSION = 1;

/**
 * Latency statistics, computed the way trtexec computes them (see src/bench/stats.ts). All in ms.
 */
export interface LatencyStats {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly median: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly std: number;
  /** std / mean × 100; Infinity when the mean is 0. */
  readonly cvPercent: number;
}

/** trtexec's measurement settings (see src/bench/measure.ts). */
export interface MeasureSettings {
  /** Warm-up wall time in ms, not counted (trtexec --warmUp, default 200). */
  readonly warmupMs: number;
  /** Minimum number of measured runs (trtexec --iterations, default 10). */
  readonly iterations: number;
  /** Minimum measured wall time in ms (trtexec --duration, default 3 s). */
  readonly durationMs: number;
  /** Hard cap on measured runs, so a very fast model cannot fill memory with samples. */
  readonly maxIterations?: number;
}

/** One measured run. Times in ms. */
export interface BenchSample {
  /** The wall time of the backend call, seen from JavaScript. */
  readonly wallMs: number;
  /** The backend's own compute time (ONNX Runtime's session.run() inside its worker); absent when none. */
  readonly sessionMs?: number;
  /** Device backends: CUDA-event and host timings. */
  readonly h2dMs?: number;
  readonly computeMs?: number;
  readonly d2hMs?: number;
  readonly enqueueMs?: number;
  /** With --cuda-graph: 'captured' | 'replayed' | 'fallback'. */
  readonly graph?: string;
  readonly graphFallbackReason?: string | null;
}

export interface DeviceBench {
  readonly h2d: LatencyStats;
  readonly compute: LatencyStats;
  readonly d2h: LatencyStats;
  readonly enqueue: LatencyStats;
  /** Wall time minus (H2D + compute + D2H): the cost of our code, N-API, the worker hop and scheduling. */
  readonly overhead: LatencyStats;
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
  /** A host backend's own compute time (ONNX Runtime's session.run() inside its worker); null otherwise. */
  readonly session: LatencyStats | null;
  /** ONNX Runtime's execution provider (cpu, cuda, …); absent for other backends. */
  readonly executionProvider?: string;
  /** What `session` includes, in words: on a GPU provider the copies to and from the device too. */
  readonly sessionIncludes?: string;
  /** A device backend's CUDA-event and host timings; null for host backends. */
  readonly gpu: DeviceBench | null;
  readonly warnings: readonly string[];
  readonly samples: readonly BenchSample[] | null;
}

export interface BenchHeadline {
  /** The host backend's end-to-end median / the device backend's end-to-end median. */
  readonly speedupEndToEnd: number;
  /** The host backend's compute median (on CPU there are no transfers) / the device backend's GPU-compute median. */
  readonly speedupCompute: number;
  /** Share of the device backend's end-to-end median spent in H2D + D2H copies. */
  readonly tensorrtTransferShare: number;
  /** Share of the device backend's end-to-end median spent outside copies and compute: our code, N-API, scheduling. */
  readonly tensorrtOverheadShare: number;
  /**
   * When ONNX Runtime ran on a GPU provider: its session.run() median (which includes the H2D and D2H
   * copies: onnxruntime-node has no CUDA IO binding) / TensorRT's H2D + compute + D2H (sum of the
   * CUDA-event medians): the like-for-like device comparison. Absent otherwise.
   */
  readonly speedupDeviceSpan?: number;
}

export interface BenchReport {
  readonly schema: 'trt-parity/bench';
  readonly schemaVersion: typeof BENCH_SCHEMA_VERSION;
  readonly tool: ToolInfo;
  readonly input: {
    readonly kind: 'image' | 'random';
    readonly image: string | null;
    readonly seed: number | null;
    readonly tensors: readonly { readonly name: string; readonly dtype: string; readonly shape: readonly number[] }[];
  };
  readonly settings: MeasureSettings & {
    readonly percentiles: 'trtexec nearest-rank (float32)';
    /** How the device backend was run. */
    readonly tensorrt: { readonly transfers: boolean; readonly cudaGraph: boolean };
  };
  readonly results: readonly BackendBench[];
  /** Present when a host backend and a device backend both ran. Ratios of medians. */
  readonly headline: BenchHeadline | null;
}
