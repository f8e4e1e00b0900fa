import { test } from 'node:test';
import assert from 'node:assert/strict';

import { decodeImage } from '../../src/image/decode.js';
import { loadImageTensor } from '../../src/image/image-tensor.js';
import { imageInputSpec } from '../../src/image/model-input.js';
import { preprocess } from '../../src/image/preprocess.js';
import { InputError } from '../../src/errors.js';
import { fixture } from '../helpers/paths.js';

const photo = fixture('images', 'photos', 'rocket.jpg');

test('sharp pipeline, static NCHW float32 input: shorter-crop to its H×W, ImageNet normalised', async () => {
  const spec = imageInputSpec({ name: 'input', dtype: 'float32', shape: [1, 3, 24, 32] });
  const { tensor, image, pipeline, notes } = await loadImageTensor(photo, spec, { pipeline: 'sharp', resizeMode: 'shorter-crop' });
  assert.deepEqual(tensor.shape, [1, 3, 24, 32]);
  assert.deepEqual(image, { width: 32, height: 24, sourceWidth: 240, sourceHeight: 360, format: 'jpeg', space: 'srgb', bitsPerSample: 8, hasIcc: false });
  assert.equal(pipeline, 'sharp');
  assert.deepEqual(notes, []);
  const expected = preprocess(await decodeImage(photo, { resize: { height: 24, width: 32, mode: 'shorter-crop' } }));
  assert.deepEqual(tensor, expected);
});

test('a dynamic NHWC uint8 input keeps the image size and raw bytes', async () => {
  const spec = imageInputSpec({ name: 'images', dtype: 'uint8', shape: ['N', 'H', 'W', 3] });
  const { tensor } = await loadImageTensor(photo, spec, { mean: [1, 2, 3] });
  assert.deepEqual(tensor.shape, [1, 360, 240, 3]);
  assert.deepEqual(tensor.data, (await decodeImage(photo)).data);
});

test('resize mode, pad value and normalisation options reach the sharp pipeline', async () => {
  const spec = imageInputSpec({ name: 'x', dtype: 'float16', shape: [1, 3, 16, 16] });
  const { tensor } = await loadImageTensor(photo, spec, { pipeline: 'sharp', resizeMode: 'letterbox', padValue: 0, scale: 1, mean: [0, 0, 0], std: [1, 1, 1] });
  assert.equal(tensor.dtype, 'float16');
  // Portrait 240x360 into 16x16: width round(240*16/360) = round(10.67) = 11, left floor(5/2) = 2: column 0 is padding 0 (half 0x0000).
  assert.equal((tensor.data as Uint16Array)[0], 0);
  assert.notEqual((tensor.data as Uint16Array)[2 * 1 + 16 * 8], 0);
});

test('pixel limit option is honoured', async () => {
  const spec = imageInputSpec({ name: 'x', dtype: 'float32', shape: [1, 3, 8, 8] });
  await assert.rejects(loadImageTensor(photo, spec, { maxPixels: 1000 }), InputError);
});

test('a CMYK JPEG under an exact pipeline carries a note that it is not bit-exact', async () => {
  const spec = imageInputSpec({ name: 'x', dtype: 'float32', shape: [1, 3, 8, 8] });
  const { notes, pipeline } = await loadImageTensor(fixture('images', 'edge', 'cmyk.jpg'), spec, { pipeline: 'pil' });
  assert.equal(pipeline, 'pil');
  assert.equal(notes.length, 1);
  assert.match(notes[0]!, /CMYK jpeg.*not bit-exact/);
});

test('16-bit PNGs: RGB decodes alike everywhere (no note); greyscale is flagged under pil, not under opencv', async () => {
  const spec = imageInputSpec({ name: 'x', dtype: 'float32', shape: [1, 3, 8, 8] });
  assert.deepEqual((await loadImageTensor(fixture('images', 'edge', 'rgb16.png'), spec, { pipeline: 'pil' })).notes, []);
  const grey = fixture('images', 'edge', 'grey16.png');
  assert.match((await loadImageTensor(grey, spec, { pipeline: 'pil' })).notes.join('\n'), /16-bit greyscale png: PIL's convert\('RGB'\) clips it/);
  assert.deepEqual((await loadImageTensor(grey, spec, { pipeline: 'opencv' })).notes, []);
});
