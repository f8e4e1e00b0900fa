// What the rest of the addon knows about TensorRT. Implemented by trt/*.cc when the addon is built
// with TensorRT headers, and by trt_stub.cc otherwise (so the CUDA part builds and runs alone).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "executor.h"

namespace trtp {

struct TrtRuntimeInfo {
  bool builtIn = false;
  std::optional<std::string> headerVersion;
  std::optional<std::string> libraryName;
  std::optional<std::string> libraryVersion;
  std::optional<std::string> libraryError;
};

struct TrtLoadOptions {
  int device = 0;
  bool allowHostCode = false;
  std::vector<std::string> plugins;
  /** ILogger::Severity threshold: 1 error, 2 warning, 3 info, 4 verbose. */
  int logLevel = 2;
};

/**
 * Never throws. With `load`, first tries to load libnvinfer (once per process; a dlopen of the real
 * library takes seconds, so never on the JS thread); without, reports what an earlier load found.
 */
TrtRuntimeInfo trtRuntimeInfo(bool load) noexcept;

/** Deserializes `plan` on the current device (already selected). Throws NativeError (ERR_TRT_NOT_BUILT when not built in). */
std::unique_ptr<Executor> createTrtExecutor(const std::vector<uint8_t>& plan, const TrtLoadOptions& options);

}  // namespace trtp

namespace trtp {
/** Whether this addon was compiled with TensorRT headers. */
bool trtBuiltIn() noexcept;
}  // namespace trtp
