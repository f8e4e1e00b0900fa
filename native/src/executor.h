// The one seam between the shared session machinery (staging, buffers, stream, events, workers,
// dispose) and what actually computes: TensorRT, or the CUDA-only echo used to test the rest on a
// GPU without TensorRT. Everything here runs on the worker thread, under the session lock, with the
// session's device current.
#pragma once

#include <cuda_runtime_api.h>

#include <string>
#include <vector>

#include "cuda_resources.h"
#include "engine_desc.h"

namespace trtp {

class Executor {
 public:
  virtual ~Executor() = default;

  virtual const EngineDesc& desc() const noexcept = 0;

  /** Start routing log lines to `sink` for this call (until endCall). */
  virtual void beginCall(std::vector<std::string>* sink) noexcept = 0;
  virtual void endCall() noexcept = 0;

  /** Selects the optimization profile; cheap when it did not change. */
  virtual void selectProfile(int profile, cudaStream_t stream) = 0;
  /** For inputs that are not shape tensors. Throws ERR_INVALID_ARGUMENT when out of the profile. */
  virtual void setInputShape(std::size_t tensor, const Shape& shape) = 0;
  /** Device pointer for device inputs; a host pointer that stays valid until the call ends for host inputs. */
  virtual void setInputAddress(std::size_t tensor, const void* address) = 0;
  /** After all inputs are set: fails unless every output shape can be computed. */
  virtual void checkShapes() = 0;
  /** Output shape before enqueue; -1 dims mean data-dependent (known only after enqueue). */
  virtual Shape outputShape(std::size_t tensor) = 0;
  /** The executor writes the output into `slot`, and may grow it during enqueue (data-dependent shapes). */
  virtual void setOutputBuffer(std::size_t tensor, DeviceBuffer& slot, bool shapeKnown) = 0;
  /**
   * Binds an output to memory the session owns, with no output allocator: a host output (a shape
   * tensor TensorRT writes on the host during inferShapes/enqueue) to pinned host memory, or an
   * aliased output to its input's device buffer. Called before checkShapes.
   */
  virtual void bindOutput(std::size_t tensor, void* address) = 0;
  /** The only step that differs between TensorRT and echo. */
  virtual void enqueue(cudaStream_t stream) = 0;
  /** Output shape once enqueue has returned. */
  virtual Shape finalOutputShape(std::size_t tensor) = 0;
};

}  // namespace trtp
