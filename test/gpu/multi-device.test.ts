// Several GPUs in one process (issue 6): the same TensorRT-double engine loaded on every device, run
// concurrently with different inputs. Needs 2 GPUs or more; skips saying "needs 2 GPUs, found N" otherwise.
//
// Oracles:
// - results: each equals its own hand-computed reference, y = fround(fround(x·a) + b) (helpers.ts,
//   affineReference; the double's kernel rounds the product and the sum separately);
// - which device each call ran on: the double's trace (test/doubles/trt-double), whose deserializeCudaEngine,
//   createExecutionContext and enqueueV3 lines carry `cur-device=N` (cudaGetDevice on the calling thread)
//   and whose set*TensorAddress lines carry `ptr-device=N` (cudaPointerGetAttributes of the address).
//   Engines are loaded one after another, so the createExecutionContext line that appears during load k
//   gives engine k's context pointer; every later line carries `ctx=<pointer>`, which attributes it;
// - memory: `_debug().deviceFreeBytes` (cudaMemGetInfo on the engine's device) falls on the device of the
//   engine that grew its buffers, by at least what the addon says it allocated, and stays put elsewhere.
//   Another process using these GPUs at the same time would disturb this: scripts/gpu-suite.sh runs the
//   test files one at a time.
//
// The trace goes to a file of this test's own while it runs (set before the first engine loads and
// restored after the last is disposed, when no addon thread runs), then is appended to the suite's
// $TRT_DOUBLE_TRACE, so the coverage check sees these calls too.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TensorRtBackend } from '../../src/backends/tensorrt/tensorrt-backend.js';
import type { NativeInferResult } from '../../src/backends/tensorrt/native-contract.js';
import type { Tensor } from '../../src/tensor/types.js';
import { doublePresets, writeDoubleEngine } from '../doubles/double-engine.js';
import { affineReference, computeSkip, describeFloat32Difference, doubleSetup, EngineDir, uniform, type DebugEngine } from './helpers.js';

const { setup, skip: setupSkip } = await doubleSetup();
const devices = setup?.runtime.devices.map((d) => d.index) ?? [];
const skip = setupSkip || (devices.length < 2 ? `needs 2 GPUs, found ${devices.length}` : false);
if (skip) console.log(`multi-device tests skipped: ${skip}`);
const noCompute = computeSkip(setup);

const TRACE_ENV = 'TRT_DOUBLE_TRACE';
const CALLS_PER_DEVICE = 16;
const A = [0.75, -1.5, 2.125];
const B = [0.5, 0.25, -1.0];
const MIB = 2 ** 20;

// ---- the double's trace ------------------------------------------------------------------------------

interface TraceLine {
  readonly api: string;
  /** The `key=value` words of the arguments: ctx, cur-device, ptr-device. */
  readonly fields: ReadonlyMap<string, string>;
  /** The first argument word: the tensor name of set*TensorAddress. */
  readonly first: string;
  readonly result: string;
}

/** "IExecutionContext::enqueueV3 stream 0x.. ctx=0x.. cur-device=1 -> true" → api, fields, result. */
function parseTrace(text: string): TraceLine[] {
  const lines: TraceLine[] = [];
  for (const raw of text.split('\n')) {
    const arrow = raw.indexOf(' -> ');
    if (arrow < 0) continue;
    const words = raw.slice(0, arrow).split(' ');
    const fields = new Map<string, string>();
    for (const w of words.slice(1)) {
      const m = /^([a-z-]+)=(.*)$/.exec(w);
      if (m !== null) fields.set(m[1]!, m[2]!);
    }
    lines.push({ api: words[0]!, fields, first: words[1] ?? '', result: raw.slice(arrow + 4) });
  }
  return lines;
}

