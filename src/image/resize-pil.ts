/**
 * Pillow's `Image.resize(size, Image.BILINEAR)` on 8-bit RGB, reproduced bit for bit. Pure.
 *
 * What has to match (Pillow's src/libImaging/Resample.c, read for this; the code here is our own):
 * - a separable triangle filter whose support is widened by the scale when downscaling
 *   (support = max(in/out, 1)), so downscaling averages every covered pixel (antialiasing);
 * - per output pixel: the window `[trunc(center - support + 0.5), trunc(center + support + 0.5))`
 *   clamped to the image, weights `1 - |(x - center + 0.5) / filterscale|`, normalised by their sum
 *   in float64, then turned into 22-bit fixed point with round-half-away-from-zero;
 * - accumulation in integers starting from 2^21 (rounding), `>> 22`, clipped to 0..255, and the
 *   intermediate image stored as 8-bit between the two passes;
 * - pass order: horizontal then vertical, except that Pillow 13 runs the vertical pass first when the
 *   height shrinks by more than twice as many pixels as the width (`h - H > 2 (w - W)` with `H < h`,
 *   Pillow PR #9549; checked against Pillow 13.0.0 on 270 random size pairs). A pass whose size does
 *   not change is skipped.
 * `reducing_gap` is None (Pillow's default for resize), so there is no box-reduce step first.
 *
 * The work runs in WebAssembly (wasm-kernel.ts: its SIMD128 build, else its scalar build), the whole
 * resize inside the kernel's memory; the TypeScript passes below are the reference it is tested
 * against and the last fallback.
 */
import type { RgbPixels } from './preprocess.js';
import { resizePilWasm } from './wasm-kernel.js';

const PRECISION_BITS = 22;
const HALF = 1 << (PRECISION_BITS - 1);

/** Filter windows and fixed-point weights for one axis: `start[i]`, `count[i]`, weights at `i * ksize`. */
export interface Coefficients {
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly weights: Int32Array;
  readonly ksize: number;
}

export function coefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterscale = scale < 1 ? 1 : scale;
  const support = filterscale; // the bilinear filter's own support is 1
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const w = new Float64Array(ksize);
  const ss = 1 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's (int) cast truncates toward zero.
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      let t = (x + xmin - center + 0.5) * ss;
      if (t < 0) t = -t;
      const v = t < 1 ? 1 - t : 0;
      w[x] = v;
      ww += v;
    }
    // Weights of the triangle are never negative; Pillow rounds half away from zero. Taps whose
    // fixed-point weight is 0 at either end of the window add nothing, so they are dropped.
    let first = 0;
    let last = xmax;
    const fixed = (x: number): number => Math.trunc(0.5 + (ww !== 0 ? w[x]! / ww : w[x]!) * (1 << PRECISION_BITS));
    while (first < last && fixed(first) === 0) first++;
    while (last > first && fixed(last - 1) === 0) last--;
    for (let x = first; x < last; x++) weights[xx * ksize + x - first] = fixed(x);
    start[xx] = xmin + first;
    count[xx] = last - first;
  }
  return { start, count, weights, ksize };
}

/** The TypeScript horizontal pass: the reference the WebAssembly kernel is tested against. */
export function horizontalTs(src: Uint8Array, inW: number, rowFrom: number, rows: number, outW: number, c: Coefficients): Uint8Array {
  const out = new Uint8Array(rows * outW * 3);
  const { start, count, weights, ksize } = c;
  // Int32 arithmetic (Math.imul, | 0) keeps V8 on integer instructions; the sums never leave int32
  // (at most 255 * 2^22 plus rounding), so they equal Pillow's INT32 accumulators.
  for (let y = 0; y < rows; y++) {
    const rowBase = (y + rowFrom) * inW * 3;
    let o = y * outW * 3;
    for (let xx = 0, kBase = 0; xx < outW; xx++, kBase += ksize) {
      let s0 = HALF;
      let s1 = HALF;
      let s2 = HALF;
      const end = kBase + count[xx]!;
      for (let j = kBase, p = rowBase + start[xx]! * 3; j < end; j++, p += 3) {
        const k = weights[j]!;
        s0 = (s0 + Math.imul(src[p]!, k)) | 0;
        s1 = (s1 + Math.imul(src[p + 1]!, k)) | 0;
        s2 = (s2 + Math.imul(src[p + 2]!, k)) | 0;
      }
      out[o++] = clip8(s0);
      out[o++] = clip8(s1);
      out[o++] = clip8(s2);
    }
  }
  return out;
}

