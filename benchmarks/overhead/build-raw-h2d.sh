#!/usr/bin/env bash
# Builds benchmarks/overhead/raw_h2d.cpp into build/bench/raw_h2d with nvcc and the static CUDA runtime
# (nvcc's default), so that it runs on the GPU machine with nothing but the driver. Run it here,
# before ../shared/device/pack.sh, which carries build/.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
nvcc=${CUDACXX:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
[ -x "$nvcc" ] || { echo "build-raw-h2d: no nvcc (set CUDACXX or install the CUDA toolkit)" >&2; exit 1; }
mkdir -p "$root/build/bench"
"$nvcc" -O2 -std=c++17 --cudart static -Xcompiler -Wall,-Wextra \
  -o "$root/build/bench/raw_h2d" "$root/benchmarks/overhead/raw_h2d.cpp"
echo "build-raw-h2d: built $root/build/bench/raw_h2d ($("$nvcc" --version | grep -o 'release [0-9.]*'))"
