// A host-only stand-in for the few CUDA runtime calls the addon makes, for exercising the session,
// queue, worker and dispose code on machines without a GPU (and under ASan). Never shipped: linked
// only with -DTRT_PARITY_FAKE_CUDA=ON (see docs/native.md). Copies are synchronous memcpy, device
// memory is host memory, host functions run inline, events are steady_clock timestamps.
// Stream capture records copies and host functions into a graph instead of running them, and a
// launch replays them with the very pointers captured, as a real graph does: a graph kept past a
// buffer reallocation would read freed memory, which ASan reports. Synchronizing a capturing stream
// invalidates the capture, as in CUDA.
#include <cuda_runtime_api.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace {

constexpr size_t kTotal = size_t{8} << 30;
std::mutex mutex;
std::unordered_map<void*, size_t> deviceAllocs;
size_t deviceUsed = 0;
thread_local int currentDevice = 0;

int deviceCount() {
  const char* env = std::getenv("TRT_PARITY_FAKE_CUDA_DEVICES");
  return env != nullptr ? std::atoi(env) : 1;
}

struct FakeEvent {
  std::chrono::steady_clock::time_point at;
  // Queries answered "not ready" since the last record, so that callers' polling loops really loop.
  std::atomic<int> pendingQueries{0};
};

using Op = std::function<void()>;

struct FakeStream {
  bool capturing = false;
  bool invalidated = false;
  std::vector<Op> captured;
};

struct FakeGraph {
  std::vector<Op> ops;
};

FakeStream* streamOf(cudaStream_t s) { return reinterpret_cast<FakeStream*>(s); }

/** Runs `op` now, or records it when `s` is capturing; the legacy stream (null) never captures. */
cudaError_t runOrCapture(cudaStream_t s, Op op) {
  FakeStream* fs = streamOf(s);
  if (fs == nullptr || !fs->capturing) {
    op();
    return cudaSuccess;
  }
  if (fs->invalidated) return cudaErrorStreamCaptureInvalidated;
  fs->captured.push_back(std::move(op));
  return cudaSuccess;
}

}  // namespace

