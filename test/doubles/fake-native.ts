/**
 * An in-process fake of the native addon, implementing NativeAddon exactly as typed in
 * src/backends/tensorrt/native-contract.ts, so the TypeScript side can be tested without a GPU.
 *
 * It behaves as the contract says the real addon does: it rejects with `code`d errors, checks
 * requests (names, byte lengths, profile ranges) and rejects bad ones with ERR_INVALID_ARGUMENT,
 * serializes calls per engine, returns fresh output memory, and disposes idempotently after the
 * call in flight, rejecting later calls with ERR_DISPOSED. Everything else is configurable.
 *
 * `transfers: false` and `cudaGraph` follow the addon's rules (docs/native.md): inputs count as
 * resident on the device after a call that uploaded them, until the device input shapes change or a
 * call fails; a graph belongs to one state (profile, input shapes, host-input values) and is dropped
 * by any call in another state or any failed call. Buffer addresses are not modelled.
 *
 * `stagingBuffer(name, byteLength)` hands out a fresh buffer per call and makes it that input's
 * current one; a request whose data is a view of an input's current buffer counts as read in place
 * (`zeroCopyInputs`). Like the addon, the fake reads input bytes when the call runs.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  NativeAddon, NativeDeviceInfo, NativeDType, NativeEngine, NativeEngineInfo, NativeEngineOptions, NativeErrorCode, NativeGraphState,
  NativeEngineDebug, NativeInferRequest, NativeInferResult, NativeRuntimeInfo, NativeTensorDesc, NativeTiming, NativeTuning,
} from '../../src/backends/tensorrt/native-contract.js';
import { NATIVE_ABI_VERSION } from '../../src/backends/tensorrt/native-contract.js';

/** Bytes per element of a native dtype (int4/fp4 are packed; the fake never runs them). */
export const NATIVE_ITEM_BYTES: Readonly<Record<NativeDType, number>> = {
  float32: 4, float16: 2, bfloat16: 2, int8: 1, uint8: 1, int32: 4, int64: 8, bool: 1, fp8: 1, int4: 0.5, fp4: 0.5, e8m0: 1,
};

export interface FakeError {
  readonly code: NativeErrorCode | string;
  /** First line: the summary; further lines: TensorRT log lines, as the addon formats them. */
  readonly message: string;
}

/** An Error with a `code`, as the addon rejects with. */
export function nativeError(e: FakeError): Error & { code: string } {
  return Object.assign(new Error(e.message), { code: e.code });
}

/** A tensor for a fake engine; unspecified fields get linear, device-located, non-shape-tensor defaults. */
export type FakeTensorSpec = Pick<NativeTensorDesc, 'name' | 'mode' | 'dtype' | 'shape'> & Partial<NativeTensorDesc>;

/** One infer() call as the fake received it. */
export interface FakeInferCall {
  readonly profile: number;
  readonly inputs: ReadonlyMap<string, { readonly shape: readonly number[]; readonly bytes: Uint8Array; readonly dtype: NativeDType }>;
  /** 0 for the first call on this engine. */
  readonly index: number;
  /** The request's transfers and cudaGraph, defaults applied. */
  readonly transfers: boolean;
  readonly cudaGraph: boolean;
}

export type FakeCompute = (call: FakeInferCall) => Record<string, { readonly shape: readonly number[]; readonly data: ArrayBufferView }>;

