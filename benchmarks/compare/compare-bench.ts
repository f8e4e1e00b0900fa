/**
 * compareOutputs (all statistics) against numpy over the same 10 M float32 pairs, in one run.
 *
 *   npx tsc -p . && node dist/benchmarks/compare/compare-bench.js [--n 10000000] [--runs 5]
 *
 * Writes the pairs to a temporary directory, times our side, then runs
 * benchmarks/compare/numpy_baseline.py with /usr/bin/python3 (numpy 1.24) on the same files and
 * prints the median of each and their ratio. Without that interpreter, prints our side only.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { compareOutputs } from '../../src/compare/compare-outputs.js';
import { parseToleranceSpec } from '../../src/compare/tolerance.js';
import { repoRoot } from '../../test/helpers/paths.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const n = option('n', 10_000_000);
const runs = option('runs', 5);

/** Logits-like reference and a TensorRT-like result: relative noise ~1e-4, a few elements off. */
function makePairs(count: number): { first: Float32Array; second: Float32Array } {
  let s = 0x2545f491;
  const next = (): number => {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  const first = new Float32Array(count);
  const second = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const b = (next() + next() + next() - 1.5) * 8;
    second[i] = b;
    first[i] = b * (1 + (next() - 0.5) * 2e-4) + (i % 100_003 === 0 ? 0.01 : 0);
  }
  return { first, second };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const { first, second } = makePairs(n);
const tolerance = parseToleranceSpec({});
const ours: number[] = [];
let summary = '';
for (let r = 0; r < runs; r++) {
  const t0 = performance.now();
  const result = compareOutputs(
    new Map([['logits', { dtype: 'float32', shape: [n], data: first }]]),
    new Map([['logits', { dtype: 'float32', shape: [n], data: second }]]),
    { tolerance, allowNonFinite: false },
  );
  ours.push(performance.now() - t0);
  const o = result.outputs[0]!;
  summary = `passed=${o.passed} mismatched=${o.mismatched} maxAbs=${o.stats?.maxAbs} maxRel=${o.stats?.maxRel} p99=${o.stats?.p99Abs} minAtol=${o.stats?.minAtol} minRtol=${o.stats?.minRtol}`;
}
console.log(`n=${n} float32 pairs, ${runs} runs each, node ${process.version}`);
console.log(`ours : median ${median(ours).toFixed(1)} ms  [${ours.map((t) => t.toFixed(0)).join(', ')}]`);
console.log(`       ${summary}`);

const dir = mkdtempSync(join(tmpdir(), 'trt-parity-bench-'));
try {
  writeFileSync(join(dir, 'first.f32'), new Uint8Array(first.buffer));
  writeFileSync(join(dir, 'second.f32'), new Uint8Array(second.buffer));
  const py = spawnSync('/usr/bin/python3', [join(repoRoot, 'bench', 'compare', 'numpy_baseline.py'), dir, String(runs)], { encoding: 'utf8' });
  if (py.error !== undefined || py.status !== 0) {
    console.log(`numpy: skipped (/usr/bin/python3 with numpy unavailable: ${py.error?.message ?? py.stderr.trim().split('\n').pop()})`);
  } else {
    const numpy = JSON.parse(py.stdout) as { version: string; times_ms: number[]; summary: string };
    const med = median(numpy.times_ms);
    console.log(`numpy: median ${med.toFixed(1)} ms  [${numpy.times_ms.map((t) => t.toFixed(0)).join(', ')}]  (numpy ${numpy.version})`);
    console.log(`       ${numpy.summary}`);
    console.log(`ratio: ours / numpy = ${(median(ours) / med).toFixed(2)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
