import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative as relativePath } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setAddonForTesting } from '../../../src/backends/tensorrt/load-addon.js';
import { TensorRtBackend } from '../../../src/backends/tensorrt/tensorrt-backend.js';
import { TensorRtError } from '../../../src/backends/tensorrt/tensorrt-error.js';
import { ExitCode, InputError, UsageError } from '../../../src/errors.js';
import type { Tensor } from '../../../src/tensor/types.js';
import { createFakeAddon, DEFAULT_TIMING, fakePlan, type FakeAddonOptions, type FakeEngineSpec } from '../../doubles/fake-native.js';

const dir = mkdtempSync(join(tmpdir(), 'trt-parity-backend-'));
function engineFile(name: string, bytes: Uint8Array = fakePlan()): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** A classifier-like engine: image [-1,3,2,2] (profile 1..4) → logits float16 [-1,2], plus int32 ids. */
const classifier: FakeEngineSpec = {
  tensors: [
    { name: 'image', mode: 'input', dtype: 'float32', shape: [-1, 3, 2, 2], profiles: [{ min: [1, 3, 2, 2], opt: [1, 3, 2, 2], max: [4, 3, 2, 2] }] },
    { name: 'ids', mode: 'input', dtype: 'int32', shape: [-1, 2], profiles: [{ min: [1, 2], opt: [1, 2], max: [4, 2] }] },
    { name: 'logits', mode: 'output', dtype: 'float16', shape: [-1, 2] },
  ],
  loadLogs: ['[W] Using an engine plan file across different models of devices is not recommended'],
  // logits[b] = [1.0, -2.0] in half bits, whatever the input: the backend must hand the bits over untouched.
  compute: (call) => {
    const b = call.inputs.get('image')!.shape[0]!;
    const data = new Uint16Array(2 * b);
    for (let i = 0; i < b; i++) data.set([0x3c00, 0xc000], 2 * i);
    return { logits: { shape: [b, 2], data } };
  },
};

function inject(options: FakeAddonOptions = {}) {
  const fake = createFakeAddon({ engine: classifier, ...options });
  setAddonForTesting(fake);
  return fake;
}

const image = (b = 1): Tensor => ({ dtype: 'float32', shape: [b, 3, 2, 2], data: new Float32Array(b * 12).fill(0.25) });
const ids = (b = 1, values: bigint[] = Array.from({ length: 2 * b }, (_, i) => BigInt(i + 1))): Tensor => ({ dtype: 'int64', shape: [b, 2], data: BigInt64Array.from(values) });
const feeds = (b = 1): Map<string, Tensor> => new Map([['image', image(b)], ['ids', ids(b)]]);

afterEach(() => setAddonForTesting(undefined));

