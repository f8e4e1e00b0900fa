// The package as a user gets it: build the CUDA-only prebuilt addon, `npm pack`, install the tarball
// into an empty folder whose PATH holds node and npm and, in place of every compiler, a trap that
// records its use, then run the installed `trt-parity doctor --json` and a `compare` of two ONNX
// models. The install must succeed with no compiler run and the addon must come from prebuilds/.
// Needs the CUDA toolkit and cmake (for the prebuild) and a warm npm cache (the install runs with
// --prefer-offline); without the toolkit or cmake it is skipped with the reason.
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixture, repoRoot } from '../helpers/paths.js';

const TRAPPED = ['cc', 'c++', 'gcc', 'g++', 'clang', 'clang++', 'cmake', 'make', 'ninja', 'nvcc', 'node-gyp', 'cmake-js'];

function which(name: string): string | null {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) if (dir && existsSync(join(dir, name))) return join(dir, name);
  return null;
}

function cudaToolkit(): boolean {
  const roots = [process.env['CUDA_PATH'], process.env['CUDA_HOME'], '/usr/local/cuda'].filter((r): r is string => Boolean(r));
  return roots.some((r) => ['lib64', 'lib'].some((l) => existsSync(join(r, l, 'libcudart_static.a'))));
}

const skip = !cudaToolkit() ? 'no CUDA toolkit (libcudart_static.a) to build the prebuilt addon with'
  : which('cmake') === null ? 'cmake is not on PATH (needed to build the prebuilt addon)'
    : !existsSync(join(repoRoot, 'node_modules', '.bin', 'cmake-js')) ? 'node_modules/.bin/cmake-js is missing (run npm ci)'
      : false;
if (skip) console.log(`pack-and-install test skipped: ${skip}`);

