import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyEngineError, type EngineErrorContext } from '../../../src/backends/tensorrt/classify-engine-error.js';
import { createFakeAddon, nativeError } from '../../doubles/fake-native.js';

const runtime = { ...createFakeAddon().getRuntimeInfo(), tensorrt: { builtIn: true, headerVersion: '10.16.0', libraryName: 'libnvinfer.so.10', libraryVersion: '10.16.0', libraryError: null } };
const ctx: EngineErrorContext = { enginePath: 'model.engine', phase: 'load', planVersion: '10.3.0', runtime, device: 0 };

// Log texts below are the ones quoted in tensorrt-runtime.md §1.5 (from public issues).
describe('engine-incompatible', () => {
  test('another TensorRT version: plan version from the header against the library', () => {
    const err = nativeError({ code: 'ERR_ENGINE_INCOMPATIBLE', message: 'deserializeCudaEngine failed\nIRuntime::deserializeCudaEngine: Error Code 6: API Usage Error (The engine plan file is not compatible with this version of TensorRT, expecting library version 10.16.0.1 got 10.3.0.26, please rebuild.)' });
    const { problem, logs } = classifyEngineError(err, ctx);
    assert.equal(problem.reason, 'engine-incompatible');
    assert.equal(problem.message, 'model.engine: TensorRT cannot load this engine here: it was built by TensorRT 10.3.0 (per the plan header), and this is TensorRT 10.16.0');
    assert.equal(problem.hints[0], 'rebuild the engine on this machine: trtexec --onnx=<model.onnx> --saveEngine=model.engine');
    assert.equal(logs.length, 1);
    assert.match(logs[0]!, /Error Code 6/);
  });

  test('another GPU: quotes TensorRT and names this GPU', () => {
    const err = nativeError({ code: 'ERR_ENGINE_INCOMPATIBLE', message: 'x\nError Code 6: API Usage Error (The engine plan file is generated on an incompatible device, expecting compute 8.9 got compute 9.0, please rebuild.)' });
    const { problem } = classifyEngineError(err, { ...ctx, planVersion: '10.16.0' });
    assert.equal(problem.message, 'model.engine: TensorRT cannot load this engine here: it was built for a GPU of another compute capability (TensorRT: "expecting compute 8.9 got compute 9.0"; this GPU is NVIDIA H100 80GB HBM3, compute 9.0)');
  });

  test('8.x "Version tag does not match" without a code is still recognised', () => {
    const err = new Error('[stdArchiveReader.cpp::StdArchiveReader::40] Error Code 1: Serialization (Serialization assertion stdVersionRead == serializationVersion failed.Version tag does not match. Note: Current Version: 213, Serialized Engine Version: 205)');
    const { problem } = classifyEngineError(err, { ...ctx, planVersion: null });
    assert.equal(problem.reason, 'engine-incompatible');
    assert.match(problem.message, /it was built by another TensorRT version; this is TensorRT 10\.16\.0: .*Version tag does not match/);
  });

  test('not a plan at all', () => {
    const { problem } = classifyEngineError(nativeError({ code: 'ERR_ENGINE_INCOMPATIBLE', message: 'Error Code 1: Serialization (Magic tag does not match)' }), { ...ctx, planVersion: null });
    assert.match(problem.message, /the file is not a TensorRT plan, or is damaged/);
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
    assert.equal(problem.reason, 'cuda-error');
    assert.equal(problem.message, 'model.engine on cat.jpg: a CUDA call failed while running it: cudaMalloc: cudaErrorMemoryAllocation (2): out of memory');
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
