// Compile-time branch points between the TensorRT header sets we support (8.6, 10.x, 11.x).
#pragma once

#include <NvInferRuntime.h>
#include <NvInferVersion.h>

#include <string>

#define TRTP_TRT_AT_LEAST(major, minor) \
  (NV_TENSORRT_MAJOR > (major) || (NV_TENSORRT_MAJOR == (major) && NV_TENSORRT_MINOR >= (minor)))

#if !TRTP_TRT_AT_LEAST(8, 6)
#error \
    "trt-parity needs TensorRT 8.6 or newer headers (name-based I/O API, setEngineHostCodeAllowed, per-profile formats)"
#endif

namespace trtp {

/** "10.16.0", from the headers this file was compiled against. */
inline std::string trtHeaderVersion() {
  return std::to_string(NV_TENSORRT_MAJOR) + "." + std::to_string(NV_TENSORRT_MINOR) + "." +
         std::to_string(NV_TENSORRT_PATCH);
}

/** getInferLibVersion() is major*1000+minor*100+patch up to 9.x and major*10000+minor*100+patch from 10.0. */
struct LibVersion {
  int major = 0, minor = 0, patch = 0;
  std::string text() const { return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch); }
};
inline LibVersion decodeLibVersion(int32_t v) {
  LibVersion out;
  if (v >= 100000) {
    out.major = v / 10000;
    out.minor = (v / 100) % 100;
  } else {
    out.major = v / 1000;
    out.minor = (v / 100) % 10;
  }
  out.patch = v % 100;
  return out;
}

}  // namespace trtp
