/**
 * Pure classification of errors the addon rejects with while loading or running an engine.
 * The `code` property (NativeErrorCode) decides; the message text is only used to word the
 * message better, and as a fallback for errors that carry no code.
 */
import type { TensorRtProblem } from './availability.js';
import { classifyLibrary, classifyRuntimeInfo } from './classify-availability.js';
import type { NativeErrorCode, NativeRuntimeInfo } from './native-contract.js';
import { threePartVersion } from './plan-file.js';

export interface EngineErrorContext {
  /** The engine file as the user gave it. */
  readonly enginePath: string;
  readonly phase: 'load' | 'run';
  /** From the plan header (plan-file.ts), "10.0.1.6"; null when unknown. */
  readonly planVersion: string | null;
  /** Whether the engine was loaded with host code allowed (phase "load"); a failure without it gets the host-code hint. */
  readonly allowHostCode?: boolean;
  /** getRuntimeInfo() of the loaded addon, for the library version and the device; null when unknown. */
  readonly runtime: NativeRuntimeInfo | null;
  readonly device: number;
  /** The input being run (phase "run"), named in messages. */
  readonly key?: string;
}

export interface ClassifiedEngineError {
  readonly problem: TensorRtProblem;
  /** TensorRT log lines carried by the error (every line of its message after the first). */
  readonly logs: readonly string[];
}

const KNOWN_CODES: readonly NativeErrorCode[] = [
  'ERR_TRT_NOT_BUILT', 'ERR_TRT_LIBRARY', 'ERR_CUDA', 'ERR_NO_DEVICE', 'ERR_ENGINE_INCOMPATIBLE',
  'ERR_ENGINE_HOST_CODE', 'ERR_ENGINE_UNSUPPORTED', 'ERR_INVALID_ARGUMENT', 'ERR_DISPOSED', 'ERR_TRT',
];

/** The NativeErrorCode of an error, or null when it has none we know. */
export function nativeErrorCode(error: unknown): NativeErrorCode | null {
  const code = typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
  return typeof code === 'string' && (KNOWN_CODES as readonly string[]).includes(code) ? (code as NativeErrorCode) : null;
}

/** The line worth quoting (without the addon's indent): the first that matches `pattern`, else TensorRT's own error line, else the first. */
function keyLine(lines: readonly string[], pattern?: RegExp): string {
  return ((pattern && lines.find((l) => pattern.test(l))) ?? lines.find((l) => /Error Code \d+|expecting|incompatible|not compatible|Version tag|Magic tag/i.test(l)) ?? lines[0] ?? 'unknown error').trim();
}

/*
 * What TensorRT says, by class (its closed-source wording, quoted from public reports; the tests cite each):
 * - a plugin creator missing: "Cannot deserialize plugin since corresponding IPluginCreator not found in
 *   Plugin Registry", often after "getPluginCreator could not find plugin X version 1" or
 *   "Cannot find plugin: X, version: 1, namespace:.".
 * - truncated or damaged: "Size specified in header does not match archive size" (8.x+), "Length in header
 *   does not match remaining archive length" (7.x); "Magic tag does not match" for bytes that are no plan,
 *   worded "Serialization assertion header.magicTag == kEXPECTED_MAGIC_TAG failed.Trying to load an engine
 *   created with incompatible serialization version (A != B)" by the 10.16.1 and 11.4.0 runtimes, where B
 *   is "ftrt" read little-endian (fixtures/tensorrt/real-logs-2026-12-02.json): despite "version", the
 *   file does not start as a plan.
 * - another platform: "Serialization assertion header.pad == expectedPlatformTag failed.Platform specific
 *   tag mismatch detected. TensorRT plan files are only supported on the target runtime platform they were
 *   created on." (10.16.1 and 11.4.0, same fixture), for every ftrt plan not written by NVIDIA's builder for
 *   this platform; it comes before the version and size checks, so it wins over them.
 * - another TensorRT: "Version tag does not match" / "Serialization assertion stdVersionRead ==
 *   serializationVersion failed" (8.x), "expecting library version X got Y" (8.0, 10.x).
 * - out of memory: "Error Code 2: OutOfMemory", "Requested amount of GPU memory (N bytes) could not be
 *   allocated", "Cuda Error in allocate: 2 (out of memory)".
 * The plugin and size texts are also "Serialization assertion ... failed", so they are tested first.
 */
