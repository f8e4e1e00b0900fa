/**
 * What each `--pipeline` does between the decoded pixels and the normalisation: decode conventions,
 * resize kernel and geometry, and which normalisation arithmetic follows. Pure: pixels in, pixels out.
 *
 * The Python code each pipeline equals bit for bit is in docs/resize.md; the goldens made by the real
 * libraries are in fixtures/golden/pipelines/ (scripts/oracle/make_preprocess_goldens.py).
 */
import { InternalError } from '../errors.js';
import type { PipelineName, PreprocessSpec } from './preprocess-spec.js';
import { resizeLinearCv } from './resize-cv.js';
import type { RgbPixels } from './preprocess.js';
import { resizeBilinearPil } from './resize-pil.js';
import { roundHalfEven } from './resize-plan.js';
import type { Size } from './resize-plan.js';
import { prepareGather } from './wasm-gather.js';
import { prepareCvKernel } from './wasm-kernel-cv.js';
import { prepareWasmKernel } from './wasm-kernel.js';

/** How the file must be decoded for a pipeline to match its Python code. */
export interface DecodeConventions {
  /** Apply the EXIF orientation: cv2.imread does; PIL's Image.open does not. */
  readonly autoOrient: boolean;
  /** Keep the stored values of ICC-tagged files: PIL, torchvision and OpenCV never convert them. */
  readonly ignoreIcc: boolean;
}

const CONVENTIONS: Readonly<Record<PipelineName, DecodeConventions>> = {
  pil: { autoOrient: false, ignoreIcc: true },
  torchvision: { autoOrient: false, ignoreIcc: true },
  opencv: { autoOrient: true, ignoreIcc: true },
  ultralytics: { autoOrient: true, ignoreIcc: true },
  sharp: { autoOrient: true, ignoreIcc: false },
};

export function decodeConventions(pipeline: PipelineName): DecodeConventions {
  return CONVENTIONS[pipeline];
}

/**
 * `'float64'`: the article's numpy, `x /= 255.0; x -= MEAN; x /= STD` with MEAN and STD Python tuples:
 * numpy makes them float64 arrays, so the subtraction and division are done in float64 and rounded to
 * float32 on each in-place store. `'float32'`: every operand float32 (torchvision, the OpenCV code).
 */
export type NormalizeArithmetic = 'float32' | 'float64';

export function normalizeArithmetic(pipeline: PipelineName): NormalizeArithmetic {
  return pipeline === 'pil' ? 'float64' : 'float32';
}

/** What is known about the stored image, enough to tell whether a pipeline can be exact on it. */
export interface StoredImage {
  readonly format: string;
  /** libvips' name of the stored colour space: 'srgb', 'b-w', 'cmyk', ... */
  readonly space: string;
  readonly bitsPerSample: number;
}

/**
 * Notes for the report where a pipeline cannot reproduce its Python code on this file, instead of
 * pretending. Empty when it can (or for `sharp`, which claims no Python equivalent).
 */
export function exactnessNotes(pipeline: PipelineName, stored: StoredImage): string[] {
  if (pipeline === 'sharp') return [];
  const notes: string[] = [];
  if (stored.space === 'cmyk') {
    notes.push(`CMYK ${stored.format}: PIL and OpenCV convert CMYK to RGB each their own way; the --pipeline ${pipeline} tensor is not bit-exact for this file`);
  }
  // 16-bit RGB PNGs decode alike in all three (high byte); 16-bit greyscale does not in PIL, which opens
  // it as mode I;16 and clips every value above 255 in convert('RGB').
  if (stored.space === 'grey16' && (pipeline === 'pil' || pipeline === 'torchvision')) {
    notes.push(`16-bit greyscale ${stored.format}: PIL's convert('RGB') clips it at 255 where we keep the high byte; the --pipeline ${pipeline} tensor is not bit-exact for this file`);
  }
  if (stored.format !== 'jpeg' && stored.format !== 'png' && stored.format !== 'tiff') {
    notes.push(`${stored.format}: only JPEG, PNG and TIFF decoding is checked against Pillow and OpenCV; the --pipeline ${pipeline} tensor may differ for this file`);
  }
  return notes;
}

/**
 * Bring decoded RGB pixels to the model's H×W as the pipeline's Python code does (`target` null:
 * dynamic H/W, nothing is resized). Not for `sharp`, which resizes while decoding.
 */
export function resizeForPipeline(image: RgbPixels, spec: Pick<PreprocessSpec, 'pipeline' | 'resizeShorter' | 'padValue'>, target: Size | null): RgbPixels {
  if (target === null) return image;
  const { height: H, width: W } = target;
  switch (spec.pipeline) {
    case 'pil':
      // `if img.size != (W, H): img = img.resize((W, H), Image.BILINEAR)`
      return sized(image, W, H, resizeBilinearPil);
    case 'opencv':
      // `if img.shape[:2] != (H, W): img = cv2.resize(img, (W, H), interpolation=cv2.INTER_LINEAR)`
      return sized(image, W, H, resizeLinearCv);
    case 'torchvision':
      return spec.resizeShorter === null ? sized(image, W, H, resizeBilinearPil) : torchvisionResizeCrop(image, spec.resizeShorter, target);
    case 'ultralytics':
      return letterbox(image, target, spec.padValue);
    case 'sharp':
      throw new InternalError('resizeForPipeline: the sharp pipeline resizes while decoding');
  }
}

