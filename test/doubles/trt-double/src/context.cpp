#include "context.h"

#include "kernels.h"

#include <cuda_runtime_api.h>
#include <cstring>

namespace trtdouble {

using namespace nvinfer1;

namespace {

constexpr uintptr_t kAlignment = 256;
constexpr char kSetShape[] = "IExecutionContext::setInputShape";
constexpr char kEnqueue[] = "IExecutionContext::enqueueV3";

std::string cudaText(cudaError_t e) { return std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e); }

//! Per-tensor state that persists in the context between calls, as TensorRT's does.
struct Binding {
  bool shapeSet = false;
  std::vector<int64_t> shape;
  void const* address = nullptr;
  IOutputAllocator* allocator = nullptr;
  //! cudaPointerGetAttributes' answer for `address`, asked once per distinct address (kindOf) rather than in
  //! every enqueueV3: that query is host time inside the caller's timed enqueue window, and TensorRT makes none.
  void const* kindAddress = nullptr;
  cudaMemoryType kind = cudaMemoryTypeUnregistered;
};

//! Result of shape inference: 0 all known, >0 that many inputs underspecified, -1 error.
struct Inference {
  int32_t status = 0;
  std::vector<char const*> missing;
  std::string error;
  //! Output shapes in output order (by tensor index; empty for inputs). -1 marks data-dependent dims.
  std::vector<std::vector<int64_t>> shapes;
};

#if DBL_AT_LEAST(10, 11)
class RuntimeConfigImpl final : public apiv::VRuntimeConfig {
 public:
  explicit RuntimeConfigImpl(ExecutionContextAllocationStrategy s) : mStrategy(s) {}
  IRuntimeConfig* mPublic = nullptr;
  IRuntimeConfig* getPImpl() noexcept override { return mPublic; }
  void setExecutionContextAllocationStrategy(ExecutionContextAllocationStrategy strategy) noexcept override {
    DBL_TRACE("IRuntimeConfig::setExecutionContextAllocationStrategy", str(static_cast<int32_t>(strategy)), "void");
    mStrategy = strategy;
  }
  ExecutionContextAllocationStrategy getExecutionContextAllocationStrategy() const noexcept override {
    return mStrategy;
  }

 private:
  ExecutionContextAllocationStrategy mStrategy;
};
#endif

class ContextImpl final : public apiv::VExecutionContext {
 public:
  ContextImpl(EngineData& engine, ICudaEngine& pub, MemoryStrategy strategy, Log const& log)
      : mEngine(engine), mEnginePublic(pub), mLog(log), mStrategy(strategy), mBindings(engine.tensors.size()) {
#if NV_TENSORRT_MAJOR < 10
    // 8.6: only an engine's first context starts on profile 0; later ones must choose (guide 3.2).
    mProfile = engine.contextsCreated.fetch_add(1) == 0 ? 0 : -1;
#else
    engine.contextsCreated.fetch_add(1);
#endif
  }
  ~ContextImpl() override {
    if (mOwnedMemory != nullptr) {
      cudaFree(mOwnedMemory);
    }
#if DBL_AT_LEAST(10, 11)
    delete mRuntimeConfig;
#endif
  }

  //! Allocates device memory for kSTATIC / kON_PROFILE_CHANGE. False (logged) on failure.
  bool init() noexcept {
#if DBL_AT_LEAST(10, 11)
    ExecutionContextAllocationStrategy s = ExecutionContextAllocationStrategy::kSTATIC;
    if (mStrategy == MemoryStrategy::kON_PROFILE_CHANGE) s = ExecutionContextAllocationStrategy::kON_PROFILE_CHANGE;
    if (mStrategy == MemoryStrategy::kUSER_MANAGED) s = ExecutionContextAllocationStrategy::kUSER_MANAGED;
    mRuntimeConfig = makeRuntimeConfig(s);
#endif
    if (mStrategy == MemoryStrategy::kUSER_MANAGED || mEngine.spec.deviceMemorySize == 0 || cpuOnly()) {
      return true;
    }
    cudaError_t const e = cudaMalloc(&mOwnedMemory, mEngine.spec.deviceMemorySize);
    if (e != cudaSuccess) {
      cudaGetLastError();
      mOwnedMemory = nullptr;
      mLog.error(ErrorCode::kFAILED_ALLOCATION, "ICudaEngine::createExecutionContext",
                 "Requested amount of GPU memory (" + std::to_string(mEngine.spec.deviceMemorySize) +
                     " bytes) could not be allocated: " + cudaText(e));
      return false;
    }
    mMemory = mOwnedMemory;
    return true;
  }

  IExecutionContext* mPublic = nullptr;

  // ---- helpers ---------------------------------------------------------------------------

  TensorSpec const& spec(int32_t i) const noexcept { return mEngine.tensors[static_cast<std::size_t>(i)].spec; }
  Binding& binding(int32_t i) noexcept { return mBindings[static_cast<std::size_t>(i)]; }
  Binding const& binding(int32_t i) const noexcept { return mBindings[static_cast<std::size_t>(i)]; }
  int32_t count() const noexcept { return static_cast<int32_t>(mBindings.size()); }
  //! Logs TensorRT's invalid-name error and returns -1 when `name` is not an I/O tensor.
  int32_t lookup(char const* api, char const* name) const noexcept {
    int32_t const i = mEngine.find(name);
    if (i < 0) {
      mLog.error(
          ErrorCode::kINVALID_ARGUMENT, api,
          std::string("Given invalid tensor name: ") + str(name) + ". Get valid tensor names with getIOTensorName()");
    }
    return i;
  }

  //! The input's current shape: set, or pinned by the profile (min == max) per dimension, else -1.
  std::vector<int64_t> inputShape(int32_t i) const {
    TensorSpec const& t = spec(i);
    if (binding(i).shapeSet) {
      return binding(i).shape;
    }
    std::vector<int64_t> d = t.dims;
    if (mProfile >= 0) {
      ProfileShapes const& p = t.profiles[static_cast<std::size_t>(mProfile)];
      for (std::size_t k = 0; k < d.size(); ++k) {
        if (d[k] < 0 && p.min[k] == p.max[k]) {
          d[k] = p.min[k];
        }
      }
    }
    return d;
  }