const PLUGIN_TEXT = /IPluginCreator not found in Plugin Registry|getPluginCreator could not find plugin|Cannot find plugin:/i;
const PLUGIN_NAME = /could not find plugin (\S+) version (\S+)|Cannot find plugin: ([^,\s]+), version: ([^,\s]+)/i;
const MAGIC_TEXT = /Magic tag does not match|magicTag == \w*MAGIC_TAG failed/i;
const DAMAGED_TEXT = new RegExp(`Size specified in header does not match archive size|Length in header does not match remaining archive length|${MAGIC_TEXT.source}`, 'i');
const PLATFORM_TEXT = /Platform specific tag mismatch|header\.pad == expectedPlatformTag failed/i;
const VERSION_TEXT = /Version tag does not match|Serialization assertion \w*VersionRead == \w*[sS]erializationVersion failed|expecting library version|not compatible with this version of TensorRT/i;
const GPU_TEXT = /incompatible device/i;
const OOM_TEXT = /out of memory|OutOfMemory|Requested amount of GPU memory|cudaErrorMemoryAllocation/i;
const INCOMPATIBLE_TEXT = /not compatible with this version of TensorRT|incompatible device|Version tag does not match|Magic tag|Serialization assertion|IPluginCreator not found|Size specified in header/i;
const HOST_CODE_HINT = 'if the engine was built with --versionCompatible (it then embeds a lean TensorRT runtime), pass --allow-engine-host-code: that runs code from the engine file, so only for engines you trust';
const REBUILD_HINT = (enginePath: string): string => `rebuild the engine on this machine: trtexec --onnx=<model.onnx> --saveEngine=${enginePath}`;

/**
 * Classifies an addon error from loadEngine() or infer().
 * @returns The problem to report (wrap it in TensorRtError) and the TensorRT log lines.
 */
