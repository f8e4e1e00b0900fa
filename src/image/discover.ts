import { readdir, realpath, stat } from 'node:fs/promises';
import type { Dirent, Stats } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';

import { InputError, UsageError } from '../errors.js';
import { describeReadError } from '../read-error.js';
import { fileKind } from '../io/read-file.js';
import { globDepth, globToRegExp, hasGlobMagic, splitGlob } from './glob.js';

/** Extensions taken when scanning a folder or a glob (compared case-insensitively). */
const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff', '.gif', '.avif'];

/** One image to feed, and the name that identifies it across machines and saved runs. */
export interface DiscoveredImage {
  /** The file path, built from the argument as given (relative stays relative), in the platform's form. */
  readonly path: string;
  /**
   * Stable identifier: for a folder argument the path relative to that folder ('/'-separated), for a glob
   * the path relative to the glob's static prefix, for a file argument its basename.
   */
  readonly key: string;
  /**
   * Set when the entry was found but cannot be used (a symbolic link loop, an unreadable entry or
   * subfolder): the run reports it as one ERROR row and goes on with the rest.
   */
  readonly error?: string;
}

/** True when `name` ends with one of {@link IMAGE_EXTENSIONS}, whatever its case. */
export function hasImageExtension(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());
}

/**
 * Expand `<image|folder|glob>...` arguments into the images to feed, sorted by key, each file once.
 *
 * - An existing path wins over glob reading, so a file literally named "a[1].jpg" is that file.
 * - A folder is searched **recursively**, into subfolders (symbolic links followed, cycles skipped);
 *   hidden entries (names starting with '.') are skipped, as are files without an image extension.
 * - A glob supports `*`, `?`, `**` and `[...]` classes (see {@link globToRegExp}); only image extensions count.
 * - A file named explicitly is taken whatever its extension (decoding reports it if it is not an image).
 *
 * The same file reached twice keeps its first key. Two different files with one key is a
 * {@link UsageError} naming both, because saved runs are matched by key. A missing path is an
 * {@link InputError}; so is an argument that yields no image ("no images found in …"): a parity check
 * over nothing must never pass.
 */
export async function discoverImages(args: readonly string[]): Promise<DiscoveredImage[]> {
  if (args.length === 0) throw new UsageError('no images given: pass image files, folders or globs');
  const byKey = new Map<string, DiscoveredImage>();
  const seenPaths = new Set<string>();
  for (const arg of args) {
    const found = await expandArgument(arg);
    for (const image of found) {
      const absolute = resolve(image.path);
      if (seenPaths.has(absolute)) continue;
      const other = byKey.get(image.key);
      if (other !== undefined) {
        throw new UsageError(`two images have the same key '${image.key}': ${other.path} and ${image.path}`, {
          hints: ['keys match images across saved runs; give the files distinct names or pass their common parent folder'],
        });
      }
      seenPaths.add(absolute);
      byKey.set(image.key, image);
    }
  }
  // Code-unit order, not localeCompare: the order must not depend on the machine's locale.
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

async function expandArgument(arg: string): Promise<DiscoveredImage[]> {
  const info = await statOrUndefined(arg);
  if (info === undefined) {
    if (hasGlobMagic(arg)) return expandGlob(arg);
    throw new InputError(arg, 'no such file or folder');
  }
  if (info.isDirectory()) {
    const broken = new Map<string, string>();
    const files = await walk(arg, Infinity, false, broken);
    if (files.length === 0) throw noImages(`folder '${arg}' (searched subfolders too)`);
    return files.map((rel) => ({ path: join(arg, ...rel.split('/')), key: rel, ...(broken.has(rel) ? { error: broken.get(rel)! } : {}) }));
  }
  return [{ path: arg, key: basename(arg) }];
}

async function expandGlob(pattern: string): Promise<DiscoveredImage[]> {
  const posix = pattern.replaceAll('\\', '/');
  const { base, rest } = splitGlob(posix);
  const matcher = globToRegExp(rest);
  const root = base === '' ? '.' : base;
  const info = await statOrUndefined(root);
  // Only a pattern that itself names a dot-entry may look into hidden folders (and so into .git).
  const keepHidden = rest.startsWith('.') || rest.includes('/.');
  const files = info?.isDirectory() ? await walk(root, globDepth(rest), keepHidden) : [];
  const images = files
    .filter((rel) => matcher.test(rel))
    .map((rel) => ({ path: base === '' ? join(...rel.split('/')) : join(base, ...rel.split('/')), key: rel }));
  if (images.length === 0) throw noImages(`glob '${pattern}'`);
  return images;
}

function noImages(where: string): InputError {
  return new InputError(undefined, `no images found in ${where}; looked for ${IMAGE_EXTENSIONS.join(' ')}`);
}

/**
 * Image files under `root` as '/'-separated paths relative to it, at most `depth` levels down.
 * `keepHidden` lets a glob decide about dot-names itself; a plain folder scan skips them.
 */
async function walk(root: string, depth: number, keepHidden: boolean, broken: Map<string, string> = new Map()): Promise<string[]> {
  const out: string[] = [];
  const visited = new Set<string>();
  async function visit(dir: string, rel: string, level: number): Promise<void> {
    let entries: Dirent[];
    try {
      const real = await realpath(dir);
      if (visited.has(real)) return; // a symlink loop, or the same folder twice
      visited.add(real);
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (rel === '') throw new InputError(dir, `cannot read folder: ${describeReadError(err)}`, { cause: err });
      // An unreadable subfolder is one ERROR row; the rest of the folder still runs.
      out.push(rel);
      broken.set(rel, `cannot read folder: ${describeReadError(err)}`);
      return;
    }
    for (const entry of entries) {
      if (!keepHidden && entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      const relPath = rel === '' ? entry.name : `${rel}/${entry.name}`;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        let target: Stats | undefined;
        try {
          target = await statOrUndefined(full);
        } catch (err) {
          // A link loop or a link into a folder we may not enter: one ERROR row if it looks like an image.
          if (hasImageExtension(entry.name)) {
            out.push(relPath);
            broken.set(relPath, describeReadError((err as Error).cause ?? err));
          }
          continue;
        }
        isDir = target?.isDirectory() ?? false;
        isFile = target?.isFile() ?? false;
        if (target === undefined && hasImageExtension(entry.name)) {
          // A dangling link named like an image: the user meant a file there; say so in its row.
          out.push(relPath);
          broken.set(relPath, 'a symbolic link to a file that does not exist');
          continue;
        }
        if (target !== undefined && !isDir && !isFile && hasImageExtension(entry.name)) {
          out.push(relPath);
          broken.set(relPath, `not a regular file (${fileKind(target)})`);
          continue;
        }
      } else if (!isDir && !isFile && hasImageExtension(entry.name)) {
        // A FIFO or socket named like an image: one ERROR row, never a read that blocks.
        out.push(relPath);
        broken.set(relPath, 'not a regular file (a FIFO, socket or device)');
        continue;
      }
      if (isDir && level < depth) await visit(full, relPath, level + 1);
      else if (isFile && hasImageExtension(entry.name)) out.push(relPath);
    }
  }
  await visit(root, '', 1);
  return out;
}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new InputError(path, describeReadError(err), { cause: err });
  }
}
