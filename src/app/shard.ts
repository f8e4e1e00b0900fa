/**
 * `--shard i/n`: which inputs one of n CI jobs takes. Pure.
 *
 * An input belongs to shard `1 + (h mod n)`, where h is the first 48 bits of SHA-256 over its key
 * (UTF-8). Deciding by a hash of the key, not by position in the sorted list, keeps every existing
 * input in its shard when files are added or removed: only the new files land somewhere, so a
 * shard's result stays comparable from one day to the next. Shards are numbered from 1, as in
 * Playwright's and Jest's `--shard`, so a CI matrix `shard: [1, 2, 3]` passes straight through.
 */
import { createHash } from 'node:crypto';
import { expected, UsageError } from '../errors.js';

export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

/** What a report records about its shard (a report model: report/ imports nothing from app/). */
export type { ShardRecord } from '../report/model/compare.js';

export const SHARD_RULE = 'sha256(key) mod count' as const;

/** Parses `i/n` (1 ≤ i ≤ n). @throws UsageError (exit 2) on anything else. */
export function parseShard(value: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index < 1 || index > count) {
    throw new UsageError(expected('i/n with 1 <= i <= n, e.g. 2/3', '--shard', value));
  }
  return { index, count };
}

/** The shard (1-based) a key belongs to among `count`. */
export function shardOf(key: string, count: number): number {
  const digest = createHash('sha256').update(key, 'utf8').digest();
  // 48 bits fit a double exactly, so the modulo is exact integer arithmetic.
  return 1 + (digest.readUIntBE(0, 6) % count);
}

/** The entries of one shard, in their original order. */
export function takeShard<T extends { readonly key: string }>(entries: readonly T[], shard: Shard): T[] {
  return entries.filter((e) => shardOf(e.key, shard.count) === shard.index);
}
