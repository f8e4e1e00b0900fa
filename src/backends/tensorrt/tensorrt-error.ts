import { BackendError } from '../../errors.js';
import type { TensorRtProblem } from './availability.js';

/**
 * A BackendError (exit 3) built from a classified TensorRtProblem. Keeps the raw detail and the
 * TensorRT log lines apart from the one-line message, so renderers can show them on --verbose.
 */
export class TensorRtError extends BackendError {
  readonly problem: TensorRtProblem;
  /** TensorRT log lines captured during the failing call (empty when none). */
  readonly logs: readonly string[];
  constructor(problem: TensorRtProblem, options: { logs?: readonly string[]; cause?: unknown } = {}) {
    super('tensorrt', problem.reason, problem.message, { hints: problem.hints, cause: options.cause });
    this.problem = problem;
    this.logs = options.logs ?? [];
  }
}