  //! Reads a host shape tensor's values from its address (TensorRT reads them at the call, not earlier).
  std::vector<int64_t> shapeValues(int32_t i) const {
    TensorSpec const& t = spec(i);
    auto const n = static_cast<std::size_t>(volume(t.dims));
    std::vector<int64_t> v(n);
    void const* p = binding(i).address;
    for (std::size_t k = 0; k < n; ++k) {
      v[k] = t.dataType == code::kINT64 ? static_cast<int64_t const*>(p)[k] : static_cast<int32_t const*>(p)[k];
    }
    return v;
  }

  Inference infer() const {
    Inference r;
    r.shapes.resize(mBindings.size());
    if (mProfile < 0) {
      r.status = -1;
      r.error = "no optimization profile is selected; call setOptimizationProfileAsync first";
      return r;
    }
    std::vector<std::vector<int64_t>> inShapes;
    std::vector<int32_t> inIdx, outIdx;
    for (int32_t i = 0; i < count(); ++i) {
      (spec(i).mode == code::kINPUT ? inIdx : outIdx).push_back(i);
    }
    for (int32_t i : inIdx) {
      TensorSpec const& t = spec(i);
      std::vector<int64_t> s = inputShape(i);
      if (volume(s) < 0 || (t.shapeInferenceIO && binding(i).address == nullptr)) {
        r.missing.push_back(t.name.c_str());
      }
      inShapes.push_back(std::move(s));
    }
    if (!r.missing.empty()) {
      r.status = static_cast<int32_t>(r.missing.size());
      return r;
    }
    auto const& x = inShapes[0];
    switch (mEngine.spec.computation) {
      case Computation::kAFFINE:
      case Computation::kAFFINE_HALF:
        r.shapes[static_cast<std::size_t>(outIdx[0])] = x;
        break;
      case Computation::kSCORES_ARGMAX:
        r.shapes[static_cast<std::size_t>(outIdx[0])] = x;
        r.shapes[static_cast<std::size_t>(outIdx[1])] = std::vector<int64_t>(x.begin(), x.end() - 1);
        break;
      case Computation::kNONZERO:
        r.shapes[static_cast<std::size_t>(outIdx[0])] = spec(outIdx[0]).dims.size() == 1
                                                            ? std::vector<int64_t>{-1}
                                                            : std::vector<int64_t>{static_cast<int64_t>(x.size()), -1};
        break;
      case Computation::kRESHAPE: {
        int32_t const s = inIdx[1];
        std::vector<int64_t> const values = shapeValues(s);
        ProfileShapes const& p = spec(s).profiles[static_cast<std::size_t>(mProfile)];
        for (std::size_t k = 0; k < values.size(); ++k) {
          if (values[k] < p.minValues[k] || values[k] > p.maxValues[k]) {
            r.status = -1;
            r.error = "shape tensor " + spec(s).name + " has values " + str(values) +
                      " outside the optimization profile " + std::to_string(mProfile) + " range " + str(p.minValues) +
                      ".." + str(p.maxValues);
            return r;
          }
        }
        auto const& declared = spec(outIdx[0]).dims;
        for (std::size_t k = 0; k < values.size(); ++k) {
          if (values[k] < 0 || (declared[k] >= 0 && declared[k] != values[k])) {
            r.status = -1;
            r.error = "reshape target " + str(values) + " from " + spec(s).name +
                      " does not fit the output's declared shape " + str(declared);
            return r;
          }
        }
        if (volume(values) != volume(x)) {
          r.status = -1;
          r.error = "cannot reshape " + spec(inIdx[0]).name + " " + str(x) + " (" + std::to_string(volume(x)) +
                    " elements) into " + str(values) + " (" + std::to_string(volume(values)) + " elements)";
          return r;
        }
        r.shapes[static_cast<std::size_t>(outIdx[0])] = values;
        break;
      }
      case Computation::kSHAPE_OF:
        r.shapes[static_cast<std::size_t>(outIdx[0])] = x;
        r.shapes[static_cast<std::size_t>(outIdx[1])] = {static_cast<int64_t>(x.size())};
        break;
      case Computation::kCACHE_UPDATE: {
        auto const& u = inShapes[1];
        if (u[0] > x[0]) {
          r.status = -1;
          r.error = "update " + spec(inIdx[1]).name + " " + str(u) + " has more rows than cache " +
                    spec(inIdx[0]).name + " " + str(x);
          return r;
        }
        r.shapes[static_cast<std::size_t>(outIdx[0])] = x;
        break;
      }
    }
    return r;
  }

  //! Writes the values of host shape-tensor outputs to their bound addresses, as TensorRT does in
  //! inferShapes and enqueueV3 (NvInferRuntime.h: inferShapes "also ... computes the values of
  //! output shape tensors"). False (and an error line) when an address is device memory: TensorRT
  //! would write host bytes there and crash; the double says so instead.
  bool writeHostOutputs(char const* api) {
    if (mEngine.spec.computation != Computation::kSHAPE_OF) return true;
    int32_t in = -1;
    for (int32_t i = 0; i < count(); ++i) {
      if (spec(i).mode == code::kINPUT && in < 0) in = i;
    }
    std::vector<int64_t> const x = inputShape(in);
    for (int32_t i = 0; i < count(); ++i) {
      TensorSpec const& t = spec(i);
      void* p = const_cast<void*>(binding(i).address);
      if (t.mode != code::kOUTPUT || t.location != code::kHOST || p == nullptr) continue;
      if (!cpuOnly() && kindOf(i) == cudaMemoryTypeDevice) {
        return fail(api, ErrorCode::kINVALID_ARGUMENT,
                    "trt-double: output " + t.name +
                        " is located on the host (a shape tensor TensorRT writes on the "
                        "host) but its address " +
                        str(static_cast<void const*>(p)) + " is device memory");
      }
      for (std::size_t k = 0; k < x.size(); ++k) {
        if (t.dataType == code::kINT64) static_cast<int64_t*>(p)[k] = x[k];
        else static_cast<int32_t*>(p)[k] = static_cast<int32_t>(x[k]);
      }
      DBL_TRACE(api, "write host output " + t.name + " " + str(x), "void");
    }
    return true;
  }

  // ---- VExecutionContext -------------------------------------------------------------------

