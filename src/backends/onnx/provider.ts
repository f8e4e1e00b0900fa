/**
 * ONNX Runtime as the registry knows it: `.onnx` files, its options, inspect and doctor.
 *
 * The name, the claim and the options are data here; the code behind open, inspect, hints and
 * diagnose is imported when first called, so that loading the registry (every command does) costs
 * no backend code (issue 14).
 */
import { extname } from 'node:path';
import type { OnnxInspectReport, OnnxRuntimeSection } from '../../report/model/index.js';
import { INSPECT_SCHEMA_VERSION } from '../../report/model/inspect.js';
import { TOOL_VERSION } from '../../version.js';
import type { Diagnoser, Inspector, PreprocessHinter, WarmUpper } from '../backend.js';

/** ONNX Runtime's option group, as the CLI names them. */
export interface OnnxOptions {
  /** Execution provider; default "cpu". */
  readonly onnxProvider?: string;
  /** Intra-op threads; default ORT's choice. */
  readonly threads?: number;
}

export const onnxProvider: Inspector<OnnxOptions, OnnxInspectReport> & Diagnoser<OnnxOptions, { onnxruntime: OnnxRuntimeSection }> & PreprocessHinter<OnnxOptions> & WarmUpper<OnnxOptions> = {
  name: 'onnxruntime',
  label: 'ONNX Runtime',
  accepts: 'a .onnx model',
  runsModels: true,
  claims: (path, isDirectory) => !isDirectory && extname(path).toLowerCase() === '.onnx',
  open: async (path, options, purpose) =>
    (await import('./onnx-backend.js')).OnnxBackend.open(path, {
      provider: options.onnxProvider ?? 'cpu',
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      // compare decodes the next image while this one runs: idle threads that spin would take its core.
      ...(purpose === 'compare' ? { allowSpinning: false } : {}),
    }),
  optionGroup: {
    title: 'ONNX Runtime options',
    options: [
      { flags: '--onnx-provider <name>', description: 'ONNX Runtime execution provider (cpu, cuda, tensorrt, … where installed)', value: 'string', default: 'cpu', commands: ['compare', 'bench'] },
      { flags: '--threads <n>', description: "ONNX Runtime intra-op threads (default: ORT's choice)", value: 'positive-int', commands: ['compare', 'bench'] },
    ],
  },
  // The shared worker, started before the first session needs it (session-host.ts).
  async warmUp() {
    (await import('./session-host.js')).SessionHost.warm();
  },
  async inspect(path) {
    const { inspectOnnx } = await import('./model-info.js');
    return { schema: 'trt-parity/inspect-onnx', schemaVersion: INSPECT_SCHEMA_VERSION, tool: { name: 'trt-parity', version: TOOL_VERSION }, ...(await inspectOnnx(path)) };
  },
  async preprocessHint(path) {
    const [{ inspectOnnx }, { pipelineForModel }] = await Promise.all([import('./model-info.js'), import('../../image/preprocess-spec.js')]);
    const pipeline = pipelineForModel((await inspectOnnx(path)).metadata);
    return pipeline === null ? null : { pipeline, binding: false, from: `${path}'s metadata (an Ultralytics export)` };
  },
  async diagnose() {
    // The provider probes run in child processes, alongside the in-process check.
    const { diagnoseOrtProviders } = await import('./providers.js');
    const [info, providers] = await Promise.all([onnxRuntimeInfo(), diagnoseOrtProviders()]);
    return { onnxruntime: { ...info, providers } };
  },
};

async function onnxRuntimeInfo(): Promise<OnnxRuntimeSection> {
  try {
    (await import('./telemetry.js')).disableOrtTelemetryUnlessSet();
    const ort = (await import('onnxruntime-node')) as { env?: { versions?: Record<string, string> }; listSupportedBackends?: () => { name: string; bundled: boolean }[] };
    const version = ort.env?.versions?.['node'] ?? ort.env?.versions?.['common'] ?? null;
    const backends = typeof ort.listSupportedBackends === 'function' ? ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled })) : null;
    return { version, backends, error: null, hints: [] };
  } catch (err) {
    return { version: null, backends: null, error: firstLine(err), hints: ['reinstall it: npm rebuild onnxruntime-node (its native binding did not load)'] };
  }
}

function firstLine(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0]! : String(err);
}
