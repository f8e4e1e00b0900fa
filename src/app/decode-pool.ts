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
 *   the JavaScript part (the exact resize, the normalisation) runs on the main thread; next to a
 *   real model (tens of ms per image) that part is a few percent of the main thread, and a worker
 *   would only add its start (importing sharp, ~0.16 s CPU) and its own compiler and GC. The pool
 *   starts a worker, and then more up to {@link poolSize} (the cores ONNX Runtime's intra-op threads
 *   leave), only when another thread can help ({@link shouldGrow}): request after request finds the
 *   decoders backed up (inference is waiting for decode), every decoding thread (the main one, or
 *   each worker) was busy since the last look (its event-loop utilisation), *and* the machine had a
 *   core idle meanwhile. With the default pipeline and a tiny model on this 2-core machine the
 *   backlog is sharp's and the cores are full, so the run stays in-process (an extra worker measured
 *   no faster, and two workers cost 0.25 s more CPU); a JavaScript-heavy pipeline next to a fast
 *   model on a machine with cores to spare grows. When inference is the slow side the decoders
 *   drain between requests and the pool never grows, so decode does not take cores from inference.
 * - Start-up: images asked for while a worker starts are decoded in-process instead of waiting.
 */
import { availableParallelism, cpus } from 'node:os';
import type { EventLoopUtilization } from 'node:perf_hooks';
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
 * The most decode workers next to inference with `inferenceThreads` intra-op threads (0 = ORT's
 * default, one per core): the cores left over, at least 1 (on a 2-core machine with ORT on both,
 * a JavaScript-heavy pipeline still needs a thread besides the main one), at most 4 (past that the
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

export interface PoolOptions {
  /** Workers started at once (tests); default none: the pool starts in-process and grows when that is the bottleneck. */
  readonly start?: number;
  /** The machine's idle time (tests pass their own). */
  readonly idleClock?: IdleClock;
}

/**
 * A decode pool of at most `maxWorkers` workers ({@link poolSize}). It decodes in-process until
 * that is the bottleneck ({@link shouldGrow}); a worker is given up to two images at a time, so that
 * while its thread runs the JavaScript resize of one, sharp (on libuv's threads) decodes the next.
 */
export function decodePool(spec: PreprocessSpec, maxWorkers: number, options: PoolOptions = {}): ImageLoader & { readonly workers: number; whenReady(): Promise<void> } {
  const start = options.start ?? 0;
  const max = Math.max(1, start, maxWorkers);
  const pool = new DecodePool(spec, max, options.idleClock ?? machineIdleMs);
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
const GROW_AFTER = 4;

/**
 * Event-loop utilisation every decoding thread must have shown since the last look for the pool to
 * add a worker: above it the thread's own work (the JavaScript resize and normalisation, and on the
 * main thread inference's messages and the comparison) is what holds decode back. With the default
 * pipeline on 1080p/480p JPEGs a whole run gives a worker 0.36-0.58.
 */
export const GROW_BUSY = 0.8;

/** Idle cores (machine-wide, on average since the last look) that another worker could use. */
export const GROW_IDLE_CORES = 0.5;

/** The shortest stretch that a look judges: a burst of requests says nothing about utilisation. */
const GROW_WINDOW_MS = 200;

/**
 * Whether a pool whose requests keep finding its decoders backed up (inference waits for decode)
 * adds a worker: below its maximum, when every decoding thread was busy (`utilizations` since the
 * last look: the main thread's while it decodes in-process, else each ready worker's; a thread that
 * idles means the backlog is sharp's, on libvips' threads, and another JavaScript thread would not
 * shorten it) and the machine had a core idle for the new one (`idleCores`; else it would only take
 * CPU from the others, ONNX Runtime's included).
 */
export function shouldGrow(workers: number, max: number, utilizations: readonly number[], idleCores: number): boolean {
  return workers < max && utilizations.length > 0 && utilizations.every((u) => u >= GROW_BUSY) && idleCores >= GROW_IDLE_CORES;
}

/** The machine's idle time, summed over its cores, in ms since boot; what the pool's looks difference. */
export type IdleClock = () => number;

const machineIdleMs: IdleClock = () => cpus().reduce((sum, c) => sum + c.times.idle, 0);

interface Slot {
  readonly worker: Worker;
  /** Set when the worker has loaded sharp; until then images are decoded in-process instead of waiting. */
  ready: boolean;
  /** The worker's event-loop utilisation when the pool last looked (or when it became ready). */
  elu: EventLoopUtilization | undefined;
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
  readonly #idleClock: IdleClock;
  /** When the pool last looked at its decoders' utilisation: the machine's idle time and the main thread's utilisation then. */
  #lastLook: { at: number; idleMs: number; mainElu: EventLoopUtilization };

  constructor(spec: PreprocessSpec, max: number, idleClock: IdleClock) {
    this.#spec = spec;
    this.#max = max;
    this.#idleClock = idleClock;
    this.#lastLook = { at: performance.now(), idleMs: idleClock(), mainElu: performance.eventLoopUtilization() };
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
   * inference waits for decode, and {@link shouldGrow} says another thread would help.
   */
  #backlog(queued: number): boolean {
    // The first window's requests all arrive at once and always queue up: they say nothing yet.
    const pastFirstWindow = this.#requests > 2 * this.#max + 1;
    this.#backedUp = pastFirstWindow && queued >= 2 ? this.#backedUp + 1 : 0;
    if (this.#backedUp < GROW_AFTER || this.#slots.length >= this.#max) return false;
    this.#backedUp = 0;
    return this.#look();
  }

  /**
   * Whether another worker would help, from what happened since the last look (so a worker's
   * start-up, importing sharp, and an earlier calm stretch do not count); the next look measures from
   * here. A look too soon after the last one (a burst of requests) says nothing and is skipped.
   */
  #look(): boolean {
    const at = performance.now();
    const last = this.#lastLook;
    // Each decoding thread's utilisation since it was last looked at (a worker: since it became ready).
    const ready = this.#slots.filter((s) => s.elu !== undefined);
    const now = ready.map((s) => s.worker.performance.eventLoopUtilization());
    const since = ready.map((s, i) => s.worker.performance.eventLoopUtilization(now[i], s.elu));
    const mainElu = performance.eventLoopUtilization();
    // No worker yet: the main thread is the decoder.
    if (this.#slots.length === 0) since.push(performance.eventLoopUtilization(mainElu, last.mainElu));
    if (at - last.at < GROW_WINDOW_MS || since.some((e) => e.active + e.idle < GROW_WINDOW_MS)) return false;
    const idleMs = this.#idleClock();
    this.#lastLook = { at, idleMs, mainElu };
    ready.forEach((s, i) => { s.elu = now[i]; });
    return shouldGrow(this.#slots.length, this.#max, since.map((e) => e.utilization), (idleMs - last.idleMs) / (at - last.at));
  }

  startWorker(): Slot {
    const worker = new Worker(new URL('./decode-worker.js', import.meta.url));
    const slot: Slot = { worker, ready: false, elu: undefined, pending: new Map() };
    worker.unref();
    worker.on('message', (reply: DecodeReply) => {
      if ('ready' in reply) {
        slot.ready = true;
        slot.elu = worker.performance.eventLoopUtilization();
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
