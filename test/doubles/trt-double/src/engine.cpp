#include "engine.h"

#include "context.h"

#include <cuda_runtime_api.h>
#include <cstring>

namespace trtdouble {

using namespace nvinfer1;

// ---- engine data -----------------------------------------------------------------------------

EngineData::~EngineData() {
  if (deviceConstants != nullptr) {
    cudaFree(deviceConstants);
  }
}

int32_t EngineData::find(char const* n) const noexcept {
  if (n == nullptr) {
    return -1;
  }
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    if (tensors[i].spec.name == n) {
      return static_cast<int32_t>(i);
    }
  }
  return -1;
}

EngineTensor const* EngineData::tensor(char const* n) const noexcept {
  int32_t const i = find(n);
  return i < 0 ? nullptr : &tensors[static_cast<std::size_t>(i)];
}

int32_t formatComponents(uint8_t format) noexcept {
  static constexpr int32_t kComponents[] = {1, 2, 8, 4, 16, 32, 8, 32, 1, 1, 4, 16, 1};
  return format < sizeof(kComponents) / sizeof(kComponents[0]) ? kComponents[format] : -1;
}

int32_t formatVectorizedDim(uint8_t format, int32_t nbDims) noexcept {
  switch (format) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 10:
    case 11:
      return nbDims >= 3 ? nbDims - 3 : -1;  // C of [N]CHW
    case 6:
    case 7:
      return nbDims >= 4 ? nbDims - 4 : -1;  // C of [N]CDHW
    default:
      return -1;
  }
}

std::string formatDescription(uint8_t format, uint8_t dataType) {
  static char const* const kTypes[] = {"FP32", "FP16", "INT8",  "INT32", "BOOL", "UINT8",
                                       "FP8",  "BF16", "INT64", "INT4",  "FP4",  "E8M0"};
  static char const* const kLayouts[] = {
      "Row major linear %s format (kLINEAR)",
      "Two wide channel vectorized row major %s format (kCHW2)",
      "Channel major %s format where channel % 8 == 0 (kHWC8)",
      "Four wide channel vectorized row major %s format (kCHW4)",
      "Sixteen wide channel vectorized row major %s format (kCHW16)",
      "Thirty-two wide channel vectorized row major %s format (kCHW32)",
      "Channel major %s format where channel % 8 == 0 (kDHWC8)",
      "Thirty-two wide channel vectorized row major %s format (kCDHW32)",
      "Channel major %s format (kHWC)",
      "DLA planar %s format (kDLA_LINEAR)",
      "DLA image %s format (kDLA_HWC4)",
      "Channel major %s format where channel % 16 == 0 (kHWC16)",
      "Channel major %s format (kDHWC)",
  };
  std::string s = format <= code::kMaxFormat ? kLayouts[format] : "Unknown %s format";
  auto const at = s.find("%s");
  s.replace(at, 2, dataType <= code::kMaxDataType ? kTypes[dataType] : "unknown");
  return s;
}

std::unique_ptr<EngineData> makeEngineData(EngineSpec spec, void const* blob, std::size_t size, std::string& error) {
  auto data = std::make_unique<EngineData>();
  for (auto const& t : spec.tensors) {
    EngineTensor et;
    et.spec = t;
    et.formatDesc = formatDescription(t.format, t.dataType);
    for (auto const& p : t.profiles) {
      std::array<std::vector<int32_t>, 3> v;
      v[0].assign(p.minValues.begin(), p.minValues.end());
      v[1].assign(p.optValues.begin(), p.optValues.end());
      v[2].assign(p.maxValues.begin(), p.maxValues.end());
      et.values32.push_back(std::move(v));
    }
    data->tensors.push_back(std::move(et));
  }
  auto const* bytes = static_cast<uint8_t const*>(blob);
  data->blob.assign(bytes, bytes + size);
  data->name = std::string("trt-double:") + computationName(spec.computation);
  if (!cpuOnly()) {
    int device = 0;
    cudaError_t e = cudaGetDevice(&device);
    if (e == cudaSuccess && !spec.constants.empty()) {
      std::size_t const n = spec.constants.size() * sizeof(float);
      e = cudaMalloc(reinterpret_cast<void**>(&data->deviceConstants), n);
      if (e == cudaSuccess) {
        e = cudaMemcpy(data->deviceConstants, spec.constants.data(), n, cudaMemcpyHostToDevice);
      }
    }
    if (e != cudaSuccess) {
      error = std::string("CUDA error while loading the engine: ") + cudaGetErrorName(e) + ": " + cudaGetErrorString(e);
      cudaGetLastError();
      return nullptr;
    }
    data->device = device;
  }
  data->spec = std::move(spec);
  return data;
}

