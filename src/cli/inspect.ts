import { Command } from 'commander';
import { inspectOnnx } from '../backends/onnx/model-info.js';
import { describeEngine } from '../backends/tensorrt/engine-info.js';
import { ExitCode, UsageError } from '../errors.js';
import { renderEngineText, renderOnnxText } from '../report/inspect-text.js';
import { toJson } from '../report/json.js';
import { backendKindOf } from './backends.js';
import { parseNonNegativeInt, useColor } from './options.js';

export function inspectCommand(setCode: (code: number) => void): Command {
  return new Command('inspect')
    .summary('describe a model or an engine')
    .description('An ONNX model: inputs and outputs (names, dtypes, shapes with named dynamic dims), opsets, producer.\nA TensorRT engine: I/O tensors, optimization profiles, device memory, the TensorRT version that built it, and whether it suits this GPU.')
    .argument('<model>', 'model.onnx or model.engine/.plan/.trt')
    .option('--device <n>', 'GPU to load an engine on', parseNonNegativeInt('--device'), 0)
    .option('--plugins <lib.so...>', 'TensorRT plugin libraries')
    .option('--allow-engine-host-code', 'allow version-compatible engines that run code from the plan', false)
    .option('--json', 'print as JSON', false)
    .action(async (model: string, opts: { device: number; plugins?: string[]; allowEngineHostCode: boolean; json: boolean }) => {
      const kind = await backendKindOf(model);
      const color = useColor(process.stdout);
      if (kind === 'onnxruntime') {
        const info = await inspectOnnx(model);
        process.stdout.write(opts.json ? toJson(info) : renderOnnxText(info, { color }));
        setCode(ExitCode.ok);
      } else if (kind === 'tensorrt') {
        const report = await describeEngine(model, { device: opts.device, plugins: opts.plugins ?? [], allowHostCode: opts.allowEngineHostCode });
        process.stdout.write(opts.json ? toJson(report) : renderEngineText(report, { color }));
        // The plan header could be read, but TensorRT could not load it here: that is a backend problem.
        setCode(report.loaded ? ExitCode.ok : ExitCode.backend);
      } else {
        throw new UsageError(`${model} is a saved run; inspect takes a .onnx model or a TensorRT engine`);
      }
    });
}
