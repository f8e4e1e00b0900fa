import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compareOutputs } from '../../src/compare/compare-outputs.js';
import { parseToleranceSpec } from '../../src/compare/tolerance.js';
import { floatToBfloat16, floatToHalf } from '../../src/tensor/dtype.js';
import type { Tensor, TensorMap } from '../../src/tensor/types.js';

const f32 = (v: number[], shape: number[] = [v.length]): Tensor => ({ dtype: 'float32', shape, data: Float32Array.from(v) });
const map = (...entries: Array<[string, Tensor]>): TensorMap => new Map(entries);
const defaults = { tolerance: parseToleranceSpec({}), allowNonFinite: false };

describe('compareOutputs: matching', () => {
  test('by name, whatever the order', () => {
    const r = compareOutputs(map(['a', f32([1])], ['b', f32([2])]), map(['b', f32([2])], ['a', f32([1])]), defaults);
    assert.equal(r.passed, true);
    assert.deepEqual(r.outputs.map((o) => [o.name, o.matchedBy]), [['a', 'name'], ['b', 'name']]);
    assert.deepEqual(r.warnings, []);
  });
  test('by position when names differ but counts agree, with a warning', () => {
    const r = compareOutputs(map(['logits', f32([1])], ['boxes', f32([2])]), map(['out0', f32([1])], ['out1', f32([3])]), defaults);
    assert.deepEqual(r.warnings, ['output names differ; matched by position: logits→out0, boxes→out1']);
    assert.deepEqual(r.outputs.map((o) => [o.firstName, o.secondName, o.matchedBy, o.passed]), [
      ['logits', 'out0', 'position', true],
      ['boxes', 'out1', 'position', false],
    ]);
    assert.deepEqual(r.outputs[0]!.notes, ['matched by position: logits → out0']);
    assert.equal(r.passed, false);
  });
  test('common names by name, leftovers by position', () => {
    const r = compareOutputs(map(['a', f32([1])], ['x', f32([2])]), map(['y', f32([2])], ['a', f32([1])]), defaults);
    assert.deepEqual(r.outputs.map((o) => [o.firstName, o.secondName, o.matchedBy]), [['a', 'a', 'name'], ['x', 'y', 'position']]);
    assert.equal(r.passed, true);
  });
  test('an output on one side only is a failed comparison with a problem', () => {
    const r = compareOutputs(map(['a', f32([1])], ['extra', f32([1, 2])]), map(['a', f32([1])]), defaults);
    assert.equal(r.passed, false);
    assert.deepEqual(r.warnings, ["output 'extra' is present only in the first run"]);
    const extra = r.outputs[1]!;
    assert.equal(extra.problem, "output 'extra' is present only in the first run");
    assert.equal(extra.passed, false);
    assert.equal(extra.secondDType, 'absent');
    assert.equal(extra.total, 2);
    assert.equal(extra.stats, null);
  });
});

