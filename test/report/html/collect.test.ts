import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OutputComparison } from '../../../src/compare/types.js';
import { HIST_BINS, HtmlCollector, heatmapsOf, mergeHtmlData, thumbOf } from '../../../src/report/html/collect.js';
import type { ItemResult } from '../../../src/report/model/compare.js';
import type { Tensor } from '../../../src/tensor/types.js';

const f32 = (shape: number[], values: number[] | Float32Array): Tensor => ({ dtype: 'float32', shape, data: Float32Array.from(values) });

/** The parts of an item the collector reads: the output's names, tolerance, stats.maxAbs, mismatch counts. */
function item(key: string, maxAbs: number, total: number, name = 'y'): ItemResult {
  const o = {
    name, firstName: name, secondName: name, tolerance: { rtol: 1e-3, atol: 1e-5 }, passed: maxAbs === 0, mismatched: maxAbs === 0 ? 0 : 1, total,
    stats: { maxAbs }, classes: null,
  } as unknown as OutputComparison;
  return { key, path: null, status: o.passed ? 'pass' : 'fail', outputs: [o], warnings: [], error: null, timing: { preprocessMs: 0, firstMs: 0, secondMs: 0 } };
}

test('the |diff| histogram counts each element in its log10 bin (hand-computed bins)', () => {
  // second = 0, so |diff| = |first| exactly. Bin = floor((log10 d + 12) / 0.25):
  //   3e-6 → floor(6.477·4) = 25;  0.02 → floor(10.301·4) = 41;  5e3 → floor(15.699·4) = 62;
  //   0 → zero;  1e-13 → below;  1e5 → above (bin 68 ≥ 64);  NaN → non-finite.
  const first = [3e-6, 3e-6, 0.02, 5e3, 0, 1e-13, 1e5, NaN];
  const c = new HtmlCollector();
  const a = f32([8], first);
  const b = f32([8], new Array(8).fill(0));
  c.observe(item('k', 1e5, 8), new Map([['y', a]]), new Map([['y', b]]), new Map());
  const h = c.data().outputs[0]!.hist;
  const want = new Array(HIST_BINS).fill(0);
  // float32 rounding of 3e-6, 0.02 and 5e3 keeps them in the same bins.
  want[25] = 2;
  want[41] = 1;
  want[62] = 1;
  assert.deepEqual(h.counts, want);
  assert.deepEqual([h.zero, h.below, h.above, h.nonFinite], [1, 1, 1, 1]);
});

test('the scatter sample is bounded, and shards merged give exactly the sample of one run', () => {
  const opts = { sample: 50, worst: 2 };
  const whole = new HtmlCollector(opts);
  const shards = [new HtmlCollector(opts), new HtmlCollector(opts), new HtmlCollector(opts)];
  for (let k = 0; k < 9; k++) {
    const n = 1000;
    const a = new Float32Array(n);
    const b = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      b[i] = Math.sin(i + k);
      a[i] = b[i]! + ((i * 7 + k) % 13) * 1e-5;
    }
    const it = item(`img${k}.jpg`, 12e-5 + k * 1e-7, n);
    const feeds = new Map<string, Tensor>();
    whole.observe(it, new Map([['y', f32([n], a)]]), new Map([['y', f32([n], b)]]), feeds);
    shards[k % 3]!.observe(it, new Map([['y', f32([n], a)]]), new Map([['y', f32([n], b)]]), feeds);
  }
  const w = whole.data();
  const s = w.outputs[0]!.sample;
  assert.equal(s.p.length, 50, 'the sample holds k elements whatever the run size');
  assert.deepEqual(s.p, [...s.p].sort((x, y) => x - y));
  assert.deepEqual(w.outputs[0]!.worst.map((x) => x.key), ['img8.jpg', 'img7.jpg'], 'the two largest max |diff|');
  const merged = mergeHtmlData(shards.map((c) => c.data()))!;
  assert.deepEqual(merged.outputs, w.outputs, 'histogram, sample and worst list equal');
  assert.deepEqual(merged.flips, w.flips);
});

