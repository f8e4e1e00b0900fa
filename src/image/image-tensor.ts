/**
 * One image file → the tensor for one model input: the glue between model-input.ts (what the model
 * asks for), decode.ts (pixels at that size) and preprocess.ts (numbers in that layout and dtype).
 */
import { decodeImage } from './decode.js';
import type { DecodedImage } from './decode.js';
import type { ImageInputSpec } from './model-input.js';
import { preprocess } from './preprocess.js';
import type { PreprocessOptions } from './preprocess.js';
import type { ResizeMode } from './resize-plan.js';
import type { Tensor } from '../tensor/types.js';

export interface ImageTensorOptions {
  /** How to reach the model's fixed H×W. Defaults to 'shorter-crop' (the torchvision eval transform the ImageNet defaults come from). */
  readonly resizeMode?: ResizeMode;
  /** Letterbox pad value; defaults to 114. */
  readonly padValue?: number;
  /** Pixel limit; defaults to DEFAULT_MAX_PIXELS. */
  readonly maxPixels?: number;
  /** Normalisation; layout and dtype always come from the model's input. */
  readonly normalize?: Partial<Pick<PreprocessOptions, 'mean' | 'std' | 'scale' | 'channelOrder'>>;
}

export interface ImageTensor {
  readonly tensor: Tensor;
  /** What was decoded, without the pixels: format, source size, size fed. */
  readonly image: Omit<DecodedImage, 'data'>;
}

/**
 * Decode `path`, bring it to the size `spec` fixes (or keep its own for dynamic H/W), and normalise it
 * into `spec`'s layout and dtype. Errors: InputError for the file, UsageError for bad options.
 */
export async function loadImageTensor(path: string, spec: ImageInputSpec, options: ImageTensorOptions = {}): Promise<ImageTensor> {
  const resize = spec.size === null
    ? null
    : { ...spec.size, mode: options.resizeMode ?? 'shorter-crop', ...(options.padValue === undefined ? {} : { padValue: options.padValue }) };
  const decoded = await decodeImage(path, { resize, ...(options.maxPixels === undefined ? {} : { maxPixels: options.maxPixels }) });
  const tensor = preprocess(decoded, { ...options.normalize, layout: spec.layout, dtype: spec.dtype });
  const { data: _pixels, ...image } = decoded;
  return { tensor, image };
}
