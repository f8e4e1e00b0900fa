/**
 * The WebAssembly normalisation gather (src/image/wasm-gather.ts, which preprocess() uses for float32
 * tensors) against what it must equal: each output value is the normalisation table's entry for the
 * byte that preprocess()'s uint8 path (its JavaScript gather) puts at the same position, in every
 * layout and channel order; and preprocess()'s float32 output equals the same (the numpy goldens of
 * preprocess-golden.test.ts pin the table itself).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { DEFAULT_PREPROCESS_OPTIONS, normalizationTable, preprocess } from '../../src/image/preprocess.js';
import { gatherFloat32Wasm } from '../../src/image/wasm-gather.js';
import { noise } from '../helpers/noise.js';


test('the WebAssembly gather puts the table value of the right byte at every position, every layout and channel order', () => {
  const options = { ...DEFAULT_PREPROCESS_OPTIONS, mean: [0.1, 0.5, 0.9] as const, std: [0.2, 0.3, 0.7] as const };
  const table = normalizationTable(options);
  for (const [w, h] of [[1, 1], [7, 5], [224, 224], [640, 360], [3, 1000]] as const) {
    const data = noise(w * h * 3, w * 31 + h);
    const plane = w * h;
    for (const layout of ['nchw', 'nhwc'] as const) {
      for (const channelOrder of ['rgb', 'bgr'] as const) {
        const bytes = preprocess({ data, width: w, height: h }, { ...options, layout, channelOrder, dtype: 'uint8' }).data as Uint8Array;
        const [s0, s1, s2] = channelOrder === 'bgr' ? [2, 1, 0] : [0, 1, 2];
        const got = gatherFloat32Wasm(data, table, plane, s0, s1, s2, layout === 'nchw' ? 1 : 3, layout === 'nchw' ? plane : 1);
        assert.ok(got !== null, 'WebAssembly runs on Node 20');
        assert.equal(got.length, plane * 3);
        const channelOf = (k: number) => (layout === 'nchw' ? Math.floor(k / plane) : k % 3);
        for (let k = 0; k < got.length; k++) {
          if (!Object.is(got[k], table[channelOf(k) * 256 + bytes[k]!])) assert.fail(`${w}x${h} ${layout} ${channelOrder}: element ${k}`);
        }
        const viaPreprocess = preprocess({ data, width: w, height: h }, { ...options, layout, channelOrder }).data as Float32Array;
        assert.ok(Buffer.from(viaPreprocess.buffer, viaPreprocess.byteOffset, viaPreprocess.byteLength).equals(Buffer.from(got.buffer)));
      }
    }
  }
});

test('the result is a fresh array: a second call does not change the first one\'s values', () => {
  const table = normalizationTable(DEFAULT_PREPROCESS_OPTIONS);
  const a = gatherFloat32Wasm(new Uint8Array(12).fill(10), table, 4, 0, 1, 2, 1, 4)!;
  const before = Array.from(a);
  gatherFloat32Wasm(new Uint8Array(12).fill(200), table, 4, 0, 1, 2, 1, 4);
  assert.deepEqual(Array.from(a), before);
});

test('a table that is not 3 x 256 values, or an image too large for the kernel memory, is left to JavaScript (null)', () => {
  assert.equal(gatherFloat32Wasm(new Uint8Array(3), new Float32Array(10), 1, 0, 1, 2, 1, 1), null);
  // 12 MP (a phone photo, at a dynamic-size model): 36 MB of bytes plus 144 MB of floats, above
  // MAX_MEMORY_BYTES; refused before anything is copied, so no worker keeps 180 MB of kernel memory.
  assert.equal(gatherFloat32Wasm(new Uint8Array(0), new Float32Array(768), 12_000_000, 0, 1, 2, 1, 12_000_000), null);
  // The largest that fits: 2048 x 2048.
  const plane = 2048 * 2048;
  assert.ok(gatherFloat32Wasm(new Uint8Array(plane * 3), normalizationTable(DEFAULT_PREPROCESS_OPTIONS), plane, 0, 1, 2, 1, plane) !== null);
});
