/**
 * Pure classification of everything that can stop the TensorRT backend before an engine is
 * loaded: the addon file, dlopen, the ABI, the CUDA driver and GPUs, and libnvinfer.
 * Takes data (paths, error text, runtime info) and returns a TensorRtProblem; touches nothing.
 */
import { majorOf, type TensorRtProblem } from './availability.js';
import type { NativeBuildStatus } from './native-status.js';
import { NATIVE_ABI_VERSION, type NativeRuntimeInfo } from './native-contract.js';

const BUILD = 'npm run build:native';
const SET_ROOT = `set TENSORRT_ROOT to the TensorRT folder that holds include/NvInfer.h, then run \`${BUILD}\``;

function firstLine(text: string): string {
  return text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '') ?? '';
}

function lines(text: string | null | undefined): string[] {
  return (text ?? '').split(/\r?\n/).map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
}

/** What the build status says about CUDA and TensorRT headers, as detail lines. */
function statusDetail(status: NativeBuildStatus | null): string[] {
  if (status === null) return [];
  const out: string[] = [];
  const { cuda, tensorrt, addon } = status;
  if (cuda.found !== null) out.push(`CUDA toolkit: ${cuda.found ? `found${cuda.version ? ` (${cuda.version})` : ''}` : `not found${cuda.reason ? ` (${cuda.reason})` : ''}`}`);
  if (tensorrt.found !== null) out.push(`TensorRT headers: ${tensorrt.found ? `found${tensorrt.headerVersion ? ` (${tensorrt.headerVersion})` : ''}` : `not found${tensorrt.reason ? ` (${tensorrt.reason})` : ''}`}`);
  if (status.cmake.found === false) out.push(`cmake: not found${status.cmake.reason ? ` (${status.cmake.reason})` : ''}`);
  if (addon.error !== null) out.push(...lines(addon.error));
  if (addon.built === false && addon.error !== null) out.push(...status.logTail.slice(-15));
  return out;
}

/**
 * The addon file is absent. The build status, when there is one, says why it was not built.
 * @param addonPath Where the addon was looked for.
 * @param fromEnv True when that path came from $TRT_PARITY_ADDON.
 * @param status The parsed build/native-status.json, or null when absent or unreadable.
 * @param defaultPath The default location, named when $TRT_PARITY_ADDON points elsewhere.
 */
export function explainAddonNotBuilt(addonPath: string, fromEnv: boolean, status: NativeBuildStatus | null, defaultPath?: string): TensorRtProblem {
  const reason = 'addon-not-built' as const;
  const detail = statusDetail(status);
  if (fromEnv) {
    return {
      reason,
      message: `TensorRT addon not found: TRT_PARITY_ADDON points to ${addonPath}, which does not exist`,
      hints: [`fix TRT_PARITY_ADDON, or unset it to use ${defaultPath ?? 'build/Release/trt_parity.node'}`],
      detail,
    };
  }
  const prefix = `TensorRT addon not built (${addonPath} does not exist)`;
  if (status === null) {
    return {
      reason,
      message: `${prefix}: the native build has not run`,
      hints: [`run \`${BUILD}\`; it needs the CUDA toolkit, and TENSORRT_ROOT set to the TensorRT folder that holds include/NvInfer.h`],
      detail,
    };
  }
  if (status.cuda.found === false) {
    return {
      reason,
      message: `${prefix}: no CUDA toolkit was found when building${status.cuda.reason ? ` (${status.cuda.reason})` : ''}`,
      hints: [`install the CUDA toolkit, or set CUDA_PATH to the one you have, then run \`${BUILD}\``],
      detail,
    };
  }
  if (status.cmake.found === false) {
    return {
      reason,
      message: `${prefix}: cmake was not found when building${status.cmake.reason ? ` (${status.cmake.reason})` : ''}`,
      hints: [`install cmake (3.15 or newer), then run \`${BUILD}\``],
      detail,
    };
  }
  if (status.skipped !== null) {
    return {
      reason,
      message: `${prefix}: the native build was skipped (${status.skipped})`,
      hints: [`run \`${BUILD}\`${/TRT_PARITY_SKIP_NATIVE/.test(status.skipped) ? ' without TRT_PARITY_SKIP_NATIVE=1' : ''}`],
      detail,
    };
  }
  if (status.addon.built === false && status.addon.error !== null) {
    return {
      reason,
      message: `${prefix}: compiling the addon failed: ${firstLine(status.addon.error)}`,
      hints: [`run \`${BUILD}\` to see the full compiler output, fix the cause, and build again`],
      detail,
    };
  }
  if (status.tensorrt.found === false) {
    return {
      reason,
      message: `${prefix}: the TensorRT headers were not found when building${status.tensorrt.reason ? ` (${status.tensorrt.reason})` : ''}`,
      hints: [SET_ROOT],
      detail,
    };
  }
  if (status.addon.built === true) {
    return {
      reason,
      message: `${prefix}, although build/native-status.json says it was built`,
      hints: [`run \`${BUILD}\` again; if you moved the addon, point TRT_PARITY_ADDON at it`],
      detail,
    };
  }
  return {
    reason,
    message: `${prefix}: the native build did not produce it`,
    hints: [`run \`${BUILD}\` and read its output; it needs the CUDA toolkit and the TensorRT headers (TENSORRT_ROOT)`],
    detail,
  };
}

