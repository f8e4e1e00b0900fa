/**
 * The bundled command (scripts/bundle-cli.mjs → dist/cli/trt-parity.js, package.json "bin") against
 * the unbundled CLI it is made from: same outputs and exit codes, and the same promise about what
 * each command loads (issue 14). Which of our modules a bundle file holds comes from esbuild's own
 * metafile, written next to the bundle.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { binPath, cliPath, repoRoot } from '../helpers/paths.js';
import { loadedModules } from './loaded-modules.js';
import { cli, models, photos, shown } from './run-cli.js';

interface Metafile { outputs: Record<string, { inputs: Record<string, unknown> }> }
const meta = JSON.parse(readFileSync(join(repoRoot, 'dist', 'cli', 'meta.json'), 'utf8')) as Metafile;

/** Our modules (relative to dist/src) held by the bundle files a run loaded. */
function modulesIn(loaded: Set<string>): string[] {
  const out = new Set<string>();
  for (const file of loaded) {
    if (!file.startsWith('dist/cli/')) continue;
    const held = meta.outputs[file];
    assert.ok(held, `${file} was loaded but is not in dist/cli/meta.json: a stale bundle?`);
    for (const input of Object.keys(held.inputs)) out.add(input.replace(/^dist\/src\//, ''));
  }
  return [...out].sort();
}
const packagesOf = (mods: Set<string>): string[] => [...new Set([...mods].map((m) => /\/?node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(m)?.[1]).filter((p) => p !== undefined))].sort();

test('package.json "bin" is the bundle, and the bundle is this build\'s', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  assert.equal(join(repoRoot, pkg.bin['trt-parity']!), binPath);
  assert.ok(Object.keys(meta.outputs).includes('dist/cli/trt-parity.js'));
});

describe('the bundle loads what the unbundled CLI loads', () => {
  test('--help: main.js and what it needs to print, commander, nothing else', async () => {
    const { run, modules } = await loadedModules(['--help'], binPath);
    assert.equal(run.code, 0, shown(run));
    assert.deepEqual(modulesIn(modules), ['cli/bin.js', 'cli/main.js', 'errors.js', 'exit-code.js', 'report/escape.js', 'version.js']);
    assert.deepEqual([...modules].filter((m) => m.startsWith('dist/src/')), [], 'the main thread ran unbundled modules');
    assert.deepEqual(packagesOf(modules), ['commander']);
  });

  test('a one-image compare of two ONNX models: no TensorRT code, no other command; the ONNX Runtime worker runs the unbundled session-worker.js', async () => {
    const model = models('classifier.onnx');
    const { run, modules } = await loadedModules(['compare', model, model, `${photos}/chelsea.jpg`, '--no-progress'], binPath);
    assert.equal(run.code, 0, shown(run));
    const held = modulesIn(modules);
    assert.ok(held.includes('backends/onnx/onnx-backend.js') && held.includes('app/compare.js'), held.join(' '));
    assert.deepEqual(held.filter((m) => m.startsWith('backends/tensorrt/') && m !== 'backends/tensorrt/provider.js'), []);
    assert.deepEqual(held.filter((m) => /^cli\/(bench|inspect|doctor|merge|merge-runs)\.js$/.test(m)), []);
    assert.ok(modules.has('dist/src/backends/onnx/session-worker.js'), 'the worker thread loads dist/src/backends/onnx/session-worker.js');
    assert.ok(packagesOf(modules).includes('sharp'));
  });
});

describe('same outputs and exit codes as the unbundled CLI', () => {
  const model = models('classifier.onnx');
  // Timings differ run to run; everything else must not.
  const steady = (s: string): string => s.replace(/\d+(\.\d+)? ms/g, '# ms').replace(/"(durationMs|wallMs|computeMs|preprocessMs|[a-zA-Z]*Ms)": [\d.e+-]+/g, '"$1": #');
  const cases: readonly (readonly string[])[] = [
    ['--help'],
    ['--version'],
    [],
    ['compare', '--help'],
    ['compare', model, join(repoRoot, 'fixtures', 'runs', 'classifier-pytorch'), photos],
    ['compare', model, join(repoRoot, 'fixtures', 'runs', 'classifier-pytorch'), photos, '--atol', '0', '--rtol', '0'],
    ['compare', model, model, join(photos, 'no-such.jpg')],
    ['compare', model, model, photos, '--rtol', 'x'],
    ['inspect', model],
    ['inspect', model, '--json', '-'],
  ];
  for (const args of cases) {
    test(`trt-parity ${args.map((a) => a.replace(repoRoot, '.')).join(' ') || '(no arguments)'}`, async () => {
      const [bundled, plain] = await Promise.all([cli(args), cli(args, {}, cliPath)]);
      assert.equal(bundled.code, plain.code, `${shown(bundled)}\n${shown(plain)}`);
      assert.equal(steady(bundled.stdout), steady(plain.stdout));
      assert.equal(steady(bundled.stderr), steady(plain.stderr));
    });
  }
});
