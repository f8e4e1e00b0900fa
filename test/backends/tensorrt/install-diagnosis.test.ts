import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { engineVerdict } from '../../../src/backends/tensorrt/install-diagnosis.js';
import type { TensorRtInstallSection } from '../../../src/report/model/doctor.js';

const addon = { source: 'prebuilt', sourceWhy: 'x', prebuild: null } as const;
const found: TensorRtInstallSection = {
  addon,
  library: { path: '/v/tensorrt_libs/libnvinfer.so.10', kind: 'full', version: '10.16.0', versionFrom: 'pip package', why: 'newest', note: null, fix: null },
  candidates: [],
  search: [],
};
const none: TensorRtInstallSection = {
  ...found,
  library: { path: null, kind: null, version: null, versionFrom: null, why: 'the plan was built by TensorRT 10.16.0.72, and no TensorRT 10 library was found', note: null, fix: "pip install 'tensorrt-cu13==10.16.*'" },
};
const facts = { path: '/m/model.engine', planVersion: '10.16.0.72', unreadable: null };

describe('engineVerdict', () => {
  it('a file that is not a plan: cannot run anywhere, export it again', () => {
    const v = engineVerdict({ path: '/m/x.engine', planVersion: null, unreadable: '/m/x.engine: not a TensorRT plan: ...' }, found, [], null);
    assert.deepEqual([v.canRun, v.isPlan], [false, false]);
    assert.match(v.verdict, /^x\.engine cannot run anywhere: /);
    assert.match(v.fix ?? '', /trtexec --onnx=model\.onnx --saveEngine=model\.engine/);
  });

  it('no library of the plan\'s major: the pip command is the fix', () => {
    const v = engineVerdict(facts, none, [], null);
    assert.equal(v.canRun, false);
    assert.equal(v.fix, "pip install 'tensorrt-cu13==10.16.*'");
    assert.equal(v.verdict, 'model.engine (built by TensorRT 10.16.0) cannot run here: the plan was built by TensorRT 10.16.0.72, and no TensorRT 10 library was found');
  });

  it('not tried (no GPU): the most fundamental problem and its first hint', () => {
    const p = { reason: 'no-cuda-driver', message: 'No NVIDIA driver found', hints: ['install the NVIDIA driver', 'second'], detail: [] } as const;
    const v = engineVerdict(facts, found, [p], null);
    assert.equal(v.verdict, 'model.engine (built by TensorRT 10.16.0) cannot run here: No NVIDIA driver found');
    assert.equal(v.fix, 'install the NVIDIA driver');
  });

  it('loaded: it runs, no fix', () => {
    const v = engineVerdict(facts, found, [], { loaded: true, problem: null, libraryVersion: '10.16.0' });
    assert.deepEqual([v.canRun, v.fix], [true, null]);
    assert.equal(v.verdict, 'model.engine (built by TensorRT 10.16.0) loads here with libnvinfer.so.10 10.16.0');
  });

  it('refused by a library of another version: install the plan\'s version', () => {
    const p = { reason: 'engine-incompatible', message: 'the engine was built by TensorRT 10.16.0.72; this is 10.3.0', hints: ['rebuild it'], detail: [] } as const;
    const v = engineVerdict(facts, found, [], { loaded: false, problem: p, libraryVersion: '10.3.0' });
    assert.equal(v.fix, "pip install 'tensorrt-cu13==10.16.*'");
    assert.match(v.verdict, /cannot run with TensorRT 10\.3\.0: /);
  });

  it('refused for another reason: TensorRT\'s problem and its first hint', () => {
    const p = { reason: 'engine-plugin-missing', message: 'plugin MyPlugin not found', hints: ['pass --plugins lib.so'], detail: [] } as const;
    const v = engineVerdict(facts, found, [], { loaded: false, problem: p, libraryVersion: '10.16.0' });
    assert.equal(v.fix, 'pass --plugins lib.so');
    assert.equal(v.verdict, 'model.engine (built by TensorRT 10.16.0) cannot run here: plugin MyPlugin not found');
  });
});
