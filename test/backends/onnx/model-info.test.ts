import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { inspectOnnx, parseOnnxModel } from '../../../src/backends/onnx/model-info.js';
import { InputError } from '../../../src/errors.js';
import { fixture } from '../../helpers/paths.js';

const { onnx } = onnxProto;
const DT = onnx.TensorProto.DataType;

describe('inspectOnnx on the fixture models', () => {
  test('classifier.onnx: header fields, opsets, I/O, counts', async () => {
    const info = await inspectOnnx(fixture('models', 'classifier.onnx'));
    assert.equal(info.irVersion, 8);
    assert.equal(info.producerName, 'trt-parity-fixtures');
    assert.equal(info.producerVersion, '1');
    assert.equal(info.graphName, 'classifier');
    assert.deepEqual(info.opsets, [{ domain: '', version: 13 }]);
    assert.deepEqual(info.inputs, [{ name: 'input', dtype: 'float32', shape: [1, 3, 224, 224], rankKnown: true, kind: 'tensor' }]);
    assert.deepEqual(info.outputs, [{ name: 'logits', dtype: 'float32', shape: [1, 1000], rankKnown: true, kind: 'tensor' }]);
    assert.equal(info.nodeCount, 7);
    assert.equal(info.initializerCount, 6);
  });

  test('named dynamic dims and non-float dtypes', async () => {
    const dyn = await inspectOnnx(fixture('models', 'classifier-dynamic.onnx'));
    assert.deepEqual(dyn.inputs[0]!.shape, [1, 3, 'height', 'width']);
    const two = await inspectOnnx(fixture('models', 'two-outputs.onnx'));
    assert.deepEqual(two.outputs.map((o) => [o.name, o.dtype, o.shape]), [['scores', 'float32', [1, 10]], ['label', 'int64', [1]]]);
    // ORT cannot open this one; the proto reader still describes it.
    const bf = await inspectOnnx(fixture('models', 'bfloat16-output.onnx'));
    assert.equal(bf.outputs[0]!.dtype, 'bfloat16');
  });

  test('agrees with onnx-proto\'s decoder on every fixture model', async () => {
    const dir = fixture('models');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.onnx'))) {
      const bytes = readFileSync(join(dir, file));
      const m = onnx.ModelProto.decode(bytes);
      const info = parseOnnxModel(bytes, file);
      const dims = (vi: onnxProto.onnx.IValueInfoProto) =>
        vi.type!.tensorType!.shape!.dim!.map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue)));
      assert.deepEqual(info.inputs.map((i) => [i.name, i.shape]), m.graph!.input!.map((i) => [i.name, dims(i)]), file);
      assert.deepEqual(info.outputs.map((i) => [i.name, i.shape]), m.graph!.output!.map((i) => [i.name, dims(i)]), file);
      assert.equal(info.nodeCount, m.graph!.node!.length, file);
      assert.equal(info.docString, m.docString, file);
    }
  });
});

