#!/usr/bin/env bash
# The one command for the GPU machine (docs/gpu-runs.md). From the repo root, after
# `source .device/setup.sh` (it is sourced here when node is missing):
#
#   bash scripts/gpu-suite.sh
#
# 1. the GPU tests, dist/test/gpu/*.test.js, with TRT_PARITY_LIBNVINFER at the TensorRT double and
#    TRT_DOUBLE_TRACE recording every TensorRT call;
# 2. the trace check (test/gpu/tensorrt-trace.test.ts) on that finished trace;
# 3. the overhead benchmark (benchmarks/overhead/);
# 4. `trt-parity bench` through the double, its GPU compute time against benchmarks/gpu-compute's
#    independent CUDA-event measurement of the same kernel (test/gpu/bench-double.test.ts), alone;
# 5. the double's tests (and the real-engine cases) once more under compute-sanitizer memcheck, with TRT_GPU_QUICK=1.
#
# Logs go to $OUT (default /tmp/gpu-suite): at most 8 files, each well under 16 MB; the summary is
# printed last. Exit 0 when every step passed, 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null && [ -f .device/setup.sh ]; then
  # shellcheck disable=SC1091
  source .device/setup.sh >/dev/null
fi
OUT=${OUT:-/tmp/gpu-suite}
mkdir -p "$OUT"
start=$(date +%s)
summary="$OUT/summary.txt"
: > "$summary"
say() { echo "$*" | tee -a "$summary"; }
status=0

lib=$(ls build/trt-double/libnvinfer.so.* 2>/dev/null | grep -v plugin | head -n1)
if [ -z "$lib" ]; then
  say "FAIL: no build/trt-double/libnvinfer.so.* (build it here first: TensorRT_INCLUDE_DIR=... node scripts/build-trt-double.mjs --strict)"
  exit 1
fi
export TRT_PARITY_LIBNVINFER="$PWD/$lib"
trace="$OUT/trt-calls.txt"
rm -f "$trace" "$trace.gz"

{
  echo "date: $(date -u +%FT%TZ)"
  echo "node: $(node --version)"
  nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv 2>&1
  echo "TRT_PARITY_LIBNVINFER=$TRT_PARITY_LIBNVINFER"
  # probedRuntimeInfo: getRuntimeInfo never loads libnvinfer (ABI 2); loadTensorRt does, on a worker thread.
  node -e "import('./dist/src/backends/tensorrt/load-addon.js').then(async m => { const l = m.loadAddon(); console.log(JSON.stringify(l.ok ? await m.probedRuntimeInfo(l.addon) : l.problem, null, 1)); })" 2>&1
} > "$OUT/env.txt"

