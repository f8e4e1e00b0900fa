#include "cuda_resources.h"

#include <string>

#include "cuda_check.h"
#include "native_error.h"

namespace trtp {

void* DeviceBuffer::ensure(std::size_t bytes) {
  if (bytes == 0) bytes = 1;
  if (ptr_ != nullptr && size_ >= bytes) return ptr_;
  reset();
  // Round up so that a later, slightly larger request does not re-allocate.
  std::size_t rounded = (bytes + kDeviceAlignment - 1) / kDeviceAlignment * kDeviceAlignment;
  void* p = nullptr;
  cudaCheck(cudaMalloc(&p, rounded), "cudaMalloc(" + std::to_string(rounded) + " bytes)");
  if (reinterpret_cast<std::uintptr_t>(p) % kDeviceAlignment != 0) {
    cudaFree(p);
    fail("ERR_CUDA", "cudaMalloc returned an address that is not 256-byte aligned");
  }
  ptr_ = p;
  size_ = rounded;
  if (stats_ != nullptr) {
    stats_->deviceAllocs++;
    stats_->deviceBytes += static_cast<int64_t>(rounded);
  }
  return ptr_;
}

void DeviceBuffer::reset() noexcept {
  if (ptr_ == nullptr) return;
  (void)cudaFree(ptr_);
  if (stats_ != nullptr) stats_->deviceBytes -= static_cast<int64_t>(size_);
  ptr_ = nullptr;
  size_ = 0;
}

void* PinnedBuffer::ensure(std::size_t bytes) {
  if (bytes == 0) bytes = 1;
  if (ptr_ != nullptr && size_ >= bytes) return ptr_;
  reset();
  std::size_t rounded = (bytes + 4095) / 4096 * 4096;
  void* p = nullptr;
  cudaCheck(cudaHostAlloc(&p, rounded, cudaHostAllocPortable), "cudaHostAlloc(" + std::to_string(rounded) + " bytes)");
  ptr_ = p;
  size_ = rounded;
  if (stats_ != nullptr) {
    stats_->pinnedAllocs++;
    stats_->pinnedBytes += static_cast<int64_t>(rounded);
  }
  return ptr_;
}

void PinnedBuffer::reset() noexcept {
  if (ptr_ == nullptr) return;
  (void)cudaFreeHost(ptr_);
  if (stats_ != nullptr) stats_->pinnedBytes -= static_cast<int64_t>(size_);
  ptr_ = nullptr;
  size_ = 0;
}

PinnedBlock::PinnedBlock(std::size_t bytes) {
  if (bytes == 0) bytes = 1;
  const std::size_t rounded = (bytes + 4095) / 4096 * 4096;
  cudaCheck(cudaHostAlloc(&ptr_, rounded, cudaHostAllocPortable),
            "cudaHostAlloc(" + std::to_string(rounded) + " bytes)");
  size_ = rounded;
}

PinnedBlock::~PinnedBlock() {
  if (ptr_ != nullptr) (void)cudaFreeHost(ptr_);
}

void PoolReturn::operator()(PinnedBlock* block) const noexcept {
  if (block == nullptr) return;
  if (pool) pool->giveBack(block);
  else delete block;
}

OutputPool::~OutputPool() = default;

OutputBlock OutputPool::lease(std::size_t bytes) {
  std::unique_ptr<PinnedBlock> victim;  // freed outside the lock: cudaFreeHost may synchronize
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return OutputBlock(nullptr, PoolReturn{});
    std::size_t best = idle_.size();
    for (std::size_t i = 0; i < idle_.size(); ++i) {
      // Ties go to the block returned last: its pages are the likeliest to be warm in the GPU's and IOMMU's translation caches.
      if (idle_[i]->size() >= bytes && (best == idle_.size() || idle_[i]->size() <= idle_[best]->size())) best = i;
    }
    if (best != idle_.size()) {
      PinnedBlock* b = idle_[best].release();
      idle_.erase(idle_.begin() + static_cast<std::ptrdiff_t>(best));
      stats_.leased++;
      return OutputBlock(b, PoolReturn{shared_from_this()});
    }
    const std::size_t rounded = (bytes + 4095) / 4096 * 4096;
    // Nothing idle fits: make room by dropping the largest idle block that is too small.
    if ((stats_.blocks >= maxBlocks_ || static_cast<std::size_t>(stats_.bytes) + rounded > maxBytes_) &&
        !idle_.empty()) {
      victim = std::move(idle_.back());
      idle_.pop_back();
      forget(victim->size());
    }
    if (stats_.blocks >= maxBlocks_ || static_cast<std::size_t>(stats_.bytes) + rounded > maxBytes_) {
      stats_.exhausted++;
      return OutputBlock(nullptr, PoolReturn{});
    }
    // Counted before allocating, so that concurrent leases cannot overshoot the caps.
    stats_.blocks++;
    stats_.bytes += static_cast<int64_t>(rounded);
  }
  victim.reset();
  try {
    auto block = std::make_unique<PinnedBlock>(bytes);
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.allocations++;
    stats_.leased++;
    return OutputBlock(block.release(), PoolReturn{shared_from_this()});
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    forget((bytes + 4095) / 4096 * 4096);
    throw;
  }
}

void OutputPool::giveBack(PinnedBlock* block) noexcept {
  std::unique_ptr<PinnedBlock> owned(block);
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) {
    forget(owned->size());
    return;  // freed on scope exit
  }
  try {
    idle_.push_back(std::move(owned));
  } catch (...) {
    forget(block->size());  // `owned` still holds it when push_back threw
  }
}

void OutputPool::forget(std::size_t bytes) noexcept {
  stats_.blocks--;
  stats_.bytes -= static_cast<int64_t>(bytes);
}

void OutputPool::close() noexcept {
  std::vector<std::unique_ptr<PinnedBlock>> idle;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    idle.swap(idle_);
    for (const auto& b : idle) forget(b->size());
  }
}

OutputPoolStats OutputPool::stats() {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

CudaStream::CudaStream() {
  cudaCheck(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
}
CudaStream::~CudaStream() {
  if (stream_ != nullptr) (void)cudaStreamDestroy(stream_);
}

CudaEvent::CudaEvent() {
  cudaCheck(cudaEventCreateWithFlags(&event_, cudaEventBlockingSync), "cudaEventCreateWithFlags");
}
CudaEvent::~CudaEvent() {
  if (event_ != nullptr) (void)cudaEventDestroy(event_);
}

CudaGraph::~CudaGraph() {
  if (graph_ != nullptr) (void)cudaGraphDestroy(graph_);
}

CudaGraphExec::~CudaGraphExec() {
  if (exec_ != nullptr) (void)cudaGraphExecDestroy(exec_);
}

}  // namespace trtp
