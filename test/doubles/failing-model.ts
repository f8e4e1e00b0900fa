/**
 * An ONNX model that loads but fails at run time on every input: `y = Gather(x, [5], axis 0)` over an
 * input `x` float32 [1,3,8,8], whose axis 0 has one element. The graph is valid (onnx.checker with
 * full_check accepts it: index values are data, not checked by shape inference) and ONNX Runtime
 * loads it, then every run fails with "indices element out of data bounds, idx=5 must be within the
 * inclusive range [-1,0]".
 *
 * Checked once with the Python oracle (onnx 1.23.2 checker full_check, onnxruntime 1.32 CPU:
 * InferenceSession loads, run raises INVALID_ARGUMENT) on the bytes this function writes; the
 * tests check the ORT behaviour again through trt-parity itself.
 *
 * Built here with onnx-proto (a dev dependency), not committed: CI needs no Python.
 */
import { writeFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export function failingModelBytes(): Uint8Array {
  const DT = onnx.TensorProto.DataType;
  const AT = onnx.AttributeProto.AttributeType;
  const dims = (d: readonly number[]): { dim: { dimValue: number }[] } => ({ dim: d.map((dimValue) => ({ dimValue })) });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'trt-parity-tests',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'fails-at-run-time',
      node: [{ opType: 'Gather', input: ['x', 'idx'], output: ['y'], name: 'gather', attribute: [{ name: 'axis', type: AT.INT, i: 0 }] }],
      initializer: [{ name: 'idx', dims: [1], dataType: DT.INT64, int64Data: [5] }],
      input: [{ name: 'x', type: { tensorType: { elemType: DT.FLOAT, shape: dims([1, 3, 8, 8]) } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: DT.FLOAT, shape: dims([1, 3, 8, 8]) } } }],
    },
  });
  const problem = onnx.ModelProto.verify(model);
  if (problem) throw new Error(`failing model: ${problem}`);
  return onnx.ModelProto.encode(model).finish();
}

/** Writes the model to `path` and returns `path`. */
export function writeFailingModel(path: string): string {
  writeFileSync(path, failingModelBytes());
  return path;
}
