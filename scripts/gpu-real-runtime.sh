#!/usr/bin/env bash
# The package as a user installs it, and NVIDIA's real TensorRT runtimes, on the GPU machine
# (issue 12; docs/install.md says what it shows). Two halves:
#
#   bash scripts/gpu-real-runtime.sh prepare     # HERE (it has npm, cmake, nvcc and the headers)
#   bash scripts/gpu-real-runtime.sh run         # THERE, after `source .gpu-real-device/setup.sh`
#
# prepare: builds the prebuilt addons (npm run prebuild:addons, headers from TRT_PARITY_PREBUILD_TRT),
#   the TensorRT double for majors 10 and 11 (TRT_HEADERS_10, TRT_HEADERS_11: include/ folders) with the
#   affine twin engine of fixtures/models/affine.onnx for each, `npm pack`s the package and installs the
#   tarball into an empty folder (.gpu-real/app; the GPU machine has no npm, so the install runs here, with
#   every compiler trapped on PATH), and packs node + that folder + the doubles into .gpu-real-device/
#   (its own bundle, so the GPU suite's .device/ is left alone; 64 MiB a call).
#   NVIDIA's lean and dispatch wheels (PyPI) go to .whl/ (see docs/install.md for the pip download line).
# run: copies .gpu-real/app into a fresh folder, makes a real venv (python3 -m venv) with our double in
#   its site-packages/tensorrt_libs/, and with no TensorRT setting at all runs `trt-parity doctor` and
#   `compare fixtures/models/affine.onnx <twin.engine> fixtures/images/photos` from the clean install
#   (venv activated; then only its python3 on PATH). Then it loads each real runtime (lean and dispatch,
#   10.x and 11.x) in the prebuilt addon of its major, reads its version and feeds it garbage, a truncated
#   plan, our double's plan and a header of another version (scripts/gpu-real-runtime.mjs), and runs
#   doctor against a venv where pip installed the real lean wheel. Everything lands in $OUT as JSON/logs;
#   a summary is printed last. Exit 0 when the clean-install compare passed and every runtime loaded.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
G=.gpu-real
mode=${1:-run}

if [ "$mode" = prepare ]; then
  set -e
  grep -qx '/.gpu-real/' .git/info/exclude 2>/dev/null || echo '/.gpu-real/' >> .git/info/exclude
  grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
  : "${TRT_PARITY_PREBUILD_TRT:?set TRT_PARITY_PREBUILD_TRT to the 8.6, 10.x and 11.x include/ folders, ':'-separated}"
  : "${TRT_HEADERS_10:?set TRT_HEADERS_10 to a TensorRT 10 include/ folder (for the double)}"
  : "${TRT_HEADERS_11:?set TRT_HEADERS_11 to a TensorRT 11 include/ folder (for the double)}"
  rm -rf "$G"; mkdir -p "$G"
  npx tsc -p . || true   # a type error elsewhere still emits; the checks below use what was emitted
  node scripts/prebuild.mjs
  for major in 10 11; do
    var=TRT_HEADERS_$major
    TensorRT_INCLUDE_DIR=${!var} node scripts/build-trt-double.mjs --strict --out "$G/double$major"
    node --input-type=module -e "
      import { writeFileSync } from 'node:fs';
      import { doublePresets, writeDoubleEngine } from './dist/test/doubles/double-engine.js';
      const v = '$(cat "$G/double$major"/obj-*/trt_double_version.txt | head -n1)'.trim().split('.').map(Number);
      // affine.onnx's constants: scripts/make-fixture-models.ts (AFFINE_A, AFFINE_B)
      const spec = doublePresets.affine({ trtVersion: [v[0], v[1], v[2]], a: [0.5, 1.7, -3.25], b: [0.1, -0.2, 0.3], inputName: 'x', outputName: 'y',
        profiles: [{ min: [1, 3, 1, 1], opt: [1, 3, 224, 224], max: [1, 3, 1024, 1024] }] });
      writeFileSync('$G/affine-$major.engine', writeDoubleEngine(spec));"
    rm -rf "$G/double$major"/obj-*
  done
  npm pack --pack-destination "$G" >/dev/null
  tgz=$(ls "$G"/trt-parity-*.tgz)
  # The install, with compilers trapped: any use is recorded and fails it.
  mkdir -p "$G/trap" "$G/app"
  for t in cc c++ gcc g++ clang clang++ cmake make ninja nvcc node-gyp cmake-js; do
    printf '#!/bin/sh\necho "%s $*" >> "%s/compilers-run.log"\nexit 1\n' "$t" "$repo/$G" > "$G/trap/$t"; chmod +x "$G/trap/$t"
  done
  echo '{"name":"trtp-gpu-check","version":"1.0.0","private":true}' > "$G/app/package.json"
  (cd "$G/app" && PATH="$repo/$G/trap:$PATH" ONNXRUNTIME_NODE_INSTALL=skip npm install --prefer-offline --no-audit --no-fund "$repo/$tgz")
  [ ! -s "$G/compilers-run.log" ] || { echo "prepare: a compiler ran during the install:"; cat "$G/compilers-run.log"; exit 1; }
  rm -rf "$G/trap"
  # Its own bundle, beside (not in) .device/, so that the GPU suite's bundle is left as it is.
  D=.gpu-real-device
  grep -qx "/$D/" .git/info/exclude 2>/dev/null || echo "/$D/" >> .git/info/exclude
  rm -rf "$D"; mkdir -p "$D"
  node_bin=$(readlink -f "$(command -v node)")
  # The GPU suite's bundle already holds this node when pack.sh made it after node last changed.
  if [ -s .device/node.tar.xz ] && [ .device/node.tar.xz -nt "$node_bin" ]; then cp .device/node.tar.xz "$D/node.tar.xz"
  else tar -C "$(dirname "$node_bin")" -cf - "$(basename "$node_bin")" | xz -T0 -6 > "$D/node.tar.xz"; fi
  # Other platforms' binaries out, as the device notes' pack.sh does.
  tar -cf - --exclude='*/onnxruntime-node/bin/*/darwin' --exclude='*/onnxruntime-node/bin/*/win32' \
    --exclude='*/onnxruntime-node/bin/*/linux/arm64' --exclude='*/@img/*-darwin-*' --exclude='*/@img/*-win32-*' \
    --exclude='*/@img/*-linuxmusl-*' --exclude='*/@img/*-arm*' \
    "$G/app" "$G/double10" "$G/double11" "$G"/affine-*.engine dist/src dist/test/doubles | xz -T0 -6 > "$D/payload.tar.xz"
  cat > "$D/setup.sh" <<'SETUP'
