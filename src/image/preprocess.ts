/**
 * Decoded RGB pixels → the model's input tensor. Pure: no sharp, no files.
 *
 * The reference we must equal bit for bit, on the same decoded pixels (HWC uint8 RGB), is this numpy:
 *
 * ```python
 * x = pixels.astype(np.float32) / np.float32(255.0)           # HWC uint8 -> float32
 * x = (x - np.array(mean, np.float32)) / np.array(std, np.float32)
 * x = x.transpose(2, 0, 1)[None]                               # NCHW, batch 1
 * ```
 *
 * With a custom scale `s` the first line is `x = pixels.astype(np.float32) * np.float32(s)`; with
 * `channelOrder: 'bgr'` it is applied to `pixels[..., ::-1]`; with `layout: 'nhwc'` the last line is
 * `x = x[None]`; float16 output is `x.astype(np.float16)`.
 *
 * How we are bit-identical by construction: each output value depends only on (channel, byte value),
 * so a 3×256 table is computed once with float32 rounding after every numpy operation, and the tensor is
 * a gather from it in one pass. Each step is one IEEE operation on float32 operands done in float64 and
 * rounded to float32 (`Math.fround`); since 53 ≥ 2·24 + 2, that double rounding equals numpy's single
 * float32 rounding for +, −, ×, ÷.
 */
import { InternalError, UsageError, expected } from '../errors.js';
import { floatToHalf } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/types.js';
import { gatherFloat32Wasm } from './wasm-gather.js';

/** Layout of the image tensor: channels first (N,3,H,W) or last (N,H,W,3). */
export type ImageLayout = 'nchw' | 'nhwc';

/** Element types an image input may have. */
export type ImageDType = 'float32' | 'float16' | 'uint8';

export interface PreprocessOptions {
  /** Per output channel (i.e. after any BGR swap), subtracted after scaling. */
  readonly mean: readonly [number, number, number];
  /** Per output channel (after any BGR swap); the scaled, mean-subtracted value is divided by it. */
  readonly std: readonly [number, number, number];
  /** `'div255'`: divide by 255 (the reference's first line). A number `s`: multiply by float32(s). */
  readonly scale: number | 'div255';
  /**
   * `'bgr'` reverses the channels before normalising, so explicit `mean`/`std` are listed in the model's
   * channel order (as Caffe/Detectron2 configs do). When `mean`/`std` are left to their defaults,
   * `preprocess` reverses the ImageNet constants itself, so they stay attached to their colours.
   */
  readonly channelOrder: 'rgb' | 'bgr';
  readonly layout: ImageLayout;
  /**
   * `'float32'`, `'float16'` (the float32 value rounded to nearest-even half, as numpy's astype), or
   * `'uint8'`: the raw decoded bytes, channel order and layout applied, **no** scale/mean/std — models
   * that take uint8 images normalise inside the graph.
   */
  readonly dtype: ImageDType;
  /**
   * `'float32'` (default): the reference above, every operand float32 (torchvision, OpenCV code).
   * `'float64'`: the article's `x /= 255.0; x -= MEAN; x /= STD` with MEAN/STD Python tuples: the
   * mean and std stay float64, each step is done in float64 and rounded to float32 when stored.
   */
  readonly arithmetic?: 'float32' | 'float64';
}

/** ImageNet channel means in RGB order, as torchvision uses them. */
export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
/** ImageNet channel standard deviations in RGB order. */
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

/** ImageNet mean/std, divide by 255, RGB, NCHW, float32 (batch 1). */
export const DEFAULT_PREPROCESS_OPTIONS: PreprocessOptions = {
  mean: IMAGENET_MEAN,
  std: IMAGENET_STD,
  scale: 'div255',
  channelOrder: 'rgb',
  layout: 'nchw',
  dtype: 'float32',
};

