/**
 * The task section and verdict line of the text report, and the JUnit gate cases, on a segment
 * run built with the real task core (hand-computed figures: see test/tasks/segment.test.ts).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { TaskTracker, withVerdict } from '../../src/tasks/run.js';
import type { VerdictMode } from '../../src/tasks/types.js';
import { renderCompareText } from '../../src/report/text.js';
import { toJUnit } from '../../src/report/junit.js';
import type { CompareReport } from '../../src/report/model/compare.js';
import { compared, f32, map, report } from './sample-report.js';
import { assertNoControl, poisonStrings } from './hostile-strings.js';

// Labels first [0,1,2,2], second [0,1,1,2]: 3/4 pixels agree, IoU 1, 1/2, 1/2, mIoU 2/3.
const first = f32([5, 0, 0, 0, 1, 5, 0, 1, 0, 1, 5, 5], [1, 3, 2, 2]);
const second = f32([5, 0, 0, 0, 1, 5, 3, 1, 0, 1, 3, 5], [1, 3, 2, 2]);

function segmentRun(mode: VerdictMode, minMiou: number): CompareReport {
  const tracker = new TaskTracker({ request: 'segment', verdict: mode, options: { gates: { minAgreement: 0.7, minMiou } } });
  const items = ['a.png', 'b.png'].map((key, i) => {
    const a = map({ seg: i === 0 ? first : second });
    const b = map({ seg: second });
    const item = compared(key, a, b);
    return { ...item, task: tracker.observe(key, a, b, new Map([['seg', 'seg']])) };
  });
  const base = report(items);
  const task = tracker.report();
  return { ...base, task, summary: withVerdict(base.summary, mode, task) };
}

describe('segment in the text report', () => {
  test('section: differing inputs, the run, IoU per class, gates; the verdict line names the deciding verdict', () => {
    const r = segmentRun('task', 0.9);
    const text = renderCompareText(r, { color: false, verbose: false });
    const section = text.slice(text.indexOf('task: segment'));
    // Over the run: 7 of 8 pixels agree. b.png's masks are both [0,1,1,2]; summed with a.png's:
    // class 0 ∩2 ∪2, class 1 ∩(1+2) ∪(2+2), class 2 ∩(1+1) ∪(2+1) → IoU 1, 3/4, 2/3, mIoU 0.8056.
    assert.match(section, /^task: segment {2}\(class scores per pixel in seg \[1,3,2,2\]\)\n/);
    assert.match(section, /\n {2}a\.png +75% +0\.6667\n/);
    assert.doesNotMatch(section, /b\.png/, 'inputs that agree fully are listed only with -v');
    assert.match(section, /\n {2}all 2 +87\.5% \(7\/8\) +0\.8056\n/);
    assert.match(section, /IoU per class: 0: 1\.0000, 1: 0\.7500, 2: 0\.6667/);
    assert.match(section, /gate {2}--min-agreement 0\.7: pixel agreement 0\.8750 PASS/);
    assert.match(section, /gate {2}--min-miou 0\.9: mIoU 0\.8056 FAIL/);
    assert.match(text, /\nFAIL {2}task: pixel agreement 0\.8750 >= 0\.7, mIoU 0\.8056 < 0\.9; allclose \(not deciding\): 1 of 2 inputs mismatched \(seg\) \[verdict: task, exit 1\]\n$/);
    assert.equal(r.summary.exitCode, 1);
    assert.match(renderCompareText(r, { color: false, verbose: true }), /\n {2}b\.png +100% +1\.0000\n/);
  });
  test('the other modes: both passes only when allclose passes too; allclose keeps its line and notes the task', () => {
    const both = segmentRun('both', 0.8);
    assert.equal(both.summary.exitCode, 1);
    assert.match(renderCompareText(both, { color: false, verbose: false }), /\nFAIL {2}task: .*mIoU 0\.8056 >= 0\.8; allclose: 1 of 2 inputs mismatched \(seg\) \[verdict: both, exit 1\]\n$/);
    const task = segmentRun('task', 0.8);
    assert.equal(task.summary.exitCode, 0);
    assert.match(renderCompareText(task, { color: false, verbose: false }), /\nPASS {2}task: /);
    const allclose = segmentRun('allclose', 0.8);
    assert.equal(allclose.summary.exitCode, 1);
    assert.match(renderCompareText(allclose, { color: false, verbose: false }), /\nFAIL {2}1 of 2 inputs mismatched \(seg\); task \(not deciding\): .* \[verdict: allclose, exit 1\]\n$/);
  });
});

describe('JUnit', () => {
  test('one case per gate, the failing one with its failure, the figures in system-out', () => {
    const xml = toJUnit(segmentRun('task', 0.9));
    assert.match(xml, /<testcase classname="task\.segment" name="--min-agreement 0\.7: pixel agreement" time="0">\n {6}<system-out>task: segment/);
    assert.match(xml, /<testcase classname="task\.segment" name="--min-miou 0\.9: mIoU" time="0">\n {6}<failure message="mIoU 0\.805\d+ &lt; 0\.9">/);
    assert.match(xml, /<testsuites name="trt-parity" tests="4" failures="2" errors="0"/);
  });
  test('no task mode: no task case', () => {
    assert.doesNotMatch(toJUnit(report([compared('a.png', map({ seg: first }), map({ seg: first }))])), /task\./);
  });
});

describe('task section: keys and task strings from outside are escaped', () => {
  test('every string of a segment run poisoned (keys, reasons, names): no raw control character, no forged line', () => {
    const r = poisonStrings(segmentRun('task', 0.9));
    for (const verbose of [false, true]) assertNoControl(renderCompareText(r, { color: false, verbose }));
  });
});
