/**
 * ONNX Runtime's CUDA provider on a GPU machine (issue 17). Runs only where the provider loads:
 * onnxruntime-node's libonnxruntime_providers_{shared,cuda}.so placed next to its libonnxruntime.so.1
 * and the CUDA 13 / cuDNN 9 libraries on LD_LIBRARY_PATH (scripts/gpu-ort-cuda.sh does both; see
 * docs/gpu-runs.md). Everywhere else it skips with doctor's reason.
 *
 * The oracle for the outputs is ONNX Runtime's CPU provider on the same model and input: other kernels
 * (MLAS on the CPU, cuDNN/cuBLAS on the GPU), so the bound below is the float32 accumulation-order
 * noise measured in the exploratory probe (max |diff| 1.43e-5 on these logits), with margin.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bench } from '../../src/app/bench.js';
import { OnnxBackend } from '../../src/backends/onnx/onnx-backend.js';
import { diagnoseOrtProviders } from '../../src/backends/onnx/providers.js';
import { mulberry32, randomTensor } from '../../src/bench/random-input.js';
import { fixture } from '../helpers/paths.js';

/** Whether a CUDA session opens here, decided by the backend itself (not by the probe under test). */
async function cudaSkip(): Promise<string | false> {
  try {
    const b = await OnnxBackend.open(fixture('models', 'affine.onnx'), { provider: 'cuda' });
    await b.dispose();
    return false;
  } catch (err) {
    return `--onnx-provider cuda does not open here: ${err instanceof Error ? err.message : String(err)}`;
  }
}
const skip = await cudaSkip();
if (skip) console.log(`ONNX Runtime CUDA tests skipped: ${skip}`);

/** |CUDA − CPU| bound for classifier.onnx's logits (about 3–7 in magnitude); see the header. */
const LOGITS_ATOL = 1e-3;

describe('ONNX Runtime with the CUDA provider', { skip }, () => {
  test("doctor's probe: the cuda provider loads and computes the probe model", async () => {
    const section = await diagnoseOrtProviders({ probe: ['cuda'] });
    const cuda = section.providers.find((p) => p.name === 'cuda');
    assert.ok(cuda, JSON.stringify(section));
    assert.deepEqual([cuda.compiledIn, cuda.bundled], [true, false]);
    assert.ok(cuda.files.every((f) => f.bytes !== null && f.bytes > 0), JSON.stringify(cuda.files));
    assert.equal(cuda.load.outcome, 'loads', cuda.load.detail);
    assert.deepEqual(cuda.fixes, []);
  });

  test('classifier.onnx: CUDA agrees with the CPU provider on a seeded input', async () => {
    const model = fixture('models', 'classifier.onnx');
    const x = randomTensor('input', 'float32', [1, 3, 224, 224], mulberry32(17));
    const feeds = new Map([['input', x]]);
    const gpu = await OnnxBackend.open(model, { provider: 'cuda' });
    const cpu = await OnnxBackend.open(model, { provider: 'cpu' });
    try {
      assert.equal(gpu.provider, 'cuda');
      const a = (await gpu.run(feeds, 'seeded')).outputs.get('logits')!.data as Float32Array;
      const b = (await cpu.run(feeds, 'seeded')).outputs.get('logits')!.data as Float32Array;
      assert.equal(a.length, 1000);
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
      console.log(`    max |CUDA − CPU| on classifier.onnx logits: ${worst.toExponential(3)}`);
      assert.ok(Number.isFinite(worst) && worst <= LOGITS_ATOL, `max |diff| ${worst}`);
    } finally {
      await gpu.dispose();
      await cpu.dispose();
    }
  });

  test('bench --onnx-provider cuda: the provider and what session.run includes are in the report', async () => {
    const report = await bench({
      models: [fixture('models', 'affine.onnx')], shapes: new Map([['x', [1, 3, 256, 256]]]),
      measure: { warmupMs: 50, iterations: 20, durationMs: 300 }, backend: { onnxProvider: 'cuda' },
    });
    const ort = report.results[0]!;
    assert.equal(ort.executionProvider, 'cuda');
    assert.match(ort.sessionIncludes ?? '', /H2D copy of the inputs.*D2H copy of the outputs/);
    assert.ok(ort.session !== null && ort.session.median > 0);
    console.log(`    affine 1x3x256x256 on CUDA: session.run median ${(ort.session.median * 1000).toFixed(1)} µs, end to end ${(ort.latency.median * 1000).toFixed(1)} µs`);
  });
});
