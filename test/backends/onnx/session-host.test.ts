/**
 * One ONNX Runtime worker serves every session open at a time (src/backends/onnx/session-host.ts).
 * Expected numbers come from the models' own definitions (fixtures/models/README.md: affine.onnx is
 * y = x·a + b per channel in float32), not from our code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { OnnxBackend } from '../../../src/backends/onnx/onnx-backend.js';
import { SessionHost, WARM_IDLE_MS } from '../../../src/backends/onnx/session-host.js';
import { BackendError } from '../../../src/errors.js';
import type { Tensor } from '../../../src/tensor/types.js';
import { fixture, repoRoot } from '../../helpers/paths.js';

const model = (name: string) => fixture('models', name);
const A = [0.5, 1.7000000476837158, -3.25];
const B = [0.10000000149011612, -0.20000000298023224, 0.30000001192092896];

function affineInput(h: number, w: number, seed: number): Tensor {
  return { dtype: 'float32', shape: [1, 3, h, w], data: Float32Array.from({ length: 3 * h * w }, (_, i) => Math.fround((i - seed) * 0.25)) };
}

function assertAffine(x: Tensor, y: Tensor | undefined): void {
  assert.ok(y);
  const [, , h, w] = x.shape as [number, number, number, number];
  for (let i = 0; i < x.data.length; i++) {
    const c = Math.floor(i / (h * w));
    assert.equal(y.data[i], Math.fround(Math.fround(Number(x.data[i]) * A[c]!) + B[c]!), `element ${i}`);
  }
}

test('two backends opened at once share one worker, each runs its own session, and one outlives the other', async () => {
  const [a, b] = await Promise.all([OnnxBackend.open(model('affine.onnx')), OnnxBackend.open(model('classifier.onnx'))]);
  let bDisposed = false;
  try {
    assert.equal(a.workerThreadId, b.workerThreadId, 'one worker thread for both sessions');
    // Interleaved runs of both sessions: each answer goes to its own session's caller.
    const xs = [affineInput(2, 3, 1), affineInput(4, 2, 5), affineInput(1, 1, 0)];
    const img: Tensor = { dtype: 'float32', shape: [1, 3, 224, 224], data: new Float32Array(3 * 224 * 224).fill(0.5) };
    const [ra, rb, rc, rd] = await Promise.all([
      a.run(new Map([['x', xs[0]!]]), 'a0'), b.run(new Map([['input', img]]), 'b0'),
      a.run(new Map([['x', xs[1]!]]), 'a1'), a.run(new Map([['x', xs[2]!]]), 'a2'),
    ]);
    assertAffine(xs[0]!, ra.outputs.get('y'));
    assertAffine(xs[1]!, rc.outputs.get('y'));
    assertAffine(xs[2]!, rd.outputs.get('y'));
    assert.deepEqual([...rb.outputs.values()][0]!.shape, [1, 1000]);
    await b.dispose();
    bDisposed = true;
    await assert.rejects(b.run(new Map([['input', img]]), 'late'), (e: unknown) => e instanceof BackendError && e.reason === 'disposed');
    // The worker stays for the session still open.
    const again = await a.run(new Map([['x', xs[0]!]]), 'a3');
    assertAffine(xs[0]!, again.outputs.get('y'));
  } finally {
    await a.dispose();
    if (!bDisposed) await b.dispose();
  }
  // After the last session is released the worker is gone; the next open starts a fresh one that works.
  const c = await OnnxBackend.open(model('affine.onnx'));
  try {
    assert.notEqual(c.workerThreadId, a.workerThreadId);
    const x = affineInput(3, 3, 2);
    assertAffine(x, (await c.run(new Map([['x', x]]), 'c')).outputs.get('y'));
  } finally {
    await c.dispose();
  }
});

test('a model that fails to load does not take down the session it shares the worker with', async () => {
  const a = await OnnxBackend.open(model('affine.onnx'));
  try {
    await assert.rejects(OnnxBackend.open(model('affine.onnx'), { provider: 'no-such-provider' }), (e: unknown) => e instanceof BackendError);
    const x = affineInput(2, 2, 3);
    assertAffine(x, (await a.run(new Map([['x', x]]), 'after')).outputs.get('y'));
  } finally {
    await a.dispose();
  }
});

test('a warmed-up worker is the one the next sessions use, and it ends with the last of them', async () => {
  SessionHost.warm();
  const warmed = SessionHost.acquire().threadId;
  const [a, b] = await Promise.all([OnnxBackend.open(model('affine.onnx')), OnnxBackend.open(model('affine.onnx'))]);
  assert.equal(a.workerThreadId, warmed);
  assert.equal(b.workerThreadId, warmed);
  const x = affineInput(2, 2, 1);
  assertAffine(x, (await a.run(new Map([['x', x]]), 'a')).outputs.get('y'));
  await a.dispose();
  await b.dispose();
  const c = await OnnxBackend.open(model('affine.onnx'));
  try {
    assert.notEqual(c.workerThreadId, warmed, 'the warmed worker ended with its last session');
  } finally {
    await c.dispose();
  }
});

test('a warmed-up worker no session used keeps nothing alive: the process exits without waiting for it', () => {
  const host = pathToFileURL(`${repoRoot}/dist/src/backends/onnx/session-host.js`).href;
  const t0 = performance.now();
  // The process has other work for 1.5 s (the worker is up by then), as a compare that fails with a usage error after the warm-up.
  const script = `(await import(${JSON.stringify(host)})).SessionHost.warm(); setTimeout(() => {}, 1500);`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 4 * WARM_IDLE_MS });
  const ms = performance.now() - t0;
  assert.equal(child.status, 0, child.stderr);
  // Waiting for the worker would take WARM_IDLE_MS (10 s); an exit that does not wait comes soon after the 1.5 s.
  assert.ok(ms < WARM_IDLE_MS / 2, `took ${ms.toFixed(0)} ms`);
});
