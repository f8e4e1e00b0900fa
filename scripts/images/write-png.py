#!/usr/bin/python3
"""Write PNG fixtures whose pixel values are known exactly, with no imaging library.

Usage: /usr/bin/python3 scripts/images/write-png.py OUT_DIR

- rgb16.png: 8x2 RGB, 16 bits per sample. Row 0 red = 0, 255, 256, 32767, 32768, 65280, 65534, 65535
  (green = 65535 - red, blue = 4660 = 0x1234); row 1 is row 0 reversed. The values straddle the
  boundaries where "v >> 8" and "round(v / 257)" disagree, so a test can tell which one a decoder uses.
- bomb.png: 20000x20000 1-bit greyscale, all zero: about 50 KB on disk, 400 megapixels decoded.
  It exists to prove the pixel limit refuses it from the header, before any decoding.
- grey16.png: 8x2 greyscale, 16 bits per sample, the values of rgb16.png's red row.
"""
import struct
import sys
import zlib


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width: int, height: int, bit_depth: int, colour_type: int, idat: bytes) -> bytes:
    ihdr = struct.pack('>IIBBBBB', width, height, bit_depth, colour_type, 0, 0, 0)
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) + chunk(b'IDAT', idat) + chunk(b'IEND', b'')


RED16 = [0, 255, 256, 32767, 32768, 65280, 65534, 65535]


def rgb16() -> bytes:
    rows = []
    for row in (RED16, RED16[::-1]):
        raw = b'\x00'  # filter type 0 (None) for this scanline
        for r in row:
            raw += struct.pack('>HHH', r, 65535 - r, 0x1234)
        rows.append(raw)
    return png(len(RED16), 2, 16, 2, zlib.compress(b''.join(rows), 9))


def grey16() -> bytes:
    """8x2 greyscale, 16 bits: the red values of rgb16.png. PIL opens it as mode I;16 and its
    convert('RGB') clips every value above 255 to 255, unlike OpenCV and sharp (high byte)."""
    rows = [b'\x00' + b''.join(struct.pack('>H', v) for v in row) for row in (RED16, RED16[::-1])]
    return png(len(RED16), 2, 16, 0, zlib.compress(b''.join(rows), 9))


def bomb() -> bytes:
    width = height = 20000
    row = b'\x00' * (1 + width // 8)
    comp = zlib.compressobj(9)
    idat = b''.join(comp.compress(row) for _ in range(height)) + comp.flush()
    return png(width, height, 1, 0, idat)


if __name__ == '__main__':
    out = sys.argv[1]
    with open(f'{out}/rgb16.png', 'wb') as f:
        f.write(rgb16())
    with open(f'{out}/grey16.png', 'wb') as f:
        f.write(grey16())
    with open(f'{out}/bomb.png', 'wb') as f:
        f.write(bomb())
