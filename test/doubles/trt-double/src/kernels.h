// Launchers for the double's computations. Plain C++ types only, so this header is shared by the
// nvcc-compiled kernels and the host code compiled against the TensorRT headers.
// Every launcher only enqueues work on `stream` and returns the launch error; none synchronizes.
#pragma once

#include <cuda_runtime_api.h>
#include <cstdint>

namespace trtdouble {

//! Up to 8 dims by value, so kernels can unravel indices without a device copy of the shape.
struct KernelDims {
  int64_t d[8];
  int32_t rank;
};

//! y[i] = x[i]*a[c] + b[c] with c = (i / inner) % channels; `a`, `b` in device memory.
cudaError_t launchAffine(float const* x, float* y, float const* a, float const* b, int64_t n, int64_t channels,
                         int64_t inner, cudaStream_t stream);

//! As launchAffine, but stores IEEE half bits (round to nearest even).
cudaError_t launchAffineHalf(float const* x, uint16_t* y, float const* a, float const* b, int64_t n, int64_t channels,
                             int64_t inner, cudaStream_t stream);

//! scores = x (copy); index[r] = first argmax of row r (rows of length k; NaN wins, as numpy).
cudaError_t launchScoresArgmax(float const* x, float* scores, void* index, bool index64, int64_t rows, int64_t k,
                               cudaStream_t stream);

//! *count = number of x[i] > threshold. `count` must be zeroed first (launchNonzeroCount does it).
cudaError_t launchNonzeroCount(float const* x, int64_t n, float threshold, unsigned long long* count,
                               cudaStream_t stream);

//! Writes the row-major coordinates of the x[i] > threshold, in order: rankMajor -> out[d*nnz + k],
//! else flat indices out[k] = i.
cudaError_t launchNonzeroWrite(float const* x, int64_t n, float threshold, KernelDims dims, bool rankMajor, void* out,
                               bool out64, int64_t nnz, cudaStream_t stream);

//! y[i] = x[i] for n floats.
cudaError_t launchCopy(float const* x, float* y, int64_t n, cudaStream_t stream);

}  // namespace trtdouble
