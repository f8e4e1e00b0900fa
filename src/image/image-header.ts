/**
 * What sharp's `metadata()` would say about a JPEG or PNG, read from the header bytes alone, so that a
 * decode needs one libvips pipeline instead of two (a `metadata()` call is a whole pipeline: about
 * 0.5 ms of CPU per image, a tenth of decoding a 640×480 JPEG). Pure: bytes in, answer out.
 *
 * The contract is "the same answer as sharp, or none": every field mirrors what libvips 8.18 sets
 * (jpeg2vips.c `read_jpeg_header`, vipspng.c `png2vips_header`), and anything this reader does not
 * fully understand (other formats, arithmetic or lossless JPEG, 12-bit samples, odd component
 * counts, markers out of place, PNG chunks it would have to decompress, a header cut short) returns
 * null, so that the caller asks sharp instead and behaviour never gets worse. It never throws and
 * reads each byte at most once, so hostile bytes cost nothing. test/image/image-header.test.ts holds
 * it against sharp's own `metadata()` on every fixture and on generated and hostile files.
 */

/** The fields of sharp's `Metadata` that decoding uses, with sharp's names and values. */
export interface ImageHeader {
  readonly format: 'jpeg' | 'png';
  /** Stored size, before any EXIF orientation (as sharp's `width`/`height`). */
  readonly width: number;
  readonly height: number;
  /** libvips' interpretation: 'srgb', 'b-w', 'cmyk' (JPEG); 'srgb', 'b-w', 'rgb16', 'grey16' (PNG). */
  readonly space: 'srgb' | 'b-w' | 'cmyk' | 'rgb16' | 'grey16';
  /** libvips' band format: 'uchar' (8-bit samples) or 'ushort' (16-bit PNG). */
  readonly depth: 'uchar' | 'ushort';
  /** Whether libvips attaches an ICC profile. */
  readonly hasProfile: boolean;
}

/** Read a JPEG or PNG header; null when the bytes are anything else or anything unusual. */
export function readImageHeader(bytes: Uint8Array): ImageHeader | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return readJpegHeader(bytes);
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return readPngHeader(bytes);
  return null;
}

// ---- JPEG ---------------------------------------------------------------------------------------

/** libjpeg's JPEG_MAX_DIMENSION: larger frames are an error there, so sharp's message should be the one shown. */
const JPEG_MAX_DIMENSION = 65500;

/** One marker segment before the first scan: `marker` (0xC0...), its payload `[start, end)` after the length. */
export interface JpegSegment {
  readonly marker: number;
  readonly start: number;
  readonly end: number;
}

/**
 * The marker segments from SOI up to and including the first SOS, as libjpeg's `read_markers` walks
 * them; null when the structure is anything but plain (a length running past the end, a marker
 * libjpeg would refuse or warn about, no SOS). Bytes between segments are libjpeg's "extraneous
 * bytes" warning: null, unless `skipExtraneous`, where they are skipped as libjpeg's `next_marker` does.
 */
export function jpegSegmentsToScan(bytes: Uint8Array, skipExtraneous = false): JpegSegment[] | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  const segments: JpegSegment[] = [];
  let i = 2;
  for (;;) {
    if (skipExtraneous) while (i < bytes.length && bytes[i] !== 0xff) i++;
    if (i >= bytes.length || bytes[i] !== 0xff) return null;
    while (i < bytes.length && bytes[i] === 0xff) i++; // fill bytes
    if (i + 2 >= bytes.length) return null;
    const marker = bytes[i]!;
    const length = (bytes[i + 1]! << 8) | bytes[i + 2]!;
    const start = i + 3;
    const end = i + 1 + length;
    if (!isSegmentMarker(marker) || length < 2 || end > bytes.length) return null;
    segments.push({ marker, start, end });
    if (marker === 0xda) return segments;
    i = end;
  }
}

/** Markers with a length that may come before the first scan: SOFn, DHT, DAC, DQT, DRI, SOS, APPn, COM. */
function isSegmentMarker(m: number): boolean {
  return (m >= 0xc0 && m <= 0xcf && m !== 0xc8) || m === 0xda || m === 0xdb || m === 0xdd || (m >= 0xe0 && m <= 0xef) || m === 0xfe;
}

/** Frame header (SOFn) fields that libjpeg checks, with the segment's marker. */
export interface JpegFrame {
  readonly marker: number;
  readonly precision: number;
  readonly height: number;
  readonly width: number;
  readonly components: readonly { readonly id: number; readonly h: number; readonly v: number }[];
}

