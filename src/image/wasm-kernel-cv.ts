/**
 * OpenCV's 8-bit INTER_LINEAR resize (resize-cv.ts) as WebAssembly SIMD128, assembled here byte by
 * byte with the shared assembler (wasm-asm.ts), so no toolchain is needed. Same integers as the
 * TypeScript reference, which stays the reference in tests and the fallback where WebAssembly or
 * SIMD128 is missing, or the image would need more than {@link MAX_MEMORY_BYTES} of kernel memory:
 *
 * - horizontal pass, one dot product per output pixel (four pixels per step): the 8 bytes at the
 *   left tap (its 3 channels, then the right tap's 3, since the taps are adjacent pixels) are spread
 *   into int16 lanes by a swizzle, and one `i32x4.dot_i16x8_s` against `[a0, a1, a0, a1, a0, a1, 0, 0]`
 *   gives the three int32 sums `S[sx] * a0 + S[sx+1] * a1` (at most 255 × 2048: exact), kept as
 *   `S >> 4`. Where OpenCV clamps a tap at the image edge its second weight is 0, so the byte read
 *   past the last pixel is multiplied by 0.
 * - vertical combination, 16 bytes per step: `((S0 >> 4) * b0 >> 16) + ((S1 >> 4) * b1 >> 16)`,
 *   `(t + 2) >> 2`, in int32 lanes (`(S >> 4) * b` < 2^15 × 2^11 cannot overflow, and with both
 *   factors non-negative int16 it is exactly OpenCV's `_mm_mulhi_epi16`), then the two saturating
 *   narrows clip at 255 as `saturate_cast<uchar>` does (t is never negative).
 * - the exact 2× reduction (INTER_AREA): three output pixels per step, each byte summed in uint16
 *   with the next pixel's and the row below's, `(a + b + c + d + 2) >> 2`.
 *
 * Each step writes a few bytes past its row (the 4th dot lane, the rest of a 16-byte store); rows
 * are written in order, so the next row overwrites them, and every buffer has slack after it.
 * Only the source rows the vertical taps read are copied into the kernel's memory, one at a time
 * (for 1080 → 224, 448 of 1080 rows).
 */
import { I32, PreparedModule, V128, name, op, reserveMemory, section, simd, uleb, vec } from './wasm-asm.js';
import type { WasmMemory } from './wasm-asm.js';

/** The kernel's memory is kept between calls (one per thread) and never shrinks; above this, use TypeScript. */
export const MAX_MEMORY_BYTES = 256 * 2 ** 20;

/** One axis of OpenCV's geometry: source index and the two 11-bit weights per output position. */
export interface CvAxis {
  readonly index: Int32Array;
  readonly w0: Int32Array;
  readonly w1: Int32Array;
}

const { get, set, tee, load, block, loop, end, br, brIf, add, mul, geU } = op;
const c = op.const;
const i32s = (n: number) => Array.from({ length: n }, () => [I32]);
const fn = (locals: readonly (readonly number[])[], body: readonly number[]): number[] => {
  const f = [...vec(locals), ...body, ...end];
  return [...uleb(f.length), ...f];
};
/** Lanes of `v128.const` as int16 or int32 values, little-endian. */
const const16 = (v: number) => simd.const(Array.from({ length: 8 }, () => [v & 0xff, (v >> 8) & 0xff]).flat());
const const32 = (v: number) => simd.const(Array.from({ length: 4 }, () => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff]).flat());

/**
 * hrow(src, xofs, xEnd, alpha, out): one source row, one int32 triple `S >> 4` per output pixel (the
 * vertical step only ever uses S >> 4, so it is shifted once here), four pixels per step (the tables
 * are padded to a multiple of four with offset 0 and weights 0).
 */
function hrow(): number[] {
  const P = { src: 0, xofs: 1, xEnd: 2, alpha: 3, out: 4 };
  // Left tap's bytes 0..2 and right tap's 3..5 into int16 lanes [l0, r0, l1, r1, l2, r2, 0, 0]; >= 16 gives 0.
  const spread = [0, 0x80, 3, 0x80, 1, 0x80, 4, 0x80, 2, 0x80, 5, 0x80, 0x80, 0x80, 0x80, 0x80];
  const pixel = (k: number) => [
    ...get(P.out),
    ...get(P.src), ...get(P.xofs), ...load(4 * k), ...add, ...simd.load64Zero(0),
    ...get(5), ...simd.swizzle,
    ...get(P.alpha), ...simd.load(16 * k),
    ...simd.i32x4DotI16x8S, ...c(4), ...simd.i32x4ShrS,
    ...simd.store(12 * k),
  ];
  // The mask is kept in a local (5): V8 would otherwise rebuild the constant for every pixel.
  return fn([[1, V128]], [
    ...simd.const(spread), ...set(5),
    ...block, ...loop,
    ...get(P.xofs), ...get(P.xEnd), ...geU, ...brIf(1),
    ...pixel(0), ...pixel(1), ...pixel(2), ...pixel(3),
    ...get(P.xofs), ...c(16), ...add, ...set(P.xofs),
    ...get(P.alpha), ...c(64), ...add, ...set(P.alpha),
    ...get(P.out), ...c(48), ...add, ...set(P.out),
    ...br(0),
    ...end, ...end,
  ]);
}

