/**
 * Folder throughput: `trt-parity compare model.onnx <saved run> folder/` against ONNX Runtime
 * inference alone on the same model and the same preprocessed inputs, side by side in one run.
 *
 *   npx tsc -p . && node dist/benchmarks/folder/folder-bench.js [--images 24] [--reps 5] [--threads 1,2]
 *        [--models resnet18,classifier] [--json results.json] [--keep] [--skip-experiments]
 *
 * What is timed, per model and ORT thread count, interleaved in each repetition:
 * - baseline: `InferenceSession.run` in a loop over the N tensors, on this thread, session created
 *   and warmed up beforehand (3 runs), tensors preprocessed beforehand with the CLI's own
 *   loadImageForModel: inference alone, nothing else;
 * - the tool: `main(['compare', model, savedRun, folder])` in this process (no process start-up),
 *   where savedRun was written beforehand by `--save-outputs` from the same model, so the tool does
 *   exactly one inference per image plus discovery, decode, preprocess, replay, compare, report.
 *   Its text report is rendered but not written to the terminal. Timed on the whole folder (T_N)
 *   and on one image of it (T_1, same saved run): (T_N − T_1)/(N − 1) is the per-image cost with
 *   the fixed costs (session creation, worker start, first-run allocation) taken out.
 * The headline is overhead = (tool per image − inference per image) / inference per image, median
 * over repetitions. A component profile (profile.ts) says where the difference goes, and the
 * what-if experiments (pipeline-model.ts) measure proposed changes to ORT threads, ORT's
 * spin-waiting and the decoder on a copy of the tool's decode-ahead loop.
 *
 * Everything is made in a temporary directory (a ResNet-18-shaped model, N 1280×960 JPEGs) and
 * removed afterwards unless --keep.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { inspectOnnx } from '../../src/backends/onnx/model-info.js';
import { latencyStats } from '../../src/bench/stats.js';
import { loadImageForModel } from '../../src/app/image-input.js';
import { resolvePreprocessSpec } from '../../src/image/preprocess-spec.js';
import { main } from '../../src/cli/main.js';
import type { CompareReport } from '../../src/report/model/compare.js';
import type { Tensor, TensorInfo } from '../../src/tensor/types.js';
import { fixture } from '../../test/helpers/paths.js';
import { DEFAULT_PHOTOS, makePhotoFolder } from './make-photos.js';
import { PIPELINE_VARIANTS, runPipelineVariant, type PipelineResult } from './pipeline-model.js';
import { profileComponents, type ComponentProfile } from './profile.js';
import { DEFAULT_RESNET, buildResnet } from './resnet-model.js';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: String(DEFAULT_PHOTOS.count) },
    reps: { type: 'string', default: '5' },
    threads: { type: 'string', default: '1,2' },
    models: { type: 'string', default: 'resnet18,classifier' },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'skip-experiments': { type: 'boolean', default: false },
  },
});
const count = Number(values.images);
const reps = Number(values.reps);
const threadCounts = values.threads.split(',').map(Number);
const modelNames = values.models.split(',');
if (!(count >= 2) || !(reps >= 1) || threadCounts.some((t) => !(Number.isInteger(t) && t >= 1))) {
  throw new Error('--images must be >= 2, --reps >= 1, --threads a list of positive integers');
}

const median = (xs: readonly number[]): number => latencyStats(xs).median;
const bestOf = (xs: readonly number[]): number => latencyStats(xs).min;
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
const ms = (x: number): string => x.toFixed(2).padStart(7);
const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

/** Wall time, and CPU time of the whole process (every thread: main, ORT worker and pool, libuv/libvips). */
interface Timed {
  readonly ms: number;
  readonly cpuMs: number;
}

const cpuMsSince = (c0: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};

/** Run the CLI in-process, its terminal output swallowed; returns exit code, wall and CPU time. */
async function runCli(argv: readonly string[]): Promise<Timed & { code: number }> {
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  try {
    const code = await main(argv);
    return { code, ms: performance.now() - t0, cpuMs: cpuMsSince(c0) };
  } finally {
    process.stdout.write = write;
  }
}

async function mustPass(argv: readonly string[]): Promise<Timed> {
  const r = await runCli(argv);
  if (r.code !== 0) throw new Error(`trt-parity ${argv.join(' ')} exited ${r.code}`);
  return r;
}

/** ORT alone: one pass over the tensors; returns wall and CPU ms per image. */
async function inferenceLoop(session: ort.InferenceSession, inputName: string, tensors: readonly Tensor[]): Promise<Timed> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (const t of tensors) await session.run({ [inputName]: new ort.Tensor('float32', t.data as Float32Array, t.shape) });
  return { ms: (performance.now() - t0) / tensors.length, cpuMs: cpuMsSince(c0) / tensors.length };
}

