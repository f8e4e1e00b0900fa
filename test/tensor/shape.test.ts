import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatShape } from '../../src/tensor/shape.js';

describe('formatShape', () => {
  test('concrete shapes and coordinates, as the text report prints them', () => {
    assert.equal(formatShape([0, 105]), '[0,105]');
    assert.equal(formatShape([1, 3, 224, 224]), '[1,3,224,224]');
    assert.equal(formatShape([]), '[]');
  });
  test('dynamic dims by name, unknown ones as ?', () => {
    assert.equal(formatShape([1, 'h', null]), '[1,h,?]');
  });
});
