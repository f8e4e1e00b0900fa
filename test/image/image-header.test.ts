/**
 * readImageHeader against its oracle, sharp's own metadata() (libvips 8.18 reading the same bytes):
 * every JPEG and PNG fixture, files generated here to cover each branch (progressive, grey, CMYK,
 * 16-bit, palette, interlaced, alpha, EXIF-rotated, ICC-tagged), and hostile bytes, where the parser
 * must give sharp's answer or none (null: the caller asks sharp), never throw or hang.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Sharp } from 'sharp';

import { readImageHeader } from '../../src/image/image-header.js';
import type { ImageHeader } from '../../src/image/image-header.js';
import { fixture } from '../helpers/paths.js';

type Oracle = Pick<ImageHeader, 'width' | 'height' | 'space' | 'depth' | 'hasProfile'> & { format: string };

async function oracle(bytes: Uint8Array): Promise<Oracle | Error> {
  try {
    const m = await sharp(bytes, { limitInputPixels: false }).metadata();
    return { format: m.format, width: m.width, height: m.height, space: m.space as ImageHeader['space'], depth: m.depth as ImageHeader['depth'], hasProfile: m.hasProfile === true };
  } catch (e) {
    return e as Error;
  }
}

/** The parser's answer must equal sharp's field by field. */
async function sameAsSharp(bytes: Uint8Array, what: string): Promise<ImageHeader> {
  const ours = readImageHeader(bytes);
  assert.ok(ours !== null, `${what}: the parser should understand this file`);
  assert.deepEqual({ ...ours }, await oracle(bytes), what);
  return ours;
}

/**
 * Hostile bytes: null, or sharp's answer; where sharp cannot read the header, a non-null answer is
 * allowed only if decoding fails too (the image is still refused, with the decoder's message).
 */
async function sharpsAnswerOrNone(bytes: Uint8Array, what: string): Promise<'null' | 'same' | 'decode-refuses'> {
  const started = performance.now();
  const ours = readImageHeader(bytes);
  // Generous: a loop would never end; the machine running the tests may be busy.
  assert.ok(performance.now() - started < 1000, `${what}: must not hang`);
  if (ours === null) return 'null';
  const theirs = await oracle(bytes);
  if (!(theirs instanceof Error)) {
    assert.deepEqual({ ...ours }, theirs, what);
    return 'same';
  }
  await assert.rejects(sharp(bytes, { failOn: 'error', limitInputPixels: false }).raw().toBuffer(), `${what}: ours read a header sharp refuses, and the decode succeeded`);
  return 'decode-refuses';
}

const fixtureImages = (): string[] => {
  const out: string[] = [];
  for (const dir of ['photos', 'edge', 'pipeline']) {
    for (const f of readdirSync(fixture('images', dir))) if (/\.(jpe?g|png)$/i.test(f)) out.push(join(dir, f));
  }
  return out;
};

describe('readImageHeader: the same answer as sharp.metadata() on every JPEG/PNG fixture', () => {
  // Files the parser hands to sharp on purpose: not an image; a PNG whose size libpng refuses to read.
  const fallback: Record<string, string> = { 'edge/not-an-image.jpg': 'text' };
  for (const rel of fixtureImages()) {
    test(rel, async () => {
      const bytes = readFileSync(fixture('images', rel));
      if (rel in fallback) {
        assert.equal(readImageHeader(bytes), null);
        return;
      }
      await sameAsSharp(bytes, rel);
    });
  }

  test('the fixtures cover JPEG and PNG, grey, CMYK, 16-bit, ICC and a decompression bomb header', async () => {
    const seen = new Set<string>();
    for (const rel of fixtureImages()) {
      const h = readImageHeader(readFileSync(fixture('images', rel)));
      if (h !== null) seen.add(`${h.format}:${h.space}:${h.hasProfile ? 'icc' : ''}`);
    }
    for (const want of ['jpeg:srgb:', 'jpeg:b-w:', 'jpeg:cmyk:', 'jpeg:srgb:icc', 'png:srgb:', 'png:rgb16:', 'png:grey16:']) assert.ok(seen.has(want), `${want} in ${[...seen].join(' ')}`);
    const bomb = readImageHeader(readFileSync(fixture('images', 'edge', 'bomb.png')));
    assert.deepEqual([bomb?.width, bomb?.height], [20000, 20000]);
  });
});

