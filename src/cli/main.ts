#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ExitCode, InternalError, TrtParityError } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { compareCommand } from './compare.js';
import { inspectCommand } from './inspect.js';
import { doctorCommand } from './doctor.js';
import { benchCommand } from './bench.js';

const OUTPUT = { outputError: (str: string, write: (s: string) => void): void => write(`trt-parity: ${str.replace(/^error: /, '')}`) };

/**
 * Entry point. The only place that turns errors into exit codes: each command returns its code
 * or throws; a TrtParityError becomes one line plus hints, anything else is an internal error (4).
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command()
    .name('trt-parity')
    .description('Check that a TensorRT engine gives the same answers as its ONNX model on real images, and how much faster it is.')
    .version(TOOL_VERSION)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput(OUTPUT);
  let code: number = ExitCode.ok;
  const setCode = (c: number): void => { code = c; };
  program.addCommand(compareCommand(setCode));
  program.addCommand(inspectCommand(setCode));
  program.addCommand(benchCommand(setCode));
  program.addCommand(doctorCommand(setCode));
  // addCommand() does not pass settings down (only .command() does): without this, a bad option of a
  // subcommand printed commander's bare "error: …" with no prefix and no pointer to --help.
  for (const cmd of program.commands) cmd.exitOverride().configureOutput(OUTPUT).showHelpAfterError(`(run trt-parity ${cmd.name()} --help for usage)`);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    return reportError(err);
  }
}

function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.ok;
    return ExitCode.usage; // commander already printed its one-line message
  }
  if (err instanceof TrtParityError) {
    process.stderr.write(`trt-parity: ${err.message}\n`);
    for (const hint of err.hints) process.stderr.write(`  hint: ${hint}\n`);
    if (process.env.TRT_PARITY_DEBUG && err.cause) process.stderr.write(`  cause: ${String((err.cause as Error)?.stack ?? err.cause)}\n`);
    return err.exitCode;
  }
  const e = err instanceof Error ? err : new InternalError(String(err));
  process.stderr.write(`trt-parity: internal error: ${e.message}\n  This is a bug in trt-parity; please report it with the command you ran${process.env.TRT_PARITY_DEBUG ? '' : ' (TRT_PARITY_DEBUG=1 shows the stack)'}.\n`);
  if (process.env.TRT_PARITY_DEBUG) process.stderr.write(`${e.stack}\n`);
  return ExitCode.internal;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${(await import('node:fs')).realpathSync(process.argv[1])}`).href;
if (invokedDirectly) {
  // Broken pipes (e.g. `| head`) are not errors of ours.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0); });
  const code = await main(process.argv.slice(2));
  process.exitCode = code;
}
