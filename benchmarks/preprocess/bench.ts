/**
 * Decode + resize + normalise per image: trt-parity (sharp + preprocess.ts) against Pillow + the numpy
 * reference, side by side in one run, on 1920x1080 JPEGs made by upscaling the fixture photos into a
 * temporary folder (nothing is committed).
 *
 * Run after `npx tsc -p .`: node dist/benchmarks/preprocess/bench.js [--rounds 5] [--size 224] [--mode shorter-crop|stretch]
 * Needs /usr/bin/python3 with numpy and Pillow for the reference side (skipped with a message if absent).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

import { decodeImage } from '../../src/image/decode.js';
import { preprocess } from '../../src/image/preprocess.js';
import type { ResizeMode } from '../../src/image/resize-plan.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    size: { type: 'string', default: '224' },
    mode: { type: 'string', default: 'shorter-crop' },
    copies: { type: 'string', default: '3' },
  },
});
const rounds = Number(values.rounds);
const size = Number(values.size);
const mode = values.mode as ResizeMode;
const copies = Number(values.copies);
const python = '/usr/bin/python3';

function stats(ms: number[]): { median: number; mean: number; min: number; perSecond: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
  return { median: sorted[Math.floor(sorted.length / 2)]!, mean, min: sorted[0]!, perSecond: 1000 / mean };
}
const fmt = (s: ReturnType<typeof stats>): string =>
  `median ${s.median.toFixed(2)} ms, mean ${s.mean.toFixed(2)} ms, min ${s.min.toFixed(2)} ms, ${s.perSecond.toFixed(1)} img/s`;

const work = await mkdtemp(join(tmpdir(), 'trt-parity-bench-'));
try {
  // 1920x1080 q90 JPEGs: each fixture photo stretched, plus flipped/rotated copies so that no two
  // files are the same (the OS page cache is warm for all of them either way).
  const photosDir = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'images', 'photos');
  const photos = (await readdir(photosDir)).filter((f) => f.endsWith('.jpg')).sort();
  const files: string[] = [];
  for (const photo of photos) {
    for (let k = 0; k < copies; k++) {
      const out = join(work, `${photo.replace('.jpg', '')}-${k}.jpg`);
      let img = sharp(join(photosDir, photo)).resize(1920, 1080, { fit: 'fill', kernel: 'lanczos3' });
      if (k % 2 === 1) img = img.flop();
      if (k >= 2) img = img.modulate({ brightness: 1 + 0.05 * k });
      await img.jpeg({ quality: 90 }).toFile(out);
      files.push(out);
    }
  }
  console.log(`${files.length} JPEGs 1920x1080 q90 -> ${size}x${size} (${mode}), ${rounds} rounds, sequential, sharp.concurrency()=${sharp.concurrency()}`);

  const ours: number[] = [];
  await decodeImage(files[0]!, { resize: { height: size, width: size, mode } }); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const f of files) {
      const t0 = performance.now();
      const image = await decodeImage(f, { resize: { height: size, width: size, mode } });
      preprocess(image);
      ours.push(performance.now() - t0);
    }
  }
  // Normalising alone, on one decoded image.
  const one = await decodeImage(files[0]!, { resize: { height: size, width: size, mode } });
  const norm: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    preprocess(one);
    norm.push(performance.now() - t0);
  }
  // For scale only: sharp in one pipeline (shrink-on-load, no exact alpha handling), which decode.ts
  // deliberately does not use; the gap is the price of resizing from fully decoded raw pixels.
  const single: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const f of files) {
      const t0 = performance.now();
      const fit = mode === 'stretch' ? 'fill' : 'cover';
      const { data, info } = await sharp(f, { autoOrient: true }).removeAlpha().resize(size, size, { fit, kernel: 'linear' }).raw().toBuffer({ resolveWithObject: true });
      preprocess({ data, width: info.width, height: info.height });
      single.push(performance.now() - t0);
    }
  }
  const o = stats(ours);
  console.log(`trt-parity (sharp decode+resize, LUT normalise): ${fmt(o)}`);
  console.log(`  of which preprocess() alone at ${size}x${size}: median ${stats(norm).median.toFixed(3)} ms`);
  console.log(`sharp one pipeline (not used; for scale):        ${fmt(stats(single))}`);

  if (!existsSync(python)) {
    console.log(`reference skipped: ${python} not found`);
  } else {
    const run = spawnSync(python, [join(import.meta.dirname, '..', '..', '..', 'benchmarks', 'preprocess', 'pil_reference.py'), String(rounds), String(size), mode, ...files], { encoding: 'utf8' });
    if (run.status !== 0) {
      console.log(`reference skipped: python failed: ${run.stderr.trim().split('\n').pop()}`);
    } else {
      const ref = JSON.parse(run.stdout) as { ms: number[]; shape: number[] };
      const p = stats(ref.ms);
      console.log(`Pillow 9.4 + numpy reference (BILINEAR):         ${fmt(p)}`);
      console.log(`ratio (Pillow mean / ours mean): ${(p.mean / o.mean).toFixed(2)}x`);
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
