import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseToleranceSpec } from '../../src/compare/tolerance.js';
import { BackendError, ExitCode, InputError } from '../../src/errors.js';
import { runCompare, type CompareRunOptions } from '../../src/app/compare-run.js';
import { RepeatedFailureWatch, SAME_FAILURE_LIMIT } from '../../src/app/repeated-failure.js';
import type { TensorInfo } from '../../src/tensor/types.js';
import { f32, fakeBackend, fakeIO, fakeReplay, outputs, recorder } from '../doubles/fake-backends.js';
import { writeFailingModel } from '../doubles/failing-model.js';
import { cliPath, fixture } from '../helpers/paths.js';

const INPUT: TensorInfo = { name: 'input', dtype: 'float32', shape: [1, 3] };
const ok = () => outputs({ logits: f32([1, 2, 3], [1, 3]) });
const keys = (n: number): string[] => Array.from({ length: n }, (_, i) => `img${i}.jpg`);
const base = (over: Partial<CompareRunOptions> = {}): CompareRunOptions => ({
  first: 'a.onnx', second: 'b.onnx', images: ['/imgs'], rawInputs: new Map(),
  tolerance: parseToleranceSpec({}), allowNonFinite: false, failFast: false, ...over,
});

/** A fake run over `n` images where `first` answers with `answer` and the reference always works. */
function setup(n: number, answer: (key: string) => void, pixelError: (key: string) => Error | null = () => null) {
  const first = fakeBackend('broken.onnx', [INPUT], (key) => {
    answer(key);
    return ok();
  });
  const second = fakeBackend('b.onnx', [INPUT], () => ok());
  const rec = recorder();
  const io = fakeIO({
    backends: { 'a.onnx': first, 'b.onnx': second },
    images: keys(n).map((k) => ({ path: `/imgs/${k}`, key: k })),
    pixels: Object.fromEntries(keys(n).map((k) => [`/imgs/${k}`, pixelError(k) ?? f32([1, 2, 3], [1, 3])])),
    outputsRecorder: rec,
  });
  const rows: [number, string, string][] = [];
  const options = base({ onItem: (done, _total, item) => rows.push([done, item.key, item.status]) });
  return { first, io, rec, rows, options };
}

/** ONNX Runtime's way of failing: the model's path, then the input's key, then the reason. */
const ortFailure = (key: string): BackendError =>
  new BackendError('onnxruntime', 'run-failed', `broken.onnx: ONNX Runtime failed on ${key}: indices element out of data bounds, idx=5 must be within the inclusive range [-1,0]`, { hints: ['check the model'] });

describe('RepeatedFailureWatch: the rule', () => {
  const live = fakeBackend('m.onnx', [INPUT], ok);
  const err = (key: string, why = 'boom') => new BackendError('x', 'run-failed', `m.onnx: failed on ${key}: ${why}`);

  test(`${SAME_FAILURE_LIMIT} alike failures (the key taken out) and no success: one error naming the file and the inputs`, () => {
    const w = new RepeatedFailureWatch();
    for (const k of ['a', 'b']) {
      w.failed(live, k, `/d/${k}`, err(k));
      assert.equal(w.verdict(10), null);
      assert.equal(w.suspect, true);
    }
    w.failed(live, 'c', '/d/c', err('c'));
    const v = w.verdict(10);
    assert.ok(v instanceof BackendError);
    assert.equal(v.exitCode, ExitCode.backend);
    assert.equal(v.reason, 'fails-on-every-input');
    assert.equal(v.message, 'm.onnx: fails on every input (the first 3, a, b, c, failed alike and none ran; the other 7 were not run): failed on a: boom');
  });

  test('two different messages: each failure is its input\'s own', () => {
    const w = new RepeatedFailureWatch();
    w.failed(live, 'a', null, err('a'));
    w.failed(live, 'b', null, err('b', 'other'));
    w.failed(live, 'c', null, err('c'));
    assert.equal(w.suspect, false);
    assert.equal(w.verdict(10), null);
  });

  test('one success, before or after, and no failure counts', () => {
    const w = new RepeatedFailureWatch();
    w.succeeded(live);
    for (const k of ['a', 'b', 'c', 'd']) w.failed(live, k, null, err(k));
    assert.equal(w.suspect, false);
    assert.equal(w.verdict(10), null);
    const w2 = new RepeatedFailureWatch();
    w2.failed(live, 'a', null, err('a'));
    w2.succeeded(live);
    for (const k of ['b', 'c', 'd']) w2.failed(live, k, null, err(k));
    assert.equal(w2.verdict(10), null);
  });

  test('a saved-run replay\'s failures are per key by nature and never count', () => {
    const w = new RepeatedFailureWatch();
    const replay = fakeReplay('run/', [], ok);
    for (const k of ['a', 'b', 'c', 'd']) w.failed(replay, k, null, new InputError('run/', `no saved outputs for '${k}'`));
    assert.equal(w.suspect, false);
    assert.equal(w.verdict(10), null);
  });
});

