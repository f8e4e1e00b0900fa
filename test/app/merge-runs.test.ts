/**
 * `trt-parity merge-runs`, end to end: a run saved in 3 shards (--shard i/3 --save-outputs), merged,
 * equals the run saved unsplit: same keys, same recorded input digests, and replaying the merged
 * run against the unsplit one compares every input and passes (the saved tensors are the same).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { cli, shown } from '../cli/run-cli.js';
import { fixture } from '../helpers/paths.js';

const MODEL = fixture('models', 'classifier.onnx');
const PHOTOS = fixture('images', 'photos');
let dir = '';

const manifest = async (d: string): Promise<{ entries: Record<string, { inputDigest: string }>; producer: unknown; outputs: unknown }> =>
  JSON.parse(await readFile(join(d, 'manifest.json'), 'utf8'));

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trt-parity-merge-runs-'));
  const all = await cli(['compare', MODEL, MODEL, PHOTOS, '--save-outputs', join(dir, 'all'), '--no-progress']);
  assert.equal(all.code, 0, shown(all));
  for (let i = 1; i <= 3; i++) {
    const r = await cli(['compare', MODEL, MODEL, PHOTOS, '--shard', `${i}/3`, '--save-outputs', join(dir, `s${i}`), '--no-progress']);
    assert.equal(r.code, 0, shown(r));
  }
});

test('the shards\' saved runs merge into the unsplit saved run', async () => {
  const r = await cli(['merge-runs', join(dir, 's1'), join(dir, 's2'), join(dir, 's3'), '--out', join(dir, 'merged')]);
  assert.equal(r.code, 0, shown(r));
  assert.match(r.stdout, /merged 3 saved runs into .*: 4 entries/);
  const a = await manifest(join(dir, 'all'));
  const m = await manifest(join(dir, 'merged'));
  assert.deepEqual(Object.keys(m.entries).sort(), Object.keys(a.entries).sort());
  for (const k of Object.keys(a.entries)) assert.equal(m.entries[k]!.inputDigest, a.entries[k]!.inputDigest, k);
  assert.deepEqual(m.producer, a.producer);
  assert.deepEqual(m.outputs, a.outputs);
  // The tensors: replay one against the other, with atol = rtol = 0.
  const replay = await cli(['compare', join(dir, 'merged'), join(dir, 'all'), '--atol', '0', '--rtol', '0', '--json', '-', '--no-progress']);
  assert.equal(replay.code, 0, shown(replay));
  assert.equal(JSON.parse(replay.stdout).summary.passed, 4);
  // And the merged run is a backend like any other: replayed against the model on the images.
  const back = await cli(['compare', join(dir, 'merged'), MODEL, PHOTOS, '--no-progress']);
  assert.equal(back.code, 0, shown(back));
});

test('merge-runs refuses runs of different models and a key saved twice', async () => {
  const other = await cli(['compare', fixture('models', 'classifier-fp16.onnx'), MODEL, PHOTOS, '--shard', '2/3', '--save-outputs', join(dir, 'fp16'), '--no-progress']);
  assert.ok(other.code === 0 || other.code === 1, shown(other));
  const r = await cli(['merge-runs', join(dir, 's1'), join(dir, 'fp16'), '--out', join(dir, 'bad')]);
  assert.equal(r.code, 2, shown(r));
  assert.match(r.stderr, /fp16: not a shard of the same run as .*s1: producer\.source differs/);
  const twice = await cli(['merge-runs', join(dir, 's1'), join(dir, 'all'), '--out', join(dir, 'bad2')]);
  assert.equal(twice.code, 2, shown(twice));
  assert.match(twice.stderr, /is also saved in .*s1; each input must be in one shard only/);
});

test('a manifest that is a FIFO or a link to /dev/zero, or a FIFO given as a run: one line naming it, exit 2, at once', async () => {
  const { execFileSync } = await import('node:child_process');
  const { mkdir, symlink } = await import('node:fs/promises');
  const fifoRun = join(dir, 'fifo-run');
  const zeroRun = join(dir, 'zero-run');
  await mkdir(fifoRun);
  await mkdir(zeroRun);
  execFileSync('mkfifo', [join(fifoRun, 'manifest.json')]);
  await symlink('/dev/zero', join(zeroRun, 'manifest.json'));
  execFileSync('mkfifo', [join(dir, 'a.fifo')]);
  const cases: [string, string][] = [
    [fifoRun, `${join(fifoRun, 'manifest.json')}: not a regular file (a FIFO)`],
    [zeroRun, `${join(zeroRun, 'manifest.json')}: is a symbolic link; refused here (it could point outside the folder)`],
    [join(dir, 'a.fifo'), `${join(dir, 'a.fifo')}: not a trt-parity saved run (no manifest.json)`],
  ];
  for (const [run, line] of cases) {
    const r = await cli(['merge-runs', run, '--out', join(dir, 'never')]);
    assert.equal(r.code, 2, shown(r));
    assert.equal(r.stderr.split('\n')[0], `trt-parity: ${line}`, shown(r));
  }
});
