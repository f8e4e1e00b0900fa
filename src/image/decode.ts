/**
 * Image files → upright 8-bit RGB pixels at the model's size. The only module that imports sharp.
 *
 * Pipeline, in this order: read the file; read the header (format, size: from the bytes for JPEG and
 * PNG, image-header.ts, else sharp's metadata()) and refuse images over the pixel limit before
 * decoding anything; decode the first frame/page fully (one libvips pipeline), apply the EXIF orientation,
 * drop alpha, convert greyscale/palette/CMYK/16-bit to 8-bit sRGB RGB; then, if a size is asked for,
 * resize those raw RGB pixels with bilinear (`kernel: 'linear'`) and crop or pad (see resize-plan.ts).
 *
 * Why resize from raw pixels in a second pipeline rather than in the decoding one: sharp premultiplies
 * by alpha while resizing even after `removeAlpha()`, and shrinks JPEGs while loading them; both make
 * the result differ from "decode, drop alpha, then resize" (what PIL's `convert('RGB').resize()` does).
 * From raw RGB the resize sees exactly the decoded pixels. docs/resize.md compares the result with PIL.
 */
import { createRequire } from 'node:module';
import type { Metadata, OutputInfo, Sharp, SharpOptions } from 'sharp';

import { expected, InputError, UsageError } from '../errors.js';
import { DEFAULT_MAX_TENSOR_BYTES } from '../io/limits.js';
import { readRegularFileSync } from '../io/read-file.js';
import { readImageHeader } from './image-header.js';
import { cropRgb, DEFAULT_LETTERBOX_PAD, padRgb, planResize } from './resize-plan.js';
import type { ResizeMode, Size } from './resize-plan.js';

import { DEFAULT_MAX_PIXELS } from './preprocess-spec.js';

export { DEFAULT_MAX_PIXELS };

type SharpFactory = (input?: Uint8Array, options?: SharpOptions) => Sharp;
let sharpModule: Promise<SharpFactory> | null = null;
/**
 * sharp, loaded on first use: loading libvips takes 150-180 ms, which `--help`, `--version`,
 * `inspect` and `doctor` (and a compare of two .npy inputs) should not pay. Through require(), not
 * import(): sharp ships the same code as CommonJS and as ES modules, and its ES build (about 20
 * modules through Node 20's ESM loader) took 2-3 times as long to load as the CommonJS one.
 */
export function loadSharp(): Promise<SharpFactory> {
  sharpModule ??= Promise.resolve().then(() => {
    const sharp = createRequire(import.meta.url)('sharp') as SharpFactory & { cache(enabled: boolean): unknown };
    // libvips' operation cache keeps recent operations for reuse; every image here is decoded once,
    // so the cache only costs memory and bookkeeping.
    sharp.cache(false);
    return sharp;
  });
  return sharpModule;
}

/** Formats we decode, as sharp names them (AVIF is sharp's 'heif' with AV1 compression). */
const SUPPORTED_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'tiff', 'gif', 'avif']);

export interface ResizeOptions extends Size {
  readonly mode: ResizeMode;
  /** Letterbox only: the value of every padded channel. Defaults to {@link DEFAULT_LETTERBOX_PAD} (114). */
  readonly padValue?: number;
}

export interface DecodeOptions {
  /** Bring the image to this size; omitted or null keeps the decoded size (models with dynamic H/W). */
  readonly resize?: ResizeOptions | null;
  /** Refuse images whose stored width × height exceeds this. Defaults to {@link DEFAULT_MAX_PIXELS}; Infinity disables. */
  readonly maxPixels?: number;
  /** Apply the EXIF orientation (default true, as cv2.imread does; PIL's Image.open does not). */
  readonly autoOrient?: boolean;
  /**
   * Keep the decoded values of an image with an embedded ICC profile instead of converting them to
   * sRGB through it (default false: sharp converts). PIL, torchvision and OpenCV never convert.
   */
  readonly ignoreIcc?: boolean;
}

