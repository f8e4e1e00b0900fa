import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { percentileLinear, selectInPlace } from '../../src/compare/percentile.js';

// Expected values printed by numpy 1.24.2: repr(np.percentile(a, 99)).
describe('percentileLinear matches np.percentile(a, 99)', () => {
  const cases: Array<[string, number[], number]> = [
    ['1..100', Array.from({ length: 100 }, (_, i) => i + 1), 99.01],
    ['[0.5, 0.25, 3.0]', [0.5, 0.25, 3.0], 2.95],
    ['(9..0)^2', Array.from({ length: 10 }, (_, i) => (9 - i) ** 2), 79.47],
    ['single element', [7], 7],
  ];
  for (const [label, values, expected] of cases) {
    test(label, () => assert.equal(percentileLinear(Float64Array.from(values), 99), expected));
  }
  test('median of an even count: lerp at gamma 0.5', () => assert.equal(percentileLinear(Float64Array.from([4, 1, 3, 2]), 50), 2.5));
  test('empty is NaN', () => assert.ok(Number.isNaN(percentileLinear(new Float64Array(0), 99))));
});

describe('selectInPlace', () => {
  test('puts the k-th smallest at k on random, sorted, reversed and constant input', () => {
    let seed = 7;
    const rand = (): number => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    const inputs = [
      Array.from({ length: 1001 }, () => Math.floor(rand() * 50)),
      Array.from({ length: 500 }, (_, i) => i),
      Array.from({ length: 500 }, (_, i) => 500 - i),
      Array.from({ length: 300 }, () => 3),
    ];
    for (const input of inputs) {
      const sorted = [...input].sort((a, b) => a - b);
      for (const k of [0, 1, Math.floor(input.length / 2), input.length - 2, input.length - 1]) {
        const a = Float32Array.from(input);
        selectInPlace(a, k);
        assert.equal(a[k], sorted[k]);
        for (let i = 0; i < k; i++) assert.ok(a[i]! <= a[k]!);
        for (let i = k + 1; i < a.length; i++) assert.ok(a[i]! >= a[k]!);
      }
    }
  });
});
