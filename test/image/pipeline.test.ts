/**
 * Pipeline geometry and conventions, with numbers computed by hand from torchvision's and
 * Ultralytics' formulas (the end-to-end comparison with the real libraries is pipeline-golden.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { decodeConventions, exactnessNotes, letterbox, normalizeArithmetic, resizeForPipeline, torchvisionResizeCrop } from '../../src/image/pipeline.js';
import { resizeBilinearPil } from '../../src/image/resize-pil.js';

function gradient(width: number, height: number): { data: Uint8Array; width: number; height: number } {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.fill((i * 7) % 251, i * 3, i * 3 + 3);
  return { data, width, height };
}

test('torchvision Resize(40) + CenterCrop(48): 64x48 -> 53x40 (int(40*64/48)), padded 4+4 rows of 0, cropped from column round(2.5) = 2', () => {
  const src = gradient(64, 48);
  const out = torchvisionResizeCrop(src, 40, { height: 48, width: 48 });
  assert.deepEqual([out.width, out.height], [48, 48]);
  const resized = resizeBilinearPil(src, 53, 40);
  for (let y = 0; y < 48; y++) {
    for (let x = 0; x < 48; x++) {
      const got = out.data[(y * 48 + x) * 3];
      const want = y < 4 || y >= 44 ? 0 : resized[((y - 4) * 53 + x + 2) * 3];
      assert.equal(got, want, `(${x}, ${y})`);
    }
  }
});

test('torchvision Resize(N) on a portrait image makes the width N and crops the height centre', () => {
  const src = gradient(30, 50);
  // short = 30 -> 20, long int(20 * 50 / 30) = 33; crop 20x20 from row round(13 / 2) = round(6.5) = 6.
  const out = torchvisionResizeCrop(src, 20, { height: 20, width: 20 });
  const resized = resizeBilinearPil(src, 20, 33);
  assert.deepEqual(out.data, resized.subarray(6 * 20 * 3, 26 * 20 * 3));
});

test('letterbox: 240x360 portrait into 64x64: width round(42.67) = 43, left round(10.4) = 10, right round(10.6) = 11, pad 114', () => {
  const src = { data: new Uint8Array(240 * 360 * 3).fill(7), width: 240, height: 360 };
  const out = letterbox(src, { height: 64, width: 64 }, 114);
  assert.deepEqual([out.width, out.height], [64, 64]);
  const row = [...out.data.subarray(30 * 64 * 3, 31 * 64 * 3)].filter((_, i) => i % 3 === 0);
  assert.deepEqual(row, [...Array(10).fill(114), ...Array(43).fill(7), ...Array(11).fill(114)]);
});

test('letterbox upscales small images (scaleup=True) and pads the rest', () => {
  const out = letterbox({ data: new Uint8Array(8 * 4 * 3).fill(9), width: 8, height: 4 }, { height: 16, width: 16 }, 114);
  // r = 2: 16x8, dh = 4 -> top round(3.9) = 4, bottom round(4.1) = 4.
  assert.equal(out.data[(3 * 16) * 3], 114);
  assert.equal(out.data[(4 * 16) * 3], 9);
  assert.equal(out.data[(11 * 16) * 3], 9);
  assert.equal(out.data[(12 * 16) * 3], 114);
});

test('dynamic H/W: no pipeline resizes', () => {
  const src = gradient(5, 3);
  for (const pipeline of ['pil', 'torchvision', 'opencv', 'ultralytics'] as const) {
    assert.equal(resizeForPipeline(src, { pipeline, resizeShorter: null, padValue: 114 }, null), src);
  }
});

test('decode conventions: PIL and torchvision ignore EXIF, OpenCV applies it; only sharp converts ICC', () => {
  assert.deepEqual(decodeConventions('pil'), { autoOrient: false, ignoreIcc: true });
  assert.deepEqual(decodeConventions('torchvision'), { autoOrient: false, ignoreIcc: true });
  assert.deepEqual(decodeConventions('opencv'), { autoOrient: true, ignoreIcc: true });
  assert.deepEqual(decodeConventions('ultralytics'), { autoOrient: true, ignoreIcc: true });
  assert.deepEqual(decodeConventions('sharp'), { autoOrient: true, ignoreIcc: false });
});

test('only the pil pipeline normalises in float64 (Python-tuple mean/std)', () => {
  assert.equal(normalizeArithmetic('pil'), 'float64');
  for (const p of ['torchvision', 'opencv', 'ultralytics', 'sharp'] as const) assert.equal(normalizeArithmetic(p), 'float32');
});

test('exactness notes: CMYK, 16-bit grey under PIL and unchecked formats are flagged; sharp never is', () => {
  assert.deepEqual(exactnessNotes('pil', { format: 'jpeg', space: 'srgb', bitsPerSample: 8 }), []);
  assert.equal(exactnessNotes('pil', { format: 'jpeg', space: 'cmyk', bitsPerSample: 8 }).length, 1);
  assert.deepEqual(exactnessNotes('opencv', { format: 'png', space: 'rgb16', bitsPerSample: 16 }), []);
  assert.equal(exactnessNotes('torchvision', { format: 'png', space: 'grey16', bitsPerSample: 16 }).length, 1);
  assert.deepEqual(exactnessNotes('ultralytics', { format: 'png', space: 'grey16', bitsPerSample: 16 }), []);
  assert.equal(exactnessNotes('torchvision', { format: 'webp', space: 'srgb', bitsPerSample: 8 }).length, 1);
  assert.deepEqual(exactnessNotes('sharp', { format: 'jpeg', space: 'cmyk', bitsPerSample: 16 }), []);
});
