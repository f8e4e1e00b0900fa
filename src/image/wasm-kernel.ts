/**
 * Pillow's two resampling passes (resize-pil.ts) as small WebAssembly functions, assembled here byte
 * by byte (no toolchain needed to build or change them). Same integers as the TypeScript passes they
 * replace: 2^21 rounding start, Σ pixel × 22-bit weight in int32, `>> 22`, clipped to 0..255.
 * WebAssembly's int32 arithmetic wraps exactly as `Math.imul` and `| 0` do, and the sums never leave
 * int32 anyway, so the bytes are identical; what changes is speed.
 *
 * Two builds of the same passes:
 * - `simd`: SIMD128. Horizontally two taps per instruction: i32x4.dot_i16x8_s on the two pixels'
 *   R, G and B swizzled into i16 lanes, against a table of the weights split into 15-bit halves
 *   (horizontalDot says why that is exact), two rows at a time (one weight load and one window's
 *   arithmetic for two pixels); 1920x1080 -> 224 went from 4.5 to 3.6 ms with the source's copy
 *   (about 1 ms of it), against one tap per i32x4 multiply before;
 *   vertically 16 output bytes at once (16 bytes of each window row widened to four i32x4). The
 *   saturating narrows i32 → i16 → u8 are exactly the clip to 0..255.
 * - `scalar`: one tap and channel at a time, for engines without SIMD128 (`WebAssembly.validate`
 *   says no).
 * The TypeScript passes stay the reference and the last fallback: test/image/wasm-kernel.test.ts
 * checks both builds against them byte for byte, and the Pillow goldens run through the default.
 *
 * Memory: one instance per build and thread, kept between calls and never shrunk. A whole resize
 * runs inside it (source rows, both coefficient tables, the intermediate image, the output), so the
 * intermediate image never goes back to JavaScript. Every region is followed by 16 spare bytes: the
 * SIMD passes read up to 15 bytes past a row's end (the 4th byte of a pixel, the rest of a 16-byte
 * block) and write up to 15 past it (those bytes belong to the next row, which is written after, or
 * to the spare bytes). Above {@link MAX_MEMORY_BYTES} the functions return null and the caller uses
 * TypeScript.
 */

/** The kernel's memory is kept between calls (one per thread) and never shrinks; above this, use TypeScript. */
export const MAX_MEMORY_BYTES = 256 * 2 ** 20;

import { countedLoop, I32, PreparedModule, V128, name, op, reserveMemory, section, simd, uleb, vec } from './wasm-asm.js';
import type { WasmMemory } from './wasm-asm.js';

/**
 * h(src, inW, rows, outW, start, count, weights, ksize, out): byte addresses in memory; `start`,
 * `count` and `weights` are int32 arrays as resize-pil.ts's coefficients() makes them.
 */
