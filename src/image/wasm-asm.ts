/**
 * A tiny WebAssembly assembler (LEB128, vectors, sections, the opcodes our kernels use), so that the
 * resize kernels can be written as byte arrays in TypeScript and need no toolchain to build or change.
 * Shared by every kernel module (wasm-kernel.ts: Pillow's passes, scalar and SIMD128); add opcodes here, not per kernel.
 */
export const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};
export const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
};
export const vec = (items: readonly (readonly number[])[]): number[] => [...uleb(items.length), ...items.flat()];
export const section = (id: number, bytes: readonly number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
export const name = (t: string): number[] => [...uleb(t.length), ...[...t].map((ch) => ch.charCodeAt(0))];

export const I32 = 0x7f;
export const op = {
  get: (i: number) => [0x20, ...uleb(i)], set: (i: number) => [0x21, ...uleb(i)], tee: (i: number) => [0x22, ...uleb(i)],
  const: (v: number) => [0x41, ...sleb(v)],
  load: (offset: number) => [0x28, 2, ...uleb(offset)], load8u: (offset: number) => [0x2d, 0, ...uleb(offset)],
  store8: (offset: number) => [0x3a, 0, ...uleb(offset)],
  block: [0x02, 0x40], loop: [0x03, 0x40], end: [0x0b], br: (d: number) => [0x0c, ...uleb(d)], brIf: (d: number) => [0x0d, ...uleb(d)],
  add: [0x6a], mul: [0x6c], shl: [0x74], shrS: [0x75], geS: [0x4e], geU: [0x4f], ltS: [0x48], gtS: [0x4a], select: [0x1b],
  sub: [0x6b],
  f32load: (offset: number) => [0x2a, 2, ...uleb(offset)], f32store: (offset: number) => [0x38, 2, ...uleb(offset)],
} as const;

/**
 * `while (counter < limit) { body; counter += step }` (signed compare; `limit` pushes the bound):
 * block, loop, the test, the body, the increment, br, end, end. A `br` in `body` of depth 0 skips to
 * the test without the increment; depth 1 leaves the loop.
 */
export function countedLoop(counter: number, limit: readonly number[], step: number, body: readonly number[]): number[] {
  return [
    ...op.block, ...op.loop,
    ...op.get(counter), ...limit, ...op.geS, ...op.brIf(1),
    ...body,
    ...op.get(counter), ...op.const(step), ...op.add, ...op.set(counter),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
}

// The parts of the WebAssembly API used here (this project's TypeScript libs do not declare it).
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
export interface WasmApi {
  readonly Memory: new (descriptor: { initial: number }) => WasmMemory;
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  readonly compile: (bytes: Uint8Array) => Promise<object>;
}


/** The v128 value type (locals holding four int32 lanes). */
export const V128 = 0x7b;
/** A SIMD128 instruction: the 0xFD prefix, then its number as an unsigned LEB128 (the WebAssembly SIMD spec's BinarySIMD.md). */
const fd = (code: number): number[] => [0xfd, ...uleb(code)];
/** Memory immediates: alignment hint 0 (unaligned is allowed and costs nothing on x64/arm64), then the offset. */
const mem = (code: number) => (offset: number): number[] => [...fd(code), 0, ...uleb(offset)];
export const simd = {
  load: mem(0x00), load8x8U: mem(0x02), load32Splat: mem(0x09), store: mem(0x0b),
  store32Lane: (offset: number, lane: number) => [...mem(0x5a)(offset), lane],
  i32x4Splat: fd(0x11),
  i8x16NarrowI16x8U: fd(0x66), i16x8NarrowI32x4S: fd(0x85),
  i16x8ExtendLowI8x16U: fd(0x89), i16x8ExtendHighI8x16U: fd(0x8a),
  i32x4ExtendLowI16x8U: fd(0xa9), i32x4ExtendHighI16x8U: fd(0xaa),
  i32x4ShrS: fd(0xac), i32x4Add: fd(0xae), i32x4Mul: fd(0xb5),
  load64Zero: mem(0x5d), const: (bytes: readonly number[]) => [...fd(0x0c), ...bytes],
  swizzle: fd(0x0e), i16x8Add: fd(0x8e), i16x8ShrU: fd(0x8d), i32x4DotI16x8S: fd(0xba), i32x4Shl: fd(0xab),
} as const;

/** The WebAssembly global, where this runtime has one (this project's TypeScript libs do not declare it). */
export function wasmApi(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}

/**
 * Compile `bytes` against one imported memory (`env.mem`, one page to start) and return the exports
 * with that memory; null where WebAssembly is missing or refuses the module (an engine without SIMD128),
 * so that the caller falls back.
 */
export function instantiateWithMemory(bytes: Uint8Array | object): { readonly exports: Record<string, unknown>; readonly memory: WasmMemory } | null {
  const wasm = wasmApi();
  if (wasm === undefined) return null;
  try {
    const memory = new wasm.Memory({ initial: 1 });
    const module = bytes instanceof Uint8Array ? new wasm.Module(bytes) : bytes;
    const exports = new wasm.Instance(module, { env: { mem: memory } }).exports;
    return { exports, memory };
  } catch {
    return null;
  }
}

/**
 * A kernel module that can be compiled before its first use. `prepare()` assembles it and starts
 * `WebAssembly.compile`, which compiles on V8's background threads; a caller that has other waiting
 * to do first (the first image's decode, on libuv's threads) calls it then, and the first resize
 * finds the module compiled instead of assembling and compiling it on the spot (about 8 ms of a
 * one-image compare's critical path on the 2-core CI machine). `instantiate()` uses the compiled
 * module when it is ready and compiles synchronously otherwise: the same bytes either way.
 */
export class PreparedModule {
  readonly #assemble: () => Uint8Array;
  #bytes: Uint8Array | null = null;
  #compiled: object | null = null;
  #started = false;

  constructor(assemble: () => Uint8Array) {
    this.#assemble = assemble;
  }

  prepare(): void {
    const wasm = wasmApi();
    if (this.#started || wasm === undefined || typeof wasm.compile !== 'function') return;
    this.#started = true;
    // A module the engine refuses (no SIMD128) rejects here; instantiate() then finds out again, synchronously.
    wasm.compile(this.#bytesOnce()).then((m) => { this.#compiled = m; }, () => {});
  }

  /** Exports and memory (see {@link instantiateWithMemory}); null where WebAssembly is missing or refuses the module. */
  instantiate(): { readonly exports: Record<string, unknown>; readonly memory: WasmMemory } | null {
    return instantiateWithMemory(this.#compiled ?? this.#bytesOnce());
  }

  #bytesOnce(): Uint8Array {
    this.#bytes ??= this.#assemble();
    return this.#bytes;
  }
}

/** Grow `memory` (never shrunk) to hold at least `bytes`; false, and unchanged, when that is above `max`. */
export function reserveMemory(memory: WasmMemory, bytes: number, max: number): boolean {
  if (bytes > max) return false;
  const have = memory.buffer.byteLength;
  if (have < bytes) memory.grow(Math.ceil((bytes - have) / 65536));
  return true;
}
