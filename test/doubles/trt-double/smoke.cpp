// Standalone smoke test of the TensorRT double, driven the way the addon drives TensorRT: dlopen the
// library, resolve only createInferRuntime_INTERNAL / getInferLibVersion, then use nothing but the
// public interfaces from the headers.
//
//   trt_double_smoke <libnvinfer.so.N> [--cpu-only] [--engines DIR] [--time-enqueue]
//   trt_double_smoke --write DIR
//
// --cpu-only   sets TRT_DOUBLE_CPU_ONLY=1 and runs only the checks that need no GPU.
// --write DIR  only writes the presets to DIR/<preset>.engine (no library needed).
// --time-enqueue  after the checks (GPU only), prints the host time of enqueueV3 on the affine preset at
//              8x3x512x512 with the addresses rebound every call as the addon does, next to one
//              cudaPointerGetAttributes and one cudaMemsetAsync: where enqueue time goes, on the GPU machine.
// --engines    also compares DIR/<preset>.engine (written by test/doubles/double-engine.ts) with the
//              bytes this program writes for the same preset: two independent writers of FORMAT.md.
//
// Prints one PASS/FAIL line per check; exits 1 when any check fails.
#include "NvInfer.h"
#include "NvInferRuntime.h"

#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <dlfcn.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

using namespace nvinfer1;

namespace {

int gFailures = 0;
int gChecks = 0;

void check(bool ok, std::string const& what) {
  ++gChecks;
  if (!ok) {
    ++gFailures;
  }
  std::printf("%s %s\n", ok ? "PASS" : "FAIL", what.c_str());
  std::fflush(stdout);
}

//! As check(), but the message is built after the condition ran (it quotes the latest log line).
template <typename Message>
void check_then(bool ok, Message message) {
  check(ok, message());
}

// ---- logger ----------------------------------------------------------------------------------

class CaptureLogger : public ILogger {
 public:
  void log(Severity severity, AsciiChar const* msg) noexcept override {
    std::lock_guard<std::mutex> lock(mMutex);
    mLines.emplace_back(msg);
    if (severity <= Severity::kWARNING && std::getenv("SMOKE_VERBOSE") != nullptr) {
      std::printf("  [trt %d] %s\n", static_cast<int>(severity), msg);
    }
  }
  std::size_t mark() {
    std::lock_guard<std::mutex> lock(mMutex);
    return mLines.size();
  }
  //! Whether a line logged since `from` contains `needle`.
  bool saw(std::size_t from, std::string const& needle) {
    std::lock_guard<std::mutex> lock(mMutex);
    for (std::size_t i = from; i < mLines.size(); ++i) {
      if (mLines[i].find(needle) != std::string::npos) {
        return true;
      }
    }
    return false;
  }
  std::string last() {
    std::lock_guard<std::mutex> lock(mMutex);
    return mLines.empty() ? "" : mLines.back();
  }