/** The build status file exists but is not JSON: say so instead of guessing. */
export function explainUnreadableStatus(addonPath: string, statusPath: string, error: string): TensorRtProblem {
  return {
    reason: 'addon-not-built',
    message: `TensorRT addon not built (${addonPath} does not exist); ${statusPath} is unreadable: ${firstLine(error)}`,
    hints: [`run \`${BUILD}\` again; it rewrites ${statusPath}`],
    detail: [],
  };
}

/**
 * `require()` of an existing addon file failed. The dlopen text decides the hint: glibc or libstdc++
 * too old, a shared library not on the search path, a file for another platform, addons disabled.
 */
export function explainAddonLoadError(addonPath: string, error: unknown): TensorRtProblem {
  const text = error instanceof Error ? error.message : String(error);
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
  const detail = lines(text);
  const head = firstLine(text).replace(addonPath + ': ', '');
  const base = { detail };

  const glibc = /version [`']?(GLIBC_[\d.]+)'? not found/.exec(text);
  if (glibc) {
    return { ...base, reason: 'addon-load-failed', message: `TensorRT addon ${addonPath} cannot be loaded: it needs ${glibc[1]}, newer than this system's C library`, hints: [`rebuild the addon on this machine: \`${BUILD}\``, 'or run on a system with a newer glibc (the one the addon was built on)'] };
  }
  const cxx = /version [`']?((?:GLIBCXX|CXXABI)_[\d.]+)'? not found/.exec(text);
  if (cxx) {
    return { ...base, reason: 'addon-load-failed', message: `TensorRT addon ${addonPath} cannot be loaded: it needs ${cxx[1]}, newer than the libstdc++ found first`, hints: [`rebuild the addon on this machine: \`${BUILD}\``, "or put a newer libstdc++.so.6 first on LD_LIBRARY_PATH (e.g. the compiler's lib64 folder, or conda's lib folder)"] };
  }
  const missingLib = /(lib[\w.+-]+\.so[\w.]*): cannot open shared object file/.exec(text);
  if (missingLib) {
    const lib = missingLib[1]!;
    if (/^libnvinfer/.test(lib)) {
      return { ...base, reason: 'libnvinfer-missing', message: `TensorRT addon ${addonPath} cannot be loaded: ${lib} was not found`, hints: [`install the TensorRT runtime that provides ${lib} and add its lib folder to LD_LIBRARY_PATH`, `or rebuild the addon against the TensorRT you have: ${SET_ROOT}`] };
    }
    const cuda = /^lib(cudart|cuda|cublas)/.test(lib);
    return { ...base, reason: 'addon-load-failed', message: `TensorRT addon ${addonPath} cannot be loaded: ${lib} was not found`, hints: cuda ? [`install the NVIDIA driver / CUDA runtime that provides ${lib}, or add its folder to LD_LIBRARY_PATH`, `or rebuild the addon: \`${BUILD}\``] : [`add the folder holding ${lib} to LD_LIBRARY_PATH, or rebuild the addon: \`${BUILD}\``] };
  }
  if (code === 'ERR_DLOPEN_DISABLED' || /--no-addons/.test(text)) {
    return { ...base, reason: 'addon-load-failed', message: 'TensorRT addon cannot be loaded: Node.js runs with native addons disabled', hints: ['run Node.js without --no-addons (check NODE_OPTIONS)'] };
  }
  if (/invalid ELF header|wrong ELF class|file too short|not a valid Win32|mach-o/i.test(text)) {
    return { ...base, reason: 'addon-load-failed', message: `TensorRT addon ${addonPath} is not a loadable library for this platform (${process.platform}-${process.arch}): ${head}`, hints: [`rebuild it on this machine: \`${BUILD}\``] };
  }
  if (/NODE_MODULE_VERSION|undefined symbol/.test(text)) {
    return { ...base, reason: 'addon-load-failed', message: `TensorRT addon ${addonPath} was built for other libraries or another Node.js: ${head}`, hints: [`rebuild it with this Node.js (${process.version}): \`${BUILD}\``] };
  }
  return { ...base, reason: 'addon-load-failed', message: `TensorRT addon ${addonPath} cannot be loaded: ${head || 'unknown error'}`, hints: [`rebuild it on this machine: \`${BUILD}\``] };
}