  IExecutionContext* getPImpl() noexcept override { return mPublic; }
  void setDebugSync(bool sync) noexcept override {
    DBL_TRACE("IExecutionContext::setDebugSync", str(sync), "void");
    mDebugSync = sync;
  }
  bool getDebugSync() const noexcept override { return mDebugSync; }
  void setProfiler(IProfiler* profiler) noexcept override {
    DBL_TRACE("IExecutionContext::setProfiler", str(static_cast<void const*>(profiler)), "void");
    if (profiler != nullptr) {
      mLog.unsupported("IExecutionContext::setProfiler");
    }
  }
  IProfiler* getProfiler() const noexcept override { return nullptr; }
  ICudaEngine const& getEngine() const noexcept override { return mEnginePublic; }
  void setName(char const* name) noexcept override {
    DBL_TRACE("IExecutionContext::setName", str(name), "void");
    mName = name == nullptr ? "" : name;
  }
  char const* getName() const noexcept override { return mName.c_str(); }

  void useMemory(char const* api, void* memory, int64_t size) noexcept {
    bool ok = true;
    if (mStrategy != MemoryStrategy::kUSER_MANAGED) {
      mLog.error(ErrorCode::kINVALID_STATE, api,
                 "the context was not created with user-managed device memory (kUSER_MANAGED / "
                 "createExecutionContextWithoutDeviceMemory)");
      ok = false;
    } else if (memory != nullptr && reinterpret_cast<uintptr_t>(memory) % kAlignment != 0) {
      mLog.error(ErrorCode::kINVALID_ARGUMENT, api,
                 "device memory " + str(static_cast<void const*>(memory)) + " is not 256-byte aligned");
      ok = false;
    } else if (size >= 0 && size < static_cast<int64_t>(mEngine.spec.deviceMemorySize)) {
      mLog.error(ErrorCode::kINVALID_ARGUMENT, api,
                 "device memory size " + std::to_string(size) + " is smaller than the required " +
                     std::to_string(mEngine.spec.deviceMemorySize) + " bytes");
      ok = false;
    }
    if (ok) {
      mMemory = memory;
    }
    DBL_TRACE(api, str(static_cast<void const*>(memory)) + " " + std::to_string(size), ok ? "ok" : "rejected");
  }
  void setDeviceMemory(void* memory) noexcept override { useMemory("IExecutionContext::setDeviceMemory", memory, -1); }
  int32_t getOptimizationProfile() const noexcept override { return mProfile; }
  bool allInputDimensionsSpecified() const noexcept override {
    // The header: "does not work with name-base interfaces". Fail loudly so nobody relies on it.
    mLog.unsupported("IExecutionContext::allInputDimensionsSpecified (use inferShapes)");
    return false;
  }
#if NV_TENSORRT_MAJOR < 11
  bool allInputShapesSpecified() const noexcept override {
    mLog.unsupported("IExecutionContext::allInputShapesSpecified (use inferShapes)");
    return false;
  }
#endif
  void setErrorRecorder(IErrorRecorder* recorder) noexcept override {
    DBL_TRACE("IExecutionContext::setErrorRecorder", str(static_cast<void const*>(recorder)), "void");
    mLog.setRecorder(recorder);
  }
  IErrorRecorder* getErrorRecorder() const noexcept override { return mLog.recorder(); }

  bool executeV2(void* const* bindings) noexcept override {
    if (bindings == nullptr) {
      mLog.error(ErrorCode::kINVALID_ARGUMENT, "IExecutionContext::executeV2", "bindings is null");
      return false;
    }
    std::vector<void const*> saved;
    for (int32_t i = 0; i < count(); ++i) {
      saved.push_back(binding(i).address);
      binding(i).address = bindings[i];
    }
    // Synchronous by contract: run on the legacy default stream and wait.
    bool ok = enqueueChecked(nullptr, "IExecutionContext::executeV2");
    if (ok && !cpuOnly()) {
      cudaError_t const e = cudaStreamSynchronize(nullptr);
      if (e != cudaSuccess) {
        mLog.error(ErrorCode::kFAILED_EXECUTION, "IExecutionContext::executeV2", cudaText(e));
        ok = false;
      }
    }
    for (int32_t i = 0; i < count(); ++i) {
      binding(i).address = saved[static_cast<std::size_t>(i)];
    }
    DBL_TRACE("IExecutionContext::executeV2", "", str(ok));
    return ok;
  }

  bool setOptimizationProfileAsync(int32_t profileIndex, cudaStream_t stream) noexcept override {
    int32_t const n = static_cast<int32_t>(mEngine.spec.nbProfiles);
    bool ok = profileIndex >= 0 && profileIndex < n;
    if (!ok) {
      mLog.error(ErrorCode::kINVALID_ARGUMENT, "IExecutionContext::setOptimizationProfileAsync",
                 "Parameter check failed, condition: profileIndex >= 0 && profileIndex < "
                 "mEngine.getNbOptimizationProfiles(). Profile index " +
                     std::to_string(profileIndex) + " is out of range [0, " + std::to_string(n) + ")");
    } else if (profileIndex != mProfile) {
      // Shapes chosen for another profile may be out of range for this one: they must be set again.
      mProfile = profileIndex;
      for (auto& b : mBindings) {
        b.shapeSet = false;
        b.shape.clear();
      }
    }
    DBL_TRACE("IExecutionContext::setOptimizationProfileAsync",
              str(profileIndex) + " stream " + str(static_cast<void const*>(stream)), str(ok));
    return ok;
  }
  void setEnqueueEmitsProfile(bool enqueueEmitsProfile) noexcept override {
    mEnqueueEmitsProfile = enqueueEmitsProfile;
  }
  bool getEnqueueEmitsProfile() const noexcept override { return mEnqueueEmitsProfile; }
  bool reportToProfiler() const noexcept override {
    mLog.unsupported("IExecutionContext::reportToProfiler");
    return false;
  }

