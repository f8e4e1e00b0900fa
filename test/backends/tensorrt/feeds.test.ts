import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { prepareInferInputs } from '../../../src/backends/tensorrt/feeds.js';
import type { NativeTensorDesc } from '../../../src/backends/tensorrt/native-contract.js';
import { InputError } from '../../../src/errors.js';
import type { Tensor } from '../../../src/tensor/types.js';

function desc(over: Partial<NativeTensorDesc> & Pick<NativeTensorDesc, 'name' | 'dtype' | 'shape'>): NativeTensorDesc {
  return { mode: 'input', location: 'device', format: 'LINEAR', formatDesc: '', isShapeTensor: false, profiles: [], aliasedInput: null, ...over };
}
const feeds = (...entries: [string, Tensor][]): Map<string, Tensor> => new Map(entries);

const image = desc({ name: 'x', dtype: 'float32', shape: [-1, 3, 2, 2], profiles: [{ min: [1, 3, 2, 2], opt: [2, 3, 2, 2], max: [4, 3, 2, 2] }, { min: [8, 3, 2, 2], opt: [8, 3, 2, 2], max: [16, 3, 2, 2] }] });
const f32 = (shape: number[], fill = 0.5): Tensor => ({ dtype: 'float32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill) });

describe('shapes', () => {
  test('a shape within the profile passes through untouched (same memory)', () => {
    const t = f32([2, 3, 2, 2]);
    const { inputs, conversions } = prepareInferInputs(feeds(['x', t]), [image], 0, 'a.jpg');
    assert.equal(inputs.length, 1);
    assert.deepEqual(inputs[0]!.shape, [2, 3, 2, 2]);
    assert.equal(inputs[0]!.data, t.data);
    assert.deepEqual(conversions, []);
  });

  test('outside the profile: names the allowed range and the dim, before any native call', () => {
    assert.throws(() => prepareInferInputs(feeds(['x', f32([8, 3, 2, 2])]), [image], 0, 'a.jpg'), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.equal(err.message, "a.jpg: input 'x' has shape [8,3,2,2], outside optimization profile 0 of the TensorRT engine: allowed [1,3,2,2] .. [4,3,2,2] (dim 0 is 8, allowed 1..4)");
      assert.match(err.hints[0]!, /--profile/);
      return true;
    });
  });

  test('the chosen profile is the one checked', () => {
    assert.doesNotThrow(() => prepareInferInputs(feeds(['x', f32([8, 3, 2, 2])]), [image], 1, 'a.jpg'));
    assert.throws(() => prepareInferInputs(feeds(['x', f32([2, 3, 2, 2])]), [image], 1, 'a.jpg'), /allowed \[8,3,2,2\] \.\. \[16,3,2,2\]/);
  });

  test('wrong rank and wrong static dim', () => {
    assert.throws(() => prepareInferInputs(feeds(['x', f32([3, 2, 2])]), [image], 0, 'a.jpg'), /has shape \[3,2,2\], but the TensorRT engine wants rank 4: \[\?,3,2,2\]$/);
    assert.throws(() => prepareInferInputs(feeds(['x', f32([1, 1, 2, 2])]), [image], 0, 'a.jpg'), /wants \[\?,3,2,2\] \(dim 1 must be 3\)$/);
  });

  test('missing and unknown inputs are named with what the engine has', () => {
    assert.throws(() => prepareInferInputs(feeds(), [image], 0, 'a.jpg'), /^InputError: a\.jpg: the TensorRT engine needs input 'x' \(float32 \[\?,3,2,2\]\), which was not given \(given: none\)$/);
    assert.throws(() => prepareInferInputs(feeds(['x', f32([1, 3, 2, 2])], ['y', f32([1])]), [image], 0, 'a.jpg'), /'y' is not an input of the TensorRT engine \(its inputs: 'x'\)/);
  });
});

describe('dtype conversions', () => {
  test('int64 → int32 for engines that take int32 (TensorRT 8.6)', () => {
    const ids = desc({ name: 'ids', dtype: 'int32', shape: [1, 4] });
    const t: Tensor = { dtype: 'int64', shape: [1, 4], data: BigInt64Array.from([0n, -1n, 2147483647n, -2147483648n]) };
    const { inputs, conversions } = prepareInferInputs(feeds(['ids', t]), [ids], 0, 'k');
    assert.ok(inputs[0]!.data instanceof Int32Array);
    assert.deepEqual(Array.from(inputs[0]!.data as Int32Array), [0, -1, 2147483647, -2147483648]);
    assert.deepEqual(conversions, ["input 'ids': int64 → int32"]);
  });

  test('int64 values outside int32 are refused, naming value and index', () => {
    const ids = desc({ name: 'ids', dtype: 'int32', shape: [3] });
    const t: Tensor = { dtype: 'int64', shape: [3], data: BigInt64Array.from([1n, 2147483648n, 0n]) };
    assert.throws(() => prepareInferInputs(feeds(['ids', t]), [ids], 0, 'k'), /input 'ids' holds 2147483648 at flat index 1, outside the int32 range/);
  });

  test('int32 → int64 widens', () => {
    const ids = desc({ name: 'ids', dtype: 'int64', shape: [2] });
    const { inputs } = prepareInferInputs(feeds(['ids', { dtype: 'int32', shape: [2], data: Int32Array.from([-7, 9]) }]), [ids], 0, 'k');
    assert.deepEqual(Array.from(inputs[0]!.data as BigInt64Array), [-7n, 9n]);
  });

  test('float32 → float16 rounds as numpy astype(float16)', () => {
    // Oracle: /usr/bin/python3, numpy 1.24: np.array(v, np.float32).astype(np.float16).view(np.uint16)
    //   1.0→0x3c00 0.1→0x2e66 65504→0x7bff -2.0→0xc000 1/3→0x3555 70000→0x7c00 (inf)
    const half = desc({ name: 'x', dtype: 'float16', shape: [6] });
    const t: Tensor = { dtype: 'float32', shape: [6], data: Float32Array.from([1, 0.1, 65504, -2, 1 / 3, 70000]) };
    const { inputs, conversions } = prepareInferInputs(feeds(['x', t]), [half], 0, 'k');
    assert.ok(inputs[0]!.data instanceof Uint16Array);
    assert.deepEqual(Array.from(inputs[0]!.data as Uint16Array), [0x3c00, 0x2e66, 0x7bff, 0xc000, 0x3555, 0x7c00]);
    assert.deepEqual(conversions, ["input 'x': float32 → float16"]);
  });

  test('float32 → bfloat16 rounds to nearest even', () => {
    // By hand: 1.0 = 0x3f800000 → 0x3f80; 0.1f = 0x3dcccccd, low half 0xcccd > 0x8000 → 0x3dcd.
    const bf = desc({ name: 'x', dtype: 'bfloat16', shape: [2] });
    const { inputs } = prepareInferInputs(feeds(['x', { dtype: 'float32', shape: [2], data: Float32Array.from([1, 0.1]) }]), [bf], 0, 'k');
    assert.deepEqual(Array.from(inputs[0]!.data as Uint16Array), [0x3f80, 0x3dcd]);
  });

  test('other pairs are refused with both dtypes named', () => {
    const u8 = desc({ name: 'x', dtype: 'uint8', shape: [1] });
    assert.throws(() => prepareInferInputs(feeds(['x', f32([1])]), [u8], 0, 'k'), /input 'x' is float32, but the TensorRT engine wants uint8, and trt-parity does not convert float32 to uint8$/);
  });

  test('engine input types we cannot produce are refused', () => {
    const fp8 = desc({ name: 'x', dtype: 'fp8', shape: [1] });
    assert.throws(() => prepareInferInputs(feeds(['x', f32([1])]), [fp8], 0, 'k'), /wants input 'x' as fp8, which trt-parity cannot produce/);
  });
});

describe('host shape tensors', () => {
  const target = desc({ name: 'shape', dtype: 'int32', shape: [2], location: 'host', isShapeTensor: true, profiles: [{ min: [2], opt: [2], max: [2], values: { min: [1, 4], opt: [2, 8], max: [4, 16] } }] });

  test('travel as their values (int64 converted to int32), shape = shape of the values', () => {
    const t: Tensor = { dtype: 'int64', shape: [2], data: BigInt64Array.from([2n, 8n]) };
    const { inputs } = prepareInferInputs(feeds(['shape', t]), [target], 0, 'k');
    assert.deepEqual(inputs[0]!.shape, [2]);
    assert.deepEqual(Array.from(inputs[0]!.data as Int32Array), [2, 8]);
  });

  test('values outside the profile range are refused with the allowed values', () => {
    const t: Tensor = { dtype: 'int32', shape: [2], data: Int32Array.from([2, 32]) };
    assert.throws(() => prepareInferInputs(feeds(['shape', t]), [target], 0, 'k'), /shape-tensor input 'shape' holds \[2,32\], outside optimization profile 0 .* allowed values \[1,4\] \.\. \[4,16\] \(element 1 is 32, allowed 4\.\.16\)$/);
  });
});
