import { Command, Option } from 'commander';
import { writeFile } from 'node:fs/promises';
import { parseToleranceSpec } from '../compare/tolerance.js';
import { DEFAULT_MAX_PIXELS } from '../image/decode.js';
import { RESIZE_MODES } from '../image/resize-plan.js';
import { ExitCode, InputError } from '../errors.js';
import { toJson } from '../report/json.js';
import { toJUnit } from '../report/junit.js';
import { EXIT_INTERRUPTED } from '../report/model.js';
import { RULE_TEXT, renderCompareText } from '../report/text.js';
import { runCompare } from '../run/compare-run.js';
import { addBackendOptions } from './backends.js';
import { createCompareIO, type CompareCliOptions } from './compare-io.js';
import { collect, collectNamedFile, oneOf, parsePositiveInt, parsePositiveNumber, parseTriple, useColor } from './options.js';
import { progressBar } from './progress.js';

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

export function compareCommand(setCode: (code: number) => void): Command {
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
    .option('--mean <r,g,b>', 'per-channel mean subtracted after scaling (default ImageNet 0.485,0.456,0.406)', parseTriple('--mean'))
    .option('--std <r,g,b>', 'per-channel std divided by (default ImageNet 0.229,0.224,0.225)', parseTriple('--std'))
    .option('--scale <s>', 'multiply pixels by s instead of dividing by 255', parsePositiveNumber('--scale'))
    .option('--bgr', 'feed channels in BGR order', false)
    .addOption(new Option('--layout <layout>', 'tensor layout (default: read from the model input shape)').argParser(oneOf('--layout', ['nchw', 'nhwc'] as const)))
    .addOption(new Option('--resize <mode>', 'how to reach a static model H×W (bilinear)').argParser(oneOf('--resize', RESIZE_MODES)).default('stretch'))
    .option('--max-pixels <n>', 'refuse images with more pixels than this (decompression bombs)', parsePositiveInt('--max-pixels'), DEFAULT_MAX_PIXELS)
    .option('--input <name=file.npy>', 'feed a raw tensor to an input instead of an image (repeatable)', collectNamedFile)
    .option('--save-inputs <dir>', 'write the preprocessed input tensors as .npy files')
    .option('--save-outputs <dir>', 'write every output of <first> as .npy files plus a manifest (replayable as a backend)')
    .option('--json <file|->', 'write the report as JSON (schema in the README); - for stdout')
    .option('--junit <file>', 'write a JUnit XML report, one test case per input × output')
  addBackendOptions(cmd);
  return cmd
    .option('--no-progress', 'no progress bar on stderr')
    .option('-v, --verbose', 'details for passing outputs too', false)
    .addHelpText('after', HELP_AFTER)
    .action(async (first: string, second: string, inputs: string[], opts: CompareCliOptions & {
      rtol?: string[]; atol?: string[]; json?: string; junit?: string; progress: boolean; verbose: boolean; failFast: boolean; allowNonfinite: boolean; input?: Map<string, string>;
    }) => {
      const tolerance = parseToleranceSpec({ rtol: opts.rtol ?? [], atol: opts.atol ?? [] });
      const io = await createCompareIO(opts);
      const toStdout = opts.json === '-';
      const textStream = toStdout ? process.stderr : process.stdout;
      const bar = progressBar(process.stderr, opts.progress);
      const abort = new AbortController();
      const onSigint = (): void => {
        if (abort.signal.aborted) process.exit(EXIT_INTERRUPTED);
        abort.abort();
        process.stderr.write('\ntrt-parity: interrupted; finishing the current input (Ctrl-C again to quit now)\n');
      };
      process.on('SIGINT', onSigint);
      let report;
      try {
        report = await runCompare({
          first, second, images: inputs, rawInputs: opts.input ?? new Map(), tolerance,
          allowNonFinite: opts.allowNonfinite, failFast: opts.failFast, signal: abort.signal,
          onItem: (done, total, item) => bar.update(done, total, item.key),
        }, io);
      } finally {
        bar.done();
        process.off('SIGINT', onSigint);
      }
      textStream.write(renderCompareText(report, { color: useColor(textStream), verbose: opts.verbose }));
      let code = report.summary.exitCode;
      const writes: [string | undefined, () => string][] = [[toStdout ? undefined : opts.json, () => toJson(report)], [opts.junit, () => toJUnit(report)]];
      if (toStdout) process.stdout.write(toJson(report));
      for (const [file, render] of writes) {
        if (!file) continue;
        try {
          await writeFile(file, render());
        } catch (e) {
          // The text report is already out; say what could not be written and fail the run.
          process.stderr.write(`trt-parity: ${new InputError(file, `cannot write report: ${(e as Error).message}`).message}\n`);
          code = Math.max(code, ExitCode.usage);
        }
      }
      if (abort.signal.aborted) code = EXIT_INTERRUPTED;
      setCode(code);
    });
}
