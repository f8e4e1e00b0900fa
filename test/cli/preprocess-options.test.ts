/**
 * Every preprocessing option of `compare`, seen through --save-inputs: the saved .npy is read back
 * and known pixels of tiny lossless PNGs (written here with sharp, so their decoded RGB is exactly
 * what we wrote) are checked against hand arithmetic.
 *
 * affine.onnx has a dynamic H×W, so images keep their size; classifier.onnx fixes 224×224, so the
 * resize modes act on it.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Tensor } from '../../src/tensor/types.js';
import { cli, models, photos, savedTensor, shown, tempDir, type CliResult } from './run-cli.js';

const W = 4;
const H = 3;
/** The tiny picture: every pixel distinct, values easy to compute with. */
const rgb = (x: number, y: number): [number, number, number] => [20 + 60 * x, 255 - 80 * y, 7 * x + 30 * y];

/** 448×224 in three vertical bands: red (x < 112), green (112 ≤ x < 336), blue (x ≥ 336). */
const BAND = (x: number): [number, number, number] => (x < 112 ? [255, 0, 0] : x < 336 ? [0, 255, 0] : [0, 0, 255]);

const affine = models('affine.onnx');
const classifier = models('classifier.onnx');
const RAW = ['--scale', '1', '--mean', '0,0,0', '--std', '1,1,1'];

let dir: string;
let tiny: string;
const r: Record<string, CliResult> = {};
const saved: Record<string, Tensor> = {};

before(async () => {
  dir = await tempDir('preprocess');
  tiny = join(dir, 'tiny.png');
  const bands = join(dir, 'bands.png');
  const px = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) px.set(rgb(x, y), (y * W + x) * 3);
  const wide = Buffer.alloc(448 * 224 * 3);
  for (let y = 0; y < 224; y++) for (let x = 0; x < 448; x++) wide.set(BAND(x), (y * 448 + x) * 3);
  await sharp(px, { raw: { width: W, height: H, channels: 3 } }).png().toFile(tiny);
  await sharp(wide, { raw: { width: 448, height: 224, channels: 3 } }).png().toFile(bands);

  const runs: Record<string, string[]> = {
    default: ['compare', affine, affine, tiny],
    meanStd: ['compare', affine, affine, tiny, '--mean', '0.5,0.5,0.5', '--std', '0.5,0.5,0.5'],
    scale: ['compare', affine, affine, tiny, '--scale', '2', '--mean', '0,0,0', '--std', '1,1,1'],
    bgr: ['compare', affine, affine, tiny, '--bgr'],
    // NHWC of a 3-row picture is [1,3,4,3], which affine's [1,3,h,w] happens to accept (h=4, w=3).
    nhwc: ['compare', affine, affine, tiny, '--layout', 'nhwc', ...RAW],
    stretch: ['compare', classifier, classifier, bands, '--resize', 'stretch', ...RAW],
    crop: ['compare', classifier, classifier, bands, '--resize', 'shorter-crop', ...RAW],
    letterbox: ['compare', classifier, classifier, bands, '--resize', 'letterbox', ...RAW, '--json', join(dir, 'letterbox.json')],
  };
  const names = Object.keys(runs);
  // The sharp pipeline, named: these check each option's arithmetic and geometry on its path (the other
  // pipelines have their goldens in test/image/, and take only their own resize geometry).
  const done = await Promise.all(names.map((n) => cli([...runs[n]!, '--pipeline', 'sharp', '--save-inputs', join(dir, n)])));
  names.forEach((n, i) => { r[n] = done[i]!; });
  r['maxPixels'] = await cli(['compare', affine, affine, tiny, '--max-pixels', '11', '--pipeline', 'sharp']);
  for (const n of names) {
    assert.equal(r[n]!.code, 0, shown(r[n]!));
    saved[n] = await savedTensor(join(dir, n), n === 'stretch' || n === 'crop' || n === 'letterbox' ? 'bands.png' : 'tiny.png', n === 'stretch' || n === 'crop' || n === 'letterbox' ? 'input' : 'x');
  }
});

/** Value at (channel, y, x) of an NCHW batch-1 tensor. */
const nchw = (t: Tensor, c: number, y: number, x: number): number => {
  const [, , h, w] = t.shape as [number, number, number, number];
  return (t.data as Float32Array)[(c * h + y) * w + x]!;
};

const close = (got: number, want: number, what: string): void =>
  assert.ok(Math.abs(got - want) <= 1e-6 * Math.max(1, Math.abs(want)), `${what}: ${got} vs ${want}`);