describe('open', () => {
  test('describes I/O as TensorInfo and passes options to the addon', async () => {
    const fake = inject();
    const path = engineFile('ok.engine', fakePlan('10.16.0.32'));
    const plugin = engineFile('libplug.so', new Uint8Array(8));
    const trt = await TensorRtBackend.open(path, { device: 0, allowHostCode: true, plugins: [plugin], logLevel: 'info' });
    assert.equal(trt.name, 'tensorrt');
    assert.equal(trt.source, path);
    assert.deepEqual(trt.inputs, [{ name: 'image', dtype: 'float32', shape: [null, 3, 2, 2] }, { name: 'ids', dtype: 'int32', shape: [null, 2] }]);
    assert.deepEqual(trt.outputs, [{ name: 'logits', dtype: 'float16', shape: [null, 2] }]);
    assert.equal(trt.planVersion, '10.16.0.32');
    assert.equal(trt.ultralytics, null);
    assert.deepEqual(trt.loadLogs, classifier.loadLogs);
    assert.deepEqual(fake.loadCalls[0]!.options, { device: 0, allowHostCode: true, plugins: [plugin], logLevel: 'info' });
    assert.deepEqual([...fake.loadCalls[0]!.plan], [...fakePlan('10.16.0.32')]);
    await trt.dispose();
  });

  test('a missing, empty or directory engine is an InputError naming the file (exit 2)', async () => {
    inject();
    const missing = join(dir, 'missing.engine');
    await assert.rejects(TensorRtBackend.open(missing), (err: unknown) => err instanceof InputError && err.exitCode === ExitCode.usage && err.message === `${missing}: no such file`);
    await assert.rejects(TensorRtBackend.open(engineFile('empty.engine', new Uint8Array(0))), /empty\.engine: is empty, not a TensorRT engine$/);
    const sub = join(dir, 'a-dir.engine');
    mkdirSync(sub, { recursive: true });
    await assert.rejects(TensorRtBackend.open(sub), /a-dir\.engine: is a directory, not a TensorRT engine file$/);
  });

  test('bad options are UsageErrors, checked before anything loads', async () => {
    const fake = inject();
    await assert.rejects(TensorRtBackend.open(engineFile('o.engine'), { device: -1 }), (err: unknown) => err instanceof UsageError && err.message === 'Expected a non-negative integer for --device but received -1');
    await assert.rejects(TensorRtBackend.open(engineFile('o.engine'), { logLevel: 'loud' as never }), /Expected one of error, warning, info, verbose for the TensorRT log level but received 'loud'/);
    assert.equal(fake.loadCalls.length, 0);
  });

  test('TensorRT unavailable: classified TensorRtError, exit 3, no engine load attempted', async () => {
    const fake = inject({ runtime: { devices: [], cudaError: 'cudaErrorNoDevice (100): no CUDA-capable device is detected' } });
    await assert.rejects(TensorRtBackend.open(engineFile('x.engine')), (err: unknown) => {
      assert.ok(err instanceof TensorRtError);
      assert.equal(err.exitCode, ExitCode.backend);
      assert.equal(err.reason, 'no-gpu');
      return true;
    });
    assert.equal(fake.loadCalls.length, 0);
  });

  test('an incompatible plan: engine-incompatible with the plan version from the file and the TRT log lines', async () => {
    inject({ loadError: { code: 'ERR_ENGINE_INCOMPATIBLE', message: 'deserializeCudaEngine returned null\nIRuntime::deserializeCudaEngine: Error Code 6: API Usage Error (The engine plan file is not compatible with this version of TensorRT, expecting library version 10.16.0.1 got 10.3.0.26, please rebuild.)' } });
    const path = engineFile('old.engine', fakePlan('10.3.0.26'));
    await assert.rejects(TensorRtBackend.open(path), (err: unknown) => {
      assert.ok(err instanceof TensorRtError);
      assert.equal(err.reason, 'engine-incompatible');
      assert.equal(err.message, `${path}: TensorRT cannot load this engine here: it was built by TensorRT 10.3.0.26 (per the plan header), and this is TensorRT 10.16.0`);
      assert.equal(err.hints[0], `rebuild the engine on this machine: trtexec --onnx=<model.onnx> --saveEngine=${path}`);
      assert.equal(err.logs.length, 1);
      assert.ok(err.cause instanceof Error);
      return true;
    });
  });

  test('a plan that needs host code loads only with allowHostCode', async () => {
    inject({ engine: { ...classifier, needsHostCode: true } });
    const path = engineFile('vc.engine');
    await assert.rejects(TensorRtBackend.open(path), (err: unknown) => err instanceof TensorRtError && err.reason === 'engine-needs-host-code' && err.hints[0] === 'pass --allow-engine-host-code to load it');
    const trt = await TensorRtBackend.open(path, { allowHostCode: true });
    await trt.dispose();
  });

  test('a profile the engine lacks is a UsageError, and the engine is freed', async () => {
    const fake = inject();
    await assert.rejects(TensorRtBackend.open(engineFile('p.engine'), { profile: 1 }), (err: unknown) => err instanceof UsageError && /--profile 1 does not exist in .*p\.engine: it has 1 optimization profile \(0\.\.0\)$/.test(err.message));
    assert.equal(fake.engines[0]!.disposed, true);
  });

  test('fp8 outputs or non-linear formats: engine-unsupported, and the engine is freed', async () => {
    const fake = inject({ engine: { tensors: [{ name: 'x', mode: 'input', dtype: 'float32', shape: [1] }, { name: 'q', mode: 'output', dtype: 'fp8', shape: [1] }] } });
    await assert.rejects(TensorRtBackend.open(engineFile('fp8.engine')), (err: unknown) => err instanceof TensorRtError && err.reason === 'engine-unsupported' && /output 'q' is fp8; trt-parity runs engines whose inputs and outputs are float32/.test(err.message));
    assert.equal(fake.engines[0]!.disposed, true);
    inject({ engine: { tensors: [{ name: 'x', mode: 'input', dtype: 'float16', shape: [1, 8, 2, 2], format: 'HWC8', formatDesc: 'Eight wide channel vectorized row major format' }, { name: 'y', mode: 'output', dtype: 'float32', shape: [1] }] } });
    await assert.rejects(TensorRtBackend.open(engineFile('hwc8.engine')), /input 'x' uses HWC8 \(Eight wide channel vectorized row major format\); trt-parity only reads linear/);
  });
});

