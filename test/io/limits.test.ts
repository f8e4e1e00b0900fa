/** Size limits (src/io/limits.ts). Byte counts are hand-computed: 1*3*20000*20000*4 = 4.8e9 bytes = 4.47 GiB. */
import assert from 'node:assert/strict';
import { cpus } from 'node:os';
import { test } from 'node:test';
import { InputError, UsageError } from '../../src/errors.js';
import { checkModelInputSize, checkTensorSize, checkThreads, DEFAULT_MAX_TENSOR_BYTES, formatBytes, parseByteSize, tensorBytes } from '../../src/io/limits.js';

test('the default tensor limit is at most 2 GiB and positive', () => {
  assert.ok(DEFAULT_MAX_TENSOR_BYTES > 0 && DEFAULT_MAX_TENSOR_BYTES <= 2 ** 31);
});

test('a model input fixed at [1,3,20000,20000] is refused naming the model, the input and its size', () => {
  assert.throws(
    () => checkModelInputSize('m.onnx', { name: 'images', dtype: 'float32', shape: [1, 3, 20000, 20000] }, 2 ** 31),
    (e: unknown) => e instanceof InputError && e.message === "m.onnx: model input 'images': [1,3,20000,20000] of float32 is 4.47 GiB, over the limit of 2 GiB",
  );
  // Dynamic dims are judged on the tensors fed, not here.
  checkModelInputSize('m.onnx', { name: 'x', dtype: 'float32', shape: [1, 3, 'h', 'w'] }, 2 ** 31);
});

test('sizes past 2^53 are not wrapped or rounded into something small', () => {
  assert.equal(tensorBytes([1, 3, 100000, 100000], 4), 120_000_000_000);
  assert.equal(tensorBytes([1e10, 1e10], 4), Infinity);
  assert.throws(() => checkTensorSize('--shape x', [1e10, 1e10], 4, 'float32', 1000), /more bytes than can be counted/);
});

test('--max-tensor-bytes takes plain and suffixed sizes and refuses the rest', () => {
  assert.equal(parseByteSize('1000'), 1000);
  assert.equal(parseByteSize('512M'), 512 * 1024 ** 2);
  assert.equal(parseByteSize('2GiB'), 2 * 1024 ** 3);
  for (const bad of ['0', '-1', 'abc', '', '1.5.5G']) assert.throws(() => parseByteSize(bad), UsageError, bad);
  assert.throws(() => parseByteSize('99T'), /more than one buffer can hold/);
});

test('--threads above the core count is a usage error', () => {
  checkThreads(cpus().length);
  assert.throws(() => checkThreads(100000), (e: unknown) => e instanceof UsageError && /--threads 100000 is more than this machine's/.test(e.message));
});

test('formatBytes', () => {
  assert.equal(formatBytes(300), '300 bytes');
  assert.equal(formatBytes(2048), '2 KiB');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(4.8e9), '4.47 GiB');
});