 private:
  std::mutex mMutex;
  std::vector<std::string> mLines;
};

// ---- a second, independent writer of FORMAT.md ----------------------------------------------

struct Prof {
  std::vector<int64_t> min, opt, max, minV, optV, maxV;
};
struct TSpec {
  std::string name;
  uint8_t mode, dtype, location, format;
  bool shapeIO;
  std::vector<int64_t> dims;
  std::vector<Prof> profiles;
};
struct ESpec {
  uint32_t computation;
  uint8_t version[3];
  bool hostCode;
  uint64_t deviceMemory;
  uint32_t nbProfiles;
  std::vector<TSpec> tensors;
  std::vector<float> constants;
};

template <typename T>
void put(std::vector<uint8_t>& b, T v) {
  uint8_t raw[sizeof(T)];
  std::memcpy(raw, &v, sizeof(T));
  b.insert(b.end(), raw, raw + sizeof(T));
}

std::vector<uint8_t> writeEngine(ESpec const& s) {
  std::vector<uint8_t> body;
  for (auto const& t : s.tensors) {
    put<uint32_t>(body, static_cast<uint32_t>(t.name.size()));
    body.insert(body.end(), t.name.begin(), t.name.end());
    while (body.size() % 4 != 0) body.push_back(0);
    body.push_back(t.mode);
    body.push_back(t.dtype);
    body.push_back(t.location);
    body.push_back(t.format);
    body.push_back(t.shapeIO ? 1 : 0);
    body.push_back(static_cast<uint8_t>(t.dims.size()));
    put<uint16_t>(body, 0);
    for (auto d : t.dims) put<int64_t>(body, d);
    if (t.mode == 1) {
      for (auto const& p : t.profiles) {
        for (auto const* v : {&p.min, &p.opt, &p.max})
          for (auto x : *v) put<int64_t>(body, x);
        if (t.shapeIO) {
          put<uint32_t>(body, static_cast<uint32_t>(p.minV.size()));
          put<uint32_t>(body, 0);
          for (auto const* v : {&p.minV, &p.optV, &p.maxV})
            for (auto x : *v) put<int64_t>(body, x);
        }
      }
    }
  }
  for (float c : s.constants) put<float>(body, c);
  uint32_t h = 2166136261u;
  for (uint8_t byte : body) {
    h ^= byte;
    h *= 16777619u;
  }
  // The header by its FORMAT.md offsets.
  std::vector<uint8_t> out(64 + body.size(), 0);
  auto at = [&out](std::size_t offset, auto value) { std::memcpy(out.data() + offset, &value, sizeof(value)); };
  std::memcpy(out.data(), "ftrtTRTD", 8);  // the magic of real plans, then the double's tag
  at(8, uint32_t{2});
  at(12, uint32_t{s.hostCode ? 1u : 0u});
  at(16, uint64_t{out.size()});
  std::memcpy(out.data() + 24, s.version, 3);
  at(28, s.computation);
  at(32, static_cast<uint32_t>(s.tensors.size()));
  at(36, s.nbProfiles);
  at(40, s.deviceMemory);
  at(48, static_cast<uint32_t>(s.constants.size()));
  at(52, h);
  std::memcpy(out.data() + 64, body.data(), body.size());
  return out;
}

// ---- presets (must match presets in test/doubles/double-engine.ts byte for byte) -------------

constexpr uint8_t kIndexType = NV_TENSORRT_MAJOR >= 10 ? 8 : 3;  // INT64 where it exists, else INT32

ESpec base(uint32_t computation) {
  ESpec s{};
  s.computation = computation;
  s.version[0] = NV_TENSORRT_MAJOR;
  s.version[1] = NV_TENSORRT_MINOR;
  s.version[2] = NV_TENSORRT_PATCH;
  s.hostCode = false;
  s.deviceMemory = 4096;
  s.nbProfiles = 1;
  return s;
}

TSpec tensor(std::string name, uint8_t mode, uint8_t dtype, std::vector<int64_t> dims,
             std::vector<Prof> profiles = {}) {
  return TSpec{std::move(name), mode, dtype, 0, 0, false, std::move(dims), std::move(profiles)};
}

ESpec presetAffine(bool half) {
  ESpec s = base(half ? 2 : 1);
  s.tensors.push_back(
      tensor("input", 1, 0, {-1, 3, -1, -1}, {Prof{{1, 3, 1, 1}, {1, 3, 224, 224}, {8, 3, 512, 512}, {}, {}, {}}}));
  s.tensors.push_back(tensor("output", 2, half ? 1 : 0, {-1, 3, -1, -1}));
  s.constants = {4.25f, 4.5f, 4.375f, -2.125f, -2.0f, -1.8125f};  // a then b, exact in float32
  return s;
}

ESpec presetArgmax() {
  ESpec s = base(3);
  s.tensors.push_back(tensor("logits", 1, 0, {-1, 10}, {Prof{{1, 10}, {4, 10}, {64, 10}, {}, {}, {}}}));
  s.tensors.push_back(tensor("scores", 2, 0, {-1, 10}));
  s.tensors.push_back(tensor("index", 2, kIndexType, {-1}));
  return s;
}

ESpec presetNonzero() {
  ESpec s = base(4);
  s.tensors.push_back(tensor("x", 1, 0, {-1, -1}, {Prof{{1, 1}, {4, 4}, {64, 64}, {}, {}, {}}}));
  s.tensors.push_back(tensor("indices", 2, kIndexType, {2, -1}));
  s.constants = {0.0f};
  return s;
}

ESpec presetReshape() {
  ESpec s = base(5);
  s.tensors.push_back(tensor("data", 1, 0, {-1}, {Prof{{1}, {12}, {1024}, {}, {}, {}}}));
  TSpec shape = tensor("shape", 1, kIndexType, {2}, {Prof{{2}, {2}, {2}, {1, 1}, {3, 4}, {1024, 1024}}});
  shape.location = 1;
  shape.shapeIO = true;
  s.tensors.push_back(shape);
  s.tensors.push_back(tensor("reshaped", 2, 0, {-1, -1}));
  return s;
}

// ---- helpers ---------------------------------------------------------------------------------

template <typename T>
struct Destroy {
  void operator()(T* p) const { delete p; }
};
template <typename T>
using Ptr = std::unique_ptr<T, Destroy<T>>;

Dims dims(std::vector<int64_t> const& v) {
  Dims d{};
  d.nbDims = static_cast<int32_t>(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) d.d[i] = static_cast<decltype(d.d[0] + 0)>(v[i]);
  return d;
}

std::string text(Dims const& d) {
  std::string s = "[";
  for (int32_t i = 0; i < d.nbDims; ++i) s += (i ? "," : "") + std::to_string(static_cast<int64_t>(d.d[i]));
  return s + "]" + (d.nbDims < 0 ? "(nbDims=" + std::to_string(d.nbDims) + ")" : "");
}

bool same(Dims const& d, std::vector<int64_t> const& v) {
  if (d.nbDims != static_cast<int32_t>(v.size())) return false;
  for (std::size_t i = 0; i < v.size(); ++i)
    if (static_cast<int64_t>(d.d[i]) != v[i]) return false;
  return true;
}

uint32_t gSeed = 12345;
float rnd() {
  gSeed = gSeed * 1664525u + 1013904223u;
  return static_cast<float>((gSeed >> 8) & 0xffff) / 65536.0f * 4.0f - 2.0f;
}

#define CUDA_OK(call)                                                   \
  do {                                                                  \
    cudaError_t e_ = (call);                                            \
    if (e_ != cudaSuccess) {                                            \
      std::printf("FAIL CUDA %s: %s\n", #call, cudaGetErrorString(e_)); \
      std::exit(1);                                                     \
    }                                                                   \
  } while (0)

class Allocator : public IOutputAllocator {
 public:
  ~Allocator() override {
    if (mPtr != nullptr) cudaFree(mPtr);
  }
#if NV_TENSORRT_MAJOR >= 10
  void* reallocateOutputAsync(char const*, void* current, uint64_t size, uint64_t alignment, cudaStream_t) override
#else
  void* reallocateOutput(char const*, void* current, uint64_t size, uint64_t alignment) noexcept override
#endif
  {
    ++calls;
    requested = size;
    (void)alignment;
    if (size <= mCapacity && current == mPtr) return mPtr;
    if (mPtr != nullptr) cudaFree(mPtr);
    mPtr = nullptr;
    mCapacity = 0;
    if (cudaMalloc(&mPtr, size) != cudaSuccess) return nullptr;
    mCapacity = size;
    return mPtr;
  }
  void notifyShape(char const*, Dims const& d) noexcept override {
    shape = d;
    notified = true;
  }
  void* mPtr = nullptr;
  uint64_t mCapacity = 0;
  uint64_t requested = 0;
  int calls = 0;
  Dims shape{};
  bool notified = false;
};

// ---- checks ----------------------------------------------------------------------------------

struct Env {
  IRuntime* runtime;
  CaptureLogger* logger;
  bool gpu;
};

ICudaEngine* load(Env& env, ESpec const& s) {
  auto const bytes = writeEngine(s);
  return env.runtime->deserializeCudaEngine(bytes.data(), bytes.size());
}

void checkPlans(Env& env) {
  auto m = env.logger->mark();
  char const garbage[100] = "this is not a plan";
  check(env.runtime->deserializeCudaEngine(garbage, sizeof(garbage)) == nullptr && env.logger->saw(m, "Magic tag"),
        "foreign bytes are refused with a 'Magic tag' error");

  ESpec wrong = presetAffine(false);
  wrong.version[1] = static_cast<uint8_t>(wrong.version[1] + 1);
  m = env.logger->mark();
  std::string const expect = "expecting library version " + std::to_string(NV_TENSORRT_MAJOR) + "." +
                             std::to_string(NV_TENSORRT_MINOR) + "." + std::to_string(NV_TENSORRT_PATCH) + " got " +
                             std::to_string(NV_TENSORRT_MAJOR) + "." + std::to_string(NV_TENSORRT_MINOR + 1);
  check_then(load(env, wrong) == nullptr && env.logger->saw(m, "not compatible with this version of TensorRT") &&
                 env.logger->saw(m, expect),
             [&] { return std::string("a plan from another version is refused: " + env.logger->last()); });

  auto bytes = writeEngine(presetAffine(false));
  bytes[70] ^= 0x40;
  m = env.logger->mark();
  check(env.runtime->deserializeCudaEngine(bytes.data(), bytes.size()) == nullptr && env.logger->saw(m, "checksum"),
        "a corrupted plan is refused (checksum)");
  bytes = writeEngine(presetAffine(false));
  m = env.logger->mark();
  check_then(env.runtime->deserializeCudaEngine(bytes.data(), bytes.size() - 3) == nullptr,
             [&] { return std::string("a truncated plan is refused: " + env.logger->last()); });

  ESpec host = presetAffine(false);
  host.hostCode = true;
  m = env.logger->mark();
  check(load(env, host) == nullptr && env.logger->saw(m, "setEngineHostCodeAllowed(true)"),
        "a plan needing host code is refused until setEngineHostCodeAllowed(true)");
  env.runtime->setEngineHostCodeAllowed(true);
  Ptr<ICudaEngine> ok(load(env, host));
  check(ok != nullptr, "... and loads once host code is allowed");
  env.runtime->setEngineHostCodeAllowed(false);
}

void checkIntrospection(Env& env) {
  Ptr<ICudaEngine> e(load(env, presetAffine(false)));
  check(e != nullptr, "affine preset deserializes");
  if (!e) return;
  check(e->getNbIOTensors() == 2 && std::string(e->getIOTensorName(0)) == "input" && e->getIOTensorName(2) == nullptr,
        "I/O tensor names");
  check(e->getTensorIOMode("input") == TensorIOMode::kINPUT && e->getTensorIOMode("output") == TensorIOMode::kOUTPUT,
        "I/O modes");
  check(same(e->getTensorShape("input"), {-1, 3, -1, -1}), "engine shape has -1: " + text(e->getTensorShape("input")));
  check(same(e->getProfileShape("input", 0, OptProfileSelector::kMAX), {8, 3, 512, 512}) &&
            e->getProfileShape("input", 1, OptProfileSelector::kMIN).nbDims == -1 &&
            e->getProfileShape("output", 0, OptProfileSelector::kMIN).nbDims == -1,
        "profile shapes, and Dims{-1} for a bad profile or an output");
  check(e->getTensorIOMode("nope") == TensorIOMode::kNONE && e->getTensorDataType("nope") == DataType::kFLOAT &&
            e->getTensorLocation("nope") == TensorLocation::kDEVICE &&
            e->getTensorFormat("nope") == TensorFormat::kLINEAR && e->getTensorShape("nope").nbDims == -1,
        "unknown names get TensorRT's silent defaults");
  check(std::string(e->getTensorFormatDesc("input")).find("kLINEAR") != std::string::npos,
        std::string("format description: ") + e->getTensorFormatDesc("input"));

  ESpec hwc = presetAffine(false);
  hwc.tensors[0].format = 2;
  Ptr<ICudaEngine> h(load(env, hwc));
  check(h && h->getTensorFormat("input") == TensorFormat::kHWC8 && h->getTensorComponentsPerElement("input") == 8 &&
            h->getTensorVectorizedDim("input") == 1 &&
            std::string(h->getTensorFormatDesc("input")).find("kHWC8") != std::string::npos,
        "an HWC8 input is described as such");

  Ptr<ICudaEngine> r(load(env, presetReshape()));
  check(r && r->getTensorLocation("shape") == TensorLocation::kHOST && r->isShapeInferenceIO("shape") &&
            !r->isShapeInferenceIO("data") && same(r->getTensorShape("shape"), {2}),
        "reshape: the shape input is a host shape tensor");
#if NV_TENSORRT_MAJOR > 10 || (NV_TENSORRT_MAJOR == 10 && NV_TENSORRT_MINOR >= 11)
  int64_t const* maxV = r ? r->getProfileTensorValuesV2("shape", 0, OptProfileSelector::kMAX) : nullptr;
  check(maxV != nullptr && maxV[0] == 1024 && maxV[1] == 1024, "getProfileTensorValuesV2 gives the max values");
#endif
}

void checkContextBookkeeping(Env& env) {
  Ptr<ICudaEngine> e(load(env, presetAffine(false)));
  if (!e) return;
  Ptr<IExecutionContext> c(e->createExecutionContext());
  check(c != nullptr, "context created");
  if (!c) return;
  check(c->getOptimizationProfile() == 0 || NV_TENSORRT_MAJOR < 10, "a new context starts on profile 0");
  check(same(c->getTensorShape("input"), {-1, 3, -1, -1}) && same(c->getTensorShape("output"), {-1, 3, -1, -1}),
        "context shapes are -1 until input shapes are set: " + text(c->getTensorShape("output")));
  char const* names[4] = {};
  check(c->inferShapes(4, names) == 1 && names[0] != nullptr && std::string(names[0]) == "input",
        "inferShapes reports the one underspecified input");
  auto m = env.logger->mark();
  check_then(!c->setInputShape("input", dims({1, 3, 600, 224})) && env.logger->saw(m, "exceed min ~ max range") &&
                 env.logger->saw(m, "[1,3,1,1]..[8,3,512,512]"),
             [&] { return std::string("an out-of-profile shape is refused: " + env.logger->last()); });
  m = env.logger->mark();
  check(!c->setInputShape("input", dims({1, 4, 8, 8})) && env.logger->saw(m, "Static dimension mismatch"),
        "a static-dimension mismatch is refused");
  check(!c->setInputShape("input", dims({1, 3, 8})), "a rank mismatch is refused");
  check(!c->setOptimizationProfileAsync(1, nullptr), "profile index out of range is refused");
  check(c->setInputShape("input", dims({2, 3, 4, 5})) && same(c->getTensorShape("output"), {2, 3, 4, 5}) &&
            c->inferShapes(0, nullptr) == 0,
        "after setInputShape the output shape is known");
  check(same(c->getTensorStrides("input"), {60, 20, 5, 1}), "strides: " + text(c->getTensorStrides("input")));
  m = env.logger->mark();
  check_then(!c->setTensorAddress("input", reinterpret_cast<void*>(0x100010)) && env.logger->saw(m, "256"),
             [&] { return std::string("a misaligned address is refused: " + env.logger->last()); });
  m = env.logger->mark();
  check_then(!c->enqueueV3(nullptr) && env.logger->saw(m, "Address is not set for input tensor input"),
             [&] { return std::string("enqueueV3 without an input address fails: " + env.logger->last()); });
  void* fake = reinterpret_cast<void*>(0x100000);
  c->setTensorAddress("input", fake);
  m = env.logger->mark();
  check(!c->enqueueV3(nullptr) && env.logger->saw(m, "Neither address or allocator is set for output tensor output"),
        "enqueueV3 without an output address or allocator fails");
  m = env.logger->mark();
  check(!c->setInputTensorAddress("output", fake), "setInputTensorAddress refuses an output");
  check(c->getMaxOutputSize("output") == 2 * 3 * 4 * 5 * 4, "getMaxOutputSize of a static output");

  Ptr<ICudaEngine> nz(load(env, presetNonzero()));
  Ptr<IExecutionContext> n(nz ? nz->createExecutionContext() : nullptr);
  if (n) {
    n->setInputShape("x", dims({3, 5}));
    n->setTensorAddress("x", fake);
    check(same(n->getTensorShape("indices"), {2, -1}), "nonzero output keeps a -1 (data-dependent)");
    check(n->getMaxOutputSize("indices") == 2 * 15 * (kIndexType == 8 ? 8 : 4), "nonzero getMaxOutputSize bound");
    m = env.logger->mark();
    check(!n->enqueueV3(nullptr) && env.logger->saw(m, "Neither address or allocator is set for output tensor indices"),
          "nonzero without an allocator fails with TensorRT's message");
  }

  Ptr<ICudaEngine> rs(load(env, presetReshape()));
  Ptr<IExecutionContext> r(rs ? rs->createExecutionContext() : nullptr);
  if (r) {
    r->setInputShape("data", dims({12}));
    check(r->inferShapes(0, nullptr) == 1, "reshape: the shape tensor without an address is underspecified");
    std::vector<int64_t> values = {3, 4};
    std::vector<int32_t> values32 = {3, 4};
    void* host = kIndexType == 8 ? static_cast<void*>(values.data()) : static_cast<void*>(values32.data());
    check(r->setTensorAddress("shape", host), "a host shape tensor accepts an unaligned host pointer");
    check(same(r->getTensorShape("reshaped"), {3, 4}),
          "reshape output shape comes from the values: " + text(r->getTensorShape("reshaped")));
    values = {5, 4};
    values32 = {5, 4};
    m = env.logger->mark();
    check_then(r->inferShapes(0, nullptr) == -1, [&] {
      return std::string("values are read at call time; a volume mismatch is an error: " + env.logger->last());
    });
    values = {2000, 1};
    values32 = {2000, 1};
    m = env.logger->mark();
    check(r->inferShapes(0, nullptr) == -1 && env.logger->saw(m, "outside the optimization profile"),
          "shape values outside the profile are an error");
  }
}

template <typename T>
std::vector<T> download(void const* d, std::size_t n) {
  std::vector<T> h(n);
  CUDA_OK(cudaMemcpy(h.data(), d, n * sizeof(T), cudaMemcpyDeviceToHost));
  return h;
}

void checkAffineRun(Env& env, bool half) {
  ESpec const spec = presetAffine(half);
  Ptr<ICudaEngine> e(load(env, spec));
  Ptr<IExecutionContext> c(e ? e->createExecutionContext() : nullptr);
  if (!c) {
    check(false, "affine context");
    return;
  }
  cudaStream_t stream;
  CUDA_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  for (std::vector<int64_t> shape : {std::vector<int64_t>{1, 3, 4, 5}, {4, 3, 7, 3}, {2, 3, 1, 1}}) {
    std::size_t const n = static_cast<std::size_t>(shape[0] * shape[1] * shape[2] * shape[3]);
    std::size_t const inner = static_cast<std::size_t>(shape[2] * shape[3]);
    std::vector<float> x(n);
    for (auto& v : x) v = rnd();
    void *dx, *dy;
    CUDA_OK(cudaMalloc(&dx, n * 4));
    CUDA_OK(cudaMalloc(&dy, n * 4));
    CUDA_OK(cudaMemcpy(dx, x.data(), n * 4, cudaMemcpyHostToDevice));
    bool ok = c->setInputShape("input", dims(shape)) && c->setTensorAddress("input", dx) &&
              c->setTensorAddress("output", dy) && c->enqueueV3(stream);
    CUDA_OK(cudaStreamSynchronize(stream));
    std::size_t bad = 0;
    if (half) {
      auto const y = download<uint16_t>(dy, n);
      for (std::size_t i = 0; i < n; ++i) {
        std::size_t const ch = (i / inner) % 3;
        volatile float prod = x[i] * spec.constants[ch];
        float const ref = prod + spec.constants[3 + ch];
        __half const h = __float2half_rn(ref);
        uint16_t bits;
        std::memcpy(&bits, &h, 2);
        bad += bits != y[i];
      }
    } else {
      auto const y = download<float>(dy, n);
      for (std::size_t i = 0; i < n; ++i) {
        std::size_t const ch = (i / inner) % 3;
        volatile float prod = x[i] * spec.constants[ch];
        float const ref = prod + spec.constants[3 + ch];
        bad += ref != y[i];
      }
    }
    check(ok && bad == 0, std::string(half ? "affine-fp16" : "affine") + " on " + text(dims(shape)) +
                              ": bit-exact vs CPU (" + std::to_string(bad) + " mismatches)");
    cudaFree(dx);
    cudaFree(dy);
  }
  cudaStreamDestroy(stream);
}

void checkArgmaxRun(Env& env) {
  Ptr<ICudaEngine> e(load(env, presetArgmax()));
  Ptr<IExecutionContext> c(e ? e->createExecutionContext() : nullptr);
  if (!c) {
    check(false, "argmax context");
    return;
  }
  int64_t const rows = 5, k = 10;
  std::vector<float> x(rows * k);
  for (auto& v : x) v = rnd();
  x[2 * k + 3] = x[2 * k + 7] = 50.f;  // a tie: the first index wins
  x[4 * k + 6] = NAN;                  // NaN wins, as numpy
  void *dx, *ds;
  CUDA_OK(cudaMalloc(&dx, x.size() * 4));
  CUDA_OK(cudaMalloc(&ds, x.size() * 4));
  CUDA_OK(cudaMemcpy(dx, x.data(), x.size() * 4, cudaMemcpyHostToDevice));
  Allocator idx;  // a static-shape output through an allocator, as Polygraphy does
  bool ok = c->setInputShape("logits", dims({rows, k})) && c->setTensorAddress("logits", dx) &&
            c->setTensorAddress("scores", ds) && c->setOutputAllocator("index", &idx) && c->enqueueV3(nullptr);
  CUDA_OK(cudaDeviceSynchronize());
  auto const s = download<float>(ds, x.size());
  bool scoresOk = std::memcmp(s.data(), x.data(), x.size() * 4) == 0;
  std::vector<int64_t> got(rows);
  if (kIndexType == 8) got = download<int64_t>(idx.mPtr, rows);
  else {
    auto const g = download<int32_t>(idx.mPtr, rows);
    got.assign(g.begin(), g.end());
  }
  bool idxOk = idx.notified && same(idx.shape, {rows});
  for (int64_t r = 0; r < rows; ++r) {
    int64_t best = 0;
    for (int64_t j = 1; j < k && !std::isnan(x[r * k + best]); ++j)
      if (std::isnan(x[r * k + j]) || x[r * k + j] > x[r * k + best]) best = j;
    idxOk = idxOk && got[r] == best;
  }
  check(ok && scoresOk && idxOk && got[2] == 3 && got[4] == 6,
        "scores-argmax: scores copied, first-max indices (tie, NaN) through an allocator");
  cudaFree(dx);
  cudaFree(ds);
}

void checkNonzeroRun(Env& env) {
  Ptr<ICudaEngine> e(load(env, presetNonzero()));
  Ptr<IExecutionContext> c(e ? e->createExecutionContext() : nullptr);
  if (!c) {
    check(false, "nonzero context");
    return;
  }
  Allocator out;
  c->setOutputAllocator("indices", &out);
  for (int pass = 0; pass < 3; ++pass) {
    int64_t const rows = pass == 2 ? 40 : 3, cols = pass == 2 ? 50 : 4;
    std::vector<float> x(rows * cols);
    for (auto& v : x) v = pass == 0 ? -1.f : rnd();
    void* dx;
    CUDA_OK(cudaMalloc(&dx, x.size() * 4));
    CUDA_OK(cudaMemcpy(dx, x.data(), x.size() * 4, cudaMemcpyHostToDevice));
    out.notified = false;
    bool ok = c->setInputShape("x", dims({rows, cols})) && c->setTensorAddress("x", dx) && c->enqueueV3(nullptr);
    CUDA_OK(cudaDeviceSynchronize());
    std::vector<int64_t> ref0, ref1;
    for (int64_t i = 0; i < rows * cols; ++i)
      if (x[i] > 0.f) {
        ref0.push_back(i / cols);
        ref1.push_back(i % cols);
      }
    int64_t const nnz = static_cast<int64_t>(ref0.size());
    bool good = ok && out.notified && same(out.shape, {2, nnz}) && out.requested >= 1;
    if (good && nnz > 0) {
      std::vector<int64_t> got(2 * nnz);
      if (kIndexType == 8) got = download<int64_t>(out.mPtr, 2 * nnz);
      else {
        auto const g = download<int32_t>(out.mPtr, 2 * nnz);
        got.assign(g.begin(), g.end());
      }
      for (int64_t k = 0; k < nnz; ++k) good = good && got[k] == ref0[k] && got[nnz + k] == ref1[k];
    }
    check(good, "nonzero " + std::to_string(rows) + "x" + std::to_string(cols) + ": " + std::to_string(nnz) +
                    " indices via reallocate + notifyShape " + text(out.shape));
    cudaFree(dx);
  }
}

void checkReshapeRun(Env& env) {
  Ptr<ICudaEngine> e(load(env, presetReshape()));
  Ptr<IExecutionContext> c(e ? e->createExecutionContext() : nullptr);
  if (!c) {
    check(false, "reshape context");
    return;
  }
  std::vector<float> x(12);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
  void *dx, *dy;
  CUDA_OK(cudaMalloc(&dx, 48));
  CUDA_OK(cudaMalloc(&dy, 48));
  CUDA_OK(cudaMemcpy(dx, x.data(), 48, cudaMemcpyHostToDevice));
  std::vector<int64_t> v64 = {6, 2};
  std::vector<int32_t> v32 = {6, 2};
  void* host = kIndexType == 8 ? static_cast<void*>(v64.data()) : static_cast<void*>(v32.data());
  bool ok = c->setInputShape("data", dims({12})) && c->setTensorAddress("data", dx) &&
            c->setTensorAddress("shape", host) && c->setTensorAddress("reshaped", dy) &&
            same(c->getTensorShape("reshaped"), {6, 2}) && c->enqueueV3(nullptr);
  CUDA_OK(cudaDeviceSynchronize());
  auto const y = download<float>(dy, 12);
  check(ok && y == x, "reshape [12] -> [6,2] with host shape values");
  cudaFree(dx);
  cudaFree(dy);
}

void checkUserManagedMemory(Env& env) {
#if NV_TENSORRT_MAJOR >= 10
  Ptr<ICudaEngine> e(load(env, presetAffine(false)));
  Ptr<IExecutionContext> c(e ? e->createExecutionContext(ExecutionContextAllocationStrategy::kUSER_MANAGED) : nullptr);
  if (!c) {
    check(false, "user-managed context");
    return;
  }
  void *dx, *dy, *mem;
  CUDA_OK(cudaMalloc(&dx, 12 * 4));
  CUDA_OK(cudaMalloc(&dy, 12 * 4));
  CUDA_OK(cudaMalloc(&mem, 4096));
  c->setInputShape("input", dims({1, 3, 2, 2}));
  c->setTensorAddress("input", dx);
  c->setTensorAddress("output", dy);
  auto m = env.logger->mark();
  check(!c->enqueueV3(nullptr) && env.logger->saw(m, "user-managed device memory"),
        "kUSER_MANAGED: enqueue refuses until device memory is set");
#if NV_TENSORRT_MAJOR > 10 || NV_TENSORRT_MINOR >= 1
  check(c->updateDeviceMemorySizeForShapes() == 4096, "updateDeviceMemorySizeForShapes");
  c->setDeviceMemoryV2(mem, 4096);
#else
  c->setDeviceMemory(mem);
#endif
  check(c->enqueueV3(nullptr), "kUSER_MANAGED: enqueue runs once memory is set");
  CUDA_OK(cudaDeviceSynchronize());
  cudaFree(dx);
  cudaFree(dy);
  cudaFree(mem);
#else
  (void)env;
#endif
}

void checkPointerKinds(Env& env) {
  Ptr<ICudaEngine> e(load(env, presetAffine(false)));
  Ptr<IExecutionContext> c(e ? e->createExecutionContext() : nullptr);
  if (!c) return;
  alignas(256) static float hostIn[12];
  void* dy;
  CUDA_OK(cudaMalloc(&dy, 48));
  c->setInputShape("input", dims({1, 3, 2, 2}));
  c->setTensorAddress("input", hostIn);
  c->setTensorAddress("output", dy);
  auto m = env.logger->mark();
  check(!c->enqueueV3(nullptr) && env.logger->saw(m, "is not device memory"),
        "a pageable host pointer for a device tensor is refused (not crashed on)");
  // The kind is looked up once per address, not per enqueue: a new address is looked up again.
  void* dx;
  CUDA_OK(cudaMalloc(&dx, 48));
  c->setTensorAddress("input", dx);
  check(c->enqueueV3(nullptr), "the same context runs once the input is device memory");
  c->setTensorAddress("input", hostIn);
  m = env.logger->mark();
  check(!c->enqueueV3(nullptr) && env.logger->saw(m, "is not device memory"),
        "rebound to host memory after a run, the input is refused again (kinds are cached per address)");
  CUDA_OK(cudaStreamSynchronize(nullptr));
  cudaFree(dx);
  cudaFree(dy);
}

//! Median host microseconds of `call` over `n` runs, the stream drained after each (as the addon waits per call).
template <typename F>
double medianUs(int n, cudaStream_t stream, F&& call) {
  std::vector<double> us;
  for (int i = 0; i < n; ++i) {
    auto const t0 = std::chrono::steady_clock::now();
    call();
    auto const t1 = std::chrono::steady_clock::now();
    cudaStreamSynchronize(stream);
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  std::sort(us.begin(), us.end());
  return us[us.size() / 2];
}

void timeEnqueue(Env& env) {
  Ptr<ICudaEngine> e(load(env, presetAffine(false)));
  Ptr<IExecutionContext> c(e ? e->createExecutionContext() : nullptr);
  if (!c) return;
  std::size_t const n = std::size_t{8} * 3 * 512 * 512;
  void *dx, *dy;
  cudaStream_t stream;
  CUDA_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  CUDA_OK(cudaMalloc(&dx, n * 4));
  CUDA_OK(cudaMalloc(&dy, n * 4));
  c->setInputShape("input", dims({8, 3, 512, 512}));
  int const runs = 2000;
  bool ok = true;
  double const enqueue = medianUs(runs, stream, [&] {
    ok = c->setTensorAddress("input", dx) && c->setTensorAddress("output", dy) && c->enqueueV3(stream) && ok;
  });
  double const bare = medianUs(runs, stream, [&] { ok = c->enqueueV3(stream) && ok; });
  cudaPointerAttributes a{};
  double const attrs = medianUs(runs, stream, [&] { (void)cudaPointerGetAttributes(&a, dx); });
  double const memset = medianUs(runs, stream, [&] { (void)cudaMemsetAsync(dy, 0, 4, stream); });
  check(ok, "timing: every enqueueV3 succeeded");
  std::printf(
      "INFO host time, median of %d: setTensorAddress x2 + enqueueV3 %.2f us; enqueueV3 alone %.2f us; "
      "cudaPointerGetAttributes %.2f us; cudaMemsetAsync %.2f us\n",
      runs, enqueue, bare, attrs, memset);
  cudaFree(dx);
  cudaFree(dy);
  cudaStreamDestroy(stream);
}

struct Named {
  char const* name;
  ESpec spec;
};

std::vector<Named> presets() {
  return {{"affine", presetAffine(false)},
          {"affine-fp16", presetAffine(true)},
          {"scores-argmax", presetArgmax()},
          {"nonzero", presetNonzero()},
          {"reshape", presetReshape()}};
}

//! Writes this program's presets to DIR/<preset>.engine (the golden files of double-format.test.ts).
int writeEngines(char const* dir) {
  for (auto const& p : presets()) {
    std::string const path = std::string(dir) + "/" + p.name + ".engine";
    auto const bytes = writeEngine(p.spec);
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<char const*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!f) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      return 1;
    }
    std::printf("wrote %s (%zu bytes)\n", path.c_str(), bytes.size());
  }
  return 0;
}

void compareEngines(char const* dir) {
  for (auto const& p : presets()) {
    std::string const path = std::string(dir) + "/" + p.name + ".engine";
    std::ifstream f(path, std::ios::binary);
    std::vector<uint8_t> const ts((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    auto const cpp = writeEngine(p.spec);
    std::size_t at = 0;
    while (at < ts.size() && at < cpp.size() && ts[at] == cpp[at]) ++at;
    check(!ts.empty() && ts == cpp, path + " equals the C++ writer's bytes" +
                                        (ts == cpp ? "" : " (first difference at " + std::to_string(at) + ")"));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--write") == 0) {
    return writeEngines(argv[2]);
  }
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: %s <libnvinfer.so.N> [--cpu-only] [--engines DIR] [--time-enqueue]\n       %s --write DIR\n",
                 argv[0], argv[0]);
    return 2;
  }
  bool cpuOnly = false;
  bool timing = false;
  char const* engines = nullptr;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--cpu-only") == 0) cpuOnly = true;
    else if (std::strcmp(argv[i], "--time-enqueue") == 0) timing = true;
    else if (std::strcmp(argv[i], "--engines") == 0 && i + 1 < argc) engines = argv[++i];
  }
  if (cpuOnly) setenv("TRT_DOUBLE_CPU_ONLY", "1", 1);

