import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { OnnxBackend } from '../../../src/backends/onnx/onnx-backend.js';
import { BackendError, InputError, UsageError } from '../../../src/errors.js';
import type { Tensor, TensorMap } from '../../../src/tensor/types.js';
import { fixture } from '../../helpers/paths.js';

const { onnx } = onnxProto;
const model = (name: string) => fixture('models', name);
const feeds = (entries: [string, Tensor][]): TensorMap => new Map(entries);
const f32 = (shape: number[], data: ArrayLike<number>): Tensor => ({ dtype: 'float32', shape, data: Float32Array.from(data) });

/** Deterministic photo-like input, ImageNet-normalised range. */
function image(h: number, w: number, seed: number): Float32Array {
  const x = new Float32Array(3 * h * w);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        x[(c * h + i) * w + j] = 1.8 * Math.sin((i + 1) * (c + seed) * 0.037) * Math.cos((j + 3) * (seed + 1) * 0.021) + 0.3 * c - 0.4;
      }
    }
  }
  return x;
}

/** Initializers of a committed model, decoded by onnx-proto (independent of our protobuf reader). */
function weights(file: string): Map<string, { dims: number[]; values: Float32Array }> {
  const m = onnx.ModelProto.decode(readFileSync(model(file)));
  const out = new Map<string, { dims: number[]; values: Float32Array }>();
  for (const t of m.graph!.initializer!) {
    const raw = t.rawData!;
    const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    out.set(t.name!, { dims: t.dims!.map(Number), values });
  }
  return out;
}

/** The classifier in float64, written from the ONNX operator definitions: Conv(3x3, s2, p1) → Relu ×2 → GAP → Gemm. */
function classifierReference(x: Float32Array, h: number, w: number): Float64Array {
  const W = weights('classifier.onnx');
  const conv = (inp: Float64Array | Float32Array, cin: number, ih: number, iw: number, wt: Float32Array, b: Float32Array, cout: number) => {
    const oh = Math.floor((ih + 2 - 3) / 2) + 1;
    const ow = Math.floor((iw + 2 - 3) / 2) + 1;
    const y = new Float64Array(cout * oh * ow);
    for (let o = 0; o < cout; o++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
      let s = b[o]!;
      for (let c = 0; c < cin; c++) for (let ki = 0; ki < 3; ki++) for (let kj = 0; kj < 3; kj++) {
        const yi = 2 * i - 1 + ki;
        const xj = 2 * j - 1 + kj;
        if (yi >= 0 && yi < ih && xj >= 0 && xj < iw) s += wt[((o * cin + c) * 3 + ki) * 3 + kj]! * inp[(c * ih + yi) * iw + xj]!;
      }
      y[(o * oh + i) * ow + j] = s > 0 ? s : 0;
    }
    return { y, oh, ow };
  };
  const a = conv(x, 3, h, w, W.get('conv1.weight')!.values, W.get('conv1.bias')!.values, 8);
  const b = conv(a.y, 8, a.oh, a.ow, W.get('conv2.weight')!.values, W.get('conv2.bias')!.values, 16);
  const area = b.oh * b.ow;
  const f = Array.from({ length: 16 }, (_, c) => b.y.subarray(c * area, (c + 1) * area).reduce((s, v) => s + v, 0) / area);
  const fc = W.get('fc.weight')!.values;
  const fb = W.get('fc.bias')!.values;
  const logits = new Float64Array(1000);
  for (let k = 0; k < 1000; k++) logits[k] = fb[k]! + f.reduce((s, v, j) => s + v * fc[j * 1000 + k]!, 0);
  return logits;
}

/** numpy.testing.assert_allclose(actual, desired, rtol, atol). */
function assertAllclose(actual: ArrayLike<number>, desired: ArrayLike<number>, rtol: number, atol: number): void {
  assert.equal(actual.length, desired.length);
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i]! - desired[i]!);
    assert.ok(d <= atol + rtol * Math.abs(desired[i]!), `element ${i}: ${actual[i]} vs ${desired[i]} (|diff| ${d})`);
  }
}

const argmax = (v: ArrayLike<number>) => { let m = 0; for (let i = 1; i < v.length; i++) if (v[i]! > v[m]!) m = i; return m; };