  bool setInputShape(char const* tensorName, Dims const& dims) noexcept override {
    bool const ok = setInputShapeImpl(tensorName, dims);
    DBL_TRACE(kSetShape, str(tensorName) + " " + str(dims), str(ok));
    return ok;
  }
  bool setInputShapeImpl(char const* tensorName, Dims const& dims) {
    int32_t const i = lookup(kSetShape, tensorName);
    if (i < 0) {
      return false;
    }
    TensorSpec const& t = spec(i);
    if (t.mode != code::kINPUT) {
      mLog.error(ErrorCode::kINVALID_ARGUMENT, kSetShape, "tensor " + t.name + " is not an input tensor");
      return false;
    }
    std::vector<int64_t> d;
    if (!fromDims(dims, d) || d.size() != t.dims.size()) {
      mLog.error(ErrorCode::kINVALID_ARGUMENT, kSetShape,
                 "Parameter check failed, condition: engineDims.nbDims == dims.nbDims. Supplied dimension " +
                     str(dims) + " for tensor " + t.name + " has " + std::to_string(dims.nbDims) +
                     " dimensions, the engine has " + std::to_string(t.dims.size()));
      return false;
    }
    for (std::size_t k = 0; k < d.size(); ++k) {
      if (t.dims[k] >= 0 && t.dims[k] != d[k]) {
        mLog.error(ErrorCode::kINVALID_ARGUMENT, kSetShape,
                   "Parameter check failed, condition: engineDims.d[i] == dims.d[i]. Static dimension mismatch "
                   "while setting input shape for tensor " +
                       t.name + ": supplied " + str(d) + ", engine " + str(t.dims));
        return false;
      }
    }
    if (mProfile < 0) {
      mLog.error(ErrorCode::kINVALID_STATE, kSetShape,
                 "no optimization profile is selected; call setOptimizationProfileAsync first");
      return false;
    }
    ProfileShapes const& p = t.profiles[static_cast<std::size_t>(mProfile)];
    for (std::size_t k = 0; k < d.size(); ++k) {
      if (d[k] < p.min[k] || d[k] > p.max[k]) {
        mLog.error(ErrorCode::kINVALID_ARGUMENT, kSetShape,
                   "Parameter check failed, condition: profileMinDims.d[i] <= dimensions.d[i] && dimensions.d[i] <= "
                   "profileMaxDims.d[i]. Supplied binding dimension " +
                       str(d) + " for tensor " + t.name + " exceed min ~ max range at index " + std::to_string(k) +
                       ", maximum dimension in profile is " + std::to_string(p.max[k]) +
                       ", minimum dimension in profile is " + std::to_string(p.min[k]) +
                       ", but supplied dimension is " + std::to_string(d[k]) + ". Valid range for profile " +
                       std::to_string(mProfile) + ": " + str(p.min) + ".." + str(p.max) + ".");
        return false;
      }
    }
    binding(i).shapeSet = true;
    binding(i).shape = d;
    return true;
  }

  Dims getTensorShape(char const* tensorName) const noexcept override {
    Dims d = invalidDims();
    int32_t const i = mEngine.find(tensorName);
    if (i >= 0) {
      if (spec(i).mode == code::kINPUT) {
        d = toDims(inputShape(i));
      } else {
        Inference const r = infer();
        d = toDims(r.status == 0 ? r.shapes[static_cast<std::size_t>(i)] : spec(i).dims);
      }
    }
    DBL_TRACE("IExecutionContext::getTensorShape", str(tensorName), str(d));
    return d;
  }
  Dims getTensorStrides(char const* tensorName) const noexcept override {
    Dims const shape = getTensorShape(tensorName);
    std::vector<int64_t> s;
    Dims d = invalidDims();
    if (fromDims(shape, s) && volume(s) >= 0) {
      std::vector<int64_t> strides(s.size(), 1);
      for (std::size_t k = s.size(); k-- > 1;) {
        strides[k - 1] = strides[k] * s[k];
      }
      d = toDims(strides);
    }
    DBL_TRACE("IExecutionContext::getTensorStrides", str(tensorName), str(d));
    return d;
  }

