// The TensorRT executor: deserializes a plan with a dlopen'ed runtime, describes its I/O, and runs
// one execution context. Every version difference between the 8.6, 10.x and 11.x headers is
// confined to this file and trt_version.h.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "../cuda_check.h"
#include "../native_error.h"
#include "../tensorrt.h"
#include "trt_library.h"
#include "trt_logger.h"
#include "trt_version.h"

namespace trtp {
namespace {

using nvinfer1::Dims;

/** nullopt for nbDims == -1, TensorRT's "no valid shape" (an invalid output, or an unknown name): never a scalar. */
std::optional<Shape> fromDims(const Dims& d) {
  if (d.nbDims < 0) return std::nullopt;
  Shape s;
  for (int i = 0; i < d.nbDims && i < Dims::MAX_DIMS; ++i) s.push_back(static_cast<int64_t>(d.d[i]));
  return s;
}

/** Dims32 on 8.6, Dims64 on 10+: the element type follows the headers. Throws when a dim does not fit. */
Dims toDims(const Shape& s, const std::string& tensor) {
  using DimT = std::remove_reference_t<decltype(Dims{}.d[0])>;
  Dims d{};
  if (s.size() > static_cast<std::size_t>(Dims::MAX_DIMS)) {
    fail("ERR_INVALID_ARGUMENT",
         "input '" + tensor + "' has rank " + std::to_string(s.size()) + "; TensorRT allows at most 8");
  }
  d.nbDims = static_cast<int32_t>(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] > static_cast<int64_t>(std::numeric_limits<DimT>::max())) {
      fail("ERR_INVALID_ARGUMENT",
           "input '" + tensor + "' dimension " + std::to_string(s[i]) + " does not fit this TensorRT's Dims");
    }
    d.d[i] = static_cast<DimT>(s[i]);
  }
  return d;
}

/** By name, never by enum value: the enum has grown (and has holes) across versions. */
std::string dtypeName(nvinfer1::DataType t) {
  using nvinfer1::DataType;
  switch (t) {
    case DataType::kFLOAT:
      return "float32";
    case DataType::kHALF:
      return "float16";
    case DataType::kINT8:
      return "int8";
    case DataType::kINT32:
      return "int32";
    case DataType::kBOOL:
      return "bool";
    case DataType::kUINT8:
      return "uint8";
    case DataType::kFP8:
      return "fp8";
#if TRTP_TRT_AT_LEAST(10, 0)
    case DataType::kBF16:
      return "bfloat16";
    case DataType::kINT64:
      return "int64";
    case DataType::kINT4:
      return "int4";
#endif
#if TRTP_TRT_AT_LEAST(10, 8)
    case DataType::kFP4:
      return "fp4";
#endif
#if TRTP_TRT_AT_LEAST(10, 12)
    case DataType::kE8M0:
      return "e8m0";
#endif
  }
  return "unknown(" + std::to_string(static_cast<int>(t)) + ")";
}

std::string formatName(nvinfer1::TensorFormat f) {
  static const char* const kNames[] = {"LINEAR", "CHW2", "HWC8",       "CHW4",     "CHW16", "CHW32", "DHWC8",
                                       "CDHW32", "HWC",  "DLA_LINEAR", "DLA_HWC4", "HWC16", "DHWC"};
  const int v = static_cast<int>(f);
  if (v >= 0 && v < static_cast<int>(sizeof(kNames) / sizeof(kNames[0]))) return kNames[v];
  return "FORMAT_" + std::to_string(v);
}

std::string hardwareCompatibilityName(int level) {
  switch (level) {
    case 0:
      return "none";
    case 1:
      return "ampere+";
    case 2:
      return "same-compute-capability";
    default:
      return "unknown";
  }
}

/** Whether any error/warning line mentions one of `needles` (lower case). */
bool logsMention(const std::vector<std::string>& lines, std::initializer_list<const char*> needles) {
  for (std::string l : lines) {
    if (l.rfind("[E] ", 0) != 0 && l.rfind("[F] ", 0) != 0 && l.rfind("[W] ", 0) != 0) continue;
    std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const char* n : needles) {
      if (l.find(n) != std::string::npos) return true;
    }
  }
  return false;
}