/** Parse a SOFn segment; null when its length does not match its component count or a factor is out of 1..4. */
export function parseJpegFrame(bytes: Uint8Array, s: JpegSegment): JpegFrame | null {
  if (s.end - s.start < 6) return null;
  const n = bytes[s.start + 5]!;
  if (n === 0 || s.end - s.start !== 6 + 3 * n) return null;
  const components: { id: number; h: number; v: number }[] = [];
  for (let c = 0; c < n; c++) {
    const at = s.start + 6 + 3 * c;
    const h = bytes[at + 1]! >> 4;
    const v = bytes[at + 1]! & 15;
    if (h < 1 || h > 4 || v < 1 || v > 4) return null;
    components.push({ id: bytes[at]!, h, v });
  }
  return {
    marker: s.marker,
    precision: bytes[s.start]!,
    height: (bytes[s.start + 1]! << 8) | bytes[s.start + 2]!,
    width: (bytes[s.start + 3]! << 8) | bytes[s.start + 4]!,
    components,
  };
}

const ICC_PREFIX = [...'ICC_PROFILE'].map((ch) => ch.charCodeAt(0));

function readJpegHeader(bytes: Uint8Array): ImageHeader | null {
  const segments = jpegSegmentsToScan(bytes);
  if (segments === null) return null;
  let frame: JpegFrame | null = null;
  let hasProfile = false;
  for (const s of segments) {
    const m = s.marker;
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xcc) {
      // Baseline, extended and progressive Huffman only; lossless, arithmetic and hierarchical
      // frames (and a second frame) are sharp's to judge.
      if (frame !== null || (m !== 0xc0 && m !== 0xc1 && m !== 0xc2)) return null;
      frame = parseJpegFrame(bytes, s);
      if (frame === null) return null;
    } else if (m === 0xe2 && s.end - s.start > 14 && ICC_PREFIX.every((b, k) => bytes[s.start + k] === b)) {
      // libvips keeps APP2 "ICC_PROFILE" chunks by their 1-based sequence number (byte 12) and
      // assembles them from the first on: a profile is attached when chunk 1 exists.
      if (bytes[s.start + 12] === 1) hasProfile = true;
    }
  }
  if (frame === null) return null;
  const { precision, width, height, components } = frame;
  // 12-bit samples, a height left to a DNL marker (0), sizes libjpeg refuses: sharp says what is wrong.
  if (precision !== 8 || width === 0 || height === 0 || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION) return null;
  // libjpeg's output colour space by component count: grey, YCbCr/RGB -> RGB, CMYK/YCCK -> CMYK.
  const space = components.length === 1 ? 'b-w' : components.length === 3 ? 'srgb' : components.length === 4 ? 'cmyk' : null;
  if (space === null) return null;
  return { format: 'jpeg', width, height, space, depth: 'uchar', hasProfile };
}

// ---- PNG ----------------------------------------------------------------------------------------

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** libvips sets libpng's user limits to VIPS_MAX_COORD (10,000,000 by default); larger is libpng's error. */
const PNG_MAX_DIMENSION = 10_000_000;
/** Bit depths allowed for each colour type (PNG spec, table 11.1). */
const PNG_DEPTHS: Readonly<Record<number, readonly number[]>> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

const chunkType = (bytes: Uint8Array, at: number): string => String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
const u32 = (bytes: Uint8Array, at: number): number => ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;

function readPngHeader(bytes: Uint8Array): ImageHeader | null {
  // IHDR first, 13 bytes, with a good CRC (libpng refuses a damaged critical chunk).
  if (bytes.length < 33 || u32(bytes, 8) !== 13 || chunkType(bytes, 12) !== 'IHDR') return null;
  if (crc32(bytes, 12, 29) !== u32(bytes, 29)) return null;
  const width = u32(bytes, 16);
  const height = u32(bytes, 20);
  const depth = bytes[24]!;
  const colourType = bytes[25]!;
  if (width === 0 || height === 0 || width > PNG_MAX_DIMENSION || height > PNG_MAX_DIMENSION) return null;
  if (!(PNG_DEPTHS[colourType]?.includes(depth) ?? false) || bytes[26] !== 0 || bytes[27] !== 0 || bytes[28]! > 1) return null;
  // Walk the chunks up to the first IDAT. An iCCP chunk is libpng's to validate (it can reject the
  // profile and decode without it), so it sends the question to sharp; so does anything out of place.
  for (let at = 33; ;) {
    if (at + 8 > bytes.length) return null;
    const length = u32(bytes, at);
    const type = chunkType(bytes, at + 4);
    if (length > 0x7fffffff || !/^[A-Za-z]{4}$/.test(type)) return null;
    if (type === 'IDAT') break;
    if (type === 'iCCP' || type === 'IHDR' || type === 'IEND') return null;
    at += 12 + length;
  }
  const grey = colourType === 0 || colourType === 4;
  const wide = depth === 16;
  return {
    format: 'png',
    width,
    height,
    space: grey ? (wide ? 'grey16' : 'b-w') : wide ? 'rgb16' : 'srgb',
    depth: wide ? 'ushort' : 'uchar',
    hasProfile: false,
  };
}

let crcTable: Uint32Array | undefined;
/** CRC-32 (PNG's, ISO 3309) of `bytes[from, to)`. */
function crc32(bytes: Uint8Array, from: number, to: number): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = from; i < to; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
