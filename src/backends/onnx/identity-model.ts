/**
 * The smallest model ONNX Runtime accepts: `y = Identity(x)`, x and y float32 of shape [1]
 * (ModelProto: ir_version 7, opset 13), encoded by hand. The session worker creates a session of it
 * while it waits for the first real one: ONNX Runtime's first session in a process pays for the
 * runtime's own start (35-50 ms here, then 2 ms for the next), and that start then overlaps the
 * main thread's work instead of adding to it (issue 14).
 *
 * Protobuf encoding: each field is a key (field number << 3 | wire type: 0 varint, 2 bytes), then a
 * varint or a varint length and the bytes. Field numbers from onnx.proto.
 */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

const int = (field: number, n: number): number[] => [...varint(field << 3), ...varint(n)];
const bytes = (field: number, b: readonly number[]): number[] => [...varint((field << 3) | 2), ...varint(b.length), ...b];
const text = (field: number, s: string): number[] => bytes(field, [...Buffer.from(s, 'utf8')]);

/** ValueInfoProto { name = 1, type = 2: TypeProto { tensor_type = 1: { elem_type = 1 (FLOAT), shape = 2: { dim = 1: { dim_value = 1 } } } } } */
function floatOfOne(name: string): number[] {
  const shape = bytes(1, int(1, 1));
  return [...text(1, name), ...bytes(2, bytes(1, [...int(1, 1), ...bytes(2, shape)]))];
}

export function identityModel(): Uint8Array {
  // GraphProto { node = 1: NodeProto { input = 1, output = 2, op_type = 4 }, name = 2, input = 11, output = 12 }
  const graph = [
    ...bytes(1, [...text(1, 'x'), ...text(2, 'y'), ...text(4, 'Identity')]),
    ...text(2, 'identity'),
    ...bytes(11, floatOfOne('x')),
    ...bytes(12, floatOfOne('y')),
  ];
  // ModelProto { ir_version = 1, graph = 7, opset_import = 8: OperatorSetIdProto { version = 2 } }
  return Uint8Array.from([...int(1, 7), ...bytes(7, graph), ...bytes(8, int(2, 13))]);
}
