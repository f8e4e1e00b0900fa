/**
 * Saved runs end to end: --save-outputs replayed as a backend, two saved runs compared, --save-inputs
 * fed back with --input, and non-finite outputs (crafted saved runs, since no fixture model makes NaN).
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SavedRunWriter } from '../../src/backends/saved/saved-writer.js';
import type { Tensor, TensorMap } from '../../src/tensor/types.js';
import { cli, jsonOf, models, photos, savedTensor, shown, tempDir, type CliResult } from './run-cli.js';

const classifier = models('classifier.onnx');
const fp16 = models('classifier-fp16.onnx');
const PHOTO_KEYS = ['astronaut.jpg', 'chelsea.jpg', 'coffee.jpg', 'rocket.jpg'];

let dir: string;
const r: Record<string, CliResult> = {};

const f32 = (values: number[], shape = [1, values.length]): Tensor => ({ dtype: 'float32', shape, data: Float32Array.from(values) });

/** A saved run of outputs as TensorRT would have written it, with the given inputs and outputs per key. */
async function craftRun(path: string, entries: Record<string, { input: number; logits: number[] }>): Promise<void> {
  const w = await SavedRunWriter.create(path, { kind: 'outputs', backend: 'tensorrt', source: `${path}.engine`, outputs: [{ name: 'logits', dtype: 'float32', shape: [1, 3] }] });
  for (const [key, e] of Object.entries(entries)) {
    const inputs: TensorMap = new Map([['input', f32([e.input, 0, 0])]]);
    await w.add(key, new Map([['logits', f32(e.logits)]]), inputs);
  }
  await w.close();
}

before(async () => {
  dir = await tempDir('saved');
  const s1 = join(dir, 'run-classifier');
  const si = join(dir, 'inputs');
  const s2 = join(dir, 'run-fp16');
  await Promise.all([
    // NaN at the same place on both sides: allclose passes (numpy's equal_nan), the non-finite check does not.
    craftRun(join(dir, 'nan-a'), { 'cat.jpg': { input: 1, logits: [NaN, 1, 2] } }),
    craftRun(join(dir, 'nan-b'), { 'cat.jpg': { input: 1, logits: [NaN, 1, 2.0000001] } }),
    // dog.jpg saved from different inputs; owl only in A, fox only in B.
    craftRun(join(dir, 'mixed-a'), { 'cat.jpg': { input: 1, logits: [0, 1, 2] }, 'dog.jpg': { input: 2, logits: [0, 1, 2] }, 'owl.jpg': { input: 3, logits: [0, 0, 0] } }),
    craftRun(join(dir, 'mixed-b'), { 'cat.jpg': { input: 1, logits: [0, 1, 2] }, 'dog.jpg': { input: 9, logits: [0, 1, 2] }, 'fox.jpg': { input: 3, logits: [0, 0, 0] } }),
  ]);
  const first = await Promise.all([
    cli(['compare', classifier, fp16, photos, '--save-outputs', s1, '--save-inputs', si, '--json', '-']),
    cli(['compare', fp16, classifier, photos, '--save-outputs', s2]),
    cli(['compare', join(dir, 'nan-a'), join(dir, 'nan-b')]),
    cli(['compare', join(dir, 'nan-a'), join(dir, 'nan-b'), '--allow-nonfinite']),
    cli(['compare', join(dir, 'mixed-a'), join(dir, 'mixed-b'), '--json', '-']),
    cli(['compare', join(dir, 'nan-a'), join(dir, 'nan-b'), '--allow-nonfinite', '--junit', join(dir, 'no', 'such', 'dir', 'r.xml')]),
  ]);
  [r['save'], r['saveFp16'], r['nan'], r['nanAllowed'], r['mixed'], r['unwritable']] = first;
  assert.equal(r['save']!.code, 1, shown(r['save']!));
  const astronautInput = join(si, (await readdir(si)).find((d) => d.startsWith('astronaut.jpg-'))!, 'input.npy');
  const second = await Promise.all([
    cli(['compare', classifier, s1, photos, '--json', '-']),
    cli(['compare', classifier, s1, photos, '--mean', '0.5,0.5,0.5']),
    cli(['compare', s1, s2, '--json', '-']),
    cli(['compare', classifier, fp16, '--input', `input=${astronautInput}`, '--json', '-']),
  ]);
  [r['replay'], r['replayMean'], r['twoRuns'], r['rawInput']] = second;
});

