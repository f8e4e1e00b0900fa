import { mkdtempSync, writeFileSync } from 'node:fs';
import { mulberry32 } from '../../../src/bench/random-input.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEngine } from '../../../src/backends/tensorrt/engine-info.js';
import { checkTensorRtAvailability, setAddonForTesting } from '../../../src/backends/tensorrt/load-addon.js';
import { InputError } from '../../../src/errors.js';
import { createFakeAddon, fakePlan, type FakeEngineSpec } from '../../doubles/fake-native.js';

const dir = mkdtempSync(join(tmpdir(), 'trt-parity-info-'));
function engineFile(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const reshape: FakeEngineSpec = {
  tensors: [
    { name: 'data', mode: 'input', dtype: 'float16', shape: [-1, 64], profiles: [{ min: [1, 64], opt: [8, 64], max: [32, 64] }, { min: [64, 64], opt: [64, 64], max: [64, 64] }] },
    { name: 'target', mode: 'input', dtype: 'int64', shape: [2], location: 'host', isShapeTensor: true, profiles: [{ min: [2], opt: [2], max: [2], values: { min: [1, 64], opt: [8, 64], max: [32, 64] } }, { min: [2], opt: [2], max: [2], values: { min: [64, 64], opt: [64, 64], max: [64, 64] } }] },
    { name: 'out', mode: 'output', dtype: 'float16', shape: [-1, -1] },
  ],
  deviceMemoryBytes: 12_582_912,
  hardwareCompatibility: 'ampere+',
  loadLogs: ['[W] plan built with version compatibility'],
};

afterEach(() => setAddonForTesting(undefined));

describe('describeEngine with TensorRT available (fake addon)', () => {
  test('reports I/O, profiles with shape-tensor values, memory, compatibility and suitability', async () => {
    setAddonForTesting(createFakeAddon({ engine: reshape }));
    const path = engineFile('r.engine', fakePlan('10.16.0.32', 40));
    const report = await describeEngine(path);
    assert.equal(report.loaded, true);
    assert.equal(report.fileBytes, 40);
    assert.equal(report.planVersion, '10.16.0.32');
    assert.equal(report.planFormat, 'ftrt');
    assert.equal(report.ultralytics, null);
    assert.equal(report.tensorrtVersion, '10.16.0');
    assert.equal(report.numProfiles, 2);
    assert.equal(report.deviceMemoryBytes, 12_582_912);
    assert.equal(report.hardwareCompatibility, 'ampere+');
    assert.deepEqual(report.tensors!.map((t) => [t.name, t.mode, t.dtype, t.location, t.isShapeTensor, t.shape]), [
      ['data', 'input', 'float16', 'device', false, [null, 64]],
      ['target', 'input', 'int64', 'host', true, [2]],
      ['out', 'output', 'float16', 'device', false, [null, null]],
    ]);
    assert.deepEqual(report.tensors![1]!.profiles[1]!.values, { min: [64, 64], opt: [64, 64], max: [64, 64] });
    assert.deepEqual(report.suitability, { verdict: 'suitable', reason: 'loads on GPU 0 (NVIDIA H100 80GB HBM3, compute 9.0); built hardware-compatible: runs on any Ampere or newer GPU (compute capability 8.0+)' });
    assert.equal(report.problem, null);
    assert.deepEqual(report.notes, []);
    assert.deepEqual(report.logs, reshape.loadLogs);
  });

  test('a version-compatible plan from another TensorRT that still loads is noted', async () => {
    const fake = createFakeAddon({ engine: { ...reshape, needsHostCode: true } });
    setAddonForTesting(fake);
    const report = await describeEngine(engineFile('vc.engine', fakePlan('8.6.1.6')), { allowHostCode: true });
    assert.equal(report.loaded, true);
    assert.deepEqual(report.notes, ['the plan header says TensorRT 8.6.1.6 built it and TensorRT 10.16.0 loaded it (a version-compatible plan)']);
    assert.equal(fake.engines[0]!.disposed, true, 'inspect frees the engine it loaded');
  });

  test('an engine for another TensorRT: unsuitable, with the reason and the fix', async () => {
    setAddonForTesting(createFakeAddon({ loadError: { code: 'ERR_ENGINE_INCOMPATIBLE', message: 'null engine\nError Code 6: API Usage Error (The engine plan file is not compatible with this version of TensorRT, expecting library version 10.16.0.1 got 10.3.0.26, please rebuild.)' } }));
    const path = engineFile('old.engine', fakePlan('10.3.0.26'));
    const report = await describeEngine(path);
    assert.equal(report.loaded, false);
    assert.equal(report.tensors, null);
    assert.equal(report.planVersion, '10.3.0.26');
    assert.equal(report.suitability.verdict, 'unsuitable');
    assert.equal(report.problem?.reason, 'engine-incompatible');
    assert.equal(report.suitability.reason, `${path}: TensorRT cannot load this engine here: it was built by TensorRT 10.3.0.26 (per the plan header), and this is TensorRT 10.16.0`);
    assert.equal(report.logs.length, 1);
  });

  test('host code not allowed: verdict unknown (it may load with the flag)', async () => {
    setAddonForTesting(createFakeAddon({ engine: { ...reshape, needsHostCode: true } }));
    const report = await describeEngine(engineFile('vc2.engine', fakePlan('10.16.0')));
    assert.equal(report.suitability.verdict, 'unknown');
    assert.equal(report.problem?.reason, 'engine-needs-host-code');
  });
});

describe('files that are not plans, and Ultralytics files', () => {
  const random = (): Uint8Array => {
    const rand = mulberry32(4);
    const b = new Uint8Array(4096).map(() => Math.floor(rand() * 256));
    b[0] = 0; // never a magic by chance
    return b;
  };

  test('4 KiB of random bytes: InputError "not a TensorRT plan" (exit 2) before any TensorRT call, with or without TensorRT', async () => {
    const fake = createFakeAddon({ engine: reshape });
    for (const addon of [fake, undefined]) {
      setAddonForTesting(addon);
      const path = engineFile('random.engine', random());
      await assert.rejects(describeEngine(path), (err: unknown) => err instanceof InputError && err.exitCode === 2 && err.message.startsWith(`${path}: not a TensorRT plan`));
    }
    assert.equal(fake.loadCalls.length, 0, 'TensorRT was never asked');
  });

  test('an Ultralytics file: the metadata is reported and the plan after it is what TensorRT gets', async () => {
    const fake = createFakeAddon({ engine: reshape });
    setAddonForTesting(fake);
    const meta = new TextEncoder().encode(JSON.stringify({ task: 'detect', stride: 32, imgsz: [640, 480], names: { 0: 'person', 1: 'car' }, args: { half: true, int8: false } }));
    const plan = fakePlan('10.16.0.32', 64);
    const file = new Uint8Array(4 + meta.length + plan.length);
    new DataView(file.buffer).setInt32(0, meta.length, true);
    file.set(meta, 4);
    file.set(plan, 4 + meta.length);
    const report = await describeEngine(engineFile('yolo.engine', file));
    assert.equal(report.loaded, true);
    assert.equal(report.planOffset, 4 + meta.length);
    assert.equal(report.ultralytics?.task, 'detect');
    assert.deepEqual(report.ultralytics?.imgsz, [640, 480]);
    assert.deepEqual(report.ultralytics?.classNames, ['person', 'car']);
    assert.equal(report.ultralytics?.exportArgs['half'], true);
    assert.deepEqual([...fake.loadCalls[0]!.plan], [...plan]);
  });
});

describe('describeEngine without TensorRT (the real loader on this machine)', () => {
  test('still reports the plan version from the header, and why the rest is missing', async (t) => {
    if (checkTensorRtAvailability().available) return t.skip('TensorRT is usable on this machine');
    const report = await describeEngine(engineFile('any.engine', fakePlan('10.3.0.26', 4096)));
    assert.equal(report.loaded, false);
    assert.equal(report.fileBytes, 4096);
    assert.equal(report.planVersion, '10.3.0.26');
    assert.equal(report.tensors, null);
    assert.equal(report.suitability.verdict, 'unknown');
    assert.ok(report.problem !== null && report.problem.hints.length > 0);
    assert.match(report.suitability.reason, /^cannot try it here: /);
    assert.match(report.notes[0]!, /built by TensorRT 10\.3\.0\.26/);
  });

  test('a missing file is an InputError', async () => {
    await assert.rejects(describeEngine(join(dir, 'nope.engine')), (err: unknown) => err instanceof InputError && /nope\.engine: no such file$/.test(err.message));
  });
});