describe('OnnxBackend numbers', () => {
  test('affine.onnx gives exactly fround(fround(x·a) + b) per channel, at two sizes in one session', async () => {
    // The constants as float32, from fixtures/models/README.md.
    const a = [0.5, 1.7000000476837158, -3.25];
    const b = [0.10000000149011612, -0.20000000298023224, 0.30000001192092896];
    const be = await OnnxBackend.open(model('affine.onnx'));
    try {
      for (const [h, w] of [[2, 3], [5, 4]] as const) {
        const x = Float32Array.from({ length: 3 * h * w }, (_, i) => Math.fround((i - 7) * 0.3141 + 1e-3 * i * i));
        const { outputs } = await be.run(feeds([['x', f32([1, 3, h, w], x)]]), `${h}x${w}`);
        const y = outputs.get('y')!;
        assert.deepEqual([...y.shape], [1, 3, h, w]);
        assert.equal(y.dtype, 'float32');
        for (let i = 0; i < x.length; i++) {
          const c = Math.floor(i / (h * w));
          assert.equal(y.data[i], Math.fround(Math.fround(x[i]! * a[c]!) + b[c]!), `element ${i}`);
        }
      }
    } finally {
      await be.dispose();
    }
  });

  test('classifier.onnx matches a hand-written float64 conv/pool/gemm on its own weights', async () => {
    const be = await OnnxBackend.open(model('classifier.onnx'));
    try {
      const x = image(224, 224, 1);
      const { outputs } = await be.run(feeds([['input', f32([1, 3, 224, 224], x)]]), 'img');
      const logits = outputs.get('logits')!;
      assert.deepEqual([...logits.shape], [1, 1000]);
      const ref = classifierReference(x, 224, 224);
      assertAllclose(logits.data as Float32Array, ref, 1e-4, 1e-4);
      assert.equal(argmax(logits.data as Float32Array), argmax(ref));
    } finally {
      await be.dispose();
    }
  });

  test('classifier-dynamic.onnx equals classifier.onnx at 224 and follows the reference at 96x160', async () => {
    const fixed = await OnnxBackend.open(model('classifier.onnx'));
    const dyn = await OnnxBackend.open(model('classifier-dynamic.onnx'));
    try {
      assert.deepEqual(dyn.inputs, [{ name: 'input', dtype: 'float32', shape: [1, 3, 'height', 'width'] }]);
      const x = image(224, 224, 2);
      const a = (await fixed.run(feeds([['input', f32([1, 3, 224, 224], x)]]), 'k')).outputs.get('logits')!;
      const b = (await dyn.run(feeds([['input', f32([1, 3, 224, 224], x)]]), 'k')).outputs.get('logits')!;
      assert.deepEqual(a.data, b.data);
      const small = image(96, 160, 3);
      const c = (await dyn.run(feeds([['input', f32([1, 3, 96, 160], small)]]), 'k')).outputs.get('logits')!;
      assertAllclose(c.data as Float32Array, classifierReference(small, 96, 160), 1e-4, 1e-4);
    } finally {
      await Promise.all([fixed.dispose(), dyn.dispose()]);
    }
  });

  test('classifier-fp16.onnx is close to the float32 model but fails rtol=1e-3, atol=1e-5; top-1 agrees', async () => {
    const a = await OnnxBackend.open(model('classifier.onnx'));
    const b = await OnnxBackend.open(model('classifier-fp16.onnx'));
    try {
      for (const seed of [1, 4]) {
        const x = feeds([['input', f32([1, 3, 224, 224], image(224, 224, seed))]]);
        const la = (await a.run(x, 'k')).outputs.get('logits')!.data as Float32Array;
        const lb = (await b.run(x, 'k')).outputs.get('logits')!.data as Float32Array;
        const violations = la.filter((v, i) => Math.abs(lb[i]! - v) > 1e-5 + 1e-3 * Math.abs(v)).length;
        assert.ok(violations > 0, 'fp16 model should not pass the default tolerance');
        assertAllclose(lb, la, 0, 0.1);
        assert.equal(argmax(lb), argmax(la));
      }
    } finally {
      await Promise.all([a.dispose(), b.dispose()]);
    }
  });

  test('two-outputs.onnx: float32 scores by hand and an int64 label that is their argmax', async () => {
    const W = weights('two-outputs.onnx');
    const be = await OnnxBackend.open(model('two-outputs.onnx'));
    try {
      assert.deepEqual(be.outputs, [
        { name: 'scores', dtype: 'float32', shape: [1, 10] },
        { name: 'label', dtype: 'int64', shape: [1] },
      ]);
      const x = image(32, 32, 5);
      const { outputs } = await be.run(feeds([['input', f32([1, 3, 32, 32], x)]]), 'k');
      assert.deepEqual([...outputs.keys()], ['scores', 'label']);
      const mean = [0, 1, 2].map((c) => x.subarray(c * 1024, (c + 1) * 1024).reduce((s, v) => s + v, 0) / 1024);
      const fc = W.get('fc.weight')!.values;
      const fb = W.get('fc.bias')!.values;
      const expected = Array.from({ length: 10 }, (_, k) => fb[k]! + mean.reduce((s, m, c) => s + m * fc[c * 10 + k]!, 0));
      const scores = outputs.get('scores')!;
      assertAllclose(scores.data as Float32Array, expected, 1e-5, 1e-6);
      const label = outputs.get('label')!;
      assert.equal(label.dtype, 'int64');
      assert.deepEqual([...label.shape], [1]);
      assert.deepEqual(label.data, BigInt64Array.of(BigInt(argmax(expected))));
    } finally {
      await be.dispose();
    }
  });

  test('dtypes.onnx: float16, bool, int32, int8, int64, uint8 in and out', async () => {
    const be = await OnnxBackend.open(model('dtypes.onnx'));
    try {
      const { outputs } = await be.run(feeds([
        ['x', f32([2, 3], [-1.5, 0, 2.7, -0.2, 100, -128.9])],
        ['ids', { dtype: 'int64', shape: [2], data: BigInt64Array.of(1n, -(2n ** 40n)) }],
        ['mask', { dtype: 'uint8', shape: [2, 3], data: Uint8Array.of(0, 1, 2, 200, 255, 3) }],
        ['h', { dtype: 'float16', shape: [3], data: Uint16Array.of(0x3c00, 0x4000, 0xc000) }], // 1, 2, -2
      ]), 'k');
      const got = Object.fromEntries([...outputs].map(([k, t]) => [k, { dtype: t.dtype, shape: [...t.shape], data: t.data }]));
      // Half bits from numpy: np.array(x, np.float32).astype(np.float16).view(np.uint16).
      assert.deepEqual(got['half'], { dtype: 'float16', shape: [2, 3], data: Uint16Array.of(48640, 0, 16742, 45670, 22080, 55303) });
      assert.deepEqual(got['positive'], { dtype: 'bool', shape: [2, 3], data: Uint8Array.of(0, 0, 1, 0, 1, 0) });
      assert.deepEqual(got['truncated'], { dtype: 'int32', shape: [2, 3], data: Int32Array.of(-1, 0, 2, 0, 100, -128) });
      assert.deepEqual(got['small'], { dtype: 'int8', shape: [2, 3], data: Int8Array.of(-1, 0, 2, 0, 100, -128) });
      assert.deepEqual(got['ids_doubled'], { dtype: 'int64', shape: [2], data: BigInt64Array.of(2n, -(2n ** 41n)) });
      assert.deepEqual(got['mask_copy'], { dtype: 'uint8', shape: [2, 3], data: Uint8Array.of(0, 1, 2, 200, 255, 3) });
      assert.deepEqual(got['h_doubled'], { dtype: 'float16', shape: [3], data: Uint16Array.of(0x4000, 0x4400, 0xc400) });
      assert.deepEqual(got['mask_float'], { dtype: 'float32', shape: [2, 3], data: Float32Array.of(0, 1, 2, 200, 255, 3) });
      assert.deepEqual(be.inputs.map((i) => [i.name, i.dtype, i.shape]), [
        ['x', 'float32', [2, 3]], ['ids', 'int64', ['n']], ['mask', 'uint8', [2, 3]], ['h', 'float16', [3]],
      ]);
    } finally {
      await be.dispose();
    }
  });
});

