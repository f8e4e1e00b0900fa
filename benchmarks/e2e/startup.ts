/**
 * Fixed costs, as a user sees them: wall time from spawning `trt-parity ...` to its exit, median of
 * N runs (interleaved, so a load change hits every command alike), with a bare `node -e 0` beside
 * them for what Node's own start costs on this machine.
 *
 *   npx tsc -p . && node dist/benchmarks/e2e/startup.js [--runs 10] [--image FILE]
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const model = join(root, 'fixtures', 'models', 'classifier.onnx');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const runs = Number(arg('runs', '10'));
const image = arg('image', join(root, 'fixtures', 'images', 'photos', 'chelsea.jpg'));
const commands: [string, string[]][] = [
  ['node -e 0 (Node alone)', ['-e', '0']],
  ['trt-parity --help', [cli, '--help']],
  ['trt-parity --version', [cli, '--version']],
  ['trt-parity inspect model.onnx', [cli, 'inspect', model]],
  ['trt-parity compare a.onnx b.onnx one.jpg', [cli, 'compare', model, model, image, '--no-progress']],
];
const times = new Map<string, number[]>(commands.map(([k]) => [k, []]));
for (let r = 0; r < runs; r++) {
  for (const [name, args] of commands) {
    const t0 = performance.now();
    const res = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = performance.now() - t0;
    if (res.status !== 0) throw new Error(`${name} exited ${res.status}: ${res.stderr.toString()}`);
    times.get(name)!.push(ms);
  }
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
process.stdout.write(`${runs} runs each, interleaved; load ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n\n| command | min | median | max |\n|---|---|---|---|\n`);
for (const [name, xs] of times) {
  process.stdout.write(`| \`${name}\` | ${(Math.min(...xs) / 1000).toFixed(3)} s | **${(median(xs) / 1000).toFixed(3)} s** | ${(Math.max(...xs) / 1000).toFixed(3)} s |\n`);
}
