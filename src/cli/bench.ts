import { Command } from 'commander';
import { escapeControl } from '../report/escape.js';
import { UsageError } from '../errors.js';
import { DEFAULT_MAX_TENSOR_BYTES, formatBytes, parseByteSize } from '../io/limits.js';
import { renderBenchText } from '../report/bench-text.js';
import { toJson } from '../report/json.js';
import { addBackendOptions, backendOptionsOf } from './backend-options.js';
import type { Finish } from './command.js';
import { collect, parseNonNegativeInt, parsePositiveInt, parsePositiveNumber, useColor } from './options.js';
import { addOutputOptions, textStream, writeOutputs, type OutputOptions } from './output.js';
import { addPreprocessOptions, preprocessSpecOf, type PreprocessCliOptions } from './preprocess-options.js';

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

interface BenchCliOptions extends PreprocessCliOptions, OutputOptions {
  readonly warmup: number;
  readonly iterations: number;
  readonly duration: number;
  readonly seed: number;
  readonly shape?: string[];
  readonly exportTimes: boolean;
  readonly maxTensorBytes?: number;
}

export function benchCommand(finish: Finish): Command {
  const cmd = new Command('bench')
    .summary('measure ONNX Runtime and TensorRT side by side on the same input')
    .description('Benchmark one or both backends on identical input: an image, or seeded random data when none is given.')
    .argument('<model>', 'model.onnx or model.engine/.plan/.trt')
    .argument('[more...]', 'a second model (the other backend) and/or an image')
    .option('--warmup <ms>', 'warm-up time in ms, not counted', parseNonNegativeInt('--warmup'), 200)
    .option('--iterations <n>', 'at least this many measured runs', parsePositiveInt('--iterations'), 10)
    .option('--duration <s>', 'at least this many seconds of measured runs', parsePositiveNumber('--duration'), 3)
    .option('--seed <n>', 'seed of the random input when no image is given', parseNonNegativeInt('--seed'), 1)
    .option('--shape <name=dims>', 'shape of a dynamic input for random data, e.g. x=1x3x224x224 (repeatable)', collect);
  addPreprocessOptions(cmd);
  addOutputOptions(cmd, { junit: false })
    .option('--export-times', 'include every sample in the JSON', false)
    .option('--max-tensor-bytes <size>', `refuse an input tensor (model input, --shape, decoded image) larger than this, e.g. 512M, 4G (default ${formatBytes(DEFAULT_MAX_TENSOR_BYTES)}: this machine's memory / 4, at most 2 GiB)`, (v: string) => parseByteSize(v));
  addBackendOptions(cmd, 'bench');
  return cmd
    .addHelpText('after', HELP_AFTER)
    .action(async (model: string, more: string[], opts: BenchCliOptions) => {
      // Imported here, not at the top (issue 14): --help and the other commands do not load it.
      const { bench, splitBenchArguments } = await import('../app/bench.js');
      const { models, image } = splitBenchArguments([model, ...more]);
      const text = textStream(opts);
      const report = await bench({
        models, image, seed: opts.seed, shapes: parseShapes(opts.shape ?? []),
        measure: { warmupMs: opts.warmup, iterations: opts.iterations, durationMs: opts.duration * 1000 },
        exportTimes: opts.exportTimes,
        ...(opts.maxTensorBytes === undefined ? {} : { maxTensorBytes: opts.maxTensorBytes }),
        preprocess: preprocessSpecOf(opts),
        backend: backendOptionsOf(opts as unknown as Record<string, unknown>, 'bench'),
      }, {
        onPhase: (t) => { if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${escapeControl(t)}…`); },
      });
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
      const written = await writeOutputs(opts, renderBenchText(report, { color: useColor(text) }), { json: () => toJson(report) });
      finish({ report, outputsWritten: written });
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
