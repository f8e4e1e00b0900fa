// The C++ mirror of NativeEngineInfo / NativeTensorDesc in src/backends/tensorrt/native-contract.ts.
// Executors fill it once at load; the session and the JS layer only read it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace trtp {

using Shape = std::vector<int64_t>;

/** Element size in bytes of a runnable dtype name; 0 for dtypes we describe but do not run (fp8, int4, fp4, e8m0, unknown). */
std::size_t runnableElementSize(const std::string& dtype) noexcept;

/** Product of dims; nullopt if a dim is negative or the product overflows 2^53 (JS-safe). */
std::optional<uint64_t> volumeOf(const Shape& shape) noexcept;

/** "[1,3,224,224]" */
std::string shapeText(const Shape& shape);

struct ProfileShapes {
  Shape min, opt, max;
  bool hasValues = false;
  std::vector<int64_t> minValues, optValues, maxValues;
};

struct TensorDesc {
  std::string name;
  bool isInput = true;
  std::string dtype;    // NativeDType name
  Shape shape;          // -1 for dynamic dims
  bool onHost = false;  // TensorLocation::kHOST
  std::string format = "LINEAR";
  std::string formatDesc;
  bool isShapeTensor = false;
  std::vector<ProfileShapes> profiles;  // inputs only
  /** Outputs only: the index of the input whose device memory this output must share (getAliasedInputTensor, 10.15+); -1 for none. */
  int aliasOf = -1;
};

struct EngineDesc {
  std::vector<TensorDesc> tensors;
  int numProfiles = 1;
  int64_t deviceMemoryBytes = 0;
  int device = 0;
  std::string hardwareCompatibility = "unknown";
  std::vector<std::string> logs;
};

}  // namespace trtp
