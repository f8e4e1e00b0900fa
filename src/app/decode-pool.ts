/**
 * The decode pool: images decoded, resized and normalised on worker threads while inference runs,
 * so a folder run uses the machine's cores instead of one.
 *
 * - Same bytes: each worker calls the very loadImageForModel of the main thread (decode-worker.ts);
 *   only where the work happens changes. test/app/decode-pool.test.ts checks tensor-for-tensor
 *   equality with the in-process path over the fixtures and every pipeline.
 * - Input order and bounded memory: the pool only answers what it is asked; runCompare asks for at
 *   most {@link ImageLoader.ahead} images beyond the one being compared and consumes them in input
 *   order, so at most that many decoded tensors exist at once.
 * - Adaptive to the cores: it starts with {@link poolSize} workers, the cores that ONNX Runtime's
 *   intra-op threads leave (at least one: on a 2-core machine with ORT on both, decode still has to
 *   happen somewhere). It grows, up to one worker per core, only while decode is the bottleneck:
 *   when request after request finds every worker still holding two images, inference is waiting
 *   for decode (a tiny model), so its threads are idle and a core is free for another worker. When
 *   inference is the slow side (a real model) the workers drain their queues between requests and
 *   the pool never grows, so decode does not take cores from inference.
 * - Start-up: a worker imports sharp (150-180 ms), so a run of a few images decodes in-process
 *   (sharp still runs on libuv's threads) and only longer runs start workers.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InputError, TrtParityError, type ExitCodeValue } from '../errors.js';
import type { PreprocessSpec } from '../image/preprocess-spec.js';
import type { PreprocessRecord } from '../report/model/compare.js';
import type { Tensor, TensorInfo } from '../tensor/types.js';
import { loadImageForModel } from './image-input.js';

export interface DecodeRequest {
  readonly id: number;
  readonly path: string;
  readonly input: TensorInfo;
  readonly spec: PreprocessSpec;
}

/** A TrtParityError as it crosses the thread boundary; rebuilt on the main thread as the same class. */
export interface WireError {
  readonly kind: 'input' | 'trt-parity' | 'other';
  readonly file?: string | undefined;
  readonly message: string;
  readonly hints: readonly string[];
  readonly reason: string;
  readonly exitCode: number;
}

export type DecodeReply =
  | { readonly id: 0; readonly ready: true }
  | { readonly id: number; readonly tensor: Tensor; readonly preprocess: PreprocessRecord }
  | { readonly id: number; readonly error: WireError };

export type Loaded = { tensor: Tensor; preprocess: PreprocessRecord };

/** Loads images for one model input under one preprocessing spec; what compare's I/O hands runCompare. */
export interface ImageLoader {
  load(path: string, input: TensorInfo): Promise<Loaded>;
  /** How many images runCompare may have in flight beyond the one it is comparing. */
  readonly ahead: number;
  /** Ends the workers (idempotent). Loads still pending are rejected. */
  close(): Promise<void>;
}

/** Below this many images, decode in-process: starting a worker costs more than it saves. */
export const POOL_MIN_IMAGES = 8;

/**
 * Worker threads for decoding next to inference with `inferenceThreads` intra-op threads
 * (0 = ORT's default, one per core): the cores left over, at least 1, at most 4 (past that the
 * pool outruns any inference and only holds memory).
 */
export function poolSize(inferenceThreads: number, cores: number = availableParallelism()): number {
  const used = inferenceThreads > 0 ? Math.min(inferenceThreads, cores) : cores;
  return Math.max(1, Math.min(4, cores - used));
}

/** In-process loading (few images, or tests): sharp decodes on libuv's threads, two images ahead. */
export function inProcessLoader(spec: PreprocessSpec): ImageLoader {
  return { load: (path, input) => loadImageForModel(path, input, spec), ahead: 2, close: async () => {} };
}

/**
 * A pool of `workers` decode workers. Each is given up to two images at a time, so that while its
 * thread runs the JavaScript resize of one, sharp (on libuv's threads) decodes the next.
 */
export function decodePool(spec: PreprocessSpec, workers: number, maxWorkers: number = Math.max(workers, Math.min(4, availableParallelism()))): ImageLoader & { readonly workers: number; whenReady(): Promise<void> } {
  const pool = new DecodePool(spec, workers, Math.max(workers, maxWorkers));
  return {
    load: (path, input) => pool.load(path, input),
    ahead: 2 * Math.max(workers, maxWorkers) + 1,
    close: () => pool.close(),
    get workers() { return pool.workers; },
    whenReady: () => pool.whenReady(),
  };
}

