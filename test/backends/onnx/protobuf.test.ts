import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtobufError, fields } from '../../../src/backends/onnx/protobuf.js';

test('protobuf fields(): varints up to 64 bits, including negatives', () => {
  // field 1 varint 300 (0xac 0x02); field 2 varint -1 (ten bytes); field 3 bytes "hi"
  const msg = Uint8Array.of(0x08, 0xac, 0x02, 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x1a, 0x02, 0x68, 0x69);
  const f = [...fields(msg)];
  assert.deepEqual(f.map((x) => [x.number, x.wireType, x.varint]), [[1, 0, 300], [2, 0, -1], [3, 2, 0]]);
  assert.equal(Buffer.from(f[2]!.bytes).toString(), 'hi');
});

test('protobuf fields(): truncated and malformed input throw ProtobufError', () => {
  assert.throws(() => [...fields(Uint8Array.of(0x1a, 0x05, 0x68))], /field 3 claims 5 bytes but only 1 remain/);
  assert.throws(() => [...fields(Uint8Array.of(0x08, 0xff))], ProtobufError);
  assert.throws(() => [...fields(Uint8Array.of(0x0b))], /unsupported wire type 3/);
  assert.throws(() => [...fields(Uint8Array.of(0x00, 0x00))], /field number 0/);
});