describe('run', () => {
  test('fp16 outputs stay raw bits; int64 ids reach TensorRT as int32; timing is filled', async () => {
    const fake = inject({ engine: { ...classifier, timing: { computeMs: 3.5 } } });
    const trt = await TensorRtBackend.open(engineFile('r.engine'));
    const { outputs, timing } = await trt.run(feeds(2), 'cat.jpg');
    const logits = outputs.get('logits')!;
    assert.equal(logits.dtype, 'float16');
    assert.ok(logits.data instanceof Uint16Array);
    assert.deepEqual(logits.shape, [2, 2]);
    assert.deepEqual([...logits.data], [0x3c00, 0xc000, 0x3c00, 0xc000]);
    const sent = fake.engines[0]!.requests[0]!;
    assert.equal(sent.profile, 0);
    const idsSent = sent.inputs.find((i) => i.name === 'ids')!;
    assert.ok(idsSent.data instanceof Int32Array);
    assert.deepEqual([...(idsSent.data as Int32Array)], [1, 2, 3, 4]);
    assert.deepEqual(trt.conversions, ["input 'ids': int64 → int32"]);
    assert.equal(timing.computeMs, 3.5);
    assert.equal(timing.h2dMs, DEFAULT_TIMING.h2dMs);
    assert.equal(timing.d2hMs, DEFAULT_TIMING.d2hMs);
    assert.equal(timing.enqueueMs, DEFAULT_TIMING.enqueueMs);
    assert.ok(timing.wallMs >= 0 && Number.isFinite(timing.wallMs));
    await trt.dispose();
  });

  test('out-of-profile shapes fail in TypeScript with the allowed range, before native is called', async () => {
    const fake = inject();
    const trt = await TensorRtBackend.open(engineFile('r2.engine'));
    await assert.rejects(trt.run(feeds(5), 'big.jpg'), (err: unknown) => err instanceof InputError && err.message === "big.jpg: input 'image' has shape [5,3,2,2], outside optimization profile 0 of the TensorRT engine: allowed [1,3,2,2] .. [4,3,2,2] (dim 0 is 5, allowed 1..4)");
    assert.equal(fake.engines[0]!.requests.length, 0);
    // The queue survives a failed run.
    assert.equal((await trt.run(feeds(1), 'ok.jpg')).outputs.size, 1);
    await trt.dispose();
  });

  test('native errors with codes become classified TensorRtErrors with the run logs', async () => {
    inject({ engine: { ...classifier, inferError: (c) => (c.index === 0 ? { code: 'ERR_CUDA', message: 'cudaMemcpyAsync: cudaErrorIllegalAddress (700): an illegal memory access was encountered\n[E] [executionContext.cpp::enqueueV3] Error Code 1: Cuda Runtime' } : undefined) } });
    const trt = await TensorRtBackend.open(engineFile('e.engine'));
    await assert.rejects(trt.run(feeds(), 'a.jpg'), (err: unknown) => {
      assert.ok(err instanceof TensorRtError);
      assert.equal(err.reason, 'cuda-error');
      assert.match(err.message, /e\.engine on a\.jpg: a CUDA call failed while running it: \[E\] \[executionContext\.cpp::enqueueV3\] Error Code 1: Cuda Runtime$/);
      assert.deepEqual(err.logs, ['[E] [executionContext.cpp::enqueueV3] Error Code 1: Cuda Runtime']);
      return true;
    });
    assert.equal((await trt.run(feeds(), 'b.jpg')).outputs.size, 1);
    await trt.dispose();
  });

  test('concurrent calls are serialized, in order', async () => {
    const spec: FakeEngineSpec = {
      tensors: [{ name: 'x', mode: 'input', dtype: 'int32', shape: [1] }, { name: 'y', mode: 'output', dtype: 'int32', shape: [1] }],
      inferDelayMs: 5,
      compute: (c) => ({ y: { shape: [1], data: Int32Array.from([c.index * 100 + new Int32Array(c.inputs.get('x')!.bytes.buffer)[0]!]) } }),
    };
    const fake = inject({ engine: spec });
    const trt = await TensorRtBackend.open(engineFile('s.engine'));
    const runs = [0, 1, 2, 3, 4].map((i) => trt.run(new Map([['x', { dtype: 'int32', shape: [1], data: Int32Array.from([i]) } as Tensor]]), `k${i}`));
    const ys = (await Promise.all(runs)).map((r) => (r.outputs.get('y')!.data as Int32Array)[0]);
    assert.deepEqual(ys, [0, 101, 202, 303, 404]);
    assert.equal(fake.engines[0]!.maxPending, 1, 'never two native calls at once');
    await trt.dispose();
  });
});

