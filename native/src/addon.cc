// Module entry: getRuntimeInfo, loadTensorRt, loadEngine and the test-only _createEchoEngine (see
// src/backends/tensorrt/native-contract.ts). No file I/O, preprocessing, comparison or printing here.
#include <napi.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cuda_check.h"
#include "echo_executor.h"
#include "js_convert.h"
#include "js_engine.h"
#include "js_keys.h"
#include "js_util.h"
#include "loop_poll.h"
#include "native_error.h"
#include "session.h"
#include "tensorrt.h"

namespace trtp {
namespace {

constexpr int kAbiVersion = 2;  // NATIVE_ABI_VERSION in native-contract.ts

struct AddonData {
  Napi::FunctionReference engineCtor;
  std::shared_ptr<SessionRegistry> registry;
  /** Shared with every engine of this environment; the references inside are dropped at teardown. */
  std::shared_ptr<JsKeys> keys;
  /** Shared with every engine; may be null (then calls do not keep the loop polling). Closed at teardown. */
  std::shared_ptr<LoopPoller> poller;
};

/** Environment teardown: the keys' references are deleted while the environment can still take them. */
void finalizeAddonData(Napi::Env env, AddonData* data) {
  if (data->keys) data->keys->release(env);
  delete data;
}

Napi::Value nullable(Napi::Env env, const std::optional<std::string>& s) {
  return s ? Napi::String::New(env, *s).As<Napi::Value>() : env.Null();
}

/** NativeRuntimeInfo; `trt` as trtRuntimeInfo gave it. */
Napi::Value runtimeInfoToJs(Napi::Env env, const TrtRuntimeInfo& trt) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("abiVersion", kAbiVersion);
  int runtimeVersion = 0, driverVersion = 0;
  if (cudaRuntimeGetVersion(&runtimeVersion) != cudaSuccess) runtimeVersion = 0;
  if (cudaDriverGetVersion(&driverVersion) != cudaSuccess) driverVersion = 0;
  o.Set("cudaRuntimeVersion", runtimeVersion);
  o.Set("cudaDriverVersion", driverVersion);
  Napi::Array devices = Napi::Array::New(env);
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    o.Set("cudaError", cudaErrorText(err));
    count = 0;
  } else if (count == 0) {
    o.Set("cudaError", "cudaGetDeviceCount returned 0 devices");
  } else {
    o.Set("cudaError", env.Null());
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    char bus[32] = {0};
    if (cudaDeviceGetPCIBusId(bus, sizeof(bus), i) != cudaSuccess) bus[0] = '\0';
    Napi::Object d = Napi::Object::New(env);
    d.Set("index", i);
    d.Set("name", std::string(prop.name));
    d.Set("computeCapability", std::to_string(prop.major) + "." + std::to_string(prop.minor));
    d.Set("totalMemoryBytes", static_cast<double>(prop.totalGlobalMem));
    d.Set("pciBusId", std::string(bus));
    devices.Set(devices.Length(), d);
  }
  (void)cudaGetLastError();
  o.Set("devices", devices);
  Napi::Object t = Napi::Object::New(env);
  t.Set("builtIn", trt.builtIn);
  t.Set("headerVersion", nullable(env, trt.headerVersion));
  t.Set("libraryName", nullable(env, trt.libraryName));
  t.Set("libraryVersion", nullable(env, trt.libraryVersion));
  t.Set("libraryError", nullable(env, trt.libraryError));
  o.Set("tensorrt", t);
  return o;
}

/** Never loads libnvinfer: that dlopen can take seconds, so only loadTensorRt (a worker) and loadEngine do it. */
Napi::Value getRuntimeInfo(const Napi::CallbackInfo& info) {
  return runtimeInfoToJs(info.Env(), trtRuntimeInfo(false));
}

/** Loads libnvinfer (once per process) on a pool thread, then resolves with the runtime info. */
class LoadTensorRtWorker final : public PromiseWorker {
 public:
  explicit LoadTensorRtWorker(Napi::Env env, Napi::Promise::Deferred deferred)
      : PromiseWorker(env, std::move(deferred)) {}

 protected:
  void run() override { trt_ = trtRuntimeInfo(true); }
  Napi::Value result(Napi::Env env) override { return runtimeInfoToJs(env, trt_); }

 private:
  TrtRuntimeInfo trt_;
};

Napi::Value loadTensorRt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto deferred = Napi::Promise::Deferred::New(env);
  Napi::Promise promise = deferred.Promise();
  (new LoadTensorRtWorker(env, std::move(deferred)))->Queue();
  return promise;
}