/** The module loaded but is not the addon this code was written for. */
export function explainAbiMismatch(addonPath: string, found: unknown): TensorRtProblem {
  const what = typeof found === 'number' ? `ABI version ${found}` : 'no ABI version (not a trt-parity addon, or one older than ABI versioning)';
  return {
    reason: 'abi-mismatch',
    message: `TensorRT addon ${addonPath} has ${what}; this trt-parity needs ABI version ${NATIVE_ABI_VERSION}`,
    hints: [`the addon is stale: rebuild it with \`${BUILD}\``],
    detail: [],
  };
}

/** CUDA writes the error as "cudaErrorX (n): text"; pick out the name. */
function cudaErrorName(text: string | null): string {
  return /cudaError\w+/.exec(text ?? '')?.[0] ?? '';
}

/**
 * Whether the loaded addon can run engines on `device`, judged from getRuntimeInfo().
 * Order follows what blocks what: no TensorRT in the build, no driver, no GPU, wrong index, no libnvinfer.
 * Returns null when nothing is wrong (or when libnvinfer was not probed yet: the addon dlopens it lazily).
 * @param context.device The GPU index asked for. Defaults to 0.
 * @param context.status The build status, used only to say why TensorRT was not built in.
 * @param context.cudaVisibleDevices The value of CUDA_VISIBLE_DEVICES, named when no GPU is seen.
 */
export function classifyRuntimeInfo(
  info: NativeRuntimeInfo,
  context: { device?: number; status?: NativeBuildStatus | null; cudaVisibleDevices?: string | undefined } = {},
): TensorRtProblem | null {
  const { device = 0, status = null, cudaVisibleDevices: visible } = context;
  const trt = info.tensorrt;
  if (!trt.builtIn) {
    const why = status?.tensorrt.found === false && status.tensorrt.reason ? ` (${status.tensorrt.reason})` : '';
    return { reason: 'tensorrt-not-built-in', message: `The TensorRT addon was compiled without TensorRT headers${why}, so it cannot load engines`, hints: [SET_ROOT], detail: statusDetail(status) };
  }
  return classifyCuda(info, device, visible) ?? classifyLibrary(trt);
}

/**
 * The CUDA part of classifyRuntimeInfo alone: no driver, a driver too old, no GPU, no GPU `device`.
 * Null when a GPU `device` is there.
 */
