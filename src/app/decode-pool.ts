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
 *   happen somewhere). It grows, up to one worker per core, only when another JavaScript thread can
 *   help ({@link shouldGrow}): request after request finds every worker still holding two images
 *   (inference is waiting for decode), every worker's thread was busy since the last look (its
 *   event-loop utilisation), *and* the machine had a core idle meanwhile. Most of a decode is
 *   sharp's, on libvips' and libuv's threads: with the default pipeline on this 2-core machine one
 *   worker's thread is busy about half the time and the cores are full, so a second worker only
 *   cost its start (importing sharp, ~0.25 s CPU) and its own compiler and GC. JavaScript-heavy
 *   pipelines on a machine with cores to spare grow. When inference is the slow side (a real model)
 *   the workers drain their queues between requests and the pool never grows, so decode does not
 *   take cores from inference.
 * - Start-up: a worker imports sharp (150-180 ms), so a run of a few images decodes in-process
 *   (sharp still runs on libuv's threads) and only longer runs start workers. The first starts when
 *   the pool is made (runCompare makes it while the backends open); images asked for before it is
 *   ready are decoded in-process instead of waiting.
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
 * `idleClock` is the machine's idle time (tests pass their own).
 */
export function decodePool(
  spec: PreprocessSpec, workers: number, maxWorkers: number = Math.max(workers, Math.min(4, availableParallelism())), idleClock: IdleClock = machineIdleMs,
): ImageLoader & { readonly workers: number; whenReady(): Promise<void> } {
  const pool = new DecodePool(spec, workers, Math.max(workers, maxWorkers), idleClock);
  // The first worker starts now, not at the first request: it imports sharp (~0.25 s) while
  // runCompare still waits for the backends to open, and is ready for the first image.
  void pool.whenReady();
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

/**
 * Event-loop utilisation every worker must have shown since the last look for the pool to add one:
 * above it the worker's own thread (the JavaScript resize and normalisation) is what holds decode
 * back. With the default pipeline on 1080p/480p JPEGs a whole run gives 0.36-0.58.
 */
export const GROW_BUSY = 0.8;

/** Idle cores (machine-wide, on average since the last look) that another worker could use. */
export const GROW_IDLE_CORES = 0.5;

/** The shortest stretch that a look judges: a burst of requests says nothing about utilisation. */
const GROW_WINDOW_MS = 200;

/**
 * Whether a pool whose requests keep finding every worker backed up adds a worker: below its
 * maximum, when every ready worker's thread was busy (`utilizations`, since the last look; else the
 * backlog is sharp's, on libvips' threads, and another JavaScript thread would not shorten it) and
 * the machine had a core idle for it (`idleCores`; else the new thread would only take CPU from the
 * others, ONNX Runtime's included).
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
  readonly #size: number;
  readonly #max: number;
  readonly #slots: Slot[] = [];
  #nextId = 1;
  #closed = false;
  #backedUp = 0;
  #onReady: (() => void)[] = [];
  readonly #idleClock: IdleClock;
  /** When the pool last looked at its workers' utilisation, and the machine's idle time then. */
  #lastLook: { at: number; idleMs: number } | undefined;

  constructor(spec: PreprocessSpec, size: number, max: number, idleClock: IdleClock) {
    this.#spec = spec;
    this.#size = size;
    this.#max = max;
    this.#idleClock = idleClock;
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
   * two or more images still to do (decode is the bottleneck) and {@link shouldGrow} says another
   * thread would help.
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
      if (this.#look()) return this.#start();
    }
    return best;
  }

  /**
   * Whether another worker would help, from what happened since the last look (so a worker's
   * start-up, importing sharp, and an earlier calm stretch do not count); the next look measures from
   * here. A look too soon after the last one (a burst of requests) says nothing and is skipped.
   */
  #look(): boolean {
    const at = performance.now();
    const last = this.#lastLook;
    if (last === undefined || at - last.at < GROW_WINDOW_MS) return false;
    const idleMs = this.#idleClock();
    this.#lastLook = { at, idleMs };
    const utilizations: number[] = [];
    for (const s of this.#slots) {
      if (s.elu === undefined) continue;
      const now = s.worker.performance.eventLoopUtilization();
      utilizations.push(s.worker.performance.eventLoopUtilization(now, s.elu).utilization);
      s.elu = now;
    }
    return shouldGrow(this.#slots.length, this.#max, utilizations, (idleMs - last.idleMs) / (at - last.at));
  }

  #start(): Slot {
    const worker = new Worker(new URL('./decode-worker.js', import.meta.url));
    const slot: Slot = { worker, ready: false, elu: undefined, pending: new Map() };
    worker.unref();
    worker.on('message', (reply: DecodeReply) => {
      if ('ready' in reply) {
        slot.ready = true;
        slot.elu = worker.performance.eventLoopUtilization();
        this.#lastLook ??= { at: performance.now(), idleMs: this.#idleClock() };
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