  bool setAddress(char const* api, char const* tensorName, void const* data, int mustBeMode) noexcept {
    bool ok = false;
    int32_t const i = lookup(api, tensorName);
    if (i >= 0) {
      TensorSpec const& t = spec(i);
      if (mustBeMode != 0 && t.mode != mustBeMode) {
        mLog.error(ErrorCode::kINVALID_ARGUMENT, api,
                   "tensor " + t.name + " is not an " + (mustBeMode == code::kINPUT ? "input" : "output") + " tensor");
      } else if (data != nullptr && t.location == code::kDEVICE &&
                 reinterpret_cast<uintptr_t>(data) % kAlignment != 0) {
        mLog.error(ErrorCode::kINVALID_ARGUMENT, api,
                   "Parameter check failed, condition: (reinterpret_cast<uintptr_t>(data) & (256 - 1)) == 0. "
                   "Address " +
                       str(data) + " of tensor " + t.name +
                       " is not aligned to 256 bytes; TensorRT requires 256-byte aligned I/O addresses");
      } else {
        binding(i).address = data;
        ok = true;
      }
    }
    // ctx= attributes the line to its context when several run at once; ptr-device= shows where the buffer lives.
    DBL_TRACE(api,
              str(tensorName) + " " + str(data) + " ctx=" + str(static_cast<void const*>(mPublic)) + " " +
                  tracePointerDevice(data),
              str(ok));
    return ok;
  }
  bool setTensorAddress(char const* tensorName, void* data) noexcept override {
    return setAddress("IExecutionContext::setTensorAddress", tensorName, data, 0);
  }
  void const* getTensorAddress(char const* tensorName) const noexcept override {
    int32_t const i = mEngine.find(tensorName);
    return i < 0 ? nullptr : binding(i).address;
  }
  bool setInputTensorAddress(char const* tensorName, void const* data) noexcept override {
    return setAddress("IExecutionContext::setInputTensorAddress", tensorName, data, code::kINPUT);
  }
#if NV_TENSORRT_MAJOR >= 10
  bool setOutputTensorAddress(char const* tensorName, void* data) noexcept override {
    return setAddress("IExecutionContext::setOutputTensorAddress", tensorName, data, code::kOUTPUT);
  }
#endif
  int32_t inferShapes(int32_t nbMaxNames, char const** tensorNames) noexcept override {
    int32_t result = -1;
    try {
      Inference const r = infer();
      if (r.status < 0) {
        mLog.error(ErrorCode::kINVALID_ARGUMENT, "IExecutionContext::inferShapes", r.error);
      }
      if (r.status == 0 && !writeHostOutputs("IExecutionContext::inferShapes")) {
        DBL_TRACE("IExecutionContext::inferShapes", str(nbMaxNames), "-1");
        return -1;
      }
      for (int32_t k = 0; k < r.status && k < nbMaxNames && tensorNames != nullptr; ++k) {
        tensorNames[k] = r.missing[static_cast<std::size_t>(k)];
      }
      result = r.status;
    } catch (...) {
    }
    DBL_TRACE("IExecutionContext::inferShapes", str(nbMaxNames), str(result));
    return result;
  }
  bool setInputConsumedEvent(cudaEvent_t event) noexcept override {
    DBL_TRACE("IExecutionContext::setInputConsumedEvent", str(static_cast<void const*>(event)), "true");
    mInputConsumed = event;
    return true;
  }
  cudaEvent_t getInputConsumedEvent() const noexcept override { return mInputConsumed; }
  void* getOutputTensorAddress(char const* tensorName) const noexcept override {
    int32_t const i = lookup("IExecutionContext::getOutputTensorAddress", tensorName);
    if (i < 0) {
      return nullptr;
    }
    if (spec(i).mode != code::kOUTPUT) {
      mLog.error(ErrorCode::kINVALID_ARGUMENT, "IExecutionContext::getOutputTensorAddress",
                 "tensor " + spec(i).name + " is not an output tensor");
      return nullptr;
    }
    return const_cast<void*>(binding(i).address);
  }
  bool setOutputAllocator(char const* tensorName, IOutputAllocator* outputAllocator) noexcept override {
    char const* api = "IExecutionContext::setOutputAllocator";
    int32_t const i = lookup(api, tensorName);
    bool ok = false;
    if (i >= 0 && spec(i).mode != code::kOUTPUT) {
      mLog.error(ErrorCode::kINVALID_ARGUMENT, api, "tensor " + spec(i).name + " is not an output tensor");
    } else if (i >= 0) {
      binding(i).allocator = outputAllocator;
      ok = true;
    }
    DBL_TRACE(api, str(tensorName) + " " + str(static_cast<void const*>(outputAllocator)), str(ok));
    return ok;
  }
  IOutputAllocator* getOutputAllocator(char const* name) noexcept override {
    int32_t const i = mEngine.find(name);
    return i < 0 ? nullptr : binding(i).allocator;
  }
  int64_t getMaxOutputSize(char const* tensorName) const noexcept override {
    char const* api = "IExecutionContext::getMaxOutputSize";
    int64_t result = -1;
    int32_t const i = lookup(api, tensorName);
    if (i >= 0 && spec(i).mode != code::kOUTPUT) {
      mLog.error(ErrorCode::kINVALID_ARGUMENT, api, "tensor " + spec(i).name + " is not an output tensor");
    } else if (i >= 0) {
      Inference const r = infer();
      if (r.status == 0) {
        result = maxBytes(i, r);
      }
    }
    DBL_TRACE(api, str(tensorName), str(result));
    return result;
  }
  //! Exact bytes for static outputs; for NonZero every element selected.
  int64_t maxBytes(int32_t i, Inference const& r) const {
    int64_t const eb = bytesPerElement(spec(i).dataType);
    auto const& s = r.shapes[static_cast<std::size_t>(i)];
    if (volume(s) >= 0) {
      return volume(s) * eb;
    }
    std::vector<int64_t> const x = inputShape(firstInput());
    return volume(x) * eb * (s.size() == 2 ? static_cast<int64_t>(x.size()) : 1);
  }
  int32_t firstInput() const noexcept {
    for (int32_t i = 0; i < count(); ++i) {
      if (spec(i).mode == code::kINPUT) {
        return i;
      }
    }
    return 0;
  }
  bool setTemporaryStorageAllocator(IGpuAllocator* allocator) noexcept override {
    // The double never needs temporary storage, so an allocator is accepted and simply never called.
    mTemporaryAllocator = allocator;
    return true;
  }
  IGpuAllocator* getTemporaryStorageAllocator() const noexcept override { return mTemporaryAllocator; }

  bool enqueueV3(cudaStream_t stream) noexcept override {
    bool ok = false;
    try {
      ok = enqueueChecked(stream, kEnqueue);
    } catch (...) {
      mLog.error(ErrorCode::kINTERNAL_ERROR, kEnqueue, "trt-double: unexpected exception");
    }
    DBL_TRACE(kEnqueue,
              "stream " + str(static_cast<void const*>(stream)) + " ctx=" + str(static_cast<void const*>(mPublic)) +
                  " " + traceCurrentDevice(),
              str(ok));
    return ok;
  }

