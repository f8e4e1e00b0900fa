// The addon's real TensorRT code (native/src/trt/) on a GPU, through the TensorRT test double: our own
// libnvinfer (test/doubles/trt-double) selected with TRT_PARITY_LIBNVINFER, running engines whose
// contents each test writes (test/doubles/double-engine.ts). The oracle of every computation is a
// hand computation of what the double's kernels do (kernels.cu: separate float32 multiply and add, no
// FMA), so float32 results are compared bit for bit.
//
// Skips as a whole, printing why, without a GPU, without TRT_PARITY_LIBNVINFER, or with an addon built
// without TensorRT headers. With the fake-CUDA addon and TRT_DOUBLE_CPU_ONLY=1 (docs/gpu-runs.md) the
// load, describe, shape and error paths run here too; tests needing results skip.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { TensorRtBackend } from '../../src/backends/tensorrt/tensorrt-backend.js';
import { TensorRtError } from '../../src/backends/tensorrt/tensorrt-error.js';
import type { NativeInferResult } from '../../src/backends/tensorrt/native-contract.js';
import { InputError, TrtParityError } from '../../src/errors.js';
import type { Tensor, TensorMap } from '../../src/tensor/types.js';
import { DEFAULT_AFFINE, DOUBLE_HEADER, doublePresets, writeDoubleEngine, type DoubleEngineSpec } from '../doubles/double-engine.js';
import {
  affineHalfReference, affineReference, argmaxReference, computeSkip, describeBitsDifference, describeFloat32Difference,
  doubleSetup, EngineDir, nonzeroReference, uniform, type DebugEngine,
} from './helpers.js';

const { setup, skip } = await doubleSetup();
if (skip) console.log(`TensorRT double tests skipped: ${skip}`);
const noCompute = computeSkip(setup);
if (noCompute) console.log(`TensorRT double tests that need results skipped: ${noCompute}`);

const A = DEFAULT_AFFINE.a;
const B = DEFAULT_AFFINE.b;

/** A float32 NCHW tensor for the feeds map. */
const f32 = (shape: number[], data: Float32Array): Tensor => ({ dtype: 'float32', shape, data });
const feeds = (entries: [string, Tensor][]): TensorMap => new Map(entries);

function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  return p.then(
    () => assert.fail('expected a rejection, but it resolved'),
    (e: unknown) => e as Error & { code?: string },
  );
}

function output(r: NativeInferResult, name: string): NativeInferResult['outputs'][number] {
  const o = r.outputs.find((x) => x.name === name);
  assert.ok(o, `no output '${name}' among ${r.outputs.map((x) => x.name).join(', ')}`);
  return o;
}

/** An engine straight from the addon, bypassing TensorRtBackend's checks. */
async function rawEngine(spec: DoubleEngineSpec | Uint8Array): Promise<DebugEngine> {
  assert.ok(setup);
  const plan = spec instanceof Uint8Array ? spec : writeDoubleEngine(spec);
  return (await setup.addon.loadEngine(plan)) as DebugEngine;
}

