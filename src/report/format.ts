/** Number and text formatting shared by the renderers. Pure. */

/** Compact, sortable-looking figure: 0, 0.001234, 1.23e-06, inf, nan. */
export function fmtNum(x: number | null | undefined): string {
  if (x === null || x === undefined) return '-';
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e5) return String(Number(x.toPrecision(4)));
  return x.toExponential(2);
}

/**
 * An element's value, with enough digits (7 significant) that two float32 values which differ
 * visibly in a report do not print alike, as fmtNum's 4 digits would (100.4931 vs 100.5).
 */
export function fmtValue(x: number): string {
  if (!Number.isFinite(x)) return fmtNum(x);
  return String(Number(x.toPrecision(7)));
}

/** A tolerance value exactly as the user would type it back (shortest round-trip form). */
export function fmtTol(x: number): string {
  if (x === Infinity) return 'inf';
  if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5)) return x.toExponential();
  return String(x);
}

/**
 * A suggested tolerance: 3 significant digits, rounded UP, so that passing it back on the command line
 * still passes (the minimal tolerances are exact; rounding them to nearest could land just below).
 */
export function fmtSuggestedTol(x: number): string {
  if (!Number.isFinite(x)) return fmtTol(x);
  if (x <= 0) return '0';
  const scale = 10 ** (Math.floor(Math.log10(x)) - 2);
  // toPrecision(12) first: 0.0069 / 1e-5 is 690.0000000000001 in binary, which must not ceil to 691.
  let k = Math.ceil(Number((x / scale).toPrecision(12)));
  let v = Number((k * scale).toPrecision(3));
  while (v < x) v = Number((++k * scale).toPrecision(3)); // the product can round below x
  return v < 1e-3 || v >= 1e5 ? v.toExponential() : String(v);
}

/**
 * A cosine similarity with enough digits to tell 0.99999978 from 1: six decimals, more while the
 * rounded text would read as exactly 1 but the value is not.
 */
export function fmtCosine(x: number): string {
  if (!Number.isFinite(x)) return fmtNum(x);
  if (x === 1) return '1';
  for (let d = 6; d <= 15; d++) {
    const s = x.toFixed(d);
    if (!/^1\.0+$/.test(s)) return s;
  }
  return `1-${(1 - x).toExponential(1)}`;
}

export function fmtPercent(part: number, whole: number): string {
  if (whole === 0) return '0%';
  const p = (100 * part) / whole;
  if (p === 0) return '0%';
  if (p < 0.01) return '<0.01%';
  return `${Number(p.toPrecision(3))}%`;
}

export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${(ms * 1000).toFixed(1)} µs`;
}

/** Pads to a visible width, ignoring ANSI colour codes. */
export function pad(s: string, width: number, align: 'left' | 'right' = 'left'): string {
  const visible = s.replace(/\x1b\[[0-9;]*m/g, '').length;
  const fill = ' '.repeat(Math.max(0, width - visible));
  return align === 'left' ? s + fill : fill + s;
}

/** Renders rows as aligned columns; numeric-looking columns are right-aligned by the caller's choice. */
export function table(rows: readonly (readonly string[])[], align: readonly ('left' | 'right')[], indent = ''): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      const w = cell.replace(/\x1b\[[0-9;]*m/g, '').length;
      widths[i] = Math.max(widths[i] ?? 0, w);
    });
  }
  return rows.map((row) => indent + row.map((cell, i) => pad(cell, widths[i] ?? 0, align[i] ?? 'left')).join('  ').trimEnd());
}

export interface Colors {
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const wrap = (open: number, close: number) => (s: string): string => `\x1b[${open}m${s}\x1b[${close}m`;
const plain = (s: string): string => s;

/** Colour only when asked (the CLI decides: a TTY and no NO_COLOR). */
export function colors(enabled: boolean): Colors {
  return enabled
    ? { green: wrap(32, 39), red: wrap(31, 39), yellow: wrap(33, 39), dim: wrap(2, 22), bold: wrap(1, 22) }
    : { green: plain, red: plain, yellow: plain, dim: plain, bold: plain };
}
