#!/usr/bin/env node
// Builds the native addon from source (build/Release/trt_parity.node) with cmake-js: for development
// and for platforms without a prebuilt addon. `npm run build:native` runs it with --strict; `npm
// install` does NOT run it (an install uses the prebuilt addons in prebuilds/, see scripts/prebuild.mjs,
// and a clone that never loads the addon compiles nothing). Without a CUDA toolkit it explains and
// skips; a failed compile is reported loudly and exits 1 with --strict (0 without).
// Either way it writes build/native-status.json, which `trt-parity doctor` reads.
// scripts/prebuild.mjs reuses findCuda, findCmake, cmakeJsBuild and probeAddon from here.
//
// Environment: CUDA_PATH / CUDA_HOME (toolkit root), TENSORRT_ROOT or TensorRT_INCLUDE_DIR
// (TensorRT headers; otherwise CMake looks in /usr/include/x86_64-linux-gnu and /usr/local/TensorRT),
// TRT_PARITY_SKIP_NATIVE=1 (skip entirely). Nothing is downloaded.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(root, 'build');
const statusPath = join(buildDir, 'native-status.json');
const addonPath = join(buildDir, 'Release', 'trt_parity.node');
const strict = process.argv.includes('--strict');

const say = (line) => console.log(`trt-parity native: ${line}`);

/** First match of `name` on PATH, or null. */
function which(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

export function findCmake() {
  const path = which('cmake');
  if (!path) return { found: false, reason: 'cmake is not on PATH' };
  const r = spawnSync(path, ['--version'], { encoding: 'utf8' });
  const version = /cmake version (\S+)/.exec(r.stdout ?? '')?.[1] ?? null;
  return { found: r.status === 0, path, version, reason: r.status === 0 ? null : `cmake --version failed: ${r.stderr}` };
}

/** Toolkit roots in order of preference, with where each came from. */
function cudaCandidates() {
  const out = [];
  if (process.env.CUDA_PATH) out.push({ root: process.env.CUDA_PATH, from: 'CUDA_PATH' });
  if (process.env.CUDA_HOME) out.push({ root: process.env.CUDA_HOME, from: 'CUDA_HOME' });
  out.push({ root: '/usr/local/cuda', from: 'default path' });
  const nvcc = which('nvcc');
  if (nvcc) {
    try {
      out.push({ root: dirname(dirname(realpathSync(nvcc))), from: 'nvcc on PATH' });
    } catch {
      // a dangling nvcc link: ignore it
    }
  }
  return out;
}

export function findCuda() {
  const tried = [];
  for (const { root: cudaRoot, from } of cudaCandidates()) {
    const header = [join(cudaRoot, 'include', 'cuda_runtime_api.h'), join(cudaRoot, 'targets', 'x86_64-linux', 'include', 'cuda_runtime_api.h')].find(existsSync);
    const lib = ['lib64', 'lib', join('targets', 'x86_64-linux', 'lib')].map((d) => join(cudaRoot, d, 'libcudart_static.a')).find(existsSync);
    if (header && lib) {
      const m = /#define\s+CUDART_VERSION\s+(\d+)/.exec(readFileSync(header, 'utf8'));
      const v = m ? Number(m[1]) : null;
      const version = v === null ? null : `${Math.floor(v / 1000)}.${Math.floor((v % 1000) / 10)}`;
      return { found: true, root: cudaRoot, from, version, cudartVersion: v, reason: null };
    }
    tried.push(`${cudaRoot} (${from})`);
  }
  return {
    found: false,
    reason: `no CUDA toolkit (include/cuda_runtime_api.h and libcudart_static.a) found; looked in ${
      tried.length > 0 ? tried.join(', ') : 'CUDA_PATH, CUDA_HOME, /usr/local/cuda and nvcc on PATH (none set or present)'
    }; set CUDA_PATH to build the TensorRT backend`,
  };
}

/** Only what the environment says; CMake does the actual search (including the system paths). */
function tensorrtSettings() {
  return [`--CDTENSORRT_ROOT=${process.env.TENSORRT_ROOT ?? ''}`, `--CDTensorRT_INCLUDE_DIR=${process.env.TensorRT_INCLUDE_DIR ?? ''}`];
}

/** What CMake's configure step found (written by CMakeLists.txt); null when configure did not get that far. */
function readConfig() {
  try {
    return JSON.parse(readFileSync(join(buildDir, 'trt-parity-config.json'), 'utf8'));
  } catch {
    return null;
  }
}

function writeStatus(status) {
  mkdirSync(buildDir, { recursive: true });
  writeFileSync(statusPath, `${JSON.stringify(status, null, 2)}\n`);
}

/**
 * Runs cmake-js configure + build of the repo root into `outDir` with `settings` (-D values as
 * --CDNAME=value); returns the exit status and the whole output.
 */
export function cmakeJsBuild(outDir, settings) {
  const cmakeJs = join(root, 'node_modules', '.bin', 'cmake-js');
  const run = (verb, extra) =>
    spawnSync(cmakeJs, [verb, '-d', root, '-O', outDir, ...extra], { cwd: root, encoding: 'utf8', env: process.env, maxBuffer: 64 * 1024 * 1024 });
  let r = run('configure', settings);
  let output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status === 0) {
    r = run('build', []);
    output += `${r.stdout ?? ''}${r.stderr ?? ''}`;
  }
  return { status: r.status, error: r.error ?? null, output };
}

