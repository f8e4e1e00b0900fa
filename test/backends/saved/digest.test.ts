import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensorMapDigest } from '../../../src/backends/saved/digest.js';
import type { Tensor } from '../../../src/tensor/types.js';

const a: Tensor = { dtype: 'float32', shape: [2], data: Float32Array.of(1, -2.5) };
const b: Tensor = { dtype: 'int64', shape: [1, 1], data: BigInt64Array.of(-3n) };

test('matches the documented serialisation, hashed independently by Python hashlib', () => {
  // Golden from /usr/bin/python3: sha256 of b"trt-parity-tensors-v1\n2\n" then, per name in sorted
  // order, f"{len(name)}:" name f"\n{dtype}\n[{dims}]\n{nbytes}\n" and the little-endian bytes.
  assert.equal(tensorMapDigest(new Map([['a', a], ['b', b]])),
    'sha256:179c197951283f0717c6ce80aae0f3c7538ad7046563952b3c30b7eb6ace7e99');
});

test('does not depend on map order', () => {
  assert.equal(tensorMapDigest(new Map([['b', b], ['a', a]])), tensorMapDigest(new Map([['a', a], ['b', b]])));
});

test('changes with any name, dtype, shape or single bit', () => {
  const base = tensorMapDigest(new Map([['a', a]]));
  const variants: Tensor[] = [
    { ...a, dtype: 'int32', data: new Int32Array(a.data.buffer.slice(0)) }, // same bytes, other dtype
    { ...a, shape: [1, 2] },
    { ...a, data: Float32Array.of(1, -2.5000002) },
  ];
  for (const v of variants) assert.notEqual(tensorMapDigest(new Map([['a', v]])), base);
  assert.notEqual(tensorMapDigest(new Map([['x', a]])), base);
  assert.notEqual(tensorMapDigest(new Map()), base);
  // Only the viewed bytes count, not the rest of a shared buffer.
  const big = Float32Array.of(9, 1, -2.5, 9);
  assert.equal(tensorMapDigest(new Map([['a', { ...a, data: big.subarray(1, 3) }]])), base);
});
