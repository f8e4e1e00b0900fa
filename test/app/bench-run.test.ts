import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runBench, trtexecHints } from '../../src/app/bench-run.js';
import { latencyStats } from '../../src/bench/stats.js';
import { renderBenchText } from '../../src/report/bench-text.js';
import type { Backend } from '../../src/backends/backend.js';
import type { TensorMap } from '../../src/tensor/types.js';
import { InputError } from '../../src/errors.js';

interface DeviceTimes { h2dMs: number; computeMs: number; d2hMs: number; enqueueMs: number }

/** A host backend (no `timing`), or a device backend reporting these CUDA-event times. */
function fakeBackend(name: string, source: string, seen: TensorMap[], timing?: (i: number) => DeviceTimes): Backend {
  let i = 0;
  return {
    name, source,
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3, 2, 2] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: [1, 3, 2, 2] }],
    async run(feeds) {
      seen.push(feeds);
      const t = timing?.(i++);
      if (t === undefined) return { outputs: new Map(), timing: { wallMs: 0.05 } };
      const wall = t.h2dMs + t.computeMs + t.d2hMs + 0.05;
      return { outputs: new Map(), timing: { wallMs: wall, computeMs: t.computeMs, device: { h2dMs: t.h2dMs, d2hMs: t.d2hMs, enqueueMs: t.enqueueMs } } };
    },
    async dispose() {},
  };
}

const quick = { warmupMs: 5, iterations: 10, durationMs: 10 };

describe('runBench', () => {
  test('both backends get the identical seeded random tensor; headline is a ratio of medians', async () => {
    const seenOrt: TensorMap[] = [];
    const seenTrt: TensorMap[] = [];
    const report = await runBench({
      models: ['m.onnx', 'm.engine'], image: null, seed: 7, shapes: new Map(), measure: quick, exportTimes: true,
    }, {
      openBackend: async (p) => (p.endsWith('.onnx')
        ? fakeBackend('host-runtime', p, seenOrt)
        : fakeBackend('device-runtime', p, seenTrt, () => ({ h2dMs: 0.02, computeMs: 0.1, d2hMs: 0.01, enqueueMs: 0.01 }))),
      loadImage: async () => { throw new Error('not used'); },
    });
    assert.equal(report.input.kind, 'random');
    assert.equal(report.input.seed, 7);
    const a = seenOrt[0]!.get('x')!.data as Float32Array;
    const b = seenTrt[0]!.get('x')!.data as Float32Array;
    assert.deepEqual(Array.from(a), Array.from(b));
    assert.equal(a.length, 12);
    assert.ok(a.every((v) => v >= 0 && v < 1));
    const [ort, trt] = report.results;
    assert.equal(ort!.gpu, null);
    assert.ok(trt!.gpu);
    assert.ok(trt!.iterations >= 10);
    assert.equal(trt!.samples!.length, trt!.iterations);
    // first run + warm-up runs + measured runs all went to the backend
    assert.equal(seenTrt.length, 1 + trt!.warmupRuns + trt!.iterations);
    const h = report.headline!;
    assert.ok(Math.abs(h.speedupEndToEnd - 0.05 / 0.18) < 1e-9);
    assert.ok(Math.abs(h.speedupCompute - 0.05 / 0.1) < 1e-9);
    assert.ok(Math.abs(h.tensorrtTransferShare - 0.03 / 0.18) < 1e-9);
    assert.ok(Math.abs(h.tensorrtOverheadShare - 0.05 / 0.18) < 1e-9);
  });

  test('the same seed gives the same bytes, another seed other bytes', async () => {
    const run = async (seed: number) => {
      const seen: TensorMap[] = [];
      await runBench({ models: ['m.onnx'], image: null, seed, shapes: new Map(), measure: { warmupMs: 0, iterations: 1, durationMs: 0 }, exportTimes: false },
        { openBackend: async (p) => fakeBackend('host-runtime', p, seen), loadImage: async () => { throw new Error('x'); } });
      return Array.from(seen[0]!.get('x')!.data as Float32Array);
    };
    assert.deepEqual(await run(1), await run(1));
    assert.notDeepEqual(await run(1), await run(2));
  });

  test('dynamic dims without an image or --shape is a usage error naming the input', async () => {
    const dyn: Backend = { ...fakeBackend('host-runtime', 'd.onnx', []), inputs: [{ name: 'img', dtype: 'float32', shape: [1, 3, 'h', 'w'] }] };
    await assert.rejects(runBench({ models: ['d.onnx'], image: null, seed: 1, shapes: new Map(), measure: quick, exportTimes: false },
      { openBackend: async () => dyn, loadImage: async () => { throw new Error('x'); } }), /input 'img' has dynamic dims.*--shape img=/);
  });

  test('an unstable GPU compute time is flagged above 2.5% CV', async () => {
    const report = await runBench({ models: ['m.engine'], image: null, seed: 1, shapes: new Map(), measure: quick, exportTimes: false }, {
      openBackend: async (p) => fakeBackend('device-runtime', p, [], (i) => ({ h2dMs: 0.01, computeMs: i % 2 ? 1 : 2, d2hMs: 0.01, enqueueMs: 0.01 })),
      loadImage: async () => { throw new Error('x'); },
    });
    assert.ok(report.results[0]!.warnings.some((w) => /GPU compute is unstable/.test(w)));
    assert.equal(report.headline, null);
  });
});

