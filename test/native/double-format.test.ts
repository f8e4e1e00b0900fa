import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { repoRoot } from '../helpers/paths.js';
import {
  DOUBLE_HEADER, doublePresets, fnv1a32, PRESET_FILES, writeDoubleEngine, type DoubleEngineSpec,
} from '../doubles/double-engine.js';

const V10: [number, number, number] = [10, 16, 0];

/** Golden engines written by the independent C++ writer in test/doubles/trt-double/smoke.cpp (`--write`). */
function golden(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(repoRoot, 'test', 'doubles', 'trt-double', 'golden', `${name}.engine`)));
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function ascii(b: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...b.subarray(from, to));
}

describe('fnv1a32', () => {
  test('matches the published FNV-1a 32-bit test vectors', () => {
    const enc = new TextEncoder();
    assert.equal(fnv1a32(enc.encode('')), 0x811c9dc5);
    assert.equal(fnv1a32(enc.encode('a')), 0xe40c292c);
    assert.equal(fnv1a32(enc.encode('foobar')), 0xbf9cf968);
  });
});

describe('writeDoubleEngine byte layout (FORMAT.md)', () => {
  const bytes = writeDoubleEngine(doublePresets.affine({ trtVersion: V10 }));
  const v = view(bytes);

  test('affine header at hand-computed offsets', () => {
    // 64 header + input (4+5+3 pad + 8 + 4*8 dims + 3*4*8 profile = 148) + output (4+6+2+8+32 = 52) + 6 floats (24)
    assert.equal(bytes.length, 288);
    assert.equal(ascii(bytes, 0, 4), 'ftrt', 'the magic of real TensorRT 8+ plans');
    assert.equal(ascii(bytes, 4, 8), 'TRTD');
    assert.equal(v.getUint32(8, true), 2);
    assert.equal(v.getUint32(12, true), 0);
    assert.equal(v.getBigUint64(16, true), 288n);
    assert.deepEqual([bytes[24], bytes[25], bytes[26], bytes[27]], [10, 16, 0, 0]);
    assert.equal(v.getUint32(28, true), 1, 'computation affine');
    assert.equal(v.getUint32(32, true), 2, 'two tensors');
    assert.equal(v.getUint32(36, true), 1, 'one profile');
    assert.equal(v.getBigUint64(40, true), 4096n, 'device memory');
    assert.equal(v.getUint32(48, true), 6, 'constants a[3], b[3]');
    assert.equal(v.getUint32(52, true), fnv1a32(bytes.subarray(64)));
    assert.equal(v.getBigUint64(56, true), 0n);
    assert.equal(DOUBLE_HEADER.versionMajor, 24);
    assert.equal(DOUBLE_HEADER.size, 64);
  });

  test('affine tensor records at hand-computed offsets', () => {
    assert.equal(v.getUint32(64, true), 5);
    assert.equal(ascii(bytes, 68, 73), 'input');
    assert.deepEqual([...bytes.subarray(73, 76)], [0, 0, 0], 'name padded to 4');
    assert.deepEqual([...bytes.subarray(76, 84)], [1, 0, 0, 0, 0, 4, 0, 0], 'input, float32, device, linear, rank 4');
    const i64 = (o: number): number => Number(v.getBigInt64(o, true));
    assert.deepEqual([i64(84), i64(92), i64(100), i64(108)], [-1, 3, -1, -1]);
    assert.deepEqual([116, 124, 132, 140].map(i64), [1, 3, 1, 1], 'profile min');
    assert.deepEqual([148, 156, 164, 172].map(i64), [1, 3, 224, 224], 'profile opt');
    assert.deepEqual([180, 188, 196, 204].map(i64), [8, 3, 512, 512], 'profile max');
    assert.equal(v.getUint32(212, true), 6);
    assert.equal(ascii(bytes, 216, 222), 'output');
    assert.deepEqual([...bytes.subarray(224, 232)], [2, 0, 0, 0, 0, 4, 0, 0], 'output has no profile section');
    assert.deepEqual([232, 240, 248, 256].map(i64), [-1, 3, -1, -1]);
    const f32 = [264, 268, 272, 276, 280, 284].map((o) => v.getFloat32(o, true));
    assert.deepEqual(f32, [4.25, 4.5, 4.375, -2.125, -2, -1.8125]);
  });

  test('reshape: host shape tensor with profile values at hand-computed offsets', () => {
    const b = writeDoubleEngine(doublePresets.reshape({ trtVersion: V10 }));
    const w = view(b);
    const i64 = (o: number): number => Number(w.getBigInt64(o, true));
    assert.equal(b.length, 256);
    assert.equal(ascii(b, 68, 72), 'data');
    assert.deepEqual([...b.subarray(72, 80)], [1, 0, 0, 0, 0, 1, 0, 0]);
    assert.deepEqual([80, 88, 96, 104].map(i64), [-1, 1, 12, 1024], 'dims, then min/opt/max');
    assert.equal(w.getUint32(112, true), 5);
    assert.equal(ascii(b, 116, 121), 'shape');
    assert.deepEqual([...b.subarray(124, 132)], [1, 8, 1, 0, 1, 1, 0, 0], 'input, int64, HOST, linear, shape tensor, rank 1');
    assert.deepEqual([132, 140, 148, 156].map(i64), [2, 2, 2, 2], 'shape [2], profile shapes [2]');
    assert.equal(w.getUint32(164, true), 2, 'two values');
    assert.equal(w.getUint32(168, true), 0);
    assert.deepEqual([172, 180, 188, 196, 204, 212].map(i64), [1, 1, 3, 4, 1024, 1024]);
    assert.equal(ascii(b, 224, 232), 'reshaped');
    assert.deepEqual([...b.subarray(232, 240)], [2, 0, 0, 0, 0, 2, 0, 0]);
    assert.deepEqual([240, 248].map(i64), [-1, -1]);
  });

  test('the five presets equal the bytes of the independent C++ writer (golden files)', () => {
    const specs: Record<keyof typeof PRESET_FILES, DoubleEngineSpec> = {
      affine: doublePresets.affine({ trtVersion: V10 }),
      affineFp16: doublePresets.affineFp16({ trtVersion: V10 }),
      scoresArgmax: doublePresets.scoresArgmax({ trtVersion: V10 }),
      nonzero: doublePresets.nonzero({ trtVersion: V10 }),
      reshape: doublePresets.reshape({ trtVersion: V10 }),
    };
    for (const [key, file] of Object.entries(PRESET_FILES)) {
      assert.deepEqual(writeDoubleEngine(specs[key as keyof typeof PRESET_FILES]), golden(file), file);
    }
  });
});

