/**
 * The one escape for text that came from outside (file names, tensor names, library messages) on
 * its way to a terminal or a log: control characters are shown, not obeyed. A file named
 * "\x1b[2J.jpg" must not clear the screen, and one with a newline must not forge a report line.
 *
 * C0 and C1 controls and DEL become JSON-style escapes (\n, \t, \r, \u001b); everything else,
 * non-ASCII letters included, is kept. Pure.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

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
