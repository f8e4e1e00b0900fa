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
 * - In-process first: sharp decodes on libuv's and libvips' threads whichever thread asks, so only
 *   the JavaScript part (the exact resize, the normalisation) runs on the main thread. Next to a
 *   real model (tens of ms per image) that is a few percent of the main thread, and a worker would
 *   only add its start (importing sharp, ~0.16 s CPU) and its own compiler and GC; so the pool starts
 *   a worker only when decode is the bottleneck: {@link GROW_AFTER} requests in a row find the
 *   decoders (the main thread, then every worker) with two or more images still to do, i.e.
 *   inference waits for decode and its threads idle, so decode takes no core from it. It grows the
 *   same way up to one worker per core ({@link poolSize}). Measured on the 200-photo end-to-end run
 *   (tiny model, this 2-core machine, load 7): growing to two workers this way took 2.91 s wall
 *   against 3.39 s when the first worker started at the first image; staying in-process, or one
 *   worker at most, cost ~11% less CPU but 10-17% more wall time (fewer images decoded at once).
 * - Start-up: images asked for while a worker starts are decoded in-process instead of waiting.
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
 * The most decode workers: one per core, at most 4 (past that the pool outruns any inference and
 * only holds memory). ONNX Runtime's intra-op threads do not lower it: the pool grows only while
 * inference waits for decode, that is while those threads idle.
 */
export function poolSize(cores: number = availableParallelism()): number {
  return Math.max(1, Math.min(4, cores));
}

/** In-process loading (few images, tests, decoding between inferences): sharp decodes on libuv's threads, `ahead` images ahead (default 2). */
export function inProcessLoader(spec: PreprocessSpec, ahead = 2): ImageLoader {
  return { load: (path, input) => loadImageForModel(path, input, spec), ahead, close: async () => {} };
}

/**
 * The window when images are decoded between inferences (compare-run.ts): decoded all at once while
 * the cores are free, sharp's decodes on libuv's threads side by side, so the larger the window, the
 * fewer pauses between inferences. In-process: the decode pool's workers would only add their start
 * and their thread hops, as inference no longer runs meanwhile. Measured on the 2-core machine
 * (ResNet-18 at 2 threads, 24 photos): a window of 2 +26.7% over inference alone, 4 +25.0%, 6 +22.8%.
 */
export const BETWEEN_WINDOW = 6;

export interface PoolOptions {
  /** Workers started at once (tests); default none: the pool starts in-process and grows when decode is the bottleneck. */
  readonly start?: number;
}

/**
 * A decode pool of at most `maxWorkers` workers ({@link poolSize}). It decodes in-process until
 * that is the bottleneck; a worker is given up to two images at a time, so that while its thread
 * runs the JavaScript resize of one, sharp (on libuv's threads) decodes the next.
 */
export function decodePool(spec: PreprocessSpec, maxWorkers: number = poolSize(), options: PoolOptions = {}): ImageLoader & { readonly workers: number; whenReady(): Promise<void> } {
  const start = options.start ?? 0;
  const max = Math.max(1, start, maxWorkers);
  const pool = new DecodePool(spec, max);
  for (let i = 0; i < start; i++) pool.startWorker();
  return {
    load: (path, input) => pool.load(path, input),
    ahead: 2 * max + 1,
    close: () => pool.close(),
    get workers() { return pool.workers; },
    whenReady: () => pool.whenReady(),
  };
}

/** Consecutive requests that must find the decoders (the main thread, or every worker) backed up before the pool adds a worker. */
export const GROW_AFTER = 4;

interface Slot {
  readonly worker: Worker;
  /** Set when the worker has loaded sharp; until then images are decoded in-process instead of waiting. */
  ready: boolean;
  readonly pending: Map<number, { resolve: (l: Loaded) => void; reject: (e: Error) => void }>;
}

class DecodePool {
  readonly #spec: PreprocessSpec;
  readonly #max: number;
  readonly #slots: Slot[] = [];
  /** Requests so far (in-process and to workers); the first window's say nothing about a backlog. */
  #requests = 0;
  #nextId = 1;
  /** In-process loads not finished yet. */
  #local = 0;
  #closed = false;
  #backedUp = 0;
  #onReady: (() => void)[] = [];

  constructor(spec: PreprocessSpec, max: number) {
    this.#spec = spec;
    this.#max = max;
  }

  get workers(): number {
    return this.#slots.length;
  }

  /** Starts the first worker if none is, and resolves once one has loaded sharp (tests use it to be sure work goes to workers). */
  whenReady(): Promise<void> {
    if (this.#slots.length === 0) this.startWorker();
    if (this.#slots.some((s) => s.ready)) return Promise.resolve();
    return new Promise((resolve) => this.#onReady.push(resolve));
  }

  load(path: string, input: TensorInfo): Promise<Loaded> {
    if (this.#closed) return Promise.reject(new Error('the decode pool is closed'));
    this.#requests++;
    // In-process until a worker is ready: while none is needed (sharp decodes on libuv's threads and
    // only the JavaScript part runs here), and while the first one starts (it imports sharp).
    if (!this.#slots.some((s) => s.ready)) {
      if (this.#slots.length === 0 && this.#backlog(this.#local)) this.startWorker();
      this.#local++;
      return loadImageForModel(path, input, this.#spec).finally(() => { this.#local--; });
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

  /** The least busy worker, or a new one when {@link #backlog} says so. */
  #pick(): Slot {
    let best: Slot | undefined;
    for (const s of this.#slots) if (best === undefined || s.pending.size < best.pending.size) best = s;
    if (best === undefined) return this.startWorker();
    return this.#backlog(best.pending.size) ? this.startWorker() : best;
  }

  /**
   * Whether to add a worker: {@link GROW_AFTER} requests in a row found the least busy decoder (the
   * main thread before any worker, else a worker) with two or more images still to do, i.e.
   * inference waits for decode.
   */
  #backlog(queued: number): boolean {
    // The first window's requests all arrive at once and always queue up: they say nothing yet.
    const pastFirstWindow = this.#requests > 2 * this.#max + 1;
    this.#backedUp = pastFirstWindow && queued >= 2 ? this.#backedUp + 1 : 0;
    if (this.#backedUp < GROW_AFTER || this.#slots.length >= this.#max) return false;
    this.#backedUp = 0;
    return true;
  }

  startWorker(): Slot {
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
