/**
 * OpenCV's `cv2.resize(img, (W, H), interpolation=cv2.INTER_LINEAR)` on 8-bit 3-channel images,
 * reproduced bit for bit. Pure.
 *
 * What has to match (OpenCV's modules/imgproc/src/resize.cpp, read for this; the code here is our own):
 * - half-pixel centres: `fx = float32((dx + 0.5) * scale - 0.5)` with `scale = 1 / (W / w)` in double,
 *   `sx = floor(fx)`, `fx -= sx`; no antialiasing (two taps whatever the scale);
 * - border replicate: a tap left of the image becomes pixel 0 with weight 1, right of it pixel w-1;
 *   vertically the row index is clamped but the weights are kept;
 * - 11-bit fixed-point weights: `round_half_even(float32(1 - fx) * 2048)` and `round_half_even(fx * 2048)`;
 * - horizontal pass in int32 (`S[sx] * a0 + S[sx+1] * a1`), then the vertical combination as OpenCV's
 *   SIMD path computes it for every element: `((S0 >> 4) * b0 >> 16) + ((S1 >> 4) * b1 >> 16)`, then
 *   `(t + 2) >> 2` saturated to 0..255. (OpenCV's scalar formula, `(S0*b0 + S1*b1 + 2^21) >> 22`, differs
 *   by 1 on about an eighth of the values; cv2 5.0 uses the SIMD one everywhere, measured on random
 *   images of every width 1..300.)
 * - an exact 2× reduction on both axes is INTER_AREA instead: `(a + b + c + d + 2) >> 2`.
 *
 * The work runs in WebAssembly SIMD128 (wasm-kernel-cv.ts, the same integers); the TypeScript passes
 * here are the reference it is tested against and the fallback where it cannot run.
 */
import type { RgbPixels } from './preprocess.js';
import { halveCvWasm, resizeLinearCvWasm } from './wasm-kernel-cv.js';
import type { CvAxis } from './wasm-kernel-cv.js';

const COEF_SCALE = 2048;

/** Round to nearest, ties to even, as cvRound/saturate_cast<short> do on x86. */
function rint(x: number): number {
  const f = Math.floor(x);
  const r = x - f;
  if (r > 0.5) return f + 1;
  if (r < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Source index and weights along one axis, OpenCV's geometry. `clampIndex`: the horizontal rule. */
function axis(inSize: number, outSize: number, clampIndex: boolean): CvAxis {
  const scale = 1 / (outSize / inSize);
  const index = new Int32Array(outSize);
  const w0 = new Int32Array(outSize);
  const w1 = new Int32Array(outSize);
  for (let d = 0; d < outSize; d++) {
    let f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f = Math.fround(f - s);
    if (clampIndex) {
      if (s < 0) {
        f = 0;
        s = 0;
      }
      if (s >= inSize - 1) {
        f = 0;
        s = inSize - 1;
      }
    }
    index[d] = s;
    w0[d] = rint(Math.fround(1 - f) * COEF_SCALE);
    w1[d] = rint(f * COEF_SCALE);
  }
  return { index, w0, w1 };
}

/** One source row, resampled horizontally into int32 sums (weights total 2048). */
function horizontalRow(src: Uint8Array, rowBase: number, w: number, outW: number, xs: ReturnType<typeof axis>, out: Int32Array): void {
  const { index, w0, w1 } = xs;
  for (let dx = 0, o = 0; dx < outW; dx++, o += 3) {
    const sx = index[dx]!;
    const p0 = rowBase + sx * 3;
    // At the right edge the second tap has weight 0; reading the same pixel keeps it inside the row.
    const p1 = sx + 1 < w ? p0 + 3 : p0;
    const a0 = w0[dx]!;
    const a1 = w1[dx]!;
    out[o] = src[p0]! * a0 + src[p1]! * a1;
    out[o + 1] = src[p0 + 1]! * a0 + src[p1 + 1]! * a1;
    out[o + 2] = src[p0 + 2]! * a0 + src[p1 + 2]! * a1;
  }
}

/** Resize like `cv2.resize(img, (width, height), interpolation=cv2.INTER_LINEAR)`; HWC 3-channel bytes. */
export function resizeLinearCv(src: RgbPixels, width: number, height: number): Uint8Array {
  const { width: w, height: h, data } = src;
  if (w === width && h === height) return data.slice();
  if (w === 2 * width && h === 2 * height) return halveCvWasm(data, w, h) ?? halveTs(src);
  return resizeLinearCvWasm(data, w, h, width, height, axis(w, width, true), axis(h, height, false)) ?? resizeLinearCvTs(src, width, height);
}

/**
 * The TypeScript reference of {@link resizeLinearCv} (the WebAssembly kernel is tested against it,
 * and it runs where that kernel cannot), including the 2× INTER_AREA case.
 */
export function resizeLinearCvTs(src: RgbPixels, width: number, height: number): Uint8Array {
  const { width: w, height: h, data } = src;
  if (w === width && h === height) return data.slice();
  if (w === 2 * width && h === 2 * height) return halveTs(src);
  const xs = axis(w, width, true);
  const ys = axis(h, height, false);
  const rowLen = width * 3;
  const out = new Uint8Array(height * rowLen);
  // Two cached horizontally-resampled rows, swapped as the source window slides down.
  let rowA = new Int32Array(rowLen);
  let rowB = new Int32Array(rowLen);
  let idxA = -1;
  let idxB = -1;
  for (let dy = 0; dy < height; dy++) {
    const sy = ys.index[dy]!;
    const r0 = sy < 0 ? 0 : sy >= h ? h - 1 : sy;
    const r1 = sy + 1 < 0 ? 0 : sy + 1 >= h ? h - 1 : sy + 1;
    if (idxA !== r0) {
      if (idxB === r0) {
        [rowA, rowB] = [rowB, rowA];
        [idxA, idxB] = [idxB, idxA];
      } else {
        horizontalRow(data, r0 * w * 3, w, width, xs, rowA);
        idxA = r0;
      }
    }
    if (idxB !== r1) {
      if (r1 === r0) {
        rowB.set(rowA);
      } else {
        horizontalRow(data, r1 * w * 3, w, width, xs, rowB);
      }
      idxB = r1;
    }
    const b0 = ys.w0[dy]!;
    const b1 = ys.w1[dy]!;
    const o = dy * rowLen;
    for (let i = 0; i < rowLen; i++) {
      // (S >> 4) fits int16 (at most 255 * 2048 / 16); the products are non-negative, so >> is floor.
      const t = (((rowA[i]! >> 4) * b0) >> 16) + (((rowB[i]! >> 4) * b1) >> 16);
      const v = (t + 2) >> 2;
      out[o + i] = v > 255 ? 255 : v;
    }
  }
  return out;
}

/** OpenCV's INTER_AREA fast path for an exact 2× reduction: the rounded mean of each 2×2 block. */
function halveTs(src: RgbPixels): Uint8Array {
  const { width: w, data } = src;
  const ow = w >> 1;
  const oh = src.height >> 1;
  const out = new Uint8Array(ow * oh * 3);
  const stride = w * 3;
  for (let y = 0, o = 0; y < oh; y++) {
    const top = 2 * y * stride;
    const bottom = top + stride;
    for (let x = 0; x < ow; x++) {
      const p = x * 6;
      for (let c = 0; c < 3; c++, o++) {
        out[o] = (data[top + p + c]! + data[top + p + 3 + c]! + data[bottom + p + c]! + data[bottom + p + 3 + c]! + 2) >> 2;
      }
    }
  }
  return out;
}
