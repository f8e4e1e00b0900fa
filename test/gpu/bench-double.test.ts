// `trt-parity bench` on a GPU, the TensorRT side through the TensorRT double, and an independent
// check of its GPU compute time (issue 5).
//
// The engine is the affine twin of fixtures/models/affine.onnx (input x, output y, same constants),
// with a profile up to 1×3×8192×8192. Three bench runs:
// 1. both backends on 1×3×1024×1024 random data: both measured, the TensorRT block has every
//    statistic, at least 10 iterations, a headline;
// 2. the engine alone, --no-transfers, on 1×3×8192×8192: H2D and D2H are 0, and the event-timed
//    compute median agrees within 3% with benchmarks/gpu-compute's affine_compute, which times the double's
//    own kernel object (build/bench/affine_compute, built by benchmarks/gpu-compute/build.sh) on the same
//    shape and the same seeded data, at the same cadence, with nothing of the addon or Node around
//    it. The shape is large (201M elements, 1.6 GB moved per launch) so that what bench's events also
//    enclose, the host work of enqueueV3 before the launch, is a small share of the kernel;
// 3. the engine alone, --cuda-graph --export-times: every sample says 'captured'/'replayed', or every
//    one says 'fallback' with a reason and the report warns about it.
//
// Skips like the other GPU tests (helpers.ts doubleSetup); with TRT_DOUBLE_CPU_ONLY=1 the whole file
// skips (nothing here runs without results). Run it alone on a quiet GPU: scripts/gpu-suite.sh step 4
// does, and sets TRT_GPU_BENCH_REPORT to collect the three reports and the independent measurement.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { doublePresets, type DoubleEngineSpec } from '../doubles/double-engine.js';
import { fixture, repoRoot } from '../helpers/paths.js';
import { cliContext, computeSkip, doubleSetup, EngineDir, runCli, type CliRun } from './helpers.js';

const { setup, skip } = await doubleSetup();
if (skip) console.log(`bench on the TensorRT double skipped: ${skip}`);
const noCompute = computeSkip(setup);
if (noCompute) console.log(`bench on the TensorRT double skipped: ${noCompute}`);

/** Where to write every report and measurement of this file as one JSON object (scripts/gpu-suite.sh sets it). */
const BENCH_REPORT_ENV = 'TRT_GPU_BENCH_REPORT';

/** affine.onnx's constants: scripts/make-fixture-models.ts (AFFINE_A, AFFINE_B). */
const ONNX_A = [0.5, 1.7, -3.25];
const ONNX_B = [0.1, -0.2, 0.3];
const BOTH_SHAPE = [1, 3, 1024, 1024];
const COMPUTE_SHAPE = [1, 3, 8192, 8192];
/** The bound on |bench compute median / independent median − 1|. */
const COMPUTE_TOLERANCE = 0.03;
const SEED = 1;

const model = fixture('models', 'affine.onnx');
const computeProgram = join(repoRoot, 'build', 'bench', 'affine_compute');

/** The parts of `bench --json` (src/bench/bench-run.ts BenchReport) this file reads. */
interface Stats { count: number; median: number; p90: number; min: number; max: number; cvPercent: number | string }
interface BackendBench {
  backend: string;
  iterations: number;
  latency: Stats;
  session: Stats | null;
  gpu: { h2d: Stats; compute: Stats; d2h: Stats; enqueue: Stats; overhead: Stats } | null;
  warnings: string[];
  samples: { wallMs: number; computeMs?: number; graph?: string; graphFallbackReason?: string | null }[] | null;
}
interface BenchJson {
  schema: string;
  input: { kind: string; seed: number | null; tensors: { name: string; dtype: string; shape: number[] }[] };
  settings: { tensorrt: { transfers: boolean; cudaGraph: boolean } };
  results: BackendBench[];
  headline: { speedupEndToEnd: number; speedupCompute: number; tensorrtTransferShare: number; tensorrtOverheadShare: number } | null;
}
/** What benchmarks/gpu-compute/affine_compute prints. */
interface Independent { device: string; kernelObject: string; shape: number[]; iterations: number; idleMs: number; medianMs: number; p90Ms: number; minMs: number; wrong: number }

