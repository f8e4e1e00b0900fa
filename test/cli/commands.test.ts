/**
 * `inspect`, `doctor`, `bench`, `--help` and `--version` end to end.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RULE_TEXT } from '../../src/report/text.js';
import { TOOL_VERSION } from '../../src/version.js';
import { repoRoot } from '../helpers/paths.js';
import { ANSI, cli, jsonOf, models, shown, tempDir, type CliResult } from './run-cli.js';

type Io = [name: string, dtype: string, shape: (number | string | null)[]];

/** Every fixture model's I/O, as fixtures/models/README.md documents it. */
const MODELS: Record<string, { inputs: Io[]; outputs: Io[] }> = {
  'classifier.onnx': { inputs: [['input', 'float32', [1, 3, 224, 224]]], outputs: [['logits', 'float32', [1, 1000]]] },
  'classifier-dynamic.onnx': { inputs: [['input', 'float32', [1, 3, 'height', 'width']]], outputs: [['logits', 'float32', [1, 1000]]] },
  'classifier-fp16.onnx': { inputs: [['input', 'float32', [1, 3, 224, 224]]], outputs: [['logits', 'float32', [1, 1000]]] },
  'two-outputs.onnx': { inputs: [['input', 'float32', [1, 3, 32, 32]]], outputs: [['scores', 'float32', [1, 10]], ['label', 'int64', [1]]] },
  'affine.onnx': { inputs: [['x', 'float32', [1, 3, 'h', 'w']]], outputs: [['y', 'float32', [1, 3, 'h', 'w']]] },
  'dtypes.onnx': {
    inputs: [['x', 'float32', [2, 3]], ['ids', 'int64', ['n']], ['mask', 'uint8', [2, 3]], ['h', 'float16', [3]]],
    outputs: [['half', 'float16', [2, 3]], ['positive', 'bool', [2, 3]], ['truncated', 'int32', [2, 3]], ['small', 'int8', [2, 3]],
      ['ids_doubled', 'int64', ['n']], ['mask_copy', 'uint8', [2, 3]], ['h_doubled', 'float16', [3]], ['mask_float', 'float32', [2, 3]]],
  },
  'bfloat16-output.onnx': { inputs: [['x', 'float32', [4]]], outputs: [['y', 'bfloat16', [4]]] },
  'slow-matmul.onnx': { inputs: [['x', 'float32', ['n', 'n']]], outputs: [['y', 'float32', ['n', 'n']]] },
};

let dir: string;
const r: Record<string, CliResult> = {};

before(async () => {
  dir = await tempDir('commands');
  // An ftrt plan header (magic at 0, size u64 at 16) saying TensorRT 10.3.0.26 (bytes 24–27), 32 bytes; and a file too short to be a plan.
  const plan = Buffer.alloc(32);
  plan.write('ftrt', 0, 'latin1');
  plan.writeBigUInt64LE(32n, 16);
  plan.set([10, 3, 0, 26], 24);
  await writeFile(join(dir, 'v10.engine'), plan);
  await writeFile(join(dir, 'short.plan'), Buffer.from('abc'));
  const runs: Record<string, Promise<CliResult>> = {
    help: cli(['--help']),
    compareHelp: cli(['compare', '--help']),
    version: cli(['--version']),
    inspectText: cli(['inspect', models('dtypes.onnx')]),
    inspectEngine: cli(['inspect', join(dir, 'v10.engine')]),
    inspectShort: cli(['inspect', join(dir, 'short.plan'), '--json', '-']),
    inspectMissing: cli(['inspect', join(dir, 'missing.onnx')]),
    doctor: cli(['doctor']),
    doctorJson: cli(['doctor', '--json', '-']),
    bench: cli(['bench', models('classifier.onnx'), '--duration', '0.2', '--warmup', '20', '--iterations', '5', '--json', join(dir, 'bench.json')], { NO_COLOR: '1' }),
    benchTwoOnnx: cli(['bench', models('classifier.onnx'), models('affine.onnx')]),
    benchTwoImages: cli(['bench', models('classifier.onnx'), 'a.jpg', 'b.jpg']),
    ...Object.fromEntries(Object.keys(MODELS).map((m) => [`inspect:${m}`, cli(['inspect', models(m), '--json', '-'])])),
  };
  const done = await Promise.all(Object.values(runs));
  Object.keys(runs).forEach((k, i) => { r[k] = done[i]!; });
});

