/**
 * What every report model shares. Report models are plain data (they serialize to JSON as they are);
 * nothing here imports a backend, a command or the app layer.
 */
import type { TrtParityError } from '../../errors.js';

export interface ToolInfo {
  readonly name: 'trt-parity';
  readonly version: string;
}

/**
 * Why one input (or one backend) could not be run, as a report carries it: the error's class, its exit
 * code, the one line, what to do, and the backend's own log lines (shown with -v, always in JSON).
 */
export interface ItemError {
  /** Machine-readable class: "input", "usage", or the backend's reason ("engine-incompatible", "run-failed", …). */
  readonly reason: string;
  /** 2 for bad input (undecodable image, missing saved entry), 3 for a backend failure. */
  readonly exitCode: number;
  readonly message: string;
  readonly hints: readonly string[];
  /** Log lines the backend printed while failing (TensorRT's logger); empty when none. */
  readonly logs: readonly string[];
}

export function itemErrorOf(err: TrtParityError): ItemError {
  return { reason: err.reason, exitCode: err.exitCode, message: err.message, hints: err.hints, logs: err.logs };
}
