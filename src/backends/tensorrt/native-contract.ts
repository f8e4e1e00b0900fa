/**
 * The whole contract of the native addon (build/Release/trt_parity.node), typed in one place.
 * Nothing else in TypeScript may assume anything about the addon that is not written here.
 *
 * The addon does no file I/O, preprocessing, comparison or printing: it deserializes an engine
 * from bytes, describes it, and runs it, returning raw bytes and timings.
 */
import type { ProfileShapes } from '../../report/model/inspect.js';

/** Bumped whenever this contract changes; the loader refuses an addon built for another value. */
export const NATIVE_ABI_VERSION = 2;

/** TensorRT data types by name. fp16/bf16 come back as raw bits; fp8/int4/fp4/e8m0 are described but not run. */
export type NativeDType =
  | 'float32' | 'float16' | 'bfloat16' | 'int8' | 'uint8' | 'int32' | 'int64' | 'bool'
  | 'fp8' | 'int4' | 'fp4' | 'e8m0';

export interface NativeDeviceInfo {
  readonly index: number;
  readonly name: string;
  /** e.g. "9.0" */
  readonly computeCapability: string;
  readonly totalMemoryBytes: number;
  /** PCI bus id, e.g. "0000:18:00.0", to tell identical cards apart. */
  readonly pciBusId: string;
}

export interface NativeRuntimeInfo {
  readonly abiVersion: number;
  /** cudaRuntimeGetVersion of the statically linked runtime, e.g. 13000. */
  readonly cudaRuntimeVersion: number;
  /** cudaDriverGetVersion; 0 when no driver is installed. */
  readonly cudaDriverVersion: number;
  readonly devices: readonly NativeDeviceInfo[];
  /** Why `devices` is empty, in CUDA's words (e.g. "cudaErrorNoDevice (100): no CUDA-capable device is detected"); null otherwise. */
  readonly cudaError: string | null;
  readonly tensorrt: {
    /** False when the addon was compiled without TensorRT headers. */
    readonly builtIn: boolean;
    /** Version of the headers compiled against, "10.16.0"; null when not built in. */
    readonly headerVersion: string | null;
    /** The library file that would be (or was) dlopen'ed, e.g. "libnvinfer.so.10" or $TRT_PARITY_LIBNVINFER. */
    readonly libraryName: string | null;
    /**
     * Version reported by the loaded library's getInferLibVersion, "10.16.0"; null when it could not be
     * loaded, or was not tried yet (getRuntimeInfo never loads it: loadTensorRt and loadEngine do).
     */
    readonly libraryVersion: string | null;
    /** Why the library could not be loaded (dlopen/dlsym text, or a major-version mismatch); null when it loaded or was not tried. */
    readonly libraryError: string | null;
  };
}

/** min/opt/max per profile (and values for host shape tensors): the addon returns what inspect reports. */
export type NativeProfileShapes = ProfileShapes;

export interface NativeTensorDesc {
  readonly name: string;
  readonly mode: 'input' | 'output';
  readonly dtype: NativeDType;
  /** Engine shape, -1 for dynamic dims. */
  readonly shape: readonly number[];
  readonly location: 'device' | 'host';
  /** TensorFormat name, e.g. "LINEAR". */
  readonly format: string;
  /** getTensorFormatDesc text. */
  readonly formatDesc: string;
  /** isShapeInferenceIO: a shape tensor whose values (not only shape) matter. */
  readonly isShapeTensor: boolean;
  /** One entry per optimization profile (inputs only; empty for outputs). */
  readonly profiles: readonly NativeProfileShapes[];
  /**
   * Outputs only: the input whose device memory this output shares (getAliasedInputTensor, TensorRT
   * 10.15+, e.g. KVCacheUpdate): TensorRT updates that buffer in place and the output is read from it.
   * null otherwise.
   */
  readonly aliasedInput: string | null;
}

