import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseToleranceSpec } from '../../src/compare/tolerance.js';
import { BackendError, InputError, UsageError } from '../../src/errors.js';
import { verdictLine } from '../../src/report/text.js';
import { runCompare, type CompareRunOptions } from '../../src/app/compare-run.js';
import type { Tensor, TensorInfo, TensorMap } from '../../src/tensor/types.js';
import { f32, fakeBackend, fakeIO, fakeReplay, outputs, preprocessRecord, recorder, type FakeBackend } from '../doubles/fake-backends.js';

const IMAGE_INPUT: TensorInfo = { name: 'input', dtype: 'float32', shape: [1, 3] };

/** The "image" each key decodes to: three distinct values per key. */
const pixels = (v: number): Tensor => f32([v, v + 1, v + 2], [1, 3]);

/** A model whose logits are its input: both backends agree unless the second is told to differ. */
const echo = (source: string, inputs: readonly TensorInfo[] | null = [IMAGE_INPUT], skew: Record<string, number> = {}, name = 'input'): FakeBackend =>
  fakeBackend(source, inputs, (key, feeds) => {
    const x = feeds.get(name)!.data as Float32Array;
    const out = Float32Array.from(x);
    // |diff| = skew on the last element; 0.5 ≫ atol + rtol·|x| for these small values.
    out[out.length - 1] = out[out.length - 1]! + (skew[key] ?? 0);
    return outputs({ logits: f32([...out], [1, 3]) });
  });

const images = (...keys: string[]) => keys.map((k) => ({ path: `/imgs/${k}`, key: k }));

const base = (over: Partial<CompareRunOptions> = {}): CompareRunOptions => ({
  first: 'a.onnx', second: 'b.onnx', images: ['/imgs'], rawInputs: new Map(),
  tolerance: parseToleranceSpec({}), allowNonFinite: false, failFast: false, ...over,
});

