import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { measure } from '../../src/bench/measure.js';

/** A fake clock that advances by `step` ms on every run. */
function fakeRun(step: number) {
  let t = 0;
  let calls = 0;
  return {
    now: () => t,
    run: async () => { calls++; t += step; return calls; },
    calls: () => calls,
  };
}

describe('measure (trtexec model)', () => {
  test('warm-up runs are time-based and not counted', async () => {
    const f = fakeRun(50);
    const m = await measure(f.run, { warmupMs: 200, iterations: 3, durationMs: 0 }, f.now);
    assert.equal(m.warmupRuns, 4); // 0,50,100,150 < 200 -> 4 runs
    assert.equal(m.warmupMs, 200);
    assert.deepEqual(m.samples, [5, 6, 7]); // the measured runs are the 5th..7th calls
  });

  test('iterations is a minimum when duration is short', async () => {
    const f = fakeRun(10);
    const m = await measure(f.run, { warmupMs: 0, iterations: 10, durationMs: 5 }, f.now);
    assert.equal(m.samples.length, 10);
    assert.equal(m.measuredMs, 100);
  });

  test('duration is a minimum when iterations are few', async () => {
    const f = fakeRun(10);
    const m = await measure(f.run, { warmupMs: 0, iterations: 2, durationMs: 95 }, f.now);
    assert.equal(m.samples.length, 10); // needs 100 >= 95 ms
    assert.equal(m.warmupRuns, 0);
  });

  test('maxIterations caps a very fast run', async () => {
    const f = fakeRun(0.001);
    const m = await measure(f.run, { warmupMs: 0, iterations: 1, durationMs: 1000, maxIterations: 50 }, f.now);
    assert.equal(m.samples.length, 50);
  });
});
