/**
 * The reason part of "FILE: reason" for a file that could not be read.
 *
 * Node's own messages already carry the path ("ENOENT: no such file or directory, open 'x'"),
 * so wrapping them in an InputError that names the file printed the path twice.
 */

/** One short reason for a failed read: "file not found", "is a directory, expected a file", … */
export function describeReadError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'file not found';
  if (code === 'EISDIR') return 'is a directory, expected a file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return `cannot read: ${err instanceof Error ? err.message : String(err)}`;
}
