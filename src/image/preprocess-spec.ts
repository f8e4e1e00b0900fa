/**
 * The whole preprocessing of an image input, as one typed value: which pipeline (decode conventions,
 * resize kernel and geometry, normalisation arithmetic) and the user's overrides. The CLI and the
 * library build it the same way, through {@link resolvePreprocessSpec}, which validates everything once
 * so that a bad option is one usage error before any backend or image is opened. Pure.
 */
import { expected, UsageError } from '../errors.js';
import { IMAGENET_MEAN, IMAGENET_STD } from './preprocess.js';
import type { ImageLayout } from './preprocess.js';
import { DEFAULT_LETTERBOX_PAD, RESIZE_MODES } from './resize-plan.js';
import type { ResizeMode } from './resize-plan.js';

/**
 * Which Python code the tensor must equal bit for bit (see docs/resize.md for each one's code):
 * - `pil`: `Image.open().convert('RGB')`, Pillow BILINEAR resize, numpy normalisation with Python-tuple
 *   mean/std (float64 arithmetic rounded to float32 on each in-place store);
 * - `torchvision`: the same decode and resize, `ToTensor` + `Normalize` in float32; with
 *   `resizeShorter` it is `Resize(N)` + `CenterCrop((H, W))`;
 * - `opencv`: `cv2.imread` (EXIF applied), `cv2.resize(INTER_LINEAR)`, float32 normalisation;
 * - `ultralytics`: `cv2.imread`, LetterBox(auto=False, scaleup=True) padded with 114, `/255` only;
 * - `sharp`: libvips decode (ICC and EXIF applied) and bilinear resize; fast, matches no Python code.
 */
export type PipelineName = 'pil' | 'torchvision' | 'opencv' | 'ultralytics' | 'sharp';

export const PIPELINES: readonly PipelineName[] = ['pil', 'torchvision', 'opencv', 'ultralytics', 'sharp'];

export type Triple = readonly [number, number, number];

/** A fully resolved preprocessing: every field set, every value valid. */
export interface PreprocessSpec {
  readonly pipeline: PipelineName;
  /** Per output channel (after any BGR swap), subtracted after scaling. */
  readonly mean: Triple;
  /** Per output channel (after any BGR swap); the scaled, mean-subtracted value is divided by it. */
  readonly std: Triple;
  /** `'div255'`: divide by 255. A number `s`: multiply by float32(s). */
  readonly scale: number | 'div255';
  /** Channel order of the tensor. */
  readonly channelOrder: 'rgb' | 'bgr';
  /** Tensor layout; null reads it from the model's input shape. */
  readonly layout: ImageLayout | null;
  /** How a static model H×W is reached. */
  readonly resizeMode: ResizeMode;
  /** torchvision only: `Resize(N)` on the shorter side, then `CenterCrop((H, W))`; null: `Resize((H, W))`. */
  readonly resizeShorter: number | null;
  /** Letterbox pad value on every channel. */
  readonly padValue: number;
  /** Refuse images with more stored pixels than this (decompression bombs); Infinity disables. */
  readonly maxPixels: number;
}

/**
 * What a caller may give: any subset. `mean`/`std` left out take the pipeline's defaults (ImageNet,
 * reversed with `channelOrder: 'bgr'` so they stay attached to their colours; 0 and 1 for
 * ultralytics, which only divides by 255).
 */
export interface PreprocessSpecInput {
  readonly pipeline?: PipelineName | undefined;
  readonly mean?: Triple | undefined;
  readonly std?: Triple | undefined;
  readonly scale?: number | 'div255' | undefined;
  readonly channelOrder?: 'rgb' | 'bgr' | undefined;
  readonly layout?: ImageLayout | null | undefined;
  readonly resizeMode?: ResizeMode | undefined;
  readonly resizeShorter?: number | null | undefined;
  readonly padValue?: number | undefined;
  readonly maxPixels?: number | undefined;
}

/**
 * Default pixel limit (width × height of the stored image): 100 megapixels, i.e. 300 MB of RGB,
 * above any camera photo but far below what a decompression bomb asks for. sharp's own default,
 * 268 megapixels, would let one image take about 3.2 GB once made a float32 tensor.
 */
export const DEFAULT_MAX_PIXELS = 100_000_000;

/** The defaults, in one place. `mean`/`std` here are the RGB ImageNet values (see PreprocessSpecInput). */
export const DEFAULT_PREPROCESS_SPEC: PreprocessSpec = {
  pipeline: 'pil',
  mean: IMAGENET_MEAN,
  std: IMAGENET_STD,
  scale: 'div255',
  channelOrder: 'rgb',
  layout: null,
  resizeMode: 'stretch',
  resizeShorter: null,
  padValue: DEFAULT_LETTERBOX_PAD,
  maxPixels: DEFAULT_MAX_PIXELS,
};

/** The resize geometry each pipeline's Python code uses (sharp: any, stretch unless asked). */
const PIPELINE_RESIZE: Readonly<Record<PipelineName, ResizeMode | null>> = {
  pil: 'stretch',
  torchvision: 'stretch',
  opencv: 'stretch',
  ultralytics: 'letterbox',
  sharp: null,
};

/**
 * Fill in and check a spec. Throws UsageError in sharp's message shape
 * ("Expected ... for --mean but received ..."), naming the CLI option.
 */