describe('parseOnnxModel edge cases (models built here with onnx-proto)', () => {
  const build = (graph: onnxProto.onnx.IGraphProto, extra: Partial<onnxProto.onnx.IModelProto> = {}) =>
    onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 3, opsetImport: [{ domain: '', version: 9 }, { domain: 'com.microsoft', version: 1 }], graph, ...extra })).finish();

  test('weights listed as graph inputs (IR 3 style) are not reported as inputs', () => {
    const bytes = build({
      name: 'g',
      node: [{ opType: 'Add', input: ['x', 'W'], output: ['y'] }],
      initializer: [{ name: 'W', dims: [2], dataType: DT.FLOAT, rawData: new Uint8Array(8) }],
      input: [
        { name: 'x', type: { tensorType: { elemType: DT.FLOAT, shape: { dim: [{ dimValue: 2 }] } } } },
        { name: 'W', type: { tensorType: { elemType: DT.FLOAT, shape: { dim: [{ dimValue: 2 }] } } } },
      ],
      output: [{ name: 'y', type: { tensorType: { elemType: DT.FLOAT } } }],
    }, { metadataProps: [{ key: 'author', value: 'me' }], producerName: 'pytorch', producerVersion: '2.1' });
    const info = parseOnnxModel(bytes, 'ir3.onnx');
    assert.deepEqual(info.inputs.map((i) => i.name), ['x']);
    // No shape at all: rank unknown, not a scalar.
    assert.deepEqual(info.outputs, [{ name: 'y', dtype: 'float32', shape: [], rankKnown: false, kind: 'tensor' }]);
    assert.deepEqual(info.opsets, [{ domain: '', version: 9 }, { domain: 'com.microsoft', version: 1 }]);
    assert.equal(info.metadata.get('author'), 'me');
    assert.equal(info.ultralytics, undefined);
    assert.equal(info.producerName, 'pytorch');
  });

  test('Ultralytics metadata_props: the string map as written and the parsed task, names, imgsz, stride', () => {
    // Values as Ultralytics' exporter writes them: str() of Python values.
    const props = { author: 'Ultralytics', task: 'detect', stride: '32', imgsz: '[640, 640]', names: "{0: 'person', 1: 'bicycle'}" };
    const bytes = build({
      name: 'g', node: [{ opType: 'Identity', input: ['x'], output: ['y'] }],
      input: [{ name: 'x', type: { tensorType: { elemType: DT.FLOAT, shape: { dim: [{ dimValue: 2 }] } } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: DT.FLOAT, shape: { dim: [{ dimValue: 2 }] } } } }],
    }, { metadataProps: Object.entries(props).map(([key, value]) => ({ key, value })) });
    const info = parseOnnxModel(bytes, 'yolo.onnx');
    assert.deepEqual(Object.fromEntries(info.metadata), props);
    assert.equal(info.ultralytics?.task, 'detect');
    assert.deepEqual(info.ultralytics?.names, new Map([[0, 'person'], [1, 'bicycle']]));
    assert.deepEqual(info.ultralytics?.imgsz, [640, 640]);
    assert.equal(info.ultralytics?.stride, 32);
  });

  test('unnamed dynamic dims and negative dim values are null; sequences are named as such', () => {
    const bytes = build({
      name: 'g',
      input: [{ name: 'x', type: { tensorType: { elemType: DT.UINT16, shape: { dim: [{}, { dimValue: -1 }, { dimValue: 4 }] } } } }],
      output: [{ name: 's', type: { sequenceType: { elemType: { tensorType: { elemType: DT.FLOAT } } } } }],
    });
    const info = parseOnnxModel(bytes, 'seq.onnx');
    assert.deepEqual(info.inputs[0], { name: 'x', dtype: 'uint16', shape: [null, null, 4], rankKnown: true, kind: 'tensor' });
    assert.equal(info.outputs[0]!.dtype, 'sequence');
  });
});

describe('inspectOnnx errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'model-info-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const isInputError = (re: RegExp) => (e: unknown) => e instanceof InputError && e.exitCode === 2 && re.test(e.message);

  test('missing file, directory', async () => {
    await assert.rejects(inspectOnnx(join(dir, 'missing.onnx')), isInputError(/missing\.onnx: no such file or directory$/));
    await assert.rejects(inspectOnnx(dir), isInputError(/is a directory/));
  });

  test('a truncated model, an empty file, a .npy file', async () => {
    const whole = readFileSync(fixture('models', 'classifier.onnx'));
    const cut = join(dir, 'cut.onnx');
    writeFileSync(cut, whole.subarray(0, 5000));
    await assert.rejects(inspectOnnx(cut), isInputError(/cut\.onnx: not an ONNX model: protobuf parsing failed/));
    const empty = join(dir, 'empty.onnx');
    writeFileSync(empty, '');
    await assert.rejects(inspectOnnx(empty), isInputError(/empty\.onnx: not an ONNX model: it has no graph/));
    await assert.rejects(inspectOnnx(fixture('npy', 'float32.npy')), isInputError(/float32\.npy: not an ONNX model/));
  });
});
