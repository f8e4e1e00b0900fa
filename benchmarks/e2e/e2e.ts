/**
 * End to end: `trt-parity compare m.onnx m.onnx FOLDER` against a single-threaded Python loop doing
 * the same work (python_loop.py: PIL decode + resize, numpy normalise, ONNX Runtime on both models,
 * assert_allclose), on the same 200 JPEGs (make-images.ts), at the same ONNX Runtime thread count,
 * in interleaved rounds (the order flips every round, so a load change on the machine hits both).
 * Both sides are timed from process start to exit, so start-up counts on both.
 *
 *   npm run build && npx tsc -p . && node dist/benchmarks/e2e/e2e.js [--rounds 5] [--threads 1] [--images 200]
 *       [--model fixtures/models/classifier.onnx] [--python PATH] [--dir DIR] [--json out.json]
 *
 * Python: --python, else $E2E_PYTHON, else a virtual environment this script makes (once) under the
 * system temporary directory with `pip install numpy pillow onnxruntime` - never inside the repo.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeE2eFolder } from './make-images.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
/** The installed command (package.json "bin"): the bundle scripts/bundle-cli.mjs makes. */
const cli = join(root, 'dist', 'cli', 'trt-parity.js');
const loop = join(root, 'benchmarks', 'e2e', 'python_loop.py');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

function python(): string {
  const given = arg('python', process.env.E2E_PYTHON ?? '');
  if (given !== '') return given;
  const venv = join(tmpdir(), 'trt-parity-e2e-venv');
  const bin = join(venv, 'bin', 'python');
  if (!existsSync(bin)) {
    process.stderr.write(`making a Python virtual environment in ${venv} (numpy, Pillow, onnxruntime)\n`);
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    execFileSync(join(venv, 'bin', 'pip'), ['install', '--quiet', 'numpy', 'pillow', 'onnxruntime'], { stdio: 'inherit' });
  }
  return bin;
}

/** Runs a command to its end; wall seconds from spawn to exit, and its stdout. */
function timed(cmd: string, args: readonly string[]): Promise<{ seconds: number; stdout: string; code: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ seconds: (performance.now() - t0) / 1000, stdout, code: code ?? -1 }));
  });
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  const rounds = Number(arg('rounds', '5'));
  const threads = Number(arg('threads', '1'));
  const count = Number(arg('images', '200'));
  const model = arg('model', join(root, 'fixtures', 'models', 'classifier.onnx'));
  const dir = arg('dir', join(tmpdir(), `trt-parity-e2e-${count}`));
  const have = existsSync(dir) ? (await readdir(dir)).filter((f) => f.endsWith('.jpg')).length : 0;
  if (have !== count) {
    process.stderr.write(`making ${count} JPEGs in ${dir}\n`);
    await makeE2eFolder(dir, count);
  }
  const py = python();
  const node = [cli, 'compare', model, model, dir, '--threads', String(threads), '--no-progress'];
  const pyArgs = [loop, model, model, dir, String(threads)];
  process.stdout.write(`${count} images (half 1920x1080, half 640x480), ${model.slice(root.length)}, ORT threads ${threads}, ${rounds} rounds, ` +
    `${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  const rows: { round: number; python: number; tool: number; ratio: number }[] = [];
  let versions = '';
  for (let r = 0; r < rounds; r++) {
    const runPython = async (): Promise<number> => {
      const p = await timed(py, pyArgs);
      if (p.code !== 0) throw new Error(`python loop exited ${p.code}`);
      const out = JSON.parse(p.stdout.trim().split('\n').pop()!) as { images: number; failures: number; numpy: string; Pillow: string; onnxruntime: string };
      if (out.images !== count) throw new Error(`python loop saw ${out.images} images`);
      versions = `numpy ${out.numpy}, Pillow ${out.Pillow}, onnxruntime ${out.onnxruntime}`;
      return p.seconds;
    };
    const runTool = async (): Promise<number> => {
      const t = await timed(process.execPath, node);
      if (t.code !== 0) throw new Error(`trt-parity exited ${t.code}`);
      return t.seconds;
    };
    let pySec: number;
    let toolSec: number;
    if (r % 2 === 0) {
      pySec = await runPython();
      toolSec = await runTool();
    } else {
      toolSec = await runTool();
      pySec = await runPython();
    }
    const row = { round: r + 1, python: pySec, tool: toolSec, ratio: pySec / toolSec };
    rows.push(row);
    process.stdout.write(`round ${row.round}: python ${(count / pySec).toFixed(1)} img/s (${pySec.toFixed(2)} s), ` +
      `trt-parity ${(count / toolSec).toFixed(1)} img/s (${toolSec.toFixed(2)} s), ratio ${row.ratio.toFixed(2)}x\n`);
  }
  const ratios = rows.map((x) => x.ratio);
  process.stdout.write(`\nimages/s, trt-parity / Python loop: min ${Math.min(...ratios).toFixed(2)}x, median ${median(ratios).toFixed(2)}x, max ${Math.max(...ratios).toFixed(2)}x\n`);
  process.stdout.write(`trt-parity median ${(count / median(rows.map((x) => x.tool))).toFixed(1)} img/s, Python median ${(count / median(rows.map((x) => x.python))).toFixed(1)} img/s; ${versions}; Node ${process.version}; load at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  const json = arg('json', '');
  if (json !== '') await writeFile(json, `${JSON.stringify({ count, threads, rounds: rows, versions, node: process.version }, null, 2)}\n`);
}

await main();