export interface NativeEngineInfo {
  readonly tensors: readonly NativeTensorDesc[];
  readonly numProfiles: number;
  /** Device memory the execution context needs (getDeviceMemorySize[V2]). */
  readonly deviceMemoryBytes: number;
  /** The device the engine was deserialized on. */
  readonly device: number;
  /** "none" | "ampere+" | "same-compute-capability" (8.6+); "unknown" where the API is absent. */
  readonly hardwareCompatibility: string;
  /** Log lines TensorRT printed while loading (warnings included). */
  readonly logs: readonly string[];
}

export interface NativeEngineOptions {
  /** CUDA device index. Defaults to 0. */
  readonly device?: number;
  /** setEngineHostCodeAllowed: needed for version-compatible plans with an embedded lean runtime. Defaults to false. */
  readonly allowHostCode?: boolean;
  /**
   * Plugin libraries to load before deserializing, once per process each (the same path again is not
   * reloaded): dlopen, which runs REGISTER_TENSORRT_PLUGIN registrations, then
   * IPluginRegistry::loadLibrary only for libraries exporting getCreators/getPluginCreators; a null
   * from it after a successful dlopen is a warning in the logs. Give absolute paths.
   */
  readonly plugins?: readonly string[];
  /** Minimum severity of TensorRT log lines kept: "error" | "warning" | "info" | "verbose". Defaults to "warning". */
  readonly logLevel?: 'error' | 'warning' | 'info' | 'verbose';
}

export interface NativeInferInput {
  readonly name: string;
  /** Concrete shape to set; for host shape tensors, the shape of the values tensor (e.g. [2]). */
  readonly shape: readonly number[];
  /** Exactly volume(shape) × element size bytes, in the engine's dtype. */
  readonly data: ArrayBufferView;
}

export interface NativeInferRequest {
  /** Optimization profile. Defaults to 0. */
  readonly profile?: number;
  readonly inputs: readonly NativeInferInput[];
  /**
   * Defaults to true. False measures compute alone (trtexec --noDataTransfers): no host→device
   * copy when the device already holds inputs of exactly these shapes from an earlier call (the
   * given `data` is checked and staged but not uploaded), no device→host copy (`outputs` is empty),
   * h2dMs and d2hMs 0. When the device holds no inputs of these shapes (first call, shapes changed,
   * or the previous call failed), the inputs are uploaded once and `inputsUploaded` says so.
   * Host inputs (shape tensors) are always read from this request.
   */
  readonly transfers?: boolean;
  /**
   * Defaults to false. True replays a CUDA graph of the enqueue (trtexec --useCudaGraph): the first
   * call in a new state (profile, input shapes, buffer addresses, host-input values) enqueues once
   * outside capture, captures, instantiates and launches ('captured'); later calls in that state
   * replay it ('replayed'). Any call in another state drops the graph. Engines that cannot be
   * captured, or have data-dependent output shapes, run a plain enqueue ('fallback', with the reason).
   */
  readonly cudaGraph?: boolean;
}

/**
 * How the compute step of a call ran: 'off' (plain enqueue, cudaGraph not asked for), 'captured'
 * (graph captured in this call, then launched once), 'replayed' (an earlier graph launched),
 * 'fallback' (plain enqueue although asked for a graph; see graphFallbackReason).
 */
export type NativeGraphState = 'off' | 'captured' | 'replayed' | 'fallback';

export interface NativeInferOutput {
  readonly name: string;
  readonly dtype: NativeDType;
  readonly shape: readonly number[];
  /**
   * Memory owned by the caller, written by no one else: volume(shape) × element size bytes. It may
   * be an external ArrayBuffer over a pooled pinned block (see pooledOutputs), which stays valid
   * after the engine is disposed.
   */
  readonly data: ArrayBuffer;
}

