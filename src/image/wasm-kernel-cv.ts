/**
 * OpenCV's 8-bit INTER_LINEAR resize (resize-cv.ts) as WebAssembly SIMD128, assembled here byte by
 * byte with the shared assembler (wasm-asm.ts), so no toolchain is needed. Same integers as the
 * TypeScript reference, which stays the reference in tests and the fallback where WebAssembly or
 * SIMD128 is missing, or the image would need more than {@link MAX_MEMORY_BYTES} of kernel memory:
 *
 * - horizontal pass, one output pixel per step: the 8 bytes at the left tap (its 3 channels, then the
 *   right tap's 3, since the taps are adjacent pixels) are spread into int16 lanes by a swizzle, and
 *   one `i32x4.dot_i16x8_s` against `[a0, a1, a0, a1, a0, a1, 0, 0]` gives the three int32 sums
 *   `S[sx] * a0 + S[sx+1] * a1` (at most 255 × 2048: exact). Where OpenCV clamps a tap at the image
 *   edge its second weight is 0, so the byte read past the last pixel is multiplied by 0.
 * - vertical combination, 16 bytes per step: `((S0 >> 4) * b0 >> 16) + ((S1 >> 4) * b1 >> 16)`,
 *   `(t + 2) >> 2`, in int32 lanes (`(S >> 4) * b` < 2^15 × 2^11 cannot overflow, and with both
 *   factors non-negative int16 it is exactly OpenCV's `_mm_mulhi_epi16`), then the two saturating
 *   narrows clip at 255 as `saturate_cast<uchar>` does (t is never negative).
 * - the exact 2× reduction (INTER_AREA): four output pixels per step, even and odd pixels of both
 *   rows gathered by shuffles, summed in uint16, `(a + b + c + d + 2) >> 2`.
 *
 * Each step writes a few bytes past its row (the 4th dot lane, the rest of a 16-byte store); rows
 * are written in order, so the next row overwrites them, and every buffer has slack after it.
 * Only the source rows the vertical taps read are copied into the kernel's memory (for 1080 → 224,
 * 448 of 1080 rows).
 */
import { I32, V128, instantiateWithMemory, name, op, reserveMemory, section, simd, uleb, vec } from './wasm-asm.js';
import type { WasmMemory } from './wasm-asm.js';

/** The kernel's memory is kept between calls (one per thread) and never shrinks; above this, use TypeScript. */
export const MAX_MEMORY_BYTES = 256 * 2 ** 20;

/** One axis of OpenCV's geometry: source index and the two 11-bit weights per output position. */
export interface CvAxis {
  readonly index: Int32Array;
  readonly w0: Int32Array;
  readonly w1: Int32Array;
}

const { get, set, tee, load, block, loop, end, br, brIf, add, mul, geU, eq, ne, call } = op;
const c = op.const;
const i32s = (n: number) => Array.from({ length: n }, () => [I32]);
const fn = (locals: readonly (readonly number[])[], body: readonly number[]): number[] => {
  const f = [...vec(locals), ...body, ...end];
  return [...uleb(f.length), ...f];
};
/** Lanes of `v128.const` as int16 or int32 values, little-endian. */
const const16 = (v: number) => simd.const(Array.from({ length: 8 }, () => [v & 0xff, (v >> 8) & 0xff]).flat());
const const32 = (v: number) => simd.const(Array.from({ length: 4 }, () => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff]).flat());

/** hrow(src, xofs, xEnd, alpha, out): one source row, one int32 triple per output pixel. */
function hrow(): number[] {
  const P = { src: 0, xofs: 1, xEnd: 2, alpha: 3, out: 4 };
  // Left tap's bytes 0..2 and right tap's 3..5 into int16 lanes [l0, r0, l1, r1, l2, r2, 0, 0]; >= 16 gives 0.
  const spread = [0, 0x80, 3, 0x80, 1, 0x80, 4, 0x80, 2, 0x80, 5, 0x80, 0x80, 0x80, 0x80, 0x80];
  return fn([], [
    ...block, ...loop,
    ...get(P.xofs), ...get(P.xEnd), ...geU, ...brIf(1),
    ...get(P.out),
    ...get(P.src), ...get(P.xofs), ...load(0), ...add, ...simd.load64Zero(0),
    ...simd.const(spread), ...simd.swizzle,
    ...get(P.alpha), ...simd.load(0),
    ...simd.i32x4DotI16x8S,
    ...simd.store(0),
    ...get(P.xofs), ...c(4), ...add, ...set(P.xofs),
    ...get(P.alpha), ...c(16), ...add, ...set(P.alpha),
    ...get(P.out), ...c(12), ...add, ...set(P.out),
    ...br(0),
    ...end, ...end,
  ]);
}

