/**
 * The cv2-exact INTER_LINEAR resize alone (the `opencv` and `ultralytics` pipelines' kernel): our
 * TypeScript reference, our WebAssembly SIMD128 kernel, and cv2.resize itself (one thread, and
 * OpenCV's default thread count), side by side with interleaved rounds.
 *
 * Run after `npx tsc -p .`:
 *   node dist/benchmarks/preprocess/resize-cv-kernels.js [--python PATH] [--rounds 7] [--calls 40]
 * PATH is a Python with numpy and opencv-python-headless (default: python3 on PATH); its side is
 * benchmarks/preprocess/resize_cv_kernels.py. The machine is shared, so the measure is process CPU
 * time per call (every thread counted: cv2's pool works on several); wall time is printed beside it.
 * Per round and case, a ratio is cv2's CPU time per call over ours; the table gives min / median / max
 * over the rounds. Sources are seeded random images (the kernels' cost does not depend on the values).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

import { resizeLinearCv, resizeLinearCvTs } from '../../src/image/resize-cv.js';
import { cvKernelAvailable } from '../../src/image/wasm-kernel-cv.js';
import { noise } from '../../test/helpers/noise.js';

const { values } = parseArgs({
  options: {
    python: { type: 'string', default: 'python3' },
    rounds: { type: 'string', default: '7' },
    calls: { type: 'string', default: '40' },
  },
});
const rounds = Number(values.rounds);
const calls = Number(values.calls);

/** [source w, h, target W, H]: the pipelines' usual cases (1080p -> 640x360 is ultralytics' letterbox resize). */
const CASES: readonly (readonly [number, number, number, number])[] = [
  [1920, 1080, 224, 224], [1920, 1080, 640, 360], [640, 480, 224, 224], [1280, 720, 640, 360], [224, 224, 640, 640],
];

const median = (v: number[]): number => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };
const mmm = (v: number[]): string => `${Math.min(...v).toFixed(2)} / ${median(v).toFixed(2)} / ${Math.max(...v).toFixed(2)}`;

type Timing = { cpu: number; wall: number };

async function startPython(python: string): Promise<{ info: unknown; run: (src: [number, number], dst: [number, number], threads: number | null) => Promise<Timing>; stop: () => void }> {
  const child = spawn(python, [join(import.meta.dirname, '..', '..', '..', 'benchmarks', 'preprocess', 'resize_cv_kernels.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<unknown> => {
    const r = await lines.next();
    if (r.done) throw new Error(`${python} resize_cv_kernels.py exited`);
    return JSON.parse(r.value);
  };
  const info = await next();
  return {
    info,
    run: async (src, dst, threads) => {
      child.stdin.write(`${JSON.stringify({ src, dst, threads, n: calls })}\n`);
      return (await next()) as Timing;
    },
    stop: () => child.stdin.end(),
  };
}

function ours(kernel: typeof resizeLinearCv, w: number, h: number, W: number, H: number, data: Uint8Array): Timing {
  const src = { data, width: w, height: h };
  kernel(src, W, H);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) kernel(src, W, H);
  const wall = (performance.now() - t0) / calls;
  const used = process.cpuUsage(c0);
  return { cpu: (used.user + used.system) / 1000 / calls, wall };
}

const py = await startPython(values.python);
console.log(`Python: ${JSON.stringify(py.info)}; Node ${process.version}; WebAssembly SIMD kernel: ${cvKernelAvailable() ? 'yes' : 'NO (TypeScript fallback)'}`);
console.log(`${rounds} interleaved rounds of ${calls} calls per case; CPU ms per call (median), ratios cv2 CPU / ours (min / median / max)\n`);

const sides = ['ts', 'wasm', 'cv1', 'cvN'] as const;
type Side = (typeof sides)[number];
const results = new Map<string, Record<Side, Timing[]>>();
const images = new Map<string, Uint8Array>();
for (let r = 0; r < rounds; r++) {
  for (const [w, h, W, H] of CASES) {
    const key = `${w}x${h} -> ${W}x${H}`;
    const data = images.get(`${w}x${h}`) ?? noise(w * h * 3, w * 7 + h);
    images.set(`${w}x${h}`, data);
    const e = results.get(key) ?? { ts: [], wasm: [], cv1: [], cvN: [] };
    const order: Side[] = r % 2 === 0 ? [...sides] : [...sides].reverse();
    for (const side of order) {
      if (side === 'ts') e.ts.push(ours(resizeLinearCvTs, w, h, W, H, data));
      else if (side === 'wasm') e.wasm.push(ours(resizeLinearCv, w, h, W, H, data));
      else e[side].push(await py.run([h, w], [H, W], side === 'cv1' ? 1 : null));
    }
    results.set(key, e);
  }
}
py.stop();

console.log('| resize | TypeScript ms | WebAssembly ms | cv2 1 thread ms | cv2 default ms (wall) | TS / WASM | cv2 1 thread / WASM | cv2 default / WASM |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [key, e] of results) {
  const cpu = (s: Side) => e[s].map((t) => t.cpu);
  const ratio = (a: Side, b: Side) => e[a].map((t, i) => t.cpu / e[b][i]!.cpu);
  console.log(`| ${key} | ${median(cpu('ts')).toFixed(2)} | ${median(cpu('wasm')).toFixed(2)} | ${median(cpu('cv1')).toFixed(2)} | ${median(cpu('cvN')).toFixed(2)} (${median(e.cvN.map((t) => t.wall)).toFixed(2)}) | ${mmm(ratio('ts', 'wasm'))} | ${mmm(ratio('cv1', 'wasm'))} | ${mmm(ratio('cvN', 'wasm'))} |`);
}
