/**
 * The only module that loads the native addon. It does so lazily (on the first call, never at
 * import), from $TRT_PARITY_ADDON or <package root>/build/Release/trt_parity.node, and turns every
 * way that can fail into a classified Availability with the fix. Nothing falls back silently.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Availability, TensorRtProblem } from './availability.js';
import { classifyRuntimeInfo, explainAbiMismatch, explainAddonLoadError, explainAddonNotBuilt, explainUnreadableStatus } from './classify-availability.js';
import { type AddonResolution, resolveAddon, systemHost } from './library-discovery.js';
import { NATIVE_ABI_VERSION, type NativeAddon, type NativeRuntimeInfo } from './native-contract.js';
import { NATIVE_STATUS_FILE, parseNativeStatus, type NativeBuildStatus } from './native-status.js';
import { TensorRtError } from './tensorrt-error.js';

/** Where the build puts the addon, relative to the package root. */
export const DEFAULT_ADDON_PATH = 'build/Release/trt_parity.node';
/** Overrides the addon path. */
export const ADDON_ENV = 'TRT_PARITY_ADDON';
/** Shown as the path of an addon injected with setAddonForTesting. */
export const INJECTED_PATH = '<injected>';

export interface LoadAddonOptions {
  /** Environment to read TRT_PARITY_ADDON and CUDA_VISIBLE_DEVICES from. Defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Package root holding build/. Defaults to the trt-parity package this file belongs to. */
  readonly root?: string;
  /** --trt-lib: the TensorRT library (or its folder) to load; wins over TRT_PARITY_LIBNVINFER and the search. */
  readonly trtLib?: string;
  /** TensorRT version in the plan header of the engine about to be loaded: picks the library's major. */
  readonly planVersion?: string | null;
}

export type AddonLoad =
  | { readonly ok: true; readonly addon: NativeAddon; readonly path: string }
  | { readonly ok: false; readonly path: string; readonly problem: TensorRtProblem };

let rootCache: string | undefined;
const loadCache = new Map<string, AddonLoad>();
let injected: AddonLoad | undefined;

/** The trt-parity package root, found by walking up from this file (works from src/ and dist/). */
export function packageRoot(): string {
  if (rootCache !== undefined) return rootCache;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'trt-parity') {
          rootCache = dir;
          return dir;
        }
      } catch {
        // an unreadable package.json on the way up is not ours; keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) {
      rootCache = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
      return rootCache;
    }
    dir = up;
  }
}

const resolutionCache = new Map<string, AddonResolution>();

/**
 * Which addon (prebuilt, built from source, $TRT_PARITY_ADDON) and which TensorRT library it should
 * open: library-discovery.ts decides; cached per process, as the search runs python3 and ldconfig.
 */
export function addonResolution(options: LoadAddonOptions = {}): AddonResolution {
  const root = options.root ?? packageRoot();
  const env = options.env ?? process.env;
  const key = JSON.stringify([root, env[ADDON_ENV], env['TRT_PARITY_LIBNVINFER'], options.trtLib, options.planVersion ?? null, options.env === undefined]);
  let r = resolutionCache.get(key);
  if (r === undefined) {
    const status = readNativeStatus(root).status;
    r = resolveAddon({ root, builtPath: DEFAULT_ADDON_PATH, builtHeaderVersion: status?.tensorrt.headerVersion ?? null, trtLib: options.trtLib, planVersion: options.planVersion ?? null, host: options.env === undefined ? undefined : systemHost(options.env) });
    resolutionCache.set(key, r);
  }
  return r;
}

/** Where the addon is looked for, and whether that came from $TRT_PARITY_ADDON. */
export function addonLocation(options: LoadAddonOptions = {}): { path: string; fromEnv: boolean; defaultPath: string } {
  const root = options.root ?? packageRoot();
  const defaultPath = join(root, DEFAULT_ADDON_PATH);
  const fromEnv = (options.env ?? process.env)[ADDON_ENV];
  return { path: fromEnv ? resolve(fromEnv) : addonResolution(options).path, fromEnv: Boolean(fromEnv), defaultPath };
}

/**
 * Tells the addon which libnvinfer to dlopen: it reads TRT_PARITY_LIBNVINFER once, on its first
 * TensorRT call, so this runs before the addon is loaded. Only for this process's own environment.
 */
function applyLibraryChoice(options: LoadAddonOptions): void {
  if (options.env !== undefined && options.env !== process.env) return;
  const selected = addonResolution(options).library.selected;
  if (selected !== null && process.env['TRT_PARITY_LIBNVINFER'] !== selected.path) process.env['TRT_PARITY_LIBNVINFER'] = selected.path;
}