/** Consecutive requests that must find every worker backed up before the pool adds one. */
const GROW_AFTER = 4;

interface Slot {
  readonly worker: Worker;
  /** Set when the worker has loaded sharp; until then images are decoded in-process instead of waiting. */
  ready: boolean;
  readonly pending: Map<number, { resolve: (l: Loaded) => void; reject: (e: Error) => void }>;
}

class DecodePool {
  readonly #spec: PreprocessSpec;
  readonly #size: number;
  readonly #max: number;
  readonly #slots: Slot[] = [];
  #nextId = 1;
  #closed = false;
  #backedUp = 0;
  #onReady: (() => void)[] = [];

  constructor(spec: PreprocessSpec, size: number, max: number) {
    this.#spec = spec;
    this.#size = size;
    this.#max = max;
  }

  get workers(): number {
    return this.#slots.length;
  }

  /** Starts the first worker if none is, and resolves once one has loaded sharp (tests use it to be sure work goes to workers). */
  whenReady(): Promise<void> {
    if (this.#slots.length === 0) this.#start();
    if (this.#slots.some((s) => s.ready)) return Promise.resolve();
    return new Promise((resolve) => this.#onReady.push(resolve));
  }

  load(path: string, input: TensorInfo): Promise<Loaded> {
    if (this.#closed) return Promise.reject(new Error('the decode pool is closed'));
    // While the first workers start (they import sharp, ~0.2 s), the first images are decoded here,
    // as without a pool, rather than queued behind the start-up.
    if (!this.#slots.some((s) => s.ready)) {
      if (this.#slots.length === 0) this.#start();
      return loadImageForModel(path, input, this.#spec);
    }
    const slot = this.#pick();
    const id = this.#nextId++;
    return new Promise<Loaded>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      if (slot.pending.size === 1) slot.worker.ref();
      slot.worker.postMessage({ id, path, input, spec: this.#spec } satisfies DecodeRequest);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
  }

  /**
   * The least busy worker. A new one while the pool is below its starting size and every worker has
   * work, or, up to the maximum, when {@link GROW_AFTER} requests in a row found every worker with
   * two or more images still to do (decode is the bottleneck).
   */
  #pick(): Slot {
    let best: Slot | undefined;
    for (const s of this.#slots) if (best === undefined || s.pending.size < best.pending.size) best = s;
    if (best === undefined || (best.pending.size > 0 && this.#slots.length < this.#size)) return this.#start();
    // The first window's requests all arrive at once and always queue up: they say nothing yet.
    const pastFirstWindow = this.#nextId > 2 * this.#max + 1;
    this.#backedUp = pastFirstWindow && best.pending.size >= 2 ? this.#backedUp + 1 : 0;
    if (this.#backedUp >= GROW_AFTER && this.#slots.length < this.#max) {
      this.#backedUp = 0;
      return this.#start();
    }
    return best;
  }

  #start(): Slot {
    const worker = new Worker(new URL('./decode-worker.js', import.meta.url));
    const slot: Slot = { worker, ready: false, pending: new Map() };
    worker.unref();
    worker.on('message', (reply: DecodeReply) => {
      if ('ready' in reply) {
        slot.ready = true;
        for (const f of this.#onReady.splice(0)) f();
        return;
      }
      const p = slot.pending.get(reply.id);
      if (p === undefined) return;
      slot.pending.delete(reply.id);
      if (slot.pending.size === 0) worker.unref();
      if ('error' in reply) p.reject(errorOf(reply.error));
      else p.resolve({ tensor: reply.tensor, preprocess: reply.preprocess });
    });
    const fail = (err: Error): void => {
      const i = this.#slots.indexOf(slot);
      if (i >= 0) this.#slots.splice(i, 1);
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`a decode worker exited with code ${code}`)));
    this.#slots.push(slot);
    return slot;
  }
}

/** The error the worker's loadImageForModel threw, as the same class with the same message and hints. */
function errorOf(w: WireError): Error {
  if (w.kind === 'input') return new InputError(w.file, w.message, { hints: w.hints });
  if (w.kind === 'trt-parity') return new TrtParityError(w.message, w.exitCode as ExitCodeValue, w.reason, { hints: w.hints });
  return new Error(w.message);
}