export interface DecodedImage {
  /** HWC, RGB, 8 bits per channel, row-major: `data[(y * width + x) * 3 + c]`. */
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** Size of the decoded image after EXIF orientation, before any resize. */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  /** 'jpeg' | 'png' | 'webp' | 'tiff' | 'gif' | 'avif'. */
  readonly format: string;
  /** The stored colour space as libvips names it ('srgb', 'b-w', 'cmyk', ...). */
  readonly space: string;
  /** Bits per stored sample: 8 or 16 (others as libvips reports them). */
  readonly bitsPerSample: number;
  /** Whether the file embeds an ICC profile. */
  readonly hasIcc: boolean;
}

/** Read and decode an image file; every failure is an {@link InputError} naming `path`. */
export async function decodeImage(path: string, options: DecodeOptions = {}): Promise<DecodedImage> {
  // Regular files only, bounded: a FIFO would hang the run and /dev/zero would fill the heap. On this
  // thread: in a folder run the asynchronous read's round trips waited behind a busy event loop
  // (read-file.ts says how much that cost).
  const bytes = readRegularFileSync(path, { maxBytes: DEFAULT_MAX_TENSOR_BYTES, what: 'image file' });
  return decodeImageBuffer(bytes, path, options);
}

/**
 * Decode an image held in memory. `name` is used in error messages only.
 *
 * Decisions worth knowing:
 * - `failOn: 'error'`: a truncated or corrupt file is refused. With `'none'` sharp would decode a
 *   truncated JPEG and fill the missing rows with grey (128) — a silent wrong input. Plain libjpeg
 *   *warnings* (e.g. extraneous bytes before a marker) still decode, as they do in PIL.
 * - 16-bit samples become 8-bit by keeping the high byte (`v >> 8`), as PIL does.
 * - CMYK is converted through an ICC profile (sharp/lcms), not PIL's naive `255 - (C + K)`: the two
 *   differ by tens of levels, so a CMYK JPEG can never match a PIL-based reference exactly.
 * - GIF and multi-page TIFF: the first frame/page only.
 */
export async function decodeImageBuffer(bytes: Uint8Array, name: string, options: DecodeOptions = {}): Promise<DecodedImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(maxPixels === Infinity || (Number.isInteger(maxPixels) && maxPixels > 0))) {
    throw new UsageError(expected('a positive integer or Infinity', 'maxPixels', maxPixels));
  }
  const resize = options.resize ?? null;
  if (resize !== null) validateResize(resize);

  const sharp = await loadSharp();
  // The header first, so that an over-limit image is refused, with its real size, before anything is
  // decoded. JPEG and PNG headers are read here (image-header.ts: the same answer as sharp's metadata(),
  // which is a whole libvips pipeline); anything else, or anything unusual, asks sharp.
  const header = readImageHeader(bytes) ?? (await headerFromSharp(sharp, bytes, name));
  const { format, width, height } = header;
  if (!SUPPORTED_FORMATS.has(format)) {
    throw new InputError(name, `${format} images are not supported; use JPEG, PNG, WebP, TIFF, GIF or AVIF`);
  }
  const storedPixels = width * height;
  if (storedPixels > maxPixels) {
    throw new InputError(
      name,
      `image is ${width}x${height} = ${storedPixels} pixels, over the limit of ${maxPixels} (a guard against decompression bombs)`,
      { hints: ['raise --max-pixels if you trust this file'] },
    );
  }

  let decoded: { data: Buffer; info: OutputInfo };
  try {
    const decode = (failOn: 'error' | 'warning'): Promise<{ data: Buffer; info: OutputInfo }> => sharp(bytes, {
      autoOrient: options.autoOrient ?? true,
      ignoreIcc: options.ignoreIcc ?? false,
      failOn,
      // Sequential: rows are decoded as they are written out, with no whole-image copy first (random
      // access costs about 1.2 ms more per 1080p JPEG). The guard against a JPEG whose scan holds fewer
      // rows than its header promises does not depend on it (see missingData below): random access
      // did not make it reliable, both modes let such a file through when the failure's text was lost.
      sequentialRead: true,
      // Infinity is not a valid sharp limit; false means none. Re-checked here because sharp reads the
      // size again while decoding (multi-page files, say).
      limitInputPixels: maxPixels === Infinity ? false : maxPixels,
    })
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    // libjpeg reports a scan that ends before the rows its header promises only as a *warning*
    // ("premature end of data segment"), filling the rest with grey: such a file decoded under
    // failOn 'error' and passed. So decode under 'warning' first; a warning that is not about missing
    // data (extraneous bytes before a marker, say) decodes again under 'error', as PIL accepts it.
    try {
      decoded = await decode('warning');
    } catch (first) {
      const missing = await missingData(first, () => decode('warning'), bytes, header);
      if (missing !== null) throw new InputError(name, `truncated or corrupt image (${missing})`, { cause: first });
      decoded = await decode('error');
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    const message = messageOf(err);
    const why = MISSING_DATA.test(message) ? 'truncated or corrupt image' : 'cannot decode image';
    throw new InputError(name, `${why} (${message})`, { cause: err });
  }
  const { info } = decoded;
  if (info.channels !== 3) {
    throw new InputError(name, `decoded to ${info.channels} channels, expected 3 (RGB); this ${format} layout is not supported`);
  }
  const pixels = new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength);
  const source = { data: pixels, width: info.width, height: info.height };
  // libvips checks for a warning only before decoding the next strip of 8 rows, so a JPEG whose
  // missing data starts in its last strip (grey, 4:4:4 or 4:2:2, header 8 rows taller than the scan)
  // decodes under 'warning' without failing, in sequential and random-access mode alike. libjpeg
  // zero-fills the blocks it has no data for, which decode to exactly (128, 128, 128); the last MCU is
  // one of them, and autoOrient puts it in a corner. Only then is the scan walked (rarely: a photo's
  // corner is seldom that exact grey), so the common case pays four pixel reads.
  if (format === 'jpeg' && greyCorner(source) && (await scanCheck())(bytes) === 'short') {
    throw new InputError(name, `truncated or corrupt image (its scan ends before the ${width}x${height} pixels its header promises)`);
  }
  const stored = { format, space: header.space, bitsPerSample: bitsOf(header.depth), hasIcc: header.hasProfile };
  if (resize === null) {
    return { ...source, sourceWidth: info.width, sourceHeight: info.height, ...stored };
  }
  const data = await resizeRgb(sharp, source, resize, name);
  return { data, width: resize.width, height: resize.height, sourceWidth: info.width, sourceHeight: info.height, ...stored };
}

