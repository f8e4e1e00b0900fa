/**
 * TensorRT's data types (by the names the addon uses) against ours. The addon already names them
 * like our DType; what TensorRT has beyond that (fp8, int4, fp4, e8m0) is described but not run.
 */
import type { DType } from '../../tensor/types.js';
import type { NativeDType } from './native-contract.js';

const SUPPORTED: Readonly<Record<NativeDType, DType | null>> = {
  float32: 'float32',
  float16: 'float16',
  bfloat16: 'bfloat16',
  int8: 'int8',
  uint8: 'uint8',
  int32: 'int32',
  int64: 'int64',
  bool: 'bool',
  fp8: null,
  int4: null,
  fp4: null,
  e8m0: null,
};

/** Our DType for a TensorRT type; null for the types trt-parity cannot hold on the host (fp8, int4, fp4, e8m0). */
export function dtypeFromNative(d: NativeDType | string): DType | null {
  return Object.hasOwn(SUPPORTED, d) ? SUPPORTED[d as NativeDType] : null;
}