function horizontalScalar(): number[] {
  const P = { src: 0, inW: 1, rows: 2, outW: 3, start: 4, count: 5, weights: 6, ksize: 7, out: 8 };
  const names = ['y', 'xx', 'j', 'end', 'p', 's0', 's1', 's2', 'k', 'rowBase', 'o', 'kBase', 'v'] as const;
  const L = Object.fromEntries(names.map((n, i) => [n, 9 + i])) as Record<(typeof names)[number], number>;
  const { get, set, tee, load, load8u, store8, block, loop, end, br, brIf, add, mul, shl, shrS, geU, ltS, gtS, select } = op;
  const c = op.const;
  const HALF = 1 << 21;
  // s += src[p + channel] * k
  const tap = (sum: number, channel: number) => [...get(sum), ...get(L.p), ...load8u(channel), ...get(L.k), ...mul, ...add, ...set(sum)];
  // out[o + channel] = clip(sum >> 22)
  const emit = (sum: number, channel: number) => [
    ...get(L.o),
    ...get(sum), ...c(22), ...shrS, ...set(L.v),
    ...c(0), ...get(L.v), ...get(L.v), ...c(0), ...ltS, ...select, ...set(L.v), // v < 0 ? 0 : v
    ...c(255), ...get(L.v), ...get(L.v), ...c(255), ...gtS, ...select, //           v > 255 ? 255 : v
    ...store8(channel),
  ];
  const pixel = [
    ...c(HALF), ...set(L.s0), ...c(HALF), ...set(L.s1), ...c(HALF), ...set(L.s2),
    ...get(P.weights), ...get(L.kBase), ...c(2), ...shl, ...add, ...tee(L.j),
    ...get(P.count), ...get(L.xx), ...c(2), ...shl, ...add, ...load(0), ...c(2), ...shl, ...add, ...set(L.end),
    ...get(L.rowBase), ...get(P.start), ...get(L.xx), ...c(2), ...shl, ...add, ...load(0), ...c(3), ...mul, ...add, ...set(L.p),
    ...block, ...loop,
    ...get(L.j), ...get(L.end), ...geU, ...brIf(1),
    ...get(L.j), ...load(0), ...set(L.k),
    ...tap(L.s0, 0), ...tap(L.s1, 1), ...tap(L.s2, 2),
    ...get(L.j), ...c(4), ...add, ...set(L.j),
    ...get(L.p), ...c(3), ...add, ...set(L.p),
    ...br(0),
    ...end, ...end,
    ...emit(L.s0, 0), ...emit(L.s1, 1), ...emit(L.s2, 2),
    ...get(L.o), ...c(3), ...add, ...set(L.o),
    ...get(L.kBase), ...get(P.ksize), ...add, ...set(L.kBase),
  ];
  const body = [
    ...c(0), ...set(L.y),
    ...countedLoop(L.y, get(P.rows), 1, [
      ...get(P.src), ...get(L.y), ...get(P.inW), ...mul, ...c(3), ...mul, ...add, ...set(L.rowBase),
      ...get(P.out), ...get(L.y), ...get(P.outW), ...mul, ...c(3), ...mul, ...add, ...set(L.o),
      ...c(0), ...set(L.xx), ...c(0), ...set(L.kBase),
      ...countedLoop(L.xx, get(P.outW), 1, pixel),
    ]),
    ...end,
  ];
  return [...vec([[...uleb(names.length), I32]]), ...body];
}

/**
 * v(src, rowBytes, outH, start, count, weights, ksize, rowShift, out): the vertical pass, per output
 * byte Σ over the window's rows (Pillow's own loop order; integer sums are exact in any order).
 */
function verticalScalar(): number[] {
  const P = { src: 0, rowBytes: 1, outH: 2, start: 3, count: 4, weights: 5, ksize: 6, rowShift: 7, out: 8 };
  const names = ['yy', 'base', 'wBase', 'o', 'i', 's', 'p', 'j', 'jEnd', 'v'] as const;
  const L = Object.fromEntries(names.map((n, i) => [n, 9 + i])) as Record<(typeof names)[number], number>;
  const { get, set, load, load8u, store8, block, loop, end, br, brIf, add, sub, mul, shl, shrS, geS, geU, ltS, gtS, select } = op;
  const c = op.const;
  const body = [
    ...c(0), ...set(L.yy),
    ...block, ...loop,
    ...get(L.yy), ...get(P.outH), ...geS, ...brIf(1),
    // base = src + (start[yy] - rowShift) * rowBytes; wBase = weights + yy * ksize * 4; o = out + yy * rowBytes
    ...get(P.src), ...get(P.start), ...get(L.yy), ...c(2), ...shl, ...add, ...load(0), ...get(P.rowShift), ...sub, ...get(P.rowBytes), ...mul, ...add, ...set(L.base),
    ...get(P.weights), ...get(L.yy), ...get(P.ksize), ...mul, ...c(2), ...shl, ...add, ...set(L.wBase),
    ...get(P.out), ...get(L.yy), ...get(P.rowBytes), ...mul, ...add, ...set(L.o),
    // jEnd = wBase + count[yy] * 4
    ...get(L.wBase), ...get(P.count), ...get(L.yy), ...c(2), ...shl, ...add, ...load(0), ...c(2), ...shl, ...add, ...set(L.jEnd),
    ...c(0), ...set(L.i),
    ...block, ...loop,
    ...get(L.i), ...get(P.rowBytes), ...geS, ...brIf(1),
    ...c(1 << 21), ...set(L.s),
    ...get(L.base), ...get(L.i), ...add, ...set(L.p),
    ...get(L.wBase), ...set(L.j),
    ...block, ...loop,
    ...get(L.j), ...get(L.jEnd), ...geU, ...brIf(1),
    ...get(L.s), ...get(L.p), ...load8u(0), ...get(L.j), ...load(0), ...mul, ...add, ...set(L.s),
    ...get(L.p), ...get(P.rowBytes), ...add, ...set(L.p),
    ...get(L.j), ...c(4), ...add, ...set(L.j),
    ...br(0),
    ...end, ...end,
    ...get(L.o), ...get(L.i), ...add,
    ...get(L.s), ...c(22), ...shrS, ...set(L.v),
    ...c(0), ...get(L.v), ...get(L.v), ...c(0), ...ltS, ...select, ...set(L.v),
    ...c(255), ...get(L.v), ...get(L.v), ...c(255), ...gtS, ...select,
    ...store8(0),
    ...get(L.i), ...c(1), ...add, ...set(L.i),
    ...br(0),
    ...end, ...end,
    ...get(L.yy), ...c(1), ...add, ...set(L.yy),
    ...br(0),
    ...end, ...end,
    ...end,
  ];
  return [...vec([[...uleb(names.length), I32]]), ...body];
}