  void setPersistentCacheLimit(size_t size) noexcept override { mPersistentCacheLimit = size; }
  size_t getPersistentCacheLimit() const noexcept override { return mPersistentCacheLimit; }
  bool setNvtxVerbosity(ProfilingVerbosity verbosity) noexcept override {
    mNvtxVerbosity = verbosity;
    return true;
  }
  ProfilingVerbosity getNvtxVerbosity() const noexcept override { return mNvtxVerbosity; }
  void setAuxStreams(cudaStream_t*, int32_t nbStreams) noexcept override {
    // The engine reports getNbAuxStreams() == 0; TensorRT ignores extra streams, and so does the double.
    DBL_TRACE("IExecutionContext::setAuxStreams", str(nbStreams), "void");
  }

#if NV_TENSORRT_MAJOR >= 10
  bool setDebugListener(IDebugListener*) noexcept override {
    mLog.unsupported("IExecutionContext::setDebugListener");
    return false;
  }
  IDebugListener* getDebugListener() noexcept override { return nullptr; }
  bool setTensorDebugState(char const*, bool) noexcept override {
    mLog.unsupported("IExecutionContext::setTensorDebugState");
    return false;
  }
  bool getDebugState(char const*) const noexcept override { return false; }
  bool setAllTensorsDebugState(bool) noexcept override {
    mLog.unsupported("IExecutionContext::setAllTensorsDebugState");
    return false;
  }
  size_t updateDeviceMemorySizeForShapes() noexcept override {
    Inference const r = infer();
    size_t result = 0;
    if (r.status != 0) {
      mLog.error(ErrorCode::kINVALID_STATE, "IExecutionContext::updateDeviceMemorySizeForShapes",
                 "input shapes are not all specified (inferShapes() != 0)");
    } else {
      result = static_cast<size_t>(mEngine.spec.deviceMemorySize);
    }
    DBL_TRACE("IExecutionContext::updateDeviceMemorySizeForShapes", "", str(static_cast<uint64_t>(result)));
    return result;
  }
#endif
#if DBL_AT_LEAST(10, 1)
  void setDeviceMemoryV2(void* memory, int64_t size) noexcept override {
    useMemory("IExecutionContext::setDeviceMemoryV2", memory, size);
  }
#endif
#if DBL_AT_LEAST(10, 11)
  IRuntimeConfig* getRuntimeConfig() const noexcept override { return mRuntimeConfig; }
#endif
  // Newer 10.x additions whose first minor the headers do not mark: declared without `override` so
  // they override where the base declares them and are harmless extras elsewhere.
  bool setUnfusedTensorsDebugState(bool) noexcept {
    mLog.unsupported("IExecutionContext::setUnfusedTensorsDebugState");
    return false;
  }
  bool getUnfusedTensorsDebugState() const noexcept { return false; }
  bool setCommunicator(void*) noexcept {
    mLog.unsupported("IExecutionContext::setCommunicator");
    return false;
  }

#if NV_TENSORRT_MAJOR < 10
  // Implicit-batch and binding-index API of 8.x: the addon must use the name-based API.
  bool execute(int32_t, void* const*) noexcept override {
    mLog.unsupported("IExecutionContext::execute");
    return false;
  }
  bool enqueue(int32_t, void* const*, cudaStream_t, cudaEvent_t*) noexcept override {
    mLog.unsupported("IExecutionContext::enqueue");
    return false;
  }
  Dims getStrides(int32_t) const noexcept override {
    mLog.unsupported("IExecutionContext::getStrides");
    return invalidDims();
  }
  bool setOptimizationProfile(int32_t) noexcept override {
    mLog.unsupported("IExecutionContext::setOptimizationProfile");
    return false;
  }
  bool setBindingDimensions(int32_t, Dims) noexcept override {
    mLog.unsupported("IExecutionContext::setBindingDimensions");
    return false;
  }
  Dims getBindingDimensions(int32_t) const noexcept override {
    mLog.unsupported("IExecutionContext::getBindingDimensions");
    return invalidDims();
  }
  bool setInputShapeBinding(int32_t, int32_t const*) noexcept override {
    mLog.unsupported("IExecutionContext::setInputShapeBinding");
    return false;
  }
  bool getShapeBinding(int32_t, int32_t*) const noexcept override {
    mLog.unsupported("IExecutionContext::getShapeBinding");
    return false;
  }
  bool enqueueV2(void* const*, cudaStream_t, cudaEvent_t*) noexcept override {
    mLog.unsupported("IExecutionContext::enqueueV2");
    return false;
  }
#endif

 private:
  bool fail(char const* api, ErrorCode code, std::string const& text) const {
    mLog.error(code, api, text);
    return false;
  }

  //! cudaPointerGetAttributes' memory type, or cudaMemoryTypeUnregistered when CUDA cannot tell.
  static cudaMemoryType memoryType(void const* p) {
    cudaPointerAttributes a{};
    if (cudaPointerGetAttributes(&a, p) != cudaSuccess) {
      cudaGetLastError();
      return cudaMemoryTypeUnregistered;
    }
    return a.type;
  }
  //! The memory kind of binding i's address, cached per address: rebinding the same pointer every call (as
  //! the addon does) costs no CUDA call. A buffer freed and reallocated at the very same address as another
  //! kind between two calls would go unnoticed; TensorRT checks no kinds at all.
  cudaMemoryType kindOf(int32_t i) {
    Binding& b = binding(i);
    if (b.kindAddress != b.address || b.address == nullptr) {
      b.kind = b.address == nullptr ? cudaMemoryTypeUnregistered : memoryType(b.address);
      b.kindAddress = b.address;
    }
    return b.kind;
  }

  void* reallocate(int32_t i, void* current, uint64_t size, cudaStream_t stream) {
    IOutputAllocator* a = binding(i).allocator;
    char const* name = spec(i).name.c_str();
#if NV_TENSORRT_MAJOR >= 10
    void* p = a->reallocateOutputAsync(name, current, size, kAlignment, stream);
    DBL_TRACE("IOutputAllocator::reallocateOutputAsync",
              std::string(name) + " " + str(current) + " " + std::to_string(size), str(static_cast<void const*>(p)));
#else
    (void)stream;
    void* p = a->reallocateOutput(name, current, size, kAlignment);
    DBL_TRACE("IOutputAllocator::reallocateOutput", std::string(name) + " " + str(current) + " " + std::to_string(size),
              str(static_cast<void const*>(p)));
#endif
    return p;
  }

  void notify(int32_t i, std::vector<int64_t> const& shape) {
    Dims const d = toDims(shape);
    DBL_TRACE("IOutputAllocator::notifyShape", spec(i).name + " " + str(d), "void");
    binding(i).allocator->notifyShape(spec(i).name.c_str(), d);
  }

