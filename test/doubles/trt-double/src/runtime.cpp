// IRuntime and the exported C entry points the addon resolves with dlsym.
#include "common.h"
#include "engine.h"
#include "format.h"
#include "registry.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace trtdouble {

using namespace nvinfer1;

namespace {

constexpr char kDeserialize[] = "IRuntime::deserializeCudaEngine";
constexpr int64_t kMaxStreamedPlan = int64_t(1) << 30;

class RuntimeImpl final : public apiv::VRuntime {
 public:
  explicit RuntimeImpl(ILogger* logger) : mLog(logger) {}
  IRuntime* mPublic = nullptr;

  IRuntime* getPImpl() noexcept override { return mPublic; }

  ICudaEngine* deserialize(void const* blob, std::size_t size) noexcept {
    ICudaEngine* engine = nullptr;
    try {
      engine = deserializeImpl(blob, size);
    } catch (...) {
      mLog.error(ErrorCode::kINTERNAL_ERROR, kDeserialize, "trt-double: unexpected exception");
    }
    DBL_TRACE(kDeserialize, std::to_string(size) + " bytes " + traceCurrentDevice(),
              str(static_cast<void const*>(engine)));
    return engine;
  }

  ICudaEngine* deserializeImpl(void const* blob, std::size_t size) {
    EngineSpec spec;
    std::string error;
    if (!parseEngine(blob, size, spec, error)) {
      // TensorRT's own assertion texts stand as they are; the double's other checks say whose they are.
      bool const real = error.rfind("Serialization assertion", 0) == 0;
      mLog.error(ErrorCode::kUNSPECIFIED_ERROR, kDeserialize, real ? error : "trt-double: " + error);
      mLog.error(ErrorCode::kINTERNAL_ERROR, kDeserialize, "Engine deserialization failed.");
      return nullptr;
    }
    Version const lib = decodeVersion(effectiveLibVersion());
    Version const plan{spec.builtMajor, spec.builtMinor, spec.builtPatch};
    if (lib.major != plan.major || lib.minor != plan.minor || lib.patch != plan.patch) {
      mLog.error(ErrorCode::kFAILED_INITIALIZATION, kDeserialize,
                 "The engine plan file is not compatible with this version of TensorRT, expecting library version " +
                     lib.text() + " got " + plan.text() + ", please rebuild.");
      mLog.error(ErrorCode::kINTERNAL_ERROR, kDeserialize, "Engine deserialization failed.");
      return nullptr;
    }
    if (spec.needsPlugin() && !hasPluginCreator(kPluginName, kPluginVersion, "")) {
      // TensorRT 10's two lines for a missing creator (laugh12321/TensorRT-YOLO#118, NVIDIA/TensorRT#1913).
      mLog.error(ErrorCode::kINVALID_CONFIG, "IPluginRegistry::getPluginCreator",
                 std::string("Cannot find plugin: ") + kPluginName + ", version: " + kPluginVersion + ", namespace:.");
      mLog.error(
          ErrorCode::kUNSPECIFIED_ERROR, kDeserialize,
          "Serialization assertion creator failed.Cannot deserialize plugin since corresponding IPluginCreator not "
          "found in Plugin Registry");
      mLog.error(ErrorCode::kINTERNAL_ERROR, kDeserialize, "Engine deserialization failed.");
      return nullptr;
    }
    if (spec.needsHostCode() && !mHostCodeAllowed) {
      mLog.error(ErrorCode::kFAILED_INITIALIZATION, kDeserialize,
                 "The engine plan contains host code (a version-compatible plan with an embedded lean runtime), and "
                 "engine host code is not allowed. Call IRuntime::setEngineHostCodeAllowed(true) to deserialize it.");
      return nullptr;
    }
#if NV_TENSORRT_MAJOR < 10
    for (auto const& t : spec.tensors) {
      if (t.dataType > code::kFP8) {
        mLog.error(ErrorCode::kUNSPECIFIED_ERROR, kDeserialize,
                   "trt-double: tensor " + t.name + " has data type " + std::to_string(t.dataType) +
                       ", which TensorRT 8.x does not have");
        return nullptr;
      }
    }
#endif
    if (!validateComputation(spec, error)) {
      mLog.error(ErrorCode::kUNSPECIFIED_ERROR, kDeserialize, "trt-double: " + error);
      return nullptr;
    }
    auto data = makeEngineData(std::move(spec), blob, size, error);
    if (!data) {
      mLog.error(ErrorCode::kFAILED_ALLOCATION, kDeserialize, "trt-double: " + error);
      return nullptr;
    }
    return makeEngine(std::move(data), mLog);
  }

