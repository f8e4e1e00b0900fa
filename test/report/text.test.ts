import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compareOutputs } from '../../src/compare/compare-outputs.js';
import { parseToleranceSpec } from '../../src/compare/tolerance.js';
import { describeFailure, renderCompareText, RULE_TEXT, verdictLine } from '../../src/report/text.js';
import { compared, errored, f32, map, passFail, report } from './sample-report.js';
import { assertNoControl, HOSTILE, HOSTILE_SHOWN, poisonStrings } from './hostile-strings.js';

const ANSI = /\x1b\[/;
const lines = (s: string): string[] => s.split('\n');

describe('renderCompareText', () => {
  test('plain text without colour: header, rows, failure details, summary, verdict', () => {
    const text = renderCompareText(passFail(), { color: false, verbose: false });
    assert.doesNotMatch(text, ANSI);
    assert.ok(text.endsWith('\n'));
    const l = lines(text);
    assert.equal(l[0], 'trt-parity compare');
    assert.match(text, /^ {2}first {3}onnxruntime {2}model\.onnx$/m);
    assert.match(text, /^ {2}second {2}tensorrt {5}model\.engine {2}\(reference\)$/m);
    assert.ok(l.includes(`  rule       ${RULE_TEXT}`));
    assert.ok(l.includes('  tolerance  rtol=0.001 atol=1e-5'));
    // Hand figures for b.jpg: |3 - 3.5| = 0.5; rel 0.5/3.5; numpy percentile(|d|, 99) of [0,0,0.5] = 0.49;
    // cosine of [1,2,3]·[1,2,3.5] = 15.5/(√14·√17.25) = 0.997409 (numpy).
    const a = l.find((x) => x.includes('a.jpg'))!;
    assert.deepEqual(a.trim().split(/\s+/), ['a.jpg', 'logits', 'PASS', '0/3', '(0%)', '0', '0', '0', '1', 'yes', '3/3']);
    const b = l.find((x) => x.includes('b.jpg'))!;
    assert.deepEqual(b.trim().split(/\s+/), ['b.jpg', 'logits', 'FAIL', '1/3', '(33.3%)', '0.5', '0.1429', '0.49', '0.997409', 'yes', '3/3']);
    const detail = l.slice(l.indexOf(b) + 1, l.indexOf(b) + 5).map((x) => x.trim());
    assert.equal(detail[0], 'logits: 1 of 3 elements (33.3%) exceed atol=1e-5 + rtol=0.001*|second|');
    assert.equal(detail[1], 'largest |diff| at [0,2]: first=3 second=3.5 |diff|=0.5 (allowed 0.00351)');
    assert.equal(detail[2], 'max|diff|=0.5 max rel=0.1429 mean|diff|=0.1667 p99|diff|=0.49; among violations max|diff|=0.5 max rel=0.1429');
    assert.match(detail[3]!, /^would pass with --atol \S+ \(at rtol=0\.001\) or --rtol \S+ \(at atol=1e-5\)$/);
    // A passing output gets no detail lines unless verbose.
    assert.ok(!l[l.indexOf(a) + 1]!.includes('within tolerance'));
    assert.ok(l.includes('per output, over 2 compared inputs'));
    const sum = l.find((x) => x.trimStart().startsWith('logits') && x.includes('1/2'))!;
    assert.match(sum, /logits +1\/2 +1\/6 \(16\.7%\) +0\.5 +0\.1429 +2\/2 +--atol \S+ or --rtol \S+$/);
    assert.ok(l.includes('median per input: preprocess 2.00 ms, first 1.00 ms, second 3.00 ms (wall time; use `trt-parity bench` for measurements)'));
    assert.equal(l.at(-2), 'FAIL  1 of 2 inputs mismatched (logits) [exit 1]');
  });

  test('colour on: ANSI codes around verdicts; the visible text is the same', () => {
    const r = passFail();
    const coloured = renderCompareText(r, { color: true, verbose: false });
    assert.match(coloured, /\x1b\[32mPASS\x1b\[39m/);
    assert.match(coloured, /\x1b\[31mFAIL\x1b\[39m/);
    assert.ok(coloured.includes('\x1b[31m\x1b[1mFAIL\x1b[22m\x1b[39m  1 of 2 inputs mismatched'));
    const stripped = coloured.replace(/\x1b\[[0-9;]*m/g, '');
    assert.equal(stripped, renderCompareText(r, { color: false, verbose: false }), 'alignment ignores the codes');
  });

  test('verbose lists passing outputs too, without repeating the verdict', () => {
    const text = renderCompareText(passFail(), { color: false, verbose: true });
    const l = lines(text);
    const a = l.findIndex((x) => x.includes('a.jpg'));
    assert.equal(l[a + 1]!.trim(), 'largest |diff| at [0,0]: first=1 second=1 |diff|=0 (allowed 0.00101)');
    assert.ok(!text.includes('logits: within tolerance'));
  });

  test('errors show the message and hints; warnings are printed; a single input has no summary table', () => {
    const r = report([errored('x.jpg', 2, '/imgs/x.jpg: truncated or corrupt image', ['re-export the file'])], { warnings: ['input names differ; matched by position: a -> b'] });
    const text = renderCompareText(r, { color: false, verbose: false });
    const l = lines(text);
    assert.ok(l.includes('  warning: input names differ; matched by position: a -> b'));
    const row = l.findIndex((x) => x.trimStart().startsWith('x.jpg'));
    assert.deepEqual(l[row]!.trim().split(/\s+/), ['x.jpg', '-', 'ERROR']);
    assert.equal(l[row + 1], '      /imgs/x.jpg: truncated or corrupt image');
    assert.equal(l[row + 2], '      hint: re-export the file');
    assert.ok(!text.includes('per output'));
    assert.ok(!text.includes('median per input'), 'no backend ran, so no timing line');
    assert.equal(l.at(-2), 'ERROR  0 of 1 input passed; 1 input could not be compared [exit 2]');
  });

  test('per-output tolerances are listed; an unpaired output is FAIL* with its problem', () => {
    const tolerance = parseToleranceSpec({ atol: ['logits:0.1'], rtol: ['boxes:0.5'] });
    const r = report([compared('a.jpg', map({ logits: f32([1]), boxes: f32([2]) }), map({ logits: f32([1]) }), { tolerance })], { tolerance });
    const text = renderCompareText(r, { color: false, verbose: false });
    assert.ok(text.includes('  tolerance  rtol=0.001 atol=1e-5; logits: atol=0.1; boxes: rtol=0.5'));
    const row = lines(text).find((x) => x.includes(' boxes '))!;
    assert.deepEqual(row.trim().split(/\s+/).slice(0, 4), ['boxes', 'FAIL*', '-', '-']);
    assert.ok(text.includes("      boxes: output 'boxes' is present only in the first run"));
    assert.ok(text.includes("      warning: output 'boxes' is present only in the first run"));
  });
});

describe('verdictLine', () => {
  test('pass, mismatch, errors, a mix, skipped', () => {
    const ok = report([compared('a', map({ y: f32([1]) }), map({ y: f32([1]) })), compared('b', map({ y: f32([1]) }), map({ y: f32([1]) }))]);
    assert.equal(verdictLine(ok), 'PASS  2 inputs, every output within tolerance [exit 0]');
    const one = report([compared('a', map({ y: f32([1]) }), map({ y: f32([1]) }))]);
    assert.equal(verdictLine(one), 'PASS  1 input, every output within tolerance [exit 0]');
    const backend = report([compared('a', map({ y: f32([1]) }), map({ y: f32([1]) })), errored('b', 3, 'engine failed')]);
    assert.equal(verdictLine(backend), 'ERROR  1 of 2 inputs passed; 1 input could not be compared [exit 3]');
    const mix = report([
      compared('a', map({ y: f32([1]), z: f32([0]) }), map({ y: f32([2]), z: f32([1]) })),
      compared('b', map({ y: f32([1]), z: f32([0]) }), map({ y: f32([1]), z: f32([0]) })),
      errored('c', 2, 'bad'), errored('d', 2, 'bad'),
    ]);
    assert.equal(verdictLine(mix), 'FAIL  1 of 2 inputs mismatched (y, z); 2 inputs could not be compared [exit 2]');
    const skipped = report([compared('a', map({ y: f32([1]) }), map({ y: f32([2]) }))], { skipped: 3 });
    assert.equal(verdictLine(skipped), 'FAIL  1 of 1 input mismatched (y); 3 not run (--fail-fast) [exit 1]');
  });
});

describe('describeFailure: "would pass with --atol X"', () => {
  // Values that sit awkwardly on the float32 grid, so the minimum tolerance is not a round number.
  const first = map({ y: f32([0.1, 1.7, -3.25, 100.5, 7.3, -0.0001], [2, 3]) });
  const second = map({ y: f32([0.1003, 1.6991, -3.2507, 100.4931, 7.3, -0.0002], [2, 3]) });

  test('X, as printed, passes the real compare core; a value just below fails; same for --rtol', () => {
    const o = compareOutputs(first, second, { tolerance: parseToleranceSpec({}), allowNonFinite: false }).outputs[0]!;
    assert.equal(o.passed, false);
    const line = describeFailure(o).find((l) => l.startsWith('would pass with'))!;
    const m = /^would pass with --atol (\S+) \(at rtol=0\.001\) or --rtol (\S+) \(at atol=1e-5\)$/.exec(line);
    assert.ok(m, line);
    const [atolText, rtolText] = [m[1]!, m[2]!];
    // Printed with 3 significant digits, rounded up from the core's exact figure (at most 1% above it).
    for (const [text, min] of [[atolText, o.stats!.minAtol], [rtolText, o.stats!.minRtol]] as const) {
      assert.ok(Number(text) >= min && Number(text) <= min * 1.01, `${text} vs ${min}`);
      assert.ok(/^\d(\.\d{1,2})?(e-?\d+)?$|^0\.0*\d{1,3}$|^\d{1,3}(\.\d{1,2})?$/.test(text), `${text} has at most 3 significant digits`);
    }
    const run = (atol: string[], rtol: string[]) =>
      compareOutputs(first, second, { tolerance: parseToleranceSpec({ atol, rtol }), allowNonFinite: false }).outputs[0]!;
    assert.equal(run([atolText], []).passed, true, `--atol ${atolText} passes`);
    // The core's figure is the minimum: a hair less fails.
    assert.equal(run([String(o.stats!.minAtol * (1 - 1e-6))], []).passed, false, 'a hair less fails');
    assert.equal(run([], [rtolText]).passed, true, `--rtol ${rtolText} passes`);
    assert.equal(run([], [String(o.stats!.minRtol * (1 - 1e-6))]).passed, false);
    // The worst element's two values are told apart (4 significant digits would print 100.5 twice).
    assert.ok(describeFailure(o).includes('largest |diff| at [1,0]: first=100.5 second=100.4931 |diff|=0.006897 (allowed 0.1005)'));
  });

  test('non-finite values: the reason and the counts', () => {
    const o = compareOutputs(map({ y: f32([NaN, 1, Infinity]) }), map({ y: f32([NaN, 1, Infinity]) }), { tolerance: parseToleranceSpec({}), allowNonFinite: false }).outputs[0]!;
    const l = describeFailure(o);
    assert.equal(l[0], 'y: non-finite values present (use --allow-nonfinite to accept)');
    assert.ok(l.includes('non-finite: first nan=1 +inf=1 -inf=0; second nan=1 +inf=1 -inf=0'));
    assert.ok(!l.some((x) => x.startsWith('would pass')), 'allclose passed, so no tolerance advice');
  });

  test('a shape problem is the only line', () => {
    const o = compareOutputs(map({ y: f32([1, 2]) }), map({ y: f32([1, 2, 3]) }), { tolerance: parseToleranceSpec({}), allowNonFinite: false }).outputs[0]!;
    const l = describeFailure(o);
    assert.equal(l.length, 1);
    assert.match(l[0]!, /^y: .*\[2\].*\[3\]/);
  });
});

describe('renderCompareText: backend log lines of a failed item', () => {
  const withLogs = () => report([errored('d.jpg', 3, 'model.engine: the run failed on d.jpg', ['hint one'], ['[TRT] [E] first', '[TRT] [E] second'])]);

  test('without -v the item says how many there are and how to see them', () => {
    const l = lines(renderCompareText(withLogs(), { color: false, verbose: false })).map((x) => x.trim());
    assert.ok(l.includes('model.engine: the run failed on d.jpg'));
    assert.ok(l.includes('hint: hint one'));
    assert.ok(l.includes('(2 backend log lines; -v shows them)'));
    assert.ok(!l.some((x) => x.startsWith('log: ')));
  });

  test('with -v every line is shown under the error', () => {
    const l = lines(renderCompareText(withLogs(), { color: false, verbose: true })).map((x) => x.trim());
    const at = l.indexOf('hint: hint one');
    assert.deepEqual(l.slice(at + 1, at + 3), ['log: [TRT] [E] first', 'log: [TRT] [E] second']);
  });
});

describe('renderCompareText: strings from outside are escaped', () => {
  test('file, output and error names holding ESC, CR, NUL and a newline; every string of the report poisoned', () => {
    const r = report([
      compared(`a${HOSTILE}.jpg`, map({ [HOSTILE]: f32([1, 2, 3]) }), map({ [HOSTILE]: f32([1, 2, 3.5]) })),
      errored(`b${HOSTILE}.jpg`, 2, `b${HOSTILE}.jpg: not an image`, [HOSTILE], [HOSTILE]),
    ], { warnings: [HOSTILE], first: `m${HOSTILE}.onnx` });
    for (const verbose of [false, true]) {
      const text = renderCompareText(r, { color: false, verbose });
      assertNoControl(text);
      assert.ok(text.includes(`a${HOSTILE_SHOWN}.jpg`));
      assert.ok(text.includes(`m${HOSTILE_SHOWN}.onnx`));
      assertNoControl(renderCompareText(poisonStrings(r), { color: false, verbose }));
    }
  });
});
