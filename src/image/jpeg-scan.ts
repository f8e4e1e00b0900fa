/**
 * Does a JPEG's scan hold every block its frame header promises? Pure: bytes in, verdict out.
 *
 * Why this exists: a JPEG whose header promises more rows than its scan holds (a "liar", or a file cut
 * short and closed with an EOI) makes libjpeg issue only a *warning* ("premature end of data segment")
 * and fill the missing rows with grey. decode.ts decodes under sharp's `failOn: 'warning'` to catch
 * it, but then has to tell that warning from harmless ones (extraneous bytes before a marker), and the
 * text that would tell them apart is not reliable: libvips keeps one error buffer for the whole
 * process and sharp clears it at the end of every pipeline, so with images decoding concurrently a
 * failed decode often reads "Warning treated as error due to failOn setting" followed by some other
 * image's warnings. Classified by that text, a liar passed in a third to a half of concurrent runs,
 * random access or not. This walk answers the question from the file itself, deterministically.
 *
 * What it does: for a sequential Huffman JPEG (SOF0/SOF1) with one scan holding every component, it
 * decodes the Huffman symbols (no IDCT, no pixels) exactly as libjpeg consumes bits, and reports
 * 'short' when a block needs a bit after the entropy-coded data has reached a marker or the end of
 * the file — the condition under which libjpeg warns and invents data — and 'complete' when every
 * block of every MCU was read. Anything else (progressive, arithmetic, several scans, a bad Huffman
 * code, a restart marker out of sequence) is 'unknown': the caller keeps its message-based rule.
 * It only runs after a decode has failed under 'warning', so its speed (a few ms per megapixel) does
 * not matter.
 */
import { jpegSegmentsToScan, parseJpegFrame } from './image-header.js';

export type ScanVerdict = 'complete' | 'short' | 'unknown';

/** libjpeg's D_MAX_BLOCKS_IN_MCU: more is an error there. */
const MAX_BLOCKS_IN_MCU = 10;

/** A canonical Huffman table as libjpeg derives it (jdhuff.c `jpeg_make_d_derived_tbl`). */
interface HuffTable {
  readonly maxcode: Int32Array; // [1..16], -1 when no code has that length
  readonly mincode: Int32Array;
  readonly valptr: Int32Array;
  readonly values: Uint8Array;
}

/** Thrown inside the walk to end it with a verdict; never leaves this module. */
class Verdict {
  constructor(readonly verdict: ScanVerdict) {}
}

export function checkJpegScan(bytes: Uint8Array): ScanVerdict {
  try {
    return walk(bytes);
  } catch (e) {
    if (e instanceof Verdict) return e.verdict;
    throw e;
  }
}

function walk(bytes: Uint8Array): ScanVerdict {
  // Bytes between header segments are a harmless warning (libjpeg skips them): walk past them.
  const segments = jpegSegmentsToScan(bytes, true);
  if (segments === null) return 'unknown';
  const tables = new Map<number, HuffTable>(); // key: class * 4 + id
  let frame = null;
  let restartInterval = 0;
  for (const s of segments) {
    const m = s.marker;
    if (m === 0xc4) {
      if (!readHuffmanTables(bytes, s.start, s.end, tables)) return 'unknown';
    } else if (m === 0xdd) {
      if (s.end - s.start !== 2) return 'unknown';
      restartInterval = (bytes[s.start]! << 8) | bytes[s.start + 1]!;
    } else if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xcc) {
      if (frame !== null || (m !== 0xc0 && m !== 0xc1)) return 'unknown';
      frame = parseJpegFrame(bytes, s);
      if (frame === null) return 'unknown';
    }
  }
  const sos = segments[segments.length - 1]!;
  if (frame === null || frame.height === 0 || frame.width === 0 || frame.precision !== 8) return 'unknown';
  const ns = bytes[sos.start]!;
  if (sos.end - sos.start !== 4 + 2 * ns || ns !== frame.components.length) return 'unknown';
  const [ss, se, ahal] = [bytes[sos.end - 3]!, bytes[sos.end - 2]!, bytes[sos.end - 1]!];
  if (ss !== 0 || se !== 63 || ahal !== 0) return 'unknown';

  // The blocks of one MCU, in order: each with its DC and AC table.
  const hmax = Math.max(...frame.components.map((c) => c.h));
  const vmax = Math.max(...frame.components.map((c) => c.v));
  const blocks: { dc: HuffTable; ac: HuffTable }[] = [];
  const seen = new Set<number>();
  for (let k = 0; k < ns; k++) {
    const id = bytes[sos.start + 1 + 2 * k]!;
    const sel = bytes[sos.start + 2 + 2 * k]!;
    const comp = frame.components.find((c) => c.id === id);
    const dc = tables.get(sel >> 4);
    const ac = tables.get(4 + (sel & 15));
    if (comp === undefined || seen.has(id) || dc === undefined || ac === undefined) return 'unknown';
    seen.add(id);
    // A single-component scan is not interleaved: one block per MCU, whatever the sampling factors.
    const count = ns === 1 ? 1 : comp.h * comp.v;
    for (let b = 0; b < count; b++) blocks.push({ dc, ac });
  }
  if (blocks.length > MAX_BLOCKS_IN_MCU) return 'unknown';
  let mcus: number;
  if (ns === 1) {
    const c = frame.components[0]!;
    mcus = Math.ceil(Math.ceil((frame.width * c.h) / hmax) / 8) * Math.ceil(Math.ceil((frame.height * c.v) / vmax) / 8);
  } else {
    mcus = Math.ceil(frame.width / (8 * hmax)) * Math.ceil(frame.height / (8 * vmax));
  }

  const r = new BitReader(bytes, sos.end);
  let restartsToGo = restartInterval;
  let nextRestart = 0;
  for (let mcu = 0; mcu < mcus; mcu++) {
    if (restartInterval !== 0) {
      if (restartsToGo === 0) {
        r.restart(nextRestart);
        nextRestart = (nextRestart + 1) & 7;
        restartsToGo = restartInterval;
      }
      restartsToGo--;
    }
    for (const { dc, ac } of blocks) {
      r.bits(r.decode(dc));
      for (let k = 1; k < 64; k++) {
        const rs = r.decode(ac);
        const size = rs & 15;
        if (size !== 0) {
          k += rs >> 4;
          r.bits(size);
        } else if (rs >> 4 === 15) {
          k += 15; // ZRL: sixteen zeros
        } else {
          break; // EOB
        }
      }
    }
  }
  return 'complete';
}

