import { BackendError } from '../../errors.js';
import type { TensorRtProblem } from './availability.js';

/**
 * A BackendError (exit 3) built from a classified TensorRtProblem. Keeps the raw detail and the
 * TensorRT log lines (`logs`, from BackendError) apart from the one-line message, so renderers can
 * show them on --verbose and JSON reports carry them.
 */
export class TensorRtError extends BackendError {
  readonly problem: TensorRtProblem;
  constructor(problem: TensorRtProblem, options: { logs?: readonly string[]; cause?: unknown } = {}) {
    super('tensorrt', problem.reason, problem.message, { hints: problem.hints, logs: options.logs ?? [], cause: options.cause });
    this.problem = problem;
  }
}