/** Where the double's trace goes while this file runs; see the header. */
class TraceCapture {
  readonly path: string;
  readonly #previous: string | undefined;
  #stopped = false;
  constructor(dir: string) {
    this.path = join(dir, 'multi-device-trace.txt');
    this.#previous = process.env[TRACE_ENV];
    process.env[TRACE_ENV] = this.path;
  }
  lines(): TraceLine[] {
    return existsSync(this.path) ? parseTrace(readFileSync(this.path, 'utf8')) : [];
  }
  /** Call only when no engine is loaded: the double reads the variable on every traced call. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#previous === undefined) delete process.env[TRACE_ENV];
    else process.env[TRACE_ENV] = this.#previous;
    if (this.#previous !== undefined && this.#previous !== '' && existsSync(this.path)) appendFileSync(this.#previous, readFileSync(this.path));
  }
}

function tally(values: readonly (string | undefined)[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v ?? '(missing)', (counts.get(v ?? '(missing)') ?? 0) + 1);
  return [...counts].map(([v, n]) => `${v}×${n}`).join(', ') || 'none';
}

// ---- engines -----------------------------------------------------------------------------------------

interface Loaded {
  readonly device: number;
  readonly engine: DebugEngine;
  /** Its execution context's pointer, as the trace prints it. */
  readonly ctx: string;
  /** Trace lines of its load. */
  readonly loadLines: readonly TraceLine[];
}

function output(r: NativeInferResult): Float32Array {
  const o = r.outputs.find((x) => x.name === 'output');
  assert.ok(o, `no output 'output' among ${r.outputs.map((x) => x.name).join(', ')}`);
  return new Float32Array(o.data);
}

