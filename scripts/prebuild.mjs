#!/usr/bin/env node
// Maintainer script (`npm run prebuild`): builds the addons that ship in the npm package, so that
// `npm install trt-parity` compiles nothing. One addon per TensorRT major, plus a CUDA-only one,
// each statically linked to the CUDA runtime (users need only the NVIDIA driver), into
// prebuilds/<platform>/ with a manifest.json (ABI, TensorRT header version, CUDA version, build date).
// At run time the loader picks the addon whose TensorRT major matches the libnvinfer it finds
// (src/backends/tensorrt/library-discovery.ts).
//
//   node scripts/prebuild.mjs [--trt <TensorRT include dir>]... [--cuda-only] [--out DIR]
//
// The TensorRT headers (NVIDIA's include/ folders, Apache-2.0; one per major: 8.6, 10.x, 11.x) come
// from --trt, or from TRT_PARITY_PREBUILD_TRT (include dirs separated by ':'). They are read, never
// copied. The CUDA toolkit is found as by `npm run build:native` (CUDA_PATH, CUDA_HOME, the default
// path, nvcc). Each addon is built in its own folder under build/prebuild/ and checked: it loads in
// Node, reports its ABI and headers, and needs no libcudart / libnvinfer file at load time.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cmakeJsBuild, findCmake, findCuda, probeAddon } from './build-native.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const platform = `${process.platform}-${process.arch}`;

/** The half-built output folder, removed on failure. */
let partial = null;

function fail(message) {
  console.error(`prebuild: ${message}`);
  if (partial) rmSync(partial, { recursive: true, force: true });
  process.exit(1);
}

function optionValues(name) {
  const out = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name) {
      if (!args[i + 1]) fail(`${name} needs a value`);
      out.push(args[++i]);
    }
  }
  return out;
}

/** "10.16.0" from an include dir's NvInferVersion.h (10.11+ spells the numbers TRT_*_ENTERPRISE). */
function headerVersion(includeDir) {
  const file = join(includeDir, 'NvInferVersion.h');
  if (!existsSync(file)) fail(`${includeDir} has no NvInferVersion.h: pass TensorRT's include/ folder`);
  const text = readFileSync(file, 'utf8');
  const part = (p) => new RegExp(`#define (?:NV_TENSORRT|TRT)_${p}(?:_ENTERPRISE)? +(\\d+)`).exec(text)?.[1];
  const [major, minor, patch] = ['MAJOR', 'MINOR', 'PATCH'].map(part);
  if (major === undefined || minor === undefined || patch === undefined) fail(`cannot read the version from ${file}`);
  return `${major}.${minor}.${patch}`;
}