export function classifyEngineError(error: unknown, ctx: EngineErrorContext): ClassifiedEngineError {
  const text = error instanceof Error ? error.message : String(error);
  const all = text.split(/\r?\n/).map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  const logs = all.slice(1);
  const line = keyLine(all);
  const detail = all;
  const file = ctx.enginePath;
  const where = ctx.phase === 'run' && ctx.key !== undefined ? `${file} on ${ctx.key}` : file;
  let code = nativeErrorCode(error);
  if (code === null && INCOMPATIBLE_TEXT.test(text)) code = 'ERR_ENGINE_INCOMPATIBLE';
  if (code === null && /host code/i.test(text)) code = 'ERR_ENGINE_HOST_CODE';

  const done = (p: Omit<TensorRtProblem, 'detail'> & { detail?: readonly string[] }): ClassifiedEngineError => ({ problem: { detail, ...p }, logs });
  // Deserialization failed (whatever the addon's code says): classify by TensorRT's own words.
  const deserializing = ctx.phase === 'load' && (code === 'ERR_ENGINE_INCOMPATIBLE' || code === 'ERR_CUDA' || code === 'ERR_TRT' || code === 'ERR_ENGINE_HOST_CODE');
  // Any load failure with host code not allowed may be a version-compatible plan: say how to allow it.
  const hostHint = ctx.phase === 'load' && ctx.allowHostCode !== true && code !== 'ERR_ENGINE_HOST_CODE' && deserializing ? [HOST_CODE_HINT] : [];
  if (deserializing && PLUGIN_TEXT.test(text)) {
    const m = PLUGIN_NAME.exec(text);
    const plugin = m ? ` (${m[1] ?? m[3]} version ${m[2] ?? m[4]})` : '';
    return done({ reason: 'engine-plugin-missing', message: `${file}: the engine uses a TensorRT plugin${plugin} that no loaded library provides: ${keyLine(all, PLUGIN_TEXT)}`, hints: ['pass the plugin library the engine was built with: --plugins <lib.so>', "NVIDIA's own plugins (e.g. EfficientNMS_TRT) come from libnvinfer_plugin: install it next to libnvinfer", ...hostHint] });
  }
  if (deserializing && PLATFORM_TEXT.test(text)) {
    // No host-code hint: the real runtimes gave the same text with host code allowed (the fixture's
    // double-plan-host-code-allowed case), so allowing it cannot help.
    return done({ reason: 'engine-incompatible', message: `${file}: TensorRT cannot load this engine here: its plan header's platform tag is not this runtime's, so it was built for another platform (operating system or CPU architecture) or not by NVIDIA's TensorRT builder: ${keyLine(all, PLATFORM_TEXT)}`, hints: [`rebuild the engine on the machine (OS and CPU architecture) that runs it: trtexec --onnx=<model.onnx> --saveEngine=${file}`, 'TensorRT plans load only on the platform they were built on; an engine from another tool or a test double is refused here before its version is checked'] });
  }
  if (deserializing && DAMAGED_TEXT.test(text)) {
    const magic = MAGIC_TEXT.test(text);
    return done({ reason: 'engine-damaged', message: `${file}: ${magic ? 'TensorRT found no valid plan in it (not a TensorRT plan, or damaged)' : 'the engine file is truncated or damaged'}: ${keyLine(all, DAMAGED_TEXT)}`, hints: ['copy the engine file again (a partial download or copy truncates it), or rebuild it: trtexec --onnx=<model.onnx> --saveEngine=' + file, ...hostHint] });
  }
  if (deserializing && (VERSION_TEXT.test(text) || GPU_TEXT.test(text))) code = 'ERR_ENGINE_INCOMPATIBLE';
  else if (code !== 'ERR_ENGINE_HOST_CODE' && OOM_TEXT.test(text)) {
    return done({ reason: 'out-of-memory', message: `${where}: not enough GPU memory to ${ctx.phase === 'load' ? 'load the engine' : 'run it'}: ${keyLine(all, OOM_TEXT)}`, hints: ['free GPU memory (see `nvidia-smi` for other processes), or use a smaller batch or optimization profile'] });
  }

  switch (code) {
    case 'ERR_ENGINE_INCOMPATIBLE':
      return done({ reason: 'engine-incompatible', message: `${file}: TensorRT cannot load this engine here: ${incompatibility(text, keyLine(all, VERSION_TEXT.test(text) ? VERSION_TEXT : GPU_TEXT.test(text) ? GPU_TEXT : undefined), ctx)}`, hints: [REBUILD_HINT(file), 'an engine runs only with the TensorRT version and GPU model it was built with, unless built with --versionCompatible or --hardwareCompatibilityLevel=ampere+', ...hostHint] });
    case 'ERR_ENGINE_HOST_CODE':
      return done({ reason: 'engine-needs-host-code', message: `${file}: this engine embeds TensorRT runtime code (a version-compatible plan), which trt-parity does not run unless allowed`, hints: ['pass --allow-engine-host-code to load it', 'that runs native code stored inside the engine file: only allow it for engines you built or trust', REBUILD_HINT(file) + ' (without --versionCompatible)'] });
    case 'ERR_ENGINE_UNSUPPORTED':
      return done({ reason: 'engine-unsupported', message: `${file}: the engine uses something trt-parity cannot run: ${line}`, hints: ['rebuild the engine with linear float32/float16 I/O: trtexec ... --inputIOFormats=fp32:chw --outputIOFormats=fp32:chw'] });
    case 'ERR_TRT_LIBRARY': {
      const trt = ctx.runtime?.tensorrt ?? { builtIn: true, headerVersion: null, libraryName: null, libraryVersion: null, libraryError: null };
      const lib = classifyLibrary({ ...trt, libraryError: trt.libraryError ?? text });
      if (lib !== null) return done({ ...lib, detail: [...lib.detail, ...detail.filter((l) => !lib.detail.includes(l))] });
      return done({ reason: 'libnvinfer-missing', message: `The TensorRT library could not be loaded: ${line}`, hints: ['install the TensorRT runtime and add its lib folder to LD_LIBRARY_PATH'] });
    }
    case 'ERR_TRT_NOT_BUILT':
      return done({ reason: 'tensorrt-not-built-in', message: 'The TensorRT addon was compiled without TensorRT headers, so it cannot load engines', hints: ['set TENSORRT_ROOT to the TensorRT folder that holds include/NvInfer.h, then run `npm run build:native`'] });
    case 'ERR_NO_DEVICE': {
      const fromInfo = ctx.runtime === null ? null : classifyRuntimeInfo(ctx.runtime, { device: ctx.device });
      if (fromInfo !== null && !fromInfo.reason.startsWith('libnvinfer-')) return done(fromInfo);
      return done({ reason: 'device-not-found', message: `There is no GPU ${ctx.device}: ${line}`, hints: ['pass --device with the index of a GPU that `nvidia-smi` lists'] });
    }
    case 'ERR_CUDA': {
      const oom = /out of memory|cudaErrorMemoryAllocation/i.test(text);
      return done({
        reason: 'cuda-error',
        message: `${where}: a CUDA call failed while ${ctx.phase === 'load' ? 'loading the engine' : 'running it'}: ${line}`,
        hints: hostHint.length > 0 ? ['check the GPU with `nvidia-smi`', ...hostHint] : oom ? ['free GPU memory (see `nvidia-smi` for other processes), or use a smaller batch or optimization profile'] : ['check the GPU with `nvidia-smi`; if it repeats, rerun with TensorRT logging at verbose and report the log'],
      });
    }
    case 'ERR_INVALID_ARGUMENT':
      // trt-parity pre-checks names, dtypes and profile ranges, but not what only TensorRT knows
      // (shape-tensor values that give an impossible shape, a plugin file that does not load).
      return done({ reason: 'invalid-request', message: `${where}: TensorRT rejected the request: ${line}`, hints: ['the TensorRT log lines (--verbose) say which value it refused; check shape-tensor values and --plugins paths'] });
    case 'ERR_DISPOSED':
      return done({ reason: 'disposed', message: `${file}: the TensorRT engine was already disposed`, hints: [] });
    default:
      return done({ reason: 'tensorrt-error', message: `${where}: TensorRT failed while ${ctx.phase === 'load' ? 'loading the engine' : 'running it'}: ${line}`, hints: ['rerun with --trt-log-level verbose for the full log', ...hostHint] });
  }
}