std::string traceCurrentDevice() {
  if (cpuOnly()) {
    return "cur-device=cpu-only";
  }
  int device = -1;
  if (cudaGetDevice(&device) != cudaSuccess) {
    cudaGetLastError();
    return "cur-device=error";
  }
  return "cur-device=" + std::to_string(device);
}

std::string tracePointerDevice(void const* p) {
  if (p == nullptr) {
    return "ptr-device=null";
  }
  if (cpuOnly()) {
    return "ptr-device=cpu-only";
  }
  cudaPointerAttributes a{};
  if (cudaPointerGetAttributes(&a, p) != cudaSuccess) {
    cudaGetLastError();
    return "ptr-device=unregistered";
  }
  switch (a.type) {
    case cudaMemoryTypeDevice:
    case cudaMemoryTypeManaged:
      return "ptr-device=" + std::to_string(a.device);
    case cudaMemoryTypeHost:
      return "ptr-device=host";
    default:
      return "ptr-device=unregistered";
  }
}

namespace {

// ---- IHostMemory -----------------------------------------------------------------------------

class HostMemoryImpl final : public apiv::VHostMemory {
 public:
  explicit HostMemoryImpl(std::vector<uint8_t> bytes) : mBytes(std::move(bytes)) {}
  void* data() const noexcept override { return const_cast<uint8_t*>(mBytes.data()); }
  std::size_t size() const noexcept override { return mBytes.size(); }
  DataType type() const noexcept override { return DataType::kUINT8; }

 private:
  std::vector<uint8_t> mBytes;
};

// ---- IEngineInspector ------------------------------------------------------------------------

class InspectorImpl final : public apiv::VEngineInspector {
 public:
  InspectorImpl(EngineData const& engine, Log const& log) : mEngine(engine), mLog(log) {}
  IEngineInspector* mPublic = nullptr;

  IEngineInspector* getPImpl() noexcept override { return mPublic; }
  bool setExecutionContext(IExecutionContext const* context) noexcept override {
    mContext = context;
    DBL_TRACE("IEngineInspector::setExecutionContext", str(static_cast<void const*>(context)), "true");
    return true;
  }
  IExecutionContext const* getExecutionContext() const noexcept override { return mContext; }
  char const* getLayerInformation(int32_t layerIndex, LayerInformationFormat) const noexcept override {
    DBL_TRACE("IEngineInspector::getLayerInformation", str(layerIndex), layerIndex == 0 ? "ok" : "null");
    if (layerIndex != 0) {
      mLog.error(ErrorCode::kINVALID_ARGUMENT, "IEngineInspector::getLayerInformation",
                 "layer index " + std::to_string(layerIndex) + " out of range [0, 1)");
      return nullptr;
    }
    mText = "{\"Name\":\"" + mEngine.name + "\",\"LayerType\":\"trt-double\"}";
    return mText.c_str();
  }
  char const* getEngineInformation(LayerInformationFormat) const noexcept override {
    DBL_TRACE("IEngineInspector::getEngineInformation", "", "ok");
    std::string io;
    for (auto const& t : mEngine.tensors) {
      io += (io.empty() ? "\"" : ",\"") + t.spec.name + "\"";
    }
    mText = "{\"Layers\":[\"" + mEngine.name + "\"],\"Bindings\":[" + io + "]}";
    return mText.c_str();
  }
  void setErrorRecorder(IErrorRecorder* recorder) noexcept override { mLog.setRecorder(recorder); }
  IErrorRecorder* getErrorRecorder() const noexcept override { return mLog.recorder(); }

