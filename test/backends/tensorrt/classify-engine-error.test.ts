import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { classifyEngineError, type EngineErrorContext } from '../../../src/backends/tensorrt/classify-engine-error.js';
import { createFakeAddon, nativeError } from '../../doubles/fake-native.js';
import { fixture } from '../../helpers/paths.js';

const runtime = { ...createFakeAddon().getRuntimeInfo(), tensorrt: { builtIn: true, headerVersion: '10.16.0', libraryName: 'libnvinfer.so.10', libraryVersion: '10.16.0', libraryError: null } };
const ctx: EngineErrorContext = { enginePath: 'model.engine', phase: 'load', planVersion: '10.3.0.26', runtime, device: 0 };

// Log texts below are the ones quoted in tensorrt-runtime.md §1.5 (from public issues).
describe('engine-incompatible', () => {
  test('another TensorRT version: plan version from the header against the library', () => {
    const err = nativeError({ code: 'ERR_ENGINE_INCOMPATIBLE', message: 'deserializeCudaEngine failed\nIRuntime::deserializeCudaEngine: Error Code 6: API Usage Error (The engine plan file is not compatible with this version of TensorRT, expecting library version 10.16.0.1 got 10.3.0.26, please rebuild.)' });
    const { problem, logs } = classifyEngineError(err, ctx);
    assert.equal(problem.reason, 'engine-incompatible');
    assert.equal(problem.message, 'model.engine: TensorRT cannot load this engine here: it was built by TensorRT 10.3.0.26 (per the plan header), and this is TensorRT 10.16.0');
    assert.equal(problem.hints[0], 'rebuild the engine on this machine: trtexec --onnx=<model.onnx> --saveEngine=model.engine');
    assert.equal(logs.length, 1);
    assert.match(logs[0]!, /Error Code 6/);
  });

  test('another GPU: quotes TensorRT and names this GPU', () => {
    const err = nativeError({ code: 'ERR_ENGINE_INCOMPATIBLE', message: 'x\nError Code 6: API Usage Error (The engine plan file is generated on an incompatible device, expecting compute 8.9 got compute 9.0, please rebuild.)' });
    const { problem } = classifyEngineError(err, { ...ctx, planVersion: '10.16.0.32' });
    assert.equal(problem.message, 'model.engine: TensorRT cannot load this engine here: it was built for a GPU of another compute capability (TensorRT: "expecting compute 8.9 got compute 9.0"; this GPU is NVIDIA H100 80GB HBM3, compute 9.0)');
  });

  test('8.x "Version tag does not match" without a code is still recognised', () => {
    const err = new Error('[stdArchiveReader.cpp::StdArchiveReader::40] Error Code 1: Serialization (Serialization assertion stdVersionRead == serializationVersion failed.Version tag does not match. Note: Current Version: 213, Serialized Engine Version: 205)');
    const { problem } = classifyEngineError(err, { ...ctx, planVersion: null });
    assert.equal(problem.reason, 'engine-incompatible');
    assert.match(problem.message, /it was built by another TensorRT version; this is TensorRT 10\.16\.0: .*Version tag does not match/);
  });

  test('"Magic tag does not match" (NVIDIA/TensorRT#1384): no valid plan, copy again or rebuild', () => {
    const { problem } = classifyEngineError(nativeError({ code: 'ERR_ENGINE_INCOMPATIBLE', message: 'Error Code 1: Serialization (Magic tag does not match)' }), { ...ctx, planVersion: null });
    assert.equal(problem.reason, 'engine-damaged');
    assert.match(problem.message, /TensorRT found no valid plan in it \(not a TensorRT plan, or damaged\)/);
  });
});

