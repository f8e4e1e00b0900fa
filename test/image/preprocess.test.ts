import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { DEFAULT_PREPROCESS_OPTIONS, normalizationTable, preprocess } from '../../src/image/preprocess.js';
import type { RgbPixels } from '../../src/image/preprocess.js';
import { ExitCode, InternalError, UsageError } from '../../src/errors.js';

/** A 1×2 image: pixel (0,0) = RGB(0,128,255), pixel (0,1) = RGB(255,0,1). */
const twoPixels: RgbPixels = { width: 2, height: 1, data: new Uint8Array([0, 128, 255, 255, 0, 1]) };

const bits = (a: Float32Array): number[] => [...new Uint32Array(a.buffer, a.byteOffset, a.length)];

describe('preprocess: default options (ImageNet, /255, RGB, NCHW, float32)', () => {
  test('matches the numpy reference bit for bit on hand-picked pixels', () => {
    const t = preprocess(twoPixels);
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(t.shape, [1, 3, 1, 2]);
    // Bit patterns printed by numpy 1.24 for the reference code on this very image (NCHW order:
    // R of both pixels, then G, then B).
    assert.deepEqual(bits(t.data as Float32Array), [0xc0078bbd, 0x400fee1d, 0x3e521b48, 0xc0024924, 0x4028f5c3, 0xbfe4bcea]);
  });

  test('is within float32 rounding of the exact real-number formula (hand computation)', () => {
    const t = preprocess(twoPixels).data as Float32Array;
    const exact = [
      (0 / 255 - 0.485) / 0.229, (255 / 255 - 0.485) / 0.229,
      (128 / 255 - 0.456) / 0.224, (0 / 255 - 0.456) / 0.224,
      (255 / 255 - 0.406) / 0.225, (1 / 255 - 0.406) / 0.225,
    ];
    exact.forEach((e, i) => {
      assert.ok(Math.abs(t[i]! - e) < 2e-6, `element ${i}: ${t[i]} vs ${e}`);
    });
    assert.ok(Math.abs(t[0]! - -2.117903930131) < 1e-6);
  });

  test('the defaults are the documented ones', () => {
    assert.deepEqual(DEFAULT_PREPROCESS_OPTIONS, {
      mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], scale: 'div255', channelOrder: 'rgb', layout: 'nchw', dtype: 'float32',
    });
  });
});

