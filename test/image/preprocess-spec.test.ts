import { test } from 'node:test';
import assert from 'node:assert/strict';

import { UsageError } from '../../src/errors.js';
import { IMAGENET_MEAN, IMAGENET_STD } from '../../src/image/preprocess.js';
import { DEFAULT_PREPROCESS_SPEC, pipelineForModel, resolvePreprocessSpec } from '../../src/image/preprocess-spec.js';

test('defaults: the article pipeline (pil), ImageNet constants, /255, RGB, layout from the model, stretch', () => {
  const s = resolvePreprocessSpec();
  assert.deepEqual(s, DEFAULT_PREPROCESS_SPEC);
  assert.equal(s.pipeline, 'pil');
  assert.deepEqual(s.mean, IMAGENET_MEAN);
  assert.deepEqual(s.std, IMAGENET_STD);
  assert.equal(s.resizeMode, 'stretch');
  assert.equal(s.layout, null);
});

test('bgr reverses the default constants so they stay with their colours; explicit ones are kept', () => {
  assert.deepEqual(resolvePreprocessSpec({ channelOrder: 'bgr' }).mean, [0.406, 0.456, 0.485]);
  assert.deepEqual(resolvePreprocessSpec({ channelOrder: 'bgr', mean: [1, 2, 3] }).mean, [1, 2, 3]);
});

test('ultralytics: /255 only (mean 0, std 1), letterbox; resolving twice changes nothing', () => {
  const s = resolvePreprocessSpec({ pipeline: 'ultralytics' });
  assert.deepEqual([s.mean, s.std, s.resizeMode], [[0, 0, 0], [1, 1, 1], 'letterbox']);
  assert.deepEqual(resolvePreprocessSpec(s), s);
});

test('bad values are one UsageError in sharp\'s message shape, naming the option', () => {
  const cases: [Parameters<typeof resolvePreprocessSpec>[0], RegExp][] = [
    [{ pipeline: 'keras' as never }, /^Expected one of pil, torchvision, opencv, ultralytics, sharp for --pipeline but received 'keras'$/],
    [{ mean: [1, 2] as never }, /^Expected three finite numbers like 0\.5,0\.5,0\.5 for --mean but received '1,2'$/],
    [{ std: [1, 0, 1] }, /^Expected non-zero values for --std but received '1,0,1'$/],
    [{ scale: -1 }, /for --scale but received -1$/],
    [{ pipeline: 'pil', resizeShorter: 256 }, /^Expected --pipeline torchvision .* for --resize-shorter but received '--pipeline pil'$/],
    [{ pipeline: 'torchvision', resizeShorter: 2.5 }, /^Expected a positive integer for --resize-shorter but received 2\.5$/],
    [{ pipeline: 'pil', resizeMode: 'letterbox' }, /^Expected 'stretch' .* for --resize but received 'letterbox'; use --pipeline sharp/],
    [{ pipeline: 'torchvision', resizeMode: 'shorter-crop' }, /use --resize-shorter N/],
    [{ padValue: 300 }, /^Expected an integer 0\.\.255 for the letterbox pad value but received 300$/],
    [{ maxPixels: 0 }, /for --max-pixels but received 0$/],
  ];
  for (const [input, message] of cases) {
    assert.throws(() => resolvePreprocessSpec(input), (e: unknown) => e instanceof UsageError && message.test(e.message), JSON.stringify(input));
  }
});

test('sharp keeps every resize mode', () => {
  for (const mode of ['stretch', 'shorter-crop', 'letterbox'] as const) assert.equal(resolvePreprocessSpec({ pipeline: 'sharp', resizeMode: mode }).resizeMode, mode);
});

test('pipelineForModel: Ultralytics exports are recognised from their metadata_props, others are not', () => {
  assert.equal(pipelineForModel(new Map([['author', 'Ultralytics'], ['task', 'detect'], ['imgsz', '[640, 640]']])), 'ultralytics');
  assert.equal(pipelineForModel(new Map([['description', 'Ultralytics YOLOv8n model trained on coco.yaml']])), 'ultralytics');
  assert.equal(pipelineForModel(new Map([['author', 'someone'], ['description', 'a ResNet']])), null);
  assert.equal(pipelineForModel(new Map()), null);
});

test('checkReplayPipeline: a saved run made with another pipeline is refused with both names; unknown or equal passes', async () => {
  const { checkReplayPipeline } = await import('../../src/image/preprocess-spec.js');
  assert.throws(() => checkReplayPipeline('runs/ref', 'sharp', 'pil'),
    (e: unknown) => e instanceof UsageError && e.message === 'runs/ref was saved from inputs made with --pipeline sharp; this run uses --pipeline pil' && e.hints[0] === 'pass --pipeline sharp to replay it, or save the run again with --pipeline pil');
  assert.doesNotThrow(() => checkReplayPipeline('runs/ref', 'pil', 'pil'));
  assert.doesNotThrow(() => checkReplayPipeline('runs/ref', undefined, 'opencv'));
});
