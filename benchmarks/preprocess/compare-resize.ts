/**
 * How far is sharp's bilinear (as decode.ts uses it) from Pillow's? Prints the table recorded in
 * docs/resize.md. Cases: the fixture photos downscaled mildly to 224 and strongly (made 1920x1080
 * first), and a small image upscaled.
 *
 * Run after `npx tsc -p .`: node dist/benchmarks/preprocess/compare-resize.js   (needs /usr/bin/python3 with numpy + Pillow)
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';

import { decodeImage } from '../../src/image/decode.js';
import { writeNpy } from '../../src/tensor/npy.js';

const root = join(import.meta.dirname, '..', '..', '..');
const work = await mkdtemp(join(tmpdir(), 'trt-parity-resize-'));
try {
  const photosDir = join(root, 'fixtures', 'images', 'photos');
  const photos = (await readdir(photosDir)).filter((f) => f.endsWith('.jpg')).sort();
  const cases: { name: string; source: string; width: number; height: number }[] = [];
  for (const photo of photos) {
    cases.push({ name: `${photo} mild down`, source: join(photosDir, photo), width: 224, height: 224 });
    // PNG so that Pillow and sharp decode identical pixels and only the resize differs.
    const big = join(work, `${photo}.1080p.png`);
    await sharp(join(photosDir, photo)).resize(1920, 1080, { fit: 'fill', kernel: 'lanczos3' }).png({ compressionLevel: 1 }).toFile(big);
    cases.push({ name: `${photo} 8.6x down`, source: big, width: 224, height: 224 });
  }
  cases.push({ name: 'edge/chelsea.tif up', source: join(root, 'fixtures', 'images', 'edge', 'chelsea.tif'), width: 224, height: 224 });
  cases.push({ name: 'edge/chelsea.tif 2x up', source: join(root, 'fixtures', 'images', 'edge', 'chelsea.tif'), width: 128, height: 96 });

  const manifest = [];
  for (const [i, c] of cases.entries()) {
    const image = await decodeImage(c.source, { resize: { height: c.height, width: c.width, mode: 'stretch' } });
    const ours = join(work, `${i}.npy`);
    await writeFile(ours, writeNpy({ dtype: 'uint8', shape: [image.height, image.width, 3], data: image.data }));
    manifest.push({ ...c, ours });
  }
  const manifestPath = join(work, 'manifest.json');
  await writeFile(manifestPath, JSON.stringify(manifest));
  const run = spawnSync('/usr/bin/python3', [join(root, 'bench', 'preprocess', 'compare_resize.py'), manifestPath], { encoding: 'utf8' });
  process.stdout.write(run.stdout);
  if (run.status !== 0) process.stderr.write(run.stderr);
} finally {
  await rm(work, { recursive: true, force: true });
}
