/**
 * Where a folder run's time goes besides inference, each part measured alone with the same
 * modules the CLI uses: decode + preprocess, the hop to the ONNX Runtime worker thread and back,
 * the saved run's replay (input digest + .npy read), and the comparison itself.
 *
 * Used by folder-bench.ts to explain the overhead ratio; every figure is a median over the images.
 */
import { performance } from 'node:perf_hooks';
import { OnnxBackend } from '../../src/backends/onnx/onnx-backend.js';
import { SavedBackend } from '../../src/backends/saved/saved-backend.js';
import { tensorMapDigest } from '../../src/backends/saved/digest.js';
import { latencyStats } from '../../src/bench/stats.js';
import { compareOutputs } from '../../src/compare/compare-outputs.js';
import { parseToleranceSpec } from '../../src/compare/tolerance.js';
import type { Tensor, TensorMap } from '../../src/tensor/types.js';

export interface ComponentProfile {
  /** ORT's own run() inside the worker (what the report calls firstMs). */
  readonly workerRunMs: number;
  /** Round trip seen from the main thread minus workerRunMs: feed copy, postMessage both ways, wake-ups. */
  readonly workerHopMs: number;
  /** SavedBackend.run: sha256 digest of the feeds plus reading and parsing the .npy outputs. */
  readonly savedReplayMs: number;
  /** The digest alone (part of savedReplayMs). */
  readonly digestMs: number;
  /** compareOutputs on the two output maps, with all statistics. */
  readonly compareMs: number;
}

const median = (xs: readonly number[]): number => latencyStats(xs).median;

/**
 * Run every input once through a fresh OnnxBackend and the saved run, sequentially (no decode in
 * parallel), timing each part. `inputs` are the preprocessed tensors keyed as the saved run keys them.
 */
export async function profileComponents(model: string, savedDir: string, inputName: string,
  inputs: ReadonlyMap<string, Tensor>, threads: number): Promise<ComponentProfile> {
  const onnx = await OnnxBackend.open(model, { provider: 'cpu', threads });
  const saved = await SavedBackend.open(savedDir);
  const tolerance = parseToleranceSpec({});
  const run: number[] = [];
  const hop: number[] = [];
  const replay: number[] = [];
  const digest: number[] = [];
  const compare: number[] = [];
  try {
    const first = inputs.values().next().value;
    if (first !== undefined) await onnx.run(new Map([[inputName, first]]), 'warm-up');
    for (const [key, tensor] of inputs) {
      const feeds: TensorMap = new Map([[inputName, tensor]]);
      const a = await onnx.run(feeds, key);
      // computeMs is session.run() inside the worker; the rest of the wall time is the hop and the feed copy.
      run.push(a.timing.computeMs ?? a.timing.wallMs);
      hop.push(a.timing.wallMs - (a.timing.computeMs ?? a.timing.wallMs));
      const b = await saved.run(feeds, key);
      replay.push(b.timing.wallMs);
      let t0 = performance.now();
      tensorMapDigest(feeds);
      digest.push(performance.now() - t0);
      t0 = performance.now();
      const result = compareOutputs(a.outputs, b.outputs, { tolerance, allowNonFinite: false });
      compare.push(performance.now() - t0);
      if (!result.passed) throw new Error(`${key}: ORT in the worker disagrees with the saved run of the same model`);
    }
  } finally {
    await Promise.allSettled([onnx.dispose(), saved.dispose()]);
  }
  return {
    workerRunMs: median(run), workerHopMs: median(hop), savedReplayMs: median(replay),
    digestMs: median(digest), compareMs: median(compare),
  };
}
