#!/usr/bin/env node
// Builds the TensorRT test double (test/doubles/trt-double) into build/trt-double/:
//   libnvinfer.so.<major>, libnvinfer_plugin.so.<major>, and with --smoke the trt_double_smoke program.
//
// Needs TensorRT *headers* (TensorRT_INCLUDE_DIR=/path/include or TENSORRT_ROOT=/path), cmake and nvcc.
// When any is missing it prints why and exits 0 (CI has no headers), or 1 with --strict.
//
//   node scripts/build-trt-double.mjs [--smoke] [--engines] [--strict] [--out DIR]
//
// --engines  also writes the five preset engines with test/doubles/double-engine.ts (from dist/; run
//            `npx tsc -p .` first) into <out>/engines-<version>/, for `trt_double_smoke --engines`.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const outIndex = args.indexOf('--out');
const outDir = resolve(outIndex >= 0 && args[outIndex + 1] ? args[outIndex + 1] : join(root, 'build', 'trt-double'));
const strict = flag('--strict');

function skip(reason) {
  console.log(`trt-double: skipped: ${reason}`);
  process.exit(strict ? 1 : 0);
}

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function run(cmd, argv) {
  console.log(`$ ${cmd} ${argv.join(' ')}`);
  const r = spawnSync(cmd, argv, { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`trt-double: ${cmd} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

const includeDir = process.env.TensorRT_INCLUDE_DIR
  || (process.env.TENSORRT_ROOT ? join(process.env.TENSORRT_ROOT, 'include') : '');
if (!includeDir) skip('no TensorRT headers (set TensorRT_INCLUDE_DIR=/path/to/include or TENSORRT_ROOT=/path)');
if (!existsSync(join(includeDir, 'NvInferVersion.h'))) skip(`no NvInferVersion.h in ${includeDir}`);
const cmake = which('cmake');
if (!cmake) skip('cmake not found on PATH');
const nvcc = process.env.CUDACXX || which('nvcc') || (existsSync('/usr/local/cuda/bin/nvcc') ? '/usr/local/cuda/bin/nvcc' : null);
if (!nvcc) skip('nvcc not found (set CUDACXX, put nvcc on PATH, or install the CUDA toolkit in /usr/local/cuda)');

// One object directory per header directory, so 10.x and 11.x builds do not share a CMake cache.
const tag = createHash('sha1').update(resolve(includeDir)).digest('hex').slice(0, 10);
const objDir = join(outDir, `obj-${tag}`);
run(cmake, [
  '-S', join(root, 'test', 'doubles', 'trt-double'), '-B', objDir,
  `-DTensorRT_INCLUDE_DIR=${resolve(includeDir)}`, `-DTRT_DOUBLE_OUTPUT_DIR=${outDir}`,
  `-DTRT_DOUBLE_SMOKE=${flag('--smoke') ? 'ON' : 'OFF'}`, `-DCMAKE_CUDA_COMPILER=${nvcc}`, '-DCMAKE_BUILD_TYPE=Release',
]);
run(cmake, ['--build', objDir, '--parallel']);

const version = readFileSync(join(objDir, 'trt_double_version.txt'), 'utf8').trim();
const major = version.split('.')[0];
const lib = join(outDir, `libnvinfer.so.${major}`);
console.log(`trt-double: built ${lib} (TensorRT ${version} headers)`);
console.log(`trt-double: use it with TRT_PARITY_LIBNVINFER=${lib}`);

if (flag('--engines')) {
  const helper = join(root, 'dist', 'test', 'doubles', 'double-engine.js');
  if (!existsSync(helper)) skip(`${helper} is missing; run \`npx tsc -p .\` first to write engines`);
  const { doublePresets, PRESET_FILES, writeDoubleEngine } = await import(pathToFileURL(helper).href);
  const trtVersion = version.split('.').map(Number);
  const engineDir = join(outDir, `engines-${version}`);
  mkdirSync(engineDir, { recursive: true });
  for (const [key, file] of Object.entries(PRESET_FILES)) {
    writeFileSync(join(engineDir, `${file}.engine`), writeDoubleEngine(doublePresets[key]({ trtVersion })));
  }
  console.log(`trt-double: wrote ${Object.keys(PRESET_FILES).length} preset engines to ${engineDir}`);
  if (flag('--smoke')) {
    console.log(`trt-double: run  ${join(outDir, 'trt_double_smoke')} ${lib} --engines ${engineDir}`);
  }
}
