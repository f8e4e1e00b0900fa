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
 *   the JavaScript part (the exact resize, the normalisation) runs on the main thread. A worker adds
 *   its start (importing sharp, compiling the kernels: ~0.16 s CPU), its own compiler and GC, and a
 *   thread hop per image; and it adds no decoding: libuv's thread pool is one per process, shared by
 *   every thread. So a worker starts only when the *JavaScript* thread holds the images back and a
 *   core is free to run another: over {@link GROW_AFTER} intervals of {@link GROW_INTERVAL_MS} in a
 *   row, most requests found the decoders (the main thread, then every worker) with two or more
 *   images still to do, that thread's event loop was at least {@link SATURATED} busy, and the machine
 *   had at least {@link MIN_IDLE_CORES} of a core idle. Measured on the 200-photo end-to-end run
 *   (bundled classifier, ONNX Runtime at 1 thread, 2 cores), where decode backs up and every core is
 *   busy: the rule of backlog alone started two workers, 2.22 s wall and 3.99 s CPU; in-process
 *   2.14 s and 3.57 s (medians of 5 interleaved runs). The event loop's utilisation alone cannot
 *   tell: on a machine without a free core it reads 0.7-1.0 for a thread that only waits its turn.
 *   It grows the same way up to one worker per core ({@link poolSize}).
 * - Start-up: images asked for while a worker starts are decoded in-process instead of waiting.
 */
import { availableParallelism, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
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

/** `busy`: the worker's event-loop utilisation since its previous reply (0..1), for the pool's growth rule. */
export type DecodeReply =
  | { readonly id: 0; readonly ready: true }
  | { readonly id: number; readonly tensor: Tensor; readonly preprocess: PreprocessRecord; readonly busy: number }
  | { readonly id: number; readonly error: WireError; readonly busy: number };

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
  /** Workers started at once (tests); default none: the pool starts in-process and grows by the rule above. */
  readonly start?: number;
  /** Idle cores since the previous call (tests give their own); default {@link idleCoresProbe}. */
  readonly idleCores?: () => number;
}

/**
 * The machine's idle cores since the previous call (the first call measures from its own creation),
 * from the kernel's per-CPU idle counters (os.cpus(): 67 µs a call on 2 cores; the pool asks only at
 * the end of an interval that found its thread saturated with images queued). Linux counts the whole
 * machine: another process's load lowers it, a container's CPU quota does not.
 */
export function idleCoresProbe(): () => number {
  const idleMs = (): number => cpus().reduce((sum, c) => sum + c.times.idle, 0);
  let lastIdle = idleMs();
  let lastAt = performance.now();
  return () => {
    const idle = idleMs();
    const at = performance.now();
    const cores = at > lastAt ? (idle - lastIdle) / (at - lastAt) : 0;
    lastIdle = idle;
    lastAt = at;
    return Math.max(0, cores);
  };
}

/**
 * A decode pool of at most `maxWorkers` workers ({@link poolSize}). It decodes in-process until
 * its JavaScript is the bottleneck. The window (`ahead`) is one image per possible worker plus two:
 * in-process, enough to keep the cores decoding (each in-flight image is a decode on libuv's threads);
 * with two workers, two images each, so that while a worker's thread resizes one, sharp decodes the
 * next. A wider window only adds decoded images waiting in memory and threads taking turns: on the
 * 200-photo end-to-end run (2 cores, max 2) windows of 2/3/4/5/8 took 1.99/1.91/1.89/1.94/2.06 s and
 * 3.35/3.34/3.37/3.43/3.60 s CPU (medians of 7 and 5 interleaved runs).
 */
export function decodePool(spec: PreprocessSpec, maxWorkers: number = poolSize(), options: PoolOptions = {}): ImageLoader & {
  readonly workers: number;
  /** Requests that found the decoders backed up (two or more images to do), whether or not the thread was saturated. */
  readonly backedUp: number;
  whenReady(): Promise<void>;
} {
  const start = options.start ?? 0;
  const max = Math.max(1, start, maxWorkers);
  const pool = new DecodePool(spec, max, options.idleCores ?? idleCoresProbe());
  for (let i = 0; i < start; i++) pool.startWorker();
  return {
    load: (path, input) => pool.load(path, input),
    ahead: max + 2,
    close: () => pool.close(),
    get workers() { return pool.workers; },
    get backedUp() { return pool.backedUpTotal; },
    whenReady: () => pool.whenReady(),
  };
}