describe('inspect', () => {
  test('every fixture model: names, dtypes, shapes with named dynamic dims, opset 13', () => {
    for (const [file, want] of Object.entries(MODELS)) {
      const x = r[`inspect:${file}`]!;
      assert.equal(x.code, 0, shown(x));
      const info = jsonOf(x);
      const io = (list: { name: string; dtype: string; shape: unknown[] }[]) => list.map((t) => [t.name, t.dtype, t.shape]);
      assert.deepEqual(io(info.inputs), want.inputs, `${file} inputs`);
      assert.deepEqual(io(info.outputs), want.outputs, `${file} outputs`);
      assert.deepEqual(info.opsets, [{ domain: '', version: 13 }], file);
      assert.equal(info.irVersion, 8, file);
      assert.equal(info.producerName, 'trt-parity-fixtures', file);
    }
  });

  test('the text form lists the I/O and the dynamic dims', () => {
    const x = r['inspectText']!;
    assert.equal(x.code, 0, shown(x));
    assert.doesNotMatch(x.stdout, ANSI);
    const l = x.stdout.split('\n');
    assert.match(l[0]!, /^ONNX model .*dtypes\.onnx {2}\(820 bytes\)$/);
    assert.ok(l.includes('  opsets ai.onnx 13'));
    assert.ok(l.includes('  input   ids          int64    [n]'), shown(x));
    assert.ok(l.includes('  output  positive     bool     [2,3]'));
    assert.ok(l.includes('  dynamic dims: n'));
  });

  test('an engine here: exit 3 with the plan\'s TensorRT version and why it could not be loaded', () => {
    const x = r['inspectEngine']!;
    assert.equal(x.code, 3, shown(x));
    assert.ok(x.stdout.includes('  built by TensorRT 10.3.0.26 (plan header)'), shown(x));
    assert.match(x.stdout, /suitability unknown: cannot try it here: |does not suit this machine: /);
    // Three bytes are no plan: an input error (exit 2) before any TensorRT call (plan-file.ts).
    assert.equal(r['inspectShort']!.code, 2, shown(r['inspectShort']!));
    assert.match(r['inspectShort']!.stderr, /short\.plan: not a TensorRT plan/);
  });

  test('a missing model is an input error', () => {
    const x = r['inspectMissing']!;
    assert.equal(x.code, 2, shown(x));
    assert.equal(x.stderr, `trt-parity: ${join(dir, 'missing.onnx')}: no such file or directory\n`);
  });
});

describe('doctor', () => {
  test('exit 3 with a reason where TensorRT cannot run (0 where it can); text and JSON agree', () => {
    const report = jsonOf(r['doctorJson']!);
    const usable: boolean = report.tensorrtUsable.usable;
    const x = r['doctor']!;
    assert.equal(x.code, usable ? 0 : 3, shown(x));
    assert.equal(r['doctorJson']!.code, x.code);
    assert.ok(x.stdout.startsWith('trt-parity doctor\n'));
    assert.match(x.stdout, /^ {2}onnxruntime-node {2}1\.30\.\d+ /m);
    if (!usable) {
      assert.equal(typeof report.tensorrtUsable.reason, 'string');
      assert.ok(x.stdout.includes(`TensorRT engines cannot run here (${report.tensorrtUsable.reason}). ONNX models and saved runs work.`), shown(x));
      assert.ok(report.problems.length > 0 && report.problems.every((p: { hints: string[] }) => p.hints.length > 0), 'each problem comes with a fix');
      assert.match(x.stdout, /^ {2}fix: /m);
    }
  });
});

