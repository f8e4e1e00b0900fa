// `--device N` through the CLI with the TensorRT double (issue 6), on whatever GPUs are here: one is enough.
//
// - compare on device 0 passes (exit 0), and the double's trace shows that the engine was deserialized,
//   got its context and ran every enqueueV3 with device 0 current, on buffers that live on device 0;
// - a device that does not exist (--device 1 on a one-GPU machine; --device <count> in general) makes
//   compare, inspect and doctor exit 3 with one line naming the devices that do exist, and no stack trace;
// - with two GPUs or more, compare on the last device passes and its trace shows that device on every
//   call: on device 0 the trace cannot tell "set to 0" from "never set" (0 is CUDA's default), on the
//   last device it can, so this is the check that the worker threads select the engine's device.
//
// The double (test/doubles/trt-double) records the device fields in its trace: `cur-device=N`
// (cudaGetDevice on the calling thread) on deserializeCudaEngine, createExecutionContext and enqueueV3,
// and `ptr-device=N` (cudaPointerGetAttributes) on set*TensorAddress. Each CLI run gets a trace file of
// its own; the lines are then appended to the suite's $TRT_DOUBLE_TRACE so its coverage check sees them.
//
// Skips like tensorrt-double.test.ts (the reason is printed). With the fake-CUDA addon and
// TRT_DOUBLE_CPU_ONLY=1 (docs/gpu-runs.md, "Dry run") the missing-device tests run; those needing results skip.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { doublePresets } from '../doubles/double-engine.js';
import { fixture } from '../helpers/paths.js';
import { cliContext, computeSkip, doubleSetup, EngineDir, runCli, type CliRun } from './helpers.js';

const { setup, skip } = await doubleSetup();
if (skip) console.log(`device selection tests skipped: ${skip}`);
const noCompute = computeSkip(setup);
const devices = setup?.runtime.devices ?? [];
const lastDevice = devices.at(-1)?.index ?? 0;
const multiSkip = devices.length >= 2 ? false : `needs 2 GPUs, found ${devices.length}`;
if (!skip && multiSkip) console.log(`device selection: the last-device test skipped: ${multiSkip}`);

const TRACE_ENV = 'TRT_DOUBLE_TRACE';
/** affine.onnx's constants (scripts/make-fixture-models.ts: AFFINE_A, AFFINE_B), so the twin engine computes the same. */
const ONNX_A = [0.5, 1.7, -3.25];
const ONNX_B = [0.1, -0.2, 0.3];
const model = fixture('models', 'affine.onnx');
const photos = fixture('images', 'photos');

/**
 * Runs the CLI with the double's trace going to `tracePath`. runCli copies process.env when it spawns,
 * which it does synchronously, so the variable is ours only for that instant (no addon thread runs here then).
 */
function runTraced(tracePath: string, args: readonly string[]): Promise<CliRun> {
  const previous = process.env[TRACE_ENV];
  process.env[TRACE_ENV] = tracePath;
  try {
    return runCli(args);
  } finally {
    if (previous === undefined) delete process.env[TRACE_ENV];
    else process.env[TRACE_ENV] = previous;
  }
}

/** Reads a run's trace and hands its lines on to the suite's trace, if one is being collected. */
function takeTrace(tracePath: string): string {
  const text = existsSync(tracePath) ? readFileSync(tracePath, 'utf8') : '';
  const suite = process.env[TRACE_ENV];
  if (suite !== undefined && suite !== '' && text !== '') appendFileSync(suite, text);
  return text;
}

/** The value of `field=` on every trace line of `api` ("IExecutionContext::enqueueV3 stream 0x.. ctx=0x.. cur-device=0 -> true"). */
function fieldOf(trace: string, api: string, field: string): string[] {
  const values: string[] = [];
  for (const line of trace.split('\n')) {
    if (!line.startsWith(`${api} `)) continue;
    const args = line.slice(0, line.indexOf(' -> '));
    values.push(new RegExp(`(?:^| )${field}=(\\S+)`).exec(args)?.[1] ?? '(missing)');
  }
  return values;
}

/** Tally of values, for messages: "0×4, 1×2". */
function tally(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${v}×${n}`).join(', ') || 'none';
}

/**
 * Every deserialize/context/enqueue call of the run had `device` current, and every tensor address it
 * set lives on `device`; `enqueues` is how many enqueueV3 calls there must at least be.
 */
function assertAllOnDevice(trace: string, device: number, enqueues: number, ctx: string): void {
  const want = String(device);
  const check = (api: string, field: string, atLeast: number): void => {
    const values = fieldOf(trace, api, field);
    assert.ok(values.length >= atLeast, `${values.length} ${api} lines in the trace, expected at least ${atLeast}${ctx}`);
    assert.ok(values.every((v) => v === want), `${api}: ${field} ${tally(values)}, expected ${want} on every line${ctx}`);
  };
  check('IRuntime::deserializeCudaEngine', 'cur-device', 1);
  check('ICudaEngine::createExecutionContext', 'cur-device', 1);
  check('IExecutionContext::enqueueV3', 'cur-device', enqueues);
  const addresses = ['IExecutionContext::setTensorAddress', 'IExecutionContext::setInputTensorAddress', 'IExecutionContext::setOutputTensorAddress']
    .flatMap((api) => fieldOf(trace, api, 'ptr-device'));
  // At least one: the addon may skip re-setting an address that has not changed.
  assert.ok(addresses.length >= 1, `no set*TensorAddress line in the trace${ctx}`);
  assert.ok(addresses.every((v) => v === want), `tensor addresses: ptr-device ${tally(addresses)}, expected ${want} on every one${ctx}`);
}

/** Exit 3 and one line (plus hint lines) saying there is no GPU `missing` and naming each device that exists. */
function assertNoSuchDevice(run: CliRun, missing: number, text: string): void {
  const ctx = cliContext(run);
  assert.equal(run.code, 3, `expected exit 3 (backend unavailable)${ctx}`);
  assert.doesNotMatch(run.stdout + run.stderr, /^\s+at .+:\d+:\d+\)?$/m, `a stack trace was printed${ctx}`);
  const line = text.split('\n').find((l) => new RegExp(`no GPU ${missing}\\b`, 'i').test(l));
  assert.ok(line !== undefined, `no line says "no GPU ${missing}"${ctx}`);
  // "0: NVIDIA H100 80GB HBM3" or "0 NVIDIA H100 …": the index, then the name.
  for (const d of devices) {
    const named = new RegExp(`\\b${d.index}\\b\\W{0,3}${d.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
    assert.match(line, named, `"${line.trim()}" does not name device ${d.index} (${d.name})`);
  }
}

