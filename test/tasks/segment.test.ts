import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { countMasks, labelMask, segmentFigures, segmentItem, summarizeSegment } from '../../src/tasks/segment.js';

const f32 = (v: number[]) => Float32Array.from(v);

describe('argmax masks [1, C, H, W] (hand-computed)', () => {
  // 3 classes, 2×2 pixels, channel-major. First's labels [0,1,2,2]; second's [0,1,1,2]: its
  // pixel 2 ties classes 1 and 2 (3 and 3) and goes to 1, as numpy's argmax takes the first maximum.
  const first = f32([/* c0 */ 5, 0, 0, 0, /* c1 */ 1, 5, 0, 1, /* c2 */ 0, 1, 5, 5]);
  const second = f32([/* c0 */ 5, 0, 0, 0, /* c1 */ 1, 5, 3, 1, /* c2 */ 0, 1, 3, 5]);
  test('labels, pixel agreement 3/4, IoU c0 1, c1 1/2, c2 1/2, mIoU 2/3', () => {
    const a = labelMask('argmax', first, [1, 3, 2, 2], 0.5);
    const b = labelMask('argmax', second, [1, 3, 2, 2], 0.5);
    assert.deepEqual([...a], [0, 1, 2, 2]);
    assert.deepEqual([...b], [0, 1, 1, 2]);
    const s = segmentItem('argmax', 'seg', a, b, 0.5);
    assert.equal(s.pixelAgreement, 3 / 4);
    assert.deepEqual(s.perClass.map((c) => [c.cls, c.intersection, c.union, c.iou]), [[0, 1, 1, 1], [1, 1, 2, 0.5], [2, 1, 2, 0.5]]);
    assert.equal(s.miou, 2 / 3);
    assert.equal(s.threshold, null);
  });
});

describe('thresholded probability maps (hand-computed)', () => {
  test('value > 0.5 is foreground; NaN is background; 2/6 agree; IoU 1/5 each', () => {
    const a = labelMask('threshold', f32([0.1, 0.6, 0.5, 0.9, 0.49, NaN]), [1, 1, 2, 3], 0.5);
    const b = labelMask('threshold', f32([0.2, 0.4, 0.51, 0.8, 0.7, 0.9]), [1, 1, 2, 3], 0.5);
    assert.deepEqual([...a], [0, 1, 0, 1, 0, 0]);
    assert.deepEqual([...b], [0, 0, 1, 1, 1, 1]);
    const s = segmentItem('threshold', 'prob', a, b, 0.5);
    assert.equal(s.pixelAgreement, 2 / 6);
    // background: A {0,2,4,5}, B {0,1} → ∩ 1, ∪ 5; foreground: A {1,3}, B {2,3,4,5} → ∩ 1, ∪ 5.
    assert.deepEqual(s.perClass.map((c) => [c.cls, c.intersection, c.union]), [[0, 1, 5], [1, 1, 5]]);
    assert.equal(s.miou, 0.2);
    assert.equal(s.threshold, 0.5);
  });
  test('another threshold moves pixels', () => {
    assert.deepEqual([...labelMask('threshold', f32([0.1, 0.6, 0.5, 0.9]), [2, 2], 0.55)], [0, 1, 0, 1]);
  });
});

describe('over a run and empty cases', () => {
  test('pixels pooled, intersections and unions summed before dividing', () => {
    const i1 = segmentItem('threshold', 'p', Int32Array.from([1, 1, 0, 0]), Int32Array.from([1, 0, 0, 0]), 0.5);
    const i2 = segmentItem('threshold', 'p', Int32Array.from([0, 0]), Int32Array.from([0, 0]), 0.5);
    const s = summarizeSegment([i1, i2]);
    // 5 of 6 pixels agree; class 0: ∩ 2+2, ∪ 3+2 → 4/5; class 1: ∩ 1, ∪ 2 → 1/2; mIoU 0.65.
    assert.equal(s.pixelAgreement, 5 / 6);
    assert.deepEqual(s.perClass.map((c) => c.iou), [4 / 5, 1 / 2]);
    assert.equal(s.miou, 0.65);
    assert.equal(s.images, 2);
  });
  test('a class present on one side only has IoU 0; no pixels at all gives 1, never NaN', () => {
    const one = segmentFigures(countMasks(Int32Array.from([0, 0]), Int32Array.from([0, 3])));
    assert.deepEqual(one.perClass.map((c) => [c.cls, c.iou]), [[0, 0.5], [3, 0]]);
    const none = summarizeSegment([]);
    assert.deepEqual([none.pixels, none.pixelAgreement, none.miou, none.perClass.length], [0, 1, 1, 0]);
  });
});
