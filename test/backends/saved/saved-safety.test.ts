/**
 * Saved runs under hostile conditions (issue 13): links inside a run, a second writer, a run killed
 * before its manifest, re-saving with other options, and manifests that lie.
 */
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { SavedBackend } from '../../../src/backends/saved/saved-backend.js';
import { JOURNAL_FILE, LOCK_FILE, SavedRunWriter } from '../../../src/backends/saved/saved-writer.js';
import { InputError, UsageError } from '../../../src/errors.js';
import { input, options, outputs } from './sample-tensors.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'saved-safety-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function savedRun(name = 'run', keys = ['a.jpg']): Promise<string> {
  const run = join(dir, name);
  const w = await SavedRunWriter.create(run, options());
  for (const [i, k] of keys.entries()) await w.add(k, outputs(i + 1), input(i));
  await w.close();
  return run;
}

const firstFile = (run: string, key = 'a.jpg'): string => {
  const m = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8'));
  return join(run, (Object.values(m.entries[key].files)[0] as { path: string }).path);
};

describe('links inside a saved run', () => {
  test('a .npy that links outside the run is refused on replay, naming the file', async () => {
    const run = await savedRun();
    const victim = firstFile(run);
    const outside = join(dir, 'outside.npy');
    writeFileSync(outside, readFileSync(victim));
    rmSync(victim);
    symlinkSync(outside, victim);
    const b = await SavedBackend.open(run);
    await assert.rejects(b.run(new Map(), 'a.jpg'), (e: unknown) => e instanceof InputError && e.message.startsWith(victim) && /outside the saved run/.test(e.message));
  });

  test('a link that stays inside the run is followed', async () => {
    const run = await savedRun();
    const victim = firstFile(run);
    const copy = join(run, 'copy.npy');
    writeFileSync(copy, readFileSync(victim));
    rmSync(victim);
    symlinkSync(copy, victim);
    const b = await SavedBackend.open(run);
    const r = await b.run(new Map(), 'a.jpg');
    assert.ok(r.outputs.size > 0);
  });

  test('re-saving replaces a planted link with a file and never writes through it', async () => {
    const run = await savedRun();
    const victim = firstFile(run);
    const outside = join(dir, 'cache.npy');
    writeFileSync(outside, 'shared cache, not ours');
    rmSync(victim);
    symlinkSync(outside, victim);
    const w = await SavedRunWriter.create(run, options());
    await w.add('a.jpg', outputs(5), input(0));
    await w.close();
    assert.equal(readFileSync(outside, 'utf8'), 'shared cache, not ours');
    assert.ok(lstatSync(victim).isFile());
  });

  test('an entry folder that is a link is refused', async () => {
    const run = await savedRun();
    const folder = firstFile(run).split('/').slice(0, -1).join('/');
    rmSync(folder, { recursive: true });
    mkdirSync(join(dir, 'elsewhere'));
    symlinkSync(join(dir, 'elsewhere'), folder);
    const w = await SavedRunWriter.create(run, options());
    await assert.rejects(w.add('a.jpg', outputs(5), input(0)), (e: unknown) => e instanceof InputError && /symbolic link/.test(e.message));
    await w.abandon();
    assert.deepEqual(readdirSync(join(dir, 'elsewhere')), []);
  });

  test('a manifest that is a link is refused', async () => {
    const run = await savedRun();
    const real = join(dir, 'manifest-copy.json');
    writeFileSync(real, readFileSync(join(run, 'manifest.json')));
    rmSync(join(run, 'manifest.json'));
    symlinkSync(real, join(run, 'manifest.json'));
    await assert.rejects(SavedBackend.open(run), (e: unknown) => e instanceof InputError && /symbolic link/.test(e.message));
  });
});

describe('one writer at a time', () => {
  test('a second writer is refused with a message naming the holder; the first one finishes', async () => {
    const run = join(dir, 'run');
    const first = await SavedRunWriter.create(run, options());
    await assert.rejects(SavedRunWriter.create(run, options()), (e: unknown) => e instanceof UsageError && e.message.includes(`pid ${process.pid}`) && e.message.startsWith(run));
    await first.add('a.jpg', outputs(1), input(0));
    await first.close();
    assert.equal(existsSync(join(run, LOCK_FILE)), false);
    const again = await SavedRunWriter.create(run, options());
    await again.close();
  });

  test('a lock left by a process that is gone is taken over', async () => {
    const run = await savedRun();
    // pid 2^22 + 1 is above Linux's pid_max default ceiling: no such process.
    writeFileSync(join(run, LOCK_FILE), JSON.stringify({ pid: 4194305, host: (await import('node:os')).hostname(), started: 'then' }));
    const w = await SavedRunWriter.create(run, options());
    await w.close();
  });
});