/** vrow(a, b, b0, b1, out, outEnd): two horizontally resampled rows into output bytes, 16 per step. */
function vrow(): number[] {
  const P = { a: 0, b: 1, b0: 2, b1: 3, out: 4, outEnd: 5 };
  const L = { vb0: 6, vb1: 7 };
  const term = (row: number, k: number, weight: number) => [
    ...get(row), ...simd.load(16 * k), ...c(4), ...simd.i32x4ShrS, ...get(weight), ...simd.i32x4Mul, ...c(16), ...simd.i32x4ShrS,
  ];
  const lanes = (k: number) => [...term(P.a, k, L.vb0), ...term(P.b, k, L.vb1), ...simd.i32x4Add, ...const32(2), ...simd.i32x4Add, ...c(2), ...simd.i32x4ShrS];
  return fn([[2, V128]], [
    ...get(P.b0), ...simd.i32x4Splat, ...set(L.vb0),
    ...get(P.b1), ...simd.i32x4Splat, ...set(L.vb1),
    ...block, ...loop,
    ...get(P.out), ...get(P.outEnd), ...geU, ...brIf(1),
    ...get(P.out),
    ...lanes(0), ...lanes(1), ...simd.i16x8NarrowI32x4S,
    ...lanes(2), ...lanes(3), ...simd.i16x8NarrowI32x4S,
    ...simd.i8x16NarrowI16x8U,
    ...simd.store(0),
    ...get(P.a), ...c(64), ...add, ...set(P.a),
    ...get(P.b), ...c(64), ...add, ...set(P.b),
    ...get(P.out), ...c(16), ...add, ...set(P.out),
    ...br(0),
    ...end, ...end,
  ]);
}

/**
 * linear(src, xofs, outW, alpha, ry0, ry1, beta, outH, bufA, bufB, out): the whole resize, with
 * OpenCV's two cached rows (a row already resampled for the previous output row is reused).
 * xofs: byte offset of each left tap in a row; ry0/ry1: byte offsets of each output row's two
 * source rows; beta: the vertical weight pairs; alpha: int16 [a0, a1] × 3, 0, 0 per output pixel.
 */
function linear(): number[] {
  const P = { src: 0, xofs: 1, outW: 2, alpha: 3, ry0: 4, ry1: 5, beta: 6, outH: 7, bufA: 8, bufB: 9, out: 10 };
  const L = { prevA: 11, prevB: 12, r0: 13, r1: 14, t: 15, xEnd: 16, rowLen: 17, yEnd: 18 };
  const hcall = (row: number, buf: number) => [...get(P.src), ...get(row), ...add, ...get(P.xofs), ...get(L.xEnd), ...get(P.alpha), ...get(buf), ...call(0)];
  return fn([[8, I32]], [
    ...c(-1), ...set(L.prevA), ...c(-1), ...set(L.prevB),
    ...get(P.xofs), ...get(P.outW), ...c(4), ...mul, ...add, ...set(L.xEnd),
    ...get(P.outW), ...c(3), ...mul, ...set(L.rowLen),
    ...get(P.ry0), ...get(P.outH), ...c(4), ...mul, ...add, ...set(L.yEnd),
    ...block, ...loop,
    ...get(P.ry0), ...get(L.yEnd), ...geU, ...brIf(1),
    ...get(P.ry0), ...load(0), ...set(L.r0),
    ...get(P.ry1), ...load(0), ...set(L.r1),
    ...get(L.r0), ...get(L.prevA), ...ne, ...op.if,
    ...get(L.r0), ...get(L.prevB), ...eq, ...op.if,
    // The row wanted on top was the bottom one: swap the buffers (OpenCV slides its window the same way).
    ...get(P.bufA), ...get(P.bufB), ...set(P.bufA), ...set(P.bufB),
    ...get(L.prevA), ...set(L.prevB), ...get(L.r0), ...set(L.prevA),
    ...op.else,
    ...hcall(L.r0, P.bufA), ...get(L.r0), ...set(L.prevA),
    ...end,
    ...end,
    ...get(L.r1), ...get(L.prevB), ...ne, ...op.if,
    ...hcall(L.r1, P.bufB), ...get(L.r1), ...set(L.prevB),
    ...end,
    ...get(P.bufA), ...get(P.bufB), ...get(P.beta), ...load(0), ...get(P.beta), ...load(4),
    ...get(P.out), ...get(P.out), ...get(L.rowLen), ...add, ...call(1),
    ...get(P.ry0), ...c(4), ...add, ...set(P.ry0),
    ...get(P.ry1), ...c(4), ...add, ...set(P.ry1),
    ...get(P.beta), ...c(8), ...add, ...set(P.beta),
    ...get(P.out), ...get(L.rowLen), ...add, ...set(P.out),
    ...br(0),
    ...end, ...end,
  ]);
}