/**
 * Bytes 0-5 of a load (two RGB pixels) as i16 lanes [R0, R1, G0, G1, B0, B1, 0, 0]: an index of 16
 * or more gives a zero byte, so each lane's high byte is 0.
 */
const PAIR_SWIZZLE = [0, 0x80, 3, 0x80, 1, 0x80, 4, 0x80, 2, 0x80, 5, 0x80, 0x80, 0x80, 0x80, 0x80];

/**
 * The SIMD horizontal pass two taps at a time, `rowsPerTurn` rows at a time (2: one set of weight
 * loads and window arithmetic for two pixels; an odd last row goes to the one-row version, function
 * 0). Parameters as {@link horizontalScalar}, except that `weights` is the address of the pair table
 * {@link pairTable} makes and `ksize` its pairs per output pixel.
 *
 * Why it is exact: i32x4.dot_i16x8_s multiplies i16 lanes pairwise and adds each pair, so one
 * instruction does two taps of R, G and B. A 22-bit weight does not fit an i16, so it is split as
 * w = hi * 2^15 + lo (lo = w & 0x7fff, hi = w >> 15) and Σ p·w = 2^15 Σ p·hi + Σ p·lo. All of it is
 * int32 arithmetic modulo 2^32, which gives the exact sum whenever the exact sum fits an int32, as it
 * does in the one-tap-at-a-time passes that remain the reference (test/image/wasm-kernel.test.ts).
 * The second tap of an odd window has weight 0 (its pixel, read up to 5 bytes past the window, is
 * multiplied by nothing).
 */
