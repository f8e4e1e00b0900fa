// A CUDA-only stand-in for TensorRT: each input `x` gets an output `x_echo` holding the same bytes,
// made by a device-to-device copy on the session stream. It runs the very same session code
// (staging, buffers, stream, events, worker, dispose) so that code can be tested on a GPU without
// TensorRT. Exposed to JS only as the underscore-prefixed _createEchoEngine.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine_desc.h"
#include "executor.h"

namespace trtp {

struct EchoTensorSpec {
  std::string name;
  std::string dtype;
  Shape shape;  // -1 for dynamic dims
  bool onHost = false;
};

struct EchoSpec {
  std::vector<EchoTensorSpec> inputs;
  /** Stream-ordered sleep inside "compute" (cudaLaunchHostFunc), to test dispose during a call. */
  double delayMs = 0;
  /** Make enqueue fail (ERR_TRT), to test error paths. */
  bool failEnqueue = false;
  /** Make enqueue fail only while the stream is being captured into a CUDA graph (an engine with uncapturable work). */
  bool failCapture = false;
  /** During capture, do something capture forbids (synchronize the stream), so cudaStreamEndCapture reports the capture invalidated. */
  bool invalidateCapture = false;
};

std::unique_ptr<Executor> createEchoExecutor(const EchoSpec& spec, int device);

}  // namespace trtp
