/**
 * Machine-readable rendering. JSON has no NaN or Infinity, so non-finite numbers are written as
 * the strings "NaN", "Infinity" and "-Infinity" (documented in the README's schema section).
 */
export function toJson(value: unknown): string {
  return jsonText(value, 2) + '\n';
}

/**
 * JSON text of `value` with the report rules above, on one line unless `indent` is given. JSON.stringify
 * escapes U+0000-U+001F but leaves DEL and the C1 controls raw; they are escaped too (\u007f-\u009f),
 * so a report sent to a terminal (`--json -`, `--jsonl -`) cannot carry a control sequence from a name.
 */
export function jsonText(value: unknown, indent?: number): string {
  return JSON.stringify(value, replacer, indent).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function replacer(_key: string, v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Map) return Object.fromEntries(v);
  return v;
}