/** Intervals in a row that must find the pool's thread the bottleneck before it adds a worker. */
export const GROW_AFTER = 2;

/** The length of those intervals: long enough that a GC or a first compile does not decide. */
export const GROW_INTERVAL_MS = 100;

/** The event-loop utilisation (0..1) from which a decoding thread counts as saturated. */
export const SATURATED = 0.85;

/** The idle CPU, in cores, without which another thread cannot help. */
export const MIN_IDLE_CORES = 0.5;

/** The share of an interval's requests that must have found the decoders backed up. */
const BACKED_UP_SHARE = 0.75;

interface Slot {
  readonly worker: Worker;
  /** Set when the worker has loaded sharp; until then images are decoded in-process instead of waiting. */
  ready: boolean;
  /** Its event-loop utilisation as its last reply gave it. */
  busy: number;
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
  /** Requests that found the decoders backed up, in all (tests read it). */
  backedUpTotal = 0;
  /** The interval being observed; null until the first request past the first window. */
  #interval: { start: number; elu: ReturnType<typeof performance.eventLoopUtilization>; requests: number; backedUp: number } | null = null;
  /** Intervals in a row that found this thread the bottleneck. */
  #hot = 0;
  readonly #idleCores: () => number;
  #onReady: (() => void)[] = [];

  constructor(spec: PreprocessSpec, max: number, idleCores: () => number) {
    this.#spec = spec;
    this.#max = max;
    this.#idleCores = idleCores;
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
      if (this.#slots.length === 0 && this.#shouldGrow(this.#local, null)) this.startWorker();
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

  /** The least busy worker, or a new one when {@link #shouldGrow} says so. */
  #pick(): Slot {
    let best: Slot | undefined;
    for (const s of this.#slots) if (best === undefined || s.pending.size < best.pending.size) best = s;
    if (best === undefined) return this.startWorker();
    return this.#shouldGrow(best.pending.size, best.busy) ? this.startWorker() : best;
  }

  /**
   * Whether to add a worker, called at each request with the least busy decoder's images still to do
   * (`queued`) and, for a worker, its event loop's utilisation as it last reported it (null: the main
   * thread, measured here). See the module comment for the rule.
   */
  #shouldGrow(queued: number, workerBusy: number | null): boolean {
    // The first window's requests all arrive at once and always queue up: they say nothing yet.
    // At its maximum the pool has nothing left to decide.
    if (this.#requests <= this.#max + 2 || this.#slots.length >= this.#max) return false;
    const backedUp = queued >= 2;
    if (backedUp) this.backedUpTotal++;
    const now = performance.now();
    if (this.#interval === null) {
      this.#idleCores(); // from here on
      this.#interval = { start: now, elu: performance.eventLoopUtilization(), requests: 0, backedUp: 0 };
    }
    const iv = this.#interval;
    iv.requests++;
    if (backedUp) iv.backedUp++;
    if (now - iv.start < GROW_INTERVAL_MS) return false;
    const busy = workerBusy ?? performance.eventLoopUtilization(iv.elu).utilization;
    // The idle probe is asked last, only when the rest holds (it reads the kernel's counters). Its window
    // runs from its previous call: for the second of two hot intervals in a row, exactly this interval.
    const hot = iv.backedUp >= BACKED_UP_SHARE * iv.requests && busy >= SATURATED && this.#idleCores() >= MIN_IDLE_CORES;
    this.#interval = { start: now, elu: performance.eventLoopUtilization(), requests: 0, backedUp: 0 };
    this.#hot = hot ? this.#hot + 1 : 0;
    if (this.#hot < GROW_AFTER) return false;
    this.#hot = 0;
    return true;
  }

  startWorker(): Slot {
    const worker = new Worker(new URL('./decode-worker.js', import.meta.url));
    const slot: Slot = { worker, ready: false, busy: 0, pending: new Map() };
    worker.unref();
    worker.on('message', (reply: DecodeReply) => {
      if ('ready' in reply) {
        slot.ready = true;
        for (const f of this.#onReady.splice(0)) f();
        return;
      }
      slot.busy = reply.busy;
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
