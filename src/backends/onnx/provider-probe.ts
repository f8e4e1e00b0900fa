/**
 * The child process behind doctor's ONNX Runtime provider check (providers.ts). It loads
 * onnxruntime-node's native binding from one directory, lists the execution providers compiled into
 * it, and with `--provider <name>` creates a one-node session on that provider and runs it once.
 *
 * Why a child process: loading a provider library runs foreign initialisers (CUDA, cuDNN, a
 * mismatched or corrupt .so); one that crashes or hangs must not take doctor down, and the parent
 * bounds it with a timeout. Why the binding and not `onnxruntime-node`: the package always loads the
 * binding next to its own files, and ONNX Runtime looks for provider libraries next to the
 * libonnxruntime.so.1 the binding loaded; a directory override (TRT_PARITY_ORT_LIB_DIR) only works if
 * the binding of that directory is the one loaded. Importing the package as well would load a second
 * libonnxruntime.so.1 whose SONAME the loader already knows, so only onnxruntime-common (pure JS) is used.
 *
 * Prints exactly one JSON line (ProbeResult) on stdout; ONNX Runtime's own log lines go to stderr,
 * where the parent reads the loader's reason (ORT's exception text only says "Failed to load shared library").
 *
 *   node provider-probe.js <binding-dir> [--provider <name>]
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

/** What the probe prints. */
export interface ProbeResult {
  /** listSupportedBackends() of the binding; null when the binding did not load. */
  readonly compiledIn: readonly { readonly name: string; readonly bundled: boolean }[] | null;
  /** The provider probed; null for a listing alone. */
  readonly provider: string | null;
  /** True when a session on that provider was created and computed the right numbers. */
  readonly ok: boolean;
  /** Session creation plus one run, ms; null when it failed. */
  readonly ms: number | null;
  /** ORT's or the loader's message when not ok. */
  readonly error: string | null;
}

/**
 * The probe model: x float32 [1,4] → Relu → y. Made with onnx 1.23.2 (helper.make_graph /
 * make_model, IR version 8, opset 13, producer "trt-parity-probe"), sha256
 * 8057f7487f3da6f59e1f6c406c32ee83a8a2f5add71a0aca046e79c26af8920d; the expected output below was
 * computed by onnxruntime 1.32.0 (Python, CPU) on the same input. Embedded because the package ships
 * no fixtures.
 */
export const PROBE_MODEL_BASE64 = 'CAgSEHRydC1wYXJpdHktcHJvYmU6PwoMCgF4EgF5IgRSZWx1EgVwcm9iZVoTCgF4Eg4KDAgBEggKAggBCgIIBGITCgF5Eg4KDAgBEggKAggBCgIIBEIECgAQDQ==';
export const PROBE_INPUT: readonly number[] = [-1.5, 0.5, 2.25, -3];
export const PROBE_OUTPUT: readonly number[] = [0, 0.5, 2.25, 0];

interface BindingSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: object, fetches: object, options: object): Record<string, { readonly data: unknown }>;
  dispose(): void;
}
interface Binding {
  InferenceSession: new () => BindingSession;
  listSupportedBackends(): { name: string; bundled: boolean }[];
  initOrtOnce?: (logLevel: number, tensor: unknown, isMainThread: boolean) => void;
}

/** ORT's log severities: 0 verbose … 3 error, 4 fatal. Errors carry the loader's reason. */
const ORT_LOG_ERROR = 3;

function main(argv: readonly string[]): ProbeResult {
  const dir = argv[0];
  const at = argv.indexOf('--provider');
  const provider = at >= 0 ? (argv[at + 1] ?? null) : null;
  if (dir === undefined) return { compiledIn: null, provider, ok: false, ms: null, error: 'usage: provider-probe.js <binding-dir> [--provider <name>]' };
  const require = createRequire(import.meta.url);
  let binding: Binding;
  let Tensor: new (type: string, data: Float32Array, dims: number[]) => unknown;
  try {
    // onnxruntime-common from where onnxruntime-node finds it (it is that package's dependency, not ours).
    const common = createRequire(require.resolve('onnxruntime-node')) as NodeJS.Require;
    Tensor = (common('onnxruntime-common') as { Tensor: typeof Tensor }).Tensor;
    binding = require(join(dir, 'onnxruntime_binding.node')) as Binding;
    binding.initOrtOnce?.(ORT_LOG_ERROR, Tensor, true);
  } catch (err) {
    return { compiledIn: null, provider, ok: false, ms: null, error: messageOf(err) };
  }
  const compiledIn = binding.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled }));
  if (provider === null) return { compiledIn, provider, ok: true, ms: null, error: null };
  const t0 = performance.now();
  try {
    const bytes = Buffer.from(PROBE_MODEL_BASE64, 'base64');
    const session = new binding.InferenceSession();
    session.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, {
      executionProviders: [provider],
      // A provider that loads but leaves the node to the CPU would pass for working; forbid that.
      ...(provider === 'cpu' ? {} : { extra: { session: { disable_cpu_ep_fallback: '1' } } }),
    });
    const x = new Tensor('float32', Float32Array.from(PROBE_INPUT), [1, 4]);
    const out = session.run({ x }, { y: null }, {});
    const y = out['y']?.data;
    const ms = performance.now() - t0;
    session.dispose();
    if (!(y instanceof Float32Array) || y.length !== PROBE_OUTPUT.length || PROBE_OUTPUT.some((v, i) => y[i] !== v)) {
      return { compiledIn, provider, ok: false, ms, error: `the probe model computed ${y instanceof Float32Array ? `[${[...y].join(', ')}]` : String(y)}, expected [${PROBE_OUTPUT.join(', ')}]` };
    }
    return { compiledIn, provider, ok: true, ms, error: null };
  } catch (err) {
    return { compiledIn, provider, ok: false, ms: null, error: messageOf(err) };
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// Run only as a program: tests import the constants above.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(JSON.stringify(main(process.argv.slice(2))) + '\n');
}
