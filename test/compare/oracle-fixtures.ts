/**
 * Loads fixtures/oracle (made by scripts/oracle/make_allclose_oracle.py with numpy 1.24).
 *
 * The arrays are .npy files; to stay independent of src/tensor/npy.ts this parses the small
 * subset numpy.save writes for them: version 1.0, little-endian or byte-sized, C order.
 */
import { readFileSync } from 'node:fs';
import { fromBytes } from '../../src/tensor/dtype.js';
import type { DType, Tensor } from '../../src/tensor/types.js';
import { fixture } from '../helpers/paths.js';

const DESCR: Readonly<Record<string, DType>> = {
  '<f4': 'float32', '<f2': 'float16', '|i1': 'int8', '|u1': 'uint8', '<i4': 'int32', '<i8': 'int64', '|b1': 'bool',
};

export function readOracleNpy(path: string): Tensor {
  const bytes = new Uint8Array(readFileSync(path));
  if (bytes[0] !== 0x93 || bytes[6] !== 1) throw new Error(`${path}: not a version 1.0 .npy`);
  const headerLength = bytes[8]! | (bytes[9]! << 8);
  const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
  const descr = /'descr': '([^']+)'/.exec(header)?.[1];
  const shapeText = /'shape': \(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || shapeText === undefined || !header.includes("'fortran_order': False")) {
    throw new Error(`${path}: unexpected header ${header}`);
  }
  const dtype = DESCR[descr];
  if (dtype === undefined) throw new Error(`${path}: unsupported descr ${descr}`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  return { dtype, shape, data: fromBytes(dtype, bytes.subarray(10 + headerLength)) };
}

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
  return readOracleNpy(fixture('oracle', file));
}
