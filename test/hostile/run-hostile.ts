/**
 * Runs the hostile-input corpus (corpus.ts) against the compiled CLI and checks every case:
 * no crash, no hang, no stack trace, no internal error; bad input exits 2 or 3 with a line naming
 * the file; folder runs report their good images.
 *
 *   npm run test:hostile                       # every case
 *   node dist/test/hostile/run-hostile.js --sample 40 --jobs 2 --timeout 30 [--kind npy] [--match merge] [--keep]
 *
 * Exit status 0 when every case holds, 1 otherwise (each failure printed with its command line).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { binPath } from '../helpers/paths.js';
import { buildCorpus, type HostileCase } from './corpus.js';

export interface CaseResult {
  readonly case: HostileCase;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly ms: number;
  readonly output: string;
  /** Empty when the case holds. */
  readonly problems: readonly string[];
}

export interface RunOptions {
  readonly jobs?: number;
  readonly timeoutMs?: number;
  /** Take every k-th case of each kind so that about this many run (all when absent). */
  readonly sample?: number;
  readonly kind?: string;
  /** Only cases whose id contains this. */
  readonly match?: string;
  readonly onResult?: (r: CaseResult, done: number, total: number) => void;
}

/** A V8 stack frame line: "    at f (file.js:1:2)" or "    at file.js:1:2". */
const STACK = /^\s+at (?:.+ \()?(?:file:|node:|\/)[^\s)]*:\d+:\d+\)?$/m;
/** Any C0/C1 control character or DEL except the line break. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

export function checkCase(c: HostileCase, code: number | null, signal: NodeJS.Signals | null, timedOut: boolean, output: string): string[] {
  const problems: string[] = [];
  if (timedOut) problems.push('hang: killed after the per-case timeout');
  else if (signal !== null) problems.push(`crash: killed by ${signal}`);
  else if (code === null || code > 3) problems.push(`crash or internal error: exit ${code}`);
  if (STACK.test(output)) problems.push('a stack trace reached the user');
  // Ours: "trt-parity: internal error: ..." (a library's own "Internal error" inside an input message is not one).
  if (/trt-parity: internal error/.test(output)) problems.push('"internal error" printed');
  if (/terminate called|Napi::Error|Segmentation fault|Aborted/.test(output)) problems.push('native abort text printed');
  // NO_COLOR is set and stdout is a pipe: nothing of ours prints a control character but the line break,
  // so one here came from a name or a message (ESC, CR, NUL, a tab...) and reached the terminal raw.
  const raw = RAW_CONTROL.exec(output);
  if (raw) problems.push(`a raw control character ${JSON.stringify(raw[0])} reached the user: ${JSON.stringify(output.slice(Math.max(0, raw.index - 40), raw.index + 20))}`);
  if (timedOut || signal !== null) return problems;
  if (c.expect === 'bad') {
    if (code !== 2 && code !== 3) problems.push(`bad input accepted: exit ${code}, expected 2 or 3`);
    // Exit 3 ("this backend cannot run here", no TensorRT on a CPU machine) names the file too: the engine that needed it.
    if (c.names !== undefined && !output.split('\n').some((l) => l.includes(c.names!) || l.includes(escapedForm(c.names!)))) {
      problems.push(`no output line names ${JSON.stringify(c.names)}`);
    }
  }
  if (c.expect === 'folder') problems.push(...checkFolder(c));
  return problems;
}

/** How a name with control characters may be printed once escaped (JSON-style escapes). */
function escapedForm(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

function checkFolder(c: HostileCase): string[] {
  let report: { items?: { key: string; status: string }[] };
  try {
    report = JSON.parse(readFileSync(c.json!, 'utf8')) as typeof report;
  } catch (e) {
    return [`no JSON report written (${(e as Error).message})`];
  }
  const status = new Map((report.items ?? []).map((i) => [i.key, i.status] as const));
  const problems: string[] = [];
  for (const k of c.good ?? []) if (status.get(k) !== 'pass') problems.push(`good image ${k} not reported as pass (${status.get(k) ?? 'missing'})`);
  for (const k of c.broken ?? []) if (status.get(k) !== 'error') problems.push(`bad entry ${k} not reported as an error row (${status.get(k) ?? 'missing'})`);
  return problems;
}

/** The CLI under test: the built command (the bundle, as installed), or TRT_PARITY_HOSTILE_CLI (a snapshot of dist/, so a rebuild during a long run cannot change it). */
export function hostileCli(): string {
  return process.env['TRT_PARITY_HOSTILE_CLI'] ?? binPath;
}

function runOne(c: HostileCase, timeoutMs: number): Promise<CaseResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const env = { ...process.env };
    delete env['TRT_PARITY_DEBUG'];
    const child = spawn(process.execPath, [hostileCli(), ...c.args], { env: { ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (d: Buffer): void => {
      if (output.length < 200_000) output += d.toString('utf8');
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { case: c, code, signal: timedOut ? null : signal, timedOut, ms: Date.now() - started, output };
      resolve({ ...result, problems: checkCase(c, code, result.signal, timedOut, output) });
    });
  });
}