describe('--device with the TensorRT double', { skip }, () => {
  let dir: EngineDir;
  let engine: string;
  before(() => {
    assert.ok(setup);
    dir = new EngineDir();
    engine = dir.write('affine-twin', doublePresets.affine({
      trtVersion: setup.trtVersion, a: ONNX_A, b: ONNX_B, inputName: 'x', outputName: 'y',
      profiles: [{ min: [1, 3, 1, 1], opt: [1, 3, 224, 224], max: [1, 3, 1024, 1024] }],
    }));
  });
  after(() => dir?.cleanup());
  const images = readdirSync(photos).length;

  test('compare --device 0: exit 0, and every call ran with device 0 current on device-0 buffers (trace)', { skip: noCompute }, async () => {
    const tracePath = join(dir.path, 'trace-device-0.txt');
    const run = await runTraced(tracePath, ['compare', model, engine, photos, '--device', '0', '--no-progress']);
    const trace = takeTrace(tracePath);
    const ctx = cliContext(run);
    assert.equal(run.code, 0, `expected exit 0${ctx}`);
    assertAllOnDevice(trace, 0, images, ctx);
    console.log(`  device 0: enqueueV3 cur-device ${tally(fieldOf(trace, 'IExecutionContext::enqueueV3', 'cur-device'))}`);
  });

  test('compare --device <last> on a machine with several GPUs: exit 0, every call on that device (trace)', { skip: noCompute || multiSkip }, async () => {
    const tracePath = join(dir.path, `trace-device-${lastDevice}.txt`);
    const run = await runTraced(tracePath, ['compare', model, engine, photos, '--device', String(lastDevice), '--no-progress']);
    const trace = takeTrace(tracePath);
    const ctx = cliContext(run);
    assert.equal(run.code, 0, `expected exit 0${ctx}`);
    assertAllOnDevice(trace, lastDevice, images, ctx);
    console.log(`  device ${lastDevice}: enqueueV3 cur-device ${tally(fieldOf(trace, 'IExecutionContext::enqueueV3', 'cur-device'))}`);
  });

  // --device <count> is the first index that does not exist: 1 on a one-GPU machine.
  const missing = Math.max(1, devices.length);

  test(`compare --device ${missing}: exit 3, one line naming the devices that exist`, async () => {
    const run = await runCli(['compare', model, engine, photos, '--device', String(missing), '--no-progress']);
    assertNoSuchDevice(run, missing, run.stderr);
    const ctx = cliContext(run);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.filter((l) => !/^\s+hint:/.test(l)).length, 1, `expected one error line (plus hints) on stderr${ctx}`);
    assert.match(lines[0]!, new RegExp(`^trt-parity: .*no GPU ${missing}\\b`, 'i'), ctx);
    assert.equal(run.stdout, '', `nothing on stdout${ctx}`);
    console.log(`  ${lines[0]}`);
  });

  test(`inspect <engine> --device ${missing}: exit 3, names the devices that exist`, async () => {
    const run = await runCli(['inspect', engine, '--device', String(missing)]);
    assertNoSuchDevice(run, missing, run.stdout + run.stderr);
    const json = await runCli(['inspect', engine, '--device', String(missing), '--json', '-']);
    assert.equal(json.code, 3, cliContext(json));
    const report = JSON.parse(json.stdout) as { loaded: boolean; problem: { reason: string } | null };
    assert.equal(report.loaded, false, cliContext(json));
    assert.equal(report.problem?.reason, 'device-not-found', cliContext(json));
  });

  test(`doctor --device ${missing}: exit 3, names the devices that exist; doctor --device 0: TensorRT usable`, async () => {
    const run = await runCli(['doctor', '--device', String(missing)]);
    assertNoSuchDevice(run, missing, run.stdout + run.stderr);
    const json = await runCli(['doctor', '--device', String(missing), '--json', '-']);
    assert.equal(json.code, 3, cliContext(json));
    const report = JSON.parse(json.stdout) as { gpus: { index: number }[] | null; tensorrtUsable: { device: number; usable: boolean; reason: string | null } };
    assert.deepEqual(report.tensorrtUsable, { device: missing, usable: false, reason: 'device-not-found' }, cliContext(json));
    assert.deepEqual(report.gpus?.map((g) => g.index), devices.map((d) => d.index), cliContext(json));
    const zero = await runCli(['doctor', '--device', '0', '--json', '-']);
    const usable = (JSON.parse(zero.stdout) as { tensorrtUsable: unknown }).tensorrtUsable;
    assert.equal(zero.code, 0, `doctor --device 0 should find TensorRT usable: ${JSON.stringify(usable)}${cliContext(zero)}`);
  });
});
