import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { OnnxModelInfo } from '../../src/backends/onnx/model-info.js';
import type { EngineReport } from '../../src/backends/tensorrt/engine-info.js';
import { renderEngineText, renderOnnxText } from '../../src/report/inspect-text.js';
import { assertNoControl, HOSTILE, HOSTILE_SHOWN, poisonStrings } from './hostile-strings.js';

describe('renderOnnxText', () => {
  test('I/O table, opsets, named and unnamed dynamic dims, metadata', () => {
    const m: OnnxModelInfo = {
      path: 'm.onnx', fileBytes: 294, irVersion: 8, producerName: 'pytorch', producerVersion: '2.3', domain: '', modelVersion: 0, docString: '',
      graphName: 'main', opsets: [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }],
      inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 3, 'h', null], rankKnown: true, kind: 'tensor' }],
      outputs: [{ name: 'y', dtype: 'int64', shape: ['N'], rankKnown: true, kind: 'tensor' }],
      nodeCount: 2, initializerCount: 1, metadata: new Map([['author', 'me']]),
    };
    const l = renderOnnxText(m, { color: false }).split('\n');
    assert.equal(l[0], 'ONNX model m.onnx  (294 bytes)');
    assert.equal(l[1], "  producer pytorch 2.3, IR version 8, graph 'main', 2 nodes, 1 initializers");
    assert.equal(l[2], '  opsets ai.onnx 17, com.microsoft 1');
    assert.ok(l.includes('  input   x     float32  [N,3,h,?]'));
    assert.ok(l.includes('  output  y     int64    [N]'));
    assert.ok(l.includes('  dynamic dims: N, h, ? (unnamed)'));
    assert.ok(l.includes('  metadata author: me'));
  });
});

const base: EngineReport = {
  path: 'x.engine', fileBytes: 64, planVersion: '10.3.0.26', planFormat: 'ftrt', planOffset: 0, planBytes: 64, ultralytics: null, loaded: false, tensorrtVersion: null, device: null, tensors: null,
  numProfiles: null, deviceMemoryBytes: null, hardwareCompatibility: null,
  suitability: { verdict: 'unknown', reason: 'cannot try it here: no NVIDIA driver' },
  problem: { reason: 'no-cuda-driver', message: 'No NVIDIA driver found', hints: ['install the NVIDIA driver'], detail: [] },
  notes: ['the plan header says it was built by TensorRT 10.3.0'], logs: [],
};

describe('renderEngineText', () => {
  test('not loaded: the plan version, why not, and the fix', () => {
    const l = renderEngineText(base, { color: false }).split('\n');
    assert.equal(l[0], 'TensorRT engine x.engine  (64 bytes)');
    assert.equal(l[1], '  built by TensorRT 10.3.0.26 (plan header)');
    assert.equal(l[2], '  suitability unknown: cannot try it here: no NVIDIA driver');
    assert.ok(l.includes('  No NVIDIA driver found'));
    assert.ok(l.includes('    fix: install the NVIDIA driver'));
    assert.ok(l.includes('  note: the plan header says it was built by TensorRT 10.3.0'));
    assert.ok(!l.some((x) => x.includes('optimization profile')));
  });

  test('an Ultralytics file: task, imgsz, stride, class count and export args on one line', () => {
    const raw = { task: 'detect', imgsz: [640, 640], stride: 32, names: { 0: 'a', 1: 'b' }, version: '8.3.58', args: { half: true, int8: false, device: 0 } };
    const r: EngineReport = { ...base, planOffset: 120, ultralytics: { task: 'detect', imgsz: [640, 640], stride: 32, batch: 1, classNames: ['a', 'b'], version: '8.3.58', exportArgs: raw.args, raw } };
    const l = renderEngineText(r, { color: false }).split('\n');
    assert.equal(l[2], '  Ultralytics export (ultralytics 8.3.58): task detect, imgsz 640x640, stride 32, 2 classes; export args half=true int8=false; plan at byte 120');
  });

  test('loaded: tensors, profiles, memory; unsupported dtypes and formats stand out', () => {
    const r: EngineReport = {
      ...base, loaded: true, tensorrtVersion: '10.16.0', planVersion: null, problem: null, notes: [], logs: ['[W] something'],
      device: { index: 0, name: 'NVIDIA H100', computeCapability: '9.0', totalMemoryBytes: 1, pciBusId: 'x' },
      numProfiles: 1, deviceMemoryBytes: 4096, hardwareCompatibility: 'none',
      suitability: { verdict: 'suitable', reason: 'deserialized and ran a context here' },
      tensors: [
        { name: 'input', mode: 'input', dtype: 'float32', supported: true, shape: [null, 3, 224, 224], location: 'device', format: 'LINEAR', formatDesc: '', isShapeTensor: false,
          profiles: [{ min: [1, 3, 224, 224], opt: [4, 3, 224, 224], max: [8, 3, 224, 224] }] },
        { name: 'q', mode: 'output', dtype: 'fp8', supported: false, shape: [null, 10], location: 'device', format: 'CHW4', formatDesc: 'four wide', isShapeTensor: false, profiles: [] },
      ],
    };
    const text = renderEngineText(r, { color: false });
    const l = text.split('\n');
    assert.equal(l[1], '  built by TensorRT unknown (plan header); this machine has 10.16.0');
    assert.ok(l.includes('  device 0: NVIDIA H100, compute 9.0'));
    assert.ok(l.includes('  suits this GPU: deserialized and ran a context here'));
    assert.ok(l.includes('  1 optimization profile, device memory 4096 bytes, hardware compatibility none'));
    assert.ok(l.includes('  input   input  float32            [?,3,224,224]  device    LINEAR'));
    assert.ok(l.includes('  output  q      fp8 (unsupported)  [?,10]         device    CHW4: four wide'));
    assert.ok(l.includes('  profile 0'));
    assert.ok(l.includes('    input  min [1,3,224,224]  opt [4,3,224,224]  max [8,3,224,224]'));
    assert.ok(l.includes('  tensorrt: [W] something'));
    const red = renderEngineText(r, { color: true });
    assert.ok(red.includes('\x1b[31mfp8 (unsupported)\x1b[39m'));
    assert.ok(red.includes('\x1b[32msuits this GPU\x1b[39m'));
  });
});

