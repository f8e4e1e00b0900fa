/**
 * Size limits for what a user can make trt-parity allocate: a tensor (model input, --shape, .npy,
 * decoded image) and the files it reads. Over a limit is an input error naming the thing and its
 * size (exit 2), never V8's "Array buffer allocation failed" (exit 4) or an OOM kill.
 */
import { constants as bufferConstants } from 'node:buffer';
import { cpus, totalmem } from 'node:os';
import { InputError, UsageError } from '../errors.js';
import { formatShape } from '../tensor/shape.js';

const GIB = 1024 ** 3;

/**
 * The default --max-tensor-bytes: 2 GiB, or a quarter of this machine's memory if that is less
 * (a run holds several tensors of that size at once: input, two outputs, the next decoded image).
 * Never above what one Buffer can hold.
 */
export const DEFAULT_MAX_TENSOR_BYTES = Math.min(2 * GIB, Math.floor(totalmem() / 4), bufferConstants.MAX_LENGTH);

/**
 * Files that are not tensors (models, engines, manifests) are read whole; cap them at what one Buffer
 * holds and at half the machine's memory, so that the message comes before the allocation fails.
 */
export const MAX_MODEL_FILE_BYTES = Math.min(bufferConstants.MAX_LENGTH, Math.floor(totalmem() / 2));

/** A manifest of 100,000 entries is about 50 MB; anything far beyond is not ours. At most one string (it is parsed as text). */
export const MAX_MANIFEST_BYTES = Math.min(512 * 1024 * 1024, bufferConstants.MAX_STRING_LENGTH);

/**
 * A report file for `merge` (JSON, JSON Lines, HTML) is read as one string: at most what V8 can hold
 * in one (about 512 MiB; a 10,000-image JSON report is tens of MB). Beyond that, "Cannot create a
 * string longer than ..." would be an internal error.
 */
export const MAX_REPORT_BYTES = bufferConstants.MAX_STRING_LENGTH;

/** "1.5 GiB", "12 MiB", "300 bytes". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return `${n} bytes`;
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return u === 0 ? `${n} bytes` : `${v >= 100 ? v.toFixed(0) : v.toPrecision(3).replace(/\.?0+$/, '')} ${units[u]}`;
}

/** Bytes a tensor of `shape` and element size needs; Infinity when it cannot even be counted. */
export function tensorBytes(shape: readonly number[], elementBytes: number): number {
  let n = elementBytes;
  for (const d of shape) n *= d;
  return Number.isSafeInteger(n) ? n : Infinity;
}

/**
 * Refuses a tensor whose byte size exceeds `maxBytes`, before it is allocated.
 * @param what names it: "model input 'images'", "--shape images", "decoded image".
 * @param file the file that asked for it, when there is one.
 */
export function checkTensorSize(what: string, shape: readonly number[], elementBytes: number, dtype: string, maxBytes: number, file?: string): void {
  const bytes = tensorBytes(shape, elementBytes);
  if (bytes <= maxBytes) return;
  const size = Number.isFinite(bytes) ? formatBytes(bytes) : 'more bytes than can be counted';
  throw new InputError(file, `${what}: ${formatShape(shape)} of ${dtype} is ${size}, over the limit of ${formatBytes(maxBytes)}`, {
    hints: ['raise --max-tensor-bytes if this machine has the memory'],
  });
}

/** Parses and checks a --max-tensor-bytes value: an integer, optionally with K/M/G/T (powers of 1024). */
export function parseByteSize(value: string, name = '--max-tensor-bytes'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(value);
  const scale = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[(m?.[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  const n = m ? Math.floor(Number(m[1]) * scale) : Number.NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`Expected a positive byte size like 2G, 512M or 1000000 for ${name} but received '${value}'`);
  if (n > bufferConstants.MAX_LENGTH) throw new UsageError(`${name} ${value} is more than one buffer can hold here (${formatBytes(bufferConstants.MAX_LENGTH)})`);
  return n;
}

/** The most intra-op threads a run may ask for: this machine's cores. */
export function maxThreads(): number {
  return Math.max(1, cpus().length);
}

/** @throws UsageError when `n` threads is more than the machine has cores. */
export function checkThreads(n: number, name = '--threads'): void {
  const max = maxThreads();
  if (n > max) throw new UsageError(`${name} ${n} is more than this machine's ${max} core${max === 1 ? '' : 's'}; give at most ${max}`);
}

/**
 * Refuses a model input whose fixed shape needs more than `maxBytes`, before any image is read
 * (a model fixed at [1,3,20000,20000] would otherwise fail once per image in preprocessing).
 * Dynamic dimensions are not judged here: the tensors fed are checked as they are made.
 */
export function checkModelInputSize(model: string, input: { readonly name: string; readonly dtype: string; readonly shape: readonly (number | string | null)[] }, maxBytes: number): void {
  if (!input.shape.every((d): d is number => typeof d === 'number' && d >= 0)) return;
  const bytes = ELEMENT_BYTES[input.dtype] ?? 4;
  checkTensorSize(`model input '${input.name}'`, input.shape, bytes, input.dtype, maxBytes, model);
}

/** Bytes per element by dtype name (also names trt-parity has no DType for, so the size is still right). */
const ELEMENT_BYTES: Readonly<Record<string, number>> = {
  float64: 8, float32: 4, float16: 2, bfloat16: 2, int64: 8, uint64: 8, int32: 4, uint32: 4, int16: 2, uint16: 2, int8: 1, uint8: 1, bool: 1,
};

/** Bytes per element of `dtype` (4 for a name we do not know). */
export function elementBytes(dtype: string): number {
  return ELEMENT_BYTES[dtype] ?? 4;
}
