// An independent CUDA-event measurement of the TensorRT double's affine kernel, to check the GPU
// compute time that `trt-parity bench` reports for a double engine (test/gpu/bench-double.test.ts).
//
// It launches the double's own kernel through trtdouble::launchAffine (test/doubles/trt-double/src/
// kernels.h), linked from the very object the double was built from (build.sh), so the two
// measurements time the same machine code on the same shape. Nothing of the addon, TensorRT or Node
// is involved: cudaEventRecord, launch, cudaEventRecord, cudaEventSynchronize, cudaEventElapsedTime,
// once per launch, on a cudaStreamNonBlocking stream with cudaEventBlockingSync events (the addon's
// flags, native/src/cuda_resources.cc), so the stream is idle before each launch, as in a bench call.
//
//   affine_compute [--shape 1x3x8192x8192] [--iterations 200] [--warmup 20] [--idle-ms 0] [--seed 1] [--device 0]
//
// --idle-ms sleeps on the host before each launch, so the GPU sees the cadence of a bench run (one
// kernel per call, the rest of the call spent on the host) rather than back-to-back launches: the
// clocks a GPU keeps can depend on how busy it is, and that would differ between the two measurements.
//
// The input is bench's seeded random data (src/bench/random-input.ts: mulberry32(seed), float32 u in
// [0, 1)), the constants are fixtures/models/affine.onnx's. After timing, every output is checked
// against fround(fround(x·a) + b) computed on the host, so a kernel that did not run cannot
// produce a time. Prints one JSON object on stdout; exit 2 for bad arguments, 3 for a CUDA error,
// 4 when the output is wrong.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "kernels.h"

#ifndef AFFINE_KERNEL_OBJECT
#define AFFINE_KERNEL_OBJECT "unknown"
#endif

namespace {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) {
    std::fprintf(stderr, "affine_compute: %s failed: %s (%s)\n", what, cudaGetErrorString(e), cudaGetErrorName(e));
    std::exit(3);
  }
}

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr,
               "affine_compute: %s\nusage: affine_compute [--shape NxCxHxW] [--iterations n>=1] [--warmup n>=0] [--idle-ms ms>=0] "
               "[--seed n] [--device n]\n",
               problem.c_str());
  std::exit(2);
}

/** src/bench/random-input.ts's generator, so the kernel sees the bytes `bench --seed` feeds the engine. */
struct Mulberry32 {
  uint32_t a;
  double next() {
    a += 0x6d2b79f5u;
    uint32_t t = a;
    t = (t ^ (t >> 15)) * (t | 1u);
    t ^= t + (t ^ (t >> 7)) * (t | 61u);
    return static_cast<double>(t ^ (t >> 14)) / 4294967296.0;
  }
};

std::vector<int64_t> parseShape(const char* text) {
  std::vector<int64_t> dims;
  const char* p = text;
  while (*p != '\0') {
    char* end = nullptr;
    const long long d = std::strtoll(p, &end, 10);
    if (end == p || d < 1) usage(std::string("bad --shape '") + text + "' (want e.g. 1x3x8192x8192)");
    dims.push_back(d);
    p = end;
    if (*p == 'x') ++p;
    else if (*p != '\0') usage(std::string("bad --shape '") + text + "'");
  }
  if (dims.size() < 2 || dims.size() > 8) usage(std::string("--shape '") + text + "' needs rank 2..8 (N, C, ...)");
  return dims;
}

/**
 * The statistics of src/bench/stats.ts, so the numbers compare like for like: median is the middle
 * sample (mean of the two middle ones), percentiles follow trtexec's nearest-rank rule in float32.
 */
