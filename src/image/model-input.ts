/**
 * What a model's input declaration says about how to feed it an image: layout, element type and
 * whether it fixes the height and width. Pure: reads a TensorInfo, returns data or a UsageError.
 */
import { UsageError } from '../errors.js';
import { formatShape } from '../tensor/shape.js';
import type { Dim, TensorInfo } from '../tensor/types.js';
import type { ImageDType, ImageLayout } from './preprocess.js';
import type { Size } from './resize-plan.js';

/** How to build the tensor for one image input. */
export interface ImageInputSpec {
  readonly name: string;
  readonly layout: ImageLayout;
  readonly dtype: ImageDType;
  /** The fixed H×W images must be resized to; null when both are dynamic (each image keeps its size). */
  readonly size: Size | null;
}

const IMAGE_DTYPES: readonly ImageDType[] = ['float32', 'float16', 'uint8'];

/**
 * Read an image input's declaration.
 *
 * - Rank 4 only: [N,3,H,W] is NCHW, [N,H,W,3] is NHWC. When both dim 1 and the last dim are 3
 *   (e.g. [1,3,3,3]) NCHW is assumed, the ONNX convention. A dynamic channel dim is accepted on the
 *   side where the other candidate is not 3.
 * - The batch dim must be 1 or dynamic: images are fed one at a time.
 * - Single-channel inputs are refused: there is no one agreed RGB→grey formula (PIL's integer
 *   Rec.601, OpenCV's, sharp's linear-light luminance all differ), so we would be guessing.
 * - H and W both fixed → resize target; both dynamic → keep each image's size; one of each → error.
 * - dtype float32, float16 or uint8; anything else is a UsageError.
 *
 * @throws UsageError with a one-line reason naming the input and its shape.
 */
export function imageInputSpec(info: TensorInfo): ImageInputSpec {
  const { name, shape } = info;
  const shown = `input '${name}' of shape ${formatShape(shape)}`;
  const asNpy = [`feed it with --input ${name}=file.npy`];
  if (shape.length !== 4) {
    throw new UsageError(`${shown} is not an image input; feed it with --input ${name}=file.npy`, { hints: asNpy });
  }
  const [n, d1, d2, d3] = shape as [Dim, Dim, Dim, Dim];
  let layout: ImageLayout;
  let h: Dim;
  let w: Dim;
  if (d1 === 3 || (isDynamic(d1) && d3 !== 3 && d3 !== 1)) {
    layout = 'nchw';
    [h, w] = [d2, d3];
  } else if (d3 === 3 || (isDynamic(d3) && d1 !== 1)) {
    layout = 'nhwc';
    [h, w] = [d1, d2];
  } else if (d1 === 1 || d3 === 1) {
    throw new UsageError(`${shown} takes single-channel images, which trt-parity does not make; feed it with --input ${name}=file.npy`, { hints: asNpy });
  } else {
    throw new UsageError(`${shown} has no channel axis of size 3 (dim 1 or the last dim); feed it with --input ${name}=file.npy`, { hints: asNpy });
  }
  if (!isDynamic(n) && n !== 1) {
    throw new UsageError(`${shown} has a fixed batch of ${String(n)}; trt-parity feeds one image at a time, so it needs batch 1 or a dynamic batch`);
  }
  if (!IMAGE_DTYPES.includes(info.dtype as ImageDType)) {
    throw new UsageError(`${shown} has element type ${info.dtype}; image inputs must be float32, float16 or uint8`, { hints: asNpy });
  }
  let size: Size | null;
  if (isDynamic(h) && isDynamic(w)) size = null;
  else if (!isDynamic(h) && !isDynamic(w)) size = { height: h as number, width: w as number };
  else throw new UsageError(`${shown} fixes only one of height and width; trt-parity cannot choose the other`, { hints: asNpy });
  return { name, layout, dtype: info.dtype as ImageDType, size };
}

/** A named symbol, null, or a non-positive number (some exporters write -1 or 0 for "any"). */
function isDynamic(d: Dim): boolean {
  return typeof d !== 'number' || d <= 0;
}
