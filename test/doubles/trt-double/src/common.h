// Shared plumbing for the double: version arithmetic, logging in TensorRT's style, the trace file,
// Dims helpers and the public-class facade.
#pragma once

#include "NvInfer.h"
#include "NvInferRuntime.h"

#include <cstdint>
#include <string>
#include <vector>

//! True when the headers compiled against are at least major.minor.
#define DBL_AT_LEAST(ma, mi) (NV_TENSORRT_MAJOR > (ma) || (NV_TENSORRT_MAJOR == (ma) && NV_TENSORRT_MINOR >= (mi)))

namespace trtdouble {

using nvinfer1::Dims;
using nvinfer1::ErrorCode;
using nvinfer1::ILogger;

// ---- versions --------------------------------------------------------------------------------

//! The version the headers define, in their own encoding (x1000 on 8.x, x10000 on 10+).
constexpr int32_t kHeaderVersion = static_cast<int32_t>(NV_TENSORRT_VERSION);

struct Version {
  int32_t major, minor, patch;
  std::string text() const { return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch); }
};

//! Decodes either encoding (see the guide: x1000 before 10.0, x10000 since).
Version decodeVersion(int32_t v) noexcept;

//! getInferLibVersion's answer: the header version, or $TRT_DOUBLE_VERSION when set to an integer.
int32_t effectiveLibVersion() noexcept;

//! True when $TRT_DOUBLE_CPU_ONLY=1: no CUDA call is made; enqueue fails loudly. For bookkeeping tests
//! on machines without a GPU.
bool cpuOnly() noexcept;

// ---- trace -----------------------------------------------------------------------------------

bool traceEnabled() noexcept;
//! Appends "<api> <args> -> <result>" to $TRT_DOUBLE_TRACE (one line, flushed).
void traceLine(char const* api, std::string const& args, std::string const& result) noexcept;

std::string str(bool v);
std::string str(int32_t v);
std::string str(int64_t v);
std::string str(uint64_t v);
std::string str(void const* p);
std::string str(char const* s);
std::string str(Dims const& d);
std::string str(std::vector<int64_t> const& d);

#define DBL_TRACE(api, args, result)                                            \
  do {                                                                          \
    if (::trtdouble::traceEnabled()) ::trtdouble::traceLine(api, args, result); \
  } while (0)

// ---- logging ---------------------------------------------------------------------------------

//! Where an object's messages go: the runtime's ILogger, or its IErrorRecorder for errors when one is
//! attached (as TensorRT does). Copied from runtime to engine to context, like TRT's propagation.
class Log {
 public:
  explicit Log(ILogger* logger = nullptr) noexcept : mLogger(logger) {}
  //! Takes a reference on the new recorder and drops one on the old, as TensorRT does.
  void setRecorder(nvinfer1::IErrorRecorder* recorder) noexcept;
  nvinfer1::IErrorRecorder* recorder() const noexcept { return mRecorder; }
  ILogger* logger() const noexcept { return mLogger; }
  Log(Log const& other) noexcept;
  Log& operator=(Log const&) = delete;
  ~Log() noexcept;

  //! "<api>: Error Code <n>: <category> (<text>)", the shape of TensorRT's error lines.
  void error(ErrorCode code, char const* api, std::string const& text) const noexcept;
  //! Error line "trt-double: <api> is not supported".
  void unsupported(char const* api) const noexcept;
  void warning(std::string const& text) const noexcept;
  void info(std::string const& text) const noexcept;

 private:
  void emit(ILogger::Severity severity, std::string const& text) const noexcept;
  ILogger* mLogger = nullptr;
  nvinfer1::IErrorRecorder* mRecorder = nullptr;
};

// ---- dims ------------------------------------------------------------------------------------

//! nbDims = -1 with zeros: what TensorRT returns for an unknown name or a bad index.
Dims invalidDims() noexcept;
Dims toDims(std::vector<int64_t> const& v) noexcept;
//! Empty optional on nbDims outside 0..8.
bool fromDims(Dims const& d, std::vector<int64_t>& out) noexcept;
//! -1 when any dim is negative.
int64_t volume(std::vector<int64_t> const& d) noexcept;

// ---- facade ----------------------------------------------------------------------------------

//! A public TensorRT class (IRuntime, ICudaEngine...) whose inline methods forward to `impl`, exactly as
//! the real library's objects do; deleting the facade deletes the implementation.
template <typename Public, typename Impl>
class Facade final : public Public {
 public:
  explicit Facade(Impl* impl) noexcept { this->mImpl = impl; }
  ~Facade() noexcept override { delete this->mImpl; }
};

}  // namespace trtdouble
