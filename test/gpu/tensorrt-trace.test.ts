// After the GPU suite: did the suite drive every TensorRT call the addon makes? The TensorRT double
// appends one line per interface call to $TRT_DOUBLE_TRACE; scripts/gpu-suite.sh runs the suite with
// it set, then runs this file with TRT_GPU_FINISHED_TRACE pointing at that trace. The calls the addon
// makes are read from its source (native/src), with `#if TRTP_TRT_AT_LEAST(..)` branches evaluated
// for the header version the addon passed to createInferRuntime_INTERNAL (read from the trace).
//
// Needs no GPU: only the finished trace. Skips, saying so, when TRT_GPU_FINISHED_TRACE is unset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import { addonTrtCalls, traceApis } from './helpers.js';

const TRACE_ENV = 'TRT_GPU_FINISHED_TRACE';
/** Optional: where to write the coverage table as well (scripts/gpu-suite.sh puts it under $OUT). */
const REPORT_ENV = 'TRT_GPU_TRACE_REPORT';

const tracePath = process.env[TRACE_ENV];
const skip = tracePath === undefined || tracePath === '' ? `${TRACE_ENV} is not set (scripts/gpu-suite.sh sets it after the suite has run with TRT_DOUBLE_TRACE)` : false;
if (skip) console.log(`trace coverage skipped: ${skip}`);

function nativeSources(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(cc|cpp|h)$/.test(e.name)) out.set(relative(repoRoot, p), readFileSync(p, 'utf8'));
    }
  };
  walk(join(repoRoot, 'native', 'src'));
  return out;
}

test('the GPU suite made every TensorRT call the addon compiles, as the double traced them', { skip }, () => {
  assert.ok(tracePath !== undefined && existsSync(tracePath), `no trace at ${tracePath}`);
  const text = readFileSync(tracePath, 'utf8');
  const seen = traceApis(text);
  // "createInferRuntime_INTERNAL 101600 -> 0x..": the addon passes NV_TENSORRT_VERSION of its headers.
  const encoded = /^createInferRuntime_INTERNAL (\d+) /m.exec(text)?.[1];
  assert.ok(encoded !== undefined, `the trace (${seen.size} APIs) has no createInferRuntime_INTERNAL line: did any engine load?`);
  const v = Number(encoded);
  const header: [number, number] = v >= 100000 ? [Math.floor(v / 10000), Math.floor(v / 100) % 100] : [Math.floor(v / 1000), Math.floor(v / 100) % 10];
  const calls = addonTrtCalls(nativeSources(), header);
  assert.ok(calls.length >= 25, `found only ${calls.length} TensorRT calls in native/src: has the way the addon calls TensorRT changed?`);

  const rows = calls.map((c) => {
    const n = seen.get(c.api) ?? 0;
    const state = !c.compiled ? 'not compiled' : n > 0 ? 'traced' : 'MISSING';
    return { ...c, n, state };
  });
  const width = Math.max(...rows.map((r) => r.api.length));
  const table = [
    `TensorRT calls in the addon (headers ${header.join('.')}) against the double's trace ${tracePath} (${text.split('\n').length - 1} lines)`,
    `${'API'.padEnd(width)}  ${'state'.padEnd(12)} ${'count'.padStart(7)}  kind      where`,
    ...rows.map((r) => `${r.api.padEnd(width)}  ${r.state.padEnd(12)} ${String(r.n).padStart(7)}  ${r.callback ? 'callback' : 'call    '}  ${r.where}`),
    '',
    `traced APIs the addon source does not name directly: ${[...seen.keys()].filter((api) => !calls.some((c) => c.api === api)).sort().join(', ') || 'none'}`,
  ].join('\n');
  console.log(table);
  const reportPath = process.env[REPORT_ENV];
  if (reportPath) writeFileSync(reportPath, table + '\n');

  const missing = rows.filter((r) => r.state === 'MISSING').map((r) => `${r.api} (${r.where})`);
  assert.deepEqual(missing, [], `compiled TensorRT calls the suite never made:\n${table}`);
  for (const api of ['createInferRuntime_INTERNAL', 'IRuntime::deserializeCudaEngine', 'ICudaEngine::createExecutionContext', 'IExecutionContext::setOptimizationProfileAsync',
    'IExecutionContext::setInputShape', 'IExecutionContext::setTensorAddress', 'IExecutionContext::inferShapes', 'IExecutionContext::getTensorShape',
    'IExecutionContext::setOutputAllocator', 'IExecutionContext::enqueueV3', 'IOutputAllocator::notifyShape']) {
    assert.ok(rows.some((r) => r.api === api && r.compiled), `the source scan did not find ${api}:\n${table}`);
  }
});
