#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ExitCode, InputError, InternalError, TrtParityError } from '../errors.js';
import { escapeControl, shownMessage } from '../report/escape.js';
import { exitCodeOf } from '../exit-code.js';
import { TOOL_VERSION } from '../version.js';
import { benchCommand } from './bench.js';
import type { CommandResult } from './command.js';
import { compareCommand } from './compare.js';
import { doctorCommand } from './doctor.js';
import { inspectCommand } from './inspect.js';
import { mergeCommand } from './merge.js';
import { mergeRunsCommand } from './merge-runs.js';

const OUTPUT = { outputError: (str: string, write: (s: string) => void): void => write(`trt-parity: ${str.replace(/^error: /, '')}`) };

/**
 * Entry point: parse, let the command call the app and render, then turn what happened into an
 * exit status in one place (`exitStatus`).
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command()
    .name('trt-parity')
    .description('Check that a TensorRT engine gives the same answers as its ONNX model on real images, and how much faster it is.')
    .version(TOOL_VERSION)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput(OUTPUT);
  let result: CommandResult | null = null;
  const finish = (r: CommandResult): void => { result = r; };
  program.addCommand(compareCommand(finish));
  program.addCommand(inspectCommand(finish));
  program.addCommand(benchCommand(finish));
  program.addCommand(doctorCommand(finish));
  program.addCommand(mergeCommand(finish));
  program.addCommand(mergeRunsCommand());
  // addCommand() does not pass settings down (only .command() does): without this, a bad option of a
  // subcommand printed commander's bare "error: …" with no prefix and no pointer to --help.
  for (const cmd of program.commands) cmd.exitOverride().configureOutput(OUTPUT).showHelpAfterError(`(run trt-parity ${cmd.name()} --help for usage)`);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitStatus(result);
  } catch (err) {
    printError(err, argv.includes('-v') || argv.includes('--verbose'));
    return exitStatus(err);
  }
}

/** The one mapping from what a command produced (its result, an error, or nothing: help) to the exit status. */
export function exitStatus(outcome: CommandResult | null | unknown): number {
  if (outcome === null || outcome === undefined) return ExitCode.ok;
  if (outcome instanceof CommanderError) {
    if (outcome.code === 'commander.helpDisplayed' || outcome.code === 'commander.version') return ExitCode.ok;
    // `trt-parity` with no command prints the help to stderr as an error (commander's exitCode 1): a usage error, not success.
    if (outcome.code === 'commander.help') return outcome.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    return ExitCode.usage;
  }
  if (isCommandResult(outcome)) {
    const code = exitCodeOf(outcome.report);
    // A report file that could not be written fails the run, but never hides a worse verdict or an interruption.
    return outcome.outputsWritten || code === ExitCode.interrupted || code === ExitCode.terminated ? code : Math.max(code, ExitCode.usage);
  }
  return exitCodeOf(outcome);
}

function isCommandResult(x: unknown): x is CommandResult {
  return typeof x === 'object' && x !== null && 'report' in x && 'outputsWritten' in x;
}

/** One line plus hints for our errors; commander already printed its own; anything else is a bug. */
function printError(err: unknown, verbose: boolean): void {
  if (err instanceof CommanderError) return;
  if (err instanceof TrtParityError) {
    // File and tensor names and library messages come from outside: control characters are shown, not obeyed.
    process.stderr.write(`trt-parity: ${shownMessage(err.message, verbose, err instanceof InputError ? err.file : undefined)}\n`);
    for (const hint of err.hints) process.stderr.write(`  hint: ${escapeControl(hint)}\n`);
    if (err.logs.length > 0) {
      if (verbose) for (const line of err.logs) process.stderr.write(`  log: ${escapeControl(line)}\n`);
      else process.stderr.write(`  (${err.logs.length} backend log line${err.logs.length === 1 ? '' : 's'}; -v shows them)\n`);
    }
    if (process.env.TRT_PARITY_DEBUG && err.cause) process.stderr.write(`  cause: ${String((err.cause as Error)?.stack ?? err.cause)}\n`);
    return;
  }
  const e = err instanceof Error ? err : new InternalError(String(err));
  process.stderr.write(`trt-parity: internal error: ${escapeControl(e.message)}\n  This is a bug in trt-parity; please report it with the command you ran${process.env.TRT_PARITY_DEBUG ? '' : ' (TRT_PARITY_DEBUG=1 shows the stack)'}.\n`);
  if (process.env.TRT_PARITY_DEBUG) process.stderr.write(`${e.stack}\n`);
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${(await import('node:fs')).realpathSync(process.argv[1])}`).href;
if (invokedDirectly) {
  // Broken pipes (e.g. `| head`) are not errors of ours.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0); });
  const code = await main(process.argv.slice(2));
  process.exitCode = code;
}