/**
 * Attached to every output (as Polygraphy does), so static and data-dependent outputs take one
 * path: TensorRT asks for memory, we hand out the session's slot for that output (growing it), and
 * it tells us the final shape.
 */
class SlotAllocator final : public nvinfer1::IOutputAllocator {
 public:
#if TRTP_TRT_AT_LEAST(10, 0)
  void* reallocateOutputAsync(char const*, void*, uint64_t size, uint64_t alignment, cudaStream_t) noexcept override {
    return grow(size, alignment);
  }
#else
  void* reallocateOutput(char const*, void*, uint64_t size, uint64_t alignment) noexcept override {
    return grow(size, alignment);
  }
#endif
  void notifyShape(char const*, Dims const& dims) noexcept override {
    try {
      std::optional<Shape> s = fromDims(dims);
      // NVIDIA/TensorRT#4744: notifyShape may report -1 for a dimension that was already known
      // before enqueue; the context's shape from before the call is the answer for those.
      if (s && s->size() == expected_.size()) {
        for (std::size_t i = 0; i < s->size(); ++i) {
          if ((*s)[i] < 0 && expected_[i] >= 0) (*s)[i] = expected_[i];
        }
      }
      if (!s && !expected_.empty()) s = expected_;
      if (s) {
        shape_ = std::move(*s);
        notified_ = true;
      }
    } catch (...) {
      error_ = "out of memory recording an output shape";
    }
  }

  /** `expected`: the output's shape as the context gave it before enqueue (-1 for data-dependent dims). */
  void arm(DeviceBuffer* slot, Shape expected = {}) noexcept {
    slot_ = slot;
    notified_ = false;
    error_.clear();
    expected_ = std::move(expected);
  }
  bool notified() const noexcept { return notified_; }
  const Shape& shape() const noexcept { return shape_; }
  const std::string& error() const noexcept { return error_; }

 private:
  void* grow(uint64_t size, uint64_t alignment) noexcept {
    try {
      if (slot_ == nullptr) {
        error_ = "TensorRT asked for output memory outside a call";
        return nullptr;
      }
      void* p = slot_->ensure(static_cast<std::size_t>(size));
      if (alignment != 0 && reinterpret_cast<std::uintptr_t>(p) % alignment != 0) {
        error_ = "TensorRT asked for " + std::to_string(alignment) + "-byte alignment, more than cudaMalloc gives";
        return nullptr;
      }
      return p;
    } catch (const std::exception& e) {
      error_ = e.what();
      return nullptr;
    }
  }

  DeviceBuffer* slot_ = nullptr;
  Shape shape_;
  Shape expected_;
  bool notified_ = false;
  std::string error_;
};

template <typename T>
struct TrtDelete {
  void operator()(T* p) const noexcept { delete p; }  // delete, never destroy(): removed in 10.0
};
template <typename T>
using TrtPtr = std::unique_ptr<T, TrtDelete<T>>;

class TrtExecutor final : public Executor {
 public:
  TrtExecutor(const std::vector<uint8_t>& plan, const TrtLoadOptions& options) : logLevel_(options.logLevel) {
    const TrtLibrary& lib = trtLibrary();
    desc_.device = options.device;
    LogCapture capture(&desc_.logs, logLevel_);
    runtime_.reset(static_cast<nvinfer1::IRuntime*>(
        lib.createRuntime(static_cast<void*>(static_cast<nvinfer1::ILogger*>(&trtLogger())), NV_TENSORRT_VERSION)));
    if (!runtime_)
      fail("ERR_TRT_LIBRARY", "createInferRuntime failed (" + lib.name + " " + lib.version + ")" + logTail(desc_.logs));
    runtime_->setEngineHostCodeAllowed(options.allowHostCode);
    for (const std::string& path : options.plugins)
      loadPluginLibrary(runtime_->getPluginRegistry(), path, desc_.logs, logLevel_);
    engine_.reset(runtime_->deserializeCudaEngine(plan.data(), plan.size()));
    if (!engine_) failDeserialize(lib, options);
    describe();
#if TRTP_TRT_AT_LEAST(10, 0)
    context_.reset(engine_->createExecutionContext(nvinfer1::ExecutionContextAllocationStrategy::kSTATIC));
#else
    context_.reset(engine_->createExecutionContext());
#endif
    if (!context_) {
      fail("ERR_TRT", "createExecutionContext failed (needs " + std::to_string(desc_.deviceMemoryBytes) +
                          " bytes of device memory)" + logTail(desc_.logs));
    }
    allocators_.resize(desc_.tensors.size());
    for (std::size_t i = 0; i < desc_.tensors.size(); ++i) {
      // Host and aliased outputs are bound to memory the session owns (bindOutput): TensorRT must not reallocate them.
      if (desc_.tensors[i].isInput || desc_.tensors[i].onHost || desc_.tensors[i].aliasOf >= 0) continue;
      allocators_[i] = std::make_unique<SlotAllocator>();
      if (!context_->setOutputAllocator(desc_.tensors[i].name.c_str(), allocators_[i].get())) {
        fail("ERR_TRT", "setOutputAllocator('" + desc_.tensors[i].name + "') failed" + logTail(desc_.logs));
      }
    }
    lastShapes_.resize(desc_.tensors.size());
  }