describe('other codes', () => {
  test('host code: suggests the flag and says the risk', () => {
    const { problem } = classifyEngineError(nativeError({ code: 'ERR_ENGINE_HOST_CODE', message: 'plan needs host code' }), ctx);
    assert.equal(problem.reason, 'engine-needs-host-code');
    assert.equal(problem.hints[0], 'pass --allow-engine-host-code to load it');
    assert.match(problem.hints[1]!, /runs native code stored inside the engine file/);
  });

  test('libnvinfer wrong major from the error text', () => {
    const { problem } = classifyEngineError(nativeError({ code: 'ERR_TRT_LIBRARY', message: 'libnvinfer.so.10 reports major version 11, expected 10' }), { ...ctx, runtime: { ...runtime, tensorrt: { ...runtime.tensorrt, libraryVersion: null } } });
    assert.equal(problem.reason, 'libnvinfer-wrong-major');
  });

  test('libnvinfer missing from the error text', () => {
    const { problem } = classifyEngineError(nativeError({ code: 'ERR_TRT_LIBRARY', message: 'dlopen(libnvinfer.so.10): libnvinfer.so.10: cannot open shared object file' }), { ...ctx, runtime: { ...runtime, tensorrt: { ...runtime.tensorrt, libraryVersion: null } } });
    assert.equal(problem.reason, 'libnvinfer-missing');
    assert.match(problem.message, /^The TensorRT library libnvinfer\.so\.10 could not be loaded: dlopen/);
  });

  test('CUDA out of memory while running names the input and suggests freeing memory', () => {
    const { problem } = classifyEngineError(nativeError({ code: 'ERR_CUDA', message: 'cudaMalloc: cudaErrorMemoryAllocation (2): out of memory' }), { ...ctx, phase: 'run', key: 'cat.jpg' });
    assert.equal(problem.reason, 'out-of-memory');
    assert.equal(problem.message, 'model.engine on cat.jpg: not enough GPU memory to run it: cudaMalloc: cudaErrorMemoryAllocation (2): out of memory');
    assert.match(problem.hints[0]!, /free GPU memory/);
  });

  test('unknown errors are tensorrt-error, keeping the text', () => {
    const { problem } = classifyEngineError(new Error('enqueueV3 returned false'), { ...ctx, phase: 'run', key: 'k' });
    assert.equal(problem.reason, 'tensorrt-error');
    assert.equal(problem.message, 'model.engine on k: TensorRT failed while running it: enqueueV3 returned false');
  });

  test('a missing device reuses the runtime classification', () => {
    const { problem } = classifyEngineError(nativeError({ code: 'ERR_NO_DEVICE', message: 'invalid device ordinal' }), { ...ctx, device: 2 });
    assert.equal(problem.reason, 'device-not-found');
    assert.match(problem.message, /There is no GPU 2; this machine has 1/);
  });
});

