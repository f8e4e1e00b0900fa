/** Bounded .npy reading (src/io/npy-file.ts): the header's promise is checked before the data is read. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { InputError } from '../../src/errors.js';
import { readNpyFile } from '../../src/io/npy-file.js';
import { fixture } from '../helpers/paths.js';

let dir: string;
before(() => { dir = mkdtempSync(join(tmpdir(), 'npy-file-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

function npy(dict: string, data: Buffer): Buffer {
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const h = Buffer.alloc(total, 0x20);
  Buffer.from('\x93NUMPY\x01\x00', 'latin1').copy(h);
  h.writeUInt16LE(total - 10, 8);
  Buffer.from(dict, 'latin1').copy(h, 10);
  h[total - 1] = 0x0a;
  return Buffer.concat([h, data]);
}

test('reads a numpy-written fixture', async () => {
  const t = await readNpyFile(fixture('npy', 'float32.npy'));
  assert.equal(t.dtype, 'float32');
});

test('a header promising 4e15 bytes is refused from its first bytes, naming the file and the shape', async () => {
  const p = join(dir, 'huge.npy');
  writeFileSync(p, npy("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 100000), }", Buffer.alloc(16)));
  await assert.rejects(readNpyFile(p), (e: unknown) => e instanceof InputError && e.message.startsWith(`${p}: tensor [100000,100000,100000] of float32 is 3.55 PiB, over the limit`));
});

test('a header that promises more data than the file holds is truncated, said before reading it', async () => {
  const p = join(dir, 'short.npy');
  writeFileSync(p, npy("{'descr': '<f4', 'fortran_order': False, 'shape': (10,), }", Buffer.alloc(8)));
  await assert.rejects(readNpyFile(p), /truncated: shape \[10\] of float32 needs 40 bytes of data, found 8/);
});

test('a .npy under --max-tensor-bytes is read; over it, refused', async () => {
  const p = join(dir, 'ok.npy');
  writeFileSync(p, npy("{'descr': '<f4', 'fortran_order': False, 'shape': (10,), }", Buffer.alloc(40)));
  assert.equal((await readNpyFile(p, { maxBytes: 40 })).shape[0], 10);
  await assert.rejects(readNpyFile(p, { maxBytes: 39 }), /over the limit of 39 bytes/);
});

test('a .npy that links to /dev/zero is refused by type', async () => {
  const p = join(dir, 'zero.npy');
  symlinkSync('/dev/zero', p);
  await assert.rejects(readNpyFile(p), (e: unknown) => e instanceof InputError && /not a regular file \(a character device\)/.test(e.message));
});
