/**
 * Which ONNX Runtime execution providers work here, and for one that does not, how to get it.
 *
 * onnxruntime-node's binding is compiled with some providers (listSupportedBackends); the CPU one
 * (and WebGPU on Linux) live inside libonnxruntime.so.1, but CUDA and TensorRT are separate
 * libraries that ONNX Runtime opens at session creation from the directory of the
 * libonnxruntime.so.1 it runs from (libonnxruntime_providers_shared.so plus the provider's own
 * .so). onnxruntime-node does not ship them in the npm package: its install script downloads them,
 * and the same files are inside the `onnxruntime-gpu` wheel of the same version. Those in turn need
 * the CUDA and cuDNN libraries on the loader path.
 *
 * So the diagnosis has three steps per provider: compiled in? files present? loads? The last one
 * runs provider-probe.js in a child process with a timeout (a provider library that crashes or
 * hangs in its initialisers must not take doctor down).
 *
 * TRT_PARITY_ORT_LIB_DIR points the whole check at another directory holding
 * onnxruntime_binding.node and libonnxruntime.so.1 (a copy of onnxruntime-node's bin folder): tests
 * use it with fake provider files instead of writing into node_modules.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OrtProbeOutcome as ProbeOutcome, OrtProviderFile as ProviderFile, OrtProvidersSection, OrtProviderStatus as ProviderStatus } from '../../report/model/doctor.js';
import type { ProbeResult } from './provider-probe.js';
import { disableOrtTelemetryUnlessSet } from './telemetry.js';

/** Names a directory holding onnxruntime_binding.node and libonnxruntime.so.1 to check instead of onnxruntime-node's. */
export const ORT_LIB_DIR_ENV = 'TRT_PARITY_ORT_LIB_DIR';

/** The separate libraries each loadable provider needs next to libonnxruntime.so.1 (Linux names). */
export const PROVIDER_LIBRARIES: Readonly<Record<string, readonly string[]>> = {
  cuda: ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'],
  tensorrt: ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_tensorrt.so'],
};

/** Providers that run on an NVIDIA GPU: their timing includes copies to and from the device. */
export const GPU_PROVIDERS: ReadonlySet<string> = new Set(['cuda', 'tensorrt']);

/** How long one load probe may take. A first CUDA context plus cuDNN load takes seconds, not minutes. */
export const DEFAULT_PROBE_TIMEOUT_MS = 60_000;

export interface OrtLibDir {
  /** Absolute path of the directory holding onnxruntime_binding.node and libonnxruntime.so.1. */
  readonly dir: string;
  /** Where it came from. */
  readonly from: NonNullable<OrtProvidersSection['libDirFrom']>;
  /** onnxruntime-node's version: the version the provider libraries must match. */
  readonly version: string | null;
  /** onnxruntime-node's folder (its install script is script/install.js there); null when not found. */
  readonly packageRoot: string | null;
}

/**
 * The binding directory to check: $TRT_PARITY_ORT_LIB_DIR, else onnxruntime-node's
 * bin/napi-v6/<platform>/<arch>. Never throws.
 */
export function ortLibDir(env: NodeJS.ProcessEnv = process.env): OrtLibDir | { readonly error: string } {
  const root = onnxruntimeNodeRoot();
  const version = root === null ? null : packageVersion(root);
  const override = env[ORT_LIB_DIR_ENV];
  if (override !== undefined && override !== '') return { dir: override, from: ORT_LIB_DIR_ENV, version, packageRoot: root };
  try {
    if (root === null) createRequire(import.meta.url).resolve('onnxruntime-node');
    // The folder its binding.js loads the native binding (and so libonnxruntime.so.1) from.
    return { dir: join(root!, 'bin', 'napi-v6', process.platform, process.arch), from: 'onnxruntime-node', version, packageRoot: root };
  } catch (err) {
    return { error: `onnxruntime-node is not installed: ${err instanceof Error ? err.message.split('\n')[0]! : String(err)}` };
  }
}

