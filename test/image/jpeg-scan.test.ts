/**
 * checkJpegScan against libjpeg itself (through sharp, one decode at a time so that its messages are
 * its own): a scan is 'short' exactly where libjpeg has to invent data, which shows as pixels that
 * differ from the intact file's (decoded with failOn 'none') or as its "premature end" warning.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';

import { checkJpegScan } from '../../src/image/jpeg-scan.js';
import { fixture } from '../helpers/paths.js';

const EOI = Buffer.from([0xff, 0xd9]);
const read = (rel: string): Buffer => readFileSync(fixture('images', rel));

/** The frame header's height and width replaced (what the hostile corpus's "liar" files do). */
function withFrameSize(jpeg: Buffer, h: number, w: number): Buffer {
  const out = Buffer.from(jpeg);
  const at = out.indexOf(Buffer.from([0xff, 0xc0]));
  out.writeUInt16BE(h, at + 5);
  out.writeUInt16BE(w, at + 7);
  return out;
}

/** libjpeg's view: did it warn about missing data, and what pixels did it make (failOn 'none'). */
async function libjpeg(bytes: Uint8Array): Promise<{ warned: boolean; pixels: Buffer | null }> {
  const warned = await sharp(bytes, { failOn: 'warning' }).raw().toBuffer().then(() => false, (e: Error) => /premature end/i.test(e.message));
  const pixels = await sharp(bytes, { failOn: 'none' }).raw().toBuffer().catch(() => null);
  return { warned, pixels };
}

describe('checkJpegScan: intact files', () => {
  for (const rel of ['photos/astronaut.jpg', 'photos/chelsea.jpg', 'photos/coffee.jpg', 'photos/rocket.jpg', 'edge/gray.jpg', 'edge/exif-rot6.jpg', 'pipeline/q444.jpg', 'pipeline/icc-p3.jpg', 'pipeline/exif-rot8.jpg']) {
    test(`${rel} is complete`, () => assert.equal(checkJpegScan(read(rel)), 'complete'));
  }

  test('generated baseline files of odd sizes, every subsampling, grey and CMYK are complete', async () => {
    for (const [w, h] of [[1, 1], [17, 9], [33, 65], [640, 7]] as const) {
      const img = sharp({ create: { width: w, height: h, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } });
      for (const chromaSubsampling of ['4:2:0', '4:4:4'] as const) {
        assert.equal(checkJpegScan(await img.clone().jpeg({ chromaSubsampling }).toBuffer()), 'complete', `${w}x${h} ${chromaSubsampling}`);
      }
      assert.equal(checkJpegScan(await img.clone().grayscale().jpeg().toBuffer()), 'complete', `${w}x${h} grey`);
      assert.equal(checkJpegScan(await img.clone().toColourspace('cmyk').jpeg().toBuffer()), 'complete', `${w}x${h} cmyk`);
    }
  });

  test('progressive and non-JPEG bytes are unknown (the caller keeps its other rule)', async () => {
    assert.equal(checkJpegScan(read('pipeline/progressive.jpg')), 'unknown');
    assert.equal(checkJpegScan(read('edge/palette.png')), 'unknown');
    assert.equal(checkJpegScan(new Uint8Array(0)), 'unknown');
  });
});

describe('checkJpegScan: missing data, as libjpeg sees it', () => {
  test('a header promising more rows or columns than the scan holds is short; fewer is complete', async () => {
    for (const rel of ['photos/rocket.jpg', 'pipeline/q444.jpg', 'edge/gray.jpg']) {
      const jpeg = read(rel);
      const { width = 0, height = 0 } = await sharp(jpeg).metadata();
      for (const [h, w] of [[height + 8, width], [height + 16, width], [height + 40, width], [height * 2, width], [height, width + 64], [4800, 6400], [2, 2]] as const) {
        const liar = withFrameSize(jpeg, h, w);
        const verdict = checkJpegScan(liar);
        const { warned, pixels } = await libjpeg(liar);
        // libjpeg warned, or (in the last 8-row strip, where libvips does not look) zero-filled: grey 128.
        const lastPixelGrey = pixels?.subarray(-3).every((v) => v === 128) === true;
        assert.equal(verdict === 'short', warned || lastPixelGrey, `${rel} as ${w}x${h}: ${verdict}, libjpeg warned ${warned}, grey corner ${lastPixelGrey}`);
      }
    }
  });

  test('cut anywhere in the scan, with or without an EOI after the cut: short exactly when the pixels change', async () => {
    for (const rel of ['photos/chelsea.jpg', 'edge/gray.jpg', 'pipeline/q444.jpg']) {
      const jpeg = read(rel);
      const intact = await sharp(jpeg).raw().toBuffer();
      const sos = jpeg.indexOf(Buffer.from([0xff, 0xda]));
      const step = Math.max(1, Math.floor((jpeg.length - sos) / 40));
      // Down to the last bytes too: the final MCU's bits end just before the EOI.
      const tail = [1, 2, 3, 4, 6, 8, 12].map((k) => jpeg.length - 2 - k);
      const cuts = [...Array.from({ length: 40 }, (_, k) => sos + 20 + k * step), ...tail];
      for (const at of cuts.filter((c) => c < jpeg.length - 2)) {
        const closed = Buffer.concat([jpeg.subarray(0, at), EOI]);
        const verdict = checkJpegScan(closed);
        const { warned, pixels } = await libjpeg(closed);
        const changed = pixels === null || !pixels.equals(intact);
        const what = `${rel} cut at ${at}/${jpeg.length}: ${verdict}, changed ${changed}, warned ${warned}`;
        if (verdict === 'short') {
          // Zero-filled bits can equal the lost ones (the last bits of a final EOB code, say); libjpeg
          // then warns, but libvips does not look at a warning from the last strip, so neither signal
          // shows. Only a cut in the last bytes can do that.
          assert.ok(changed || warned || tail.includes(at), what);
        } else {
          assert.ok(!changed && !warned, what);
        }
        assert.equal(checkJpegScan(jpeg.subarray(0, at)), 'short', `${rel} cut at ${at} without EOI`);
      }
    }
  });

  test('bytes after the scan, or between header segments (libjpeg: "extraneous bytes"), leave it complete', async () => {
    const jpeg = read('photos/coffee.jpg');
    const padded = Buffer.concat([jpeg.subarray(0, jpeg.length - 2), Buffer.alloc(64, 0x00), EOI]);
    assert.equal(checkJpegScan(padded), 'complete');
    const dht = jpeg.indexOf(Buffer.from([0xff, 0xc4]));
    const garbage = Buffer.concat([jpeg.subarray(0, dht), Buffer.from([1, 2, 3]), jpeg.subarray(dht)]);
    assert.equal(checkJpegScan(garbage), 'complete');
    // libjpeg warns about the second one while reading the header, so a decode under failOn 'warning'
    // fails and decode.ts must tell it from missing data.
    await assert.rejects(sharp(garbage, { failOn: 'warning' }).raw().toBuffer(), /extraneous bytes/);
  });
});