describe('trtexecHints', () => {
  const st = (v: number) => latencyStats([v]);
  test('enqueue-bound when enqueue median > 0.8 x compute median; transfer-bound when a copy >= compute', () => {
    const hints = trtexecHints({ h2d: st(1), compute: st(1), d2h: st(0.5), enqueue: st(0.81), overhead: st(0) });
    assert.equal(hints.length, 2);
    assert.match(hints[0]!, /enqueue/);
    assert.match(hints[1]!, /host-to-device/);
    assert.deepEqual(trtexecHints({ h2d: st(0.1), compute: st(1), d2h: st(0.1), enqueue: st(0.8), overhead: st(0) }), []);
  });
});

describe('runBench staging', () => {
  test('a backend that can stage its input is staged once and then run from the staged copy', async () => {
    let staged = 0;
    let fromStage = 0;
    const base = fakeBackend('device-runtime', 'm.engine', [], () => ({ h2dMs: 0.01, computeMs: 0.1, d2hMs: 0.01, enqueueMs: 0.01 }));
    const backend = Object.assign(base, {
      stage: (feeds: TensorMap) => { staged++; return { feeds }; },
      runStaged: async (s: { feeds: TensorMap }) => { fromStage++; return base.run(s.feeds, 'bench'); },
    });
    const report = await runBench({ models: ['m.engine'], image: null, seed: 3, shapes: new Map(), measure: { warmupMs: 0, iterations: 5, durationMs: 0 }, exportTimes: false },
      { openBackend: async () => backend, loadImage: async () => { throw new Error('x'); } });
    assert.equal(staged, 1);
    // the first run and the 5 measured ones all start from the staged input
    assert.equal(fromStage, 6);
    assert.equal(report.results[0]!.iterations, 5);
  });
});

