/**
 * Errors that reach the user. Each class carries its exit code so that one top-level handler
 * can turn any failure into one clear line and a distinct exit status.
 *
 * A mismatch is not an error: it is a result (exit 1), decided from the report.
 */
export const ExitCode = {
  ok: 0,
  mismatch: 1,
  usage: 2,
  backend: 3,
  internal: 4,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class TrtParityError extends Error {
  readonly exitCode: ExitCodeValue;
  /** Short advice lines, each a thing the user can do. */
  readonly hints: readonly string[];
  constructor(message: string, exitCode: ExitCodeValue, options: { hints?: readonly string[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hints = options.hints ?? [];
  }
}

/** A bad option or argument (exit 2). */
export class UsageError extends TrtParityError {
  constructor(message: string, options: { hints?: readonly string[]; cause?: unknown } = {}) {
    super(message, ExitCode.usage, options);
  }
}

/** An input file that cannot be used: unreadable, undecodable, wrong shape (exit 2). Names the file. */
export class InputError extends TrtParityError {
  readonly file: string | undefined;
  constructor(file: string | undefined, message: string, options: { hints?: readonly string[]; cause?: unknown } = {}) {
    super(file === undefined ? message : `${file}: ${message}`, ExitCode.usage, options);
    this.file = file;
  }
}

export type BackendName = 'onnxruntime' | 'tensorrt' | 'saved';

/** A backend that cannot be used here at all, or that failed while running (exit 3). */
export class BackendError extends TrtParityError {
  readonly backend: BackendName;
  /** Machine-readable class of the failure, e.g. "addon-not-built", "no-gpu", "engine-incompatible". */
  readonly reason: string;
  constructor(backend: BackendName, reason: string, message: string, options: { hints?: readonly string[]; cause?: unknown } = {}) {
    super(message, ExitCode.backend, options);
    this.backend = backend;
    this.reason = reason;
  }
}

/** A broken invariant: a bug in trt-parity itself (exit 4). Deliberately not a TrtParityError. */
export class InternalError extends Error {
  readonly exitCode = ExitCode.internal;
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'InternalError';
  }
}

/** sharp's message shape: name the thing, what was expected, and what came. */
export function expected(what: string, name: string, actual: unknown): string {
  const shown = typeof actual === 'string' ? `'${actual}'` : String(actual);
  return `Expected ${what} for ${name} but received ${shown}`;
}