/** onnxruntime-node's folder: its main is dist/index.js. */
function onnxruntimeNodeRoot(): string | null {
  try {
    return dirname(dirname(createRequire(import.meta.url).resolve('onnxruntime-node')));
  } catch {
    return null;
  }
}

function packageVersion(root: string): string | null {
  try {
    const v = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: unknown }).version;
    return typeof v === 'string' ? v : null;
  } catch {
    return null;
  }
}

/** The files `provider` needs in `dir`, with their sizes (null when absent). */
export function providerFiles(provider: string, dir: string): ProviderFile[] {
  return (PROVIDER_LIBRARIES[provider] ?? []).map((name) => {
    const path = join(dir, name);
    try {
      const st = statSync(path);
      return { name, path, bytes: st.isFile() ? st.size : null };
    } catch {
      return { name, path, bytes: null };
    }
  });
}

/** ANSI colour codes ORT puts around its log lines. */
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/**
 * The reason in ONNX Runtime's log for a provider that did not load. ORT's exception only says
 * "OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library"; its error log line
 * says which library and the loader's message, e.g.
 * "Failed to load library …/libonnxruntime_providers_cuda.so with error: libcudnn.so.9: cannot open
 * shared object file: No such file or directory". Pure: takes the child's stderr and ORT's message.
 */
export function explainProviderFailure(stderr: string, message: string): { detail: string; missingLibrary: string | null } {
  const lines = stderr.replace(ANSI, '').split('\n').map((l) => l.trim()).filter((l) => l !== '');
  let detail: string | null = null;
  for (const l of lines) {
    const m = /(Failed to (?:load library|get symbol) .*)$/.exec(l);
    if (m) {
      detail = m[1]!;
      break;
    }
  }
  // Otherwise ORT's last error line without its timestamp/source prefix (e.g. a CUDA failure).
  if (detail === null) {
    const err = lines.filter((l) => /\[E:onnxruntime|\[ONNXRuntimeError\]/.test(l)).pop();
    if (err !== undefined) detail = err.replace(/^.*\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*\w+\s*:\s*/, '').replace(/^.*\]\s+/, '');
  }
  const text = detail ?? message;
  // The loader names the first missing dependency: "libcudnn.so.9: cannot open shared object file".
  const missing = /(?:^|[\s/])(lib[\w.+-]+\.so(?:\.[\d.]+)?): cannot open shared object file/.exec(text);
  const self = missing !== null && /^libonnxruntime_providers_/.test(missing[1]!);
  return { detail: detail === null ? message : `${message} (${detail})`, missingLibrary: missing === null || self ? null : missing[1]! };
}

/**
 * What to do about a provider that is missing or does not load. Pure.
 * @param state 'missing-files' when any of its libraries is absent, 'fails' when they are there but
 *   do not load (missingLibrary: the dependency the loader named), 'not-compiled' when this
 *   onnxruntime-node build has no such provider.
 */
