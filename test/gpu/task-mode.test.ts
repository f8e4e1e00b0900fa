// Task mode (issue 15) against real TensorRT FP16 engines built from the fixture models: the case the
// feature exists for. Needs a GPU, TensorRT and engines built beforehand with trtexec (this test does not
// build them), in the folder named by TRT_PARITY_TASK_ENGINES:
//
//   trtexec --onnx=fixtures/models/classifier.onnx           --fp16 --saveEngine=$DIR/classifier-fp16.engine
//   trtexec --onnx=fixtures/models/detector-ultralytics.onnx --fp16 --saveEngine=$DIR/detector-fp16.engine
//   trtexec --onnx=fixtures/models/detector-nms.onnx         --fp16 --saveEngine=$DIR/detector-nms-fp16.engine   (optional)
//   TRT_PARITY_TASK_ENGINES=$DIR node --test dist/test/gpu/task-mode.test.js
//
// What it asserts is what docs/tasks.md promises an FP16 engine user: the run finishes, the task is found,
// the figures are finite (never NaN), and with --verdict task the exit code follows the gate. The exact
// agreement of a real FP16 engine is measured here, not assumed: the test prints it for the record.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { cliContext, runCli } from './helpers.js';

const dir = process.env['TRT_PARITY_TASK_ENGINES'];
const skip = dir === undefined ? 'TRT_PARITY_TASK_ENGINES is not set (see the comment at the top)' : false;
const engine = (name: string): string => join(dir ?? '', name);
const photos = fixture('images', 'photos');

describe('task mode on real FP16 engines', { skip }, () => {
  test('classifier: top-1 agreement over the photos, gate at 0 passes and the verdict is task', async () => {
    const run = await runCli(['compare', engine('classifier-fp16.engine'), fixture('models', 'classifier.onnx'), photos, '--task', 'classify', '--verdict', 'task', '--min-agreement', '0', '--json', '-', '--no-progress']);
    assert.equal(run.code, 0, cliContext(run));
    const r = JSON.parse(run.stdout);
    assert.equal(r.task.kind, 'classify');
    assert.equal(r.task.summary.rows, 4);
    assert.ok(Number.isFinite(r.task.summary.rate) && Number.isFinite(r.task.summary.maxSoftmaxDelta), JSON.stringify(r.task.summary));
    console.log(`classifier FP16 engine: top-1 ${r.task.summary.agree}/${r.task.summary.rows}, max |Δ softmax| ${r.task.summary.maxSoftmaxDelta}, allclose passed: ${r.summary.verdict.allclosePassed}`);
  });
  test('detector (Ultralytics layout): boxes matched, F1 finite; an impossible gate fails with exit 1', async () => {
    const args = ['compare', engine('detector-fp16.engine'), fixture('models', 'detector-ultralytics.onnx'), photos, '--task', 'detect', '--verdict', 'task', '--json', '-', '--no-progress'];
    const run = await runCli([...args, '--min-agreement', '0']);
    assert.equal(run.code, 0, cliContext(run));
    const r = JSON.parse(run.stdout);
    assert.deepEqual([r.task.kind, r.task.layout], ['detect', 'ultralytics']);
    assert.ok(r.task.summary.secondCount > 0 && Number.isFinite(r.task.summary.f1), JSON.stringify(r.task.summary));
    console.log(`detector FP16 engine: matched ${r.task.summary.matched} of ${r.task.summary.secondCount} (first ${r.task.summary.firstCount}), F1 ${r.task.summary.f1}, mean IoU ${r.task.summary.meanIou}`);
    const strict = await runCli([...args, '--min-agreement', '1', '--match-iou', '1']);
    // IoU exactly 1 between an FP16 and an FP32 box is possible only for bit-identical boxes.
    assert.ok(strict.code === 0 || strict.code === 1, cliContext(strict));
  });
  test('EfficientNMS-style detector, when its engine was built', { skip: dir !== undefined && !existsSync(engine('detector-nms-fp16.engine')) ? 'detector-nms-fp16.engine not built' : false }, async () => {
    const run = await runCli(['compare', engine('detector-nms-fp16.engine'), fixture('models', 'detector-nms.onnx'), photos, '--task', 'auto', '--json', '-', '--no-progress']);
    assert.ok(run.code === 0 || run.code === 1, cliContext(run));
    const r = JSON.parse(run.stdout);
    assert.deepEqual([r.task.kind, r.task.layout], ['detect', 'efficient-nms']);
    console.log(`EfficientNMS FP16 engine: matched ${r.task.summary.matched} of ${r.task.summary.secondCount}, F1 ${r.task.summary.f1}`);
  });
});
