/**
 * What the addon costs on top of the GPU work, measured side by side in one run:
 *
 * 1. Per-call overhead: wall time of one call seen from JavaScript minus the CUDA-event time of its
 *    H2D + compute + D2H (the addon's own timing), median over N calls of the affine engine of the
 *    TensorRT double on a 1×3×224×224 float32 input. Target: < 50 µs. Measured for
 *    - the plain path: a typed array in (copied into pinned staging on the main thread), outputs
 *      as the addon returns them by default (pooled pinned blocks, spin-wait);
 *    - the fast path: the input staged once in the engine's staging buffer (read in place), pooled
 *      outputs (what bench-style loops that run one input over and over can use);
 *    - the fast path with spinWait false, the fast path with pooledOutputs false (set through the
 *      engine's test-only `_tune` hook), and the plain path with both off (copy in, copy out,
 *      blocking sync), to show what each is worth;
 *    - TensorRtBackend.run (plain) and TensorRtBackend.runStaged (fast), which add the TypeScript side.
 * 2. H2D: each path's event-timed H2D of that 602,112-byte input against build/bench/raw_h2d, a
 *    tiny CUDA program timing one pinned cudaMemcpyAsync of the same bytes the same way, from a
 *    buffer nothing writes between copies ("clean", the floor the target names) and from one
 *    rewritten by the CPU before every copy ("dirty", as the plain path's staging is). Target: within
 *    1.2× of the clean copy.
 *
 *   TRT_PARITY_LIBNVINFER=build/trt-double/libnvinfer.so.10 node dist/benchmarks/overhead/overhead.js \
 *     [--iterations 2000] [--warmup 200] [--raw build/bench/raw_h2d] [--json out.json]
 *
 * Exit 0 when measured (whether or not targets are met: the verdict is printed), 2 on bad arguments,
 * 3 when the GPU, the addon or the double is unavailable.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadAddon, packageRoot, probedRuntimeInfo } from '../../src/backends/tensorrt/load-addon.js';
import { TensorRtBackend } from '../../src/backends/tensorrt/tensorrt-backend.js';
import type { NativeEngine, NativeEngineDebug, NativeInferRequest, NativeInferResult, NativeTuning } from '../../src/backends/tensorrt/native-contract.js';
import { doublePresets, writeDoubleEngine } from '../../test/doubles/double-engine.js';
import { EngineDir, uniform } from '../../test/gpu/helpers.js';

const SHAPE = [1, 3, 224, 224];
const BYTES = 3 * 224 * 224 * 4; // 602,112
const TARGET_OVERHEAD_US = 50;
const TARGET_H2D_RATIO = 1.2;

interface Summary {
  readonly medianUs: number;
  readonly p10Us: number;
  readonly p90Us: number;
}

function summary(values: readonly number[]): Summary {
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number): number => v[Math.round(q * (v.length - 1))]!;
  return { medianUs: at(0.5), p10Us: at(0.1), p90Us: at(0.9) };
}

const fmt = (s: Summary): string => `median ${s.medianUs.toFixed(1)} µs (p10 ${s.p10Us.toFixed(1)}, p90 ${s.p90Us.toFixed(1)})`;

function fail(code: number, message: string): never {
  console.error(`overhead: ${message}`);
  process.exit(code);
}

/** One configuration of the raw addon, measured over the same iterations. */
interface AddonPath {
  readonly label: string;
  readonly wall: Summary;
  readonly gpu: Summary;
  readonly overhead: Summary;
  readonly nativeOverhead: Summary;
  readonly h2d: Summary;
  /** Host time inside the H2D cudaMemcpyAsync calls (timing.h2dSubmitMs); null from addons without it. */
  readonly h2dSubmit: Summary | null;
  /** What the addon's counters say happened during the timed calls. */
  readonly zeroCopyInputs: number | null;
  readonly pooledOutputs: number | null;
  readonly copiedOutputs: number | null;
}

