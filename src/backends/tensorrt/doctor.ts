/**
 * Data for `trt-parity doctor`: everything trt-parity depends on, what was found, and for each
 * thing that is wrong, the fix. Returns data only; rendering is src/report's job.
 */
import type { TensorRtProblem } from './availability.js';
import { classifyCuda, classifyLibrary, classifyRuntimeInfo, formatCudaVersion } from './classify-availability.js';
import { checkTensorRtAvailability, loadAddon, packageRoot, readNativeStatus, runtimeInfoOf, type LoadAddonOptions } from './load-addon.js';
import { NATIVE_ABI_VERSION, type NativeDeviceInfo, type NativeRuntimeInfo } from './native-contract.js';
import type { NativeBuildStatus } from './native-status.js';

export interface DoctorReport {
  readonly node: {
    readonly version: string;
    readonly platform: string;
    readonly arch: string;
    /** N-API version this Node.js offers. */
    readonly napiVersion: string | null;
    /** glibc of this system (Linux); null elsewhere. Addons built on a newer glibc do not load. */
    readonly glibc: string | null;
  };
  readonly onnxruntime: {
    readonly version: string | null;
    /** ort.listSupportedBackends(): execution providers this onnxruntime-node build knows. */
    readonly backends: readonly { readonly name: string; readonly bundled: boolean }[] | null;
    readonly error: string | null;
    /** What to do about `error`; empty when none. */
    readonly hints: readonly string[];
  };
  readonly sharp: { readonly version: string | null; readonly libvips: string | null; readonly error: string | null; readonly hints: readonly string[] };
  readonly addon: {
    readonly path: string;
    readonly loaded: boolean;
    /** The ABI version this trt-parity expects. */
    readonly expectedAbiVersion: number;
    /** build/native-status.json as the build left it; null when absent. */
    readonly build: NativeBuildStatus | null;
    readonly problem: TensorRtProblem | null;
  };
  /** Null when the addon did not load (nothing could ask CUDA). */
  readonly cuda: { readonly driverVersion: string | null; readonly runtimeVersion: string | null; readonly error: string | null } | null;
  /** Null when the addon did not load. */
  readonly gpus: readonly NativeDeviceInfo[] | null;
  /** Null when the addon did not load. */
  readonly tensorrt: NativeRuntimeInfo['tensorrt'] | null;
  /** Whether `compare` can run a TensorRT engine on GPU `device`, and if not, why (also listed in `problems`). */
  readonly tensorrtUsable: { readonly device: number; readonly usable: boolean; readonly reason: string | null };
  /** Every problem found, each with its fix, most fundamental first. */
  readonly problems: readonly TensorRtProblem[];
}

function message(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0]! : String(err);
}

function glibcVersion(): string | null {
  try {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: unknown } } | undefined)?.header;
    return typeof header?.glibcVersionRuntime === 'string' ? header.glibcVersionRuntime : null;
  } catch {
    return null;
  }
}

async function onnxRuntimeInfo(): Promise<DoctorReport['onnxruntime']> {
  try {
    const ort = (await import('onnxruntime-node')) as { env?: { versions?: Record<string, string> }; listSupportedBackends?: () => { name: string; bundled: boolean }[] };
    const version = ort.env?.versions?.['node'] ?? ort.env?.versions?.['common'] ?? null;
    const backends = typeof ort.listSupportedBackends === 'function' ? ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled })) : null;
    return { version, backends, error: null, hints: [] };
  } catch (err) {
    return { version: null, backends: null, error: message(err), hints: ['reinstall it: npm rebuild onnxruntime-node (its native binding did not load)'] };
  }
}

async function sharpInfo(): Promise<DoctorReport['sharp']> {
  try {
    const sharp = (await import('sharp')).default as unknown as { versions?: Record<string, string | undefined> };
    return { version: sharp.versions?.['sharp'] ?? null, libvips: sharp.versions?.['vips'] ?? null, error: null, hints: [] };
  } catch (err) {
    return { version: null, libvips: null, error: message(err), hints: ['reinstall it for this platform: npm install --os=' + process.platform + ' --cpu=' + process.arch + ' sharp (see sharp\'s install docs)'] };
  }
}

/**
 * Collects the doctor report. Never throws for a missing or broken dependency: each one shows as
 * an error field and, for TensorRT, a classified problem with its fix.
 * @param options.device The GPU `tensorrtUsable` is judged for. Defaults to 0.
 */
export async function collectDoctorReport(options: LoadAddonOptions & { readonly device?: number } = {}): Promise<DoctorReport> {
  const device = options.device ?? 0;
  const [onnxruntime, sharp] = await Promise.all([onnxRuntimeInfo(), sharpInfo()]);
  const node: DoctorReport['node'] = {
    version: process.version,
    platform: process.platform,
    arch: process.arch,
    napiVersion: process.versions.napi ?? null,
    glibc: process.platform === 'linux' ? glibcVersion() : null,
  };
  const build = readNativeStatus(options.root ?? packageRoot()).status;
  const load = loadAddon(options);
  const problems: TensorRtProblem[] = [];
  if (!load.ok) {
    problems.push(load.problem);
    return {
      node, onnxruntime, sharp,
      addon: { path: load.path, loaded: false, expectedAbiVersion: NATIVE_ABI_VERSION, build, problem: load.problem },
      cuda: null, gpus: null, tensorrt: null,
      tensorrtUsable: { device, usable: false, reason: load.problem.reason },
      problems,
    };
  }
  const info = runtimeInfoOf(load.addon);
  const av = checkTensorRtAvailability({ ...options, device });
  if ('error' in info) {
    const problem = av.available ? null : { reason: av.reason, message: av.message, hints: av.hints, detail: av.detail };
    if (problem) problems.push(problem);
    return {
      node, onnxruntime, sharp,
      addon: { path: load.path, loaded: true, expectedAbiVersion: NATIVE_ABI_VERSION, build, problem },
      cuda: null, gpus: null, tensorrt: null,
      tensorrtUsable: { device, usable: false, reason: problem?.reason ?? 'addon-load-failed' },
      problems,
    };
  }
  // Problems independent of the device asked for come first; the device one only when it differs.
  const visible = (options.env ?? process.env)['CUDA_VISIBLE_DEVICES'];
  const general = classifyRuntimeInfo(info, { device: info.devices[0]?.index ?? device, status: build, cudaVisibleDevices: visible });
  if (general !== null) problems.push(general);
  // classifyRuntimeInfo stops at the first blocker; doctor also lists the CUDA and libnvinfer
  // problems behind it, so that one run shows every fix.
  const cuda = classifyCuda(info, info.devices[0]?.index ?? device, visible);
  const library = info.tensorrt.builtIn ? classifyLibrary(info.tensorrt) : null;
  for (const p of [cuda, library]) if (p !== null && !problems.some((q) => q.reason === p.reason)) problems.push(p);
  if (!av.available && !problems.some((p) => p.reason === av.reason)) problems.push({ reason: av.reason, message: av.message, hints: av.hints, detail: av.detail });
  return {
    node, onnxruntime, sharp,
    addon: { path: load.path, loaded: true, expectedAbiVersion: NATIVE_ABI_VERSION, build, problem: null },
    cuda: { driverVersion: formatCudaVersion(info.cudaDriverVersion), runtimeVersion: formatCudaVersion(info.cudaRuntimeVersion), error: info.cudaError },
    gpus: info.devices,
    tensorrt: { ...info.tensorrt },
    tensorrtUsable: { device, usable: av.available, reason: av.available ? null : av.reason },
    problems,
  };
}
