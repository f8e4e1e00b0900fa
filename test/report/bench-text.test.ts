import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BackendBench, BenchReport } from '../../src/report/model/bench.js';
import type { LatencyStats } from '../../src/bench/stats.js';
import { renderBenchText } from '../../src/report/bench-text.js';
import { assertNoControl, HOSTILE, HOSTILE_SHOWN, poisonStrings } from './hostile-strings.js';

/** Latency figures in ms; each row of the table is checked against these by hand. */
const stats = (median: number): LatencyStats => ({
  count: 100, min: median * 0.9, mean: median * 1.01, median, p90: median * 1.1, p95: median * 1.2, p99: median * 1.5, max: median * 2, std: median * 0.02, cvPercent: 1.98,
});

const ort: BackendBench = {
  backend: 'onnxruntime', source: 'model.onnx', loadMs: 385.2, firstRunMs: 8.09, warmupRuns: 12, warmupMs: 23.34,
  iterations: 177, measuredMs: 200.7, throughput: 881.72, latency: stats(2), session: stats(1.5), gpu: null,
  warnings: ['latency is unstable: coefficient of variation 3.0% (> 2.5%)'], samples: null,
};
const trt: BackendBench = {
  backend: 'tensorrt', source: 'model.engine', loadMs: 50, firstRunMs: 0.8, warmupRuns: 400, warmupMs: 200,
  iterations: 1000, measuredMs: 500, throughput: 2000, latency: stats(0.5), session: null,
  gpu: { h2d: stats(0.1), compute: stats(0.25), d2h: stats(0.05), enqueue: stats(0.02), overhead: stats(0.1) },
  warnings: [], samples: null,
};

function benchReport(results: BackendBench[], headline: BenchReport['headline']): BenchReport {
  return {
    schema: 'trt-parity/bench', schemaVersion: 1, tool: { name: 'trt-parity', version: '0.1.0' },
    input: { kind: 'random', image: null, seed: 7, tensors: [{ name: 'input', dtype: 'float32', shape: [1, 3, 224, 224] }] },
    settings: { warmupMs: 200, iterations: 10, durationMs: 3000, percentiles: 'trtexec nearest-rank (float32)', tensorrt: { transfers: true, cudaGraph: false } },
    results, headline,
  };
}

describe('renderBenchText', () => {
  test('one backend: input, settings, a latency block, its warnings; no TensorRT line or headline', () => {
    const text = renderBenchText(benchReport([ort], null), { color: false });
    assert.doesNotMatch(text, /\x1b\[/);
    const l = text.split('\n');
    assert.equal(l[0], 'trt-parity bench');
    assert.equal(l[1], '  input     seeded random data (seed 7; give an image for real data): input float32[1,3,224,224]');
    assert.equal(l[2], '  measure   warm-up 200 ms (not counted), then at least 10 iterations and 3 s; percentiles: trtexec nearest-rank (float32)');
    assert.ok(!text.includes('  tensorrt  '));
    assert.ok(l.includes('onnxruntime  model.onnx'));
    assert.ok(l.includes('  load 385 ms, first inference 8.09 ms, warm-up 12 runs in 23.34 ms, measured 177 runs in 201 ms, throughput 881.7 inferences/s'));
    // median 2 ms: min 1.8, mean 2.02, p90 2.2, p95 2.4, p99 3, max 4, std 0.04 ms = 40.0 µs.
    const e2e = l.find((x) => x.includes('end to end (JS)'))!;
    assert.deepEqual(e2e.split(/\s{2,}/).filter(Boolean), ['end to end (JS)', '1.80 ms', '2.02 ms', '2.00 ms', '2.20 ms', '2.40 ms', '3.00 ms', '4.00 ms', '40.0 µs', '2.0%']);
    assert.ok(l.some((x) => x.trimStart().startsWith('session.run (worker)')));
    assert.ok(l.includes('  * latency is unstable: coefficient of variation 3.0% (> 2.5%)'));
    assert.ok(!text.includes('headline'));
  });

  test('both backends: GPU rows, the TensorRT settings line and the headline', () => {
    const text = renderBenchText(benchReport([ort, trt], { speedupEndToEnd: 4, speedupCompute: 6, tensorrtTransferShare: 0.3, tensorrtOverheadShare: 0.2 }), { color: false });
    const l = text.split('\n');
    assert.ok(l.includes('  tensorrt  with H2D/D2H copies, plain enqueueV3'));
    for (const row of ['H2D (events)', 'GPU compute (events)', 'D2H (events)', 'enqueue (host)', 'overhead (ours)']) {
      assert.ok(l.some((x) => x.trimStart().startsWith(row)), row);
    }
    const compute = l.find((x) => x.includes('GPU compute (events)'))!;
    assert.equal(compute.split(/\s{2,}/).filter(Boolean)[3], '250.0 µs', 'the median column');
    assert.ok(l.includes('  TensorRT is 4.00x faster than ONNX Runtime end to end (median), 6.00x on GPU compute alone'));
    assert.ok(l.includes("  of TensorRT's end-to-end median, 30.0% is H2D+D2H copies and 20.0% is our own code, N-API and scheduling"));
  });

  test('an image input and colour', () => {
    const r = { ...benchReport([ort], null), input: { kind: 'image' as const, image: 'cat.jpg', seed: null, tensors: [{ name: 'x', dtype: 'float16', shape: [1, 3, 2, 2] }] } };
    const text = renderBenchText(r, { color: true });
    assert.ok(text.includes('  input     image cat.jpg: x float16[1,3,2,2]'));
    assert.ok(text.includes('\x1b[1mtrt-parity bench\x1b[22m'));
    assert.ok(text.includes('\x1b[33m  * latency is unstable'));
  });
});

describe('renderBenchText: strings from outside are escaped', () => {
  test('a tensor and an image named with ESC, CR, NUL and a newline are shown escaped', () => {
    const r = benchReport([ort], null);
    const named: BenchReport = { ...r, input: { kind: 'image', image: `dir/${HOSTILE}.jpg`, seed: null, tensors: [{ name: HOSTILE, dtype: 'float32', shape: [1, 3, 8, 8] }] } };
    const text = renderBenchText(named, { color: false });
    assertNoControl(text);
    assert.ok(text.includes(`image dir/${HOSTILE_SHOWN}.jpg: ${HOSTILE_SHOWN} float32[1,3,8,8]`), text);
  });

  test('every string of a two-backend report poisoned: no raw control character, no forged line', () => {
    const r = poisonStrings(benchReport([ort, trt], { speedupEndToEnd: 4, speedupCompute: 6, tensorrtTransferShare: 0.3, tensorrtOverheadShare: 0.2 }));
    assertNoControl(renderBenchText(r, { color: false }));
    assertNoControl(renderBenchText(r, { color: true }).replace(/\x1b\[[0-9;]*m/g, ''));
  });
});