/** Creates a session on a pool thread; the executor factory is the only thing TRT and echo differ in. */
class LoadWorker final : public PromiseWorker {
 public:
  using Factory = std::function<std::unique_ptr<Executor>()>;
  LoadWorker(Napi::Env env, Napi::Promise::Deferred deferred, int device, Factory factory,
             std::function<void()> precheck)
      : PromiseWorker(env, std::move(deferred)),
        device_(device),
        factory_(std::move(factory)),
        precheck_(std::move(precheck)) {}

 protected:
  void run() override {
    if (precheck_) precheck_();
    cudaSelectDevice(device_);
    session_ = std::make_shared<Session>(device_, factory_());
  }
  Napi::Value result(Napi::Env env) override {
    AddonData* data = env.GetInstanceData<AddonData>();
    data->registry->add(session_);
    return EngineWrap::create(env, data->engineCtor, data->keys, data->poller, std::move(session_));
  }

 private:
  int device_;
  Factory factory_;
  std::function<void()> precheck_;
  std::shared_ptr<Session> session_;
};

int deviceOption(const Napi::Object& options) {
  Napi::Value v = options.Get("device");
  if (v.IsUndefined()) return 0;
  const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= 0) || d != static_cast<double>(static_cast<int>(d)))
    fail("ERR_INVALID_ARGUMENT", "options.device must be a non-negative integer");
  return static_cast<int>(d);
}

Napi::Object optionsObject(const Napi::CallbackInfo& info, std::size_t index) {
  if (info.Length() <= index || info[index].IsUndefined()) return Napi::Object::New(info.Env());
  if (!info[index].IsObject()) fail("ERR_INVALID_ARGUMENT", "options must be an object");
  return info[index].As<Napi::Object>();
}

Napi::Value loadEngine(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    if (info.Length() < 1 || !info[0].IsTypedArray() ||
        info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      fail("ERR_INVALID_ARGUMENT", "loadEngine() needs the plan bytes as a Uint8Array");
    }
    Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
    // Copied: the caller may drop or reuse its buffer as soon as this returns.
    auto plan = std::make_shared<std::vector<uint8_t>>(bytes.Data(), bytes.Data() + bytes.ByteLength());
    Napi::Object options = optionsObject(info, 1);
    TrtLoadOptions o;
    o.device = deviceOption(options);
    Napi::Value allow = options.Get("allowHostCode");
    if (!allow.IsUndefined()) {
      if (!allow.IsBoolean()) fail("ERR_INVALID_ARGUMENT", "options.allowHostCode must be a boolean");
      o.allowHostCode = allow.As<Napi::Boolean>().Value();
    }
    Napi::Value plugins = options.Get("plugins");
    if (!plugins.IsUndefined()) {
      if (!plugins.IsArray()) fail("ERR_INVALID_ARGUMENT", "options.plugins must be an array of file paths");
      Napi::Array a = plugins.As<Napi::Array>();
      for (uint32_t i = 0; i < a.Length(); ++i) {
        if (!a.Get(i).IsString()) fail("ERR_INVALID_ARGUMENT", "options.plugins must be an array of file paths");
        o.plugins.push_back(a.Get(i).As<Napi::String>().Utf8Value());
      }
    }
    Napi::Value level = options.Get("logLevel");
    if (!level.IsUndefined()) {
      const std::string l = level.IsString() ? level.As<Napi::String>().Utf8Value() : "";
      if (l == "error") o.logLevel = 1;
      else if (l == "warning") o.logLevel = 2;
      else if (l == "info") o.logLevel = 3;
      else if (l == "verbose") o.logLevel = 4;
      else fail("ERR_INVALID_ARGUMENT", "options.logLevel must be one of error, warning, info, verbose");
    }
    auto deferred = Napi::Promise::Deferred::New(env);
    Napi::Promise promise = deferred.Promise();
    auto precheck = [] {
      if (!trtBuiltIn()) createTrtExecutor({}, TrtLoadOptions{});  // throws ERR_TRT_NOT_BUILT before any CUDA call
    };
    (new LoadWorker(
         env, std::move(deferred), o.device, [plan, o] { return createTrtExecutor(*plan, o); }, precheck))
        ->Queue();
    return promise;
  } catch (const NativeError& e) {
    return rejected(env, e.code(), e.what());
  }
}

