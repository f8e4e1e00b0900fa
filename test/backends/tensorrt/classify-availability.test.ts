import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  classifyLibrary, classifyRuntimeInfo, explainAddonLoadError, formatCudaVersion,
} from '../../../src/backends/tensorrt/classify-availability.js';
import type { NativeRuntimeInfo } from '../../../src/backends/tensorrt/native-contract.js';
import { parseNativeStatus } from '../../../src/backends/tensorrt/native-status.js';
import { FAKE_GPU } from '../../doubles/fake-native.js';

const P = '/x/build/Release/trt_parity.node';

describe('explainAddonLoadError: the dlopen text picks the fix', () => {
  const cases: { name: string; text: string; code?: string; reason: string; message: RegExp; hint: RegExp }[] = [
    { name: 'glibc too old', text: `/lib/x86_64-linux-gnu/libc.so.6: version \`GLIBC_2.38' not found (required by ${P})`, reason: 'addon-load-failed', message: /needs GLIBC_2\.38, newer than this system's C library$/, hint: /rebuild the addon on this machine/ },
    { name: 'libstdc++ too old', text: `/usr/lib/x86_64-linux-gnu/libstdc++.so.6: version \`GLIBCXX_3.4.32' not found (required by ${P})`, reason: 'addon-load-failed', message: /needs GLIBCXX_3\.4\.32, newer than the libstdc\+\+ found first$/, hint: /rebuild the addon on this machine/ },
    { name: 'libnvinfer linked and absent', text: `libnvinfer.so.10: cannot open shared object file: No such file or directory`, reason: 'libnvinfer-missing', message: /libnvinfer\.so\.10 was not found$/, hint: /LD_LIBRARY_PATH/ },
    { name: 'cudart absent', text: `libcudart.so.13: cannot open shared object file: No such file or directory`, reason: 'addon-load-failed', message: /libcudart\.so\.13 was not found$/, hint: /NVIDIA driver \/ CUDA runtime/ },
    { name: 'addons disabled', text: 'Cannot load native addon because loading addons is disabled.', code: 'ERR_DLOPEN_DISABLED', reason: 'addon-load-failed', message: /native addons disabled$/, hint: /without --no-addons/ },
    { name: 'wrong platform', text: `${P}: invalid ELF header`, reason: 'addon-load-failed', message: /is not a loadable library for this platform .*: invalid ELF header$/, hint: /rebuild it on this machine/ },
    { name: 'undefined symbol', text: `${P}: undefined symbol: _ZN5nvinfer1foo`, reason: 'addon-load-failed', message: /was built for other libraries or another Node\.js/, hint: /rebuild it with this Node\.js/ },
    { name: 'anything else', text: `${P}: something odd`, reason: 'addon-load-failed', message: /cannot be loaded: something odd$/, hint: /rebuild/ },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const p = explainAddonLoadError(P, Object.assign(new Error(c.text), { code: c.code ?? 'ERR_DLOPEN_FAILED' }));
      assert.equal(p.reason, c.reason);
      assert.match(p.message, c.message);
      assert.match(p.hints[0]!, c.hint);
      assert.deepEqual(p.detail, [c.text]);
    });
  }
});

function info(over: Partial<Omit<NativeRuntimeInfo, 'tensorrt'>> & { tensorrt?: Partial<NativeRuntimeInfo['tensorrt']> } = {}): NativeRuntimeInfo {
  return {
    abiVersion: 1, cudaRuntimeVersion: 13000, cudaDriverVersion: 13010, devices: [FAKE_GPU], cudaError: null,
    ...over,
    tensorrt: { builtIn: true, headerVersion: '10.16.0', libraryName: 'libnvinfer.so.10', libraryVersion: '10.16.0', libraryError: null, ...over.tensorrt },
  };
}

describe('classifyRuntimeInfo', () => {
  test('a healthy runtime has no problem', () => {
    assert.equal(classifyRuntimeInfo(info()), null);
  });

  test('compiled without TensorRT: says why from the build status', () => {
    const status = parseNativeStatus({ tensorrt: { builtIn: false, reason: 'not built in: no TensorRT headers found (set TENSORRT_ROOT or TensorRT_INCLUDE_DIR)' } });
    const p = classifyRuntimeInfo(info({ tensorrt: { builtIn: false, headerVersion: null } }), { status });
    assert.equal(p?.reason, 'tensorrt-not-built-in');
    assert.equal(p?.message, 'The TensorRT addon was compiled without TensorRT headers (no TensorRT headers found (set TENSORRT_ROOT or TensorRT_INCLUDE_DIR)), so it cannot load engines');
    assert.match(p!.hints[0]!, /set TENSORRT_ROOT/);
  });

  test('no driver: cudaDriverVersion 0', () => {
    const p = classifyRuntimeInfo(info({ cudaDriverVersion: 0, devices: [], cudaError: 'cudaErrorNoDevice (100): no CUDA-capable device is detected' }));
    assert.equal(p?.reason, 'no-cuda-driver');
    assert.match(p!.hints[0]!, /install the NVIDIA driver/);
  });

  test('driver too old for the runtime: names both CUDA versions', () => {
    const p = classifyRuntimeInfo(info({ cudaDriverVersion: 12040, devices: [], cudaError: 'cudaErrorInsufficientDriver (35): CUDA driver version is insufficient for CUDA runtime version' }));
    assert.equal(p?.reason, 'no-cuda-driver');
    assert.equal(p?.message, 'The NVIDIA driver supports CUDA 12.4, older than the CUDA 13.0 runtime the addon was built with');
  });

  test('driver but no GPU: names CUDA_VISIBLE_DEVICES when it is set', () => {
    const p = classifyRuntimeInfo(info({ devices: [], cudaError: 'cudaErrorNoDevice (100): no CUDA-capable device is detected' }), { cudaVisibleDevices: '' });
    assert.equal(p?.reason, 'no-gpu');
    assert.match(p!.hints[0]!, /CUDA_VISIBLE_DEVICES is set to ''/);
  });

  test('a missing device index comes before library problems', () => {
    const p = classifyRuntimeInfo(info({ tensorrt: { libraryError: 'nope' } }), { device: 1 });
    assert.equal(p?.reason, 'device-not-found');
  });
});