function horizontalDot(rowsPerTurn: 1 | 2): number[] {
  const P = { src: 0, inW: 1, rows: 2, outW: 3, start: 4, count: 5, pairs: 6, kpairs: 7, out: 8 };
  const ints = ['y', 'xx', 'j', 'end', 'p', 'q', 'rowBase', 'o', 'jBase', 'stride', 'outStride', 'keep', 'jStep'] as const;
  const vecs = ['lo', 'hi', 'lo2', 'hi2', 'wl', 'wh', 'a', 'half', 'mask'] as const;
  const L = Object.fromEntries([...ints, ...vecs].map((n, i) => [n, 9 + i])) as Record<(typeof ints)[number] | (typeof vecs)[number], number>;
  const { get, set, tee, load, load8u, store8, block, loop, end, br, brIf, add, mul, shl, shrS, geS, geU } = op;
  const c = op.const;
  const zero = simd.const(Array.from({ length: 16 }, () => 0));
  // lo += dot(pixels, wl); hi += dot(pixels, wh) for the two pixels at `ptr`
  const taps = (ptr: number, lo: number, hi: number) => [
    ...get(ptr), ...simd.load64Zero(0), ...get(L.mask), ...simd.swizzle, ...set(L.a),
    ...get(lo), ...get(L.a), ...get(L.wl), ...simd.i32x4DotI16x8S, ...simd.i32x4Add, ...set(lo),
    ...get(hi), ...get(L.a), ...get(L.wh), ...simd.i32x4DotI16x8S, ...simd.i32x4Add, ...set(hi),
  ];
  // out[at .. at + 4] = u8(clip((2^15 hi + lo + 2^21) >> 22)): the saturating narrows are the clip.
  const narrowStore = (lo: number, hi: number) => [
    ...get(hi), ...c(15), ...simd.i32x4Shl, ...get(lo), ...simd.i32x4Add, ...get(L.half), ...simd.i32x4Add,
    ...c(22), ...simd.i32x4ShrS, ...tee(L.a), ...get(L.a), ...simd.i16x8NarrowI32x4S,
    ...tee(L.a), ...get(L.a), ...simd.i8x16NarrowI16x8U, ...simd.store32Lane(0, 0),
  ];
  const two = rowsPerTurn === 2;
  const pixel = [
    ...zero, ...tee(L.lo), ...tee(L.hi), ...tee(L.lo2), ...set(L.hi2),
    ...get(L.jBase), ...tee(L.j),
    // end = j + ((count[xx] + 1) >> 1) * 32
    ...get(P.count), ...get(L.xx), ...c(2), ...shl, ...add, ...load(0), ...c(1), ...add, ...c(1), ...shrS, ...c(5), ...shl, ...add, ...set(L.end),
    ...get(L.rowBase), ...get(P.start), ...get(L.xx), ...c(2), ...shl, ...add, ...load(0), ...c(3), ...mul, ...add, ...tee(L.p),
    ...get(L.stride), ...add, ...set(L.q),
    ...block, ...loop,
    ...get(L.j), ...get(L.end), ...geU, ...brIf(1),
    ...get(L.j), ...simd.load(0), ...set(L.wl),
    ...get(L.j), ...simd.load(16), ...set(L.wh),
    ...taps(L.p, L.lo, L.hi),
    ...(two ? taps(L.q, L.lo2, L.hi2) : []),
    ...get(L.j), ...c(32), ...add, ...set(L.j),
    ...get(L.p), ...c(6), ...add, ...set(L.p),
    ...(two ? [...get(L.q), ...c(6), ...add, ...set(L.q)] : []),
    ...br(0),
    ...end, ...end,
    ...get(L.o), ...narrowStore(L.lo, L.hi),
    ...(two ? [...get(L.o), ...get(L.outStride), ...add, ...narrowStore(L.lo2, L.hi2)] : []),
    ...get(L.o), ...c(3), ...add, ...set(L.o),
    ...get(L.jBase), ...get(L.jStep), ...add, ...set(L.jBase),
  ];
  const rowStart = [
    ...get(P.src), ...get(L.y), ...get(L.stride), ...mul, ...add, ...set(L.rowBase),
    ...get(P.out), ...get(L.y), ...get(L.outStride), ...mul, ...add, ...set(L.o),
    ...c(0), ...set(L.xx), ...get(P.pairs), ...set(L.jBase),
  ];
  const prologue = [
    ...c(1 << 21), ...simd.i32x4Splat, ...set(L.half),
    ...simd.const(PAIR_SWIZZLE), ...set(L.mask),
    ...get(P.inW), ...c(3), ...mul, ...set(L.stride),
    ...get(P.outW), ...c(3), ...mul, ...set(L.outStride),
    ...get(P.kpairs), ...c(5), ...shl, ...set(L.jStep),
    ...c(0), ...set(L.y),
  ];
  const locals = vec([[...uleb(ints.length), I32], [...uleb(vecs.length), V128]]);
  if (!two) return [...locals, ...prologue, ...countedLoop(L.y, get(P.rows), 1, [...rowStart, ...countedLoop(L.xx, get(P.outW), 1, pixel)]), ...end];
  // Row y's last 4-byte store spills onto row y + 1's first byte, already written: that byte is kept
  // after row y + 1's first pixel and put back after the pair.
  return [...locals,
    ...prologue,
    ...block, ...loop,
    ...get(L.y), ...c(1), ...add, ...get(P.rows), ...geS, ...brIf(1),
    ...rowStart,
    ...pixel,
    ...c(1), ...set(L.xx),
    ...get(P.out), ...get(L.y), ...c(1), ...add, ...get(L.outStride), ...mul, ...add, ...load8u(0), ...set(L.keep),
    ...countedLoop(L.xx, get(P.outW), 1, pixel),
    ...get(P.out), ...get(L.y), ...c(1), ...add, ...get(L.outStride), ...mul, ...add, ...get(L.keep), ...store8(0),
    ...get(L.y), ...c(2), ...add, ...set(L.y),
    ...br(0),
    ...end, ...end,
    // The odd last row, if any: the one-row pass on it.
    ...block,
    ...get(L.y), ...get(P.rows), ...geS, ...brIf(0),
    ...get(P.src), ...get(L.y), ...get(L.stride), ...mul, ...add,
    ...get(P.inW), ...c(1), ...get(P.outW), ...get(P.start), ...get(P.count), ...get(P.pairs), ...get(P.kpairs),
    ...get(P.out), ...get(L.y), ...get(L.outStride), ...mul, ...add,
    0x10, 0x00, // call the one-row pass (function 0)
    ...end,
    ...end,
  ];
}