describe('runCompare: verdicts and exit codes', () => {
  test('pass, fail and error items; the highest code wins and a bad image does not stop the run', async () => {
    const first = echo('a.onnx');
    const failing = fakeBackend('b.onnx', [IMAGE_INPUT], (key, feeds) => {
      if (key === 'd.jpg') throw new BackendError('tensorrt', 'engine-failed', 'enqueueV3 failed');
      const x = feeds.get('input')!.data as Float32Array;
      return outputs({ logits: f32([x[0]!, x[1]!, x[2]! + (key === 'b.jpg' ? 0.5 : 0)], [1, 3]) });
    });
    const io = fakeIO({
      backends: { 'a.onnx': first, 'b.onnx': failing },
      images: images('a.jpg', 'b.jpg', 'c.jpg', 'd.jpg', 'e.jpg'),
      pixels: {
        '/imgs/a.jpg': pixels(1), '/imgs/b.jpg': pixels(2), '/imgs/c.jpg': new InputError('/imgs/c.jpg', 'truncated or corrupt image'),
        '/imgs/d.jpg': pixels(4), '/imgs/e.jpg': pixels(5),
      },
    });
    const progress: [number, number, string][] = [];
    const report = await runCompare(base({ onItem: (done, total, item) => progress.push([done, total, item.status]) }), io);

    assert.deepEqual(report.items.map((i) => [i.key, i.status]), [['a.jpg', 'pass'], ['b.jpg', 'fail'], ['c.jpg', 'error'], ['d.jpg', 'error'], ['e.jpg', 'pass']]);
    assert.deepEqual(progress, [[1, 5, 'pass'], [2, 5, 'fail'], [3, 5, 'error'], [4, 5, 'error'], [5, 5, 'pass']]);
    const c = report.items[2]!;
    assert.equal(c.error?.exitCode, 2);
    assert.equal(c.error?.message, '/imgs/c.jpg: truncated or corrupt image');
    assert.deepEqual(c.timing.firstMs, null, 'the backends never saw the bad image');
    const d = report.items[3]!;
    assert.equal(d.error?.exitCode, 3);
    assert.equal(d.timing.firstMs, 1, 'the first backend ran');
    assert.equal(d.timing.secondMs, null, 'the second failed');
    // c.jpg never reached a backend; every other image reached both.
    assert.deepEqual(first.calls.map((x) => x.key), ['a.jpg', 'b.jpg', 'd.jpg', 'e.jpg']);
    const s = report.summary;
    assert.deepEqual([s.items, s.passed, s.failed, s.errors, s.skipped, s.exitCode], [5, 2, 1, 2, 0, 3]);
    // b.jpg: one element of three differs by 0.5 (> 1e-5 + 1e-3·4.5).
    assert.deepEqual(s.outputs.map((o) => [o.name, o.items, o.failed, o.mismatched, o.total]), [['logits', 3, 1, 1, 9]]);
    assert.ok(first.disposed && failing.disposed, 'both backends disposed');
  });

  test('an input error (2) outranks a mismatch (1); a mismatch alone is 1', async () => {
    const run = async (bad: boolean) => {
      const io = fakeIO({
        backends: { 'a.onnx': echo('a.onnx'), 'b.onnx': echo('b.onnx', [IMAGE_INPUT], { 'a.jpg': 0.5 }) },
        images: images('a.jpg', 'b.jpg'),
        pixels: { '/imgs/a.jpg': pixels(1), '/imgs/b.jpg': bad ? new InputError('/imgs/b.jpg', 'not an image') : pixels(2) },
      });
      return runCompare(base(), io);
    };
    const withBad = await run(true);
    assert.equal(withBad.summary.exitCode, 2);
    assert.equal(verdictLine(withBad), 'FAIL  1 of 1 input mismatched (logits); 1 input could not be compared [exit 2]');
    const mismatchOnly = await run(false);
    assert.equal(mismatchOnly.summary.exitCode, 1);
    assert.equal(verdictLine(mismatchOnly), 'FAIL  1 of 2 inputs mismatched (logits) [exit 1]');
  });

  test('--fail-fast stops after the first mismatch and counts the rest as skipped', async () => {
    const first = echo('a.onnx');
    const second = echo('b.onnx', [IMAGE_INPUT], { 'b.jpg': 0.5, 'c.jpg': 0.5 });
    const io = fakeIO({
      backends: { 'a.onnx': first, 'b.onnx': second },
      images: images('a.jpg', 'b.jpg', 'c.jpg', 'd.jpg'),
      pixels: { '/imgs/a.jpg': pixels(1), '/imgs/b.jpg': pixels(2), '/imgs/c.jpg': pixels(3), '/imgs/d.jpg': pixels(4) },
    });
    const report = await runCompare(base({ failFast: true }), io);
    assert.deepEqual(report.items.map((i) => i.status), ['pass', 'fail']);
    assert.deepEqual(second.calls.map((c) => c.key), ['a.jpg', 'b.jpg'], 'nothing ran after the mismatch');
    assert.equal(report.summary.skipped, 2);
    assert.equal(report.summary.exitCode, 1);
    assert.equal(report.settings.failFast, true);
    assert.equal(verdictLine(report), 'FAIL  1 of 2 inputs mismatched (logits); 2 not run (--fail-fast) [exit 1]');
  });

  test('an abort signal stops before the next input and the report says so', async () => {
    const abort = new AbortController();
    const first = echo('a.onnx');
    const io = fakeIO({
      backends: { 'a.onnx': first, 'b.onnx': echo('b.onnx') },
      images: images('a.jpg', 'b.jpg', 'c.jpg'),
      pixels: { '/imgs/a.jpg': pixels(1), '/imgs/b.jpg': pixels(2), '/imgs/c.jpg': pixels(3) },
    });
    const report = await runCompare(base({ signal: abort.signal, onItem: () => abort.abort() }), io);
    assert.deepEqual(report.items.map((i) => i.key), ['a.jpg']);
    assert.deepEqual(first.calls.map((c) => c.key), ['a.jpg']);
    assert.equal(report.summary.skipped, 2);
    assert.ok(report.warnings.includes('interrupted: 2 inputs not run'), report.warnings.join('|'));
    // An AbortSignal alone does not say which signal; the CLI's handler names it (SIGINT by default).
    assert.match(verdictLine(report), /^INTERRUPTED( by SIGINT)? {2}1 input compared, all passed; 2 not run \(interrupted\) \[exit 130\]$/);

    const already = new AbortController();
    already.abort();
    const none = await runCompare(base({ signal: already.signal }), fakeIO({
      backends: { 'a.onnx': echo('a.onnx'), 'b.onnx': echo('b.onnx') },
      images: images('a.jpg'), pixels: { '/imgs/a.jpg': pixels(1) },
    }));
    assert.equal(none.items.length, 0);
    assert.ok(none.warnings.includes('interrupted: 1 input not run'));
  });

  // "Stop now" (a second Ctrl-C, SIGTERM) abandons the input in flight while it is being inferred, but
  // not once its side effects have begun: the saved run, the HTML report and the task tracker must
  // list exactly the inputs the report has (a SIGTERM test saw a manifest with one input more).
  const gate = (): { wait: Promise<void>; open: () => void } => {
    let open = (): void => {};
    const wait = new Promise<void>((r) => { open = r; });
    return { wait, open };
  };

  test('stop now during an inference: that input is abandoned with no side effect', async () => {
    const stop = new AbortController();
    const held = gate();
    const slow: FakeBackend = {
      ...echo('b.onnx'),
      async run(feeds: TensorMap, key: string) {
        if (key === 'b.jpg') {
          stop.abort();
          await held.wait;
        }
        return { outputs: outputs({ logits: f32([...(feeds.get('input')!.data as Float32Array)], [1, 3]) }), timing: { wallMs: 1 } };
      },
    };
    const out = recorder();
    const compared: string[] = [];
    const io = fakeIO({
      backends: { 'a.onnx': echo('a.onnx'), 'b.onnx': slow }, images: images('a.jpg', 'b.jpg', 'c.jpg'),
      pixels: { '/imgs/a.jpg': pixels(1), '/imgs/b.jpg': pixels(2), '/imgs/c.jpg': pixels(3) }, outputsRecorder: out,
    });
    const report = await runCompare(base({ stopNow: stop.signal, onCompared: (item) => compared.push(item.key) }), io);
    held.open();
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(report.items.map((i) => i.key), ['a.jpg']);
    assert.equal(report.summary.skipped, 2);
    assert.deepEqual(out.added.map((a) => a.key), ['a.jpg'], 'the abandoned input was saved after the report was made');
    assert.deepEqual(compared, ['a.jpg']);
    assert.equal(out.closed, 1);
  });

  test('stop now while an input\'s outputs are being saved: it is finished and reported', async () => {
    const stop = new AbortController();
    const held = gate();
    const added: string[] = [];
    const slowSave = {
      async add(key: string) {
        if (key === 'b.jpg') {
          stop.abort();
          setTimeout(held.open, 20);
          await held.wait;
        }
        added.push(key);
      },
      async close() {},
    };
    const io = fakeIO({
      backends: { 'a.onnx': echo('a.onnx'), 'b.onnx': echo('b.onnx') }, images: images('a.jpg', 'b.jpg', 'c.jpg'),
      pixels: { '/imgs/a.jpg': pixels(1), '/imgs/b.jpg': pixels(2), '/imgs/c.jpg': pixels(3) }, outputsRecorder: slowSave,
    });
    const report = await runCompare(base({ stopNow: stop.signal }), io);
    assert.deepEqual(report.items.map((i) => i.key), ['a.jpg', 'b.jpg']);
    assert.deepEqual(added, ['a.jpg', 'b.jpg'], 'every saved input is reported, every reported one saved');
    assert.equal(report.summary.skipped, 1);
    assert.equal(report.interrupted, true);
  });
});