/** HWC RGB 8-bit pixels, as decodeImage returns them. */
export interface RgbPixels {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/**
 * The float32 value of every (output channel, byte value) pair: `table[c * 256 + v]`, exactly what the
 * reference numpy code yields for a pixel of value `v` landing in output channel `c`.
 */
export function normalizationTable(options: Pick<PreprocessOptions, 'mean' | 'std' | 'scale' | 'arithmetic'>): Float32Array {
  validateNormalization(options);
  const table = new Float32Array(3 * 256);
  // `x /= 255.0` or `x *= s` with a Python float: numpy 2 treats the scalar as float32 (NEP 50), so
  // this step is float32 in both arithmetics.
  const scale = options.scale === 'div255' ? null : Math.fround(options.scale);
  // float64: the constants are not rounded to float32; each result is (Math.fround on store).
  const constant = options.arithmetic === 'float64' ? (v: number) => v : Math.fround;
  for (let c = 0; c < 3; c++) {
    const mean = constant(options.mean[c]!);
    const std = constant(options.std[c]!);
    for (let v = 0; v < 256; v++) {
      const scaled = scale === null ? Math.fround(v / 255) : Math.fround(v * scale);
      table[c * 256 + v] = Math.fround(Math.fround(scaled - mean) / std);
    }
  }
  return table;
}

/**
 * Turn decoded pixels into a batch-1 input tensor: shape [1,3,H,W] (nchw) or [1,H,W,3] (nhwc).
 * Bit-identical to the numpy reference in this module's header. Options not given take
 * {@link DEFAULT_PREPROCESS_OPTIONS}, except that with `channelOrder: 'bgr'` the default mean/std
 * are the ImageNet constants reversed (B, G, R).
 */
export function preprocess(pixels: RgbPixels, options: Partial<PreprocessOptions> = {}): Tensor {
  const o: { -readonly [K in keyof PreprocessOptions]: PreprocessOptions[K] } = { ...DEFAULT_PREPROCESS_OPTIONS, ...options };
  if (o.channelOrder === 'bgr') {
    // Default constants are per colour (RGB order); the channel swap must carry them along.
    if (options.mean === undefined) o.mean = reversed(IMAGENET_MEAN);
    if (options.std === undefined) o.std = reversed(IMAGENET_STD);
  }
  validateLayout(o);
  const { width, height, data } = pixels;
  const plane = width * height;
  if (data.length !== plane * 3) {
    throw new InternalError(`preprocess: ${data.length} bytes is not ${width}x${height}x3 RGB`);
  }
  const shape = o.layout === 'nchw' ? [1, 3, height, width] : [1, height, width, 3];
  // Source channel feeding each output channel.
  const [s0, s1, s2] = o.channelOrder === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  // Output index strides: where channel c of pixel i goes is i * pixelStride + c * channelStride.
  const pixelStride = o.layout === 'nchw' ? 1 : 3;
  const channelStride = o.layout === 'nchw' ? plane : 1;

  if (o.dtype === 'uint8') {
    const out = new Uint8Array(plane * 3);
    gather(data, out, identityTable(), plane, s0, s1, s2, pixelStride, channelStride);
    return { dtype: 'uint8', shape, data: out };
  }
  const table32 = normalizationTable(o);
  if (o.dtype === 'float32') {
    // The same gather in WebAssembly (wasm-gather.ts; null where it cannot run): a 640x640 tensor
    // 5.8 -> 4.1 ms CPU, most of what is left being the new array itself.
    const fast = gatherFloat32Wasm(data, table32, plane, s0, s1, s2, pixelStride, channelStride);
    if (fast !== null) return { dtype: 'float32', shape, data: fast };
    const out = new Float32Array(plane * 3);
    gatherFloat32(data, out, table32, plane, s0, s1, s2, pixelStride, channelStride);
    return { dtype: 'float32', shape, data: out };
  }
  const table16 = new Uint16Array(table32.length);
  for (let k = 0; k < table32.length; k++) table16[k] = floatToHalf(table32[k]!);
  const out = new Uint16Array(plane * 3);
  gather(data, out, table16, plane, s0, s1, s2, pixelStride, channelStride);
  return { dtype: 'float16', shape, data: out };
}

function reversed(v: readonly [number, number, number]): [number, number, number] {
  return [v[2], v[1], v[0]];
}

/** One pass over the pixels: three table look-ups per pixel, written where the layout puts them. */
function gather<T extends Float32Array | Uint16Array | Uint8Array>(
  src: Uint8Array, out: T, table: T, plane: number,
  s0: number, s1: number, s2: number, pixelStride: number, channelStride: number,
): void {
  const c1 = channelStride;
  const c2 = 2 * channelStride;
  for (let i = 0, p = 0, o = 0; i < plane; i++, p += 3, o += pixelStride) {
    out[o] = table[src[p + s0]!]!;
    out[o + c1] = table[256 + src[p + s1]!]!;
    out[o + c2] = table[512 + src[p + s2]!]!;
  }
}

/**
 * {@link gather} for float32 alone, the common case: one function seeing three typed-array kinds is
 * polymorphic in V8 and, once a process had also made uint8 or float16 tensors, ran 2x slower
 * (11.6 -> 5.7 ms for a 640x640 tensor, allocation included). It is the WebAssembly gather's fallback.
 */
function gatherFloat32(
  src: Uint8Array, out: Float32Array, table: Float32Array, plane: number,
  s0: number, s1: number, s2: number, pixelStride: number, channelStride: number,
): void {
  const c1 = channelStride;
  const c2 = 2 * channelStride;
  for (let i = 0, p = 0, o = 0; i < plane; i++, p += 3, o += pixelStride) {
    out[o] = table[src[p + s0]!]!;
    out[o + c1] = table[256 + src[p + s1]!]!;
    out[o + c2] = table[512 + src[p + s2]!]!;
  }
}

let identity: Uint8Array | undefined;
function identityTable(): Uint8Array {
  if (identity === undefined) {
    identity = new Uint8Array(3 * 256);
    for (let k = 0; k < identity.length; k++) identity[k] = k & 255;
  }
  return identity;
}

/**
 * Refuse normalization constants that cannot work (non-finite, not three values, a std that is
 * zero in float32). Callers that preprocess many images call it once first, so a bad option is one
 * usage error up front rather than the same error for every image.
 * @throws UsageError naming the option.
 */
export function validateNormalization(o: Pick<PreprocessOptions, 'mean' | 'std' | 'scale'>): void {
  if (o.scale !== 'div255' && !Number.isFinite(o.scale)) throw new UsageError(expected("a finite number or 'div255'", 'scale', o.scale));
  for (const [what, v] of [['mean', o.mean], ['std', o.std]] as const) {
    if (v.length !== 3 || !v.every(Number.isFinite)) throw new UsageError(expected('three finite numbers', what, `[${v.join(',')}]`));
  }
  // A std that rounds to float32 zero would turn the whole channel into ±Inf/NaN.
  if (o.std.some((s) => Math.fround(s) === 0)) throw new UsageError(expected('non-zero values', 'std', `[${o.std.join(',')}]`));
}

function validateLayout(o: PreprocessOptions): void {
  if (o.layout !== 'nchw' && o.layout !== 'nhwc') throw new UsageError(expected("'nchw' or 'nhwc'", 'layout', o.layout));
  if (o.channelOrder !== 'rgb' && o.channelOrder !== 'bgr') throw new UsageError(expected("'rgb' or 'bgr'", 'channel order', o.channelOrder));
  if (o.dtype !== 'float32' && o.dtype !== 'float16' && o.dtype !== 'uint8') {
    throw new UsageError(expected('float32, float16 or uint8', 'image input dtype', o.dtype));
  }
}