/** Shared libraries an ELF file needs (readelf -d), or null when readelf is missing. */
function neededLibraries(file) {
  const r = spawnSync('readelf', ['-d', file], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  return [...r.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
}

/** Newest GLIBC_x.y symbol version the file needs: the oldest glibc it loads on. */
function glibcNeeded(file) {
  const r = spawnSync('objdump', ['-T', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) return null;
  const versions = [...r.stdout.matchAll(/GLIBC_(\d+)\.(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
  if (versions.length === 0) return null;
  versions.sort((a, b) => b[0] - a[0] || b[1] - a[1]);
  return `${versions[0][0]}.${versions[0][1]}`;
}

function main() {
  const cudaOnly = args.includes('--cuda-only');
  const outArg = optionValues('--out')[0];
  const outDir = resolve(outArg ?? join(root, 'prebuilds', platform));
  const trtDirs = cudaOnly ? [] : [...optionValues('--trt'), ...(process.env.TRT_PARITY_PREBUILD_TRT ?? '').split(delimiter).filter((d) => d !== '')];

  const cuda = findCuda();
  if (!cuda.found) fail(cuda.reason);
  const cmake = findCmake();
  if (!cmake.found) fail(cmake.reason);
  if (!existsSync(join(root, 'node_modules', '.bin', 'cmake-js'))) fail('node_modules/.bin/cmake-js is missing: run `npm ci` first');

  // One variant per major; two header folders of one major would make the choice ambiguous.
  const variants = [{ tag: 'cuda', major: null, version: null, includeDir: null }];
  for (const dir of trtDirs) {
    const includeDir = resolve(dir);
    const version = headerVersion(includeDir);
    const major = Number(version.split('.')[0]);
    const twin = variants.find((v) => v.major === major);
    if (twin) fail(`two header folders for TensorRT ${major}: ${twin.includeDir} and ${includeDir}`);
    variants.push({ tag: `trt${major}`, major, version, includeDir });
  }
  if (!cudaOnly && trtDirs.length === 0) {
    console.warn('prebuild: no TensorRT headers given (--trt DIR or TRT_PARITY_PREBUILD_TRT): building the CUDA-only addon alone');
  }

  // Built into a side folder and moved into place at the end: a failed run leaves the old folder
  // (or none), never some addons without a manifest that `npm pack` would ship.
  const finalDir = outDir;
  const workDir = `${finalDir}.partial`;
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  partial = workDir;
  const addons = [];
  let abiVersion = null;
  for (const v of variants) {
    const started = Date.now();
    const buildDir = join(root, 'build', 'prebuild', v.tag);
    // A fresh cache each time: cmake-js drops empty -D values, so cached settings would survive.
    rmSync(join(buildDir, 'CMakeCache.txt'), { force: true });
    const settings = [`--CDCUDA_ROOT=${cuda.root}`, '--CDCMAKE_BUILD_TYPE=Release'];
    if (v.includeDir) settings.push('--CDTRT_PARITY_WITH_TENSORRT=ON', `--CDTensorRT_INCLUDE_DIR=${v.includeDir}`);
    else settings.push('--CDTRT_PARITY_WITH_TENSORRT=OFF');
    console.log(`prebuild: ${v.tag}: cmake-js ${settings.join(' ')}`);
    const r = cmakeJsBuild(buildDir, settings);
    const built = join(buildDir, 'Release', 'trt_parity.node');
    if (r.status !== 0 || !existsSync(built)) {
      console.error(r.output.split('\n').slice(-30).join('\n'));
      fail(`${v.tag}: the build failed (cmake-js exit ${r.status ?? r.error?.message})`);
    }
    const config = JSON.parse(readFileSync(join(buildDir, 'trt-parity-config.json'), 'utf8'));
    if ((config.tensorrtHeaderVersion || null) !== v.version) fail(`${v.tag}: CMake built against TensorRT headers '${config.tensorrtHeaderVersion}', expected '${v.version ?? ''}'`);

    const file = `trt_parity-${v.tag}.node`;
    const dest = join(workDir, file);
    copyFileSync(built, dest);
    // Debug symbols are a third of the file and nobody debugs a prebuilt addon; keep the dynamic table.
    spawnSync('strip', ['--strip-unneeded', dest]);
    const needed = neededLibraries(dest);
    const shared = (needed ?? []).filter((n) => /^lib(cudart|cuda|nvinfer)/.test(n));
    if (shared.length > 0) fail(`${v.tag}: the addon needs ${shared.join(', ')} at load time; it must link the CUDA runtime statically and dlopen TensorRT`);
    const probe = probeAddon(dest);
    if (!probe.loads) fail(`${v.tag}: the built addon does not load: ${probe.error}`);
    if (abiVersion !== null && probe.abiVersion !== abiVersion) fail(`${v.tag}: ABI ${probe.abiVersion}, the others ${abiVersion}`);
    abiVersion = probe.abiVersion;
    if ((probe.tensorrt?.headerVersion ?? null) !== v.version) fail(`${v.tag}: the addon reports TensorRT headers ${probe.tensorrt?.headerVersion}, expected ${v.version}`);
    const bytes = readFileSync(dest);
    addons.push({
      file,
      tensorrtMajor: v.major,
      tensorrtHeaderVersion: v.version,
      bytes: statSync(dest).size,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      glibc: glibcNeeded(dest),
      needs: needed,
    });
    console.log(`prebuild: ${v.tag}: ${file} (${(bytes.length / 1024).toFixed(0)} KiB, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }

  const manifest = {
    schema: 1,
    platform,
    abiVersion,
    napiVersion: 8,
    cudaVersion: cuda.version,
    cudartVersion: cuda.cudartVersion,
    cudaLinkage: 'static',
    builtAt: new Date().toISOString(),
    builtWith: { node: process.version, cmake: cmake.version },
    addons,
  };
  writeFileSync(join(workDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  rmSync(finalDir, { recursive: true, force: true });
  renameSync(workDir, finalDir);
  console.log(`prebuild: wrote ${addons.length} addon(s) and manifest.json to ${finalDir}`);
}

main();
