import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseShard, shardOf, takeShard } from '../../src/app/shard.js';
import { UsageError } from '../../src/errors.js';

// Oracle: Python 3.11's hashlib, independent of our code:
//   h = int.from_bytes(hashlib.sha256(key.encode()).digest()[:6], 'big'); shard = h % n + 1
const ORACLE: readonly [string, readonly [number, number, number]][] = [
  ['astronaut.jpg', [1, 1, 5]],
  ['chelsea.jpg', [2, 2, 6]],
  ['coffee.jpg', [2, 2, 7]],
  ['rocket.jpg', [2, 1, 3]],
  ['a/b/c.png', [1, 2, 5]],
  ['ünïcode.jpg', [1, 3, 4]],
];

test('shardOf matches sha256(key)[:6] mod n + 1 computed by Python for n = 2, 3, 7', () => {
  for (const [key, want] of ORACLE) assert.deepEqual([2, 3, 7].map((n) => shardOf(key, n)), want, key);
});

test('parseShard reads i/n (1-based) and refuses anything else with exit 2', () => {
  assert.deepEqual(parseShard('2/3'), { index: 2, count: 3 });
  assert.deepEqual(parseShard(' 1 / 1 '), { index: 1, count: 1 });
  for (const bad of ['0/3', '4/3', '1/0', 'a/b', '2', '1/3/4', '-1/3', '1.5/3', '']) {
    assert.throws(() => parseShard(bad), (e: unknown) => e instanceof UsageError && e.exitCode === 2 && e.message.includes('--shard'), bad);
  }
});

test('the shards of a run partition its inputs, and adding files moves no existing input', () => {
  const keys = Array.from({ length: 500 }, (_, i) => ({ key: `img/${String(i).padStart(5, '0')}.jpg` }));
  const parts = [1, 2, 3].map((index) => takeShard(keys, { index, count: 3 }));
  assert.equal(parts.reduce((n, p) => n + p.length, 0), keys.length, 'every input in exactly one shard');
  assert.equal(new Set(parts.flat().map((e) => e.key)).size, keys.length);
  // Roughly even: each share within 20% of a third (a hash, not a round-robin).
  for (const p of parts) assert.ok(Math.abs(p.length - keys.length / 3) < keys.length / 15, `share ${p.length}`);
  const grown = [...keys, ...Array.from({ length: 100 }, (_, i) => ({ key: `new/${i}.png` }))].sort((a, b) => (a.key < b.key ? -1 : 1));
  for (let index = 1; index <= 3; index++) {
    const before = new Set(parts[index - 1]!.map((e) => e.key));
    const after = takeShard(grown, { index, count: 3 }).filter((e) => e.key.startsWith('img/'));
    assert.deepEqual(new Set(after.map((e) => e.key)), before, `shard ${index} keeps its inputs`);
  }
});
