import type { BackendName } from '../errors.js';
import type { TensorInfo, TensorMap } from '../tensor/types.js';

/** Timing of one run as the backend saw it. All in milliseconds. */
export interface RunTiming {
  /** Wall time of the whole call, seen from JavaScript. */
  readonly wallMs: number;
  /** TensorRT only, from CUDA events. */
  readonly h2dMs?: number;
  readonly computeMs?: number;
  readonly d2hMs?: number;
  /** TensorRT only: host time spent inside enqueueV3. */
  readonly enqueueMs?: number;
}

export interface RunResult {
  readonly outputs: TensorMap;
  readonly timing: RunTiming;
}

/**
 * One producer of outputs: ONNX Runtime, a TensorRT engine, or a saved run.
 * Loaded once per command; `run` is called once per input.
 */
export interface Backend {
  readonly name: BackendName;
  /** The path the user gave. */
  readonly source: string;
  /** Null for a saved run that recorded no input description. */
  readonly inputs: readonly TensorInfo[] | null;
  readonly outputs: readonly TensorInfo[];
  /** `key` identifies the input (saved runs replay by it and check that the feeds are the ones they recorded). */
  run(feeds: TensorMap, key: string): Promise<RunResult>;
  dispose(): Promise<void>;
}
