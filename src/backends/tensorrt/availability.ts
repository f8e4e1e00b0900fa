/**
 * The vocabulary for "why can't TensorRT be used here": one classified problem with the fix for it.
 * Every failure of the TensorRT side (addon, driver, library, engine, run) ends up as a
 * TensorRtProblem, so that `doctor`, `inspect` and `compare` explain the same failure the same way.
 */
import type { NativeAddon, NativeRuntimeInfo } from './native-contract.js';

/** Why the TensorRT backend cannot be used at all on this machine. */
export type UnavailableReason =
  | 'addon-not-built'
  | 'addon-load-failed'
  | 'abi-mismatch'
  | 'tensorrt-not-built-in'
  | 'no-cuda-driver'
  | 'no-gpu'
  | 'device-not-found'
  | 'libnvinfer-missing'
  | 'libnvinfer-wrong-major'
  /** Same major, but older than the headers: newer headers may call what the library lacks. */
  | 'libnvinfer-too-old';

/** Why one engine could not be loaded or run, although TensorRT itself is usable. */
export type EngineFailureReason =
  | 'engine-incompatible'
  /** The plan uses a plugin whose creator is not registered (no --plugins, or the wrong library). */
  | 'engine-plugin-missing'
  /** TensorRT found the plan truncated or its bytes damaged. */
  | 'engine-damaged'
  /** Not enough GPU memory to load or run it. */
  | 'out-of-memory'
  | 'engine-needs-host-code'
  | 'engine-unsupported'
  | 'cuda-error'
  | 'invalid-request'
  | 'disposed'
  | 'tensorrt-error';

export type TensorRtReason = UnavailableReason | EngineFailureReason;

/** One classified failure, ready to print: a one-line message, then what to do. */
export interface TensorRtProblem {
  readonly reason: TensorRtReason;
  /** One line, no trailing period. */
  readonly message: string;
  /** Things the user can do, most likely fix first. */
  readonly hints: readonly string[];
  /** Raw text from the layer that failed (dlopen text, CUDA error, TensorRT log lines), for --verbose. */
  readonly detail: readonly string[];
}

/** Result of asking "can TensorRT run here?". Never thrown; `requireTensorRt` turns the negative into an error. */
export type Availability =
  | {
      readonly available: true;
      readonly addon: NativeAddon;
      /** The file the addon was loaded from ("<injected>" in tests). */
      readonly addonPath: string;
      readonly runtime: NativeRuntimeInfo;
    }
  | ({ readonly available: false; readonly addonPath: string } & TensorRtProblem);

/** Leading "major" of "10.16.0"; null when not a version. */
export function majorOf(version: string | null | undefined): number | null {
  if (version == null) return null;
  const m = /^(\d+)/.exec(version.trim());
  return m ? Number(m[1]) : null;
}