export interface NativeTiming {
  /**
   * CUDA-event times on the engine's stream, milliseconds. h2dMs is 0 when no upload happened, d2hMs
   * is 0 with transfers false. computeMs is one enqueue (or one graph launch): for a 'captured' call
   * it is the first launch, the warm-up enqueue and the capture only count in nativeMs.
   */
  readonly h2dMs: number;
  readonly computeMs: number;
  readonly d2hMs: number;
  /** steady_clock time of the enqueueV3 call (of cudaGraphLaunch for a graph) on the host, milliseconds. */
  readonly enqueueMs: number;
  /** steady_clock time of the whole native call inside the worker thread, milliseconds. */
  readonly nativeMs: number;
  /**
   * steady_clock time of the H2D cudaMemcpyAsync calls on the host, milliseconds (0 without an
   * upload). An idle GPU runs the event that starts h2dMs at once, so this submission time is part
   * of h2dMs.
   */
  readonly h2dSubmitMs: number;
}

export interface NativeInferResult {
  /** Empty when the request had transfers: false. */
  readonly outputs: readonly NativeInferOutput[];
  readonly timing: NativeTiming;
  /** TensorRT log lines printed during this call (including those of a failed capture). */
  readonly logs: readonly string[];
  /** How the compute step ran. */
  readonly graph: NativeGraphState;
  /** Why a graph was not used, when graph is 'fallback'; null otherwise. */
  readonly graphFallbackReason: string | null;
  /** Whether this call copied its inputs to the device (false only for transfers: false with inputs already there). */
  readonly inputsUploaded: boolean;
}

/** A deserialized engine with one execution context and its own non-blocking stream. */
export interface NativeEngine {
  info(): NativeEngineInfo;
  /** Runs on a worker thread; calls on one engine are serialized. Rejects with an Error whose message carries TensorRT's log lines. */
  infer(request: NativeInferRequest): Promise<NativeInferResult>;
  /** Idempotent. Waits for an in-flight call to finish, then frees everything; later infer() calls reject. */
  dispose(): Promise<void>;
  readonly disposed: boolean;
  /**
   * A pinned host buffer of `byteLength` bytes that becomes input `name`'s staging buffer: a request
   * whose `data` for that input is a view into it is read in place by the worker (no copy on the
   * main thread, and the copy to the device starts from memory the CPU did not just write, as with
   * trtexec's host buffers). Its bytes are read when the call runs, not when infer() is called: do
   * not write it while a call using it is pending.
   *
   * Each call allocates a new buffer and makes it the input's staging buffer; the previous one is
   * then an ordinary buffer (requests pointing into it are copied, as any other data). Buffers stay
   * valid memory for as long as JavaScript references them, also after dispose(), which stops
   * reading them in place. Throws an Error with `code` ERR_INVALID_ARGUMENT (unknown input,
   * byteLength not a non-negative integer), ERR_DISPOSED or ERR_CUDA.
   */
  stagingBuffer(name: string, byteLength: number): ArrayBuffer;
  /** Test hook: allocation counters and free device memory, to prove staging reuse and flat memory. */
  _debug(): NativeEngineDebug;
  /**
   * Test hook, not a product option: the per-call overhead switches of later calls (compile-time
   * defaults both true; see NativeTuning). Throws ERR_INVALID_ARGUMENT for a non-boolean.
   */
  _tune(tuning: NativeTuning): void;
}

/**
 * The addon's per-call overhead switches (benchmarks/overhead compares them; docs/native.md):
 * - spinWait: poll the call's last CUDA event for up to 2 ms before sleeping on it (trtexec
 *   --useSpinWait), and keep the JS thread's event loop polling meanwhile, so completion is seen
 *   without a wake-up; false sleeps (cudaEventBlockingSync) and lets the loop sleep.
 * - pooledOutputs: copy outputs of 64 KiB..16 MiB straight into pooled pinned blocks handed to
 *   JavaScript as the output ArrayBuffers; false copies every output into a fresh ArrayBuffer.
 */
export interface NativeTuning {
  readonly spinWait?: boolean;
  readonly pooledOutputs?: boolean;
}

