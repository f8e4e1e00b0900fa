/**
 * Signals against a real folder run (the compiled CLI on 400 tiny PNGs through the affine fixture):
 * SIGINT once finishes the input in flight, SIGINT twice and SIGTERM stop at once; every time the
 * text, --json, --junit and --jsonl reports are written, they say "interrupted" and by which signal,
 * and the --save-outputs folder gets a valid manifest of exactly the entries reported. Also two runs
 * saving into one folder at once: the second is refused naming the first.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeNpy } from '../../src/tensor/npy.js';
import { binPath, fixture } from '../helpers/paths.js';
import { pngOf } from './corpus.js';

const AFFINE = fixture('models', 'affine.onnx');
let dir: string;
let folder: string;
const N = 400;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'signals-'));
  folder = join(dir, 'images');
  mkdirSync(folder);
  for (let i = 0; i < N; i++) writeFileSync(join(folder, `img${String(i).padStart(4, '0')}.png`), pngOf(8, 8, i));
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  readonly child: ChildProcess;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }>;
}

function start(args: readonly string[]): Run {
  const child = spawn(process.execPath, [binPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stderr, stdout }));
  });
  return { child, done };
}

function lines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l !== '') : [];
}

async function waitFor(cond: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function interruptedRun(name: string, signals: readonly NodeJS.Signals[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string; out: string }> {
  const out = join(dir, name);
  mkdirSync(out);
  const run = start(['compare', AFFINE, AFFINE, folder, '--json', join(out, 'r.json'), '--junit', join(out, 'r.xml'), '--jsonl', join(out, 'r.jsonl'), '--save-outputs', join(out, 'saved')]);
  await waitFor(() => lines(join(out, 'r.jsonl')).length >= 3);
  for (const s of signals) {
    run.child.kill(s);
    await new Promise((r) => setTimeout(r, 30));
  }
  const r = await run.done;
  return { code: r.code, signal: r.signal, stderr: r.stderr, stdout: r.stdout, out };
}

/**
 * "Exit 130/143" as a shell sees it: the exit code itself, or death by the signal (128 + its number),
 * which is how the command ends when an inference is still running on another thread (cli/interrupt.ts).
 */
function assertStoppedBy(r: { code: number | null; signal: NodeJS.Signals | null; stderr: string }, sig: 'SIGINT' | 'SIGTERM'): void {
  const code = sig === 'SIGINT' ? 130 : 143;
  assert.ok(r.code === code || (r.code === null && r.signal === sig), `code ${r.code} signal ${r.signal}: ${r.stderr}`);
}

function checkReports(out: string, signal: 'SIGINT' | 'SIGTERM', code: number): void {
  const report = JSON.parse(readFileSync(join(out, 'r.json'), 'utf8'));
  assert.equal(report.interrupted, true);
  assert.equal(report.interruptedBy, signal);
  assert.equal(report.summary.exitCode, code);
  const ran = report.items.length;
  assert.ok(ran >= 3 && ran < N, `${ran} items`);
  assert.equal(report.summary.skipped, N - ran);
  assert.match(readFileSync(join(out, 'r.xml'), 'utf8'), /<testsuites/);
  const jl = lines(join(out, 'r.jsonl')).map((l) => JSON.parse(l));
  assert.equal(jl.at(-1).type, 'summary');
  assert.equal(jl.at(-1).interruptedBy, signal);
  assert.equal(jl.filter((l) => l.type === 'item').length, ran);
  // The saved run: a valid manifest listing exactly the inputs reported; no lock or journal left.
  const m = JSON.parse(readFileSync(join(out, 'saved', 'manifest.json'), 'utf8'));
  assert.deepEqual(Object.keys(m.entries).sort(), report.items.map((i: { key: string }) => i.key).sort());
  assert.equal(existsSync(join(out, 'saved', '.trt-parity.lock')), false);
  assert.equal(existsSync(join(out, 'saved', '.trt-parity-journal.jsonl')), false);
}

test('SIGINT once: the input in flight finishes, every report is written, exit 130', { timeout: 120_000 }, async () => {
  const r = await interruptedRun('int1', ['SIGINT']);
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /finishing the current input/);
  assert.doesNotMatch(r.stderr, /terminate called|Napi::Error|internal error/);
  checkReports(r.out, 'SIGINT', 130);
});