test('a heatmap shows the error where it is: max-pooled to the requested side, on the right channel', () => {
  // [1, 3, 64, 64]; one element of channel 2 at (x 10, y 20) differs by 0.5, one of channel 0 by 0.1.
  const shape = [1, 3, 64, 64];
  const b = new Float32Array(3 * 64 * 64);
  const a = Float32Array.from(b);
  a[(2 * 64 + 20) * 64 + 10] = 0.5;
  a[(0 * 64 + 63) * 64 + 63] = 0.1;
  const maps = heatmapsOf(a, b, shape, { heatmapSide: 48, heatmapChannels: 2 });
  // Pool factor ceil(64 / 48) = 2, so 32×32 cells; the element lands in cell (x 5, y 10), the other in (31, 31).
  assert.deepEqual(maps.map((m) => [m.channel, m.width, m.height, m.max]), [[2, 32, 32, 0.5], [0, 32, 32, Math.fround(0.1)]]);
  assert.equal(maps[0]!.values[10 * 32 + 5], 0.5);
  assert.equal(maps[0]!.values.filter((v) => v !== 0).length, 1);
  assert.equal(maps[1]!.values[31 * 32 + 31], 0.1, "pooled values to 3 digits");
});

test('a thumbnail stretches the input tensor min..max to 0..255 (NCHW and NHWC)', () => {
  // 1×3×4×4 NCHW: channel c holds c·16 + i for pixel i; min 0 → 0, max 47 → 255.
  const nchw = f32([1, 3, 4, 4], Array.from({ length: 48 }, (_, j) => j));
  const t = thumbOf(new Map([['x', nchw]]), 160)!;
  assert.deepEqual([t.width, t.height, t.sourceWidth, t.sourceHeight], [4, 4, 4, 4]);
  const rgb = Buffer.from(t.rgb!, 'base64');
  // Pixel 5: R = 5, G = 21, B = 37 → round(v / 47 · 255).
  assert.deepEqual([...rgb.subarray(15, 18)], [27, 114, 201]);
  const nhwc = f32([1, 4, 4, 3], Array.from({ length: 48 }, (_, j) => (j % 3) * 16 + Math.floor(j / 3)));
  assert.deepEqual(Buffer.from(thumbOf(new Map([['x', nhwc]]), 160)!.rgb!, 'base64'), rgb, 'the same picture from NHWC');
  assert.equal(thumbOf(new Map([['ids', f32([2, 3], [1, 2, 3, 4, 5, 6])]]), 160), null, 'no image-like input, no thumbnail');
});

test('for a detector, the worst input carries both sides\' boxes as the numpy oracle decodes them', async () => {
  // fixtures/tasks: raw Ultralytics outputs of the fixture detector (second: onnxruntime; first: the
  // same plus seeded noise) and detect-oracle.json, an independent numpy decode + NMS (conf 0.25, IoU 0.7).
  const { readFile } = await import('node:fs/promises');
  const { readNpy } = await import('../../../src/tensor/npy.js');
  const { fixture } = await import('../../helpers/paths.js');
  const oracle = JSON.parse(await readFile(fixture('tasks', 'detect-oracle.json'), 'utf8')) as {
    layouts: { ultralytics: { images: { key: string; first: number[][]; second: number[][] }[] } };
  };
  const want = oracle.layouts.ultralytics.images.find((i) => i.key === 'astronaut')!;
  const side = async (s: string): Promise<Tensor> => readNpy(await readFile(fixture('tasks', 'detect', 'ultralytics', `astronaut.${s}.output0.npy`)));
  const a = await side('first');
  const b = await side('second');
  const c = new HtmlCollector();
  c.observe(item('astronaut', 1, a.data.length, 'output0'), new Map([['output0', a]]), new Map([['output0', b]]), new Map());
  const boxes = c.data().outputs[0]!.worst[0]!.boxes!;
  assert.equal(boxes.layout, 'ultralytics');
  const near = (got: { x1: number; y1: number; x2: number; y2: number; score: number; cls: number }[], exp: number[][]): void => {
    assert.equal(got.length, exp.length);
    // Ours are rounded to float32 for the page: equal to the oracle's within 1e-3 px, in score order.
    const ours = got.map((d) => [d.x1, d.y1, d.x2, d.y2, d.score, d.cls]).sort((p, q) => q[4]! - p[4]!);
    const theirs = [...exp].sort((p, q) => q[4]! - p[4]!);
    for (const [i, box] of ours.entries()) {
      for (const [j, v] of box.entries()) assert.ok(Math.abs(v - theirs[i]![j]!) < 1e-3, `box ${i} field ${j}: ${v} vs ${theirs[i]![j]}`);
    }
  };
  near(boxes.first, want.first);
  near(boxes.second, want.second);
});
