/**
 * NumPy's .npy format (versions 1.0, 2.0 and 3.0), read and written without numpy.
 *
 * Choices, so that what we write loads with `numpy.load` and what numpy writes loads here:
 * - Written: version 1.0 (2.0 only when the header outgrows 64 KiB), little-endian, C order,
 *   header padded with spaces so the data starts on a 64-byte boundary, as numpy does.
 * - Read: little- and big-endian (big is byte-swapped), and fortran_order=True (reordered to
 *   C order: numpy.save writes it for any Fortran-contiguous array, e.g. a transposed one).
 * - bfloat16: numpy has no such dtype, and numpy 1.24's header parser rejects unknown keys, so
 *   the bits are written as `<u2` (uint16) and the dtype travels beside the file (a saved run's
 *   manifest records it). Read it back with `readNpy(bytes, file, { dtype: 'bfloat16' })`.
 *   With ml_dtypes, `np.load(f).view(ml_dtypes.bfloat16)` recovers the values in Python.
 * - Not supported (a clear InputError): object/pickled arrays, structured dtypes, and dtypes
 *   trt-parity has no DType for (float64, uint16 without the bfloat16 hint, complex, strings…).
 *
 * Assumes a little-endian host, as every platform Node ships for in practice.
 */
import { InputError } from '../errors.js';
import { DTYPE_INFO, bytesOf, fromBytes } from './dtype.js';
import { formatShape, volume } from './shape.js';
import type { DType, Tensor } from './types.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const ALIGN = 64;

/** The descr numpy uses for each DType (little-endian; 1-byte types have no byte order). */
const DESCR: Readonly<Record<DType, string>> = {
  float32: '<f4',
  float16: '<f2',
  bfloat16: '<u2',
  int8: '|i1',
  uint8: '|u1',
  int32: '<i4',
  int64: '<i8',
  bool: '|b1',
};

/** Kind letter + item size → our DType. 'u2' is only reachable with the bfloat16 hint. */
const FROM_KIND: Readonly<Record<string, DType>> = {
  f4: 'float32',
  f2: 'float16',
  i1: 'int8',
  u1: 'uint8',
  i4: 'int32',
  i8: 'int64',
  b1: 'bool',
};

/** Names for dtypes we refuse, so the message says what the file holds. */
const KNOWN_OTHER: Readonly<Record<string, string>> = {
  f8: 'float64', u2: 'uint16', i2: 'int16', u4: 'uint32', u8: 'uint64', c8: 'complex64', c16: 'complex128',
};

export interface ReadNpyOptions {
  /**
   * The dtype recorded outside the file (e.g. in a saved run's manifest). Only needed for
   * bfloat16, whose bits are stored as `<u2`; for any other dtype it must match the file.
   */
  readonly dtype?: DType;
}

/**
 * Parse a .npy file. `file` names it in errors. The returned tensor may share memory with `bytes`.
 * @throws InputError when the bytes are not a .npy file trt-parity can use.
 */
export function readNpy(bytes: Uint8Array, file?: string, options: ReadNpyOptions = {}): Tensor {
  const fail = failWith(file);
  const layout = readNpyLayout(bytes, file, options);
  const { dtype, shape, dataStart, dataBytes: need } = layout;
  const have = bytes.byteLength - dataStart;
  if (have < need) fail(`truncated: shape ${formatShape(shape)} of ${dtype} needs ${need} bytes of data, found ${have}`);
  if (have > need) fail(`${have - need} unexpected bytes after the data of shape ${formatShape(shape)}`);

  let raw = bytes.subarray(dataStart, dataStart + need);
  if (layout.swap) raw = byteSwapped(raw, DTYPE_INFO[dtype].bytes);
  let data = fromBytes(dtype, raw);
  if (layout.fortranOrder && shape.length > 1) data = fortranToC(data, shape);
  return { dtype, shape, data };
}

/** What a .npy header promises, read from the file's first bytes only. */
export interface NpyLayout {
  readonly dtype: DType;
  readonly shape: number[];
  readonly fortranOrder: boolean;
  readonly swap: boolean;
  /** Offset of the first data byte. */
  readonly dataStart: number;
  /** Bytes of data the shape and dtype need (may exceed Number.MAX_SAFE_INTEGER: Infinity then). */
  readonly dataBytes: number;
}

/** Bytes needed before the header length is known (magic, version, length field). */
export const NPY_PREFIX_BYTES = 12;

