/**
 * Messages between OnnxBackend (main thread) and its session worker.
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

export interface WorkerInit {
  readonly modelPath: string;
  readonly options: WorkerSessionOptions;
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

export type ToWorker =
  | { readonly type: 'run'; readonly id: number; readonly feeds: readonly WireTensor[] }
  | { readonly type: 'release' };

export type FromWorker =
  | { readonly type: 'ready'; readonly inputs: readonly WireInfo[]; readonly outputs: readonly WireInfo[]; readonly loadMs: number }
  | { readonly type: 'load-error'; readonly message: string }
  | { readonly type: 'result'; readonly id: number; readonly outputs: readonly WireTensor[]; readonly runMs: number }
  | { readonly type: 'run-error'; readonly id: number; readonly message: string }
  | { readonly type: 'released' };

/**
 * The distinct buffers behind some typed arrays: a transfer list may not name one twice.
 * Non-typed-array data (ORT's string tensors are plain arrays) is left to be cloned.
 */
export function transferList(data: readonly unknown[]): ArrayBuffer[] {
  const buffers = data.map((d) => (ArrayBuffer.isView(d) ? d.buffer : undefined));
  return [...new Set(buffers.filter((b): b is ArrayBuffer => b instanceof ArrayBuffer))];
}
