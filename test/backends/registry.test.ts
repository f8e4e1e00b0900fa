import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canDiagnose, canInspect } from '../../src/backends/backend.js';
import { acceptedList, BACKENDS, modelProviderByName, openBackend, optionGroupsFor, providerFor } from '../../src/backends/registry.js';
import { InputError, UsageError } from '../../src/errors.js';
import { fixture } from '../helpers/paths.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trt-parity-registry-'));
  for (const f of ['m.engine', 'm.PLAN', 'm.trt', 'notes.txt']) await writeFile(join(dir, f), 'x');
  await mkdir(join(dir, 'plain-folder'));
});
after(() => rm(dir, { recursive: true, force: true }));

describe('the registry', () => {
  test('names are unique and every backend says what it accepts', () => {
    const names = BACKENDS.map((p) => p.name);
    assert.equal(new Set(names).size, names.length);
    for (const p of BACKENDS) assert.ok(p.accepts.length > 0 && p.label.length > 0, p.name);
  });

  test('each path goes to the one backend that claims it: .onnx, engines (any case), a saved run', async () => {
    assert.equal((await providerFor(fixture('models', 'classifier.onnx'))).name, 'onnxruntime');
    for (const f of ['m.engine', 'm.PLAN', 'm.trt']) assert.equal((await providerFor(join(dir, f))).name, 'tensorrt', f);
    assert.equal((await providerFor(fixture('runs', 'classifier-numpy'))).name, 'saved');
  });

  test('a file no backend claims is a usage error listing what is accepted; a plain folder and a missing path are input errors', async () => {
    const txt = join(dir, 'notes.txt');
    await assert.rejects(providerFor(txt), (e: unknown) => e instanceof UsageError
      && e.message === `cannot tell which backend runs ${txt}: expected a .onnx model, a TensorRT engine (.engine, .plan, .trt) or a directory written by --save-outputs`);
    const folder = join(dir, 'plain-folder');
    await assert.rejects(providerFor(folder), (e: unknown) => e instanceof InputError
      && e.message === `${folder}: is a directory without manifest.json, so not a run written by --save-outputs`);
    const missing = join(dir, 'missing.onnx');
    await assert.rejects(providerFor(missing), (e: unknown) => e instanceof InputError && e.message === `${missing}: no such file or directory`);
  });

  test('bench tells models from an image by name alone', () => {
    assert.equal(modelProviderByName('x/model.onnx')?.name, 'onnxruntime');
    assert.equal(modelProviderByName('model.Engine')?.name, 'tensorrt');
    assert.equal(modelProviderByName('cat.jpg'), null);
    assert.equal(modelProviderByName('saved-run/'), null, 'a replay is never a bench model');
  });

  test('a replay is refused where a model is needed, with what is accepted instead', async () => {
    const run = fixture('runs', 'classifier-numpy');
    await assert.rejects(openBackend(run, {}, 'bench'), (e: unknown) => e instanceof UsageError
      && e.message === `${run} is a saved run; bench takes a .onnx model or a TensorRT engine (.engine, .plan, .trt)`);
    const replay = await openBackend(run, {}, 'compare');
    assert.equal(replay.name, 'saved');
    await replay.dispose();
  });

  test('option groups per command: each flag once, doctor only TensorRT\'s', () => {
    for (const purpose of ['compare', 'bench', 'inspect', 'doctor'] as const) {
      const flags = optionGroupsFor(purpose).flatMap((g) => g.options.map((o) => o.flags.split(' ')[0]));
      assert.equal(new Set(flags).size, flags.length, purpose);
    }
    const doctor = optionGroupsFor('doctor');
    assert.deepEqual(doctor.map((g) => g.title), ['TensorRT options'], 'doctor has no ONNX Runtime switches');
    assert.ok(doctor[0]!.options.some((o) => o.flags === '--device <n>'));
    const bench = optionGroupsFor('bench').flatMap((g) => g.options.map((o) => o.flags));
    assert.ok(bench.includes('--no-transfers') && bench.includes('--cuda-graph'));
    const compare = optionGroupsFor('compare').flatMap((g) => g.options.map((o) => o.flags));
    assert.ok(!compare.includes('--no-transfers'), 'bench-only switches stay out of compare');
    assert.ok(compare.includes('--trt-log-level <level>'));
  });

  test('abilities are declared, not guessed: both runtimes inspect and diagnose, a replay does neither', () => {
    const able = BACKENDS.filter((p) => canInspect(p)).map((p) => p.name);
    assert.deepEqual(able, ['onnxruntime', 'tensorrt']);
    assert.deepEqual(BACKENDS.filter((p) => canDiagnose(p)).map((p) => p.name), ['onnxruntime', 'tensorrt']);
    assert.equal(acceptedList(BACKENDS.slice(0, 1)), 'a .onnx model');
  });
});
