/**
 * The ONNX Runtime backend: one InferenceSession per backend, living in the worker thread that all
 * of the process's sessions share (session-host.ts).
 *
 * Error policy (exit codes from src/errors.ts):
 * - model file missing, unreadable, or not an ONNX ModelProto → InputError naming the file (2);
 * - a well-formed ONNX file that ORT refuses (unsupported op, bad graph, a bfloat16 I/O that
 *   onnxruntime-node cannot carry) → BackendError "model-load-failed" (3): the file is fine,
 *   this backend cannot run it;
 * - the requested execution provider cannot be loaded → BackendError "provider-unavailable" (3).
 *   Never a silent CPU fallback: a "cuda" timing that was really CPU would be a lie;
 * - ORT rejecting feeds at run time (dtype, shape, missing input) → BackendError "run-failed" (3)
 *   carrying ORT's own message.
 */
import { availableParallelism } from 'node:os';
import { checkThreads } from '../../io/limits.js';
import { BackendError, UsageError } from '../../errors.js';
import { isDType } from '../../tensor/dtype.js';
import { formatShape } from '../../tensor/shape.js';
import type { Dim, Tensor, TensorInfo, TensorMap } from '../../tensor/types.js';
import { BaseBackend, type MeasuredRun } from '../base-backend.js';
import { inspectOnnx, type OnnxModelInfo } from './model-info.js';
import { SessionHost } from './session-host.js';
import type { FromWorker, ToWorker, WireInfo, WireTensor, WorkerSessionOptions } from './worker-protocol.js';
import { transferList } from './worker-protocol.js';

/** Execution providers onnxruntime-node knows by name (which ones load depends on the install). */
export const KNOWN_PROVIDERS = ['cpu', 'cuda', 'tensorrt', 'webgpu', 'dml', 'coreml', 'xnnpack'] as const;

export interface OnnxBackendOptions {
  /** Execution provider name; default "cpu". Anything onnxruntime-node accepts. */
  readonly provider?: string;
  /** intraOpNumThreads; 0 or undefined lets ORT choose (one per core). */
  readonly threads?: number;
  /** ORT graph optimisation level; default ORT's ("all"). */
  readonly graphOptimizationLevel?: WorkerSessionOptions['graphOptimizationLevel'];
  /**
   * Let ORT's intra-op threads spin while idle (ORT's default, lowest latency). `compare` turns it
   * off: the spinning threads would take the cores that decode the next image.
   */
  readonly allowSpinning?: boolean;
}

interface Pending {
  readonly resolve: (msg: Extract<FromWorker, { type: 'result' }>) => void;
  readonly reject: (err: Error) => void;
}

/**
 * ONNX Runtime over onnxruntime-node. Create with `OnnxBackend.open`, call `run` once per input,
 * then `dispose`.
 */
export class OnnxBackend extends BaseBackend {
  readonly name = 'onnxruntime' as const;
  readonly source: string;
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /** The execution provider the session was created with. */
  readonly provider: string;

  /** The OnProvider ability (backend.ts): bench records what its session.run() time holds. */
  get executionProvider(): string {
    return this.provider;
  }
  /** The ONNX Runtime worker thread's id; backends open at the same time share one (session-host.ts). */
  get workerThreadId(): number {
    return this.#host.threadId;
  }
  /** Session creation time inside the worker, ms. */
  readonly loadMs: number;
  /**
   * The CPU provider with as many intra-op threads as this machine has cores, or ONNX Runtime's
   * default (one per physical core): its runs keep every core busy (Backend.busiesEveryCore).
   */
  readonly busiesEveryCore: boolean;
  /** What the file's ModelProto says (opsets, producer, named dims). */
  readonly model: OnnxModelInfo;

  readonly #host: SessionHost;
  readonly #sid: number;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed: Error | null = null;
  #onReleased: (() => void) | null = null;

  private constructor(init: {
    source: string; provider: string; model: OnnxModelInfo; host: SessionHost; sid: number;
    ready: Extract<FromWorker, { type: 'ready' }>; threads: number | undefined;
  }) {
    super();
    this.source = init.source;
    this.provider = init.provider;
    this.busiesEveryCore = init.provider === 'cpu' && (init.threads === undefined || init.threads === 0 || init.threads >= availableParallelism());
    this.model = init.model;
    this.loadMs = init.ready.loadMs;
    this.inputs = init.ready.inputs.map(toTensorInfo);
    this.outputs = init.ready.outputs.map(toTensorInfo);
    this.#host = init.host;
    this.#sid = init.sid;
  }