async function measureAddon(engine: NativeEngine, label: string, request: NativeInferRequest, warmup: number, iterations: number, reference: { bytes: Uint8Array | null }, tuning: NativeTuning = {}): Promise<AddonPath> {
  // The addon's compile-time defaults, changed for this path only.
  engine._tune({ spinWait: true, pooledOutputs: true, ...tuning });
  try {
    return await measureTuned(engine, label, request, warmup, iterations, reference);
  } finally {
    engine._tune({ spinWait: true, pooledOutputs: true });
  }
}

async function measureTuned(engine: NativeEngine, label: string, request: NativeInferRequest, warmup: number, iterations: number, reference: { bytes: Uint8Array | null }): Promise<AddonPath> {
  const overhead: number[] = [];
  const nativeOverhead: number[] = [];
  const h2d: number[] = [];
  const gpu: number[] = [];
  const wall: number[] = [];
  const h2dSubmit: number[] = [];
  let before: NativeEngineDebug | undefined;
  let last: NativeInferResult | undefined;
  for (let i = 0; i < warmup + iterations; i++) {
    if (i === warmup) before = engine._debug();
    const t0 = performance.now();
    const r: NativeInferResult = await engine.infer(request);
    const t1 = performance.now();
    last = r;
    if (i < warmup) continue;
    const { h2dMs, computeMs, d2hMs, nativeMs } = r.timing;
    const gpuMs = h2dMs + computeMs + d2hMs;
    wall.push((t1 - t0) * 1000);
    gpu.push(gpuMs * 1000);
    h2d.push(h2dMs * 1000);
    h2dSubmit.push(r.timing.h2dSubmitMs * 1000);
    overhead.push((t1 - t0 - gpuMs) * 1000);
    nativeOverhead.push((nativeMs - gpuMs) * 1000);
  }
  const after = engine._debug();
  // Every path must compute the same thing: the last output of each equals the first path's.
  const out = last?.outputs[0];
  if (out === undefined) throw new Error(`${label}: no output`);
  const bytes = new Uint8Array(out.data);
  if (reference.bytes === null) reference.bytes = bytes.slice();
  else if (Buffer.compare(Buffer.from(reference.bytes), Buffer.from(bytes)) !== 0) throw new Error(`${label}: the output differs from the first path's`);
  const diff = (k: keyof NativeEngineDebug): number | null => {
    const a = after?.[k];
    const b = before?.[k];
    return typeof a === 'number' && typeof b === 'number' ? a - b : null;
  };
  return {
    label,
    wall: summary(wall),
    gpu: summary(gpu),
    overhead: summary(overhead),
    nativeOverhead: summary(nativeOverhead),
    h2d: summary(h2d),
    h2dSubmit: h2dSubmit.length > 0 ? summary(h2dSubmit) : null,
    zeroCopyInputs: diff('zeroCopyInputs'),
    pooledOutputs: diff('pooledOutputs'),
    copiedOutputs: diff('copiedOutputs'),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      iterations: { type: 'string', default: '2000' },
      warmup: { type: 'string', default: '200' },
      raw: { type: 'string', default: join(packageRoot(), 'build', 'bench', 'raw_h2d') },
      json: { type: 'string' },
    },
  });
  const iterations = Number(values.iterations);
  const warmup = Number(values.warmup);
  if (!Number.isInteger(iterations) || iterations < 10 || !Number.isInteger(warmup) || warmup < 0) fail(2, 'need --iterations >= 10 and --warmup >= 0');
  if (!process.env['TRT_PARITY_LIBNVINFER']) fail(3, 'TRT_PARITY_LIBNVINFER is not set (point it at build/trt-double/libnvinfer.so.10)');

  const load = loadAddon();
  if (!load.ok) fail(3, load.problem.message);
  const runtime = await probedRuntimeInfo(load.addon);
  if ('error' in runtime) fail(3, runtime.error);
  const device = runtime.devices[0];
  if (device === undefined) fail(3, `no GPU: ${runtime.cudaError ?? 'no devices'}`);
  const version = runtime.tensorrt.libraryVersion;
  if (version === null) fail(3, `libnvinfer did not load: ${runtime.tensorrt.libraryError ?? 'unknown'}`);
  const trtVersion = version.split('.').map(Number) as [number, number, number];
  const spec = doublePresets.affine({ trtVersion });

  const x = uniform(BYTES / 4, 1);

  // 1a. The raw addon engine, path by path (one engine, so the device buffers and staging are warm for all).
  const engine = await load.addon.loadEngine(writeDoubleEngine(spec));
  const paths: AddonPath[] = [];
  const reference = { bytes: null as Uint8Array | null };
  try {
    const plainInput = [{ name: 'input', shape: SHAPE, data: x }];
    paths.push(await measureAddon(engine, 'plain, spinWait and pooledOutputs off: copy in, copy out, sleep', { inputs: plainInput }, warmup, iterations, reference, { spinWait: false, pooledOutputs: false }));
    paths.push(await measureAddon(engine, 'plain: typed array in', { inputs: plainInput }, warmup, iterations, reference));
    const staged = new Float32Array(engine.stagingBuffer('input', BYTES));
    staged.set(x);
    const stagedInput = [{ name: 'input', shape: SHAPE, data: staged }];
    paths.push(await measureAddon(engine, 'fast: staged in, pooled out', { inputs: stagedInput }, warmup, iterations, reference));
    paths.push(await measureAddon(engine, 'fast, spinWait false', { inputs: stagedInput }, warmup, iterations, reference, { spinWait: false }));
    paths.push(await measureAddon(engine, 'fast, pooledOutputs false', { inputs: stagedInput }, warmup, iterations, reference, { pooledOutputs: false }));
  } finally {
    await engine.dispose();
  }

  // 1b. Through the backend: run() (feed checks and conversion every call) and runStaged() (staged once).
  const dir = new EngineDir();
  const backendPlain: number[] = [];
  const backendFast: number[] = [];
  try {
    const backend = await TensorRtBackend.open(dir.write('affine', spec));
    const feeds = new Map([['input', { dtype: 'float32' as const, shape: SHAPE, data: x }]]);
    try {
      const staged = backend.stage(feeds, 'bench');
      for (const [runOnce, into] of [[() => backend.run(feeds, 'bench'), backendPlain], [() => backend.runStaged(staged), backendFast]] as const) {
        for (let i = 0; i < warmup + iterations; i++) {
          const r = await runOnce();
          if (i < warmup) continue;
          const t = r.timing;
          into.push((t.wallMs - ((t.h2dMs ?? 0) + (t.computeMs ?? 0) + (t.d2hMs ?? 0))) * 1000);
        }
      }
    } finally {
      await backend.dispose();
    }
  } finally {
    dir.cleanup();
  }

  // 2. The raw pinned copy, after the addon (its own process and CUDA context; nothing else runs).
  type RawStats = Summary & { gbPerS: number; submitUs?: number };
  type RawCopy = { h2d: RawStats; h2dDirty?: RawStats; h2dIdle100us?: RawStats; h2dManyPinned?: RawStats; d2h: RawStats; device: string };
  let raw: RawCopy | null = null;
  let rawError: string | null = null;
  if (!existsSync(values.raw)) {
    rawError = `${values.raw} is missing (build it with benchmarks/overhead/build-raw-h2d.sh)`;
  } else {
    const p = spawnSync(values.raw, [String(BYTES), String(iterations), String(Math.max(warmup, 10))], { encoding: 'utf8', timeout: 120_000 });
    if (p.status !== 0) rawError = `${values.raw} exited ${p.status ?? p.signal}: ${p.stderr.trim()}`;
    else raw = JSON.parse(p.stdout) as RawCopy;
  }

  const met = (ok: boolean): string => (ok ? 'MET' : 'NOT MET');
  const ratio = (path: AddonPath, floor: RawStats | undefined): number | null => (floor === undefined ? null : path.h2d.medianUs / floor.medianUs);
  const result = {
    device: `${device.name} (compute ${device.computeCapability})`,
    library: `${runtime.tensorrt.libraryName} ${version}`,
    input: `float32 ${SHAPE.join('x')} (${BYTES} bytes)`,
    iterations,
    warmup,
    targets: { overheadUs: TARGET_OVERHEAD_US, h2dRatio: TARGET_H2D_RATIO },
    addon: paths.map((p) => ({ ...p, h2dRatioClean: raw === null ? null : ratio(p, raw.h2d), h2dRatioDirty: raw === null ? null : ratio(p, raw.h2dDirty) })),
    backend: { plain: summary(backendPlain), fast: summary(backendFast) },
    raw,
    rawError,
  };

  const pad = (label: string): string => label.padEnd(34);
  const lines = [
    `overhead benchmark: ${result.device}, ${result.library}, ${result.input}, ${iterations} calls after ${warmup} warm-up${process.env['TRT_PARITY_ADDON'] ? `, addon ${process.env['TRT_PARITY_ADDON']}` : ''}`,
    raw === null
      ? `  raw pinned H2D: not measured: ${rawError}`
      : `  raw pinned H2D: clean ${fmt(raw.h2d)}, ${raw.h2d.gbPerS.toFixed(1)} GB/s; dirty (CPU wrote it first) ${raw.h2dDirty === undefined ? 'n/a' : `${fmt(raw.h2dDirty)}, ${raw.h2dDirty.gbPerS.toFixed(1)} GB/s`}; clean after 100 µs idle ${raw.h2dIdle100us === undefined ? 'n/a' : fmt(raw.h2dIdle100us)}; D2H ${raw.d2h.medianUs.toFixed(1)} µs`,
  ];
  if (raw !== null) {
    const sub = (r: RawStats | undefined): string => (r?.submitUs === undefined ? 'n/a' : `${r.submitUs.toFixed(2)} µs`);
    lines.push(`  raw pinned H2D: clean with 64 more pinned blocks allocated ${raw.h2dManyPinned === undefined ? 'n/a' : fmt(raw.h2dManyPinned)}; host time in cudaMemcpyAsync: clean ${sub(raw.h2d)}, dirty ${sub(raw.h2dDirty)}, idle ${sub(raw.h2dIdle100us)}, 64 more blocks ${sub(raw.h2dManyPinned)}`);
  }
  for (const p of result.addon) {
    lines.push(`  [${p.label}]`);
    lines.push(`    ${pad('wall per call (JS)')}${fmt(p.wall)}`);
    lines.push(`    ${pad('GPU (H2D+compute+D2H events)')}${fmt(p.gpu)}`);
    lines.push(`    ${pad('overhead, raw addon')}${fmt(p.overhead)}   target < ${TARGET_OVERHEAD_US} µs: ${met(p.overhead.medianUs < TARGET_OVERHEAD_US)}`);
    lines.push(`    ${pad('  of which inside the worker')}${fmt(p.nativeOverhead)}`);
    lines.push(`    ${pad('H2D, addon')}${fmt(p.h2d)}`);
    if (p.h2dSubmit !== null) lines.push(`    ${pad('  host time in cudaMemcpyAsync')}${fmt(p.h2dSubmit)}`);
    lines.push(`    ${pad('H2D ratio addon/raw clean')}${p.h2dRatioClean === null ? 'n/a' : `${p.h2dRatioClean.toFixed(3)}   target <= ${TARGET_H2D_RATIO}: ${met(p.h2dRatioClean <= TARGET_H2D_RATIO)}`}${p.h2dRatioDirty === null ? '' : `   (vs raw dirty ${p.h2dRatioDirty.toFixed(3)})`}`);
    lines.push(`    ${pad('counters (timed calls)')}inputs read in place ${p.zeroCopyInputs ?? 'n/a'}, outputs pooled ${p.pooledOutputs ?? 'n/a'}, copied ${p.copiedOutputs ?? 'n/a'}`);
  }
  lines.push(`  [TensorRtBackend]`);
  lines.push(`    ${pad('overhead, run() (plain)')}${fmt(result.backend.plain)}   target < ${TARGET_OVERHEAD_US} µs: ${met(result.backend.plain.medianUs < TARGET_OVERHEAD_US)}`);
  lines.push(`    ${pad('overhead, runStaged() (fast)')}${fmt(result.backend.fast)}   target < ${TARGET_OVERHEAD_US} µs: ${met(result.backend.fast.medianUs < TARGET_OVERHEAD_US)}`);
  console.log(lines.join('\n'));
  if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 2) + '\n');
}

try {
  await main();
} catch (err) {
  fail(3, `a call failed: ${err instanceof Error ? err.message : String(err)}`);
}
