/**
 * Turning a TensorMap into the request the addon takes: every check that can be made without the
 * GPU is made here, before native code runs, so a bad input gets a message in our words (naming
 * the allowed range) instead of a TensorRT log line.
 */
import { InputError, InternalError } from '../../errors.js';
import { floatToBfloat16, floatToHalf, halfToFloat } from '../../tensor/dtype.js';
import { formatShape, volume } from '../../tensor/shape.js';
import type { DType, Tensor, TensorData, TensorMap } from '../../tensor/types.js';
import { dtypeFromNative } from './dtypes.js';
import type { NativeInferInput, NativeTensorDesc } from './native-contract.js';

const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;

export interface PreparedInputs {
  readonly inputs: readonly NativeInferInput[];
  /** One line per input whose dtype was converted, e.g. "input 'ids': int64 → int32". */
  readonly conversions: readonly string[];
}

/**
 * Checks `feeds` against the engine inputs and converts them to the engine's dtypes.
 *
 * Conversions made (and only these):
 * - int64 → int32, value by value, failing on anything outside int32: TensorRT 8.6 engines take
 *   int32 where the ONNX model says int64;
 * - int32 → int64 (lossless);
 * - float32 → float16 / bfloat16, rounding to nearest even exactly as numpy's astype does. The
 *   engine then sees the rounded values while ONNX Runtime saw the float32 ones: differences of
 *   fp16 size in the outputs are expected and are the engine's to explain;
 * - float16 → float32 (lossless).
 *
 * Shapes must have the engine's rank, match its static dims and lie within min..max of
 * optimization profile `profile`. Host shape tensors travel as their values; those values must lie
 * within the profile's value range.
 *
 * @param key Names the input in messages (InputError's file).
 * @throws InputError naming the input, what the engine allows and what it was given.
 */
export function prepareInferInputs(feeds: TensorMap, engineInputs: readonly NativeTensorDesc[], profile: number, key: string): PreparedInputs {
  const names = engineInputs.map((d) => d.name);
  for (const name of feeds.keys()) {
    if (!names.includes(name)) {
      throw new InputError(key, `'${name}' is not an input of the TensorRT engine (its inputs: ${names.map((n) => `'${n}'`).join(', ')})`);
    }
  }
  const inputs: NativeInferInput[] = [];
  const conversions: string[] = [];
  for (const desc of engineInputs) {
    const tensor = feeds.get(desc.name);
    if (tensor === undefined) {
      throw new InputError(key, `the TensorRT engine needs input '${desc.name}' (${desc.dtype} ${formatShape(desc.shape.map(dyn))}), which was not given (given: ${[...feeds.keys()].map((n) => `'${n}'`).join(', ') || 'none'})`);
    }
    if (tensor.data.length !== volume(tensor.shape)) {
      throw new InternalError(`input '${desc.name}' holds ${tensor.data.length} elements but its shape ${formatShape(tensor.shape)} needs ${volume(tensor.shape)}`);
    }
    const want = dtypeFromNative(desc.dtype);
    if (want === null) {
      throw new InputError(key, `the TensorRT engine wants input '${desc.name}' as ${desc.dtype}, which trt-parity cannot produce`);
    }
    checkShape(tensor, desc, profile, key);
    const data = convert(tensor, want, desc.name, key);
    if (tensor.dtype !== want) conversions.push(`input '${desc.name}': ${tensor.dtype} → ${want}`);
    if (desc.isShapeTensor) checkShapeValues(data, desc, profile, key);
    inputs.push({ name: desc.name, shape: [...tensor.shape], data });
  }
  return { inputs, conversions };
}

function dyn(d: number): number | null {
  return d < 0 ? null : d;
}

function checkShape(tensor: Tensor, desc: NativeTensorDesc, profile: number, key: string): void {
  const shape = tensor.shape;
  const engine = desc.shape;
  const what = `input '${desc.name}' has shape ${formatShape(shape)}`;
  if (shape.length !== engine.length) {
    throw new InputError(key, `${what}, but the TensorRT engine wants rank ${engine.length}: ${formatShape(engine.map(dyn))}`);
  }
  const staticBad = engine.findIndex((d, i) => d >= 0 && d !== shape[i]);
  if (staticBad >= 0) {
    throw new InputError(key, `${what}, but the TensorRT engine wants ${formatShape(engine.map(dyn))} (dim ${staticBad} must be ${engine[staticBad]})`);
  }
  // A shape tensor's profile ranges are about its values, checked apart; its own shape is static.
  const range = desc.isShapeTensor ? undefined : desc.profiles[profile];
  if (range === undefined) return;
  const bad = shape.findIndex((d, i) => d < (range.min[i] ?? d) || d > (range.max[i] ?? d));
  if (bad >= 0) {
    throw new InputError(
      key,
      `${what}, outside optimization profile ${profile} of the TensorRT engine: allowed ${formatShape(range.min)} .. ${formatShape(range.max)} (dim ${bad} is ${shape[bad]}, allowed ${range.min[bad]}..${range.max[bad]})`,
      { hints: ['rebuild the engine with a wider profile (trtexec --minShapes/--optShapes/--maxShapes), or choose another profile with --profile'] },
    );
  }
}

function checkShapeValues(data: TensorData, desc: NativeTensorDesc, profile: number, key: string): void {
  const values = desc.profiles[profile]?.values;
  if (values === undefined) return;
  const got = Array.from(data as Int32Array | BigInt64Array, Number);
  const bad = got.findIndex((v, i) => v < (values.min[i] ?? v) || v > (values.max[i] ?? v));
  if (bad >= 0) {
    throw new InputError(key, `shape-tensor input '${desc.name}' holds ${formatShape(got)}, outside optimization profile ${profile} of the TensorRT engine: allowed values ${formatShape(values.min)} .. ${formatShape(values.max)} (element ${bad} is ${got[bad]}, allowed ${values.min[bad]}..${values.max[bad]})`);
  }
}

function convert(tensor: Tensor, want: DType, name: string, key: string): TensorData {
  const from = tensor.dtype;
  if (from === want) return tensor.data;
  const n = tensor.data.length;
  if (from === 'int64' && want === 'int32') {
    const src = tensor.data as BigInt64Array;
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = src[i]!;
      if (v < INT32_MIN || v > INT32_MAX) {
        throw new InputError(key, `input '${name}' holds ${v} at flat index ${i}, outside the int32 range the TensorRT engine takes (engines built by TensorRT 8.6 turn int64 inputs into int32)`);
      }
      out[i] = Number(v);
    }
    return out;
  }
  if (from === 'int32' && want === 'int64') {
    const src = tensor.data as Int32Array;
    const out = new BigInt64Array(n);
    for (let i = 0; i < n; i++) out[i] = BigInt(src[i]!);
    return out;
  }
  if (from === 'float32' && (want === 'float16' || want === 'bfloat16')) {
    const src = tensor.data as Float32Array;
    const out = new Uint16Array(n);
    const round = want === 'float16' ? floatToHalf : floatToBfloat16;
    for (let i = 0; i < n; i++) out[i] = round(src[i]!);
    return out;
  }
  if (from === 'float16' && want === 'float32') {
    const src = tensor.data as Uint16Array;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = halfToFloat(src[i]!);
    return out;
  }
  throw new InputError(key, `input '${name}' is ${from}, but the TensorRT engine wants ${want}, and trt-parity does not convert ${from} to ${want}`);
}
