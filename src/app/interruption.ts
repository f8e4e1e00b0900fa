/**
 * Why a run stopped early, carried as an AbortSignal's reason from the CLI's signal handlers to the
 * app (a library user can abort with one too). Two levels:
 * - `signal` aborted: finish the input in flight, then report (first Ctrl-C);
 * - `stopNow` aborted: stop waiting at once and report what is done (second Ctrl-C, SIGTERM).
 * Either way every report is written and a saved run gets its manifest.
 */
import { ExitCode } from '../errors.js';

export type StopSignal = 'SIGINT' | 'SIGTERM';

export class Interruption extends Error {
  constructor(
    /** The signal that stopped the run. */
    readonly signal: StopSignal,
    /** True when the input in flight was abandoned rather than finished. */
    readonly immediate: boolean,
  ) {
    super(`interrupted by ${signal}`);
    this.name = 'AbortError';
  }

  /** 130 for SIGINT, 143 for SIGTERM: 128 + the signal number, as shells report it. */
  get exitCode(): number {
    return this.signal === 'SIGTERM' ? ExitCode.terminated : ExitCode.interrupted;
  }
}

/** The Interruption behind an aborted signal; a plain `abort()` counts as Ctrl-C. */
export function interruptionOf(...signals: (AbortSignal | undefined)[]): Interruption | null {
  let found: Interruption | null = null;
  for (const s of signals) {
    if (!s?.aborted) continue;
    const r: unknown = s.reason;
    const i = r instanceof Interruption ? r : new Interruption('SIGINT', s === signals[1]);
    if (found === null || i.immediate || i.signal === 'SIGTERM') found = i;
  }
  return found;
}

/** Resolves to 'stopped' as soon as `stop` aborts (never, without one), else to the promise's value. */
export function unlessStopped<T>(work: Promise<T>, stop: AbortSignal | undefined): Promise<T | typeof STOPPED> {
  if (stop === undefined) return work;
  if (stop.aborted) {
    work.catch(() => {}); // abandoned: its failure is of no interest any more
    return Promise.resolve(STOPPED);
  }
  return new Promise((resolve, reject) => {
    const onStop = (): void => {
      work.catch(() => {});
      resolve(STOPPED);
    };
    stop.addEventListener('abort', onStop, { once: true });
    work.then(
      (v) => { stop.removeEventListener('abort', onStop); resolve(v); },
      (e: unknown) => { stop.removeEventListener('abort', onStop); reject(e); },
    );
  });
}

export const STOPPED: unique symbol = Symbol('stopped');