describe('dispose', () => {
  test('during a call: the call completes, then the engine is freed; later runs reject; idempotent', async () => {
    const fake = inject({ engine: { ...classifier, inferDelayMs: 30 } });
    const trt = await TensorRtBackend.open(engineFile('d.engine'));
    const running = trt.run(feeds(), 'a.jpg');
    const d1 = trt.dispose();
    const d2 = trt.dispose();
    assert.equal(d1, d2);
    const engine = fake.engines[0]!;
    assert.equal(engine.disposed, false, 'not freed while the call is in flight');
    const { outputs } = await running;
    assert.equal(outputs.get('logits')!.data.length, 2);
    await d1;
    assert.equal(engine.disposed, true);
    assert.equal(engine.disposeCalls, 1);
    await assert.rejects(trt.run(feeds(), 'b.jpg'), (err: unknown) => err instanceof TensorRtError && err.reason === 'disposed');
    assert.equal(engine.requests.length, 1, 'nothing reached native after dispose');
    await trt.dispose();
  });
});

describe('transfers and CUDA graphs (bench)', () => {
  test('plain runs send the request as before and report no graph, with transfers', async () => {
    const fake = inject();
    const trt = await TensorRtBackend.open(engineFile('plain.engine'));
    assert.deepEqual(trt.runOptions, { transfers: true, cudaGraph: false });
    const { outputs, timing } = await trt.run(feeds(), 'a.jpg');
    assert.equal(outputs.size, 1);
    assert.deepEqual(Object.keys(fake.engines[0]!.requests[0]!).sort(), ['inputs', 'profile']);
    assert.equal(timing.graph, 'off');
    assert.equal(timing.graphFallbackReason, null);
    assert.equal(timing.transfers, true);
    assert.equal(timing.inputsUploaded, true);
    assert.equal(timing.nativeMs, DEFAULT_TIMING.nativeMs);
    await trt.dispose();
  });

  test('transfers false: no outputs, no copy times; inputs uploaded once per shape', async () => {
    const fake = inject();
    const trt = await TensorRtBackend.open(engineFile('nt.engine'), { transfers: false });
    const first = await trt.run(feeds(1), 'a.jpg');
    assert.equal(first.outputs.size, 0);
    assert.equal(first.timing.transfers, false);
    assert.equal(first.timing.inputsUploaded, true, 'nothing was on the device yet');
    assert.equal(first.timing.h2dMs, DEFAULT_TIMING.h2dMs);
    assert.equal(first.timing.d2hMs, 0);
    assert.equal(first.timing.computeMs, DEFAULT_TIMING.computeMs);
    const second = await trt.run(feeds(1), 'a.jpg');
    assert.equal(second.timing.inputsUploaded, false);
    assert.equal(second.timing.h2dMs, 0);
    assert.equal(second.timing.d2hMs, 0);
    const resized = await trt.run(feeds(2), 'b.jpg');
    assert.equal(resized.timing.inputsUploaded, true, 'new shapes must be uploaded once');
    assert.equal((await trt.run(feeds(2), 'b.jpg')).timing.inputsUploaded, false);
    const sent = fake.engines[0]!.requests[0]!;
    assert.equal(sent.transfers, false);
    assert.equal('cudaGraph' in sent, false);
    await trt.dispose();
  });

  test('cudaGraph: captured, then replayed; a shape change captures again', async () => {
    const fake = inject();
    const trt = await TensorRtBackend.open(engineFile('g.engine'), { cudaGraph: true });
    const states: string[] = [];
    for (const b of [1, 1, 1, 3, 3, 1]) {
      const { outputs, timing } = await trt.run(feeds(b), `b${b}.jpg`);
      assert.deepEqual(outputs.get('logits')!.shape, [b, 2], 'transfers stay on: outputs come back');
      assert.equal(timing.graphFallbackReason, null);
      states.push(timing.graph);
    }
    assert.deepEqual(states, ['captured', 'replayed', 'replayed', 'captured', 'replayed', 'captured']);
    assert.equal(fake.engines[0]!.captures, 3);
    assert.equal(fake.engines[0]!.requests[0]!.cudaGraph, true);
    await trt.dispose();
  });

  test('per-run options override the open-time ones for that run only', async () => {
    const fake = inject();
    const trt = await TensorRtBackend.open(engineFile('o2.engine'), { cudaGraph: true });
    assert.equal((await trt.run(feeds(), 'a', { cudaGraph: false })).timing.graph, 'off');
    assert.equal('cudaGraph' in fake.engines[0]!.requests[0]!, false);
    assert.equal((await trt.run(feeds(), 'a', { cudaGraph: undefined })).timing.graph, 'captured', 'undefined keeps the default');
    const r = await trt.run(feeds(), 'a', { transfers: false });
    assert.equal(r.timing.graph, 'replayed');
    assert.equal(r.outputs.size, 0);
    await trt.dispose();
  });

  test('a capture that fails is reported as fallback with its reason, once per state, and runs go on', async () => {
    const reason = 'enqueue failed during stream capture: enqueueV3 failed';
    const fake = inject({ engine: { ...classifier, graphFallback: (c) => (c.inputs.get('image')!.shape[0] === 1 ? reason : undefined) } });
    const trt = await TensorRtBackend.open(engineFile('fb.engine'), { cudaGraph: true });
    for (let i = 0; i < 3; i++) {
      const { outputs, timing } = await trt.run(feeds(1), 'a.jpg');
      assert.equal(timing.graph, 'fallback');
      assert.equal(timing.graphFallbackReason, reason);
      assert.equal(outputs.size, 1);
    }
    assert.equal(fake.engines[0]!.captures, 1, 'a failed state is not captured again on every run');
    assert.equal((await trt.run(feeds(2), 'b.jpg')).timing.graph, 'captured');
    await trt.dispose();
  });

  test('a failed run drops the graph: the next run captures again', async () => {
    inject({ engine: { ...classifier, inferError: (c) => (c.index === 2 ? { code: 'ERR_TRT', message: 'enqueueV3 failed' } : undefined) } });
    const trt = await TensorRtBackend.open(engineFile('drop.engine'), { cudaGraph: true });
    assert.equal((await trt.run(feeds(), 'a')).timing.graph, 'captured');
    assert.equal((await trt.run(feeds(), 'a')).timing.graph, 'replayed');
    await assert.rejects(trt.run(feeds(), 'a'), (err: unknown) => err instanceof TensorRtError && err.reason === 'tensorrt-error');
    assert.equal((await trt.run(feeds(), 'a')).timing.graph, 'captured');
    await trt.dispose();
  });

  test('non-boolean options are UsageErrors, before anything reaches native code', async () => {
    const fake = inject();
    await assert.rejects(TensorRtBackend.open(engineFile('v.engine'), { transfers: 'no' as never }), (err: unknown) => err instanceof UsageError && err.message === "Expected true or false for the TensorRT transfers option but received 'no'");
    assert.equal(fake.loadCalls.length, 0);
    const trt = await TensorRtBackend.open(engineFile('v.engine'));
    await assert.rejects(trt.run(feeds(), 'a', { cudaGraph: 1 as never }), (err: unknown) => err instanceof UsageError && err.message === 'Expected true or false for the TensorRT cudaGraph option but received 1');
    assert.equal(fake.engines[0]!.requests.length, 0);
    await trt.dispose();
  });
});

