#include "cuda_check.h"

#include <string>

#include "native_error.h"

namespace trtp {

std::string cudaErrorText(cudaError_t err) {
  return std::string(cudaGetErrorName(err)) + " (" + std::to_string(static_cast<int>(err)) +
         "): " + cudaGetErrorString(err);
}

void cudaCheck(cudaError_t err, const std::string& what) {
  if (err == cudaSuccess) return;
  // Clear the sticky-free "last error" so one failure does not poison the next, unrelated call.
  (void)cudaGetLastError();
  fail("ERR_CUDA", what + " failed: " + cudaErrorText(err));
}

int cudaDeviceCountOrThrow() {
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err == cudaErrorNoDevice || err == cudaErrorInsufficientDriver) {
    (void)cudaGetLastError();
    fail("ERR_NO_DEVICE", "no CUDA device is usable here: " + cudaErrorText(err));
  }
  cudaCheck(err, "cudaGetDeviceCount");
  if (count == 0) fail("ERR_NO_DEVICE", "no CUDA device is usable here: cudaGetDeviceCount returned 0");
  return count;
}

void cudaSelectDevice(int device) {
  int count = cudaDeviceCountOrThrow();
  if (device < 0 || device >= count) {
    std::string list;
    for (int i = 0; i < count; ++i) {
      cudaDeviceProp prop{};
      if (!list.empty()) list += ", ";
      list += std::to_string(i);
      if (cudaGetDeviceProperties(&prop, i) == cudaSuccess) list += " (" + std::string(prop.name) + ")";
    }
    fail("ERR_NO_DEVICE", "CUDA device " + std::to_string(device) + " does not exist; devices here: " + list);
  }
  cudaCheck(cudaSetDevice(device), "cudaSetDevice(" + std::to_string(device) + ")");
}

}  // namespace trtp
