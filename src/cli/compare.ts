import { Command } from 'commander';
import { parseShard, type Shard } from '../app/shard.js';
import { parseToleranceSpec } from '../compare/tolerance.js';
import { UsageError } from '../errors.js';
import { DEFAULT_MAX_TENSOR_BYTES, formatBytes, parseByteSize } from '../io/limits.js';
import type { CompareReport } from '../report/model/compare.js';
import { toJson } from '../report/json.js';
import { toJUnit } from '../report/junit.js';
import { RULE_TEXT, renderCompareText } from '../report/text.js';
import { addBackendOptions, backendOptionsOf } from './backend-options.js';
import type { Finish } from './command.js';
import { installInterrupter, exitSoonIfStopped } from './interrupt.js';
import { openJsonl } from './jsonl.js';
import { collect, collectNamedFile, parseNonNegativeNumber, useColor } from './options.js';
import { addOutputOptions, textStream, writeOutputs, type OutputOptions } from './output.js';
import { addPreprocessOptions, preprocessSpecOf, type PreprocessCliOptions } from './preprocess-options.js';
import { progressBar } from './progress.js';
import { addTaskOptions, type TaskCliOptions, taskSpecOf } from './task-options.js';

const HELP_AFTER = `
Backends are chosen from each path: .onnx -> ONNX Runtime; .engine, .plan, .trt -> TensorRT;
a directory written by --save-outputs -> that saved run, replayed by image.

Verdict per output, exactly numpy.testing.assert_allclose(first, second, rtol, atol):
  ${RULE_TEXT}
  element by element, in the arrays' own precision; NaN equals NaN at the same position;
  +inf/-inf must match in position and sign; shapes must match (same element count, other
  shape: compared flattened, with a note). Separately, any NaN/Inf in either output fails it
  unless --allow-nonfinite.

Exit codes: 0 all passed; 1 a mismatch; 2 usage or input error; 3 backend unavailable or failed;
4 internal error; 130 interrupted. A folder run goes on past a bad image and exits with the
highest code seen.

Examples:
  trt-parity compare model.onnx model.engine cat.jpg
  trt-parity compare model.onnx model.engine images/ --atol 1e-4 --atol logits:1e-3 --junit parity.xml
  trt-parity compare model.engine model.onnx images/ --save-outputs engine-run/   # on the GPU machine
  trt-parity compare engine-run/ model.onnx images/                               # later, on CPU-only CI
`;

interface CompareCliOptions extends PreprocessCliOptions, OutputOptions, ShardCliOptions, TaskCliOptions {
  readonly rtol?: string[];
  readonly atol?: string[];
  readonly allowNonfinite: boolean;
  readonly failFast: boolean;
  readonly input?: Map<string, string>;
  readonly saveInputs?: string;
  readonly saveOutputs?: string;
  readonly progress: boolean;
  readonly progressEvery: number;
  readonly jsonl?: string;
  readonly maxTensorBytes?: number;
  readonly verbose: boolean;
}

interface ShardCliOptions {
  readonly shard?: Shard;
}