  ~TrtExecutor() override {
    // Reverse creation order; the allocators (declared first) outlive the context that points at them.
    context_.reset();
    engine_.reset();
    runtime_.reset();
  }

  const EngineDesc& desc() const noexcept override { return desc_; }

  void beginCall(std::vector<std::string>* sink) noexcept override {
    sink_ = sink;
    trtLogger().addSink(sink, logLevel_);
  }
  void endCall() noexcept override {
    if (sink_ != nullptr) trtLogger().removeSink(sink_);
    sink_ = nullptr;
  }

  void selectProfile(int profile, cudaStream_t stream) override {
    if (profile == currentProfile_) return;
    if (profile < 0 || profile >= desc_.numProfiles) {
      fail("ERR_INVALID_ARGUMENT", "profile " + std::to_string(profile) + " does not exist; the engine has " +
                                       std::to_string(desc_.numProfiles) + " optimization profile(s)");
    }
    if (!context_->setOptimizationProfileAsync(profile, stream)) {
      fail("ERR_TRT", "setOptimizationProfileAsync(" + std::to_string(profile) + ") failed" + tail());
    }
    cudaCheck(cudaStreamSynchronize(stream), "cudaStreamSynchronize(after setOptimizationProfileAsync)");
    currentProfile_ = profile;
    for (auto& s : lastShapes_) s.clear();  // shapes must be set again under the new profile
  }

  void setInputShape(std::size_t tensor, const Shape& shape) override {
    const TensorDesc& t = desc_.tensors[tensor];
    if (!lastShapes_[tensor].empty() && lastShapes_[tensor] == shape) return;
    lastShapes_[tensor].clear();
    if (!context_->setInputShape(t.name.c_str(), toDims(shape, t.name))) {
      const ProfileShapes& p = t.profiles[static_cast<std::size_t>(currentProfile_)];
      fail("ERR_INVALID_ARGUMENT", "input '" + t.name + "': shape " + shapeText(shape) +
                                       " is outside optimization profile " + std::to_string(currentProfile_) +
                                       " (allowed " + shapeText(p.min) + ".." + shapeText(p.max) + ")" + tail());
    }
    lastShapes_[tensor] = shape;
  }

  void setInputAddress(std::size_t tensor, const void* address) override {
    const TensorDesc& t = desc_.tensors[tensor];
    if (!t.onHost && reinterpret_cast<std::uintptr_t>(address) % kDeviceAlignment != 0) {
      fail("ERR_CUDA", "input '" + t.name + "' device address is not 256-byte aligned");
    }
    if (!context_->setInputTensorAddress(t.name.c_str(), address)) {
      fail("ERR_TRT", "setInputTensorAddress('" + t.name + "') failed" + tail());
    }
  }

