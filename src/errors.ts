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
  /** Stopped by Ctrl-C (128 + SIGINT, as shells report it); the report of what ran is still written. */
  interrupted: 130,
  /** Stopped by SIGTERM (128 + 15: what CI runners and `timeout` send); the report of what ran is still written. */
  terminated: 143,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorOptions {
  /** Short advice lines, each a thing the user can do. */
  readonly hints?: readonly string[];
  /** Log lines the backend's runtime printed while failing (TensorRT's logger); shown with -v, kept in JSON. */
  readonly logs?: readonly string[];
  readonly cause?: unknown;
}

export class TrtParityError extends Error {
  readonly exitCode: ExitCodeValue;
  /** Machine-readable class of the failure: "usage", "input", or a backend's reason such as "engine-incompatible". */
  readonly reason: string;
  /** Short advice lines, each a thing the user can do. */
  readonly hints: readonly string[];
  /** Log lines the backend printed while failing; empty when none. */
  readonly logs: readonly string[];
  constructor(message: string, exitCode: ExitCodeValue, reason: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.reason = reason;
    this.hints = options.hints ?? [];
    this.logs = options.logs ?? [];
  }
}

/** A bad option or argument (exit 2). */
export class UsageError extends TrtParityError {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, ExitCode.usage, 'usage', options);
  }
}

/** An input file that cannot be used: unreadable, undecodable, wrong shape (exit 2). Names the file. */
export class InputError extends TrtParityError {
  readonly file: string | undefined;
  constructor(file: string | undefined, message: string, options: ErrorOptions = {}) {
    super(file === undefined ? message : `${file}: ${message}`, ExitCode.usage, 'input', options);
    this.file = file;
  }
}

/** A backend that cannot be used here at all, or that failed while running (exit 3). */
export class BackendError extends TrtParityError {
  /** The backend's name as the registry knows it. */
  readonly backend: string;
  constructor(backend: string, reason: string, message: string, options: ErrorOptions = {}) {
    super(message, ExitCode.backend, reason, options);
    this.backend = backend;
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