export interface FakeEngineSpec {
  readonly tensors: readonly FakeTensorSpec[];
  /** Defaults to the longest `profiles` list among inputs, at least 1. */
  readonly numProfiles?: number;
  readonly deviceMemoryBytes?: number;
  readonly hardwareCompatibility?: string;
  readonly loadLogs?: readonly string[];
  /** Loading rejects with ERR_ENGINE_HOST_CODE unless allowHostCode is set. */
  readonly needsHostCode?: boolean;
  /** Outputs of a call. Default: zeros, each dynamic output dim taken from the first input's same dim. */
  readonly compute?: FakeCompute;
  /** Each infer() takes this long (ms) before resolving. Defaults to 0. */
  readonly inferDelayMs?: number;
  /** Makes infer() reject: always, or when the function returns an error. */
  readonly inferError?: FakeError | ((call: FakeInferCall) => FakeError | undefined);
  /** Log lines every infer() returns. */
  readonly inferLogs?: readonly string[];
  readonly timing?: Partial<NativeTiming>;
  /**
   * Makes graph capture fail (graph 'fallback' with this reason): always, or when the function
   * returns a reason. Asked once per state, as the addon remembers a failed capture for its state.
   */
  readonly graphFallback?: string | ((call: FakeInferCall) => string | undefined);
  /**
   * The plugin (creator name) the plan needs: loading fails with TensorRT's missing-creator lines
   * unless a library that registers it was loaded in this process (FakeAddonOptions.plugins).
   */
  readonly needsPlugin?: string;
}

/** A plugin library the fake can "dlopen": the creators it registers. */
export interface FakePluginLibrary {
  readonly creators: readonly string[];
}

export interface FakeAddonOptions {
  /** Defaults to NATIVE_ABI_VERSION. */
  readonly abiVersion?: number;
  readonly runtime?: {
    readonly cudaRuntimeVersion?: number;
    readonly cudaDriverVersion?: number;
    readonly devices?: readonly NativeDeviceInfo[];
    readonly cudaError?: string | null;
    readonly tensorrt?: Partial<NativeRuntimeInfo['tensorrt']>;
  };
  /** The engine every loadEngine() deserializes, or a function of the plan bytes. */
  readonly engine?: FakeEngineSpec | ((plan: Uint8Array) => FakeEngineSpec);
  /** Makes loadEngine() reject with this error. */
  readonly loadError?: FakeError;
  readonly loadDelayMs?: number;
  /**
   * libnvinfer as seen once the addon tried to dlopen it (on the first loadEngine or loadTensorRt). Until then libraryVersion and libraryError read null, as the
   * contract says for "not tried". Defaults to a loaded 10.16.0.
   */
  readonly library?: { readonly libraryVersion: string | null; readonly libraryError: string | null };
  /**
   * Plugin libraries by absolute path. When given, any other path fails to load (ERR_INVALID_ARGUMENT,
   * dlopen's wording); when absent, every path loads and registers nothing.
   */
  readonly plugins?: Readonly<Record<string, FakePluginLibrary>>;
}

export const FAKE_GPU: NativeDeviceInfo = { index: 0, name: 'NVIDIA H100 80GB HBM3', computeCapability: '9.0', totalMemoryBytes: 85_045_018_624, pciBusId: '0000:18:00.0' };

export const DEFAULT_TIMING: NativeTiming = { h2dMs: 0.25, computeMs: 1.5, d2hMs: 0.125, enqueueMs: 0.0625, nativeMs: 2, h2dSubmitMs: 0.03125 };

