/**
 * The measurement loop, trtexec's model: a time-based warm-up that is not counted, then at least
 * `iterations` runs AND at least `durationMs` of wall time. Takes the clock and the run function
 * as arguments, so the rules can be tested without real time passing.
 */
import type { MeasureSettings } from '../report/model/bench.js';

/** trtexec's measurement settings; the report records them as they were. */
export type MeasureOptions = MeasureSettings;

export const DEFAULT_MEASURE: MeasureOptions = { warmupMs: 200, iterations: 10, durationMs: 3000 };

export interface Measured<S> {
  readonly warmupRuns: number;
  readonly warmupMs: number;
  /** One entry per measured run, in order. */
  readonly samples: readonly S[];
  /** Wall time of the measured phase, first start to last end (for throughput). */
  readonly measuredMs: number;
}

/**
 * Calls `runOnce` repeatedly. `runOnce` returns whatever it wants recorded (e.g. the wall time
 * and the backend's own timings); the loop itself only needs `now()`.
 */
export async function measure<S>(runOnce: () => Promise<S>, options: MeasureOptions, now: () => number = () => performance.now()): Promise<Measured<S>> {
  const cap = options.maxIterations ?? 1_000_000;
  let warmupRuns = 0;
  const w0 = now();
  // At least one warm-up run even with --warmup 0 would hide the first-run cost that is reported separately: so none.
  while (now() - w0 < options.warmupMs) {
    await runOnce();
    warmupRuns++;
  }
  const warmupMs = now() - w0;
  const samples: S[] = [];
  const m0 = now();
  while ((samples.length < options.iterations || now() - m0 < options.durationMs) && samples.length < cap) {
    samples.push(await runOnce());
  }
  return { warmupRuns, warmupMs, samples, measuredMs: now() - m0 };
}
