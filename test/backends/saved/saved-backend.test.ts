import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnnxBackend } from '../../../src/backends/onnx/onnx-backend.js';
import { SavedBackend, SavedInputs } from '../../../src/backends/saved/saved-backend.js';
import { SavedRunWriter } from '../../../src/backends/saved/saved-writer.js';
import { tensorMapDigest } from '../../../src/backends/saved/digest.js';
import { InputError } from '../../../src/errors.js';
import type { Tensor } from '../../../src/tensor/types.js';
import { fixture } from '../../helpers/paths.js';
import { infos, input, options, outputs, sameTensors } from './sample-tensors.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'saved-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('SavedRunWriter → SavedBackend', () => {
  test('replays exactly the tensors written, every dtype, keys with odd characters', async () => {
    const run = join(dir, 'run');
    const w = await SavedRunWriter.create(run, options());
    const keys = ['imgs/cat.jpg', '/abs/path/dog 2.png', 'ünï/çødé.webp'];
    for (const [i, k] of keys.entries()) await w.add(k, outputs(i + 1), input(i));
    await w.close();
    assert.deepEqual(w.summary, { dir: run, entries: 3, replaced: 0, notes: [`saved outputs of 3 inputs in ${run}`] });

    const saved = await SavedBackend.open(run);
    assert.equal(saved.name, 'saved');
    assert.equal(saved.source, run);
    assert.deepEqual(saved.listKeys(), keys);
    assert.deepEqual(saved.outputs, infos);
    assert.deepEqual(saved.inputs, [{ name: 'input', dtype: 'float32', shape: [1, 3, 'h', 'w'] }]);
    assert.equal(saved.producer.backend, 'onnxruntime');
    for (const [i, k] of keys.entries()) {
      assert.equal(saved.inputDigest(k), tensorMapDigest(input(i)));
      const r = await saved.run(input(i), k);
      sameTensors(r.outputs, outputs(i + 1));
      assert.ok(r.timing.wallMs >= 0);
    }
    await saved.dispose();
  });

  test('an input that differs from the recorded one is an InputError saying preprocessing differed', async () => {
    const run = join(dir, 'run');
    const w = await SavedRunWriter.create(run, options());
    await w.add('cat.jpg', outputs(1), input(0));
    await w.close();
    const saved = await SavedBackend.open(run);
    await assert.rejects(saved.run(input(0, [1, 3, 4, 4]), 'cat.jpg'), (e: unknown) =>
      e instanceof InputError && e.exitCode === 2 && e.message.startsWith(`${run}: the input for 'cat.jpg'`) &&
      /'input' shape was \[1,3,2,2\], now \[1,3,4,4\]/.test(e.message) && /preprocessing differed/.test(e.message));
    await assert.rejects(saved.run(input(0.5), 'cat.jpg'), /same names, dtypes and shapes, but different values/);
    await assert.rejects(saved.run(new Map([['x', input(0).get('input')!]]), 'cat.jpg'), /input names were \[input\], now \[x\]/);
    // No feeds (comparing two saved runs): served without the check.
    sameTensors((await saved.run(new Map(), 'cat.jpg')).outputs, outputs(1));
  });

  test('a missing key is an InputError naming the key and the directory', async () => {
    const run = join(dir, 'run');
    const w = await SavedRunWriter.create(run, options());
    await w.add('cat.jpg', outputs(1), input(0));
    await w.close();
    const saved = await SavedBackend.open(run);
    assert.equal(saved.has('dog.jpg'), false);
    assert.equal(saved.inputDigest('dog.jpg'), undefined);
    await assert.rejects(saved.run(input(0), 'dog.jpg'), (e: unknown) =>
      e instanceof InputError && e.message === `${run}: no saved outputs for 'dog.jpg' (the run has 1 entry, e.g. 'cat.jpg')`);
  });

  test('the real thing: affine.onnx outputs saved and replayed bit-identical', async () => {
    const be = await OnnxBackend.open(fixture('models', 'affine.onnx'));
    try {
      const run = join(dir, 'ort');
      const w = await SavedRunWriter.create(run, { kind: 'outputs', backend: be.name, source: be.source, outputs: be.outputs, inputs: be.inputs });
      const feeds = new Map([['x', { dtype: 'float32', shape: [1, 3, 2, 2], data: Float32Array.from({ length: 12 }, (_, i) => i * 0.7 - 3) } as Tensor]]);
      const live = await be.run(feeds, 'k.png');
      await w.add('k.png', live.outputs, feeds);
      await w.close();
      const saved = await SavedBackend.open(run);
      sameTensors((await saved.run(feeds, 'k.png')).outputs, live.outputs);
      assert.deepEqual(saved.outputs, be.outputs);
    } finally {
      await be.dispose();
    }
  });
});

describe('saved inputs', () => {
  test('kind "inputs" round-trips through SavedInputs and detects tampering', async () => {
    const run = join(dir, 'inputs');
    const w = await SavedRunWriter.create(run, { kind: 'inputs', backend: 'onnxruntime', source: 'm.onnx', outputs: [{ name: 'input', dtype: 'float32', shape: [1, 3, 2, 2] }] });
    await w.add('x.jpg', input(4), input(4));
    await w.close();
    const s = await SavedInputs.open(run);
    assert.deepEqual(s.listKeys(), ['x.jpg']);
    assert.deepEqual(s.inputs, [{ name: 'input', dtype: 'float32', shape: [1, 3, 2, 2] }]);
    sameTensors(await s.load('x.jpg'), input(4));
    await assert.rejects(SavedBackend.open(run), /holds saved inputs/);
    await assert.rejects(s.load('y.jpg'), /no saved inputs for 'y\.jpg'/);
    // Rewrite the file with other values but the same shape: only the digest can notice.
    const m = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8'));
    const { writeNpy } = await import('../../../src/tensor/npy.js');
    writeFileSync(join(run, m.entries['x.jpg'].files.input.path), writeNpy(input(5).get('input')!));
    await assert.rejects(s.load('x.jpg'), /modified after saving/);
  });
});