/** Why a plan does not fit, worded from TensorRT's text and the plan header. */
function incompatibility(text: string, line: string, ctx: EngineErrorContext): string {
  const library = ctx.runtime?.tensorrt.libraryVersion ?? null;
  const gpu = /incompatible device, expecting compute ([\d.]+) got compute ([\d.]+)/i.exec(text);
  if (gpu) {
    const dev = ctx.runtime?.devices.find((d) => d.index === ctx.device);
    // TensorRT's wording does not say which side is the plan's, so quote it rather than guess.
    return `it was built for a GPU of another compute capability (TensorRT: "expecting compute ${gpu[1]} got compute ${gpu[2]}"${dev ? `; this GPU is ${dev.name}, compute ${dev.computeCapability}` : ''})`;
  }
  if (/Magic tag|magicTag|got 0\.0\.0/i.test(text)) {
    return 'the file is not a TensorRT plan, or is damaged (TensorRT found no valid plan header)';
  }
  if (ctx.planVersion !== null && library !== null && threePartVersion(ctx.planVersion) !== library && /not compatible with this version|Version tag|expecting library version|serialization version|VersionRead/i.test(text)) {
    return `it was built by TensorRT ${ctx.planVersion} (per the plan header), and this is TensorRT ${library}`;
  }
  // Match TensorRT's own wording only: the addon's advice text also says "TensorRT version".
  if (/not compatible with this version of TensorRT|Version tag does not match|expecting library version|serialization version/i.test(text)) {
    return `it was built by another TensorRT version${ctx.planVersion !== null ? ` (${ctx.planVersion}, per the plan header)` : ''}${library !== null ? `; this is TensorRT ${library}` : ''}: ${line}`;
  }
  return `TensorRT could not deserialize it${ctx.planVersion !== null ? ` (plan header says TensorRT ${ctx.planVersion}${library !== null ? `, this is ${library}` : ''})` : ''}: ${line}`;
}
