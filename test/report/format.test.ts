import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseToleranceSpec } from '../../src/compare/tolerance.js';
import { colors, fmtMs, fmtNum, fmtPercent, fmtTol, fmtValue, pad, table } from '../../src/report/format.js';

describe('fmtNum', () => {
  test('missing and non-finite values', () => {
    assert.deepEqual([null, undefined, NaN, Infinity, -Infinity].map(fmtNum), ['-', '-', 'nan', 'inf', '-inf']);
  });
  test('zero of either sign is "0"', () => {
    assert.equal(fmtNum(0), '0');
    assert.equal(fmtNum(-0), '0');
  });
  test('four significant digits in [1e-3, 1e5), exponent form outside', () => {
    assert.equal(fmtNum(0.001234567), '0.001235');
    assert.equal(fmtNum(0.001), '0.001');
    assert.equal(fmtNum(0.5), '0.5');
    assert.equal(fmtNum(-3.14172), '-3.142');
    assert.equal(fmtNum(12345.678), '12350');
    assert.equal(fmtNum(99999), '100000', 'four digits: 99999 rounds up');
    assert.equal(fmtNum(1e5), '1.00e+5');
    assert.equal(fmtNum(0.000999), '9.99e-4');
    assert.equal(fmtNum(1.23456e-6), '1.23e-6');
    assert.equal(fmtNum(-2.5e-8), '-2.50e-8');
  });
});

describe('fmtValue', () => {
  test('seven significant digits, so near values stay apart', () => {
    assert.equal(fmtValue(Math.fround(100.4931)), '100.4931');
    assert.equal(fmtValue(100.5), '100.5');
    assert.equal(fmtValue(-0.000123456789), '-0.0001234568');
    assert.equal(fmtValue(NaN), 'nan');
    assert.equal(fmtValue(-Infinity), '-inf');
  });
});

describe('fmtTol', () => {
  test('typed-back forms', () => {
    assert.equal(fmtTol(0), '0');
    assert.equal(fmtTol(1e-5), '1e-5');
    assert.equal(fmtTol(0.001), '0.001');
    assert.equal(fmtTol(0.5), '0.5');
    assert.equal(fmtTol(99999), '99999');
    assert.equal(fmtTol(1e5), '1e+5');
    assert.equal(fmtTol(Infinity), 'inf');
    assert.equal(fmtTol(0.007599943783134222), '0.007599943783134222');
    assert.equal(fmtTol(1.9969760614912957e-4), '1.9969760614912957e-4');
  });

  test('every printed value parses back, through --atol, to the same double', () => {
    // A fixed sweep over magnitudes and awkward mantissas (float32 values widened, thirds, ulps).
    const values: number[] = [];
    for (let e = -12; e <= 8; e++) {
      for (const m of [1, 1 / 3, 0.1, Math.fround(0.1), 0.7 + Number.EPSILON, Math.PI, 9.999999]) values.push(m * 10 ** e);
    }
    values.push(Number.MIN_VALUE, 5e-324 * 3, 1.7976931348623157e308);
    for (const v of values) {
      const text = fmtTol(v);
      assert.equal(parseToleranceSpec({ atol: [text] }).default.atol, v, `${v} printed as ${text}`);
      assert.equal(parseToleranceSpec({ rtol: [`logits:${text}`] }).perOutput.get('logits')?.rtol, v);
    }
  });
});

describe('fmtPercent', () => {
  test('edge cases', () => {
    assert.equal(fmtPercent(0, 0), '0%', 'nothing out of nothing');
    assert.equal(fmtPercent(0, 10), '0%');
    assert.equal(fmtPercent(1, 100_001), '<0.01%');
    assert.equal(fmtPercent(1, 10_000), '0.01%');
    assert.equal(fmtPercent(1, 3), '33.3%');
    assert.equal(fmtPercent(2, 3), '66.7%');
    assert.equal(fmtPercent(393, 1000), '39.3%');
    assert.equal(fmtPercent(1206, 4000), '30.1%');
    assert.equal(fmtPercent(5, 5), '100%');
  });
});

describe('fmtMs', () => {
  test('units switch at 1 ms and 100 ms', () => {
    assert.equal(fmtMs(null), '-');
    assert.equal(fmtMs(0.5505), '550.5 µs');
    assert.equal(fmtMs(1), '1.00 ms');
    assert.equal(fmtMs(12.3456), '12.35 ms');
    assert.equal(fmtMs(99.994), '99.99 ms');
    assert.equal(fmtMs(100), '100 ms');
    assert.equal(fmtMs(1234.4), '1234 ms');
  });
});

describe('pad, table, colors', () => {
  test('widths ignore ANSI codes', () => {
    const c = colors(true);
    assert.equal(pad(c.red('ab'), 4), '\x1b[31mab\x1b[39m  ');
    assert.equal(pad('ab', 4, 'right'), '  ab');
    assert.deepEqual(table([['x', c.green('PASS')], ['long', '1']], ['left', 'right'], '> '), ['> x     \x1b[32mPASS\x1b[39m', '> long     1']);
  });
  test('colour off is the identity', () => {
    const c = colors(false);
    assert.deepEqual([c.green('a'), c.red('a'), c.yellow('a'), c.dim('a'), c.bold('a')], ['a', 'a', 'a', 'a', 'a']);
  });
});

describe('issue 13: suggested tolerances and cosine digits', () => {
  test('a suggested tolerance has 3 significant digits, rounded up, never below the exact figure', async () => {
    const { fmtSuggestedTol } = await import('../../src/report/format.js');
    // Hand: 1.2301e-7 -> 1.24e-7 (up, not 1.23e-7); 0.0069 -> 0.0069; 0.00690001 -> 0.00691; 123456 -> 1.24e5.
    assert.equal(fmtSuggestedTol(1.2301e-7), '1.24e-7');
    assert.equal(fmtSuggestedTol(0.0069), '0.0069');
    assert.equal(fmtSuggestedTol(0.00690001), '0.00691');
    assert.equal(fmtSuggestedTol(123456), '1.24e+5');
    assert.equal(fmtSuggestedTol(0), '0');
    assert.equal(fmtSuggestedTol(Infinity), 'inf');
    for (const x of [1e-9, 3.3333333e-5, 0.1 + 0.2, 7.000000000000001, 2 ** -30]) assert.ok(Number(fmtSuggestedTol(x)) >= x, String(x));
  });

  test('the cosine tells 0.99999978 from 1', async () => {
    const { fmtCosine } = await import('../../src/report/format.js');
    assert.equal(fmtCosine(1), '1');
    assert.equal(fmtCosine(0.99999978), '0.9999998');
    assert.equal(fmtCosine(0.997409), '0.997409');
    assert.equal(fmtCosine(1 - 1e-12), '0.999999999999');
    assert.notEqual(fmtCosine(0.9999999999999998), '1');
  });
});