  bool enqueueChecked(cudaStream_t stream, char const* api) {
    // -- argument checks, in the order TensorRT reports them --
    if (mProfile < 0) {
      return fail(api, ErrorCode::kINVALID_STATE,
                  "no optimization profile is selected; call setOptimizationProfileAsync before enqueue/execute");
    }
    for (int32_t i = 0; i < count(); ++i) {
      TensorSpec const& t = spec(i);
      Binding const& b = binding(i);
      if (t.mode == code::kINPUT && b.address == nullptr) {
        return fail(api, ErrorCode::kINVALID_ARGUMENT,
                    "Address is not set for input tensor " + t.name +
                        ". Call setInputTensorAddress or setTensorAddress before enqueue/execute.");
      }
      if (t.mode == code::kOUTPUT && b.address == nullptr && b.allocator == nullptr) {
        return fail(api, ErrorCode::kINVALID_ARGUMENT,
                    "Neither address or allocator is set for output tensor " + t.name +
                        ". Call setOutputTensorAddress, setTensorAddress or setOutputAllocator before "
                        "enqueue/execute.");
      }
    }
    Inference const r = infer();
    if (r.status > 0) {
      return fail(api, ErrorCode::kINVALID_ARGUMENT,
                  std::string("Not all input dimensions are specified; first underspecified input: ") + r.missing[0] +
                      ". Call setInputShape (or set the shape tensor's address) before enqueue/execute.");
    }
    if (r.status < 0) {
      return fail(api, ErrorCode::kINVALID_ARGUMENT, r.error);
    }
    for (int32_t i = 0; i < count(); ++i) {
      TensorSpec const& t = spec(i);
      if (t.format != 0) {
        return fail(api, ErrorCode::kUNSUPPORTED_STATE,
                    "trt-double: tensor " + t.name + " has format " + formatDescription(t.format, t.dataType) +
                        "; the double computes only kLINEAR tensors");
      }
      if (t.mode == code::kOUTPUT && volume(r.shapes[static_cast<std::size_t>(i)]) < 0 &&
          binding(i).allocator == nullptr) {
        return fail(api, ErrorCode::kUNSUPPORTED_STATE,
                    "trt-double: output tensor " + t.name +
                        " has a data-dependent shape and needs an IOutputAllocator (setOutputAllocator); the double "
                        "does not write data-dependent outputs to a bare address");
      }
    }
    if (mEngine.spec.deviceMemorySize > 0 && mMemory == nullptr && !cpuOnly()) {
      return fail(api, ErrorCode::kINVALID_STATE,
                  "the context uses user-managed device memory and none is set; call setDeviceMemoryV2 (or "
                  "setDeviceMemory) before enqueue/execute");
    }
    if (cpuOnly()) {
      return fail(api, ErrorCode::kFAILED_EXECUTION,
                  "trt-double: TRT_DOUBLE_CPU_ONLY=1, so nothing runs (all argument checks passed)");
    }
    // Memory kinds: a wrong kind would crash the kernel (and poison the CUDA context for the whole
    // process) or the host read. TensorRT does not check this; the double does, loudly.
    for (int32_t i = 0; i < count(); ++i) {
      TensorSpec const& t = spec(i);
      void const* p = binding(i).address;
      if (p == nullptr) {
        continue;
      }
      cudaMemoryType const m = kindOf(i);
      if (t.location == code::kDEVICE && m != cudaMemoryTypeDevice && m != cudaMemoryTypeManaged) {
        return fail(api, ErrorCode::kINVALID_ARGUMENT,
                    "trt-double: tensor " + t.name + " is located on the device but its address " + str(p) +
                        " is not device memory");
      }
      if (t.location == code::kHOST && m == cudaMemoryTypeDevice) {
        return fail(api, ErrorCode::kINVALID_ARGUMENT,
                    "trt-double: tensor " + t.name + " is located on the host (a shape tensor) but its address " +
                        str(p) + " is device memory");
      }
    }
    return run(stream, api, r);
  }

  //! Output pointer for a known shape: the allocator's answer when one is set, else the address.
  bool outputPointer(int32_t i, std::vector<int64_t> const& shape, cudaStream_t stream, char const* api, void*& out) {
    void* current = const_cast<void*>(binding(i).address);
    if (binding(i).allocator == nullptr) {
      out = current;
      return true;
    }
    int64_t const bytes = volume(shape) * bytesPerElement(spec(i).dataType);
    out = reallocate(i, current, static_cast<uint64_t>(bytes > 0 ? bytes : 1), stream);
    if (out == nullptr) {
      return fail(api, ErrorCode::kFAILED_ALLOCATION,
                  "IOutputAllocator::reallocateOutput" + std::string(NV_TENSORRT_MAJOR >= 10 ? "Async" : "") +
                      " returned nullptr for output tensor " + spec(i).name + " (" + std::to_string(bytes) + " bytes)");
    }
    if (reinterpret_cast<uintptr_t>(out) % kAlignment != 0) {
      return fail(api, ErrorCode::kINVALID_ARGUMENT,
                  "the output allocator returned " + str(static_cast<void const*>(out)) + " for " + spec(i).name +
                      ", which is not 256-byte aligned");
    }
    return true;
  }

  bool run(cudaStream_t stream, char const* api, Inference const& r) {
    std::vector<int32_t> in, outs;
    for (int32_t i = 0; i < count(); ++i) {
      (spec(i).mode == code::kINPUT ? in : outs).push_back(i);
    }
    std::vector<int64_t> const x = inputShape(in[0]);
    auto const* xPtr = static_cast<float const*>(binding(in[0]).address);
    int64_t const n = volume(x);
    std::vector<void*> outPtr(static_cast<std::size_t>(count()), nullptr);
    cudaError_t e = cudaSuccess;

    switch (mEngine.spec.computation) {
      case Computation::kAFFINE:
      case Computation::kAFFINE_HALF: {
        int32_t const o = outs[0];
        if (!outputPointer(o, x, stream, api, outPtr[static_cast<std::size_t>(o)])) return false;
        int64_t const channels = x[1];
        int64_t const inner = volume(std::vector<int64_t>(x.begin() + 2, x.end()));
        float const* a = mEngine.deviceConstants;
        float const* b = a + channels;
        e = mEngine.spec.computation == Computation::kAFFINE
                ? launchAffine(xPtr, static_cast<float*>(outPtr[static_cast<std::size_t>(o)]), a, b, n, channels, inner,
                               stream)
                : launchAffineHalf(xPtr, static_cast<uint16_t*>(outPtr[static_cast<std::size_t>(o)]), a, b, n, channels,
                                   inner, stream);
        break;
      }
      case Computation::kSCORES_ARGMAX: {
        int64_t const k = x.back();
        if (k == 0 && n == 0 && volume(std::vector<int64_t>(x.begin(), x.end() - 1)) > 0) {
          return fail(api, ErrorCode::kINVALID_ARGUMENT,
                      "trt-double: argmax over an empty last axis of " + spec(in[0]).name + " " + str(x));
        }
        for (int32_t o : outs) {
          if (!outputPointer(o, r.shapes[static_cast<std::size_t>(o)], stream, api,
                             outPtr[static_cast<std::size_t>(o)]))
            return false;
        }
        e = launchScoresArgmax(xPtr, static_cast<float*>(outPtr[static_cast<std::size_t>(outs[0])]),
                               outPtr[static_cast<std::size_t>(outs[1])], spec(outs[1]).dataType == code::kINT64,
                               k == 0 ? 0 : n / k, k, stream);
        break;
      }
      case Computation::kNONZERO:
        return runNonzero(stream, api, in[0], outs[0], x);
      case Computation::kRESHAPE: {
        int32_t const o = outs[0];
        auto const& shape = r.shapes[static_cast<std::size_t>(o)];
        if (!outputPointer(o, shape, stream, api, outPtr[static_cast<std::size_t>(o)])) return false;
        e = launchCopy(xPtr, static_cast<float*>(outPtr[static_cast<std::size_t>(o)]), n, stream);
        break;
      }
      case Computation::kSHAPE_OF: {
        int32_t const o = outs[0];
        if (!outputPointer(o, x, stream, api, outPtr[static_cast<std::size_t>(o)])) return false;
        if (!writeHostOutputs(api)) return false;
        e = launchCopy(xPtr, static_cast<float*>(outPtr[static_cast<std::size_t>(o)]), n, stream);
        break;
      }
      case Computation::kCACHE_UPDATE: {
        // In place, as KVCacheUpdate: only the update rows are written, into the output's memory, which
        // TensorRT expects to be the cache input's (getAliasedInputTensor). The other rows are the cache's
        // only if the output shares the cache's memory. [guess] for what TensorRT does with a separate buffer.
        int32_t const o = outs[0];
        if (!outputPointer(o, x, stream, api, outPtr[static_cast<std::size_t>(o)])) return false;
        std::vector<int64_t> const u = inputShape(in[1]);
        e = launchCopy(static_cast<float const*>(binding(in[1]).address),
                       static_cast<float*>(outPtr[static_cast<std::size_t>(o)]), volume(u), stream);
        break;
      }
    }
    if (e != cudaSuccess) {
      return fail(api, ErrorCode::kFAILED_EXECUTION, "kernel launch failed: " + cudaText(e));
    }
    for (int32_t o : outs) {
      if (binding(o).allocator != nullptr) {
        notify(o, r.shapes[static_cast<std::size_t>(o)]);
      }
    }
    return finish(stream, api);
  }

