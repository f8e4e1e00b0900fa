/**
 * The one function that decides the process exit status, from a report or from an error. The CLI
 * calls it once per command; library users can call it on what `compare`/`bench`/`inspect`/`doctor`
 * return or throw.
 *
 *   0 ok · 1 mismatch · 2 usage or input · 3 backend unavailable or failed · 4 internal · 130 interrupted
 */
import { ExitCode, type ExitCodeValue, TrtParityError } from './errors.js';
import type { BenchReport } from './report/model/bench.js';
import type { CompareReport } from './report/model/compare.js';
import type { DoctorReport } from './report/model/doctor.js';
import type { InspectReport } from './report/model/inspect.js';

export type AnyReport = CompareReport | BenchReport | InspectReport | DoctorReport;

export function exitCodeOf(outcome: AnyReport | unknown): ExitCodeValue {
  if (isReport(outcome)) {
    switch (outcome.schema) {
      case 'trt-parity/compare':
        return outcome.summary.exitCode as ExitCodeValue;
      case 'trt-parity/bench':
      case 'trt-parity/inspect-onnx':
        return ExitCode.ok;
      case 'trt-parity/inspect-engine':
        // The plan header could be read, but TensorRT could not load it here: a backend problem.
        return outcome.loaded ? ExitCode.ok : ExitCode.backend;
      case 'trt-parity/doctor':
        // `doctor model.engine` answers for that engine; a file that is not a plan is bad input.
        if (outcome.engine) return outcome.engine.canRun ? ExitCode.ok : outcome.engine.isPlan ? ExitCode.backend : ExitCode.usage;
        return outcome.tensorrtUsable.usable ? ExitCode.ok : ExitCode.backend;
    }
  }
  if (outcome instanceof TrtParityError) return outcome.exitCode;
  if (isAbort(outcome)) return ExitCode.interrupted;
  return ExitCode.internal;
}

const SCHEMAS: ReadonlySet<string> = new Set(['trt-parity/compare', 'trt-parity/bench', 'trt-parity/inspect-onnx', 'trt-parity/inspect-engine', 'trt-parity/doctor']);

function isReport(x: unknown): x is AnyReport {
  return typeof x === 'object' && x !== null && SCHEMAS.has((x as { schema?: unknown }).schema as string);
}

/** An AbortSignal's reason when nothing else was given (Ctrl-C before anything ran). */
function isAbort(x: unknown): boolean {
  return x instanceof Error && x.name === 'AbortError';
}