export function compareCommand(finish: Finish): Command {
  const cmd = new Command('compare')
    .summary('compare the outputs of two backends on the same inputs')
    .description('Run the same preprocessed inputs through <first> and <second> and compare every output.\nThe second is the reference (numpy\'s "desired").')
    .argument('<first>', 'model.onnx | model.engine/.plan/.trt | saved-run directory')
    .argument('<second>', 'model.onnx | model.engine/.plan/.trt | saved-run directory (the reference)')
    .argument('[inputs...]', 'image files, folders (searched recursively) or globs')
    .option('--rtol <[output:]value>', 'relative tolerance; repeat with output:value for one output (default 1e-3)', collect)
    .option('--atol <[output:]value>', 'absolute tolerance; repeat with output:value for one output (default 1e-5)', collect)
    .option('--allow-nonfinite', 'do not fail outputs that contain NaN or Inf (allclose still applies)', false)
    .option('--fail-fast', 'stop at the first input with a mismatch', false)
    .option('--shard <i/n>', 'run only shard i of n (1-based) of the inputs, split by a hash of each key; merge the reports with `trt-parity merge`', parseShard);
  addPreprocessOptions(cmd)
    .option('--input <name=file.npy>', 'feed a raw tensor to an input instead of an image (repeatable)', collectNamedFile)
    .option('--save-inputs <dir>', 'write the preprocessed input tensors as .npy files')
    .option('--save-outputs <dir>', 'write every output of <first> as .npy files plus a manifest (replayable as a backend)');
  addTaskOptions(cmd);
  addOutputOptions(cmd, { junit: true, html: true })
    .option('--jsonl <file|->', 'write the report as JSON Lines while the run goes: one line per input as it finishes, a summary line last')
    .option('--max-tensor-bytes <size>', `refuse a tensor (model input, .npy, image) larger than this, e.g. 512M, 4G (default ${formatBytes(DEFAULT_MAX_TENSOR_BYTES)}: this machine's memory / 4, at most 2 GiB)`, (v: string) => parseByteSize(v))
    .option('--progress-every <seconds>', 'without a terminal, a progress line on stderr every this many seconds (0: none)', parseNonNegativeNumber('--progress-every'), 10)
    .option('--no-progress', 'no progress bar on stderr')
    .option('-v, --verbose', 'details for passing outputs too, and the backends\' log lines', false);
  addBackendOptions(cmd, 'compare');
  return cmd
    .addHelpText('after', HELP_AFTER)
    .action(async (first: string, second: string, inputs: string[], opts: CompareCliOptions) => {
      const text = textStream(opts);
      const taskOptions = taskSpecOf(opts);
      if (opts.jsonl === '-' && (opts.json === '-' || opts.junit === '-' || opts.html === '-')) throw new UsageError('--jsonl - and another report both ask for stdout; write one of them to a file');
      const bar = progressBar(process.stderr, opts.progress, { everyMs: opts.progressEvery * 1000 });
      const jsonl = opts.jsonl === undefined ? null : openJsonl(opts.jsonl);
      const interrupter = installInterrupter();
      // Only with --html: the per-input figures cost a pass over every output.
      const html = opts.html === undefined ? null : await import('../report/html/index.js');
      const collector = html === null ? null : new html.HtmlCollector();
      // Imported here, not at the top (issue 14): --help, --version and the other commands do not load it.
      const { compare } = await import('../app/compare.js');
      let report: CompareReport;
      try {
        report = await compare({
          first, second, inputs, rawInputs: opts.input ?? new Map(),
          tolerance: parseToleranceSpec({ rtol: opts.rtol ?? [], atol: opts.atol ?? [] }),
          allowNonFinite: opts.allowNonfinite, failFast: opts.failFast,
          ...(taskOptions ? { task: taskOptions } : {}),
          preprocess: preprocessSpecOf(opts),
          backend: backendOptionsOf(opts as unknown as Record<string, unknown>, 'compare'),
          ...(opts.saveInputs ? { saveInputs: opts.saveInputs } : {}),
          ...(opts.saveOutputs ? { saveOutputs: opts.saveOutputs } : {}),
          ...(opts.shard ? { shard: opts.shard } : {}),
          ...(opts.maxTensorBytes === undefined ? {} : { maxTensorBytes: opts.maxTensorBytes }),
        }, {
          ...(collector ? { onCompared: collector.observe.bind(collector) } : {}),
          signal: interrupter.signal,
          stopNow: interrupter.stopNow,
          onItem: (done, total, item) => {
            jsonl?.item(item, done, total);
            bar.update(done, total, item.key);
          },
        });
      } catch (err) {
        jsonl?.close(); // the item lines written so far stay; there is no summary to add
        throw err;
      } finally {
        bar.done();
        interrupter.dispose();
      }
      jsonl?.summary(report);
      const written = await writeOutputs(opts, renderCompareText(report, { color: useColor(text), verbose: opts.verbose }), {
        json: () => toJson(report),
        junit: () => toJUnit(report),
        html: () => html!.htmlReport(report, collector?.data() ?? null),
      });
      finish({ report, outputsWritten: written });
      exitSoonIfStopped(interrupter);
    });
}