export function providerFixes(provider: string, state: 'missing-files' | 'fails' | 'not-compiled', lib: { dir: string; version: string | null; packageRoot?: string | null }, missingLibrary: string | null = null): string[] {
  const v = lib.version ?? '<onnxruntime-node version>';
  if (state === 'not-compiled') {
    return [`this onnxruntime-node build has no '${provider}' provider (${process.platform}/${process.arch}); use --onnx-provider cpu${provider === 'cuda' ? ', or run on Linux x64 where onnxruntime-node has the CUDA provider' : ''}`];
  }
  if (!(provider in PROVIDER_LIBRARIES)) return [];
  const fixes: string[] = [];
  const cudaLibs = `ONNX Runtime ${v}'s ${provider === 'tensorrt' ? 'TensorRT' : 'CUDA'} provider needs the CUDA 13 and cuDNN 9 libraries on the loader path, e.g. those of a PyTorch cu13 install: ` +
    'export LD_LIBRARY_PATH="$(ls -d <venv>/lib/python3*/site-packages/nvidia/*/lib | paste -sd:):$LD_LIBRARY_PATH"' +
    (provider === 'tensorrt' ? ', plus TensorRT 10 (libnvinfer.so.10) there too' : '');
  if (state === 'missing-files') {
    fixes.push(
      // The script itself, not `npm rebuild`: trt-parity's package.json denies onnxruntime-node's
      // install script (allowScripts), and the script writes next to the binding it ships with.
      `get them with onnxruntime-node's own install switch (downloads Microsoft.ML.OnnxRuntime.Gpu.Linux ${v} from api.nuget.org; this version names the manifest 'cuda12'): ONNXRUNTIME_NODE_INSTALL=cuda12 node ${join(lib.packageRoot ?? 'node_modules/onnxruntime-node', 'script', 'install.js')}`,
      `or copy them from the onnxruntime-gpu ${v} wheel (the same build): pip download onnxruntime-gpu==${v} --no-deps -d ort-gpu && unzip -j ort-gpu/onnxruntime_gpu-${v}-*.whl 'onnxruntime/capi/libonnxruntime_providers_*.so' -d ${lib.dir}`,
      cudaLibs,
    );
  } else if (missingLibrary !== null) {
    fixes.push(`the provider library is there but needs ${missingLibrary}, which the loader did not find: ${cudaLibs}`);
  } else {
    fixes.push(
      `the provider libraries are there but do not load: they must be the ones of onnxruntime-gpu / Microsoft.ML.OnnxRuntime.Gpu.Linux ${v} exactly (the same version as onnxruntime-node), not truncated; re-copy them (see trt-parity doctor)`,
      cudaLibs,
      'an NVIDIA driver and a visible GPU (nvidia-smi) are needed as well',
    );
  }
  return fixes;
}

export interface DiagnoseProvidersOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Per probe; default DEFAULT_PROBE_TIMEOUT_MS. */
  readonly timeoutMs?: number;
  /** Which providers to try loading when their files are present; default every compiled-in provider that has separate libraries. */
  readonly probe?: readonly string[];
}