/** The TypeScript vertical pass: the reference the WebAssembly kernel is tested against. */
export function verticalTs(src: Uint8Array, w: number, outH: number, c: Coefficients, rowShift: number): Uint8Array {
  const rowBytes = w * 3;
  const out = new Uint8Array(outH * rowBytes);
  const { start, count, weights, ksize } = c;
  const acc = new Int32Array(rowBytes);
  for (let yy = 0, kBase = 0; yy < outH; yy++, kBase += ksize) {
    acc.fill(HALF);
    const n = count[yy]!;
    const first = start[yy]! - rowShift;
    // Row by row over the window keeps the inner loop contiguous; the sum is the same integers as
    // Pillow's per-pixel loop (integer addition is exact in any order), so the result is identical.
    for (let y = 0; y < n; y++) {
      const k = weights[kBase + y]!;
      for (let i = 0, b = (first + y) * rowBytes; i < rowBytes; i++, b++) acc[i] = (acc[i]! + Math.imul(src[b]!, k)) | 0;
    }
    for (let i = 0, o = yy * rowBytes; i < rowBytes; i++, o++) out[o] = clip8(acc[i]!);
  }
  return out;
}

/** `v >> 22`, clipped to 0..255. Sums stay below 2^31, so `>>` on them is exact. */
function clip8(v: number): number {
  const r = v >> PRECISION_BITS;
  return r < 0 ? 0 : r > 255 ? 255 : r;
}

/**
 * {@link coefficients}, remembered for the last few size pairs: a folder of same-sized photos to one
 * model input needs the same tables every time, and making them is ~0.1–0.2 ms (a tenth of a
 * 640x480 resize). The tables are never written after they are made, so sharing them is safe.
 */
const memo = new Map<string, Coefficients>();
function sharedCoefficients(inSize: number, outSize: number): Coefficients {
  const key = `${inSize}>${outSize}`;
  let c = memo.get(key);
  if (c === undefined) {
    if (memo.size >= 8) memo.clear();
    c = coefficients(inSize, outSize);
    memo.set(key, c);
  }
  return c;
}

/**
 * Which implementation runs: `auto` is the WebAssembly kernel's SIMD build where it runs, else its
 * scalar build, else TypeScript. The others force one (tests keep every fallback exercised); a
 * forced WebAssembly build that cannot run here falls back to TypeScript.
 */
export type PilResizeKernel = 'auto' | 'simd' | 'scalar' | 'ts';

/**
 * Resize like Pillow 13's `img.resize((width, height), Image.BILINEAR)` on an RGB image.
 * Returns HWC RGB bytes of `width × height`; the input itself (copied) when the size is unchanged.
 */
export function resizeBilinearPil(src: RgbPixels, width: number, height: number, kernel: PilResizeKernel = 'auto'): Uint8Array {
  const { width: w, height: h } = src;
  if (w === width && h === height) return src.data.slice();
  const ch = w !== width ? sharedCoefficients(w, width) : null;
  const cv = h !== height ? sharedCoefficients(h, height) : null;
  const verticalFirst = ch !== null && cv !== null && height < h && h - height > 2 * (w - width);
  if (kernel !== 'ts') {
    const out = resizePilWasm(src.data, w, h, width, height, ch, cv, verticalFirst, kernel === 'auto' ? undefined : kernel);
    if (out !== null) return out;
  }
  if (ch !== null && cv !== null && verticalFirst) return horizontalTs(verticalTs(src.data, w, height, cv, 0), w, 0, height, width, ch);
  let data = src.data;
  let rowShift = 0;
  if (ch !== null) {
    // Only the source rows the vertical pass reads are resampled horizontally, as Pillow does.
    const first = cv === null ? 0 : cv.start[0]!;
    const last = cv === null ? h : cv.start[height - 1]! + cv.count[height - 1]!;
    data = horizontalTs(data, w, first, last - first, width, ch);
    rowShift = first;
  }
  if (cv !== null) data = verticalTs(data, width, height, cv, rowShift);
  return data;
}
