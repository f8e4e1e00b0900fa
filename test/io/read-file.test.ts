/** Bounded, typed reads (src/io/read-file.ts): special files are refused by type, sizes before allocating. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { InputError } from '../../src/errors.js';
import { readRegularFile } from '../../src/io/read-file.js';

let dir: string;
before(() => { dir = mkdtempSync(join(tmpdir(), 'read-file-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

const refused = (path: string, pattern: RegExp) => (e: unknown): boolean => e instanceof InputError && e.message.startsWith(`${path}: `) && pattern.test(e.message);

test('reads a regular file whole', async () => {
  const p = join(dir, 'a.bin');
  writeFileSync(p, 'hello');
  assert.equal((await readRegularFile(p, { maxBytes: 100 })).toString(), 'hello');
});

test('a FIFO with no writer is refused at once (it used to hang forever)', { timeout: 5000 }, async () => {
  const p = join(dir, 'fifo');
  execFileSync('mkfifo', [p]);
  await assert.rejects(readRegularFile(p, { maxBytes: 100 }), refused(p, /not a regular file \(a FIFO\)/));
});

test('/dev/zero is refused by type, not read until the heap dies', async () => {
  await assert.rejects(readRegularFile('/dev/zero', { maxBytes: 100 }), refused('/dev/zero', /not a regular file \(a character device\)/));
});

test('a directory, a socket, a link loop and a missing file each get their reason', async () => {
  await assert.rejects(readRegularFile(dir, { maxBytes: 100 }), refused(dir, /is a directory/));
  const sock = join(dir, 'sock');
  const server = createServer();
  await new Promise<void>((r) => server.listen(sock, () => r()));
  try {
    await assert.rejects(readRegularFile(sock, { maxBytes: 100 }), refused(sock, /not a regular file/));
  } finally {
    server.close();
  }
  const loop = join(dir, 'loop');
  symlinkSync(loop, loop);
  await assert.rejects(readRegularFile(loop, { maxBytes: 100 }), refused(loop, /symbolic link loop/));
  await assert.rejects(readRegularFile(join(dir, 'nope'), { maxBytes: 100 }), refused(join(dir, 'nope'), /no such file or directory/));
});

test('a file over the limit is refused with both sizes before it is read', async () => {
  const p = join(dir, 'big.bin');
  writeFileSync(p, Buffer.alloc(3000));
  await assert.rejects(readRegularFile(p, { maxBytes: 2048, what: 'image file' }), refused(p, /image file is 2\.93 KiB, over the limit of 2 KiB/));
});

test('noFollow refuses a link as the last component', async () => {
  const target = join(dir, 't.json');
  writeFileSync(target, '{}');
  const link = join(dir, 'l.json');
  symlinkSync(target, link);
  await assert.rejects(readRegularFile(link, { maxBytes: 100, noFollow: true }), refused(link, /symbolic link; refused/));
});
