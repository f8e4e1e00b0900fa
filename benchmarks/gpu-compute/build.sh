#!/usr/bin/env bash
# Builds benchmarks/gpu-compute/affine_compute.cpp into build/bench/affine_compute with nvcc and the static
# CUDA runtime, so it runs on the GPU machine with nothing but the driver. Run it here, after
# scripts/build-trt-double.mjs and before ../shared/device/pack.sh (which carries build/).
#
# The kernel is linked from the object the double itself was built from
# (build/trt-double/obj-*/CMakeFiles/trt_double.dir/src/kernels.cu.o): same source, same nvcc flags,
# same architectures, so both sides run the same machine code. Without a double build it compiles
# test/doubles/trt-double/src/kernels.cu with the double's Release flags instead and says so.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
nvcc=${CUDACXX:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
[ -x "$nvcc" ] || { echo "gpu-compute: no nvcc (set CUDACXX or install the CUDA toolkit)" >&2; exit 1; }
src="$root/test/doubles/trt-double/src"
mkdir -p "$root/build/bench"

# The newest double object that is not older than its source (a stale object would time old code).
object=$(ls -t "$root"/build/trt-double/obj-*/CMakeFiles/trt_double.dir/src/kernels.cu.o 2>/dev/null | head -n1 || true)
if [ -n "$object" ] && [ "$object" -nt "$src/kernels.cu" ]; then
  kernel="$object"
  label="${object#"$root/"}"
else
  [ -n "$object" ] && echo "gpu-compute: $object is older than kernels.cu; compiling the source instead (rebuild the double)" >&2
  echo "gpu-compute: no double build found; compiling kernels.cu with the double's Release flags (-O3 -DNDEBUG, nvcc's default architectures, as CMake uses)" >&2
  kernel="$root/build/bench/affine_kernels.o"
  "$nvcc" -O3 -DNDEBUG -std=c++17 -Xcompiler -Wall,-Wextra -c -o "$kernel" "$src/kernels.cu"
  label="test/doubles/trt-double/src/kernels.cu (compiled by benchmarks/gpu-compute/build.sh)"
fi

# -ffp-contract=off: the host check must round x·a and +b separately, as the kernel does.
"$nvcc" -O2 -std=c++17 --cudart static -Xcompiler -Wall,-Wextra,-ffp-contract=off -I "$src" \
  -DAFFINE_KERNEL_OBJECT="\"$label\"" \
  -o "$root/build/bench/affine_compute" "$root/benchmarks/gpu-compute/affine_compute.cpp" "$kernel"
echo "gpu-compute: built $root/build/bench/affine_compute with the kernel from $label ($("$nvcc" --version | grep -o 'release [0-9.]*'))"