/** vrow(a, b, b0, b1, out, outEnd): two horizontally resampled rows (S >> 4) into output bytes, 16 per step. */
function vrow(): number[] {
  const P = { a: 0, b: 1, b0: 2, b1: 3, out: 4, outEnd: 5 };
  const L = { vb0: 6, vb1: 7, two: 8 };
  const term = (row: number, k: number, weight: number) => [
    ...get(row), ...simd.load(16 * k), ...get(weight), ...simd.i32x4Mul, ...c(16), ...simd.i32x4ShrS,
  ];
  const lanes = (k: number) => [...term(P.a, k, L.vb0), ...term(P.b, k, L.vb1), ...simd.i32x4Add, ...get(L.two), ...simd.i32x4Add, ...c(2), ...simd.i32x4ShrS];
  return fn([[3, V128]], [
    ...const32(2), ...set(L.two),
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
 * halve(src, rowBytes, ow, oh, out): OpenCV's INTER_AREA 2× reduction, three output pixels per step.
 * Byte j of a row plus byte j + 3 (the next pixel's same channel), for both rows, summed in uint16:
 * at j = 0, 1, 2, 6, 7, 8, 12, 13, 14 (the even pixels' channels) that is a 2×2 block's sum; one
 * swizzle keeps those nine bytes. No two-vector shuffles (V8 makes each of those three instructions).
 */
function halve(): number[] {
  const P = { src: 0, rowBytes: 1, ow: 2, oh: 3, out: 4 };
  const L = { top: 5, bot: 6, xEnd: 7, yEnd: 8, o: 9, two: 10, keep: 11 };
  const keep = [0, 1, 2, 6, 7, 8, 12, 13, 14, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80];
  // uint16 lanes for bytes j .. j + 7 of the step: (top[j] + top[j+3] + bottom[j] + bottom[j+3] + 2) >> 2
  const eight = (j: number) => [
    ...get(L.top), ...simd.load8x8U(j), ...get(L.top), ...simd.load8x8U(j + 3), ...simd.i16x8Add,
    ...get(L.bot), ...simd.load8x8U(j), ...simd.i16x8Add, ...get(L.bot), ...simd.load8x8U(j + 3), ...simd.i16x8Add,
    ...get(L.two), ...simd.i16x8Add, ...c(2), ...simd.i16x8ShrU,
  ];
  return fn([[5, I32], [2, V128]], [
    ...const16(2), ...set(L.two), ...simd.const(keep), ...set(L.keep),
    // yEnd = src + 2 * oh * rowBytes; each output row reads rows 2y and 2y + 1.
    ...get(P.src), ...get(P.oh), ...c(2), ...mul, ...get(P.rowBytes), ...mul, ...add, ...set(L.yEnd),
    ...block, ...loop,
    ...get(P.src), ...get(L.yEnd), ...geU, ...brIf(1),
    ...get(P.src), ...tee(L.top), ...get(P.rowBytes), ...add, ...set(L.bot),
    ...get(L.top), ...get(P.ow), ...c(6), ...mul, ...add, ...set(L.xEnd),
    ...get(P.out), ...set(L.o),
    ...block, ...loop,
    ...get(L.top), ...get(L.xEnd), ...geU, ...brIf(1),
    ...get(L.o),
    ...eight(0), ...eight(8), ...simd.i8x16NarrowI16x8U, ...get(L.keep), ...simd.swizzle,
    ...simd.store(0),
    ...get(L.top), ...c(18), ...add, ...set(L.top),
    ...get(L.bot), ...c(18), ...add, ...set(L.bot),
    ...get(L.o), ...c(9), ...add, ...set(L.o),
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
    ...section(1, vec([type(5), type(6)])),
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, ...uleb(1)]])), // imported memory
    ...section(3, vec([[0], [1], [0]])), //                                             hrow, vrow, halve
    ...section(7, vec([[...name('hrow'), 0x00, 0x00], [...name('vrow'), 0x00, 0x01], [...name('halve'), 0x00, 0x02]])),
    ...section(10, vec([hrow(), vrow(), halve()])),
  ]);
}

type Call = (...args: number[]) => void;
type Kernel = { readonly hrow: Call; readonly vrow: Call; readonly halve: Call; readonly memory: WasmMemory };
let kernel: Kernel | null | undefined;

const module = new PreparedModule(assemble);

/** Starts compiling the kernel in the background; see PreparedModule. */
export function prepareCvKernel(): void {
  if (kernel === undefined) module.prepare();
}

function instance(): Kernel | null {
  if (kernel !== undefined) return kernel;
  const made = module.instantiate();
  kernel = made === null ? null : { hrow: made.exports.hrow as Call, vrow: made.exports.vrow as Call, halve: made.exports.halve as Call, memory: made.memory };
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
  const rowLen = width * 3;
  const padded = (width + 3) & ~3; // hrow's four pixels per step
  const xofsAt = align16(rowBytes + SLACK);
  const alphaAt = xofsAt + 4 * padded;
  const bufBytes = align16(4 * 3 * padded + SLACK);
  let bufA = alphaAt + 16 * padded;
  let bufB = bufA + bufBytes;
  const outAt = bufB + bufBytes;
  if (!reserveMemory(k.memory, outAt + height * rowLen + SLACK, MAX_MEMORY_BYTES)) return null;
  const buffer = k.memory.buffer;
  const bytes = new Uint8Array(buffer);
  const xofs = new Int32Array(buffer, xofsAt, padded).fill(0);
  const alpha = new Int16Array(buffer, alphaAt, 8 * padded).fill(0);
  for (let dx = 0; dx < width; dx++) {
    xofs[dx] = xs.index[dx]! * 3;
    const a0 = xs.w0[dx]!;
    const a1 = xs.w1[dx]!;
    const p = 8 * dx;
    alpha[p] = a0; alpha[p + 1] = a1; alpha[p + 2] = a0; alpha[p + 3] = a1; alpha[p + 4] = a0; alpha[p + 5] = a1;
  }
  const xEnd = xofsAt + 4 * padded;
  // One source row at a time is copied to the start of the kernel's memory and resampled there (it
  // stays in the L1 cache between the copy and the pass); the two resampled rows are cached and slid
  // down as in resizeLinearCvTs.
  const resample = (r: number, buf: number) => {
    bytes.set(data.subarray(r * rowBytes, (r + 1) * rowBytes), 0);
    k.hrow(0, xofsAt, xEnd, alphaAt, buf);
  };
  let idxA = -1;
  let idxB = -1;
  for (let dy = 0; dy < height; dy++) {
    const sy = ys.index[dy]!;
    const r0 = sy < 0 ? 0 : sy >= h ? h - 1 : sy;
    const r1 = sy + 1 < 0 ? 0 : sy + 1 >= h ? h - 1 : sy + 1;
    if (idxA !== r0) {
      if (idxB === r0) {
        [bufA, bufB] = [bufB, bufA];
        [idxA, idxB] = [idxB, idxA];
      } else {
        resample(r0, bufA);
        idxA = r0;
      }
    }
    if (idxB !== r1) {
      resample(r1, bufB);
      idxB = r1;
    }
    const o = outAt + dy * rowLen;
    k.vrow(bufA, bufB, ys.w0[dy]!, ys.w1[dy]!, o, o + rowLen);
  }
  return new Uint8Array(buffer, outAt, height * rowLen).slice();
}

/** OpenCV's INTER_AREA 2× reduction of HWC RGB bytes (`w`×`h`, both even). Null when the kernel cannot run here. */
export function halveCvWasm(data: Uint8Array, w: number, h: number): Uint8Array | null {
  const k = instance();
  if (k === null) return null;
  const rowBytes = w * 3;
  const ow = w >> 1;
  const oh = h >> 1;
  const outAt = align16(2 * rowBytes + SLACK);
  const outRow = ow * 3;
  if (!reserveMemory(k.memory, outAt + oh * outRow + SLACK, MAX_MEMORY_BYTES)) return null;
  const buffer = k.memory.buffer;
  const bytes = new Uint8Array(buffer);
  // Two source rows at a time, as in resizeLinearCvWasm: the copy stays in cache for the pass.
  for (let y = 0; y < oh; y++) {
    bytes.set(data.subarray(2 * y * rowBytes, (2 * y + 2) * rowBytes), 0);
    k.halve(0, rowBytes, ow, 1, outAt + y * outRow);
  }
  return new Uint8Array(buffer, outAt, oh * outRow).slice();
}
