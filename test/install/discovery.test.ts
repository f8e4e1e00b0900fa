// The search for TensorRT through the real `trt-parity doctor --json -`, with fake installs made the way
// pip (a venv's site-packages/tensorrt_libs/ plus the wheel's dist-info), a tar (TENSORRT_ROOT/lib) and
// LD_LIBRARY_PATH lay them out. Part 1 uses placeholder files: the order, the outcome of each step and
// the choice. Part 2 puts our TensorRT double (test/doubles/trt-double, built for TensorRT 10 from
// NVIDIA's headers) in the fake venv and runs doctor from a staged package whose prebuilds/ hold a
// TensorRT-10 addon: the addon comes from prebuilds/, and the library found is the one that loads
// (its version read by getInferLibVersion). Part 2 needs TensorRT headers (TensorRt_INCLUDE_DIR, or
// TRT_PARITY_TEST_TRT10_INCLUDE), cmake, nvcc and the CUDA toolkit; without them it is skipped.
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DoctorReport } from '../../src/report/model/doctor.js';
import { cliPath, repoRoot } from '../helpers/paths.js';

function text(r: SpawnSyncReturns<string>): string {
  return `exit ${r.status ?? r.signal}\n--- stdout\n${r.stdout.slice(0, 4000)}\n--- stderr\n${r.stderr}`;
}

/** A fake install: an empty file at each path (folders made as needed). */
function touch(root: string, ...paths: string[]): void {
  for (const p of paths) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), '');
  }
}

/** A plan header by the documented layout: "ftrt", size (u64 LE) at 16, version bytes at 24..27 (plan-file.ts). */
function planHeader(version: [number, number, number, number]): Buffer {
  const b = Buffer.alloc(64);
  b.write('ftrt', 0, 'latin1');
  b.writeBigUInt64LE(64n, 16);
  for (const [i, v] of version.entries()) b.writeUInt8(v, 24 + i);
  return b;
}

/** doctor --json - with only the given environment (no TensorRT, CUDA or addon settings from this shell). */
function doctor(cli: string, env: Record<string, string>, args: string[] = []): { report: DoctorReport; r: SpawnSyncReturns<string> } {
  const base: Record<string, string> = { HOME: process.env['HOME'] ?? '/tmp', PATH: env['PATH'] ?? '/nonexistent' };
  const r = spawnSync(process.execPath, [cli, 'doctor', '--json', '-', ...args], { env: { ...base, ...env }, encoding: 'utf8', timeout: 60_000 });
  assert.ok(r.status === 0 || r.status === 2 || r.status === 3, text(r));
  return { report: JSON.parse(r.stdout) as DoctorReport, r };
}

const outcomes = (rep: DoctorReport): string[][] => rep.tensorrt.search.map((s) => [s.step, s.outcome]);