  void checkShapes() override {
    std::vector<char const*> names(desc_.tensors.size() + 1, nullptr);
    const int32_t n = context_->inferShapes(static_cast<int32_t>(names.size()), names.data());
    if (n < 0) fail("ERR_INVALID_ARGUMENT", "TensorRT could not infer output shapes from these inputs" + tail());
    if (n > 0) {
      std::string list;
      for (int32_t i = 0; i < n && i < static_cast<int32_t>(names.size()); ++i) {
        if (names[static_cast<std::size_t>(i)] == nullptr) continue;
        if (!list.empty()) list += ", ";
        list += names[static_cast<std::size_t>(i)];
      }
      fail("ERR_INVALID_ARGUMENT", "inputs not fully specified: " + list + tail());
    }
  }

  Shape outputShape(std::size_t tensor) override {
    std::optional<Shape> s = fromDims(context_->getTensorShape(desc_.tensors[tensor].name.c_str()));
    if (!s) {
      fail("ERR_TRT", "TensorRT gives no shape for output '" + desc_.tensors[tensor].name +
                          "' (getTensorShape returned nbDims -1: the output is invalid for these inputs)" + tail());
    }
    return *s;
  }

  void setOutputBuffer(std::size_t tensor, DeviceBuffer& slot, bool shapeKnown) override {
    allocators_[tensor]->arm(&slot, outputShape(tensor));
    // With the shape known, also bind the address: TensorRT then offers it to the allocator as currentMemory.
    if (shapeKnown && !context_->setTensorAddress(desc_.tensors[tensor].name.c_str(), slot.get())) {
      fail("ERR_TRT", "setTensorAddress('" + desc_.tensors[tensor].name + "') failed" + tail());
    }
  }

  void bindOutput(std::size_t tensor, void* address) override {
    const TensorDesc& t = desc_.tensors[tensor];
    if (!t.onHost && reinterpret_cast<std::uintptr_t>(address) % kDeviceAlignment != 0) {
      fail("ERR_CUDA", "output '" + t.name + "' device address is not 256-byte aligned");
    }
    if (!context_->setTensorAddress(t.name.c_str(), address))
      fail("ERR_TRT", "setTensorAddress('" + t.name + "') failed" + tail());
  }

  void enqueue(cudaStream_t stream) override {
    const bool ok = context_->enqueueV3(stream);
    for (std::size_t i = 0; i < allocators_.size(); ++i) {
      if (allocators_[i] && !allocators_[i]->error().empty()) {
        fail("ERR_CUDA", "output '" + desc_.tensors[i].name + "': " + allocators_[i]->error());
      }
    }
    if (!ok) fail("ERR_TRT", "enqueueV3 failed" + tail());
  }

  Shape finalOutputShape(std::size_t tensor) override {
    if (!allocators_[tensor]) return outputShape(tensor);  // host or aliased: shapes known before enqueue
    const SlotAllocator& a = *allocators_[tensor];
    Shape s = a.notified() ? a.shape() : outputShape(tensor);
    allocators_[tensor]->arm(nullptr);
    return s;
  }

 private:
  std::string tail() const { return sink_ != nullptr ? logTail(*sink_) : std::string(); }

  [[noreturn]] void failDeserialize(const TrtLibrary& lib, const TrtLoadOptions& options) {
    if (!options.allowHostCode && logsMention(desc_.logs, {"host code", "hostcode", "version compatible",
                                                           "version-compatible", "lean runtime"})) {
      fail("ERR_ENGINE_HOST_CODE",
           "this engine is a version-compatible plan that embeds host code (a lean runtime); it runs only with "
           "allowHostCode (trt-parity: --allow-engine-host-code), which executes code from the plan file" +
               logTail(desc_.logs));
    }
    // Running out of GPU memory (or a CUDA failure) while loading is not a reason to rebuild the engine.
    if (logsMention(desc_.logs, {"out of memory", "cuda error", "cudaerror"})) {
      fail("ERR_CUDA", "TensorRT " + lib.version + " could not load this engine onto CUDA device " +
                           std::to_string(options.device) + logTail(desc_.logs));
    }
    // Why is TensorRT's to say: its log lines follow, and the TypeScript side classifies them.
    fail("ERR_ENGINE_INCOMPATIBLE",
         "TensorRT " + lib.version + " could not deserialize this engine" + logTail(desc_.logs));
  }

