import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DoctorReport } from '../../src/report/model/doctor.js';
import { renderDoctorText } from '../../src/report/doctor-text.js';

const HEADER = { schema: 'trt-parity/doctor', schemaVersion: 1, tool: { name: 'trt-parity', version: '0.0.0' } } as const;
const node: DoctorReport['node'] = { version: 'v20.20.2', platform: 'linux', arch: 'x64', napiVersion: '9', glibc: '2.36' };
const onnxruntime: DoctorReport['onnxruntime'] = { version: '1.30.0', backends: [{ name: 'cpu', bundled: true }, { name: 'cuda', bundled: false }], error: null, hints: [] };
const sharp: DoctorReport['sharp'] = { version: '0.35.5', libvips: '8.18.7', error: null, hints: [] };

describe('renderDoctorText', () => {
  test('addon not built: the component lines, the verdict and each problem with its fix', () => {
    const r: DoctorReport = {
      ...HEADER, node, onnxruntime, sharp,
      addon: {
        path: '/pkg/build/Release/trt_parity.node', loaded: false, expectedAbiVersion: 3, build: null,
        problem: { reason: 'addon-not-built', message: 'The native addon was not built', hints: ['install the CUDA toolkit and run npm run build:native'], detail: ['cmake not found'] },
      },
      cuda: null, gpus: null, tensorrt: null,
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
    assert.ok(!l.some((x) => x.startsWith('  CUDA') || x.startsWith('  GPUs') || x.startsWith('  TensorRT')), 'nothing could ask CUDA');
    assert.ok(l.includes('TensorRT engines cannot run here (addon-not-built). ONNX models and saved runs work.'));
    assert.ok(l.includes('problem The native addon was not built'));
    assert.ok(l.includes('  fix: install the CUDA toolkit and run npm run build:native'));
    assert.ok(l.includes('  detail: cmake not found'));
  });

  test('everything present: GPUs listed and the usable verdict, in colour', () => {
    const r: DoctorReport = {
      ...HEADER, node, onnxruntime, sharp,
      addon: { path: '/a.node', loaded: true, expectedAbiVersion: 3, build: null, problem: null },
      cuda: { driverVersion: '13.0', runtimeVersion: '13.0', error: null },
      gpus: [{ index: 0, name: 'NVIDIA H100', computeCapability: '9.0', totalMemoryBytes: 80 * 2 ** 30, pciBusId: '0000:18:00.0' }],
      tensorrt: { builtIn: true, headerVersion: '10.16.0', libraryName: 'libnvinfer.so.10', libraryVersion: '10.16.0', libraryError: null },
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
});
