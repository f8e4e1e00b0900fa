/**
 * A small glob matcher for image arguments (Node 20 has no fs.glob, and we take no dependency for it).
 *
 * Pure: it compiles patterns and splits off their static prefix; walking the file system is the
 * caller's job (see discover.ts). Patterns use '/' as the separator on every platform.
 */

/** True when `s` holds a glob metacharacter (`*`, `?` or `[`). */
export function hasGlobMagic(s: string): boolean {
  return /[*?[]/.test(s);
}

/** A glob pattern cut in two: the leading folders without metacharacters, and the rest. */
export interface GlobParts {
  /** Folder to start walking from: '' when the pattern starts with a metacharacter, '/' for an absolute root. */
  readonly base: string;
  /** The pattern relative to `base`, e.g. "**\/*.jpg". Never empty for a pattern that has magic. */
  readonly rest: string;
}

/**
 * Split a pattern at its last static folder: "data/val/**\/*.jpg" → base "data/val", rest "**\/*.jpg".
 * Image keys from a glob are paths relative to `base`, so they do not depend on where the data set lives.
 */
export function splitGlob(pattern: string): GlobParts {
  const segments = pattern.split('/');
  let i = 0;
  while (i < segments.length - 1 && !hasGlobMagic(segments[i]!)) i++;
  const baseSegments = segments.slice(0, i);
  let base = baseSegments.join('/');
  if (base === '' && pattern.startsWith('/')) base = '/';
  return { base, rest: segments.slice(i).join('/') };
}

/**
 * Compile a glob (relative to its base, '/'-separated) into an anchored RegExp over '/'-separated paths.
 *
 * - `*` any run of characters within one path segment, `?` one such character;
 * - `**` as a whole segment: zero or more segments (so "**\/*.jpg" also matches "a.jpg");
 * - `[abc]`, `[a-z]`, `[!abc]` / `[^abc]`: one character of (or not of) a class; never '/';
 * - a wildcard does not match a leading '.' of a segment, as in a shell: hidden files stay hidden.
 *
 * Matching is case-sensitive, as in POSIX shells. An unclosed '[' is a literal '['.
 */
export function globToRegExp(glob: string): RegExp {
  const segments = glob.split('/');
  let re = '';
  for (let s = 0; s < segments.length; s++) {
    const seg = segments[s]!;
    const last = s === segments.length - 1;
    if (seg === '**') {
      // Zero or more whole segments, none of them hidden; as the last segment it matches everything below.
      re += last ? '(?:(?!\\.)[^/]*(?:/(?!\\.)[^/]*)*)?' : '(?:(?!\\.)[^/]*/)*';
      continue;
    }
    re += segmentToRegExp(seg);
    if (!last) re += '/';
  }
  return new RegExp(`^${re}$`);
}

function segmentToRegExp(seg: string): string {
  let out = '';
  // A wildcard at the start of a segment must not match a leading dot.
  if (seg.length > 0 && (seg[0] === '*' || seg[0] === '?' || seg[0] === '[')) out += '(?!\\.)';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') {
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const close = findClassEnd(seg, i);
      if (close < 0) {
        out += '\\[';
        continue;
      }
      let body = seg.slice(i + 1, close);
      let negate = false;
      if (body.startsWith('!') || body.startsWith('^')) {
        negate = true;
        body = body.slice(1);
      }
      // Inside a class only '\', ']' and '^' need escaping for RegExp; '-' keeps its range meaning.
      const escaped = body.replace(/[\\\]^]/g, '\\$&');
      out += negate ? `[^/${escaped}]` : `(?!/)[${escaped}]`;
      i = close;
    } else {
      out += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
    }
  }
  return out;
}

/** Index of the ']' closing the class opened at `open`, or -1. A ']' right after '[' or '[!' is a member. */
function findClassEnd(seg: string, open: number): number {
  let j = open + 1;
  if (seg[j] === '!' || seg[j] === '^') j++;
  if (seg[j] === ']') j++;
  for (; j < seg.length; j++) if (seg[j] === ']') return j;
  return -1;
}

/** How many folder levels below the base a match can lie: Infinity when the pattern has a `**` segment. */
export function globDepth(rest: string): number {
  const segments = rest.split('/');
  return segments.includes('**') ? Infinity : segments.length;
}