/** halve(src, rowBytes, ow, oh, out): OpenCV's INTER_AREA 2× reduction, four output pixels per step. */
function halve(): number[] {
  const P = { src: 0, rowBytes: 1, ow: 2, oh: 3, out: 4 };
  const L = { top: 5, bot: 6, xEnd: 7, yEnd: 8, o: 9, t0: 10, t1: 11, b0: 12, b1: 13 };
  // Bytes of 8 source pixels (24) in two loads (16 + 8): the even pixels' channels, then the odd ones'.
  const pick = (first: number) => [...[0, 2, 4, 6].flatMap((p) => [3 * (p + first), 3 * (p + first) + 1, 3 * (p + first) + 2]), 31, 31, 31, 31];
  const even = pick(0);
  const odd = pick(1);
  const half = (extend: readonly number[]) => [
    ...get(L.t0), ...get(L.t1), ...simd.shuffle(even), ...extend,
    ...get(L.t0), ...get(L.t1), ...simd.shuffle(odd), ...extend, ...simd.i16x8Add,
    ...get(L.b0), ...get(L.b1), ...simd.shuffle(even), ...extend, ...simd.i16x8Add,
    ...get(L.b0), ...get(L.b1), ...simd.shuffle(odd), ...extend, ...simd.i16x8Add,
    ...const16(2), ...simd.i16x8Add, ...c(2), ...simd.i16x8ShrU,
  ];
  return fn([[5, I32], [4, V128]], [
    // yEnd = src + 2 * oh * rowBytes; each output row reads rows 2y and 2y + 1.
    ...get(P.src), ...get(P.oh), ...c(2), ...mul, ...get(P.rowBytes), ...mul, ...add, ...set(L.yEnd),
    ...block, ...loop,
    ...get(P.src), ...get(L.yEnd), ...geU, ...brIf(1),
    ...get(P.src), ...tee(L.top), ...get(P.rowBytes), ...add, ...set(L.bot),
    ...get(L.top), ...get(P.ow), ...c(6), ...mul, ...add, ...set(L.xEnd),
    ...get(P.out), ...set(L.o),
    ...block, ...loop,
    ...get(L.top), ...get(L.xEnd), ...geU, ...brIf(1),
    ...get(L.top), ...simd.load(0), ...set(L.t0), ...get(L.top), ...simd.load64Zero(16), ...set(L.t1),
    ...get(L.bot), ...simd.load(0), ...set(L.b0), ...get(L.bot), ...simd.load64Zero(16), ...set(L.b1),
    ...get(L.o),
    ...half(simd.i16x8ExtendLowI8x16U), ...half(simd.i16x8ExtendHighI8x16U), ...simd.i8x16NarrowI16x8U,
    ...simd.store(0),
    ...get(L.top), ...c(24), ...add, ...set(L.top),
    ...get(L.bot), ...c(24), ...add, ...set(L.bot),
    ...get(L.o), ...c(12), ...add, ...set(L.o),
    ...br(0),
    ...end, ...end,
    ...get(P.src), ...get(P.rowBytes), ...c(2), ...mul, ...add, ...set(P.src),
    ...get(P.out), ...get(P.ow), ...c(3), ...mul, ...add, ...set(P.out),
    ...br(0),
    ...end, ...end,
  ]);
}

function assemble(): Uint8Array {
  const type = (params: number) => [0x60, ...vec(i32s(params)), 0x00];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([type(5), type(6), type(11)])),
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, ...uleb(1)]])), // imported memory
    ...section(3, vec([[0], [1], [2], [0]])), //                                        hrow, vrow, linear, halve
    ...section(7, vec([[...name('linear'), 0x00, 0x02], [...name('halve'), 0x00, 0x03]])),
    ...section(10, vec([hrow(), vrow(), linear(), halve()])),
  ]);
}

type Kernel = { readonly linear: (...args: number[]) => void; readonly halve: (...args: number[]) => void; readonly memory: WasmMemory };
let kernel: Kernel | null | undefined;

function instance(): Kernel | null {
  if (kernel !== undefined) return kernel;
  const made = instantiateWithMemory(assemble());
  kernel = made === null ? null : { linear: made.exports.linear as Kernel['linear'], halve: made.exports.halve as Kernel['halve'], memory: made.memory };
  return kernel;
}

/** Whether the SIMD kernel runs here (WebAssembly with SIMD128). */
export function cvKernelAvailable(): boolean {
  return instance() !== null;
}

