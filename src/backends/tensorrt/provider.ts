/**
 * TensorRT as the registry knows it: engine files, its options, inspect and doctor.
 *
 * The name, the claim and the options are data here; the code behind open, inspect, hints and
 * diagnose is imported when first called, so that loading the registry (every command does) costs
 * no backend code (issue 14).
 */
import { extname } from 'node:path';
import type { EngineInspectReport, TensorRtSections } from '../../report/model/index.js';
import { INSPECT_SCHEMA_VERSION } from '../../report/model/inspect.js';
import { TOOL_VERSION } from '../../version.js';
import type { Diagnoser, Inspector, PreprocessHinter } from '../backend.js';
import type { TensorRtLogLevel } from './tensorrt-backend.js';

/** File extensions of TensorRT engines. */
const ENGINE_EXTENSIONS: readonly string[] = ['.engine', '.plan', '.trt'];

/** Severities of TensorRT's logger, least to most verbose. */
const TRT_LOG_LEVELS: readonly TensorRtLogLevel[] = ['error', 'warning', 'info', 'verbose'];

/** TensorRT's option group, as the CLI names them. */
export interface TensorRtOptions {
  /** CUDA device; default 0. */
  readonly device?: number;
  /** Optimization profile; default 0. */
  readonly profile?: number;
  /** Plugin libraries to load before deserializing. */
  readonly plugins?: readonly string[];
  /** Allow version-compatible plans that run code embedded in the plan file. */
  readonly allowEngineHostCode?: boolean;
  /** Minimum severity of TensorRT's log lines kept (and shown with -v); default "warning". */
  readonly trtLogLevel?: TensorRtLogLevel;
  /** bench: false times compute alone (no H2D/D2H copies). Default true. */
  readonly transfers?: boolean;
  /** bench: capture the enqueue into a CUDA graph. Default false. */
  readonly cudaGraph?: boolean;
  /** --trt-lib: the TensorRT library (or its folder) to load; wins over TRT_PARITY_LIBNVINFER and the search. */
  readonly trtLib?: string;
  /** doctor only: the engine to judge (`doctor model.engine`). */
  readonly engine?: string;
}

export const tensorRtProvider: Inspector<TensorRtOptions, EngineInspectReport> & Diagnoser<TensorRtOptions, TensorRtSections> & PreprocessHinter<TensorRtOptions> = {
  name: 'tensorrt',
  label: 'TensorRT',
  accepts: `a TensorRT engine (${ENGINE_EXTENSIONS.join(', ')})`,
  runsModels: true,
  claims: (path, isDirectory) => !isDirectory && ENGINE_EXTENSIONS.includes(extname(path).toLowerCase()),
  open: async (path, o) =>
    (await import('./tensorrt-backend.js')).TensorRtBackend.open(path, {
      device: o.device ?? 0,
      profile: o.profile ?? 0,
      plugins: o.plugins ?? [],
      allowHostCode: o.allowEngineHostCode ?? false,
      logLevel: o.trtLogLevel ?? 'warning',
      transfers: o.transfers ?? true,
      cudaGraph: o.cudaGraph ?? false,
      ...(o.trtLib ? { trtLib: o.trtLib } : {}),
    }),
  optionGroup: {
    title: 'TensorRT options',
    options: [
      { flags: '--device <n>', description: 'CUDA device for TensorRT engines', value: 'non-negative-int', default: 0, commands: ['compare', 'bench', 'inspect', 'doctor'] },
      { flags: '--profile <n>', description: 'TensorRT optimization profile', value: 'non-negative-int', default: 0, commands: ['compare', 'bench'] },
      { flags: '--plugins <lib.so...>', description: 'TensorRT plugin libraries to load before deserializing', value: 'list', commands: ['compare', 'bench', 'inspect'] },
      { flags: '--allow-engine-host-code', description: 'allow version-compatible engines that run code embedded in the plan file', default: false, commands: ['compare', 'bench', 'inspect'] },
      { flags: '--trt-lib <path>', description: 'the TensorRT library to load (libnvinfer.so.N, a lean or dispatch runtime, or their folder); default: searched (see doctor)', value: 'string', commands: ['compare', 'bench', 'inspect', 'doctor'] },
      { flags: '--trt-log-level <level>', description: "minimum severity of TensorRT's log lines kept (shown with -v, carried in JSON)", value: { choices: TRT_LOG_LEVELS }, default: 'warning', commands: ['compare', 'bench', 'inspect'] },
      { flags: '--no-transfers', description: 'TensorRT: no H2D/D2H copies; times compute alone (trtexec --noDataTransfers)', commands: ['bench'] },
      { flags: '--cuda-graph', description: 'TensorRT: capture the enqueue into a CUDA graph and replay it (falls back, with a warning, when the engine cannot be captured)', default: false, commands: ['bench'] },
    ],
  },
  async inspect(path, o) {
    const { describeEngine } = await import('./engine-info.js');
    const report = await describeEngine(path, { device: o.device ?? 0, plugins: o.plugins ?? [], allowHostCode: o.allowEngineHostCode ?? false, logLevel: o.trtLogLevel ?? 'warning', ...(o.trtLib ? { trtLib: o.trtLib } : {}) });
    return { schema: 'trt-parity/inspect-engine', schemaVersion: INSPECT_SCHEMA_VERSION, tool: { name: 'trt-parity', version: TOOL_VERSION }, ...report };
  },
  async preprocessHint(path) {
    // An Ultralytics .engine carries its export metadata in front of the plan: its images are letterboxed.
    const { readPlanFileInfo } = await import('./plan-file.js');
    return (await readPlanFileInfo(path)).ultralytics === null ? null : { pipeline: 'ultralytics', binding: false, from: `${path}'s metadata (an Ultralytics export)` };
  },
  diagnose: async (o) => (await import('./diagnose.js')).diagnoseTensorRt({ device: o.device ?? 0, ...(o.trtLib ? { trtLib: o.trtLib } : {}), ...(o.engine ? { engine: o.engine } : {}) }),
};
