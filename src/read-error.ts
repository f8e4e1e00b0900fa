/**
 * The wording of file errors, in one place: every "FILE: reason" for a file or directory that could
 * not be read or used says the same thing for the same case.
 *
 * Node's own messages already carry the path ("ENOENT: no such file or directory, open 'x'"),
 * so wrapping them in an InputError that names the file printed the path twice.
 */

/** The reason for a path that does not exist, whether a file or a directory was expected. */
export const NOT_FOUND = 'no such file or directory';

/** One short reason for a failed read or stat: "no such file or directory", "is a directory, expected a file", … */
export function describeReadError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return NOT_FOUND;
  if (code === 'EISDIR') return 'is a directory, expected a file';
  if (code === 'ENOTDIR') return 'is not a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'a symbolic link loop (too many levels of links)';
  // open() of a Unix socket fails with ENXIO on Linux (EOPNOTSUPP on macOS).
  if (code === 'ENXIO' || code === 'EOPNOTSUPP') return 'not a regular file (a socket or a device with nothing behind it)';
  if (code === 'ENAMETOOLONG') return 'file name too long';
  return `cannot read: ${err instanceof Error ? err.message : String(err)}`;
}
