import { Command } from 'commander';
import { renderDoctorText } from '../report/doctor-text.js';
import { toJson } from '../report/json.js';
import { addBackendOptions, backendOptionsOf } from './backend-options.js';
import type { Finish } from './command.js';
import { useColor } from './options.js';
import { addOutputOptions, textStream, writeOutputs, type OutputOptions } from './output.js';

export function doctorCommand(finish: Finish): Command {
  const cmd = new Command('doctor')
    .summary('what is available here for each backend, and why not')
    .description('Checks Node, onnxruntime-node, sharp, the native addon (prebuilt or built), where TensorRT was looked for, the CUDA driver\nand runtime, the GPUs and libnvinfer, and for everything missing says why and how to fix it. With an engine: whether that\nengine can run here, and if not, the one command that fixes it. Exit 0 when TensorRT engines (that engine) can run here, 3 otherwise.')
    .argument('[engine]', 'a TensorRT engine to judge');
  addOutputOptions(cmd, { junit: false });
  addBackendOptions(cmd, 'doctor');
  return cmd.action(async (engine: string | undefined, opts: OutputOptions) => {
    const text = textStream(opts);
    // Imported here, not at the top (issue 14): --help and the other commands do not load it.
    const { doctor } = await import('../app/doctor.js');
    const report = await doctor({ ...backendOptionsOf(opts as unknown as Record<string, unknown>, 'doctor'), ...(engine ? { engine } : {}) });
    const written = await writeOutputs(opts, renderDoctorText(report, { color: useColor(text) }), { json: () => toJson(report) });
    finish({ report, outputsWritten: written });
  });
}