export function classifyCuda(info: NativeRuntimeInfo, device = 0, cudaVisibleDevices?: string): TensorRtProblem | null {
  const visible = cudaVisibleDevices;
  const cudaDetail = info.cudaError ? [info.cudaError] : [];
  const errName = cudaErrorName(info.cudaError);
  if (info.cudaDriverVersion === 0 || errName === 'cudaErrorInsufficientDriver') {
    const runtime = formatCudaVersion(info.cudaRuntimeVersion);
    if (errName === 'cudaErrorInsufficientDriver' && info.cudaDriverVersion !== 0) {
      return { reason: 'no-cuda-driver', message: `The NVIDIA driver supports CUDA ${formatCudaVersion(info.cudaDriverVersion)}, older than the CUDA ${runtime} runtime the addon was built with`, hints: [`update the NVIDIA driver to one that supports CUDA ${runtime} (check with nvidia-smi)`, 'or rebuild the addon with an older CUDA toolkit that matches the driver'], detail: cudaDetail };
    }
    return { reason: 'no-cuda-driver', message: `No NVIDIA driver found${info.cudaError ? `: ${info.cudaError}` : ''}`, hints: ['install the NVIDIA driver; `nvidia-smi` should list your GPU', 'in a container, run it with GPU access (e.g. docker run --gpus all)'], detail: cudaDetail };
  }
  if (info.devices.length === 0) {
    const hints = ['check that `nvidia-smi` lists a GPU'];
    if (visible !== undefined) hints.unshift(`CUDA_VISIBLE_DEVICES is set to '${visible}': unset it or name a valid GPU`);
    return { reason: 'no-gpu', message: `No CUDA-capable GPU found${info.cudaError ? `: ${info.cudaError}` : ''}`, hints, detail: cudaDetail };
  }
  if (!info.devices.some((d) => d.index === device)) {
    const list = info.devices.map((d) => `${d.index}: ${d.name}`).join(', ');
    return { reason: 'device-not-found', message: `There is no GPU ${device}; this machine has ${info.devices.length} (${list})`, hints: [`pass --device with one of: ${info.devices.map((d) => d.index).join(', ')}`], detail: [] };
  }
  return null;
}

/** libnvinfer could not be loaded, or is of another major than the headers the addon was built with. */
export function classifyLibrary(trt: NativeRuntimeInfo['tensorrt']): TensorRtProblem | null {
  const want = majorOf(trt.headerVersion);
  const lib = trt.libraryName ?? (want === null ? 'libnvinfer' : `libnvinfer.so.${want}`);
  const got = majorOf(trt.libraryVersion);
  const wrongMajor = (got !== null && want !== null && got !== want) || (trt.libraryError !== null && /major/i.test(trt.libraryError));
  if (wrongMajor) {
    return {
      reason: 'libnvinfer-wrong-major',
      message: `The TensorRT library ${lib}${trt.libraryVersion ? ` is version ${trt.libraryVersion}` : ' is of another major version'}, but the addon was built against TensorRT ${trt.headerVersion ?? '?'} headers`,
      hints: [`install TensorRT ${want ?? trt.headerVersion ?? ''} and put its lib folder on LD_LIBRARY_PATH (or set TRT_PARITY_LIBNVINFER to its libnvinfer.so.${want ?? 'N'})`, `or rebuild the addon against the installed TensorRT: ${SET_ROOT}`],
      detail: lines(trt.libraryError),
    };
  }
  if (trt.libraryError !== null && /older than the .*headers/i.test(trt.libraryError)) {
    return {
      reason: 'libnvinfer-too-old',
      message: `The TensorRT library ${lib}${trt.libraryVersion ? ` is version ${trt.libraryVersion},` : ' is'} older than the TensorRT ${trt.headerVersion ?? '?'} headers the addon was built against`,
      hints: [`install TensorRT ${trt.headerVersion ?? `${want ?? ''}.x`} or newer of the same major, and put its lib folder first on LD_LIBRARY_PATH`, `or rebuild the addon against the installed TensorRT's headers: ${SET_ROOT}`],
      detail: lines(trt.libraryError),
    };
  }
  if (trt.libraryError !== null) {
    // The addon's text may begin by repeating the library name; say it once.
    const why = firstLine(trt.libraryError).replace(/^could not (?:load|open) \S+: /i, '');
    return {
      reason: 'libnvinfer-missing',
      message: `The TensorRT library ${lib} could not be loaded: ${why}`,
      hints: [`install the TensorRT${want === null ? '' : ` ${want}`} runtime and add its lib folder to LD_LIBRARY_PATH`, `or set TRT_PARITY_LIBNVINFER to the full path of ${lib}`],
      detail: lines(trt.libraryError),
    };
  }
  return null;
}

/** CUDA's integer versions (12040, 13000) as "12.4", "13.0"; null for 0 (absent). */
export function formatCudaVersion(v: number): string | null {
  if (!Number.isFinite(v) || v <= 0) return null;
  return `${Math.floor(v / 1000)}.${Math.floor((v % 1000) / 10)}`;
}
