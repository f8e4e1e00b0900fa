// The CUDA half of the addon on a real GPU, without TensorRT: the echo engine runs the same staging,
// device-buffer, stream, event, worker-queue and dispose code as a TensorRT engine, with a
// device-to-device copy as its "compute". The oracle is the identity: each output must equal its
// own input, byte for byte. Skips as a whole (with the reason printed) where no GPU is usable.
//
// TRT_PARITY_ADDON=path selects another build, e.g. the fake-CUDA build from docs/native.md, on
// which the bandwidth and event-timing checks are skipped (its copies are plain memcpy).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { repoRoot } from '../helpers/paths.js';
import type { NativeAddon, NativeEngine, NativeInferResult } from '../../src/backends/tensorrt/native-contract.js';

interface EchoTensorSpec {
  name: string;
  dtype: string;
  shape: number[];
  location?: 'device' | 'host';
}
interface EchoSpec {
  inputs: EchoTensorSpec[];
  delayMs?: number;
  failEnqueue?: boolean;
  failCapture?: boolean;
  invalidateCapture?: boolean;
}
/** Allocation counters of one engine (test hook; see docs/native.md). */
interface DebugCounters {
  deviceAllocs: number;
  deviceBytes: number;
  pinnedAllocs: number;
  pinnedBytes: number;
  stagingSets: number;
  calls: number;
  deviceFreeBytes: number;
  deviceTotalBytes: number;
  stagingBuffers: number;
  zeroCopyInputs: number;
  copiedOutputs: number;
  pooledOutputs: number;
  outputBlocks: number;
  outputBlockBytes: number;
  outputBlockAllocs: number;
  outputPoolExhausted: number;
}
type EchoEngine = Omit<NativeEngine, '_debug' | 'stagingBuffer'> & { _debug(): DebugCounters; stagingBuffer(name: string, byteLength: number): ArrayBuffer };
type EchoAddon = NativeAddon & { _createEchoEngine(spec: EchoSpec, options?: { device?: number }): Promise<EchoEngine> };

const addonPath = process.env.TRT_PARITY_ADDON ?? join(repoRoot, 'build', 'Release', 'trt_parity.node');

function loadAddon(): { addon: EchoAddon | null; skip: string | false } {
  if (!existsSync(addonPath)) return { addon: null, skip: `no addon at ${addonPath} (run npm run build:native)` };
  try {
    const addon = createRequire(import.meta.url)(addonPath) as EchoAddon;
    const info = addon.getRuntimeInfo();
    if (info.devices.length === 0) return { addon, skip: `no usable GPU: ${info.cudaError ?? 'no devices'}` };
    return { addon, skip: false };
  } catch (err) {
    return { addon: null, skip: `addon does not load: ${(err as Error).message}` };
  }
}

// Pooled outputs come back to their pool when V8 collects them: the tests below force that.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** A full GC, then enough turns of the event loop for Node to run the external buffers' finalizers (queued as immediates). */
async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Outputs of at least this many bytes go through the output pool (kPoolMinBytes in native/src/session.cc). */
const POOL_MIN_BYTES = 64 << 10;
/** Blocks one engine's output pool may hold (kPoolBlocks). */
const POOL_BLOCKS = 64;

const { addon, skip } = loadAddon();
if (skip) console.log(`GPU tests skipped: ${skip}`);
const fake = addon !== null && !skip && addon.getRuntimeInfo().devices[0]?.name.startsWith('trt-parity fake') === true;

const BYTES: Record<string, number> = { float32: 4, float16: 2, bfloat16: 2, int8: 1, uint8: 1, bool: 1, int32: 4, int64: 8 };

/** Deterministic bytes (xorshift32), different per seed. */
function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

function outputBytes(r: NativeInferResult, name: string): Uint8Array {
  const o = r.outputs.find((x) => x.name === name);
  assert.ok(o, `no output ${name}`);
  return new Uint8Array(o.data);
}

async function echo(spec: EchoSpec): Promise<EchoEngine> {
  assert.ok(addon);
  return addon._createEchoEngine(spec);
}

const one = (rows: number, seed: number, dtype = 'float32', cols = 3) => ({
  inputs: [{ name: 'x', shape: [rows, cols], data: bytes(rows * cols * (BYTES[dtype] ?? 1), seed) }],
});