export function resolvePreprocessSpec(input: PreprocessSpecInput = {}): PreprocessSpec {
  const d = DEFAULT_PREPROCESS_SPEC;
  const pipeline = input.pipeline ?? d.pipeline;
  if (!PIPELINES.includes(pipeline)) throw new UsageError(expected(`one of ${PIPELINES.join(', ')}`, '--pipeline', pipeline));

  const channelOrder = input.channelOrder ?? d.channelOrder;
  if (channelOrder !== 'rgb' && channelOrder !== 'bgr') throw new UsageError(expected("'rgb' or 'bgr'", 'the channel order', channelOrder));

  const layout = input.layout ?? d.layout;
  if (layout !== null && layout !== 'nchw' && layout !== 'nhwc') throw new UsageError(expected("'nchw' or 'nhwc'", '--layout', layout));

  const scale = input.scale ?? d.scale;
  if (scale !== 'div255' && !(typeof scale === 'number' && Number.isFinite(scale) && scale > 0)) {
    throw new UsageError(expected("a positive number or 'div255'", '--scale', scale));
  }

  const [defaultMean, defaultStd]: [Triple, Triple] = pipeline === 'ultralytics' ? [[0, 0, 0], [1, 1, 1]] : [IMAGENET_MEAN, IMAGENET_STD];
  const mean = input.mean ?? (channelOrder === 'bgr' ? reversed(defaultMean) : defaultMean);
  const std = input.std ?? (channelOrder === 'bgr' ? reversed(defaultStd) : defaultStd);
  checkTriple('--mean', mean);
  checkTriple('--std', std);
  // A std that rounds to float32 zero would turn the whole channel into ±Inf/NaN.
  if (std.some((s) => Math.fround(s) === 0)) throw new UsageError(expected('non-zero values', '--std', std.join(',')));

  const resizeShorter = input.resizeShorter ?? d.resizeShorter;
  if (resizeShorter !== null) {
    if (!(Number.isSafeInteger(resizeShorter) && resizeShorter > 0)) throw new UsageError(expected('a positive integer', '--resize-shorter', resizeShorter));
    if (pipeline !== 'torchvision') {
      throw new UsageError(expected('--pipeline torchvision (Resize(N) + CenterCrop is its recipe)', '--resize-shorter', `--pipeline ${pipeline}`));
    }
  }

  const own = PIPELINE_RESIZE[pipeline];
  const resizeMode = input.resizeMode ?? own ?? d.resizeMode;
  if (!RESIZE_MODES.includes(resizeMode)) throw new UsageError(expected(`one of ${RESIZE_MODES.join(', ')}`, '--resize', resizeMode));
  if (own !== null && resizeMode !== own) {
    throw new UsageError(
      `${expected(`'${own}' (what --pipeline ${pipeline}'s Python code does)`, '--resize', resizeMode)}; ` +
        (pipeline === 'torchvision' ? 'use --resize-shorter N for Resize(N) + CenterCrop' : 'use --pipeline sharp for other resize modes'),
    );
  }

  const padValue = input.padValue ?? d.padValue;
  if (!(Number.isInteger(padValue) && padValue >= 0 && padValue <= 255)) throw new UsageError(expected('an integer 0..255', 'the letterbox pad value', padValue));

  const maxPixels = input.maxPixels ?? d.maxPixels;
  if (!(maxPixels === Infinity || (Number.isSafeInteger(maxPixels) && maxPixels > 0))) {
    throw new UsageError(expected('a positive integer', '--max-pixels', maxPixels));
  }

  return { pipeline, mean, std, scale, channelOrder, layout, resizeMode, resizeShorter, padValue, maxPixels };
}

function checkTriple(name: string, v: Triple): void {
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new UsageError(expected('three finite numbers like 0.5,0.5,0.5', name, Array.isArray(v) ? v.join(',') : v));
  }
}

function reversed(v: Triple): Triple {
  return [v[2], v[1], v[0]];
}

/**
 * The pipeline a model's own metadata asks for, or null when it says nothing. Ultralytics' exporter
 * writes `author: Ultralytics` (and a description starting "Ultralytics") into the ONNX
 * metadata_props, alongside task, imgsz, stride and names; such a model was trained and validated on
 * LetterBox tensors, so that is what it must be fed.
 */
export function pipelineForModel(metadata: ReadonlyMap<string, string>): PipelineName | null {
  const author = metadata.get('author') ?? '';
  const description = metadata.get('description') ?? '';
  if (/ultralytics/i.test(author) || /^ultralytics/i.test(description)) return 'ultralytics';
  return null;
}

/**
 * Refuse to replay a saved run under another pipeline than the one that made its inputs: the outputs
 * would be compared with a model run on a different tensor. `saved` undefined (runs from before
 * --pipeline, or made from .npy inputs) is not refused here; the input digests still are checked.
 * @throws UsageError naming the run and both pipelines.
 */
export function checkReplayPipeline(savedDir: string, saved: string | undefined, current: PipelineName): void {
  if (saved === undefined || saved === current) return;
  throw new UsageError(`${savedDir} was saved from inputs made with --pipeline ${saved}; this run uses --pipeline ${current}`, {
    hints: [`pass --pipeline ${saved} to replay it, or save the run again with --pipeline ${current}`],
  });
}