/** build/native-status.json, parsed tolerantly; status null when absent or unreadable (error says why when unreadable). */
export function readNativeStatus(root: string = packageRoot()): { status: NativeBuildStatus | null; path: string; error: string | null } {
  const path = join(root, NATIVE_STATUS_FILE);
  if (!existsSync(path)) return { status: null, path, error: null };
  try {
    return { status: parseNativeStatus(JSON.parse(readFileSync(path, 'utf8'))), path, error: null };
  } catch (err) {
    return { status: null, path, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Checks that a loaded module is the addon this code was written for. */
function validateModule(mod: unknown, path: string): AddonLoad {
  const m = (typeof mod === 'object' || typeof mod === 'function') && mod !== null ? (mod as Record<string, unknown>) : {};
  const abi = m['abiVersion'];
  if (abi !== NATIVE_ABI_VERSION || typeof m['getRuntimeInfo'] !== 'function' || typeof m['loadEngine'] !== 'function' || typeof m['loadTensorRt'] !== 'function') {
    return { ok: false, path, problem: explainAbiMismatch(path, typeof abi === 'number' ? abi : undefined) };
  }
  return { ok: true, addon: mod as NativeAddon, path };
}

/**
 * Loads the addon (once per path; later calls return the cached outcome, success or failure).
 * Never throws: every failure is an `ok: false` with a classified problem.
 */
export function loadAddon(options: LoadAddonOptions = {}): AddonLoad {
  if (injected !== undefined) return injected;
  const { path, fromEnv, defaultPath } = addonLocation(options);
  const cached = loadCache.get(path);
  if (cached !== undefined) return cached;
  let result: AddonLoad;
  if (!existsSync(path)) {
    const { status, path: statusPath, error } = readNativeStatus(options.root ?? packageRoot());
    const problem = error !== null && !fromEnv ? explainUnreadableStatus(path, statusPath, error) : explainAddonNotBuilt(path, fromEnv, status, defaultPath);
    result = { ok: false, path, problem };
  } else {
    try {
      applyLibraryChoice(options);
      result = validateModule(createRequire(import.meta.url)(path), path);
    } catch (err) {
      result = { ok: false, path, problem: explainAddonLoadError(path, err) };
    }
  }
  loadCache.set(path, result);
  return result;
}

/**
 * getRuntimeInfo(): what the addon knows now, without loading libnvinfer (its version and error
 * are null until loadTensorRt or an engine load tried). The contract says it never throws; if it
 * does anyway, that is reported, not swallowed.
 */
export function runtimeInfoOf(addon: NativeAddon): NativeRuntimeInfo | { error: string } {
  try {
    return addon.getRuntimeInfo();
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * The runtime info after loading libnvinfer on the addon's worker thread (the dlopen of the real
 * library takes seconds, so never on the JS thread), so that a missing or wrong libnvinfer shows
 * before any engine is loaded (`doctor`). Never rejects.
 */
export async function probedRuntimeInfo(addon: NativeAddon): Promise<NativeRuntimeInfo | { error: string }> {
  try {
    return await addon.loadTensorRt();
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Can TensorRT engines run on GPU `device` here? Loads the addon if needed and checks the ABI,
 * TensorRT in the build, the driver, the GPUs and libnvinfer when it was loaded already (see
 * probedRuntimeInfo; otherwise a libnvinfer problem shows when the engine loads).
 * Never throws.
 */
export function checkTensorRtAvailability(options: LoadAddonOptions & { readonly device?: number } = {}): Availability {
  const load = loadAddon(options);
  if (!load.ok) return { available: false, addonPath: load.path, ...load.problem };
  const info = runtimeInfoOf(load.addon);
  if ('error' in info) {
    return { available: false, addonPath: load.path, reason: 'addon-load-failed', message: `TensorRT addon ${load.path} failed to report the runtime: ${info.error}`, hints: ['rebuild it with `npm run build:native`'], detail: [info.error] };
  }
  const status = info.tensorrt.builtIn ? null : readNativeStatus(options.root ?? packageRoot()).status;
  const problem = classifyRuntimeInfo(info, { device: options.device ?? 0, status, cudaVisibleDevices: (options.env ?? process.env)['CUDA_VISIBLE_DEVICES'] });
  if (problem !== null) return { available: false, addonPath: load.path, ...problem };
  return { available: true, addon: load.addon, addonPath: load.path, runtime: info };
}

/**
 * checkTensorRtAvailability, throwing the classified TensorRtError (exit 3) when TensorRT cannot run.
 * `engine`, the file that needed it, leads the message: a run with two engines says which one.
 */
export function requireTensorRt(options: LoadAddonOptions & { readonly device?: number; readonly engine?: string } = {}): Extract<Availability, { available: true }> {
  const av = checkTensorRtAvailability(options);
  if (!av.available) {
    const { reason, message, hints, detail } = av;
    // The one line a user sees when a comparison cannot get its TensorRT side (exit 3, no fallback).
    throw new TensorRtError({ reason, message: `${options.engine === undefined ? '' : `${options.engine}: `}TensorRT backend not available: ${message}`, hints, detail });
  }
  return av;
}

/**
 * Test seam: make every loader call in this process see `mod` as if it had been required from the
 * addon path (the ABI check still applies). `undefined` restores real loading and clears the cache.
 */
export function setAddonForTesting(mod: unknown): void {
  loadCache.clear();
  injected = mod === undefined ? undefined : validateModule(mod, INJECTED_PATH);
}
