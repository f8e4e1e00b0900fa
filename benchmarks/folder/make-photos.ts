/**
 * A folder of camera-sized JPEGs for the folder benchmark, made from the four fixture photos.
 *
 * The fixtures are ~360×240; a folder run in real life decodes photos of a megapixel or more, and
 * decoding is the part of the tool's overhead that grows with the file, so the benchmark feeds
 * 1280×960 q90 JPEGs. Each file is a different crop of an upscaled photo (some mirrored, some
 * brightened) so that no two files are byte-identical. Nothing is committed.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { fixture } from '../../test/helpers/paths.js';

export interface PhotoFolderOptions {
  readonly count: number;
  readonly width: number;
  readonly height: number;
  readonly quality: number;
}

export const DEFAULT_PHOTOS: PhotoFolderOptions = { count: 24, width: 1280, height: 960, quality: 90 };

/** Write `count` JPEGs named photo-00.jpg, photo-01.jpg, … into `dir`; returns their paths in key order. */
export async function makePhotoFolder(dir: string, options: PhotoFolderOptions = DEFAULT_PHOTOS): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const source = fixture('images', 'photos');
  const photos = (await readdir(source)).filter((f) => f.endsWith('.jpg')).sort();
  if (photos.length === 0) throw new Error(`no .jpg fixtures in ${source}`);
  // Upscale 25% beyond the target so that crops at different offsets show different pixels.
  const bigW = Math.round(options.width * 1.25);
  const bigH = Math.round(options.height * 1.25);
  const files: string[] = [];
  for (let i = 0; i < options.count; i++) {
    const photo = photos[i % photos.length]!;
    const variant = Math.floor(i / photos.length);
    const left = Math.round(((variant * 37) % 100) / 100 * (bigW - options.width));
    const top = Math.round(((variant * 61) % 100) / 100 * (bigH - options.height));
    let img = sharp(join(source, photo))
      .resize(bigW, bigH, { fit: 'cover', kernel: 'lanczos3' })
      .extract({ left, top, width: options.width, height: options.height });
    if (variant % 2 === 1) img = img.flop();
    if (variant % 3 === 2) img = img.modulate({ brightness: 1.1 });
    const out = join(dir, `photo-${String(i).padStart(2, '0')}.jpg`);
    await img.jpeg({ quality: options.quality }).toFile(out);
    files.push(out);
  }
  return files;
}
