#!/usr/bin/env node
// One child of scripts/gpu-real-runtime.sh: loads a prebuilt addon with one real TensorRT runtime
// library (NVIDIA's lean or dispatch runtime from PyPI, given as TRT_PARITY_LIBNVINFER by the parent:
// the addon opens libnvinfer once per process), reads its version, and feeds it plans that must
// fail: garbage, a truncated plan, our double's plan, and our double's plan with the header of another
// TensorRT version. Every error is recorded with TensorRT's own log lines (the logger working with the
// real library is what this checks: TensorRT 11 moved ILogger::log behind IVersionedInterface), and
// classified by dist/src/backends/tensorrt/classify-engine-error.js, into one JSON file.
//
//   node scripts/gpu-real-runtime.mjs <addon.node> <double.engine> <out.json> [label]
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [addonPath, doublePlanPath, outPath, label = ''] = process.argv.slice(2);
if (!addonPath || !doublePlanPath || !outPath) {
  console.error('usage: node scripts/gpu-real-runtime.mjs <addon.node> <double.engine> <out.json> [label]');
  process.exit(2);
}
const lib = process.env.TRT_PARITY_LIBNVINFER ?? null;

/** A deterministic stream of bytes (xorshift32), so that "garbage" is the same every run. */
function garbage(n, seed = 12345) {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

function errorRecord(err) {
  const rec = { message: err instanceof Error ? err.message : String(err) };
  if (err && typeof err === 'object') {
    for (const [k, v] of Object.entries(err)) if (k !== 'stack') rec[k] = v;
  }
  return rec;
}

const record = { label, library: lib, librarySha256: null, addon: resolve(addonPath), startedAt: new Date().toISOString(), node: process.version, info: null, loadTensorRt: null, cases: [] };
try {
  record.librarySha256 = lib ? createHash('sha256').update(readFileSync(lib)).digest('hex') : null;
} catch (err) {
  record.librarySha256 = `unreadable: ${err.message}`;
}

let classify = null;
try {
  classify = (await import(pathToFileURL(join(root, 'dist', 'src', 'backends', 'tensorrt', 'classify-engine-error.js')).href)).classifyEngineError;
} catch (err) {
  record.classifierError = err.message;
}

const addon = createRequire(import.meta.url)(resolve(addonPath));
record.info = addon.getRuntimeInfo();
try {
  record.loadTensorRt = await addon.loadTensorRt();
} catch (err) {
  record.loadTensorRt = { error: errorRecord(err) };
}
const runtime = record.loadTensorRt?.tensorrt ? record.loadTensorRt : record.info;
const libVersion = runtime?.tensorrt?.libraryVersion ?? null;

const double = new Uint8Array(readFileSync(doublePlanPath));
const otherVersion = Uint8Array.from(double);
// bytes 24..27 hold the version that built the plan (plan-file.ts); name one this library is not
const [maj] = (libVersion ?? '10.16.1').split('.').map(Number);
otherVersion.set(maj === 10 ? [10, 3, 0, 26] : [10, 16, 1, 11], 24);
const cases = [
  { name: 'garbage', bytes: garbage(4096), planVersion: null },
  { name: 'truncated-plan', bytes: double.subarray(0, Math.floor(double.length / 2)), planVersion: [...double.subarray(24, 28)].join('.') },
  { name: 'double-plan', bytes: double, planVersion: [...double.subarray(24, 28)].join('.') },
  { name: 'other-version-header', bytes: otherVersion, planVersion: [...otherVersion.subarray(24, 28)].join('.') },
  { name: 'double-plan-host-code-allowed', bytes: double, planVersion: [...double.subarray(24, 28)].join('.'), options: { allowHostCode: true } },
];
for (const c of cases) {
  const entry = { name: c.name, bytes: c.bytes.length, planVersion: c.planVersion, options: c.options ?? {}, loaded: false, error: null, classified: null };
  const started = Date.now();
  try {
    const engine = await addon.loadEngine(c.bytes, { device: 0, logLevel: 'verbose', ...(c.options ?? {}) });
    entry.loaded = true;
    entry.info = engine.info();
    await engine.dispose();
  } catch (err) {
    entry.error = errorRecord(err);
    if (classify) {
      try {
        const cls = classify(err, { enginePath: `${c.name}.engine`, phase: 'load', planVersion: c.planVersion, allowHostCode: c.options?.allowHostCode ?? false, runtime, device: 0 });
        entry.classified = { reason: cls.reason ?? cls.problem?.reason ?? null, ...cls };
      } catch (e) {
        entry.classified = { classifierThrew: e.message };
      }
    }
  }
  entry.ms = Date.now() - started;
  record.cases.push(entry);
}
record.finishedAt = new Date().toISOString();
writeFileSync(outPath, `${JSON.stringify(record, null, 2)}\n`);
const line = (e) => `${e.name}: ${e.loaded ? 'LOADED' : `${e.error?.code ?? '?'} -> ${e.classified?.reason ?? '?'}`}; ${(e.error?.message ?? '').split('\n')[0].slice(0, 160)}`;
console.log(`${label}: ${lib} version ${libVersion ?? `none (${runtime?.tensorrt?.libraryError ?? record.loadTensorRt?.error?.message})`}`);
for (const e of record.cases) console.log(`  ${line(e)}`);