interface Rep {
  readonly inferenceMs: number;
  readonly toolAllInMs: number;
  readonly toolMarginalMs: number;
  readonly t1Ms: number;
  readonly inferenceCpuMs: number;
  readonly toolCpuMs: number;
}

interface ConfigResult {
  readonly model: string;
  readonly threads: number;
  readonly inferenceMs: number;
  readonly toolAllInMs: number;
  readonly toolMarginalMs: number;
  readonly overheadMarginal: number;
  readonly overheadAllIn: number;
  /** From the fastest repetition of each: least disturbed by other work on the machine. */
  readonly overheadBestOf: number;
  readonly fixedMs: number;
  /** CPU time per image (all threads of the process): robust to other work on the machine, blind to overlap. */
  readonly inferenceCpuMs: number;
  readonly toolCpuMs: number;
  readonly overheadCpu: number;
  readonly reps: readonly Rep[];
  /** Medians over the images of the last full-folder report's per-item timings. */
  readonly reportItem: { preprocessMs: number; firstMs: number; secondMs: number };
  readonly profile: ComponentProfile;
}

const work = await mkdtemp(join(tmpdir(), 'trt-parity-folder-bench-'));
try {
  const folder = join(work, 'photos');
  const photos = await makePhotoFolder(folder, { ...DEFAULT_PHOTOS, count });
  const models = new Map<string, string>();
  for (const name of modelNames) {
    if (name === 'resnet18') {
      const m = buildResnet(DEFAULT_RESNET);
      const path = join(work, 'resnet18.onnx');
      await writeFile(path, m.bytes);
      models.set(name, path);
      console.log(`resnet18: ${m.description}, ${(m.macs / 1e9).toFixed(2)} GMAC, ${(m.parameters / 1e6).toFixed(1)} M params, ${(m.bytes.byteLength / 2 ** 20).toFixed(1)} MiB`);
    } else if (name === 'classifier') {
      models.set(name, fixture('models', 'classifier.onnx'));
    } else {
      throw new Error(`unknown model '${name}' (resnet18, classifier)`);
    }
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`${count} JPEGs ${DEFAULT_PHOTOS.width}x${DEFAULT_PHOTOS.height} q${DEFAULT_PHOTOS.quality}; ${reps} repetitions; node ${process.version}, onnxruntime-node ${ort.env.versions.common}, sharp.concurrency() ${sharp.concurrency()}, ${availableParallelism()} CPUs (${cpu})`);
  console.log(`load average at start: ${load()}`);
  console.log('tool = main([compare, model, savedRun, folder]) in-process; per image = (T_N - T_1)/(N - 1); all-in = T_N/N\n');

  const results: ConfigResult[] = [];
  const experiments: { model: string; results: PipelineResult[] }[] = [];
  for (const [name, model] of models) {
    const info = await inspectOnnx(model);
    const input: TensorInfo = info.inputs[0]!;
    // Preprocessed once, exactly as the CLI does it (default options), and timed alone for the profile.
    const tensors: Tensor[] = [];
    const decodeAlone: number[] = [];
    for (const p of photos) {
      const t0 = performance.now();
      tensors.push((await loadImageForModel(p, input, resolvePreprocessSpec())).tensor);
      decodeAlone.push(performance.now() - t0);
    }
    const byKey = new Map(photos.map((p, i) => [p.slice(folder.length + 1), tensors[i]!] as const));
    const saved = join(work, `saved-${name}`);
    await mustPass(['compare', model, model, folder, '--save-outputs', saved, '--no-progress']);

    for (const threads of threadCounts) {
      const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], intraOpNumThreads: threads });
      for (let i = 0; i < 3; i++) await inferenceLoop(session, input.name, tensors.slice(0, 1));
      const cli = ['compare', model, saved, '--no-progress', '--threads', String(threads)];
      const jsonPath = join(work, `report-${name}-${threads}.json`);
      const perRep: Rep[] = [];
      for (let r = 0; r < reps; r++) {
        const base = await inferenceLoop(session, input.name, tensors);
        const t1 = await mustPass([...cli, photos[0]!]);
        const tN = await mustPass([...cli, folder, '--json', jsonPath]);
        perRep.push({
          inferenceMs: base.ms, toolAllInMs: tN.ms / count, toolMarginalMs: (tN.ms - t1.ms) / (count - 1), t1Ms: t1.ms,
          inferenceCpuMs: base.cpuMs, toolCpuMs: (tN.cpuMs - t1.cpuMs) / (count - 1),
        });
      }
      await session.release();
      const report = JSON.parse(await readFile(jsonPath, 'utf8')) as CompareReport;
      const items = report.items;
      const reportItem = {
        preprocessMs: median(items.map((i) => i.timing.preprocessMs)),
        firstMs: median(items.map((i) => i.timing.firstMs ?? NaN)),
        secondMs: median(items.map((i) => i.timing.secondMs ?? NaN)),
      };
      const profile = await profileComponents(model, saved, input.name, byKey, threads);
      const inferenceMs = median(perRep.map((p) => p.inferenceMs));
      const toolMarginalMs = median(perRep.map((p) => p.toolMarginalMs));
      const toolAllInMs = median(perRep.map((p) => p.toolAllInMs));
      const res: ConfigResult = {
        model: name, threads, inferenceMs, toolMarginalMs, toolAllInMs,
        overheadMarginal: median(perRep.map((p) => (p.toolMarginalMs - p.inferenceMs) / p.inferenceMs)),
        overheadAllIn: median(perRep.map((p) => (p.toolAllInMs - p.inferenceMs) / p.inferenceMs)),
        overheadBestOf: bestOf(perRep.map((p) => p.toolMarginalMs)) / bestOf(perRep.map((p) => p.inferenceMs)) - 1,
        fixedMs: median(perRep.map((p) => p.t1Ms - p.toolMarginalMs)),
        inferenceCpuMs: median(perRep.map((p) => p.inferenceCpuMs)),
        toolCpuMs: median(perRep.map((p) => p.toolCpuMs)),
        overheadCpu: median(perRep.map((p) => (p.toolCpuMs - p.inferenceCpuMs) / p.inferenceCpuMs)),
        reps: perRep, reportItem, profile,
      };
      results.push(res);
      console.log(`${name}, ORT intra-op threads ${threads}:`);
      console.log(`  inference alone         ${ms(inferenceMs)} ms/image   reps [${perRep.map((p) => p.inferenceMs.toFixed(1)).join(', ')}]`);
      console.log(`  trt-parity per image    ${ms(toolMarginalMs)} ms/image   reps [${perRep.map((p) => p.toolMarginalMs.toFixed(1)).join(', ')}]   overhead ${pct(res.overheadMarginal)} (best-of ${pct(res.overheadBestOf)})`);
      console.log(`  trt-parity all-in       ${ms(toolAllInMs)} ms/image   (T_N/N, fixed cost ${res.fixedMs.toFixed(0)} ms included)   overhead ${pct(res.overheadAllIn)}`);
      console.log(`  CPU time, all threads    ${ms(res.inferenceCpuMs)} ms/image inference alone, ${res.toolCpuMs.toFixed(2)} ms/image trt-parity   overhead ${pct(res.overheadCpu)}`);
      console.log(`  report, median item: preprocess ${reportItem.preprocessMs.toFixed(2)} ms (overlapped), ORT run ${reportItem.firstMs.toFixed(2)} ms, saved replay ${reportItem.secondMs.toFixed(2)} ms`);
      console.log(`  alone, median image: decode+preprocess ${median(decodeAlone).toFixed(2)} ms, ORT run in worker ${profile.workerRunMs.toFixed(2)} ms, worker hop ${profile.workerHopMs.toFixed(3)} ms, saved replay ${profile.savedReplayMs.toFixed(3)} ms (digest ${profile.digestMs.toFixed(3)}), compare ${profile.compareMs.toFixed(3)} ms\n`);
    }
    if (!values['skip-experiments']) {
      console.log(`${name}, what-if: the decode-ahead loop alone (ORT on a worker + decode), ms/image, median of ${reps}:`);
      const done: PipelineResult[] = [];
      for (const variant of PIPELINE_VARIANTS) {
        const r = await runPipelineVariant(model, input, photos, tensors, variant, reps);
        done.push(r);
        const base = done.find((d) => d.variant.threads === variant.threads && d.variant.spinning === variant.spinning && d.variant.decode === 'none');
        const extra = base && base !== r ? `   vs no decode ${pct((r.perImageMs - base.perImageMs) / base.perImageMs)}` : '';
        console.log(`  ${variant.label.padEnd(40)} ${ms(r.perImageMs)} ms/image   ORT run ${ms(r.runMs)} ms   CPU ${ms(r.cpuPerImageMs)} ms/image${extra}`);
      }
      experiments.push({ model: name, results: done });
      console.log('');
    }
  }
  console.log(`load average at end: ${load()}`);
  if (values.json) await writeFile(values.json, `${JSON.stringify({ date: new Date().toISOString(), loadAtEnd: loadavg(), count, reps, results, experiments }, null, 2)}\n`);
  if (values.keep) console.log(`kept ${work}`);
} finally {
  if (!values.keep) await rm(work, { recursive: true, force: true });
}