 private:
  EngineData const& mEngine;
  Log mLog;
  IExecutionContext const* mContext = nullptr;
  mutable std::string mText;
};

// ---- ICudaEngine -----------------------------------------------------------------------------

constexpr char kEngine[] = "ICudaEngine";

class EngineImpl final : public apiv::VCudaEngine {
 public:
  EngineImpl(std::unique_ptr<EngineData> data, Log const& log) : mData(std::move(data)), mLog(log) {}
  ICudaEngine* mPublic = nullptr;

  ICudaEngine* getPImpl() noexcept override { return mPublic; }
  int32_t getNbLayers() const noexcept override {
    DBL_TRACE("ICudaEngine::getNbLayers", "", "1");
    return 1;
  }
  IHostMemory* serialize() const noexcept override {
    DBL_TRACE("ICudaEngine::serialize", "", str(mData->blob.size()) + " bytes");
    try {
      return new Facade<IHostMemory, HostMemoryImpl>(new HostMemoryImpl(mData->blob));
    } catch (...) {
      return nullptr;
    }
  }

  IExecutionContext* createContext(MemoryStrategy strategy, char const* api) noexcept {
    IExecutionContext* c = makeContext(*mData, *mPublic, strategy, mLog);
    DBL_TRACE(api,
              std::string(strategy == MemoryStrategy::kUSER_MANAGED ? "kUSER_MANAGED" : "kSTATIC") + " " +
                  traceCurrentDevice(),
              str(static_cast<void const*>(c)));
    return c;
  }
#if NV_TENSORRT_MAJOR >= 10
  IExecutionContext* createExecutionContext(ExecutionContextAllocationStrategy strategy) noexcept override {
    return createContext(toStrategy(strategy), "ICudaEngine::createExecutionContext");
  }
  static MemoryStrategy toStrategy(ExecutionContextAllocationStrategy s) noexcept {
    switch (s) {
      case ExecutionContextAllocationStrategy::kON_PROFILE_CHANGE:
        return MemoryStrategy::kON_PROFILE_CHANGE;
      case ExecutionContextAllocationStrategy::kUSER_MANAGED:
        return MemoryStrategy::kUSER_MANAGED;
      default:
        return MemoryStrategy::kSTATIC;
    }
  }
#else
  IExecutionContext* createExecutionContext() noexcept override {
    return createContext(MemoryStrategy::kSTATIC, "ICudaEngine::createExecutionContext");
  }
#endif
#if NV_TENSORRT_MAJOR < 11
  IExecutionContext* createExecutionContextWithoutDeviceMemory() noexcept override {
    return createContext(MemoryStrategy::kUSER_MANAGED, "ICudaEngine::createExecutionContextWithoutDeviceMemory");
  }
  size_t getDeviceMemorySize() const noexcept override {
    DBL_TRACE("ICudaEngine::getDeviceMemorySize", "", str(mData->spec.deviceMemorySize));
    return static_cast<size_t>(mData->spec.deviceMemorySize);
  }
  bool hasImplicitBatchDimension() const noexcept override { return false; }
#endif
  bool isRefittable() const noexcept override { return false; }
  char const* getName() const noexcept override { return mData->name.c_str(); }
  int32_t getNbOptimizationProfiles() const noexcept override {
    DBL_TRACE("ICudaEngine::getNbOptimizationProfiles", "", str(static_cast<int32_t>(mData->spec.nbProfiles)));
    return static_cast<int32_t>(mData->spec.nbProfiles);
  }

