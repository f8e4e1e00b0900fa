import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CommanderError, Help } from 'commander';
import { buildProgram, COMMANDS, exitStatus } from '../../src/cli/main.js';
import { ExitCode, UsageError } from '../../src/errors.js';
import { compared, f32, map, report } from '../report/sample-report.js';
import { loadedModules } from './loaded-modules.js';
import { models, photos, shown } from './run-cli.js';

describe('exitStatus: the one mapping from what a command produced to the exit status', () => {
  const mismatch = report([compared('b.jpg', map({ y: f32([1]) }), map({ y: f32([2]) }))]);

  test('a report decides; a report file that could not be written raises it to 2, never hides worse or an interruption', () => {
    assert.equal(exitStatus({ report: mismatch, outputsWritten: true }), ExitCode.mismatch);
    assert.equal(exitStatus({ report: mismatch, outputsWritten: false }), ExitCode.usage);
    const interrupted = { ...mismatch, summary: { ...mismatch.summary, exitCode: ExitCode.interrupted } };
    assert.equal(exitStatus({ report: interrupted, outputsWritten: false }), ExitCode.interrupted);
  });

  test('help and version are 0, other commander errors 2, our errors their code, nothing at all 0', () => {
    assert.equal(exitStatus(new CommanderError(0, 'commander.helpDisplayed', '')), 0);
    assert.equal(exitStatus(new CommanderError(0, 'commander.version', '')), 0);
    assert.equal(exitStatus(new CommanderError(1, 'commander.unknownOption', '')), 2);
    assert.equal(exitStatus(new UsageError('x')), 2);
    assert.equal(exitStatus(new Error('bug')), 4);
    assert.equal(exitStatus(null), 0);
  });
});

describe('the command table: top-level help without loading the commands (issue 14)', () => {
  const finish = (): void => {};

  test('each entry says what the real command says: name, summary, and the term help lists', async () => {
    for (const entry of COMMANDS) {
      const real = await entry.load(finish);
      assert.equal(real.name(), entry.name);
      assert.equal(real.summary(), entry.summary, entry.name);
      assert.equal(new Help().subcommandTerm(real), entry.term, entry.name);
    }
  });

  test('top-level help is the same text with stand-ins as with every real command', async () => {
    const stubs = await buildProgram(finish, () => false);
    const real = await buildProgram(finish, () => true);
    assert.equal(stubs.helpInformation(), real.helpInformation());
    assert.deepEqual(stubs.commands.map((c) => c.name()), real.commands.map((c) => c.name()));
  });

  test('a command named anywhere in argv is the real one (its options and arguments), the others stand-ins', async () => {
    const program = await buildProgram(finish, (name) => ['help', 'inspect'].includes(name));
    const inspect = program.commands.find((c) => c.name() === 'inspect')!;
    const bench = program.commands.find((c) => c.name() === 'bench')!;
    assert.ok(inspect.options.some((o) => o.long === '--json'));
    assert.deepEqual(inspect.registeredArguments.map((a) => a.name()), ['model']);
    assert.equal(bench.options.length, 0);
  });
});

describe('what each command loads (issue 14: start-up pays only for what it uses)', () => {
  const ours = (mods: Set<string>): string[] => [...mods].filter((m) => m.startsWith('dist/src/')).map((m) => m.slice('dist/src/'.length)).sort();
  // By URL, not by path under the root: node_modules may be a link to elsewhere.
  const packages = (mods: Set<string>): string[] => [...new Set([...mods].map((m) => /\/?node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(m)?.[1]).filter((p) => p !== undefined))].sort();
  // Backend code: anything of a backend's folder but the provider (and the saved run's manifest name).
  const backendCode = (m: string): boolean => /^backends\/(onnx|tensorrt|saved)\/(?!provider\.js$|manifest\.js$)/.test(m) || m === 'backends/base-backend.js';

  test('--help and --version load main.js and what it needs to print, no command, backend, sharp or onnxruntime-node', async () => {
    for (const args of [['--help'], ['--version'], []]) {
      const { run, modules } = await loadedModules(args);
      assert.equal(run.code, args.length === 0 ? 2 : 0, shown(run));
      assert.deepEqual(ours(modules), ['cli/main.js', 'errors.js', 'exit-code.js', 'report/escape.js', 'version.js'], `trt-parity ${args.join(' ')}`);
      assert.deepEqual(packages(modules), ['commander'], `trt-parity ${args.join(' ')}`);
    }
  });

  test('compare --help builds compare alone, with the backends\' options but none of their code', async () => {
    const { run, modules } = await loadedModules(['compare', '--help']);
    assert.equal(run.code, 0, shown(run));
    assert.ok(run.stdout.includes('--onnx-provider') && run.stdout.includes('--trt-lib'), run.stdout);
    const src = ours(modules);
    assert.ok(src.includes('backends/registry.js'), src.join(' '));
    assert.deepEqual(src.filter((m) => /^cli\/(bench|inspect|doctor|merge|merge-runs)\.js$/.test(m)), []);
    assert.deepEqual(src.filter((m) => backendCode(m) || m === 'app/compare.js' || m === 'image/decode.js'), []);
    assert.deepEqual(packages(modules), ['commander']);
  });

  test('a one-image compare of two ONNX models loads no TensorRT code and no other command', async () => {
    const model = models('classifier.onnx');
    const { run, modules } = await loadedModules(['compare', model, model, `${photos}/chelsea.jpg`, '--no-progress']);
    assert.equal(run.code, 0, shown(run));
    const src = ours(modules);
    assert.ok(src.includes('backends/onnx/onnx-backend.js') && src.includes('backends/onnx/session-worker.js'), src.join(' '));
    assert.deepEqual(src.filter((m) => backendCode(m) && m.startsWith('backends/tensorrt/')), []);
    assert.deepEqual(src.filter((m) => /^cli\/(bench|inspect|doctor|merge|merge-runs)\.js$/.test(m)), []);
    assert.ok(packages(modules).includes('sharp'), packages(modules).join(' '));
  });
});