describe('what tests vary', () => {
  const base = writeDoubleEngine(doublePresets.affine({ trtVersion: V10 }));

  test('another version differs only in bytes 24–26, and the checksum still holds', () => {
    const other = writeDoubleEngine(doublePresets.affine({ trtVersion: [10, 3, 1] }));
    const diff = [...base.keys()].filter((i) => base[i] !== other[i]);
    assert.deepEqual(diff, [25, 26]);
    assert.deepEqual([other[24], other[25], other[26]], [10, 3, 1]);
  });

  test('needsHostCode sets flag bit 0', () => {
    const b = writeDoubleEngine({ ...doublePresets.affine({ trtVersion: V10 }), needsHostCode: true });
    assert.equal(view(b).getUint32(12, true), 1);
  });

  test('a perturbed engine changes only constants and checksum', () => {
    const p = writeDoubleEngine(doublePresets.affine({ trtVersion: V10, a: [4.25, 4.5, 4.5] }));
    const diff = [...base.keys()].filter((i) => base[i] !== p[i]);
    assert.ok(diff.every((i) => (i >= 52 && i < 56) || (i >= 272 && i < 276)), `differences at ${diff.join(',')}`);
    assert.notEqual(view(p).getUint32(52, true), view(base).getUint32(52, true));
  });

  test('format and index dtype land in the tensor record', () => {
    const hwc = writeDoubleEngine(doublePresets.affine({ trtVersion: V10, inputFormat: 'HWC8' }));
    assert.equal(hwc[79], 2, 'kHWC8 = 2 at the input format byte');
    const old = writeDoubleEngine(doublePresets.nonzero({ trtVersion: [8, 6, 1] }));
    const cur = writeDoubleEngine(doublePresets.nonzero({ trtVersion: V10 }));
    // x record: 64 + 4 + 1 + 3 pad + 8 fixed + 16 dims + 48 profile = 144; 'indices' name at 148, dtype byte at 157
    assert.equal(ascii(cur, 148, 155), 'indices');
    assert.equal(cur[157], 8, 'int64 on 10.x');
    assert.equal(old[157], 3, 'int32 on 8.x, which has no INT64');
  });

  test('specs the format cannot hold throw RangeError', () => {
    const ok = doublePresets.affine({ trtVersion: V10 });
    const [input, output] = ok.tensors;
    assert.ok(input && output);
    const bad: DoubleEngineSpec[] = [
      { ...ok, trtVersion: [10, 256, 0] },
      { ...ok, tensors: [{ ...input, shape: [1, 1, 1, 1, 1, 1, 1, 1, 1] }, output] },
      { ...ok, tensors: [{ ...input, profiles: [] }, output] },
      { ...ok, tensors: [input, { ...output, profiles: input.profiles }] },
      { ...ok, tensors: [{ ...input, isShapeTensor: true }, output] },
      { ...ok, tensors: [{ ...input, name: '' }, output] },
      { ...ok, tensors: [{ ...input, shape: [-2, 3, -1, -1] }, output] },
    ];
    for (const spec of bad) assert.throws(() => writeDoubleEngine(spec), RangeError);
  });
});