# Sourced on the GPU machine from the project root: node on PATH, the payload unpacked.
mkdir -p /tmp/trt-parity-node
[ -x /tmp/trt-parity-node/node ] || tar -C /tmp/trt-parity-node -xJf .gpu-real-device/node.tar.xz
export PATH=/tmp/trt-parity-node:$PATH
tar -xJf .gpu-real-device/payload.tar.xz
node --version
SETUP
  du -ch "$D"/*.tar.xz | sed 's/^/  /'
  echo "wheels (carried one per call, see docs/install.md):"; ls -l .whl/*.whl 2>/dev/null | awk '{printf "  %6.1f MiB  %s\n", $5/1048576, $9}'
  exit 0
fi

# ---------------------------------------------------------------- on the GPU machine
# node: unpacked by an earlier call's `source .gpu-real-device/setup.sh` (the wheels' calls carry no bundle)
[ -x /tmp/trt-parity-node/node ] && export PATH=/tmp/trt-parity-node:$PATH
STASH=${STASH:-/tmp/gpu-real-stash}   # where earlier calls left what they carried (wheels, the bundle)
if [ ! -d "$G/app" ]; then
  # The bundle carried by an earlier call: here, or copied to $STASH by that call.
  if [ ! -f .gpu-real-device/setup.sh ] && [ -d "$STASH/.gpu-real-device" ]; then cp -r "$STASH/.gpu-real-device" .; fi
  # shellcheck disable=SC1091
  [ -f .gpu-real-device/setup.sh ] && source .gpu-real-device/setup.sh >/dev/null
fi
[ -d "$G/app" ] || { echo "gpu-real-runtime: no $G/app here: carry .gpu-real-device (made by 'prepare') and source .gpu-real-device/setup.sh first"; exit 1; }
OUT=${OUT:-/tmp/gpu-real}
W=/tmp/gpu-real-work
mkdir -p "$OUT"
rm -rf "$W"; mkdir -p "$W"
summary="$OUT/summary.txt"; : > "$summary"
say() { echo "$*" | tee -a "$summary"; }
status=0
# No TensorRT setting of any kind: what a user has after `pip install` and `npm install`.
unset TRT_PARITY_LIBNVINFER TRT_PARITY_ADDON TENSORRT_ROOT TensorRT_INCLUDE_DIR VIRTUAL_ENV CONDA_PREFIX LD_LIBRARY_PATH
{
  echo "date: $(date -u +%FT%TZ)"; echo "node: $(node --version)"; python3 --version
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1
} > "$OUT/env.txt"

# 1. the clean install, our double in a real venv's tensorrt_libs/
cp -a "$G/app" "$W/clean"
trtp="$W/clean/node_modules/.bin/trt-parity"
# A venv as `python3 -m venv` makes it (without pip: Debian's python may lack ensurepip).
mkvenv() {
  python3 -m venv --without-pip "$1" >> "$OUT/venv.log" 2>&1 || say "FAIL: python3 -m venv --without-pip $1" >&2
  "$1/bin/python3" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'
}
site=$(mkvenv "$W/venv")
mkdir -p "$site/tensorrt_libs"
cp "$G"/double10/libnvinfer.so.10 "$G"/double10/libnvinfer_plugin.so.10 "$site/tensorrt_libs/" 2>/dev/null || cp "$G"/double10/libnvinfer.so.10 "$site/tensorrt_libs/"
for how in activated python3-on-path; do
  if [ $how = activated ]; then env_cmd=(env VIRTUAL_ENV="$W/venv" PATH="$W/venv/bin:$PATH"); else env_cmd=(env PATH="$W/venv/bin:$PATH"); fi
  (cd "$W" && "${env_cmd[@]}" "$trtp" doctor --json "$OUT/doctor-double-$how.json" > "$OUT/doctor-double-$how.txt" 2>&1)
  (cd "$W" && "${env_cmd[@]}" "$trtp" compare "$repo/fixtures/models/affine.onnx" "$repo/$G/affine-10.engine" "$repo/fixtures/images/photos" --json "$OUT/compare-double-$how.json" > "$OUT/compare-double-$how.txt" 2>&1)
  rc=$?
  src=$(node -e "const r=require('$OUT/doctor-double-$how.json'); console.log(r.addon.source, r.addon.prebuild && r.addon.prebuild.file, r.tensorrt.library.path, r.tensorrt.library.version)" 2>&1)
  say "clean install, double in venv ($how): compare exit $rc ($( [ $rc -eq 0 ] && echo PASS || echo FAIL )); doctor: $src"
  [ $rc -eq 0 ] || status=1
done

# 2. NVIDIA's real runtimes, one process each (the addon opens libnvinfer once per process)
whl() { ls .whl/$1 "$STASH"/$1 2>/dev/null | head -n1; }
for major in 10 11; do
  for kind in lean dispatch; do
    w=$(whl "tensorrt_${kind}_cu13_libs-${major}.*.whl")
    if [ -z "$w" ]; then say "SKIP $kind $major: no tensorrt_${kind}_cu13_libs-${major}.*.whl in .whl/ or $STASH"; status=1; continue; fi
    mkdir -p "$W/$kind$major"; python3 -m zipfile -e "$w" "$W/$kind$major"   # the GPU machine has no unzip
    lib=$(ls "$W/$kind$major"/tensorrt_${kind}_libs/libnvinfer_${kind}.so.$major)
    TRT_PARITY_LIBNVINFER="$lib" node scripts/gpu-real-runtime.mjs "$W/clean/node_modules/trt-parity/prebuilds/linux-x64/trt_parity-trt$major.node" \
      "$G/affine-$major.engine" "$OUT/real-$kind$major.json" "$kind $major ($(basename "$w"))" > "$OUT/real-$kind$major.txt" 2>&1
    rc=$?
    tee -a "$summary" < "$OUT/real-$kind$major.txt"
    grep -q ' version none' "$OUT/real-$kind$major.txt" && status=1
    [ $rc -eq 0 ] || { say "FAIL: $kind $major exit $rc"; status=1; }
  done
  # Found by the search: pip installs the real lean wheel into a venv of its own.
  w=$(whl "tensorrt_lean_cu13_libs-${major}.*.whl")
  if [ -n "$w" ]; then
    lean_site=$(mkvenv "$W/venv-lean$major")
    python3 -m pip install --no-index --no-deps --target "$lean_site" "$w" >> "$OUT/venv.log" 2>&1 || say "FAIL: pip install $w"
    ls "$lean_site" >> "$OUT/venv.log"
    (cd "$W" && env VIRTUAL_ENV="$W/venv-lean$major" PATH="$W/venv-lean$major/bin:$PATH" "$trtp" doctor --json "$OUT/doctor-lean$major.json" > "$OUT/doctor-lean$major.txt" 2>&1)
    say "doctor with pip's lean $major wheel: $(node -e "const r=require('$OUT/doctor-lean$major.json'); console.log(r.addon.prebuild && r.addon.prebuild.file, r.tensorrt.library.kind, r.tensorrt.library.path, 'version', r.tensorrt.library.version, '(', r.tensorrt.library.versionFrom, ')', r.tensorrt.libraryError || '')" 2>&1)"
  fi
done
ls -la "$OUT" > "$OUT/files.txt"
say "gpu-real-runtime: $( [ $status -eq 0 ] && echo PASS || echo FAIL )"
exit $status
