// What real engines and the real library do that the double did not model before issue 11, through the
// addon and the double on a GPU: a host shape-tensor output (markOutputForShapes) that TensorRT writes in
// inferShapes/enqueueV3, an aliased output (getAliasedInputTensor, 10.15+), plugin libraries loaded once
// per process by two engines, and an Ultralytics-wrapped plan compared against its ONNX twin.
//
// The missing-plugin test must run before any engine loads the plugin: a registered creator stays
// registered for the life of the process (node --test runs each file in its own process).
// Skips like tensorrt-double.test.ts; tests needing results skip with TRT_DOUBLE_CPU_ONLY=1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NativeInferResult } from '../../src/backends/tensorrt/native-contract.js';
import { TensorRtBackend } from '../../src/backends/tensorrt/tensorrt-backend.js';
import { TensorRtError } from '../../src/backends/tensorrt/tensorrt-error.js';
import { doublePresets, writeDoubleEngine, type DoubleEngineSpec } from '../doubles/double-engine.js';
import { fixture } from '../helpers/paths.js';
import { cliContext, computeSkip, doubleSetup, EngineDir, runCli, uniform, type DebugEngine } from './helpers.js';

const { setup, skip } = await doubleSetup();
if (skip) console.log(`real-engine cases skipped: ${skip}`);
const noCompute = computeSkip(setup);

function output(r: NativeInferResult, name: string): NativeInferResult['outputs'][number] {
  const o = r.outputs.find((x) => x.name === name);
  assert.ok(o, `no output '${name}' among ${r.outputs.map((x) => x.name).join(', ')}`);
  return o;
}

/** The int32/int64 values of an index output, as numbers. */
function indexValues(o: NativeInferResult['outputs'][number]): number[] {
  return o.dtype === 'int64' ? [...new BigInt64Array(o.data)].map(Number) : [...new Int32Array(o.data)];
}

/** Ultralytics' exporter: int32 LE length, the JSON metadata, then the plan (ultralytics/engine/exporter.py export_engine). */
function ultralyticsFile(meta: object, plan: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(meta));
  const out = new Uint8Array(4 + json.length + plan.length);
  new DataView(out.buffer).setInt32(0, json.length, true);
  out.set(json, 4);
  out.set(plan, 4 + json.length);
  return out;
}

