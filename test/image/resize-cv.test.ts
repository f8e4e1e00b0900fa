/**
 * resizeLinearCv (WebAssembly) and resizeLinearCvTs (its TypeScript reference) against OpenCV
 * 5.0.0's `cv2.resize(img, (W, H), interpolation=cv2.INTER_LINEAR)` on seeded random images
 * (fixtures/golden/resize/, made by scripts/oracle/make_preprocess_goldens.py), and by hand.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { resizeLinearCv, resizeLinearCvTs } from '../../src/image/resize-cv.js';
import { readNpy } from '../../src/tensor/npy.js';
import { fixture } from '../helpers/paths.js';

const dir = fixture('golden', 'resize');
const cases = (JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as { cases: { name: string; size: [number, number] }[] }).cases;
const npy = (file: string) => readNpy(readFileSync(join(dir, file)), file);

function row(values: number[]): { data: Uint8Array; width: number; height: number } {
  return { data: Uint8Array.from(values.flatMap((v) => [v, v, v])), width: values.length, height: 1 };
}
const firstChannel = (data: Uint8Array) => [...data].filter((_, i) => i % 3 === 0);

describe('resizeLinearCv equals OpenCV byte for byte', () => {
  // resizeLinearCv runs the WebAssembly kernel; resizeLinearCvTs is the TypeScript reference (and
  // fallback) that the kernel is tested against in wasm-kernel-cv.test.ts: both are pinned here.
  for (const c of cases) {
    for (const [label, resize] of [['WebAssembly', resizeLinearCv], ['TypeScript', resizeLinearCvTs]] as const) {
      test(`${c.name} -> ${c.size[0]}x${c.size[1]} (${label})`, () => {
        const src = npy(`${c.name}.src.npy`);
        const [h, w] = src.shape as [number, number, number];
        const out = resize({ data: src.data as Uint8Array, width: w, height: h }, c.size[1], c.size[0]);
        assert.ok(Buffer.from(out).equals(Buffer.from(npy(`${c.name}.cv.npy`).data as Uint8Array)));
      });
    }
  }

  test('downscale 4 -> 2 by hand: two taps at half-pixel centres, no antialiasing', () => {
    // Output 0 samples x = 0.5 (between 0 and 100) -> 50; output 1 samples x = 2.5 (200, 250) -> 225.
    assert.deepEqual(firstChannel(resizeLinearCv(row([0, 100, 200, 250]), 2, 1)), [50, 225]);
  });

  test('upscale 4 -> 8 by hand: border replicated, 212.5 rounds up through the fixed-point path', () => {
    // x = 2.25: 200*1536 + 250*512 = 435200; (435200 >> 4) * 2048 >> 16 = 850; (850 + 2) >> 2 = 213.
    assert.deepEqual(firstChannel(resizeLinearCv(row([0, 100, 200, 250]), 8, 1)), [0, 25, 75, 125, 175, 213, 238, 250]);
  });

  test('an exact 2x reduction is the rounded mean of each 2x2 block (INTER_AREA)', () => {
    const src = { data: Uint8Array.from([1, 1, 1, 2, 2, 2, 4, 4, 4, 4, 4, 4]), width: 2, height: 2 };
    // (1 + 2 + 4 + 4 + 2) >> 2 = 3
    assert.deepEqual([...resizeLinearCv(src, 1, 1)], [3, 3, 3]);
  });
});
