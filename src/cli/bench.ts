import { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { runBench } from '../bench/bench-run.js';
import { ExitCode, InputError, UsageError } from '../errors.js';
import { renderBenchText } from '../report/bench-text.js';
import { toJson } from '../report/json.js';
import { MODEL_EXTENSIONS, addBackendOptions, backendKindOf, openModelBackend, type BackendCliOptions } from './backends.js';
import { loadImageForModel } from './compare-io.js';
import { collect, parseNonNegativeInt, parsePositiveInt, parsePositiveNumber, useColor } from './options.js';

const HELP_AFTER = `
Measurement (trtexec's model): a time-based warm-up (--warmup ms, not counted), then at least
--iterations runs AND at least --duration seconds. Model load time and the first inference are
reported apart. Per backend: latency min/mean/median/p90/p95/p99/max, standard deviation and
throughput; for TensorRT also H2D, GPU compute and D2H (CUDA events), host enqueue time, and the
wall time seen from JavaScript. Percentiles use trtexec's nearest-rank rule (computed in float32).
A coefficient of variation above 2.5% is flagged. ONNX Runtime runs on a worker thread.

Examples:
  trt-parity bench model.onnx model.engine cat.jpg
  trt-parity bench model.engine --duration 10 --json bench.json --export-times
`;

export function benchCommand(setCode: (code: number) => void): Command {
  const cmd = new Command('bench')
    .summary('measure ONNX Runtime and TensorRT side by side on the same input')
    .description('Benchmark one or both backends on identical input: an image, or seeded random data when none is given.')
    .argument('<model>', 'model.onnx or model.engine/.plan/.trt')
    .argument('[more...]', 'a second model (the other backend) and/or an image')
    .option('--warmup <ms>', 'warm-up time in ms, not counted', parseNonNegativeInt('--warmup'), 200)
    .option('--iterations <n>', 'at least this many measured runs', parsePositiveInt('--iterations'), 10)
    .option('--duration <s>', 'at least this many seconds of measured runs', parsePositiveNumber('--duration'), 3)
    .option('--seed <n>', 'seed of the random input when no image is given', parseNonNegativeInt('--seed'), 1)
    .option('--shape <name=dims>', 'shape of a dynamic input for random data, e.g. x=1x3x224x224 (repeatable)', collect)
  addBackendOptions(cmd);
  return cmd
    .option('--no-transfers', 'TensorRT: no H2D/D2H copies; times compute alone (trtexec --noDataTransfers)')
    .option('--cuda-graph', 'TensorRT: capture the enqueue into a CUDA graph and replay it (falls back, with a warning, when the engine cannot be captured)', false)
    .option('--json <file>', 'write the report as JSON')
    .option('--export-times', 'include every sample in the JSON', false)
    .addHelpText('after', HELP_AFTER)
    .action(async (model: string, more: string[], opts: BackendCliOptions & {
      warmup: number; iterations: number; duration: number; seed: number; shape?: string[]; json?: string; exportTimes: boolean;
    }) => {
      const models = [model];
      let image: string | null = null;
      for (const arg of more) {
        if (MODEL_EXTENSIONS.includes(extname(arg).toLowerCase())) models.push(arg);
        else if (image === null) image = arg;
        else throw new UsageError(`bench takes at most one image; got ${image} and ${arg}`);
      }
      if (models.length > 2) throw new UsageError('bench takes at most two models (one per backend)');
      const kinds = await Promise.all(models.map((m) => backendKindOf(m)));
      if (kinds.length === 2 && kinds[0] === kinds[1]) throw new UsageError(`bench compares two backends; ${models.join(' and ')} are both ${kinds[0]}`);
      const report = await runBench({
        models, image, seed: opts.seed, shapes: parseShapes(opts.shape ?? []),
        measure: { warmupMs: opts.warmup, iterations: opts.iterations, durationMs: opts.duration * 1000 },
        exportTimes: opts.exportTimes,
        tensorrt: { transfers: opts.transfers ?? true, cudaGraph: opts.cudaGraph ?? false },
        onPhase: (t) => { if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${t}…`); },
      }, {
        // The kinds are known already: no second stat() per model.
        openBackend: (p) => openModelBackend(p, opts, kinds[models.indexOf(p)]),
        loadImage: (p, input) => loadImageForModel(p, input, {}),
      });
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
      process.stdout.write(renderBenchText(report, { color: useColor(process.stdout) }));
      if (opts.json) {
        try {
          await writeFile(opts.json, toJson(report));
        } catch (e) {
          throw new InputError(opts.json, `cannot write report: ${(e as Error).message}`);
        }
      }
      setCode(ExitCode.ok);
    });
}

function parseShapes(items: readonly string[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const item of items) {
    const m = /^(.+)=(\d+(?:x\d+)*)$/.exec(item);
    if (!m) throw new UsageError(`Expected name=1x3x224x224 for --shape but received '${item}'`);
    out.set(m[1]!, m[2]!.split('x').map(Number));
  }
  return out;
}
