/**
 * The decode pool (src/app/decode-pool.ts) makes the same bytes as in-process loading, whose tensors
 * the 32 pipeline goldens (test/image/pipeline-golden.test.ts, real Pillow/torchvision/cv2 output)
 * pin down; here every fixture image under every pipeline goes through worker threads and must be
 * byte-for-byte the in-process tensor, and a bad file must be the same error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodePool, type ImageLoader, inProcessLoader, poolSize } from '../../src/app/decode-pool.js';
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
 * Loads `file` through `loader` the way runCompare does (a window of `loader.ahead` kept full,
 * consumed in order) until `done()` holds or `ms` have passed; the loads made. One file makes every
 * load the same work, so they finish in the order asked.
 */
async function windowedUntil(loader: Pick<ImageLoader, 'load' | 'ahead'>, done: () => boolean, ms: number, input: TensorInfo, file: string): Promise<number> {
  const window: Promise<unknown>[] = [];
  const until = performance.now() + ms;
  let loads = 0;
  while (!done() && performance.now() < until) {
    window.push(loader.load(file, input));
    loads++;
    if (window.length === loader.ahead) await window.shift();
  }
  await Promise.all(window);
  return loads;
}

// The cv2-exact resize up to 1024x1024 and the normalisation of 3M values per image, one image at a
// time on a thread: work slower than its consumer, so the window backs up behind the JavaScript.
const BIG: TensorInfo = { name: 'input', dtype: 'float32', shape: [1, 3, 1024, 1024] };

test('the pool starts in-process and adds workers, up to its maximum, only while its JavaScript is the bottleneck', async () => {
  const spec = resolvePreprocessSpec({});
  // Requests one at a time, each awaited (inference slower than decode): nothing is ever backed up,
  // so no worker starts.
  const calm = decodePool(spec, 2, { idleCores: () => 2 });
  try {
    for (let i = 0; i < 12; i++) await calm.load(GOOD[i % GOOD.length]!, INPUT);
    assert.equal(calm.workers, 0);
    assert.equal(calm.backedUp, 0);
  } finally {
    await calm.close();
  }
  // Interval after interval finds the main thread, then the worker, saturated with images queued,
  // and (the probe says) a core idle: the pool grows to its maximum. The machine's idle CPU is the
  // probe's here, so that a loaded test machine cannot decide; the next test gives it none.
  const heavy = resolvePreprocessSpec({ pipeline: 'opencv' });
  for (const max of [1, 2]) {
    const busy = decodePool(heavy, max, { idleCores: () => 2 });
    try {
      const loads = await windowedUntil(busy, () => busy.workers === max, 20_000, BIG, fixture('images', 'photos', 'chelsea.jpg'));
      assert.equal(busy.workers, max, `after ${loads} loads`);
      assert.equal(busy.ahead, max + 2);
    } finally {
      await busy.close();
    }
  }
});

test('a saturated thread starts no worker when no core is idle (another thread would only take turns with it)', async () => {
  const busy = decodePool(resolvePreprocessSpec({ pipeline: 'opencv' }), 2, { idleCores: () => 0 });
  try {
    const loads = await windowedUntil(busy, () => false, 1500, BIG, fixture('images', 'photos', 'chelsea.jpg'));
    assert.ok(busy.backedUp >= loads / 2, `the window should have backed up (${busy.backedUp} of ${loads} requests found it so)`);
    assert.equal(busy.workers, 0);
  } finally {
    await busy.close();
  }
});

test('images queued behind sharp while the main thread idles start no worker (a worker adds no decoding)', async () => {
  // A large noisy JPEG under the sharp pipeline: libvips decodes and resizes it on libuv's threads,
  // so the window backs up while this thread has nothing to do. The old rule (backlog alone) grew
  // here; the count of backed-up requests shows that the case arose, so the test can fail.
  const dir = mkdtempSync(join(tmpdir(), 'decode-pool-'));
  try {
    const big = join(dir, 'noise.jpg');
    const width = 2000;
    const height = 1500;
    const noise = Buffer.alloc(width * height * 3);
    let x = 12345;
    for (let i = 0; i < noise.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      noise[i] = x >>> 24;
    }
    await sharp(noise, { raw: { width, height, channels: 3 } }).jpeg({ quality: 95 }).toFile(big);
    // Idle cores as the probe says (2): only the thread's own utilisation can keep the pool in-process.
    const pool = decodePool(resolvePreprocessSpec({ pipeline: 'sharp' }), 2, { idleCores: () => 2 });
    try {
      await windowedUntil(pool, () => false, 1500, INPUT, big);
      assert.ok(pool.backedUp >= 10, `the window should have backed up (${pool.backedUp} requests found it so)`);
      assert.equal(pool.workers, 0);
    } finally {
      await pool.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