/** Loads an addon in a child process (so a bad build cannot take this script down); reports its ABI and runtime info. */
export function probeAddon(path = addonPath) {
  const code = `const a = require(${JSON.stringify(path)}); let t = null; try { t = a.getRuntimeInfo().tensorrt; } catch {} process.stdout.write(JSON.stringify({ abiVersion: a.abiVersion, tensorrt: t }));`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  if (r.status !== 0) return { loads: false, error: (r.stderr || `exit ${r.status}`).trim().split('\n').slice(-3).join(' ') };
  try {
    return { loads: true, ...JSON.parse(r.stdout) };
  } catch {
    return { loads: false, error: `unexpected output: ${r.stdout}` };
  }
}

function main() {
  const started = Date.now();
  const status = {
    schema: 1,
    generatedAt: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    addonPath,
    cmake: null,
    cuda: null,
    tensorrt: { builtIn: false, headerVersion: null, includeDir: null, reason: 'not built in' },
    build: { attempted: false, ok: false, reason: null, durationMs: 0, logTail: [] },
    addon: { loads: false, error: null, abiVersion: null },
  };

  if (process.env.TRT_PARITY_SKIP_NATIVE === '1') {
    status.build.reason = 'skipped: TRT_PARITY_SKIP_NATIVE=1';
    say(`${status.build.reason}; the TensorRT backend will be unavailable`);
    writeStatus(status);
    return 0;
  }
  if (process.platform !== 'linux') {
    status.build.reason = `skipped: the native addon is built on Linux only (this is ${process.platform})`;
    say(status.build.reason);
    writeStatus(status);
    return 0;
  }

  status.cuda = findCuda();
  if (!status.cuda.found) {
    status.build.reason = `skipped: ${status.cuda.reason}`;
    say(`${status.build.reason}. ONNX Runtime and saved runs still work.`);
    writeStatus(status);
    return 0;
  }
  say(`CUDA ${status.cuda.version} toolkit at ${status.cuda.root} (${status.cuda.from})`);

  status.cmake = findCmake();
  const cmakeJs = join(root, 'node_modules', '.bin', 'cmake-js');
  if (!status.cmake.found || !existsSync(cmakeJs)) {
    status.build.reason = `skipped: ${status.cmake.found ? `${cmakeJs} is missing` : status.cmake.reason}`;
    say(`${status.build.reason}. ONNX Runtime and saved runs still work.`);
    writeStatus(status);
    return strict ? 1 : 0;
  }

  const settings = [`--CDCUDA_ROOT=${status.cuda.root}`, ...tensorrtSettings()];
  // cmake-js drops empty -D values, so a TENSORRT_ROOT cached by an earlier build would survive its
  // removal from the environment: start from a fresh cache whenever the settings changed.
  const stampPath = join(buildDir, 'trt-parity-settings.json');
  const stamp = JSON.stringify(settings);
  if (!existsSync(stampPath) || readFileSync(stampPath, 'utf8') !== stamp) rmSync(join(buildDir, 'CMakeCache.txt'), { force: true });
  mkdirSync(buildDir, { recursive: true });
  writeFileSync(stampPath, stamp);
  say(`cmake-js configure ${settings.join(' ')}`);
  status.build.attempted = true;
  const r = cmakeJsBuild(buildDir, settings);
  const output = r.output;
  const lines = output.split('\n');
  status.build.durationMs = Date.now() - started;
  status.build.logTail = lines.filter((l) => l.trim() !== '').slice(-30);
  for (const l of lines.filter((x) => x.includes('trt-parity:'))) say(l.replace(/^.*trt-parity: /, ''));

  const config = readConfig();
  if (config?.tensorrtHeaderVersion) {
    status.tensorrt = { builtIn: true, headerVersion: config.tensorrtHeaderVersion, includeDir: config.tensorrtIncludeDir, reason: null };
  } else {
    status.tensorrt.reason = 'not built in: no TensorRT headers found (set TENSORRT_ROOT or TensorRT_INCLUDE_DIR)';
  }

  if (r.status !== 0 || !existsSync(addonPath)) {
    status.build.reason = r.error ? `cmake-js could not run: ${r.error.message}` : `compile failed (cmake-js exit ${r.status})`;
    if (status.tensorrt.builtIn) status.tensorrt.reason = 'TensorRT headers were found but the build failed';
    status.tensorrt.builtIn = false;
    // A stale addon from an earlier build would contradict this status; remove it.
    rmSync(addonPath, { force: true });
    writeStatus(status);
    const bar = '!'.repeat(78);
    console.error(`\n${bar}\ntrt-parity native: THE NATIVE ADDON FAILED TO BUILD (${status.build.reason}).`);
    console.error('The TensorRT backend is unavailable; ONNX Runtime and saved runs still work.');
    console.error(`Last lines of the build log (all in ${statusPath}):`);
    for (const l of status.build.logTail.slice(-15)) console.error(`  ${l}`);
    console.error(`Fix it, then run: npm run build:native\n${bar}\n`);
    return strict ? 1 : 0;
  }

  const { tensorrt: _probedTrt, ...probed } = probeAddon();
  status.addon = { error: null, abiVersion: null, ...probed };
  status.build.ok = status.addon.loads;
  status.build.reason = status.addon.loads ? null : `built, but the addon does not load: ${status.addon.error}`;
  status.build.durationMs = Date.now() - started;
  writeStatus(status);
  if (!status.addon.loads) {
    console.error(`trt-parity native: ${status.build.reason}`);
    return strict ? 1 : 0;
  }
  say(`built ${addonPath} in ${(status.build.durationMs / 1000).toFixed(1)} s (TensorRT ${status.tensorrt.builtIn ? status.tensorrt.headerVersion : 'not built in'})`);
  return 0;
}

// Run only as a program, not when prebuild.mjs imports the helpers above.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main();
