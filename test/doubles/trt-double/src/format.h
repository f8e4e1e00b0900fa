// The double's engine format (see ../FORMAT.md): parsing only. No TensorRT or CUDA types here so
// the parser can be read, and reasoned about, on its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace trtdouble {

//! Bytes 0..3: the magic of real TensorRT 8+ plans, so that readers of real plans read ours; 4..7: our own tag.
constexpr char kMagic[4] = {'f', 't', 'r', 't'};
constexpr char kDoubleTag[4] = {'T', 'R', 'T', 'D'};
constexpr uint32_t kFormatVersion = 2;
constexpr std::size_t kHeaderBytes = 64;
constexpr uint32_t kFlagNeedsHostCode = 1u;
//! The plan uses the plugin kPluginName version kPluginVersion (namespace ""): deserialization needs its creator registered.
constexpr uint32_t kFlagNeedsPlugin = 2u;
constexpr char kPluginName[] = "TrtDoubleNoop";
constexpr char kPluginVersion[] = "1";
constexpr uint32_t kMaxTensors = 64;
constexpr uint32_t kMaxProfiles = 16;
constexpr uint32_t kMaxNameLength = 4096;
constexpr int kMaxDims = 8;

//! Which computation enqueueV3 runs; values are the on-disk codes.
enum class Computation : uint32_t {
  kAFFINE = 1,         //!< y = x*a[c] + b[c], float32 -> float32
  kAFFINE_HALF = 2,    //!< y = half(x*a[c] + b[c]), float32 -> float16
  kSCORES_ARGMAX = 3,  //!< scores = x, index = argmax(x, axis=-1)
  kNONZERO = 4,        //!< indices of x > threshold, data-dependent shape
  kRESHAPE = 5,        //!< y = reshape(data, values of a host shape tensor)
  kSHAPE_OF = 6,       //!< out0 = x, out1 = x's dims as a host shape-tensor output (written by inferShapes/enqueueV3)
  kCACHE_UPDATE = 7,   //!< rows 0..K-1 of the output (aliased to the cache input) = update rows; nothing else written
};
constexpr uint32_t kMaxComputation = 7;

//! On-disk codes follow nvinfer1::DataType / TensorFormat / TensorLocation / TensorIOMode values.
namespace code {
constexpr uint8_t kFLOAT = 0, kHALF = 1, kINT8 = 2, kINT32 = 3, kBOOL = 4, kUINT8 = 5, kFP8 = 6, kBF16 = 7, kINT64 = 8,
                  kINT4 = 9, kFP4 = 10, kE8M0 = 11;
constexpr uint8_t kMaxDataType = 11;
constexpr uint8_t kMaxFormat = 12;
constexpr uint8_t kINPUT = 1, kOUTPUT = 2;
constexpr uint8_t kDEVICE = 0, kHOST = 1;
}  // namespace code

struct ProfileShapes {
  std::vector<int64_t> min, opt, max;
  //! Shape-tensor inputs only: the min/opt/max *values*.
  std::vector<int64_t> minValues, optValues, maxValues;
};

struct TensorSpec {
  std::string name;
  uint8_t mode = 0;
  uint8_t dataType = 0;
  uint8_t location = 0;
  uint8_t format = 0;
  bool shapeInferenceIO = false;
  std::vector<int64_t> dims;
  //! Outputs only: 1 + the I/O index of the input whose memory this output shares (getAliasedInputTensor); 0 for none.
  uint16_t alias = 0;
  //! One per profile for inputs; empty for outputs.
  std::vector<ProfileShapes> profiles;
};

struct EngineSpec {
  uint32_t formatVersion = 0;
  uint32_t flags = 0;
  uint8_t builtMajor = 0, builtMinor = 0, builtPatch = 0, builtBuild = 0;
  Computation computation = Computation::kAFFINE;
  uint32_t nbProfiles = 0;
  uint64_t deviceMemorySize = 0;
  std::vector<TensorSpec> tensors;
  std::vector<float> constants;

  bool needsHostCode() const noexcept { return (flags & kFlagNeedsHostCode) != 0; }
  bool needsPlugin() const noexcept { return (flags & kFlagNeedsPlugin) != 0; }
};

//! FNV-1a, 32 bits: catches flipped or truncated bytes, which is all the checksum is for.
uint32_t fnv1a32(uint8_t const* data, std::size_t size) noexcept;

//! TensorRT's own wording for a file whose first bytes are no plan, and for a truncated one
//! (NVIDIA/TensorRT#1384; #1559 and #3848): parseEngine's error starts with these.
constexpr char kMagicError[] = "Serialization assertion magicTagRead == kMAGIC_TAG failed.Magic tag does not match";
constexpr char kSizeError[] =
    "Serialization assertion sizeRead == static_cast<uint64_t>(mEnd - mCurrent) failed.Size specified in header does "
    "not match archive size";

//! Parses a whole plan. Returns false and sets `error` to one sentence on any malformed input.
//! Checks only structure; what a computation needs from its tensors is checked by validateComputation.
bool parseEngine(void const* blob, std::size_t size, EngineSpec& out, std::string& error);

//! Whether the tensors, constants and device memory fit what `spec.computation` needs.
bool validateComputation(EngineSpec const& spec, std::string& error);

char const* computationName(Computation c) noexcept;

//! Bytes per element of a data type code; 0 for the sub-byte types (INT4, FP4).
int32_t bytesPerElement(uint8_t dataType) noexcept;

}  // namespace trtdouble