describe(`the same engine on every GPU (${devices.length} here) in one process`, { skip }, () => {
  let dir: EngineDir;
  let trace: TraceCapture;
  let plan: Uint8Array;
  const loaded: Loaded[] = [];
  /** enqueueV3 calls this file made per device (the CPU-only double refuses them, but they are traced). */
  const callsMade = new Map<number, number>();

  before(async () => {
    assert.ok(setup);
    dir = new EngineDir();
    trace = new TraceCapture(dir.path);
    // The same plan on every device, as a user would load one engine file on each GPU.
    plan = writeDoubleEngine(doublePresets.affine({ trtVersion: setup.trtVersion, a: A, b: B }));
    for (const device of devices) {
      const seen = trace.lines().length;
      const engine = (await setup.addon.loadEngine(plan, { device })) as DebugEngine;
      const loadLines = trace.lines().slice(seen);
      const contexts = loadLines.filter((l) => l.api === 'ICudaEngine::createExecutionContext');
      assert.equal(contexts.length, 1, `loading on device ${device} made ${contexts.length} createExecutionContext calls, expected 1`);
      loaded.push({ device, engine, ctx: contexts[0]!.result, loadLines });
    }
  });

  after(async () => {
    for (const l of loaded) await l.engine.dispose();
    trace?.stop();
    dir?.cleanup();
  });

  test('each engine reports the device it was loaded on, and loaded with that device current (trace)', () => {
    assert.equal(new Set(loaded.map((l) => l.ctx)).size, loaded.length, `context pointers ${loaded.map((l) => l.ctx).join(', ')} are not distinct`);
    for (const l of loaded) {
      assert.equal(l.engine.info().device, l.device, `engine loaded with { device: ${l.device} }`);
      if (setup?.cpuOnly === true) continue; // the CPU-only double makes no CUDA call, so it cannot say
      for (const api of ['IRuntime::deserializeCudaEngine', 'ICudaEngine::createExecutionContext']) {
        const values = l.loadLines.filter((x) => x.api === api).map((x) => x.fields.get('cur-device'));
        assert.deepEqual(values, [String(l.device)], `${api} while loading on device ${l.device}: cur-device ${tally(values)}`);
      }
    }
  });

  test(`${CALLS_PER_DEVICE} concurrent calls per engine, interleaved, each equal to its own reference`, { skip: noCompute, timeout: 120_000 }, async () => {
    const jobs = Array.from({ length: CALLS_PER_DEVICE }, (_, i) => loaded.map((l, k) => {
      // Shapes and values differ per call and per engine, so a result routed to the wrong call or device shows.
      const shape = [1 + (i % 2), 3, 4 + i, 3 + 2 * k];
      const x = uniform(shape.reduce((p, d) => p * d, 1), 10_000 * (k + 1) + i);
      return { l, i, shape, x };
    })).flat();
    const results = await Promise.all(jobs.map(async (j) => {
      callsMade.set(j.l.device, (callsMade.get(j.l.device) ?? 0) + 1);
      return j.l.engine.infer({ inputs: [{ name: 'input', shape: j.shape, data: j.x }] });
    }));
    for (const [n, r] of results.entries()) {
      const { l, i, shape, x } = jobs[n]!;
      const diff = describeFloat32Difference(`device ${l.device}, call ${i}`, output(r), affineReference(x, shape, A, B), x);
      assert.equal(diff, '', diff);
    }
    for (const l of loaded) assert.equal(l.engine._debug().calls, CALLS_PER_DEVICE, `calls counted by the engine on device ${l.device}`);
  });

  test('every enqueueV3 ran with its engine\'s device current, on tensor addresses of that device (trace)', { skip: noCompute }, () => {
    const lines = trace.lines();
    const byCtx = new Map(loaded.map((l) => [l.ctx, l.device]));
    const problems: string[] = [];
    for (const l of loaded) {
      const mine = lines.filter((x) => x.fields.get('ctx') === l.ctx);
      const enqueues = mine.filter((x) => x.api === 'IExecutionContext::enqueueV3');
      const enqueueDevices = enqueues.map((x) => x.fields.get('cur-device'));
      const addresses = mine.filter((x) => /^IExecutionContext::set(Input|Output)?TensorAddress$/.test(x.api));
      const addressDevices = addresses.map((x) => x.fields.get('ptr-device'));
      console.log(`  engine on device ${l.device} (ctx ${l.ctx}): enqueueV3 cur-device ${tally(enqueueDevices)}; tensor addresses ptr-device ${tally(addressDevices)}`);
      if (enqueues.length !== (callsMade.get(l.device) ?? 0)) problems.push(`device ${l.device}: ${enqueues.length} enqueueV3 lines for ${callsMade.get(l.device) ?? 0} calls`);
      if (!enqueueDevices.every((d) => d === String(l.device))) problems.push(`device ${l.device}: enqueueV3 ran with cur-device ${tally(enqueueDevices)}`);
      // At least one: the addon may skip re-setting an address that has not changed.
      if (addresses.length === 0) problems.push(`device ${l.device}: no tensor address set`);
      if (!addressDevices.every((d) => d === String(l.device))) problems.push(`device ${l.device}: tensor addresses on ptr-device ${tally(addressDevices)}`);
    }
    // Nothing may escape attribution: an enqueue with an unknown context would be a call we cannot vouch for.
    const stray = lines.filter((x) => x.api === 'IExecutionContext::enqueueV3' && !byCtx.has(x.fields.get('ctx') ?? ''));
    if (stray.length > 0) problems.push(`${stray.length} enqueueV3 lines with a context of none of the engines: ${tally(stray.map((x) => x.fields.get('ctx')))}`);
    assert.deepEqual(problems, []);
  });

  test('device memory falls on the device of the engine that allocates, and only there (cudaMemGetInfo)', { skip: noCompute, timeout: 120_000 }, async () => {
    // The default profile's max input, [8, 3, 512, 512] float32: 24 MiB in, 24 MiB out on the device.
    const shape = [8, 3, 512, 512];
    const x = uniform(shape.reduce((p, d) => p * d, 1), 4242);
    for (const grower of loaded) {
      const before = loaded.map((l) => l.engine._debug());
      const r = await grower.engine.infer({ inputs: [{ name: 'input', shape, data: x }] });
      const afterAll = loaded.map((l) => l.engine._debug());
      const k = loaded.indexOf(grower);
      const grew = afterAll[k]!.deviceBytes - before[k]!.deviceBytes;
      const drops = loaded.map((_l, j) => before[j]!.deviceFreeBytes - afterAll[j]!.deviceFreeBytes);
      const report = `engine on device ${grower.device} grew its device buffers by ${(grew / MIB).toFixed(1)} MiB; free memory fell by ` +
        loaded.map((l, j) => `${(drops[j]! / MIB).toFixed(1)} MiB on device ${l.device}`).join(', ');
      console.log(`  ${report}`);
      assert.ok(before.every((d) => d.deviceFreeBytes > 0), `cudaMemGetInfo failed: ${JSON.stringify(before)}`);
      // At least the 24 MiB input slot is new (outputs may live in memory the addon pools differently).
      assert.ok(grew >= 20 * MIB, `the addon allocated only ${grew} bytes for a 24 MiB input: ${report}`);
      // cudaMalloc rounds up to its pages, so the fall is at least what was asked for, less a little for freed small buffers.
      assert.ok(drops[k]! >= grew - 2 * MIB, `free memory on device ${grower.device} fell less than the engine allocated: ${report}`);
      for (const [j, l] of loaded.entries()) {
        if (j !== k) assert.ok(Math.abs(drops[j]!) <= 4 * MIB, `free memory on device ${l.device} moved although its engine did nothing: ${report}`);
      }
      const diff = describeFloat32Difference(`large call on device ${grower.device}`, output(r), affineReference(x, shape, A, B));
      assert.equal(diff, '', diff);
      callsMade.set(grower.device, (callsMade.get(grower.device) ?? 0) + 1);
    }
  });

  test('TensorRtBackend.open(path, { device }) on each GPU: concurrent runs, each equal to its reference', { skip: noCompute }, async () => {
    const path = dir.write('affine', plan);
    const backends = await Promise.all(devices.map((device) => TensorRtBackend.open(path, { device })));
    try {
      assert.deepEqual(backends.map((b) => b.device), devices);
      const jobs = backends.flatMap((b, k) => Array.from({ length: 4 }, (_, i) => {
        const shape = [1, 3, 5 + i, 2 + k];
        return { b, k, i, shape, x: uniform(shape.reduce((p, d) => p * d, 1), 777 + 100 * k + i) };
      }));
      const runs = await Promise.all(jobs.map((j) => {
        const t: Tensor = { dtype: 'float32', shape: j.shape, data: j.x };
        return j.b.run(new Map([['input', t]]), `device${j.k}-${j.i}`);
      }));
      for (const [n, r] of runs.entries()) {
        const { k, i, shape, x } = jobs[n]!;
        const got = r.outputs.get('output')?.data;
        assert.ok(got instanceof Float32Array, `device ${devices[k]}, run ${i}: no float32 output`);
        const diff = describeFloat32Difference(`backend on device ${devices[k]}, run ${i}`, got, affineReference(x, shape, A, B), x);
        assert.equal(diff, '', diff);
      }
    } finally {
      await Promise.all(backends.map((b) => b.dispose()));
    }
  });

  test('disposing every engine leaves each disposed, later calls refused', async () => {
    await Promise.all(loaded.map((l) => l.engine.dispose()));
    for (const l of loaded) {
      assert.equal(l.engine.disposed, true, `engine on device ${l.device}`);
      const err = await l.engine.infer({ inputs: [{ name: 'input', shape: [1, 3, 1, 1], data: new Float32Array(3) }] }).then(
        () => assert.fail(`engine on device ${l.device} ran after dispose`),
        (e: unknown) => e as { code?: string },
      );
      assert.equal(err.code, 'ERR_DISPOSED', `engine on device ${l.device}`);
    }
  });
});
