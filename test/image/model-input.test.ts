import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { imageInputSpec } from '../../src/image/model-input.js';
import { ExitCode, UsageError } from '../../src/errors.js';
import type { Dim } from '../../src/tensor/types.js';

const info = (shape: Dim[], dtype = 'float32', name = 'x') => ({ name, dtype, shape });

describe('imageInputSpec', () => {
  const ok: [Dim[], string, 'nchw' | 'nhwc', { height: number; width: number } | null][] = [
    [[1, 3, 224, 224], 'float32', 'nchw', { height: 224, width: 224 }],
    [['N', 3, 224, 320], 'float16', 'nchw', { height: 224, width: 320 }],
    [[null, 3, 'height', 'width'], 'float32', 'nchw', null],
    [[1, 480, 640, 3], 'uint8', 'nhwc', { height: 480, width: 640 }],
    [['batch', 'h', 'w', 3], 'uint8', 'nhwc', null],
    [[-1, 3, -1, -1], 'float32', 'nchw', null],
    [[1, 3, 3, 3], 'float32', 'nchw', { height: 3, width: 3 }], // ambiguous: ONNX's NCHW wins
    [[1, 'C', 224, 224], 'float32', 'nchw', { height: 224, width: 224 }],
  ];
  for (const [shape, dtype, layout, size] of ok) {
    test(`[${shape.join(',')}] ${dtype}`, () => {
      assert.deepEqual(imageInputSpec(info(shape, dtype)), { name: 'x', layout, dtype, size });
    });
  }

  const bad: [Dim[], string, string][] = [
    [[1, 10], 'float32', "input 'x' of shape [1,10] is not an image input; feed it with --input x=file.npy"],
    [[1, 3, 224], 'float32', "input 'x' of shape [1,3,224] is not an image input; feed it with --input x=file.npy"],
    [[1, 1, 28, 28], 'float32', "input 'x' of shape [1,1,28,28] takes single-channel images, which trt-parity does not make; feed it with --input x=file.npy"],
    [[1, 28, 28, 1], 'float32', "input 'x' of shape [1,28,28,1] takes single-channel images, which trt-parity does not make; feed it with --input x=file.npy"],
    [[1, 4, 224, 224], 'float32', "input 'x' of shape [1,4,224,224] has no channel axis of size 3 (dim 1 or the last dim); feed it with --input x=file.npy"],
    [[8, 3, 224, 224], 'float32', "input 'x' of shape [8,3,224,224] has a fixed batch of 8; trt-parity feeds one image at a time, so it needs batch 1 or a dynamic batch"],
    [[1, 3, 224, 224], 'int64', "input 'x' of shape [1,3,224,224] has element type int64; image inputs must be float32, float16 or uint8"],
    [[1, 3, 224, 224], 'float64', "input 'x' of shape [1,3,224,224] has element type float64; image inputs must be float32, float16 or uint8"],
    [[1, 3, 224, 'w'], 'float32', "input 'x' of shape [1,3,224,w] fixes only one of height and width; trt-parity cannot choose the other"],
  ];
  for (const [shape, dtype, message] of bad) {
    test(`refuses [${shape.join(',')}] ${dtype}`, () => {
      assert.throws(() => imageInputSpec(info(shape, dtype)), (err: unknown) => {
        assert.ok(err instanceof UsageError);
        assert.equal(err.exitCode, ExitCode.usage);
        assert.equal(err.message, message);
        return true;
      });
    });
  }
});