describe('CUDA part of the native addon (echo engine)', { skip }, () => {
  test('device info is complete', () => {
    assert.ok(addon);
    const info = addon.getRuntimeInfo();
    assert.equal(info.cudaError, null);
    assert.ok(info.cudaDriverVersion >= 12000, `driver ${info.cudaDriverVersion}`);
    for (const [i, d] of info.devices.entries()) {
      assert.equal(d.index, i);
      assert.ok(d.name.length > 0);
      assert.match(d.computeCapability, /^\d+\.\d+$/);
      assert.ok(d.totalMemoryBytes > 1e9, `${d.totalMemoryBytes}`);
      assert.match(d.pciBusId, /^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-9a-f]$/i);
    }
  });

  test('a device index that does not exist is ERR_NO_DEVICE naming the devices that do', async () => {
    assert.ok(addon);
    const n = addon.getRuntimeInfo().devices.length;
    const err = (await addon._createEchoEngine({ inputs: [{ name: 'x', dtype: 'uint8', shape: [-1] }] }, { device: n }).then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    )) as Error & { code: string };
    assert.equal(err.code, 'ERR_NO_DEVICE');
    assert.match(err.message, new RegExp(`device ${n} does not exist; devices here: 0 \\(`));
  });

  test('every dtype size round-trips byte for byte, including empty tensors and host inputs', async () => {
    const dtypes = Object.keys(BYTES);
    const engine = await echo({
      inputs: [
        ...dtypes.map((dtype) => ({ name: dtype, dtype, shape: [-1, 5] })),
        { name: 'host', dtype: 'int64', shape: [3], location: 'host' as const },
      ],
    });
    try {
      const info = engine.info();
      assert.equal(info.tensors.length, 2 * (dtypes.length + 1));
      for (const rows of [7, 0, 1]) {
        const inputs = dtypes.map((dtype, i) => ({ name: dtype, shape: [rows, 5], data: bytes(rows * 5 * BYTES[dtype]!, 100 * rows + i) }));
        const host = { name: 'host', shape: [3], data: new BigInt64Array([-1n, 2n ** 40n, 7n]) };
        const r = await engine.infer({ inputs: [...inputs, host] });
        for (const input of inputs) {
          const out = r.outputs.find((o) => o.name === `${input.name}_echo`);
          assert.ok(out);
          assert.equal(out.dtype, input.name);
          assert.deepEqual(out.shape, [rows, 5]);
          assert.equal(out.data.byteLength, rows * 5 * BYTES[input.name]!);
          assert.deepEqual(new Uint8Array(out.data), input.data, `${input.name} rows=${rows}`);
        }
        assert.deepEqual(Array.from(new BigInt64Array(r.outputs.find((o) => o.name === 'host_echo')!.data)), [-1n, 2n ** 40n, 7n]);
      }
    } finally {
      await engine.dispose();
    }
  });

  test('bad requests reject with ERR_INVALID_ARGUMENT and leave the engine usable', async () => {
    const engine = await echo({ inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 3] }] });
    try {
      const code = (p: Promise<unknown>) => p.then(() => 'resolved', (e: { code: string }) => e.code);
      assert.equal(await code(engine.infer({ inputs: [{ name: 'y', shape: [1, 3], data: new Float32Array(3) }] })), 'ERR_INVALID_ARGUMENT');
      assert.equal(await code(engine.infer({ inputs: [{ name: 'x', shape: [1, 3], data: new Float32Array(4) }] })), 'ERR_INVALID_ARGUMENT');
      assert.equal(await code(engine.infer({ inputs: [{ name: 'x', shape: [1, 4], data: new Float32Array(4) }] })), 'ERR_INVALID_ARGUMENT');
      assert.equal(await code(engine.infer({ inputs: [] })), 'ERR_INVALID_ARGUMENT');
      assert.equal(await code(engine.infer({ profile: 1, ...one(1, 1) })), 'ERR_INVALID_ARGUMENT');
      const r = await engine.infer(one(2, 9));
      assert.deepEqual(outputBytes(r, 'x_echo'), one(2, 9).inputs[0]!.data);
    } finally {
      await engine.dispose();
    }
  });

  test('a failing enqueue rejects with ERR_TRT and its log lines', async () => {
    const engine = await echo({ inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 3] }], failEnqueue: true });
    try {
      const err = (await engine.infer(one(1, 1)).then(() => assert.fail('expected a rejection'), (e: unknown) => e)) as Error & { code: string };
      assert.equal(err.code, 'ERR_TRT');
      assert.match(err.message, /enqueue failed/);
    } finally {
      await engine.dispose();
    }
  });

  test('pinned staging and device buffers are reused across calls, and grow only when needed', async () => {
    const engine = await echo({ inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 3] }] });
    try {
      await engine.infer(one(64, 1));
      const warm = engine._debug();
      assert.equal(warm.stagingSets, 1);
      for (let i = 0; i < 50; i++) await engine.infer(one(1 + (i % 64), i));
      const after = engine._debug();
      assert.equal(after.pinnedAllocs, warm.pinnedAllocs, 'no new pinned allocation for calls that fit');
      assert.equal(after.deviceAllocs, warm.deviceAllocs, 'no new device allocation for calls that fit');
      assert.equal(after.stagingSets, 1);
      assert.equal(after.calls, warm.calls + 50);
      await engine.infer(one(100_000, 2));
      assert.ok(engine._debug().pinnedAllocs > after.pinnedAllocs, 'a larger input must grow the staging (the counter works)');
    } finally {
      await engine.dispose();
    }
    const freed = engine._debug();
    assert.equal(freed.deviceBytes, 0);
    assert.equal(freed.pinnedBytes, 0);
  });

  test('event timings are sane and match the copy sizes', { skip: fake ? 'fake CUDA: copies are memcpy' : false }, async () => {
    const rows = Math.floor((64 << 20) / 12); // about 64 MiB of float32 x 3
    const engine = await echo({ inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 3] }] });
    try {
      await engine.infer(one(rows, 1));
      const { timing } = await engine.infer(one(rows, 2));
      const bytesMoved = rows * 12;
      for (const k of ['h2dMs', 'computeMs', 'd2hMs', 'enqueueMs', 'nativeMs'] as const) assert.ok(timing[k] > 0, `${k} ${timing[k]}`);
      // Pinned PCIe/NVLink-C2C copies: 64 MiB takes 1-20 ms (3-60 GB/s); anything else means the events are wrong.
      for (const k of ['h2dMs', 'd2hMs'] as const) {
        const gbps = bytesMoved / (timing[k] / 1000) / 1e9;
        assert.ok(gbps > 3 && gbps < 200, `${k} ${timing[k]} ms = ${gbps.toFixed(1)} GB/s`);
      }
      assert.ok(timing.nativeMs >= timing.h2dMs + timing.computeMs + timing.d2hMs - 0.5, JSON.stringify(timing));
    } finally {
      await engine.dispose();
    }
  });

  test('a stream-ordered delay shows up as compute time', async () => {
    const engine = await echo({ inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 3] }], delayMs: 150 });
    try {
      const { timing } = await engine.infer(one(4, 1));
      assert.ok(timing.computeMs >= 140, `computeMs ${timing.computeMs}`);
      assert.ok(timing.nativeMs >= 140, `nativeMs ${timing.nativeMs}`);
    } finally {
      await engine.dispose();
    }
  });

  test('dispose during a call: the running call finishes, queued and later calls reject, dispose is idempotent', async () => {
    const engine = await echo({ inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 3] }], delayMs: 300 });
    const running = engine.infer(one(5, 1));
    const queued = engine.infer(one(5, 2));
    await new Promise((r) => setTimeout(r, 50));
    const disposing = engine.dispose();
    assert.equal(engine.disposed, true);
    const later = engine.infer(one(5, 3));
    const [a, b, c, d, e] = await Promise.allSettled([running, queued, later, disposing, engine.dispose()]);
    assert.equal(a.status, 'fulfilled');
    assert.deepEqual(outputBytes((a as PromiseFulfilledResult<NativeInferResult>).value, 'x_echo'), one(5, 1).inputs[0]!.data);
    for (const r of [b, c]) {
      assert.equal(r.status, 'rejected');
      assert.equal(((r as PromiseRejectedResult).reason as { code: string }).code, 'ERR_DISPOSED');
    }
    assert.equal(d.status, 'fulfilled');
    assert.equal(e.status, 'fulfilled');
    await engine.dispose();
    assert.equal(engine._debug().deviceBytes, 0);
    assert.equal(engine.info().tensors.length, 2, 'info() still answers after dispose');
  });

  test('32 concurrent calls each return their own input', async () => {
    const engine = await echo({ inputs: [{ name: 'x', dtype: 'int32', shape: [-1, 7] }] });
    try {
      for (let round = 0; round < 2; round++) {
        const requests = Array.from({ length: 32 }, (_, i) => one(1 + ((i * 37) % 50), 1000 * round + i, 'int32', 7));
        const results = await Promise.all(requests.map((r) => engine.infer(r)));
        results.forEach((r, i) => {
          assert.deepEqual(r.outputs[0]!.shape, requests[i]!.inputs[0]!.shape);
          assert.deepEqual(outputBytes(r, 'x_echo'), requests[i]!.inputs[0]!.data, `call ${i}`);
        });
      }
      const d = engine._debug();
      assert.ok(d.stagingSets <= 32, `staging sets ${d.stagingSets}`);
      assert.equal(d.calls, 64);
    } finally {
      await engine.dispose();
    }
  });

  test('memory stays flat over 10,000 calls and 100 engines', async () => {
    const engine = await echo({ inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 16] }] });
    try {
      const request = one(32, 5, 'float32', 16);
      await Promise.all([0, 1, 2, 3].map(() => engine.infer(request)));
      const before = engine._debug();
      for (let i = 0; i < 2500; i++) {
        const results = await Promise.all([0, 1, 2, 3].map(() => engine.infer(request)));
        if (i % 500 === 0) assert.deepEqual(outputBytes(results[3]!, 'x_echo'), request.inputs[0]!.data);
      }
      const after = engine._debug();
      assert.equal(after.calls - before.calls, 10_000);
      assert.equal(after.deviceAllocs, before.deviceAllocs);
      assert.equal(after.pinnedAllocs, before.pinnedAllocs);
      assert.equal(after.stagingSets, before.stagingSets);
      assert.equal(after.deviceBytes, before.deviceBytes);
      assert.ok(Math.abs(after.deviceFreeBytes - before.deviceFreeBytes) < 8 << 20, `free ${before.deviceFreeBytes} -> ${after.deviceFreeBytes}`);
    } finally {
      await engine.dispose();
    }
    const startFree = engine._debug().deviceFreeBytes;
    for (let i = 0; i < 100; i++) {
      const e = await echo({ inputs: [{ name: 'x', dtype: 'uint8', shape: [-1] }] });
      await e.infer({ inputs: [{ name: 'x', shape: [1 << 20], data: bytes(1 << 20, i) }] });
      await e.dispose();
    }
    const endFree = engine._debug().deviceFreeBytes;
    assert.ok(Math.abs(endFree - startFree) < 16 << 20, `free ${startFree} -> ${endFree} after 100 engines`);
  });

  test('transfers false: no outputs and no copy times once the inputs are on the device; new shapes upload once', async () => {
    const engine = await echo({ inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 3] }] });
    try {
      const first = await engine.infer({ ...one(4, 1), transfers: false });
      assert.equal(first.inputsUploaded, true, 'a fresh engine holds no inputs: they are uploaded once');
      assert.deepEqual(first.outputs, []);
      assert.equal(first.timing.d2hMs, 0);
      const normal = await engine.infer(one(4, 2));
      assert.deepEqual(outputBytes(normal, 'x_echo'), one(4, 2).inputs[0]!.data);
      assert.equal(normal.inputsUploaded, true);
      assert.equal(normal.graph, 'off');
      assert.equal(normal.graphFallbackReason, null);
      const before = engine._debug();
      for (let i = 0; i < 3; i++) {
        const r = await engine.infer({ ...one(4, 10 + i), transfers: false });
        assert.deepEqual(r.outputs, []);
        assert.equal(r.inputsUploaded, false);
        assert.equal(r.timing.h2dMs, 0);
        assert.equal(r.timing.d2hMs, 0);
        assert.ok(r.timing.computeMs >= 0 && r.timing.enqueueMs > 0, JSON.stringify(r.timing));
        assert.equal(r.graph, 'off');
      }
      assert.equal(engine._debug().deviceAllocs, before.deviceAllocs);
      const resized = await engine.infer({ ...one(5, 3), transfers: false });
      assert.equal(resized.inputsUploaded, true);
      assert.deepEqual(resized.outputs, []);
      assert.equal((await engine.infer({ ...one(5, 4), transfers: false })).inputsUploaded, false);
      const bad = await engine.infer({ ...one(5, 4), transfers: 'no' as never }).then(() => 'resolved', (e: { code: string }) => e.code);
      assert.equal(bad, 'ERR_INVALID_ARGUMENT');
    } finally {
      await engine.dispose();
    }
  });

  test('cudaGraph: captured, then replayed with each call\'s own data; any change of state captures again', async () => {
    const engine = await echo({ inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 3] }, { name: 'h', dtype: 'int64', shape: [2], location: 'host' }] });
    const request = (rows: number, seed: number, h: bigint[] = [1n, 2n], extra: { transfers?: boolean; cudaGraph?: boolean } = { cudaGraph: true }) => ({
      inputs: [...one(rows, seed).inputs, { name: 'h', shape: [2], data: BigInt64Array.from(h) }],
      ...extra,
    });
    const run = async (rows: number, seed: number, h?: bigint[], extra?: { transfers?: boolean; cudaGraph?: boolean }) => {
      const r = await engine.infer(request(rows, seed, h, extra));
      if (extra?.transfers !== false) {
        assert.deepEqual(outputBytes(r, 'x_echo'), one(rows, seed).inputs[0]!.data, `rows ${rows} seed ${seed} (${r.graph})`);
        assert.deepEqual(Array.from(new BigInt64Array(outputBytes(r, 'h_echo').buffer)), h ?? [1n, 2n]);
      }
      assert.equal(r.graphFallbackReason, null);
      return r.graph;
    };
    try {
      assert.equal(await run(4, 1), 'captured');
      assert.equal(await run(4, 2), 'replayed');
      assert.equal(await run(4, 3), 'replayed');
      assert.equal(await run(64, 4), 'captured', 'shape change (and buffer growth: new addresses)');
      assert.equal(await run(64, 5), 'replayed');
      assert.equal(await run(4, 6), 'captured', 'back to a smaller shape: another state');
      assert.equal(await run(4, 7, [3n, 4n]), 'captured', 'host-input values are part of the state');
      assert.equal(await run(4, 8, [3n, 4n], {}), 'off');
      assert.equal(await run(4, 9, [3n, 4n]), 'replayed', 'a plain call in the same state keeps the graph');
      assert.equal(await run(4, 10, [3n, 4n], { cudaGraph: true, transfers: false }), 'replayed');
      assert.equal(await run(4, 11, [3n, 4n]), 'replayed');
      const d = engine._debug();
      assert.equal(d.calls, 11);
    } finally {
      await engine.dispose();
    }
    assert.equal(engine._debug().deviceBytes, 0, 'dispose with a live graph frees every buffer');
  });

  test('cudaGraph replays stream-ordered work: the delay shows up as compute time, enqueueMs is the launch', async () => {
    const engine = await echo({ inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 3] }], delayMs: 60 });
    try {
      const captured = await engine.infer({ ...one(4, 1), cudaGraph: true });
      assert.equal(captured.graph, 'captured');
      assert.ok(captured.timing.computeMs >= 55, `captured computeMs ${captured.timing.computeMs}`);
      assert.ok(captured.timing.nativeMs >= 2 * 55, `nativeMs ${captured.timing.nativeMs} includes the warm-up enqueue`);
      const replayed = await engine.infer({ ...one(4, 2), cudaGraph: true });
      assert.equal(replayed.graph, 'replayed');
      assert.ok(replayed.timing.computeMs >= 55, `replayed computeMs ${replayed.timing.computeMs}`);
      assert.ok(replayed.timing.enqueueMs > 0, `enqueueMs ${replayed.timing.enqueueMs}`);
      assert.deepEqual(outputBytes(replayed, 'x_echo'), one(4, 2).inputs[0]!.data);
    } finally {
      await engine.dispose();
    }
  });

  test('a capture that fails falls back to plain enqueue, says why, and later calls still work', async () => {
    const failing = await echo({ inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 3] }], failCapture: true });
    try {
      for (const [rows, seed] of [[4, 1], [4, 2], [6, 3]] as const) {
        const r = await failing.infer({ ...one(rows, seed), cudaGraph: true });
        assert.equal(r.graph, 'fallback');
        assert.match(r.graphFallbackReason ?? '', /^enqueue failed during stream capture: enqueue failed \(echo engine with failCapture\)$/);
        assert.deepEqual(outputBytes(r, 'x_echo'), one(rows, seed).inputs[0]!.data);
      }
      const plain = await failing.infer(one(4, 4));
      assert.equal(plain.graph, 'off');
      assert.deepEqual(outputBytes(plain, 'x_echo'), one(4, 4).inputs[0]!.data);
    } finally {
      await failing.dispose();
    }

    const invalidating = await echo({ inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 3] }], invalidateCapture: true });
    try {
      const r = await invalidating.infer({ ...one(4, 1), cudaGraph: true });
      assert.equal(r.graph, 'fallback');
      assert.match(r.graphFallbackReason ?? '', /^cudaStreamEndCapture failed: .*\(901\).*\(enqueue did something a graph cannot capture\)$/);
      assert.deepEqual(outputBytes(r, 'x_echo'), one(4, 1).inputs[0]!.data);
      const again = await invalidating.infer(one(4, 2));
      assert.deepEqual(outputBytes(again, 'x_echo'), one(4, 2).inputs[0]!.data);
    } finally {
      await invalidating.dispose();
    }

    const broken = await echo({ inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 3] }], failEnqueue: true });
    try {
      for (let i = 0; i < 2; i++) {
        const err = (await broken.infer({ ...one(1, 1), cudaGraph: true }).then(() => assert.fail('expected a rejection'), (e: unknown) => e)) as Error & { code: string };
        assert.equal(err.code, 'ERR_TRT', 'the warm-up enqueue outside capture fails as a plain call would');
      }
    } finally {
      await broken.dispose();
    }
  });
  test('stagingBuffer: data written into it is read in place (no copy), also through a view at an offset, and re-read on every call', async () => {
    const engine = await echo({ inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 3] }, { name: 'h', dtype: 'int64', shape: [2], location: 'host' }] });
    try {
      const rows = 50;
      const staging = engine.stagingBuffer('x', rows * 12);
      assert.ok(staging instanceof ArrayBuffer);
      assert.equal(staging.byteLength, rows * 12);
      const hostStaging = engine.stagingBuffer('h', 16);
      const h = new BigInt64Array(hostStaging);
      h.set([5n, -6n]);
      const view = new Uint8Array(staging);
      const run = async (data: ArrayBufferView, n: number) => engine.infer({ inputs: [{ name: 'x', shape: [n, 3], data }, { name: 'h', shape: [2], data: h }] });
      const before = engine._debug();
      let pinnedAfterFirst = -1;
      for (const seed of [1, 2, 3]) {
        const want = bytes(rows * 12, seed);
        view.set(want);
        const r = await run(view, rows);
        if (seed === 1) pinnedAfterFirst = engine._debug().pinnedAllocs; // the (copied) outputs' staging
        assert.deepEqual(outputBytes(r, 'x_echo'), want, `seed ${seed}: the call reads what is in the buffer now`);
        assert.deepEqual(Array.from(new BigInt64Array(outputBytes(r, 'h_echo').buffer)), [5n, -6n]);
      }
      // A view of the last 10 rows, starting 40 rows in.
      const tail = new Uint8Array(staging, 40 * 12, 10 * 12);
      assert.deepEqual(outputBytes(await run(tail, 10), 'x_echo'), bytes(rows * 12, 3).subarray(40 * 12));
      const after = engine._debug();
      assert.equal(after.stagingBuffers, before.stagingBuffers);
      assert.equal(after.zeroCopyInputs - before.zeroCopyInputs, 8, 'x and h of 4 calls were read in place');
      assert.equal(after.pinnedAllocs, pinnedAfterFirst, 'no input staging was needed');
      // Plain typed arrays are still copied, as before.
      const plain = one(4, 9);
      assert.deepEqual(outputBytes(await run(plain.inputs[0]!.data, 4), 'x_echo'), plain.inputs[0]!.data);
      assert.equal(engine._debug().zeroCopyInputs - after.zeroCopyInputs, 1, 'only h was read in place');
    } finally {
      await engine.dispose();
    }
  });

  test('stagingBuffer: a newer buffer replaces the older one, which stays valid memory and is then copied like any array', async () => {
    const engine = await echo({ inputs: [{ name: 'x', dtype: 'uint8', shape: [-1] }] });
    try {
      const first = new Uint8Array(engine.stagingBuffer('x', 1000));
      first.set(bytes(1000, 1));
      const second = new Uint8Array(engine.stagingBuffer('x', 2000));
      second.set(bytes(2000, 2));
      first.set(bytes(1000, 3)); // still writable: its memory lives as long as the ArrayBuffer does
      const d0 = engine._debug();
      assert.equal(d0.stagingBuffers, 2);
      const a = await engine.infer({ inputs: [{ name: 'x', shape: [1000], data: first }] });
      assert.deepEqual(outputBytes(a, 'x_echo'), bytes(1000, 3));
      assert.equal(engine._debug().zeroCopyInputs, d0.zeroCopyInputs, 'the replaced buffer is copied');
      const b = await engine.infer({ inputs: [{ name: 'x', shape: [2000], data: second }] });
      assert.deepEqual(outputBytes(b, 'x_echo'), bytes(2000, 2));
      assert.equal(engine._debug().zeroCopyInputs, d0.zeroCopyInputs + 1, 'the current buffer is read in place');
      const empty = engine.stagingBuffer('x', 0);
      assert.equal(empty.byteLength, 0);
      const c = await engine.infer({ inputs: [{ name: 'x', shape: [0], data: new Uint8Array(empty) }] });
      assert.equal(outputBytes(c, 'x_echo').byteLength, 0);
    } finally {
      await engine.dispose();
    }
  });

  test('stagingBuffer: bad arguments are ERR_INVALID_ARGUMENT; after dispose it is ERR_DISPOSED and old buffers stay usable', async () => {
    const engine = await echo({ inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 3] }] });
    const code = (f: () => unknown): string => {
      try {
        f();
        return 'returned';
      } catch (e) {
        return (e as { code: string }).code;
      }
    };
    const kept = new Uint8Array(engine.stagingBuffer('x', 4096));
    kept.set(bytes(4096, 7));
    assert.equal(code(() => engine.stagingBuffer('y', 12)), 'ERR_INVALID_ARGUMENT');
    assert.equal(code(() => engine.stagingBuffer('x_echo', 12)), 'ERR_INVALID_ARGUMENT', 'outputs have no staging buffer');
    for (const n of [-1, 1.5, Number.NaN, 2 ** 41]) assert.equal(code(() => engine.stagingBuffer('x', n)), 'ERR_INVALID_ARGUMENT', `byteLength ${n}`);
    assert.equal(code(() => (engine.stagingBuffer as (n: unknown, l: unknown) => unknown)(3, 12)), 'ERR_INVALID_ARGUMENT');
    assert.equal(code(() => (engine.stagingBuffer as (n: unknown, l: unknown) => unknown)('x', '12')), 'ERR_INVALID_ARGUMENT');
    await engine.dispose();
    assert.equal(code(() => engine.stagingBuffer('x', 12)), 'ERR_DISPOSED');
    await collect();
    // The engine freed its buffers, but this one is still ours: writing and reading it must be safe (ASan checks this build).
    kept.fill(0xab);
    assert.equal(kept[4095], 0xab);
    assert.equal(engine._debug().pinnedBytes, 0);
  });

  test('pooled outputs: large outputs are handed over without a copy, each call gets its own block, small ones are copied', async () => {
    const engine = await echo({ inputs: [{ name: 'x', dtype: 'uint8', shape: [-1] }] });
    try {
      const n = POOL_MIN_BYTES + 1000;
      const results = [];
      for (let seed = 1; seed <= 3; seed++) results.push(await engine.infer({ inputs: [{ name: 'x', shape: [n], data: bytes(n, seed) }] }));
      for (const [i, r] of results.entries()) assert.deepEqual(outputBytes(r, 'x_echo'), bytes(n, i + 1), `call ${i}: a later call must not reuse a block still referenced`);
      let d = engine._debug();
      assert.equal(d.pooledOutputs, 3);
      assert.equal(d.copiedOutputs, 0);
      assert.equal(d.outputBlocks, 3);
      assert.ok(d.outputBlockBytes >= 3 * n, `${d.outputBlockBytes}`);
      engine._tune({ pooledOutputs: false });
      const copied = await engine.infer({ inputs: [{ name: 'x', shape: [n], data: bytes(n, 4) }] });
      engine._tune({ pooledOutputs: true });
      assert.deepEqual(outputBytes(copied, 'x_echo'), bytes(n, 4));
      const small = await engine.infer({ inputs: [{ name: 'x', shape: [POOL_MIN_BYTES - 1], data: bytes(POOL_MIN_BYTES - 1, 5) }] });
      assert.deepEqual(outputBytes(small, 'x_echo'), bytes(POOL_MIN_BYTES - 1, 5));
      d = engine._debug();
      assert.equal(d.copiedOutputs, 2, 'pooledOutputs false and an output under the threshold are copied');
      assert.equal(d.pooledOutputs, 3);
      assert.throws(() => engine._tune({ pooledOutputs: 1 as never }), (e: { code?: string }) => e.code === 'ERR_INVALID_ARGUMENT');
    } finally {
      await engine.dispose();
    }
  });

  test('pooled outputs: past the cap outputs are copied; collected ones come back and are reused without new allocations', async () => {
    const engine = await echo({ inputs: [{ name: 'x', dtype: 'uint8', shape: [-1] }] });
    try {
      const n = POOL_MIN_BYTES;
      const held: NativeInferResult[] = [];
      for (let i = 0; i < POOL_BLOCKS + 3; i++) held.push(await engine.infer({ inputs: [{ name: 'x', shape: [n], data: bytes(n, i) }] }));
      for (const [i, r] of held.entries()) assert.deepEqual(outputBytes(r, 'x_echo'), bytes(n, i), `held call ${i}`);
      const full = engine._debug();
      // V8 may have collected nothing (all are held), so the pool is at its cap.
      assert.equal(full.outputBlocks, POOL_BLOCKS);
      assert.equal(full.pooledOutputs, POOL_BLOCKS);
      assert.equal(full.copiedOutputs, 3);
      assert.ok(full.outputPoolExhausted >= 3);
      held.length = 0;
      await collect();
      const back = engine._debug();
      assert.equal(back.outputBlocks, POOL_BLOCKS, 'collected blocks wait in the pool');
      for (let i = 0; i < 20; i++) {
        const r = await engine.infer({ inputs: [{ name: 'x', shape: [n], data: bytes(n, 100 + i) }] });
        assert.deepEqual(outputBytes(r, 'x_echo'), bytes(n, 100 + i));
      }
      const reused = engine._debug();
      assert.equal(reused.pooledOutputs, back.pooledOutputs + 20);
      assert.equal(reused.copiedOutputs, back.copiedOutputs);
      assert.equal(reused.outputBlockAllocs, back.outputBlockAllocs, 'no new pinned blocks');
    } finally {
      await engine.dispose();
    }
  });

  test('pooled outputs outlive dispose: still readable afterwards, freed when collected', async () => {
    const engine = await echo({ inputs: [{ name: 'x', dtype: 'uint8', shape: [-1] }] });
    const n = POOL_MIN_BYTES * 2;
    let r: NativeInferResult | null = await engine.infer({ inputs: [{ name: 'x', shape: [n], data: bytes(n, 11) }] });
    await engine.infer({ inputs: [{ name: 'x', shape: [n], data: bytes(n, 12) }] }); // its block goes idle once collected
    await collect();
    await engine.dispose();
    assert.equal(engine._debug().outputBlocks, 1, 'dispose freed the idle block; the one still referenced lives on');
    await collect();
    assert.deepEqual(outputBytes(r, 'x_echo'), bytes(n, 11), 'readable after dispose (ASan checks this build)');
    new Uint8Array(r.outputs[0]!.data).fill(1);
    r = null;
    await collect();
    assert.equal(engine._debug().outputBlocks, 0, 'freed once collected');
    assert.equal(engine._debug().outputBlockBytes, 0);
  });

  test('16 concurrent calls with pooled outputs and a staged input each return their own data', async () => {
    const engine = await echo({ inputs: [{ name: 'x', dtype: 'uint8', shape: [-1] }, { name: 's', dtype: 'uint8', shape: [-1] }] });
    try {
      const n = POOL_MIN_BYTES + 4096;
      const staged = new Uint8Array(engine.stagingBuffer('s', n));
      staged.set(bytes(n, 999));
      const results = await Promise.all(Array.from({ length: 16 }, (_, i) => engine.infer({ inputs: [{ name: 'x', shape: [n], data: bytes(n, i) }, { name: 's', shape: [n], data: staged }] })));
      results.forEach((r, i) => {
        assert.deepEqual(outputBytes(r, 'x_echo'), bytes(n, i), `call ${i}`);
        assert.deepEqual(outputBytes(r, 's_echo'), bytes(n, 999), `call ${i} staged`);
      });
      const d = engine._debug();
      assert.equal(d.zeroCopyInputs, 16);
      assert.equal(d.pooledOutputs + d.copiedOutputs, 32);
    } finally {
      await engine.dispose();
    }
  });

  test('spinWait (test-only _tune) true and false both wait for the GPU; a non-boolean is ERR_INVALID_ARGUMENT', async () => {
    const engine = await echo({ inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 3] }], delayMs: 5 });
    try {
      for (const spinWait of [true, false, undefined]) {
        if (spinWait !== undefined) engine._tune({ spinWait });
        const r = await engine.infer(one(8, 3));
        assert.deepEqual(outputBytes(r, 'x_echo'), one(8, 3).inputs[0]!.data, `spinWait ${spinWait}`);
        assert.ok(r.timing.computeMs >= 4.5, `spinWait ${spinWait}: computeMs ${r.timing.computeMs}`);
      }
      assert.throws(() => engine._tune({ spinWait: 0 as never }), (e: { code?: string }) => e.code === 'ERR_INVALID_ARGUMENT');
      // A request option of ABI 1 is simply not read any more.
      const r = await engine.infer({ ...one(2, 1), spinWait: 0 } as never);
      assert.equal(r.outputs.length, 1);
    } finally {
      await engine.dispose();
    }
  });

  test('the call thread: queued calls give their own bytes in submission order; errors keep their code and do not wedge it', async () => {
    const engine = await echo({ inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 3] }], delayMs: 1 });
    try {
      // Queued concurrently: each call settles with its own input, in order.
      const order: number[] = [];
      const calls = Array.from({ length: 12 }, (_, i) =>
        engine.infer(one(2 + i, 100 + i)).then((r) => {
          order.push(i);
          return r;
        }),
      );
      const results = await Promise.all(calls);
      assert.deepEqual(order, [...Array(12).keys()]);
      for (const [i, r] of results.entries()) assert.deepEqual(outputBytes(r, 'x_echo'), one(2 + i, 100 + i).inputs[0]!.data, `call ${i}`);
    } finally {
      await engine.dispose();
    }
    const failing = await echo({ inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 3] }], failEnqueue: true });
    try {
      const err = await failing.infer(one(2, 1)).then(() => null, (e: { code: string; message: string }) => e);
      assert.ok(err, 'resolved');
      assert.equal(err.code, 'ERR_TRT', err.message);
      assert.match(err.message, /failEnqueue/);
      // A failed call does not wedge the thread: the engine still answers (and still fails the same way).
      const again = await failing.infer(one(2, 1)).then(() => 'resolved', (e: { code: string }) => e.code);
      assert.equal(again, 'ERR_TRT');
    } finally {
      await failing.dispose();
    }
  });

  test('on the dedicated thread: dispose during a call, calls after dispose, and an engine dropped mid-call', async () => {
    const engine = await echo({ inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 3] }], delayMs: 20 });
    const running = engine.infer(one(4, 7));
    const queued = engine.infer(one(4, 8)).then(() => 'resolved', (e: { code: string }) => e.code);
    const disposing = engine.dispose();
    assert.deepEqual(outputBytes(await running, 'x_echo'), one(4, 7).inputs[0]!.data);
    assert.equal(await queued, 'ERR_DISPOSED');
    await disposing;
    assert.equal(await engine.infer(one(1, 1)).then(() => 'resolved', (e: { code: string }) => e.code), 'ERR_DISPOSED');
    // Its only reference gone while the call runs: the promise still settles, then the engine can be collected.
    let dropped: NativeEngine | null = await echo({ inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 3] }], delayMs: 20 });
    const pending = dropped.infer(one(3, 9));
    dropped = null;
    await collect();
    assert.deepEqual(outputBytes(await pending, 'x_echo'), one(3, 9).inputs[0]!.data);
    await collect();
  });

  test('an idle engine on the dedicated thread does not keep the process alive', () => {
    // A child that runs one call and then returns from its script must exit on its own (the thread-safe function is unreferenced when idle).
    const script = `
      const addon = require(${JSON.stringify(addonPath)});
      addon._createEchoEngine({ inputs: [{ name: 'x', dtype: 'float32', shape: [2] }] })
        .then((e) => e.infer({ inputs: [{ name: 'x', shape: [2], data: new Float32Array([1, 2]) }] }))
        .then((r) => console.log('ok', new Float32Array(r.outputs[0].data).join(',')));`;
    const p = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(p.status, 0, `exit ${p.status ?? p.signal}: ${p.stderr}`);
    assert.equal(p.stdout.trim(), 'ok 1,2');
  });

  test('after the last call, neither the event loop nor the call thread keeps spinning', () => {
    // spinWait makes the loop poll while a call is in flight (at most 2 ms) and the call thread
    // poll for 500 µs after one; 300 ms after the last call the process must be idle again.
    const script = `
      const addon = require(${JSON.stringify(addonPath)});
      (async () => {
        const e = await addon._createEchoEngine({ inputs: [{ name: 'x', dtype: 'float32', shape: [1024] }] });
        for (let i = 0; i < 50; i++) await e.infer({ inputs: [{ name: 'x', shape: [1024], data: new Float32Array(1024) }] });
        await new Promise((r) => setTimeout(r, 20));
        const before = process.cpuUsage();
        await new Promise((r) => setTimeout(r, 300));
        const d = process.cpuUsage(before);
        console.log(JSON.stringify({ cpuMs: (d.user + d.system) / 1000 }));
        await e.dispose();
      })();`;
    const p = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(p.status, 0, `exit ${p.status ?? p.signal}: ${p.stderr}`);
    const { cpuMs } = JSON.parse(p.stdout.trim()) as { cpuMs: number };
    // A spinning loop or thread would burn ~300 ms of CPU here; an idle process a few ms at most.
    assert.ok(cpuMs < 30, `CPU time over 300 idle ms after the last call: ${cpuMs.toFixed(1)} ms`);
  });
});
