/**
 * The hostile-input corpus in CI: the whole corpus is built (its size and kinds are checked), and a
 * sample of about 24 cases spread over every kind is run (each case spawns the CLI). The full run is
 * `npm run test:hostile`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildCorpus } from './corpus.js';
import { checkCase, runHostile } from './run-hostile.js';

test('the corpus holds at least 1,000 cases over every input kind, with unique ids', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostile-corpus-'));
  try {
    const corpus = await buildCorpus(dir);
    await corpus.close();
    assert.ok(corpus.cases.length >= 1000, `${corpus.cases.length} cases`);
    const kinds = new Set(corpus.cases.map((c) => c.kind));
    assert.deepEqual([...kinds].sort(), ['engine', 'folder', 'image', 'model', 'names', 'npy', 'option', 'saved', 'special']);
    assert.equal(new Set(corpus.cases.map((c) => c.id)).size, corpus.cases.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the checks themselves catch a crash, a hang, a stack trace, an accepted bad input and an unnamed file', () => {
  const bad = { id: 'x', kind: 'image', args: [], expect: 'bad' as const, names: '/tmp/f.jpg' };
  assert.deepEqual(checkCase(bad, 2, null, false, 'trt-parity: /tmp/f.jpg: not a regular file (a FIFO)\n'), []);
  assert.match(checkCase(bad, null, 'SIGABRT', false, '').join(), /crash/);
  assert.match(checkCase(bad, null, null, true, '').join(), /hang/);
  assert.match(checkCase(bad, 4, null, false, 'trt-parity: internal error: x\n').join(), /internal error/);
  assert.match(checkCase(bad, 2, null, false, 'Error: x\n    at f (file:///a/b.js:1:2)\n/tmp/f.jpg').join(), /stack trace/);
  assert.match(checkCase(bad, 0, null, false, '/tmp/f.jpg PASS').join(), /accepted/);
  assert.match(checkCase(bad, 2, null, false, 'trt-parity: something failed\n').join(), /names/);
  assert.match(checkCase(bad, 3, null, false, 'trt-parity: TensorRT backend not available: no GPU\n').join(), /names/, 'exit 3 names the file too');
  assert.deepEqual(checkCase(bad, 3, null, false, 'trt-parity: /tmp/f.jpg: TensorRT backend not available: no GPU\n'), []);
  assert.match(checkCase(bad, 2, null, false, 'trt-parity: /tmp/f.jpg: no\n  input   \x1b[2Jx  float32\n').join(), /raw control character "\\u001b"/);
  assert.match(checkCase({ ...bad, expect: 'any' as const }, 0, null, false, 'a\rb').join(), /raw control character "\\r"/);
});

test('a sample of the corpus: no crash, hang, stack trace or internal error; bad input exits 2 or 3 naming the file; folders report their good images', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostile-sample-'));
  try {
    const { results } = await runHostile(dir, { sample: 24, jobs: 2, timeoutMs: 60_000 });
    assert.ok(results.length >= 20, `${results.length} cases ran`);
    assert.ok(new Set(results.map((r) => r.case.kind)).size === 9, 'every kind sampled');
    const failed = results.filter((r) => r.problems.length > 0).map((r) => `${r.case.id}: ${r.problems.join('; ')}\n${r.output.slice(0, 400)}`);
    assert.deepEqual(failed, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