describe('staged inputs (bench fast path)', () => {
  test('stage() checks and converts once into staging buffers; runStaged() sends views of them, read in place, with run()\'s results', async () => {
    const fake = inject();
    const trt = await TensorRtBackend.open(engineFile('staged.engine'));
    const staged = trt.stage(feeds(2), 'cat.jpg');
    assert.equal(staged.key, 'cat.jpg');
    assert.deepEqual(staged.conversions, ["input 'ids': int64 → int32"]);
    const engine = fake.engines[0]!;
    const imageBuffer = engine.stagingBuffers.get('image')!;
    assert.equal(imageBuffer.byteLength, 2 * 12 * 4);
    assert.deepEqual([...new Float32Array(imageBuffer)], new Array(24).fill(0.25), 'the feed was copied into the staging buffer');
    assert.deepEqual([...new Int32Array(engine.stagingBuffers.get('ids')!)], [1, 2, 3, 4], 'converted to the engine dtype before staging');
    assert.equal(engine.requests.length, 0, 'staging runs nothing');
    const a = await trt.runStaged(staged);
    const b = await trt.runStaged(staged, { cudaGraph: true });
    assert.equal(engine.zeroCopyInputs, 4, 'both inputs of both runs pointed into their staging buffers');
    assert.deepEqual([...a.outputs.get('logits')!.data], [0x3c00, 0xc000, 0x3c00, 0xc000]);
    assert.equal(b.timing.graph, 'captured');
    assert.deepEqual(engine.requests[0]!.inputs.map((i) => [i.name, i.shape]), [['image', [2, 3, 2, 2]], ['ids', [2, 2]]]);
    // A second stage gets new buffers; the first handle keeps running its own feeds (now copied, as run() would).
    const other = trt.stage(feeds(1), 'dog.jpg');
    const again = await trt.runStaged(staged);
    assert.deepEqual(again.outputs.get('logits')!.shape, [2, 2]);
    assert.equal(engine.zeroCopyInputs, 4);
    assert.deepEqual((await trt.runStaged(other)).outputs.get('logits')!.shape, [1, 2]);
    assert.equal(engine.zeroCopyInputs, 6);
    await trt.dispose();
  });

  test('bad feeds fail in stage() as in run(); foreign handles and disposed backends are refused', async () => {
    inject();
    const trt = await TensorRtBackend.open(engineFile('staged2.engine'));
    const other = await TensorRtBackend.open(engineFile('staged3.engine'));
    assert.throws(() => trt.stage(feeds(5), 'big.jpg'), (err: unknown) => err instanceof InputError && /outside optimization profile 0/.test(err.message));
    const foreign = other.stage(feeds(1), 'x');
    await assert.rejects(trt.runStaged(foreign), (err: unknown) => err instanceof Error && err.name === 'InternalError');
    await assert.rejects(trt.runStaged(trt.stage(feeds(1), 'y'), { transfers: 'no' as never }), (err: unknown) => err instanceof UsageError);
    const staged = trt.stage(feeds(1), 'z');
    await trt.dispose();
    await other.dispose();
    assert.throws(() => trt.stage(feeds(1), 'late'), (err: unknown) => err instanceof TensorRtError && err.reason === 'disposed');
    await assert.rejects(trt.runStaged(staged), (err: unknown) => err instanceof TensorRtError && err.reason === 'disposed');
  });

  test('a staging failure in the addon becomes a classified TensorRtError', async () => {
    const fake = inject();
    const trt = await TensorRtBackend.open(engineFile('staged5.engine'));
    fake.engines[0]!.stagingBuffer = () => {
      throw Object.assign(new Error('cudaHostAlloc(4096 bytes) failed: cudaErrorMemoryAllocation (2): out of memory'), { code: 'ERR_CUDA' });
    };
    assert.throws(() => trt.stage(feeds(1), 'a.jpg'), (err: unknown) => err instanceof TensorRtError && err.reason === 'out-of-memory' && err.exitCode === ExitCode.backend);
    await trt.dispose();
  });
});

