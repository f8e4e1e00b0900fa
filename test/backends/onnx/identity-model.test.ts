/**
 * The hand-encoded warm-up model (src/backends/onnx/identity-model.ts) is a valid ModelProto that
 * ONNX Runtime loads and runs as y = x. Checked by ONNX Runtime itself and by the proto reader,
 * neither of which shares code with the encoder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { identityModel } from '../../../src/backends/onnx/identity-model.js';
import { parseOnnxModel } from '../../../src/backends/onnx/model-info.js';

test('the proto reader sees one float32 [1] input x, one output y, ir_version 7, opset 13', () => {
  const m = parseOnnxModel(identityModel(), 'identity');
  assert.equal(m.irVersion, 7);
  assert.deepEqual(m.opsets.map((o) => [o.domain, o.version]), [['', 13]]);
  assert.deepEqual(m.inputs.map((i) => [i.name, i.dtype, i.shape]), [['x', 'float32', [1]]]);
  assert.deepEqual(m.outputs.map((o) => [o.name, o.dtype, o.shape]), [['y', 'float32', [1]]]);
});

test('ONNX Runtime loads it and returns its input', async () => {
  const session = await ort.InferenceSession.create(identityModel());
  try {
    assert.deepEqual(session.inputNames, ['x']);
    assert.deepEqual(session.outputNames, ['y']);
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.of(-2.5), [1]) });
    assert.deepEqual([...(out['y']!.data as Float32Array)], [-2.5]);
  } finally {
    await session.release();
  }
});
