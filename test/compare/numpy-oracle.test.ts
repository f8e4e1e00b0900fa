/**
 * Our verdicts against numpy 1.24's, case by case (fixtures/oracle, see its README).
 * Every figure must agree exactly: pass/fail, which check failed, the mismatch count, and
 * the printed maximum absolute and relative differences.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { allclose } from '../../src/compare/allclose.js';
import { compareOutputs } from '../../src/compare/compare-outputs.js';
import { floatToHalf, halfToFloat } from '../../src/tensor/dtype.js';
import { loadOracle, oracleNumber, oracleTensor } from './oracle-fixtures.js';

const oracle = loadOracle();

describe(`numpy ${oracle.numpy} assert_allclose oracle`, () => {
  test('the fixture has the cases it promises', () => {
    assert.ok(oracle.cases.length >= 60);
    // Cases where float64 arithmetic would count differently: the precision model is exercised.
    assert.ok(oracle.cases.filter((c) => c.f64_mismatched !== c.mismatched && c.failure === 'values').length >= 3);
  });

  for (const c of oracle.cases) {
    test(c.name, () => {
      const first = oracleTensor(c.first.file);
      const second = oracleTensor(c.second.file);
      const tol = { rtol: c.rtol, atol: c.atol };
      const r = allclose(first, second, tol);
      if (c.failure === 'shape') {
        // Our documented extension: equal element counts are compared flattened.
        assert.equal(r.flattened, true);
        assert.equal(r.problem, null);
        assert.equal(r.mismatched, c.mismatched);
        return;
      }
      assert.equal(r.passed, c.passed, 'verdict');
      assert.equal(r.failure, c.failure, 'failed check');
      assert.equal(r.mismatched, c.mismatched, 'mismatched');
      assert.equal(r.total, c.total, 'total');
      if (c.numpyPrintsFigures) {
        assert.equal(r.numpyMaxAbs, oracleNumber(c.maxAbs), 'max abs');
        assert.equal(r.numpyMaxRel, oracleNumber(c.maxRel), 'max rel');
      } else if (c.failure === 'values') {
        // numpy prints no figures for bool - bool (TypeError); ours are the 0/1 differences.
        assert.equal(c.first.dtype, 'bool');
        assert.equal(r.numpyMaxAbs, 1);
      } else {
        assert.equal(r.numpyMaxAbs, null);
      }
    });
  }
});

describe('reported minimum tolerances re-run against the oracle data', () => {
  for (const c of oracle.cases) {
    test(c.name, () => {
      const first = oracleTensor(c.first.file);
      const second = oracleTensor(c.second.file);
      const tolerance = { default: { rtol: c.rtol, atol: c.atol }, perOutput: new Map() };
      const out = compareOutputs(new Map([['y', first]]), new Map([['y', second]]), { tolerance, allowNonFinite: true }).outputs[0]!;
      const stats = out.stats!;
      assert.ok(stats !== null);
      if (c.numpyPrintsFigures) assert.equal(stats.maxAbs, oracleNumber(c.maxAbs));
      for (const [key, tol] of [
        ['minAtol', { rtol: c.rtol, atol: stats.minAtol }],
        ['minRtol', { rtol: stats.minRtol, atol: c.atol }],
      ] as const) {
        const value = key === 'minAtol' ? stats.minAtol : stats.minRtol;
        if (!Number.isFinite(value)) {
          assert.equal(out.allclosePassed, false, `${key} is Infinity only for a failing pair`);
          continue;
        }
        assert.equal(allclose(first, second, tol).passed, true, `${key}=${value} passes`);
        if (value > 0) {
          // The float just below (in the grid numpy rounds the tolerance to) must fail.
          const below = { ...tol, [key === 'minAtol' ? 'atol' : 'rtol']: previousGridValue(value, second.dtype) };
          assert.equal(allclose(first, second, below).passed, false, `${key} just below ${value} fails`);
        }
      }
    });
  }
});

/** The largest value below v on the float16/float32 grid numpy computes the tolerance in (float64 for integer references). */
function previousGridValue(v: number, second: string): number {
  if (second === 'float16' && v < 65000) return halfToFloat(floatToHalf(v) - 1);
  if (second === 'float32' || second === 'float16' || second === 'bfloat16') {
    const f = new Float32Array([v]);
    const u = new Uint32Array(f.buffer);
    u[0] = u[0]! - 1;
    return f[0]!;
  }
  const d = new Float64Array([v]);
  const u = new BigUint64Array(d.buffer);
  u[0] = u[0]! - 1n;
  return d[0]!;
}