  //! Drains a reader into host memory; `read` gets (destination, bytes) and returns bytes read.
  template <typename ReadFn>
  ICudaEngine* deserializeStream(ReadFn read, char const* api) noexcept {
    try {
      std::vector<uint8_t> bytes;
      constexpr int64_t kChunk = int64_t(1) << 20;
      for (;;) {
        std::size_t const at = bytes.size();
        bytes.resize(at + kChunk);
        int64_t const got = read(bytes.data() + at, kChunk);
        if (got < 0 || got > kChunk) {
          mLog.error(ErrorCode::kINVALID_ARGUMENT, api, "the stream reader returned " + std::to_string(got));
          return nullptr;
        }
        bytes.resize(at + static_cast<std::size_t>(got));
        if (got == 0) {
          break;
        }
        if (static_cast<int64_t>(bytes.size()) > kMaxStreamedPlan) {
          mLog.error(ErrorCode::kINVALID_ARGUMENT, api, "trt-double: streamed plan larger than 1 GiB");
          return nullptr;
        }
      }
      return deserialize(bytes.data(), bytes.size());
    } catch (...) {
      mLog.error(ErrorCode::kFAILED_ALLOCATION, api, "trt-double: out of host memory");
      return nullptr;
    }
  }

#if NV_TENSORRT_MAJOR >= 10
  ICudaEngine* deserializeCudaEngine(void const* blob, std::size_t size) noexcept override {
    return deserialize(blob, size);
  }
#else
  ICudaEngine* deserializeCudaEngine(void const* blob, std::size_t size, IPluginFactory* factory) noexcept override {
    if (factory != nullptr) {
      mLog.unsupported("IRuntime::deserializeCudaEngine with an IPluginFactory");
      return nullptr;
    }
    return deserialize(blob, size);
  }
#endif
#if NV_TENSORRT_MAJOR == 10
  ICudaEngine* deserializeCudaEngine(IStreamReader& reader) noexcept override {
    return deserializeStream([&](void* dst, int64_t n) { return reader.read(dst, n); },
                             "IRuntime::deserializeCudaEngine(IStreamReader)");
  }
#endif
#if DBL_AT_LEAST(10, 7)
  ICudaEngine* deserializeCudaEngineV2(IStreamReaderV2& reader) noexcept override {
    // The destination is host memory, so the reader may fread straight into it.
    return deserializeStream([&](void* dst, int64_t n) { return reader.read(dst, n, nullptr); },
                             "IRuntime::deserializeCudaEngine(IStreamReaderV2)");
  }
#endif
  void setDLACore(int32_t dlaCore) noexcept override {
    DBL_TRACE("IRuntime::setDLACore", str(dlaCore), "void");
    mLog.unsupported("IRuntime::setDLACore (the double has no DLA cores)");
  }
  int32_t getDLACore() const noexcept override { return -1; }
  int32_t getNbDLACores() const noexcept override { return 0; }
  void setGpuAllocator(IGpuAllocator* allocator) noexcept override {
    DBL_TRACE("IRuntime::setGpuAllocator", str(static_cast<void const*>(allocator)), "void");
    if (allocator != nullptr) {
      mLog.unsupported("IRuntime::setGpuAllocator (the double allocates with cudaMalloc)");
    }
  }
  void setErrorRecorder(IErrorRecorder* recorder) noexcept override {
    DBL_TRACE("IRuntime::setErrorRecorder", str(static_cast<void const*>(recorder)), "void");
    mLog.setRecorder(recorder);
  }
  IErrorRecorder* getErrorRecorder() const noexcept override { return mLog.recorder(); }
  ILogger* getLogger() const noexcept override { return mLog.logger(); }
  bool setMaxThreads(int32_t maxThreads) noexcept override {
    bool const ok = maxThreads >= 1;
    if (ok) {
      mMaxThreads = maxThreads;
    } else {
      mLog.error(ErrorCode::kINVALID_ARGUMENT, "IRuntime::setMaxThreads", "maxThreads must be >= 1");
    }
    DBL_TRACE("IRuntime::setMaxThreads", str(maxThreads), str(ok));
    return ok;
  }
  int32_t getMaxThreads() const noexcept override { return mMaxThreads; }
  void setTemporaryDirectory(char const* path) noexcept override {
    DBL_TRACE("IRuntime::setTemporaryDirectory", str(path), "void");
    mHasTempDir = path != nullptr;
    mTempDir = path == nullptr ? "" : path;
  }
  char const* getTemporaryDirectory() const noexcept override { return mHasTempDir ? mTempDir.c_str() : nullptr; }
  void setTempfileControlFlags(TempfileControlFlags flags) noexcept override { mTempfileFlags = flags; }
  TempfileControlFlags getTempfileControlFlags() const noexcept override { return mTempfileFlags; }
  IPluginRegistry& getPluginRegistry() noexcept override {
    DBL_TRACE("IRuntime::getPluginRegistry", "", "ok");
    return globalRegistry();
  }
  void setPluginRegistryParent(IPluginRegistry* parent) noexcept override {
    DBL_TRACE("IRuntime::setPluginRegistryParent", str(static_cast<void const*>(parent)), "void");
    mLog.unsupported("IRuntime::setPluginRegistryParent");
  }
  IRuntime* loadRuntime(char const* path) noexcept override {
    DBL_TRACE("IRuntime::loadRuntime", str(path), "null");
    mLog.unsupported("IRuntime::loadRuntime");
    return nullptr;
  }
  void setEngineHostCodeAllowed(bool allowed) noexcept override {
    DBL_TRACE("IRuntime::setEngineHostCodeAllowed", str(allowed), "void");
    mHostCodeAllowed = allowed;
  }
  bool getEngineHostCodeAllowed() const noexcept override { return mHostCodeAllowed; }