describe('TensorRT discovery order, through doctor --json (placeholder files)', () => {
  let work = '';
  const venv = (): string => join(work, 'venv');
  const site = (): string => join(venv(), 'lib', 'python3.12', 'site-packages');
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'trtp-discovery-'));
    touch(work, 'venv/lib/python3.12/site-packages/tensorrt_libs/libnvinfer.so.10', 'venv/lib/python3.12/site-packages/tensorrt_cu13_libs-10.16.0.72.dist-info/METADATA');
    touch(work, 'trt-tar/lib/libnvinfer.so.10', 'trt-tar/lib/libnvinfer_lean.so.10');
    touch(work, 'ld/libnvinfer.so.11');
    touch(work, 'lean-only/lib/python3.12/site-packages/tensorrt_lean_libs/libnvinfer_lean.so.10', 'lean-only/lib/python3.12/site-packages/tensorrt_lean_cu13_libs-10.16.1.11.dist-info/RECORD');
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('reports every step in order and takes the newest major found', () => {
    const { report } = doctor(cliPath, { VIRTUAL_ENV: venv(), TENSORRT_ROOT: join(work, 'trt-tar'), LD_LIBRARY_PATH: join(work, 'ld') });
    assert.deepEqual(outcomes(report).slice(0, 7), [
      ['trt-lib-option', 'skipped'], ['TRT_PARITY_LIBNVINFER', 'skipped'], ['VIRTUAL_ENV', 'found'], ['CONDA_PREFIX', 'skipped'],
      ['python3', 'skipped'], ['TENSORRT_ROOT', 'found'], ['LD_LIBRARY_PATH', 'found'],
    ]);
    assert.equal(report.tensorrt.search[4]!.detail, 'no python3 on PATH');
    const mine = report.tensorrt.candidates.filter((c) => c.path.startsWith(work));
    assert.deepEqual(mine.map((c) => [c.path.slice(work.length + 1), c.kind, c.major, c.version, c.step]), [
      ['venv/lib/python3.12/site-packages/tensorrt_libs/libnvinfer.so.10', 'full', 10, '10.16.0', 'VIRTUAL_ENV'],
      ['trt-tar/lib/libnvinfer.so.10', 'full', 10, null, 'TENSORRT_ROOT'],
      ['trt-tar/lib/libnvinfer_lean.so.10', 'lean', 10, null, 'TENSORRT_ROOT'],
      ['ld/libnvinfer.so.11', 'full', 11, null, 'LD_LIBRARY_PATH'],
    ]);
    // The addon here (if any) decides which majors are usable; with none, or a CUDA-only one, every major is.
    if (report.addon.source !== 'built' || report.tensorrt.headerVersion === null) assert.equal(report.tensorrt.library.path, join(work, 'ld', 'libnvinfer.so.11'));
  });

  it('takes the plan header\'s major, the venv first, and says what to install when that major is missing', () => {
    const engine10 = join(work, 'm10.engine');
    writeFileSync(engine10, planHeader([10, 16, 0, 72]));
    const env = { VIRTUAL_ENV: venv(), TENSORRT_ROOT: join(work, 'trt-tar'), LD_LIBRARY_PATH: join(work, 'ld') };
    const a = doctor(cliPath, env, [engine10]).report;
    assert.equal(a.tensorrt.library.path, join(site(), 'tensorrt_libs', 'libnvinfer.so.10'));
    assert.equal(a.engine?.planVersion, '10.16.0.72');
    const engine8 = join(work, 'm8.engine');
    writeFileSync(engine8, planHeader([8, 6, 1, 6]));
    const b = doctor(cliPath, env, [engine8]);
    assert.equal(b.report.tensorrt.library.path, null);
    assert.equal(b.report.engine?.canRun, false);
    assert.equal(b.report.engine?.fix, "pip install 'tensorrt==8.6.*'");
    assert.equal(b.r.status, 3);
  });

  it('falls back to the lean runtime only when no full runtime of that major is there, and says what it can run', () => {
    const { report } = doctor(cliPath, { VIRTUAL_ENV: join(work, 'lean-only') }, []);
    assert.equal(report.tensorrt.library.kind, 'lean');
    assert.equal(report.tensorrt.library.version, '10.16.1');
    assert.match(report.tensorrt.library.note ?? '', /only version-compatible plans/);
  });

  it('--trt-lib wins over every step, and a missing one is reported, not replaced', () => {
    const env = { VIRTUAL_ENV: venv(), TRT_PARITY_LIBNVINFER: join(work, 'ld', 'libnvinfer.so.11') };
    const a = doctor(cliPath, env, ['--trt-lib', join(work, 'trt-tar', 'lib')]).report;
    assert.deepEqual(outcomes(a).slice(0, 2), [['trt-lib-option', 'found'], ['TRT_PARITY_LIBNVINFER', 'skipped']]);
    assert.equal(a.tensorrt.library.path, join(work, 'trt-tar', 'lib', 'libnvinfer.so.10'));
    const b = doctor(cliPath, env).report;
    assert.equal(b.tensorrt.library.path, join(work, 'ld', 'libnvinfer.so.11'));
    assert.match(b.tensorrt.library.why, /TRT_PARITY_LIBNVINFER/);
    const c = doctor(cliPath, { ...env, TRT_PARITY_LIBNVINFER: join(work, 'nope.so.10') }).report;
    assert.equal(c.tensorrt.library.path, null);
    assert.match(c.tensorrt.library.why, /TRT_PARITY_LIBNVINFER names .*nope\.so\.10, which is not a TensorRT library \(or does not exist\)/);
  });
});