describe('preprocess: options', () => {
  test('custom scale, mean and std (exact in binary, so hand-computable)', () => {
    const t = preprocess(twoPixels, { scale: 0.5, mean: [1, 2, 3], std: [2, 4, 8] });
    // R: (0*.5-1)/2, (255*.5-1)/2; G: (128*.5-2)/4, (0-2)/4; B: (255*.5-3)/8, (1*.5-3)/8
    assert.deepEqual([...(t.data as Float32Array)], [-0.5, 63.25, 15.5, -0.5, 15.5625, -0.3125]);
  });

  test('scale 1 with mean 0 and std 1 returns the raw values as floats', () => {
    const t = preprocess(twoPixels, { scale: 1, mean: [0, 0, 0], std: [1, 1, 1] });
    assert.deepEqual([...(t.data as Float32Array)], [0, 255, 128, 0, 255, 1]);
  });

  test("'bgr' swaps the channels before mean/std, which are given in the model's (BGR) order", () => {
    const t = preprocess(twoPixels, { scale: 1, mean: [10, 20, 30], std: [1, 1, 1], channelOrder: 'bgr' });
    // Output channel 0 is B (255, 1) minus 10; channel 1 is G (128, 0) minus 20; channel 2 is R (0, 255) minus 30.
    assert.deepEqual([...(t.data as Float32Array)], [245, -9, 108, -20, -30, 225]);
  });

  test("'bgr' with default mean/std reverses the ImageNet constants too: channels are the RGB result reversed, bit for bit", () => {
    const rgb = preprocess(twoPixels).data as Float32Array;
    const bgr = preprocess(twoPixels, { channelOrder: 'bgr' }).data as Float32Array;
    assert.deepEqual(bits(bgr), [...bits(rgb.subarray(4, 6)), ...bits(rgb.subarray(2, 4)), ...bits(rgb.subarray(0, 2))]);
  });

  test("'nhwc' keeps pixels interleaved", () => {
    const t = preprocess(twoPixels, { scale: 1, mean: [0, 0, 0], std: [1, 1, 1], layout: 'nhwc' });
    assert.deepEqual(t.shape, [1, 1, 2, 3]);
    assert.deepEqual([...(t.data as Float32Array)], [0, 128, 255, 255, 0, 1]);
  });

  test('NCHW layout of a 2×2 image puts each channel in its own plane, row-major', () => {
    const img: RgbPixels = { width: 2, height: 2, data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) };
    const t = preprocess(img, { scale: 1, mean: [0, 0, 0], std: [1, 1, 1] });
    assert.deepEqual(t.shape, [1, 3, 2, 2]);
    assert.deepEqual([...(t.data as Float32Array)], [1, 4, 7, 10, 2, 5, 8, 11, 3, 6, 9, 12]);
  });

  test('float16 is the float32 value rounded to half (bits from numpy astype(float16))', () => {
    const t = preprocess(twoPixels, { dtype: 'float16' });
    assert.equal(t.dtype, 'float16');
    assert.ok(t.data instanceof Uint16Array);
    assert.deepEqual([...t.data], [49212, 16511, 12945, 49170, 16712, 48934]);
  });

  test('uint8 passes the raw bytes through (no scale/mean/std), with layout and channel order applied', () => {
    const nchw = preprocess(twoPixels, { dtype: 'uint8', mean: [9, 9, 9] });
    assert.equal(nchw.dtype, 'uint8');
    assert.deepEqual([...nchw.data], [0, 255, 128, 0, 255, 1]);
    const nhwcBgr = preprocess(twoPixels, { dtype: 'uint8', layout: 'nhwc', channelOrder: 'bgr' });
    assert.deepEqual([...nhwcBgr.data], [255, 128, 0, 1, 0, 255]);
  });

  test('the look-up table holds one float32 per (channel, byte value)', () => {
    const table = normalizationTable({ mean: [0, 0.5, 0], std: [1, 1, 0.5], scale: 'div255' });
    assert.equal(table.length, 768);
    assert.equal(table[255], 1);
    assert.equal(table[256 + 0], -0.5);
    assert.equal(table[512 + 255], 2);
    assert.equal(table[51], Math.fround(51 / 255));
  });
});

describe('preprocess: bad options', () => {
  const cases: [string, Parameters<typeof preprocess>[1], RegExp][] = [
    ['zero std', { std: [1, 0, 1] }, /Expected non-zero values for std/],
    ['NaN mean', { mean: [0, NaN, 0] }, /Expected three finite numbers for mean/],
    ['infinite scale', { scale: Infinity }, /Expected a finite number or 'div255' for scale/],
    ['unknown layout', { layout: 'chw' as never }, /Expected 'nchw' or 'nhwc' for layout but received 'chw'/],
    ['unknown dtype', { dtype: 'int8' as never }, /Expected float32, float16 or uint8 for image input dtype but received 'int8'/],
    ['unknown channel order', { channelOrder: 'grb' as never }, /for channel order but received 'grb'/],
  ];
  for (const [what, options, message] of cases) {
    test(what, () => {
      assert.throws(() => preprocess(twoPixels, options), (err: unknown) => {
        assert.ok(err instanceof UsageError);
        assert.equal(err.exitCode, ExitCode.usage);
        assert.match(err.message, message);
        return true;
      });
    });
  }

  test('pixels whose length does not match width × height × 3 are a bug, not a user error', () => {
    assert.throws(() => preprocess({ width: 2, height: 2, data: new Uint8Array(6) }), InternalError);
  });
});
