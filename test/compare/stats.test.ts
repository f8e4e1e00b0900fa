import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { allclose } from '../../src/compare/allclose.js';
import { compareOutputs } from '../../src/compare/compare-outputs.js';
import type { OutputStats, Tolerance } from '../../src/compare/types.js';
import type { Tensor } from '../../src/tensor/types.js';

const f32 = (v: number[], shape: number[] = [v.length]): Tensor => ({ dtype: 'float32', shape, data: Float32Array.from(v) });

/** The float32 just below a positive float32 value. */
function floatBelow(v: number): number {
  const f = new Float32Array([v]);
  new Uint32Array(f.buffer)[0]! -= 1;
  return f[0]!;
}

function statsOf(a: Tensor, b: Tensor, tol: Tolerance): OutputStats {
  const r = compareOutputs(new Map([['y', a]]), new Map([['y', b]]), {
    tolerance: { default: tol, perOutput: new Map() },
    allowNonFinite: true,
  });
  return r.outputs[0]!.stats!;
}

describe('computeStats', () => {
  test('1..100 against zeros, shape [10,10]', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    const s = statsOf(f32(v, [10, 10]), f32(new Array(100).fill(0), [10, 10]), { rtol: 1e-3, atol: 1e-5 });
    assert.equal(s.maxAbs, 100);
    assert.equal(s.maxRel, Infinity); // every reference element is 0 and they differ
    assert.equal(s.meanAbs, 50.5);
    assert.equal(s.p99Abs, 99.01); // numpy: np.percentile(np.arange(1, 101.), 99)
    assert.deepEqual(s.worst, { index: [9, 9], first: 100, second: 0, absDiff: 100 });
    assert.equal(s.maxAbsViolations, 100);
    assert.equal(s.maxRelViolations, Infinity);
    assert.equal(s.minAtol, 100);
    assert.equal(s.minRtol, Infinity);
    assert.equal(s.cosine, null); // zero norm
  });

  test('violation figures differ from the overall ones', () => {
    // Element 1 passes (d≈0.1, rel≈0.1); element 2 fails (d≈0.3, rel≈0.031): overall maxRel comes from the passing one.
    const a = f32([1, 1.1, 10]);
    const b = f32([1, 1, 9.7]);
    const s = statsOf(a, b, { rtol: 0, atol: 0.2 });
    const d1 = Math.fround(Math.fround(1.1) - 1);
    const d2 = Math.fround(10 - Math.fround(9.7));
    assert.equal(s.maxAbs, d2);
    assert.equal(s.maxRel, d1);
    assert.equal(s.maxAbsViolations, d2);
    assert.equal(s.maxRelViolations, Math.fround(d2 / Math.fround(9.7)));
    assert.deepEqual(s.worst?.index, [2]);
  });

  test('identical outputs: all zero, cosine 1, nothing needed', () => {
    const s = statsOf(f32([1, 2, 3]), f32([1, 2, 3]), { rtol: 1e-3, atol: 1e-5 });
    assert.equal(s.maxAbs, 0);
    assert.equal(s.maxRel, 0);
    assert.equal(s.maxAbsViolations, null);
    assert.equal(s.maxRelViolations, null);
    assert.equal(s.minAtol, 0);
    assert.equal(s.minRtol, 0);
    assert.equal(s.cosine, 1);
  });

  test('cosine of orthogonal and parallel vectors', () => {
    assert.equal(statsOf(f32([1, 0]), f32([0, 1]), { rtol: 0, atol: 0 }).cosine, 0);
    const c = statsOf(f32([1, 2, 3]), f32([2, 4, 6]), { rtol: 0, atol: 0 }).cosine!;
    assert.ok(Math.abs(c - 1) < 1e-15);
  });

  test('NaN and inf: figures over finite pairs only; min tolerances infinite on a location mismatch', () => {
    const s = statsOf(f32([NaN, 1, Infinity, 2]), f32([NaN, 1.5, Infinity, NaN]), { rtol: 0, atol: 0 });
    assert.equal(s.maxAbs, 0.5);
    assert.equal(s.meanAbs, 0.5);
    assert.deepEqual(s.worst, { index: [1], first: 1, second: 1.5, absDiff: 0.5 });
    assert.equal(s.minAtol, Infinity);
    assert.equal(s.minRtol, Infinity);
    assert.equal(s.cosine, null);
  });

  test('empty outputs', () => {
    const s = statsOf(f32([]), f32([]), { rtol: 0, atol: 0 });
    assert.deepEqual(s, { maxAbs: 0, maxRel: 0, maxAbsViolations: null, maxRelViolations: null, meanAbs: 0, p99Abs: 0, worst: null, minAtol: 0, minRtol: 0, cosine: null });
  });

  test('flattened comparison reports the flat index', () => {
    const s = statsOf(f32([0, 0, 5, 0], [2, 2]), f32([0, 0, 0, 0], [4]), { rtol: 0, atol: 0 });
    assert.deepEqual(s.worst?.index, [2]);
  });
});

describe('minimum tolerances respect float32 rounding', () => {
  test('minAtol below the exact need, because atol + rtol·|b| rounds up', () => {
    // a = 2 + 2^-22, b = 1, rtol = 1: d = 1 + 2^-22, rtol term = 1. fl32(A + 1) ≥ 1 + 2^-22 holds from
    // A = 1.5·2^-23 (the tie rounds to the even 1 + 2^-22), below the exact d − t = 2^-22.
    const a = f32([2 + 2 ** -22]);
    const b = f32([1]);
    const s = statsOf(a, b, { rtol: 1, atol: 0 });
    assert.equal(s.minAtol, 3 * 2 ** -24);
    assert.equal(allclose(a, b, { rtol: 1, atol: s.minAtol }).passed, true);
    assert.equal(allclose(a, b, { rtol: 1, atol: floatBelow(3 * 2 ** -24) }).passed, false);
  });
  test('minRtol exact: b=2, a=2.5, atol=0 needs 0.25', () => {
    const s = statsOf(f32([2.5]), f32([2]), { rtol: 0, atol: 0 });
    assert.equal(s.minRtol, 0.25);
    assert.equal(s.minAtol, 0.5);
  });
  test('minRtol is Infinity when b=0 and the diff exceeds atol', () => {
    const s = statsOf(f32([1, 2]), f32([0, 2]), { rtol: 0, atol: 0.5 });
    assert.equal(s.minRtol, Infinity);
    assert.equal(s.minAtol, 1);
  });
  test('random float32 pairs: re-running with the reported values passes, the float below fails', () => {
    let seed = 99;
    const rand = (): number => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    for (let trial = 0; trial < 40; trial++) {
      const n = 50;
      const b = Array.from({ length: n }, () => (rand() - 0.5) * 10);
      const a = b.map((x) => x * (1 + (rand() - 0.5) * 1e-2) + (rand() - 0.5) * 1e-4);
      const A = f32(a), B = f32(b);
      const tol = { rtol: 1e-3, atol: 1e-5 };
      const s = statsOf(A, B, tol);
      assert.equal(allclose(A, B, { rtol: tol.rtol, atol: s.minAtol }).passed, true);
      if (s.minAtol > 0) assert.equal(allclose(A, B, { rtol: tol.rtol, atol: floatBelow(s.minAtol) }).passed, false);
      assert.equal(allclose(A, B, { rtol: s.minRtol, atol: tol.atol }).passed, true);
      if (s.minRtol > 0) assert.equal(allclose(A, B, { rtol: floatBelow(s.minRtol), atol: tol.atol }).passed, false);
    }
  });
});
