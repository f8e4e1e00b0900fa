// A host-only stand-in for the few CUDA runtime calls the addon makes, for exercising the session,
// queue, worker and dispose code on machines without a GPU (and under ASan). Never shipped: linked
// only with -DTRT_PARITY_FAKE_CUDA=ON (see docs/native.md). Copies are synchronous memcpy, device
// memory is host memory, host functions run inline, events are steady_clock timestamps.
#include <cuda_runtime_api.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_map>

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
};

}  // namespace

extern "C" {

const char* CUDARTAPI cudaGetErrorName(cudaError_t error) { return error == cudaSuccess ? "cudaSuccess" : "cudaErrorFake"; }
const char* CUDARTAPI cudaGetErrorString(cudaError_t error) { return error == cudaSuccess ? "no error" : "fake CUDA error"; }
cudaError_t CUDARTAPI cudaGetLastError(void) { return cudaSuccess; }
cudaError_t CUDARTAPI cudaRuntimeGetVersion(int* v) { *v = CUDART_VERSION; return cudaSuccess; }
cudaError_t CUDARTAPI cudaDriverGetVersion(int* v) { *v = CUDART_VERSION; return cudaSuccess; }

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
cudaError_t CUDARTAPI cudaGetDevice(int* device) { *device = currentDevice; return cudaSuccess; }

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
cudaError_t CUDARTAPI cudaFreeHost(void* ptr) { std::free(ptr); return cudaSuccess; }

cudaError_t CUDARTAPI cudaStreamCreateWithFlags(cudaStream_t* s, unsigned int) {
  *s = reinterpret_cast<cudaStream_t>(new int(0));
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaStreamDestroy(cudaStream_t s) { delete reinterpret_cast<int*>(s); return cudaSuccess; }
cudaError_t CUDARTAPI cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }

cudaError_t CUDARTAPI cudaEventCreateWithFlags(cudaEvent_t* e, unsigned int) {
  *e = reinterpret_cast<cudaEvent_t>(new FakeEvent());
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaEventDestroy(cudaEvent_t e) { delete reinterpret_cast<FakeEvent*>(e); return cudaSuccess; }
cudaError_t CUDARTAPI cudaEventRecord(cudaEvent_t e, cudaStream_t) {
  reinterpret_cast<FakeEvent*>(e)->at = std::chrono::steady_clock::now();
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaEventSynchronize(cudaEvent_t) { return cudaSuccess; }
cudaError_t CUDARTAPI cudaEventElapsedTime(float* ms, cudaEvent_t a, cudaEvent_t b) {
  *ms = std::chrono::duration<float, std::milli>(reinterpret_cast<FakeEvent*>(b)->at - reinterpret_cast<FakeEvent*>(a)->at).count();
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaMemcpyAsync(void* dst, const void* src, size_t count, enum cudaMemcpyKind, cudaStream_t) {
  std::memcpy(dst, src, count);
  return cudaSuccess;
}
cudaError_t CUDARTAPI cudaLaunchHostFunc(cudaStream_t, cudaHostFn_t fn, void* userData) {
  fn(userData);
  return cudaSuccess;
}

}  // extern "C"