export interface NativeEngineDebug {
  readonly deviceAllocs: number;
  readonly deviceBytes: number;
  readonly pinnedAllocs: number;
  readonly pinnedBytes: number;
  readonly stagingSets: number;
  readonly calls: number;
  /** cudaMemGetInfo of the engine's device. */
  readonly deviceFreeBytes: number;
  readonly deviceTotalBytes: number;
  /** stagingBuffer() calls so far, and inputs read in place from a staging buffer. */
  readonly stagingBuffers: number;
  readonly zeroCopyInputs: number;
  /** Outputs copied on the main thread (under 64 KiB, pooledOutputs false, or the pool at its cap). */
  readonly copiedOutputs: number;
  /** Outputs handed over in a pooled block. */
  readonly pooledOutputs: number;
  /** Pooled blocks alive (idle or held by JavaScript), their bytes, and how many were ever allocated. */
  readonly outputBlocks: number;
  readonly outputBlockBytes: number;
  readonly outputBlockAllocs: number;
  /** Pool requests refused at the cap (those outputs were copied). */
  readonly outputPoolExhausted: number;
}

/** A CUDA-only engine for testing the buffer/stream/event/worker machinery without TensorRT: outputs `<input>_echo`. */
export interface NativeEchoSpec {
  readonly inputs: readonly { readonly name: string; readonly dtype: NativeDType; readonly shape: readonly number[]; readonly location?: 'host' }[];
  /** Host-side delay inside the enqueue step, to test dispose during a call. */
  readonly delayMs?: number;
  /** Make the enqueue step fail, to test error paths. */
  readonly failEnqueue?: boolean;
  /** Make the enqueue step fail only while a CUDA graph is being captured (an engine with uncapturable work). */
  readonly failCapture?: boolean;
  /** Make the enqueue step do something capture forbids, so cudaStreamEndCapture reports the capture invalidated. */
  readonly invalidateCapture?: boolean;
}

export interface NativeAddon {
  readonly abiVersion: number;
  /**
   * Never throws, also on machines without a GPU or without TensorRT. Never loads libnvinfer (a
   * dlopen of the real library takes seconds): its version and error are what an earlier
   * loadTensorRt or loadEngine found, null before either ran.
   */
  getRuntimeInfo(): NativeRuntimeInfo;
  /**
   * Loads libnvinfer (once per process) on a worker thread, then resolves with getRuntimeInfo()'s
   * answer, which then says whether it loaded. Never rejects.
   */
  loadTensorRt(): Promise<NativeRuntimeInfo>;
  /** Deserializes on a worker thread. Rejects with an Error whose `code` says why (see NativeErrorCode). */
  loadEngine(plan: Uint8Array, options?: NativeEngineOptions): Promise<NativeEngine>;
  /** Test hook (CUDA part only, no TensorRT): the same pipeline with a device-to-device copy as its compute. */
  _createEchoEngine(spec: NativeEchoSpec, options?: { readonly device?: number }): Promise<NativeEngine>;
}

/**
 * `code` property of errors the addon throws, so TypeScript can classify without parsing text.
 */
export type NativeErrorCode =
  | 'ERR_TRT_NOT_BUILT'       // compiled without TensorRT headers
  | 'ERR_TRT_LIBRARY'         // libnvinfer could not be loaded, or wrong major
  | 'ERR_CUDA'                // a CUDA call failed (message names the call and the error)
  | 'ERR_NO_DEVICE'           // requested device index does not exist
  | 'ERR_ENGINE_INCOMPATIBLE' // deserializeCudaEngine returned null
  | 'ERR_ENGINE_HOST_CODE'    // plan needs host code and allowHostCode is false
  | 'ERR_ENGINE_UNSUPPORTED'  // non-linear format, unsupported dtype, ...
  | 'ERR_INVALID_ARGUMENT'    // bad request (unknown tensor, wrong byte length, shape out of profile)
  | 'ERR_DISPOSED'
  | 'ERR_TRT';                // any other TensorRT failure (enqueueV3 false, ...)