describe('OnnxBackend behaviour', () => {
  let be: OnnxBackend;
  before(async () => { be = await OnnxBackend.open(model('affine.onnx'), { threads: 1 }); });
  after(async () => { await be.dispose(); });

  test('leaves the caller\'s feed buffers usable (copies once, never detaches them)', async () => {
    const x = f32([1, 3, 1, 2], [1, 2, 3, 4, 5, 6]);
    await be.run(feeds([['x', x]]), 'k');
    assert.equal(x.data.length, 6);
    assert.deepEqual(x.data, Float32Array.of(1, 2, 3, 4, 5, 6));
  });

  test('concurrent runs each get their own outputs back', async () => {
    const runs = [1, 2, 3].map((k) => be.run(feeds([['x', f32([1, 3, 1, 1], [k, k, k])]]), String(k)));
    const ys = await Promise.all(runs);
    ys.forEach((r, i) => {
      assert.equal(r.outputs.get('y')!.data[0], Math.fround(Math.fround((i + 1) * 0.5) + Math.fround(0.1)));
    });
  });

  test('reports the JS wall time of the call and ORT run() time inside the worker as computeMs', async () => {
    const r = await be.run(feeds([['x', f32([1, 3, 1, 1], [0, 0, 0])]]), 'k');
    assert.ok(r.timing.computeMs !== undefined && r.timing.computeMs > 0);
    assert.ok(r.timing.wallMs >= r.timing.computeMs, 'the wall time includes the worker hop');
  });

  const runFailure = (re: RegExp) => (e: unknown) => e instanceof BackendError && e.reason === 'run-failed' && e.exitCode === 3 && re.test(e.message);

  test('a wrong dtype is a BackendError carrying ORT\'s message', async () => {
    await assert.rejects(be.run(feeds([['x', { dtype: 'int32', shape: [1, 3, 1, 1], data: new Int32Array(3) }]]), 'k'),
      runFailure(/Unexpected input data type\. Actual: \(tensor\(int32\)\) , expected: \(tensor\(float\)\)/));
  });

  // Checked against the model's metadata before ORT sees them (BaseBackend), naming the input key.
  const inputError = (re: RegExp) => (e: unknown) => e instanceof InputError && e.exitCode === 2 && re.test(e.message);

  test('a wrong shape, a missing input and an unknown input name are InputErrors naming the key', async () => {
    await assert.rejects(be.run(feeds([['x', f32([1, 2, 1, 1], [0, 0])]]), 'k'), inputError(/^k: input 'x' has shape \[1,2,1,1\], but .*affine\.onnx wants \[\w+,3,\w+,\w+\]$/));
    await assert.rejects(be.run(feeds([]), 'k'), inputError(/^k: .*affine\.onnx needs input 'x' \[\w+,3,\w+,\w+\], which was not given \(given: none\)$/));
    await assert.rejects(be.run(feeds([['z', f32([1], [0])]]), 'k'), inputError(/^k: 'z' is not an input of .*affine\.onnx \(inputs: x\)$/));
  });

  test('the session keeps working after a failed run', async () => {
    const r = await be.run(feeds([['x', f32([1, 3, 1, 1], [2, 2, 2])]]), 'k');
    assert.equal(r.outputs.get('y')!.data[0], Math.fround(1 + Math.fround(0.1)));
  });
});

