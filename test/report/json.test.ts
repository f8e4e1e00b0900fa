import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonText, toJson } from '../../src/report/json.js';
import { compared, errored, f32, map, report } from './sample-report.js';

describe('toJson', () => {
  test('non-finite numbers become strings; bigint and Map are written as JSON can hold them', () => {
    const back = JSON.parse(toJson({ a: NaN, b: Infinity, c: -Infinity, d: 2n ** 62n, e: new Map([['x', 1]]), f: [1.5, -0, null] }));
    assert.deepEqual(back, { a: 'NaN', b: 'Infinity', c: '-Infinity', d: '4611686018427387904', e: { x: 1 }, f: [1.5, 0, null] });
  });

  test('a compare report round-trips with its schema fields, non-finite statistics as strings', () => {
    const r = report([
      // NaN against a number: no finite atol passes, so minAtol is Infinity.
      compared('nan.jpg', map({ logits: f32([NaN, 1, 2], [1, 3]) }), map({ logits: f32([1, 1, 2], [1, 3]) })),
      compared('ok.jpg', map({ logits: f32([1, 2, 3], [1, 3]) }), map({ logits: f32([1, 2, 3], [1, 3]) })),
      errored('bad.jpg', 2, 'bad.jpg: not an image', ['hint']),
    ]);
    const text = toJson(r);
    assert.ok(text.endsWith('}\n'));
    const back = JSON.parse(text) as Record<string, any>;
    assert.deepEqual(Object.keys(back), ['schema', 'schemaVersion', 'tool', 'first', 'second', 'settings', 'items', 'warnings', 'summary', 'durationMs']);
    assert.equal(back.schema, 'trt-parity/compare');
    assert.equal(back.schemaVersion, 1);
    assert.deepEqual(back.tool, { name: 'trt-parity', version: '0.1.0' });
    assert.deepEqual(back.settings.tolerance, { default: { rtol: 0.001, atol: 1e-5 }, perOutput: {} });
    assert.deepEqual(back.items.map((i: any) => [i.key, i.status]), [['nan.jpg', 'fail'], ['ok.jpg', 'pass'], ['bad.jpg', 'error']]);
    const nan = back.items[0].outputs[0];
    assert.equal(nan.stats.minAtol, 'Infinity');
    assert.equal(nan.stats.minRtol, 'Infinity');
    assert.deepEqual(nan.nonFinite.first, { nan: 1, posInf: 0, negInf: 0 });
    assert.equal(nan.mismatched, 1);
    assert.deepEqual(nan.firstShape, [1, 3]);
    assert.deepEqual(back.items[2].error, { reason: 'input', exitCode: 2, message: 'bad.jpg: not an image', hints: ['hint'], logs: [] });
    assert.deepEqual(back.summary.outputs[0].minAtol, 'Infinity', 'aggregated too');
    assert.deepEqual([back.summary.items, back.summary.passed, back.summary.failed, back.summary.errors, back.summary.skipped, back.summary.exitCode], [3, 1, 1, 1, 0, 2]);
    // Every number in the file is finite JSON: nothing was written as a bare NaN/Infinity token.
    assert.doesNotMatch(text, /:\s*(NaN|-?Infinity)\b/);
  });
});

describe('toJson: a failed item with backend log lines', () => {
  test('the item error carries reason and logs', () => {
    const back = JSON.parse(toJson(report([errored('d.jpg', 3, 'engine failed', [], ['[TRT] [E] first'])])));
    assert.deepEqual(back.items[0].error, { reason: 'run-failed', exitCode: 3, message: 'engine failed', hints: [], logs: ['[TRT] [E] first'] });
  });
});

test('DEL and C1 controls are escaped too (JSON.stringify leaves them raw); the value reads back the same', () => {
  const name = 'a\x1b[2J\x7f\x9b[31m\n.jpg';
  const text = toJson({ key: name });
  assert.doesNotMatch(text.replace(/\n/g, ''), /[\u0000-\u001f\u007f-\u009f]/);
  assert.ok(text.includes('a\\u001b[2J\\u007f\\u009b[31m\\n.jpg'));
  assert.equal((JSON.parse(text) as { key: string }).key, name);
  assert.equal(jsonText({ key: name }), '{"key":"a\\u001b[2J\\u007f\\u009b[31m\\n.jpg"}');
});