 private:
  Log mLog;
  bool mHostCodeAllowed = false;
  int32_t mMaxThreads = 1;
  bool mHasTempDir = false;
  std::string mTempDir;
  TempfileControlFlags mTempfileFlags = (1U << static_cast<int32_t>(TempfileControlFlag::kALLOW_IN_MEMORY_FILES)) |
                                        (1U << static_cast<int32_t>(TempfileControlFlag::kALLOW_TEMPORARY_FILES));
};

}  // namespace
}  // namespace trtdouble

// ---- exported C entry points (signatures come from the TensorRT headers' declarations) -----------

using namespace trtdouble;

extern "C" __attribute__((visibility("default"))) void* createInferRuntime_INTERNAL(void* logger,
                                                                                    int32_t version) noexcept {
  Version const app = decodeVersion(version);
  Version const lib = decodeVersion(effectiveLibVersion());
  if (logger == nullptr) {
    DBL_TRACE("createInferRuntime_INTERNAL", "null logger " + std::to_string(version), "null");
    return nullptr;
  }
  if (app.major != lib.major) {
    // The caller's ILogger was compiled against another major's headers, whose vtable differs
    // (11.0 made ILogger versioned), so calling log() could jump anywhere: report on stderr only.
    std::fprintf(
        stderr,
        "trt-double: createInferRuntime: the application was built against TensorRT %s but this library is %s\n",
        app.text().c_str(), lib.text().c_str());
    DBL_TRACE("createInferRuntime_INTERNAL", std::to_string(version), "null (major mismatch)");
    return nullptr;
  }
  auto* log = static_cast<nvinfer1::ILogger*>(logger);
  setGlobalLogger(log);
  IRuntime* runtime = nullptr;
  try {
    auto* impl = new RuntimeImpl(log);
    runtime = new Facade<IRuntime, RuntimeImpl>(impl);
    impl->mPublic = runtime;
  } catch (...) {
    return nullptr;
  }
  if (app.minor > lib.minor) {
    Log(log).warning("trt-double: the application was built against TensorRT " + app.text() +
                     ", newer than this library (" + lib.text() +
                     "); calls to newer methods would be out of the vtable");
  }
  DBL_TRACE("createInferRuntime_INTERNAL", std::to_string(version), str(static_cast<void const*>(runtime)));
  return runtime;
}

extern "C" __attribute__((visibility("default"))) void* createInferRefitter_INTERNAL(void*, void* logger,
                                                                                     int32_t) noexcept {
  DBL_TRACE("createInferRefitter_INTERNAL", "", "null");
  Log(static_cast<nvinfer1::ILogger*>(logger)).unsupported("createInferRefitter");
  return nullptr;
}

extern "C" __attribute__((visibility("default"))) int32_t getInferLibVersion() noexcept {
  int32_t const v = effectiveLibVersion();
  DBL_TRACE("getInferLibVersion", "", std::to_string(v));
  return v;
}

extern "C" __attribute__((visibility("default"))) nvinfer1::IPluginRegistry* getPluginRegistry() noexcept {
  DBL_TRACE("getPluginRegistry", "", "ok");
  return &globalRegistry();
}

extern "C" __attribute__((visibility("default"))) nvinfer1::ILogger* getLogger() noexcept { return globalLogger(); }

#if NV_TENSORRT_MAJOR >= 10
extern "C" __attribute__((visibility("default"))) int32_t getInferLibMajorVersion() noexcept {
  return decodeVersion(effectiveLibVersion()).major;
}
extern "C" __attribute__((visibility("default"))) int32_t getInferLibMinorVersion() noexcept {
  return decodeVersion(effectiveLibVersion()).minor;
}
extern "C" __attribute__((visibility("default"))) int32_t getInferLibPatchVersion() noexcept {
  return decodeVersion(effectiveLibVersion()).patch;
}
extern "C" __attribute__((visibility("default"))) int32_t getInferLibBuildVersion() noexcept {
  return NV_TENSORRT_BUILD;
}
#endif
