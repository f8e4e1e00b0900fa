/**
 * Machine-readable rendering. JSON has no NaN or Infinity, so non-finite numbers are written as
 * the strings "NaN", "Infinity" and "-Infinity" (documented in the README's schema section).
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, replacer, 2) + '\n';
}

function replacer(_key: string, v: unknown): unknown {
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Map) return Object.fromEntries(v);
  return v;
}
