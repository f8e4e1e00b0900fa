/**
 * Hand-computed verdicts. Where a case exists to catch float32/float16 rounding, the comment
 * gives the arithmetic; numpy 1.24 agrees with each (the oracle test covers many more).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { allclose, type AllcloseFailure } from '../../src/compare/allclose.js';
import { floatToHalf } from '../../src/tensor/dtype.js';
import type { Tensor } from '../../src/tensor/types.js';

const f32 = (v: number[], shape: number[] = [v.length]): Tensor => ({ dtype: 'float32', shape, data: Float32Array.from(v) });
const f16 = (v: number[]): Tensor => ({ dtype: 'float16', shape: [v.length], data: Uint16Array.from(v.map(floatToHalf)) });
const i32 = (v: number[]): Tensor => ({ dtype: 'int32', shape: [v.length], data: Int32Array.from(v) });
const i64 = (v: bigint[]): Tensor => ({ dtype: 'int64', shape: [v.length], data: BigInt64Array.from(v) });
const bool = (v: boolean[]): Tensor => ({ dtype: 'bool', shape: [v.length], data: Uint8Array.from(v.map(Number)) });
const SUB = 2 ** -149; // smallest float32 subnormal

interface Row {
  readonly label: string;
  readonly first: Tensor;
  readonly second: Tensor;
  readonly rtol: number;
  readonly atol: number;
  readonly passed: boolean;
  readonly failure: AllcloseFailure | null;
  readonly mismatched: number;
  readonly maxAbs?: number | null;
  readonly maxRel?: number | null;
}

const rows: Row[] = [
  { label: 'a=1, b=1+2^-23 with atol=2^-23: exactly at tolerance', first: f32([1]), second: f32([1 + 2 ** -23]), rtol: 0, atol: 2 ** -23, passed: true, failure: null, mismatched: 0 },
  { label: 'a=1, b=1+2^-22 with atol=2^-23: one ulp over', first: f32([1]), second: f32([1 + 2 ** -22]), rtol: 0, atol: 2 ** -23, passed: false, failure: 'values', mismatched: 1, maxAbs: 2 ** -22, maxRel: Math.fround(2 ** -22 / (1 + 2 ** -22)) },
  // float32(1.00000004e-5) = 1.0000000656873453e-5 > the float64 atol; numpy compares against the rounded one.
  { label: 'atol rounded up to float32 lets its own value pass', first: f32([0]), second: f32([1.0000000656873453e-5]), rtol: 0, atol: 1.00000004e-5, passed: true, failure: null, mismatched: 0 },
  { label: 'zeros in the reference: only atol counts', first: f32([0, 1e-5, 2e-5, -3e-5]), second: f32([0, 0, 0, 0]), rtol: 0.5, atol: 1.5e-5, passed: false, failure: 'values', mismatched: 2, maxAbs: Math.fround(3e-5), maxRel: Infinity },
  { label: 'negative zero equals zero', first: f32([-0, 0]), second: f32([0, -0]), rtol: 0, atol: 0, passed: true, failure: null, mismatched: 0 },
  { label: 'NaN equals NaN at the same position', first: f32([NaN, 1]), second: f32([NaN, 1]), rtol: 0, atol: 0, passed: true, failure: null, mismatched: 0 },
  { label: 'NaN against a number', first: f32([NaN, 1]), second: f32([1, 1]), rtol: 0, atol: 0, passed: false, failure: 'nan location', mismatched: 1, maxAbs: null },
  { label: 'nan check comes before the inf check', first: f32([NaN, Infinity]), second: f32([1, -Infinity]), rtol: 0, atol: 0, passed: false, failure: 'nan location', mismatched: 2 },
  { label: 'inf equals inf of the same sign', first: f32([Infinity, -Infinity]), second: f32([Infinity, -Infinity]), rtol: 0, atol: 0, passed: true, failure: null, mismatched: 0 },
  { label: 'inf against -inf', first: f32([Infinity]), second: f32([-Infinity]), rtol: 0, atol: 0, passed: false, failure: '+inf location', mismatched: 1 },
  { label: '-inf against a number', first: f32([-Infinity, 2]), second: f32([1, 2]), rtol: 0, atol: 0, passed: false, failure: '-inf location', mismatched: 1 },
  { label: 'finite values beside matched NaN still fail', first: f32([NaN, 1.5]), second: f32([NaN, 1]), rtol: 0, atol: 0.1, passed: false, failure: 'values', mismatched: 1, maxAbs: 0.5, maxRel: 0.5 },
  // 0.4·2^-148 = 0.8·2^-149 rounds (float32) to 2^-149 ≥ the diff 2^-149: passes; float64 would fail.
  { label: 'subnormal product rounds up in float32', first: f32([SUB]), second: f32([2 * SUB]), rtol: 0.4, atol: 0, passed: true, failure: null, mismatched: 0 },
  // 0.2·2^-148 = 0.4·2^-149 rounds to 0.
  { label: 'subnormal product rounds to zero in float32', first: f32([SUB]), second: f32([2 * SUB]), rtol: 0.2, atol: 0, passed: false, failure: 'values', mismatched: 1, maxAbs: SUB, maxRel: 0.5 },
  { label: 'float32 difference overflows to inf', first: f32([3e38]), second: f32([-3e38]), rtol: 0, atol: 1, passed: false, failure: 'values', mismatched: 1, maxAbs: Infinity, maxRel: Infinity },
  { label: 'empty tensors pass', first: f32([]), second: f32([]), rtol: 0, atol: 0, passed: true, failure: null, mismatched: 0 },
  { label: 'float16: a=1, b=1+2^-10, atol=2^-10', first: f16([1]), second: f16([1 + 2 ** -10]), rtol: 0, atol: 2 ** -10, passed: true, failure: null, mismatched: 0 },
  { label: 'float16: a=1, b=1+2^-10, atol=2^-11', first: f16([1]), second: f16([1 + 2 ** -10]), rtol: 0, atol: 2 ** -11, passed: false, failure: 'values', mismatched: 1, maxAbs: 2 ** -10, maxRel: 0.0009756088256835938 },
  { label: 'float16 vs float32 computes in float32', first: f16([1]), second: f32([1 + 2 ** -23]), rtol: 0, atol: 2 ** -23, passed: true, failure: null, mismatched: 0 },
  // int32 + float32 → float64: 16777217 is kept exactly, so the diff is 1 (float32 would make it 0).
  { label: 'int32 vs float32 computes in float64', first: i32([16777217]), second: f32([16777216]), rtol: 0, atol: 0.5, passed: false, failure: 'values', mismatched: 1, maxAbs: 1, maxRel: 1 / 16777216 },
  // Both sides become float64 (2^60+3 → 2^60) for the verdict; the printed difference is exact.
  { label: 'int64 beyond 2^53', first: i64([2n ** 60n]), second: i64([2n ** 60n + 3n]), rtol: 0, atol: 2, passed: true, failure: null, mismatched: 0 },
  { label: 'int64 beyond 2^53, failing', first: i64([2n ** 60n, 5n]), second: i64([2n ** 60n + 1024n, 5n]), rtol: 0, atol: 2, passed: false, failure: 'values', mismatched: 1, maxAbs: 1024, maxRel: 1024 / (2 ** 60 + 1024) },
  { label: 'bool vs bool', first: bool([true, false, true]), second: bool([false, false, true]), rtol: 0, atol: 0.5, passed: false, failure: 'values', mismatched: 1, maxAbs: 1, maxRel: 0 },
];

describe('allclose: numpy assert_allclose verdicts', () => {
  for (const r of rows) {
    test(r.label, () => {
      const got = allclose(r.first, r.second, { rtol: r.rtol, atol: r.atol });
      assert.equal(got.passed, r.passed, 'passed');
      assert.equal(got.failure, r.failure, 'failure');
      assert.equal(got.mismatched, r.mismatched, 'mismatched');
      assert.equal(got.problem, null);
      if (r.maxAbs !== undefined) assert.equal(got.numpyMaxAbs, r.maxAbs, 'max abs');
      if (r.maxRel !== undefined) assert.equal(got.numpyMaxRel, r.maxRel, 'max rel');
    });
  }
});

describe('allclose: shapes', () => {
  test('[1,1000] vs [1000] is compared flattened (our extension)', () => {
    const v = Array.from({ length: 1000 }, (_, i) => i / 7);
    const got = allclose(f32(v, [1, 1000]), f32(v, [1000]), { rtol: 0, atol: 0 });
    assert.equal(got.flattened, true);
    assert.equal(got.passed, true);
    assert.equal(got.total, 1000);
  });
  test('different element counts cannot be compared', () => {
    const got = allclose(f32([1, 2], [1, 2]), f32([1, 2, 3], [1, 3]), { rtol: 0, atol: 0 });
    assert.equal(got.passed, false);
    assert.equal(got.failure, 'shape');
    assert.equal(got.problem, 'shape mismatch: [1,2] vs [1,3]');
    assert.equal(got.scan, null);
  });
  test('data that does not fill its shape is reported, not read past', () => {
    const got = allclose({ dtype: 'float32', shape: [4], data: new Float32Array(3) }, f32([0, 0, 0, 0]), { rtol: 0, atol: 0 });
    assert.match(got.problem ?? '', /first output holds 3 elements but its shape \[4\] needs 4/);
  });
});
