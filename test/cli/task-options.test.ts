/**
 * Task mode end to end through the CLI (issue 15): real FP32-vs-FP16 comparisons on the CPU with
 * the bundled models and photos, where allclose fails and the answers agree; the gates, the
 * verdict modes and their exit codes; the text, JSON and JUnit reports. Spawns run concurrently
 * in `before`; the tests only read their results.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import onnxProto from 'onnx-proto';
import { join } from 'node:path';
import { cli, jsonOf, models, photos, shown, tempDir, type CliResult } from './run-cli.js';
import { fixture } from '../helpers/paths.js';

const classifier = models('classifier.onnx');
const fp16 = models('classifier-fp16.onnx');
const detector = models('detector-ultralytics.onnx');
const detector16 = models('detector-ultralytics-fp16.onnx');
const r: Record<string, CliResult> = {};
let dir: string;

before(async () => {
  dir = await tempDir('task');
  // Copies of the detectors carrying Ultralytics metadata_props as its exporter writes them (str() of
  // Python values): task=segment and 2 class names, so auto must read the metadata to split 4+2+1 rows.
  const withMeta = async (src: string, name: string): Promise<string> => {
    const m = onnxProto.onnx.ModelProto.decode(await readFile(src));
    m.metadataProps = [{ key: 'author', value: 'Ultralytics' }, { key: 'task', value: 'segment' }, { key: 'names', value: "{0: 'cat', 1: 'dog'}" }];
    const out = join(dir, name);
    await writeFile(out, onnxProto.onnx.ModelProto.encode(m).finish());
    return out;
  };
  const meta16 = await withMeta(detector16, 'meta-fp16.onnx');
  const meta32 = await withMeta(detector, 'meta.onnx');
  const runs: Record<string, string[]> = {
    classify: [fp16, classifier, photos, '--task', 'classify', '--json', '-'],
    taskVerdict: [fp16, classifier, photos, '--task', 'classify', '--verdict', 'task', '--min-agreement', '0.99'],
    bothVerdict: [fp16, classifier, photos, '--task', 'classify', '--verdict', 'both', '--min-agreement', '0.99'],
    impliedAuto: [fp16, classifier, photos, '--verdict', 'task', '--json', '-'],
    badGate: [fp16, classifier, photos, '--min-agreement', '1.5'],
    wrongTask: [fp16, classifier, photos, '--task', 'detect'],
    miouOnClassify: [fp16, classifier, photos, '--task', 'classify', '--min-miou', '0.5'],
    detect: [detector16, detector, photos, '--task', 'auto', '--verdict', 'task', '--min-agreement', '1', '--json', '-'],
    metadata: [meta16, meta32, photos, '--task', 'auto', '--json', '-'],
    detectStrict: [detector16, detector, photos, '--task', 'detect', '--match-iou', '0.9999', '--verdict', 'task', '--min-agreement', '0.5', '--junit', join(dir, 'strict.xml')],
  };
  await Promise.all(Object.entries(runs).map(async ([k, args]) => { r[k] = await cli(['compare', ...args, '--no-progress']); }));
});

describe('classify: classifier-fp16 against classifier on the bundled photos', () => {
  test('allclose fails (exit 1 under the default verdict) while the task figures say every answer agrees', () => {
    const x = r['classify']!;
    assert.equal(x.code, 1, shown(x));
    const report = jsonOf(x);
    assert.equal(report.summary.failed, 4);
    assert.deepEqual(report.summary.verdict, { mode: 'allclose', allclosePassed: false, allcloseExitCode: 1, taskPassed: true });
    const s = report.task.summary;
    assert.deepEqual([report.task.kind, s.rows, s.agree, s.rate, s.flips.length, s.worstReferenceRank], ['classify', 4, 4, 1, 0, 1]);
    // Wilson 95% for 4/4 (hand value, see test/tasks/wilson.test.ts): [0.510109, 1].
    assert.ok(Math.abs(s.interval.low - 0.510109) < 1e-6 && s.interval.high === 1);
    // FP16 logits differ by ~1e-2; after softmax the probabilities differ by far less, but not by 0.
    assert.ok(s.maxSoftmaxDelta > 0 && s.maxSoftmaxDelta < 0.01, String(s.maxSoftmaxDelta));
    assert.equal(report.items.length, 4);
    for (const item of report.items) assert.equal(item.task.rows[0].agree, true, item.key);
    assert.match(x.stderr, /task: classify {2}\(class scores in logits \[1,1000\]\)/);
    assert.match(x.stderr, /top-1 agreement +4\/4 = 100% +95% CI 51\.01% – 100% \(Wilson\)/);
    assert.match(x.stderr, /FAIL {2}4 of 4 inputs mismatched \(logits\); task \(not deciding\): .* \[verdict: allclose, exit 1\]\n$/);
  });
  test('--verdict task with --min-agreement 0.99: the task decides, exit 0, and the line says so', () => {
    const x = r['taskVerdict']!;
    assert.equal(x.code, 0, shown(x));
    assert.match(x.stdout, /gate {2}--min-agreement 0\.99: top-1 agreement 1\.0000 PASS/);
    assert.match(x.stdout, /PASS {2}task: top-1 agreement 1\.0000 >= 0\.99; allclose \(not deciding\): 4 of 4 inputs mismatched \(logits\) \[verdict: task, exit 0\]\n$/);
  });
  test('--verdict both: allclose still fails, exit 1', () => {
    const x = r['bothVerdict']!;
    assert.equal(x.code, 1, shown(x));
    assert.match(x.stdout, /\[verdict: both, exit 1\]\n$/);
  });
  test('--verdict task alone means --task auto, which finds the classifier', () => {
    const x = r['impliedAuto']!;
    assert.equal(x.code, 0, shown(x));
    const report = jsonOf(x);
    assert.equal(report.task.requested, 'auto');
    assert.equal(report.task.kind, 'classify');
  });
});

describe('usage errors (exit 2, one line naming the problem)', () => {
  test('a gate outside [0, 1]', () => {
    const x = r['badGate']!;
    assert.equal(x.code, 2, shown(x));
    assert.match(x.stderr, /--min-agreement must be a number from 0 to 1, got '1\.5'/);
  });
  test('a task that does not fit the outputs names them', () => {
    const x = r['wrongTask']!;
    assert.equal(x.code, 2, shown(x));
    assert.match(x.stderr, /--task detect: no output fits it \(outputs: logits float32\[1,1000\]\)/);
    assert.doesNotMatch(x.stderr, /\n\s+at /, 'no stack trace');
  });
  test('--min-miou on a classification task', () => {
    const x = r['miouOnClassify']!;
    assert.equal(x.code, 2, shown(x));
    assert.match(x.stderr, /--min-miou applies to --task segment; this run's task is classify/);
  });
});

describe('detect: detector-ultralytics-fp16 against detector-ultralytics', () => {
  test('allclose fails, every box matches: F1 1, exit 0 under --verdict task', async () => {
    const x = r['detect']!;
    assert.equal(x.code, 0, shown(x));
    const report = jsonOf(x);
    assert.equal(report.summary.verdict.allclosePassed, false);
    assert.deepEqual([report.task.kind, report.task.layout], ['detect', 'ultralytics']);
    const s = report.task.summary;
    // The reference count equals the numpy oracle's (fixtures/tasks/detect-oracle.json, same model and photos).
    const oracle = JSON.parse(await readFile(fixture('tasks', 'detect-oracle.json'), 'utf8'));
    const oracleSecond = oracle.layouts.ultralytics.images.filter((i: { key: string }) => i.key !== 'clusters').reduce((n: number, i: { secondCount: number }) => n + i.secondCount, 0);
    assert.equal(s.secondCount, oracleSecond);
    assert.deepEqual([s.firstCount, s.matched, s.f1, s.images, s.imagesWithDifferences], [oracleSecond, oracleSecond, 1, 4, 0]);
    assert.ok(s.meanIou > 0.99 && s.meanIou < 1, String(s.meanIou));
    assert.ok(s.maxScoreDelta > 0 && s.maxScoreDelta < 0.01, String(s.maxScoreDelta));
    const chelsea = report.items.find((i: { key: string }) => i.key === 'chelsea.jpg');
    assert.deepEqual([chelsea.task.firstCount, chelsea.task.secondCount, chelsea.task.f1, chelsea.task.meanIou], [0, 0, 1, null], 'no boxes on either side: F1 1, mean IoU null');
  });
  test('auto reads the ONNX models\' Ultralytics metadata: task and class count from names', () => {
    const x = r['metadata']!;
    assert.equal(x.code, 1, shown(x));
    const report = jsonOf(x);
    assert.deepEqual([report.task.kind, report.task.layout], ['detect', 'ultralytics']);
    assert.match(report.task.reason, /Ultralytics layout in output0 \[1,7,256\], 2 classes from the model's names \(1 extra channels ignored\); the model's metadata says task=segment/);
    // Only classes 0 and 1 count now (the fixture's class 2 row is the ignored one): no NaN whatever remains.
    assert.equal(report.task.summary.images, 4);
    assert.ok(Number.isFinite(report.task.summary.f1));
  });
  test('an unreachable --match-iou makes the gate fail: exit 1, and JUnit has the failing gate', async () => {
    const x = r['detectStrict']!;
    assert.equal(x.code, 1, shown(x));
    assert.match(x.stdout, /gate {2}--min-agreement 0\.5: F1 0\.\d+ FAIL/);
    const xml = await readFile(join(dir, 'strict.xml'), 'utf8');
    assert.match(xml, /<testcase classname="task\.detect" name="--min-agreement 0\.5: F1" time="0">\n {6}<failure message="F1 0(\.\d+)? &lt; 0\.5">/);
  });
});
