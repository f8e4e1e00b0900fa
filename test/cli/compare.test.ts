/**
 * `trt-parity compare` end to end on the bundled fixtures: exit codes, the text report, --json,
 * --junit, tolerances, --fail-fast, and the error paths. Spawns run concurrently in `before`
 * hooks; the tests then only read their results.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ANSI, cli, edge, jsonOf, models, photos, shown, tempDir, type CliResult } from './run-cli.js';

const classifier = models('classifier.onnx');
const fp16 = models('classifier-fp16.onnx');
const PHOTO_KEYS = ['astronaut.jpg', 'chelsea.jpg', 'coffee.jpg', 'rocket.jpg'];

let dir: string;
const r: Record<string, CliResult> = {};

before(async () => {
  dir = await tempDir('compare');
  await mkdir(join(dir, 'empty'));
  // A file with a TensorRT extension: which check refuses it depends on the machine (no addon, no GPU, no libnvinfer).
  // A plan header (ftrt magic, size at 16, version 10.16.0.32 at 24..27) that this machine cannot load: exit 3.
  const engine = Buffer.alloc(64, 7);
  engine.write('ftrt', 0, 'latin1');
  engine.writeBigUInt64LE(64n, 16);
  engine.set([10, 16, 0, 32], 24);
  await writeFile(join(dir, 'model.engine'), engine);
  const runs: Record<string, Promise<CliResult>> = {
    same: cli(['compare', classifier, classifier, photos]),
    fp16: cli(['compare', classifier, fp16, photos, '--json', '-', '--junit', join(dir, 'fp16.xml')]),
    failFast: cli(['compare', classifier, fp16, photos, '--fail-fast', '--json', '-']),
    edge: cli(['compare', classifier, fp16, edge]),
    unknownOption: cli(['compare', classifier, classifier, photos, '--bogus']),
    badAtol: cli(['compare', classifier, classifier, photos, '--atol', 'abc']),
    negativeAtol: cli(['compare', classifier, classifier, photos, '--atol', 'logits:-1']),
    missingModel: cli(['compare', join(dir, 'nope.onnx'), classifier, photos]),
    noImages: cli(['compare', classifier, classifier, join(dir, 'empty')]),
    notAnImage: cli(['compare', classifier, classifier, join(edge, 'not-an-image.jpg')]),
    engine: cli(['compare', classifier, join(dir, 'model.engine'), photos]),
    cuda: cli(['compare', classifier, classifier, photos, '--onnx-provider', 'cuda']),
  };
  const done = await Promise.all(Object.values(runs));
  Object.keys(runs).forEach((k, i) => { r[k] = done[i]!; });

  // What the fp16 run printed as the minimum passing atol, fed back.
  const atol = /^ {2}logits .* --atol (\S+) or --rtol \S+$/m.exec(r['fp16']!.stderr)?.[1];
  assert.ok(atol, shown(r['fp16']!));
  const second = {
    atolBack: cli(['compare', classifier, fp16, photos, '--atol', atol]),
    perOutput: cli(['compare', classifier, fp16, photos, '--atol', '0', '--atol', `logits:${atol}`, '--rtol', 'ghost:1', '--json', join(dir, 'per-output.json')]),
    perOutputOther: cli(['compare', classifier, fp16, photos, '--atol', `ghost:${atol}`]),
  };
  const more = await Promise.all(Object.values(second));
  Object.keys(second).forEach((k, i) => { r[k] = more[i]!; });
});

const rowOf = (text: string, key: string): string[] =>
  text.split('\n').find((l) => l.trimStart().startsWith(`${key} `))?.trim().split(/\s+/) ?? [];

describe('compare: verdicts', () => {
  test('a model against itself: every output identical, PASS, exit 0, no colour on a pipe', () => {
    const x = r['same']!;
    assert.equal(x.code, 0, shown(x));
    assert.doesNotMatch(x.stdout, ANSI);
    // Without a terminal there is no bar (no \r redraws); a plain progress line every 10 s is allowed, and
    // a run on a loaded machine can last that long.
    const stderr = x.stderr.split('\n').filter((l) => !/^trt-parity: \d+\/\d+ inputs/.test(l)).join('\n');
    assert.equal(stderr, '', 'no progress bar when stderr is not a terminal');
    assert.ok(!x.stderr.includes('\r'), 'no bar redraws');
    for (const key of PHOTO_KEYS) assert.deepEqual(rowOf(x.stdout, key).slice(0, 7), [key, 'logits', 'PASS', '0/1000', '(0%)', '0', '0'], key);
    assert.ok(x.stdout.endsWith('PASS  4 inputs, every output within tolerance [exit 0]\n'), shown(x));
  });

  test('classifier vs classifier-fp16 at the default tolerance: exit 1; the table and --json - agree', () => {
    const x = r['fp16']!;
    assert.equal(x.code, 1, shown(x));
    const report = jsonOf(x);
    assert.match(x.stderr, /^trt-parity compare\n/, 'the table goes to stderr when JSON takes stdout');
    assert.ok(x.stderr.includes('FAIL  4 of 4 inputs mismatched (logits) [exit 1]'));
    assert.equal(report.summary.exitCode, 1);
    assert.deepEqual(report.items.map((i: { key: string }) => i.key), PHOTO_KEYS);
    let total = 0;
    for (const item of report.items) {
      const o = item.outputs[0];
      const row = rowOf(x.stderr, item.key);
      assert.equal(row[2], 'FAIL');
      assert.equal(row[3], `${o.mismatched}/${o.total}`, item.key);
      assert.ok(o.mismatched > 0 && o.total === 1000);
      assert.equal(o.stats.worst.index.length, 2);
      total += o.mismatched;
    }
    assert.equal(report.summary.outputs[0].mismatched, total);
    // Each item's advice is the JSON's exact figure rounded UP to 3 significant digits (so it still passes).
    const advised = [...x.stderr.matchAll(/would pass with --atol (\S+) \(at rtol=0\.001\) or --rtol (\S+) /g)].map((m) => [Number(m[1]), Number(m[2])]);
    const exact = report.items.map((i: { outputs: { stats: { minAtol: number; minRtol: number } }[] }) => [i.outputs[0]!.stats.minAtol, i.outputs[0]!.stats.minRtol]);
    assert.equal(advised.length, exact.length);
    advised.forEach(([a, r2], k) => {
      assert.ok(a! >= exact[k]![0]! && a! <= exact[k]![0]! * 1.01, `atol ${a} vs ${exact[k]![0]}`);
      assert.ok(r2! >= exact[k]![1]! && r2! <= exact[k]![1]! * 1.01, `rtol ${r2} vs ${exact[k]![1]}`);
    });
    assert.match(x.stderr, new RegExp(`logits +4/4 +${total}/4000 `));
  });

  test('--junit writes one failed testcase per image', async () => {
    const xml = await readFile(join(dir, 'fp16.xml'), 'utf8');
    assert.match(xml, /<testsuites name="trt-parity" tests="4" failures="4" errors="0"/);
    for (const key of PHOTO_KEYS) assert.ok(xml.includes(`<testcase classname="${key}" name="logits"`), key);
  });

  test('re-running with the printed minimum --atol passes', () => {
    const x = r['atolBack']!;
    assert.equal(x.code, 0, shown(x));
    assert.ok(x.stdout.includes('PASS  4 inputs, every output within tolerance [exit 0]'));
  });

  test('per-output tolerance: logits:X overrides a default of 0; a name no output has is warned about', async () => {
    const x = r['perOutput']!;
    assert.equal(x.code, 0, shown(x));
    assert.ok(x.stdout.includes("  warning: tolerance given for 'ghost', which matches no output"), shown(x));
    const report = JSON.parse(await readFile(join(dir, 'per-output.json'), 'utf8'));
    const atol = Number(/--atol (\S+)/.exec(r['atolBack']!.args.join(' '))![1]);
    assert.deepEqual(report.settings.tolerance, { default: { rtol: 0.001, atol: 0 }, perOutput: { logits: { atol }, ghost: { rtol: 1 } } });
    assert.deepEqual(report.items.map((i: { outputs: { tolerance: unknown }[] }) => i.outputs[0]!.tolerance), PHOTO_KEYS.map(() => ({ rtol: 0.001, atol })));
    // The same value given to an output that does not exist changes nothing: still exit 1.
    assert.equal(r['perOutputOther']!.code, 1, shown(r['perOutputOther']!));
  });

  test('--fail-fast stops after the first mismatching image', () => {
    const x = r['failFast']!;
    assert.equal(x.code, 1, shown(x));
    const report = jsonOf(x);
    assert.deepEqual(report.items.map((i: { key: string }) => i.key), ['astronaut.jpg']);
    assert.equal(report.summary.skipped, 3);
    assert.equal(report.settings.failFast, true);
    assert.ok(x.stderr.includes('FAIL  1 of 1 input mismatched (logits); 3 not run (--fail-fast) [exit 1]'), shown(x));
  });
});

describe('compare: input and usage errors exit 2', () => {
  test('a folder with a truncated JPEG and a non-image: the others are still compared, exit 2 beats the mismatches', () => {
    const x = r['edge']!;
    assert.equal(x.code, 2, shown(x));
    const text = x.stdout;
    assert.deepEqual(rowOf(text, 'truncated.jpg'), ['truncated.jpg', '-', 'ERROR']);
    assert.ok(text.includes(`${join(edge, 'truncated.jpg')}: truncated or corrupt image`), shown(x));
    assert.deepEqual(rowOf(text, 'not-an-image.jpg'), ['not-an-image.jpg', '-', 'ERROR']);
    assert.deepEqual(rowOf(text, 'bomb.png'), ['bomb.png', '-', 'ERROR']);
    for (const key of ['anim.gif', 'chelsea.avif', 'chelsea.tif', 'chelsea.webp', 'cmyk.jpg', 'exif-rot6.jpg', 'gray-alpha.png', 'gray.jpg', 'palette.png', 'rgb16.png', 'rgba.png']) {
      assert.match(rowOf(text, key)[2] ?? '', /^(PASS|FAIL)$/, key);
    }
    assert.match(text, /\n(FAIL|ERROR) .*; 3 inputs could not be compared \[exit 2\]\n$/);
  });

  test('an image file that is not an image', () => {
    const x = r['notAnImage']!;
    assert.equal(x.code, 2, shown(x));
    assert.ok(x.stdout.includes(`${join(edge, 'not-an-image.jpg')}: not an image`), shown(x));
    assert.ok(x.stdout.endsWith('ERROR  0 of 1 input passed; 1 input could not be compared [exit 2]\n'));
  });

  test('unknown option, bad and negative --atol, missing model, no images: one line on stderr, nothing on stdout', () => {
    const expectations: [string, string][] = [
      ['unknownOption', "trt-parity: unknown option '--bogus'\n(run trt-parity compare --help for usage)\n"],
      ['badAtol', "trt-parity: Expected a number or NAME:NUMBER for --atol but received 'abc'\n"],
      ['negativeAtol', "trt-parity: Expected a finite number ≥ 0 for --atol logits but received 'logits:-1'\n"],
      ['missingModel', `trt-parity: ${join(dir, 'nope.onnx')}: no such file or directory\n`],
    ];
    for (const [name, stderr] of expectations) {
      const x = r[name]!;
      assert.equal(x.code, 2, shown(x));
      assert.equal(x.stdout, '', name);
      assert.equal(x.stderr, stderr, name);
    }
    const x = r['noImages']!;
    assert.equal(x.code, 2, shown(x));
    assert.match(x.stderr, new RegExp(`^trt-parity: no images found in folder '${join(dir, 'empty')}'`));
    assert.equal(x.stdout, '');
  });
});

describe('compare: backends unavailable exit 3', () => {
  test('a TensorRT engine on this machine: the message says why', () => {
    const x = r['engine']!;
    assert.equal(x.code, 3, shown(x));
    assert.equal(x.stdout, '');
    const [first, ...hints] = x.stderr.trimEnd().split('\n');
    assert.match(first!, /^trt-parity: .*(addon|driver|GPU|CUDA|libnvinfer|TensorRT|engine)/i, shown(x));
    assert.ok(hints.length > 0 && hints.every((h) => h.startsWith('  hint: ')), shown(x));
  });

  test('--onnx-provider cuda where the CUDA provider is not installed', () => {
    const x = r['cuda']!;
    assert.equal(x.code, 3, shown(x));
    assert.match(x.stderr, /^trt-parity: ONNX Runtime execution provider 'cuda' is not available/);
    assert.ok(x.stderr.includes('  hint: '));
  });
});
