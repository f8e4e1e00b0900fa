import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { doctor } from '../../src/app/doctor.js';
import { setAddonForTesting } from '../../src/backends/tensorrt/load-addon.js';
import { NATIVE_ABI_VERSION } from '../../src/backends/tensorrt/native-contract.js';
import { createFakeAddon, FAKE_GPU } from '../doubles/fake-native.js';

afterEach(() => setAddonForTesting(undefined));

describe('on this machine (no GPU, no TensorRT)', () => {
  test('reports Node, onnxruntime-node and sharp, and why TensorRT is unusable with a fix', async (t) => {
    const r = await doctor();
    assert.equal(r.node.version, process.version);
    assert.equal(r.node.platform, process.platform);
    assert.equal(r.onnxruntime.error, null);
    assert.match(r.onnxruntime.version ?? '', /^1\.\d+\.\d+$/);
    assert.ok(r.onnxruntime.backends?.some((b) => b.name === 'cpu' && b.bundled));
    assert.match(r.sharp.version ?? '', /^0\.\d+\.\d+$/);
    assert.match(r.sharp.libvips ?? '', /^8\.\d+\.\d+$/);
    assert.equal(r.addon.expectedAbiVersion, NATIVE_ABI_VERSION);
    if (r.tensorrtUsable.usable) return t.skip('TensorRT is usable on this machine');
    assert.ok(r.problems.length >= 1);
    assert.ok(r.problems.every((p) => p.hints.length > 0), 'each problem comes with a fix');
    assert.equal(r.tensorrtUsable.reason, r.problems[0]!.reason);
  });
});

describe('with a fake addon', () => {
  test('a healthy machine: GPUs, CUDA and TensorRT versions, no problems', async () => {
    setAddonForTesting(createFakeAddon());
    const r = await doctor();
    assert.equal(r.addon.loaded, true);
    assert.deepEqual(r.cuda, { driverVersion: '13.1', runtimeVersion: '13.0', error: null });
    assert.deepEqual(r.gpus, [FAKE_GPU]);
    const { builtIn, headerVersion, libraryName, libraryVersion, libraryError } = r.tensorrt;
    assert.deepEqual({ builtIn, headerVersion, libraryName, libraryVersion, libraryError }, { builtIn: true, headerVersion: '10.16.0', libraryName: 'libnvinfer.so.10', libraryVersion: '10.16.0', libraryError: null });
    // The search's outcome is there whatever this machine holds; the library the addon opened is reported.
    assert.ok(Array.isArray(r.tensorrt.search) && r.tensorrt.search.length === 8);
    assert.equal(r.tensorrt.library.version, '10.16.0');
    assert.deepEqual(r.tensorrtUsable, { device: 0, usable: true, reason: null });
    assert.deepEqual(r.problems, []);
  });

  test('no driver: the problem and its fix', async () => {
    setAddonForTesting(createFakeAddon({ runtime: { cudaDriverVersion: 0, devices: [], cudaError: 'cudaErrorInsufficientDriver (35): CUDA driver version is insufficient for CUDA runtime version' } }));
    const r = await doctor();
    assert.equal(r.cuda?.driverVersion, null);
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0]!.reason, 'no-cuda-driver');
    assert.match(r.problems[0]!.hints[0]!, /install the NVIDIA driver/);
  });

  test('no driver and no libnvinfer: both are listed, most fundamental first', async () => {
    setAddonForTesting(createFakeAddon({ runtime: { cudaDriverVersion: 0, devices: [], cudaError: 'cudaErrorInsufficientDriver (35): CUDA driver version is insufficient for CUDA runtime version', tensorrt: { libraryError: 'could not load libnvinfer.so.10: libnvinfer.so.10: cannot open shared object file' } } }));
    const r = await doctor();
    assert.deepEqual(r.problems.map((p) => p.reason), ['no-cuda-driver', 'libnvinfer-missing']);
    assert.equal(r.tensorrtUsable.reason, 'no-cuda-driver');
    // Nothing found by the search either (unless this machine has TensorRT): the pip command comes first.
    if (r.tensorrt.library.path === null) assert.match(r.problems[1]!.hints[0]!, /^pip install 'tensorrt/);
  });

  test('compiled without TensorRT on a machine without a driver: both fixes listed', async () => {
    setAddonForTesting(createFakeAddon({ runtime: { cudaDriverVersion: 0, devices: [], cudaError: 'cudaErrorInsufficientDriver (35): CUDA driver version is insufficient for CUDA runtime version', tensorrt: { builtIn: false } } }));
    const r = await doctor();
    assert.deepEqual(r.problems.map((p) => p.reason), ['tensorrt-not-built-in', 'no-cuda-driver']);
  });

  test('a device that does not exist is reported on its own', async () => {
    setAddonForTesting(createFakeAddon());
    const r = await doctor({ device: 2 });
    assert.deepEqual(r.problems.map((p) => p.reason), ['device-not-found']);
    assert.deepEqual(r.tensorrtUsable, { device: 2, usable: false, reason: 'device-not-found' });
  });

  test('a wrong libnvinfer major, found by the probe', async () => {
    setAddonForTesting(createFakeAddon({ library: { libraryVersion: '8.6.1', libraryError: null } }));
    const r = await doctor();
    assert.deepEqual(r.problems.map((p) => p.reason), ['libnvinfer-wrong-major']);
    assert.equal(r.tensorrt?.libraryVersion, '8.6.1');
  });
});
