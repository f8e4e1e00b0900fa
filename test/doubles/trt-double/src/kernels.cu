// Deliberately simple kernels: correctness and readability over speed. Grid-stride loops keep
// every launch valid for any n.
#include "kernels.h"

#include <cuda_fp16.h>

namespace trtdouble {
namespace {

constexpr int kThreads = 256;

unsigned blocksFor(int64_t n) {
  int64_t const b = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(b < 1 ? 1 : (b > 65535 ? 65535 : b));
}

__device__ inline float affineAt(float const* x, float const* a, float const* b, int64_t i, int64_t channels,
                                 int64_t inner) {
  int64_t const c = (i / inner) % channels;
  // Separate multiply and add (no FMA contraction) so results round like the ONNX Mul then Add.
  return __fadd_rn(__fmul_rn(x[i], a[c]), b[c]);
}

__global__ void affineKernel(float const* x, float* y, float const* a, float const* b, int64_t n, int64_t channels,
                             int64_t inner) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    y[i] = affineAt(x, a, b, i, channels, inner);
  }
}

__global__ void affineHalfKernel(float const* x, uint16_t* y, float const* a, float const* b, int64_t n,
                                 int64_t channels, int64_t inner) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    y[i] = __half_as_ushort(__float2half_rn(affineAt(x, a, b, i, channels, inner)));
  }
}

__global__ void copyKernel(float const* x, float* y, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    y[i] = x[i];
  }
}

__global__ void argmaxKernel(float const* x, void* index, bool index64, int64_t rows, int64_t k) {
  for (int64_t r = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; r < rows; r += int64_t(gridDim.x) * blockDim.x) {
    float const* row = x + r * k;
    int64_t best = 0;
    float bestValue = row[0];
    for (int64_t j = 1; j < k && !isnan(bestValue); ++j) {
      float const v = row[j];
      if (isnan(v) || v > bestValue) {
        best = j;
        bestValue = v;
      }
    }
    if (index64) {
      static_cast<int64_t*>(index)[r] = best;
    } else {
      static_cast<int32_t*>(index)[r] = static_cast<int32_t>(best);
    }
  }
}

__global__ void countKernel(float const* x, int64_t n, float threshold, unsigned long long* count) {
  unsigned long long local = 0;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    local += x[i] > threshold ? 1 : 0;
  }
  if (local != 0) {
    atomicAdd(count, local);
  }
}

// One block walks the input in chunks of blockDim.x, with an inclusive Hillis-Steele scan of the
// flags per chunk, so the output keeps row-major order.
__global__ void nonzeroWriteKernel(float const* x, int64_t n, float threshold, KernelDims dims, bool rankMajor,
                                   void* out, bool out64, int64_t nnz) {
  __shared__ int64_t scan[kThreads];
  __shared__ int64_t base;
  if (threadIdx.x == 0) {
    base = 0;
  }
  __syncthreads();
  for (int64_t start = 0; start < n; start += blockDim.x) {
    int64_t const i = start + threadIdx.x;
    int64_t const flag = (i < n && x[i] > threshold) ? 1 : 0;
    scan[threadIdx.x] = flag;
    __syncthreads();
    for (unsigned offset = 1; offset < blockDim.x; offset <<= 1) {
      int64_t const add = threadIdx.x >= offset ? scan[threadIdx.x - offset] : 0;
      __syncthreads();
      scan[threadIdx.x] += add;
      __syncthreads();
    }
    if (flag) {
      int64_t const k = base + scan[threadIdx.x] - 1;
      if (rankMajor) {
        int64_t rest = i;
        for (int32_t d = dims.rank - 1; d >= 0; --d) {
          int64_t const coord = rest % dims.d[d];
          rest /= dims.d[d];
          int64_t const at = int64_t(d) * nnz + k;
          if (out64) static_cast<int64_t*>(out)[at] = coord;
          else static_cast<int32_t*>(out)[at] = static_cast<int32_t>(coord);
        }
      } else if (out64) {
        static_cast<int64_t*>(out)[k] = i;
      } else {
        static_cast<int32_t*>(out)[k] = static_cast<int32_t>(i);
      }
    }
    __syncthreads();
    if (threadIdx.x == blockDim.x - 1) {
      base += scan[threadIdx.x];
    }
    __syncthreads();
  }
}

}  // namespace

cudaError_t launchAffine(float const* x, float* y, float const* a, float const* b, int64_t n, int64_t channels,
                         int64_t inner, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  affineKernel<<<blocksFor(n), kThreads, 0, stream>>>(x, y, a, b, n, channels, inner);
  return cudaGetLastError();
}

cudaError_t launchAffineHalf(float const* x, uint16_t* y, float const* a, float const* b, int64_t n, int64_t channels,
                             int64_t inner, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  affineHalfKernel<<<blocksFor(n), kThreads, 0, stream>>>(x, y, a, b, n, channels, inner);
  return cudaGetLastError();
}

cudaError_t launchScoresArgmax(float const* x, float* scores, void* index, bool index64, int64_t rows, int64_t k,
                               cudaStream_t stream) {
  int64_t const n = rows * k;
  if (n == 0) return cudaSuccess;
  copyKernel<<<blocksFor(n), kThreads, 0, stream>>>(x, scores, n);
  argmaxKernel<<<blocksFor(rows), kThreads, 0, stream>>>(x, index, index64, rows, k);
  return cudaGetLastError();
}

cudaError_t launchNonzeroCount(float const* x, int64_t n, float threshold, unsigned long long* count,
                               cudaStream_t stream) {
  cudaError_t e = cudaMemsetAsync(count, 0, sizeof(*count), stream);
  if (e != cudaSuccess || n == 0) return e;
  countKernel<<<blocksFor(n), kThreads, 0, stream>>>(x, n, threshold, count);
  return cudaGetLastError();
}

cudaError_t launchNonzeroWrite(float const* x, int64_t n, float threshold, KernelDims dims, bool rankMajor, void* out,
                               bool out64, int64_t nnz, cudaStream_t stream) {
  if (n == 0 || nnz == 0) return cudaSuccess;
  nonzeroWriteKernel<<<1, kThreads, 0, stream>>>(x, n, threshold, dims, rankMajor, out, out64, nnz);
  return cudaGetLastError();
}

cudaError_t launchCopy(float const* x, float* y, int64_t n, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  copyKernel<<<blocksFor(n), kThreads, 0, stream>>>(x, y, n);
  return cudaGetLastError();
}

}  // namespace trtdouble