/** Every k-th case of each kind, so that about `n` run and every kind is represented. */
export function sampleCases(cases: readonly HostileCase[], n: number): HostileCase[] {
  const step = Math.max(1, Math.floor(cases.length / n));
  const byKind = new Map<string, HostileCase[]>();
  for (const c of cases) byKind.set(c.kind, [...(byKind.get(c.kind) ?? []), c]);
  const out: HostileCase[] = [];
  for (const list of byKind.values()) {
    const take = Math.max(1, Math.round(list.length / step));
    const stride = list.length / take;
    for (let i = 0; i < take; i++) out.push(list[Math.floor(i * stride + stride / 2)]!);
  }
  return out;
}

export async function runHostile(dir: string, options: RunOptions = {}): Promise<{ results: CaseResult[]; total: number }> {
  const corpus = await buildCorpus(dir);
  try {
    let cases = [...corpus.cases];
    if (options.kind) cases = cases.filter((c) => c.kind === options.kind);
    if (options.match) cases = cases.filter((c) => c.id.includes(options.match!));
    const total = corpus.cases.length;
    if (options.sample !== undefined) cases = sampleCases(cases, options.sample);
    const jobs = options.jobs ?? Math.max(1, Math.min(4, cpus().length));
    const timeoutMs = options.timeoutMs ?? 30_000;
    const results: CaseResult[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < cases.length) {
        const c = cases[next++]!;
        const r = await runOne(c, timeoutMs);
        results.push(r);
        options.onResult?.(r, results.length, cases.length);
      }
    };
    await Promise.all(Array.from({ length: jobs }, worker));
    return { results, total };
  } finally {
    await corpus.close();
  }
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop()!);
if (invokedDirectly) {
  const dir = mkdtempSync(join(tmpdir(), 'trt-parity-hostile-'));
  const started = Date.now();
  const sample = arg('--sample');
  const kind = arg('--kind');
  const match = arg('--match');
  const { results, total } = await runHostile(dir, {
    ...(sample ? { sample: Number(sample) } : {}),
    ...(kind ? { kind } : {}),
    ...(match ? { match } : {}),
    jobs: Number(arg('--jobs') ?? Math.max(1, Math.min(4, cpus().length))),
    timeoutMs: Number(arg('--timeout') ?? 30) * 1000,
    onResult: (r, done, n) => {
      if (r.problems.length > 0) process.stdout.write(`FAIL ${r.case.id}\n  trt-parity ${r.case.args.map((a) => JSON.stringify(a)).join(' ')}\n  exit ${r.code}${r.signal ? ` signal ${r.signal}` : ''} in ${r.ms} ms\n${r.problems.map((p) => `  - ${p}\n`).join('')}${r.output.split('\n').slice(0, 6).map((l) => `  | ${l.slice(0, 300)}\n`).join('')}`);
      else if (done % 50 === 0) process.stdout.write(`  ${done}/${n} cases\n`);
    },
  });
  const failed = results.filter((r) => r.problems.length > 0);
  const count = (pred: (r: CaseResult) => boolean): number => results.filter(pred).length;
  const byKind = new Map<string, [number, number]>();
  for (const r of results) {
    const [n, f] = byKind.get(r.case.kind) ?? [0, 0];
    byKind.set(r.case.kind, [n + 1, f + (r.problems.length > 0 ? 1 : 0)]);
  }
  const exits = new Map<string, number>();
  for (const r of results) exits.set(String(r.code), (exits.get(String(r.code)) ?? 0) + 1);
  const slowest = [...results].sort((a, b) => b.ms - a.ms)[0];
  process.stdout.write([
    `hostile corpus: ${results.length} of ${total} cases run in ${((Date.now() - started) / 1000).toFixed(0)} s`,
    `  by kind: ${[...byKind].map(([k, [n, f]]) => `${k} ${n}${f ? ` (${f} failing)` : ''}`).join(', ')}`,
    `  exit codes: ${[...exits].sort().map(([c, n]) => `${c}: ${n}`).join(', ')}`,
    `  hangs ${count((r) => r.timedOut)}, crashes ${count((r) => !r.timedOut && (r.signal !== null || r.code === null || r.code > 3))}, stack traces ${count((r) => STACK.test(r.output))}, internal errors ${count((r) => /trt-parity: internal error/.test(r.output))}`,
    `  slowest case: ${slowest?.case.id} ${slowest?.ms} ms`,
    `  ${failed.length} case${failed.length === 1 ? '' : 's'} failing`,
    '',
  ].join('\n'));
  if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  else process.stdout.write(`corpus kept in ${dir}\n`);
  process.exitCode = failed.length > 0 ? 1 : 0;
}