// Each class with TensorRT's own words, as public reports quote them (source named per test). The
// addon turns a null deserializeCudaEngine into ERR_ENGINE_INCOMPATIBLE with the captured log lines
// after its first line; the classifier decides by those lines.
describe('deserialization failures, by what TensorRT really says', () => {
  const load = (lines: readonly string[], code: string = 'ERR_ENGINE_INCOMPATIBLE') =>
    classifyEngineError(nativeError({ code: code as never, message: ['TensorRT 10.16.0 could not deserialize this engine', ...lines].join('\n') }), ctx);

  test('missing plugin (NVIDIA/TensorRT#1913, 8.x log): engine-plugin-missing, suggests --plugins', () => {
    const { problem, logs } = load([
      '[E] 1: [pluginV2Runner.cpp::nvinfer1::rt::load::290] Error Code 1: Serialization (Serialization assertion creator failed.Cannot deserialize plugin since corresponding IPluginCreator not found in Plugin Registry)',
      '[E] 4: [runtime.cpp::nvinfer1::Runtime::deserializeCudaEngine::50] Error Code 4: Internal Error (Engine deserialization failed.)',
    ]);
    assert.equal(problem.reason, 'engine-plugin-missing');
    assert.match(problem.message, /^model\.engine: the engine uses a TensorRT plugin that no loaded library provides: .*IPluginCreator not found in Plugin Registry/);
    assert.match(problem.hints[0]!, /--plugins <lib\.so>/);
    assert.equal(logs.length, 2, 'every TensorRT line is kept for -v and the JSON');
  });

  test('missing plugin, 10.x wording with its name (laugh12321/TensorRT-YOLO#118): the plugin is named', () => {
    const { problem } = load([
      'IPluginRegistry::getPluginCreator: Error Code 4: API Usage Error (Cannot find plugin: EfficientIdxNMS_TRT, version: 1, namespace:.)',
      'IRuntime::deserializeCudaEngine: Error Code 1: Serialization (Serialization assertion creator failed.Cannot deserialize plugin since corresponding IPluginCreator not found in Plugin Registry)',
    ]);
    assert.equal(problem.reason, 'engine-plugin-missing');
    assert.match(problem.message, /a TensorRT plugin \(EfficientIdxNMS_TRT version 1\)/);
  });

  test('truncated (NVIDIA/TensorRT#1559 and #3848): engine-damaged, not "rebuild for another version"', () => {
    const { problem } = load([
      '[E] 1: [stdArchiveReader.cpp::StdArchiveReader::54] Error Code 1: Serialization (Serialization assertion sizeRead == static_cast<uint64_t>(mEnd - mCurrent) failed.Size specified in header does not match archive size)',
      '[E] 4: [runtime.cpp::deserializeCudaEngine::50] Error Code 4: Internal Error (Engine deserialization failed.)',
    ]);
    assert.equal(problem.reason, 'engine-damaged');
    assert.match(problem.message, /the engine file is truncated or damaged: .*Size specified in header/);
  });

  test('8.x version tag (NVIDIA/TensorRT#2041): engine-incompatible, the plan header version named', () => {
    const { problem } = load([
      '[E] 1: [stdArchiveReader.cpp::StdArchiveReader::40] Error Code 1: Serialization (Serialization assertion stdVersionRead == serializationVersion failed.Version tag does not match. Note: Current Version: 213, Serialized Engine Version: 205)',
      '[E] 4: [runtime.cpp::deserializeCudaEngine::50] Error Code 4: Internal Error (Engine deserialization failed.)',
    ]);
    assert.equal(problem.reason, 'engine-incompatible');
    assert.match(problem.message, /built by TensorRT 10\.3\.0\.26 \(per the plan header\), and this is TensorRT 10\.16\.0/);
  });

  test('8.x safe variant (NVIDIA/TensorRT#2195 wording): engine-incompatible', () => {
    const { problem } = load(['[E] 1: [stdArchiveReader.cpp::StdArchiveReader::35] Error Code 1: Serialization (Serialization assertion safeVersionRead == safeSerializationVersion failed.Version tag does not match. Note: Current Version: 0, Serialized Engine Version: 43)']);
    assert.equal(problem.reason, 'engine-incompatible');
  });

  test('10.x "expecting library version ... got" (ComfyUI report quoted in the runtime guide): engine-incompatible', () => {
    const { problem } = load(['[E] IRuntime::deserializeCudaEngine: Error Code 6: API Usage Error (The engine plan file is not compatible with this version of TensorRT, expecting library version 10.12.0.36 got 10.3.0.26, please rebuild.)']);
    assert.equal(problem.reason, 'engine-incompatible');
    assert.match(problem.hints[0]!, /^rebuild the engine on this machine/);
  });

  test('out of memory while deserializing (open-mmlab/Live2Diff#9): out-of-memory, not "rebuild"', () => {
    const { problem } = load([
      '[E] 1: [defaultAllocator.cpp::allocate::19] Error Code 1: Cuda Runtime (out of memory)',
      '[W] Requested amount of GPU memory (1180463648 bytes) could not be allocated. There may not be enough free memory for allocation to succeed.',
      '[E] 2: [safeDeserialize.cpp::load::269] Error Code 2: OutOfMemory (no further information)',
    ], 'ERR_CUDA');
    assert.equal(problem.reason, 'out-of-memory');
    assert.match(problem.message, /^model\.engine: not enough GPU memory to load the engine: /);
  });

  test('host code not allowed: every load failure carries the --allow-engine-host-code hint; with it allowed, none does', () => {
    const lines = ['IRuntime::deserializeCudaEngine: Error Code 1: Internal Error (Unexpected call to stub loadRunner for ReformatRunner)'];
    const without = load(lines).problem;
    assert.ok(without.hints.some((h) => /--allow-engine-host-code/.test(h)), without.hints.join(' | '));
    const withIt = classifyEngineError(nativeError({ code: 'ERR_ENGINE_INCOMPATIBLE', message: ['x', ...lines].join('\n') }), { ...ctx, allowHostCode: true }).problem;
    assert.ok(!withIt.hints.some((h) => /--allow-engine-host-code/.test(h)));
    const plugin = load(['Cannot deserialize plugin since corresponding IPluginCreator not found in Plugin Registry']).problem;
    assert.ok(plugin.hints.some((h) => /--allow-engine-host-code/.test(h)));
  });
});

