import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SavedBackend } from '../../../src/backends/saved/saved-backend.js';
import { SavedRunWriter } from '../../../src/backends/saved/saved-writer.js';
import { UsageError } from '../../../src/errors.js';
import { input, options, outputs, sameTensors } from './sample-tensors.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'saved-writer-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('SavedRunWriter', () => {
  test('manifest is the documented format, and numpy.load reads every file', async (t) => {
    const run = join(dir, 'run');
    const w = await SavedRunWriter.create(run, options());
    await w.add('a.jpg', outputs(1), input(0));
    await w.close();
    const m = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8'));
    assert.equal(m.format, 'trt-parity-saved-run');
    assert.equal(m.version, 1);
    assert.equal(m.kind, 'outputs');
    assert.equal(m.producer.tool, 'trt-parity');
    const files = m.entries['a.jpg'].files as Record<string, { path: string; dtype: string }>;
    assert.equal(files['brain']!.dtype, 'bfloat16');
    // 'out:0' and 'out/0' slug to the same stem: they must still get two files.
    assert.notEqual(files['out:0']!.path, files['out/0']!.path);

    const probe = spawnSync('/usr/bin/python3', ['-c', 'import numpy'], { encoding: 'utf8' });
    if (probe.status !== 0) { t.skip('/usr/bin/python3 with numpy is not available'); return; }
    const script = `
import json, sys, numpy as np
m = json.load(open(sys.argv[1] + '/manifest.json'))
out = {}
for name, f in m['entries']['a.jpg']['files'].items():
    a = np.load(sys.argv[1] + '/' + f['path'])
    out[name] = [a.dtype.str, list(a.shape), str(a.reshape(-1)[:1].tolist())]
print(json.dumps(out))`;
    const r = spawnSync('/usr/bin/python3', ['-c', script, run], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      logits: ['<f4', [1, 4], '[1.0]'], half: ['<f2', [2], '[1.0]'], brain: ['<u2', [2], '[16256]'],
      label: ['<i8', [1], `[${2n ** 62n + 1n}]`], i32: ['<i4', [1], '[-7]'], i8: ['|i1', [1], '[-128]'],
      u8: ['|u1', [1], '[255]'], mask: ['|b1', [1, 2], '[True]'], 'out:0': ['<f4', [], '[3.0]'], 'out/0': ['<f4', [0], '[]'],
    });
  });

  test('the preprocessing pipeline is recorded when given, read back by the manifest reader, and absent otherwise', async () => {
    const { readManifest } = await import('../../../src/backends/saved/manifest.js');
    const withPipeline = join(dir, 'with');
    const w = await SavedRunWriter.create(withPipeline, { ...options(), preprocess: { pipeline: 'pil' } });
    await w.add('a.jpg', outputs(1), input(0));
    await w.close();
    assert.deepEqual(JSON.parse(readFileSync(join(withPipeline, 'manifest.json'), 'utf8')).preprocess, { pipeline: 'pil' });
    assert.deepEqual((await readManifest(withPipeline)).preprocess, { pipeline: 'pil' });
    const without = join(dir, 'without');
    const v = await SavedRunWriter.create(without, options());
    await v.add('a.jpg', outputs(1), input(0));
    await v.close();
    assert.equal('preprocess' in JSON.parse(readFileSync(join(without, 'manifest.json'), 'utf8')), false);
    assert.equal((await readManifest(without)).preprocess, undefined);
  });

  test('writing again into the same run replaces re-added keys, keeps the others, and says so', async () => {
    const run = join(dir, 'run');
    const w1 = await SavedRunWriter.create(run, options());
    await w1.add('a', outputs(1), input(1));
    await w1.add('b', outputs(2), input(2));
    await w1.close();
    const w2 = await SavedRunWriter.create(run, options());
    await w2.add('b', outputs(20), input(20));
    await w2.add('c', outputs(3), input(3));
    await w2.close();
    assert.equal(w2.summary.entries, 3);
    assert.equal(w2.summary.replaced, 1);
    assert.deepEqual(w2.summary.notes, [`saved outputs of 3 inputs in ${run}`, `1 entry replaced in ${run}: inputs differ`]);
    const saved = await SavedBackend.open(run);
    assert.deepEqual(saved.listKeys(), ['a', 'b', 'c']);
    sameTensors((await saved.run(input(20), 'b')).outputs, outputs(20));
    sameTensors((await saved.run(input(1), 'a')).outputs, outputs(1));
  });

  test('refuses a non-empty foreign directory, another producer\'s run, a file, and a second close', async () => {
    const foreign = join(dir, 'photos');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'holiday.jpg'), 'x');
    await assert.rejects(SavedRunWriter.create(foreign, options()), (e: unknown) => e instanceof UsageError && /not empty and not a trt-parity saved run/.test(e.message));
    const run = join(dir, 'run');
    const w = await SavedRunWriter.create(run, options('a.onnx'));
    await w.close();
    await assert.rejects(w.close(), UsageError);
    await assert.rejects(SavedRunWriter.create(run, options('b.onnx')), /already holds saved outputs of onnxruntime \(a\.onnx\)/);
    await assert.rejects(SavedRunWriter.create(run, { ...options('a.onnx'), kind: 'inputs' }), UsageError);
    await assert.rejects(SavedRunWriter.create(join(foreign, 'holiday.jpg'), options()), /not a directory/);
  });

  test('refuses a non-empty foreign directory, another producer\'s run, a file, and a second close', async () => {
    const foreign = join(dir, 'photos');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'holiday.jpg'), 'x');
    await assert.rejects(SavedRunWriter.create(foreign, options()), (e: unknown) => e instanceof UsageError && /not empty and not a trt-parity saved run/.test(e.message));
    const run = join(dir, 'run');
    const w = await SavedRunWriter.create(run, options('a.onnx'));
    await w.close();
    await assert.rejects(w.close(), UsageError);
    await assert.rejects(SavedRunWriter.create(run, options('b.onnx')), /already holds saved outputs of onnxruntime \(a\.onnx\)/);
    await assert.rejects(SavedRunWriter.create(run, { ...options('a.onnx'), kind: 'inputs' }), UsageError);
    await assert.rejects(SavedRunWriter.create(join(foreign, 'holiday.jpg'), options()), /not a directory/);
  });

});
