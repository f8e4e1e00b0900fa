/**
 * `trt-parity merge`, end to end through the CLI: a real run (the FP32 classifier against its FP16
 * copy on 8 images, a genuine mismatch) split into 3 shards, merged, and compared with the
 * unsplit run: every summary field, every item but its timing, the task figures and the exit code
 * equal. The unsplit run is the oracle; merge never sees it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { cli, shown } from '../cli/run-cli.js';
import { fixture } from '../helpers/paths.js';

const RUN = [
  'compare', fixture('models', 'classifier.onnx'), fixture('models', 'classifier-fp16.onnx'),
  fixture('images', 'photos'), fixture('images', 'pipeline'), '--no-progress', '--task', 'classify', '--verdict', 'both', '--min-agreement', '0.9',
];
let dir = '';

// JSON's NaN spelling aside, reports are plain data: compare them as parsed JSON.
const readJson = async (f: string): Promise<Record<string, unknown>> => JSON.parse(await readFile(f, 'utf8'));
const withoutTiming = (items: unknown): unknown => (items as Record<string, unknown>[]).map(({ timing: _t, ...rest }) => rest);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trt-parity-merge-'));
  const all = await cli([...RUN, '--json', join(dir, 'all.json'), '--html', join(dir, 'all.html')]);
  assert.equal(all.code, 1, shown(all));
  for (let i = 1; i <= 3; i++) {
    const r = await cli([...RUN, '--shard', `${i}/3`, '--json', join(dir, `s${i}.json`), '--jsonl', join(dir, `s${i}.jsonl`), '--html', join(dir, `s${i}.html`)]);
    assert.ok(r.code === 0 || r.code === 1, shown(r));
  }
});

test('each shard records its shard and takes a part of the inputs', async () => {
  let n = 0;
  for (let i = 1; i <= 3; i++) {
    const r = await readJson(join(dir, `s${i}.json`));
    assert.deepEqual(r.shard, { index: i, count: 3, inputsInRun: 8, rule: 'sha256(key) mod count' });
    n += (r.items as unknown[]).length;
  }
  assert.equal(n, 8);
  assert.equal((await readJson(join(dir, 'all.json'))).shard, undefined, 'an unsplit run records no shard');
});

for (const ext of ['json', 'jsonl', 'html'] as const) {
  test(`merging the three ${ext} reports gives the unsplit run's summary, items, task figures and exit code`, async () => {
    const out = join(dir, `merged-from-${ext}.json`);
    // Shards in another order than 1, 2, 3: the merge must not depend on it.
    const r = await cli(['merge', ...[3, 1, 2].map((i) => join(dir, `s${i}.${ext}`)), '--json', out, '--junit', join(dir, `merged-${ext}.xml`)]);
    const all = await readJson(join(dir, 'all.json'));
    const merged = await readJson(out);
    assert.equal(r.code, (all.summary as { exitCode: number }).exitCode, shown(r));
    assert.deepEqual(merged.summary, all.summary, 'every summary field equal');
    assert.equal((all.task as { kind: string }).kind, 'classify', 'the run compared the task');
    assert.equal((all.summary as { verdict: { mode: string } }).verdict.mode, 'both');
    assert.deepEqual(merged.task, all.task, 'task figures, flips and gates equal');
    assert.deepEqual(withoutTiming(merged.items), withoutTiming(all.items));
    assert.deepEqual(merged.settings, all.settings);
    assert.deepEqual(merged.warnings, all.warnings);
    assert.equal(merged.shard, undefined);
    assert.match(r.stdout, /FAIL/);
  });
}

test('the merged HTML report carries the same figures as the unsplit run\'s', async () => {
  const r = await cli(['merge', ...[1, 2, 3].map((i) => join(dir, `s${i}.html`)), '--html', join(dir, 'merged.html')]);
  assert.equal(r.code, 1, shown(r));
  const embedded = async (f: string): Promise<{ figures: unknown }> => {
    const html = await readFile(f, 'utf8');
    const m = /<script type="application\/json" id="trt-parity-data">([\s\S]*?)<\/script>/.exec(html);
    return JSON.parse(m![1]!);
  };
  const a = await embedded(join(dir, 'all.html'));
  const m = await embedded(join(dir, 'merged.html'));
  assert.ok(a.figures !== null);
  assert.deepEqual(m.figures, a.figures, 'histograms, samples, worst inputs, thumbnails, flips');
});

test('merge refuses reports of different runs, naming what differs', async () => {
  const other = await cli([...RUN, '--shard', '2/3', '--atol', '1e-4', '--json', join(dir, 'other.json')]);
  assert.ok(other.code === 0 || other.code === 1, shown(other));
  const r = await cli(['merge', join(dir, 's1.json'), join(dir, 'other.json'), join(dir, 's3.json')]);
  assert.equal(r.code, 2, shown(r));
  assert.match(r.stderr, /other\.json: not a shard of the same run as .*s1\.json: settings\.tolerance\.default\.atol differs \(0\.00001 there, 0\.0001 here\)|other\.json: not a shard of the same run as .*s1\.json: settings\.tolerance\.default\.atol differs \(1e-5 there, 0\.0001 here\)/);
  const pipeline = await cli([...RUN, '--shard', '2/3', '--pipeline', 'sharp', '--json', join(dir, 'sharp.json')]);
  assert.ok(pipeline.code === 0 || pipeline.code === 1, shown(pipeline));
  const p = await cli(['merge', join(dir, 's1.json'), join(dir, 'sharp.json')]);
  assert.equal(p.code, 2, shown(p));
  assert.match(p.stderr, /settings\.preprocess\.pipeline differs \("pil" there, "sharp" here\)/);
  assert.doesNotMatch(p.stderr, /at \w+ \(/, 'no stack trace');
});

test('merge refuses a missing shard, a shard given twice, and files that are not reports', async () => {
  const missing = await cli(['merge', join(dir, 's1.json'), join(dir, 's3.json')]);
  assert.equal(missing.code, 2, shown(missing));
  assert.match(missing.stderr, /shard 2\/3 missing/);
  const twice = await cli(['merge', join(dir, 's1.json'), join(dir, 's1.jsonl'), join(dir, 's2.json'), join(dir, 's3.json')]);
  assert.equal(twice.code, 2, shown(twice));
  assert.match(twice.stderr, /shard 1\/3 is also .*s1\.json/);
  const junk = join(dir, 'junk.json');
  await writeFile(junk, '{"hello": 1}');
  const bad = await cli(['merge', junk]);
  assert.equal(bad.code, 2, shown(bad));
  assert.match(bad.stderr, /junk\.json.*not a trt-parity compare report/);
  const truncated = join(dir, 'cut.jsonl');
  await writeFile(truncated, (await readFile(join(dir, 's1.jsonl'), 'utf8')).split('\n').filter((l) => !l.includes('"type":"summary"')).join('\n'));
  const cut = await cli(['merge', truncated]);
  assert.equal(cut.code, 2, shown(cut));
  assert.match(cut.stderr, /without its summary line/);
  const none = await cli(['merge', join(dir, 'nope.json')]);
  assert.equal(none.code, 2, shown(none));
});

test('report files are read bounded and typed: a FIFO, /dev/zero, a directory and an oversized file are one line naming them, exit 2, at once', async () => {
  const { execFileSync } = await import('node:child_process');
  const { readReportFile } = await import('../../src/app/merge.js');
  const fifo = join(dir, 'report.fifo');
  execFileSync('mkfifo', [fifo]);
  const cases: [string, RegExp][] = [
    [fifo, /: not a regular file \(a FIFO\)$/],
    ['/dev/zero', /: not a regular file \(a character device\)$/],
    [dir, /: is a directory, expected a file$/],
  ];
  for (const [file, why] of cases) {
    const started = Date.now();
    const r = await cli(['merge', file, join(dir, 's1.json')]);
    assert.equal(r.code, 2, shown(r));
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, shown(r));
    assert.ok(lines[0]!.startsWith(`trt-parity: ${file}: `), shown(r));
    assert.match(lines[0]!, why);
    assert.ok(Date.now() - started < 20_000, 'no hang on a FIFO without a writer');
  }
  // Over the limit: refused from fstat's size, before a byte is read.
  await assert.rejects(readReportFile(join(dir, 's1.json'), 100), /s1\.json: report file is [\d.]+ KiB, over the limit of 100 bytes/);
  await writeFile(join(dir, 'tiny.json'), '{}');
  await assert.rejects(readReportFile(join(dir, 'tiny.json'), 100), /tiny\.json: not a trt-parity compare report/);
});
