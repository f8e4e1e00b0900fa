import { Command } from 'commander';
import { collectDoctorReport } from '../backends/tensorrt/doctor.js';
import { ExitCode } from '../errors.js';
import { renderDoctorText } from '../report/doctor-text.js';
import { toJson } from '../report/json.js';
import { parseNonNegativeInt, useColor } from './options.js';

export function doctorCommand(setCode: (code: number) => void): Command {
  return new Command('doctor')
    .summary('what is available here for each backend, and why not')
    .description('Checks Node, onnxruntime-node, sharp, the native addon, the CUDA driver and runtime, the GPUs and libnvinfer,\nand for everything missing says why and how to fix it. Exit 0 when TensorRT engines can run here, 3 otherwise.')
    .option('--device <n>', 'GPU to judge TensorRT usability for', parseNonNegativeInt('--device'), 0)
    .option('--json', 'print the report as JSON', false)
    .action(async (opts: { device: number; json: boolean }) => {
      const report = await collectDoctorReport({ device: opts.device });
      process.stdout.write(opts.json ? toJson(report) : renderDoctorText(report, { color: useColor(process.stdout) }));
      setCode(report.tensorrtUsable.usable ? ExitCode.ok : ExitCode.backend);
    });
}