describe('readImageHeader: generated files, each branch against sharp', () => {
  const rgb = (w: number, h: number): Sharp => sharp({ create: { width: w, height: h, channels: 3, background: { r: 200, g: 30, b: 90 } } });
  // Greyscale files: libvips writes one band once the image is b-w.
  const grey = (w: number, h: number): Sharp => rgb(w, h).grayscale();
  const cases: [string, () => Promise<Buffer>][] = [
    ['JPEG baseline 4:2:0', () => rgb(33, 17).jpeg().toBuffer()],
    ['JPEG 4:4:4', () => rgb(33, 17).jpeg({ chromaSubsampling: '4:4:4' }).toBuffer()],
    ['JPEG progressive', () => rgb(40, 30).jpeg({ progressive: true }).toBuffer()],
    ['JPEG greyscale', () => grey(40, 30).jpeg().toBuffer()],
    ['JPEG CMYK (Adobe APP14)', () => rgb(16, 16).toColourspace('cmyk').jpeg().toBuffer()],
    ['JPEG with an sRGB ICC profile', () => rgb(16, 8).withIccProfile('srgb').jpeg().toBuffer()],
    ['JPEG with a P3 ICC profile, progressive', () => rgb(16, 8).withIccProfile('p3').jpeg({ progressive: true }).toBuffer()],
    ['JPEG EXIF orientation 6 (stored size reported)', () => rgb(40, 20).withMetadata({ orientation: 6 }).jpeg().toBuffer()],
    ['JPEG 65500 wide', () => sharp({ create: { width: 65500, height: 1, channels: 3, background: 'red' } }).jpeg().toBuffer()],
    ['PNG RGB', () => rgb(7, 5).png().toBuffer()],
    ['PNG RGBA', () => sharp({ create: { width: 7, height: 5, channels: 4, background: { r: 1, g: 2, b: 3, alpha: 0.5 } } }).png().toBuffer()],
    ['PNG grey', () => grey(7, 5).png().toBuffer()],
    ['PNG interlaced', () => rgb(9, 9).png({ progressive: true }).toBuffer()],
    ['PNG palette', () => rgb(9, 9).png({ palette: true }).toBuffer()],
    ['PNG palette, 2 colours (1 bit)', () => rgb(9, 9).png({ palette: true, colours: 2 }).toBuffer()],
    ['PNG 16-bit RGB', () => rgb(9, 9).toColourspace('rgb16').png().toBuffer()],
    ['PNG 16-bit grey', () => grey(9, 9).toColourspace('grey16').png().toBuffer()],
  ];
  for (const [what, make] of cases) {
    test(what, async () => {
      await sameAsSharp(await make(), what);
    });
  }

  test('JPEG with an ICC profile split over several APP2 chunks', async () => {
    // Built by hand: a large profile's chunks "ICC_PROFILE\0" + seq + count, as the ICC spec (B.4) says.
    const base = await rgb(8, 8).jpeg().toBuffer();
    const profile = Buffer.alloc(3000, 7);
    const chunk = (seq: number, count: number, data: Buffer): Buffer => {
      const payload = Buffer.concat([Buffer.from('ICC_PROFILE\0'), Buffer.from([seq, count]), data]);
      const head = Buffer.from([0xff, 0xe2, 0, 0]);
      head.writeUInt16BE(payload.length + 2, 2);
      return Buffer.concat([head, payload]);
    };
    const withChunks = (...chunks: Buffer[]): Buffer => Buffer.concat([base.subarray(0, 2), ...chunks, base.subarray(2)]);
    const h = await sameAsSharp(withChunks(chunk(1, 2, profile.subarray(0, 1500)), chunk(2, 2, profile.subarray(1500))), 'two chunks');
    assert.equal(h.hasProfile, true);
    // Without its first chunk libvips assembles nothing.
    assert.equal((await sameAsSharp(withChunks(chunk(2, 2, profile.subarray(1500))), 'second chunk only')).hasProfile, false);
  });

  test('a PNG with an ICC profile (iCCP: libpng validates it) is left to sharp', async () => {
    const png = await rgb(4, 4).withIccProfile('p3').png().toBuffer();
    assert.equal(readImageHeader(png), null);
    assert.equal((await oracle(png) as Oracle).hasProfile, true);
  });
});

