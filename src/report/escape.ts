/**
 * The one escape for text that came from outside (file names, tensor names, library messages) on
 * its way to a terminal or a log: control characters are shown, not obeyed. A file named
 * "\x1b[2J.jpg" must not clear the screen, and one with a newline must not forge a report line.
 *
 * C0 and C1 controls and DEL become JSON-style escapes (\n, \t, \r, \u001b); everything else,
 * non-ASCII letters included, is kept. Pure.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/** The same set, for a test (a /g regex keeps state between test() calls). */
const CONTROL_TEST = /[\u0000-\u001f\u007f-\u009f]/;

export function escapeControl(s: string): string {
  return s.replace(CONTROL, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** Longest message shown without -v: a model with 5,000 inputs once made one error line of 34 KB. */
export const MAX_SHOWN_MESSAGE = 400;

/**
 * A message for the terminal without -v: its first non-empty line, without the C++ source locations
 * libraries put in (ONNX Runtime's "/onnxruntime_src/core/...cc:123 ..."), cut at MAX_SHOWN_MESSAGE
 * characters with a pointer to -v; control characters escaped. -v (`full`) shows all of it, escaped.
 */
export function shownMessage(message: string, full: boolean, file?: string | null): string {
  if (full) return escapeControl(message);
  // "FILE: reason": the file name is kept whole (it may hold a newline); only the reason is cut.
  if (file && message.startsWith(`${file}: `)) return `${escapeControl(file)}: ${shownMessage(message.slice(file.length + 2), false)}`;
  const lines = message.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  let first = (lines[0] ?? message)
    .replace(/\s*\/[\w./-]*onnxruntime[\w./-]*\.(?:cc|cpp|h):\d+\s*(?:[\w:~<>*&, ]+\([^)]*\)\s*)?/g, ' ')
    .replace(/\s{2,}/g, ' ')
    .trim();
  const cut = first.length > MAX_SHOWN_MESSAGE || lines.length > 1;
  if (first.length > MAX_SHOWN_MESSAGE) first = `${first.slice(0, MAX_SHOWN_MESSAGE)}…`;
  return escapeControl(cut ? `${first} (-v shows the full message)` : first);
}

/**
 * `value` with escapeControl applied to every string in it (object values and keys, array and Map
 * elements), for a renderer to call once on the report it is given: every name, path, version or
 * message of outside origin is then escaped, including a field added later. Our own strings
 * (enum values, labels) hold no control characters, so comparisons on them still work. Numbers,
 * typed arrays and class instances pass through; a string with nothing to escape is the same string.
 * Not for text that is cut to its first line afterwards (shownMessage needs the real newlines).
 *
 * Copy on write: an object, array or Map is copied only when something in it changed, and otherwise
 * returned as it is (never changed in place). The usual report has nothing to escape, and rebuilding
 * every object of it took 21 ms of the 30 ms text report of a 200-image compare.
 */
export function escapeDeep<T>(value: T): T {
  return deep(value) as T;
}

function deep(v: unknown): unknown {
  if (typeof v === 'string') return CONTROL_TEST.test(v) ? escapeControl(v) : v;
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      const y = deep(x);
      if (y !== x) {
        out ??= v.slice();
        out[i] = y;
      }
    }
    return out ?? v;
  }
  if (v instanceof Map) {
    const before = [...v];
    const after = before.map(([k, x]) => [deep(k), deep(x)] as const);
    return after.some(([k, x], i) => k !== before[i]![0] || x !== before[i]![1]) ? new Map(after) : v;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return v;
  const record = v as Record<string, unknown>;
  const keys = Object.keys(record);
  // The entries from the first change on (with those before it); null while nothing changed.
  let out: [string, unknown][] | null = null;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const x = record[k];
    const ek = deep(k) as string;
    const ex = deep(x);
    if (out === null && (ek !== k || ex !== x)) out = keys.slice(0, i).map((kk) => [kk, record[kk]]);
    out?.push([ek, ex]);
  }
  return out === null ? v : Object.fromEntries(out);
}