describe('--save-outputs and replay', () => {
  test('saving does not change the verdict; the saved outputs are the first backend\'s', async () => {
    const x = r['save']!;
    assert.equal(x.code, 1, shown(x));
    const saved = await savedTensor(join(dir, 'run-classifier'), 'chelsea.jpg', 'logits');
    assert.deepEqual(saved.shape, [1, 1000]);
    assert.equal(saved.dtype, 'float32');
  });

  test('replaying the classifier against a fresh classifier run: identical, exit 0', () => {
    const x = r['replay']!;
    assert.equal(x.code, 0, shown(x));
    const report = jsonOf(x);
    assert.equal(report.second.backend, 'saved');
    assert.deepEqual(report.items.map((i: { key: string; status: string }) => [i.key, i.status]), PHOTO_KEYS.map((k) => [k, 'pass']));
    for (const i of report.items) assert.deepEqual([i.outputs[0].stats.maxAbs, i.outputs[0].mismatched], [0, 0], i.key);
  });

  test('replaying with other preprocessing: every image refused as "preprocessing differed", exit 2', () => {
    const x = r['replayMean']!;
    assert.equal(x.code, 2, shown(x));
    assert.equal(x.stdout.match(/preprocessing differed, or the image changed/g)?.length, 4, shown(x));
    assert.ok(x.stdout.includes("the input for 'astronaut.jpg' is not the one its outputs were saved with (same names, dtypes and shapes, but different values)"));
    assert.ok(x.stdout.endsWith('ERROR  0 of 4 inputs passed; 4 inputs could not be compared [exit 2]\n'));
  });

  test('two saved runs compare like the live run that made them', () => {
    const live = jsonOf(r['save']!);
    const x = r['twoRuns']!;
    assert.equal(x.code, 1, shown(x));
    const report = jsonOf(x);
    assert.deepEqual([report.first.backend, report.second.backend], ['saved', 'saved']);
    assert.equal(report.settings.preprocess, null, 'no image was read');
    assert.deepEqual(report.items.map((i: { key: string }) => i.key), PHOTO_KEYS);
    report.items.forEach((item: { outputs: { mismatched: number; stats: { maxAbs: number; minAtol: number } }[] }, k: number) => {
      const want = live.items[k].outputs[0];
      const got = item.outputs[0]!;
      assert.deepEqual([got.mismatched, got.stats.maxAbs, got.stats.minAtol], [want.mismatched, want.stats.maxAbs, want.stats.minAtol], PHOTO_KEYS[k]);
    });
  });

  test('keys in one run only are warned about; outputs saved from different inputs are an item error', () => {
    const x = r['mixed']!;
    assert.equal(x.code, 2, shown(x));
    const report = jsonOf(x);
    assert.deepEqual(report.warnings, ['2 keys are in only one saved run and not compared: owl.jpg, fox.jpg']);
    assert.deepEqual(report.items.map((i: { key: string; status: string }) => [i.key, i.status]), [['cat.jpg', 'pass'], ['dog.jpg', 'error']]);
    assert.match(report.items[1].error.message, /^'dog\.jpg': .*mixed-a and .*mixed-b were saved from different inputs \(input digests sha256:/);
    assert.ok(x.stderr.includes('warning: 2 keys are in only one saved run and not compared: owl.jpg, fox.jpg'));
  });
});

describe('--save-inputs and --input', () => {
  test('a saved input fed back with --input gives the same comparison as its image', () => {
    const live = jsonOf(r['save']!).items[0];
    assert.equal(live.key, 'astronaut.jpg');
    const x = r['rawInput']!;
    assert.equal(x.code, 1, shown(x));
    const report = jsonOf(x);
    assert.equal(report.items.length, 1);
    const item = report.items[0];
    assert.deepEqual([item.key, item.path], ['input.npy', null]);
    const [a, b] = [item.outputs[0], live.outputs[0]];
    assert.deepEqual([a.mismatched, a.stats.maxAbs, a.stats.worst, a.stats.minAtol, a.stats.minRtol], [b.mismatched, b.stats.maxAbs, b.stats.worst, b.stats.minAtol, b.stats.minRtol]);
  });
});

describe('--allow-nonfinite', () => {
  test('NaN in both outputs fails by default, with the reason, and passes when allowed', () => {
    const x = r['nan']!;
    assert.equal(x.code, 1, shown(x));
    assert.ok(x.stdout.includes('logits: non-finite values present (use --allow-nonfinite to accept)'), shown(x));
    assert.ok(x.stdout.includes('non-finite: first nan=1 +inf=0 -inf=0; second nan=1 +inf=0 -inf=0'));
    const y = r['nanAllowed']!;
    assert.equal(y.code, 0, shown(y));
    assert.ok(y.stdout.endsWith('PASS  1 input, every output within tolerance [exit 0]\n'));
  });
});

describe('report files', () => {
  test('a --junit file that cannot be written: the text report is still printed, then exit 2 naming the file', () => {
    const x = r['unwritable']!;
    assert.equal(x.code, 2, shown(x));
    assert.ok(x.stdout.endsWith('PASS  1 input, every output within tolerance [exit 0]\n'), shown(x));
    assert.match(x.stderr, new RegExp(`^trt-parity: ${join(dir, 'no', 'such', 'dir', 'r.xml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot write report: ENOENT`));
  });
});
