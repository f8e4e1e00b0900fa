/**
 * Decode + resize + normalise per image, each --pipeline against the same Python code (Pillow / OpenCV +
 * numpy, benchmarks/preprocess/pipelines_python.py), side by side in one run with interleaved rounds,
 * on 1920x1080 and 640x480 JPEGs made from the fixture photos in a temporary folder (nothing committed).
 *
 * Run after `npx tsc -p .`:
 *   node dist/benchmarks/preprocess/pipelines.js [--python PATH] [--rounds 7] [--copies 2]
 * PATH is a Python with numpy, Pillow and opencv-python-headless (default: python3 on PATH).
 * Targets: 224x224 for pil / torchvision / opencv / sharp, 640x640 for ultralytics (its usual size).
 * Per round and case, the ratio is Python's mean time per image over ours; the table gives the
 * min / median / max of those ratios over the rounds and the median time per image of each side.
 * `sharp` is ours with --pipeline sharp, compared with the Python code of `pil`.
 * Besides wall time, each side's process CPU time per image (every thread: sharp's libuv workers,
 * cv2's threads) is recorded: on a loaded machine it is the steadier measure of the work done.
 * Two ways of timing ours: `latency`, one image at a time (decode, then resize, then normalise); and
 * `folder`, two images in flight, as compare and bench prefetch the next input: sharp decodes one in
 * libuv's pool while the main thread resizes the other. Python runs one image at a time in both.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

import { loadImageTensor } from '../../src/image/image-tensor.js';
import { resolvePreprocessSpec } from '../../src/image/preprocess-spec.js';
import type { PipelineName } from '../../src/image/preprocess-spec.js';

const { values } = parseArgs({
  options: {
    python: { type: 'string', default: 'python3' },
    rounds: { type: 'string', default: '7' },
    copies: { type: 'string', default: '2' },
  },
});
const rounds = Number(values.rounds);
const copies = Number(values.copies);

interface Case { readonly ours: PipelineName; readonly python: Exclude<PipelineName, 'sharp'>; readonly size: number }
const CASES: readonly Case[] = [
  { ours: 'pil', python: 'pil', size: 224 },
  { ours: 'torchvision', python: 'torchvision', size: 224 },
  { ours: 'opencv', python: 'opencv', size: 224 },
  { ours: 'ultralytics', python: 'ultralytics', size: 640 },
  { ours: 'sharp', python: 'pil', size: 224 },
];
const SOURCES = [{ name: '1920x1080', width: 1920, height: 1080 }, { name: '640x480', width: 640, height: 480 }];

const median = (v: number[]): number => { const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };
const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

/** The Python worker: one JSON request per line, one JSON answer per line. */
async function startPython(python: string): Promise<{ info: Record<string, unknown>; run: (p: string, size: number, files: string[]) => Promise<{ ms: number[]; cpu: number }>; stop: () => void }> {
  const child = spawn(python, [join(import.meta.dirname, '..', '..', '..', 'benchmarks', 'preprocess', 'pipelines_python.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const r = await lines.next();
    if (r.done) throw new Error(`${python} pipelines_python.py exited`);
    return JSON.parse(r.value) as Record<string, unknown>;
  };
  const info = await next();
  return {
    info,
    run: async (pipeline, size, files) => {
      child.stdin.write(`${JSON.stringify({ pipeline, size: [size, size], files })}\n`);
      const r = await next();
      return { ms: r['ms'] as number[], cpu: r['cpu'] as number };
    },
    stop: () => child.stdin.end(),
  };
}

const work = await mkdtemp(join(tmpdir(), 'trt-parity-pipelines-'));
try {
  const photosDir = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'images', 'photos');
  const photos = (await readdir(photosDir)).filter((f) => f.endsWith('.jpg')).sort();
  const files = new Map<string, string[]>();
  for (const s of SOURCES) {
    const list: string[] = [];
    for (const photo of photos) {
      for (let k = 0; k < copies; k++) {
        const out = join(work, `${photo.replace('.jpg', '')}-${s.name}-${k}.jpg`);
        let img = sharp(join(photosDir, photo)).resize(s.width, s.height, { fit: 'fill', kernel: 'lanczos3' });
        if (k % 2 === 1) img = img.flop();
        await img.jpeg({ quality: 90 }).toFile(out);
        list.push(out);
      }
    }
    files.set(s.name, list);
  }
  const py = await startPython(values.python);
  console.log(`Python: ${JSON.stringify(py.info)}; Node ${process.version}, sharp.concurrency()=${sharp.concurrency()}`);
  console.log(`${photos.length * copies} JPEGs (q90) per source size, ${rounds} interleaved rounds, one image at a time\n`);

  const inputOf = (c: Case) => ({ name: 'x', layout: 'nchw' as const, dtype: 'float32' as const, size: { height: c.size, width: c.size } });
  const ours = async (c: Case, list: string[]): Promise<{ ms: number[]; cpu: number }> => {
    const spec = resolvePreprocessSpec({ pipeline: c.ours });
    const ms: number[] = [];
    const c0 = process.cpuUsage();
    for (const f of list) {
      const t0 = performance.now();
      await loadImageTensor(f, inputOf(c), spec);
      ms.push(performance.now() - t0);
    }
    const used = process.cpuUsage(c0);
    return { ms, cpu: (used.user + used.system) / 1000 / list.length };
  };
  /** Mean time per image with two loads in flight (the prefetch of compare/bench). */
  const oursFolder = async (c: Case, list: string[]): Promise<number> => {
    const spec = resolvePreprocessSpec({ pipeline: c.ours });
    const t0 = performance.now();
    let next = 0;
    const lane = async (): Promise<void> => { while (next < list.length) await loadImageTensor(list[next++]!, inputOf(c), spec); };
    await Promise.all([lane(), lane()]);
    return (performance.now() - t0) / list.length;
  };

  // Warm-up of both sides on every case (JIT, caches, lazy imports).
  for (const s of SOURCES) for (const c of CASES) { await ours(c, files.get(s.name)!); await py.run(c.python, c.size, files.get(s.name)!); }

  const results = new Map<string, { ratios: number[]; folderRatios: number[]; cpuRatios: number[]; ours: number[]; folder: number[]; python: number[]; oursCpu: number[]; pythonCpu: number[] }>();
  for (let r = 0; r < rounds; r++) {
    for (const s of SOURCES) {
      for (const c of CASES) {
        const key = `${s.name}|${c.ours}`;
        const list = files.get(s.name)!;
        // Alternate which side goes first, so neither always runs on a cooler machine.
        let a: { ms: number[]; cpu: number };
        let b: { ms: number[]; cpu: number };
        let f: number;
        if (r % 2 === 0) {
          a = await ours(c, list); f = await oursFolder(c, list); b = await py.run(c.python, c.size, list);
        } else {
          b = await py.run(c.python, c.size, list); f = await oursFolder(c, list); a = await ours(c, list);
        }
        const e = results.get(key) ?? { ratios: [], folderRatios: [], cpuRatios: [], ours: [], folder: [], python: [], oursCpu: [], pythonCpu: [] };
        e.ratios.push(mean(b.ms) / mean(a.ms));
        e.folderRatios.push(mean(b.ms) / f);
        e.cpuRatios.push(b.cpu / a.cpu);
        e.ours.push(...a.ms);
        e.folder.push(f);
        e.python.push(...b.ms);
        e.oursCpu.push(a.cpu);
        e.pythonCpu.push(b.cpu);
        results.set(key, e);
      }
    }
  }
  py.stop();

  const mmm = (v: number[]): string => `${Math.min(...v).toFixed(2)} / ${median(v).toFixed(2)} / ${Math.max(...v).toFixed(2)}`;
  console.log('| source | --pipeline | target | Python, ms/image | ours one at a time | Python / ours (min / median / max) | ours, 2 in flight | Python / ours 2 in flight | CPU ms/image Python / ours | CPU ratio (min / median / max) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const s of SOURCES) {
    for (const c of CASES) {
      const e = results.get(`${s.name}|${c.ours}`)!;
      const vs = c.ours === 'sharp' ? ' (vs pil code)' : '';
      console.log(`| ${s.name} | ${c.ours}${vs} | ${c.size}x${c.size} | ${median(e.python).toFixed(1)} | ${median(e.ours).toFixed(1)} | ${mmm(e.ratios)} | ${median(e.folder).toFixed(1)} | ${mmm(e.folderRatios)} | ${median(e.pythonCpu).toFixed(1)} / ${median(e.oursCpu).toFixed(1)} | ${mmm(e.cpuRatios)} |`);
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