  void describe() {
    desc_.numProfiles = engine_->getNbOptimizationProfiles();
#if TRTP_TRT_AT_LEAST(10, 1)
    desc_.deviceMemoryBytes = engine_->getDeviceMemorySizeV2();
#elif TRTP_TRT_AT_LEAST(10, 0)
    int64_t most = 0;
    for (int p = 0; p < desc_.numProfiles; ++p)
      most = std::max<int64_t>(most, static_cast<int64_t>(engine_->getDeviceMemorySizeForProfile(p)));
    desc_.deviceMemoryBytes = most;
#else
    desc_.deviceMemoryBytes = static_cast<int64_t>(engine_->getDeviceMemorySize());
#endif
    desc_.hardwareCompatibility = hardwareCompatibilityName(static_cast<int>(engine_->getHardwareCompatibilityLevel()));

    const int32_t n = engine_->getNbIOTensors();
    std::vector<std::pair<std::size_t, std::string>> aliasNames;  // (output index, input name)
    for (int32_t i = 0; i < n; ++i) {
      char const* name = engine_->getIOTensorName(i);
      if (name == nullptr)
        fail("ERR_TRT", "getIOTensorName(" + std::to_string(i) + ") returned null" + logTail(desc_.logs));
      TensorDesc t;
      t.name = name;
      const auto mode = engine_->getTensorIOMode(name);
      if (mode == nvinfer1::TensorIOMode::kNONE) fail("ERR_TRT", "tensor '" + t.name + "' is neither input nor output");
      t.isInput = mode == nvinfer1::TensorIOMode::kINPUT;
      t.dtype = dtypeName(engine_->getTensorDataType(name));
      if (t.dtype.rfind("unknown", 0) == 0) {
        fail("ERR_ENGINE_UNSUPPORTED", "tensor '" + t.name + "' has a data type this addon does not know: " + t.dtype);
      }
      std::optional<Shape> shape = fromDims(engine_->getTensorShape(name));
      if (!shape)
        fail("ERR_TRT", "TensorRT gives no shape for tensor '" + t.name + "' (getTensorShape returned nbDims -1)" +
                            logTail(desc_.logs));
      t.shape = std::move(*shape);
      t.onHost = engine_->getTensorLocation(name) == nvinfer1::TensorLocation::kHOST;
      t.isShapeTensor = engine_->isShapeInferenceIO(name);
#if TRTP_TRT_AT_LEAST(10, 15)
      if (!t.isInput) {
        char const* alias = engine_->getAliasedInputTensor(name);
        if (alias != nullptr) aliasNames.emplace_back(desc_.tensors.size(), alias);
      }
#endif
      if (!t.isInput && t.onHost && (!t.isShapeTensor || !volumeOf(t.shape))) {
        // TensorRT writes a host output's values to the bound address in inferShapes/enqueueV3; we can give it
        // fixed pinned memory only when its size is known at load.
        fail("ERR_ENGINE_UNSUPPORTED",
             "output '" + t.name + "' lives on the host with shape " + shapeText(t.shape) +
                 "; trt-parity runs host outputs only when they are shape tensors of a fixed size");
      }
      for (int p = 0; p < desc_.numProfiles; ++p) {
        const auto format = engine_->getTensorFormat(name, p);
        char const* fdesc = engine_->getTensorFormatDesc(name, p);
        if (p == 0) {
          t.format = formatName(format);
          t.formatDesc = fdesc != nullptr ? fdesc : "";
        }
        if (format != nvinfer1::TensorFormat::kLINEAR) {
          fail("ERR_ENGINE_UNSUPPORTED", "tensor '" + t.name + "' uses I/O format " + formatName(format) + " (" +
                                             (fdesc != nullptr ? fdesc : "") + ") in profile " + std::to_string(p) +
                                             "; only LINEAR (row-major) I/O is supported: rebuild the engine without "
                                             "--inputIOFormats/--outputIOFormats layouts other than chw");
        }
        if (t.isInput) t.profiles.push_back(profileOf(t, p));
      }
      desc_.tensors.push_back(std::move(t));
    }
    // An aliased output shares its input's device memory, as trtexec binds it (sampleInference.cpp addBinding).
    for (const auto& [out, input] : aliasNames) {
      TensorDesc& o = desc_.tensors[out];
      for (std::size_t k = 0; k < desc_.tensors.size(); ++k) {
        if (desc_.tensors[k].isInput && desc_.tensors[k].name == input) o.aliasOf = static_cast<int>(k);
      }
      if (o.aliasOf < 0 || desc_.tensors[static_cast<std::size_t>(o.aliasOf)].onHost ||
          desc_.tensors[static_cast<std::size_t>(o.aliasOf)].dtype != o.dtype || o.onHost) {
        fail("ERR_ENGINE_UNSUPPORTED", "output '" + o.name + "' must share memory with input '" + input +
                                           "' (getAliasedInputTensor), which is not a device input of the same dtype");
      }
    }
  }

