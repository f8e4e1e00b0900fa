import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { latencyStats, percentileOfSorted } from '../../src/bench/stats.js';

describe('latencyStats (trtexec rules, hand-computed)', () => {
  test('1..10: median 5.5, p90 9, p95 10, p99 10, population std', () => {
    const s = latencyStats([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    assert.equal(s.count, 10);
    assert.equal(s.min, 1);
    assert.equal(s.max, 10);
    assert.equal(s.mean, 5.5);
    assert.equal(s.median, 5.5);
    // float32 as trtexec: (1 - 0.9f) * 10 = 1.00000024 -> exclude 1 -> sorted[10-1-1] = sorted[8] = 9
    assert.equal(s.p90, 9);
    // exclude = floor(0.05*10) = 0 -> sorted[9] = 10
    assert.equal(s.p95, 10);
    assert.equal(s.p99, 10);
    // population variance of 1..10 = (n^2-1)/12 = 99/12 = 8.25
    assert.equal(s.std, Math.sqrt(8.25));
    assert.equal(s.cvPercent, (Math.sqrt(8.25) / 5.5) * 100);
  });

  test('odd count: the middle sample is the median', () => {
    const s = latencyStats([3, 1, 2]);
    assert.equal(s.median, 2);
    assert.equal(s.std, Math.sqrt(2 / 3));
  });

  test('float32 rounding as in trtexec: p99 of 100 samples is the largest, p90 of 10 the 9th', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    // float32: 99/100 = 0.99000001, 1 - that = 0.0099999905, x100 = 0.99999905 -> exclude 0 -> sorted[99]
    assert.equal(percentileOfSorted(sorted, 99), 100);
    // float32: 1 - 0.9f = 0.100000024, x100 = 10.0000024 -> exclude 10 -> sorted[89] = 90
    assert.equal(percentileOfSorted(sorted, 90), 90);
    assert.equal(percentileOfSorted(sorted, 50), 50);
    assert.equal(percentileOfSorted(sorted, 0), 1);
    assert.equal(percentileOfSorted(sorted, 100), 100);
  });

  test('constant samples: std 0, cv 0; zero mean: cv infinite; empty: NaN', () => {
    assert.equal(latencyStats([2, 2, 2]).cvPercent, 0);
    assert.equal(latencyStats([0, 0]).cvPercent, Infinity);
    assert.ok(Number.isNaN(latencyStats([]).median));
  });

  test('percentile outside [0,100] is refused', () => {
    assert.throws(() => percentileOfSorted([1], 101), RangeError);
  });
});
