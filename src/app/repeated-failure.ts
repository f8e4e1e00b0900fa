/**
 * "Model-level errors once, naming the model": telling a run failure that does not depend on the
 * input (a model ONNX Runtime loads but cannot run, an engine whose every enqueue fails) from one
 * that does (one odd image), so that the first is said once and the run stops, instead of one
 * identical ERROR row per image of a 10,000-image folder.
 *
 * The rule (also in README "Exit codes"): a live backend (not a saved-run replay, whose failures are
 * per key by nature) whose `run` has failed on the first SAME_FAILURE_LIMIT inputs it was given, with
 * the same message once the input's key and path are taken out, and has not succeeded on any input,
 * fails on every input: the run stops with one BackendError (exit 3) naming the backend's file and
 * the inputs tried. Inputs that fail before reaching a backend (an undecodable image) count neither
 * way. One success, or two different messages, and every failure is that input's own (an ERROR row).
 *
 * Why 3: one failure says nothing; two alike can still be two inputs with the same flaw; three alike
 * on a fresh backend that never succeeded is a pattern a user wants told once, and the message says
 * exactly what was seen, so it stays true even when the cause was the inputs after all. Runs with
 * fewer inputs than that report each one.
 *
 * Rows of a suspect start (failures so far all alike, no success yet) are held back from progress
 * and JSONL until the question is settled, so a stopped run prints no ERROR row at all. Pure: no I/O.
 */
import { type Backend, isReplay } from '../backends/backend.js';
import { BackendError, type TrtParityError } from '../errors.js';

/** Alike failures, with no success, after which a backend is taken to fail on every input. */
export const SAME_FAILURE_LIMIT = 3;

interface SideState {
  succeeded: boolean;
  /** The normalized message every failure so far had; null once two differed. */
  message: string | null;
  /** Inputs it failed on, in order, with the first error. */
  readonly keys: string[];
  first: TrtParityError | null;
}

export class RepeatedFailureWatch {
  readonly #sides = new Map<Backend, SideState>();
  readonly #limit: number;

  constructor(limit = SAME_FAILURE_LIMIT) {
    this.#limit = limit;
  }

  #state(backend: Backend): SideState {
    let s = this.#sides.get(backend);
    if (s === undefined) {
      s = { succeeded: false, message: null, keys: [], first: null };
      this.#sides.set(backend, s);
    }
    return s;
  }

  /** `backend` ran `key` without an error. */
  succeeded(backend: Backend): void {
    if (isReplay(backend)) return;
    this.#state(backend).succeeded = true;
  }

  /** `backend`'s run on `key` (read from `path`, when a file) threw `err`. */
  failed(backend: Backend, key: string, path: string | null, err: TrtParityError): void {
    if (isReplay(backend)) return;
    const s = this.#state(backend);
    if (s.succeeded) return;
    const message = normalized(err.message, key, path);
    if (s.first === null) {
      s.first = err;
      s.message = message;
    } else if (s.message !== message) {
      s.message = null;
    }
    s.keys.push(key);
  }

  /**
   * True while some live backend has failed on everything it was given, all alike, fewer than the
   * limit times: its rows are held back until that is settled.
   */
  get suspect(): boolean {
    for (const s of this.#sides.values()) if (!s.succeeded && s.message !== null && s.keys.length > 0) return true;
    return false;
  }

  /**
   * The one error to stop the run with, once a backend has failed alike `limit` times with no
   * success; null otherwise. `total` is the run's input count, for the message.
   */
  verdict(total: number): BackendError | null {
    for (const [backend, s] of this.#sides) {
      if (s.succeeded || s.message === null || s.keys.length < this.#limit || s.first === null) continue;
      const err = s.first;
      const own = err.message.startsWith(`${backend.source}: `) ? err.message.slice(backend.source.length + 2) : err.message;
      const rest = total - s.keys.length;
      return new BackendError(backend.name, 'fails-on-every-input',
        `${backend.source}: fails on every input (the first ${s.keys.length}, ${s.keys.join(', ')}, failed alike and none ran${rest > 0 ? `; the other ${rest} were not run` : ''}): ${own}`,
        { hints: err.hints, logs: err.logs, cause: err });
    }
    return null;
  }
}

/**
 * The message with the input's key and path taken out, so that two inputs' failures compare. Only
 * whole words are taken: a key "a" must not turn "failed" into "f<input>iled".
 */
function normalized(message: string, key: string, path: string | null): string {
  let m = message;
  for (const s of [path, key]) {
    if (s === null || s === '') continue;
    m = m.replace(new RegExp(`(?<![\\w])${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w])`, 'g'), '<input>');
  }
  return m;
}
