// `trt-parity compare` end to end on a GPU: fixtures/models/affine.onnx (ONNX Runtime, CPU) against
// its twin engine for the TensorRT double (same constants, same I/O names), on fixtures/images/photos.
//
// The twin must pass; a perturbed twin must fail with exit 1 and exactly the statistics a hand
// computation predicts from the same preprocessed tensors: the tensors come from the project's own
// image pipeline (the CLI's), the outputs from y = fround(fround(x·a) + b) (ONNX Mul then Add, and the
// double's kernel, both round twice), and the verdict from numpy's rule |first − second| <= atol + rtol·|second|.
//
// Skips like tensorrt-double.test.ts (see there), and the tests needing results skip with TRT_DOUBLE_CPU_ONLY=1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { inspectOnnx } from '../../src/backends/onnx/model-info.js';
import { loadImageTensor } from '../../src/image/image-tensor.js';
import { imageInputSpec } from '../../src/image/model-input.js';
import type { TensorInfo } from '../../src/tensor/types.js';
import { doublePresets, type DoubleEngineSpec } from '../doubles/double-engine.js';
import { fixture, repoRoot } from '../helpers/paths.js';
import { affineReference, cliContext, computeSkip, doubleSetup, EngineDir, runCli } from './helpers.js';

const { setup, skip } = await doubleSetup();
if (skip) console.log(`TensorRT double CLI tests skipped: ${skip}`);
const noCompute = computeSkip(setup);

/** affine.onnx's constants: scripts/make-fixture-models.ts (AFFINE_A, AFFINE_B), stored there as float32. */
const ONNX_A = [0.5, 1.7, -3.25];
const ONNX_B = [0.1, -0.2, 0.3];
/** The perturbation: channel 1's scale and channel 2's shift, so that some elements pass and some fail. */
const DELTA_A = [0, 2 ** -9, 0];
const DELTA_B = [0, 0, 2 ** -12];
const RTOL = 1e-3;
const ATOL = 1e-5;

const model = fixture('models', 'affine.onnx');
const photos = fixture('images', 'photos');

interface JsonOutput {
  name: string;
  passed: boolean;
  mismatched: number;
  total: number;
  stats: { maxAbs: number } | null;
}
interface JsonReport {
  items: { key: string; path: string | null; status: string; outputs: JsonOutput[]; error: { message: string } | null }[];
  summary: { items: number; passed: number; failed: number; errors: number; exitCode: number; outputs: { name: string; mismatched: number; total: number; maxAbs: number }[] };
}

function parseReport(stdout: string, context: string): JsonReport {
  try {
    return JSON.parse(stdout) as JsonReport;
  } catch (e) {
    return assert.fail(`--json - did not print JSON (${(e as Error).message}):${context}`);
  }
}

/** The affine twin of affine.onnx for the double, with a profile wide enough for every photo at its own size. */
function twin(trtVersion: readonly [number, number, number], a = ONNX_A, b = ONNX_B): DoubleEngineSpec {
  return doublePresets.affine({
    trtVersion, a, b, inputName: 'x', outputName: 'y',
    profiles: [{ min: [1, 3, 1, 1], opt: [1, 3, 224, 224], max: [1, 3, 1024, 1024] }],
  });
}

/** numpy's verdict for one element, evaluated in float32 (numpy 1.24 on float32 arrays) and in float64: the two bracket the count. */
function violates(first: number, second: number): [boolean, boolean] {
  const f = Math.fround;
  const d32 = f(Math.abs(f(first - second)));
  const bound32 = f(ATOL + f(f(RTOL) * f(Math.abs(second))));
  const d64 = Math.abs(first - second);
  return [!(d32 <= bound32), !(d64 <= ATOL + RTOL * Math.abs(second))];
}