describe('runCompare: feeding the models', () => {
  test('input names that differ are matched by position, once, with a warning', async () => {
    const first = echo('a.onnx');
    const second = echo('b.onnx', [{ name: 'images', dtype: 'float32', shape: [1, 3] }], {}, 'images');
    const rec = recorder();
    const io = fakeIO({
      backends: { 'a.onnx': first, 'b.onnx': second }, images: images('a.jpg', 'b.jpg'),
      pixels: { '/imgs/a.jpg': pixels(1), '/imgs/b.jpg': pixels(2) }, outputsRecorder: rec,
    });
    const report = await runCompare(base(), io);
    assert.equal(report.summary.exitCode, 0);
    assert.deepEqual([...first.calls[0]!.feeds.keys()], ['input']);
    assert.deepEqual([...second.calls[0]!.feeds.keys()], ['images']);
    assert.equal(second.calls[1]!.feeds.get('images'), first.calls[1]!.feeds.get('input'), 'the same tensor, renamed');
    assert.deepEqual(report.warnings, ['input names differ; matched by position: input -> images']);
    // Saved inputs keep the first model's names, so a replay against it matches.
    assert.deepEqual([...rec.added[0]!.inputs.keys()], ['input']);
  });

  test('models with different input counts are refused, and both are disposed', async () => {
    const first = echo('a.onnx');
    const second = echo('b.onnx', [IMAGE_INPUT, { name: 'extra', dtype: 'float32', shape: [1] }]);
    const io = fakeIO({ backends: { 'a.onnx': first, 'b.onnx': second }, images: images('a.jpg'), pixels: { '/imgs/a.jpg': pixels(1) } });
    await assert.rejects(runCompare(base(), io), (e: unknown) =>
      e instanceof UsageError && e.message === 'a.onnx has 1 inputs (input) but b.onnx has 2 (input, extra); they are not the same model');
    assert.ok(first.disposed && second.disposed);
  });

  const TWO_INPUTS: TensorInfo[] = [IMAGE_INPUT, { name: 'scale', dtype: 'float32', shape: [1] }];
  const scaled = (source: string): FakeBackend => fakeBackend(source, TWO_INPUTS, (_key, feeds) => {
    const x = feeds.get('input')!.data as Float32Array;
    const s = (feeds.get('scale')!.data as Float32Array)[0]!;
    return outputs({ logits: f32([...x].map((v) => v * s), [1, 3]) });
  });

  test('--input feeds a raw tensor beside the image; it is read once', async () => {
    const first = scaled('a.onnx');
    const io = fakeIO({
      backends: { 'a.onnx': first, 'b.onnx': scaled('b.onnx') }, images: images('a.jpg', 'b.jpg'),
      pixels: { '/imgs/a.jpg': pixels(1), '/imgs/b.jpg': pixels(2) }, tensors: { '/t/scale.npy': f32([3], [1]) },
    });
    const report = await runCompare(base({ rawInputs: new Map([['scale', '/t/scale.npy']]) }), io);
    assert.equal(report.summary.exitCode, 0);
    assert.deepEqual(io.readTensors, ['/t/scale.npy']);
    assert.deepEqual([...first.calls[1]!.feeds.keys()].sort(), ['input', 'scale']);
    assert.deepEqual(io.loaded, ['/imgs/a.jpg', '/imgs/b.jpg']);
    assert.deepEqual([...(first.calls[1]!.feeds.get('scale')!.data as Float32Array)], [3]);
    assert.equal(report.items[0]!.path, '/imgs/a.jpg');
  });

  test('only raw tensors: one input, keyed by the file names, no image loaded', async () => {
    const first = scaled('a.onnx');
    const io = fakeIO({
      backends: { 'a.onnx': first, 'b.onnx': scaled('b.onnx') },
      tensors: { '/t/x.npy': f32([1, 2, 3], [1, 3]), '/t/s.npy': f32([2], [1]) },
    });
    const report = await runCompare(base({ images: [], rawInputs: new Map([['input', '/t/x.npy'], ['scale', '/t/s.npy']]) }), io);
    assert.deepEqual(report.items.map((i) => [i.key, i.path, i.status]), [['x.npy+s.npy', null, 'pass']]);
    assert.deepEqual(io.loaded, []);
    assert.equal(report.settings.preprocess, null);
  });

  const refused = async (over: Partial<CompareRunOptions>, message: string) => {
    const first = scaled('a.onnx');
    const second = scaled('b.onnx');
    const io = fakeIO({
      backends: { 'a.onnx': first, 'b.onnx': second }, images: images('a.jpg'),
      pixels: { '/imgs/a.jpg': pixels(1) }, tensors: { '/t/s.npy': f32([2], [1]), '/t/x.npy': f32([1, 2, 3], [1, 3]) },
    });
    await assert.rejects(runCompare(base(over), io), (e: unknown) => e instanceof UsageError && e.message === message);
    assert.equal(first.calls.length, 0, 'nothing ran');
    assert.ok(first.disposed && second.disposed, 'both backends disposed');
  };

  test('an --input name the model does not have is a usage error listing the inputs', () =>
    refused({ rawInputs: new Map([['bogus', '/t/s.npy']]) }, "--input bogus=/t/s.npy: the model has no input named 'bogus' (inputs: input, scale)"));

  test('images cannot feed two inputs', () =>
    refused({}, 'the model has 2 inputs not given with --input (input, scale); images can feed only one: give the others with --input name=file.npy'));

  test('no images and inputs left unfed', () =>
    refused({ images: [], rawInputs: new Map([['scale', '/t/s.npy']]) }, 'no images given and input input not given with --input name=file.npy'));

  test('images given although every input comes from --input', () =>
    refused({ rawInputs: new Map([['scale', '/t/s.npy'], ['input', '/t/x.npy']]) },
      'every model input is given with --input, so the image arguments would not be used; drop them or one --input'));
});

