import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { floatToHalf, halfToFloat } from '../../src/tensor/dtype.js';
import type { DType } from '../../src/tensor/types.js';
import {
  diffPrecision,
  errorPrecision,
  referencePrecision,
  roundToHalf,
  scalarPrecision,
  tolerancePlan,
} from '../../src/compare/precision.js';

describe('roundToHalf', () => {
  test('every finite half is a fixed point', () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = halfToFloat(h);
      if (!Number.isFinite(v)) continue;
      assert.equal(roundToHalf(v), v, `bits ${h.toString(16)}`);
    }
  });
  test('midpoints round to even, and just off them to the nearer side', () => {
    for (let h = 0; h < 0x7bff; h++) {
      const lo = halfToFloat(h);
      const hi = halfToFloat(h + 1);
      const mid = (lo + hi) / 2;
      const even = (h & 1) === 0 ? lo : hi;
      assert.equal(roundToHalf(mid), even, `midpoint above ${h.toString(16)}`);
      assert.equal(roundToHalf(-mid), -even);
      const span = hi - lo;
      assert.equal(roundToHalf(mid - span / 1024), lo);
      assert.equal(roundToHalf(mid + span / 1024), hi);
    }
  });
  test('agrees with floatToHalf (the shared encoder) on random doubles', () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < 20000; i++) {
      const x = (rand() - 0.5) * 2 ** Math.floor(rand() * 44 - 28);
      assert.equal(roundToHalf(x), halfToFloat(floatToHalf(x)), String(x));
    }
  });
  test('overflow, specials and the largest half', () => {
    assert.equal(roundToHalf(65504), 65504);
    assert.equal(roundToHalf(65519.99), 65504);
    assert.equal(roundToHalf(65520), Infinity); // halfway to 2^16 rounds to even: infinity
    assert.equal(roundToHalf(-1e6), -Infinity);
    assert.equal(roundToHalf(Infinity), Infinity);
    assert.ok(Number.isNaN(roundToHalf(NaN)));
    assert.equal(roundToHalf(2 ** -25), 0); // half the smallest subnormal: ties to even (0)
    assert.equal(roundToHalf(2 ** -25 * 1.0001), 2 ** -24);
    assert.equal(roundToHalf(1e-5), 1.0013580322265625e-5); // 168 · 2^-24, as np.float16(1e-5)
  });
});

// Each row below is `np.result_type` as numpy 1.24.2 prints it (see precision.ts's table).
describe('numpy 1.24 promotion', () => {
  const dtypes: DType[] = ['float16', 'float32', 'int8', 'uint8', 'int32', 'int64', 'bool'];
  // result_type(x, result_type(y, 1.)), i.e. the type isclose subtracts in.
  const isclose: Record<string, string[]> = {
    float16: ['float16', 'float32', 'float64', 'float64', 'float64', 'float64', 'float64'],
    float32: ['float32', 'float32', 'float64', 'float64', 'float64', 'float64', 'float64'],
    int8: ['float16', 'float32', 'float64', 'float64', 'float64', 'float64', 'float64'],
    uint8: ['float16', 'float32', 'float64', 'float64', 'float64', 'float64', 'float64'],
    int32: ['float64', 'float64', 'float64', 'float64', 'float64', 'float64', 'float64'],
    int64: ['float64', 'float64', 'float64', 'float64', 'float64', 'float64', 'float64'],
    bool: ['float16', 'float32', 'float64', 'float64', 'float64', 'float64', 'float64'],
  };
  // result_type(x, y) with numpy's integer results collapsed to 'integer'.
  const error: Record<string, string[]> = {
    float16: ['float16', 'float32', 'float16', 'float16', 'float64', 'float64', 'float16'],
    float32: ['float32', 'float32', 'float32', 'float32', 'float64', 'float64', 'float32'],
    int8: ['float16', 'float32', 'integer', 'integer', 'integer', 'integer', 'integer'],
    uint8: ['float16', 'float32', 'integer', 'integer', 'integer', 'integer', 'integer'],
    int32: ['float64', 'float64', 'integer', 'integer', 'integer', 'integer', 'integer'],
    int64: ['float64', 'float64', 'integer', 'integer', 'integer', 'integer', 'integer'],
    bool: ['float16', 'float32', 'integer', 'integer', 'integer', 'integer', 'integer'],
  };
  for (const x of dtypes) {
    test(`${x} against every dtype`, () => {
      assert.deepEqual(dtypes.map((y) => diffPrecision(x, y)), isclose[x]);
      assert.deepEqual(dtypes.map((y) => errorPrecision(x, y)), error[x]);
    });
  }
  test('bfloat16 behaves as float32', () => {
    for (const y of dtypes) {
      assert.equal(diffPrecision('bfloat16', y), diffPrecision('float32', y));
      assert.equal(errorPrecision(y, 'bfloat16'), errorPrecision(y, 'float32'));
    }
    assert.equal(referencePrecision('bfloat16'), 'float32');
  });
  test('value-based casting of Python-float tolerances', () => {
    // (64999.0 * float16 array).dtype is float16, 65000.0 gives float32, 3.4e38 gives float64.
    assert.equal(scalarPrecision(64999), 'float16');
    assert.equal(scalarPrecision(65000), 'float32');
    assert.equal(scalarPrecision(3.3e38), 'float32');
    assert.equal(scalarPrecision(3.4e38), 'float64');
    assert.deepEqual(tolerancePlan('float32', 1e-3, 1e-5), { product: 'float32', sum: 'float32', rtol: Math.fround(1e-3), atol: Math.fround(1e-5) });
    assert.deepEqual(tolerancePlan('float16', 1e-3, 1e-5), { product: 'float16', sum: 'float16', rtol: halfToFloat(floatToHalf(1e-3)), atol: 1.0013580322265625e-5 });
    assert.deepEqual(tolerancePlan('float16', 1e-3, 1e5), { product: 'float16', sum: 'float32', rtol: halfToFloat(floatToHalf(1e-3)), atol: 1e5 });
    assert.deepEqual(tolerancePlan('int32', 0.1, 0.2), { product: 'float64', sum: 'float64', rtol: 0.1, atol: 0.2 });
  });
});
