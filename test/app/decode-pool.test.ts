/**
 * The decode pool (src/app/decode-pool.ts) makes the same bytes as in-process loading, whose tensors
 * the 32 pipeline goldens (test/image/pipeline-golden.test.ts, real Pillow/torchvision/cv2 output)
 * pin down; here every fixture image under every pipeline goes through worker threads and must be
 * byte-for-byte the in-process tensor, and a bad file must be the same error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { decodePool, GROW_AFTER, type ImageLoader, inProcessLoader, poolSize } from '../../src/app/decode-pool.js';
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
    const pool = decodePool(spec, 2, { start: 2 });
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
  const pool = decodePool(spec, 1, { start: 1 });
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

test('pool size: one worker per core, at most four, at least one', () => {
  assert.equal(poolSize(1), 1);
  assert.equal(poolSize(2), 2);
  assert.equal(poolSize(8), 4);
  assert.equal(poolSize(0), 1);
});

test('before any worker is ready, images are decoded in-process, the same bytes', async () => {
  const spec = resolvePreprocessSpec({});
  const pool = decodePool(spec, 1, { start: 1 });
  try {
    const [got, want] = await Promise.all([pool.load(GOOD[0]!, INPUT), inProcessLoader(spec).load(GOOD[0]!, INPUT)]);
    assert.ok(bytesOf(got.tensor.data).equals(bytesOf(want.tensor.data)));
    assert.equal(pool.workers, 1, 'the worker asked for is starting');
  } finally {
    await pool.close();
  }
});

test('a closed pool refuses new work', async () => {
  const pool = decodePool(resolvePreprocessSpec({}), 1, { start: 1 });
  await pool.close();
  await assert.rejects(pool.load(GOOD[0]!, INPUT));
});

/**
 * Loads `count` images through `loader` the way runCompare does: a window of `loader.ahead` kept full,
 * consumed in order. `files` defaults to every fixture; one file makes every load the same work, so
 * they finish in the order asked (images of different sizes finish out of order, and a load that
 * finished before an older one is no longer queued when the older one's consumer asks for more).
 */
async function windowed(loader: Pick<ImageLoader, 'load' | 'ahead'>, count: number, input: TensorInfo, files: readonly string[] = GOOD): Promise<void> {
  const window: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    window.push(loader.load(files[i % files.length]!, input));
    if (window.length === loader.ahead) await window.shift();
  }
  await Promise.all(window);
}

test('the pool starts in-process and adds workers, up to its maximum, only while decode is the bottleneck', async () => {
  const spec = resolvePreprocessSpec({});
  // Requests one at a time, each awaited (inference slower than decode): nothing is ever backed up,
  // so no worker starts.
  const calm = decodePool(spec, 2);
  try {
    for (let i = 0; i < 12; i++) await calm.load(GOOD[i % GOOD.length]!, INPUT);
    assert.equal(calm.workers, 0);
  } finally {
    await calm.close();
  }
  // The window kept full with work slower than its consumer (the cv2-exact resize up to 1024x1024
  // and the normalisation of 3M values per image, one image at a time on a thread): request after
  // request finds the main thread, then the worker, with two or more images queued, so the pool
  // grows to its maximum. In-process, sharp decodes several images at once on libuv's threads and they
  // finish in any order, so a request finds one image queued instead of two now and then, which
  // restarts the count of backed-up requests: enough requests that a run of GROW_AFTER comes anyway
  // (about 1 in 4 runs of 26 requests went without one; none of 25 runs of 66).
  const BIG: TensorInfo = { name: 'input', dtype: 'float32', shape: [1, 3, 1024, 1024] };
  const heavy = resolvePreprocessSpec({ pipeline: 'opencv' });
  for (const max of [1, 2]) {
    const busy = decodePool(heavy, max);
    try {
      await windowed(busy, 2 * busy.ahead + 12 * (GROW_AFTER + 1), BIG, [fixture('images', 'photos', 'chelsea.jpg')]);
      assert.equal(busy.workers, max);
      assert.equal(busy.ahead, 2 * max + 1);
    } finally {
      await busy.close();
    }
  }
});
