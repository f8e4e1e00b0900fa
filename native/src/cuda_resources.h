// RAII owners for the CUDA objects an engine session holds. Destructors never throw and ignore
// errors: they may run at process exit, after the CUDA runtime has started unloading.
#pragma once

#include <cuda_runtime_api.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

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
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(o.ptr_), size_(o.size_), stats_(o.stats_) {
    o.ptr_ = nullptr;
    o.size_ = 0;
  }
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
  PinnedBuffer(PinnedBuffer&& o) noexcept : ptr_(o.ptr_), size_(o.size_), stats_(o.stats_) {
    o.ptr_ = nullptr;
    o.size_ = 0;
  }
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

/**
 * One fixed-size page-locked allocation that may outlive the session that made it: a JS
 * ArrayBuffer handed out over it (an input staging buffer, a pooled output) keeps it alive until
 * that buffer's finalizer runs, so JS can never reach freed memory.
 */
class PinnedBlock {
 public:
  /** At least max(bytes, 1) bytes, rounded up to a page. Throws ERR_CUDA. */
  explicit PinnedBlock(std::size_t bytes);
  ~PinnedBlock();
  PinnedBlock(const PinnedBlock&) = delete;
  PinnedBlock& operator=(const PinnedBlock&) = delete;
  void* get() const noexcept { return ptr_; }
  std::size_t size() const noexcept { return size_; }
  /** Whether [p, p + n) lies inside this block. */
  bool holds(const void* p, std::size_t n) const noexcept {
    const auto a = reinterpret_cast<std::uintptr_t>(p), b = reinterpret_cast<std::uintptr_t>(ptr_);
    return a >= b && n <= size_ && a - b <= size_ - n;
  }

 private:
  void* ptr_ = nullptr;
  std::size_t size_ = 0;
};

class OutputPool;

/** Gives a leased block back to its pool (which may outlive the engine) instead of freeing it. */
struct PoolReturn {
  std::shared_ptr<OutputPool> pool;
  void operator()(PinnedBlock* block) const noexcept;
};
/** A block leased from an OutputPool; destroying the lease returns the block. */
using OutputBlock = std::unique_ptr<PinnedBlock, PoolReturn>;

/** What an OutputPool has done, for _debug(). */
struct OutputPoolStats {
  uint64_t blocks = 0;       // alive: idle + leased
  int64_t bytes = 0;         // of those blocks
  uint64_t allocations = 0;  // cudaHostAlloc calls so far
  uint64_t leased = 0;       // outputs served from the pool so far
  uint64_t exhausted = 0;    // requests refused at the cap (the caller copies instead)
};

/**
 * Pinned blocks that outputs are copied into on the device side and handed to JS as external
 * ArrayBuffers, so the main thread neither zero-fills nor copies them. A block comes back when its
 * ArrayBuffer is garbage-collected (the finalizer destroys its lease), so the pool is owned by a
 * shared_ptr that every lease holds: it outlives a disposed engine. Thread-safe: leased on the
 * worker, returned on the main thread. Bounded by a block count and a byte total; past them
 * `lease` answers null and the caller falls back to copying.
 */
class OutputPool : public std::enable_shared_from_this<OutputPool> {
 public:
  OutputPool(std::size_t maxBlocks, std::size_t maxBytes) noexcept : maxBlocks_(maxBlocks), maxBytes_(maxBytes) {}
  ~OutputPool();
  OutputPool(const OutputPool&) = delete;
  OutputPool& operator=(const OutputPool&) = delete;

  /** A block of at least `bytes` (> 0): the smallest idle one that fits (the last returned among equals), else a new one within the caps; null at the caps or once closed. Throws ERR_CUDA. */
  OutputBlock lease(std::size_t bytes);
  /** Frees the idle blocks now and every leased one when it comes back (the engine is gone). */
  void close() noexcept;
  OutputPoolStats stats();

 private:
  friend struct PoolReturn;
  void giveBack(PinnedBlock* block) noexcept;
  void forget(std::size_t bytes) noexcept;  // under mutex_

  const std::size_t maxBlocks_, maxBytes_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<PinnedBlock>> idle_;
  bool closed_ = false;
  OutputPoolStats stats_;
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
