/**
 * What the addon costs on top of the GPU work, measured side by side in one run:
 *
 * 1. Per-call overhead: wall time of one call seen from JavaScript minus the CUDA-event time of its
 *    H2D + compute + D2H (the addon's own timing), median over N calls of the affine engine of the
 *    TensorRT double on a 1×3×224×224 float32 input. Measured on the raw addon engine (infer()) and
 *    through TensorRtBackend.run (which adds the TypeScript feed checks). Target: < 50 µs.
 * 2. H2D: the addon's event-timed H2D of that 602,112-byte input against build/bench/raw_h2d, a
 *    tiny CUDA program timing one pinned cudaMemcpyAsync of the same bytes the same way. Target: the
 *    addon within 1.2× of the raw copy.
 *
 *   TRT_PARITY_LIBNVINFER=build/trt-double/libnvinfer.so.10 node dist/bench/overhead/overhead.js \
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
import { loadAddon, packageRoot, runtimeInfoOf } from '../../src/backends/tensorrt/load-addon.js';
import { TensorRtBackend } from '../../src/backends/tensorrt/tensorrt-backend.js';
import type { NativeInferResult } from '../../src/backends/tensorrt/native-contract.js';
import { doublePresets, writeDoubleEngine } from '../../test/helpers/double-engine.js';
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
  const runtime = runtimeInfoOf(load.addon);
  if ('error' in runtime) fail(3, runtime.error);
  const device = runtime.devices[0];
  if (device === undefined) fail(3, `no GPU: ${runtime.cudaError ?? 'no devices'}`);
  const version = runtime.tensorrt.libraryVersion;
  if (version === null) fail(3, `libnvinfer did not load: ${runtime.tensorrt.libraryError ?? 'unknown'}`);
  const trtVersion = version.split('.').map(Number) as [number, number, number];
  const spec = doublePresets.affine({ trtVersion });

  const x = uniform(BYTES / 4, 1);
  const request = { inputs: [{ name: 'input', shape: SHAPE, data: x }] };

  // 1a. The raw addon engine.
  const engine = await load.addon.loadEngine(writeDoubleEngine(spec));
  const rawOverhead: number[] = [];
  const nativeOverhead: number[] = [];
  const h2d: number[] = [];
  const gpu: number[] = [];
  const wall: number[] = [];
  try {
    for (let i = 0; i < warmup + iterations; i++) {
      const t0 = performance.now();
      const r: NativeInferResult = await engine.infer(request);
      const t1 = performance.now();
      if (i < warmup) continue;
      const { h2dMs, computeMs, d2hMs, nativeMs } = r.timing;
      const gpuMs = h2dMs + computeMs + d2hMs;
      wall.push((t1 - t0) * 1000);
      gpu.push(gpuMs * 1000);
      h2d.push(h2dMs * 1000);
      rawOverhead.push((t1 - t0 - gpuMs) * 1000);
      nativeOverhead.push((nativeMs - gpuMs) * 1000);
    }
  } finally {
    await engine.dispose();
  }

  // 1b. Through the backend (feed validation and the TensorMap conversion included).
  const dir = new EngineDir();
  const backendOverhead: number[] = [];
  try {
    const backend = await TensorRtBackend.open(dir.write('affine', spec));
    const feeds = new Map([['input', { dtype: 'float32' as const, shape: SHAPE, data: x }]]);
    try {
      for (let i = 0; i < warmup + iterations; i++) {
        const r = await backend.run(feeds, 'bench');
        if (i < warmup) continue;
        const t = r.timing;
        backendOverhead.push((t.wallMs - ((t.h2dMs ?? 0) + (t.computeMs ?? 0) + (t.d2hMs ?? 0))) * 1000);
      }
    } finally {
      await backend.dispose();
    }
  } finally {
    dir.cleanup();
  }

  // 2. The raw pinned copy, after the addon (its own process and CUDA context; nothing else runs).
  type RawCopy = { h2d: Summary & { gbPerS: number }; d2h: Summary & { gbPerS: number }; device: string };
  let raw: RawCopy | null = null;
  let rawError: string | null = null;
  if (!existsSync(values.raw)) {
    rawError = `${values.raw} is missing (build it with bench/overhead/build-raw-h2d.sh)`;
  } else {
    const p = spawnSync(values.raw, [String(BYTES), String(iterations), String(Math.max(warmup, 10))], { encoding: 'utf8', timeout: 120_000 });
    if (p.status !== 0) rawError = `${values.raw} exited ${p.status ?? p.signal}: ${p.stderr.trim()}`;
    else raw = JSON.parse(p.stdout) as RawCopy;
  }

  const result = {
    device: `${device.name} (compute ${device.computeCapability})`,
    library: `${runtime.tensorrt.libraryName} ${version}`,
    input: `float32 ${SHAPE.join('x')} (${BYTES} bytes)`,
    iterations,
    warmup,
    addon: {
      wall: summary(wall),
      gpu: summary(gpu),
      overhead: summary(rawOverhead),
      nativeOverhead: summary(nativeOverhead),
      h2d: summary(h2d),
    },
    backend: { overhead: summary(backendOverhead) },
    raw,
    rawError,
    h2dRatio: raw === null ? null : summary(h2d).medianUs / raw.h2d.medianUs,
  };

  const lines = [
    `overhead benchmark: ${result.device}, ${result.library}, ${result.input}, ${iterations} calls after ${warmup} warm-up`,
    `  wall per call (JS)            ${fmt(result.addon.wall)}`,
    `  GPU (H2D+compute+D2H events)  ${fmt(result.addon.gpu)}`,
    `  overhead, raw addon           ${fmt(result.addon.overhead)}   target < ${TARGET_OVERHEAD_US} µs: ${result.addon.overhead.medianUs < TARGET_OVERHEAD_US ? 'MET' : 'NOT MET'}`,
    `    of which inside the worker  ${fmt(result.addon.nativeOverhead)}`,
    `  overhead, TensorRtBackend     ${fmt(result.backend.overhead)}`,
    `  H2D, addon                    ${fmt(result.addon.h2d)}`,
    raw === null
      ? `  H2D, raw pinned copy          not measured: ${rawError}`
      : `  H2D, raw pinned copy          median ${raw.h2d.medianUs.toFixed(1)} µs (p10 ${raw.h2d.p10Us.toFixed(1)}, p90 ${raw.h2d.p90Us.toFixed(1)}), ${raw.h2d.gbPerS.toFixed(1)} GB/s; D2H ${raw.d2h.medianUs.toFixed(1)} µs`,
    result.h2dRatio === null
      ? '  H2D ratio                     n/a'
      : `  H2D ratio addon/raw           ${result.h2dRatio.toFixed(3)}   target <= ${TARGET_H2D_RATIO}: ${result.h2dRatio <= TARGET_H2D_RATIO ? 'MET' : 'NOT MET'}`,
  ];
  console.log(lines.join('\n'));
  if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 2) + '\n');
}

try {
  await main();
} catch (err) {
  fail(3, `a call failed: ${err instanceof Error ? err.message : String(err)}`);
}