const align16 = (n: number) => (n + 15) & ~15;
/** Slack after every buffer for the steps' over-reads and over-writes (at most 16 bytes; 64 for the int32 rows). */
const SLACK = 64;

/**
 * `cv2.resize(img, (width, height), interpolation=cv2.INTER_LINEAR)` of HWC RGB bytes (`w`×`h`)
 * with OpenCV's geometry `xs` (clamped taps) and `ys` (row indices unclamped), as resize-cv.ts
 * computes it. Null when the kernel cannot run here (the caller uses TypeScript).
 */
export function resizeLinearCvWasm(data: Uint8Array, w: number, h: number, width: number, height: number, xs: CvAxis, ys: CvAxis): Uint8Array | null {
  const k = instance();
  if (k === null) return null;
  const rowBytes = w * 3;
  // Compact the source rows the vertical taps read (clamped at the top and bottom edges).
  const slot = new Int32Array(h).fill(-1);
  const clampRow = (r: number) => (r < 0 ? 0 : r >= h ? h - 1 : r);
  for (let dy = 0; dy < height; dy++) {
    slot[clampRow(ys.index[dy]!)] = 0;
    slot[clampRow(ys.index[dy]! + 1)] = 0;
  }
  let rows = 0;
  for (let r = 0; r < h; r++) if (slot[r] === 0) slot[r] = rows++;
  const xofsAt = align16(rows * rowBytes + SLACK);
  const alphaAt = xofsAt + align16(4 * width);
  const ry0At = alphaAt + 16 * width;
  const ry1At = ry0At + align16(4 * height);
  const betaAt = ry1At + align16(4 * height);
  const bufBytes = align16(4 * 3 * width + SLACK);
  const bufAAt = betaAt + align16(8 * height);
  const bufBAt = bufAAt + bufBytes;
  const outAt = bufBAt + bufBytes;
  const outBytes = width * height * 3;
  if (!reserveMemory(k.memory, outAt + outBytes + SLACK, MAX_MEMORY_BYTES)) return null;
  const buffer = k.memory.buffer;
  const bytes = new Uint8Array(buffer);
  if (rows === h) {
    bytes.set(data.subarray(0, h * rowBytes), 0);
  } else {
    for (let r = 0; r < h; r++) {
      const s = slot[r]!;
      if (s >= 0) bytes.set(data.subarray(r * rowBytes, (r + 1) * rowBytes), s * rowBytes);
    }
  }
  const xofs = new Int32Array(buffer, xofsAt, width);
  const alpha = new Int16Array(buffer, alphaAt, 8 * width);
  for (let dx = 0; dx < width; dx++) {
    xofs[dx] = xs.index[dx]! * 3;
    const a0 = xs.w0[dx]!;
    const a1 = xs.w1[dx]!;
    const p = 8 * dx;
    alpha[p] = a0; alpha[p + 1] = a1; alpha[p + 2] = a0; alpha[p + 3] = a1; alpha[p + 4] = a0; alpha[p + 5] = a1; alpha[p + 6] = 0; alpha[p + 7] = 0;
  }
  const ry0 = new Int32Array(buffer, ry0At, height);
  const ry1 = new Int32Array(buffer, ry1At, height);
  const beta = new Int32Array(buffer, betaAt, 2 * height);
  for (let dy = 0; dy < height; dy++) {
    const sy = ys.index[dy]!;
    ry0[dy] = slot[clampRow(sy)]! * rowBytes;
    ry1[dy] = slot[clampRow(sy + 1)]! * rowBytes;
    beta[2 * dy] = ys.w0[dy]!;
    beta[2 * dy + 1] = ys.w1[dy]!;
  }
  k.linear(0, xofsAt, width, alphaAt, ry0At, ry1At, betaAt, height, bufAAt, bufBAt, outAt);
  return new Uint8Array(buffer, outAt, outBytes).slice();
}

/** OpenCV's INTER_AREA 2× reduction of HWC RGB bytes (`w`×`h`, both even). Null when the kernel cannot run here. */
export function halveCvWasm(data: Uint8Array, w: number, h: number): Uint8Array | null {
  const k = instance();
  if (k === null) return null;
  const srcBytes = w * h * 3;
  const outAt = align16(srcBytes + SLACK);
  const outBytes = (w >> 1) * (h >> 1) * 3;
  if (!reserveMemory(k.memory, outAt + outBytes + SLACK, MAX_MEMORY_BYTES)) return null;
  const buffer = k.memory.buffer;
  new Uint8Array(buffer).set(data.subarray(0, srcBytes), 0);
  k.halve(0, w * 3, w >> 1, h >> 1, outAt);
  return new Uint8Array(buffer, outAt, outBytes).slice();
}
