import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { operandOf } from '../../src/compare/operand.js';
import { classifyItem, summarizeClassify } from '../../src/tasks/classify.js';

const op = (v: number[]) => operandOf({ dtype: 'float32', data: Float32Array.from(v) });
const near = (a: number | null, b: number, what: string) => assert.ok(a !== null && Math.abs(a - b) < 1e-6, `${what}: ${a} vs ${b}`);

describe('classifyItem (hand values)', () => {
  test('logits that flip: softmax [2,1,0] = [0.665241, 0.244728, 0.090031]', () => {
    const it = classifyItem('logits', op([2, 1, 0]), op([1, 2, 0]), [1, 3]);
    assert.equal(it.probabilities, false);
    const r = it.rows[0]!;
    assert.deepEqual([r.firstTop1, r.secondTop1, r.agree, r.top5Common, r.k, r.referenceRankInFirst], [0, 1, false, 3, 3, 2]);
    near(r.maxSoftmaxDelta, 0.665241 - 0.244728, 'delta');
    near(r.firstMargin, 0.420513, 'first margin');
    near(r.secondMargin, 0.420513, 'second margin');
  });
  test('rows that already are probabilities are not softmaxed again', () => {
    const it = classifyItem('probs', op([0.7, 0.2, 0.1, 0.1, 0.1, 0.8]), op([0.6, 0.3, 0.1, 0.1, 0.2, 0.7]), [2, 3]);
    assert.equal(it.probabilities, true);
    near(it.rows[0]!.maxSoftmaxDelta, 0.1, 'delta');
    near(it.rows[0]!.firstMargin, 0.5, 'margin');
    near(it.rows[0]!.secondMargin, 0.3, 'margin');
    assert.deepEqual(it.rows.map((r) => r.agree), [true, true]);
    assert.deepEqual(it.rows.map((r) => r.referenceRankInFirst), [1, 1]);
  });
  test('top-5 overlap and the reference rank with many classes', () => {
    // first ranks 9,8,7,6,5,4,...; second's top-1 is class 3 (rank 7 in first), its top 5 = 3,9,8,7,6.
    const first = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const second = [0, 1, 2, 20, 4, 5, 6, 7, 8, 9];
    const r = classifyItem('logits', op(first), op(second), [1, 10]).rows[0]!;
    assert.deepEqual([r.top5Common, r.k, r.referenceRankInFirst, r.agree], [4, 5, 7, false]);
  });
  test('NaN: ranked first (numpy argmax), softmax figures null rather than NaN', () => {
    const r = classifyItem('logits', op([1, NaN, 0]), op([1, 2, 0]), [1, 3]).rows[0]!;
    assert.equal(r.firstTop1, 1);
    assert.equal(r.agree, true);
    assert.equal(r.maxSoftmaxDelta, null);
    assert.equal(r.firstMargin, null);
    assert.notEqual(r.secondMargin, null);
  });
});

describe('summarizeClassify', () => {
  test('rate, Wilson interval, flips with names; rows of every input count', () => {
    const a = classifyItem('logits', op([2, 1, 0]), op([1, 2, 0]), [1, 3]);
    const b = classifyItem('logits', op([0, 1, 5, 0, 1, 5]), op([0, 1, 4, 0, 1, 4]), [2, 3]);
    const s = summarizeClassify([{ key: 'a.jpg', item: a }, { key: 'b.jpg', item: b }], new Map([[0, 'cat'], [1, 'dog']]));
    assert.deepEqual([s.rows, s.agree, s.worstReferenceRank], [3, 2, 2]);
    assert.equal(s.rate, 2 / 3);
    // statsmodels proportion_confint(2, 3, method='wilson') = (0.2076596, 0.9385081).
    near(s.interval.low, 0.2076596, 'low');
    near(s.interval.high, 0.9385081, 'high');
    assert.equal(s.flips.length, 1);
    assert.deepEqual(s.flips[0], { key: 'a.jpg', row: 0, firstLabel: 0, secondLabel: 1, firstName: 'cat', secondName: 'dog', firstMargin: a.rows[0]!.firstMargin, secondMargin: a.rows[0]!.secondMargin });
  });
  test('no rows: rate 1, interval [0, 1], no NaN', () => {
    const s = summarizeClassify([]);
    assert.deepEqual([s.rows, s.rate, s.interval.low, s.interval.high, s.meanTop5Overlap, s.maxSoftmaxDelta], [0, 1, 0, 1, 1, null]);
  });
});
