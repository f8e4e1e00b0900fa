/**
 * What a child process loaded, for tests that guard start-up (issue 14: `--help` must not load
 * the backends, sharp or onnxruntime-node). Run the child with `--import <this file>` and
 * TRT_PARITY_MODULE_LOG=<file>; the file then lists every ES module loaded (through the hooks in
 * module-log-hooks.ts) and, at exit, every CommonJS module in require's cache (sharp and
 * onnxruntime-node are loaded through require(), which the ESM hooks do not see). Each thread
 * that runs this preload (workers inherit it) adds its own lines; a worker ended by terminate()
 * gets no 'exit' event, so its require() loads are missing.
 */
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

register('./module-log-hooks.js', import.meta.url);

const file = process.env['TRT_PARITY_MODULE_LOG'];
if (file) {
  const cache = createRequire(import.meta.url).cache;
  process.on('exit', () => {
    appendFileSync(file, Object.keys(cache).map((p) => `${pathToFileURL(p).href}\n`).join(''));
  });
}
