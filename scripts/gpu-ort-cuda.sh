#!/usr/bin/env bash
# ONNX Runtime's CUDA provider on the GPU machine (issue 17; docs/gpu-runs.md, "ONNX Runtime on the
# GPU"). From the repo root, with onnxruntime-node's CUDA provider files at hand (see below):
#
#   source .device/setup.sh && ORT_CUDA_DIR=<folder with the two .so> OUT=$OUT bash scripts/gpu-ort-cuda.sh
#
# Inputs (environment):
#   ORT_CUDA_DIR   a folder holding libonnxruntime_providers_cuda.so and libonnxruntime_providers_shared.so
#                  from the onnxruntime-gpu wheel of onnxruntime-node's version; copied next to
#                  onnxruntime-node's libonnxruntime.so.1. Unset: they must be there already.
#   TORCH_PYTHON   a Python whose torch is a CUDA 13 build; its site-packages/nvidia/*/lib (CUDA 13,
#                  cuDNN 9, cuBLAS, cuFFT, …) go on LD_LIBRARY_PATH. Unset: the first of python3 and
#                  /opt/*/.venv/bin/python that imports torch.
#   OUT            where the logs go (default /tmp/gpu-ort-cuda); 6 files.
#
# Steps:
#   1. versions (GPU, driver, torch, CUDA, cuDNN, onnxruntime-node) and `ldd` of the CUDA provider;
#   2. `trt-parity doctor --json`: the providers section (cuda must load);
#   3. per bundled model, on fixtures/images/photos: a CPU run saved with --save-outputs, then the
#      same model with --onnx-provider cuda compared against it at the default tolerances: max |diff|,
#      max rel, and the smallest atol (at rtol 1e-3) and rtol (at atol 1e-5) that pass everywhere;
#      then test/gpu/ort-cuda.test.ts;
#   4. `bench` on one identical seeded input: ONNX Runtime CUDA vs TensorRT, ONNX Runtime CPU vs
#      TensorRT (affine.onnx at 1x3x224x224 and 1x3x1024x1024), and classifier.onnx on a photo with
#      CUDA and with CPU. TensorRT here is trt-parity's TensorRT test double (test/doubles/trt-double,
#      our own libnvinfer.so.10 running one CUDA kernel for the affine model), not NVIDIA's TensorRT:
#      its engine is the affine twin that test/gpu/bench-double.test.ts uses;
#   5. summary.txt (also printed last).
# Exit 0 when the CUDA provider loads and every step ran, 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null && [ -f .device/setup.sh ]; then
  # shellcheck disable=SC1091
  source .device/setup.sh >/dev/null
fi
OUT=${OUT:-/tmp/gpu-ort-cuda}
mkdir -p "$OUT"
start=$(date +%s)
summary="$OUT/summary.txt"
: > "$summary"
say() { echo "$*" | tee -a "$summary"; }
status=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cli="node dist/src/cli/main.js"

read -r ortdir ortver < <(node -e 'import("./dist/src/backends/onnx/providers.js").then((m) => { const d = m.ortLibDir(); console.log(d.dir ?? "?", d.version ?? "?"); })')
# The provider under test; ORT_TEST_PROVIDER=cpu dry-runs every step on a machine without a GPU.
prov_gpu=${ORT_TEST_PROVIDER:-cuda}
if [ -n "${ORT_CUDA_DIR:-}" ]; then
  for f in libonnxruntime_providers_shared.so libonnxruntime_providers_cuda.so; do
    [ -f "$ORT_CUDA_DIR/$f" ] && cp -f "$ORT_CUDA_DIR/$f" "$ortdir/$f"
  done
fi

# Step 1. The CUDA libraries of the torch install on the loader path; versions.
py=""
for cand in ${TORCH_PYTHON:-} python3 /opt/*/.venv/bin/python; do
  if [ -x "$(command -v "$cand" 2>/dev/null)" ] && "$cand" -c 'import torch' 2>/dev/null; then py=$cand; break; fi
done
if [ -n "$py" ]; then
  site=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  nvlibs=$(ls -d "$site"/nvidia/*/lib 2>/dev/null | paste -sd:)
  export LD_LIBRARY_PATH="$nvlibs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "node: $(node --version), onnxruntime-node $ortver, binding folder $ortdir"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1
  if [ -n "$py" ]; then
    "$py" -c 'import torch; print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}")' 2>&1
  else
    echo "no Python with torch found (set TORCH_PYTHON): LD_LIBRARY_PATH not extended"
  fi
  echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
  for f in libonnxruntime_providers_shared.so libonnxruntime_providers_cuda.so; do
    if [ -f "$ortdir/$f" ]; then echo "$f: $(stat -c %s "$ortdir/$f") bytes, sha256 $(sha256sum "$ortdir/$f" | cut -c1-16)…"; else echo "$f: MISSING"; fi
  done
  echo "ldd libonnxruntime_providers_cuda.so, libraries not found:"
  if [ -f "$ortdir/libonnxruntime_providers_cuda.so" ]; then
    ldd "$ortdir/libonnxruntime_providers_cuda.so" 2>&1 | grep -E 'not found|cannot' || echo "  none"
  else
    echo "  (no file)"
  fi
} > "$OUT/env.txt" 2>&1
say "step 1 environment:"
sed 's/^/    /' "$OUT/env.txt" | tee -a "$summary"