# Step 1. One test file at a time: the memory and timing checks must not share the GPU or the cores.
# The bench test runs alone in step 4: its 3% timing check wants a quiet GPU and no trace writes.
tests=$(ls dist/test/gpu/*.test.js | grep -vE '/(tensorrt-trace|bench-double)\.test\.js$')
t0=$(date +%s)
TRT_DOUBLE_TRACE="$trace" node --test --test-concurrency=1 --test-reporter=spec $tests > "$OUT/gpu-tests.log" 2>&1
rc=$?
[ $rc -eq 0 ] || status=1
say "step 1 GPU tests: $( [ $rc -eq 0 ] && echo PASS || echo "FAIL (rc $rc)" ) in $(( $(date +%s) - t0 )) s; $(grep -E '^ℹ (tests|pass|fail|skipped)' "$OUT/gpu-tests.log" | tr -d 'ℹ' | tr '\n' ' ')"
grep -E '^\s*✖' "$OUT/gpu-tests.log" | grep -v 'failing tests' | sed -E 's/^ +//; s/ \([0-9.]+ms\)$//' | sort -u | head -20 | sed 's/^/    /' | tee -a "$summary"

# Step 2. Which TensorRT calls of the addon the suite made.
TRT_GPU_FINISHED_TRACE="$trace" TRT_GPU_TRACE_REPORT="$OUT/trace-coverage.txt" \
  node --test --test-reporter=spec dist/test/gpu/tensorrt-trace.test.js > "$OUT/trace-check.log" 2>&1
rc=$?
[ $rc -eq 0 ] || status=1
say "step 2 trace coverage: $( [ $rc -eq 0 ] && echo PASS || echo "FAIL (rc $rc)" ); $(grep -c ' traced ' "$OUT/trace-coverage.txt" 2>/dev/null || echo 0) calls traced, missing: $(grep ' MISSING ' "$OUT/trace-coverage.txt" 2>/dev/null | awk '{print $1}' | tr '\n' ' ')"
# The table says everything the log would; keep one file.
cat "$OUT/trace-check.log" >> "$OUT/trace-coverage.txt" && rm -f "$OUT/trace-check.log"
[ -f "$trace" ] && gzip -f "$trace"

# Step 3. Overhead benchmark (one process: addon, backend, then the raw copy).
t0=$(date +%s)
node dist/benchmarks/overhead/overhead.js --json "$OUT/overhead.json" > "$OUT/overhead.log" 2>&1
rc=$?
[ $rc -eq 0 ] || status=1
cat "$OUT/overhead.json" >> "$OUT/overhead.log" 2>/dev/null && rm -f "$OUT/overhead.json"
say "step 3 overhead benchmark: $( [ $rc -eq 0 ] && echo done || echo "FAIL (rc $rc)" ) in $(( $(date +%s) - t0 )) s"
grep -E 'overhead, |H2D' "$OUT/overhead.log" | head -8 | sed 's/^/    /' | tee -a "$summary"

# Step 4. bench through the double, and the compute-time check against benchmarks/gpu-compute.
# Alone (nothing else on the GPU) and without TRT_DOUBLE_TRACE: a file write per TensorRT call is host
# time that the event-timed compute would partly enclose. The test writes its three bench reports and
# the independent measurement to TRT_GPU_BENCH_REPORT; they are appended to the log (one file in $OUT).
t0=$(date +%s)
bench_report=$(mktemp)
TRT_GPU_BENCH_REPORT="$bench_report" timeout 300 node --test --test-reporter=spec dist/test/gpu/bench-double.test.js \
  > "$OUT/bench-double.log" 2>&1
rc=$?
[ $rc -eq 0 ] || status=1
if [ -s "$bench_report" ]; then
  numbers=$(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const us = (ms) => (typeof ms === "number" ? (ms * 1000).toFixed(1) + " µs" : "n/a");
    const trt = (k) => r[k]?.results?.find((x) => x.backend === "tensorrt")?.gpu ?? null;
    const nt = trt("noTransfers"), ind = r.independent, both = r.bothBackends;
    console.log(`compute median: bench --no-transfers ${us(nt?.compute.median)} (enqueue ${us(nt?.enqueue.median)}), affine_compute ${us(ind?.medianMs)}` +
      ` (${us(r.independentBackToBack?.medianMs)} back to back)` +
      `, ratio ${typeof r.computeRatio === "number" ? r.computeRatio.toFixed(4) : "n/a"} (bound 1 ± ${r.tolerance}); ${ind?.device ?? ""} [${(r.shapes?.computeCheck ?? []).join("x")}]`);
    const g = trt("bothBackends"), h = both?.headline;
    if (g) console.log(`both backends [${(r.shapes?.bothBackends ?? []).join("x")}]: TensorRT h2d ${us(g.h2d.median)}, compute ${us(g.compute.median)}, d2h ${us(g.d2h.median)}` +
      (h ? `; speed-up ${h.speedupEndToEnd.toFixed(2)}x end to end, ${h.speedupCompute.toFixed(2)}x compute` : ""));
    const s = r.cudaGraph?.results?.find((x) => x.backend === "tensorrt")?.samples ?? [];
    const states = {}; for (const x of s) states[x.graph] = (states[x.graph] ?? 0) + 1;
    if (s.length) console.log(`--cuda-graph samples: ${JSON.stringify(states)}${s[0].graphFallbackReason ? "; fallback: " + s[0].graphFallbackReason : ""}`);
  ' "$bench_report" 2>&1)
  { echo; echo "===== TRT_GPU_BENCH_REPORT (bench reports and the independent measurement) ====="; cat "$bench_report"; } >> "$OUT/bench-double.log"
else
  numbers="no report: $(grep -m1 -oE 'skipped: .*' "$OUT/bench-double.log" || echo 'the test wrote none (see bench-double.log)')"
fi
rm -f "$bench_report"
verdict=$( [ $rc -eq 0 ] && echo PASS || echo "FAIL (rc $rc)" )
[ $rc -eq 0 ] && [ "${numbers#no report}" != "$numbers" ] && verdict=SKIPPED
say "step 4 bench vs independent compute time: $verdict in $(( $(date +%s) - t0 )) s; $(grep -E '^ℹ (tests|pass|fail|skipped)' "$OUT/bench-double.log" | tr -d 'ℹ' | tr '\n' ' ')"
echo "$numbers" | sed 's/^/    /' | tee -a "$summary"
grep -E '^\s*✖' "$OUT/bench-double.log" | grep -v 'failing tests' | sed -E 's/^ +//; s/ \([0-9.]+ms\)$//' | sort -u | head -5 | sed 's/^/    /' | tee -a "$summary"

# Step 5. memcheck over the double tests.
# --leak-check full: device allocations still live when the CUDA context is torn down are leaks of
#   ours or the double's (Node itself makes no CUDA calls, and the addon frees every session in its
#   environment cleanup hook, so a clean exit should leave none).
# --target-processes all: node --test runs each file in a child process.
# No --report-api-errors all: the default (explicit) reports failing CUDA calls we make; "all" would
#   add the driver's internal probing. No TRT_DOUBLE_TRACE (file I/O per call), TRT_GPU_QUICK=1
#   (1,000 instead of 10,000 calls in the memory test) to keep the run within minutes.
sanitizer=${COMPUTE_SANITIZER:-/usr/local/cuda/bin/compute-sanitizer}
t0=$(date +%s)
if [ -x "$sanitizer" ]; then
  TRT_GPU_QUICK=1 timeout 420 "$sanitizer" --tool memcheck --leak-check full --target-processes all --print-limit 100 \
    node --test --test-concurrency=1 --test-reporter=spec dist/test/gpu/tensorrt-double.test.js dist/test/gpu/tensorrt-double-cli.test.js dist/test/gpu/real-engine-cases.test.js \
    > "$OUT/sanitizer.log" 2>&1
  rc=$?
  errors=$(grep -E 'ERROR SUMMARY: [0-9]+' "$OUT/sanitizer.log" | awk '{s += $4} END {print s + 0}')
  leaks=$(grep -c 'Leaked [0-9]* bytes' "$OUT/sanitizer.log")
  if [ $rc -ne 0 ] || [ "$errors" != 0 ]; then status=1; fi
  say "step 5 compute-sanitizer memcheck: rc $rc, $errors errors, $leaks leak reports, $(grep -cE 'ERROR SUMMARY' "$OUT/sanitizer.log") processes checked, $(( $(date +%s) - t0 )) s"
  grep -E '^========= (Invalid|Program hit|Leaked|Error|  Saved host backtrace)' "$OUT/sanitizer.log" | sort | uniq -c | sort -rn | head -8 | sed 's/^/    /' | tee -a "$summary"
  # Keep the log under 16 MB.
  if [ "$(stat -c %s "$OUT/sanitizer.log")" -gt 15000000 ]; then
    head -c 7000000 "$OUT/sanitizer.log" > "$OUT/sanitizer.head" && tail -c 7000000 "$OUT/sanitizer.log" > "$OUT/sanitizer.tail"
    cat "$OUT/sanitizer.head" <(echo '... [cut] ...') "$OUT/sanitizer.tail" > "$OUT/sanitizer.log" && rm -f "$OUT/sanitizer.head" "$OUT/sanitizer.tail"
  fi
else
  say "step 5 compute-sanitizer: not run ($sanitizer not found)"
fi

say "gpu-suite: $( [ $status -eq 0 ] && echo 'ALL PASSED' || echo 'SOMETHING FAILED' ) in $(( $(date +%s) - start )) s; logs in $OUT: $(cd "$OUT" && ls | tr '\n' ' ')"
echo
echo "===== summary ====="
cat "$summary"
exit $status
