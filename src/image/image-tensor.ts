/**
 * One image file → the tensor for one model input: the glue between model-input.ts (what the model
 * asks for), decode.ts (pixels), pipeline.ts (each pipeline's conventions and resize) and
 * preprocess.ts (numbers in that layout and dtype).
 */
import { decodeImage } from './decode.js';
import type { DecodedImage } from './decode.js';
import type { ImageInputSpec } from './model-input.js';
import { decodeConventions, exactnessNotes, normalizeArithmetic, prepareKernels, resizeForPipeline } from './pipeline.js';
import { preprocess } from './preprocess.js';
import { resolvePreprocessSpec } from './preprocess-spec.js';
import type { PipelineName, PreprocessSpec, PreprocessSpecInput } from './preprocess-spec.js';
import type { Tensor } from '../tensor/types.js';

export interface ImageTensor {
  readonly tensor: Tensor;
  /** What was decoded, without the pixels: format, stored colour space and depth, source size, size fed. */
  readonly image: Omit<DecodedImage, 'data'>;
  /** The pipeline that made the tensor. */
  readonly pipeline: PipelineName;
  /** Why the tensor may not be bit-exact to the pipeline's Python code for this file (CMYK, 16-bit, ...); empty when it is. */
  readonly notes: readonly string[];
}

/**
 * Decode `path`, bring it to the size `input` fixes (or keep its own for dynamic H/W) the way
 * `spec.pipeline` does, and normalise it into `input`'s layout and dtype. `spec` is resolved with
 * {@link resolvePreprocessSpec} (callers with many images resolve once and pass the result).
 * Errors: InputError for the file, UsageError for bad options.
 */
export async function loadImageTensor(path: string, input: ImageInputSpec, spec: PreprocessSpec | PreprocessSpecInput = {}): Promise<ImageTensor> {
  const s = resolvePreprocessSpec(spec);
  const conventions = decodeConventions(s.pipeline);
  const sharpResize = s.pipeline === 'sharp' && input.size !== null ? { ...input.size, mode: s.resizeMode, padValue: s.padValue } : null;
  const decoding = decodeImage(path, { resize: sharpResize, maxPixels: s.maxPixels, ...conventions });
  // While libuv's threads read and decode the file, this thread has nothing to do: the kernels compile meanwhile.
  prepareKernels(s.pipeline, input.dtype);
  const decoded = await decoding;
  const pixels = s.pipeline === 'sharp' ? decoded : resizeForPipeline(decoded, s, input.size);
  const tensor = preprocess(pixels, {
    mean: s.mean,
    std: s.std,
    scale: s.scale,
    channelOrder: s.channelOrder,
    layout: input.layout,
    dtype: input.dtype,
    arithmetic: normalizeArithmetic(s.pipeline),
  });
  const { data: _pixels, ...image } = decoded;
  return { tensor, image: { ...image, width: pixels.width, height: pixels.height }, pipeline: s.pipeline, notes: exactnessNotes(s.pipeline, decoded) };
}
