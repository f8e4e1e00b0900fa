import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SavedBackend } from '../../../src/backends/saved/saved-backend.js';
import { SavedRunWriter } from '../../../src/backends/saved/saved-writer.js';
import { InputError } from '../../../src/errors.js';
import { input, options, outputs } from './sample-tensors.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'saved-manifest-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('SavedBackend.open and damaged runs', () => {
  const write = (m: unknown) => { mkdirSync(join(dir, 'r'), { recursive: true }); writeFileSync(join(dir, 'r', 'manifest.json'), typeof m === 'string' ? m : JSON.stringify(m)); return join(dir, 'r'); };
  const valid = { format: 'trt-parity-saved-run', version: 1, kind: 'outputs', producer: { backend: 'tensorrt', source: 'm.engine' }, inputs: null, outputs: [], entries: {} };

  test('not a saved run / missing directory', async () => {
    await assert.rejects(SavedBackend.open(dir), (e: unknown) => e instanceof InputError && e.message === `${dir}: not a trt-parity saved run (no manifest.json)`);
    await assert.rejects(SavedBackend.open(join(dir, 'nope')), /no manifest\.json/);
  });

  test('bad JSON, wrong format, newer version, path escaping the directory', async () => {
    await assert.rejects(SavedBackend.open(write('{oops')), /manifest\.json: invalid JSON/);
    await assert.rejects(SavedBackend.open(write({ ...valid, format: 'other' })), /"format" is "other"/);
    await assert.rejects(SavedBackend.open(write({ ...valid, version: 2 })), /version 2 was written by a newer trt-parity/);
    const escaping = { ...valid, entries: { k: { inputDigest: 'sha256:0', inputs: {}, files: { y: { path: '../../etc/passwd', dtype: 'float32', shape: [1] } } } } };
    await assert.rejects(SavedBackend.open(write(escaping)), /leaves the run directory/);
    const badDtype = { ...valid, entries: { k: { inputDigest: 'sha256:0', inputs: {}, files: { y: { path: 'y.npy', dtype: 'float64', shape: [1] } } } } };
    await assert.rejects(SavedBackend.open(write(badDtype)), /needs "path", a known "dtype"/);
  });

  test('a file missing or changed after saving is an InputError naming it', async () => {
    const run = join(dir, 'run');
    const w = await SavedRunWriter.create(run, options());
    await w.add('a', outputs(1), input(1));
    await w.close();
    const m = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8'));
    const logits = join(run, m.entries.a.files.logits.path);
    writeFileSync(logits, 'garbage');
    const saved = await SavedBackend.open(run);
    await assert.rejects(saved.run(input(1), 'a'), (e: unknown) => e instanceof InputError && e.message.startsWith(`${logits}: not a usable .npy file`));
    rmSync(logits);
    await assert.rejects(saved.run(input(1), 'a'), (e: unknown) => e instanceof InputError && e.message === `${logits}: listed in the saved run's manifest but missing`);
  });
});

