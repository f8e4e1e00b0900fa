/**
 * Loads fixtures/oracle (made by scripts/oracle/make_allclose_oracle.py with numpy 1.24).
 *
 * The arrays are read with src/tensor/npy.ts: that reader is itself checked against files
 * numpy wrote (test/tensor/npy.test.ts, fixtures/npy), so the oracle needs no reader of its own.
 */
import { readFileSync } from 'node:fs';
import { readNpy } from '../../src/tensor/npy.js';
import type { Tensor } from '../../src/tensor/types.js';
import { fixture } from '../helpers/paths.js';

/** A number from the JSON ("inf", "-inf", "nan" for the non-finite ones). */
export type OracleNumber = number | 'inf' | '-inf' | 'nan' | null;

export function oracleNumber(v: OracleNumber): number | null {
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  if (v === 'nan') return NaN;
  return v;
}

export interface OracleCase {
  readonly name: string;
  readonly first: { readonly file: string; readonly dtype: string; readonly shape: number[] };
  readonly second: { readonly file: string; readonly dtype: string; readonly shape: number[] };
  readonly rtol: number;
  readonly atol: number;
  readonly passed: boolean;
  readonly failure: string | null;
  readonly mismatched: number;
  readonly total: number;
  readonly maxAbs: OracleNumber;
  readonly maxRel: OracleNumber;
  readonly numpyPrintsFigures: boolean;
  readonly f64_mismatched: number;
}

export function loadOracle(): { numpy: string; cases: OracleCase[] } {
  return JSON.parse(readFileSync(fixture('oracle', 'cases.json'), 'utf8')) as { numpy: string; cases: OracleCase[] };
}

export function oracleTensor(file: string): Tensor {
  const path = fixture('oracle', file);
  return readNpy(new Uint8Array(readFileSync(path)), path);
}