double percentileOfSorted(const std::vector<double>& s, float p) {
  const int n = static_cast<int>(s.size());
  const int exclude = static_cast<int>((1.0f - p / 100.0f) * static_cast<float>(n));
  return s[static_cast<std::size_t>(std::max(n - 1 - exclude, 0))];
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int64_t> shape{1, 3, 8192, 8192};
  int iterations = 200;
  int warmup = 20;
  double idleMs = 0;
  uint32_t seed = 1;
  int device = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) usage(arg + " needs a value");
    const char* v = argv[++i];
    if (arg == "--shape") shape = parseShape(v);
    else if (arg == "--iterations") iterations = std::atoi(v);
    else if (arg == "--warmup") warmup = std::atoi(v);
    else if (arg == "--idle-ms") idleMs = std::atof(v);
    else if (arg == "--seed") seed = static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
    else if (arg == "--device") device = std::atoi(v);
    else usage("unknown option " + arg);
  }
  if (iterations < 1 || warmup < 0 || device < 0 || !(idleMs >= 0 && idleMs <= 10000)) {
    usage("--iterations must be >= 1, --warmup and --device >= 0, --idle-ms in 0..10000");
  }

  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  const int64_t channels = shape[1];
  const int64_t inner = n / shape[0] / channels;
  const std::size_t bytes = static_cast<std::size_t>(n) * sizeof(float);

  // fixtures/models/affine.onnx's constants (scripts/make-fixture-models.ts), repeated when C != 3.
  const float onnxA[3] = {0.5f, 1.7f, -3.25f};
  const float onnxB[3] = {0.1f, -0.2f, 0.3f};
  std::vector<float> ab(static_cast<std::size_t>(2 * channels));
  for (int64_t c = 0; c < channels; ++c) {
    ab[static_cast<std::size_t>(c)] = onnxA[c % 3];
    ab[static_cast<std::size_t>(channels + c)] = onnxB[c % 3];
  }

  check(cudaSetDevice(device), "cudaSetDevice");
  cudaDeviceProp prop{};
  check(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
  cudaStream_t s = nullptr;
  check(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
  cudaEvent_t e0 = nullptr, e1 = nullptr;
  check(cudaEventCreateWithFlags(&e0, cudaEventBlockingSync), "cudaEventCreateWithFlags");
  check(cudaEventCreateWithFlags(&e1, cudaEventBlockingSync), "cudaEventCreateWithFlags");

  std::vector<float> x(static_cast<std::size_t>(n));
  Mulberry32 rng{seed};
  for (auto& v : x) v = static_cast<float>(rng.next());
  float* dx = nullptr;
  float* dy = nullptr;
  float* dab = nullptr;
  check(cudaMalloc(reinterpret_cast<void**>(&dx), bytes), "cudaMalloc(x)");
  check(cudaMalloc(reinterpret_cast<void**>(&dy), bytes), "cudaMalloc(y)");
  check(cudaMalloc(reinterpret_cast<void**>(&dab), ab.size() * sizeof(float)), "cudaMalloc(a, b)");
  check(cudaMemcpy(dx, x.data(), bytes, cudaMemcpyHostToDevice), "cudaMemcpy(x)");
  check(cudaMemcpy(dab, ab.data(), ab.size() * sizeof(float), cudaMemcpyHostToDevice), "cudaMemcpy(a, b)");
  check(cudaMemset(dy, 0xff, bytes), "cudaMemset(y)");  // NaN everywhere: a launch that writes nothing fails the check

  std::vector<double> ms;
  ms.reserve(static_cast<std::size_t>(iterations));
  const auto idle = std::chrono::microseconds(static_cast<int64_t>(idleMs * 1000.0));
  for (int i = 0; i < warmup + iterations; ++i) {
    if (idleMs > 0) std::this_thread::sleep_for(idle);
    check(cudaEventRecord(e0, s), "cudaEventRecord");
    check(trtdouble::launchAffine(dx, dy, dab, dab + channels, n, channels, inner, s), "launchAffine");
    check(cudaEventRecord(e1, s), "cudaEventRecord");
    check(cudaEventSynchronize(e1), "cudaEventSynchronize");
    float elapsed = 0;
    check(cudaEventElapsedTime(&elapsed, e0, e1), "cudaEventElapsedTime");
    if (i >= warmup) ms.push_back(static_cast<double>(elapsed));
  }

  // Every output against the host's two roundings: a launch that did not run, or ran another kernel, fails.
  std::vector<float> y(static_cast<std::size_t>(n));
  check(cudaMemcpy(y.data(), dy, bytes, cudaMemcpyDeviceToHost), "cudaMemcpy(y)");
  int64_t wrong = 0;
  int64_t firstWrong = -1;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = (i / inner) % channels;
    const float product = x[static_cast<std::size_t>(i)] * ab[static_cast<std::size_t>(c)];
    const float want = product + ab[static_cast<std::size_t>(channels + c)];  // built with -ffp-contract=off: no FMA
    if (std::memcmp(&y[static_cast<std::size_t>(i)], &want, sizeof(float)) != 0) {
      if (firstWrong < 0) firstWrong = i;
      ++wrong;
    }
  }

  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  const std::size_t m = sorted.size() / 2;
  const double median = sorted.size() % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
  double sum = 0;
  for (double v : ms) sum += v;
  const double mean = sum / static_cast<double>(ms.size());
  int runtime = 0, driver = 0;
  cudaRuntimeGetVersion(&runtime);
  cudaDriverGetVersion(&driver);

  std::string dims;
  for (std::size_t i = 0; i < shape.size(); ++i) dims += (i ? "," : "") + std::to_string(shape[i]);
  std::printf("{\n");
  std::printf("  \"program\": \"affine_compute\",\n  \"kernel\": \"trtdouble::launchAffine\",\n  \"kernelObject\": \"%s\",\n",
              AFFINE_KERNEL_OBJECT);
  std::printf("  \"device\": \"%s\", \"computeCapability\": \"%d.%d\", \"cudaRuntime\": %d, \"cudaDriver\": %d,\n", prop.name, prop.major,
              prop.minor, runtime, driver);
  std::printf("  \"shape\": [%s], \"elements\": %lld, \"bytesMoved\": %zu, \"seed\": %u,\n", dims.c_str(), static_cast<long long>(n),
              2 * bytes, seed);
  std::printf("  \"iterations\": %d, \"warmup\": %d, \"idleMs\": %.3f, \"stream\": \"cudaStreamNonBlocking\", \"events\": \"cudaEventBlockingSync\",\n",
              iterations, warmup, idleMs);
  std::printf("  \"medianMs\": %.6f, \"p90Ms\": %.6f, \"minMs\": %.6f, \"meanMs\": %.6f, \"maxMs\": %.6f, \"gbPerS\": %.1f,\n", median,
              percentileOfSorted(sorted, 90.0f), sorted.front(), mean, sorted.back(), static_cast<double>(2 * bytes) / (median * 1e6));
  std::printf("  \"checked\": %lld, \"wrong\": %lld, \"firstWrong\": %lld\n}\n", static_cast<long long>(n),
              static_cast<long long>(wrong), static_cast<long long>(firstWrong));

  cudaFree(dx);
  cudaFree(dy);
  cudaFree(dab);
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);
  cudaStreamDestroy(s);
  if (wrong != 0) {
    std::fprintf(stderr, "affine_compute: %lld of %lld outputs differ from fround(fround(x*a)+b), first at %lld\n",
                 static_cast<long long>(wrong), static_cast<long long>(n), static_cast<long long>(firstWrong));
    return 4;
  }
  return 0;
}
