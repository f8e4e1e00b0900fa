import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BaseBackend, type MeasuredRun } from '../../src/backends/base-backend.js';
import { BackendError, InputError } from '../../src/errors.js';
import type { TensorInfo, TensorMap } from '../../src/tensor/types.js';

const f32 = (shape: number[]) => ({ dtype: 'float32' as const, shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });

/** A backend that sleeps `ms`, reports `computeMs`, and counts what reached it. */
class Sleeper extends BaseBackend {
  readonly name = 'sleeper';
  readonly source = 'sleep.model';
  readonly outputs: readonly TensorInfo[] = [];
  runs = 0;
  disposals = 0;
  constructor(readonly inputs: readonly TensorInfo[] | null, private readonly ms = 20) {
    super();
  }
  protected async runImpl(feeds: TensorMap): Promise<MeasuredRun> {
    this.runs++;
    await new Promise((r) => setTimeout(r, this.ms));
    return { outputs: feeds, timing: { computeMs: 1.5 } };
  }
  protected async disposeImpl(): Promise<void> {
    this.disposals++;
  }
}

const X: TensorInfo = { name: 'x', dtype: 'float32', shape: ['n', 3] };

describe('BaseBackend', () => {
  test('times the whole call from JavaScript and keeps the backend\'s own compute time', async () => {
    const b = new Sleeper([X], 20);
    const r = await b.run(new Map([['x', f32([2, 3])]]), 'k');
    assert.ok(r.timing.wallMs >= 19, `wallMs ${r.timing.wallMs} covers the 20 ms sleep`);
    assert.equal(r.timing.computeMs, 1.5);
  });

  test('feeds are checked against the declared inputs before the backend runs', async () => {
    const b = new Sleeper([X], 0);
    const err = (message: string) => (e: unknown) => e instanceof InputError && e.exitCode === 2 && e.message === message;
    await assert.rejects(b.run(new Map([['y', f32([1, 3])]]), 'k'), err("k: 'y' is not an input of sleep.model (inputs: x)"));
    await assert.rejects(b.run(new Map(), 'k'), err("k: sleep.model needs input 'x' [n,3], which was not given (given: none)"));
    await assert.rejects(b.run(new Map([['x', f32([1, 4])]]), 'k'), err("k: input 'x' has shape [1,4], but sleep.model wants [n,3]"));
    await assert.rejects(b.run(new Map([['x', f32([3])]]), 'k'), err("k: input 'x' has shape [3], but sleep.model wants [n,3]"));
    assert.equal(b.runs, 0, 'the backend never saw a bad feed');
    // A dynamic dim takes any size.
    await b.run(new Map([['x', f32([7, 3])]]), 'k');
    assert.equal(b.runs, 1);
  });

  test('a backend without input metadata checks nothing here', async () => {
    const b = new Sleeper(null, 0);
    await b.run(new Map([['anything', f32([1])]]), 'k');
    assert.equal(b.runs, 1);
  });

  test('dispose runs once; a run after it is refused with the disposed error', async () => {
    const b = new Sleeper([X], 0);
    const [p1, p2] = [b.dispose(), b.dispose()];
    assert.equal(p1, p2);
    await p1;
    assert.equal(b.disposals, 1);
    assert.equal(b.disposed, true);
    await assert.rejects(b.run(new Map([['x', f32([1, 3])]]), 'k'), (e: unknown) => e instanceof BackendError && e.reason === 'disposed' && e.exitCode === 3);
    assert.equal(b.runs, 0);
  });
});