async function resizeRgb(sharp: SharpFactory, source: { data: Uint8Array; width: number; height: number }, resize: ResizeOptions, name: string): Promise<Uint8Array> {
  const plan = planResize(source, resize, resize.mode);
  let resized = source.data;
  if (plan.resized.width !== source.width || plan.resized.height !== source.height) {
    try {
      const out = await sharp(source.data, { raw: { width: source.width, height: source.height, channels: 3 } })
        .resize(plan.resized.width, plan.resized.height, { fit: 'fill', kernel: 'linear' })
        .raw({ depth: 'uchar' })
        .toBuffer();
      resized = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    } catch (err) {
      throw new InputError(name, `cannot resize ${source.width}x${source.height} to ${plan.resized.width}x${plan.resized.height} (${messageOf(err)})`, { cause: err });
    }
  }
  const image = { data: resized, width: plan.resized.width, height: plan.resized.height };
  switch (plan.place) {
    case 'none':
      return resized;
    case 'crop':
      return cropRgb(image, plan.top, plan.left, plan.target);
    case 'pad':
      return padRgb(image, plan.top, plan.left, plan.target, resize.padValue ?? DEFAULT_LETTERBOX_PAD);
  }
}

function validateResize(r: ResizeOptions): void {
  for (const [what, v] of [['resize height', r.height], ['resize width', r.width]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new UsageError(expected('a positive integer', what, v));
  }
  if (r.mode !== 'stretch' && r.mode !== 'shorter-crop' && r.mode !== 'letterbox') {
    throw new UsageError(expected('one of stretch, shorter-crop, letterbox', 'resize mode', r.mode));
  }
  if (r.padValue !== undefined && !(Number.isInteger(r.padValue) && r.padValue >= 0 && r.padValue <= 255)) {
    throw new UsageError(expected('an integer 0..255', 'letterbox pad value', r.padValue));
  }
}

/** What decoding needs from an image's header, in sharp's terms (format as SUPPORTED_FORMATS names it). */
interface StoredHeader {
  readonly format: string;
  readonly width: number;
  readonly height: number;
  readonly space: string;
  readonly depth: string | undefined;
  readonly hasProfile: boolean;
}

/** sharp's metadata(): every format, at the price of a libvips pipeline of its own. */
async function headerFromSharp(sharp: SharpFactory, bytes: Uint8Array, name: string): Promise<StoredHeader> {
  let meta: Metadata;
  try {
    // No pixel limit here, so that an over-limit image is reported with its real size.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new InputError(name, `not an image, or a format this build of sharp cannot read (${messageOf(err)})`, { cause: err });
  }
  const format = meta.format === 'heif' ? (meta.compression === 'av1' ? 'avif' : `heif/${meta.compression ?? '?'}`) : String(meta.format);
  return { format, width: meta.width ?? 0, height: meta.height ?? 0, space: String(meta.space ?? 'srgb'), depth: meta.depth, hasProfile: meta.hasProfile === true };
}

/** jpeg-scan.ts, loaded the first time a decode needs it (rarely: a failed decode, or an exact-grey corner). */
async function scanCheck(): Promise<typeof import('./jpeg-scan.js').checkJpegScan> {
  return (await import('./jpeg-scan.js')).checkJpegScan;
}

/** The words libjpeg (and libvips' other loaders) use when data is missing. */
const MISSING_DATA = /premature end|truncat/i;
/** sharp's text when the failure's own message was cleared by another pipeline before it was read. */
const LOST_MESSAGE = /^Warning treated as error due to failOn setting/;

/**
 * After a decode under failOn 'warning' failed: why, if data is missing (the image would decode with
 * invented rows), or null when the warning was a harmless one and the image may decode under 'error'.
 *
 * The failure's text cannot be trusted alone: libvips has one error buffer per process and sharp
 * clears it after every pipeline, so with several images decoding at once the text is often lost
 * ("Warning treated as error due to failOn setting") or another image's. Classified by its text, a
 * JPEG whose header promised more rows than its scan held passed in a third to a half of concurrent
 * decodes, in sequential and random-access mode alike. For the JPEGs jpeg-scan.ts can walk
 * (sequential Huffman, one scan: what cameras and encoders write) the bytes decide. For other JPEGs
 * (progressive, arithmetic) the text decides; when it is lost the decode is repeated (up to twice) to
 * read it, and a text still lost counts as missing data: refusing a damaged file is better than
 * passing one. Other formats keep the text rule, a lost text meaning harmless: their loaders report
 * missing data as an error, which fails under 'error' too (libpng's warnings, such as "known
 * incorrect sRGB profile", are common and harmless).
 */
async function missingData(first: unknown, again: () => Promise<unknown>, bytes: Uint8Array, header: StoredHeader): Promise<string | null> {
  let message = messageOf(first);
  if (header.format !== 'jpeg') return MISSING_DATA.test(message) ? message.split('\n')[0]! : null;
  const verdict = (await scanCheck())(bytes);
  if (verdict === 'short') return `its scan ends before the ${header.width}x${header.height} pixels its header promises`;
  if (verdict === 'complete') return null;
  for (let tries = 0; LOST_MESSAGE.test(message) && tries < 2; tries++) {
    try {
      await again();
      return null; // no warning this time: nothing was missing
    } catch (err) {
      message = messageOf(err);
    }
  }
  const own = message.split('\n')[0]!;
  if (MISSING_DATA.test(own)) return own;
  if (LOST_MESSAGE.test(own)) return 'the decoder warned about its data and the warning could not be read';
  return null;
}

/** Whether a corner pixel of decoded RGB is exactly (128, 128, 128): what libjpeg's zero-filled blocks decode to. */
function greyCorner({ data, width, height }: { data: Uint8Array; width: number; height: number }): boolean {
  for (const [x, y] of [[0, 0], [width - 1, 0], [0, height - 1], [width - 1, height - 1]] as const) {
    const at = (y * width + x) * 3;
    if (data[at] === 128 && data[at + 1] === 128 && data[at + 2] === 128) return true;
  }
  return false;
}

/** libvips band formats → bits per sample. */
function bitsOf(depth: string | undefined): number {
  switch (depth) {
    case 'uchar': case 'char': return 8;
    case 'ushort': case 'short': return 16;
    case 'uint': case 'int': case 'float': return 32;
    case 'double': return 64;
    default: return 8;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
