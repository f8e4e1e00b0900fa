/**
 * Shared by the GPU tests that drive the addon's real TensorRT code through the TensorRT test double
 * (test/doubles/trt-double): when to skip, where to write engines, deterministic inputs, hand-computed
 * references of the double's computations, running the CLI, and reading the double's trace.
 *
 * Nothing here needs a GPU; the test files decide what to skip from `doubleSetup()`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAddon, probedRuntimeInfo } from '../../src/backends/tensorrt/load-addon.js';
import type { NativeAddon, NativeEngine, NativeEngineDebug, NativeRuntimeInfo } from '../../src/backends/tensorrt/native-contract.js';
import { floatToHalf } from '../../src/tensor/dtype.js';
import { writeDoubleEngine, type DoubleEngineSpec } from '../doubles/double-engine.js';
import { binPath, repoRoot } from '../helpers/paths.js';
import { mulberry32 } from '../../src/bench/random-input.js';

/** Set to the double's libnvinfer.so.<major> to run these tests (scripts/gpu-suite.sh does). */
export const LIBNVINFER_ENV = 'TRT_PARITY_LIBNVINFER';
/** The double's "no CUDA at all" mode: lets the load/describe/shape paths run on a machine without a GPU. */
export const CPU_ONLY_ENV = 'TRT_DOUBLE_CPU_ONLY';
/** Fewer iterations (compute-sanitizer runs are 10–100× slower); the assertions stay the same. */
export const QUICK_ENV = 'TRT_GPU_QUICK';

/** The allocation counters of one engine (test hook `_debug()`, docs/native.md). */
export type DebugCounters = NativeEngineDebug;
export type DebugEngine = NativeEngine & { _debug(): DebugCounters };

export interface DoubleSetup {
  readonly addon: NativeAddon;
  readonly runtime: NativeRuntimeInfo;
  /** The double's version, which every engine we write must carry in bytes 24–26. */
  readonly trtVersion: readonly [number, number, number];
  /** $TRT_PARITY_LIBNVINFER. */
  readonly libPath: string;
  /** TRT_DOUBLE_CPU_ONLY=1 (dry run on the fake-CUDA addon): enqueueV3 always fails, so compute tests skip. */
  readonly cpuOnly: boolean;
  readonly quick: boolean;
}

/**
 * Whether the double tests can run here, and why not. Never throws.
 * They need: $TRT_PARITY_LIBNVINFER, an addon built with TensorRT headers that loads that library,
 * and a CUDA device (or the fake-CUDA addon together with TRT_DOUBLE_CPU_ONLY=1 for a dry run).
 */
export async function doubleSetup(env: NodeJS.ProcessEnv = process.env): Promise<{ setup: DoubleSetup | null; skip: string | false }> {
  const libPath = env[LIBNVINFER_ENV];
  if (libPath === undefined || libPath === '') {
    return { setup: null, skip: `${LIBNVINFER_ENV} is not set (point it at the TensorRT double, build/trt-double/libnvinfer.so.10; scripts/gpu-suite.sh does)` };
  }
  const load = loadAddon();
  if (!load.ok) return { setup: null, skip: `the addon does not load from ${load.path}: ${load.problem.message}` };
  // getRuntimeInfo never loads libnvinfer (ABI 2): load it on the addon's worker thread first.
  const runtime = await probedRuntimeInfo(load.addon);
  if ('error' in runtime) return { setup: null, skip: `loadTensorRt() failed: ${runtime.error}` };
  if (!runtime.tensorrt.builtIn) return { setup: null, skip: 'the addon was built without TensorRT headers (TENSORRT_ROOT=... node scripts/build-native.mjs --strict)' };
  const cpuOnly = env[CPU_ONLY_ENV] === '1';
  if (runtime.devices.length === 0) return { setup: null, skip: `no usable GPU: ${runtime.cudaError ?? 'no devices'}` };
  const fake = runtime.devices[0]?.name.startsWith('trt-parity fake') === true;
  if (fake && !cpuOnly) return { setup: null, skip: `the fake-CUDA addon runs the double only with ${CPU_ONLY_ENV}=1` };
  const version = runtime.tensorrt.libraryVersion;
  if (version === null) return { setup: null, skip: `libnvinfer did not load: ${runtime.tensorrt.libraryError ?? 'unknown reason'}` };
  const parts = version.split('.').map(Number);
  if (parts.length !== 3 || parts.some((p) => !Number.isInteger(p))) return { setup: null, skip: `unexpected library version ${version}` };
  const trtVersion = parts as unknown as [number, number, number];
  return { setup: { addon: load.addon, runtime, trtVersion, libPath, cpuOnly, quick: env[QUICK_ENV] === '1' }, skip: false };
}