describe('runCompare: an item error keeps the backend\'s reason and log lines', () => {
  test('a failed run becomes an error item carrying reason, exit code, message, hints and logs', async () => {
    const logs = ['[TRT] [E] IExecutionContext::enqueueV3: Error Code 1: Cuda Runtime (an illegal memory access)', '[TRT] [E] second line'];
    const failing = fakeBackend('b.engine', [IMAGE_INPUT], () => {
      throw new BackendError('device-runtime', 'cuda-error', 'b.engine: the run failed on a.jpg', { hints: ['run it again with --trt-log-level verbose'], logs });
    });
    const io = fakeIO({ backends: { 'a.onnx': echo('a.onnx'), 'b.onnx': failing }, images: images('a.jpg'), pixels: { '/imgs/a.jpg': pixels(1) } });
    const report = await runCompare(base(), io);
    assert.deepEqual(report.items[0]!.error, {
      reason: 'cuda-error', exitCode: 3, message: 'b.engine: the run failed on a.jpg', hints: ['run it again with --trt-log-level verbose'], logs,
    });
    assert.equal(report.summary.exitCode, 3);
  });
});

describe('runCompare: two saved runs', () => {
  test('compared over common keys, with a warning for keys in one only; a digest mismatch is an item error', async () => {
    // Saved runs answer by key, with no feeds: give each key fixed outputs.
    const answer = (key: string): TensorMap => outputs({ logits: f32([key.length, 1, 2], [1, 3]) });
    const ra = fakeReplay('runA', ['a', 'bb', 'ccc'], answer, { a: 'sha256:1', bb: 'sha256:2', ccc: 'sha256:3aaaaaaaaaaaaaaaaaaaaaaa' });
    const rb = fakeReplay('runB', ['bb', 'ccc', 'dddd'], answer, { bb: 'sha256:2', ccc: 'sha256:3bbbbbbbbbbbbbbbbbbbbbbb', dddd: 'sha256:4' });
    const io = fakeIO({ backends: { runA: ra, runB: rb } });
    const report = await runCompare(base({ first: 'runA', second: 'runB', images: [] }), io);
    assert.deepEqual(report.items.map((i) => [i.key, i.path, i.status]), [['bb', null, 'pass'], ['ccc', null, 'error']]);
    assert.deepEqual(report.warnings, ['2 keys are in only one saved run and not compared: a, dddd']);
    const err = report.items[1]!.error!;
    assert.equal(err.exitCode, 2);
    assert.match(err.message, /^'ccc': runA and runB were saved from different inputs \(input digests sha256:3aaaaaaaaaaa… and sha256:3bbbbbbbbbbb…\), so their outputs are not comparable$/);
    assert.deepEqual(ra.calls.map((c) => c.key), ['bb'], 'outputs saved from different inputs are never read');
    assert.equal(ra.calls[0]!.feeds.size, 0);
    assert.equal(report.summary.exitCode, 2);
  });

  test('replays whose manifests declare their inputs still compare over their common keys when no input is given', async () => {
    const answer = (key: string): TensorMap => outputs({ logits: f32([key.length, 1, 2], [1, 3]) });
    const ra = fakeReplay('runA', ['a', 'bb'], answer, {}, [IMAGE_INPUT]);
    const rb = fakeReplay('runB', ['bb', 'a'], answer, {}, [IMAGE_INPUT]);
    const report = await runCompare(base({ first: 'runA', second: 'runB', images: [] }), fakeIO({ backends: { runA: ra, runB: rb } }));
    assert.deepEqual(report.items.map((i) => [i.key, i.status]), [['a', 'pass'], ['bb', 'pass']], "in the first run's order");
    assert.deepEqual(report.warnings, []);
    assert.equal(report.summary.exitCode, 0);
  });

  test('no key in common is an input error', async () => {
    const ra = fakeReplay('runA', ['a'], () => outputs({}));
    const rb = fakeReplay('runB', ['b'], () => outputs({}));
    const io = fakeIO({ backends: { runA: ra, runB: rb } });
    await assert.rejects(runCompare(base({ first: 'runA', second: 'runB', images: [] }), io),
      (e: unknown) => e instanceof InputError && e.message === 'runA and runB have no saved inputs in common; nothing to compare');
  });
});

