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

CudaStream::CudaStream() { cudaCheck(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreateWithFlags"); }
CudaStream::~CudaStream() {
  if (stream_ != nullptr) (void)cudaStreamDestroy(stream_);
}

CudaEvent::CudaEvent() { cudaCheck(cudaEventCreateWithFlags(&event_, cudaEventBlockingSync), "cudaEventCreateWithFlags"); }
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
