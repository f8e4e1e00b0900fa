/**
 * A 3,000-image folder run (tiny 8x8 PNGs through the affine fixture): its RSS, sampled from
 * /proc/<pid>/status every 250 ms, stays flat, and its --jsonl file grows while it runs. Slow (a
 * minute or more on two cores), so it runs in `npm run test:hostile`, not in the default suite.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { binPath, fixture } from '../helpers/paths.js';
import { pngOf } from './corpus.js';

const N = 3000;

function rssKiB(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

test('3,000 images: RSS stays flat and the JSONL report grows while the run goes', { timeout: 900_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'big-folder-'));
  try {
    const folder = join(dir, 'images');
    mkdirSync(folder);
    for (let i = 0; i < N; i++) writeFileSync(join(folder, `${String(i).padStart(5, '0')}.png`), pngOf(8, 8, i));
    const jsonl = join(dir, 'run.jsonl');
    const child = spawn(process.execPath, [binPath, 'compare', fixture('models', 'affine.onnx'), fixture('models', 'affine.onnx'), folder, '--jsonl', jsonl, '--save-outputs', join(dir, 'saved')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const samples: { lines: number; rss: number }[] = [];
    const timer = setInterval(() => {
      const rss = rssKiB(child.pid!);
      const lines = existsSync(jsonl) ? readFileSync(jsonl, 'utf8').split('\n').length - 1 : 0;
      if (rss !== null) samples.push({ lines, rss });
    }, 250);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearInterval(timer);
    assert.equal(code, 0, stderr);
    const all = readFileSync(jsonl, 'utf8').trim().split('\n');
    assert.equal(all.length, N + 1);
    // Grows while running: many distinct line counts were seen before the end.
    const distinct = new Set(samples.map((s) => s.lines).filter((l) => l > 0 && l < N + 1));
    assert.ok(distinct.size >= 5, `the JSONL file was seen at ${distinct.size} sizes while running`);
    // Flat: once past the first quarter of the inputs (models loaded, pools warm), RSS grows by < 64 MiB.
    const steady = samples.filter((s) => s.lines > N / 4);
    assert.ok(steady.length >= 4, `${steady.length} samples in the steady part`);
    const first = steady[0]!.rss;
    const peak = Math.max(...steady.map((s) => s.rss));
    process.stdout.write(`# ${samples.length} samples; RSS at 1/4: ${(first / 1024).toFixed(0)} MiB, peak after: ${(peak / 1024).toFixed(0)} MiB\n`);
    assert.ok(peak - first < 64 * 1024, `RSS grew from ${first} KiB to ${peak} KiB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