# Step 2. doctor's providers section.
$cli doctor --json "$work/doctor.json" > "$OUT/doctor.txt" 2>&1
cuda_state=$(node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const p = r.onnxruntime?.providers;
  if (!p) { console.log("no providers section"); process.exit(0); }
  const c = p.providers.find((x) => x.name === "cuda");
  console.log(c ? `${c.load.outcome}${c.load.ms === null ? "" : ` (${c.load.ms.toFixed(0)} ms)`}: ${c.load.detail}${c.missingLibrary ? `; missing ${c.missingLibrary}` : ""}` : "no cuda entry");
' "$work/doctor.json" 2>&1)
say "step 2 doctor, cuda provider: $cuda_state"
case "$prov_gpu:$cuda_state" in
  cpu:*|*:loads*) ;;
  *)
    # Go on: compare and bench say for themselves whether --onnx-provider cuda opens (exit 3 if not).
    say "    doctor says the CUDA provider does not load (doctor.txt has the fixes); the steps below still run"
    status=1
    ;;
esac

if true; then
  # Step 3. CUDA against CPU on every bundled model that takes an image.
  t0=$(date +%s)
  models="classifier classifier-dynamic classifier-fp16 two-outputs affine detector-ultralytics detector-yolov5 detector-nms"
  : > "$OUT/compare.log"
  for m in $models; do
    model="fixtures/models/$m.onnx"
    {
      echo "===== $m: CPU run saved"
      $cli compare "$model" "$model" fixtures/images/photos --onnx-provider cpu --save-outputs "$work/cpu-$m" --no-progress 2>&1 | tail -2
      echo "===== $m: CUDA vs that CPU run (default tolerances)"
      $cli compare "$model" "$work/cpu-$m" fixtures/images/photos --onnx-provider "$prov_gpu" --no-progress --json "$work/cmp-$m.json" 2>&1
      echo "exit $?"
    } >> "$OUT/compare.log" 2>&1
  done
  say "step 3 compare, ONNX Runtime $prov_gpu (first) vs CPU (reference), fixtures/images/photos, $(( $(date +%s) - t0 )) s:"
  node -e '
    const fs = require("fs");
    const [dir, ...models] = process.argv.slice(1);
    const g = (x) => (x === 0 ? "0" : Number.isFinite(x) ? Number(x).toExponential(2) : String(x));
    console.log(`    ${"model".padEnd(22)}${"output".padEnd(12)}items  ${"verdict (rtol 1e-3, atol 1e-5)".padEnd(32)}${"max|diff|".padStart(9)}  ${"max rel".padStart(9)}   passes everywhere with`);
    for (const m of models) {
      let r;
      try { r = JSON.parse(fs.readFileSync(`${dir}/cmp-${m}.json`, "utf8")); } catch (e) { console.log(`    ${m.padEnd(22)}no report (see compare.log)`); continue; }
      const s = r.summary;
      for (const o of s.outputs) {
        const verdict = s.errors > 0 ? `${s.errors} ERROR` : o.failed === 0 ? "PASS" : `FAIL ${o.failed}/${o.items}`;
        const need = `--rtol 1e-3 --atol ${g(o.minAtol)} | --atol 1e-5 --rtol ${g(o.minRtol)}`;
        console.log(`    ${m.padEnd(22)}${o.name.padEnd(12)}${String(o.items).padStart(5)}  ${verdict.padEnd(32)}${g(o.maxAbs).padStart(9)}  ${g(o.maxRel).padStart(9)}   ${need}`);
      }
    }
  ' "$work" $models 2>&1 | tee -a "$summary"

  # Step 3b. The GPU test file of this provider (skips unless the CUDA provider loads).
  node --test --test-reporter=spec dist/test/gpu/ort-cuda.test.js > "$OUT/ort-cuda-test.log" 2>&1
  rc=$?
  [ $rc -eq 0 ] || status=1
  say "step 3b test/gpu/ort-cuda.test.ts: $( [ $rc -eq 0 ] && echo PASS || echo "FAIL (rc $rc)" ); $(grep -E '^ℹ (tests|pass|fail|skipped)' "$OUT/ort-cuda-test.log" | tr -d 'ℹ' | tr '\n' ' ')"
  grep -E 'max \|CUDA|session.run median|skipped:' "$OUT/ort-cuda-test.log" | sed -E 's/^ +/    /' | tee -a "$summary"

  # Step 4. bench: the engine of the double (the affine twin), then the three comparisons.
  t0=$(date +%s)
  lib=$(ls build/trt-double/libnvinfer.so.* 2>/dev/null | grep -v plugin | head -n1)
  engine="$work/affine-twin.engine"
  if [ -n "$lib" ]; then
    export TRT_PARITY_LIBNVINFER="$PWD/$lib"
    node --input-type=module -e '
      import { writeFileSync } from "node:fs";
      const { doubleSetup } = await import("./dist/test/gpu/helpers.js");
      const { doublePresets, writeDoubleEngine } = await import("./dist/test/doubles/double-engine.js");
      const { setup, skip } = await doubleSetup();
      if (!setup) { console.error(`no engine: ${skip}`); process.exit(1); }
      // affine.onnx constants (scripts/make-fixture-models.ts AFFINE_A, AFFINE_B), as bench-double.test.ts.
      writeFileSync(process.argv[1], writeDoubleEngine(doublePresets.affine({
        trtVersion: setup.trtVersion, a: [0.5, 1.7, -3.25], b: [0.1, -0.2, 0.3], inputName: "x", outputName: "y",
        profiles: [{ min: [1, 3, 1, 1], opt: [1, 3, 1024, 1024], max: [1, 3, 1024, 1024] }],
      })));
    ' "$engine" > "$work/engine.log" 2>&1
    cat "$work/engine.log" >> "$OUT/bench.log"
  fi
  benches=()
  for shape in 1x3x224x224 1x3x1024x1024; do
    for prov in "$prov_gpu" cpu; do
      name="affine-$shape-$prov"
      if [ -f "$engine" ]; then
        echo "===== bench fixtures/models/affine.onnx (ORT $prov) vs TensorRT double, x=$shape" >> "$OUT/bench.log"
        $cli bench fixtures/models/affine.onnx "$engine" --shape "x=$shape" --seed 1 --onnx-provider "$prov" --duration 3 --json "$work/$name.json" >> "$OUT/bench.log" 2>&1 || status=1
        benches+=("$name")
      fi
    done
  done
  [ -f "$engine" ] || { say "    no TensorRT double engine ($( [ -n "$lib" ] && tail -n1 "$work/engine.log" || echo 'build/trt-double/libnvinfer.so.* missing')): ORT-only benches"; status=1; }
  for prov in "$prov_gpu" cpu; do
    name="classifier-chelsea-$prov"
    echo "===== bench fixtures/models/classifier.onnx (ORT $prov), fixtures/images/photos/chelsea.jpg" >> "$OUT/bench.log"
    $cli bench fixtures/models/classifier.onnx fixtures/images/photos/chelsea.jpg --onnx-provider "$prov" --duration 3 --json "$work/$name.json" >> "$OUT/bench.log" 2>&1 || status=1
    benches+=("$name")
  done
  say "step 4 bench, $(( $(date +%s) - t0 )) s (medians; TensorRT = trt-parity's TensorRT test double, not NVIDIA's TensorRT):"
  node -e '
    const fs = require("fs");
    const [dir, ...names] = process.argv.slice(1);
    const us = (ms) => (typeof ms !== "number" ? "n/a" : ms >= 10 ? `${ms.toFixed(1)} ms` : `${(ms * 1000).toFixed(1)} µs`);
    const all = {};
    for (const n of names) {
      let r;
      try { r = JSON.parse(fs.readFileSync(`${dir}/${n}.json`, "utf8")); } catch { console.log(`    ${n}: no report (see bench.log)`); continue; }
      all[n] = r;
      const ort = r.results.find((x) => x.backend === "onnxruntime");
      const trt = r.results.find((x) => x.backend === "tensorrt");
      let line = `    ${n}: ORT ${ort?.executionProvider ?? "?"} session.run ${us(ort?.session?.median)} (cv ${ort?.session?.cvPercent.toFixed(1)}%), end to end ${us(ort?.latency.median)}, first inference ${us(ort?.firstRunMs)}`;
      if (trt?.gpu) line += `; TensorRT double h2d ${us(trt.gpu.h2d.median)} + compute ${us(trt.gpu.compute.median)} + d2h ${us(trt.gpu.d2h.median)}, end to end ${us(trt.latency.median)}`;
      const h = r.headline;
      if (h) line += `; speed-up ${h.speedupEndToEnd.toFixed(2)}x end to end${h.speedupDeviceSpan === undefined ? "" : `, ${h.speedupDeviceSpan.toFixed(2)}x device span (H2D+compute+D2H both)`}, ${h.speedupCompute.toFixed(2)}x vs TensorRT compute alone`;
      console.log(line);
    }
    fs.writeFileSync(`${dir}/bench-all.json`, JSON.stringify(all));
  ' "$work" "${benches[@]}" 2>&1 | tee -a "$summary"
  { echo; echo "===== every bench report (JSON)"; cat "$work/bench-all.json" 2>/dev/null; } >> "$OUT/bench.log"
  { echo; echo "===== every compare report (JSON), one per line"; for m in $models; do [ -f "$work/cmp-$m.json" ] && { tr -d '\n' < "$work/cmp-$m.json"; echo; }; done; } >> "$OUT/compare.log"
fi
cat "$work/doctor.json" >> "$OUT/doctor.txt" 2>/dev/null

say "gpu-ort-cuda: $( [ $status -eq 0 ] && echo 'ALL RAN' || echo 'SOMETHING FAILED' ) in $(( $(date +%s) - start )) s; logs in $OUT: $(cd "$OUT" && ls | tr '\n' ' ')"
echo
echo "===== summary ====="
cat "$summary"
exit $status