function gc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('TensorRT double through the addon', { skip }, () => {
  let dir: EngineDir;
  let version: readonly [number, number, number];
  before(() => {
    assert.ok(setup);
    dir = new EngineDir();
    version = setup.trtVersion;
  });
  after(() => dir?.cleanup());

  const affineSpec = (): DoubleEngineSpec => doublePresets.affine({ trtVersion: version });

  test('the engine is described from the double: names, dtypes, dynamic dims, profile', async () => {
    const backend = await TensorRtBackend.open(dir.write('affine', affineSpec()));
    try {
      assert.deepEqual(backend.inputs, [{ name: 'input', dtype: 'float32', shape: [null, 3, null, null] }]);
      assert.deepEqual(backend.outputs, [{ name: 'output', dtype: 'float32', shape: [null, 3, null, null] }]);
      assert.equal(backend.engineInfo.numProfiles, 1);
      assert.deepEqual(backend.engineInfo.tensors[0]?.profiles, [{ min: [1, 3, 1, 1], opt: [1, 3, 224, 224], max: [8, 3, 512, 512] }]);
      assert.equal(backend.planVersion, `${version.join('.')}.0`, 'four parts, bytes 24..27 (the double writes build 0)');
      assert.equal(backend.planFile.format, 'ftrt');
      assert.equal(backend.runtime.tensorrt.libraryVersion, version.join('.'));
    } finally {
      await backend.dispose();
    }
  });

  test('dynamic shapes change between calls on one context; each output is the bit-exact affine of its own input', { skip: noCompute }, async () => {
    const backend = await TensorRtBackend.open(dir.write('affine', affineSpec()));
    try {
      const shapes = [[1, 3, 64, 48], [1, 3, 200, 300], [1, 3, 64, 48], [2, 3, 17, 5], [1, 3, 1, 1], [8, 3, 512, 512], [1, 3, 64, 48]];
      for (const [i, shape] of shapes.entries()) {
        const n = shape.reduce((p, d) => p * d, 1);
        const x = uniform(n, 1000 + i, -3, 3);
        const r = await backend.run(feeds([['input', f32(shape, x)]]), `call ${i} ${JSON.stringify(shape)}`);
        const y = r.outputs.get('output');
        assert.ok(y, 'no output');
        assert.equal(y.dtype, 'float32');
        assert.deepEqual(y.shape, shape, `call ${i}: output shape`);
        const diff = describeFloat32Difference(`call ${i} ${JSON.stringify(shape)}`, y.data as Float32Array, affineReference(x, shape, A, B), x);
        assert.equal(diff, '', diff);
        const t = r.timing;
        for (const k of ['h2dMs', 'computeMs', 'd2hMs', 'enqueueMs'] as const) {
          assert.ok(typeof t[k] === 'number' && t[k]! >= 0 && t[k]! < 10_000, `call ${i}: timing.${k} = ${t[k]}`);
        }
      }
    } finally {
      await backend.dispose();
    }
  });

  test('an out-of-profile shape is refused by the TypeScript pre-check, naming the allowed range', async () => {
    const backend = await TensorRtBackend.open(dir.write('affine', affineSpec()));
    try {
      for (const [shape, dim, allowed] of [[[1, 3, 600, 48], 2, '1..512'], [[9, 3, 8, 8], 0, '1..8']] as [number[], number, string][]) {
        const err = await rejection(backend.run(feeds([['input', f32(shape, new Float32Array(shape.reduce((p, d) => p * d, 1)))]]), 'img.jpg'));
        assert.ok(err instanceof InputError, `expected InputError, got ${err.name}: ${err.message}`);
        assert.match(err.message, /^img\.jpg: input 'input' has shape/, err.message);
        assert.match(err.message, /outside optimization profile 0 of the TensorRT engine: allowed \[1,3,1,1\] \.\. \[8,3,512,512\]/, err.message);
        assert.ok(err.message.includes(`(dim ${dim} is ${shape[dim]}, allowed ${allowed})`), err.message);
      }
    } finally {
      await backend.dispose();
    }
  });

  test('an out-of-profile shape reaching the double (TS check bypassed) is ERR_INVALID_ARGUMENT with the range, and the context still works', async () => {
    const engine = await rawEngine(affineSpec());
    try {
      const err = await rejection(engine.infer({ inputs: [{ name: 'input', shape: [1, 3, 600, 48], data: new Float32Array(3 * 600 * 48) }] }));
      assert.equal(err.code, 'ERR_INVALID_ARGUMENT', err.message);
      assert.match(err.message, /input 'input': shape \[1,3,600,48\] is outside optimization profile 0 \(allowed \[1,3,1,1\]\.\.\[8,3,512,512\]\)/, err.message);
      // The double's own line, worded like TensorRT's, travels with the error.
      assert.match(err.message, /IExecutionContext::setInputShape: Error Code 3/, err.message);
      assert.match(err.message, /Valid range for profile 0: \[1,3,1,1\]\.\.\[8,3,512,512\]/, err.message);
      if (noCompute) return;
      const x = uniform(3 * 5 * 7, 7);
      const r = await engine.infer({ inputs: [{ name: 'input', shape: [1, 3, 5, 7], data: x }] });
      const diff = describeFloat32Difference('after the refused call', new Float32Array(output(r, 'output').data), affineReference(x, [1, 3, 5, 7], A, B), x);
      assert.equal(diff, '', diff);
    } finally {
      await engine.dispose();
    }
  });

  test('scores-argmax: a float32 output and an int64 (or int32) index output, ties and NaN as numpy', { skip: noCompute }, async () => {
    const k = 10;
    const rows: number[][] = [
      Array.from(uniform(k, 42)),
      [0, 1, 2, 9, 4, 5, 6, 9, 8, 7], // tie: the first wins
      [0, 1, 2, 3, 4, 5, NaN, 7, 99, 8], // a NaN wins
      Array(k).fill(-1) as number[], // all equal
      [-Infinity, -Infinity, -5, -Infinity, -1e30, -2, -3, -4, -1e-30, -6],
      [Infinity, 1, 2, 3, 4, 5, 6, 7, 8, Infinity],
    ];
    const x = Float32Array.from(rows.flat());
    const want = argmaxReference(x, k);
    for (const indexType of ['int64', 'int32'] as const) {
      const backend = await TensorRtBackend.open(dir.write(`argmax-${indexType}`, doublePresets.scoresArgmax({ trtVersion: version, indexType })));
      try {
        assert.deepEqual(backend.outputs.map((o) => `${o.name}:${o.dtype}`), ['scores:float32', `index:${indexType}`]);
        const r = await backend.run(feeds([['logits', f32([rows.length, k], x)]]), `argmax ${indexType}`);
        assert.deepEqual([...r.outputs.keys()], ['scores', 'index']);
        const scores = r.outputs.get('scores')!;
        const index = r.outputs.get('index')!;
        assert.deepEqual(scores.shape, [rows.length, k]);
        const sdiff = describeFloat32Difference('scores (a copy of logits)', scores.data as Float32Array, x);
        assert.equal(sdiff, '', sdiff);
        assert.equal(index.dtype, indexType);
        assert.deepEqual(index.shape, [rows.length]);
        const got = Array.from(index.data as Int32Array | BigInt64Array, Number);
        assert.deepEqual(got, want, `argmax per row (${indexType}); rows: ${JSON.stringify(rows)}`);
      } finally {
        await backend.dispose();
      }
    }
    assert.deepEqual(want.slice(1, 4), [3, 6, 0], 'the reference itself: tie → first, NaN wins, all equal → 0');
  });

  test('affine-fp16: float16 output bits equal floatToHalf of the float32 reference (ties, overflow, subnormals)', { skip: noCompute }, async () => {
    // Scaled affine on random values, then an identity engine fed values chosen to hit half's edges.
    const shape = [1, 3, 40, 50];
    const n = 3 * 40 * 50;
    const x = uniform(n, 99, -20_000, 20_000);
    for (let i = 0; i < 600; i++) x[i] = 0.5 + (i - 300) * 2 ** -20; // around the zero of channel 0: subnormal halves
    const cases: [string, DoubleEngineSpec, Float32Array, readonly number[], readonly number[]][] = [
      ['scaled', doublePresets.affineFp16({ trtVersion: version }), x, A, B],
    ];
    const edges = [
      1 + 2 ** -11, 1 + 3 * 2 ** -11, -(1 + 2 ** -11), 2048 + 1, 2048 + 3, 65504, 65519.99, 65520, -65520, 1e9, -1e9,
      2 ** -24, 2 ** -25, 3 * 2 ** -25, 2 ** -26, -(2 ** -25), 2 ** -14 - 2 ** -25, 0, -0, 6.1e-5, 1e-40, Infinity, -Infinity, 0.1, 1 / 3,
    ];
    const edge = new Float32Array(3 * edges.length);
    edge.set(edges, 0);
    edge.set(edges.map((v) => -v), edges.length);
    edge.set(edges.map((v) => v * 0.5), 2 * edges.length);
    cases.push(['identity', doublePresets.affineFp16({ trtVersion: version, a: [1, 1, 1], b: [0, 0, 0] }), edge, [1, 1, 1], [0, 0, 0]]);
    for (const [name, spec, input, a, b] of cases) {
      const s = name === 'scaled' ? shape : [1, 3, 1, edges.length];
      const backend = await TensorRtBackend.open(dir.write(`affine-fp16-${name}`, spec));
      try {
        const r = await backend.run(feeds([['input', f32(s, input)]]), name);
        const y = r.outputs.get('output')!;
        assert.equal(y.dtype, 'float16');
        assert.deepEqual(y.shape, s);
        const want = affineHalfReference(input, s, a, b);
        const diff = describeBitsDifference(`${name}: half bits`, y.data as Uint16Array, want);
        assert.equal(diff, '', diff);
        const inf = want.filter((h) => (h & 0x7fff) === 0x7c00).length;
        const sub = want.filter((h) => (h & 0x7c00) === 0 && (h & 0x3ff) !== 0).length;
        assert.ok(inf > 0 && sub > 0, `${name}: the inputs must reach overflow (${inf}) and subnormals (${sub}) to mean something`);
      } finally {
        await backend.dispose();
      }
    }
  });

  test('nonzero: data-dependent output sizes with 0, 1 and many hits; the length equals the count', { skip: noCompute }, async () => {
    const backend = await TensorRtBackend.open(dir.write('nonzero', doublePresets.nonzero({ trtVersion: version })));
    try {
      assert.deepEqual(backend.outputs, [{ name: 'indices', dtype: 'int64', shape: [2, null] }]);
      const one = new Float32Array(20).fill(-1);
      one[13] = 0.5;
      const many = uniform(64 * 64, 5, -1, 1);
      const cases: [string, number[], Float32Array][] = [
        ['many', [64, 64], many],
        ['zero hits', [4, 5], Float32Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 0 : -i))],
        ['one hit', [4, 5], one],
        ['all hit', [3, 7], new Float32Array(21).fill(2)],
        ['1x1 zero', [1, 1], new Float32Array([0])],
        ['many again', [64, 64], many],
      ];
      for (const [name, shape, x] of cases) {
        const r = await backend.run(feeds([['x', f32(shape, x)]]), name);
        const out = r.outputs.get('indices')!;
        const want = nonzeroReference(x, shape[1]!, 0);
        assert.deepEqual(out.shape, [2, want.n], `${name}: shape`);
        assert.equal(out.data.length, 2 * want.n, `${name}: data length`);
        const diff = describeBitsDifference(`${name}: coordinates`, Array.from(out.data as BigInt64Array, Number), want.coords);
        assert.equal(diff, '', diff);
      }
      assert.ok(nonzeroReference(many, 64, 0).n > 1000, 'the "many" case must have many hits');
    } finally {
      await backend.dispose();
    }
  });

  test('reshape: a host shape-tensor input read at call time, several target values on one context', { skip: noCompute }, async () => {
    const backend = await TensorRtBackend.open(dir.write('reshape', doublePresets.reshape({ trtVersion: version })));
    try {
      const shapeInput = backend.engineInfo.tensors.find((t) => t.name === 'shape');
      assert.equal(shapeInput?.location, 'host');
      assert.equal(shapeInput?.isShapeTensor, true);
      assert.deepEqual(shapeInput?.profiles[0]?.values, { min: [1, 1], opt: [3, 4], max: [1024, 1024] });
      const targets: [number, number][] = [[3, 4], [4, 3], [2, 6], [12, 1], [1, 12], [5, 7], [3, 4], [1024, 1]];
      for (const [i, [p, q]] of targets.entries()) {
        const data = uniform(p * q, 300 + i);
        // int32 values once: the backend converts them to the engine's int64 (feeds.ts).
        const values: Tensor = i === 2 ? { dtype: 'int32', shape: [2], data: new Int32Array([p, q]) } : { dtype: 'int64', shape: [2], data: new BigInt64Array([BigInt(p), BigInt(q)]) };
        const r = await backend.run(feeds([['data', f32([p * q], data)], ['shape', values]]), `reshape to [${p},${q}]`);
        const out = r.outputs.get('reshaped')!;
        assert.deepEqual(out.shape, [p, q], `call ${i}: shape`);
        const diff = describeFloat32Difference(`call ${i} [${p},${q}]`, out.data as Float32Array, data);
        assert.equal(diff, '', diff);
      }
    } finally {
      await backend.dispose();
    }
  });

  test('reshape: values outside the profile are refused before native code; a volume mismatch is refused by the double', async () => {
    const backend = await TensorRtBackend.open(dir.write('reshape', doublePresets.reshape({ trtVersion: version })));
    try {
      const err = await rejection(backend.run(feeds([['data', f32([12], new Float32Array(12))], ['shape', { dtype: 'int64', shape: [2], data: new BigInt64Array([0n, 12n]) }]]), 'k'));
      assert.ok(err instanceof InputError, `${err.name}: ${err.message}`);
      assert.match(err.message, /shape-tensor input 'shape' holds \[0,12\], outside optimization profile 0 of the TensorRT engine: allowed values \[1,1\] \.\. \[1024,1024\]/, err.message);
      const bad = await rejection(backend.run(feeds([['data', f32([12], new Float32Array(12))], ['shape', { dtype: 'int64', shape: [2], data: new BigInt64Array([5n, 5n]) }]]), 'k'));
      assert.ok(bad instanceof TrtParityError && bad.exitCode === 3, `expected a backend error (exit 3), got ${bad.name}: ${bad.message}`);
      console.log(`  volume mismatch is reported as: ${bad.message}`);
    } finally {
      await backend.dispose();
    }
  });

  test('a corrupt plan is refused as damaged, with the rebuild advice, not blamed on a version', async () => {
    const plan = writeDoubleEngine(affineSpec());
    const corrupt = plan.slice();
    corrupt[DOUBLE_HEADER.size + 8]! ^= 0xff; // in the body: the checksum no longer matches, the header is intact
    const path = dir.write('corrupt', corrupt);
    const err = await rejection(TensorRtBackend.open(path));
    assert.ok(err instanceof TensorRtError, `${err.name}: ${err.message}`);
    const all = `${err.message}\n${err.hints.join('\n')}\n${err.logs.join('\n')}`;
    assert.equal(err.problem.reason, 'engine-incompatible', all);
    assert.ok(err.message.startsWith(`${path}: `), `names the file: ${err.message}`);
    assert.match(err.logs.join('\n'), /checksum mismatch \(corrupt plan\)/, all);
    assert.match(err.hints.join('\n'), /rebuild the engine/, all);
    // Its header says it was built by this very version: the message must not claim another one built it.
    assert.doesNotMatch(err.message, /another TensorRT version|built by TensorRT \d/, all);
  });

  test('a plan from another TensorRT version (bytes 24–27) names the version that built it and says to rebuild', async () => {
    for (const other of [[version[0], version[1] === 0 ? 1 : version[1] - 1, 7], [version[0] - 1, 6, 1]] as const) {
      const plan = writeDoubleEngine(affineSpec());
      plan.set(other, DOUBLE_HEADER.versionMajor);
      const path = dir.write(`v${other.join('.')}`, plan);
      const err = await rejection(TensorRtBackend.open(path));
      assert.ok(err instanceof TensorRtError, `${err.name}: ${err.message}`);
      const all = `${err.message}\n${err.hints.join('\n')}\n${err.logs.join('\n')}`;
      assert.equal(err.problem.reason, 'engine-incompatible', all);
      assert.ok(err.message.startsWith(`${path}: `), all);
      assert.match(err.message, new RegExp(`built by TensorRT ${other.join('\\.')}\\.0 \\(per the plan header\\), and this is TensorRT ${version.join('\\.')}`), all);
      assert.match(err.hints.join('\n'), /rebuild the engine on this machine/, all);
      assert.match(err.logs.join('\n'), new RegExp(`expecting library version ${version.join('\\.')} got ${other.join('\\.')}, please rebuild`), all);
    }
  });

  test('an engine needing host code is refused unless allowed, and loads when allowed', async () => {
    const path = dir.write('host-code', { ...affineSpec(), needsHostCode: true });
    const err = await rejection(TensorRtBackend.open(path));
    assert.ok(err instanceof TensorRtError, `${err.name}: ${err.message}`);
    const all = `${err.message}\n${err.hints.join('\n')}\n${err.logs.join('\n')}`;
    assert.equal(err.problem.reason, 'engine-needs-host-code', all);
    assert.match(err.hints.join('\n'), /--allow-engine-host-code/, all);
    const backend = await TensorRtBackend.open(path, { allowHostCode: true });
    try {
      assert.equal(backend.inputs[0]?.name, 'input');
      if (noCompute) return;
      const x = uniform(12, 3);
      const r = await backend.run(feeds([['input', f32([1, 3, 2, 2], x)]]), 'host code');
      const diff = describeFloat32Difference('host-code engine', r.outputs.get('output')!.data as Float32Array, affineReference(x, [1, 3, 2, 2], A, B));
      assert.equal(diff, '', diff);
    } finally {
      await backend.dispose();
    }
  });

  test('a plugin library is loaded (dlopen, once per process) before deserializing; a missing one is an input error naming it', async (t) => {
    assert.ok(setup);
    const major = version[0];
    const plugin = join(dirname(setup.libPath), `libnvinfer_plugin.so.${major}`);
    if (!existsSync(plugin)) {
      t.skip(`no ${plugin}`);
      return;
    }
    const backend = await TensorRtBackend.open(dir.write('affine', affineSpec()), { plugins: [plugin] });
    await backend.dispose();
    const err = await rejection(TensorRtBackend.open(dir.write('affine', affineSpec()), { plugins: [join(dir.path, 'no-such-plugin.so')] }));
    // Checked before any TensorRT call: the file does not exist (exit 2).
    assert.ok(err instanceof TrtParityError && err.exitCode === 2, `${err.name}: ${err.message}`);
    assert.match(err.message, /no-such-plugin\.so/, `names the plugin: ${err.message}`);
  });

  test('dispose during a call: the running call completes, the queued one rejects ERR_DISPOSED, no crash', { skip: noCompute }, async () => {
    const engine = await rawEngine(affineSpec());
    const shape = [8, 3, 512, 512];
    const x = uniform(8 * 3 * 512 * 512, 11);
    const running = engine.infer({ inputs: [{ name: 'input', shape, data: x }] });
    const queued = engine.infer({ inputs: [{ name: 'input', shape, data: x }] });
    const disposal = engine.dispose();
    assert.equal(engine.disposed, true);
    const [r, q, d] = await Promise.allSettled([running, queued, disposal]);
    assert.equal(r.status, 'fulfilled', `the running call: ${r.status === 'rejected' ? String(r.reason) : ''}`);
    const diff = describeFloat32Difference('the call running at dispose', new Float32Array((r as PromiseFulfilledResult<NativeInferResult>).value.outputs[0]!.data), affineReference(x, shape, A, B), x);
    assert.equal(diff, '', diff);
    assert.equal(q.status, 'rejected');
    assert.equal((q as PromiseRejectedResult).reason.code, 'ERR_DISPOSED', String((q as PromiseRejectedResult).reason));
    assert.equal(d.status, 'fulfilled', String((d as PromiseRejectedResult).reason));
    assert.equal((await rejection(engine.infer({ inputs: [{ name: 'input', shape: [1, 3, 1, 1], data: new Float32Array(3) }] }))).code, 'ERR_DISPOSED');
    await engine.dispose(); // idempotent
    assert.equal(engine.info().tensors.length, 2, 'info() still works after dispose');

    // The backend's dispose waits for runs already queued, then frees.
    const backend = await TensorRtBackend.open(dir.write('affine', affineSpec()));
    const runs = [1, 2].map((i) => backend.run(feeds([['input', f32(shape, x)]]), `run ${i}`));
    const done = backend.dispose();
    const settled = await Promise.allSettled([...runs, done]);
    assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'fulfilled', 'fulfilled'], settled.map((s) => (s.status === 'rejected' ? String(s.reason) : 'ok')).join('; '));
    const late = await rejection(backend.run(feeds([['input', f32([1, 3, 1, 1], new Float32Array(3))]]), 'late'));
    assert.ok(late instanceof TensorRtError && late.problem.reason === 'disposed', `${late.name}: ${late.message}`);
  });

  test('32 concurrent calls, each equal to its own reference (addon queue and backend queue)', { skip: noCompute }, async () => {
    const engine = await rawEngine(affineSpec());
    try {
      const inputs = Array.from({ length: 32 }, (_, i) => {
        const shape = [1 + (i % 3), 3, 8 + i, 5 + 2 * i];
        return { shape, x: uniform(shape.reduce((p, d) => p * d, 1), 500 + i) };
      });
      const results = await Promise.all(inputs.map(({ shape, x }) => engine.infer({ inputs: [{ name: 'input', shape, data: x }] })));
      for (const [i, r] of results.entries()) {
        const { shape, x } = inputs[i]!;
        assert.deepEqual(output(r, 'output').shape, shape, `call ${i}: shape`);
        const diff = describeFloat32Difference(`concurrent call ${i}`, new Float32Array(output(r, 'output').data), affineReference(x, shape, A, B), x);
        assert.equal(diff, '', diff);
      }
      const dbg = engine._debug();
      assert.ok(dbg.stagingSets >= 1 && dbg.stagingSets <= 32, `staging sets ${dbg.stagingSets}`);
      assert.equal(dbg.calls, 32);
    } finally {
      await engine.dispose();
    }
    const backend = await TensorRtBackend.open(dir.write('affine', affineSpec()));
    try {
      const xs = Array.from({ length: 32 }, (_, i) => uniform(3 * 9 * (i + 1), 900 + i));
      const runs = await Promise.all(xs.map((x, i) => backend.run(feeds([['input', f32([1, 3, 9, i + 1], x)]]), `img${i}`)));
      for (const [i, r] of runs.entries()) {
        const diff = describeFloat32Difference(`backend call ${i}`, r.outputs.get('output')!.data as Float32Array, affineReference(xs[i]!, [1, 3, 9, i + 1], A, B));
        assert.equal(diff, '', diff);
      }
    } finally {
      await backend.dispose();
    }
  });

  test('memory stays flat over 10,000 calls: allocation counters, device memory (cudaMemGetInfo) and RSS', { skip: noCompute, timeout: 120_000 }, async () => {
    assert.ok(setup);
    const calls = setup.quick ? 1_000 : 10_000;
    const engine = await rawEngine(affineSpec());
    try {
      const shape = [1, 3, 32, 32];
      const x = uniform(3 * 32 * 32, 77);
      const request = { inputs: [{ name: 'input', shape, data: x }] };
      let last: NativeInferResult | undefined;
      for (let i = 0; i < 200; i++) last = await engine.infer(request);
      gc();
      const before = { debug: engine._debug(), rss: process.memoryUsage().rss };
      const start = performance.now();
      for (let i = 0; i < calls; i++) last = await engine.infer(request);
      const elapsed = performance.now() - start;
      gc();
      const afterAll = { debug: engine._debug(), rss: process.memoryUsage().rss };
      const mib = (b: number): string => (b / 2 ** 20).toFixed(2);
      const deviceDrop = before.debug.deviceFreeBytes - afterAll.debug.deviceFreeBytes;
      const report = `${calls} calls in ${elapsed.toFixed(0)} ms (${((elapsed * 1000) / calls).toFixed(1)} µs/call); ` +
        `RSS ${mib(before.rss)} → ${mib(afterAll.rss)} MiB; device free ${mib(before.debug.deviceFreeBytes)} → ${mib(afterAll.debug.deviceFreeBytes)} MiB; ` +
        `counters before ${JSON.stringify(before.debug)} after ${JSON.stringify(afterAll.debug)}`;
      console.log(`  memory: ${report}`);
      assert.equal(afterAll.debug.calls - before.debug.calls, calls, report);
      assert.equal(afterAll.debug.deviceAllocs, before.debug.deviceAllocs, `device allocations grew: ${report}`);
      assert.equal(afterAll.debug.pinnedAllocs, before.debug.pinnedAllocs, `pinned allocations grew: ${report}`);
      assert.equal(afterAll.debug.stagingSets, before.debug.stagingSets, `staging sets grew: ${report}`);
      assert.ok(before.debug.deviceFreeBytes > 0, `cudaMemGetInfo failed: ${report}`);
      assert.ok(deviceDrop <= 4 * 2 ** 20, `device memory fell by ${mib(deviceDrop)} MiB (bound 4 MiB): ${report}`);
      assert.ok(afterAll.rss - before.rss <= 48 * 2 ** 20, `RSS grew by ${mib(afterAll.rss - before.rss)} MiB (bound 48 MiB): ${report}`);
      const diff = describeFloat32Difference('the last call', new Float32Array(output(last!, 'output').data), affineReference(x, shape, A, B));
      assert.equal(diff, '', diff);
    } finally {
      await engine.dispose();
    }
  });
});
