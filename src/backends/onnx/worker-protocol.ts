/**
 * Messages between OnnxBackend (main thread) and the session worker it shares with the process's other ONNX Runtime sessions.
 *
 * Tensor data crosses as typed arrays whose buffers are in the transfer list, so each side
 * gives its buffer away instead of cloning it.
 */
import type { TensorData } from '../../tensor/types.js';

/** Session options the worker passes to InferenceSession.create. */
export interface WorkerSessionOptions {
  readonly executionProviders: readonly string[];
  readonly intraOpNumThreads?: number;
  readonly graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** ORT's intra-op threads busy-wait between tasks by default; false lets them sleep (session.intra_op.allow_spinning). */
  readonly allowSpinning?: boolean;
}

/** The worker's workerData. */
export interface WorkerInit {
  /** Start ONNX Runtime itself (a throw-away session) before the first real session arrives. */
  readonly warmRuntime: boolean;
}

/** A tensor in flight; `dtype` is ORT's type name. */
export interface WireTensor {
  readonly name: string;
  readonly dtype: string;
  readonly dims: readonly number[];
  readonly data: TensorData;
}

/** ORT's description of one input or output, as session.inputMetadata gives it. */
export interface WireInfo {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type: string;
  readonly shape: readonly (number | string)[];
}

/** `sid` names one session of the (shared) worker; `id` one run of it. */
export type ToWorker =
  | { readonly type: 'open'; readonly sid: number; readonly modelPath: string; readonly options: WorkerSessionOptions }
  | { readonly type: 'run'; readonly sid: number; readonly id: number; readonly feeds: readonly WireTensor[] }
  | { readonly type: 'release'; readonly sid: number };

export type FromWorker =
  | { readonly type: 'ready'; readonly sid: number; readonly inputs: readonly WireInfo[]; readonly outputs: readonly WireInfo[]; readonly loadMs: number }
  | { readonly type: 'load-error'; readonly sid: number; readonly message: string }
  | { readonly type: 'result'; readonly sid: number; readonly id: number; readonly outputs: readonly WireTensor[]; readonly runMs: number }
  | { readonly type: 'run-error'; readonly sid: number; readonly id: number; readonly message: string }
  | { readonly type: 'released'; readonly sid: number }
  /** A worker started with warmRuntime: ONNX Runtime is loaded and started (sid 0: no session's). */
  | { readonly type: 'started'; readonly sid: 0 };

/**
 * The distinct buffers behind some typed arrays: a transfer list may not name one twice.
 * Non-typed-array data (ORT's string tensors are plain arrays) is left to be cloned.
 */
export function transferList(data: readonly unknown[]): ArrayBuffer[] {
  const buffers = data.map((d) => (ArrayBuffer.isView(d) ? d.buffer : undefined));
  return [...new Set(buffers.filter((b): b is ArrayBuffer => b instanceof ArrayBuffer))];
}
