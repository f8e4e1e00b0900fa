import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DoctorReport } from '../../src/report/model/doctor.js';
import { renderDoctorText } from '../../src/report/doctor-text.js';
import { assertNoControl, HOSTILE_SHOWN, poisonStrings } from './hostile-strings.js';

const HEADER = { schema: 'trt-parity/doctor', schemaVersion: 1, tool: { name: 'trt-parity', version: '0.0.0' } } as const;
const node: DoctorReport['node'] = { version: 'v20.20.2', platform: 'linux', arch: 'x64', napiVersion: '9', glibc: '2.36' };
const onnxruntime: DoctorReport['onnxruntime'] = { version: '1.30.0', backends: [{ name: 'cpu', bundled: true }, { name: 'cuda', bundled: false }], error: null, hints: [] };
const sharp: DoctorReport['sharp'] = { version: '0.35.5', libvips: '8.18.7', error: null, hints: [] };
const noLibrary: DoctorReport['tensorrt']['library'] = { path: null, kind: null, version: null, versionFrom: null, why: 'no TensorRT library found', note: null, fix: "pip install 'tensorrt-cu13==11.*'" };
const nothingLoaded = { builtIn: null, headerVersion: null, libraryName: null, libraryVersion: null, libraryError: null };
const built = { source: 'built', sourceWhy: 'built from source (npm run build:native)', prebuild: null } as const;

