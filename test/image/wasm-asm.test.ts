/**
 * PreparedModule (src/image/wasm-asm.ts): a kernel compiled in the background before its first use
 * must be the very module a synchronous compile gives, assembled once, and a module the engine
 * refuses must come back as null (the kernels then fall back) without an unhandled rejection.
 * The test module is hand-written: add(a, b) = a + b, and the memory it imports (env.mem).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countedLoop, I32, PreparedModule, instantiateWithMemory, name, op, section, uleb, vec } from '../../src/image/wasm-asm.js';

function adder(): Uint8Array {
  const body = [...vec([]), ...op.get(0), ...op.get(1), ...op.add, ...op.end];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[I32], [I32]]), ...vec([[I32]])]])),
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('add'), 0x00, 0x00]])),
    ...section(10, vec([[body.length, ...body]])),
  ]);
}

test('prepared (compiled in the background) and unprepared modules run alike; the bytes are assembled once', async () => {
  let assembled = 0;
  const count = (): Uint8Array => { assembled++; return adder(); };
  const early = new PreparedModule(count);
  early.prepare();
  early.prepare();
  await new Promise((r) => setTimeout(r, 50));
  const a = early.instantiate();
  const late = new PreparedModule(count).instantiate();
  assert.ok(a && late);
  assert.equal((a.exports.add as (x: number, y: number) => number)(20, 22), 42);
  assert.equal((late.exports.add as (x: number, y: number) => number)(-5, 3), -2);
  assert.equal(assembled, 2, 'once per module, whether prepared or not');
  assert.ok(a.memory.buffer.byteLength >= 65536, 'its own memory, one page to start');
});

test('a module the engine refuses: prepare() does not throw or leave a rejection, instantiate() gives null', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => { unhandled.push(reason); };
  process.on('unhandledRejection', onUnhandled);
  try {
    const bad = new PreparedModule(() => Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x03, 0x01, 0x60]));
    bad.prepare();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(bad.instantiate(), null);
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('countedLoop: the body runs for counter = start, start + step, ... while below the limit', () => {
  // f(start, limit, step) = Σ counter over the loop (hand computation below), and how many times the body ran.
  const P = { start: 0, limit: 1, step: 2 };
  const L = { i: 3, sum: 4, runs: 5 };
  // The step is an immediate in countedLoop: one function per step, exported as s1, s3.
  const fn = (step: number) => {
    const body = [
      ...vec([[...uleb(3), I32]]),
      ...op.get(P.start), ...op.set(L.i),
      ...countedLoop(L.i, op.get(P.limit), step, [
        ...op.get(L.sum), ...op.get(L.i), ...op.add, ...op.set(L.sum),
        ...op.get(L.runs), ...op.const(1), ...op.add, ...op.set(L.runs),
      ]),
      ...op.get(L.sum), ...op.const(1000), ...op.mul, ...op.get(L.runs), ...op.add,
      ...op.end,
    ];
    return [...uleb(body.length), ...body];
  };
  const bytes = Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32]]), ...vec([[I32]])]])),
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0], [0]])),
    ...section(7, vec([[...name('s1'), 0x00, 0x00], [...name('s3'), 0x00, 0x01]])),
    ...section(10, vec([fn(1), fn(3)])),
  ]);
  const made = instantiateWithMemory(bytes);
  assert.ok(made);
  const s1 = made.exports.s1 as (a: number, b: number, c: number) => number;
  const s3 = made.exports.s3 as (a: number, b: number, c: number) => number;
  assert.equal(s1(0, 5, 0), (0 + 1 + 2 + 3 + 4) * 1000 + 5);
  assert.equal(s3(2, 11, 0), (2 + 5 + 8) * 1000 + 3);
  assert.equal(s1(4, 4, 0), 0, 'a limit already reached: the body never runs');
  assert.equal(s1(-2, 1, 0), (-2 - 1 + 0) * 1000 + 3, 'a signed compare');
});

