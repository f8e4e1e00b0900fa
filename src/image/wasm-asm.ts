/**
 * A tiny WebAssembly assembler (LEB128, vectors, sections, the opcodes our kernels use), so that the
 * resize kernels can be written as byte arrays in TypeScript and need no toolchain to build or change.
 * Shared by every kernel module (wasm-kernel.ts: Pillow's passes); add opcodes here, not per kernel.
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
} as const;

// The parts of the WebAssembly API used here (this project's TypeScript libs do not declare it).
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
export interface WasmApi {
  readonly Memory: new (descriptor: { initial: number }) => WasmMemory;
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}