describe('compareOutputs: per output', () => {
  test('per-output tolerance, and a warning for a name that matches nothing', () => {
    const tolerance = parseToleranceSpec({ atol: ['b:0.5', 'typo:1'] });
    const r = compareOutputs(map(['a', f32([1.1])], ['b', f32([1.1])]), map(['a', f32([1])], ['b', f32([1])]), { tolerance, allowNonFinite: false });
    assert.deepEqual(r.outputs.map((o) => o.passed), [false, true]);
    assert.deepEqual(r.outputs[1]!.tolerance, { rtol: 1e-3, atol: 0.5 });
    assert.deepEqual(r.warnings, ["tolerance given for 'typo', which matches no output"]);
  });
  test('NaN fails the output unless allowed, apart from the allclose verdict', () => {
    const a = map(['y', f32([NaN, 1])]);
    const strict = compareOutputs(a, a, defaults).outputs[0]!;
    assert.equal(strict.allclosePassed, true);
    assert.equal(strict.nonFiniteFailed, true);
    assert.equal(strict.passed, false);
    assert.deepEqual(strict.nonFinite, { first: { nan: 1, posInf: 0, negInf: 0 }, second: { nan: 1, posInf: 0, negInf: 0 } });
    const lenient = compareOutputs(a, a, { ...defaults, allowNonFinite: true }).outputs[0]!;
    assert.equal(lenient.nonFiniteFailed, false);
    assert.equal(lenient.passed, true);
  });
  test('[1,1000] vs [1000] is compared flattened, with a note', () => {
    const v = Array.from({ length: 1000 }, (_, i) => Math.sin(i));
    const o = compareOutputs(map(['y', f32(v, [1, 1000])]), map(['y', f32(v, [1000])]), defaults).outputs[0]!;
    assert.equal(o.flattened, true);
    assert.equal(o.passed, true);
    assert.ok(o.notes.includes('compared flattened: [1,1000] vs [1000]'));
    assert.equal(o.classes?.top1Agree, 1);
  });
  test('incompatible shapes give a problem and no stats', () => {
    const o = compareOutputs(map(['y', f32([1, 2], [1, 2])]), map(['y', f32([1, 2, 3], [1, 3])]), defaults).outputs[0]!;
    assert.equal(o.problem, 'shape mismatch: [1,2] vs [1,3]');
    assert.equal(o.passed, false);
    assert.equal(o.stats, null);
    assert.equal(o.classes, null);
  });
  test('logits get class agreement', () => {
    const o = compareOutputs(map(['y', f32([0.1, 0.9, 0.3, 0.2, 0.5, 0.4], [1, 6])]), map(['y', f32([0.1, 0.9, 0.3, 0.2, 0.5, 0.4], [1, 6])]), defaults).outputs[0]!;
    assert.deepEqual(o.classes, { rows: 1, top1Agree: 1, top5Overlap: 1, k: 5 });
  });

  const dtypeCases: Array<[string, Tensor, Tensor, boolean]> = [
    ['float16 vs float32', { dtype: 'float16', shape: [2], data: Uint16Array.from([1, 0.5].map(floatToHalf)) }, f32([1, 0.5]), true],
    ['bfloat16 vs float32 (exact conversion)', { dtype: 'bfloat16', shape: [2], data: Uint16Array.from([1.5, -2].map(floatToBfloat16)) }, f32([1.5, -2]), true],
    ['bfloat16 vs float32, 1/3 rounded', { dtype: 'bfloat16', shape: [1], data: Uint16Array.from([floatToBfloat16(1 / 3)]) }, f32([1 / 3]), false],
    ['int8 vs uint8', { dtype: 'int8', shape: [2], data: Int8Array.from([3, -1]) }, { dtype: 'uint8', shape: [2], data: Uint8Array.from([3, 255]) }, false],
    ['int32 vs int64', { dtype: 'int32', shape: [2], data: Int32Array.from([7, 8]) }, { dtype: 'int64', shape: [2], data: BigInt64Array.from([7n, 8n]) }, true],
    ['bool vs uint8', { dtype: 'bool', shape: [2], data: Uint8Array.from([1, 0]) }, { dtype: 'uint8', shape: [2], data: Uint8Array.from([1, 0]) }, true],
  ];
  for (const [label, a, b, passed] of dtypeCases) {
    test(`dtypes: ${label}`, () => {
      const o = compareOutputs(map(['y', a]), map(['y', b]), defaults).outputs[0]!;
      assert.equal(o.passed, passed);
      assert.equal(o.firstDType, a.dtype);
      assert.equal(o.secondDType, b.dtype);
      if (a.dtype !== b.dtype) assert.match(o.notes.join('\n'), /dtypes differ/);
    });
  }
  test('int8 vs uint8 difference is exact (numpy int16 arithmetic): 255 vs -1 differ by 256', () => {
    const o = compareOutputs(map(['y', { dtype: 'int8', shape: [1], data: Int8Array.from([-1]) }]), map(['y', { dtype: 'uint8', shape: [1], data: Uint8Array.from([255]) }]), defaults).outputs[0]!;
    assert.equal(o.stats?.maxAbs, 256);
  });
});
