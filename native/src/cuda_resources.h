// RAII owners for the CUDA objects an engine session holds. Destructors never throw and ignore
// errors: they may run at process exit, after the CUDA runtime has started unloading.
#pragma once

#include <cuda_runtime_api.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace trtp {

/** Counters a session exposes through _debug() so GPU tests can prove buffers are reused, not re-allocated. */
struct AllocStats {
  std::atomic<uint64_t> deviceAllocs{0};
  std::atomic<int64_t> deviceBytes{0};
  std::atomic<uint64_t> pinnedAllocs{0};
  std::atomic<int64_t> pinnedBytes{0};
};

/** TensorRT wants every I/O address 256-byte aligned (cudaMalloc already is; we check instead of trusting). */
constexpr std::size_t kDeviceAlignment = 256;

/** Grow-only device allocation: reused across calls, never null (at least 1 byte, since TRT rejects null for empty tensors). */
class DeviceBuffer {
 public:
  explicit DeviceBuffer(AllocStats* stats = nullptr) noexcept : stats_(stats) {}
  ~DeviceBuffer() { reset(); }
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(o.ptr_), size_(o.size_), stats_(o.stats_) { o.ptr_ = nullptr; o.size_ = 0; }
  DeviceBuffer& operator=(DeviceBuffer&&) = delete;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  /** Makes the buffer hold at least max(bytes, 1) bytes; the old contents are not kept. Throws ERR_CUDA. */
  void* ensure(std::size_t bytes);
  void reset() noexcept;
  void* get() const noexcept { return ptr_; }
  std::size_t size() const noexcept { return size_; }

 private:
  void* ptr_ = nullptr;
  std::size_t size_ = 0;
  AllocStats* stats_;
};

/** Grow-only page-locked host allocation (portable across devices), so async copies are truly async. */
class PinnedBuffer {
 public:
  explicit PinnedBuffer(AllocStats* stats = nullptr) noexcept : stats_(stats) {}
  ~PinnedBuffer() { reset(); }
  PinnedBuffer(PinnedBuffer&& o) noexcept : ptr_(o.ptr_), size_(o.size_), stats_(o.stats_) { o.ptr_ = nullptr; o.size_ = 0; }
  PinnedBuffer& operator=(PinnedBuffer&&) = delete;
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;

  /** At least max(bytes, 1) bytes; old contents are not kept. Throws ERR_CUDA. */
  void* ensure(std::size_t bytes);
  void reset() noexcept;
  void* get() const noexcept { return ptr_; }
  std::size_t size() const noexcept { return size_; }

 private:
  void* ptr_ = nullptr;
  std::size_t size_ = 0;
  AllocStats* stats_;
};

/** A non-blocking stream: never implicitly synchronized with the legacy default stream. */
class CudaStream {
 public:
  CudaStream();  // throws ERR_CUDA
  ~CudaStream();
  CudaStream(const CudaStream&) = delete;
  CudaStream& operator=(const CudaStream&) = delete;
  cudaStream_t get() const noexcept { return stream_; }

 private:
  cudaStream_t stream_ = nullptr;
};

/** A timing event; blocking-sync so the worker thread sleeps instead of spinning while it waits. */
class CudaEvent {
 public:
  CudaEvent();  // throws ERR_CUDA
  ~CudaEvent();
  CudaEvent(const CudaEvent&) = delete;
  CudaEvent& operator=(const CudaEvent&) = delete;
  cudaEvent_t get() const noexcept { return event_; }

 private:
  cudaEvent_t event_ = nullptr;
};

/** A captured graph, possibly partial (a failed capture still hands one back); only needed until instantiated. */
class CudaGraph {
 public:
  explicit CudaGraph(cudaGraph_t graph = nullptr) noexcept : graph_(graph) {}
  ~CudaGraph();
  CudaGraph(const CudaGraph&) = delete;
  CudaGraph& operator=(const CudaGraph&) = delete;
  cudaGraph_t get() const noexcept { return graph_; }

 private:
  cudaGraph_t graph_;
};

/** An instantiated graph: what cudaGraphLaunch replays. Must be destroyed before the buffers it points at. */
class CudaGraphExec {
 public:
  explicit CudaGraphExec(cudaGraphExec_t exec) noexcept : exec_(exec) {}
  ~CudaGraphExec();
  CudaGraphExec(const CudaGraphExec&) = delete;
  CudaGraphExec& operator=(const CudaGraphExec&) = delete;
  cudaGraphExec_t get() const noexcept { return exec_; }

 private:
  cudaGraphExec_t exec_;
};

}  // namespace trtp