describe('runCompare: recorders, warnings, settings', () => {
  test('recorders get (key, outputs of the FIRST, feeds) and are closed once', async () => {
    const firstOut = new Map<string, TensorMap>();
    const first = fakeBackend('a.onnx', [IMAGE_INPUT], (key, feeds) => {
      const o = outputs({ logits: f32([...(feeds.get('input')!.data as Float32Array)], [1, 3]) });
      firstOut.set(key, o);
      return o;
    });
    const out = recorder();
    const inp = recorder();
    const io = fakeIO({
      backends: { 'a.onnx': first, 'b.onnx': echo('b.onnx', [IMAGE_INPUT], { 'b.jpg': 0.5 }) }, images: images('a.jpg', 'b.jpg'),
      pixels: { '/imgs/a.jpg': pixels(1), '/imgs/b.jpg': pixels(2) }, outputsRecorder: out, inputsRecorder: inp,
    });
    const report = await runCompare(base(), io);
    assert.equal(io.preparedWith, first);
    assert.deepEqual(out.added.map((a) => a.key), ['a.jpg', 'b.jpg']);
    for (const a of out.added) {
      assert.equal(a.tensors, firstOut.get(a.key), `${a.key}: the first backend's own outputs`);
      assert.deepEqual([...(a.inputs.get('input')!.data as Float32Array)], a.key === 'a.jpg' ? [1, 2, 3] : [2, 3, 4]);
    }
    assert.deepEqual(inp.added.map((a) => [a.key, a.tensors === a.inputs]), [['a.jpg', true], ['b.jpg', true]]);
    assert.equal(out.closed, 1);
    assert.equal(inp.closed, 1);
    assert.equal(report.summary.exitCode, 1, 'a mismatch is still recorded');
  });

  test('warnings every compared item shares are hoisted once; item-specific ones stay', async () => {
    const second = fakeBackend('b.onnx', [IMAGE_INPUT], (key, feeds) => {
      const x = [...(feeds.get('input')!.data as Float32Array)];
      return key === 'b.jpg' ? outputs({ logits: f32(x, [1, 3]), extra: f32([0]) }) : outputs({ logits: f32(x, [1, 3]) });
    });
    const io = fakeIO({
      backends: { 'a.onnx': echo('a.onnx'), 'b.onnx': second }, images: images('a.jpg', 'b.jpg', 'c.jpg', 'd.jpg'),
      pixels: { '/imgs/a.jpg': pixels(1), '/imgs/b.jpg': pixels(2), '/imgs/c.jpg': new InputError('/imgs/c.jpg', 'bad'), '/imgs/d.jpg': pixels(4) },
    });
    const report = await runCompare(base({ tolerance: parseToleranceSpec({ atol: ['nope:1'] }) }), io);
    assert.deepEqual(report.warnings, ["tolerance given for 'nope', which matches no output"]);
    assert.deepEqual(report.items.map((i) => i.warnings), [[], ["output 'extra' is present only in the second run"], [], []]);
    assert.deepEqual(report.items.map((i) => i.status), ['pass', 'fail', 'error', 'pass']);
    assert.deepEqual(report.settings.preprocess, preprocessRecord('input', '/imgs/a.jpg'), 'from the first image');
    assert.deepEqual(report.settings.tolerance, { default: { rtol: 1e-3, atol: 1e-5 }, perOutput: { nope: { atol: 1 } } });
  });
});

