import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { UnavailableReason } from '../../../src/backends/tensorrt/availability.js';
import {
  probedRuntimeInfo,
  addonLocation, checkTensorRtAvailability, INJECTED_PATH, loadAddon, packageRoot, requireTensorRt, setAddonForTesting,
} from '../../../src/backends/tensorrt/load-addon.js';
import { TensorRtError } from '../../../src/backends/tensorrt/tensorrt-error.js';
import { ExitCode } from '../../../src/errors.js';
import { createFakeAddon } from '../../doubles/fake-native.js';
import { repoRoot } from '../../helpers/paths.js';

const UNAVAILABLE: readonly UnavailableReason[] = [
  'addon-not-built', 'addon-load-failed', 'abi-mismatch', 'tensorrt-not-built-in', 'no-cuda-driver', 'no-gpu', 'device-not-found', 'libnvinfer-missing', 'libnvinfer-wrong-major', 'libnvinfer-too-old',
];

/** A fresh package root with an optional build/native-status.json. */
function tempRoot(status?: string): string {
  const root = mkdtempSync(join(tmpdir(), 'trt-parity-load-'));
  if (status !== undefined) {
    mkdirSync(join(root, 'build'));
    writeFileSync(join(root, 'build', 'native-status.json'), status);
  }
  return root;
}

afterEach(() => setAddonForTesting(undefined));

describe('the real loader on this machine', () => {
  test('finds the package root and the default addon path from its own location', () => {
    assert.equal(packageRoot(), repoRoot);
    assert.deepEqual(addonLocation({ env: {} }), { path: join(repoRoot, 'build/Release/trt_parity.node'), fromEnv: false, defaultPath: join(repoRoot, 'build/Release/trt_parity.node') });
  });

  test('returns a classified availability, never throws', () => {
    const av = checkTensorRtAvailability();
    if (av.available) {
      // A machine with a GPU and TensorRT (not CI): then there must be a device to run on.
      assert.ok(av.runtime.devices.length > 0);
      return;
    }
    assert.ok(UNAVAILABLE.includes(av.reason as UnavailableReason), `unclassified reason ${av.reason}`);
    assert.match(av.message, /\S/);
    assert.doesNotMatch(av.message, /\n/);
    assert.ok(av.hints.length > 0, 'every reason comes with a fix');
  });

  test('requireTensorRt throws a TensorRtError with exit code 3 and the same reason', (t) => {
    const av = checkTensorRtAvailability();
    if (av.available) return t.skip('TensorRT is usable on this machine');
    assert.throws(() => requireTensorRt(), (err: unknown) => {
      assert.ok(err instanceof TensorRtError);
      assert.equal(err.exitCode, ExitCode.backend);
      assert.equal(err.backend, 'tensorrt');
      assert.equal(err.reason, av.reason);
      return true;
    });
  });

  test('the message starts with the engine file that needed TensorRT, then what is wrong; the fix is a hint', () => {
    const root = tempRoot();
    assert.throws(() => requireTensorRt({ root, env: {}, engine: 'models/yolo.engine' }), (err: unknown) => {
      assert.ok(err instanceof TensorRtError);
      assert.match(err.message, /^models\/yolo\.engine: TensorRT backend not available: .*the native build has not run$/);
      assert.ok(!err.message.includes('\n'));
      assert.match(err.hints[0]!, /npm run build:native/);
      return true;
    });
  });
});

