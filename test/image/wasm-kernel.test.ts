/**
 * The WebAssembly passes (src/image/wasm-kernel.ts), both builds (SIMD128 and scalar), against the
 * TypeScript passes they replace (resize-pil.ts horizontalTs / verticalTs, themselves pinned to
 * Pillow 13 by test/image/resize-pil.test.ts and the pipeline goldens): the same bytes on random,
 * black and white images, for downscales and upscales, odd sizes, one column and one row, row
 * windows, both pass orders, and sizes whose last pixel ends the source where the SIMD passes read
 * (and write) past a row's end.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { coefficients, horizontalTs, resizeBilinearPil, verticalTs } from '../../src/image/resize-pil.js';
import { resampleColumnsWasm, resampleRowsWasm, wasmKernelAvailable } from '../../src/image/wasm-kernel.js';
import type { WasmKernelKind } from '../../src/image/wasm-kernel.js';
import { noise } from '../helpers/noise.js';

/** A seeded xorshift, so that a failure names a reproducible case. */

/** All-0, all-255 and random pixels: the clip at both ends and every value between. */
const images = (n: number, seed: number) =>
  [['noise', noise(n, seed)], ['black', new Uint8Array(n)], ['white', new Uint8Array(n).fill(255)]] as const;
const same = (a: Uint8Array | null, b: Uint8Array) => a !== null && Buffer.from(a).equals(Buffer.from(b));

const kinds: readonly WasmKernelKind[] = ['simd', 'scalar'];

/** The TypeScript resize, made once per case for both builds (it is the slow part of this file). */
const reference = new Map<string, Uint8Array>();
function tsResize(key: string, src: { data: Uint8Array; width: number; height: number }, W: number, H: number): Uint8Array {
  let out = reference.get(key);
  if (out === undefined) {
    out = resizeBilinearPil(src, W, H, 'ts');
    reference.set(key, out);
  }
  return out;
}

test('both builds run on Node 20 (SIMD128 is there; the scalar build is the fallback where it is not)', () => {
  assert.equal(wasmKernelAvailable('simd'), true);
  assert.equal(wasmKernelAvailable('scalar'), true);
});