  //! The profile entry of an input, or null (silently, as TensorRT) for anything else.
  ProfileShapes const* profileOf(char const* name, int32_t profileIndex) const noexcept {
    EngineTensor const* t = mData->tensor(name);
    if (t == nullptr || t->spec.mode != code::kINPUT || profileIndex < 0 ||
        profileIndex >= static_cast<int32_t>(mData->spec.nbProfiles)) {
      return nullptr;
    }
    return &t->spec.profiles[static_cast<std::size_t>(profileIndex)];
  }
  template <typename T>
  T const* profileValues(char const* name, int32_t profileIndex, OptProfileSelector select,
                         char const* api) const noexcept {
    ProfileShapes const* p = profileOf(name, profileIndex);
    int32_t const s = static_cast<int32_t>(select);
    T const* result = nullptr;
    if (p != nullptr && !p->minValues.empty() && s >= 0 && s <= 2) {
      if constexpr (sizeof(T) == 8) {
        result = (s == 0 ? p->minValues : s == 1 ? p->optValues : p->maxValues).data();
      } else {
        auto const& t = mData->tensors[static_cast<std::size_t>(mData->find(name))];
        result = t.values32[static_cast<std::size_t>(profileIndex)][static_cast<std::size_t>(s)].data();
      }
    } else {
      mLog.error(ErrorCode::kINVALID_ARGUMENT, api,
                 std::string("tensor ") + str(name) + " profile " + std::to_string(profileIndex) +
                     " has no shape-tensor values (not a shape-tensor input, or bad profile/selector)");
    }
    DBL_TRACE(api, str(name) + " " + std::to_string(profileIndex) + " " + std::to_string(s),
              str(static_cast<void const*>(result)));
    return result;
  }
#if NV_TENSORRT_MAJOR == 10
  int32_t const* getProfileTensorValues(char const* tensorName, int32_t profileIndex,
                                        OptProfileSelector select) const noexcept override {
    return profileValues<int32_t>(tensorName, profileIndex, select, "ICudaEngine::getProfileTensorValues");
  }
#endif
  EngineCapability getEngineCapability() const noexcept override { return EngineCapability::kSTANDARD; }
  void setErrorRecorder(IErrorRecorder* recorder) noexcept override {
    DBL_TRACE("ICudaEngine::setErrorRecorder", str(static_cast<void const*>(recorder)), "void");
    mLog.setRecorder(recorder);
  }
  IErrorRecorder* getErrorRecorder() const noexcept override { return mLog.recorder(); }
  TacticSources getTacticSources() const noexcept override { return 0; }
  ProfilingVerbosity getProfilingVerbosity() const noexcept override { return ProfilingVerbosity::kLAYER_NAMES_ONLY; }
  IEngineInspector* createEngineInspector() const noexcept override {
    DBL_TRACE("ICudaEngine::createEngineInspector", "", "ok");
    try {
      auto* impl = new InspectorImpl(*mData, mLog);
      auto* pub = new Facade<IEngineInspector, InspectorImpl>(impl);
      impl->mPublic = pub;
      return pub;
    } catch (...) {
      return nullptr;
    }
  }

  // Name-based getters: unknown names get TensorRT's silent defaults (see the runtime guide 1.4).
  Dims getTensorShape(char const* tensorName) const noexcept override {
    EngineTensor const* t = mData->tensor(tensorName);
    Dims const d = t ? toDims(t->spec.dims) : invalidDims();
    DBL_TRACE("ICudaEngine::getTensorShape", str(tensorName), str(d));
    return d;
  }
  DataType getTensorDataType(char const* tensorName) const noexcept override {
    EngineTensor const* t = mData->tensor(tensorName);
    DataType const d = t ? static_cast<DataType>(t->spec.dataType) : DataType::kFLOAT;
    DBL_TRACE("ICudaEngine::getTensorDataType", str(tensorName), str(static_cast<int32_t>(d)));
    return d;
  }
  TensorLocation getTensorLocation(char const* tensorName) const noexcept override {
    EngineTensor const* t = mData->tensor(tensorName);
    TensorLocation const l = t && t->spec.location == code::kHOST ? TensorLocation::kHOST : TensorLocation::kDEVICE;
    DBL_TRACE("ICudaEngine::getTensorLocation", str(tensorName), l == TensorLocation::kHOST ? "kHOST" : "kDEVICE");
    return l;
  }
  bool isShapeInferenceIO(char const* tensorName) const noexcept override {
    EngineTensor const* t = mData->tensor(tensorName);
    bool const r = t != nullptr && t->spec.shapeInferenceIO;
    DBL_TRACE("ICudaEngine::isShapeInferenceIO", str(tensorName), str(r));
    return r;
  }
  TensorIOMode getTensorIOMode(char const* tensorName) const noexcept override {
    EngineTensor const* t = mData->tensor(tensorName);
    TensorIOMode const m = t ? static_cast<TensorIOMode>(t->spec.mode) : TensorIOMode::kNONE;
    DBL_TRACE("ICudaEngine::getTensorIOMode", str(tensorName),
              m == TensorIOMode::kINPUT    ? "kINPUT"
              : m == TensorIOMode::kOUTPUT ? "kOUTPUT"
                                           : "kNONE");
    return m;
  }

