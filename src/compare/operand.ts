/**
 * One side of a comparison as plain numbers: every dtype becomes a Float32Array (float16,
 * bfloat16 and float32 are all exact in float32) or a Float64Array (integers and bool).
 * int64 keeps its BigInt64Array too, because exact integer differences beyond 2^53 need it.
 */
import { halfToFloat } from '../tensor/dtype.js';
import type { DType, Tensor } from '../tensor/types.js';

export interface Operand {
  readonly dtype: DType;
  readonly values: Float32Array | Float64Array;
  /** The original int64 data, or null. */
  readonly int64: BigInt64Array | null;
}

let halfTable: Float32Array | null = null;

/** All 65536 float16 values, built once: a table lookup beats decoding 10 M halves one by one. */
function halves(): Float32Array {
  if (halfTable === null) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToFloat(h);
  }
  return halfTable;
}

export function operandOf(t: Pick<Tensor, 'dtype' | 'data'>): Operand {
  const { dtype, data } = t;
  const n = data.length;
  switch (dtype) {
    case 'float32':
      return { dtype, values: data as Float32Array, int64: null };
    case 'float16': {
      const table = halves();
      const src = data as Uint16Array;
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = table[src[i]!]!;
      return { dtype, values: out, int64: null };
    }
    case 'bfloat16': {
      // bfloat16 is the top half of a float32: shifting the bits is the exact conversion.
      const src = data as Uint16Array;
      const out = new Uint32Array(n);
      for (let i = 0; i < n; i++) out[i] = src[i]! << 16;
      return { dtype, values: new Float32Array(out.buffer), int64: null };
    }
    case 'int64': {
      const src = data as BigInt64Array;
      const out = new Float64Array(n);
      // Number(bigint) rounds to nearest, ties to even: the same as numpy's int64 → float64 cast.
      for (let i = 0; i < n; i++) out[i] = Number(src[i]!);
      return { dtype, values: out, int64: src };
    }
    case 'bool': {
      // Any non-zero byte is True, as numpy reads a bool array.
      const src = data as Uint8Array;
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = src[i]! === 0 ? 0 : 1;
      return { dtype, values: out, int64: null };
    }
    default: {
      const src = data as Int8Array | Uint8Array | Int32Array;
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = src[i]!;
      return { dtype, values: out, int64: null };
    }
  }
}
