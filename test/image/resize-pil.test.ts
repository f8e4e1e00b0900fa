/**
 * resizeBilinearPil against Pillow 13.0.0's `Image.resize(size, Image.BILINEAR)` on seeded random
 * images (fixtures/golden/resize/, made by scripts/oracle/make_preprocess_goldens.py), through each of
 * its implementations, and by hand.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { resizeBilinearPil } from '../../src/image/resize-pil.js';
import { readNpy } from '../../src/tensor/npy.js';
import { fixture } from '../helpers/paths.js';

const dir = fixture('golden', 'resize');
const cases = (JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: { name: string; size: [number, number] }[] }).cases;
const npy = (file: string) => readNpy(readFileSync(join(dir, file)), file);

/** A one-row image whose three channels all hold `values`. */
function row(values: number[]): { data: Uint8Array; width: number; height: number } {
  return { data: Uint8Array.from(values.flatMap((v) => [v, v, v])), width: values.length, height: 1 };
}
const firstChannel = (data: Uint8Array) => [...data].filter((_, i) => i % 3 === 0);

describe('resizeBilinearPil equals Pillow byte for byte', () => {
  // Every implementation on its own (the WebAssembly SIMD128 and scalar builds, the TypeScript
  // passes), so that each fallback stays checked against Pillow, not only the one that runs here.
  for (const kernel of ['auto', 'simd', 'scalar', 'ts'] as const) {
    for (const c of cases) {
      test(`${c.name} -> ${c.size[0]}x${c.size[1]} (${kernel})`, () => {
        const src = npy(`${c.name}.src.npy`);
        const [h, w] = src.shape as [number, number, number];
        const out = resizeBilinearPil({ data: src.data as Uint8Array, width: w, height: h }, c.size[1], c.size[0], kernel);
        assert.ok(Buffer.from(out).equals(Buffer.from(npy(`${c.name}.pil.npy`).data as Uint8Array)));
      });
    }
  }

  test('upscale 4 -> 8 by hand: triangle weights at half-pixel centres', () => {
    // Output 1 has centre 0.75: weights 0.75 on pixel 0 and 0.25 on pixel 1 -> 25, and so on.
    assert.deepEqual(firstChannel(resizeBilinearPil(row([0, 100, 200, 250]), 8, 1)), [0, 25, 75, 125, 175, 213, 238, 250]);
  });

  test('downscale 4 -> 2 by hand: the support widens to 2 pixels (antialiasing)', () => {
    // Output 0: centre 1, pixels 0..2 weighted 0.75, 0.75, 0.25 (sum 1.75): (0*3 + 100*3 + 200) / 7 = 71.4 -> 71.
    // Output 1: centre 3, pixels 1..3 weighted 0.25, 0.75, 0.75: (100 + 200*3 + 250*3) / 7 = 207.1 -> 207.
    assert.deepEqual(firstChannel(resizeBilinearPil(row([0, 100, 200, 250]), 2, 1)), [71, 207]);
  });

  test('same size returns an equal copy', () => {
    const src = row([1, 2, 3]);
    const out = resizeBilinearPil(src, 3, 1);
    assert.deepEqual(out, src.data);
    assert.notEqual(out, src.data);
  });
});
