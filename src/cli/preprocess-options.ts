/**
 * The preprocessing options of compare and bench, and their translation into a PreprocessSpecInput.
 * Defaults and validation live in src/image/preprocess-spec.ts (one constant, one resolver); help
 * shows the defaults from there, so the CLI and the library cannot disagree.
 */
import { type Command, Option } from 'commander';
import type { ImageLayout } from '../image/preprocess.js';
import { DEFAULT_PREPROCESS_SPEC, PIPELINES, type PipelineName, type PreprocessSpecInput } from '../image/preprocess-spec.js';
import { RESIZE_MODES, type ResizeMode } from '../image/resize-plan.js';
import { oneOf, parsePositiveInt, parsePositiveNumber, parseTriple } from './options.js';

/** The preprocessing options as commander hands them over. */
export interface PreprocessCliOptions {
  readonly pipeline?: PipelineName;
  readonly resizeShorter?: number;
  readonly mean?: [number, number, number];
  readonly std?: [number, number, number];
  readonly scale?: number;
  readonly bgr?: boolean;
  readonly layout?: ImageLayout;
  readonly resize?: ResizeMode;
  readonly maxPixels?: number;
}

export function addPreprocessOptions(cmd: Command): Command {
  const d = DEFAULT_PREPROCESS_SPEC;
  return cmd
    .addOption(new Option('--pipeline <name>', `whose preprocessing to reproduce bit for bit: pil (Image.open + resize BILINEAR + numpy), torchvision, opencv, ultralytics (LetterBox), or sharp (fast, matches no Python code); default ${d.pipeline}, ultralytics for Ultralytics-exported models`).argParser(oneOf('--pipeline', PIPELINES)))
    .option('--resize-shorter <n>', 'torchvision only: Resize(n) on the shorter side then CenterCrop to the model H×W (the ImageNet eval recipe is 256 for 224)', parsePositiveInt('--resize-shorter'))
    .option('--mean <r,g,b>', `per-channel mean subtracted after scaling (default ImageNet ${d.mean.join(',')})`, parseTriple('--mean'))
    .option('--std <r,g,b>', `per-channel std divided by (default ImageNet ${d.std.join(',')})`, parseTriple('--std'))
    .option('--scale <s>', 'multiply pixels by s instead of dividing by 255', parsePositiveNumber('--scale'))
    .option('--bgr', 'feed channels in BGR order')
    .addOption(new Option('--layout <layout>', 'tensor layout (default: read from the model input shape)').argParser(oneOf('--layout', ['nchw', 'nhwc'] as const)))
    .addOption(new Option('--resize <mode>', `how to reach a static model H×W (bilinear; default ${d.resizeMode})`).argParser(oneOf('--resize', RESIZE_MODES)))
    .addOption(new Option('--max-pixels <n>', 'refuse images with more pixels than this (decompression bombs)').argParser(parsePositiveInt('--max-pixels')).default(d.maxPixels));
}

export function preprocessSpecOf(opts: PreprocessCliOptions): PreprocessSpecInput {
  return {
    pipeline: opts.pipeline,
    resizeShorter: opts.resizeShorter,
    mean: opts.mean,
    std: opts.std,
    scale: opts.scale,
    channelOrder: opts.bgr ? 'bgr' : undefined,
    layout: opts.layout,
    resizeMode: opts.resize,
    maxPixels: opts.maxPixels,
  };
}