/** Parse every table of a DHT segment into `tables`; false when one is malformed (libjpeg: an error). */
function readHuffmanTables(bytes: Uint8Array, start: number, end: number, tables: Map<number, HuffTable>): boolean {
  let p = start;
  while (p < end) {
    if (p + 17 > end) return false;
    const cls = bytes[p]! >> 4;
    const id = bytes[p]! & 15;
    if (cls > 1 || id > 3) return false;
    const counts = bytes.subarray(p + 1, p + 17);
    let total = 0;
    for (const n of counts) total += n;
    if (total > 256 || p + 17 + total > end) return false;
    const maxcode = new Int32Array(18).fill(-1);
    const mincode = new Int32Array(18);
    const valptr = new Int32Array(18);
    let code = 0;
    let k = 0;
    for (let l = 1; l <= 16; l++) {
      const n = counts[l - 1]!;
      if (n > 0) {
        valptr[l] = k;
        mincode[l] = code;
        code += n;
        k += n;
        maxcode[l] = code - 1;
        if (code > 1 << l) return false; // more codes than the length allows: libjpeg's JERR_BAD_HUFF_TABLE
      }
      code <<= 1;
    }
    tables.set(cls * 4 + id, { maxcode, mincode, valptr, values: bytes.slice(p + 17, p + 17 + total) });
    p += 17 + total;
  }
  return true;
}

/** Entropy-coded bytes, one bit at a time, with libjpeg's byte stuffing and marker rules (jdhuff.c `jpeg_fill_bit_buffer`). */
class BitReader {
  private byte = 0;
  private left = 0;

  constructor(private readonly bytes: Uint8Array, private pos: number) {}

  /** The next bit. Needing one past a marker or the end of the file is where libjpeg warns: 'short'. */
  bit(): number {
    if (this.left === 0) {
      const { bytes } = this;
      if (this.pos >= bytes.length) throw new Verdict('short');
      const b = bytes[this.pos]!;
      if (b === 0xff) {
        let q = this.pos + 1;
        while (q < bytes.length && bytes[q] === 0xff) q++;
        if (q >= bytes.length || bytes[q] !== 0) throw new Verdict('short'); // a marker (or the end): no more data
        this.pos = q + 1; // FF 00 (after any FF fill bytes) is one data byte 0xFF
      } else {
        this.pos++;
      }
      this.byte = b;
      this.left = 8;
    }
    this.left--;
    return (this.byte >> this.left) & 1;
  }

  /** Skip `n` extra bits (the magnitude bits after a Huffman symbol). */
  bits(n: number): void {
    for (let i = 0; i < n; i++) this.bit();
  }

  /** One Huffman symbol; a code longer than 16 bits is corrupt data, where libjpeg warns and guesses: 'unknown'. */
  decode(t: HuffTable): number {
    let code = 0;
    for (let l = 1; l <= 16; l++) {
      code = (code << 1) | this.bit();
      if (code <= t.maxcode[l]!) return t.values[t.valptr[l]! + code - t.mincode[l]!]!;
    }
    throw new Verdict('unknown');
  }

  /**
   * A restart boundary: the bits left in the current byte are dropped and RSTn must follow. EOI in its
   * place means the intervals ran out before the frame did: 'short'. Anything else is libjpeg's resync
   * (a warning that may or may not mean lost rows): 'unknown'.
   */
  restart(n: number): void {
    this.left = 0;
    const { bytes } = this;
    if (this.pos >= bytes.length) throw new Verdict('short');
    if (bytes[this.pos] !== 0xff) throw new Verdict('unknown');
    let q = this.pos + 1;
    while (q < bytes.length && bytes[q] === 0xff) q++;
    if (q >= bytes.length || bytes[q] === 0xd9) throw new Verdict('short');
    if (bytes[q] !== 0xd0 + n) throw new Verdict('unknown');
    this.pos = q + 1;
  }
}