const dims = (shape: readonly number[]): string => shape.join('x');

/** The twin of affine.onnx for the double, with a profile reaching the compute-check shape. */
function twin(trtVersion: readonly [number, number, number]): DoubleEngineSpec {
  return doublePresets.affine({
    trtVersion, a: ONNX_A, b: ONNX_B, inputName: 'x', outputName: 'y',
    profiles: [{ min: [1, 3, 1, 1], opt: BOTH_SHAPE, max: COMPUTE_SHAPE }],
  });
}

/** Runs `trt-parity bench ... --json <file>`, asserts exit 0 and returns the parsed report. */
async function bench(args: readonly string[], jsonPath: string, timeoutMs: number): Promise<{ run: CliRun; report: BenchJson }> {
  const run = await runCli(['bench', ...args, '--seed', String(SEED), '--json', jsonPath], timeoutMs);
  const ctx = cliContext(run);
  assert.equal(run.code, 0, `expected exit 0${ctx}`);
  assert.ok(existsSync(jsonPath), `--json ${jsonPath} was not written${ctx}`);
  const report = JSON.parse(readFileSync(jsonPath, 'utf8')) as BenchJson;
  assert.equal(report.schema, 'trt-parity/bench', ctx);
  console.log(run.stdout.trimEnd().split('\n').map((l) => `    ${l}`).join('\n'));
  return { run, report };
}

function tensorrtOf(report: BenchJson, ctx: string): BackendBench & { gpu: NonNullable<BackendBench['gpu']> } {
  const trt = report.results.find((r) => r.backend === 'tensorrt');
  assert.ok(trt, `no tensorrt result among ${report.results.map((r) => r.backend).join(', ')}${ctx}`);
  assert.ok(trt.gpu !== null, `the tensorrt result has no GPU timings${ctx}`);
  return trt as BackendBench & { gpu: NonNullable<BackendBench['gpu']> };
}

const us = (ms: number): string => `${(ms * 1000).toFixed(1)} µs`;

/** Runs benchmarks/gpu-compute's program on the compute-check shape and seed; asserts it ran and its outputs were right. */
function independentRun(extra: readonly string[]): Independent {
  const args = ['--shape', dims(COMPUTE_SHAPE), '--seed', String(SEED), ...extra];
  const p = spawnSync(computeProgram, args, { encoding: 'utf8', timeout: 120_000 });
  const ctx = `\n  $ ${computeProgram} ${args.join(' ')}\n  exit ${String(p.status)} ${p.error?.message ?? ''}\n  stderr: ${p.stderr}`;
  assert.equal(p.status, 0, `affine_compute failed${ctx}`);
  const r = JSON.parse(p.stdout) as Independent;
  assert.deepEqual(r.shape, COMPUTE_SHAPE, ctx);
  assert.equal(r.wrong, 0, `affine_compute's outputs are wrong${ctx}`);
  return r;
}