/** Where the header ends, from the first NPY_PREFIX_BYTES bytes; the caller then reads that much. */
export function npyHeaderEnd(prefix: Uint8Array, file?: string): number {
  const fail = failWith(file);
  if (prefix.byteLength < 10 || MAGIC.some((b, i) => prefix[i] !== b)) fail('missing the \\x93NUMPY magic');
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const major = prefix[6]!;
  if (major === 1) return 10 + view.getUint16(8, true);
  if (major === 2 || major === 3) {
    if (prefix.byteLength < 12) fail('truncated header');
    return 12 + view.getUint32(8, true);
  }
  return fail(`format version ${major}.${prefix[7]!} is not supported (1.0, 2.0 and 3.0 are)`);
}

/**
 * Parses the magic and header of a .npy file from `bytes`, which need only reach the end of the
 * header: lets a reader check the data size the header promises before allocating it.
 * @throws InputError naming `file`.
 */
export function readNpyLayout(bytes: Uint8Array, file?: string, options: ReadNpyOptions = {}): NpyLayout {
  const fail = failWith(file);
  const dataStart = npyHeaderEnd(bytes, file);
  const major = bytes[6]!;
  const headerStart = major === 1 ? 10 : 12;
  if (dataStart > bytes.byteLength) fail(`header claims ${dataStart - headerStart} bytes but the file ends first`);
  // Version 1 and 2 headers are latin1; 3.0 allows utf8. ASCII is the common subset.
  const headerText = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));
  const header = parseHeader(headerText, fail);
  const { dtype, swap } = dtypeOfDescr(header.descr, options.dtype, fail);
  let dataBytes = DTYPE_INFO[dtype].bytes;
  for (const d of header.shape) dataBytes *= d;
  if (!Number.isSafeInteger(dataBytes)) dataBytes = Infinity;
  return { dtype, shape: header.shape, fortranOrder: header.fortranOrder, swap, dataStart, dataBytes };
}

function failWith(file: string | undefined): (msg: string) => never {
  return (msg: string): never => { throw new InputError(file, `not a usable .npy file: ${msg}`); };
}

