/**
 * The vocabulary every module speaks: host tensors in plain typed arrays.
 *
 * float16 and bfloat16 travel as their raw IEEE bits in a Uint16Array (Node 20 has no
 * Float16Array, and onnxruntime-node and the TensorRT addon both hand out raw bits);
 * bool travels as a Uint8Array of 0/1. Data is always dense, row-major, on the host.
 */
export type DType = 'float32' | 'float16' | 'bfloat16' | 'int8' | 'uint8' | 'int32' | 'int64' | 'bool';

export const DTYPES: readonly DType[] = ['float32', 'float16', 'bfloat16', 'int8', 'uint8', 'int32', 'int64', 'bool'];

export type TensorData = Float32Array | Uint16Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;

export interface Tensor {
  readonly dtype: DType;
  /** Concrete dims only. */
  readonly shape: readonly number[];
  readonly data: TensorData;
}

/** Ordered by the producer's I/O order. */
export type TensorMap = ReadonlyMap<string, Tensor>;

/** A dimension as a model declares it: a number, a named symbol ("N", "height"), or null when unnamed and dynamic. */
export type Dim = number | string | null;

/** What a model or engine says about one of its inputs or outputs. */
export interface TensorInfo {
  readonly name: string;
  /** A DType when we support it; otherwise the producer's own type name (e.g. "string", "float64"). */
  readonly dtype: string;
  readonly shape: readonly Dim[];
}
