import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../src/errors.js';
import { readNpy } from '../../src/tensor/npy.js';
import type { DType, Tensor } from '../../src/tensor/types.js';
import { DEFAULT_TASK_OPTIONS, evaluateTask, parseUnitInterval, resolveTask, summarizeTask, taskVerdict } from '../../src/tasks/task.js';
import { fixture } from '../helpers/paths.js';

const t = (dtype: DType, shape: number[]) => ({ dtype, shape });
const outs = (...o: [string, { dtype: DType; shape: number[] }][]) => new Map(o);

describe('resolveTask: auto from output shapes', () => {
  test('classify, Ultralytics, YOLOv5, EfficientNMS, argmax segmentation', () => {
    const r = (o: ReturnType<typeof outs>) => resolveTask('auto', o);
    assert.deepEqual(r(outs(['logits', t('float32', [1, 1000])])), { kind: 'classify', roles: { scores: 'logits' }, why: 'class scores in logits [1,1000]' });
    assert.equal((r(outs(['output0', t('float32', [1, 84, 8400])])) as { layout: string }).layout, 'ultralytics');
    assert.equal((r(outs(['output0', t('float32', [1, 25200, 85])])) as { layout: string }).layout, 'yolov5');
    const nms = r(outs(['num_dets', t('int32', [1, 1])], ['det_boxes', t('float32', [1, 100, 4])], ['det_scores', t('float32', [1, 100])], ['det_classes', t('int32', [1, 100])]));
    assert.deepEqual((nms as { roles: object }).roles, { numDets: 'num_dets', boxes: 'det_boxes', scores: 'det_scores', classes: 'det_classes' });
    // Unnamed EfficientNMS outputs are found by shape and dtype.
    const anon = r(outs(['a', t('int32', [1, 1])], ['b', t('float32', [1, 50, 4])], ['c', t('float32', [1, 50])], ['d', t('int32', [1, 50])]));
    assert.deepEqual((anon as { roles: object }).roles, { numDets: 'a', boxes: 'b', scores: 'c', classes: 'd' });
    assert.deepEqual(r(outs(['out', t('float32', [1, 21, 64, 64])])), { kind: 'segment', layout: 'argmax', roles: { mask: 'out' }, why: 'class scores per pixel in out [1,21,64,64]' });
  });
  test('Ultralytics metadata decides, and names give nc for segment/pose heads with extra channels', () => {
    const names = new Map(Array.from({ length: 80 }, (_, i) => [i, `c${i}`] as [number, string]));
    const seg = resolveTask('auto', outs(['output0', t('float32', [1, 116, 8400])], ['output1', t('float32', [1, 32, 160, 160])]), { task: 'segment', names });
    assert.ok(!('unresolved' in seg) && seg.kind === 'detect');
    assert.equal(seg.layout, 'ultralytics');
    assert.equal(seg.classes, 80);
    assert.match((seg as { why: string }).why, /32 extra channels ignored.*task=segment/);
    const cls = resolveTask('auto', outs(['output0', t('float32', [1, 1000])]), { task: 'classify' });
    assert.equal((cls as { kind: string }).kind, 'classify');
    assert.match((resolveTask('auto', outs(['o', t('float32', [1, 20, 8400])]), { task: 'obb' }) as { unresolved: string }).unresolved, /obb/);
  });
  test('auto that finds nothing says why; an explicit task that does not fit is a usage error naming the outputs', () => {
    const scalar = outs(['y', t('float32', [1, 3, 8, 8, 2])]);
    assert.match((resolveTask('auto', outs(['y', t('int64', [1])])) as { unresolved: string }).unresolved, /no output looks like.*y int64\[1\]/);
    assert.throws(() => resolveTask('detect', scalar), (e: unknown) => e instanceof UsageError && /--task detect: no output fits it \(outputs: y float32\[1,3,8,8,2\]\)/.test(e.message));
    // A single-channel map is a segmentation only when asked for.
    assert.equal((resolveTask('segment', outs(['prob', t('float32', [1, 1, 32, 32])])) as { layout: string }).layout, 'threshold');
    assert.ok('unresolved' in resolveTask('auto', outs(['prob', t('float32', [1, 1, 32, 32])])));
  });
});