/** Skip reason for tests whose assertions need enqueueV3 to really compute. */
export function computeSkip(setup: DoubleSetup | null): string | false {
  return setup?.cpuOnly === true ? `${CPU_ONLY_ENV}=1: the double runs no kernels` : false;
}

/** A scratch folder for engine files, removed by `cleanup()`. */
export class EngineDir {
  readonly path = mkdtempSync(join(tmpdir(), 'trt-parity-gpu-'));
  #n = 0;
  /** Writes `bytes` (or the serialized spec) to a fresh `<name>.engine` and returns its path. */
  write(name: string, what: DoubleEngineSpec | Uint8Array): string {
    const file = join(this.path, `${String(this.#n++).padStart(2, '0')}-${name}.engine`);
    writeFileSync(file, what instanceof Uint8Array ? what : writeDoubleEngine(what));
    return file;
  }
  cleanup(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

// ---- deterministic data ----------------------------------------------------------------------------

/** mulberry32 (src/bench/random-input.ts): identical on every platform, so a failing input can be regenerated. */
export const rng = mulberry32;


/** `n` float32 values uniform in [lo, hi). */
export function uniform(n: number, seed: number, lo = -3, hi = 3): Float32Array {
  const next = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * next();
  return out;
}

// ---- references: what the double's kernels compute (test/doubles/trt-double/src/kernels.cu) ----------

/**
 * y = x·a[c] + b[c] over axis 1 of an [N, C, ...] tensor, rounded like the kernel: __fmul_rn then
 * __fadd_rn, two float32 roundings, no FMA. The product and sum of two float32 values computed in
 * float64 and rounded once to float32 equal the float32 operations (float64 holds > 2·24+2 bits).
 */
export function affineReference(x: Float32Array, shape: readonly number[], a: readonly number[], b: readonly number[]): Float32Array {
  const channels = shape[1] ?? 1;
  const inner = shape.slice(2).reduce((p, d) => p * d, 1);
  const fa = a.map(Math.fround);
  const fb = b.map(Math.fround);
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = Math.floor(i / inner) % channels;
    y[i] = Math.fround(Math.fround(x[i]! * fa[c]!) + fb[c]!);
  }
  return y;
}

/** The affine-fp16 computation: the float32 reference rounded once to half, nearest even (__float2half_rn). */
export function affineHalfReference(x: Float32Array, shape: readonly number[], a: readonly number[], b: readonly number[]): Uint16Array {
  const y = affineReference(x, shape, a, b);
  const out = new Uint16Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = floatToHalf(y[i]!);
  return out;
}

/** First index of the maximum of each row of the last axis; a NaN wins (numpy's argmax). */
export function argmaxReference(x: Float32Array, k: number): number[] {
  const rows = x.length / k;
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let v = x[r * k]!;
    for (let j = 1; j < k && !Number.isNaN(v); j++) {
      const w = x[r * k + j]!;
      if (Number.isNaN(w) || w > v) {
        best = j;
        v = w;
      }
    }
    out.push(best);
  }
  return out;
}

/** ONNX NonZero of `x > threshold` on a [rows, cols] tensor: coordinate d of hit k at d·n + k. */
export function nonzeroReference(x: Float32Array, cols: number, threshold: number): { n: number; coords: number[] } {
  const rowsOf: number[] = [];
  const colsOf: number[] = [];
  for (let i = 0; i < x.length; i++) {
    if (x[i]! > threshold) {
      rowsOf.push(Math.floor(i / cols));
      colsOf.push(i % cols);
    }
  }
  return { n: rowsOf.length, coords: [...rowsOf, ...colsOf] };
}

