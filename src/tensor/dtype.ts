import type { DType, TensorData } from './types.js';
import { DTYPES } from './types.js';

/** Bytes per element, and the typed array that holds each dtype. */
export const DTYPE_INFO: Readonly<Record<DType, { readonly bytes: number; readonly array: string }>> = {
  float32: { bytes: 4, array: 'Float32Array' },
  float16: { bytes: 2, array: 'Uint16Array' },
  bfloat16: { bytes: 2, array: 'Uint16Array' },
  int8: { bytes: 1, array: 'Int8Array' },
  uint8: { bytes: 1, array: 'Uint8Array' },
  int32: { bytes: 4, array: 'Int32Array' },
  int64: { bytes: 8, array: 'BigInt64Array' },
  bool: { bytes: 1, array: 'Uint8Array' },
};

export function isDType(s: string): s is DType {
  return (DTYPES as readonly string[]).includes(s);
}

/** A zeroed typed array of the right class for `dtype`. */
export function allocate(dtype: DType, length: number): TensorData {
  switch (dtype) {
    case 'float32': return new Float32Array(length);
    case 'float16': case 'bfloat16': return new Uint16Array(length);
    case 'int8': return new Int8Array(length);
    case 'uint8': case 'bool': return new Uint8Array(length);
    case 'int32': return new Int32Array(length);
    case 'int64': return new BigInt64Array(length);
  }
}

/** View raw bytes (copied to an aligned buffer when needed) as the typed array of `dtype`. */
export function fromBytes(dtype: DType, bytes: Uint8Array): TensorData {
  const size = DTYPE_INFO[dtype].bytes;
  if (bytes.byteLength % size !== 0) throw new RangeError(`${bytes.byteLength} bytes is not a whole number of ${dtype} elements`);
  const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
  const { buffer, byteOffset } = aligned;
  const n = bytes.byteLength / size;
  switch (dtype) {
    case 'float32': return new Float32Array(buffer, byteOffset, n);
    case 'float16': case 'bfloat16': return new Uint16Array(buffer, byteOffset, n);
    case 'int8': return new Int8Array(buffer, byteOffset, n);
    case 'uint8': case 'bool': return new Uint8Array(buffer, byteOffset, n);
    case 'int32': return new Int32Array(buffer, byteOffset, n);
    case 'int64': return new BigInt64Array(buffer, byteOffset, n);
  }
}

export function bytesOf(data: TensorData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half bits → number (exact). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** number → IEEE half bits, round to nearest even (as numpy's astype(float16)). NaN keeps its sign, becomes a quiet NaN. */
export function floatToHalf(x: number): number {
  if (Number.isNaN(x)) return (Object.is(x, NaN) ? 0x7e00 : 0x7e00);
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a === Infinity) return sign | 0x7c00;
  if (a >= 65520) return sign | 0x7c00; // rounds up to infinity
  if (a < 2 ** -25) return sign; // below half the smallest subnormal: rounds to zero (ties to even = 0)
  if (a < 2 ** -14) {
    // subnormal: units of 2^-24, round half to even
    const q = a / 2 ** -24;
    return sign | roundHalfEven(q);
  }
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e -= 1; else if (2 ** (e + 1) <= a) e += 1;
  const m = a / 2 ** e - 1; // [0,1)
  let frac = roundHalfEven(m * 1024);
  let exp = e + 15;
  if (frac === 1024) { frac = 0; exp += 1; }
  if (exp >= 31) return sign | 0x7c00;
  return sign | (exp << 10) | frac;
}

function roundHalfEven(q: number): number {
  const f = Math.floor(q);
  const r = q - f;
  if (r > 0.5) return f + 1;
  if (r < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** number → bfloat16 bits: round the float32 value to nearest even, as ml_dtypes / torch do. */
export function floatToBfloat16(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  if (Number.isNaN(f32[0])) return ((bits >>> 16) | 0x40) & 0xffff;
  const rounded = bits + 0x7fff + ((bits >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