  /**
   * Load `path` into a session in a fresh worker thread.
   * @throws InputError for a missing/unreadable/non-ONNX file, UsageError for bad options,
   *   BackendError when ORT or the provider cannot load the model.
   */
  static async open(path: string, options: OnnxBackendOptions = {}): Promise<OnnxBackend> {
    const provider = options.provider ?? 'cpu';
    if (provider.trim() === '') throw new UsageError('the ONNX Runtime provider must name an execution provider, e.g. cpu or cuda');
    const threads = options.threads;
    if (threads !== undefined && !(Number.isInteger(threads) && threads >= 0)) {
      throw new UsageError(`Expected a non-negative integer for threads but received ${threads}`);
    }
    // More threads than cores only slows ORT down, and 100000 of them exhausted memory and crashed.
    if (threads !== undefined) checkThreads(threads);
    // The worker is shared with any other session open now (a compare of two ONNX models loads
    // both at once in one worker). It is acquired before the proto is parsed, so that starting it
    // (importing onnxruntime-node there) overlaps the parse. Until 'ready', this session's messages
    // go to the open below; then to the backend, which replaces the listener through `route`.
    const host = SessionHost.acquire();
    let early: Error | null = null;
    let route: { message(m: FromWorker): void; failed(e: Error): void } | null = null;
    const sid = host.attach({
      message: (m) => route?.message(m),
      failed: (e) => { if (route === null) early = e; else route.failed(e); },
    });
    // Parse the proto first: a corrupt or wrong file is the user's input problem (exit 2), and
    // this tells it apart from a valid model ORT cannot run (exit 3).
    let model: OnnxModelInfo;
    try {
      model = await inspectOnnx(path);
    } catch (err) {
      await host.detach(sid);
      throw err;
    }
    const sessionOptions: WorkerSessionOptions = {
      executionProviders: [provider],
      ...(threads === undefined ? {} : { intraOpNumThreads: threads }),
      ...(options.graphOptimizationLevel === undefined ? {} : { graphOptimizationLevel: options.graphOptimizationLevel }),
      ...(options.allowSpinning === undefined ? {} : { allowSpinning: options.allowSpinning }),
    };
    host.busy();
    const first = await new Promise<FromWorker>((resolve, reject) => {
      route = { message: resolve, failed: reject };
      if (early !== null) {
        reject(early);
        return;
      }
      host.post({ type: 'open', sid, modelPath: path, options: sessionOptions } satisfies ToWorker);
    }).finally(() => host.idle()).catch(async (err: unknown) => {
      await host.detach(sid);
      throw new BackendError('onnxruntime', 'worker-failed', `${path}: the ONNX Runtime worker failed to start: ${messageOf(err)}`, { cause: err });
    });
    if (first.type === 'load-error') {
      await host.detach(sid);
      throw await loadError(path, provider, first.message);
    }
    if (first.type !== 'ready') {
      await host.detach(sid);
      throw new BackendError('onnxruntime', 'worker-failed', `${path}: unexpected first message from the ONNX Runtime worker: ${first.type}`);
    }
    const backend = new OnnxBackend({ source: path, provider, model, host, sid, ready: first, threads });
    route = { message: (m) => backend.#onMessage(m), failed: (e) => backend.#fail(e) };
    return backend;
  }

  /**
   * Runs one input (BaseBackend checked the feeds against the model's inputs). Feeds are copied once
   * into buffers handed to the worker, so the caller's tensors stay usable (they are typically fed to
   * a second backend too). `computeMs` is ORT's own run() as timed inside the worker: the cost a direct
   * caller would see without the thread hop.
   */
  protected async runImpl(feeds: TensorMap, key: string): Promise<MeasuredRun> {
    if (this.#closed) throw this.#closed;
    const wire: WireTensor[] = [];
    for (const [name, t] of feeds) {
      if (t.dtype === 'bfloat16') {
        throw new BackendError('onnxruntime', 'unsupported-dtype',
          `${this.source}: input '${name}' is bfloat16, which onnxruntime-node cannot pass to ONNX Runtime`);
      }
      wire.push({ name, dtype: t.dtype, dims: [...t.shape], data: t.data.slice() });
    }
    const id = this.#nextId++;
    const done = new Promise<Extract<FromWorker, { type: 'result' }>>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
    });
    this.#host.busy();
    const msg: ToWorker = { type: 'run', sid: this.#sid, id, feeds: wire };
    this.#host.post(msg, transferList(wire.map((w) => w.data)));
    let result: Extract<FromWorker, { type: 'result' }>;
    try {
      result = await done;
    } catch (err) {
      if (err instanceof BackendError) throw err;
      throw new BackendError('onnxruntime', 'run-failed', `${this.source}: ONNX Runtime failed on ${key}: ${messageOf(err)}`, { cause: err });
    }
    const outputs = new Map<string, Tensor>();
    for (const o of result.outputs) outputs.set(o.name, fromWire(o, this.source));
    return { outputs, timing: { computeMs: result.runMs } };
  }

  /** Release the session and end the worker (once; BaseBackend makes dispose idempotent). */
  protected async disposeImpl(): Promise<void> {
    if (this.#closed) return;
    // Resolved by 'released', or by the worker's death (#fail): either way the session is gone.
    const released = new Promise<void>((resolve) => { this.#onReleased = resolve; });
    this.#host.busy();
    this.#host.post({ type: 'release', sid: this.#sid } satisfies ToWorker);
    await released.finally(() => this.#host.idle());
    this.#closed = this.disposedError();
    await this.#host.detach(this.#sid);
  }

  protected override disposedError(): BackendError {
    return new BackendError('onnxruntime', 'disposed', `${this.source}: the ONNX Runtime session was already disposed`);
  }

  #onMessage(msg: FromWorker): void {
    if (msg.type === 'released') {
      this.#onReleased?.();
      return;
    }
    if (msg.type !== 'result' && msg.type !== 'run-error') return;
    const p = this.#pending.get(msg.id);
    if (!p) return;
    this.#pending.delete(msg.id);
    this.#host.idle();
    if (msg.type === 'result') p.resolve(msg);
    else p.reject(new BackendError('onnxruntime', 'run-failed', `${this.source}: ONNX Runtime rejected the input: ${msg.message}`));
  }

  #fail(err: Error): void {
    this.#onReleased?.();
    if (this.#closed) return;
    this.#closed = new BackendError('onnxruntime', 'worker-failed', `${this.source}: the ONNX Runtime worker stopped: ${err.message}`, { cause: err });
    for (const p of this.#pending.values()) {
      p.reject(this.#closed);
      this.#host.idle();
    }
    this.#pending.clear();
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Symbolic dims stay names; ORT reports an unnamed dynamic dim as "" (or a negative number). */
function toTensorInfo(w: WireInfo): TensorInfo {
  const shape: Dim[] = w.shape.map((d) => (typeof d === 'number' ? (d >= 0 ? d : null) : d === '' ? null : d));
  return { name: w.name, dtype: w.type, shape };
}

function fromWire(o: WireTensor, source: string): Tensor {
  if (!isDType(o.dtype) || o.dtype === 'bfloat16') {
    throw new BackendError('onnxruntime', 'unsupported-dtype',
      `${source}: output '${o.name}' is ${o.dtype} ${formatShape(o.dims)}, which trt-parity cannot compare (supported: float32, float16, int8, uint8, int32, int64, bool)`);
  }
  return { dtype: o.dtype, shape: [...o.dims], data: o.data };
}

async function loadError(path: string, provider: string, message: string): Promise<BackendError> {
  const providerProblem = provider !== 'cpu' && /ExecutionProvider|backend not found|shared library|adapter|provider/i.test(message);
  if (providerProblem) {
    // Missing files or files that do not load, and how to get them: providers.ts (doctor shows the
    // same), imported only here, on this error's path (issue 14: start-up loads no more than it uses).
    const known = (await import('./providers.js')).providerUnavailableHints(provider);
    const hints = [
      ...(known.length > 0 ? known : [`Known provider names: ${KNOWN_PROVIDERS.join(', ')}.`]),
      'Run ONNX Runtime on the CPU instead (--onnx-provider cpu): every installation has it.',
    ];
    return new BackendError('onnxruntime', 'provider-unavailable',
      `ONNX Runtime execution provider '${provider}' is not available: ${message}`, { hints });
  }
  const hints = /Unsupported data type/i.test(message)
    ? ['onnxruntime-node has no JavaScript type for some ONNX types (bfloat16, float8): export the model with float32/float16 I/O.']
    : [];
  return new BackendError('onnxruntime', 'model-load-failed', `${path}: ONNX Runtime cannot load this model: ${message}`, { hints });
}
