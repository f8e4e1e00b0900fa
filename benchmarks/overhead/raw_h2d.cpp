// The floor for the addon's host-to-device copy: one cudaMemcpyAsync of N bytes from pinned memory,
// timed exactly as native/src/session.cc times its H2D step: cudaEventRecord(e0), the copy,
// cudaEventRecord(e1) on a cudaStreamNonBlocking stream, cudaEventSynchronize(e1), and
// cudaEventElapsedTime(e0, e1). Same allocation flags as native/src/cuda_resources.cc (cudaHostAlloc
// with cudaHostAllocPortable, cudaMalloc, events with cudaEventBlockingSync). Also times D2H the same way.
//
// H2D is timed twice: "h2d" copies a pinned buffer that nothing writes between copies (the clean
// floor, as trtexec's host buffers prepared once), "h2dDirty" first memcpy()s the bytes into the
// pinned buffer from an ordinary one before each copy, untimed, as the addon's plain path stages
// every input on the main thread right before its copy. If the dirty copy is slower, the DMA engine
// is paying for cache lines the CPU just wrote. "h2dIdle100us" is the clean copy after the GPU sat
// idle for 100 µs (about the gap between two calls of the addon), to tell idle-time effects apart.
// "h2dManyPinned" is the clean copy while 64 more pinned blocks of the same size are allocated (as
// the addon's output pool holds), in case the driver's pinned-range lookup slows the submission.
// Each also reports "submitUs": host time inside cudaMemcpyAsync. The GPU runs e0 at once when idle,
// so that submission time is inside the event-timed copy.
//
//   raw_h2d [bytes=602112] [iterations=1000] [warmup=50] [device=0]
//
// Prints one JSON object on stdout. Built by benchmarks/overhead/build-raw-h2d.sh (nvcc, static cudart).
#include <cuda_runtime_api.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) {
    std::fprintf(stderr, "raw_h2d: %s failed: %s (%d)\n", what, cudaGetErrorString(e), static_cast<int>(e));
    std::exit(3);
  }
}

struct Stats {
  double median, p10, p90, min;
  double submitMedian = 0;
};

Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5)]; };
  return {at(0.5), at(0.1), at(0.9), v.front()};
}