describe('format 2: what real plans share, plugins and aliases', () => {
  test('plan-file.ts reads a double plan as a real ftrt plan: size at 16, four-part version at 24..27', async () => {
    const { parsePlanFile } = await import('../../src/backends/tensorrt/plan-file.js');
    const bytes = writeDoubleEngine({ ...doublePresets.affine({ trtVersion: V10 }), trtBuild: 32 });
    const info = parsePlanFile(bytes, bytes.length, 'double.engine');
    assert.equal(info.format, 'ftrt');
    assert.equal(info.declaredBytes, bytes.length);
    assert.equal(info.version, '10.16.0.32');
  });

  test('needs-plugin is flag bit 1; an alias is 1 + the input\'s I/O index in the record\'s u16 at rank+1', () => {
    const spec = doublePresets.cacheUpdate({ trtVersion: V10 });
    const plain = writeDoubleEngine(spec);
    const plugin = writeDoubleEngine({ ...spec, needsPlugin: true });
    assert.equal(view(plain).getUint32(12, true), 0);
    assert.equal(view(plugin).getUint32(12, true), 2);
    // cache (input 0), update (input 1), cache_out (output, alias of tensor 0): find its record by name.
    const at = Buffer.from(plain).indexOf('cache_out');
    const record = at + 12; // 'cache_out' is 9 bytes, padded to 12
    assert.deepEqual([...plain.subarray(record, record + 6)], [2, 0, 0, 0, 0, 2], 'output, float32, device, linear, not a shape tensor, rank 2');
    assert.equal(view(plain).getUint16(record + 6, true), 1, 'aliases tensor 0 (cache)');
    assert.throws(() => writeDoubleEngine({ ...spec, tensors: spec.tensors.map((t) => (t.name === 'cache_out' ? { ...t, aliasOf: 'cache_out' } : t)) }), RangeError);
  });
});