describe('evaluateTask through tensors', () => {
  const tensor = (shape: number[], v: number[]): Tensor => ({ dtype: 'float32', shape, data: Float32Array.from(v) });
  test('classify with renamed outputs on the first side, through the pairing', () => {
    const task = resolveTask('classify', outs(['logits', t('float32', [1, 3])]));
    assert.ok(!('unresolved' in task));
    const item = evaluateTask(task, new Map([['out', tensor([1, 3], [0, 1, 2])]]), new Map([['logits', tensor([1, 3], [0, 2, 1])]]), new Map([['logits', 'out']]), DEFAULT_TASK_OPTIONS);
    assert.equal(item.kind === 'classify' && item.rows[0]!.agree, false);
  });
  test('a missing output or a shape that differs between sides is a usage error', () => {
    const task = resolveTask('classify', outs(['logits', t('float32', [1, 3])]));
    assert.ok(!('unresolved' in task));
    assert.throws(() => evaluateTask(task, new Map(), new Map([['logits', tensor([1, 3], [0, 1, 2])]]), new Map(), DEFAULT_TASK_OPTIONS), /logits is missing on the first side/);
    assert.throws(() => evaluateTask(task, new Map([['logits', tensor([1, 2], [0, 1])]]), new Map([['logits', tensor([1, 3], [0, 1, 2])]]), new Map(), DEFAULT_TASK_OPTIONS), /\[1,2\] on the first side and \[1,3\]/);
  });
  test('EfficientNMS fixture outputs: auto-resolved by name, int32 classes read', () => {
    const dir = fixture('tasks', 'detect', 'efficient-nms');
    const load = (side: string) => new Map(readdirSync(dir).filter((f) => f.startsWith(`astronaut.${side}.`)).map((f) => [f.split('.')[2]!, readNpy(readFileSync(join(dir, f)), f)] as [string, Tensor]));
    const second = load('second');
    const task = resolveTask('auto', second);
    assert.ok(!('unresolved' in task) && task.kind === 'detect' && task.layout === 'efficient-nms');
    const item = evaluateTask(task, load('first'), second, new Map(), DEFAULT_TASK_OPTIONS);
    // From fixtures/tasks/detect-oracle.json (astronaut, efficient-nms).
    const oracle = JSON.parse(readFileSync(fixture('tasks', 'detect-oracle.json'), 'utf8')) as { layouts: Record<string, { images: { key: string; matched: number; f1: number }[] }> };
    const want = oracle.layouts['efficient-nms']!.images.find((i) => i.key === 'astronaut')!;
    assert.equal(item.kind === 'detect' && item.matched, want.matched);
    assert.equal(item.kind === 'detect' && item.f1, want.f1);
  });
});

describe('gates', () => {
  const classify = (agree: number, rows: number) => summarizeTask('classify', Array.from({ length: rows }, (_, i) => ({
    key: `k${i}`,
    task: { kind: 'classify' as const, output: 'l', classes: 2, probabilities: false, rows: [{ row: 0, firstTop1: 0, secondTop1: i < agree ? 0 : 1, agree: i < agree, top5Common: 2, k: 2, referenceRankInFirst: i < agree ? 1 : 2, maxSoftmaxDelta: 0, firstMargin: 0, secondMargin: 0 }] },
  })));
  test('--min-agreement on the classify top-1 rate: at the threshold passes, below fails', () => {
    assert.equal(taskVerdict(classify(99, 100), { minAgreement: 0.99, minMiou: null }).passed, true);
    const v = taskVerdict(classify(98, 100), { minAgreement: 0.99, minMiou: null });
    assert.deepEqual(v, { passed: false, gates: [{ name: 'min-agreement', figure: 'top-1 agreement', value: 0.98, threshold: 0.99, passed: false }] });
    assert.deepEqual(taskVerdict(classify(0, 4), { minAgreement: null, minMiou: null }), { passed: true, gates: [] });
  });
  test('--min-miou is for segment only', () => {
    assert.throws(() => taskVerdict(classify(1, 1), { minAgreement: null, minMiou: 0.5 }), (e: unknown) => e instanceof UsageError && /--min-miou applies to --task segment/.test(e.message));
    const seg = summarizeTask('segment', [{ key: 'a', task: { kind: 'segment', layout: 'threshold', output: 'p', threshold: 0.5, pixels: 4, agreeing: 3, pixelAgreement: 0.75, perClass: [{ cls: 0, intersection: 2, union: 3, iou: 2 / 3 }, { cls: 1, intersection: 1, union: 2, iou: 0.5 }], miou: 7 / 12 } }]);
    const v = taskVerdict(seg, { minAgreement: 0.75, minMiou: 0.6 });
    assert.deepEqual(v.gates.map((g) => [g.figure, g.passed]), [['pixel agreement', true], ['mIoU', false]]);
  });
  test('option values must lie in [0, 1]', () => {
    assert.equal(parseUnitInterval('--min-agreement', '0.99'), 0.99);
    for (const bad of ['', 'x', '1.5', '-0.1', 'NaN']) assert.throws(() => parseUnitInterval('--min-agreement', bad), /--min-agreement must be a number from 0 to 1/);
  });
});