/**
 * The pair table of {@link horizontalDot} for one axis's coefficients, as int16 lanes: for output
 * pixel x and pair i (taps 2i, 2i+1 of its window), 32 bytes at ((x * kpairs) + i) * 32: the low
 * parts [lo0, lo1, lo0, lo1, lo0, lo1, 0, 0], then the high parts likewise. A tap past the window's
 * count has weight 0.
 */
export function pairTable(c: AxisCoefficients, n: number): { readonly table: Int16Array; readonly kpairs: number } {
  const kpairs = (c.ksize + 1) >> 1;
  const table = new Int16Array(n * kpairs * 16);
  for (let x = 0; x < n; x++) {
    const count = c.count[x]!;
    for (let i = 0; i < kpairs && 2 * i < count; i++) {
      const w0 = c.weights[x * c.ksize + 2 * i]!;
      const w1 = 2 * i + 1 < count ? c.weights[x * c.ksize + 2 * i + 1]! : 0;
      const at = (x * kpairs + i) * 16;
      for (let ch = 0; ch < 3; ch++) {
        table[at + 2 * ch] = w0 & 0x7fff;
        table[at + 2 * ch + 1] = w1 & 0x7fff;
        table[at + 8 + 2 * ch] = w0 >> 15;
        table[at + 8 + 2 * ch + 1] = w1 >> 15;
      }
    }
  }
  return { table, kpairs };
}

/**
 * The SIMD vertical pass, same parameters as {@link verticalScalar}: 16 bytes of an output row at a
 * time (a row of w pixels is ⌈3w / 16⌉ blocks; the last block reads and writes past the row's end).
 */
function verticalSimd(): number[] {
  const P = { src: 0, rowBytes: 1, outH: 2, start: 3, count: 4, weights: 5, ksize: 6, rowShift: 7, out: 8 };
  const ints = ['yy', 'base', 'wBase', 'o', 'i', 'p', 'j', 'jEnd'] as const;
  const vecs = ['a0', 'a1', 'a2', 'a3', 'x', 'lo', 'hi', 'w', 'half'] as const;
  const L = Object.fromEntries([...ints, ...vecs].map((n, i) => [n, 9 + i])) as Record<(typeof ints)[number] | (typeof vecs)[number], number>;
  const { get, set, tee, load, block, loop, end, br, brIf, add, sub, mul, shl, geS, geU } = op;
  const c = op.const;
  const acc = (a: number, half: number, wide: readonly number[]) => [...get(a), ...get(half), ...wide, ...get(L.w), ...simd.i32x4Mul, ...simd.i32x4Add, ...set(a)];
  const shifted = (a: number) => [...get(a), ...c(22), ...simd.i32x4ShrS];
  const body = [
    ...c(1 << 21), ...simd.i32x4Splat, ...set(L.half),
    ...c(0), ...set(L.yy),
    ...block, ...loop,
    ...get(L.yy), ...get(P.outH), ...geS, ...brIf(1),
    ...get(P.src), ...get(P.start), ...get(L.yy), ...c(2), ...shl, ...add, ...load(0), ...get(P.rowShift), ...sub, ...get(P.rowBytes), ...mul, ...add, ...set(L.base),
    ...get(P.weights), ...get(L.yy), ...get(P.ksize), ...mul, ...c(2), ...shl, ...add, ...set(L.wBase),
    ...get(P.out), ...get(L.yy), ...get(P.rowBytes), ...mul, ...add, ...set(L.o),
    ...get(L.wBase), ...get(P.count), ...get(L.yy), ...c(2), ...shl, ...add, ...load(0), ...c(2), ...shl, ...add, ...set(L.jEnd),
    ...c(0), ...set(L.i),
    ...block, ...loop,
    ...get(L.i), ...get(P.rowBytes), ...geS, ...brIf(1),
    ...get(L.half), ...tee(L.a0), ...tee(L.a1), ...tee(L.a2), ...set(L.a3),
    ...get(L.base), ...get(L.i), ...add, ...set(L.p),
    ...get(L.wBase), ...set(L.j),
    ...block, ...loop,
    ...get(L.j), ...get(L.jEnd), ...geU, ...brIf(1),
    ...get(L.j), ...simd.load32Splat(0), ...set(L.w),
    ...get(L.p), ...simd.load(0), ...tee(L.x), ...simd.i16x8ExtendLowI8x16U, ...set(L.lo),
    ...get(L.x), ...simd.i16x8ExtendHighI8x16U, ...set(L.hi),
    ...acc(L.a0, L.lo, simd.i32x4ExtendLowI16x8U), ...acc(L.a1, L.lo, simd.i32x4ExtendHighI16x8U),
    ...acc(L.a2, L.hi, simd.i32x4ExtendLowI16x8U), ...acc(L.a3, L.hi, simd.i32x4ExtendHighI16x8U),
    ...get(L.p), ...get(P.rowBytes), ...add, ...set(L.p),
    ...get(L.j), ...c(4), ...add, ...set(L.j),
    ...br(0),
    ...end, ...end,
    ...get(L.o), ...get(L.i), ...add,
    ...shifted(L.a0), ...shifted(L.a1), ...simd.i16x8NarrowI32x4S,
    ...shifted(L.a2), ...shifted(L.a3), ...simd.i16x8NarrowI32x4S,
    ...simd.i8x16NarrowI16x8U,
    ...simd.store(0),
    ...get(L.i), ...c(16), ...add, ...set(L.i),
    ...br(0),
    ...end, ...end,
    ...get(L.yy), ...c(1), ...add, ...set(L.yy),
    ...br(0),
    ...end, ...end,
    ...end,
  ];
  return [...vec([[...uleb(ints.length), I32], [...uleb(vecs.length), V128]]), ...body];
}