  void warnProfileZero(char const* api) const noexcept {
    if (mData->spec.nbProfiles > 1) {
      mLog.warning(std::string(api) + ": the engine has " + std::to_string(mData->spec.nbProfiles) +
                   " optimization profiles; this overload reports profile 0 only");
    }
  }
  EngineTensor const* forProfile(char const* tensorName, int32_t profileIndex) const noexcept {
    if (profileIndex < 0 || profileIndex >= static_cast<int32_t>(mData->spec.nbProfiles)) {
      return nullptr;
    }
    return mData->tensor(tensorName);
  }
  int32_t getTensorBytesPerComponentV2(char const* tensorName, int32_t profileIndex) const noexcept override {
    EngineTensor const* t = forProfile(tensorName, profileIndex);
    int32_t const r = t ? bytesPerElement(t->spec.dataType) : -1;
    DBL_TRACE("ICudaEngine::getTensorBytesPerComponent", str(tensorName) + " " + str(profileIndex), str(r));
    return r;
  }
  int32_t getTensorComponentsPerElementV2(char const* tensorName, int32_t profileIndex) const noexcept override {
    EngineTensor const* t = forProfile(tensorName, profileIndex);
    int32_t const r = t ? formatComponents(t->spec.format) : -1;
    DBL_TRACE("ICudaEngine::getTensorComponentsPerElement", str(tensorName) + " " + str(profileIndex), str(r));
    return r;
  }
  TensorFormat getTensorFormatV2(char const* tensorName, int32_t profileIndex) const noexcept override {
    EngineTensor const* t = forProfile(tensorName, profileIndex);
    TensorFormat const f = t ? static_cast<TensorFormat>(t->spec.format) : TensorFormat::kLINEAR;
    DBL_TRACE("ICudaEngine::getTensorFormat", str(tensorName) + " " + str(profileIndex), str(static_cast<int32_t>(f)));
    return f;
  }
  char const* getTensorFormatDescV2(char const* tensorName, int32_t profileIndex) const noexcept override {
    EngineTensor const* t = forProfile(tensorName, profileIndex);
    char const* r = t ? t->formatDesc.c_str() : nullptr;
    DBL_TRACE("ICudaEngine::getTensorFormatDesc", str(tensorName) + " " + str(profileIndex), str(r));
    return r;
  }
  int32_t getTensorVectorizedDimV2(char const* tensorName, int32_t profileIndex) const noexcept override {
    EngineTensor const* t = forProfile(tensorName, profileIndex);
    int32_t const r = t ? formatVectorizedDim(t->spec.format, static_cast<int32_t>(t->spec.dims.size())) : -1;
    DBL_TRACE("ICudaEngine::getTensorVectorizedDim", str(tensorName) + " " + str(profileIndex), str(r));
    return r;
  }
  int32_t getTensorBytesPerComponent(char const* tensorName) const noexcept override {
    warnProfileZero("ICudaEngine::getTensorBytesPerComponent");
    return getTensorBytesPerComponentV2(tensorName, 0);
  }
  int32_t getTensorComponentsPerElement(char const* tensorName) const noexcept override {
    warnProfileZero("ICudaEngine::getTensorComponentsPerElement");
    return getTensorComponentsPerElementV2(tensorName, 0);
  }
  TensorFormat getTensorFormat(char const* tensorName) const noexcept override {
    warnProfileZero("ICudaEngine::getTensorFormat");
    return getTensorFormatV2(tensorName, 0);
  }
  char const* getTensorFormatDesc(char const* tensorName) const noexcept override {
    warnProfileZero("ICudaEngine::getTensorFormatDesc");
    return getTensorFormatDescV2(tensorName, 0);
  }
  int32_t getTensorVectorizedDim(char const* tensorName) const noexcept override {
    warnProfileZero("ICudaEngine::getTensorVectorizedDim");
    return getTensorVectorizedDimV2(tensorName, 0);
  }
  Dims getProfileShape(char const* tensorName, int32_t profileIndex,
                       OptProfileSelector select) const noexcept override {
    ProfileShapes const* p = profileOf(tensorName, profileIndex);
    int32_t const s = static_cast<int32_t>(select);
    Dims d = invalidDims();
    if (p != nullptr && s >= 0 && s <= 2) {
      d = toDims(s == 0 ? p->min : s == 1 ? p->opt : p->max);
    }
    DBL_TRACE("ICudaEngine::getProfileShape", str(tensorName) + " " + str(profileIndex) + " " + str(s), str(d));
    return d;
  }
  int32_t getNbIOTensors() const noexcept override {
    int32_t const n = static_cast<int32_t>(mData->tensors.size());
    DBL_TRACE("ICudaEngine::getNbIOTensors", "", str(n));
    return n;
  }
  char const* getIOTensorName(int32_t index) const noexcept override {
    char const* r = index >= 0 && index < static_cast<int32_t>(mData->tensors.size())
                        ? mData->tensors[static_cast<std::size_t>(index)].spec.name.c_str()
                        : nullptr;
    DBL_TRACE("ICudaEngine::getIOTensorName", str(index), str(r));
    return r;
  }
  HardwareCompatibilityLevel getHardwareCompatibilityLevel() const noexcept override {
    DBL_TRACE("ICudaEngine::getHardwareCompatibilityLevel", "", "kNONE");
    return HardwareCompatibilityLevel::kNONE;
  }
  int32_t getNbAuxStreams() const noexcept override { return 0; }

#if NV_TENSORRT_MAJOR >= 10
  ISerializationConfig* createSerializationConfig() noexcept override {
    mLog.unsupported("ICudaEngine::createSerializationConfig");
    return nullptr;
  }
  IHostMemory* serializeWithConfig(ISerializationConfig&) const noexcept override {
    mLog.unsupported("ICudaEngine::serializeWithConfig");
    return nullptr;
  }
  IRefitter* createRefitter(ILogger&) noexcept override {
    mLog.unsupported("ICudaEngine::createRefitter");
    return nullptr;
  }
  int64_t getStreamableWeightsSize() const noexcept override {
    return 0;  // the double has no streamable weights: a true answer, not a failure
  }
  bool isDebugTensor(char const*) const noexcept override { return false; }
#endif
#if NV_TENSORRT_MAJOR == 10
  size_t getDeviceMemorySizeForProfile(int32_t profileIndex) const noexcept override {
    return static_cast<size_t>(getDeviceMemorySizeForProfileV2(profileIndex) < 0 ? 0 : mData->spec.deviceMemorySize);
  }
  bool setWeightStreamingBudget(int64_t) noexcept override {
    mLog.unsupported("ICudaEngine::setWeightStreamingBudget");
    return false;
  }
  int64_t getWeightStreamingBudget() const noexcept override {
    return -1;  // weight streaming disabled
  }
  int64_t getMinimumWeightStreamingBudget() const noexcept override { return 0; }
#endif
#if DBL_AT_LEAST(10, 1)
  bool setWeightStreamingBudgetV2(int64_t) noexcept override {
    mLog.unsupported("ICudaEngine::setWeightStreamingBudgetV2");
    return false;
  }
  int64_t getWeightStreamingBudgetV2() const noexcept override { return 0; }
  int64_t getWeightStreamingAutomaticBudget() const noexcept override { return 0; }
  int64_t getWeightStreamingScratchMemorySize() const noexcept override { return 0; }
  int64_t getDeviceMemorySizeV2() const noexcept override {
    DBL_TRACE("ICudaEngine::getDeviceMemorySizeV2", "", str(mData->spec.deviceMemorySize));
    return static_cast<int64_t>(mData->spec.deviceMemorySize);
  }
#endif
  int64_t getDeviceMemorySizeForProfileV2(int32_t profileIndex) const noexcept {
    int64_t r = static_cast<int64_t>(mData->spec.deviceMemorySize);
    if (profileIndex < 0 || profileIndex >= static_cast<int32_t>(mData->spec.nbProfiles)) {
      mLog.error(ErrorCode::kINVALID_ARGUMENT, "ICudaEngine::getDeviceMemorySizeForProfile",
                 "profile index " + std::to_string(profileIndex) + " out of range [0, " +
                     std::to_string(mData->spec.nbProfiles) + ")");
      r = -1;
    }
    DBL_TRACE("ICudaEngine::getDeviceMemorySizeForProfileV2", str(profileIndex), str(r));
    return r;
  }
#if DBL_AT_LEAST(10, 11)
  int64_t const* getProfileTensorValuesV2(char const* tensorName, int32_t profileIndex,
                                          OptProfileSelector select) const noexcept override {
#if NV_TENSORRT_MAJOR == 10
    // 10.11-10.x return nullptr here for profiles whose values were set with the int32 setShapeValues
    // (issue 11; Polygraphy builds them so). The double takes an INT32 shape tensor for such a profile.
    // [guess] that TensorRT logs nothing then.
    int32_t const i = mData->find(tensorName);
    if (i >= 0 && mData->spec.tensors[static_cast<std::size_t>(i)].dataType == code::kINT32) {
      DBL_TRACE(
          "ICudaEngine::getProfileTensorValuesV2",
          str(tensorName) + " " + std::to_string(profileIndex) + " " + std::to_string(static_cast<int32_t>(select)),
          "null (int32 setShapeValues profile)");
      return nullptr;
    }
#endif
    return profileValues<int64_t>(tensorName, profileIndex, select, "ICudaEngine::getProfileTensorValuesV2");
  }
  IExecutionContext* createExecutionContextWithRuntimeConfig(IRuntimeConfig* runtimeConfig) noexcept override {
    auto const s = runtimeConfig == nullptr ? ExecutionContextAllocationStrategy::kSTATIC
                                            : runtimeConfig->getExecutionContextAllocationStrategy();
    return createContext(toStrategy(s), "ICudaEngine::createExecutionContext(IRuntimeConfig)");
  }
  IRuntimeConfig* createRuntimeConfig() noexcept override {
    DBL_TRACE("ICudaEngine::createRuntimeConfig", "", "ok");
    return makeRuntimeConfig(ExecutionContextAllocationStrategy::kSTATIC);
  }
  int64_t getEngineStat(EngineStat stat) const noexcept override {
    switch (stat) {
      case EngineStat::kTOTAL_WEIGHTS_SIZE:
        return static_cast<int64_t>(mData->spec.constants.size() * sizeof(float));
      case EngineStat::kSTRIPPED_WEIGHTS_SIZE:
        return 0;
      default:
        break;
    }
    mLog.error(ErrorCode::kINVALID_ARGUMENT, "ICudaEngine::getEngineStat",
               "unknown EngineStat " + std::to_string(static_cast<int32_t>(stat)));
    return -1;
  }
#endif
#if DBL_AT_LEAST(10, 15)
  char const* getAliasedInputTensor(char const* tensorName) const noexcept override {
    // nullptr "if tensorName is not an output tensor or the output does not alias with any input" (NvInferRuntime.h).
    int32_t const i = mData->find(tensorName);
    char const* out = nullptr;
    if (i >= 0) {
      TensorSpec const& t = mData->spec.tensors[static_cast<std::size_t>(i)];
      if (t.mode == code::kOUTPUT && t.alias != 0) out = mData->spec.tensors[t.alias - 1u].name.c_str();
    }
    DBL_TRACE("ICudaEngine::getAliasedInputTensor", str(tensorName), str(out));
    return out;
  }
#endif

#if NV_TENSORRT_MAJOR < 10
  // The binding-index API (deprecated in 8.x, removed in 10.0): the addon must not use it.
  int32_t getNbBindings() const noexcept override {
    mLog.unsupported("ICudaEngine::getNbBindings");
    return -1;
  }
  int32_t getBindingIndex(char const*) const noexcept override {
    mLog.unsupported("ICudaEngine::getBindingIndex");
    return -1;
  }
  char const* getBindingName(int32_t) const noexcept override {
    mLog.unsupported("ICudaEngine::getBindingName");
    return nullptr;
  }
  bool bindingIsInput(int32_t) const noexcept override {
    mLog.unsupported("ICudaEngine::bindingIsInput");
    return false;
  }
  Dims getBindingDimensions(int32_t) const noexcept override {
    mLog.unsupported("ICudaEngine::getBindingDimensions");
    return invalidDims();
  }
  DataType getBindingDataType(int32_t) const noexcept override {
    mLog.unsupported("ICudaEngine::getBindingDataType");
    return DataType::kFLOAT;
  }
  int32_t getMaxBatchSize() const noexcept override {
    mLog.unsupported("ICudaEngine::getMaxBatchSize");
    return -1;
  }
  TensorLocation getLocation(int32_t) const noexcept override {
    mLog.unsupported("ICudaEngine::getLocation");
    return TensorLocation::kDEVICE;
  }
  int32_t getBindingBytesPerComponent(int32_t) const noexcept override {
    mLog.unsupported("ICudaEngine::getBindingBytesPerComponent");
    return -1;
  }
  int32_t getBindingComponentsPerElement(int32_t) const noexcept override {
    mLog.unsupported("ICudaEngine::getBindingComponentsPerElement");
    return -1;
  }
  TensorFormat getBindingFormat(int32_t) const noexcept override {
    mLog.unsupported("ICudaEngine::getBindingFormat");
    return TensorFormat::kLINEAR;
  }
  char const* getBindingFormatDesc(int32_t) const noexcept override {
    mLog.unsupported("ICudaEngine::getBindingFormatDesc");
    return nullptr;
  }
  int32_t getBindingVectorizedDim(int32_t) const noexcept override {
    mLog.unsupported("ICudaEngine::getBindingVectorizedDim");
    return -1;
  }
  Dims getProfileDimensions(int32_t, int32_t, OptProfileSelector) const noexcept override {
    mLog.unsupported("ICudaEngine::getProfileDimensions");
    return invalidDims();
  }
  int32_t const* getProfileShapeValues(int32_t, int32_t, OptProfileSelector) const noexcept override {
    mLog.unsupported("ICudaEngine::getProfileShapeValues");
    return nullptr;
  }
  bool isShapeBinding(int32_t) const noexcept override {
    mLog.unsupported("ICudaEngine::isShapeBinding");
    return false;
  }
  bool isExecutionBinding(int32_t) const noexcept override {
    mLog.unsupported("ICudaEngine::isExecutionBinding");
    return false;
  }
#endif

 private:
  std::unique_ptr<EngineData> mData;
  Log mLog;
};

}  // namespace

ICudaEngine* makeEngine(std::unique_ptr<EngineData> data, Log const& log) {
  auto* impl = new EngineImpl(std::move(data), log);
  auto* pub = new Facade<ICudaEngine, EngineImpl>(impl);
  impl->mPublic = pub;
  return pub;
}

}  // namespace trtdouble