describe('renderDoctorText', () => {
  test('addon not built: the component lines, the verdict and each problem with its fix', () => {
    const r: DoctorReport = {
      ...HEADER, node, onnxruntime, sharp,
      addon: {
        path: '/pkg/build/Release/trt_parity.node', loaded: false, expectedAbiVersion: 3, build: null, ...built,
        problem: { reason: 'addon-not-built', message: 'The native addon was not built', hints: ['install the CUDA toolkit and run npm run build:native'], detail: ['cmake not found'] },
      },
      cuda: null, gpus: null, tensorrt: { ...nothingLoaded, library: noLibrary, candidates: [], search: [] }, engine: null,
      tensorrtUsable: { device: 0, usable: false, reason: 'addon-not-built' },
      problems: [{ reason: 'addon-not-built', message: 'The native addon was not built', hints: ['install the CUDA toolkit and run npm run build:native'], detail: ['cmake not found'] }],
    };
    const text = renderDoctorText(r, { color: false });
    assert.doesNotMatch(text, /\x1b\[/);
    const l = text.split('\n');
    assert.equal(l[0], 'trt-parity doctor');
    assert.ok(l.includes('  node              v20.20.2 linux-x64  N-API 9, glibc 2.36'));
    assert.ok(l.includes('  onnxruntime-node  1.30.0  providers: cpu, cuda (not bundled)'));
    assert.ok(l.includes('  sharp             0.35.5  libvips 8.18.7'));
    assert.ok(l.includes('  native addon      The native addon was not built'));
    assert.ok(!l.some((x) => x.startsWith('  CUDA') || x.startsWith('  GPUs') || x.startsWith('  TensorRT  ')), 'nothing could ask CUDA');
    assert.ok(l.includes('  TensorRT library  no TensorRT library found'));
    assert.ok(l.includes('TensorRT engines cannot run here (addon-not-built). ONNX models and saved runs work.'));
    assert.ok(l.includes('problem The native addon was not built'));
    assert.ok(l.includes('  fix: install the CUDA toolkit and run npm run build:native'));
    assert.ok(l.includes('  detail: cmake not found'));
  });

  test('everything present: GPUs listed and the usable verdict, in colour', () => {
    const r: DoctorReport = {
      ...HEADER, node, onnxruntime, sharp,
      addon: { path: '/a.node', loaded: true, expectedAbiVersion: 3, build: null, problem: null, ...built },
      cuda: { driverVersion: '13.0', runtimeVersion: '13.0', error: null },
      gpus: [{ index: 0, name: 'NVIDIA H100', computeCapability: '9.0', totalMemoryBytes: 80 * 2 ** 30, pciBusId: '0000:18:00.0' }],
      tensorrt: {
        builtIn: true, headerVersion: '10.16.0', libraryName: 'libnvinfer.so.10', libraryVersion: '10.16.0', libraryError: null,
        library: { path: '/v/tensorrt_libs/libnvinfer.so.10', kind: 'full', version: '10.16.0', versionFrom: 'getInferLibVersion() of the loaded library', why: 'newest TensorRT major found (10), found through VIRTUAL_ENV', note: null, fix: null },
        candidates: [], search: [],
      },
      engine: null,
      tensorrtUsable: { device: 0, usable: true, reason: null },
      problems: [],
    };
    const text = renderDoctorText(r, { color: true });
    const plain = text.replace(/\x1b\[[0-9;]*m/g, '');
    assert.ok(plain.includes('  CUDA              runtime 13.0, driver 13.0'));
    assert.ok(plain.includes('  GPU 0             NVIDIA H100  compute 9.0, 80.0 GiB, 0000:18:00.0'));
    assert.ok(plain.includes('  TensorRT          libnvinfer.so.10 10.16.0  headers 10.16.0'));
    assert.ok(text.includes('\x1b[32m\x1b[1mTensorRT engines can run here on device 0.\x1b[22m\x1b[39m'));
    assert.ok(!plain.includes('problem'));
  });

  test('a prebuilt addon, the search steps in order and an engine that cannot run, with its one fix', () => {
    const search: DoctorReport['tensorrt']['search'] = [
      { step: 'trt-lib-option', outcome: 'skipped', looked: [], detail: '--trt-lib not given', candidates: [] },
      { step: 'VIRTUAL_ENV', outcome: 'found', looked: ['/v'], detail: 'found libnvinfer.so.11', candidates: [] },
      { step: 'LD_LIBRARY_PATH', outcome: 'not-found', looked: ['/x'], detail: 'no libnvinfer*.so.N in /x', candidates: [] },
    ];
    const r: DoctorReport = {
      ...HEADER, node, onnxruntime, sharp,
      addon: { path: '/pkg/prebuilds/linux-x64/trt_parity-trt11.node', loaded: true, expectedAbiVersion: 3, build: null, problem: null, source: 'prebuilt', sourceWhy: 'no TensorRT library found; the prebuilt addon for the newest major (11)', prebuild: { file: 'trt_parity-trt11.node', tensorrtHeaderVersion: '11.1.0', cudaVersion: '13.0', abiVersion: 2, builtAt: '2026-12-02T00:00:00Z' } },
      cuda: { driverVersion: null, runtimeVersion: '13.0', error: 'cudaErrorInsufficientDriver (35): CUDA driver version is insufficient for CUDA runtime version' },
      gpus: [],
      tensorrt: { ...nothingLoaded, builtIn: true, headerVersion: '11.1.0', library: noLibrary, candidates: [], search },
      engine: { path: '/m/model.engine', isPlan: true, planVersion: '10.16.0.72', library: null, canRun: false, verdict: 'model.engine (built by TensorRT 10.16.0) cannot run here: the plan was built by TensorRT 10.16.0.72, and no TensorRT 10 library was found', fix: "pip install 'tensorrt-cu13==10.16.*'" },
      tensorrtUsable: { device: 0, usable: false, reason: 'no-cuda-driver' },
      problems: [],
    };
    const l = renderDoctorText(r, { color: false }).split('\n');
    assert.ok(l.includes('  native addon      prebuilt /pkg/prebuilds/linux-x64/trt_parity-trt11.node  prebuilt: CUDA 13.0, TensorRT headers 11.1.0'));
    assert.ok(l.includes('                    no TensorRT library found; the prebuilt addon for the newest major (11)'));
    const at = l.indexOf('where TensorRT was looked for, in order:');
    assert.deepEqual(l.slice(at + 1, at + 4), [
      '  trt-lib-option   skipped    --trt-lib not given',
      '  VIRTUAL_ENV      found      found libnvinfer.so.11',
      '  LD_LIBRARY_PATH  not found  no libnvinfer*.so.N in /x',
    ]);
    const v = l.indexOf('model.engine (built by TensorRT 10.16.0) cannot run here: the plan was built by TensorRT 10.16.0.72, and no TensorRT 10 library was found');
    assert.ok(v > at, 'the engine verdict follows the search');
    assert.equal(l[v + 1], "  fix: pip install 'tensorrt-cu13==10.16.*'");
  });
});

describe('renderDoctorText: strings from outside are escaped', () => {
  test('every string of a full report holding ESC, CR, NUL and a newline: no raw control character, no forged line', () => {
    const r: DoctorReport = {
      ...HEADER, node, onnxruntime, sharp,
      addon: { path: '/pkg/a.node', loaded: false, expectedAbiVersion: 3, build: null, ...built, problem: { reason: 'addon-not-built', message: 'not built', hints: ['build it'], detail: ['cmake not found'] } },
      cuda: { driverVersion: null, runtimeVersion: '13.0', error: 'cudaErrorInsufficientDriver (35)' },
      gpus: [{ index: 0, name: 'NVIDIA H100', computeCapability: '9.0', totalMemoryBytes: 2 ** 30, pciBusId: '0000:18:00.0' }],
      tensorrt: {
        builtIn: true, headerVersion: '11.1.0', libraryName: 'libnvinfer.so.11', libraryVersion: null, libraryError: 'dlopen failed',
        library: { ...noLibrary, note: 'a note' }, candidates: [],
        search: [{ step: 'VIRTUAL_ENV', outcome: 'found', looked: ['/v'], detail: 'found libnvinfer.so.11', candidates: [] }],
      },
      engine: { path: '/m/model.engine', isPlan: true, planVersion: '10.16.0.72', library: null, canRun: false, verdict: 'cannot run here', fix: 'install it' },
      tensorrtUsable: { device: 0, usable: false, reason: 'no-cuda-driver' },
      problems: [{ reason: 'x', message: 'a problem', hints: ['a fix'], detail: ['a detail'] }],
    };
    const text = renderDoctorText(poisonStrings(r), { color: false });
    assertNoControl(text);
    assert.ok(text.includes(`/m/model.engine${HOSTILE_SHOWN}`) || text.includes(`cannot run here${HOSTILE_SHOWN}`));
    assert.ok(text.includes(`NVIDIA H100${HOSTILE_SHOWN}`));
    assertNoControl(renderDoctorText(poisonStrings(r), { color: true }).replace(/\x1b\[[0-9;]*m/g, ''));
  });
});