/**
 * A module importing `env.mem` and exporting `h` and `v`, both (i32 × 9) -> (). With `h2` (the SIMD
 * build's two-row pass), `h2` is exported as `h` and calls the one-row `h` (function 0) for an odd last row.
 */
function assemble(h: readonly number[], v: readonly number[], h2?: readonly number[]): Uint8Array {
  const funcs = h2 === undefined ? [h, v] : [h, v, h2];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec(Array.from({ length: 9 }, () => [I32])), 0x00]])),
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vec(funcs.map(() => [0x00]))),
    ...section(7, vec([[...name('h'), 0x00, h2 === undefined ? 0x00 : 0x02], [...name('v'), 0x00, 0x01]])),
    ...section(10, vec(funcs.map((f) => [...uleb(f.length), ...f]))),
  ]);
}

/** Source bytes copied into the kernel's memory at a time before the horizontal pass reads them (well inside L2). */
const BAND_BYTES = 96 * 1024;
/** Which build of the passes: SIMD128, or one value at a time. */
export type WasmKernelKind = 'simd' | 'scalar';

type Pass = (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number) => void;
/** `pairs`: its horizontal pass takes {@link pairTable}'s table (the SIMD build) instead of the int32 weights. */
type Kernel = { readonly h: Pass; readonly v: Pass; readonly memory: WasmMemory; readonly pairs: boolean };
const kernels = new Map<WasmKernelKind, Kernel | null>();
const modules: Record<WasmKernelKind, PreparedModule> = {
  simd: new PreparedModule(() => assemble(horizontalDot(1), verticalSimd(), horizontalDot(2))),
  scalar: new PreparedModule(() => assemble(horizontalScalar(), verticalScalar())),
};

/** Starts compiling the build {@link resizePilWasm} uses first (SIMD128) in the background; see PreparedModule. */
export function prepareWasmKernel(): void {
  if (!kernels.has('simd')) modules.simd.prepare();
}

function instance(kind: WasmKernelKind): Kernel | null {
  const cached = kernels.get(kind);
  if (cached !== undefined) return cached;
  // An engine without SIMD128 refuses the SIMD module; instantiate() then returns null.
  const made = modules[kind].instantiate();
  const kernel = made === null ? null : { h: made.exports.h as Pass, v: made.exports.v as Pass, memory: made.memory, pairs: kind === 'simd' };
  kernels.set(kind, kernel);
  return kernel;
}

/** Whether this build of the kernel runs here (Node 20 runs both). */
export function wasmKernelAvailable(kind: WasmKernelKind): boolean {
  return instance(kind) !== null;
}

