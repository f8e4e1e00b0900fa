#include "common.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace trtdouble {

Version decodeVersion(int32_t v) noexcept {
  if (v >= 100000) {
    return {v / 10000, (v / 100) % 100, v % 100};
  }
  return {v / 1000, (v / 100) % 10, v % 100};
}

int32_t effectiveLibVersion() noexcept {
  char const* env = std::getenv("TRT_DOUBLE_VERSION");
  if (env != nullptr && *env != '\0') {
    char* end = nullptr;
    long const v = std::strtol(env, &end, 10);
    if (end != nullptr && *end == '\0' && v > 0 && v < INT32_MAX) {
      return static_cast<int32_t>(v);
    }
  }
  return kHeaderVersion;
}

bool cpuOnly() noexcept {
  char const* env = std::getenv("TRT_DOUBLE_CPU_ONLY");
  return env != nullptr && std::strcmp(env, "1") == 0;
}

// ---- trace -----------------------------------------------------------------------------------

namespace {
std::mutex gTraceMutex;

char const* tracePath() noexcept {
  char const* p = std::getenv("TRT_DOUBLE_TRACE");
  return (p != nullptr && *p != '\0') ? p : nullptr;
}
}  // namespace

bool traceEnabled() noexcept { return tracePath() != nullptr; }

void traceLine(char const* api, std::string const& args, std::string const& result) noexcept {
  char const* path = tracePath();
  if (path == nullptr) {
    return;
  }
  try {
    std::string line = api;
    if (!args.empty()) {
      line += " " + args;
    }
    line += " -> " + result + "\n";
    std::lock_guard<std::mutex> lock(gTraceMutex);
    // Opened per line so several processes and threads can append without coordination.
    if (FILE* f = std::fopen(path, "a")) {
      std::fwrite(line.data(), 1, line.size(), f);
      std::fclose(f);
    }
  } catch (...) {
  }
}

std::string str(bool v) { return v ? "true" : "false"; }
std::string str(int32_t v) { return std::to_string(v); }
std::string str(int64_t v) { return std::to_string(v); }
std::string str(uint64_t v) { return std::to_string(v); }
std::string str(void const* p) {
  if (p == nullptr) {
    return "null";
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "0x%" PRIxPTR, reinterpret_cast<uintptr_t>(p));
  return buf;
}
std::string str(char const* s) { return s == nullptr ? "null" : s; }
std::string str(Dims const& d) {
  std::string s = "[";
  for (int32_t i = 0; i < d.nbDims && i < Dims::MAX_DIMS; ++i) {
    s += (i ? "," : "") + std::to_string(static_cast<int64_t>(d.d[i]));
  }
  if (d.nbDims < 0) {
    s += "nbDims=" + std::to_string(d.nbDims);
  }
  return s + "]";
}
std::string str(std::vector<int64_t> const& d) {
  std::string s = "[";
  for (std::size_t i = 0; i < d.size(); ++i) {
    s += (i ? "," : "") + std::to_string(d[i]);
  }
  return s + "]";
}

// ---- logging ---------------------------------------------------------------------------------

namespace {
char const* category(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kUNSPECIFIED_ERROR:
      return "Serialization";
    case ErrorCode::kINTERNAL_ERROR:
      return "Internal Error";
    case ErrorCode::kINVALID_ARGUMENT:
      return "API Usage Error";
    case ErrorCode::kINVALID_CONFIG:
      return "Internal Error";
    case ErrorCode::kFAILED_ALLOCATION:
      return "Out Of Memory";
    case ErrorCode::kFAILED_INITIALIZATION:
      return "API Usage Error";
    case ErrorCode::kFAILED_EXECUTION:
      return "Cuda Runtime";
    case ErrorCode::kFAILED_COMPUTATION:
      return "Cuda Runtime";
    case ErrorCode::kINVALID_STATE:
      return "Invalid State";
    case ErrorCode::kUNSUPPORTED_STATE:
      return "Unsupported State";
    default:
      return "Error";
  }
}

char const* severityName(ILogger::Severity s) noexcept {
  switch (s) {
    case ILogger::Severity::kINTERNAL_ERROR:
      return "INTERNAL_ERROR";
    case ILogger::Severity::kERROR:
      return "ERROR";
    case ILogger::Severity::kWARNING:
      return "WARNING";
    case ILogger::Severity::kINFO:
      return "INFO";
    case ILogger::Severity::kVERBOSE:
      return "VERBOSE";
  }
  return "?";
}
}  // namespace

void Log::setRecorder(nvinfer1::IErrorRecorder* recorder) noexcept {
  if (recorder == mRecorder) {
    return;
  }
  if (recorder != nullptr) {
    recorder->incRefCount();
  }
  if (mRecorder != nullptr) {
    mRecorder->decRefCount();
  }
  mRecorder = recorder;
}

Log::Log(Log const& other) noexcept : mLogger(other.mLogger) { setRecorder(other.mRecorder); }

Log::~Log() noexcept { setRecorder(nullptr); }

void Log::emit(ILogger::Severity severity, std::string const& text) const noexcept {
  DBL_TRACE("log", severityName(severity), text);
  if (mLogger != nullptr) {
    mLogger->log(severity, text.c_str());
  }
}

void Log::error(ErrorCode code, char const* api, std::string const& text) const noexcept {
  try {
    std::string const line = std::string(api) + ": Error Code " + std::to_string(static_cast<int32_t>(code)) + ": " +
                             category(code) + " (" + text + ")";
    if (mRecorder != nullptr) {
      // With a recorder attached TensorRT reports errors there instead of to the logger.
      DBL_TRACE("IErrorRecorder::reportError", std::to_string(static_cast<int32_t>(code)), line);
      mRecorder->reportError(code, line.c_str());
      return;
    }
    emit(ILogger::Severity::kERROR, line);
  } catch (...) {
  }
}

void Log::unsupported(char const* api) const noexcept {
  try {
    error(ErrorCode::kUNSUPPORTED_STATE, api, std::string("trt-double: ") + api + " is not supported");
  } catch (...) {
  }
}

void Log::warning(std::string const& text) const noexcept { emit(ILogger::Severity::kWARNING, text); }

void Log::info(std::string const& text) const noexcept { emit(ILogger::Severity::kINFO, text); }

// ---- dims ------------------------------------------------------------------------------------

Dims invalidDims() noexcept {
  Dims d{};
  d.nbDims = -1;
  return d;
}

Dims toDims(std::vector<int64_t> const& v) noexcept {
  Dims d{};
  d.nbDims = static_cast<int32_t>(v.size());
  for (std::size_t i = 0; i < v.size() && i < static_cast<std::size_t>(Dims::MAX_DIMS); ++i) {
    d.d[i] = static_cast<decltype(d.d[0] + 0)>(v[i]);
  }
  return d;
}

bool fromDims(Dims const& d, std::vector<int64_t>& out) noexcept {
  if (d.nbDims < 0 || d.nbDims > Dims::MAX_DIMS) {
    return false;
  }
  out.assign(d.d, d.d + d.nbDims);
  return true;
}

int64_t volume(std::vector<int64_t> const& d) noexcept {
  int64_t v = 1;
  for (auto x : d) {
    if (x < 0) {
      return -1;
    }
    v *= x;
  }
  return v;
}

}  // namespace trtdouble
