import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { cropRgb, padRgb, planResize, roundHalfEven } from '../../src/image/resize-plan.js';

describe('planResize (hand-computed against torchvision and YOLOv5 formulas)', () => {
  test('stretch: straight to the target', () => {
    assert.deepEqual(planResize({ height: 239, width: 360 }, { height: 224, width: 224 }, 'stretch'), {
      resized: { height: 224, width: 224 }, target: { height: 224, width: 224 }, place: 'none', top: 0, left: 0,
    });
  });

  const crop: [string, [number, number], [number, number], [number, number], number, number][] = [
    // name, source [h,w], target [h,w], resized [h,w], top, left
    // torchvision Resize(224): short 239 → 224, long int(224*360/239) = int(337.4) = 337; CenterCrop left round(113/2) = round(56.5) = 56 (half-even)
    ['landscape', [239, 360], [224, 224], [224, 337], 0, 56],
    // portrait 360x240 (h x w) → short 240 → 224, long int(224*360/240) = 336, top round(112/2) = 56
    ['portrait', [360, 240], [224, 224], [336, 224], 56, 0],
    // offset 3/2 = 1.5 rounds half-even to 2; long int(10*13/10) = 13
    ['odd margin', [10, 13], [10, 10], [10, 13], 0, 2],
    // 2.5 rounds to 2
    ['odd margin 2', [10, 15], [10, 10], [10, 15], 0, 2],
    // non-square target: cover 32 wide x 24 high from 360x239: width scale 32/360 < height scale 24/239, so height binds: 24, width floor(360*24/239) = 36
    ['non-square target', [239, 360], [24, 32], [24, 36], 0, 2],
    ['already the target', [24, 32], [24, 32], [24, 32], 0, 0],
    ['upscale', [10, 20], [64, 64], [64, 128], 0, 32],
  ];
  for (const [name, [sh, sw], [th, tw], [rh, rw], top, left] of crop) {
    test(`shorter-crop: ${name}`, () => {
      const p = planResize({ height: sh, width: sw }, { height: th, width: tw }, 'shorter-crop');
      assert.deepEqual(p.resized, { height: rh, width: rw });
      assert.deepEqual([p.top, p.left], [top, left]);
      assert.equal(p.place, rh === th && rw === tw ? 'none' : 'crop');
    });
  }

  const box: [string, [number, number], [number, number], [number, number], number, number][] = [
    // YOLOv5 letterbox: r = min(640/1080, 640/1920) = 1/3; new (w,h) = (640, round(360)) ; pad top = 140
    ['1080p into 640', [1080, 1920], [640, 640], [360, 640], 140, 0],
    // coffee 240x360 into 32: height round(240*32/360) = round(21.33) = 21; dh = 11 → top floor(5.5) = 5
    ['coffee into 32', [240, 360], [32, 32], [21, 32], 5, 0],
    // portrait 360x240 into 32x32: width round(240*32/360) = 21, left 5
    ['portrait', [360, 240], [32, 32], [32, 21], 0, 5],
    // 6x3 (h x w) into 5x5: height binds, width round(3*5/6) = round(2.5) = 2 (half-even), left floor(3/2) = 1
    ['tie in the size', [6, 3], [5, 5], [5, 2], 0, 1],
    ['tiny sliver keeps one pixel', [1000, 1], [8, 8], [8, 1], 0, 3],
    ['same aspect', [48, 64], [24, 32], [24, 32], 0, 0],
  ];
  for (const [name, [sh, sw], [th, tw], [rh, rw], top, left] of box) {
    test(`letterbox: ${name}`, () => {
      const p = planResize({ height: sh, width: sw }, { height: th, width: tw }, 'letterbox');
      assert.deepEqual(p.resized, { height: rh, width: rw });
      assert.deepEqual([p.top, p.left], [top, left]);
      assert.equal(p.place, rh === th && rw === tw ? 'none' : 'pad');
    });
  }
});

test('roundHalfEven is Python 3 round()', () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, 2.4999, 2.5001, 3].map(roundHalfEven), [0, 2, 2, 0, 2, 3, 3]);
});

describe('cropRgb / padRgb', () => {
  // 3x2 image, pixel value = 10*y + x on all channels
  const image = { width: 3, height: 2, data: new Uint8Array([0, 0, 0, 1, 1, 1, 2, 2, 2, 10, 10, 10, 11, 11, 11, 12, 12, 12]) };
  test('crop takes the window row by row', () => {
    assert.deepEqual([...cropRgb(image, 1, 1, { height: 1, width: 2 })], [11, 11, 11, 12, 12, 12]);
  });
  test('crop outside the image is a RangeError', () => {
    assert.throws(() => cropRgb(image, 1, 2, { height: 1, width: 2 }), RangeError);
  });
  test('pad places the image and fills the rest', () => {
    const out = padRgb(image, 1, 0, { height: 3, width: 4 }, 114);
    const v = (x: number, y: number): number => out[(y * 4 + x) * 3]!;
    assert.deepEqual([v(0, 0), v(3, 0), v(0, 1), v(2, 1), v(3, 1), v(2, 2), v(3, 2)], [114, 114, 0, 2, 114, 12, 114]);
  });
  test('pad that does not fit is a RangeError', () => {
    assert.throws(() => padRgb(image, 0, 2, { height: 2, width: 4 }, 0), RangeError);
  });
});
