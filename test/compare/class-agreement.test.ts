import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { classAgreement } from '../../src/compare/class-agreement.js';
import { operandOf } from '../../src/compare/operand.js';

const op = (v: number[]) => operandOf({ dtype: 'float32', data: Float32Array.from(v) });

describe('classAgreement', () => {
  test('two rows of six classes, by hand', () => {
    // Row 0: first ranks 5,4,3,2,1 (values 0..5 ascending), second swaps classes 5 and 0 → top-1 differs,
    //        top-5 of second = {0,4,3,2,1}: overlap {4,3,2,1} = 4/5.
    // Row 1: identical → top-1 agrees, overlap 5/5.
    const a = op([0, 1, 2, 3, 4, 5, 9, 8, 7, 6, 5, 4]);
    const b = op([5, 1, 2, 3, 4, 0, 9, 8, 7, 6, 5, 4]);
    assert.deepEqual(classAgreement(a, b, [2, 6]), { rows: 2, top1Agree: 1, top5Overlap: (0.8 + 1) / 2, k: 5 });
  });
  test('k is the class count when fewer than 5', () => {
    assert.deepEqual(classAgreement(op([1, 2, 3]), op([3, 2, 1]), [1, 3]), { rows: 1, top1Agree: 0, top5Overlap: 1, k: 3 });
  });
  test('ties go to the lower index, NaN ranks first (numpy argmax)', () => {
    assert.equal(classAgreement(op([1, 1]), op([0.5, 0.5]), [1, 2])!.top1Agree, 1);
    assert.equal(classAgreement(op([1, NaN, 5]), op([1, 2, 5]), [1, 3])!.top1Agree, 0);
    assert.equal(classAgreement(op([NaN, NaN]), op([2, 1]), [1, 2])!.top1Agree, 1);
  });
  test('null for a last axis below 2, a scalar, or no rows', () => {
    assert.equal(classAgreement(op([1, 2]), op([1, 2]), [2, 1]), null);
    assert.equal(classAgreement(op([1]), op([1]), []), null);
    assert.equal(classAgreement(op([]), op([]), [0, 4]), null);
  });
});
