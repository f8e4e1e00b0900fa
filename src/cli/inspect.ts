import { Command } from 'commander';
import { renderInspectText } from '../report/inspect-text.js';
import { toJson } from '../report/json.js';
import { addBackendOptions, backendOptionsOf } from './backend-options.js';
import type { Finish } from './command.js';
import { useColor } from './options.js';
import { addOutputOptions, textStream, writeOutputs, type OutputOptions } from './output.js';

export function inspectCommand(finish: Finish): Command {
  const cmd = new Command('inspect')
    .summary('describe a model or an engine')
    .description('An ONNX model: inputs and outputs (names, dtypes, shapes with named dynamic dims), opsets, producer.\nA TensorRT engine: I/O tensors, optimization profiles, device memory, the TensorRT version that built it, and whether it suits this GPU.')
    .argument('<model>', 'model.onnx or model.engine/.plan/.trt');
  addOutputOptions(cmd, { junit: false });
  addBackendOptions(cmd, 'inspect');
  return cmd.action(async (model: string, opts: OutputOptions) => {
    const text = textStream(opts);
    // Imported here, not at the top (issue 14): --help and the other commands do not load it.
    const { inspect } = await import('../app/inspect.js');
    const report = await inspect(model, backendOptionsOf(opts as unknown as Record<string, unknown>, 'inspect'));
    const written = await writeOutputs(opts, renderInspectText(report, { color: useColor(text) }), { json: () => toJson(report) });
    finish({ report, outputsWritten: written });
  });
}