describe('runBench: ONNX Runtime on a GPU provider against TensorRT', () => {
  /** An ONNX Runtime stand-in: session.run() takes `sessionMs` of a `wallMs` call on `provider` (the OnProvider ability). */
  const ortBackend = (provider: string, sessionMs: number, wallMs: number): Backend => Object.assign(fakeBackend('onnxruntime', 'm.onnx', []), {
    executionProvider: provider,
    async run() { return { outputs: new Map(), timing: { wallMs, computeMs: sessionMs } }; },
  });
  const run = (provider: string) => runBench({ models: ['m.onnx', 'm.engine'], image: null, seed: 1, shapes: new Map(), measure: quick, exportTimes: false }, {
    openBackend: async (p) => (p.endsWith('.onnx') ? ortBackend(provider, 0.3, 0.4)
      : fakeBackend('tensorrt', p, [], () => ({ h2dMs: 0.02, computeMs: 0.1, d2hMs: 0.01, enqueueMs: 0.01 }))),
    loadImage: async () => { throw new Error('not used'); },
  });

  test('cuda: the provider and what session.run holds are recorded; the device span compares like with like', async () => {
    const report = await run('cuda');
    const ort = report.results.find((r) => r.backend === 'onnxruntime')!;
    assert.equal(ort.executionProvider, 'cuda');
    assert.match(ort.sessionIncludes ?? '', /H2D copy of the inputs.*GPU compute.*D2H copy of the outputs.*no CUDA IO binding/);
    const h = report.headline!;
    // By hand: 0.3 / (0.02 + 0.1 + 0.01); compute alone 0.3 / 0.1; end to end 0.4 / (0.13 + 0.05).
    assert.ok(Math.abs(h.speedupDeviceSpan! - 0.3 / 0.13) < 1e-6, String(h.speedupDeviceSpan));
    assert.ok(Math.abs(h.speedupCompute - 3) < 1e-6);
    assert.ok(Math.abs(h.speedupEndToEnd - 0.4 / 0.18) < 1e-6);
    const text = renderBenchText(report, { color: false });
    assert.match(text, /onnxruntime {2}m\.onnx {2}\(cuda provider\)/);
    assert.match(text, /2\.31x on the device span: ONNX Runtime's session\.run \(H2D \+ GPU compute \+ D2H, synchronized\) vs TensorRT's H2D \+ GPU compute \+ D2H/);
    assert.match(text, /3\.00x against TensorRT's GPU compute alone/);
  });

  test('cpu: no device-span figure; session.run is host compute', async () => {
    const report = await run('cpu');
    const ort = report.results.find((r) => r.backend === 'onnxruntime')!;
    assert.equal(ort.executionProvider, 'cpu');
    assert.match(ort.sessionIncludes ?? '', /compute on the host/);
    assert.equal(report.headline!.speedupDeviceSpan, undefined);
    assert.match(renderBenchText(report, { color: false }), /3\.00x on GPU compute alone/);
  });
});

describe('runBench: --max-tensor-bytes, before anything is allocated', () => {
  const dynamic = (inputs: Backend['inputs']): Backend => ({ ...fakeBackend('host-runtime', 'd.onnx', []), inputs });
  const noImage = { loadImage: async () => { throw new Error('not reached'); } };
  const spec = { models: ['d.onnx'], image: null, seed: 1, measure: quick, exportTimes: false };

  test('a --shape over the limit is an input error (exit 2) naming the tensor and its size', async () => {
    const b = dynamic([{ name: 'img', dtype: 'float32', shape: [1, 3, 'h', 'w'] }]);
    // 1·3·100000·100000·4 bytes = 1.2e11 = 111.76 GiB, shown as "112 GiB"; the default limit is at most 2 GiB.
    await assert.rejects(runBench({ ...spec, shapes: new Map([['img', [1, 3, 100000, 100000]]]) }, { openBackend: async () => b, ...noImage }), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.equal(err.exitCode, 2);
      assert.match(err.message, /^--shape img: \[1,3,100000,100000\] of float32 is 112 GiB, over the limit of /);
      return true;
    });
    // 1·3·64·64·4 = 49,152 bytes: over a 48 KiB (49,152) limit by nothing, so it passes; one row more does not.
    await runBench({ ...spec, shapes: new Map([['img', [1, 3, 64, 64]]]), maxTensorBytes: 49_152 }, { openBackend: async () => b, ...noImage });
    await assert.rejects(runBench({ ...spec, shapes: new Map([['img', [1, 3, 65, 64]]]), maxTensorBytes: 49_152 }, { openBackend: async () => b, ...noImage }),
      /--shape img: \[1,3,65,64\] of float32 is 48\.8 KiB, over the limit of 48 KiB/);
  });

  test('a fixed model input over the limit names the model file and the input', async () => {
    const b = dynamic([{ name: 'x', dtype: 'float16', shape: [1, 3, 20000, 20000] }]);
    // 1·3·20000·20000·2 bytes = 2.4e9 = 2.24 GiB.
    await assert.rejects(runBench({ ...spec, shapes: new Map(), maxTensorBytes: 2 ** 31 }, { openBackend: async () => b, ...noImage }),
      /: d\.onnx: model input 'x': \[1,3,20000,20000\] of float16 is 2\.24 GiB, over the limit of 2 GiB$/);
    let decoded = false;
    await assert.rejects(runBench({ ...spec, image: 'cat.jpg', shapes: new Map(), maxTensorBytes: 2 ** 31 }, {
      openBackend: async () => b, loadImage: async () => { decoded = true; throw new Error('not reached'); },
    }), /: d\.onnx: model input 'x'/);
    assert.equal(decoded, false, 'refused before the image is decoded');
  });

  test('an image decoded for a dynamic input, over the limit, names the image', async () => {
    const b = dynamic([{ name: 'img', dtype: 'float32', shape: [1, 3, 'h', 'w'] }]);
    const big = { dtype: 'float32' as const, shape: [1, 3, 100, 100], data: new Float32Array(30_000) };
    await assert.rejects(runBench({ ...spec, image: 'big.png', shapes: new Map(), maxTensorBytes: 100_000 }, { openBackend: async () => b, loadImage: async () => ({ tensor: big }) }),
      /: big\.png: decoded image tensor: \[1,3,100,100\] of float32 is 117 KiB, over the limit of 97\.7 KiB$/);
  });
});