describe('real-engine cases through the double', { skip }, () => {
  let dir: EngineDir;
  let version: readonly [number, number, number];
  let pluginLib: string;
  before(() => {
    assert.ok(setup);
    dir = new EngineDir();
    version = setup.trtVersion;
    pluginLib = join(dirname(setup.libPath), 'libtrt_double_noop_plugin.so');
  });
  after(() => dir?.cleanup());

  const rawEngine = async (spec: DoubleEngineSpec): Promise<DebugEngine> => {
    assert.ok(setup);
    return (await setup.addon.loadEngine(writeDoubleEngine(spec))) as DebugEngine;
  };

  test('a plan whose plugin is not loaded: engine-plugin-missing (exit 3) with TensorRT\'s lines in logs', async (t) => {
    if (!existsSync(pluginLib)) return t.skip(`no ${pluginLib} (rebuild the double)`);
    const plan = dir.write('needs-plugin', { ...doublePresets.affine({ trtVersion: version }), needsPlugin: true });
    const err = await TensorRtBackend.open(plan).then(() => assert.fail('loaded without its plugin'), (e: unknown) => e);
    assert.ok(err instanceof TensorRtError, String(err));
    assert.equal(err.reason, 'engine-plugin-missing', err.message);
    assert.equal(err.exitCode, 3);
    assert.match(err.message, /TrtDoubleNoop version 1/);
    assert.ok(err.logs.some((l) => /IPluginCreator not found in Plugin Registry/.test(l)), `logs: ${err.logs.join(' | ')}`);
    assert.ok(err.logs.length >= 2, 'several TensorRT lines per failure');
  });

  test('two engines with the same plugin library in one process both load (dlopen once, no second loadLibrary)', async (t) => {
    if (!existsSync(pluginLib)) return t.skip(`no ${pluginLib} (rebuild the double)`);
    const spec = { ...doublePresets.affine({ trtVersion: version }), needsPlugin: true };
    const a = await TensorRtBackend.open(dir.write('plugin-a', spec), { plugins: [pluginLib] });
    const b = await TensorRtBackend.open(dir.write('plugin-b', spec), { plugins: [pluginLib] });
    try {
      assert.deepEqual(a.outputs, b.outputs);
      // The creator registered itself on dlopen: loadLibrary (which would refuse a second registration, and
      // is not meant for libraries without getCreators) was never needed, so no warning either.
      for (const backend of [a, b]) assert.ok(!backend.loadLogs.some((l) => /loadLibrary/.test(l)), backend.loadLogs.join(' | '));
      if (!noCompute) {
        const x = uniform(12, 5);
        const feeds = new Map([['input', { dtype: 'float32' as const, shape: [1, 3, 2, 2], data: x }]]);
        const [ra, rb] = [await a.run(feeds, 'a'), await b.run(feeds, 'b')];
        assert.deepEqual(ra.outputs.get('output')!.data, rb.outputs.get('output')!.data);
      }
    } finally {
      await a.dispose();
      await b.dispose();
    }
  });

  test('a host shape-tensor output: described as host, written by TensorRT on the host, no device copy', { skip: noCompute }, async () => {
    const engine = await rawEngine(doublePresets.shapeOf({ trtVersion: version }));
    try {
      const dims = engine.info().tensors.find((t) => t.name === 'dims')!;
      assert.equal(dims.location, 'host');
      assert.equal(dims.isShapeTensor, true);
      for (const shape of [[2, 3, 5], [1, 3, 1], [16, 3, 64]]) {
        const n = shape.reduce((p, d) => p * d, 1);
        const x = uniform(n, n);
        const r = await engine.infer({ inputs: [{ name: 'x', shape, data: x }] });
        assert.deepEqual(indexValues(output(r, 'dims')), shape, `dims for ${shape}`);
        assert.deepEqual(output(r, 'dims').shape, [3]);
        assert.deepEqual(new Float32Array(output(r, 'y').data), x, 'y = x');
      }
      // TensorRT writes it during enqueue on the host: a replayed graph would not, so no graph is used.
      const g = await engine.infer({ inputs: [{ name: 'x', shape: [1, 3, 2], data: uniform(6, 1) }], cudaGraph: true });
      assert.equal(g.graph, 'fallback');
      assert.match(String(g.graphFallbackReason), /lives on the host/);
    } finally {
      await engine.dispose();
    }
  });

  test('an aliased output (getAliasedInputTensor) is read from its input\'s buffer: updated rows and untouched rows', { skip: noCompute }, async (t) => {
    if (version[0] < 10 || (version[0] === 10 && version[1] < 15)) return t.skip(`getAliasedInputTensor needs TensorRT 10.15+ headers; the double is ${version.join('.')}`);
    const engine = await rawEngine(doublePresets.cacheUpdate({ trtVersion: version }));
    try {
      assert.equal(engine.info().tensors.find((t) => t.name === 'cache_out')!.aliasedInput, 'cache');
      const cache = uniform(32, 7);
      const update = uniform(8, 8);
      const r = await engine.infer({ inputs: [{ name: 'cache', shape: [8, 4], data: cache }, { name: 'update', shape: [2, 4], data: update }] });
      const want = cache.slice();
      want.set(update, 0);
      assert.deepEqual(new Float32Array(output(r, 'cache_out').data), want, 'rows 0..1 from update, rows 2..7 the cache as sent');
      // transfers: false must not reuse the cache on the device: the call changed it in place.
      const again = await engine.infer({ inputs: [{ name: 'cache', shape: [8, 4], data: cache }, { name: 'update', shape: [2, 4], data: update }], transfers: false });
      assert.equal(again.inputsUploaded, true);
    } finally {
      await engine.dispose();
    }
  });

  test('an Ultralytics-wrapped twin of affine.onnx: compare exits 0; inspect shows the metadata', { skip: noCompute }, async () => {
    const plan = writeDoubleEngine(doublePresets.affine({
      trtVersion: version, a: [0.5, 1.7, -3.25], b: [0.1, -0.2, 0.3], inputName: 'x', outputName: 'y',
      profiles: [{ min: [1, 3, 1, 1], opt: [1, 3, 224, 224], max: [1, 3, 1024, 1024] }],
    }));
    const meta = { description: 'affine twin', author: 'trt-parity tests', version: '8.3.58', task: 'classify', stride: 1, batch: 1, imgsz: [224, 224], names: { 0: 'r', 1: 'g', 2: 'b' }, args: { half: false, int8: false } };
    const file = join(dir.path, 'affine-twin-ultralytics.engine');
    writeFileSync(file, ultralyticsFile(meta, plan));
    const model = fixture('models', 'affine.onnx');
    const run = await runCli(['compare', model, file, fixture('images', 'photos'), '--no-progress']);
    assert.equal(run.code, 0, `expected exit 0${cliContext(run)}`);
    const inspect = await runCli(['inspect', file]);
    assert.equal(inspect.code, 0, cliContext(inspect));
    assert.match(inspect.stdout, /Ultralytics export \(ultralytics 8\.3\.58\): task classify, imgsz 224x224, stride 1, 3 classes/, cliContext(inspect));
    assert.match(inspect.stdout, new RegExp(`built by TensorRT ${version.join('\\.')}\\.0`), cliContext(inspect));
  });

  test('shape-tensor profile values of an int32 (setShapeValues) profile: getProfileTensorValuesV2 is null on 10.11-10.x, the deprecated getter answers', async () => {
    const engine = await rawEngine(doublePresets.reshape({ trtVersion: version, indexType: 'int32' }));
    try {
      const shape = engine.info().tensors.find((t) => t.name === 'shape')!;
      assert.deepEqual(shape.profiles[0]?.values, { min: [1, 1], opt: [3, 4], max: [1024, 1024] });
    } finally {
      await engine.dispose();
    }
  });

  test('4 KiB of random bytes: inspect and compare exit 2 with "not a TensorRT plan"', async () => {
    const file = join(dir.path, 'random.engine');
    const bytes = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) % 251);
    writeFileSync(file, bytes);
    assert.equal(readFileSync(file).length, 4096);
    const inspect = await runCli(['inspect', file]);
    assert.equal(inspect.code, 2, cliContext(inspect));
    assert.match(inspect.stderr, /not a TensorRT plan/, cliContext(inspect));
    const compare = await runCli(['compare', fixture('models', 'affine.onnx'), file, fixture('images', 'photos'), '--no-progress']);
    assert.equal(compare.code, 2, cliContext(compare));
    assert.match(compare.stderr, /not a TensorRT plan/, cliContext(compare));
  });
});