describe('readImageHeader: hostile bytes give sharp\'s answer or none, never a throw', () => {
  test('every prefix of a JPEG and a PNG fixture', async () => {
    for (const rel of ['photos/chelsea.jpg', 'edge/cmyk.jpg', 'edge/palette.png', 'edge/rgb16.png']) {
      const bytes = readFileSync(fixture('images', rel));
      const limit = Math.min(bytes.length, 1200);
      const outcomes = new Set<string>();
      for (let n = 0; n <= limit; n += n < 100 ? 1 : 7) outcomes.add(await sharpsAnswerOrNone(bytes.subarray(0, n), `${rel}[0:${n}]`));
      assert.ok(outcomes.has('null'), rel);
    }
  });

  test('declared sizes: zero, over libjpeg\'s 65500, over VIPS_MAX_COORD, 2^31-1; a DNL height of 0', async () => {
    const jpeg = readFileSync(fixture('images', 'photos', 'rocket.jpg'));
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    const withSize = (h: number, w: number): Buffer => {
      const b = Buffer.from(jpeg);
      b.writeUInt16BE(h, sof + 5);
      b.writeUInt16BE(w, sof + 7);
      return b;
    };
    for (const [h, w] of [[0, 100], [100, 0], [65535, 65535], [65501, 1], [6400, 4800]] as const) {
      await sharpsAnswerOrNone(withSize(h, w), `jpeg ${w}x${h}`);
    }
    assert.deepEqual(readImageHeader(withSize(4800, 6400))?.width, 6400);
    assert.equal(readImageHeader(withSize(0, 100)), null);
    const png = readFileSync(fixture('images', 'edge', 'palette.png'));
    for (const [w, h] of [[0, 0], [100000, 100000], [1, 2 ** 31 - 1], [10_000_001, 1], [65535, 65535]] as const) {
      const b = Buffer.from(png);
      b.writeUInt32BE(w, 16);
      b.writeUInt32BE(h, 20);
      b.writeUInt32BE(crc(b.subarray(12, 29)), 29);
      await sharpsAnswerOrNone(b, `png ${w}x${h}`);
    }
  });

  test('marker loops, fill bytes, bad lengths, no SOF, two SOFs, a damaged IHDR CRC', async () => {
    const soi = [0xff, 0xd8];
    const loops = [
      [...soi, ...Array.from({ length: 5000 }, () => [0xff, 0xfe, 0x00, 0x02]).flat()], // COM segments of length 2, no end
      [...soi, ...Array(100000).fill(0xff)], // fill bytes only
      [...soi, 0xff, 0xe0, 0x00, 0x00], // length 0
      [...soi, 0xff, 0xe0, 0xff, 0xff, 1, 2, 3], // length past the end
      [...soi, 0xff, 0xda, 0x00, 0x08, 1, 1, 0, 0, 63, 0], // SOS before any SOF
      [...soi, 0xff, 0xd9], // EOI at once
      [...soi, 0x00, 0xff, 0xd9], // garbage between markers
    ];
    for (const [k, b] of loops.entries()) assert.equal(await sharpsAnswerOrNone(Uint8Array.from(b), `loop#${k}`), 'null');
    const jpeg = readFileSync(fixture('images', 'photos', 'rocket.jpg'));
    const sofAt = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    const sofLen = jpeg.readUInt16BE(sofAt + 2);
    const twoSofs = Buffer.concat([jpeg.subarray(0, sofAt + 2 + sofLen), jpeg.subarray(sofAt, sofAt + 2 + sofLen), jpeg.subarray(sofAt + 2 + sofLen)]);
    assert.equal(await sharpsAnswerOrNone(twoSofs, 'two SOFs'), 'null');
    const png = Buffer.from(readFileSync(fixture('images', 'edge', 'palette.png')));
    png[29] = png[29]! ^ 1;
    assert.equal(await sharpsAnswerOrNone(png, 'IHDR CRC'), 'null');
  });

  test('random bytes behind a JPEG or PNG signature', async () => {
    const rand = lcg(12345);
    const sig = [[0xff, 0xd8, 0xff], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]];
    for (let k = 0; k < 200; k++) {
      const head = sig[k % 2]!;
      const b = Uint8Array.from([...head, ...Array.from({ length: 10 + Math.floor(rand() * 400) }, () => Math.floor(rand() * 256))]);
      await sharpsAnswerOrNone(b, `random#${k}`);
    }
  });

  test('flipped bytes in the headers of real files', async () => {
    const rand = lcg(777);
    for (const rel of ['photos/astronaut.jpg', 'edge/gray.jpg', 'edge/cmyk.jpg', 'pipeline/icc-p3.jpg', 'edge/rgba.png', 'edge/grey16.png']) {
      const bytes = readFileSync(fixture('images', rel));
      for (let k = 0; k < 25; k++) {
        const b = Buffer.from(bytes);
        const at = Math.floor(rand() * Math.min(b.length, 700));
        b[at] = Math.floor(rand() * 256);
        await sharpsAnswerOrNone(b, `${rel} byte ${at}`);
      }
    }
  });
});

/** A small deterministic generator (numerical recipes' LCG), so every run tests the same bytes. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) >>> 0;
    return state / 2 ** 32;
  };
}

function crc(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
