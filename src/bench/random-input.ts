import type { DType, Tensor } from '../tensor/types.js';
import { allocate, floatToBfloat16, floatToHalf, isDType } from '../tensor/dtype.js';
import { volume } from '../tensor/shape.js';
import { UsageError } from '../errors.js';

/**
 * Seeded random tensors for `bench` without an image. The generator is mulberry32, so the same
 * seed gives the same bytes on every machine and both backends get the identical tensor.
 * Floats are uniform in [0, 1); integers uniform in [0, 100); bool 0/1.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomTensor(name: string, dtype: string, shape: readonly number[], next: () => number): Tensor {
  if (!isDType(dtype)) throw new UsageError(`input '${name}' has dtype ${dtype}, which bench cannot generate`);
  const n = volume(shape);
  const data = allocate(dtype as DType, n);
  for (let i = 0; i < n; i++) {
    const u = next();
    switch (dtype) {
      case 'float32': (data as Float32Array)[i] = u; break;
      case 'float16': (data as Uint16Array)[i] = floatToHalf(u); break;
      case 'bfloat16': (data as Uint16Array)[i] = floatToBfloat16(u); break;
      case 'bool': (data as Uint8Array)[i] = u < 0.5 ? 0 : 1; break;
      case 'int64': (data as BigInt64Array)[i] = BigInt(Math.floor(u * 100)); break;
      default: (data as Int32Array)[i] = Math.floor(u * 100);
    }
  }
  return { dtype: dtype as DType, shape: [...shape], data };
}