describe('addon-not-built', () => {
  test('TRT_PARITY_ADDON naming a missing file says so and names the variable', () => {
    const root = tempRoot();
    const av = checkTensorRtAvailability({ root, env: { TRT_PARITY_ADDON: join(root, 'nope.node') } });
    assert.equal(av.available, false);
    if (av.available) return;
    assert.equal(av.reason, 'addon-not-built');
    assert.match(av.message, /TRT_PARITY_ADDON points to .*nope\.node, which does not exist/);
    assert.match(av.hints[0]!, /unset it to use .*build\/Release\/trt_parity\.node/);
  });

  test('without a build status: the native build has not run', () => {
    const av = checkTensorRtAvailability({ root: tempRoot(), env: {} });
    assert.ok(!av.available);
    assert.equal(av.reason, 'addon-not-built');
    assert.match(av.message, /trt_parity\.node does not exist\): the native build has not run$/);
    assert.match(av.hints[0]!, /npm run build:native.*TENSORRT_ROOT/);
  });

  test('the build status says why: no CUDA toolkit', () => {
    const status = JSON.stringify({ cuda: { found: false, reason: 'nvcc not found on PATH' }, tensorrt: { found: false }, addon: { built: false } });
    const av = checkTensorRtAvailability({ root: tempRoot(status), env: {} });
    assert.ok(!av.available);
    assert.match(av.message, /no CUDA toolkit was found when building \(nvcc not found on PATH\)$/);
    assert.match(av.hints[0]!, /install the CUDA toolkit/);
    assert.ok(av.detail.includes('CUDA toolkit: not found (nvcc not found on PATH)'));
  });

  test('the build status says why: TensorRT headers not found', () => {
    const status = JSON.stringify({ cuda: { found: true, version: '13.0' }, tensorrt: { found: false, reason: 'NvInfer.h not found' }, addon: { built: false } });
    const av = checkTensorRtAvailability({ root: tempRoot(status), env: {} });
    assert.ok(!av.available);
    assert.match(av.message, /TensorRT headers were not found when building \(NvInfer\.h not found\)$/);
    assert.match(av.hints[0]!, /^set TENSORRT_ROOT .* then run `npm run build:native`$/);
  });

  test('the build status says why: compile failed (first line quoted)', () => {
    const status = JSON.stringify({ cuda: { found: true }, tensorrt: { found: true, headerVersion: '10.16.0' }, addon: { built: false, error: "engine.cc:12: error: 'foo' was not declared\nmore" } });
    const av = checkTensorRtAvailability({ root: tempRoot(status), env: {} });
    assert.ok(!av.available);
    assert.match(av.message, /compiling the addon failed: engine\.cc:12: error: 'foo' was not declared$/);
  });

  // The shape scripts/build-native.mjs actually writes (schema 1), trimmed to the fields read.
  test('build-native.mjs status: no CUDA toolkit (build skipped)', () => {
    const status = JSON.stringify({ schema: 1, cmake: null, cuda: { found: false, reason: 'no CUDA toolkit (cuda_runtime_api.h and libcudart_static.a) in /usr/local/cuda (default path); set CUDA_PATH to build the TensorRT backend' }, tensorrt: { builtIn: false, headerVersion: null, reason: 'not built in' }, build: { attempted: false, ok: false, reason: 'skipped: no CUDA toolkit ...' }, addon: { loads: false, error: null } });
    const av = checkTensorRtAvailability({ root: tempRoot(status), env: {} });
    assert.ok(!av.available);
    assert.match(av.message, /: no CUDA toolkit was found when building \(no CUDA toolkit \(cuda_runtime_api\.h/);
    assert.match(av.hints[0]!, /set CUDA_PATH/);
  });

  test('build-native.mjs status: compile failed, with the log tail as detail', () => {
    const status = JSON.stringify({ schema: 1, cmake: { found: true }, cuda: { found: true, version: '13.0' }, tensorrt: { builtIn: false, reason: 'not built in' }, build: { attempted: true, ok: false, reason: 'compile failed (cmake-js exit 1)', logTail: ['a.cc:1: error: boom', 'ninja: build stopped'] }, addon: { loads: false, error: null } });
    const av = checkTensorRtAvailability({ root: tempRoot(status), env: {} });
    assert.ok(!av.available);
    assert.match(av.message, /compiling the addon failed: compile failed \(cmake-js exit 1\)$/);
    assert.deepEqual(av.detail.slice(-2), ['a.cc:1: error: boom', 'ninja: build stopped']);
  });

  test('build-native.mjs status: skipped on purpose', () => {
    const status = JSON.stringify({ schema: 1, cuda: null, build: { attempted: false, ok: false, reason: 'skipped: TRT_PARITY_SKIP_NATIVE=1' }, addon: { loads: false } });
    const av = checkTensorRtAvailability({ root: tempRoot(status), env: {} });
    assert.ok(!av.available);
    assert.match(av.message, /the native build was skipped \(TRT_PARITY_SKIP_NATIVE=1\)$/);
    assert.equal(av.hints[0], 'run `npm run build:native` without TRT_PARITY_SKIP_NATIVE=1');
  });

  test('a build status of an unexpected shape is tolerated', () => {
    const av = checkTensorRtAvailability({ root: tempRoot(JSON.stringify({ cuda: 'yes', extra: [1] })), env: {} });
    assert.ok(!av.available);
    assert.equal(av.reason, 'addon-not-built');
    assert.match(av.message, /the native build did not produce it$/);
  });

  test('an unreadable build status is named, not guessed from', () => {
    const av = checkTensorRtAvailability({ root: tempRoot('{not json'), env: {} });
    assert.ok(!av.available);
    assert.match(av.message, /native-status\.json is unreadable: /);
  });
});

describe('files that exist but are not the addon', () => {
  test('a file dlopen rejects: addon-load-failed with the dlopen text', () => {
    const root = tempRoot();
    const path = join(root, 'broken.node');
    writeFileSync(path, 'not an ELF file at all, but long enough to have a header........');
    const av = checkTensorRtAvailability({ root, env: { TRT_PARITY_ADDON: path } });
    assert.ok(!av.available);
    assert.equal(av.reason, 'addon-load-failed');
    assert.match(av.message, /broken\.node is not a loadable library for this platform/);
    assert.match(av.detail.join('\n'), /invalid ELF header|file too short/);
    assert.match(av.hints[0]!, /npm run build:native/);
  });

  test('a module with another ABI version: abi-mismatch', () => {
    const root = tempRoot();
    const path = join(root, 'old-addon.cjs');
    writeFileSync(path, 'module.exports = { abiVersion: 99, getRuntimeInfo() {}, loadEngine() {} };');
    const av = checkTensorRtAvailability({ root, env: { TRT_PARITY_ADDON: path } });
    assert.ok(!av.available);
    assert.equal(av.reason, 'abi-mismatch');
    assert.match(av.message, /has ABI version 99; this trt-parity needs ABI version 2$/);
    assert.match(av.hints[0]!, /rebuild it with `npm run build:native`/);
  });

  test('a module without abiVersion: abi-mismatch, worded as not ours', () => {
    const root = tempRoot();
    const path = join(root, 'other.cjs');
    writeFileSync(path, 'module.exports = { hello: 1 };');
    const av = checkTensorRtAvailability({ root, env: { TRT_PARITY_ADDON: path } });
    assert.ok(!av.available);
    assert.equal(av.reason, 'abi-mismatch');
    assert.match(av.message, /no ABI version \(not a trt-parity addon/);
  });

  test('a loadable module reporting no GPU goes through the whole chain: no-gpu', () => {
    const root = tempRoot();
    const path = join(root, 'cpu-only.cjs');
    writeFileSync(path, `module.exports = { abiVersion: 2, loadEngine() {}, loadTensorRt() {}, getRuntimeInfo: () => ({
      abiVersion: 2, cudaRuntimeVersion: 13000, cudaDriverVersion: 13010, devices: [],
      cudaError: 'cudaErrorNoDevice (100): no CUDA-capable device is detected',
      tensorrt: { builtIn: true, headerVersion: '10.16.0', libraryName: 'libnvinfer.so.10', libraryVersion: null, libraryError: null } }) };`);
    const first = loadAddon({ root, env: { TRT_PARITY_ADDON: path } });
    assert.ok(first.ok);
    assert.equal(loadAddon({ root, env: { TRT_PARITY_ADDON: path } }), first, 'loaded once, then cached');
    const av = checkTensorRtAvailability({ root, env: { TRT_PARITY_ADDON: path } });
    assert.ok(!av.available);
    assert.equal(av.reason, 'no-gpu');
    assert.equal(av.message, 'No CUDA-capable GPU found: cudaErrorNoDevice (100): no CUDA-capable device is detected');
  });
});

describe('setAddonForTesting', () => {
  test('an injected fake is available, with its runtime info', () => {
    const fake = createFakeAddon();
    setAddonForTesting(fake);
    const av = checkTensorRtAvailability();
    assert.ok(av.available);
    assert.equal(av.addon, fake);
    assert.equal(av.addonPath, INJECTED_PATH);
    assert.equal(av.runtime.devices[0]!.name, 'NVIDIA H100 80GB HBM3');
  });

  test('the ABI check applies to injected modules too', () => {
    setAddonForTesting(createFakeAddon({ abiVersion: 1 }));
    const av = checkTensorRtAvailability();
    assert.ok(!av.available);
    assert.equal(av.reason, 'abi-mismatch');
  });

  test('a device index the machine lacks: device-not-found listing the GPUs', () => {
    setAddonForTesting(createFakeAddon());
    const av = checkTensorRtAvailability({ device: 3 });
    assert.ok(!av.available);
    assert.equal(av.reason, 'device-not-found');
    assert.equal(av.message, 'There is no GPU 3; this machine has 1 (0: NVIDIA H100 80GB HBM3)');
  });

  test('getRuntimeInfo never loads libnvinfer: until an engine or loadTensorRt tried, it reads as available', () => {
    setAddonForTesting(createFakeAddon({ library: { libraryVersion: null, libraryError: 'libnvinfer.so.10: cannot open shared object file: No such file or directory' } }));
    assert.equal(checkTensorRtAvailability().available, true);
  });

  test('probedRuntimeInfo loads libnvinfer off the JS thread: a missing one shows before any engine is loaded', async () => {
    const fake = createFakeAddon({ library: { libraryVersion: null, libraryError: 'libnvinfer.so.10: cannot open shared object file: No such file or directory' } });
    setAddonForTesting(fake);
    const info = await probedRuntimeInfo(fake);
    assert.ok(!('error' in info));
    assert.equal(info.tensorrt.libraryError, 'libnvinfer.so.10: cannot open shared object file: No such file or directory');
    const av = checkTensorRtAvailability();
    assert.ok(!av.available);
    assert.equal(av.reason, 'libnvinfer-missing');
    assert.equal(av.message, 'The TensorRT library libnvinfer.so.10 could not be loaded: libnvinfer.so.10: cannot open shared object file: No such file or directory');
    assert.match(av.hints.join('\n'), /LD_LIBRARY_PATH/);
  });

  test('an ABI 1 addon, or one without loadTensorRt, is refused as an ABI mismatch', () => {
    const fake = createFakeAddon();
    setAddonForTesting({ ...fake, abiVersion: 1 });
    assert.equal(checkTensorRtAvailability().available, false);
    const { loadTensorRt: _dropped, ...withoutProbe } = fake;
    setAddonForTesting(withoutProbe);
    const av = checkTensorRtAvailability();
    assert.ok(!av.available);
    assert.equal(av.reason, 'abi-mismatch');
  });
});