describe('bench', () => {
  test('one ONNX model on random data: positive numbers, at least the asked iterations and duration, the JSON schema', async () => {
    const x = r['bench']!;
    assert.equal(x.code, 0, shown(x));
    assert.doesNotMatch(x.stdout, ANSI);
    assert.ok(x.stdout.includes(`onnxruntime  ${models('classifier.onnx')}`));
    const report = JSON.parse(await readFile(join(dir, 'bench.json'), 'utf8'));
    assert.equal(report.schema, 'trt-parity/bench');
    assert.equal(report.schemaVersion, 1);
    assert.deepEqual(report.input, { kind: 'random', image: null, seed: 1, tensors: [{ name: 'input', dtype: 'float32', shape: [1, 3, 224, 224] }] });
    assert.deepEqual([report.settings.warmupMs, report.settings.iterations, report.settings.durationMs], [20, 5, 200]);
    assert.equal(report.results.length, 1);
    assert.equal(report.headline, null, 'one backend: no ratio');
    const b = report.results[0];
    assert.equal(b.backend, 'onnxruntime');
    assert.ok(b.iterations >= 5, `${b.iterations} iterations`);
    assert.ok(b.measuredMs >= 200, `${b.measuredMs} ms measured`);
    assert.equal(b.latency.count, b.iterations);
    for (const k of ['loadMs', 'firstRunMs', 'throughput']) assert.ok(b[k] > 0, k);
    const l = b.latency;
    assert.ok(l.min > 0 && l.min <= l.median && l.median <= l.p90 && l.p90 <= l.p95 && l.p95 <= l.p99 && l.p99 <= l.max, JSON.stringify(l));
    assert.ok(Math.abs(b.throughput - (1000 * b.iterations) / b.measuredMs) < 1e-6 * b.throughput, 'throughput = iterations / measured time');
    assert.equal(b.gpu, null);
    assert.equal(b.samples, null, 'no --export-times');
  });

  test('usage errors: two ONNX models, two images', () => {
    const x = r['benchTwoOnnx']!;
    assert.equal(x.code, 2, shown(x));
    assert.equal(x.stderr, `trt-parity: bench compares two backends; ${models('classifier.onnx')} and ${models('affine.onnx')} are both onnxruntime\n`);
    const y = r['benchTwoImages']!;
    assert.equal(y.code, 2, shown(y));
    assert.equal(y.stderr, 'trt-parity: bench takes at most one image; got a.jpg and b.jpg\n');
  });
});

describe('help and version', () => {
  test('--help lists the commands; compare --help gives the verdict formula and the exit codes', () => {
    const x = r['help']!;
    assert.equal(x.code, 0, shown(x));
    for (const cmd of ['compare', 'inspect', 'bench', 'doctor']) assert.match(x.stdout, new RegExp(`^ {2}${cmd} `, 'm'), cmd);
    const y = r['compareHelp']!;
    assert.equal(y.code, 0, shown(y));
    assert.ok(y.stdout.includes(RULE_TEXT));
    assert.ok(y.stdout.includes('|first - second| <= atol + rtol * |second|'));
    assert.ok(y.stdout.includes('Exit codes: 0 all passed; 1 a mismatch; 2 usage or input error; 3 backend unavailable or failed;'));
    for (const opt of ['--rtol', '--atol', '--allow-nonfinite', '--fail-fast', '--mean', '--std', '--scale', '--bgr', '--layout', '--resize', '--max-pixels', '--input', '--save-inputs', '--save-outputs', '--json', '--junit']) {
      assert.ok(y.stdout.includes(`  ${opt}`), opt);
    }
  });

  test('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8'));
    assert.equal(r['version']!.code, 0);
    assert.equal(r['version']!.stdout, `${pkg.version}\n`);
    assert.equal(TOOL_VERSION, pkg.version);
  });
});
