import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readPlanVersion } from '../../../src/backends/tensorrt/plan-header.js';

// Offsets 24/25/26 = major/minor/patch, per NVIDIA/TensorRT#3073 as relayed by Autoware's
// tensorrt_common (guide tensorrt-runtime.md §1.6). The bytes below are written by hand.
test('reads major.minor.patch from bytes 24–26', () => {
  const plan = new Uint8Array(64);
  plan.set([10, 3, 0], 24);
  assert.equal(readPlanVersion(plan), '10.3.0');
  plan.set([8, 6, 1], 24);
  assert.equal(readPlanVersion(plan), '8.6.1');
});

test('too short, or no plausible major: null', () => {
  assert.equal(readPlanVersion(new Uint8Array(26)), null);
  assert.equal(readPlanVersion(new Uint8Array(27)), null); // major 0
  const odd = new Uint8Array(27);
  odd[24] = 200;
  assert.equal(readPlanVersion(odd), null);
  const exact = new Uint8Array(27);
  exact.set([11, 1, 0], 24);
  assert.equal(readPlanVersion(exact), '11.1.0');
});
