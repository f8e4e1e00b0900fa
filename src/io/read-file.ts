/**
 * Bounded, typed file reading: the one way trt-parity reads a file the user named.
 *
 * Why not `readFile`: it reads until EOF, so `/dev/zero` grows the heap until the process dies, and
 * on a FIFO with no writer `open` blocks a libuv thread forever (the run hangs). Here:
 * - `open` carries O_NONBLOCK, so a FIFO opens at once and is then refused by its type;
 * - only regular files are read ("not a regular file (a FIFO)", devices, sockets, directories);
 * - the size comes from fstat of the open descriptor (no stat/open race) and is checked against a
 *   limit before a byte is allocated;
 * - exactly that many bytes are read: a file that shrinks while read is an error, one that grows is
 *   read as it was when opened.
 * readRegularFile runs on libuv's thread pool. readRegularFileSync does the same on the calling
 * thread, for small files read many times over in a busy run (images: see its comment).
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { describeReadError } from '../read-error.js';
import { formatBytes } from './limits.js';

export interface ReadOptions {
  /** Refuse a file larger than this many bytes (before allocating). */
  readonly maxBytes: number;
  /** What the file is for, in the over-limit message: "image", ".npy file", "ONNX model"... */
  readonly what?: string;
  /** Refuse a symbolic link as the last path component (saved runs: a link could point anywhere). */
  readonly noFollow?: boolean;
  /** The option that raises the limit, named in the hint. */
  readonly limitOption?: string;
}

/** "a FIFO", "a character device", ... : what a non-regular file is, for "not a regular file (…)". */
export function fileKind(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  if (s.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/** The InputError for a path that exists but is not a regular file. */
export function notRegularFile(path: string, s: Stats): InputError {
  if (s.isDirectory()) return new InputError(path, 'is a directory, expected a file');
  return new InputError(path, `not a regular file (${fileKind(s)})`);
}

/** open(2) flags: never block on a FIFO or device, and optionally refuse a link as the last component. */
function openFlags(noFollow: boolean | undefined): number {
  return constants.O_RDONLY | constants.O_NONBLOCK | (noFollow ? constants.O_NOFOLLOW : 0);
}

/** The InputError for a failed open(2); O_NOFOLLOW on a link gives ELOOP: say what it is, not "too many levels of links". */
function openError(path: string, err: unknown, noFollow: boolean | undefined): InputError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ELOOP' && noFollow) return new InputError(path, 'is a symbolic link; refused here (it could point outside the folder)', { cause: err });
  return new InputError(path, describeReadError(err), { cause: err });
}

/**
 * Opens `path` for reading without blocking on special files, and checks it is a regular file.
 * The caller closes the handle. @throws InputError naming `path`.
 */
export async function openRegularFile(path: string, options: { readonly noFollow?: boolean } = {}): Promise<{ handle: FileHandle; size: number }> {
  let handle: FileHandle;
  try {
    handle = await open(path, openFlags(options.noFollow));
  } catch (err) {
    throw openError(path, err, options.noFollow);
  }
  try {
    const s = await handle.stat();
    if (!s.isFile()) throw notRegularFile(path, s);
    return { handle, size: s.size };
  } catch (err) {
    await handle.close().catch(() => {});
    if (err instanceof InputError) throw err;
    throw new InputError(path, describeReadError(err), { cause: err });
  }
}

/** Reads the whole of a regular file, at most `maxBytes`. @throws InputError naming `path`. */
export async function readRegularFile(path: string, options: ReadOptions): Promise<Buffer> {
  const { handle, size } = await openRegularFile(path, options.noFollow ? { noFollow: true } : {});
  try {
    checkSize(path, size, options);
    return await readExactly(handle, path, 0, size);
  } finally {
    await handle.close().catch(() => {});
  }
}

/**
 * readRegularFile on the calling thread: the same refusals (special files by type, the size before a
 * byte is allocated, a file that shrinks while read), the same messages.
 *
 * For images in a folder run. There the main thread also resizes images and feeds the backends, and
 * libuv's four threads are mostly busy decoding with sharp: the asynchronous read's four round trips
 * (open, fstat, read, close) each wait for a turn of a busy event loop, so images reached the decoder
 * late and cores idled. Read here, a photo from the page cache costs the thread about 0.1 ms. Measured
 * on the 200-photo end-to-end run (2 cores, ONNX Runtime at 1 thread, in-process decode): 2.14 s ->
 * 2.02 s wall (medians of 5 interleaved runs), the same CPU. A FIFO cannot block it: O_NONBLOCK
 * opens one at once, and it is refused by its type before any read.
 */
export function readRegularFileSync(path: string, options: ReadOptions): Buffer {
  let fd: number;
  try {
    fd = openSync(path, openFlags(options.noFollow));
  } catch (err) {
    throw openError(path, err, options.noFollow);
  }
  try {
    const s = fstatSync(fd);
    if (!s.isFile()) throw notRegularFile(path, s);
    checkSize(path, s.size, options);
    const out = Buffer.allocUnsafe(s.size);
    let done = 0;
    while (done < s.size) {
      const n = readSync(fd, out, done, s.size - done, done);
      if (n === 0) throw new InputError(path, `ended after ${done} bytes; it changed while being read`);
      done += n;
    }
    return out;
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(path, describeReadError(err), { cause: err });
  } finally {
    try {
      closeSync(fd);
    } catch {
      // Nothing was written through it: a failed close loses nothing.
    }
  }
}

/** @throws InputError when `size` exceeds the limit. */
export function checkSize(path: string, size: number, options: ReadOptions): void {
  if (size > options.maxBytes) {
    throw new InputError(path, `${options.what ?? 'file'} is ${formatBytes(size)}, over the limit of ${formatBytes(options.maxBytes)}`, {
      ...(options.limitOption ? { hints: [`raise ${options.limitOption} if you trust this file and have the memory`] } : {}),
    });
  }
}

/** Reads `length` bytes at `position`; a file that ends first is an InputError ("changed while reading"). */
export async function readExactly(handle: FileHandle, path: string, position: number, length: number): Promise<Buffer> {
  const out = Buffer.allocUnsafe(length);
  let done = 0;
  try {
    while (done < length) {
      const { bytesRead } = await handle.read(out, done, length - done, position + done);
      if (bytesRead === 0) throw new InputError(path, `ended after ${position + done} bytes; it changed while being read`);
      done += bytesRead;
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(path, describeReadError(err), { cause: err });
  }
  return out;
}
