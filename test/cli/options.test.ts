import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import { collectNamedFile, oneOf, parsePositiveInt, parseTriple, useColor } from '../../src/cli/options.js';
import { progressBar } from '../../src/cli/progress.js';

/** A stand-in for process.stdout/stderr: only what useColor and progressBar read. */
const stream = (isTTY: boolean) => {
  const written: string[] = [];
  return { isTTY, columns: 40, written, write(s: string) { written.push(s); return true; } } as unknown as NodeJS.WriteStream & { written: string[] };
};

describe('useColor', () => {
  const saved = { NO_COLOR: process.env['NO_COLOR'], TERM: process.env['TERM'] };
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  });

  test('a terminal gets colour; a pipe, NO_COLOR (any non-empty value) or TERM=dumb do not', () => {
    delete process.env['NO_COLOR'];
    process.env['TERM'] = 'xterm-256color';
    assert.equal(useColor(stream(true)), true);
    assert.equal(useColor(stream(false)), false);
    process.env['NO_COLOR'] = '1';
    assert.equal(useColor(stream(true)), false);
    process.env['NO_COLOR'] = '';
    assert.equal(useColor(stream(true)), true, 'no-color.org: an empty NO_COLOR does not count');
    process.env['TERM'] = 'dumb';
    assert.equal(useColor(stream(true)), false);
  });
});

describe('option parsers', () => {
  test('--mean/--std triples', () => {
    assert.deepEqual(parseTriple('--mean')('0.5, 0.25,1e-1'), [0.5, 0.25, 0.1]);
    for (const bad of ['1,2', '1,2,3,4', '1,,3', 'a,b,c', '1,2,Infinity']) {
      assert.throws(() => parseTriple('--mean')(bad), (e: unknown) => e instanceof InvalidArgumentError && e.message === `Expected three comma-separated numbers like 0.5,0.5,0.5 for --mean but received '${bad}'`);
    }
  });

  test('positive integers, choices, name=file pairs', () => {
    assert.equal(parsePositiveInt('--max-pixels')('12'), 12);
    for (const bad of ['0', '-1', '1.5', '1e3', '']) assert.throws(() => parsePositiveInt('--max-pixels')(bad), InvalidArgumentError, bad);
    assert.equal(oneOf('--resize', ['stretch', 'letterbox'] as const)('letterbox'), 'letterbox');
    assert.throws(() => oneOf('--resize', ['stretch', 'letterbox'] as const)('crop'), /Expected one of stretch, letterbox for --resize but received 'crop'/);
    const m = collectNamedFile('ids=a=b.npy', collectNamedFile('x=x.npy'));
    assert.deepEqual([...m], [['x', 'x.npy'], ['ids', 'a=b.npy']], 'split on the first =');
    assert.throws(() => collectNamedFile('x=y.npy', m), /--input x is given twice/);
    for (const bad of ['=f.npy', 'x=', 'nofile']) assert.throws(() => collectNamedFile(bad), InvalidArgumentError, bad);
  });
});

describe('progressBar', () => {
  test('draws on a terminal and clears itself; silent on a pipe or when disabled', () => {
    const tty = stream(true);
    const bar = progressBar(tty, true);
    bar.update(2, 4, 'cat.jpg');
    bar.done();
    assert.deepEqual(tty.written, ['\r\x1b[2K[############............] 2/4 cat.jpg', '\r\x1b[2K']);
    const pipe = stream(false);
    progressBar(pipe, true).update(1, 1, 'x');
    const off = stream(true);
    progressBar(off, false).update(1, 1, 'x');
    assert.deepEqual([pipe.written, off.written], [[], []]);
  });
});