// NVIDIA's real lean and dispatch runtimes (10.16.1, 11.4.0) on an H200, as recorded by
// scripts/gpu-real-runtime.sh: fixtures/tensorrt/real-logs-2026-12-02.json (provenance in its README).
interface RealCase { name: string; planVersion: string | null; allowHostCode: boolean; code: string; lines: string[] }
interface RealRuntime { runtime: string; wheel: string; libraryVersion: string; cases: RealCase[] }
const real = JSON.parse(readFileSync(fixture('tensorrt', 'real-logs-2026-12-02.json'), 'utf8')) as { runtimes: RealRuntime[] };

describe('real TensorRT texts (fixtures/tensorrt/real-logs-2026-12-02.json)', () => {
  const classify = (r: RealRuntime, c: RealCase) => classifyEngineError(nativeError({ code: c.code as never, message: c.lines.join('\n') }), {
    enginePath: `${c.name}.engine`, phase: 'load', planVersion: c.planVersion, allowHostCode: c.allowHostCode, device: 0,
    runtime: { ...runtime, tensorrt: { ...runtime.tensorrt, libraryName: r.wheel, libraryVersion: r.libraryVersion } },
  });
  const all = real.runtimes.flatMap((r) => r.cases.map((c) => ({ r, c })));

  test('the fixture holds the four runtimes with their five cases each', () => {
    assert.deepEqual(real.runtimes.map((r) => `${r.runtime} ${r.libraryVersion}`), ['lean 10.16.1', 'dispatch 10.16.1', 'lean 11.4.0', 'dispatch 11.4.0']);
    assert.equal(all.length, 20);
  });

  test('garbage: the magic-tag assertion means "not a TensorRT plan, or damaged", not another version', () => {
    const garbage = all.filter(({ c }) => c.name === 'garbage');
    assert.equal(garbage.length, 4);
    for (const { r, c } of garbage) {
      // TensorRT's "(A != B)": B is the expected magic, "ftrt" read as a little-endian u32.
      const m = /incompatible serialization version \((\d+) != (\d+)\)/.exec(c.lines.join('\n'));
      assert.ok(m, `${r.wheel}: ${c.lines.join(' | ')}`);
      const expected = Buffer.alloc(4);
      expected.writeUInt32LE(Number(m[2]));
      assert.equal(expected.toString('latin1'), 'ftrt');
      const { problem, logs } = classify(r, c);
      assert.equal(problem.reason, 'engine-damaged', `${r.wheel}: ${problem.message}`);
      assert.match(problem.message, /^garbage\.engine: TensorRT found no valid plan in it \(not a TensorRT plan, or damaged\): .*header\.magicTag == kEXPECTED_MAGIC_TAG failed/);
      assert.doesNotMatch(problem.message, /another TensorRT version/);
      assert.deepEqual(logs, c.lines.slice(1).map((l) => l.trimEnd()));
    }
  });

  test('every ftrt plan of ours: the platform-tag assertion gets its own message, with no version or host-code advice', () => {
    const plans = all.filter(({ c }) => c.name !== 'garbage');
    assert.equal(plans.length, 16);
    for (const { r, c } of plans) {
      assert.match(c.lines.join('\n'), /Platform specific tag mismatch/, `${r.wheel} ${c.name}`);
      const { problem } = classify(r, c);
      const at = `${r.wheel} ${c.name}: ${problem.message}`;
      assert.equal(problem.reason, 'engine-incompatible', at);
      assert.match(problem.message, new RegExp(`^${c.name}\\.engine: TensorRT cannot load this engine here: its plan header's platform tag is not this runtime's, so it was built for another platform \\(operating system or CPU architecture\\) or not by NVIDIA's TensorRT builder: .*header\\.pad == expectedPlatformTag failed`), at);
      assert.doesNotMatch(problem.message, /another TensorRT version|truncated or damaged/, at);
      assert.match(problem.message, /builder: TensorRT: \[E\] IRuntime::deserializeCudaEngine: Error Code 1: Serialization \(Serialization assertion header\.pad/, at);
      assert.match(problem.hints[0]!, /^rebuild the engine on the machine \(OS and CPU architecture\) that runs it: trtexec/, at);
      // The real runtimes said the same with host code allowed, so the flag is no advice here.
      assert.ok(!problem.hints.some((h) => /--allow-engine-host-code|--versionCompatible/.test(h)), at);
    }
  });
});
