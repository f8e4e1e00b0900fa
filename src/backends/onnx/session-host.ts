/**
 * The one ONNX Runtime worker thread of the process, shared by every OnnxBackend open at a time.
 *
 * Why share: each worker imports onnxruntime-node and starts its own thread, which cost a one-image
 * compare of two ONNX models about a third of its wall time when each backend had its own. The
 * worker is started by the first session, and ended when the last one is released, so a process
 * that is done with ONNX Runtime holds no thread.
 *
 * The worker is referenced (keeps the process alive) only while a session is loading, running or
 * being released: an idle backend never holds the event loop open.
 */
import { Worker } from 'node:worker_threads';
import { disableOrtTelemetryUnlessSet } from './telemetry.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol.js';

/** What one session hears from the worker: its own messages, and the worker's death. */
export interface SessionListener {
  message(msg: FromWorker): void;
  failed(err: Error): void;
}

/** How long a worker started by {@link SessionHost.warm} waits for its first session before it ends. */
export const WARM_IDLE_MS = 10_000;

export class SessionHost {
  static #current: SessionHost | null = null;

  /** The live host, or a new one when there is none (or the last one failed). */
  static acquire(): SessionHost {
    return SessionHost.#liveOr({ warmRuntime: false });
  }

  /** The live host, or a new one started with `init`. */
  static #liveOr(init: WorkerInit): SessionHost {
    if (SessionHost.#current === null || SessionHost.#current.#dead !== null) SessionHost.#current = new SessionHost(init);
    return SessionHost.#current;
  }

  /**
   * Starts the worker now, before any session needs it (issue 14): it boots, loads
   * onnxruntime-node and starts the runtime (identity-model.ts) on its thread while the caller's
   * thread loads the rest of the run. The sessions opened next find it started; with none after
   * {@link WARM_IDLE_MS}, it ends. The worker holds the process until ONNX Runtime has started
   * (ending it inside ONNX Runtime's native code aborted the process), no longer; the wait never.
   */
  static warm(): void {
    const host = SessionHost.#liveOr({ warmRuntime: true });
    if (host.#sessions.size > 0 || host.#warmWait !== null) return;
    host.#warmWait = setTimeout(() => {
      host.#warmWait = null;
      if (host.#sessions.size === 0) void host.#end();
    }, WARM_IDLE_MS).unref();
  }

  readonly #worker: Worker;
  readonly #sessions = new Map<number, SessionListener>();
  #busy = 0;
  #dead: Error | null = null;
  #warmWait: NodeJS.Timeout | null = null;
  #starting: boolean;
  #onStarted: () => void = () => {};
  /** Resolves once a warming worker has started ONNX Runtime, or has died. */
  readonly #startedOrDead: Promise<void>;
  static #nextSid = 1;

  private constructor(init: WorkerInit) {
    disableOrtTelemetryUnlessSet();
    this.#worker = new Worker(new URL('./session-worker.js', import.meta.url), { workerData: init });
    this.#worker.on('message', (msg: FromWorker) => {
      if (msg.type === 'started') this.#started();
      else this.#sessions.get(msg.sid)?.message(msg);
    });
    this.#worker.on('error', (err) => this.#die(err));
    this.#worker.on('exit', (code) => this.#die(new Error(`worker exited with code ${code}`)));
    // A warming worker holds the process until ONNX Runtime has started: a process that ended while
    // the worker was inside ONNX Runtime's native code aborted (exit 134) instead of exiting.
    // (After the listeners: adding a 'message' listener refs the worker's port again.)
    this.#starting = init.warmRuntime;
    this.#startedOrDead = this.#starting ? new Promise((resolve) => { this.#onStarted = resolve; }) : Promise.resolve();
    if (!this.#starting) this.#worker.unref();
  }

  /** Registers a session; messages for the returned id go to `listener`. */
  attach(listener: SessionListener): number {
    if (this.#warmWait !== null) clearTimeout(this.#warmWait);
    this.#warmWait = null;
    const sid = SessionHost.#nextSid++;
    this.#sessions.set(sid, listener);
    if (this.#dead) queueMicrotask(() => listener.failed(this.#dead!));
    return sid;
  }

  /** Forgets a session; the last one out ends the worker (and the next acquire starts a new one). */
  async detach(sid: number): Promise<void> {
    this.#sessions.delete(sid);
    if (this.#sessions.size > 0) return;
    await this.#end();
  }

  async #end(): Promise<void> {
    if (SessionHost.#current === this) SessionHost.#current = null;
    this.#dead ??= new Error('worker ended');
    // Not while it is inside ONNX Runtime's start: terminating it there aborted the process.
    await this.#startedOrDead;
    await this.#worker.terminate();
  }

  /** The worker's thread id: equal for two backends that share the worker. */
  get threadId(): number {
    return this.#worker.threadId;
  }

  post(msg: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.#worker.postMessage(msg, transfer);
  }

  /** Holds the process alive until the matching {@link idle}: a load, run or release is awaited. */
  busy(): void {
    if (this.#busy++ === 0) this.#worker.ref();
  }

  idle(): void {
    if (--this.#busy === 0 && !this.#starting) this.#worker.unref();
  }

  #started(): void {
    this.#starting = false;
    this.#onStarted();
    if (this.#busy === 0) this.#worker.unref();
  }

  #die(err: Error): void {
    this.#onStarted();
    if (this.#dead) return;
    this.#dead = err;
    if (SessionHost.#current === this) SessionHost.#current = null;
    for (const l of [...this.#sessions.values()]) l.failed(err);
  }
}
