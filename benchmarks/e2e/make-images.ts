/**
 * The end-to-end benchmark's folder: 200 JPEGs, half 1920x1080 and half 640x480 (q90), made from the
 * four fixture photos by the folder benchmark's generator (crops of upscaled photos, some mirrored or
 * brightened, so that no two files are alike). Nothing is committed: the script makes them.
 *
 *   node dist/benchmarks/e2e/make-images.js DIR [--count 200]
 */
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { makePhotoFolder } from '../folder/make-photos.js';

export async function makeE2eFolder(dir: string, count = 200): Promise<string[]> {
  const half = Math.floor(count / 2);
  const files: string[] = [];
  // Each size is made in a scratch sub-folder, then moved up under its own prefix (hd-, vga-).
  for (const [prefix, width, height, n] of [['hd', 1920, 1080, half], ['vga', 640, 480, count - half]] as const) {
    const made = await makePhotoFolder(join(dir, `.${prefix}`), { count: n, width, height, quality: 90 });
    for (const f of made) {
      const to = join(dir, `${prefix}-${f.slice(f.lastIndexOf('-') + 1)}`);
      await rename(f, to);
      files.push(to);
    }
    await rm(join(dir, `.${prefix}`), { recursive: true, force: true });
  }
  return files.sort();
}

if (process.argv[1]?.endsWith('make-images.js')) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: make-images.js DIR [--count 200]\n');
    process.exit(2);
  }
  const i = process.argv.indexOf('--count');
  const files = await makeE2eFolder(dir, i > 0 ? Number(process.argv[i + 1]) : 200);
  process.stdout.write(`${files.length} JPEGs in ${dir}\n`);
}