describe('a run killed before its manifest', () => {
  test('is resumed from its journal: the entries written survive, the next close lists them', async () => {
    const run = join(dir, 'run');
    const w = await SavedRunWriter.create(run, options());
    await w.add('a.jpg', outputs(1), input(0));
    await w.add('b.jpg', outputs(2), input(1));
    await w.abandon(); // as if killed: no manifest, journal and files stay
    assert.equal(existsSync(join(run, 'manifest.json')), false);
    assert.equal(existsSync(join(run, JOURNAL_FILE)), true);
    const resumed = await SavedRunWriter.create(run, options());
    await resumed.add('c.jpg', outputs(3), input(2));
    const summary = await resumed.close();
    assert.equal(summary.entries, 3);
    assert.ok(summary.notes.some((n) => /2 entries recovered from an interrupted run/.test(n)), summary.notes.join('\n'));
    const b = await SavedBackend.open(run);
    assert.deepEqual(b.listKeys().sort(), ['a.jpg', 'b.jpg', 'c.jpg']);
    assert.equal(existsSync(join(run, JOURNAL_FILE)), false);
  });

  test('a journal line cut in the middle and an entry whose files are missing are dropped', async () => {
    const run = join(dir, 'run');
    const w = await SavedRunWriter.create(run, options());
    await w.add('a.jpg', outputs(1), input(0));
    await w.add('b.jpg', outputs(2), input(1));
    await w.abandon();
    rmSync(firstFile2(run, 'b.jpg'));
    writeFileSync(join(run, JOURNAL_FILE), `${readFileSync(join(run, JOURNAL_FILE), 'utf8')}{"key":"c.jpg","entry":{"inputDig`);
    const resumed = await SavedRunWriter.create(run, options());
    const summary = await resumed.close();
    assert.equal(summary.entries, 1);
  });

  test('without a journal it is refused with the command that cleans it', async () => {
    const run = await savedRun('run', ['a.jpg']);
    rmSync(join(run, 'manifest.json'));
    await assert.rejects(SavedRunWriter.create(run, options()), (e: unknown) => e instanceof UsageError && /killed before it could finish/.test(e.message) && e.hints.some((h) => h.includes(`rm -r ${run}`)));
  });
});

function firstFile2(run: string, key: string): string {
  const lines = readFileSync(join(run, JOURNAL_FILE), 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l));
  const e = lines.find((l) => l.key === key);
  return join(run, (Object.values(e.entry.files)[0] as { path: string }).path);
}

describe('replacements', () => {
  test('re-saving with another --mean says how many entries were replaced and why', async () => {
    const run = join(dir, 'run');
    const pre = (mean: string) => ({ pipeline: 'pil', settings: { '--mean': mean, '--std': '1,1,1' } });
    const w = await SavedRunWriter.create(run, { ...options(), preprocess: pre('0,0,0') });
    await w.add('a.jpg', outputs(1), input(0));
    await w.add('b.jpg', outputs(1), input(1));
    await w.close();
    const again = await SavedRunWriter.create(run, { ...options(), preprocess: pre('0.5,0.5,0.5') });
    await again.add('a.jpg', outputs(1), input(7));
    await again.add('b.jpg', outputs(1), input(8));
    const s = await again.close();
    assert.ok(s.notes.includes(`2 entries replaced in ${run}: --mean differs`), s.notes.join('\n'));
  });

  test('the same inputs saved again are said to be the same', async () => {
    const run = await savedRun();
    const again = await SavedRunWriter.create(run, options());
    await again.add('a.jpg', outputs(1), input(0));
    const s = await again.close();
    assert.ok(s.notes.includes(`1 entry replaced in ${run}: same inputs saved again`), s.notes.join('\n'));
  });
});

describe('manifests that lie', () => {
  test('an entry input that is null is a malformed manifest, not a crash', async () => {
    const run = await savedRun();
    const m = JSON.parse(readFileSync(join(run, 'manifest.json'), 'utf8'));
    m.entries['a.jpg'].inputs = { input: null };
    writeFileSync(join(run, 'manifest.json'), JSON.stringify(m));
    await assert.rejects(SavedBackend.open(run), (e: unknown) => e instanceof InputError && /malformed saved-run manifest: entry "a.jpg", input "input"/.test(e.message));
  });
});

test('saving into /proc fails with a message instead of hanging', async () => {
  await assert.rejects(SavedRunWriter.create('/proc/self/trt-parity-x', options()), (e: unknown) => e instanceof InputError && e.message.startsWith('/proc/self/trt-parity-x'));
});
