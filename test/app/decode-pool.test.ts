/**
 * The decode pool (src/app/decode-pool.ts) makes the same bytes as in-process loading, whose tensors
 * the 32 pipeline goldens (test/image/pipeline-golden.test.ts, real Pillow/torchvision/cv2 output)
 * pin down; here every fixture image under every pipeline goes through worker threads and must be
 * byte-for-byte the in-process tensor, and a bad file must be the same error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { decodePool, GROW_BUSY, GROW_IDLE_CORES, inProcessLoader, poolSize, shouldGrow } from '../../src/app/decode-pool.js';
import { InputError } from '../../src/errors.js';
import { PIPELINES, resolvePreprocessSpec } from '../../src/image/preprocess-spec.js';
import type { TensorInfo } from '../../src/tensor/types.js';
import { fixture } from '../helpers/paths.js';

const GOOD = [
  ...readdirSync(fixture('images', 'photos')).map((f) => fixture('images', 'photos', f)),
  ...readdirSync(fixture('images', 'pipeline')).map((f) => fixture('images', 'pipeline', f)),
  ...['chelsea.webp', 'chelsea.tif', 'chelsea.avif', 'cmyk.jpg', 'exif-rot6.jpg', 'gray.jpg', 'grey16.png', 'palette.png', 'rgba.png', 'rgb16.png', 'gray-alpha.png', 'anim.gif']
    .map((f) => fixture('images', 'edge', f)),
];
const INPUT: TensorInfo = { name: 'input', dtype: 'float32', shape: [1, 3, 224, 224] };

function bytesOf(d: ArrayBufferView): Buffer {
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

for (const pipeline of PIPELINES) {
  test(`pipeline ${pipeline}: every fixture image gives the in-process tensor, byte for byte, from two workers`, async () => {
    const spec = resolvePreprocessSpec({ pipeline });
    const local = inProcessLoader(spec);
    const pool = decodePool(spec, 2);
    try {
      // Until a worker has loaded sharp the pool decodes in-process; wait, so that this tests the workers.
      await pool.whenReady();
      // All at once: the pool spreads them over both workers and answers each request with its own image.
      const pooled = await Promise.all(GOOD.map((p) => pool.load(p, INPUT)));
      for (let i = 0; i < GOOD.length; i++) {
        const want = await local.load(GOOD[i]!, INPUT);
        const got = pooled[i]!;
        assert.equal(got.tensor.dtype, want.tensor.dtype);
        assert.deepEqual(got.tensor.shape, want.tensor.shape);
        assert.ok(bytesOf(got.tensor.data).equals(bytesOf(want.tensor.data)), `${GOOD[i]}: tensors differ`);
        assert.deepEqual(got.preprocess, want.preprocess);
      }
    } finally {
      await pool.close();
    }
  });
}

test('a bad file is the same InputError, naming the file, from a worker as in-process', async () => {
  const spec = resolvePreprocessSpec({});
  const pool = decodePool(spec, 1);
  try {
    await pool.whenReady();
    for (const name of ['truncated.jpg', 'not-an-image.jpg']) {
      const path = fixture('images', 'edge', name);
      const want = await inProcessLoader(spec).load(path, INPUT).then(() => assert.fail('loaded'), (e: unknown) => e);
      const got = await pool.load(path, INPUT).then(() => assert.fail('loaded'), (e: unknown) => e);
      assert.ok(want instanceof InputError && got instanceof InputError);
      assert.equal(got.message, want.message);
      assert.equal(got.file, path);
      assert.deepEqual(got.hints, want.hints);
      assert.equal(got.exitCode, 2);
    }
  } finally {
    await pool.close();
  }
});

test('pool size: the cores inference leaves, at least one, at most four', () => {
  assert.equal(poolSize(1, 2), 1);
  assert.equal(poolSize(0, 2), 1);
  assert.equal(poolSize(2, 2), 1);
  assert.equal(poolSize(1, 8), 4);
  assert.equal(poolSize(4, 8), 4);
  assert.equal(poolSize(6, 8), 2);
  assert.equal(poolSize(0, 16), 1);
});

test('before any worker is ready, images are decoded in-process, the same bytes', async () => {
  const spec = resolvePreprocessSpec({});
  const pool = decodePool(spec, 1);
  try {
    const [got, want] = await Promise.all([pool.load(GOOD[0]!, INPUT), inProcessLoader(spec).load(GOOD[0]!, INPUT)]);
    assert.ok(bytesOf(got.tensor.data).equals(bytesOf(want.tensor.data)));
    assert.equal(pool.workers, 1, 'the first request started a worker');
  } finally {
    await pool.close();
  }
});

test('a closed pool refuses new work', async () => {
  const pool = decodePool(resolvePreprocessSpec({}), 1);
  await pool.close();
  await assert.rejects(pool.load(GOOD[0]!, INPUT));
});

test('the pool grows only while decode is the bottleneck and the workers\' threads are busy', async () => {
  const spec = resolvePreprocessSpec({});
  // Requests one at a time, each awaited (inference slower than decode): the worker is idle at every
  // request, so the pool stays at its starting size.
  const calm = decodePool(spec, 1, 2);
  try {
    await calm.whenReady();
    for (let i = 0; i < 12; i++) await calm.load(GOOD[i % GOOD.length]!, INPUT);
    assert.equal(calm.workers, 1);
  } finally {
    await calm.close();
  }
  // Twelve requests at once: request after request finds the worker with two or more images queued,
  // but its thread had nothing to do since it became ready (the backlog is queued work, not a busy
  // thread), so no worker is added for it.
  const queued = decodePool(spec, 1, 2);
  try {
    await queued.whenReady();
    const all = await Promise.all(Array.from({ length: 12 }, (_, i) => queued.load(GOOD[i % GOOD.length]!, INPUT)));
    assert.equal(all.length, 12);
    assert.equal(queued.workers, 1);
    assert.equal(queued.ahead, 5);
  } finally {
    await queued.close();
  }
  // A window of five kept full with JavaScript-heavy work (the cv2-exact resize up to 1024x1024 and
  // the normalisation of 3M values per image, against a small JPEG's decode): the worker's thread is
  // busy, the backlog persists, so a second worker starts, and no more than the maximum.
  // The machine's idle time is this test's: one core always idle, or none (the machine full).
  const BIG: TensorInfo = { name: 'input', dtype: 'float32', shape: [1, 3, 1024, 1024] };
  for (const [idleCores, want] of [[1, 2], [0, 1]] as const) {
    const t0 = performance.now();
    const heavy = decodePool(resolvePreprocessSpec({ pipeline: 'opencv' }), 1, 2, () => idleCores * (performance.now() - t0));
    try {
      await heavy.whenReady();
      const window: Promise<unknown>[] = [];
      for (let i = 0; i < 24; i++) {
        window.push(heavy.load(GOOD[i % GOOD.length]!, BIG));
        if (window.length === heavy.ahead) await window.shift();
      }
      await Promise.all(window);
      assert.equal(heavy.workers, want, `${idleCores} idle core(s)`);
    } finally {
      await heavy.close();
    }
  }
});

test('shouldGrow: below the maximum, only when every worker\'s thread was busy and a core was idle', () => {
  assert.equal(shouldGrow(1, 2, [0.95], 1), true);
  assert.equal(shouldGrow(2, 2, [0.95, 0.95], 1), false, 'at the maximum');
  assert.equal(shouldGrow(1, 2, [0.5], 1), false, 'the thread idles half the time: sharp\'s threads are the bottleneck');
  assert.equal(shouldGrow(2, 4, [0.95, 0.6], 2), false, 'one worker still has room');
  assert.equal(shouldGrow(1, 2, [], 1), false, 'no worker ready yet');
  assert.equal(shouldGrow(1, 2, [0.95], 0.1), false, 'no core idle: a new thread would take CPU from the others');
  assert.equal(shouldGrow(1, 2, [GROW_BUSY], GROW_IDLE_CORES), true);
});