  void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    std::printf("FAIL dlopen: %s\n", dlerror());
    return 1;
  }
  using CreateFn = void* (*)(void*, int32_t);
  using VersionFn = int32_t (*)();
  auto create = reinterpret_cast<CreateFn>(dlsym(lib, "createInferRuntime_INTERNAL"));
  auto version = reinterpret_cast<VersionFn>(dlsym(lib, "getInferLibVersion"));
  check(create != nullptr && version != nullptr,
        "the library exports createInferRuntime_INTERNAL and getInferLibVersion");
  if (create == nullptr || version == nullptr) return 1;
  check(version() == static_cast<int32_t>(NV_TENSORRT_VERSION),
        "getInferLibVersion() == " + std::to_string(static_cast<int32_t>(NV_TENSORRT_VERSION)));

  CaptureLogger logger;
  int32_t const nextMajor = static_cast<int32_t>(NV_TENSORRT_VERSION) + (NV_TENSORRT_MAJOR >= 10 ? 10000 : 1000);
  check(create(&logger, nextMajor) == nullptr, "an application built for another major is refused");
  setenv("TRT_DOUBLE_VERSION", "90000", 1);
  check(version() == 90000, "TRT_DOUBLE_VERSION overrides getInferLibVersion()");
  unsetenv("TRT_DOUBLE_VERSION");
  Ptr<IRuntime> runtime(static_cast<IRuntime*>(create(&logger, NV_TENSORRT_VERSION)));
  check(runtime != nullptr, "createInferRuntime_INTERNAL returns a runtime");
  if (!runtime) return 1;
  Env env{runtime.get(), &logger, !cpuOnly};

  checkPlans(env);
  checkIntrospection(env);
  checkContextBookkeeping(env);
  if (env.gpu) {
    checkAffineRun(env, false);
    checkAffineRun(env, true);
    checkArgmaxRun(env);
    checkNonzeroRun(env);
    checkReshapeRun(env);
    checkUserManagedMemory(env);
    checkPointerKinds(env);
    if (timing) timeEnqueue(env);
  }
  if (engines != nullptr) compareEngines(engines);
  runtime.reset();
  std::printf("%d checks, %d failed%s\n", gChecks, gFailures, cpuOnly ? " (CPU-only: no kernels ran)" : "");
  return gFailures == 0 ? 0 : 1;
}