Napi::Value createEchoEngine(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    if (info.Length() < 1 || !info[0].IsObject())
      fail("ERR_INVALID_ARGUMENT",
           "_createEchoEngine() needs a spec { inputs, delayMs?, failEnqueue?, failCapture?, invalidateCapture? }");
    Napi::Object spec = info[0].As<Napi::Object>();
    EchoSpec s;
    Napi::Value inputs = spec.Get("inputs");
    if (!inputs.IsArray() || inputs.As<Napi::Array>().Length() == 0)
      fail("ERR_INVALID_ARGUMENT", "spec.inputs must be a non-empty array");
    Napi::Array a = inputs.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); ++i) {
      if (!a.Get(i).IsObject())
        fail("ERR_INVALID_ARGUMENT", "spec.inputs[" + std::to_string(i) + "] must be an object");
      Napi::Object t = a.Get(i).As<Napi::Object>();
      EchoTensorSpec ts;
      if (!t.Get("name").IsString() || !t.Get("dtype").IsString())
        fail("ERR_INVALID_ARGUMENT", "spec.inputs[" + std::to_string(i) + "] needs name and dtype strings");
      ts.name = t.Get("name").As<Napi::String>().Utf8Value();
      ts.dtype = t.Get("dtype").As<Napi::String>().Utf8Value();
      if (runnableElementSize(ts.dtype) == 0)
        fail("ERR_INVALID_ARGUMENT", "spec.inputs[" + std::to_string(i) + "].dtype '" + ts.dtype + "' is not runnable");
      Napi::Value shape = t.Get("shape");
      if (!shape.IsArray())
        fail("ERR_INVALID_ARGUMENT",
             "spec.inputs[" + std::to_string(i) + "].shape must be an array (-1 for dynamic dims)");
      Napi::Array sa = shape.As<Napi::Array>();
      for (uint32_t k = 0; k < sa.Length(); ++k) {
        Napi::Value d = sa.Get(k);
        if (!d.IsNumber())
          fail("ERR_INVALID_ARGUMENT", "spec.inputs[" + std::to_string(i) + "].shape must hold integers");
        ts.shape.push_back(d.As<Napi::Number>().Int64Value());
      }
      Napi::Value location = t.Get("location");
      ts.onHost = location.IsString() && location.As<Napi::String>().Utf8Value() == "host";
      s.inputs.push_back(ts);
    }
    Napi::Value delay = spec.Get("delayMs");
    if (delay.IsNumber()) s.delayMs = delay.As<Napi::Number>().DoubleValue();
    Napi::Value failEnqueue = spec.Get("failEnqueue");
    s.failEnqueue = failEnqueue.IsBoolean() && failEnqueue.As<Napi::Boolean>().Value();
    Napi::Value failCapture = spec.Get("failCapture");
    s.failCapture = failCapture.IsBoolean() && failCapture.As<Napi::Boolean>().Value();
    Napi::Value invalidateCapture = spec.Get("invalidateCapture");
    s.invalidateCapture = invalidateCapture.IsBoolean() && invalidateCapture.As<Napi::Boolean>().Value();
    const int device = deviceOption(optionsObject(info, 1));
    auto deferred = Napi::Promise::Deferred::New(env);
    Napi::Promise promise = deferred.Promise();
    (new LoadWorker(
         env, std::move(deferred), device, [s, device] { return createEchoExecutor(s, device); }, nullptr))
        ->Queue();
    return promise;
  } catch (const NativeError& e) {
    return rejected(env, e.code(), e.what());
  }
}

}  // namespace

Napi::Object init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  data->registry = std::make_shared<SessionRegistry>();
  data->engineCtor = Napi::Persistent(EngineWrap::define(env));
  data->keys = std::make_shared<JsKeys>(env);
  data->poller = LoopPoller::create(env);
  env.SetInstanceData<AddonData, finalizeAddonData>(data);
  // Free GPU memory and TensorRT objects while the CUDA runtime is still fully alive, not in GC finalizers at exit.
  std::shared_ptr<SessionRegistry> registry = data->registry;
  env.AddCleanupHook([registry]() { registry->releaseAll(); });
  // Registered last, so it runs first: the loop's handle is closed while the loop still runs.
  if (std::shared_ptr<LoopPoller> poller = data->poller) env.AddCleanupHook([poller]() { poller->close(); });

  exports.Set("abiVersion", Napi::Number::New(env, kAbiVersion));
  exports.Set("getRuntimeInfo", Napi::Function::New<getRuntimeInfo>(env, "getRuntimeInfo"));
  exports.Set("loadTensorRt", Napi::Function::New<loadTensorRt>(env, "loadTensorRt"));
  exports.Set("loadEngine", Napi::Function::New<loadEngine>(env, "loadEngine"));
  exports.Set("_createEchoEngine", Napi::Function::New<createEchoEngine>(env, "_createEchoEngine"));
  return exports;
}

}  // namespace trtp

static Napi::Object initModule(Napi::Env env, Napi::Object exports) { return trtp::init(env, exports); }

NODE_API_MODULE(trt_parity, initModule)