function text(r: SpawnSyncReturns<string>): string {
  return `exit ${r.status ?? r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

describe('npm pack + install of the package, no compiler on PATH', { skip }, () => {
  let work = '';
  let tarball = '';
  let app = '';
  let bin = '';
  let trapLog = '';
  let env: NodeJS.ProcessEnv = {};

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'trtp-pack-'));
    // The package as `npm pack` sees it in a clone: package.json, README, LICENSE, NOTICE and the whole
    // dist/ (tests included: `files` must keep them out), plus a freshly built CUDA-only prebuild.
    const stage = join(work, 'stage');
    mkdirSync(stage);
    for (const f of ['package.json', 'README.md', 'LICENSE', 'NOTICE']) cpSync(join(repoRoot, f), join(stage, f));
    cpSync(join(repoRoot, 'dist'), join(stage, 'dist'), { recursive: true });
    const prebuild = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'prebuild.mjs'), '--cuda-only', '--out', join(stage, 'prebuilds', `${process.platform}-${process.arch}`)], { encoding: 'utf8' });
    assert.equal(prebuild.status, 0, `prebuild failed\n${text(prebuild)}`);
    const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: stage, encoding: 'utf8' });
    assert.equal(pack.status, 0, text(pack));
    const packed = (JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[])[0]!;
    tarball = join(work, packed.filename);
    writeFileSync(join(work, 'files.json'), JSON.stringify(packed.files.map((f) => f.path)));

    // PATH: node, npm and sh, and a trap for every compiler and build tool.
    bin = join(work, 'bin');
    mkdirSync(bin);
    trapLog = join(work, 'compilers-run.log');
    symlinkSync(process.execPath, join(bin, 'node'));
    symlinkSync(realpathSync(which('npm')!), join(bin, 'npm'));
    // npm runs dependencies' install scripts through sh.
    symlinkSync('/bin/sh', join(bin, 'sh'));
    for (const tool of TRAPPED) {
      writeFileSync(join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> '${trapLog}'\nexit 1\n`);
      chmodSync(join(bin, tool), 0o755);
    }
    app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'trtp-install-check', version: '1.0.0', private: true }));
    const keep = ['HOME', 'TMPDIR', 'LANG', 'npm_config_cache', 'NPM_CONFIG_CACHE', 'npm_config_userconfig', 'NPM_CONFIG_USERCONFIG', 'npm_config_registry', 'NPM_CONFIG_REGISTRY'];
    env = Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
    // onnxruntime-node's own install step downloads CUDA provider files; a user's app denies it the
    // same way (README "Install"). No TensorRT, CUDA or addon settings leak in from this shell.
    Object.assign(env, { PATH: bin, ONNXRUNTIME_NODE_INSTALL: 'skip', NO_COLOR: '1' });
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('packs only what a user needs', () => {
    const files = JSON.parse(readFileSync(join(work, 'files.json'), 'utf8')) as string[];
    const strays = files.filter((f) => !/^(dist\/src\/.+\.(js|d\.ts)|dist\/cli\/[^/]+\.js|prebuilds\/.+|README\.md|LICENSE|NOTICE|package\.json)$/.test(f));
    assert.deepEqual(strays, []);
    // dist/cli: the bundled command (package.json "bin"); dist/src: the library and the worker threads it starts.
    for (const need of ['dist/cli/trt-parity.js', 'dist/src/cli/main.js', 'dist/src/backends/onnx/session-worker.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'NOTICE', 'LICENSE', 'README.md', `prebuilds/${process.platform}-${process.arch}/manifest.json`, `prebuilds/${process.platform}-${process.arch}/trt_parity-cuda.node`]) {
      assert.ok(files.includes(need), `${need} is not in the package`);
    }
  });

  it('installs from the tarball without running a compiler', () => {
    const npmCli = realpathSync(which('npm')!);
    const r = spawnSync(process.execPath, [npmCli, 'install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=warn', tarball], { cwd: app, env, encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, text(r));
    assert.equal(existsSync(trapLog) ? readFileSync(trapLog, 'utf8') : '', '', 'a compiler or build tool was run during the install');
    const installed = join(app, 'node_modules', 'trt-parity');
    assert.ok(existsSync(join(installed, 'prebuilds', `${process.platform}-${process.arch}`, 'trt_parity-cuda.node')));
    assert.ok(!existsSync(join(installed, 'build')), 'the install wrote a build/ folder');
    assert.deepEqual(readdirSync(installed).sort(), ['LICENSE', 'NOTICE', 'README.md', 'dist', 'package.json', 'prebuilds']);
  });

  it('doctor --json reports the prebuilt addon', () => {
    const r = spawnSync(join(app, 'node_modules', '.bin', 'trt-parity'), ['doctor', '--json', '-'], { cwd: app, env, encoding: 'utf8', timeout: 60_000 });
    // No GPU in CI: exit 3 (TensorRT unusable) is expected there, 0 on a GPU machine with TensorRT.
    assert.ok(r.status === 0 || r.status === 3, text(r));
    const report = JSON.parse(r.stdout) as { addon: { source: string; path: string; loaded: boolean }; tensorrt: { candidates: unknown[] } };
    assert.equal(report.addon.source, 'prebuilt', text(r));
    assert.match(report.addon.path, /node_modules\/trt-parity\/prebuilds\/linux-x64\/trt_parity-cuda\.node$/);
    assert.equal(report.addon.loaded, true, text(r));
    assert.ok(Array.isArray(report.tensorrt.candidates));
    assert.equal(existsSync(trapLog) ? readFileSync(trapLog, 'utf8') : '', '');
  });

  it('compares two ONNX models from the installed package', () => {
    const r = spawnSync(join(app, 'node_modules', '.bin', 'trt-parity'), ['compare', fixture('models', 'classifier.onnx'), fixture('models', 'classifier-dynamic.onnx'), fixture('images', 'photos')], { cwd: app, env, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, text(r));
    assert.match(r.stdout, /PASS|pass/);
  });
});