describe('engine files and plugins, before TensorRT is asked', () => {
  test('random bytes: InputError "not a TensorRT plan" (exit 2) without calling loadEngine, with or without TensorRT', async () => {
    const bytes = new Uint8Array(4096).map((_, i) => (i * 131 + 7) % 256);
    const path = engineFile('random.engine', bytes);
    for (const withAddon of [true, false]) {
      const fake = withAddon ? inject() : null;
      if (!withAddon) setAddonForTesting(undefined);
      await assert.rejects(TensorRtBackend.open(path), (err: unknown) => err instanceof InputError && err.exitCode === ExitCode.usage && err.message.startsWith(`${path}: not a TensorRT plan`));
      if (fake) assert.equal(fake.loadCalls.length, 0);
    }
  });

  test('a TensorRT 7 plan is refused as incompatible without calling loadEngine', async () => {
    const fake = inject();
    const old = new Uint8Array(64);
    old.set([0x70, 0x74, 0x72, 0x74]); // "ptrt"
    await assert.rejects(TensorRtBackend.open(engineFile('trt7.engine', old)), (err: unknown) => err instanceof TensorRtError && err.reason === 'engine-incompatible' && /TensorRT 7 plan/.test(err.message));
    assert.equal(fake.loadCalls.length, 0);
  });

  test('an Ultralytics file: TensorRT gets the plan after the metadata; class names and imgsz come through the backend', async () => {
    const fake = inject();
    const meta = new TextEncoder().encode(JSON.stringify({ task: 'classify', imgsz: [224, 224], names: { 0: 'cat', 1: 'dog' }, args: { half: true } }));
    const plan = fakePlan('10.16.0.32', 48);
    const file = new Uint8Array(4 + meta.length + plan.length);
    new DataView(file.buffer).setInt32(0, meta.length, true);
    file.set(meta, 4);
    file.set(plan, 4 + meta.length);
    const trt = await TensorRtBackend.open(engineFile('yolo-cls.engine', file));
    assert.deepEqual([...fake.loadCalls[0]!.plan], [...plan]);
    assert.deepEqual(trt.classNames, ['cat', 'dog']);
    assert.deepEqual(trt.ultralytics?.imgsz, [224, 224]);
    assert.equal(trt.ultralytics?.task, 'classify');
    await trt.dispose();
  });

  test('plugin policy (fake addon): a library is loaded once per process, so a second engine with it loads too; without it, engine-plugin-missing', async () => {
    const lib = engineFile('libnms.so', new Uint8Array(8));
    const fake = inject({ engine: { ...classifier, needsPlugin: 'EfficientNMS_TRT' }, plugins: { [lib]: { creators: ['EfficientNMS_TRT'] } } });
    const missing = await TensorRtBackend.open(engineFile('nms0.engine')).then(() => null, (e: unknown) => e);
    assert.ok(missing instanceof TensorRtError && missing.reason === 'engine-plugin-missing', String(missing));
    assert.match(missing.message, /EfficientNMS_TRT version 1/);
    assert.ok(missing.logs.some((l) => /IPluginCreator not found/.test(l)));
    const a = await TensorRtBackend.open(engineFile('nms1.engine'), { plugins: [lib] });
    const b = await TensorRtBackend.open(engineFile('nms2.engine'), { plugins: [lib] });
    assert.deepEqual(fake.pluginLoads, [lib], 'loaded once for both engines');
    await a.dispose();
    await b.dispose();
  });

  test('plugins: one absolute path per library, however spelled; a missing one is an InputError naming it', async () => {
    const fake = inject();
    const plugin = engineFile('libdup.so', new Uint8Array(8));
    const relative = relativePath(process.cwd(), plugin);
    const a = await TensorRtBackend.open(engineFile('p1.engine'), { plugins: [plugin, relative, plugin] });
    const b = await TensorRtBackend.open(engineFile('p2.engine'), { plugins: [relative] });
    assert.deepEqual(fake.loadCalls.map((c) => c.options.plugins), [[plugin], [plugin]]);
    await a.dispose();
    await b.dispose();
    const missing = join(dirname(plugin), 'nope.so');
    await assert.rejects(TensorRtBackend.open(engineFile('p3.engine'), { plugins: [missing] }), (err: unknown) => err instanceof InputError && err.message === `${missing}: no such file`);
    assert.equal(fake.loadCalls.length, 2);
  });
});
