import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bench } from '../src/index.js';
import { fixture } from './helpers/paths.js';

describe('library bench()', () => {
  test('the report records the TensorRT settings it was given, not the defaults', async () => {
    const measure = { warmupMs: 0, iterations: 1, durationMs: 0 };
    const shapes = new Map([['x', [1, 3, 2, 2]]]); // affine.onnx's input is dynamic
    const asked = await bench({ models: [fixture('models', 'affine.onnx')], measure, shapes, backend: { transfers: false, cudaGraph: true } });
    assert.deepEqual(asked.settings.tensorrt, { transfers: false, cudaGraph: true });
    const plain = await bench({ models: [fixture('models', 'affine.onnx')], measure, shapes });
    assert.deepEqual(plain.settings.tensorrt, { transfers: true, cudaGraph: false });
  });
});