// ---- comparisons that say where they differ ----------------------------------------------------------

/** Index of the first element whose bits differ (NaN payloads included), or -1. */
export function firstBitDifference(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Math.min(got.length, want.length);
  const g = new Float32Array(1);
  const w = new Float32Array(1);
  const gb = new Uint32Array(g.buffer);
  const wb = new Uint32Array(w.buffer);
  for (let i = 0; i < got.length; i++) {
    g[0] = got[i]!;
    w[0] = want[i]!;
    if (gb[0] !== wb[0]) return i;
  }
  return -1;
}

/** "" when bit-identical as float32, else a message naming the first difference and the count. */
export function describeFloat32Difference(what: string, got: Float32Array, want: Float32Array, input?: Float32Array): string {
  if (got.length !== want.length) return `${what}: ${got.length} elements, expected ${want.length}`;
  const first = firstBitDifference(got, want);
  if (first < 0) return '';
  let count = 0;
  for (let i = 0; i < got.length; i++) if (!Object.is(got[i], want[i]) && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) count++;
  const x = input === undefined ? '' : ` (input ${input[first]})`;
  return `${what}: ${count} of ${got.length} elements differ; first at flat index ${first}${x}: got ${got[first]}, expected ${want[first]}`;
}

/** Same for raw integer/half bits. */
export function describeBitsDifference(what: string, got: ArrayLike<number | bigint>, want: ArrayLike<number | bigint>): string {
  if (got.length !== want.length) return `${what}: ${got.length} elements, expected ${want.length}`;
  let first = -1;
  let count = 0;
  for (let i = 0; i < got.length; i++) {
    if (got[i] !== want[i]) {
      count++;
      if (first < 0) first = i;
    }
  }
  if (first < 0) return '';
  return `${what}: ${count} of ${got.length} elements differ; first at flat index ${first}: got ${String(got[first])}, expected ${String(want[first])}`;
}

// ---- CLI ---------------------------------------------------------------------------------------------

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The command line, for failure messages. */
  readonly command: string;
}

/** Runs the installed command, `node dist/cli/trt-parity.js ...args` (the bundle), from the repo root with this process's environment. */
export function runCli(args: readonly string[], timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, command: `trt-parity ${args.join(' ')}` });
    });
  });
}

/** One line of context for assertion messages about a CLI run. */
export function cliContext(run: CliRun): string {
  const tail = (s: string): string => s.trim().split('\n').slice(-12).join('\n    ');
  return `\n  $ ${run.command}\n  exit ${String(run.code)}\n  stderr:\n    ${tail(run.stderr)}\n  stdout (tail):\n    ${tail(run.stdout).slice(0, 3000)}`;
}

// ---- the double's trace ------------------------------------------------------------------------------

/**
 * How often each API appears in a trace: the first word of each line ("IExecutionContext::setInputShape
 * input [1,3,2,2] -> true" → "IExecutionContext::setInputShape"; ILogger::log lines are "log ERROR -> ...").
 */
export function traceApis(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    const api = /^(\S+)/.exec(line)?.[1];
    if (api === undefined) continue;
    counts.set(api, (counts.get(api) ?? 0) + 1);
  }
  return counts;
}

// ---- the addon's TensorRT calls, read from its source -------------------------------------------------

export interface AddonTrtCall {
  /** As the double's trace names it: "IExecutionContext::enqueueV3", "createInferRuntime_INTERNAL", "log". */
  readonly api: string;
  /** "native/src/trt/trt_executor.cc:296". */
  readonly where: string;
  /** False when the call sits in an `#if TRTP_TRT_AT_LEAST(..)` branch the given headers do not compile. */
  readonly compiled: boolean;
  /** Calls TensorRT makes into the addon (IOutputAllocator, ILogger), as opposed to the addon calling TensorRT. */
  readonly callback: boolean;
}

