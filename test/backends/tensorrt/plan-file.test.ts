import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../../src/errors.js';
import { NOT_A_PLAN, parsePlanFile, readPlanFileInfo, threePartVersion } from '../../../src/backends/tensorrt/plan-file.js';
import { mulberry32 } from '../../../src/bench/random-input.js';

// Header layouts written byte by byte from the documented offsets (issue 11): an `ftrt` plan has
// the ASCII magic at 0, the plan size as u64 LE at 16 and major.minor.patch.build at 24..27
// (8.6.1.6 and 10.0.1.6 plans read so; bytes 24..26 per NVIDIA/TensorRT#3073 and Autoware's
// tensorrt_common). TensorRT 7 plans start with `ptrt`. None of this uses plan-file.ts to build.
function ftrt(total: number, version: readonly [number, number, number, number]): Uint8Array {
  const b = new Uint8Array(total);
  b.set([0x66, 0x74, 0x72, 0x74], 0); // "ftrt"
  // u64 little-endian at 16, written a byte at a time
  let n = total;
  for (let i = 0; i < 8; i++) {
    b[16 + i] = n % 256;
    n = Math.floor(n / 256);
  }
  b.set(version, 24);
  return b;
}

/** Ultralytics' exporter: int32 LE length, the JSON, then the plan (ultralytics/engine/exporter.py export_engine). */
function ultralytics(meta: unknown, plan: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(meta));
  const out = new Uint8Array(4 + json.length + plan.length);
  out[0] = json.length & 0xff;
  out[1] = (json.length >> 8) & 0xff;
  out[2] = (json.length >> 16) & 0xff;
  out[3] = (json.length >> 24) & 0xff;
  out.set(json, 4);
  out.set(plan, 4 + json.length);
  return out;
}

/** Metadata as YOLO11n's `model.export(format="engine", half=True)` writes it (ultralytics 8.3). */
const YOLO_META = {
  description: 'Ultralytics YOLO11n model trained on coco.yaml',
  author: 'Ultralytics',
  date: '2025-01-10T12:00:00.000000',
  version: '8.3.58',
  license: 'AGPL-3.0 License (https://ultralytics.com/license)',
  docs: 'https://docs.ultralytics.com',
  stride: 32,
  task: 'detect',
  batch: 1,
  imgsz: [640, 640],
  names: { 0: 'person', 1: 'bicycle', 2: 'car' },
  args: { batch: 1, half: true, int8: false, dynamic: false, nms: false },
  channels: 3,
};

const notAPlan = (path: string) => (err: unknown) => err instanceof InputError && err.exitCode === 2 && err.message.startsWith(`${path}: ${NOT_A_PLAN}`);

test('ftrt: offset 0, the size at 16, the four-part version at 24..27', () => {
  for (const v of [[8, 6, 1, 6], [10, 0, 1, 6], [10, 16, 0, 32], [11, 1, 0, 2]] as const) {
    const info = parsePlanFile(ftrt(4096, v), 4096, 'm.engine');
    assert.equal(info.format, 'ftrt');
    assert.equal(info.planOffset, 0);
    assert.equal(info.planBytes, 4096);
    assert.equal(info.declaredBytes, 4096);
    assert.equal(info.version, v.join('.'));
    assert.equal(info.ultralytics, null);
  }
  assert.equal(threePartVersion('10.0.1.6'), '10.0.1');
});

test('ftrt: a file longer than the plan declares is still read (trailing bytes are TensorRT\'s business)', () => {
  const b = new Uint8Array(5000);
  b.set(ftrt(4096, [10, 3, 0, 26]));
  assert.equal(parsePlanFile(b, 5000, 'm.engine').declaredBytes, 4096);
});

