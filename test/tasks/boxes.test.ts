import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { compareDetections, iou, matchDetections, nms } from '../../src/tasks/boxes.js';
import type { Detection } from '../../src/tasks/types.js';

const box = (x1: number, y1: number, x2: number, y2: number, score: number, cls = 0): Detection => ({ x1, y1, x2, y2, score, cls });

describe('iou (hand values)', () => {
  test('overlaps, containment, disjoint, degenerate', () => {
    // [0,0,10,10] and [5,0,15,10]: intersection 50, union 150.
    assert.equal(iou(box(0, 0, 10, 10, 1), box(5, 0, 15, 10, 1)), 1 / 3);
    // [0,0,10,10] inside [0,0,20,10]: 100 / 200.
    assert.equal(iou(box(0, 0, 10, 10, 1), box(0, 0, 20, 10, 1)), 0.5);
    assert.equal(iou(box(0, 0, 1, 1, 1), box(2, 2, 3, 3, 1)), 0);
    assert.equal(iou(box(0, 0, 10, 10, 1), box(10, 0, 20, 10, 1)), 0, 'touching edges');
    assert.equal(iou(box(1, 1, 1, 1, 1), box(1, 1, 1, 1, 1)), 0, 'zero-area boxes: 0, not NaN');
  });
});

describe('nms', () => {
  test('suppresses only IoU strictly above the threshold, only within a class', () => {
    const a = box(0, 0, 10, 10, 0.9);
    const b = box(5, 0, 15, 10, 0.8); // IoU with a = 1/3
    const c = box(0, 0, 10, 10, 0.7, 1); // same place, other class
    // Best first; b survives a threshold equal to its IoU (1/3 > 1/3 is false), not one below it.
    assert.deepEqual(nms([b, a, c], 1 / 3, 300), [a, b, c]);
    assert.deepEqual(nms([b, a, c], 0.3, 300), [a, c]);
  });
  test('ties in score keep the earlier candidate; maxDet caps', () => {
    const a = box(0, 0, 10, 10, 0.5);
    const b = box(0, 0, 10, 10, 0.5);
    const [kept] = nms([a, b], 0.7, 300);
    assert.equal(kept, a);
    assert.equal(nms([box(0, 0, 1, 1, 0.9), box(5, 5, 6, 6, 0.8), box(9, 9, 10, 10, 0.7)], 0.7, 2).length, 2);
  });
});

describe('matching and figures (hand cases)', () => {
  test('greedy by score: the higher-scoring first box takes the best reference box', () => {
    const ref = [box(0, 0, 10, 10, 0.9), box(4, 0, 14, 10, 0.8)];
    // f0 (0.95) overlaps ref0 with IoU 10·8/(100+100−80)... and ref1 more; f1 (0.6) is left with the other.
    const first = [box(2, 0, 12, 10, 0.6), box(3, 0, 13, 10, 0.95)];
    // first[1] [3,13]: IoU with ref0 = 7/13, with ref1 = 9/11 → takes ref1; first[0] [2,12]: ref0 8/12 = 2/3.
    assert.deepEqual(matchDetections(first, ref, 0.5).map((p) => [p.first, p.second]), [[1, 1], [0, 0]]);
    const r = compareDetections(first, ref, 0.5);
    assert.equal(r.matched, 2);
    assert.equal(r.f1, 1);
    assert.ok(Math.abs(r.meanIou! - (9 / 11 + 2 / 3) / 2) < 1e-15);
    assert.ok(Math.abs(r.maxScoreDelta! - 0.3) < 1e-15);
  });
  test('equal IoU with two reference boxes: the higher-scoring reference wins, then the earlier', () => {
    // [5,0,15,10] overlaps [0,0,10,10] and [10,0,20,10] by 50 each: IoU 1/3 with both.
    const first = [box(5, 0, 15, 10, 0.9)];
    assert.deepEqual(matchDetections(first, [box(0, 0, 10, 10, 0.6), box(10, 0, 20, 10, 0.8)], 0.3).map((p) => p.second), [1]);
    assert.deepEqual(matchDetections(first, [box(0, 0, 10, 10, 0.7), box(10, 0, 20, 10, 0.7)], 0.3).map((p) => p.second), [0]);
  });
  test('class must agree; IoU 0.5 exactly matches', () => {
    assert.equal(matchDetections([box(0, 0, 10, 10, 1, 1)], [box(0, 0, 10, 10, 1, 0)], 0.5).length, 0);
    // [0,0,10,10] vs [0,0,20,10]: IoU 0.5 → matched.
    assert.equal(matchDetections([box(0, 0, 10, 10, 1)], [box(0, 0, 20, 10, 1)], 0.5).length, 1);
  });
  test('empty cases: both empty is full agreement, one side empty is none; never NaN', () => {
    const both = compareDetections([], [], 0.5);
    assert.deepEqual([both.precision, both.recall, both.f1, both.meanIou, both.maxScoreDelta], [1, 1, 1, null, null]);
    const onlyRef = compareDetections([], [box(0, 0, 1, 1, 0.9)], 0.5);
    assert.deepEqual([onlyRef.precision, onlyRef.recall, onlyRef.f1, onlyRef.onlySecond, onlyRef.meanIou], [0, 0, 0, 1, null]);
    const onlyFirst = compareDetections([box(0, 0, 1, 1, 0.9)], [], 0.5);
    assert.deepEqual([onlyFirst.precision, onlyFirst.recall, onlyFirst.f1, onlyFirst.onlyFirst], [0, 0, 0, 1]);
  });
  test('2 of 3 first boxes match 2 of 4 reference boxes: P 2/3, R 1/2, F1 4/7', () => {
    const ref = [box(0, 0, 10, 10, 0.9), box(20, 0, 30, 10, 0.9), box(40, 0, 50, 10, 0.9), box(60, 0, 70, 10, 0.9)];
    const first = [box(0, 0, 10, 10, 0.8), box(20, 0, 30, 10, 0.8), box(80, 0, 90, 10, 0.8)];
    const r = compareDetections(first, ref, 0.5);
    assert.deepEqual([r.matched, r.onlyFirst, r.onlySecond], [2, 1, 2]);
    assert.equal(r.precision, 2 / 3);
    assert.equal(r.recall, 1 / 2);
    assert.equal(r.f1, 4 / 7);
  });
});