const RECEIVERS: Readonly<Record<string, string>> = { runtime_: 'IRuntime', engine_: 'ICudaEngine', context_: 'IExecutionContext' };

/**
 * Every TensorRT interface call in the addon's C++ (`sources`: path → text), found with patterns
 * for the ways native/src/trt/ calls TensorRT: `runtime_->m(`, `engine_->m(`, `context_->m(`,
 * `getPluginRegistry().m(`, `dlsym(h, "symbol")`, and the overrides of classes deriving from
 * nvinfer1::I* (callbacks). `#if/#elif/#else` on TRTP_TRT_AT_LEAST(M, m) are evaluated against
 * `header` ([major, minor]); other conditions count as compiled.
 */
export function addonTrtCalls(sources: ReadonlyMap<string, string>, header: readonly [number, number]): AddonTrtCall[] {
  const atLeast = (major: number, minor: number): boolean => header[0] > major || (header[0] === major && header[1] >= minor);
  const calls = new Map<string, AddonTrtCall>();
  const add = (api: string, where: string, compiled: boolean, callback: boolean): void => {
    const seen = calls.get(api);
    // A call compiled anywhere counts as compiled; keep the first place it is seen.
    if (seen === undefined || (!seen.compiled && compiled)) calls.set(api, { api, where, compiled, callback });
  };
  for (const [file, text] of sources) {
    // Each frame: is this branch live, has an earlier branch of this #if been taken, was the parent live.
    const stack: { live: boolean; taken: boolean; parent: boolean }[] = [];
    const live = (): boolean => stack.every((f) => f.live);
    const evaluate = (cond: string): boolean => {
      const m = /^(!?)\s*TRTP_TRT_AT_LEAST\(\s*(\d+)\s*,\s*(\d+)\s*\)\s*$/.exec(cond.trim());
      if (m === null) return true;
      const v = atLeast(Number(m[2]), Number(m[3]));
      return m[1] === '!' ? !v : v;
    };
    let implementing: string | null = null;
    for (const [i, raw] of text.split('\n').entries()) {
      const line = raw.replace(/\/\/.*$/, '');
      const pp = /^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)$/.exec(line);
      if (pp !== null) {
        const [, kw, rest = ''] = pp;
        if (kw === 'if') {
          const v = evaluate(rest);
          stack.push({ live: v, taken: v, parent: live() });
        } else if (kw === 'ifdef' || kw === 'ifndef') {
          stack.push({ live: true, taken: true, parent: live() });
        } else if (kw === 'elif') {
          const f = stack.at(-1);
          if (f !== undefined) {
            const v = !f.taken && evaluate(rest);
            f.live = v;
            f.taken ||= v;
          }
        } else if (kw === 'else') {
          const f = stack.at(-1);
          if (f !== undefined) {
            f.live = !f.taken;
            f.taken = true;
          }
        } else {
          stack.pop();
        }
        continue;
      }
      const where = `${file}:${i + 1}`;
      const on = live();
      const cls = /class\s+\w+\s+(?:final\s+)?:\s*public\s+nvinfer1::(I\w+)/.exec(line);
      if (cls !== null) implementing = cls[1]!;
      else if (/^\S.*\bclass\s/.test(line) || /^};/.test(line)) implementing = null;
      if (implementing !== null) {
        const ov = /\b(\w+)\s*\([^;]*\)[^;{]*\boverride\b/.exec(line);
        if (ov !== null) add(implementing === 'ILogger' ? 'log' : `${implementing}::${ov[1]}`, where, on, true);
      }
      for (const m of line.matchAll(/\b(runtime_|engine_|context_)->(\w+)\s*\(/g)) add(`${RECEIVERS[m[1]!]}::${m[2]}`, where, on, false);
      for (const m of line.matchAll(/getPluginRegistry\(\)\.(\w+)\s*\(/g)) add(`IPluginRegistry::${m[1]}`, where, on, false);
      for (const m of line.matchAll(/dlsym\(\s*\w+\s*,\s*"(\w+)"\s*\)/g)) add(m[1]!, where, on, false);
    }
  }
  return [...calls.values()].sort((p, q) => p.api.localeCompare(q.api));
}
