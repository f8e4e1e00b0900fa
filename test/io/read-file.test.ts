/** Bounded, typed reads (src/io/read-file.ts): special files are refused by type, sizes before allocating. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { InputError } from '../../src/errors.js';
import { readRegularFile, readRegularFileSync } from '../../src/io/read-file.js';

let dir: string;
before(() => { dir = mkdtempSync(join(tmpdir(), 'read-file-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

const refused = (path: string, pattern: RegExp) => (e: unknown): boolean => e instanceof InputError && e.message.startsWith(`${path}: `) && pattern.test(e.message);

// Both readers make the same refusals with the same messages: the asynchronous one (models, reports,
// manifests) and the one on the calling thread (images).
const readers = [
  ['readRegularFile', readRegularFile],
  ['readRegularFileSync', async (path: string, options: Parameters<typeof readRegularFileSync>[1]) => readRegularFileSync(path, options)],
] as const;

for (const [name, read] of readers) {
  // Each reader's files in a folder of their own (the FIFO, socket and links are made per reader).
  const own = (file: string): string => join(dir, `${name}-${file}`);
  test(`${name}: reads a regular file whole`, async () => {
    const p = own('a.bin');
    writeFileSync(p, 'hello');
    assert.equal((await read(p, { maxBytes: 100 })).toString(), 'hello');
  });

  test(`${name}: a FIFO with no writer is refused at once (it used to hang forever)`, { timeout: 5000 }, async () => {
    const p = own('fifo');
    execFileSync('mkfifo', [p]);
    await assert.rejects(read(p, { maxBytes: 100 }), refused(p, /not a regular file \(a FIFO\)/));
  });

  test(`${name}: /dev/zero is refused by type, not read until the heap dies`, async () => {
    await assert.rejects(read('/dev/zero', { maxBytes: 100 }), refused('/dev/zero', /not a regular file \(a character device\)/));
  });

  test(`${name}: a directory, a socket, a link loop and a missing file each get their reason`, async () => {
    await assert.rejects(read(dir, { maxBytes: 100 }), refused(dir, /is a directory/));
    const sock = own('sock');
    const server = createServer();
    await new Promise<void>((r) => server.listen(sock, () => r()));
    try {
      await assert.rejects(read(sock, { maxBytes: 100 }), refused(sock, /not a regular file/));
    } finally {
      server.close();
    }
    const loop = own('loop');
    symlinkSync(loop, loop);
    await assert.rejects(read(loop, { maxBytes: 100 }), refused(loop, /symbolic link loop/));
    await assert.rejects(read(own('nope'), { maxBytes: 100 }), refused(own('nope'), /no such file or directory/));
  });

  test(`${name}: a file over the limit is refused with both sizes before it is read`, async () => {
    const p = own('big.bin');
    writeFileSync(p, Buffer.alloc(3000));
    await assert.rejects(read(p, { maxBytes: 2048, what: 'image file' }), refused(p, /image file is 2\.93 KiB, over the limit of 2 KiB/));
  });

  test(`${name}: noFollow refuses a link as the last component`, async () => {
    const target = own('t.json');
    writeFileSync(target, '{}');
    const link = own('l.json');
    symlinkSync(target, link);
    await assert.rejects(read(link, { maxBytes: 100, noFollow: true }), refused(link, /symbolic link; refused/));
  });
}
