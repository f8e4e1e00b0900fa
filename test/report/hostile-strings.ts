/**
 * Names as a hostile model, engine or folder can hold them, and the check that a rendered text shows
 * them escaped: no control character reaches the terminal (ESC would clear the screen or recolour it,
 * CR overwrite the line, NUL cut it in some viewers) and no newline forges a line of its own.
 */
import assert from 'node:assert/strict';

/** ESC (a screen clear), CR, NUL, a newline that would start a forged line, and DEL/C1 CSI. */
export const HOSTILE = 'evil\x1b[2J\rCR\0NUL\nFORGED \x7f\x9b';
/** HOSTILE as escapeControl prints it (JSON-style escapes). */
export const HOSTILE_SHOWN = 'evil\\u001b[2J\\rCR\\u0000NUL\\nFORGED \\u007f\\u009b';

/** Every string in `v` (object values, array and Map elements) with HOSTILE appended. */
export function poisonStrings<T>(v: T): T {
  const deep = (x: unknown): unknown => {
    if (typeof x === 'string') return `${x}${HOSTILE}`;
    if (Array.isArray(x)) return x.map(deep);
    if (x instanceof Map) return new Map([...x].map(([k, y]) => [deep(k), deep(y)] as const));
    if (x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
      return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, deep(y)] as const));
    }
    return x;
  };
  return deep(v) as T;
}

/** Text rendered without colour holds no control character but line breaks, and no line starts with the forged text. */
export function assertNoControl(text: string): void {
  text.split('\n').forEach((line, i) => {
    const bad = /[\u0000-\u001f\u007f-\u009f]/.exec(line);
    assert.equal(bad, null, `line ${i} holds a raw control character ${JSON.stringify(bad?.[0])}: ${JSON.stringify(line)}`);
    assert.ok(!line.trimStart().startsWith('FORGED'), `line ${i} was forged by a newline in a name: ${JSON.stringify(line)}`);
  });
}
