// Linked instead of trt/*.cc when no TensorRT headers were found at build time.
#include "native_error.h"
#include "tensorrt.h"

namespace trtp {

bool trtBuiltIn() noexcept { return false; }
TrtRuntimeInfo trtRuntimeInfo(bool) noexcept { return TrtRuntimeInfo{}; }

std::unique_ptr<Executor> createTrtExecutor(const std::vector<uint8_t>&, const TrtLoadOptions&) {
  fail("ERR_TRT_NOT_BUILT",
       "this trt-parity addon was built without TensorRT headers; install TensorRT (headers and libnvinfer), set "
       "TENSORRT_ROOT or TensorRT_INCLUDE_DIR, and run `npm run build:native`");
}

}  // namespace trtp
