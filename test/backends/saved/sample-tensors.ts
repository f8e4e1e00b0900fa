/** Shared sample tensors for the saved-run tests. */
import type { Tensor, TensorMap } from '../../../src/tensor/types.js';
import assert from 'node:assert/strict';

export const input = (v: number, shape = [1, 3, 2, 2]): TensorMap =>
  new Map([['input', { dtype: 'float32', shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => v + i / 8) } as Tensor]]);

/** One output of every dtype, bfloat16 included (its dtype only survives through the manifest). */
export const outputs = (v: number): TensorMap => new Map<string, Tensor>([
  ['logits', { dtype: 'float32', shape: [1, 4], data: Float32Array.of(v, -v, 1e-30, NaN) }],
  ['half', { dtype: 'float16', shape: [2], data: Uint16Array.of(0x3c00, 0x7c00) }],
  ['brain', { dtype: 'bfloat16', shape: [2], data: Uint16Array.of(0x3f80, 0xc020) }],
  ['label', { dtype: 'int64', shape: [1], data: BigInt64Array.of(2n ** 62n + BigInt(v)) }],
  ['i32', { dtype: 'int32', shape: [1], data: Int32Array.of(-7) }],
  ['i8', { dtype: 'int8', shape: [1], data: Int8Array.of(-128) }],
  ['u8', { dtype: 'uint8', shape: [1], data: Uint8Array.of(255) }],
  ['mask', { dtype: 'bool', shape: [1, 2], data: Uint8Array.of(1, 0) }],
  ['out:0', { dtype: 'float32', shape: [], data: Float32Array.of(3) }],
  ['out/0', { dtype: 'float32', shape: [0], data: new Float32Array(0) }],
]);

export const infos = [...outputs(0)].map(([name, t]) => ({ name, dtype: t.dtype, shape: [...t.shape] }));
export const options = (source = 'model.onnx') => ({ kind: 'outputs' as const, backend: 'onnxruntime', source, outputs: infos, inputs: [{ name: 'input', dtype: 'float32', shape: [1, 3, 'h', 'w'] }] });

export function sameTensors(a: TensorMap, b: TensorMap): void {
  assert.deepEqual([...a.keys()], [...b.keys()]);
  for (const [name, t] of a) {
    const u = b.get(name)!;
    assert.equal(u.dtype, t.dtype, name);
    assert.deepEqual([...u.shape], [...t.shape], name);
    assert.deepEqual(Buffer.from(u.data.buffer, u.data.byteOffset, u.data.byteLength), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength), name);
  }
}

