/**
 * Pillow's horizontal resampling pass (resize-pil.ts) as a small WebAssembly function, assembled
 * here byte by byte (no toolchain needed to build or change it). Same integers, same order of
 * operations as the TypeScript loop it replaces: 2^21 rounding start, Σ pixel × 22-bit weight in
 * int32, `>> 22`, clipped to 0..255. WebAssembly's int32 arithmetic wraps exactly as `Math.imul` and
 * `| 0` do, and the sums never leave int32 anyway, so the bytes are identical; what changes is
 * speed: about 2.7× faster on a 1920×1080 → 224 pass on this machine (no bounds check per byte).
 *
 * The TypeScript pass stays the reference: test/image/wasm-kernel.test.ts checks that both give the
 * same bytes on random images and sizes, and the Pillow goldens run through this one. Where
 * WebAssembly is missing, or an image would need more than {@link MAX_MEMORY_BYTES} of its memory,
 * {@link resampleRowsWasm} returns null and the caller uses the TypeScript pass.
 */

/** The kernel's memory is kept between calls (one per thread) and never shrinks; above this, use TypeScript. */
export const MAX_MEMORY_BYTES = 256 * 2 ** 20;

import { I32, name, op, section, uleb, vec } from './wasm-asm.js';
import type { WasmApi, WasmMemory } from './wasm-asm.js';

/**
 * h(src, inW, rows, outW, start, count, weights, ksize, out): byte addresses in memory; `start`,
 * `count` and `weights` are int32 arrays as resize-pil.ts's coefficients() makes them.
 */
function assemble(): Uint8Array {
  const P = { src: 0, inW: 1, rows: 2, outW: 3, start: 4, count: 5, weights: 6, ksize: 7, out: 8 };
  const names = ['y', 'xx', 'j', 'end', 'p', 's0', 's1', 's2', 'k', 'rowBase', 'o', 'kBase', 'v'] as const;
  const L = Object.fromEntries(names.map((n, i) => [n, 9 + i])) as Record<(typeof names)[number], number>;
  const { get, set, tee, load, load8u, store8, block, loop, end, br, brIf, add, mul, shl, shrS, geS, geU, ltS, gtS, select } = op;
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
  const body = [
    ...c(0), ...set(L.y),
    ...block, ...loop,
    ...get(L.y), ...get(P.rows), ...geS, ...brIf(1),
    ...get(P.src), ...get(L.y), ...get(P.inW), ...mul, ...c(3), ...mul, ...add, ...set(L.rowBase),
    ...get(P.out), ...get(L.y), ...get(P.outW), ...mul, ...c(3), ...mul, ...add, ...set(L.o),
    ...c(0), ...set(L.xx), ...c(0), ...set(L.kBase),
    ...block, ...loop,
    ...get(L.xx), ...get(P.outW), ...geS, ...brIf(1),
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
    ...get(L.xx), ...c(1), ...add, ...set(L.xx),
    ...get(L.kBase), ...get(P.ksize), ...add, ...set(L.kBase),
    ...br(0),
    ...end, ...end,
    ...get(L.y), ...c(1), ...add, ...set(L.y),
    ...br(0),
    ...end, ...end,
    ...end,
  ];
  const func = [...vec([[...uleb(names.length), I32]]), ...body];
  const vfunc = verticalFunction();
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec(Array.from({ length: 9 }, () => [I32])), 0x00]])), // (i32 × 9) -> ()
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, ...uleb(1)]])), //     imported memory
    ...section(3, vec([[0x00], [0x00]])),
    ...section(7, vec([[...name('h'), 0x00, 0x00], [...name('v'), 0x00, 0x01]])),
    ...section(10, vec([[...uleb(func.length), ...func], [...uleb(vfunc.length), ...vfunc]])),
  ]);
}

/**
 * v(src, rowBytes, outH, start, count, weights, ksize, rowShift, out): the vertical pass, per output
 * byte Σ over the window's rows (Pillow's own loop order; integer sums are exact in any order).
 */
