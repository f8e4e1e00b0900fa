/**
 * Diagnostic: is the first device-to-host copy into a freshly allocated pinned block slower than
 * later ones? Pooled outputs (native/src/session.cc) use up to 64 blocks, each fresh on first use.
 * Times d2hMs of the echo engine (CUDA part only, no TensorRT) for outputs of 1 MiB and 16 MiB:
 * into new pool blocks (results kept alive, so each call needs a new block), into reused blocks
 * (after a GC returned them), and through the staging set (pooledOutputs false).
 *
 *   node dist/benchmarks/overhead/pool-d2h.js      (needs a GPU; prints one line per size)
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadAddon } from '../../src/backends/tensorrt/load-addon.js';
import type { NativeInferResult } from '../../src/backends/tensorrt/native-contract.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1]!;

const load = loadAddon();
if (!load.ok || load.addon._createEchoEngine === undefined) {
  console.error(`pool-d2h: ${load.ok ? 'no echo engine in this addon' : load.problem.message}`);
  process.exit(3);
}
for (const mib of [1, 16]) {
  const n = mib << 20;
  const engine = await load.addon._createEchoEngine({ inputs: [{ name: 'x', dtype: 'uint8', shape: [-1] }] });
  const request = { inputs: [{ name: 'x', shape: [n], data: new Uint8Array(n).fill(7) }] };
  const held: NativeInferResult[] = [];
  const fresh: number[] = [];
  for (let i = 0; i < 8; i++) {
    const r = await engine.infer(request);
    held.push(r);
    fresh.push(r.timing.d2hMs);
  }
  held.length = 0;
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  const reused: number[] = [];
  for (let i = 0; i < 8; i++) reused.push((await engine.infer(request)).timing.d2hMs);
  const staging: number[] = [];
  engine._tune({ pooledOutputs: false });
  for (let i = 0; i < 8; i++) staging.push((await engine.infer(request)).timing.d2hMs);
  engine._tune({ pooledOutputs: true });
  const d = engine._debug();
  console.log(`pool-d2h ${mib} MiB: d2hMs median fresh blocks ${median(fresh).toFixed(3)} (first ${fresh[0]!.toFixed(3)}), reused blocks ${median(reused).toFixed(3)}, staging set ${median(staging).toFixed(3)}; pool allocations ${d?.outputBlockAllocs}, pooled ${d?.pooledOutputs}, copied ${d?.copiedOutputs}`);
  await engine.dispose();
}