describe('inspect text: strings from a hostile model or engine are escaped', () => {
  const onnx: OnnxModelInfo = {
    path: `m${HOSTILE}.onnx`, fileBytes: 294, irVersion: 8, producerName: HOSTILE, producerVersion: '2.3', domain: '', modelVersion: 0, docString: HOSTILE,
    graphName: HOSTILE, opsets: [{ domain: HOSTILE, version: 17 }],
    inputs: [{ name: HOSTILE, dtype: 'float32', shape: [HOSTILE, 3, 8, null], rankKnown: true, kind: 'tensor' }],
    outputs: [{ name: 'y', dtype: 'int64', shape: ['N'], rankKnown: true, kind: 'tensor' }],
    nodeCount: 2, initializerCount: 1, metadata: new Map([[HOSTILE, HOSTILE]]),
  };

  test('ONNX: a tensor name, dynamic dim, file name and metadata holding ESC, CR, NUL and a newline', () => {
    const text = renderOnnxText(onnx, { color: false });
    assertNoControl(text);
    const l = text.split('\n');
    assert.equal(l[0], `ONNX model m${HOSTILE_SHOWN}.onnx  (294 bytes)`);
    assert.ok(l.some((x) => x.startsWith(`  input   ${HOSTILE_SHOWN}  float32  [${HOSTILE_SHOWN},3,8,?]`)), text);
    assert.ok(l.includes(`  metadata ${HOSTILE_SHOWN}: ${HOSTILE_SHOWN}`));
    assertNoControl(renderOnnxText(poisonStrings(onnx), { color: false }));
  });

  test('engine: every string of a loaded report poisoned (tensor names, formats, logs, device, path)', () => {
    const r: EngineReport = {
      ...base, loaded: true, tensorrtVersion: '10.16.0', problem: { reason: 'x', message: 'm', hints: ['h'], detail: [] }, logs: ['[W] something'],
      ultralytics: { task: 'detect', imgsz: [640, 640], stride: 32, batch: 1, classNames: ['a'], version: '8.3.58', exportArgs: { half: 'yes' }, raw: {} },
      device: { index: 0, name: 'NVIDIA H100', computeCapability: '9.0', totalMemoryBytes: 1, pciBusId: 'x' },
      numProfiles: 1, deviceMemoryBytes: 4096, hardwareCompatibility: 'none',
      tensors: [{ name: 'input', mode: 'input', dtype: 'float32', supported: true, shape: ['batch', 3, 8, 8], location: 'device', format: 'CHW4', formatDesc: 'four', isShapeTensor: false,
        profiles: [{ min: [1, 3, 8, 8], opt: [1, 3, 8, 8], max: [1, 3, 8, 8] }] }],
    };
    const text = renderEngineText(poisonStrings(r), { color: false });
    assertNoControl(text);
    assert.ok(text.includes(`input${HOSTILE_SHOWN}`));
    assertNoControl(renderEngineText(poisonStrings(r), { color: true }).replace(/\x1b\[[0-9;]*m/g, ''));
  });
});