describe('OnnxBackend loading errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-backend-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a missing model file is an InputError (exit 2) naming the file', async () => {
    const p = join(dir, 'nope.onnx');
    await assert.rejects(OnnxBackend.open(p), (e: unknown) => e instanceof InputError && e.exitCode === 2 && e.message === `${p}: no such file or directory`);
  });

  test('a file that is not ONNX is an InputError (exit 2) naming the file', async () => {
    const p = join(dir, 'model.engine');
    writeFileSync(p, Buffer.from('ftrt\x00\x00\x00\x01 this is not a protobuf model at all \xff\xff\xff'));
    await assert.rejects(OnnxBackend.open(p), (e: unknown) => e instanceof InputError && e.exitCode === 2 && e.message.startsWith(`${p}: not an ONNX model`));
  });

  test('a valid ONNX file ORT cannot load (bfloat16 output) is a BackendError model-load-failed (exit 3)', async () => {
    await assert.rejects(OnnxBackend.open(model('bfloat16-output.onnx')), (e: unknown) =>
      e instanceof BackendError && e.reason === 'model-load-failed' && e.exitCode === 3 && /Unsupported data type: 16/.test(e.message) && e.hints.length > 0);
  });

  test('an unavailable provider is a BackendError with ORT\'s message and a hint, not a CPU fallback', async () => {
    await assert.rejects(OnnxBackend.open(model('affine.onnx'), { provider: 'cuda' }), (e: unknown) => {
      assert.ok(e instanceof BackendError);
      assert.equal(e.reason, 'provider-unavailable');
      assert.equal(e.exitCode, 3);
      assert.match(e.message, /'cuda' is not available: .*Failed to load shared library/);
      assert.ok(e.hints.some((h) => /--onnx-provider cpu/.test(h)));
      return true;
    });
    await assert.rejects(OnnxBackend.open(model('affine.onnx'), { provider: 'bogus' }), (e: unknown) =>
      e instanceof BackendError && e.reason === 'provider-unavailable' && /backend not found/.test(e.message));
  });

  test('bad option values are UsageErrors', async () => {
    await assert.rejects(OnnxBackend.open(model('affine.onnx'), { threads: -1 }), UsageError);
    await assert.rejects(OnnxBackend.open(model('affine.onnx'), { threads: 1.5 }), UsageError);
    await assert.rejects(OnnxBackend.open(model('affine.onnx'), { provider: ' ' }), UsageError);
  });

  test('run after dispose is a BackendError; dispose twice is harmless', async () => {
    const be = await OnnxBackend.open(model('affine.onnx'));
    await be.dispose();
    await be.dispose();
    await assert.rejects(be.run(feeds([['x', f32([1, 3, 1, 1], [0, 0, 0])]]), 'k'), BackendError);
  });
});

