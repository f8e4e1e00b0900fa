/**
 * A stripped-down copy of the tool's folder loop (decode image i+1 while image i runs on an ORT
 * worker thread), used to measure proposed changes without touching src/: ORT thread count,
 * ORT's spin-waiting intra-op threads, and a cheaper decode. Only inference and decode are in
 * it (no saved-run replay, compare or report), so its per-image time minus its own
 * "no decode" variant is the cost that overlapped decoding adds.
 */
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { latencyStats } from '../../src/bench/stats.js';
import { loadImageForModel } from '../../src/app/image-input.js';
import { resolvePreprocessSpec } from '../../src/image/preprocess-spec.js';
import { preprocess } from '../../src/image/preprocess.js';
import type { Tensor, TensorInfo } from '../../src/tensor/types.js';
import type { ExperimentWorkerData } from './experiment-worker.js';

export interface PipelineVariant {
  readonly label: string;
  readonly threads: number;
  /** ORT's session.intra_op.allow_spinning; ORT's default is on. Irrelevant with one thread (no pool threads). */
  readonly spinning: boolean;
  /**
   * 'none': tensors made beforehand (inference through the worker only);
   * 'tool': the CLI's loadImageForModel (full decode, then resize from raw pixels);
   * 'one-pipeline': sharp decode+resize in one pipeline (JPEG shrink-on-load), then preprocess().
   */
  readonly decode: 'none' | 'tool' | 'one-pipeline';
}

export interface PipelineResult {
  readonly variant: PipelineVariant;
  /** Median over repetitions of (loop wall time / images). */
  readonly perImageMs: number;
  /** Median ORT run() time inside the worker over all images of all repetitions. */
  readonly runMs: number;
  /** Median over repetitions of the process's CPU time (all threads) / images; ORT's spin-waiting counts. */
  readonly cpuPerImageMs: number;
}

/** Decode with sharp's fast path; only for a static H×W float32 NCHW input (what the benchmark models take). */
async function onePipelineTensor(path: string, input: TensorInfo): Promise<Tensor> {
  const [, , h, w] = input.shape as number[];
  const { data, info } = await sharp(path, { autoOrient: true }).removeAlpha().resize(w, h, { fit: 'fill', kernel: 'linear' })
    .raw().toBuffer({ resolveWithObject: true });
  return preprocess({ data, width: info.width, height: info.height });
}

class ExperimentSession {
  readonly #worker: Worker;
  #waiting: ((runMs: number) => void) | null = null;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (m: { runMs?: number }) => {
      if (m.runMs !== undefined) this.#waiting?.(m.runMs);
    });
  }

  static async open(data: ExperimentWorkerData): Promise<ExperimentSession> {
    const worker = new Worker(new URL('./experiment-worker.js', import.meta.url), { workerData: data });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    return new ExperimentSession(worker);
  }

  /** Copies the data, as OnnxBackend.run does, so the measured hop includes that copy. */
  run(t: Tensor): Promise<number> {
    const data = (t.data as Float32Array).slice();
    const done = new Promise<number>((resolve) => { this.#waiting = resolve; });
    this.#worker.postMessage({ type: 'run', data, dims: [...t.shape] }, [data.buffer]);
    return done;
  }

  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    this.#worker.postMessage({ type: 'close' });
    await exited;
  }
}

/** Run `variant` over all images `reps` times (after a 3-run warm-up). */
export async function runPipelineVariant(model: string, input: TensorInfo, photos: readonly string[], tensors: readonly Tensor[],
  variant: PipelineVariant, reps: number): Promise<PipelineResult> {
  const session = await ExperimentSession.open({
    model, inputName: input.name,
    options: {
      executionProviders: ['cpu'], intraOpNumThreads: variant.threads,
      extra: { session: { intra_op: { allow_spinning: variant.spinning ? '1' : '0' } } },
    },
  });
  const decode = (i: number): Promise<Tensor> => {
    switch (variant.decode) {
      case 'none': return Promise.resolve(tensors[i]!);
      case 'tool': return loadImageForModel(photos[i]!, input, resolvePreprocessSpec()).then((r) => r.tensor);
      case 'one-pipeline': return onePipelineTensor(photos[i]!, input);
    }
  };
  const perImage: number[] = [];
  const cpu: number[] = [];
  const runs: number[] = [];
  try {
    for (let i = 0; i < 3; i++) await session.run(tensors[0]!);
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      let next: Promise<Tensor> | null = decode(0);
      for (let i = 0; i < photos.length; i++) {
        const tensor: Tensor = await next!;
        next = i + 1 < photos.length ? decode(i + 1) : null;
        runs.push(await session.run(tensor));
      }
      perImage.push((performance.now() - t0) / photos.length);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000 / photos.length);
    }
  } finally {
    await session.close();
  }
  return { variant, perImageMs: latencyStats(perImage).median, runMs: latencyStats(runs).median, cpuPerImageMs: latencyStats(cpu).median };
}

/** The variants the benchmark reports: today's settings, then one proposed change at a time. */
export const PIPELINE_VARIANTS: readonly PipelineVariant[] = [
  { label: '1 thread, no decode', threads: 1, spinning: true, decode: 'none' },
  { label: '1 thread, tool decode', threads: 1, spinning: true, decode: 'tool' },
  { label: '1 thread, one-pipeline decode', threads: 1, spinning: true, decode: 'one-pipeline' },
  { label: '2 threads spinning, no decode', threads: 2, spinning: true, decode: 'none' },
  { label: '2 threads spinning, tool decode', threads: 2, spinning: true, decode: 'tool' },
  { label: '2 threads no spin, no decode', threads: 2, spinning: false, decode: 'none' },
  { label: '2 threads no spin, tool decode', threads: 2, spinning: false, decode: 'tool' },
  { label: '2 threads no spin, one-pipeline decode', threads: 2, spinning: false, decode: 'one-pipeline' },
];
