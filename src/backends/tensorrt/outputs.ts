/**
 * The addon's outputs (raw bytes per tensor) as our Tensors. float16/bfloat16 stay raw bits in a
 * Uint16Array, as everywhere in trt-parity; nothing is decoded here.
 */
import { InternalError } from '../../errors.js';
import { DTYPE_INFO, fromBytes } from '../../tensor/dtype.js';
import { formatShape, volume } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/types.js';
import { dtypeFromNative } from './dtypes.js';
import type { NativeInferOutput } from './native-contract.js';
import { TensorRtError } from './tensorrt-error.js';

/**
 * Converts native outputs to a name → Tensor map in `order` (the engine's output order); outputs
 * missing from `order` follow in the order the addon gave them.
 * @throws TensorRtError (engine-unsupported) for a dtype we cannot hold; InternalError when the addon breaks its contract on sizes.
 */
export function outputsToTensorMap(outputs: readonly NativeInferOutput[], order: readonly string[]): Map<string, Tensor> {
  const byName = new Map(outputs.map((o) => [o.name, o] as const));
  const names = [...order.filter((n) => byName.has(n)), ...outputs.map((o) => o.name).filter((n) => !order.includes(n))];
  const result = new Map<string, Tensor>();
  for (const name of names) {
    const out = byName.get(name)!;
    const dtype = dtypeFromNative(out.dtype);
    if (dtype === null) {
      throw new TensorRtError({ reason: 'engine-unsupported', message: `TensorRT output '${name}' is ${out.dtype}, which trt-parity cannot compare`, hints: ['rebuild the engine with float32/float16 outputs (trtexec --outputIOFormats=fp32:chw)'], detail: [] });
    }
    const expectedBytes = volume(out.shape) * DTYPE_INFO[dtype].bytes;
    if (out.data.byteLength !== expectedBytes) {
      throw new InternalError(`TensorRT addon returned ${out.data.byteLength} bytes for output '${name}' (${dtype} ${formatShape(out.shape)}), expected ${expectedBytes}`);
    }
    result.set(name, { dtype, shape: [...out.shape], data: fromBytes(dtype, new Uint8Array(out.data)) });
  }
  return result;
}