test('truncated: the header declares more bytes than the file holds, or ends inside the header', () => {
  const plan = ftrt(4096, [10, 0, 1, 6]);
  assert.throws(() => parsePlanFile(plan.subarray(0, 2000), 2000, 'cut.engine'), (e: unknown) => e instanceof InputError && /cut\.engine: is truncated: its TensorRT plan header says 4096 bytes, the file holds 2000/.test(e.message));
  assert.throws(() => parsePlanFile(plan.subarray(0, 20), 20, 'cut.engine'), (e: unknown) => e instanceof InputError && /is truncated/.test(e.message));
});

test('ptrt: a TensorRT 7 plan, no version or size', () => {
  const b = new Uint8Array(64);
  b.set([0x70, 0x74, 0x72, 0x74], 0);
  const info = parsePlanFile(b, 64, 'old.engine');
  assert.equal(info.format, 'ptrt');
  assert.equal(info.version, null);
});

test('Ultralytics wrapper: the plan starts after the metadata, and the metadata is read', () => {
  const plan = ftrt(1024, [10, 16, 0, 32]);
  const file = ultralytics(YOLO_META, plan);
  const info = parsePlanFile(file, file.length, 'yolo11n.engine');
  const jsonLength = new TextEncoder().encode(JSON.stringify(YOLO_META)).length;
  assert.equal(info.planOffset, 4 + jsonLength);
  assert.equal(info.planBytes, 1024);
  assert.equal(info.version, '10.16.0.32');
  const u = info.ultralytics!;
  assert.equal(u.task, 'detect');
  assert.deepEqual(u.imgsz, [640, 640]);
  assert.equal(u.stride, 32);
  assert.equal(u.batch, 1);
  assert.deepEqual(u.classNames, ['person', 'bicycle', 'car']);
  assert.equal(u.version, '8.3.58');
  assert.equal(u.exportArgs['half'], true);
  assert.equal(u.exportArgs['int8'], false);
  // a square imgsz given as one number (older exports)
  const square = ultralytics({ ...YOLO_META, imgsz: 320 }, plan);
  assert.deepEqual(parsePlanFile(square, square.length, 'y.engine').ultralytics!.imgsz, [320, 320]);
});

test('Ultralytics wrapper around something that is not a plan: not a TensorRT plan', () => {
  const file = ultralytics(YOLO_META, new TextEncoder().encode('PK\u0003\u0004 a zip, not a plan at all'));
  assert.throws(() => parsePlanFile(file, file.length, 'y.engine'), (e: unknown) => notAPlan('y.engine')(e) && /after its Ultralytics metadata/.test((e as Error).message));
});

test('random bytes, an ONNX file, an empty-ish file: not a TensorRT plan, exit 2', () => {
  const rand = mulberry32(11);
  const random = new Uint8Array(4096).map(() => Math.floor(rand() * 256));
  random.set([1, 2, 3, 4], 0); // make sure it does not start with a magic by chance
  assert.throws(() => parsePlanFile(random, 4096, 'random.engine'), notAPlan('random.engine'));
  const onnx = new Uint8Array([0x08, 0x07, 0x12, 0x07, 0x70, 0x79, 0x74, 0x6f, 0x72, 0x63, 0x68]); // ir_version 7, producer "pytorch"
  assert.throws(() => parsePlanFile(onnx, onnx.length, 'model.onnx'), (e: unknown) => notAPlan('model.onnx')(e) && /ONNX model/.test((e as InputError).hints.join(' ')));
  assert.throws(() => parsePlanFile(new Uint8Array(3), 3, 'tiny.engine'), notAPlan('tiny.engine'));
});

test('readPlanFileInfo reads the head of a real file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'plan-file-'));
  try {
    const p = join(dir, 'a.engine');
    await writeFile(p, ultralytics(YOLO_META, ftrt(300, [10, 0, 1, 6])));
    const info = await readPlanFileInfo(p);
    assert.equal(info.version, '10.0.1.6');
    assert.equal(info.ultralytics?.task, 'detect');
    const r = join(dir, 'random.engine');
    await writeFile(r, new Uint8Array(4096).fill(0xab));
    await assert.rejects(readPlanFileInfo(r), notAPlan(r));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
