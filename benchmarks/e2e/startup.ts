/**
 * Fixed costs, as a user sees them: wall time from spawning `trt-parity ...` to its exit, median of
 * N runs (interleaved, so a load change hits every command alike), with a bare `node -e 0` beside
 * them for what Node's own start costs on this machine.
 *
 *   npm run build && npx tsc -p . && node dist/benchmarks/e2e/startup.js [--runs 10] [--image FILE]
 *     [--against OTHER/dist/cli/trt-parity.js] [--fifo]
 *
 * The command timed is the installed one (package.json "bin"): the bundle dist/cli/trt-parity.js.
 * --against  also times another build (an older checkout's command, or this one's unbundled
 *            dist/src/cli/main.js), interleaved with this one.
 * --fifo     runs every command under `chrt -f 10` (Linux, root): on a machine shared with other
 *            work, real-time priority keeps their load out of the wall times. Say so next to the numbers.
 * Where /usr/bin/time exists, the CPU time of each command (user + system, all its threads) is shown
 * too: steadier than wall time under load, though it does not show what runs in parallel.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'dist', 'cli', 'trt-parity.js');
const model = join(root, 'fixtures', 'models', 'classifier.onnx');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const runs = Number(arg('runs', '10'));
const image = arg('image', join(root, 'fixtures', 'images', 'photos', 'chelsea.jpg'));
const against = arg('against', '');
const fifo = process.argv.includes('--fifo');
const timeBin = '/usr/bin/time';
const withCpu = existsSync(timeBin);

const builds: [string, string][] = [['', cli], ...(against ? [[' (other build)', resolve(against)] as [string, string]] : [])];
const commands: [string, string[]][] = [['node -e 0 (Node alone)', ['-e', '0']]];
for (const [tag, main] of builds) {
  commands.push(
    [`trt-parity --help${tag}`, [main, '--help']],
    [`trt-parity --version${tag}`, [main, '--version']],
    [`trt-parity inspect model.onnx${tag}`, [main, 'inspect', model]],
    [`trt-parity compare a.onnx b.onnx one.jpg${tag}`, [main, 'compare', model, model, image, '--no-progress']],
  );
}

const wall = new Map<string, number[]>(commands.map(([k]) => [k, []]));
const cpu = new Map<string, number[]>(commands.map(([k]) => [k, []]));
for (let r = 0; r < runs; r++) {
  for (const [name, args] of commands) {
    // `time` prints its line last on stderr; the command's own stderr comes before it.
    const argv = [...(withCpu ? [timeBin, '-f', 'cpu %U %S'] : []), process.execPath, ...args];
    const [file, ...rest] = fifo ? ['chrt', '-f', '10', ...argv] : argv;
    const t0 = performance.now();
    const res = spawnSync(file!, rest, { stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = performance.now() - t0;
    if (res.status !== 0) throw new Error(`${name} exited ${res.status}: ${res.stderr.toString()}`);
    wall.get(name)!.push(ms);
    const m = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(res.stderr.toString());
    if (m) cpu.get(name)!.push((Number(m[1]) + Number(m[2])) * 1000);
  }
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const s = (ms: number): string => `${(ms / 1000).toFixed(3)} s`;
process.stdout.write(`${runs} runs each, interleaved${fifo ? ', under chrt -f 10' : ''}; load ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n\n`);
process.stdout.write(`| command | min | median | max |${withCpu ? ' CPU, median |' : ''}\n|---|---|---|---|${withCpu ? '---|' : ''}\n`);
for (const [name, xs] of wall) {
  const c = cpu.get(name)!;
  process.stdout.write(`| \`${name}\` | ${s(Math.min(...xs))} | **${s(median(xs))}** | ${s(Math.max(...xs))} |${withCpu ? ` ${c.length > 0 ? s(median(c)) : '?'} |` : ''}\n`);
}