test('SIGINT twice: stops at once during a long inference, still writes the report, exit 130', { timeout: 120_000 }, async () => {
  // The second Ctrl-C must arrive while an input is still running: a folder of small images can finish
  // its input in flight between two signals on a quiet machine. slow-matmul takes seconds per input.
  const n = 1600;
  const x = join(dir, 'x2.npy');
  writeFileSync(x, writeNpy({ dtype: 'float32', shape: [n, n], data: new Float32Array(n * n).fill(0.001) }));
  const json = join(dir, 'int2.json');
  const run = start(['compare', fixture('models', 'slow-matmul.onnx'), fixture('models', 'slow-matmul.onnx'), '--input', `x=${x}`, '--threads', '1', '--json', json]);
  await new Promise((r) => setTimeout(r, 2500));
  run.child.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 200));
  const sent = Date.now();
  run.child.kill('SIGINT');
  const r = await run.done;
  assertStoppedBy(r, 'SIGINT');
  assert.ok(Date.now() - sent < 5000, 'left at once');
  assert.match(r.stderr, /interrupted again; stopping now/);
  assert.doesNotMatch(r.stderr, /terminate called|Napi::Error|internal error/);
  const report = JSON.parse(readFileSync(json, 'utf8'));
  assert.equal(report.interrupted, true);
  assert.equal(report.interruptedBy, 'SIGINT');
  assert.equal(report.summary.exitCode, 130);
});

test('SIGTERM: stops at once, writes every report and the manifest, exit 143', { timeout: 120_000 }, async () => {
  const r = await interruptedRun('term', ['SIGTERM']);
  assertStoppedBy(r, 'SIGTERM');
  assert.match(r.stdout, /INTERRUPTED by SIGTERM .* \[exit 143\]/);
  checkReports(r.out, 'SIGTERM', 143);
});

test('SIGTERM during a long inference leaves without waiting for it', { timeout: 120_000 }, async () => {
  // slow-matmul: y = x^9 by 8 MatMuls; n = 1600 is about 65 GFLOP, many seconds on one thread.
  const n = 1600;
  const x = join(dir, 'x.npy');
  writeFileSync(x, writeNpy({ dtype: 'float32', shape: [n, n], data: new Float32Array(n * n).fill(0.001) }));
  const json = join(dir, 'slow.json');
  const run = start(['compare', fixture('models', 'slow-matmul.onnx'), fixture('models', 'slow-matmul.onnx'), '--input', `x=${x}`, '--threads', '1', '--json', json]);
  await new Promise((r) => setTimeout(r, 2500));
  const sent = Date.now();
  run.child.kill('SIGTERM');
  const r = await run.done;
  const waited = Date.now() - sent;
  // An inference still runs on ONNX Runtime's thread: the command writes its reports, then ends by the
  // signal itself (a shell reports 143), rather than exit() under a native call (which aborted: 134).
  assertStoppedBy(r, 'SIGTERM');
  assert.doesNotMatch(r.stderr, /terminate called/);
  assert.ok(waited < 5000, `exited ${waited} ms after SIGTERM`);
  const report = JSON.parse(readFileSync(json, 'utf8'));
  assert.equal(report.interruptedBy, 'SIGTERM');
});

test('two runs saving into one folder at once: the second is refused naming the first; the first finishes', { timeout: 120_000 }, async () => {
  const saved = join(dir, 'shared');
  const first = start(['compare', AFFINE, AFFINE, folder, '--save-outputs', saved]);
  await waitFor(() => existsSync(join(saved, '.trt-parity.lock')));
  const second = await start(['compare', AFFINE, AFFINE, folder, '--save-outputs', saved]).done;
  assert.equal(second.code, 2, second.stderr);
  assert.match(second.stderr, new RegExp(`trt-parity: ${saved}: trt-parity \\(pid ${first.child.pid} on `));
  const r = await first.done;
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(readFileSync(join(saved, 'manifest.json'), 'utf8'));
  assert.equal(Object.keys(m.entries).length, N);
});
