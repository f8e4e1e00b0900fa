#!/usr/bin/env node
/**
 * The `trt-parity` command as users run it: dist/cli/trt-parity.js and its chunks, bundled by
 * esbuild from tsc's output (dist/src/cli/bin.js). Run after tsc (npm's prepare, build and test
 * scripts do).
 *
 * Why (issue 14): Node 20 loads each ES module on its own (resolve, read, compile, link), about
 * 0.8 ms apiece on the 2-core CI machine; a one-image compare loaded about ninety of ours. Bundled,
 * it loads a handful of chunks: 0.394 -> 0.354 s median on that machine (benchmarks/e2e/startup.ts).
 *
 * - Code splitting keeps each command's code in its own chunks (the CLI imports commands on first
 *   use), so `--help` still loads no backend code.
 * - Packages stay external: sharp, onnxruntime-node and commander load from node_modules as before.
 * - Every module keeps its own `import.meta.url`: it is rewritten to the module's file under dist/src,
 *   relative to the chunk (all chunks sit in dist/cli/). So the worker threads (session-worker.js,
 *   decode-worker.js), the provider probe, the addon loader and package.json are found exactly where
 *   the unbundled code finds them; workers run the unbundled modules of dist/src.
 * - dist/src stays what the library (package.json "exports"), the workers and the tests import.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'dist', 'src');
const outdir = join(root, 'dist', 'cli');

/** `import.meta.url` of each module under dist/src, as that file's URL computed from the chunk's own. */
const keepModuleUrls = {
  name: 'keep-module-urls',
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(src + sep)) return undefined;
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return { contents: text, loader: 'js' };
      const fromChunk = relative(outdir, args.path).split(sep).join('/');
      const url = `new URL(${JSON.stringify(fromChunk)}, import.meta.url).href`;
      return { contents: text.replaceAll('import.meta.url', url), loader: 'js' };
    });
  },
};

// Chunk names carry hashes: clear the last build's, so that only this build's files ship.
await rm(outdir, { recursive: true, force: true });
const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: { 'trt-parity': join(src, 'cli', 'bin.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  chunkNames: 'chunk-[hash]',
  plugins: [keepModuleUrls],
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
// Which modules each output holds, for the tests that check what a command loads (test/cli/bundle.test.ts).
await writeFile(join(outdir, 'meta.json'), JSON.stringify(result.metafile));
const outputs = Object.keys(result.metafile.outputs).length;
process.stdout.write(`bundle-cli: dist/cli/trt-parity.js and ${outputs - 1} chunks\n`);