describe('classifyLibrary', () => {
  const base = { builtIn: true, headerVersion: '10.16.0', libraryName: 'libnvinfer.so.10', libraryVersion: null, libraryError: null };
  test('not tried yet is not a problem', () => {
    assert.equal(classifyLibrary(base), null);
  });
  test('a loaded library of another major', () => {
    const p = classifyLibrary({ ...base, libraryName: '/opt/trt8/libnvinfer.so.8', libraryVersion: '8.6.1' });
    assert.equal(p?.reason, 'libnvinfer-wrong-major');
    assert.equal(p?.message, 'The TensorRT library /opt/trt8/libnvinfer.so.8 is version 8.6.1, but the addon was built against TensorRT 10.16.0 headers');
    assert.match(p!.hints[0]!, /install TensorRT 10 .*TRT_PARITY_LIBNVINFER/);
  });
  test('an error text about the major version', () => {
    assert.equal(classifyLibrary({ ...base, libraryError: 'libnvinfer major version 11 does not match 10' })?.reason, 'libnvinfer-wrong-major');
  });
  // The next two texts are the ones native/src/trt/trt_library.cc writes.
  test('the addon\'s own dlopen text: the library is named once', () => {
    const p = classifyLibrary({ ...base, headerVersion: '11.1.0', libraryName: 'libnvinfer.so.11', libraryError: 'could not load libnvinfer.so.11: libnvinfer.so.11: cannot open shared object file: No such file or directory (install TensorRT 11.x, add its lib folder to LD_LIBRARY_PATH, or set TRT_PARITY_LIBNVINFER)' });
    assert.equal(p?.reason, 'libnvinfer-missing');
    assert.match(p!.message, /^The TensorRT library libnvinfer\.so\.11 could not be loaded: libnvinfer\.so\.11: cannot open shared object file/);
  });
  test('same major but older than the headers', () => {
    const p = classifyLibrary({ ...base, libraryVersion: '10.3.0', libraryError: 'libnvinfer.so.10 is TensorRT 10.3.0, older than the 10.16.0 headers this addon was built against; rebuild the addon against headers no newer than the library' });
    assert.equal(p?.reason, 'libnvinfer-too-old');
    assert.equal(p?.message, 'The TensorRT library libnvinfer.so.10 is version 10.3.0, older than the TensorRT 10.16.0 headers the addon was built against');
    assert.equal(p?.hints[0], 'install TensorRT 10.16.0 or newer of the same major, and put its lib folder first on LD_LIBRARY_PATH');
  });
  test('dlopen failure', () => {
    const p = classifyLibrary({ ...base, libraryError: 'libnvinfer.so.10: cannot open shared object file: No such file or directory' });
    assert.equal(p?.reason, 'libnvinfer-missing');
    assert.equal(p?.hints[0], 'install the TensorRT 10 runtime and add its lib folder to LD_LIBRARY_PATH');
  });
});

test('formatCudaVersion follows CUDA\'s 1000*major + 10*minor encoding', () => {
  assert.equal(formatCudaVersion(13000), '13.0');
  assert.equal(formatCudaVersion(12040), '12.4');
  assert.equal(formatCudaVersion(11080), '11.8');
  assert.equal(formatCudaVersion(0), null);
});

test('parseNativeStatus reads what is there and nulls the rest', () => {
  assert.deepEqual(parseNativeStatus({ cuda: { found: true, version: 12.4 }, tensorrt: { found: 'maybe' }, addon: null }), {
    cuda: { found: true, version: '12.4', reason: null },
    cmake: { found: null, reason: null },
    tensorrt: { found: null, headerVersion: null, reason: null },
    addon: { built: null, error: null },
    skipped: null,
    logTail: [],
  });
  assert.deepEqual(parseNativeStatus('garbage').addon, { built: null, error: null });
});
