/**
 * Write the extra fixtures the pipeline goldens need (fixtures/images/pipeline/, listed in
 * fixtures/images/README.md), each made from a committed photo with sharp:
 * - progressive.jpg: progressive JPEG, 4:2:0, q90 (from photos/coffee.jpg);
 * - q444.jpg: baseline JPEG without chroma subsampling, q92 (from photos/astronaut.jpg);
 * - icc-p3.jpg: pixels converted to Display P3 and the P3 profile embedded (from photos/chelsea.jpg):
 *   sharp converts it back to sRGB by default, PIL and OpenCV keep the stored values;
 * - exif-rot8.jpg: photos/rocket.jpg stored as is with EXIF Orientation 8 (and the sRGB profile sharp adds) (cv2.imread and sharp rotate
 *   it to 360 wide × 240 high; PIL's Image.open does not).
 *
 * Run from the repository root after `npx tsc -p .`: node dist/scripts/images/make-pipeline-fixtures.js
 * Deterministic for a given sharp/libvips/mozjpeg (sharp 0.35.5 made the committed files).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Sharp } from 'sharp';

const photos = join('fixtures', 'images', 'photos');
const out = join('fixtures', 'images', 'pipeline');
await mkdir(out, { recursive: true });

// Decode first, then encode from raw pixels, so no metadata of the source travels.
async function raw(file: string): Promise<Sharp> {
  const { data, info } = await sharp(join(photos, file)).raw().toBuffer({ resolveWithObject: true });
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
}

await (await raw('coffee.jpg')).jpeg({ quality: 90, progressive: true, chromaSubsampling: '4:2:0', mozjpeg: false }).toFile(join(out, 'progressive.jpg'));
await (await raw('astronaut.jpg')).jpeg({ quality: 92, chromaSubsampling: '4:4:4', mozjpeg: false }).toFile(join(out, 'q444.jpg'));
await (await raw('chelsea.jpg')).withIccProfile('p3').jpeg({ quality: 90, mozjpeg: false }).toFile(join(out, 'icc-p3.jpg'));
await (await raw('rocket.jpg')).withMetadata({ orientation: 8 }).jpeg({ quality: 90, mozjpeg: false }).toFile(join(out, 'exif-rot8.jpg'));

for (const f of ['progressive.jpg', 'q444.jpg', 'icc-p3.jpg', 'exif-rot8.jpg']) {
  const m = await sharp(join(out, f)).metadata();
  console.log(`${f}: ${m.width}x${m.height} progressive=${String(m.isProgressive)} subsampling=${m.chromaSubsampling} icc=${String(m.hasProfile)} orientation=${m.orientation ?? 1}`);
}