describe('trt-parity compare with the TensorRT double', { skip }, () => {
  let dir: EngineDir;
  let input: TensorInfo;
  before(async () => {
    dir = new EngineDir();
    const info = await inspectOnnx(model);
    assert.equal(info.inputs.length, 1, 'affine.onnx has one input');
    input = info.inputs[0]!;
  });
  after(() => dir?.cleanup());

  test('the twin engine passes on every photo (exit 0)', { skip: noCompute }, async () => {
    assert.ok(setup);
    const engine = dir.write('affine-twin', twin(setup.trtVersion));
    const run = await runCli(['compare', model, engine, photos, '--json', '-', '--no-progress']);
    const ctx = cliContext(run);
    assert.equal(run.code, 0, `expected exit 0${ctx}`);
    const report = parseReport(run.stdout, ctx);
    const images = readdirSync(photos).length;
    assert.equal(report.summary.items, images, ctx);
    assert.equal(report.summary.passed, images, ctx);
    for (const item of report.items) {
      const y = item.outputs.find((o) => o.name === 'y');
      assert.ok(y?.passed, `${item.key}: ${JSON.stringify(y)}`);
      // ONNX Mul then Add and the double's kernel round the same two operations: nothing should differ.
      assert.ok(y.stats !== null && y.stats.maxAbs <= 1e-6, `${item.key}: maxAbs ${y.stats?.maxAbs} (expected 0: both sides compute fround(fround(x·a)+b))`);
    }
    console.log(`  twin: maxAbs per image ${report.items.map((i) => `${i.key}=${i.outputs[0]?.stats?.maxAbs}`).join(', ')}`);
  });

  test('a perturbed twin fails with exit 1 and the hand-computed maxAbs and mismatch counts', { skip: noCompute }, async () => {
    assert.ok(setup);
    const a2 = ONNX_A.map((v, i) => Math.fround(v) + DELTA_A[i]!);
    const b2 = ONNX_B.map((v, i) => Math.fround(v) + DELTA_B[i]!);
    const engine = dir.write('affine-perturbed', twin(setup.trtVersion, a2, b2));
    const run = await runCli(['compare', model, engine, photos, '--json', '-', '--no-progress']);
    const ctx = cliContext(run);
    assert.equal(run.code, 1, `expected exit 1 (mismatch)${ctx}`);
    const report = parseReport(run.stdout, ctx);
    assert.equal(report.summary.failed, report.summary.items, `every photo has elements beyond tolerance${ctx}`);
    const lines: string[] = [];
    let totalLo = 0;
    let totalHi = 0;
    let elements = 0;
    for (const item of report.items) {
      assert.ok(item.path !== null, `item ${item.key} has no path`);
      const { tensor } = await loadImageTensor(resolve(repoRoot, item.path), imageInputSpec(input), { resizeMode: 'stretch' });
      const x = tensor.data as Float32Array;
      const first = affineReference(x, tensor.shape, ONNX_A, ONNX_B); // ONNX Runtime (the first, "actual")
      const second = affineReference(x, tensor.shape, a2, b2); // the engine (the second, the reference)
      const channels = tensor.shape[1]!;
      const inner = x.length / channels / tensor.shape[0]!;
      let emulated = 0;
      let analytic = 0;
      let lo = 0;
      let hi = 0;
      for (let i = 0; i < x.length; i++) {
        const c = Math.floor(i / inner) % channels;
        emulated = Math.max(emulated, Math.abs(first[i]! - second[i]!));
        analytic = Math.max(analytic, Math.abs(x[i]! * DELTA_A[c]! + DELTA_B[c]!));
        const [v32, v64] = violates(first[i]!, second[i]!);
        if (v32 && v64) lo++;
        if (v32 || v64) hi++;
      }
      const y = item.outputs.find((o) => o.name === 'y');
      assert.ok(y?.stats, `${item.key}: no statistics for y: ${JSON.stringify(item)}`);
      const line = `${item.key}: ${tensor.shape.join('x')} maxAbs ${y.stats.maxAbs} (emulated ${emulated}, |x·Δa+Δb| ${analytic}); mismatched ${y.mismatched} (expected ${lo}..${hi}) of ${y.total}`;
      lines.push(line);
      assert.equal(y.total, x.length, line);
      assert.ok(Math.abs(y.stats.maxAbs - emulated) <= 1e-9, `maxAbs differs from the emulation: ${line}`);
      assert.ok(Math.abs(y.stats.maxAbs - analytic) <= 4e-6, `maxAbs differs from |x·Δa+Δb| beyond float32 rounding: ${line}`);
      assert.ok(y.mismatched >= lo && y.mismatched <= hi, `mismatched count: ${line}`);
      assert.ok(lo > 0 && hi < x.length, `the perturbation must leave some elements passing and some failing: ${line}`);
      totalLo += lo;
      totalHi += hi;
      elements += x.length;
    }
    console.log(`  perturbed:\n    ${lines.join('\n    ')}`);
    const summary = report.summary.outputs.find((o) => o.name === 'y');
    assert.ok(summary, ctx);
    assert.equal(summary.total, elements);
    assert.ok(summary.mismatched >= totalLo && summary.mismatched <= totalHi, `summary mismatched ${summary.mismatched}, expected ${totalLo}..${totalHi}`);
  });

  test('an engine needing host code: exit 3 with the advice, and exit 0 with --allow-engine-host-code', async () => {
    assert.ok(setup);
    const engine = dir.write('affine-host-code', { ...twin(setup.trtVersion), needsHostCode: true });
    const refused = await runCli(['compare', model, engine, photos, '--no-progress']);
    const ctx = cliContext(refused);
    assert.equal(refused.code, 3, `expected exit 3${ctx}`);
    assert.match(refused.stderr, /embeds TensorRT runtime code/, ctx);
    assert.match(refused.stderr, /--allow-engine-host-code/, ctx);
    assert.doesNotMatch(refused.stderr, /\n\s+at /, `no stack trace${ctx}`);
    if (noCompute) return;
    const allowed = await runCli(['compare', model, engine, photos, '--no-progress', '--allow-engine-host-code']);
    assert.equal(allowed.code, 0, `expected exit 0 with the flag${cliContext(allowed)}`);
  });

  test('a plan from another TensorRT version: exit 3, one line naming both versions, and the rebuild hint', async () => {
    assert.ok(setup);
    const plan = twin([setup.trtVersion[0], setup.trtVersion[1] + 1, 0]);
    const engine = dir.write('affine-newer', plan);
    const run = await runCli(['compare', model, engine, photos, '--no-progress']);
    const ctx = cliContext(run);
    assert.equal(run.code, 3, `expected exit 3${ctx}`);
    const newer = `${setup.trtVersion[0]}.${setup.trtVersion[1] + 1}.0`;
    assert.match(run.stderr, new RegExp(`built by TensorRT ${newer.replaceAll('.', '\\.')}`), ctx);
    assert.match(run.stderr, /hint: rebuild the engine/, ctx);
    assert.doesNotMatch(run.stderr, /\n\s+at /, `no stack trace${ctx}`);
  });
});
