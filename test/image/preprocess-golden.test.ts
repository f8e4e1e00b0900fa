/**
 * preprocess() against golden tensors computed by numpy (scripts/images/make-golden.py; provenance in
 * fixtures/golden/preprocess/README.md), compared as raw bit patterns: bit-identical or fail.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { decodeImage } from '../../src/image/decode.js';
import type { ResizeOptions } from '../../src/image/decode.js';
import { preprocess } from '../../src/image/preprocess.js';
import type { PreprocessOptions } from '../../src/image/preprocess.js';
import { bytesOf } from '../../src/tensor/dtype.js';
import { readNpy } from '../../src/tensor/npy.js';
import type { Tensor } from '../../src/tensor/types.js';
import { fixture } from '../helpers/paths.js';

interface Cases {
  readonly images: { name: string; file: string; resize: ResizeOptions | null }[];
  readonly variants: { name: string; options: Partial<PreprocessOptions> }[];
}

const dir = fixture('golden', 'preprocess');
const cases = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as Cases;
const load = (file: string): Tensor => readNpy(readFileSync(join(dir, file)), file);

/** Index of the first differing byte, or -1. Bytes, not values: -0 vs 0 and NaN payloads count. */
function firstDifference(a: Tensor, b: Tensor): number {
  const x = bytesOf(a.data);
  const y = bytesOf(b.data);
  if (x.length !== y.length) return 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

const imageNames = ['allvalues', ...cases.images.map((c) => c.name)];

describe('preprocess is bit-identical to the numpy reference', () => {
  for (const name of imageNames) {
    for (const variant of cases.variants) {
      test(`${name} / ${variant.name}`, () => {
        const pixels = load(`${name}.pixels.npy`);
        const [height, width, channels] = pixels.shape;
        assert.equal(channels, 3);
        const ours = preprocess({ data: pixels.data as Uint8Array, height: height!, width: width! }, variant.options);
        const golden = load(`${name}.${variant.name}.npy`);
        assert.equal(ours.dtype, golden.dtype);
        assert.deepEqual(ours.shape, golden.shape);
        assert.equal(firstDifference(ours, golden), -1, 'first differing byte');
      });
    }
  }

  test('the all-values image really covers every byte value on every channel', () => {
    const p = load('allvalues.pixels.npy').data as Uint8Array;
    for (let c = 0; c < 3; c++) {
      const seen = new Set<number>();
      for (let i = c; i < p.length; i += 3) seen.add(p[i]!);
      assert.equal(seen.size, 256);
    }
  });
});

describe('decoding the golden images gives the committed pixels (sharp 0.35.5 / libvips 8.18.7)', () => {
  // If a sharp upgrade changes decoding, this fails first; regenerate with the scripts named in the README.
  for (const c of cases.images) {
    test(c.name, async () => {
      const image = await decodeImage(fixture('images', c.file), { resize: c.resize });
      const committed = load(`${c.name}.pixels.npy`);
      assert.deepEqual([image.height, image.width, 3], committed.shape);
      assert.ok(Buffer.from(image.data).equals(Buffer.from(bytesOf(committed.data))), 'decoded pixels differ from the committed ones');
    });
  }
});