function volume(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function fullDesc(t: FakeTensorSpec): NativeTensorDesc {
  return { location: 'device', format: 'LINEAR', formatDesc: 'Row major linear format', isShapeTensor: false, profiles: [], aliasedInput: null, ...t };
}

/**
 * A plan header as real `ftrt` plans have it (issue 11): the magic at 0, the size as u64 LE at 16,
 * `version` ("10.3.0.26") at bytes 24..27. The fake addon never parses it; plan-file.ts does.
 */
export function fakePlan(version = '10.16.0.32', length = 32): Uint8Array {
  const plan = new Uint8Array(length);
  plan.set([0x66, 0x74, 0x72, 0x74], 0); // "ftrt"
  new DataView(plan.buffer).setBigUint64(16, BigInt(length), true);
  const [ma, mi, pa, bu] = version.split('.').map(Number);
  plan[24] = ma ?? 0;
  plan[25] = mi ?? 0;
  plan[26] = pa ?? 0;
  plan[27] = bu ?? 0;
  return plan;
}

export class FakeEngine implements NativeEngine {
  readonly spec: FakeEngineSpec;
  readonly options: NativeEngineOptions;
  readonly #info: NativeEngineInfo;
  /** Every request received, in order (including rejected ones). */
  readonly requests: NativeInferRequest[] = [];
  /** Calls that entered infer() and have not settled. */
  pending = 0;
  /** The most calls ever pending at once: above 1 means the caller did not serialize. */
  maxPending = 0;
  disposeCalls = 0;
  /** Graph captures attempted (successful or not). */
  captures = 0;
  /** Key of the device input shapes the fake "device" holds; null when nothing reusable. */
  #resident: string | null = null;
  /** The state a graph was captured in, and why capturing it failed (null when it succeeded). */
  #graph: { readonly key: string; readonly failure: string | null } | null = null;
  /** Each input's current staging buffer. */
  readonly stagingBuffers = new Map<string, ArrayBuffer>();
  /** Inputs whose request data was a view of their current staging buffer. */
  zeroCopyInputs = 0;
  /** What _tune() set last (the addon's compile-time defaults until then). */
  tuning = { spinWait: true, pooledOutputs: true };
  #disposed = false;
  #disposeRequested = false;
  #tail: Promise<unknown> = Promise.resolve();
  #disposal: Promise<void> | undefined;
  #calls = 0;

  constructor(spec: FakeEngineSpec, options: NativeEngineOptions, plan: Uint8Array) {
    this.spec = spec;
    this.options = options;
    const tensors = spec.tensors.map(fullDesc);
    const profiles = Math.max(1, ...tensors.map((t) => t.profiles.length));
    void plan;
    this.#info = {
      tensors,
      numProfiles: spec.numProfiles ?? profiles,
      deviceMemoryBytes: spec.deviceMemoryBytes ?? 1 << 20,
      device: options.device ?? 0,
      hardwareCompatibility: spec.hardwareCompatibility ?? 'none',
      logs: spec.loadLogs ?? [],
    };
  }

  /** Counters as the addon's test hook has them; only those the fake models are non-zero. */
  _debug(): NativeEngineDebug {
    return {
      deviceAllocs: 0, deviceBytes: 0, pinnedAllocs: 0, pinnedBytes: 0, stagingSets: 0, calls: this.#calls, deviceFreeBytes: 0, deviceTotalBytes: 0,
      stagingBuffers: this.stagingBuffers.size, zeroCopyInputs: this.zeroCopyInputs, copiedOutputs: 0, pooledOutputs: 0,
      outputBlocks: 0, outputBlockBytes: 0, outputBlockAllocs: 0, outputPoolExhausted: 0,
    };
  }

  _tune(tuning: NativeTuning): void {
    for (const k of ['spinWait', 'pooledOutputs'] as const) {
      const v = tuning[k];
      if (v === undefined) continue;
      if (typeof v !== 'boolean') throw nativeError({ code: 'ERR_INVALID_ARGUMENT', message: `_tune(): ${k} must be a boolean` });
      this.tuning = { ...this.tuning, [k]: v };
    }
  }

  stagingBuffer(name: string, byteLength: number): ArrayBuffer {
    if (this.#disposeRequested) throw nativeError({ code: 'ERR_DISPOSED', message: 'stagingBuffer() called on a disposed engine' });
    if (!this.#info.tensors.some((t) => t.mode === 'input' && t.name === name)) {
      throw nativeError({ code: 'ERR_INVALID_ARGUMENT', message: `stagingBuffer(): the engine has no input named '${name}'` });
    }
    if (!Number.isInteger(byteLength) || byteLength < 0) {
      throw nativeError({ code: 'ERR_INVALID_ARGUMENT', message: `stagingBuffer('${name}', byteLength): byteLength must be a non-negative integer` });
    }
    const buffer = new ArrayBuffer(byteLength);
    this.stagingBuffers.set(name, buffer);
    return buffer;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  info(): NativeEngineInfo {
    return this.#info;
  }

  infer(request: NativeInferRequest): Promise<NativeInferResult> {
    this.requests.push(request);
    if (this.#disposeRequested) return Promise.reject(nativeError({ code: 'ERR_DISPOSED', message: 'engine is disposed' }));
    this.pending++;
    this.maxPending = Math.max(this.maxPending, this.pending);
    const run = this.#tail.then(() => this.#inferNow(request));
    this.#tail = run.catch(() => undefined);
    return run.finally(() => {
      this.pending--;
    });
  }

  async #inferNow(request: NativeInferRequest): Promise<NativeInferResult> {
    try {
      return await this.#inferChecked(request);
    } catch (err) {
      // As the addon: a failed call leaves nothing on the device to trust.
      this.#resident = null;
      this.#graph = null;
      throw err;
    }
  }

  async #inferChecked(request: NativeInferRequest): Promise<NativeInferResult> {
    const index = this.#calls++;
    if (this.spec.inferDelayMs) await sleep(this.spec.inferDelayMs);
    const profile = request.profile ?? 0;
    const invalid = (message: string): Error => nativeError({ code: 'ERR_INVALID_ARGUMENT', message });
    if (profile < 0 || profile >= this.#info.numProfiles) throw invalid(`profile ${profile} out of range`);
    const inputs = new Map<string, { shape: readonly number[]; bytes: Uint8Array; dtype: NativeDType }>();
    const descs = this.#info.tensors;
    for (const input of request.inputs) {
      const desc = descs.find((t) => t.name === input.name && t.mode === 'input');
      if (desc === undefined) throw invalid(`unknown input tensor '${input.name}'`);
      const want = volume(input.shape) * NATIVE_ITEM_BYTES[desc.dtype];
      if (input.data.byteLength !== want) throw invalid(`input '${input.name}': ${input.data.byteLength} bytes, expected ${want}`);
      const range = desc.isShapeTensor ? undefined : desc.profiles[profile];
      if (range && input.shape.some((d, i) => d < range.min[i]! || d > range.max[i]!)) {
        throw invalid(`IExecutionContext::setInputShape: Error Code 3: API Usage Error (dimensions exceed min ~ max range for '${input.name}')`);
      }
      inputs.set(input.name, { shape: input.shape, dtype: desc.dtype, bytes: new Uint8Array(input.data.buffer, input.data.byteOffset, input.data.byteLength).slice() });
      if (input.data.byteLength > 0 && input.data.buffer === this.stagingBuffers.get(input.name)) this.zeroCopyInputs++;
    }
    for (const d of descs) if (d.mode === 'input' && !inputs.has(d.name)) throw invalid(`input '${d.name}' not set`);
    const { transfers = true, cudaGraph = false } = request;
    if (typeof transfers !== 'boolean') throw invalid('request.transfers must be a boolean');
    if (typeof cudaGraph !== 'boolean') throw invalid('request.cudaGraph must be a boolean');
    const call: FakeInferCall = { profile, inputs, index, transfers, cudaGraph };
    const err = typeof this.spec.inferError === 'function' ? this.spec.inferError(call) : this.spec.inferError;
    if (err !== undefined) throw nativeError(err);

    const onHost = (name: string): boolean => descs.find((t) => t.name === name)?.location === 'host';
    const residentKey = JSON.stringify([...inputs].filter(([n]) => !onHost(n)).map(([n, i]) => [n, i.shape]));
    const stateKey = JSON.stringify([profile, [...inputs].map(([n, i]) => [n, i.shape, onHost(n) ? [...i.bytes] : null])]);
    const uploaded = transfers || this.#resident !== residentKey;
    this.#resident = residentKey;
    if (this.#graph !== null && this.#graph.key !== stateKey) this.#graph = null;
    let graph: NativeGraphState = 'off';
    let graphFallbackReason: string | null = null;
    if (cudaGraph) {
      if (this.#graph === null) {
        this.captures++;
        const reason = typeof this.spec.graphFallback === 'function' ? this.spec.graphFallback(call) : this.spec.graphFallback;
        this.#graph = { key: stateKey, failure: reason ?? null };
        graph = reason === undefined ? 'captured' : 'fallback';
      } else {
        graph = this.#graph.failure === null ? 'replayed' : 'fallback';
      }
      graphFallbackReason = this.#graph.failure;
    }
    const timing: NativeTiming = { ...DEFAULT_TIMING, ...this.spec.timing };
    const extras = { graph, graphFallbackReason, inputsUploaded: uploaded, logs: this.spec.inferLogs ?? [] };
    if (!transfers) return { outputs: [], timing: { ...timing, h2dMs: uploaded ? timing.h2dMs : 0, d2hMs: 0 }, ...extras };
    const produced = (this.spec.compute ?? defaultCompute(descs))(call);
    const outputs = descs.filter((d) => d.mode === 'output').map((d) => {
      const o = produced[d.name];
      if (o === undefined) throw new Error(`fake compute produced no output '${d.name}'`);
      const data = new ArrayBuffer(o.data.byteLength);
      new Uint8Array(data).set(new Uint8Array(o.data.buffer, o.data.byteOffset, o.data.byteLength));
      return { name: d.name, dtype: d.dtype, shape: [...o.shape], data };
    });
    return { outputs, timing, ...extras };
  }

  dispose(): Promise<void> {
    this.disposeCalls++;
    this.#disposeRequested = true;
    this.#disposal ??= this.#tail.then(() => {
      this.#disposed = true;
    });
    return this.#disposal;
  }
}

function defaultCompute(descs: readonly NativeTensorDesc[]): FakeCompute {
  return (call) => {
    const first = [...call.inputs.values()][0];
    const out: Record<string, { shape: readonly number[]; data: ArrayBufferView }> = {};
    for (const d of descs.filter((t) => t.mode === 'output')) {
      const shape = d.shape.map((dim, i) => (dim >= 0 ? dim : first?.shape[i] ?? 1));
      out[d.name] = { shape, data: new Uint8Array(volume(shape) * NATIVE_ITEM_BYTES[d.dtype]) };
    }
    return out;
  };
}

export interface FakeAddon extends NativeAddon {
  /** Engines loaded so far, in order. */
  readonly engines: FakeEngine[];
  readonly loadCalls: { readonly plan: Uint8Array; readonly options: NativeEngineOptions }[];
  /** Plugin libraries loaded in this "process", each once, in order (the addon's policy). */
  readonly pluginLoads: string[];
}

/** A fake addon; see FakeAddonOptions for what can be configured. */
export function createFakeAddon(options: FakeAddonOptions = {}): FakeAddon {
  const rt = options.runtime ?? {};
  const library = options.library ?? { libraryVersion: '10.16.0', libraryError: null };
  let tried = false;
  const tensorrt = (): NativeRuntimeInfo['tensorrt'] => {
    const base = { builtIn: true, headerVersion: '10.16.0', libraryName: 'libnvinfer.so.10', libraryVersion: null, libraryError: null, ...rt.tensorrt };
    if (!base.builtIn) return { ...base, headerVersion: null, libraryName: null, libraryVersion: null, libraryError: null };
    return tried && rt.tensorrt?.libraryVersion === undefined && rt.tensorrt?.libraryError === undefined ? { ...base, ...library } : base;
  };
  const runtime = (): NativeRuntimeInfo => ({
    abiVersion: options.abiVersion ?? NATIVE_ABI_VERSION,
    cudaRuntimeVersion: rt.cudaRuntimeVersion ?? 13000,
    cudaDriverVersion: rt.cudaDriverVersion ?? 13010,
    devices: rt.devices ?? [FAKE_GPU],
    cudaError: rt.cudaError ?? null,
    tensorrt: tensorrt(),
  });
  const addon: FakeAddon = {
    abiVersion: options.abiVersion ?? NATIVE_ABI_VERSION,
    engines: [],
    loadCalls: [],
    pluginLoads: [],
    getRuntimeInfo: runtime,
    async loadTensorRt() {
      if (runtime().tensorrt.builtIn) tried = true;
      return runtime();
    },
    async _createEchoEngine() {
      throw nativeError({ code: 'ERR_CUDA', message: 'the fake addon has no echo engine' });
    },
    async loadEngine(plan, engineOptions = {}) {
      addon.loadCalls.push({ plan, options: engineOptions });
      if (options.loadDelayMs) await sleep(options.loadDelayMs);
      const info = runtime();
      if (!info.tensorrt.builtIn) throw nativeError({ code: 'ERR_TRT_NOT_BUILT', message: 'trt_parity was built without TensorRT' });
      const device = engineOptions.device ?? 0;
      if (!info.devices.some((d) => d.index === device)) throw nativeError({ code: 'ERR_NO_DEVICE', message: `cudaSetDevice(${device}): cudaErrorInvalidDevice (101): invalid device ordinal` });
      tried = true;
      const lib = runtime().tensorrt;
      if (lib.libraryError !== null) throw nativeError({ code: 'ERR_TRT_LIBRARY', message: lib.libraryError });
      // The addon's plugin policy: each library once per process; a second engine with the same one just finds it loaded.
      for (const path of engineOptions.plugins ?? []) {
        if (addon.pluginLoads.includes(path)) continue;
        if (options.plugins !== undefined && options.plugins[path] === undefined) {
          throw nativeError({ code: 'ERR_INVALID_ARGUMENT', message: `plugin library '${path}' could not be loaded: ${path}: cannot open shared object file: No such file or directory` });
        }
        addon.pluginLoads.push(path);
      }
      if (options.loadError) throw nativeError(options.loadError);
      const spec = typeof options.engine === 'function' ? options.engine(plan) : options.engine;
      const needs = spec?.needsPlugin;
      if (needs !== undefined && !addon.pluginLoads.some((p) => options.plugins?.[p]?.creators.includes(needs))) {
        // TensorRT 10's lines for a plan whose plugin creator is not registered (see classify-engine-error.test.ts).
        throw nativeError({ code: 'ERR_ENGINE_INCOMPATIBLE', message: [
          'TensorRT 10.16.0 could not deserialize this engine',
          `  TensorRT: [E] IPluginRegistry::getPluginCreator: Error Code 4: API Usage Error (Cannot find plugin: ${needs}, version: 1, namespace:.)`,
          '  TensorRT: [E] IRuntime::deserializeCudaEngine: Error Code 1: Serialization (Serialization assertion creator failed.Cannot deserialize plugin since corresponding IPluginCreator not found in Plugin Registry)',
        ].join('\n') });
      }
      if (spec === undefined) throw nativeError({ code: 'ERR_ENGINE_INCOMPATIBLE', message: 'IRuntime::deserializeCudaEngine: Error Code 1: Serialization (Magic tag does not match)' });
      if (spec.needsHostCode && !engineOptions.allowHostCode) {
        throw nativeError({ code: 'ERR_ENGINE_HOST_CODE', message: 'IRuntime::deserializeCudaEngine: Error Code 6: API Usage Error (Cannot deserialize engine with lean runtime: host code not allowed)' });
      }
      const engine = new FakeEngine(spec, engineOptions, plan);
      addon.engines.push(engine);
      return engine;
    },
  };
  return addon;
}
