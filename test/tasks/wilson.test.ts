import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { wilsonInterval } from '../../src/tasks/wilson.js';
import { fixture } from '../helpers/paths.js';

const oracle = JSON.parse(readFileSync(fixture('tasks', 'wilson-oracle.json'), 'utf8')) as { cases: { successes: number; n: number; low: number; high: number }[] };

test('equals statsmodels proportion_confint(method="wilson") on every committed case', () => {
  assert.ok(oracle.cases.length >= 8);
  for (const c of oracle.cases) {
    const w = wilsonInterval(c.successes, c.n);
    assert.ok(Math.abs(w.low - c.low) < 1e-12 && Math.abs(w.high - c.high) < 1e-12, `${c.successes}/${c.n}: [${w.low}, ${w.high}] vs [${c.low}, ${c.high}]`);
  }
});

test('hand values: 4/4 and 0/4', () => {
  // z = 1.959964, z² = 3.841459. 4/4: centre = (1 + z²/8)/(1 + z²/4) = 1.480182/1.960365 = 0.755055,
  // half = (z/1.960365)·sqrt(0 + z²/64) = 0.999795·0.244997 = 0.244947 → [0.510109, 1].
  const all = wilsonInterval(4, 4);
  assert.ok(Math.abs(all.low - 0.510109) < 1e-6, String(all.low));
  assert.equal(all.high, 1);
  // 0/4 mirrors it.
  const none = wilsonInterval(0, 4);
  assert.equal(none.low, 0);
  assert.ok(Math.abs(none.high - 0.489891) < 1e-6, String(none.high));
});

test('no observations: the whole [0, 1], never NaN', () => {
  assert.deepEqual(wilsonInterval(0, 0), { low: 0, high: 1 });
});
