import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/errors.js';
import type { Tensor } from '../../src/tensor/types.js';
import { TaskTracker, taskHintsOf, verdictExitCode, withVerdict } from '../../src/tasks/run.js';

const f32 = (shape: number[], v: number[]): Tensor => ({ dtype: 'float32', shape, data: Float32Array.from(v) });

describe('verdictExitCode', () => {
  test('every mode against every allclose outcome (hand table)', () => {
    // [mode, allclose code, task passed, expected]
    const table: [Parameters<typeof verdictExitCode>[0], number, boolean | null, number][] = [
      ['allclose', 0, false, 0], ['allclose', 1, true, 1],
      ['task', 1, true, 0], ['task', 0, false, 1], ['task', 1, null, 2],
      ['both', 0, true, 0], ['both', 1, true, 1], ['both', 0, false, 1], ['both', 0, null, 2],
      // Inputs that could not be compared, and interruptions, stand whatever the mode.
      ['task', 3, true, 3], ['both', 2, true, 2], ['task', 130, true, 130], ['task', 143, false, 143],
    ];
    for (const [mode, code, passed, want] of table) assert.equal(verdictExitCode(mode, code, passed), want, `${mode} ${code} ${passed}`);
  });
});

describe('TaskTracker', () => {
  test('classify over two inputs, class names from the reference model, report and verdict', () => {
    const reference = { model: { ultralytics: { task: 'classify', names: new Map([[0, 'cat'], [1, 'dog'], [2, 'fox']]) } } };
    const t = new TaskTracker({ request: 'auto', verdict: 'task', options: { gates: { minAgreement: 0.9, minMiou: null } } }, [{}, reference]);
    const pairing = new Map([['p', 'p']]);
    t.observe('a.jpg', new Map([['p', f32([1, 3], [0.1, 0.7, 0.2])]]), new Map([['p', f32([1, 3], [0.1, 0.6, 0.3])]]), pairing);
    t.observe('b.jpg', new Map([['p', f32([1, 3], [0.5, 0.4, 0.1])]]), new Map([['p', f32([1, 3], [0.3, 0.6, 0.1])]]), pairing);
    const r = t.report();
    assert.equal(r.kind, 'classify');
    assert.match(r.reason, /task=classify/);
    assert.ok(r.summary?.kind === 'classify');
    assert.equal(r.summary.rate, 0.5);
    assert.deepEqual(r.summary.flips.map((f) => [f.key, f.firstName, f.secondName]), [['b.jpg', 'cat', 'dog']]);
    assert.deepEqual(r.verdict, { passed: false, gates: [{ name: 'min-agreement', figure: 'top-1 agreement', value: 0.5, threshold: 0.9, passed: false }] });
    const s = withVerdict({ exitCode: 0, failed: 0 }, t.verdictMode, r);
    assert.deepEqual(s, { exitCode: 1, failed: 0, verdict: { mode: 'task', allclosePassed: true, allcloseExitCode: 0, taskPassed: false } });
  });
  test('auto that recognises nothing: no figures, a reason, and a task verdict cannot pass (exit 2)', () => {
    const t = new TaskTracker({ request: 'auto', verdict: 'task' });
    // One value: not class scores, boxes or a mask.
    assert.equal(t.observe('x', new Map([['y', f32([1], [1])]]), new Map([['y', f32([1], [1])]]), new Map()), null);
    const r = t.report();
    assert.deepEqual([r.kind, r.summary, r.verdict], [null, null, null]);
    assert.match(r.reason, /no output looks like/);
    assert.equal(withVerdict({ exitCode: 0, failed: 0 }, 'task', r).exitCode, 2);
    assert.equal(withVerdict({ exitCode: 1, failed: 1 }, 'allclose', r).exitCode, 1);
  });
  test('an explicit task that does not fit is fatal, not a per-input error', () => {
    const t = new TaskTracker({ request: 'segment' });
    assert.equal(t.observe('x', new Map([['y', f32([1, 3], [1, 2, 3])]]), new Map([['y', f32([1, 3], [1, 2, 3])]]), new Map()), null);
    assert.ok(t.fatal instanceof UsageError);
    assert.match(t.fatal.message, /--task segment: no output fits it/);
  });
  test('--min-miou with a task other than segment is fatal too', () => {
    const t = new TaskTracker({ request: 'classify', options: { gates: { minAgreement: null, minMiou: 0.5 } } });
    t.observe('x', new Map([['y', f32([1, 3], [1, 2, 3])]]), new Map([['y', f32([1, 3], [1, 2, 3])]]), new Map());
    assert.match(t.fatal?.message ?? '', /--min-miou applies to --task segment/);
  });
  test('settings merge over the defaults (Ultralytics NMS 0.25 / 0.7 / 300)', () => {
    const t = new TaskTracker({ request: 'detect', options: { nms: { conf: 0.4, iou: 0.7, maxDet: 300 } } });
    assert.deepEqual(t.options.nms, { conf: 0.4, iou: 0.7, maxDet: 300 });
    assert.equal(new TaskTracker({ request: 'detect' }).options.nms.conf, 0.25);
    assert.equal(new TaskTracker({ request: 'detect' }).options.matchIou, 0.5);
  });
  test('library callers get the same checks as the CLI', () => {
    assert.throws(() => new TaskTracker({ request: 'detect', options: { matchIou: 1.5 } }), /task option matchIou must be a number from 0 to 1, got 1\.5/);
    assert.throws(() => new TaskTracker({ request: 'detect', options: { nms: { conf: 0.25, iou: 0.7, maxDet: 0 } } }), /maxDet must be a positive integer/);
    assert.throws(() => new TaskTracker({ request: 'classify', options: { gates: { minAgreement: Number.NaN, minMiou: null } } }), UsageError);
  });
});

describe('taskHintsOf', () => {
  test('ONNX metadata, TensorRT engine metadata, none', () => {
    assert.deepEqual(taskHintsOf({ model: { ultralytics: { task: 'detect', names: new Map([[0, 'a']]) } } }), { task: 'detect', names: new Map([[0, 'a']]) });
    assert.deepEqual(taskHintsOf({ ultralytics: { task: 'segment', classNames: ['a', 'b'] } }), { task: 'segment', names: new Map([[0, 'a'], [1, 'b']]) });
    assert.deepEqual(taskHintsOf({ ultralytics: null }), {});
    assert.deepEqual(taskHintsOf({}), {});
  });
});
