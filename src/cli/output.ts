/**
 * The machine-readable outputs every command offers, built and written in one place:
 * `--json <file|->` and (for reports that have test cases) `--junit <file|->`. With `-` the file goes
 * to stdout and the text report moves to stderr, so a pipe gets only the machine-readable part.
 */
import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { InputError, UsageError } from '../errors.js';

export interface OutputOptions {
  readonly json?: string;
  readonly junit?: string;
}

/** Adds `--json <file|->` and, when `junit` is true, `--junit <file|->`. */
export function addOutputOptions(cmd: Command, formats: { readonly junit: boolean }): Command {
  cmd.option('--json <file|->', 'write the report as JSON (schema in the README); - for stdout (the text then goes to stderr)');
  if (formats.junit) cmd.option('--junit <file|->', 'write a JUnit XML report, one test case per input × output; - for stdout');
  return cmd;
}

/** Where the text report goes: stderr when a machine-readable output takes stdout. @throws UsageError when two outputs ask for stdout. */
export function textStream(opts: OutputOptions): NodeJS.WriteStream {
  if (opts.json === '-' && opts.junit === '-') throw new UsageError('--json - and --junit - both ask for stdout; write one of them to a file');
  return opts.json === '-' || opts.junit === '-' ? process.stderr : process.stdout;
}

/**
 * Writes the text report, then each requested machine-readable rendering. A file that cannot be
 * written is one line on stderr and `false` (the run's result stands; the CLI raises the exit code to 2).
 */
export async function writeOutputs(opts: OutputOptions, text: string, renderings: { readonly json: () => string; readonly junit?: () => string }): Promise<boolean> {
  textStream(opts).write(text);
  let ok = true;
  const outputs: [string | undefined, (() => string) | undefined][] = [[opts.json, renderings.json], [opts.junit, renderings.junit]];
  for (const [target, render] of outputs) {
    if (target === undefined || render === undefined) continue;
    if (target === '-') {
      process.stdout.write(render());
      continue;
    }
    try {
      await writeFile(target, render());
    } catch (e) {
      process.stderr.write(`trt-parity: ${new InputError(target, `cannot write report: ${(e as Error).message}`).message}\n`);
      ok = false;
    }
  }
  return ok;
}
