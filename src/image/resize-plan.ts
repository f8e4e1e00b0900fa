/**
 * Resize geometry, kept apart from sharp so that it is pure and testable by hand: how large to
 * resize the whole image, then which window to crop (shorter-crop) or where to paste it (letterbox).
 */
import type { RgbPixels } from './preprocess.js';

/**
 * How an image is brought to the model's fixed H×W:
 * - `stretch`: resize to exactly H×W, ignoring the aspect ratio (fill);
 * - `shorter-crop`: resize so the image covers H×W keeping its aspect ratio, then take the centre
 *   (torchvision `Resize(size)` + `CenterCrop(size)` for a square target);
 * - `letterbox`: resize so the image fits inside H×W keeping its aspect ratio, then pad the rest
 *   around it with {@link DEFAULT_LETTERBOX_PAD} (YOLOv5 `letterbox(auto=False)`).
 */
export type ResizeMode = 'stretch' | 'shorter-crop' | 'letterbox';

export const RESIZE_MODES: readonly ResizeMode[] = ['stretch', 'shorter-crop', 'letterbox'];

/** Grey 114 on every channel, as Ultralytics YOLO pads; 0 would be a strong black edge the model never saw. */
export const DEFAULT_LETTERBOX_PAD = 114;

/** A height × width in pixels. */
export interface Size {
  readonly height: number;
  readonly width: number;
}

export interface ResizePlan {
  /** Size the whole decoded image is resized to (equal to the source when no resampling is needed). */
  readonly resized: Size;
  /** The final size: the model's H×W. */
  readonly target: Size;
  /**
   * `crop`: take `target` from `resized` starting at (top, left).
   * `pad`: place `resized` inside `target` at (top, left) and fill the rest.
   * `none`: `resized` is already `target`.
   */
  readonly place: 'none' | 'crop' | 'pad';
  readonly top: number;
  readonly left: number;
}

/**
 * Plan the resize of a `source`-sized image to `target` under `mode`. Integer arithmetic follows the
 * reference libraries so that our crop windows and paddings land on the same pixels:
 * - shorter-crop: the covering side becomes the target, the other `floor(other * target / side)`
 *   (torchvision's `int(size * long / short)`); crop offsets `round((resized - target) / 2)` with
 *   Python's round-half-even (torchvision `center_crop`);
 * - letterbox: the fitting side becomes the target, the other `round(other * scale)` half-even
 *   (YOLOv5 `int(round(...))`); padding `floor((target - resized) / 2)` on the top/left.
 */
export function planResize(source: Size, target: Size, mode: ResizeMode): ResizePlan {
  const { height: sh, width: sw } = source;
  const { height: th, width: tw } = target;
  if (mode === 'stretch') return { resized: target, target, place: 'none', top: 0, left: 0 };
  // Compare tw/sw with th/sh without division: tw*sh vs th*sw (exact for any realistic size).
  const widthScaleLarger = tw * sh >= th * sw;
  if (mode === 'shorter-crop') {
    const resized = widthScaleLarger
      ? { width: tw, height: Math.max(th, Math.floor((sh * tw) / sw)) }
      : { width: Math.max(tw, Math.floor((sw * th) / sh)), height: th };
    const top = roundHalfEven((resized.height - th) / 2);
    const left = roundHalfEven((resized.width - tw) / 2);
    const place = top === 0 && left === 0 && resized.height === th && resized.width === tw ? 'none' : 'crop';
    return { resized, target, place, top, left };
  }
  const resized = widthScaleLarger
    ? { width: Math.max(1, Math.min(tw, roundHalfEven((sw * th) / sh))), height: th }
    : { width: tw, height: Math.max(1, Math.min(th, roundHalfEven((sh * tw) / sw))) };
  const top = Math.floor((th - resized.height) / 2);
  const left = Math.floor((tw - resized.width) / 2);
  const place = resized.height === th && resized.width === tw ? 'none' : 'pad';
  return { resized, target, place, top, left };
}

/** Python 3's round(): nearest integer, ties to even. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const r = x - f;
  if (r > 0.5) return f + 1;
  if (r < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}


/** Copy the `size` window at (top, left) out of an HWC RGB image. */
export function cropRgb(image: RgbPixels, top: number, left: number, size: Size): Uint8Array {
  if (top < 0 || left < 0 || top + size.height > image.height || left + size.width > image.width) {
    throw new RangeError(`crop ${size.width}x${size.height}+${left}+${top} is outside ${image.width}x${image.height}`);
  }
  const out = new Uint8Array(size.height * size.width * 3);
  const rowBytes = size.width * 3;
  for (let y = 0; y < size.height; y++) {
    const from = ((top + y) * image.width + left) * 3;
    out.set(image.data.subarray(from, from + rowBytes), y * rowBytes);
  }
  return out;
}

/** Paste an HWC RGB image at (top, left) into a `size` canvas filled with `value` on every channel. */
export function padRgb(image: RgbPixels, top: number, left: number, size: Size, value: number): Uint8Array {
  if (top < 0 || left < 0 || top + image.height > size.height || left + image.width > size.width) {
    throw new RangeError(`${image.width}x${image.height} at +${left}+${top} does not fit in ${size.width}x${size.height}`);
  }
  const out = new Uint8Array(size.height * size.width * 3).fill(value);
  const rowBytes = image.width * 3;
  for (let y = 0; y < image.height; y++) {
    const from = y * rowBytes;
    out.set(image.data.subarray(from, from + rowBytes), ((top + y) * size.width + left) * 3);
  }
  return out;
}