// ---------------------------------------------------------------- part 2: the double, loaded

const trtInclude = process.env['TRT_PARITY_TEST_TRT10_INCLUDE'] ?? process.env['TensorRT_INCLUDE_DIR'] ?? '';
function onPath(name: string): boolean {
  return (process.env['PATH'] ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, name))) || (name === 'nvcc' && existsSync('/usr/local/cuda/bin/nvcc'));
}
const trt10 = trtInclude !== '' && existsSync(join(trtInclude, 'NvInferVersion.h')) && /define (NV_TENSORRT|TRT)_MAJOR(_ENTERPRISE)? +10\b/.test(readFileSync(join(trtInclude, 'NvInferVersion.h'), 'utf8'));
const skipDouble = !trt10 ? 'no TensorRT 10 headers (set TRT_PARITY_TEST_TRT10_INCLUDE or TensorRT_INCLUDE_DIR to a TensorRT 10 include/ folder)'
  : !onPath('cmake') ? 'cmake is not on PATH'
    : !onPath('nvcc') ? 'nvcc not found (the double is built with the CUDA compiler)'
      : false;
if (skipDouble) console.log(`discovery test with the TensorRT double skipped: ${skipDouble}`);

describe('the TensorRT double found in a fake venv, loaded by the prebuilt TensorRT-10 addon', { skip: skipDouble }, () => {
  let work = '';
  let stage = '';
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'trtp-double-'));
    const env = { ...process.env, TensorRT_INCLUDE_DIR: trtInclude };
    const dbl = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build-trt-double.mjs'), '--strict', '--out', join(work, 'double')], { env, encoding: 'utf8' });
    assert.equal(dbl.status, 0, text(dbl));
    // A package root of its own, so that its prebuilds/ is the one the loader sees.
    stage = join(work, 'pkg');
    mkdirSync(stage);
    copyFileSync(join(repoRoot, 'package.json'), join(stage, 'package.json'));
    cpSync(join(repoRoot, 'dist', 'src'), join(stage, 'dist', 'src'), { recursive: true });
    symlinkSync(join(repoRoot, 'node_modules'), join(stage, 'node_modules'));
    const pre = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'prebuild.mjs'), '--trt', trtInclude, '--out', join(stage, 'prebuilds', `${process.platform}-${process.arch}`)], { encoding: 'utf8' });
    assert.equal(pre.status, 0, text(pre));
    const venvLibs = join(work, 'venv', 'lib', 'python3.12', 'site-packages', 'tensorrt_libs');
    mkdirSync(venvLibs, { recursive: true });
    copyFileSync(join(work, 'double', 'libnvinfer.so.10'), join(venvLibs, 'libnvinfer.so.10'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('doctor: prebuilt addon for TensorRT 10, the double as tensorrt.library with the version it reports', () => {
    const venvLib = join(work, 'venv', 'lib', 'python3.12', 'site-packages', 'tensorrt_libs', 'libnvinfer.so.10');
    const { report, r } = doctor(join(stage, 'dist', 'src', 'cli', 'main.js'), { VIRTUAL_ENV: join(work, 'venv') });
    assert.equal(report.addon.source, 'prebuilt', text(r));
    assert.equal(report.addon.prebuild?.file, 'trt_parity-trt10.node');
    assert.equal(report.addon.loaded, true, text(r));
    assert.equal(report.tensorrt.library.path, venvLib);
    assert.equal(report.tensorrt.libraryName, venvLib, 'the addon opened the library discovery chose');
    // The double reports the version of the headers it was built from.
    const headers = readFileSync(join(trtInclude, 'NvInferVersion.h'), 'utf8');
    const part = (p: string): string => new RegExp(`#define (?:NV_TENSORRT|TRT)_${p}(?:_ENTERPRISE)? +(\\d+)`).exec(headers)![1]!;
    assert.equal(report.tensorrt.library.version, `${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`, text(r));
    assert.equal(report.tensorrt.library.versionFrom, 'getInferLibVersion() of the loaded library');
  });
});
