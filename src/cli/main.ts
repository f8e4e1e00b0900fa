#!/usr/bin/env node
import { Command, CommanderError, Help } from 'commander';
import { ExitCode, InputError, InternalError, TrtParityError } from '../errors.js';
import { escapeControl, shownMessage } from '../report/escape.js';
import { exitCodeOf } from '../exit-code.js';
import { TOOL_VERSION } from '../version.js';
import type { CommandResult, Finish } from './command.js';

// Commander quotes what the user typed ("unknown option '--x'"): control characters escaped, continuation lines indented.
const OUTPUT = { outputError: (str: string, write: (s: string) => void): void => write(`trt-parity: ${str.replace(/^error: /, '').replace(/\n$/, '').split('\n').map(escapeControl).join('\n  ')}\n`) };

/** One command as top-level help lists it, and how to build the real one. */
export interface CommandEntry {
  readonly name: string;
  /** What top-level help shows on the left: commander's subcommandTerm of the real command. */
  readonly term: string;
  readonly summary: string;
  /**
   * The backends its arguments name are warmed up before the command is even built. Not bench: a
   * warmed-up ONNX Runtime would leave the runtime's own start out of its model load time.
   */
  readonly warmUp?: true;
  readonly load: (finish: Finish) => Promise<Command>;
}

/**
 * Every command, in help's order. Why a table: a command's definition imports what its options
 * need (the backend registry, the preprocessing and task defaults, the renderers), 82 modules in
 * all, and `--help`, `--version` and a bare `trt-parity` need none of it (issue 14). A command is
 * built for real only when its name is in argv; the others are stand-ins carrying this line of
 * help. test/cli/main.test.ts checks the table against the real definitions, so it cannot drift.
 */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'compare', term: 'compare [options] <first> <second> [inputs...]', summary: 'compare the outputs of two backends on the same inputs', warmUp: true, load: async (f) => (await import('./compare.js')).compareCommand(f) },
  { name: 'inspect', term: 'inspect [options] <model>', summary: 'describe a model or an engine', load: async (f) => (await import('./inspect.js')).inspectCommand(f) },
  { name: 'bench', term: 'bench [options] <model> [more...]', summary: 'measure ONNX Runtime and TensorRT side by side on the same input', load: async (f) => (await import('./bench.js')).benchCommand(f) },
  { name: 'doctor', term: 'doctor [options] [engine]', summary: 'what is available here for each backend, and why not', load: async (f) => (await import('./doctor.js')).doctorCommand(f) },
  { name: 'merge', term: 'merge [options] <reports...>', summary: 'merge the reports of the shards of one compare run', load: async (f) => (await import('./merge.js')).mergeCommand(f) },
  { name: 'merge-runs', term: 'merge-runs [options] <dirs...>', summary: 'merge the --save-outputs folders of the shards of one run', load: async () => (await import('./merge-runs.js')).mergeRunsCommand() },
];

/**
 * The program: real commands for those `wanted` says, stand-ins for the rest. commander only
 * runs, or shows the help of, a command whose name is one of the arguments (`compare …`,
 * `help compare`), so `(name) => argv.includes(name)` loads every command that can act.
 */
export async function buildProgram(finish: Finish, wanted: (name: string) => boolean): Promise<Command> {
  const stubTerms = new Map<Command, string>();
  const commands = await Promise.all(COMMANDS.map(async (entry) => {
    if (wanted(entry.name)) return entry.load(finish);
    const stub = new Command(entry.name).summary(entry.summary).action(() => {
      throw new InternalError(`the stand-in for '${entry.name}' ran instead of the command`);
    });
    stubTerms.set(stub, entry.term);
    return stub;
  }));
  const program = new Command()
    .name('trt-parity')
    .description('Check that a TensorRT engine gives the same answers as its ONNX model on real images, and how much faster it is.')
    .version(TOOL_VERSION)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput(OUTPUT)
    .configureHelp({
      subcommandTerm(this: Help, cmd: Command): string {
        return stubTerms.get(cmd) ?? Help.prototype.subcommandTerm.call(this, cmd);
      },
    });
  for (const cmd of commands) program.addCommand(cmd);
  // addCommand() does not pass settings down (only .command() does): without this, a bad option of a
  // subcommand printed commander's bare "error: …" with no prefix and no pointer to --help.
  for (const cmd of program.commands) cmd.exitOverride().configureOutput(OUTPUT).showHelpAfterError(`(run trt-parity ${cmd.name()} --help for usage)`);
  return program;
}

/**
 * Entry point: parse, let the command call the app and render, then turn what happened into an
 * exit status in one place (`exitStatus`).
 */
export async function main(argv: readonly string[]): Promise<number> {
  let result: CommandResult | null = null;
  const finish = (r: CommandResult): void => { result = r; };
  // compare starts its backends' slow start-up (the ONNX Runtime worker loading onnxruntime-node)
  // first, on another thread, while this one loads the command's modules (issue 14). Any argument a
  // backend claims by its name counts; a wrong guess only starts a worker that ends unused.
  if (COMMANDS.some((c) => c.warmUp && c.name === argv[0])) await warmUpBackends(argv);
  try {
    const program = await buildProgram(finish, (name) => argv.includes(name));
    await program.parseAsync([...argv], { from: 'user' });
    return exitStatus(result);
  } catch (err) {
    printError(err, argv.includes('-v') || argv.includes('--verbose'));
    return exitStatus(err);
  }
}

/** The registry is loaded first (the command needs it anyway) so that the warm-up starts before the rest. */
async function warmUpBackends(argv: readonly string[]): Promise<void> {
  try {
    await (await import('../backends/registry.js')).warmUp(argv, {});
  } catch {
    // Loading the command reports it.
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

/**
 * The process as a command: `main` on the process's arguments, its result as the exit status. The
 * `trt-parity` command (bin.ts, bundled) calls this; so does this module when run as a script.
 */
export async function runCommandLine(): Promise<void> {
  // Broken pipes (e.g. `| head`) are not errors of ours.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0); });
  process.exitCode = await main(process.argv.slice(2));
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${(await import('node:fs')).realpathSync(process.argv[1])}`).href;
if (invokedDirectly) await runCommandLine();
