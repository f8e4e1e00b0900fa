/**
 * `compare` (src/app/compare.ts) opens both backends as soon as it starts, before the preprocessing is
 * chosen (issue 14: the sessions are created while sharp loads). An error found after that must not
 * leave a backend open.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compare } from '../../src/app/compare.js';
import { OnnxBackend } from '../../src/backends/onnx/onnx-backend.js';
import { UsageError } from '../../src/errors.js';
import { fixture } from '../helpers/paths.js';

const classifier = fixture('models', 'classifier.onnx');

test('a refusal after the backends started opening (a saved run made with another pipeline) releases the ONNX Runtime session opened meanwhile', async () => {
  // fixtures/runs/classifier-numpy was saved from inputs made with the pil pipeline.
  await assert.rejects(
    compare({ first: classifier, second: fixture('runs', 'classifier-numpy'), inputs: [fixture('images', 'photos', 'chelsea.jpg')], preprocess: { pipeline: 'sharp' } }),
    (e: unknown) => e instanceof UsageError && /--pipeline pil; this run uses --pipeline sharp/.test(e.message),
  );
  // The worker ends when its last session is released: if compare had left its session open, the
  // worker would outlive `probe` and the next backend would get the same one.
  const probe = await OnnxBackend.open(classifier);
  const worker = probe.workerThreadId;
  await probe.dispose();
  const next = await OnnxBackend.open(classifier);
  try {
    assert.notEqual(next.workerThreadId, worker);
  } finally {
    await next.dispose();
  }
});
