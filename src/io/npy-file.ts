/**
 * Reading a .npy file from disk, bounded: the header is read first, and the data size it promises
 * is checked against the tensor limit and against the file's real size before the data is allocated.
 * A header that promises 10^20 elements, or a file that links to /dev/zero, costs a few bytes.
 */
import { InputError } from '../errors.js';
import { type ReadNpyOptions, NPY_PREFIX_BYTES, npyHeaderEnd, readNpy, readNpyLayout } from '../tensor/npy.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/types.js';
import { DEFAULT_MAX_TENSOR_BYTES, formatBytes } from './limits.js';
import { openRegularFile, readExactly } from './read-file.js';

/** Headers numpy writes are under 64 KiB; 1 MiB leaves room for absurd shapes and refuses the rest. */
const MAX_NPY_HEADER_BYTES = 1024 * 1024;

export interface ReadNpyFileOptions extends ReadNpyOptions {
  /** Refuse data larger than this (default DEFAULT_MAX_TENSOR_BYTES). */
  readonly maxBytes?: number;
  /** Refuse a symbolic link as the last component (saved runs). */
  readonly noFollow?: boolean;
}

/** @throws InputError naming `path` for anything that is not a usable .npy file within the limit. */
export async function readNpyFile(path: string, options: ReadNpyFileOptions = {}): Promise<Tensor> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_TENSOR_BYTES;
  const { handle, size } = await openRegularFile(path, options.noFollow ? { noFollow: true } : {});
  try {
    const prefix = await readExactly(handle, path, 0, Math.min(size, NPY_PREFIX_BYTES));
    const headerEnd = npyHeaderEnd(prefix, path);
    if (headerEnd > size) throw new InputError(path, `not a usable .npy file: header claims ${headerEnd} bytes but the file has ${size}`);
    if (headerEnd > MAX_NPY_HEADER_BYTES) throw new InputError(path, `not a usable .npy file: a ${formatBytes(headerEnd)} header (numpy writes under 64 KiB)`);
    const head = await readExactly(handle, path, 0, headerEnd);
    const layout = readNpyLayout(head, path, options.dtype ? { dtype: options.dtype } : {});
    const what = `${formatShape(layout.shape)} of ${layout.dtype}`;
    if (layout.dataBytes > maxBytes) {
      const bytes = Number.isFinite(layout.dataBytes) ? formatBytes(layout.dataBytes) : 'more bytes than can be counted';
      throw new InputError(path, `tensor ${what} is ${bytes}, over the limit of ${formatBytes(maxBytes)}`, {
        hints: ['raise --max-tensor-bytes if this machine has the memory'],
      });
    }
    const have = size - headerEnd;
    if (have < layout.dataBytes) throw new InputError(path, `not a usable .npy file: truncated: shape ${what} needs ${layout.dataBytes} bytes of data, found ${have}`);
    if (have > layout.dataBytes) throw new InputError(path, `not a usable .npy file: ${have - layout.dataBytes} unexpected bytes after the data of shape ${formatShape(layout.shape)}`);
    const bytes = await readExactly(handle, path, 0, size);
    return readNpy(bytes, path, options.dtype ? { dtype: options.dtype } : {});
  } finally {
    await handle.close().catch(() => {});
  }
}