describe('trt-parity bench with the TensorRT double', { skip: skip || noCompute }, () => {
  let dir: EngineDir;
  let engine: string;
  const collected: Record<string, unknown> = { shapes: { bothBackends: BOTH_SHAPE, computeCheck: COMPUTE_SHAPE }, tolerance: COMPUTE_TOLERANCE };

  before(() => {
    assert.ok(setup);
    dir = new EngineDir();
    engine = dir.write('affine-bench', twin(setup.trtVersion));
  });
  after(() => {
    const out = process.env[BENCH_REPORT_ENV];
    if (out !== undefined && out !== '') writeFileSync(out, JSON.stringify(collected, null, 1) + '\n');
    dir?.cleanup();
  });

  test(`both backends on ${dims(BOTH_SHAPE)}: every statistic, >= 10 iterations, a headline`, async () => {
    const jsonPath = join(dir.path, 'both.json');
    const { run, report } = await bench([model, engine, '--shape', `x=${dims(BOTH_SHAPE)}`, '--duration', '2'], jsonPath, 120_000);
    collected.bothBackends = report;
    const ctx = cliContext(run);
    assert.deepEqual(report.input.tensors, [{ name: 'x', dtype: 'float32', shape: BOTH_SHAPE }], ctx);
    assert.equal(report.input.kind, 'random', ctx);
    assert.deepEqual(report.settings.tensorrt, { transfers: true, cudaGraph: false }, ctx);
    assert.deepEqual(report.results.map((r) => r.backend).sort(), ['onnxruntime', 'tensorrt'], ctx);
    for (const r of report.results) {
      assert.ok(r.iterations >= 10, `${r.backend}: ${r.iterations} iterations${ctx}`);
      assert.equal(r.latency.count, r.iterations, `${r.backend}: latency count${ctx}`);
      assert.ok(r.latency.median > 0 && Number.isFinite(r.latency.median), `${r.backend}: latency median ${r.latency.median}${ctx}`);
    }
    const ort = report.results.find((r) => r.backend === 'onnxruntime');
    assert.ok(ort?.session, `onnxruntime has no session.run statistics${ctx}`);
    assert.equal(ort.gpu, null, ctx);
    const trt = tensorrtOf(report, ctx);
    for (const key of ['h2d', 'compute', 'd2h', 'enqueue', 'overhead'] as const) {
      const s = trt.gpu[key];
      assert.equal(s.count, trt.iterations, `tensorrt ${key}: count ${s.count}, iterations ${trt.iterations}${ctx}`);
      assert.ok(Number.isFinite(s.median) && s.min <= s.median && s.median <= s.p90 && s.p90 <= s.max, `tensorrt ${key}: ${JSON.stringify(s)}${ctx}`);
    }
    // 12 MiB each way: the copies and the kernel all take measurable time.
    for (const key of ['h2d', 'compute', 'd2h', 'enqueue'] as const) assert.ok(trt.gpu[key].median > 0, `tensorrt ${key} median is ${trt.gpu[key].median}${ctx}`);
    const h = report.headline;
    assert.ok(h !== null, `no headline with both backends${ctx}`);
    for (const [k, v] of Object.entries(h)) assert.ok(Number.isFinite(v) && v > 0, `headline ${k} = ${String(v)}${ctx}`);
    assert.ok(h.tensorrtTransferShare < 1, `transfer share ${h.tensorrtTransferShare}${ctx}`);
    console.log(`  tensorrt medians: h2d ${us(trt.gpu.h2d.median)}, compute ${us(trt.gpu.compute.median)}, d2h ${us(trt.gpu.d2h.median)}, enqueue ${us(trt.gpu.enqueue.median)}, overhead ${us(trt.gpu.overhead.median)}; speed-up ${h.speedupEndToEnd.toFixed(2)}x end to end, ${h.speedupCompute.toFixed(2)}x compute`);
  });

  test(`--no-transfers on ${dims(COMPUTE_SHAPE)}: no copies, compute median within ${COMPUTE_TOLERANCE * 100}% of an independent CUDA-event measurement`, async () => {
    assert.ok(existsSync(computeProgram), `${computeProgram} is missing: build it on the CPU machine with benchmarks/gpu-compute/build.sh (after the double) and carry build/`);
    const jsonPath = join(dir.path, 'no-transfers.json');
    const { run, report } = await bench([engine, '--no-transfers', '--shape', `x=${dims(COMPUTE_SHAPE)}`, '--duration', '3'], jsonPath, 240_000);
    collected.noTransfers = report;
    const ctx = cliContext(run);
    assert.deepEqual(report.input.tensors, [{ name: 'x', dtype: 'float32', shape: COMPUTE_SHAPE }], ctx);
    assert.deepEqual(report.settings.tensorrt, { transfers: false, cudaGraph: false }, ctx);
    const trt = tensorrtOf(report, ctx);
    assert.ok(trt.iterations >= 10, `${trt.iterations} iterations${ctx}`);
    assert.equal(trt.gpu.h2d.median, 0, `h2d median with --no-transfers${ctx}`);
    assert.equal(trt.gpu.d2h.median, 0, `d2h median with --no-transfers${ctx}`);

    // After the bench process has exited, so the two never share the GPU. Twice: at bench's cadence
    // (the host part of each bench call as idle time before each launch), which is what the bound
    // applies to, and back to back, which shows whether the GPU's clocks care about the difference.
    const idleMs = Math.min(1000, Math.max(0, trt.latency.median - trt.gpu.compute.median));
    const paced = independentRun(['--iterations', '60', '--warmup', '20', '--idle-ms', idleMs.toFixed(3)]);
    const backToBack = independentRun(['--iterations', '500', '--warmup', '200']);
    collected.independent = paced;
    collected.independentBackToBack = backToBack;

    const ratio = trt.gpu.compute.median / paced.medianMs;
    collected.computeRatio = ratio;
    const line = `bench compute median ${us(trt.gpu.compute.median)} (p90 ${us(trt.gpu.compute.p90)}, ${trt.iterations} runs, enqueue median ${us(trt.gpu.enqueue.median)}); ` +
      `affine_compute median ${us(paced.medianMs)} at bench's cadence (p90 ${us(paced.p90Ms)}, ${paced.iterations} launches, ${idleMs.toFixed(1)} ms apart), ` +
      `${us(backToBack.medianMs)} back to back; ${paced.device}, kernel from ${paced.kernelObject}; ` +
      `ratio ${ratio.toFixed(4)}, difference ${us(trt.gpu.compute.median - paced.medianMs)}`;
    console.log(`  ${line}`);
    assert.ok(Math.abs(ratio - 1) <= COMPUTE_TOLERANCE, `${line}: beyond ${COMPUTE_TOLERANCE * 100}%${ctx}`);
  });

  test('--cuda-graph: the samples say captured/replayed, or fallback with a reason and a warning', async () => {
    const jsonPath = join(dir.path, 'cuda-graph.json');
    const { run, report } = await bench([engine, '--cuda-graph', '--export-times', '--shape', `x=${dims(BOTH_SHAPE)}`, '--duration', '1'], jsonPath, 120_000);
    collected.cudaGraph = report;
    const ctx = cliContext(run);
    assert.deepEqual(report.settings.tensorrt, { transfers: true, cudaGraph: true }, ctx);
    const trt = tensorrtOf(report, ctx);
    assert.ok(trt.samples !== null && trt.samples.length === trt.iterations && trt.iterations >= 10, `--export-times: ${trt.samples?.length} samples, ${trt.iterations} iterations${ctx}`);
    const states = new Map<string, number>();
    for (const s of trt.samples) states.set(String(s.graph), (states.get(String(s.graph)) ?? 0) + 1);
    const summary = [...states].map(([k, n]) => `${k} ×${n}`).join(', ');
    const fallbacks = trt.samples.filter((s) => s.graph === 'fallback');
    const warned = trt.warnings.filter((w) => w.includes('CUDA graph not used'));
    if (fallbacks.length === 0) {
      // The first call (reported apart) captured the graph; the same state is replayed ever after.
      for (const s of trt.samples) assert.ok(s.graph === 'captured' || s.graph === 'replayed', `sample graph state ${String(s.graph)} (${summary})${ctx}`);
      assert.deepEqual(warned, [], `no fallback, yet a warning says so${ctx}`);
      console.log(`  CUDA graph used: ${summary}; compute median ${us(trt.gpu.compute.median)}, enqueue (cudaGraphLaunch) median ${us(trt.gpu.enqueue.median)}`);
    } else {
      const reason = fallbacks[0]?.graphFallbackReason ?? '';
      console.log(`  CUDA graph fell back (${summary}): ${reason}`);
      assert.equal(fallbacks.length, trt.samples.length, `a state that failed to capture is not retried, so every sample falls back (${summary})${ctx}`);
      assert.ok(reason.length > 0, `fallback without a reason${ctx}`);
      assert.equal(warned.length, 1, `the report must warn once about the fallback: ${JSON.stringify(trt.warnings)}${ctx}`);
      assert.ok(warned[0]!.includes(reason), `the warning should carry the reason '${reason}': ${warned[0]}${ctx}`);
    }
  });
});
