import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/errors.js';
import { DEFAULT_TOLERANCE, parseToleranceSpec, resolveTolerance, unmatchedToleranceNames } from '../../src/compare/tolerance.js';

describe('parseToleranceSpec', () => {
  test('defaults are numpy-style rtol=1e-3, atol=1e-5', () => {
    const spec = parseToleranceSpec({});
    assert.deepEqual(spec.default, { rtol: 1e-3, atol: 1e-5 });
    assert.deepEqual(DEFAULT_TOLERANCE, { rtol: 1e-3, atol: 1e-5 });
    assert.equal(spec.perOutput.size, 0);
  });

  const good: Array<[string, { atol?: string[]; rtol?: string[] }, { rtol: number; atol: number }, Array<[string, object]>]> = [
    ['bare atol', { atol: ['1e-4'] }, { rtol: 1e-3, atol: 1e-4 }, []],
    ['bare rtol and atol', { atol: ['0'], rtol: ['.5'] }, { rtol: 0.5, atol: 0 }, []],
    ['named atol', { atol: ['logits:1e-3'] }, { rtol: 1e-3, atol: 1e-5 }, [['logits', { atol: 1e-3 }]]],
    ['named both', { atol: ['a:1'], rtol: ['a:2'] }, { rtol: 1e-3, atol: 1e-5 }, [['a', { atol: 1, rtol: 2 }]]],
    ['name containing colons', { atol: ['model:out:0:1e-2'] }, { rtol: 1e-3, atol: 1e-5 }, [['model:out:0', { atol: 1e-2 }]]],
    ['default and named mixed', { atol: ['2e-5', 'x:3'] }, { rtol: 1e-3, atol: 2e-5 }, [['x', { atol: 3 }]]],
    ['plus sign and exponent', { rtol: ['+1E+0'] }, { rtol: 1, atol: 1e-5 }, []],
  ];
  for (const [label, input, def, per] of good) {
    test(label, () => {
      const spec = parseToleranceSpec(input);
      assert.deepEqual(spec.default, def);
      assert.deepEqual([...spec.perOutput.entries()], per);
    });
  }

  const bad: Array<[string, { atol?: string[]; rtol?: string[] }, RegExp]> = [
    ['negative', { atol: ['-1e-4'] }, /Expected a finite number ≥ 0 for --atol but received '-1e-4'/],
    ['negative named', { rtol: ['x:-1'] }, /for --rtol x but received 'x:-1'/],
    ['NaN', { atol: ['NaN'] }, /Expected a number or NAME:NUMBER for --atol but received 'NaN'/],
    ['word', { rtol: ['tight'] }, /received 'tight'/],
    ['empty', { atol: [''] }, /received ''/],
    ['hex', { atol: ['0x10'] }, /received '0x10'/],
    ['Infinity', { atol: ['Infinity'] }, /received 'Infinity'/],
    ['overflow to infinity', { atol: ['1e999'] }, /finite number ≥ 0/],
    ['empty name', { atol: [':1e-3'] }, /received ':1e-3'/],
    ['name without number', { atol: ['logits:'] }, /received 'logits:'/],
    ['name with non-number', { atol: ['a:b'] }, /received 'a:b'/],
    ['default twice', { atol: ['1', '2'] }, /--atol given twice without an output name/],
    ['output twice', { rtol: ['x:1', 'x:2'] }, /--rtol given twice for output 'x'/],
  ];
  for (const [label, input, message] of bad) {
    test(`rejects ${label}`, () => {
      assert.throws(() => parseToleranceSpec(input), (e: unknown) => e instanceof UsageError && message.test(e.message) && e.exitCode === 2);
    });
  }
});

describe('resolveTolerance', () => {
  const spec = parseToleranceSpec({ atol: ['1e-4', 'a:1e-2'], rtol: ['b:0.5'] });
  test('falls back to the default per field', () => {
    assert.deepEqual(resolveTolerance(spec, 'a'), { rtol: 1e-3, atol: 1e-2 });
    assert.deepEqual(resolveTolerance(spec, 'b'), { rtol: 0.5, atol: 1e-4 });
    assert.deepEqual(resolveTolerance(spec, 'other'), { rtol: 1e-3, atol: 1e-4 });
  });
  test('unmatched names are reported in order', () => {
    assert.deepEqual(unmatchedToleranceNames(spec, ['b', 'c']), ['a']);
    assert.deepEqual(unmatchedToleranceNames(spec, new Set(['a', 'b'])), []);
  });
});
