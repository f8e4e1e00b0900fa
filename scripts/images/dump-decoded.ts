/**
 * Decode the images listed in fixtures/golden/preprocess/cases.json with trt-parity's own decoder
 * and write each result as `<name>.pixels.npy` (uint8, shape [H, W, 3]) beside it. Those pixels are
 * the input of scripts/images/make-golden.py, which computes the numpy reference tensors.
 *
 * Run from the repository root after `npx tsc -p .`: node dist/scripts/images/dump-decoded.js
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { decodeImage } from '../../src/image/decode.js';
import type { ResizeOptions } from '../../src/image/decode.js';
import { writeNpy } from '../../src/tensor/npy.js';

interface Case {
  readonly name: string;
  readonly file: string;
  readonly resize: ResizeOptions | null;
}

const goldenDir = join('fixtures', 'golden', 'preprocess');
const cases = JSON.parse(await readFile(join(goldenDir, 'cases.json'), 'utf8')) as { images: Case[] };
for (const c of cases.images) {
  const image = await decodeImage(join('fixtures', 'images', c.file), { resize: c.resize });
  const npy = writeNpy({ dtype: 'uint8', shape: [image.height, image.width, 3], data: image.data });
  await writeFile(join(goldenDir, `${c.name}.pixels.npy`), npy);
  console.log(`${c.name}: ${c.file} ${image.sourceWidth}x${image.sourceHeight} -> ${image.width}x${image.height}`);
}