/** Serialise a tensor as a version 1.0 .npy file (2.0 if the header is too long for 1.0). */
export function writeNpy(t: Tensor): Uint8Array {
  const shapeText = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  const dict = `{'descr': '${DESCR[t.dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const expected = volume(t.shape);
  if (t.data.length !== expected) {
    throw new RangeError(`tensor data has ${t.data.length} elements but shape ${formatShape(t.shape)} needs ${expected}`);
  }
  let version = 1;
  let prefix = 10;
  let total = Math.ceil((prefix + dict.length + 1) / ALIGN) * ALIGN;
  if (total - prefix > 0xffff) {
    version = 2;
    prefix = 12;
    total = Math.ceil((prefix + dict.length + 1) / ALIGN) * ALIGN;
  }
  const headerLen = total - prefix;
  const header = dict + ' '.repeat(headerLen - dict.length - 1) + '\n';
  const data = bytesOf(t.data);
  const out = new Uint8Array(total + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerLen, true);
  else view.setUint32(8, headerLen, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  out.set(data, total);
  return out;
}

// ---------------------------------------------------------------------------------------------

interface NpyHeader {
  readonly descr: string;
  readonly fortranOrder: boolean;
  readonly shape: number[];
}

type Value = string | boolean | number[] | { readonly other: string };

/**
 * The header is a Python dict literal. This parses the subset numpy writes (string keys;
 * string, bool and int-tuple values) and rejects anything else, as numpy does with extra keys.
 */
function parseHeader(text: string, fail: (m: string) => never): NpyHeader {
  let i = 0;
  const ws = () => { while (i < text.length && /\s/.test(text[i]!)) i++; };
  const expect = (c: string) => { ws(); if (text[i] !== c) fail(`malformed header near ${JSON.stringify(text.slice(i, i + 20))}`); i++; };
  const str = (): string => {
    ws();
    const q = text[i];
    if (q !== "'" && q !== '"') return fail(`malformed header: expected a quoted key near ${JSON.stringify(text.slice(i, i + 20))}`);
    const end = text.indexOf(q, i + 1);
    if (end < 0) fail('malformed header: unterminated string');
    const s = text.slice(i + 1, end);
    i = end + 1;
    return s;
  };
  const value = (): Value => {
    ws();
    const c = text[i];
    if (c === "'" || c === '"') return str();
    if (text.startsWith('True', i)) { i += 4; return true; }
    if (text.startsWith('False', i)) { i += 5; return false; }
    if (c === '(') {
      i++;
      const dims: number[] = [];
      for (;;) {
        ws();
        if (text[i] === ')') { i++; return dims; }
        const m = /^(\d+)L?/.exec(text.slice(i));
        if (!m) return fail(`malformed shape near ${JSON.stringify(text.slice(i, i + 20))}`);
        dims.push(Number(m[1]));
        i += m[0].length;
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== ')') fail('malformed shape tuple');
      }
    }
    // A structured dtype is a list of tuples: skip to the matching bracket so we can name it.
    if (c === '[') {
      let depth = 0;
      const start = i;
      for (; i < text.length; i++) {
        if (text[i] === '[') depth++;
        else if (text[i] === ']' && --depth === 0) { i++; break; }
      }
      return { other: text.slice(start, i) };
    }
    return fail(`malformed header value near ${JSON.stringify(text.slice(i, i + 20))}`);
  };

  expect('{');
  const entries = new Map<string, Value>();
  for (;;) {
    ws();
    if (text[i] === '}') { i++; break; }
    const key = str();
    expect(':');
    entries.set(key, value());
    ws();
    if (text[i] === ',') i++;
    else if (text[i] !== '}') fail('malformed header: expected "," or "}"');
  }
  const keys = [...entries.keys()].sort().join(',');
  if (keys !== 'descr,fortran_order,shape') fail(`header keys are [${[...entries.keys()].join(', ')}], expected descr, fortran_order, shape`);
  const descr = entries.get('descr');
  const fortran = entries.get('fortran_order');
  const shape = entries.get('shape');
  if (typeof descr === 'object' && !Array.isArray(descr)) fail(`structured arrays are not supported (descr ${descr.other})`);
  if (typeof descr !== 'string') return fail('descr is not a string');
  if (typeof fortran !== 'boolean') return fail('fortran_order is not True/False');
  if (!Array.isArray(shape)) return fail('shape is not a tuple of integers');
  return { descr, fortranOrder: fortran, shape };
}

function dtypeOfDescr(descr: string, hint: DType | undefined, fail: (m: string) => never): { dtype: DType; swap: boolean } {
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  if (!m) {
    if (descr.includes('O')) return fail(`descr '${descr}' is a pickled object array, which is not supported`);
    return fail(`unsupported descr '${descr}'`);
  }
  const [, order, kind, size] = m as unknown as [string, string, string, string];
  const code = `${kind}${size}`;
  let dtype: DType | undefined = FROM_KIND[code];
  if (code === 'u2' && hint === 'bfloat16') dtype = 'bfloat16';
  if (dtype === undefined) {
    const name = KNOWN_OTHER[code] ?? `'${descr}'`;
    const extra = code === 'u2' ? ' (bfloat16 bits are stored as uint16: pass the dtype recorded beside the file)' : '';
    return fail(`dtype ${name} is not supported; trt-parity reads float32, float16, bfloat16, int8, uint8, int32, int64 and bool${extra}`);
  }
  if (hint !== undefined && hint !== dtype) fail(`holds ${dtype} (descr '${descr}') but ${hint} was expected`);
  const bytes = Number(size);
  if (order === '|' && bytes !== 1) fail(`descr '${descr}' has no byte order for a ${bytes}-byte type`);
  return { dtype, swap: order === '>' && bytes > 1 };
}

function byteSwapped(raw: Uint8Array, itemSize: number): Uint8Array {
  const out = new Uint8Array(raw.byteLength);
  for (let i = 0; i < raw.byteLength; i += itemSize) {
    for (let k = 0; k < itemSize; k++) out[i + k] = raw[i + itemSize - 1 - k]!;
  }
  return out;
}

/** Reorder column-major data (first index fastest) into row-major (last index fastest). */
function fortranToC<T extends Tensor['data']>(src: T, shape: readonly number[]): T {
  const n = src.length;
  const dst = new (src.constructor as new (n: number) => T)(n);
  const rank = shape.length;
  const fStride = new Array<number>(rank);
  let s = 1;
  for (let k = 0; k < rank; k++) { fStride[k] = s; s *= shape[k]!; }
  const idx = new Array<number>(rank).fill(0);
  let fOffset = 0;
  for (let c = 0; c < n; c++) {
    (dst as unknown as unknown[])[c] = (src as unknown as unknown[])[fOffset];
    // Increment the C-order multi-index (last dim fastest) and keep the Fortran offset in step.
    for (let k = rank - 1; k >= 0; k--) {
      idx[k]!++;
      fOffset += fStride[k]!;
      if (idx[k]! < shape[k]!) break;
      fOffset -= fStride[k]! * shape[k]!;
      idx[k] = 0;
    }
  }
  return dst;
}
