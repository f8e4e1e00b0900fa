/**
 * The WebAssembly passes (src/image/wasm-kernel.ts) against the TypeScript passes they
 * replace (resize-pil.ts horizontalTs, itself pinned to Pillow 13 by test/image/resize-pil.test.ts
 * and the pipeline goldens, which now run through the WebAssembly kernel): the same bytes on random
 * images, for downscales and upscales, odd sizes, one column and one row, and row windows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coefficients, horizontalTs, verticalTs } from '../../src/image/resize-pil.js';
import { resampleColumnsWasm, resampleRowsWasm } from '../../src/image/wasm-kernel.js';

/** A seeded xorshift, so that a failure names a reproducible case. */
function noise(n: number, seed: number): Uint8Array {
  let x = seed >>> 0 || 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

test('the WebAssembly kernel gives the TypeScript pass\'s bytes on random images and sizes', () => {
  const cases: [number, number, number][] = [
    [1920, 7, 224], [640, 5, 224], [1000, 3, 1000], [37, 4, 1], [1, 3, 9], [9, 2, 1], [224, 6, 640], [333, 5, 97], [2, 2, 3], [4032, 2, 299],
  ];
  for (const [i, [inW, rows, outW]] of cases.entries()) {
    // All-0, all-255 and random rows: the clip at both ends and every value between.
    for (const [label, src] of [['noise', noise(inW * rows * 3, 7 + i)], ['black', new Uint8Array(inW * rows * 3)], ['white', new Uint8Array(inW * rows * 3).fill(255)]] as const) {
      const c = coefficients(inW, outW);
      const want = horizontalTs(src, inW, 0, rows, outW, c);
      const got = resampleRowsWasm(src, 0, inW, rows, outW, c.start, c.count, c.weights, c.ksize);
      assert.ok(got !== null, 'WebAssembly runs on Node 20');
      assert.ok(Buffer.from(got).equals(Buffer.from(want)), `${inW}->${outW}, ${rows} rows, ${label}`);
    }
  }
});

test('a window of rows starting past row 0 reads the same rows as the TypeScript pass', () => {
  const inW = 300;
  const src = noise(inW * 20 * 3, 99);
  const c = coefficients(inW, 128);
  const want = horizontalTs(src, inW, 5, 11, 128, c);
  const got = resampleRowsWasm(src, 5 * inW * 3, inW, 11, 128, c.start, c.count, c.weights, c.ksize);
  assert.ok(got !== null && Buffer.from(got).equals(Buffer.from(want)));
});

test('an image too large for the kernel\'s memory is left to the TypeScript pass (null)', () => {
  const inW = 20000;
  const rows = 1500; // 90 MB of source rows plus the output: over the 256 MiB cap with the 2x output
  const c = coefficients(inW, 15000);
  assert.equal(resampleRowsWasm(new Uint8Array(0), 0, inW, rows * 2, 15000, c.start, c.count, c.weights, c.ksize), null);
});

test('the WebAssembly vertical pass gives the TypeScript pass\'s bytes, with and without a row shift', () => {
  const cases: [number, number, number][] = [[224, 1080, 224], [224, 480, 224], [5, 3, 7], [1, 9, 1], [640, 360, 640], [97, 333, 41], [3, 2, 2]];
  for (const [i, [w, inH, outH]] of cases.entries()) {
    for (const [label, src] of [['noise', noise(w * inH * 3, 31 + i)], ['black', new Uint8Array(w * inH * 3)], ['white', new Uint8Array(w * inH * 3).fill(255)]] as const) {
      const c = coefficients(inH, outH);
      const want = verticalTs(src, w, outH, c, 0);
      const got = resampleColumnsWasm(src, w, outH, c.start, c.count, c.weights, c.ksize, 0);
      assert.ok(got !== null && Buffer.from(got).equals(Buffer.from(want)), `${w}x${inH} -> ${outH} rows, ${label}`);
    }
  }
  // Rows from the first window's start on, as resize-pil passes them after a horizontal pass.
  const c = coefficients(400, 50);
  const first = c.start[0]!;
  const src = noise(30 * (400 - first) * 3, 5);
  const want = verticalTs(src, 30, 50, c, first);
  const got = resampleColumnsWasm(src, 30, 50, c.start, c.count, c.weights, c.ksize, first);
  assert.ok(got !== null && Buffer.from(got).equals(Buffer.from(want)));
});