/** Runs provider-probe.js once. Never throws: a crash or timeout is an outcome. */
export async function runProbe(dir: string, provider: string | null, options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ outcome: ProbeOutcome; result: ProbeResult | null; stderr: string; detail: string }> {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'provider-probe.js');
  const args = [script, dir, ...(provider === null ? [] : ['--provider', provider])];
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  return new Promise((resolve) => {
    const env = { ...(options.env ?? process.env) };
    disableOrtTelemetryUnlessSet(env);
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { if (stderr.length < 65536) stderr += d; });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ outcome: 'crashed', result: null, stderr, detail: `could not start the probe: ${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        resolve({ outcome: 'timeout', result: null, stderr, detail: `the probe did not finish within ${(timeoutMs / 1000).toFixed(timeoutMs < 1000 ? 1 : 0)} s (killed); a provider library hung while loading` });
        return;
      }
      const line = stdout.trim().split('\n').pop() ?? '';
      let result: ProbeResult | null = null;
      try {
        result = line === '' ? null : (JSON.parse(line) as ProbeResult);
      } catch {
        result = null;
      }
      if (result === null) {
        const tail = stderr.replace(ANSI, '').trim().split('\n').filter((l) => l.trim() !== '').slice(-1)[0] ?? '';
        const how = signal !== null ? `was killed by ${signal}` : `exited with code ${String(code)}`;
        resolve({ outcome: 'crashed', result: null, stderr, detail: `the probe process ${how} while loading${tail ? `: ${tail.trim()}` : ''}` });
        return;
      }
      resolve({ outcome: result.ok ? 'loads' : 'fails', result, stderr, detail: result.ok ? 'loads' : (result.error ?? 'failed') });
    });
  });
}

/**
 * The providers section of doctor: compiled in, files, loads, and fixes. Never throws.
 */
export async function diagnoseOrtProviders(options: DiagnoseProvidersOptions = {}): Promise<OrtProvidersSection> {
  const env = options.env ?? process.env;
  const ldLibraryPath = env['LD_LIBRARY_PATH'] ?? null;
  const lib = ortLibDir(env);
  if ('error' in lib) return { libDir: null, libDirFrom: null, version: null, ldLibraryPath, providers: [], error: lib.error };
  const probeOpts = { env, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) };
  const listing = await runProbe(lib.dir, null, probeOpts);
  const compiled = listing.result?.compiledIn ?? null;
  if (compiled === null) {
    const why = listing.result?.error ?? listing.detail;
    return { libDir: lib.dir, libDirFrom: lib.from, version: lib.version, ldLibraryPath, providers: [], error: `the ONNX Runtime binding in ${lib.dir} does not load: ${why.split('\n')[0]!}` };
  }
  // Every compiled-in provider, plus cuda when it is not: the one users ask about.
  const names = [...new Set([...compiled.map((c) => c.name), 'cuda'])];
  const toProbe = new Set(options.probe ?? Object.keys(PROVIDER_LIBRARIES));
  const providers = await Promise.all(names.map(async (name): Promise<ProviderStatus> => {
    const entry = compiled.find((c) => c.name === name);
    const files = providerFiles(name, lib.dir);
    if (entry === undefined) {
      return { name, compiledIn: false, bundled: null, files, load: { outcome: 'not-probed', detail: 'not compiled into this onnxruntime-node build', ms: null }, missingLibrary: null, fixes: providerFixes(name, 'not-compiled', lib) };
    }
    const base = { name, compiledIn: true, bundled: entry.bundled, files };
    if (entry.bundled) {
      const detail = name === 'cpu' ? 'part of libonnxruntime; always there' : 'part of libonnxruntime (not probed: needs a device of its own)';
      return { ...base, load: { outcome: 'not-probed', detail, ms: null }, missingLibrary: null, fixes: [] };
    }
    const absent = files.filter((f) => f.bytes === null);
    if (absent.length > 0) {
      return { ...base, load: { outcome: 'not-probed', detail: 'not probed: libraries missing', ms: null }, missingLibrary: null, fixes: providerFixes(name, 'missing-files', lib) };
    }
    if (!toProbe.has(name)) return { ...base, load: { outcome: 'not-probed', detail: 'files present; not probed', ms: null }, missingLibrary: null, fixes: [] };
    const p = await runProbe(lib.dir, name, probeOpts);
    if (p.outcome === 'loads') return { ...base, load: { outcome: 'loads', detail: 'a session on it computed the probe model correctly', ms: p.result?.ms ?? null }, missingLibrary: null, fixes: [] };
    const explained = p.outcome === 'fails' ? explainProviderFailure(p.stderr, p.detail) : { detail: p.detail, missingLibrary: null };
    return { ...base, load: { outcome: p.outcome, detail: explained.detail, ms: null }, missingLibrary: explained.missingLibrary, fixes: providerFixes(name, 'fails', lib, explained.missingLibrary) };
  }));
  return { libDir: lib.dir, libDirFrom: lib.from, version: lib.version, ldLibraryPath, providers, error: null };
}

/**
 * Hints for `--onnx-provider <provider>` failing to load, without spawning anything (the backend
 * calls this on its error path): whether the files are missing or present-but-failing decides the fix.
 */
export function providerUnavailableHints(provider: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (!(provider in PROVIDER_LIBRARIES)) return [];
  const lib = ortLibDir(env);
  if ('error' in lib) return [lib.error];
  const missing = providerFiles(provider, lib.dir).filter((f) => f.bytes === null);
  const fixes = providerFixes(provider, missing.length > 0 ? 'missing-files' : 'fails', lib);
  return [
    missing.length > 0 ? `${missing.map((f) => f.name).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not in ${lib.dir}` : 'trt-parity doctor says which library the loader could not open',
    ...fixes,
  ];
}