/** The build used when none is asked for: SIMD where it runs, else scalar, else none (TypeScript). */
function best(): Kernel | null {
  return instance('simd') ?? instance('scalar');
}

/** Filter windows and fixed-point weights for one axis, as resize-pil.ts's coefficients() makes them. */
export interface AxisCoefficients {
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly weights: Int32Array;
  readonly ksize: number;
}

/** Addresses in the kernel's memory, handed out in order, each region 16-aligned with 16 spare bytes after it. */
class Layout {
  private at = 0;
  take(bytes: number): number {
    const here = this.at;
    this.at = (here + bytes + 16 + 15) & ~15;
    return here;
  }
  get size(): number {
    return this.at;
  }
}

/** Addresses of one axis's tables in memory. */
interface Tables {
  readonly start: number;
  readonly count: number;
  readonly weights: number;
  readonly ksize: number;
}
/** Pair tables made so far, per coefficients object (resize-pil.ts memoises those). */
const pairTables = new WeakMap<AxisCoefficients, ReturnType<typeof pairTable>>();
function pairsOf(c: AxisCoefficients, n: number): ReturnType<typeof pairTable> {
  let t = pairTables.get(c);
  if (t === undefined || t.table.length < n * t.kpairs * 16) {
    t = pairTable(c, n);
    pairTables.set(c, t);
  }
  return t;
}

/**
 * Where one axis's tables go. `pairs`: the horizontal pass of a kernel that takes {@link pairTable}'s
 * table, which is then placed instead of the int32 weights (`ksize` becoming its pairs per pixel).
 */
function placeTables(layout: Layout, c: AxisCoefficients, n: number, pairs = false) {
  const p = pairs ? pairsOf(c, n) : null;
  return { c, n, p, start: layout.take(4 * n), count: layout.take(4 * n), weights: layout.take(p === null ? 4 * c.weights.length : 2 * n * p.kpairs * 16) };
}
function writeTables(buffer: ArrayBuffer, t: ReturnType<typeof placeTables>): Tables {
  new Int32Array(buffer, t.start, t.n).set(t.c.start.subarray(0, t.n));
  new Int32Array(buffer, t.count, t.n).set(t.c.count.subarray(0, t.n));
  if (t.p === null) new Int32Array(buffer, t.weights, t.c.weights.length).set(t.c.weights);
  else new Int16Array(buffer, t.weights, t.n * t.p.kpairs * 16).set(t.p.table.subarray(0, t.n * t.p.kpairs * 16));
  return { start: t.start, count: t.count, weights: t.weights, ksize: t.p === null ? t.c.ksize : t.p.kpairs };
}

/**
 * A whole Pillow resize of `src` (HWC RGB, `w × h`) to `outW × outH` inside the kernel's memory:
 * `hc` / `vc` are the horizontal / vertical coefficients (null: that axis keeps its size), and
 * `verticalFirst` is Pillow 13's pass order. As resize-pil.ts's TypeScript passes: horizontally
 * first, only the source rows the vertical pass reads are resampled. Returns a fresh array (the
 * memory is reused by the next call), or null where the kernel cannot run (the caller falls back).
 */
