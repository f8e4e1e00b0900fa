/**
 * The float32 normalisation gather of preprocess.ts (three look-ups in the 3×256 table per pixel,
 * written where the layout puts them) as a small WebAssembly function, assembled with the shared
 * assembler (wasm-asm.ts). The table is preprocess.ts's, so the values are the same floats by
 * construction; what changes is speed: a 640×640 tensor (an `ultralytics` letterbox) costs about half
 * the JavaScript loop's time even with the copy in and out of the kernel's memory.
 *
 * preprocess.ts's loop stays the reference (test/image/wasm-gather.test.ts) and the fallback: where
 * WebAssembly is missing or the image would need more than {@link MAX_MEMORY_BYTES} of kernel memory,
 * {@link gatherFloat32Wasm} returns null.
 */
import { I32, PreparedModule, name, op, reserveMemory, section, uleb, vec } from './wasm-asm.js';
import type { WasmMemory } from './wasm-asm.js';

/**
 * The kernel's memory is kept between calls (one per thread, every decode worker has one) and never
 * shrinks, so it is capped lower than the resize kernels': 64 MiB holds a 2048×2048 tensor (15 bytes
 * a pixel); larger images (a dynamic-size model fed a photo) use the JavaScript loop.
 */
export const MAX_MEMORY_BYTES = 64 * 2 ** 20;

/**
 * gather(src, end, d0, d1, d2, out, o1, o2, oStep, table): for each pixel (3 bytes from `src` to `end`),
 * output channel c = table[c * 256 + src[dc]] stored at out + oc (o0 = 0), then out += oStep.
 */
function assemble(): Uint8Array {
  const P = { src: 0, end: 1, d0: 2, d1: 3, d2: 4, out: 5, o1: 6, o2: 7, oStep: 8, table: 9 };
  const { get, set, add, shl, load8u, f32load, f32store, block, loop, end, br, brIf, geU } = op;
  const c = op.const;
  const channel = (d: number, o: number | null, k: number) => [
    ...get(P.out), ...(o === null ? [] : [...get(o), ...add]),
    ...get(P.src), ...get(d), ...add, ...load8u(0), ...c(2), ...shl, ...get(P.table), ...add, ...f32load(1024 * k),
    ...f32store(0),
  ];
  const body = [
    ...block, ...loop,
    ...get(P.src), ...get(P.end), ...geU, ...brIf(1),
    ...channel(P.d0, null, 0), ...channel(P.d1, P.o1, 1), ...channel(P.d2, P.o2, 2),
    ...get(P.src), ...c(3), ...add, ...set(P.src),
    ...get(P.out), ...get(P.oStep), ...add, ...set(P.out),
    ...br(0),
    ...end, ...end,
    ...end,
  ];
  const func = [...vec([]), ...body];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec(Array.from({ length: 10 }, () => [I32])), 0x00]])),
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('gather'), 0x00, 0x00]])),
    ...section(10, vec([[...uleb(func.length), ...func]])),
  ]);
}

type Kernel = { readonly gather: (...args: number[]) => void; readonly memory: WasmMemory };
let kernel: Kernel | null | undefined;

const module = new PreparedModule(assemble);

/** Starts compiling the kernel in the background; see PreparedModule. */
export function prepareGather(): void {
  if (kernel === undefined) module.prepare();
}

function instance(): Kernel | null {
  if (kernel !== undefined) return kernel;
  const made = module.instantiate();
  kernel = made === null ? null : { gather: made.exports.gather as Kernel['gather'], memory: made.memory };
  return kernel;
}

/**
 * preprocess.ts's gather into a new Float32Array of `plane * 3` values: output channel c of pixel i
 * is `table[c * 256 + src[3 * i + sc]]`, stored at `i * pixelStride + c * channelStride`. Null when
 * the kernel cannot run here (the caller uses its JavaScript loop).
 */
export function gatherFloat32Wasm(
  src: Uint8Array, table: Float32Array, plane: number,
  s0: number, s1: number, s2: number, pixelStride: number, channelStride: number,
): Float32Array | null {
  const k = instance();
  if (k === null || table.length !== 768) return null;
  const srcBytes = plane * 3;
  const tableAt = (srcBytes + 15) & ~15;
  const outAt = tableAt + 768 * 4;
  const need = outAt + plane * 12;
  if (!reserveMemory(k.memory, need, MAX_MEMORY_BYTES)) return null;
  const buffer = k.memory.buffer;
  new Uint8Array(buffer, 0, srcBytes).set(src.subarray(0, srcBytes));
  new Float32Array(buffer, tableAt, 768).set(table);
  k.gather(0, srcBytes, s0, s1, s2, outAt, 4 * channelStride, 8 * channelStride, 4 * pixelStride, tableAt);
  return new Float32Array(buffer, outAt, plane * 3).slice();
}
