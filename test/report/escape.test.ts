/** escapeControl (src/report/escape.ts), by hand: controls shown as escapes, other text kept. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeControl } from '../../src/report/escape.js';

test('controls become visible escapes; letters, accents and spaces stay', () => {
  assert.equal(escapeControl('\x1b[31mred\x1b[0m.jpg'), '\\u001b[31mred\\u001b[0m.jpg');
  assert.equal(escapeControl('new\nline\ttab\rcr'), 'new\\nline\\ttab\\rcr');
  assert.equal(escapeControl('del\x7f c1\x9b'), 'del\\u007f c1\\u009b');
  assert.equal(escapeControl('ünï©ødé file.jpg'), 'ünï©ødé file.jpg');
});

test('without -v a message is its first line, source locations dropped, cut at 400 characters; -v shows it all', async () => {
  const { shownMessage } = await import('../../src/report/escape.js');
  const ort = '[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : Got invalid dimensions for input: x for the following indices\n index: 1 Got: 4 Expected: 3\n Please fix either the inputs/outputs or the model.';
  assert.equal(shownMessage(ort, false), '[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : Got invalid dimensions for input: x for the following indices (-v shows the full message)');
  assert.equal(shownMessage(ort, true), ort.replaceAll('\n', '\\n'));
  const long = `inputs: ${'x, '.repeat(5000)}`;
  const shown = shownMessage(long, false);
  assert.ok(shown.length < 450 && shown.endsWith('… (-v shows the full message)'), shown.slice(-60));
  assert.equal(shownMessage('/a/b.jpg: no such file or directory', false), '/a/b.jpg: no such file or directory');
  const withPath = 'Load model failed: /onnxruntime_src/onnxruntime/core/graph/model.cc:180 onnxruntime::Model::Model(...) Unknown model file format version.';
  assert.equal(shownMessage(withPath, false), 'Load model failed: Unknown model file format version.');
});

test('a file name with a newline is kept whole before the reason', async () => {
  const { shownMessage } = await import('../../src/report/escape.js');
  assert.equal(shownMessage('/d/new\nline.jpg: not an image\nmore', false, '/d/new\nline.jpg'), '/d/new\\nline.jpg: not an image (-v shows the full message)');
});

test('escapeDeep: every string of a report (values, keys, arrays, Maps) escaped; numbers, typed arrays and untouched strings kept', async () => {
  const { escapeDeep } = await import('../../src/report/escape.js');
  const data = new Float32Array([1, 2]);
  const clean = { name: 'plain' };
  const input = { path: 'a\x1bb', n: 3, ok: true, none: null, list: ['x\ny', 'z'], map: new Map([['k\r', 'v\0']]), nested: { 'key\x9b': ['\x7f'] }, data, clean };
  const out = escapeDeep(input);
  assert.deepEqual(out, {
    path: 'a\\u001bb', n: 3, ok: true, none: null, list: ['x\\ny', 'z'], map: new Map([['k\\r', 'v\\u0000']]), nested: { 'key\\u009b': ['\\u007f'] }, data, clean: { name: 'plain' },
  });
  assert.equal(out.data, data, 'a typed array passes through as it is');
  assert.equal(input.path, 'a\x1bb', 'the input is not changed');
  assert.deepEqual(input.list, ['x\ny', 'z'], 'nor its arrays');
  assert.equal(input.map.get('k\r'), 'v\0', 'nor its Maps');
  assert.equal(out.clean, clean, 'an object with nothing to escape is not copied');
  const untouched = { a: [1, 'b', { c: new Map([['d', 'e']]) }] };
  assert.equal(escapeDeep(untouched), untouched, 'a report with nothing to escape comes back as it is');
  // Key order is kept where a key changes.
  assert.deepEqual(Object.keys(escapeDeep({ first: 1, 'se\ncond': 2, third: 3 })), ['first', 'se\\ncond', 'third']);
});
