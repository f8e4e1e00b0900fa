import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parsePythonLiteral, parseUltralyticsMetadata } from '../../src/tasks/ultralytics-metadata.js';

// The strings below are what Python 3 printed (str() of the dicts Ultralytics' exporter writes
// into ONNX metadata_props, and json.dumps of the same dict, as in its TensorRT engine headers).
const PY_NAMES = `{0: 'person', 1: "men's", 2: 'a\\\\b', 3: 'café'}`;
const JSON_HEADER = `{"names": {"0": "person", "1": "men's", "2": "a\\\\b", "3": "caf\\u00e9"}, "imgsz": [640, 480], "stride": 32, "task": "detect"}`;
const EXPECTED_NAMES = new Map([[0, 'person'], [1, "men's"], [2, 'a\\b'], [3, 'café']]);

describe('parseUltralyticsMetadata', () => {
  test('ONNX metadata_props as Ultralytics writes them (str() of Python values)', () => {
    const props = new Map([
      ['author', 'Ultralytics'], ['stride', '32'], ['task', 'detect'], ['batch', '1'],
      ['imgsz', '[640, 640]'], ['names', PY_NAMES], ['args', "{'batch': 1, 'half': False, 'int8': False, 'nms': None}"],
    ]);
    const u = parseUltralyticsMetadata(props)!;
    assert.equal(u.task, 'detect');
    assert.deepEqual(u.names, EXPECTED_NAMES);
    assert.deepEqual(u.imgsz, [640, 640]);
    assert.equal(u.stride, 32);
    assert.equal(u.raw.get('author'), 'Ultralytics');
  });

  test('the JSON object of a TensorRT export header, parsed or as text', () => {
    const obj = JSON.parse(JSON_HEADER) as Record<string, unknown>;
    for (const u of [parseUltralyticsMetadata(obj)!, parseUltralyticsMetadata(new Map([['names', JSON.stringify(obj.names)], ['imgsz', '[640, 480]'], ['task', 'detect']]))!]) {
      assert.deepEqual(u.names, EXPECTED_NAMES);
      assert.deepEqual(u.imgsz, [640, 480]);
      assert.equal(u.task, 'detect');
    }
  });

  test('YOLOv5-style list of names and a square imgsz number', () => {
    const u = parseUltralyticsMetadata(new Map([['names', "['cat', 'dog']"], ['imgsz', '320']]))!;
    assert.deepEqual(u.names, new Map([[0, 'cat'], [1, 'dog']]));
    assert.deepEqual(u.imgsz, [320, 320]);
    assert.equal(u.task, undefined);
  });

  test('no Ultralytics fields, or unreadable ones: undefined, not an error', () => {
    assert.equal(parseUltralyticsMetadata(new Map([['author', 'me']])), undefined);
    assert.equal(parseUltralyticsMetadata(new Map([['names', '{0: person}'], ['imgsz', '[a, b]'], ['stride', '-1']])), undefined);
    const partial = parseUltralyticsMetadata(new Map([['names', '{0: broken'], ['task', 'segment']]))!;
    assert.equal(partial.task, 'segment');
    assert.equal(partial.names, undefined);
  });
});

describe('parsePythonLiteral', () => {
  test('nested containers, tuples, numbers, constants', () => {
    assert.deepEqual(parsePythonLiteral("{'a': (1, 2.5, -3e2), 'b': [True, None, False],}"),
      new Map<unknown, unknown>([['a', [1, 2.5, -300]], ['b', [true, null, false]]]));
    assert.deepEqual(parsePythonLiteral('[]'), []);
  });
  test('rejects what is not a literal', () => {
    for (const bad of ['', '{0: x}', '[1, 2', "'open", '1 2', 'os.system("x")']) assert.throws(() => parsePythonLiteral(bad), SyntaxError, bad);
  });
});