function verticalFunction(): number[] {
  const P = { src: 0, rowBytes: 1, outH: 2, start: 3, count: 4, weights: 5, ksize: 6, rowShift: 7, out: 8 };
  const names = ['yy', 'base', 'wBase', 'o', 'i', 's', 'p', 'j', 'jEnd', 'v'] as const;
  const L = Object.fromEntries(names.map((n, i) => [n, 9 + i])) as Record<(typeof names)[number], number>;
  const { get, set, load, load8u, store8, block, loop, end, br, brIf, add, mul, shl, shrS, geS, geU, ltS, gtS, select } = op;
  const c = op.const;
  const sub = [0x6b];
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

type Kernel = { readonly h: (...args: number[]) => void; readonly v: (...args: number[]) => void; readonly memory: WasmMemory };
let kernel: Kernel | null | undefined;

function instance(): Kernel | null {
  if (kernel !== undefined) return kernel;
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) {
    kernel = null;
    return kernel;
  }
  try {
    const memory = new wasm.Memory({ initial: 1 });
    const exports = new wasm.Instance(new wasm.Module(assemble()), { env: { mem: memory } }).exports;
    kernel = { h: exports.h as (...args: number[]) => void, v: exports.v as (...args: number[]) => void, memory };
  } catch {
    kernel = null; // no WebAssembly here: the TypeScript pass runs
  }
  return kernel;
}

/**
 * `rows` rows of `src` (HWC RGB, width `inW`, starting at byte `srcOffset`) resampled to `outW`
 * columns with the given window starts, tap counts and fixed-point weights (`ksize` slots per
 * output pixel). Returns null when the kernel cannot run here (the caller falls back).
 */
export function resampleRowsWasm(
  src: Uint8Array, srcOffset: number, inW: number, rows: number, outW: number,
  start: Int32Array, count: Int32Array, weights: Int32Array, ksize: number,
): Uint8Array | null {
  const k = instance();
  if (k === null) return null;
  const srcBytes = rows * inW * 3;
  const outBytes = rows * outW * 3;
  const startAt = (srcBytes + 3) & ~3;
  const countAt = startAt + 4 * outW;
  const weightsAt = countAt + 4 * outW;
  const outAt = weightsAt + 4 * weights.length;
  const need = outAt + outBytes;
  if (need > MAX_MEMORY_BYTES) return null;
  if (k.memory.buffer.byteLength < need) k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / 65536));
  const buffer = k.memory.buffer;
  new Uint8Array(buffer, 0, srcBytes).set(src.subarray(srcOffset, srcOffset + srcBytes));
  new Int32Array(buffer, startAt, outW).set(start.subarray(0, outW));
  new Int32Array(buffer, countAt, outW).set(count.subarray(0, outW));
  new Int32Array(buffer, weightsAt, weights.length).set(weights);
  k.h(0, inW, rows, outW, startAt, countAt, weightsAt, ksize, outAt);
  return new Uint8Array(buffer, outAt, outBytes).slice();
}

/**
 * The vertical pass: `src` (`w` pixels wide; the rows from `rowShift` on, as the horizontal pass left
 * them) resampled to `outH` rows with the given windows and weights. Null when the kernel cannot
 * run here.
 */
export function resampleColumnsWasm(
  src: Uint8Array, w: number, outH: number, start: Int32Array, count: Int32Array, weights: Int32Array, ksize: number, rowShift: number,
): Uint8Array | null {
  const k = instance();
  if (k === null) return null;
  const rowBytes = w * 3;
  const srcBytes = src.byteLength;
  const outBytes = outH * rowBytes;
  const startAt = (srcBytes + 3) & ~3;
  const countAt = startAt + 4 * outH;
  const weightsAt = countAt + 4 * outH;
  const outAt = weightsAt + 4 * weights.length;
  const need = outAt + outBytes;
  if (need > MAX_MEMORY_BYTES) return null;
  if (k.memory.buffer.byteLength < need) k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / 65536));
  const buffer = k.memory.buffer;
  new Uint8Array(buffer, 0, srcBytes).set(src);
  new Int32Array(buffer, startAt, outH).set(start.subarray(0, outH));
  new Int32Array(buffer, countAt, outH).set(count.subarray(0, outH));
  new Int32Array(buffer, weightsAt, weights.length).set(weights);
  k.v(0, rowBytes, outH, startAt, countAt, weightsAt, ksize, rowShift, outAt);
  return new Uint8Array(buffer, outAt, outBytes).slice();
}