for (const kind of kinds) {
  describe(`the ${kind} WebAssembly passes`, () => {
    test('horizontal: the TypeScript pass\'s bytes on random images and sizes', () => {
      const cases: [number, number, number][] = [
        [1920, 7, 224], [640, 5, 224], [1000, 3, 1000], [37, 4, 1], [1, 3, 9], [9, 2, 1], [224, 6, 640], [333, 5, 97], [2, 2, 3], [4032, 2, 299],
        [5, 1, 4], [1, 1, 1], [3, 1, 2], [4000, 2, 3], [3, 2, 1000],
      ];
      for (const [i, [inW, rows, outW]] of cases.entries()) {
        for (const [label, src] of images(inW * rows * 3, 7 + i)) {
          const c = coefficients(inW, outW);
          const got = resampleRowsWasm(src, 0, inW, rows, outW, c.start, c.count, c.weights, c.ksize, kind);
          assert.ok(same(got, horizontalTs(src, inW, 0, rows, outW, c)), `${inW}->${outW}, ${rows} rows, ${label}`);
        }
      }
    });

    test('horizontal: a window of rows starting past row 0 reads the same rows as the TypeScript pass', () => {
      const inW = 300;
      const src = noise(inW * 20 * 3, 99);
      const c = coefficients(inW, 128);
      const got = resampleRowsWasm(src, 5 * inW * 3, inW, 11, 128, c.start, c.count, c.weights, c.ksize, kind);
      assert.ok(same(got, horizontalTs(src, inW, 5, 11, 128, c)));
    });

    test('horizontal: weights that fill 22 bits, negative weights and windows of hundreds of taps (the split of each weight into 15-bit halves)', () => {
      // Not Pillow's bilinear coefficients (those are checked above) but any window of int32 weights
      // whose sums stay int32, as a wider filter would make: the SIMD build splits each weight as
      // hi * 2^15 + lo and must still give the one-tap-at-a-time bytes.
      let seed = 2024;
      const rand = () => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return seed / 2 ** 32;
      };
      for (const [inW, outW, ksize, low, high] of [[64, 9, 7, -(1 << 21), 1 << 22], [900, 3, 301, -6000, 20000], [40, 40, 2, (1 << 22) - 3, 1 << 22]] as const) {
        const start = new Int32Array(outW);
        const count = new Int32Array(outW);
        const weights = new Int32Array(outW * ksize);
        for (let x = 0; x < outW; x++) {
          count[x] = 1 + Math.floor(rand() * ksize);
          start[x] = Math.floor(rand() * (inW - count[x]! + 1));
          for (let k = 0; k < count[x]!; k++) weights[x * ksize + k] = Math.round(low + rand() * (high - low));
        }
        const c = { start, count, weights, ksize };
        for (const [label, src] of images(inW * 3 * 3, 77)) {
          const got = resampleRowsWasm(src, 0, inW, 3, outW, start, count, weights, ksize, kind);
          assert.ok(same(got, horizontalTs(src, inW, 0, 3, outW, c)), `${inW}->${outW}, ${ksize} taps, weights ${low}..${high}, ${label}`);
        }
      }
    });

    test('vertical: the TypeScript pass\'s bytes, with and without a row shift', () => {
      // Widths whose rows are not whole 16-byte blocks (5, 1, 97, 3, 7: 15, 3, 291, 9, 21 bytes) make
      // the SIMD pass read and write past every row's end.
      const cases: [number, number, number][] = [[224, 1080, 224], [224, 480, 224], [5, 3, 7], [1, 9, 1], [640, 360, 640], [97, 333, 41], [3, 2, 2], [7, 1, 5], [1, 1000, 2], [16, 40, 3]];
      for (const [i, [w, inH, outH]] of cases.entries()) {
        for (const [label, src] of images(w * inH * 3, 31 + i)) {
          const c = coefficients(inH, outH);
          const got = resampleColumnsWasm(src, w, outH, c.start, c.count, c.weights, c.ksize, 0, kind);
          assert.ok(same(got, verticalTs(src, w, outH, c, 0)), `${w}x${inH} -> ${outH} rows, ${label}`);
        }
      }
      // Rows from the first window's start on, as a resize passes them after a horizontal pass.
      const c = coefficients(400, 50);
      const first = c.start[0]!;
      const src = noise(30 * (400 - first) * 3, 5);
      const got = resampleColumnsWasm(src, 30, 50, c.start, c.count, c.weights, c.ksize, first, kind);
      assert.ok(same(got, verticalTs(src, 30, 50, c, first)));
    });

    test('an image too large for the kernel\'s memory is left to the TypeScript pass (null)', () => {
      const c = coefficients(20000, 15000);
      // 20000 x 3000 source rows (180 MB) plus 15000 x 3000 output (135 MB): over the 256 MiB cap.
      assert.equal(resampleRowsWasm(new Uint8Array(0), 0, 20000, 3000, 15000, c.start, c.count, c.weights, c.ksize, kind), null);
    });

    test('whole resizes inside the kernel\'s memory equal the TypeScript passes, both pass orders', () => {
      // [w, h, W, H]: downscales (1080p and 640x480 to 224, 16:9 to 640x360), upscales, one pixel
      // wide or high (source and target), odd widths (rows not a whole number of 16-byte blocks),
      // one axis unchanged (one pass only), heights shrinking by more than twice the widths
      // (Pillow 13's vertical-first order), extreme ratios.
      const sizes: [number, number, number, number][] = [
        [1920, 1080, 224, 224], [640, 480, 224, 224], [1920, 1080, 640, 360], [224, 224, 640, 640], [7, 5, 300, 200],
        [1, 1, 5, 3], [5, 3, 1, 1], [1, 40, 1, 7], [40, 1, 7, 1], [1, 9, 4, 2], [9, 1, 2, 4],
        [33, 17, 50, 17], [33, 17, 33, 40], [101, 77, 101, 13], [101, 77, 13, 77],
        [30, 300, 29, 20], [5, 97, 3, 11], [333, 97, 41, 58], [4000, 3, 3, 2], [3, 2, 1000, 700],
      ];
      for (const [i, [w, h, W, H]] of sizes.entries()) {
        for (const [label, data] of images(w * h * 3, 101 + i)) {
          const src = { data, width: w, height: h };
          const name = `${w}x${h} -> ${W}x${H}, ${label}`;
          assert.ok(same(resizeBilinearPil(src, W, H, kind), tsResize(name, src, W, H)), name);
        }
      }
    });

    test('a source that is a view ending at its buffer\'s end, after a larger image left other bytes in memory', () => {
      // The kernel's memory keeps the last image's bytes; the passes must not read them into a sum.
      resizeBilinearPil({ data: noise(1000 * 800 * 3, 3), width: 1000, height: 800 }, 999, 799, kind);
      const backing = noise(10 + 13 * 11 * 3, 17);
      const data = backing.subarray(10); // ends exactly where the ArrayBuffer ends
      for (const [W, H] of [[5, 4], [29, 23], [13, 2], [2, 11]] as const) {
        const src = { data, width: 13, height: 11 };
        assert.ok(same(resizeBilinearPil(src, W, H, kind), resizeBilinearPil(src, W, H, 'ts')), `13x11 -> ${W}x${H}`);
      }
    });
  });
}