extern "C" {

const char* CUDARTAPI cudaGetErrorName(cudaError_t error) {
  return error == cudaSuccess ? "cudaSuccess" : "cudaErrorFake";
}
const char* CUDARTAPI cudaGetErrorString(cudaError_t error) {
  return error == cudaSuccess ? "no error" : "fake CUDA error";
}
cudaError_t CUDARTAPI cudaGetLastError(void) { return cudaSuccess; }
cudaError_t CUDARTAPI cudaRuntimeGetVersion(int* v) {
  *v = CUDART_VERSION;
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaDriverGetVersion(int* v) {
  *v = CUDART_VERSION;
  return cudaSuccess;
}

cudaError_t CUDARTAPI cudaGetDeviceCount(int* count) {
  *count = deviceCount();
  return *count > 0 ? cudaSuccess : cudaErrorNoDevice;
}
cudaError_t CUDARTAPI cudaGetDeviceProperties(cudaDeviceProp* prop, int device) {
  if (device < 0 || device >= deviceCount()) return cudaErrorInvalidDevice;
  std::memset(prop, 0, sizeof(*prop));
  std::strcpy(prop->name, "trt-parity fake CUDA device");
  prop->major = 9;
  prop->minor = 0;
  prop->totalGlobalMem = kTotal;
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaDeviceGetPCIBusId(char* id, int len, int device) {
  if (device < 0 || device >= deviceCount()) return cudaErrorInvalidDevice;
  std::snprintf(id, static_cast<size_t>(len), "0000:%02x:00.0", device);
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaSetDevice(int device) {
  if (device < 0 || device >= deviceCount()) return cudaErrorInvalidDevice;
  currentDevice = device;
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaGetDevice(int* device) {
  *device = currentDevice;
  return cudaSuccess;
}

cudaError_t CUDARTAPI cudaMalloc(void** ptr, size_t size) {
  void* p = std::aligned_alloc(256, (size + 255) / 256 * 256);
  if (p == nullptr) return cudaErrorMemoryAllocation;
  std::lock_guard<std::mutex> lock(mutex);
  deviceAllocs[p] = size;
  deviceUsed += size;
  *ptr = p;
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaFree(void* ptr) {
  std::lock_guard<std::mutex> lock(mutex);
  auto it = deviceAllocs.find(ptr);
  if (it == deviceAllocs.end()) return cudaErrorInvalidValue;
  deviceUsed -= it->second;
  deviceAllocs.erase(it);
  std::free(ptr);
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaMemGetInfo(size_t* freeBytes, size_t* total) {
  std::lock_guard<std::mutex> lock(mutex);
  *freeBytes = kTotal - deviceUsed;
  *total = kTotal;
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaHostAlloc(void** ptr, size_t size, unsigned int) {
  *ptr = std::malloc(size);
  return *ptr != nullptr ? cudaSuccess : cudaErrorMemoryAllocation;
}
cudaError_t CUDARTAPI cudaFreeHost(void* ptr) {
  std::free(ptr);
  return cudaSuccess;
}

cudaError_t CUDARTAPI cudaStreamCreateWithFlags(cudaStream_t* s, unsigned int) {
  *s = reinterpret_cast<cudaStream_t>(new FakeStream());
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaStreamDestroy(cudaStream_t s) {
  delete streamOf(s);
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaStreamSynchronize(cudaStream_t s) {
  FakeStream* fs = streamOf(s);
  if (fs != nullptr && fs->capturing) {
    fs->invalidated = true;
    return cudaErrorStreamCaptureUnsupported;
  }
  return cudaSuccess;
}

cudaError_t CUDARTAPI cudaEventCreateWithFlags(cudaEvent_t* e, unsigned int) {
  *e = reinterpret_cast<cudaEvent_t>(new FakeEvent());
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaEventDestroy(cudaEvent_t e) {
  delete reinterpret_cast<FakeEvent*>(e);
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaEventRecord(cudaEvent_t e, cudaStream_t s) {
  // The addon never records events while capturing; doing so would be a bug in its timing.
  if (streamOf(s) != nullptr && streamOf(s)->capturing) return cudaErrorStreamCaptureUnsupported;
  reinterpret_cast<FakeEvent*>(e)->at = std::chrono::steady_clock::now();
  reinterpret_cast<FakeEvent*>(e)->pendingQueries = 3;
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaEventSynchronize(cudaEvent_t) { return cudaSuccess; }
cudaError_t CUDARTAPI cudaEventQuery(cudaEvent_t e) {
  return reinterpret_cast<FakeEvent*>(e)->pendingQueries.fetch_sub(1) > 0 ? cudaErrorNotReady : cudaSuccess;
}
cudaError_t CUDARTAPI cudaEventElapsedTime(float* ms, cudaEvent_t a, cudaEvent_t b) {
  *ms = std::chrono::duration<float, std::milli>(reinterpret_cast<FakeEvent*>(b)->at -
                                                 reinterpret_cast<FakeEvent*>(a)->at)
            .count();
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaMemcpyAsync(void* dst, const void* src, size_t count, enum cudaMemcpyKind, cudaStream_t s) {
  return runOrCapture(s, [dst, src, count] { std::memcpy(dst, src, count); });
}
cudaError_t CUDARTAPI cudaLaunchHostFunc(cudaStream_t s, cudaHostFn_t fn, void* userData) {
  return runOrCapture(s, [fn, userData] { fn(userData); });
}

cudaError_t CUDARTAPI cudaStreamBeginCapture(cudaStream_t s, enum cudaStreamCaptureMode) {
  FakeStream* fs = streamOf(s);
  if (fs == nullptr) return cudaErrorStreamCaptureUnsupported;  // the legacy stream cannot be captured
  if (fs->capturing) return cudaErrorIllegalState;
  *fs = FakeStream{};
  fs->capturing = true;
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaStreamEndCapture(cudaStream_t s, cudaGraph_t* graph) {
  FakeStream* fs = streamOf(s);
  if (fs == nullptr || !fs->capturing) return cudaErrorIllegalState;
  const bool invalidated = fs->invalidated;
  auto* g = invalidated ? nullptr : new FakeGraph{std::move(fs->captured)};
  *fs = FakeStream{};
  *graph = reinterpret_cast<cudaGraph_t>(g);
  return invalidated ? cudaErrorStreamCaptureInvalidated : cudaSuccess;
}
cudaError_t CUDARTAPI cudaStreamIsCapturing(cudaStream_t s, enum cudaStreamCaptureStatus* status) {
  FakeStream* fs = streamOf(s);
  *status = fs == nullptr || !fs->capturing ? cudaStreamCaptureStatusNone
            : fs->invalidated               ? cudaStreamCaptureStatusInvalidated
                                            : cudaStreamCaptureStatusActive;
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaGraphInstantiateWithFlags(cudaGraphExec_t* exec, cudaGraph_t graph, unsigned long long) {
  if (graph == nullptr) return cudaErrorInvalidValue;
  *exec = reinterpret_cast<cudaGraphExec_t>(new FakeGraph(*reinterpret_cast<FakeGraph*>(graph)));
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaGraphLaunch(cudaGraphExec_t exec, cudaStream_t s) {
  if (exec == nullptr) return cudaErrorInvalidValue;
  const FakeGraph* g = reinterpret_cast<const FakeGraph*>(exec);
  return runOrCapture(s, [g] {
    for (const Op& op : g->ops) op();
  });
}
cudaError_t CUDARTAPI cudaGraphDestroy(cudaGraph_t graph) {
  delete reinterpret_cast<FakeGraph*>(graph);
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaGraphExecDestroy(cudaGraphExec_t exec) {
  delete reinterpret_cast<FakeGraph*>(exec);
  return cudaSuccess;
}

}  // extern "C"