  ProfileShapes profileOf(const TensorDesc& t, int p) {
    using nvinfer1::OptProfileSelector;
    ProfileShapes out;
    char const* name = t.name.c_str();
    out.min = fromDims(engine_->getProfileShape(name, p, OptProfileSelector::kMIN)).value_or(Shape{});
    out.opt = fromDims(engine_->getProfileShape(name, p, OptProfileSelector::kOPT)).value_or(Shape{});
    out.max = fromDims(engine_->getProfileShape(name, p, OptProfileSelector::kMAX)).value_or(Shape{});
    if (!t.isShapeTensor || !t.onHost) return out;
    // A shape tensor has a static shape (its values are what vary): [] holds one value, [k] holds k.
    auto count = volumeOf(t.shape);
    if (!count) return out;
    const std::size_t k = static_cast<std::size_t>(*count);
    auto read = [&](OptProfileSelector sel, std::vector<int64_t>& dst) -> bool {
#if TRTP_TRT_AT_LEAST(10, 11)
      int64_t const* v = engine_->getProfileTensorValuesV2(name, p, sel);
#if NV_TENSORRT_MAJOR == 10
      if (v == nullptr) {
        // 10.11-10.x return nullptr here for profiles built with the int32 setShapeValues (Polygraphy
        // still builds them so); the deprecated getter has those values. 11 removed both.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        int32_t const* w = engine_->getProfileTensorValues(name, p, sel);
#pragma GCC diagnostic pop
        if (w == nullptr) return false;
        dst.assign(w, w + k);
        return true;
      }
#endif
#elif TRTP_TRT_AT_LEAST(10, 0)
      int32_t const* v = engine_->getProfileTensorValues(name, p, sel);
#else
    // 8.6 only has the binding-index form; the binding index of profile 0 is what it expects.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
      int32_t const* v = engine_->getProfileShapeValues(p, engine_->getBindingIndex(name), sel);
#pragma GCC diagnostic pop
#endif
      if (v == nullptr) return false;
      dst.assign(v, v + k);
      return true;
    };
    out.hasValues = read(OptProfileSelector::kMIN, out.minValues) && read(OptProfileSelector::kOPT, out.optValues) &&
                    read(OptProfileSelector::kMAX, out.maxValues);
    return out;
  }

  // Destroyed last-to-first: allocators must outlive the context, the runtime must outlive the engine.
  std::vector<std::unique_ptr<SlotAllocator>> allocators_;
  TrtPtr<nvinfer1::IRuntime> runtime_;
  TrtPtr<nvinfer1::ICudaEngine> engine_;
  TrtPtr<nvinfer1::IExecutionContext> context_;
  EngineDesc desc_;
  int logLevel_;
  int currentProfile_ = -1;
  std::vector<Shape> lastShapes_;
  std::vector<std::string>* sink_ = nullptr;
};

}  // namespace

bool trtBuiltIn() noexcept { return true; }

TrtRuntimeInfo trtRuntimeInfo(bool load) noexcept {
  TrtRuntimeInfo info;
  info.builtIn = true;
  try {
    info.headerVersion = trtHeaderVersion();
    TrtLibraryState s = trtLibraryState(load);
    info.libraryName = s.name;
    info.libraryVersion = s.version;
    info.libraryError = s.error;
  } catch (...) {
  }
  return info;
}

std::unique_ptr<Executor> createTrtExecutor(const std::vector<uint8_t>& plan, const TrtLoadOptions& options) {
  return std::make_unique<TrtExecutor>(plan, options);
}

}  // namespace trtp