/**
 * Starts compiling, in the background, the WebAssembly kernels that `pipeline` will run on an image
 * (its resize, and the float32 normalisation): called while the image decodes, so the first image
 * does not wait for them (wasm-asm.ts, PreparedModule). Each kernel is compiled once per thread.
 */
export function prepareKernels(pipeline: PipelineName, dtype: string): void {
  if (pipeline === 'pil' || pipeline === 'torchvision') prepareWasmKernel();
  if (pipeline === 'opencv' || pipeline === 'ultralytics') prepareCvKernel();
  if (dtype === 'float32') prepareGather();
}

function sized(image: RgbPixels, W: number, H: number, resize: (src: RgbPixels, w: number, h: number) => Uint8Array): RgbPixels {
  if (image.width === W && image.height === H) return image;
  return { data: resize(image, W, H), width: W, height: H };
}

/**
 * torchvision's `Resize(N)` then `CenterCrop((H, W))` on a PIL image, with its arithmetic
 * (torchvision/transforms/functional.py): the short side becomes N, the long one
 * `int(N * long / short)`; the crop pads with zeros where the image is smaller
 * (left/top `(crop - size) // 2`, right/bottom `(crop - size + 1) // 2`), then starts at
 * `int(round((size - crop) / 2.0))` (round half to even).
 */
export function torchvisionResizeCrop(image: RgbPixels, n: number, crop: Size): RgbPixels {
  const { width: w, height: h } = image;
  const [short, long] = w <= h ? [w, h] : [h, w];
  const newShort = n;
  const newLong = Math.trunc((n * long) / short);
  const [newW, newH] = w <= h ? [newShort, newLong] : [newLong, newShort];
  let img = sized(image, newW, newH, resizeBilinearPil);
  const { height: ch, width: cw } = crop;
  if (cw > img.width || ch > img.height) {
    const left = cw > img.width ? Math.floor((cw - img.width) / 2) : 0;
    const top = ch > img.height ? Math.floor((ch - img.height) / 2) : 0;
    const right = cw > img.width ? Math.floor((cw - img.width + 1) / 2) : 0;
    const bottom = ch > img.height ? Math.floor((ch - img.height + 1) / 2) : 0;
    img = pad(img, top, bottom, left, right, 0);
    if (img.width === cw && img.height === ch) return img;
  }
  const top = roundHalfEven((img.height - ch) / 2);
  const left = roundHalfEven((img.width - cw) / 2);
  return cropImage(img, top, left, ch, cw);
}

/**
 * Ultralytics' LetterBox(auto=False, scaleup=True, center=True), as the issue's code:
 * `r = min(H / h0, W / w0)`, `nw, nh = int(round(w0 * r)), int(round(h0 * r))`, cv2 INTER_LINEAR resize
 * when the size changes, then `copyMakeBorder` with top/bottom `int(round(dh ∓ 0.1))` and left/right
 * `int(round(dw ∓ 0.1))`, `dw, dh = (W - nw) / 2, (H - nh) / 2`, every padded channel `padValue`.
 */
export function letterbox(image: RgbPixels, target: Size, padValue: number): RgbPixels {
  const { width: w0, height: h0 } = image;
  const { width: W, height: H } = target;
  const r = Math.min(H / h0, W / w0);
  const nw = roundHalfEven(w0 * r);
  const nh = roundHalfEven(h0 * r);
  const dw = (W - nw) / 2;
  const dh = (H - nh) / 2;
  const resized = sized(image, nw, nh, resizeLinearCv);
  const top = roundHalfEven(dh - 0.1);
  const bottom = roundHalfEven(dh + 0.1);
  const left = roundHalfEven(dw - 0.1);
  const right = roundHalfEven(dw + 0.1);
  return pad(resized, top, bottom, left, right, padValue);
}

function pad(image: RgbPixels, top: number, bottom: number, left: number, right: number, value: number): RgbPixels {
  if (top === 0 && bottom === 0 && left === 0 && right === 0) return image;
  const width = image.width + left + right;
  const height = image.height + top + bottom;
  const data = new Uint8Array(width * height * 3).fill(value);
  const rowBytes = image.width * 3;
  for (let y = 0; y < image.height; y++) {
    data.set(image.data.subarray(y * rowBytes, (y + 1) * rowBytes), ((top + y) * width + left) * 3);
  }
  return { data, width, height };
}

function cropImage(image: RgbPixels, top: number, left: number, height: number, width: number): RgbPixels {
  if (top === 0 && left === 0 && height === image.height && width === image.width) return image;
  const data = new Uint8Array(width * height * 3);
  const rowBytes = width * 3;
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * image.width + left) * 3;
    data.set(image.data.subarray(from, from + rowBytes), y * rowBytes);
  }
  return { data, width, height };
}
