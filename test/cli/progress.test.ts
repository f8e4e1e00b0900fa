import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { progressBar } from '../../src/cli/progress.js';
import { HOSTILE, HOSTILE_SHOWN } from '../report/hostile-strings.js';

/** A terminal stand-in: only what progressBar reads. */
const tty = () => {
  const written: string[] = [];
  return { isTTY: true, columns: 200, written, write(s: string) { written.push(s); return true; } } as unknown as NodeJS.WriteStream & { written: string[] };
};

describe('progressBar: the label is a file name from outside', () => {
  test('ESC, CR, NUL and a newline in it are shown escaped; only the bar\'s own redraw sequence is raw', () => {
    const t = tty();
    const bar = progressBar(t, true);
    bar.update(1, 3, `dir/${HOSTILE}.jpg`);
    assert.deepEqual(t.written, [`\r\x1b[2K[########................] 1/3 dir/${HOSTILE_SHOWN}.jpg`]);
    assert.doesNotMatch(t.written[0]!.slice('\r\x1b[2K'.length), /[\u0000-\u001f\u007f-\u009f]/);
  });
});