export function resizePilWasm(
  src: Uint8Array, w: number, h: number, outW: number, outH: number,
  hc: AxisCoefficients | null, vc: AxisCoefficients | null, verticalFirst: boolean, kind?: WasmKernelKind,
): Uint8Array | null {
  const k = kind === undefined ? best() : instance(kind);
  if (k === null) return null;
  if (hc === null && vc === null) return src.slice(0, w * h * 3);
  const layout = new Layout();
  const first = verticalFirst || vc === null ? 0 : vc.start[0]!;
  const last = verticalFirst || vc === null ? h : vc.start[outH - 1]! + vc.count[outH - 1]!;
  const rowBytes = w * 3;
  // Horizontally first, the source goes in a band of rows at a time, each resampled right after
  // its copy, so that the pass reads rows still in the cache rather than making a second trip
  // through memory (a 1920x1080 source is 6 MB).
  const band = hc !== null && !verticalFirst ? Math.max(1, Math.min(last - first, Math.floor(BAND_BYTES / rowBytes))) : last - first;
  const srcAt = layout.take(band * rowBytes);
  const ht = hc === null ? null : placeTables(layout, hc, outW, k.pairs);
  const vt = vc === null ? null : placeTables(layout, vc, outH);
  // The intermediate image: after the first pass of two.
  const midBytes = hc === null || vc === null ? 0 : verticalFirst ? outH * rowBytes : (last - first) * outW * 3;
  const midAt = layout.take(midBytes);
  const outBytes = outW * outH * 3;
  const outAt = layout.take(outBytes);
  if (!reserveMemory(k.memory, layout.size, MAX_MEMORY_BYTES)) return null;
  const buffer = k.memory.buffer;
  const H = ht === null ? null : writeTables(buffer, ht);
  const V = vt === null ? null : writeTables(buffer, vt);
  const copyRows = (from: number, rows: number) => new Uint8Array(buffer, srcAt, rows * rowBytes).set(src.subarray(from * rowBytes, (from + rows) * rowBytes));
  if (H !== null && !verticalFirst) {
    // A band's 4th byte past its last pixel lands on the next band's first byte (written after)
    // or in the spare bytes.
    const to = V === null ? outAt : midAt;
    for (let y = first; y < last; y += band) {
      const rows = Math.min(band, last - y);
      copyRows(y, rows);
      k.h(srcAt, w, rows, outW, H.start, H.count, H.weights, H.ksize, to + (y - first) * outW * 3);
    }
    if (V !== null) k.v(midAt, outW * 3, outH, V.start, V.count, V.weights, V.ksize, first, outAt);
  } else if (V !== null) {
    copyRows(first, last - first);
    if (H === null) k.v(srcAt, rowBytes, outH, V.start, V.count, V.weights, V.ksize, first, outAt);
    else {
      k.v(srcAt, rowBytes, outH, V.start, V.count, V.weights, V.ksize, 0, midAt);
      k.h(midAt, w, outH, outW, H.start, H.count, H.weights, H.ksize, outAt);
    }
  }
  return new Uint8Array(buffer, outAt, outBytes).slice();
}

/**
 * One horizontal pass: `rows` rows of `src` (HWC RGB, width `inW`, starting at byte `srcOffset`)
 * resampled to `outW` columns. Null when the kernel cannot run here (the caller falls back).
 */
export function resampleRowsWasm(
  src: Uint8Array, srcOffset: number, inW: number, rows: number, outW: number,
  start: Int32Array, count: Int32Array, weights: Int32Array, ksize: number, kind?: WasmKernelKind,
): Uint8Array | null {
  const k = kind === undefined ? best() : instance(kind);
  if (k === null) return null;
  const layout = new Layout();
  const srcBytes = rows * inW * 3;
  const srcAt = layout.take(srcBytes);
  const t = placeTables(layout, { start, count, weights, ksize }, outW, k.pairs);
  const outBytes = rows * outW * 3;
  const outAt = layout.take(outBytes);
  if (!reserveMemory(k.memory, layout.size, MAX_MEMORY_BYTES)) return null;
  const buffer = k.memory.buffer;
  new Uint8Array(buffer, srcAt, srcBytes).set(src.subarray(srcOffset, srcOffset + srcBytes));
  const T = writeTables(buffer, t);
  k.h(srcAt, inW, rows, outW, T.start, T.count, T.weights, T.ksize, outAt);
  return new Uint8Array(buffer, outAt, outBytes).slice();
}

/**
 * One vertical pass: `src` (`w` pixels wide; the rows from `rowShift` on) resampled to `outH` rows.
 * Null when the kernel cannot run here.
 */
export function resampleColumnsWasm(
  src: Uint8Array, w: number, outH: number, start: Int32Array, count: Int32Array, weights: Int32Array, ksize: number, rowShift: number,
  kind?: WasmKernelKind,
): Uint8Array | null {
  const k = kind === undefined ? best() : instance(kind);
  if (k === null) return null;
  const layout = new Layout();
  const srcAt = layout.take(src.byteLength);
  const t = placeTables(layout, { start, count, weights, ksize }, outH);
  const outBytes = outH * w * 3;
  const outAt = layout.take(outBytes);
  if (!reserveMemory(k.memory, layout.size, MAX_MEMORY_BYTES)) return null;
  const buffer = k.memory.buffer;
  new Uint8Array(buffer, srcAt, src.byteLength).set(src);
  const T = writeTables(buffer, t);
  k.v(srcAt, w * 3, outH, T.start, T.count, T.weights, T.ksize, rowShift, outAt);
  return new Uint8Array(buffer, outAt, outBytes).slice();
}
