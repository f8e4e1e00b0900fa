/**
 * Tolerances from the command line: `--atol 1e-4 --atol logits:1e-3 --rtol 0.01`.
 *
 * Each entry is either a bare number (the default for every output) or NAME:NUMBER. Output
 * names may contain ':' themselves, so an entry is split on its LAST ':' only when what
 * follows is a number and what precedes is non-empty; otherwise the whole entry must be a
 * number. Numbers must be finite and ≥ 0. Giving the same default or the same output twice
 * is an error, so a typo in a long command line cannot silently override an earlier value.
 */
import { expected, UsageError } from '../errors.js';
import type { Tolerance, ToleranceSpec } from './types.js';

/** The CLI defaults: numpy assert_allclose's rule with looser, inference-sized tolerances. */
export const DEFAULT_TOLERANCE: Tolerance = { rtol: 1e-3, atol: 1e-5 };

// A decimal literal as people type it; Number() alone would also accept '', ' ', '0x10', 'Infinity'.
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseNumber(s: string): number | null {
  return NUMBER.test(s) ? Number(s) : null;
}

interface Entry {
  readonly name: string | null;
  readonly value: number;
}

function parseEntry(raw: string, option: '--atol' | '--rtol'): Entry {
  const colon = raw.lastIndexOf(':');
  let name: string | null = null;
  let value = parseNumber(raw);
  if (value === null && colon > 0) {
    const after = parseNumber(raw.slice(colon + 1));
    if (after !== null) {
      name = raw.slice(0, colon);
      value = after;
    }
  }
  if (value === null) throw new UsageError(expected('a number or NAME:NUMBER', option, raw));
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new UsageError(expected('a finite number ≥ 0', name === null ? option : `${option} ${name}`, raw));
  }
  return { name, value };
}

/**
 * Build a ToleranceSpec from the repeated `--atol` and `--rtol` values (each possibly empty).
 * Throws UsageError on a malformed, negative or non-finite value, or on a repeated target.
 */
export function parseToleranceSpec(options: { readonly atol?: readonly string[]; readonly rtol?: readonly string[] }): ToleranceSpec {
  let rtol = DEFAULT_TOLERANCE.rtol;
  let atol = DEFAULT_TOLERANCE.atol;
  const perOutput = new Map<string, { rtol?: number; atol?: number }>();
  for (const key of ['atol', 'rtol'] as const) {
    const option = `--${key}` as const;
    let defaultSeen = false;
    for (const raw of options[key] ?? []) {
      const { name, value } = parseEntry(raw, option);
      if (name === null) {
        if (defaultSeen) throw new UsageError(`${option} given twice without an output name (second: '${raw}')`);
        defaultSeen = true;
        if (key === 'atol') atol = value;
        else rtol = value;
        continue;
      }
      const entry = perOutput.get(name) ?? {};
      if (entry[key] !== undefined) throw new UsageError(`${option} given twice for output '${name}'`);
      entry[key] = value;
      perOutput.set(name, entry);
    }
  }
  return { default: { rtol, atol }, perOutput };
}

/** The tolerance for one output: its own entries over the defaults. */
export function resolveTolerance(spec: ToleranceSpec, outputName: string): Tolerance {
  const own = spec.perOutput.get(outputName);
  return {
    rtol: own?.rtol ?? spec.default.rtol,
    atol: own?.atol ?? spec.default.atol,
  };
}

/** Names in the spec that match none of `outputNames`, in the order given (for a warning). */
export function unmatchedToleranceNames(spec: ToleranceSpec, outputNames: Iterable<string>): string[] {
  const known = new Set(outputNames);
  return [...spec.perOutput.keys()].filter((name) => !known.has(name));
}