describe('runCompare: a backend that fails on every input is said once', () => {
  test('stops after the first 3 with one BackendError naming the model; no row reaches progress or JSONL; the saved run is closed', async () => {
    const { first, io, rec, rows, options } = setup(50, (key) => { throw ortFailure(key); });
    await assert.rejects(runCompare(options, io), (err: unknown) => {
      assert.ok(err instanceof BackendError);
      assert.equal(err.exitCode, 3);
      assert.match(err.message, /^broken\.onnx: fails on every input \(the first 3, img0\.jpg, img1\.jpg, img2\.jpg, failed alike and none ran; the other 47 were not run\): ONNX Runtime failed on img0\.jpg: indices element out of data bounds/);
      assert.deepEqual(err.hints, ['check the model']);
      return true;
    });
    assert.deepEqual(first.calls.map((c) => c.key), ['img0.jpg', 'img1.jpg', 'img2.jpg']);
    assert.deepEqual(rows, []);
    assert.equal(rec.closed, 1);
  });

  test('images that fail to decode first count neither way, and keep their place', async () => {
    const { io, rows, options } = setup(6, (key) => { throw ortFailure(key); }, (k) => (k === 'img1.jpg' ? new InputError(`/imgs/${k}`, 'truncated') : null));
    await assert.rejects(runCompare(options, io), /fails on every input \(the first 3, img0\.jpg, img2\.jpg, img3\.jpg,/);
    assert.deepEqual(rows, []);
  });

  test('a folder where only some images fail reports each, in order, with progress in order', async () => {
    const failing = new Set(['img0.jpg', 'img1.jpg', 'img3.jpg', 'img4.jpg', 'img5.jpg']);
    const { io, rows, options } = setup(7, (key) => { if (failing.has(key)) throw ortFailure(key); });
    const report = await runCompare(options, io);
    assert.deepEqual(report.items.map((i) => i.status), ['error', 'error', 'pass', 'error', 'error', 'error', 'pass']);
    assert.deepEqual(rows.map(([d, k, s]) => `${d} ${k} ${s}`), ['1 img0.jpg error', '2 img1.jpg error', '3 img2.jpg pass', '4 img3.jpg error', '5 img4.jpg error', '6 img5.jpg error', '7 img6.jpg pass']);
  });

  test('failures that differ are each reported, however many', async () => {
    const { io, rows, options } = setup(5, (key) => { throw new BackendError('onnxruntime', 'run-failed', `broken.onnx: failed: reason ${Number(key.slice(3, -4)) % 2 === 0 ? 'A' : 'B'} on ${key}`); });
    const report = await runCompare(options, io);
    assert.equal(report.items.length, 5);
    assert.ok(report.items.every((i) => i.status === 'error'));
    assert.equal(rows.length, 5);
  });

  test('fewer inputs than the limit, all failing alike: each reported (released at the end)', async () => {
    const { io, rows, options } = setup(2, (key) => { throw ortFailure(key); });
    const report = await runCompare(options, io);
    assert.deepEqual(report.items.map((i) => i.status), ['error', 'error']);
    assert.deepEqual(rows.map(([d]) => d), [1, 2]);
  });
});

describe('compare CLI: a real ONNX model that fails at run time in ONNX Runtime', () => {
  test('one line naming the model, exit 3, no ERROR rows, an empty JSONL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trt-parity-every-input-'));
    try {
      const model = writeFailingModel(join(dir, 'fails.onnx'));
      const images = join(dir, 'images');
      mkdirSync(images);
      for (let i = 0; i < 6; i++) copyFileSync(fixture('images', 'photos', 'rocket.jpg'), join(images, `r${i}.jpg`));
      const r = spawnSync(process.execPath, [cliPath, 'compare', model, model, images, '--jsonl', join(dir, 'run.jsonl'), '--no-progress'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      assert.equal(r.status, 3, r.stderr);
      assert.equal(r.stdout, '');
      const lines = r.stderr.trim().split('\n');
      assert.match(lines[0]!, new RegExp(`^trt-parity: ${model.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: fails on every input \\(the first 3, r0\\.jpg, r1\\.jpg, r2\\.jpg, failed alike and none ran; the other 3 were not run\\): .*indices element out of data bounds`));
      assert.ok(!r.stderr.includes('ERROR'));
      assert.equal(readFileSync(join(dir, 'run.jsonl'), 'utf8'), '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
