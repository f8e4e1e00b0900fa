/**
 * The machine-readable outputs every command offers, built and written in one place:
 * `--json <file|->` and (for reports that have test cases) `--junit <file|->`. With `-` the file goes
 * to stdout and the text report moves to stderr, so a pipe gets only the machine-readable part.
 */
import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { InputError, UsageError } from '../errors.js';
import { escapeControl } from '../report/escape.js';

export interface OutputOptions {
  readonly json?: string;
  readonly junit?: string;
  /** `--html FILE` (compare and merge): a self-contained HTML report. */
  readonly html?: string;
}

/** Adds `--json <file|->` and, when `junit` is true, `--junit <file|->`. */
export function addOutputOptions(cmd: Command, formats: { readonly junit: boolean; readonly html?: boolean }): Command {
  cmd.option('--json <file|->', 'write the report as JSON (schema in the README); - for stdout (the text then goes to stderr)');
  if (formats.junit) cmd.option('--junit <file|->', 'write a JUnit XML report, one test case per input × output; - for stdout');
  if (formats.html) cmd.option('--html <file>', 'write a self-contained HTML report (table, plots, heatmaps; opens without network)');
  return cmd;
}

/** Where the text report goes: stderr when a machine-readable output takes stdout. @throws UsageError when two outputs ask for stdout. */
export function textStream(opts: OutputOptions): NodeJS.WriteStream {
  const dashes = [opts.json, opts.junit, opts.html].filter((t) => t === '-').length;
  if (dashes > 1) throw new UsageError('two of --json -, --junit -, --html - ask for stdout; write the others to files');
  return dashes === 1 ? process.stderr : process.stdout;
}

/**
 * Writes the text report, then each requested machine-readable rendering. A file that cannot be
 * written is one line on stderr and `false` (the run's result stands; the CLI raises the exit code to 2).
 */
export async function writeOutputs(opts: OutputOptions, text: string, renderings: { readonly json: () => string; readonly junit?: () => string; readonly html?: () => Promise<string> }): Promise<boolean> {
  textStream(opts).write(text);
  let ok = true;
  const outputs: [string | undefined, (() => string | Promise<string>) | undefined][] = [[opts.json, renderings.json], [opts.junit, renderings.junit], [opts.html, renderings.html]];
  for (const [target, render] of outputs) {
    if (target === undefined || render === undefined) continue;
    if (target === '-') {
      process.stdout.write(await render());
      continue;
    }
    try {
      await writeFile(target, await render());
    } catch (e) {
      process.stderr.write(`trt-parity: ${escapeControl(new InputError(target, `cannot write report: ${(e as Error).message}`).message)}\n`);
      ok = false;
    }
  }
  return ok;
}