describe('runCompare: images prepared ahead (the decode pool\'s window) and backends opened together', () => {
  // When a backend's inference keeps every core busy, images are decoded between inferences, the
  // whole window at once when it is empty; otherwise alongside them (the window refilled before each).
  const timeline = async (busy: boolean): Promise<{ events: string[]; keys: string[] }> => {
    const events: string[] = [];
    const slow = (source: string): FakeBackend => ({
      ...echo(source),
      ...(busy ? { busiesEveryCore: true } : {}),
      async run(feeds: TensorMap, key: string) {
        events.push(`run ${key}`);
        await new Promise((r) => setTimeout(r, 5));
        events.push(`end ${key}`);
        return { outputs: outputs({ logits: f32([...(feeds.get('input')!.data as Float32Array)], [1, 3]) }), timing: { wallMs: 5 } };
      },
    });
    const keys = ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg', 'e.jpg', 'f.jpg', 'g.jpg'];
    const io = fakeIO({
      backends: { 'a.onnx': slow('a.onnx'), 'b.onnx': echo('b.onnx') }, images: images(...keys),
      pixels: Object.fromEntries(keys.map((k, i) => [`/imgs/${k}`, pixels(i)])),
    });
    const load = io.loadImage.bind(io);
    io.loadImage = async (path, input) => {
      events.push(`load ${path.slice('/imgs/'.length)}`);
      return load(path, input);
    };
    io.planLoads = () => 3;
    const report = await runCompare(base(), io);
    return { events, keys: report.items.map((i) => i.key) };
  };

  test('a backend that busies every core: no image is decoded while it infers; the window is refilled whole', async () => {
    const { events, keys } = await timeline(true);
    assert.deepEqual(keys, ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg', 'e.jpg', 'f.jpg', 'g.jpg']);
    let running = false;
    for (const e of events) {
      if (e.startsWith('run ')) running = true;
      if (e.startsWith('end ')) running = false;
      assert.ok(!(running && e.startsWith('load ')), `${e} while an inference runs: ${events.join(', ')}`);
    }
    // Three loads, three inferences, three loads, ...
    assert.deepEqual(events.filter((e) => !e.startsWith('end ')).map((e) => e.split(' ')[0]).join(' '),
      'load load load run run run load load load run run run load run');
  });

  test('otherwise the window is refilled before each inference, so the next images decode while it runs', async () => {
    const { events, keys } = await timeline(false);
    assert.equal(keys.length, 7);
    assert.deepEqual(events.filter((e) => !e.startsWith('end ')).map((e) => e.split(' ')[0]).join(' '),
      'load load load load run load run load run load run run run run');
  });

  test('loads finishing out of order are still compared in input order, with never more than the window in flight', async () => {
    const keys = ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg', 'e.jpg', 'f.jpg', 'g.jpg'];
    const first = echo('a.onnx');
    const io = fakeIO({ backends: { 'a.onnx': first, 'b.onnx': echo('b.onnx') }, images: images(...keys), pixels: {} });
    let inFlight = 0;
    let most = 0;
    let told = -1;
    // Later images load faster than earlier ones, so they finish first.
    io.loadImage = async (path, input) => {
      inFlight++;
      most = Math.max(most, inFlight);
      const i = keys.indexOf(path.slice('/imgs/'.length));
      await new Promise((r) => setTimeout(r, 2 * (keys.length - i)));
      inFlight--;
      return { tensor: pixels(10 * i), preprocess: preprocessRecord(input.name, path) };
    };
    io.planLoads = (n) => { told = n; return 3; };
    const report = await runCompare(base(), io);
    assert.equal(told, keys.length);
    assert.deepEqual(report.items.map((i) => [i.key, i.status]), keys.map((k) => [k, 'pass']));
    assert.deepEqual(first.calls.map((c) => [c.key, (c.feeds.get('input')!.data as Float32Array)[0]]), keys.map((k, i) => [k, 10 * i]));
    // The window is 3 ahead of the one being compared; while that one runs its load is done.
    assert.ok(most <= 3, `at most 3 loads at once, saw ${most}`);
    assert.ok(most >= 2, `loads overlapped (saw ${most})`);
  });

  test('both backends are opened before either finishes opening; when the second fails the first is disposed and the error names it', async () => {
    const first = echo('a.onnx');
    let opening = 0;
    let together = false;
    const io = fakeIO({ backends: { 'a.onnx': first }, images: images('a.jpg'), pixels: { '/imgs/a.jpg': pixels(1) } });
    io.openBackend = async (path) => {
      opening++;
      await new Promise((r) => setTimeout(r, 5));
      if (opening === 2) together = true;
      opening--;
      if (path === 'b.onnx') throw new BackendError('onnxruntime', 'model-load-failed', 'b.onnx: cannot load');
      return first;
    };
    await assert.rejects(runCompare(base(), io), /b\.onnx: cannot load/);
    assert.ok(together, 'the second open started while the first was still opening');
    assert.ok(first.disposed, 'the backend that opened is disposed');
  });

  test('when both fail to open, the first one\'s error is the one reported', async () => {
    const io = fakeIO({ backends: {}, images: images('a.jpg'), pixels: {} });
    io.openBackend = async (path) => { throw new InputError(path, 'not a model'); };
    await assert.rejects(runCompare(base(), io), /^InputError: a\.onnx: not a model$/m);
  });
});
