/**
 * The Pillow-exact resize alone (`resizeBilinearPil`, src/image/resize-pil.ts) against Pillow's own C
 * (`img.resize((W, H), Image.BILINEAR)`, benchmarks/preprocess/resize_kernels.py), in process CPU time
 * per resize, side by side with interleaved rounds (the side going first alternates). Decoding is not
 * timed: both sides resize the same RGB pixels (a fixture photo stretched to the source size by sharp,
 * written to a temporary raw file), and each round checks that both made the same bytes.
 *
 * Run after `npx tsc -p .`:
 *   node dist/benchmarks/preprocess/resize-kernels.js [--python PATH] [--rounds 9] [--ms 300] [--ts]
 * PATH is a Python with Pillow (default: python3 on PATH). Each side runs each case for about --ms
 * milliseconds per round. Columns: ours (the default kernel: WebAssembly SIMD128 where it runs), the
 * scalar WebAssembly build (the fallback where SIMD128 does not validate) and, with --ts, the
 * TypeScript passes (the last fallback). Ratio = Pillow's CPU per resize ÷ ours (above 1: we are
 * faster), min / median / max over the rounds. CPU time rather than wall time, because on a shared
 * machine the wall clock measures the other jobs too.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

import { resizeBilinearPil } from '../../src/image/resize-pil.js';
import type { PilResizeKernel } from '../../src/image/resize-pil.js';

const { values } = parseArgs({
  options: {
    python: { type: 'string', default: 'python3' },
    rounds: { type: 'string', default: '9' },
    ms: { type: 'string', default: '300' },
    ts: { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const budgetMs = Number(values.ms);

const CASES = [
  { w: 1920, h: 1080, W: 224, H: 224 },
  { w: 640, h: 480, W: 224, H: 224 },
  { w: 1920, h: 1080, W: 640, H: 360 },
] as const;
const kernels: readonly PilResizeKernel[] = values.ts ? ['auto', 'scalar', 'ts'] : ['auto', 'scalar'];

const root = join(import.meta.dirname, '..', '..', '..');
const sorted = (v: readonly number[]) => [...v].sort((a, b) => a - b);
const median = (v: readonly number[]) => sorted(v)[Math.floor(v.length / 2)]!;
const spread = (v: readonly number[]) => {
  const s = sorted(v);
  return `${s[0]!.toFixed(2)} / **${median(s).toFixed(2)}** / ${s.at(-1)!.toFixed(2)}`;
};

/** CPU ms per call of `f` over about `budgetMs` of CPU (after one warm-up call). */
function cpuPerCall(f: () => Uint8Array, reps: number): number {
  f();
  const t0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) f();
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / 1000 / reps;
}

const python = spawn(values.python, [join(root, 'benchmarks', 'preprocess', 'resize_kernels.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: python.stdout })[Symbol.asyncIterator]();
const next = async (): Promise<Record<string, unknown>> => {
  const r = await lines.next();
  if (r.done) throw new Error(`${values.python} resize_kernels.py exited (is Pillow installed?)`);
  return JSON.parse(r.value) as Record<string, unknown>;
};
const pythonRun = async (file: string, c: (typeof CASES)[number], reps: number) => {
  python.stdin.write(`${JSON.stringify({ file, size: [c.w, c.h], target: [c.W, c.H], reps })}\n`);
  const r = await next();
  return { cpu: r['cpu'] as number, sha256: r['sha256'] as string };
};

const work = await mkdtemp(join(tmpdir(), 'trt-parity-resize-kernels-'));
try {
  const versions = await next();
  const sources = new Map<string, { file: string; data: Uint8Array }>();
  for (const c of CASES) {
    const key = `${c.w}x${c.h}`;
    if (sources.has(key)) continue;
    const data = await sharp(join(root, 'fixtures', 'images', 'photos', 'astronaut.jpg')).resize(c.w, c.h, { fit: 'fill' }).removeAlpha().raw().toBuffer();
    const file = join(work, `${key}.rgb`);
    await writeFile(file, data);
    sources.set(key, { file, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
  }
  // Repetitions per round from one timed call of each side, so each runs about budgetMs per round.
  const reps = new Map<string, { python: number; ours: Map<PilResizeKernel, number> }>();
  for (const c of CASES) {
    const src = sources.get(`${c.w}x${c.h}`)!;
    const p = await pythonRun(src.file, c, 3);
    const ours = new Map(kernels.map((k) => [k, Math.max(3, Math.round(budgetMs / cpuPerCall(() => resizeBilinearPil({ data: src.data, width: c.w, height: c.h }, c.W, c.H, k), 3)))] as const));
    reps.set(`${c.w}x${c.h}>${c.W}x${c.H}`, { python: Math.max(3, Math.round(budgetMs / p.cpu)), ours });
  }
  const results = CASES.map(() => ({ pillow: [] as number[], ours: new Map(kernels.map((k) => [k, [] as number[]])), same: true }));
  for (let round = 0; round < rounds; round++) {
    for (const [i, c] of CASES.entries()) {
      const src = sources.get(`${c.w}x${c.h}`)!;
      const n = reps.get(`${c.w}x${c.h}>${c.W}x${c.H}`)!;
      const runOurs = () => {
        for (const k of kernels) {
          let out: Uint8Array = new Uint8Array(0);
          results[i]!.ours.get(k)!.push(cpuPerCall(() => (out = resizeBilinearPil({ data: src.data, width: c.w, height: c.h }, c.W, c.H, k)), n.ours.get(k)!));
          oursHash.set(k, createHash('sha256').update(out).digest('hex'));
        }
      };
      const oursHash = new Map<PilResizeKernel, string>();
      let pillow: { cpu: number; sha256: string };
      if (round % 2 === 0) {
        runOurs();
        pillow = await pythonRun(src.file, c, n.python);
      } else {
        pillow = await pythonRun(src.file, c, n.python);
        runOurs();
      }
      results[i]!.pillow.push(pillow.cpu);
      for (const h of oursHash.values()) if (h !== pillow.sha256) results[i]!.same = false;
    }
    process.stderr.write(`round ${round + 1}/${rounds}\n`);
  }

  console.log(`Pillow ${String(versions['pillow'])} (Python ${String(versions['python'])}) vs Node ${process.versions.node}; ${rounds} interleaved rounds, ~${budgetMs} ms of CPU per side, case and round.`);
  console.log('CPU ms per resize are medians; ratio = Pillow ÷ ours per round, min / median / max (above 1: ours is faster).\n');
  const label = (k: PilResizeKernel) => (k === 'auto' ? 'ours (SIMD128)' : k === 'scalar' ? 'scalar wasm' : 'TypeScript');
  console.log(`| source → target | Pillow ms | ${kernels.map((k) => `${label(k)} ms | ratio`).join(' | ')} | same bytes |`);
  console.log(`|---|---|${kernels.map(() => '---|---').join('|')}|---|`);
  for (const [i, c] of CASES.entries()) {
    const r = results[i]!;
    const cols = kernels.map((k) => {
      const ours = r.ours.get(k)!;
      return `${median(ours).toFixed(2)} | ${spread(r.pillow.map((p, j) => p / ours[j]!))}`;
    });
    console.log(`| ${c.w}x${c.h} → ${c.W}x${c.H} | ${median(r.pillow).toFixed(2)} | ${cols.join(' | ')} | ${r.same ? 'yes' : 'NO'} |`);
  }
  if (results.some((r) => !r.same)) process.exitCode = 1;
} finally {
  python.stdin.end();
  await rm(work, { recursive: true, force: true });
}
