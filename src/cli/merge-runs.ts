import { Command } from 'commander';
import { mergeRuns } from '../app/merge-runs.js';
import { escapeControl } from '../report/escape.js';

export function mergeRunsCommand(): Command {
  return new Command('merge-runs')
    .summary('merge the --save-outputs folders of the shards of one run')
    .description('Merge the saved-run folders written by `compare --shard i/n --save-outputs DIR` into one saved run,\nreplayable as a backend like any other.')
    .argument('<dirs...>', 'saved-run folders (--save-outputs or --save-inputs) of one run\'s shards')
    .requiredOption('--out <dir>', 'the merged saved run (a new or empty folder, or one written earlier by merge-runs of the same run)')
    .action(async (dirs: string[], opts: { readonly out: string }) => {
      const s = await mergeRuns(dirs, opts.out);
      process.stdout.write(`merged ${dirs.length} saved run${dirs.length === 1 ? '' : 's'} into ${escapeControl(s.dir)}: ${s.entries} entr${s.entries === 1 ? 'y' : 'ies'}\n`);
      for (const note of s.notes) process.stdout.write(`  ${escapeControl(note)}\n`);
    });
}