/** Microseconds of each of `n` copies, after `warmup` untimed ones; with `refill`, src is rewritten from it (untimed) before each copy. */
std::vector<double> timeCopies(std::vector<double>& submitUs, void* dst, void* src, std::size_t bytes, cudaMemcpyKind kind, cudaStream_t s, cudaEvent_t e0,
                               cudaEvent_t e1, int n, int warmup, const unsigned char* refill = nullptr, int idleUs = 0) {
  std::vector<double> us;
  for (int i = 0; i < warmup + n; ++i) {
    if (refill != nullptr) std::memcpy(src, refill, bytes);
    if (idleUs > 0) {  // the GPU sits idle this long before the copy, as between two calls of the addon
      const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(idleUs);
      while (std::chrono::steady_clock::now() < until) {
      }
    }
    check(cudaEventRecord(e0, s), "cudaEventRecord");
    const auto t0 = std::chrono::steady_clock::now();
    check(cudaMemcpyAsync(dst, src, bytes, kind, s), "cudaMemcpyAsync");
    const auto t1 = std::chrono::steady_clock::now();
    check(cudaEventRecord(e1, s), "cudaEventRecord");
    check(cudaEventSynchronize(e1), "cudaEventSynchronize");
    float ms = 0;
    check(cudaEventElapsedTime(&ms, e0, e1), "cudaEventElapsedTime");
    if (i >= warmup) {
      us.push_back(static_cast<double>(ms) * 1000.0);
      submitUs.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
  }
  return us;
}

void printStats(const char* name, const Stats& s, std::size_t bytes, bool last) {
  std::printf("  \"%s\": {\"medianUs\": %.3f, \"p10Us\": %.3f, \"p90Us\": %.3f, \"minUs\": %.3f, \"gbPerS\": %.2f, \"submitUs\": %.3f}%s\n", name,
              s.median, s.p10, s.p90, s.min, static_cast<double>(bytes) / (s.median * 1e3), s.submitMedian, last ? "" : ",");
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t bytes = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 602112;
  const int iterations = argc > 2 ? std::atoi(argv[2]) : 1000;
  const int warmup = argc > 3 ? std::atoi(argv[3]) : 50;
  const int device = argc > 4 ? std::atoi(argv[4]) : 0;
  if (bytes == 0 || iterations < 1 || warmup < 0) {
    std::fprintf(stderr, "usage: raw_h2d [bytes>0] [iterations>=1] [warmup>=0] [device]\n");
    return 2;
  }
  check(cudaSetDevice(device), "cudaSetDevice");
  cudaDeviceProp prop{};
  check(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
  cudaStream_t s = nullptr;
  check(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
  cudaEvent_t e0 = nullptr, e1 = nullptr;
  check(cudaEventCreateWithFlags(&e0, cudaEventBlockingSync), "cudaEventCreateWithFlags");
  check(cudaEventCreateWithFlags(&e1, cudaEventBlockingSync), "cudaEventCreateWithFlags");
  void* host = nullptr;
  void* dev = nullptr;
  check(cudaHostAlloc(&host, bytes, cudaHostAllocPortable), "cudaHostAlloc");
  check(cudaMalloc(&dev, bytes), "cudaMalloc");
  for (std::size_t i = 0; i < bytes; ++i) static_cast<unsigned char*>(host)[i] = static_cast<unsigned char>(i * 131u);

  std::vector<unsigned char> source(bytes);
  for (std::size_t i = 0; i < bytes; ++i) source[i] = static_cast<unsigned char>(i * 131u);
  auto timed = [&](void* dst, void* src, cudaMemcpyKind kind, const unsigned char* refill, int idleUs) {
    std::vector<double> submit;
    Stats st = stats(timeCopies(submit, dst, src, bytes, kind, s, e0, e1, iterations, warmup, refill, idleUs));
    st.submitMedian = stats(submit).median;
    return st;
  };
  const Stats h2d = timed(dev, host, cudaMemcpyHostToDevice, nullptr, 0);
  const Stats h2dDirty = timed(dev, host, cudaMemcpyHostToDevice, source.data(), 0);
  const Stats h2dIdle = timed(dev, host, cudaMemcpyHostToDevice, nullptr, 100);
  std::vector<void*> extra(64, nullptr);
  for (void*& p : extra) check(cudaHostAlloc(&p, bytes, cudaHostAllocPortable), "cudaHostAlloc");
  const Stats h2dMany = timed(dev, host, cudaMemcpyHostToDevice, nullptr, 0);
  for (void* p : extra) check(cudaFreeHost(p), "cudaFreeHost");
  const Stats d2h = timed(host, dev, cudaMemcpyDeviceToHost, nullptr, 0);
  int runtime = 0, driver = 0;
  cudaRuntimeGetVersion(&runtime);
  cudaDriverGetVersion(&driver);
  std::printf("{\n  \"device\": \"%s\", \"bytes\": %zu, \"iterations\": %d, \"warmup\": %d, \"cudaRuntime\": %d, \"cudaDriver\": %d,\n", prop.name,
              bytes, iterations, warmup, runtime, driver);
  printStats("h2d", h2d, bytes, false);
  printStats("h2dDirty", h2dDirty, bytes, false);
  printStats("h2dIdle100us", h2dIdle, bytes, false);
  printStats("h2dManyPinned", h2dMany, bytes, false);
  printStats("d2h", d2h, bytes, true);
  std::printf("}\n");

  cudaFree(dev);
  cudaFreeHost(host);
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);
  cudaStreamDestroy(s);
  return 0;
}