describe('normalisation options', () => {
  test('default: ImageNet mean/std after /255, RGB, NCHW float32 at the image size', () => {
    const t = saved['default']!;
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(t.shape, [1, 3, H, W]);
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) {
      close(nchw(t, c, y, x), (rgb(x, y)[c]! / 255 - mean[c]!) / std[c]!, `c${c} y${y} x${x}`);
    }
    // Pixel (3,2) is RGB (200,95,81): (200/255 − 0.485)/0.229 = 1.3070468 (numpy float32 agrees).
    close(nchw(t, 0, 2, 3), 1.3070468, 'red of (3,2)');
  });

  test('--mean/--std 0.5: v ↦ 2v/255 − 1, exactly ±1 at 255 and 0-ish extremes', () => {
    const t = saved['meanStd']!;
    assert.equal(nchw(t, 1, 0, 0), 1, 'green 255 → (1 − 0.5)/0.5 = 1 exactly');
    close(nchw(t, 1, 2, 3), 2 * 95 / 255 - 1, 'green 95');
    assert.equal(nchw(t, 2, 0, 0), -1, 'blue 0 → −1 exactly');
  });

  test('--scale 2 with zero mean and unit std: exactly twice the byte', () => {
    const t = saved['scale']!;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      assert.deepEqual([0, 1, 2].map((c) => nchw(t, c, y, x)), rgb(x, y).map((v) => 2 * v), `(${x},${y})`);
    }
  });

  test('--bgr: channels reversed and the default constants travel with their colours', () => {
    const t = saved['bgr']!;
    const [red, green, blue] = rgb(3, 2);
    close(nchw(t, 0, 2, 3), (blue / 255 - 0.406) / 0.225, 'channel 0 is blue, with the blue mean/std');
    close(nchw(t, 1, 2, 3), (green / 255 - 0.456) / 0.224, 'green stays');
    close(nchw(t, 2, 2, 3), (red / 255 - 0.485) / 0.229, 'channel 2 is red');
    close(nchw(t, 2, 2, 3), 1.3070468, 'the same number the default run put in channel 0');
  });

  test('--layout nhwc: [1,H,W,3], channels last', () => {
    const t = saved['nhwc']!;
    assert.deepEqual(t.shape, [1, H, W, 3]);
    const d = t.data as Float32Array;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      assert.deepEqual([...d.subarray((y * W + x) * 3, (y * W + x) * 3 + 3)], rgb(x, y), `(${x},${y})`);
    }
  });

  test('--max-pixels below the image size refuses it (exit 2) with the numbers', () => {
    const x = r['maxPixels']!;
    assert.equal(x.code, 2, shown(x));
    assert.match(x.stdout, /tiny\.png: image is 4x3 = 12 pixels, over the limit of 11/);
  });
});

describe('--resize on a 448×224 picture for a 224×224 model', () => {
  const at = (t: Tensor, y: number, x: number): number[] => [0, 1, 2].map((c) => nchw(t, c, y, x));

  test('stretch squeezes the width by 2: bands at x < 56, 56–167, ≥ 168', () => {
    const t = saved['stretch']!;
    assert.deepEqual(t.shape, [1, 3, 224, 224]);
    assert.deepEqual(at(t, 112, 10), [255, 0, 0]);
    assert.deepEqual(at(t, 0, 112), [0, 255, 0]);
    assert.deepEqual(at(t, 223, 213), [0, 0, 255]);
  });

  test('shorter-crop keeps the height and takes the centre window x = 112..335: all green', () => {
    const t = saved['crop']!;
    for (const x of [0, 100, 223]) for (const y of [0, 223]) assert.deepEqual(at(t, y, x), [0, 255, 0], `(${x},${y})`);
  });

  test('letterbox fits the width (224×112), pads 56 rows above and below with 114', async () => {
    const t = saved['letterbox']!;
    assert.deepEqual(at(t, 0, 0), [114, 114, 114]);
    assert.deepEqual(at(t, 55, 100), [114, 114, 114]);
    assert.deepEqual(at(t, 223, 223), [114, 114, 114]);
    assert.deepEqual(at(t, 112, 10), [255, 0, 0]);
    assert.deepEqual(at(t, 112, 112), [0, 255, 0]);
    assert.deepEqual(at(t, 112, 213), [0, 0, 255]);
    const report = JSON.parse(await readFile(join(dir, 'letterbox.json'), 'utf8'));
    assert.equal(report.settings.preprocess.resize, 'letterbox');
    assert.equal(report.settings.preprocess.size, '224x224');
    assert.deepEqual(report.settings.preprocess.example.sourceSize, '448x224');
  });
});

describe('compare: unusable normalization constants', () => {
  test('a std that is zero is one usage error before anything runs, not one error row per image', async () => {
    const x = await cli(['compare', affine, affine, photos, '--std', '0,0.2,0.2']);
    assert.equal(x.code, 2, shown(x));
    assert.equal(x.stdout, '', shown(x));
    assert.equal(x.stderr, "trt-parity: Expected non-zero values for --std but received '0,0.2,0.2'\n");
  });
});
