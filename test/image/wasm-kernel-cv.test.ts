/**
 * The WebAssembly SIMD128 cv2-exact resize (src/image/wasm-kernel-cv.ts, reached through
 * resizeLinearCv) against the TypeScript passes it replaces (resizeLinearCvTs, pinned to OpenCV 5.0
 * by test/image/resize-cv.test.ts and the pipeline goldens): the same bytes on random, black and
 * white images over downscales, upscales, non-integer and integer ratios, one-pixel sizes, odd
 * widths, the exact 2x INTER_AREA case, and widths that leave every remainder of the kernels'
 * 16-byte and 4-pixel steps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { resizeLinearCv, resizeLinearCvTs } from '../../src/image/resize-cv.js';
import { cvKernelAvailable, halveCvWasm, resizeLinearCvWasm } from '../../src/image/wasm-kernel-cv.js';
import { noise } from '../helpers/noise.js';

/** A seeded xorshift, so that a failure names a reproducible case. */

const images = (w: number, h: number, seed: number) => [
  ['noise', noise(w * h * 3, seed)], ['black', new Uint8Array(w * h * 3)], ['white', new Uint8Array(w * h * 3).fill(255)],
] as const;

function same(w: number, h: number, W: number, H: number, seed: number): void {
  for (const [label, data] of images(w, h, seed)) {
    const src = { data, width: w, height: h };
    const want = resizeLinearCvTs(src, W, H);
    const got = resizeLinearCv(src, W, H);
    assert.equal(got.length, W * H * 3);
    assert.ok(Buffer.from(got).equals(Buffer.from(want)), `${w}x${h} -> ${W}x${H}, ${label}`);
  }
}

test('WebAssembly SIMD128 runs on Node 20 (otherwise every case below would test TypeScript against itself)', () => {
  assert.equal(cvKernelAvailable(), true);
});

test('INTER_LINEAR: the WebAssembly kernel gives the TypeScript reference\'s bytes', () => {
  const pairs: [number, number, number, number][] = [
    [1920, 1080, 224, 224], [1920, 1080, 640, 360], [640, 480, 224, 224], [1280, 720, 640, 359], // down
    [224, 224, 640, 640], [13, 7, 100, 61], [2, 2, 3, 3], [4, 1, 8, 1], //                            up (rows reused, border taps)
    [333, 97, 41, 200], [97, 333, 200, 41], [300, 200, 299, 201], [10, 6, 7, 4], //                  mixed, non-integer
    [1, 1, 5, 7], [5, 7, 1, 1], [1, 9, 1, 3], [9, 1, 3, 1], [1, 30, 17, 1], [37, 1, 1, 5], //       one pixel / one row / one column
    [99, 51, 33, 17], [30, 30, 10, 10], [31, 29, 15, 14], [3, 3, 2, 2], //                           integer ratios (3x) and odd sizes
  ];
  // Every output width mod 16 bytes / 4 pixels, so the steps' tails and over-writes are exercised.
  for (let W = 1; W <= 17; W++) pairs.push([50, 9, W, 5], [W, 4, 23, 9]);
  for (const [i, [w, h, W, H]] of pairs.entries()) same(w, h, W, H, 11 + i);
});

test('the exact 2x reduction (INTER_AREA) in WebAssembly gives the TypeScript reference\'s bytes', () => {
  const pairs: [number, number][] = [[1280, 720], [448, 448], [2, 2], [2, 8], [8, 2], [6, 4], [10, 6], [14, 2], [16, 16], [18, 10], [1918, 6]];
  for (const [i, [w, h]] of pairs.entries()) same(w, h, w / 2, h / 2, 101 + i);
});

test('repeated calls of different sizes reuse the kernel memory without leaking one call into the next', () => {
  // Large, then small, then large again: stale bytes from the larger call lie in the slack the small one over-reads.
  same(1920, 1080, 640, 360, 1);
  same(7, 5, 3, 2, 2);
  same(12, 10, 6, 5, 3);
  same(1920, 1080, 224, 224, 4);
});

test('an image too large for the kernel memory is left to the TypeScript passes (null)', () => {
  // A 10000 x 10000 output is 300 MB: above MAX_MEMORY_BYTES, refused before anything is copied.
  const axis = { index: Int32Array.from({ length: 10000 }, (_, d) => d), w0: new Int32Array(10000).fill(2048), w1: new Int32Array(10000) };
  assert.equal(resizeLinearCvWasm(new Uint8Array(0), 10000, 10000, 10000, 10000, axis, axis), null);
  // The 2x path: a 24000 x 24000 source halves to 12000 x 12000 x 3 = 432 MB of output.
  assert.equal(halveCvWasm(new Uint8Array(0), 24000, 24000), null);
});
