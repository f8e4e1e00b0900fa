#!/usr/bin/env node
// clang-format over the C++ of this repository (native/ and the TensorRT double), with the style in
// .clang-format. Checks by default (exit 1 and the files that differ); `--fix` rewrites them.
// The binary comes from the `clang-format` dev dependency, so every machine formats alike.
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const fix = process.argv.includes('--fix');
const patterns = ['native/**/*.cc', 'native/**/*.h', 'test/doubles/trt-double/**/*.cpp', 'test/doubles/trt-double/**/*.h', 'test/doubles/trt-double/**/*.cu'];
// Tracked and new (not ignored) files: a file being written is checked before its first commit.
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', ...patterns.map((p) => `:(glob)${p}`)], { encoding: 'utf8' })
  .split('\n')
  .filter((f) => f !== '');
const require = createRequire(import.meta.url);
const binary = join(dirname(require.resolve('clang-format/package.json')), 'index.js');
const args = fix ? ['-i', '--style=file', ...files] : ['--dry-run', '--Werror', '--style=file', ...files];
const r = spawnSync(process.execPath, [binary, ...args], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
if (r.status !== 0) {
  const differ = [...new Set([...(r.stderr ?? '').matchAll(/^(.+?):\d+:\d+: error: code should be clang-formatted/gm)].map((m) => m[1]))];
  process.stderr.write(differ.length ? `clang-format: ${differ.length} file(s) need formatting (npm run lint:cpp:fix):\n${differ.map((f) => `  ${f}`).join('\n')}\n` : r.stderr ?? '');
  process.exit(1);
}
if (!fix) process.stdout.write(`clang-format: ${files.length} files formatted as .clang-format says\n`);