describe('OnnxBackend and the event loop', () => {
  /** Largest gap between 2 ms interval ticks while `work` runs, and how many ticks came. */
  async function timerGaps(work: () => Promise<unknown>): Promise<{ maxGap: number; ticks: number; ms: number }> {
    let last = performance.now();
    let maxGap = 0;
    let ticks = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks++;
    }, 2);
    const t0 = performance.now();
    await work();
    const ms = performance.now() - t0;
    clearInterval(timer);
    return { maxGap: Math.max(maxGap, performance.now() - last), ticks, ms };
  }

  test('a ~100 ms run in the worker leaves timers ticking; the same run on the main thread freezes them', async () => {
    const n = 900; // 8 MatMuls of 900x900 ≈ 11.7 GFLOP: about 100 ms on one thread here
    const x = Float32Array.from({ length: n * n }, (_, i) => ((i % 7) - 3) / n);
    const be = await OnnxBackend.open(model('slow-matmul.onnx'), { threads: 1 });
    const direct = await ort.InferenceSession.create(model('slow-matmul.onnx'), { intraOpNumThreads: 1 });
    try {
      const input = feeds([['x', f32([n, n], x)]]);
      await be.run(input, 'warm-up');
      const inWorker = await timerGaps(() => be.run(input, 'k'));
      const onMain = await timerGaps(() => direct.run({ x: new ort.Tensor('float32', x, [n, n]) }));
      console.log(`worker: ${inWorker.ms.toFixed(0)} ms, ${inWorker.ticks} ticks, max gap ${inWorker.maxGap.toFixed(1)} ms; ` +
        `main thread: ${onMain.ms.toFixed(0)} ms, ${onMain.ticks} ticks, max gap ${onMain.maxGap.toFixed(1)} ms`);
      // The control proves the probe sees blocking when there is some.
      assert.ok(onMain.maxGap > onMain.ms * 0.7, `direct run should block: max gap ${onMain.maxGap} of ${onMain.ms} ms`);
      assert.ok(inWorker.ms > 30, `run too short to tell (${inWorker.ms} ms)`);
      assert.ok(inWorker.maxGap < inWorker.ms / 2, `worker run blocked timers: max gap ${inWorker.maxGap} of ${inWorker.ms} ms`);
      assert.ok(inWorker.ticks >= 5);
    } finally {
      await be.dispose();
      await direct.release();
    }
  });
});

test('busiesEveryCore: ONNX Runtime on the CPU with its default threads or one per core, not with fewer', async () => {
  const cores = availableParallelism();
  const cases: [number | undefined, boolean][] = [[undefined, true], [cores, true], ...(cores > 1 ? [[1, false] as [number, boolean]] : [])];
  for (const [threads, busy] of cases) {
    const be = await OnnxBackend.open(model('affine.onnx'), threads === undefined ? {} : { threads });
    try {
      assert.equal(be.busiesEveryCore, busy, `threads ${threads ?? 'default'} on ${cores} cores`);
    } finally {
      await be.dispose();
    }
  }
});
