import { Command } from 'commander';
import { toJson } from '../report/json.js';
import { toJUnit } from '../report/junit.js';
import { renderCompareText } from '../report/text.js';
import type { Finish } from './command.js';
import { useColor } from './options.js';
import { addOutputOptions, textStream, writeOutputs, type OutputOptions } from './output.js';

const HELP_AFTER = `
Each REPORT is what one shard wrote with --json, --jsonl or --html (an HTML report embeds its
report and its plots' data; merge HTML reports to keep the plots in the merged --html).
The merged report has the verdict, statistics, task figures and exit code one run over all
inputs would have. Reports of different runs (models, settings, pipeline, shard count) are
refused, naming what differs; so are a missing shard and a shard given twice.

Example (3 CI jobs, then one merge job):
  trt-parity compare model.onnx model.engine images/ --shard 1/3 --json s1.json --html s1.html
  ...
  trt-parity merge s1.html s2.html s3.html --json parity.json --junit parity.xml --html parity.html
`;

export function mergeCommand(finish: Finish): Command {
  const cmd = new Command('merge')
    .summary('merge the reports of the shards of one compare run')
    .description('Merge the JSON, JSON Lines or HTML reports of `compare --shard i/n` runs into the report of one run over all inputs.')
    .argument('<reports...>', 'report files written by compare --json, --jsonl or --html')
    .option('-v, --verbose', 'details for passing outputs too', false);
  addOutputOptions(cmd, { junit: true, html: true });
  return cmd
    .addHelpText('after', HELP_AFTER)
    .action(async (files: string[], opts: OutputOptions & { readonly verbose: boolean }) => {
      const text = textStream(opts);
      // Imported here, not at the top (issue 14): --help and the other commands do not load them.
      const { merge } = await import('../app/merge.js');
      const { report, figures } = await merge(files);
      const written = await writeOutputs(opts, renderCompareText(report, { color: useColor(text), verbose: opts.verbose }), {
        json: () => toJson(report),
        junit: () => toJUnit(report),
        html: async () => (await import('../report/html/index.js')).htmlReport(report, figures),
      });
      finish({ report, outputsWritten: written });
    });
}
