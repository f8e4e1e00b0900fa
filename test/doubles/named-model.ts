/**
 * A valid ONNX model whose names are whatever a test wants: `y = Identity(x)` over float32 [1,3,8,8],
 * with the input, the output, the graph, the producer and one metadata entry named as given. For
 * hostile-name tests: a model is a file from outside, and its strings reach the terminal through
 * inspect, compare and bench. Built with onnx-proto (a dev dependency); CI needs no Python.
 */
import { writeFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export function namedModelBytes(input: string, output: string, text: string): Uint8Array {
  const DT = onnx.TensorProto.DataType;
  const shape = { dim: [1, 3, 8, 8].map((dimValue) => ({ dimValue })) };
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: text,
    producerVersion: '1',
    opsetImport: [{ domain: '', version: 13 }],
    metadataProps: [{ key: text, value: text }],
    graph: {
      name: text,
      node: [{ opType: 'Identity', input: [input], output: [output], name: 'identity' }],
      input: [{ name: input, type: { tensorType: { elemType: DT.FLOAT, shape } } }],
      output: [{ name: output, type: { tensorType: { elemType: DT.FLOAT, shape } } }],
    },
  });
  const problem = onnx.ModelProto.verify(model);
  if (problem) throw new Error(`named model: ${problem}`);
  return onnx.ModelProto.encode(model).finish();
}

/** Writes the model to `path` and returns `path`. */
export function writeNamedModel(path: string, input: string, output: string, text: string): string {
  writeFileSync(path, namedModelBytes(input, output, text));
  return path;
}