  bool runNonzero(cudaStream_t stream, char const* api, int32_t in, int32_t o, std::vector<int64_t> const& x) {
    auto const* xPtr = static_cast<float const*>(binding(in).address);
    int64_t const n = volume(x);
    float const threshold = mEngine.spec.constants[0];
    auto* count = static_cast<unsigned long long*>(mMemory);
    cudaError_t e = launchNonzeroCount(xPtr, n, threshold, count, stream);
    if (e == cudaSuccess) {
      e = cudaMemcpyAsync(&mHostCount, count, sizeof(mHostCount), cudaMemcpyDeviceToHost, stream);
    }
    // A data-dependent size must reach the host before the allocator can be asked: this waits on
    // `stream` only (TensorRT synchronizes for data-dependent shapes too).
    if (e == cudaSuccess) {
      e = cudaStreamSynchronize(stream);
    }
    if (e != cudaSuccess) {
      return fail(api, ErrorCode::kFAILED_EXECUTION, "counting non-zeros failed: " + cudaText(e));
    }
    auto const nnz = static_cast<int64_t>(mHostCount);
    bool const rankMajor = spec(o).dims.size() == 2;
    std::vector<int64_t> const shape =
        rankMajor ? std::vector<int64_t>{static_cast<int64_t>(x.size()), nnz} : std::vector<int64_t>{nnz};
    void* out = nullptr;
    if (!outputPointer(o, shape, stream, api, out)) {
      return false;
    }
    KernelDims kd{};
    kd.rank = static_cast<int32_t>(x.size());
    for (std::size_t k = 0; k < x.size(); ++k) {
      kd.d[k] = x[k];
    }
    e = launchNonzeroWrite(xPtr, n, threshold, kd, rankMajor, out, spec(o).dataType == code::kINT64, nnz, stream);
    if (e != cudaSuccess) {
      return fail(api, ErrorCode::kFAILED_EXECUTION, "kernel launch failed: " + cudaText(e));
    }
    notify(o, shape);
    return finish(stream, api);
  }

  bool finish(cudaStream_t stream, char const* api) {
    cudaError_t e = cudaSuccess;
    if (mInputConsumed != nullptr) {
      e = cudaEventRecord(mInputConsumed, stream);
    }
    if (e == cudaSuccess && mDebugSync) {
      e = cudaStreamSynchronize(stream);
    }
    if (e != cudaSuccess) {
      return fail(api, ErrorCode::kFAILED_EXECUTION, cudaText(e));
    }
    return true;
  }

  EngineData& mEngine;
  ICudaEngine& mEnginePublic;
  Log mLog;
  MemoryStrategy mStrategy;
  std::vector<Binding> mBindings;
  int32_t mProfile = 0;
  void* mOwnedMemory = nullptr;
  void* mMemory = nullptr;
  unsigned long long mHostCount = 0;
  std::string mName;
  bool mDebugSync = false;
  bool mEnqueueEmitsProfile = true;
  cudaEvent_t mInputConsumed = nullptr;
  IGpuAllocator* mTemporaryAllocator = nullptr;
  size_t mPersistentCacheLimit = 0;
  ProfilingVerbosity mNvtxVerbosity = ProfilingVerbosity::kLAYER_NAMES_ONLY;
#if DBL_AT_LEAST(10, 11)
  IRuntimeConfig* mRuntimeConfig = nullptr;
#endif
};

}  // namespace

IExecutionContext* makeContext(EngineData& engine, ICudaEngine& pub, MemoryStrategy strategy, Log const& log) noexcept {
  try {
    auto* impl = new ContextImpl(engine, pub, strategy, log);
    auto* ctx = new Facade<IExecutionContext, ContextImpl>(impl);
    impl->mPublic = ctx;
    if (!impl->init()) {
      delete ctx;
      return nullptr;
    }
    return ctx;
  } catch (...) {
    return nullptr;
  }
}

#if DBL_AT_LEAST(10, 11)
IRuntimeConfig* makeRuntimeConfig(ExecutionContextAllocationStrategy strategy) noexcept {
  try {
    auto* impl = new RuntimeConfigImpl(strategy);
    auto* pub = new Facade<IRuntimeConfig, RuntimeConfigImpl>(impl);
    impl->mPublic = pub;
    return pub;
  } catch (...) {
    return nullptr;
  }
}
#endif

}  // namespace trtdouble
