// One loaded engine: its executor, its own non-blocking stream, timing events, reusable device
// buffers and a pool of pinned staging sets. Shared by the TensorRT and echo engines; only the
// Executor differs.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cuda_resources.h"
#include "engine_desc.h"
#include "executor.h"

namespace trtp {

struct Timing {
  double h2dMs = 0, computeMs = 0, d2hMs = 0, enqueueMs = 0, nativeMs = 0;
  /** Host time inside the H2D cudaMemcpyAsync calls, which the GPU waits out after e0 when it is idle. */
  double h2dSubmitMs = 0;
};

/**
 * Pinned host memory for one call, indexed by tensor index. Each queued call owns one set from the
 * moment its inputs are copied in (main thread) until its outputs are copied out (main thread), so a
 * later call can never overwrite bytes an earlier one still needs. Sets are pooled and reused.
 */
struct StagingSet {
  std::vector<PinnedBuffer> in;
  std::vector<PinnedBuffer> out;
};

struct CallInput {
  std::size_t tensor = 0;
  Shape shape;
  std::size_t bytes = 0;
  /** Set when the request's data already lies in this input's staging buffer (Session::stagingBlock): read in place, not copied. */
  std::shared_ptr<PinnedBlock> staged;
  const void* stagedData = nullptr;
};

struct CallOutput {
  std::size_t tensor = 0;
  Shape shape;
  std::size_t bytes = 0;
  /** The pooled block the D2H copy went into; null when it went into the call's staging set (to be copied out). */
  OutputBlock block{nullptr, PoolReturn{}};
};

/** How a call's compute step ran, as NativeGraphState in native-contract.ts (its JS names: Key::off… in js_keys.h). */
enum class GraphState { kOff, kCaptured, kReplayed, kFallback };

/** Everything one infer() carries from the main thread to the worker and back. */
struct Call {
  int profile = 0;
  /** false: no H2D/D2H; inputs already on the device are reused (uploaded once when they are not). */
  bool transfers = true;
  /** true: replay a captured CUDA graph of the enqueue (capturing it first when needed). */
  bool cudaGraph = false;
  /** From the engine's Tuning: poll the last event for up to kSpinLimit before sleeping on it (lower wake-up latency, one busy core). */
  bool spinWait = true;
  /** From the engine's Tuning: D2H into pooled pinned blocks handed to JS as they are; false: into the staging set, then copied. */
  bool pooledOutputs = true;
  std::vector<CallInput> inputs;
  std::unique_ptr<StagingSet> staging;
  std::vector<CallOutput> outputs;
  Timing timing;
  std::vector<std::string> logs;
  GraphState graph = GraphState::kOff;
  /** Why the graph could not be used; empty unless graph == kFallback. */
  std::string graphFallbackReason;
  /** Whether this call copied its inputs to the device (always, unless transfers is false and they were already there). */
  bool inputsUploaded = false;
};

/**
 * Everything a captured graph freezes: the profile, every input shape, every I/O address (device
 * buffers, and the pinned staging of host inputs) and the values of host inputs (shape tensors,
 * read by TensorRT on the host at enqueue). A graph is replayed only for an equal key.
 */
struct GraphKey {
  int profile = -1;
  std::vector<Shape> shapes;           // by tensor index; empty for outputs
  std::vector<const void*> addresses;  // by tensor index
  std::vector<uint8_t> hostValues;     // host inputs' bytes, in tensor order
  bool operator==(const GraphKey& o) const {
    return profile == o.profile && shapes == o.shapes && addresses == o.addresses && hostValues == o.hostValues;
  }
  bool operator!=(const GraphKey& o) const { return !(*this == o); }
};

struct DebugCounters {
  uint64_t deviceAllocs = 0, pinnedAllocs = 0, stagingSets = 0, calls = 0;
  int64_t deviceBytes = 0, pinnedBytes = 0;
  /** Input staging buffers handed out, and inputs read in place from one. */
  uint64_t stagingBuffers = 0, zeroCopyInputs = 0;
  /** Outputs copied through the staging set (pool exhausted, or pooledOutputs false). */
  uint64_t copiedOutputs = 0;
  OutputPoolStats outputPool;
  /** cudaMemGetInfo on the session's device; -1 when it failed. */
  int64_t deviceFreeBytes = -1, deviceTotalBytes = -1;
};

class Session {
 public:
  /** Takes ownership of the executor; creates the stream and events and selects profile 0. Call with `device` current. */
  Session(int device, std::unique_ptr<Executor> executor);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /** Stays valid after release(), so info() works on a disposed engine. */
  const EngineDesc& desc() const noexcept { return desc_; }
  int device() const noexcept { return device_; }
  bool released() const noexcept { return released_.load(); }

  /** A staging set sized for this engine's tensors, from the pool when one is free. */
  std::unique_ptr<StagingSet> acquireStaging();
  void releaseStaging(std::unique_ptr<StagingSet> set) noexcept;

  /**
   * A new pinned staging buffer for input `tensor`, replacing the previous one (which stays valid
   * memory for whoever holds it, but is no longer read in place). Main thread. Throws ERR_CUDA, ERR_DISPOSED.
   */
  std::shared_ptr<PinnedBlock> newStagingBlock(std::size_t tensor, std::size_t bytes);
  /** The current staging buffer of input `tensor`; null when none, or after release(). */
  std::shared_ptr<PinnedBlock> stagingBlock(std::size_t tensor);
  /** Counts a copied-out output (main thread, in the result). */
  void countCopiedOutput() noexcept { copiedOutputs_++; }

  /** Runs one call on the calling (worker) thread. Throws NativeError. */
  void run(Call& call);

  /** Idempotent; waits for a running call, then frees in order: sync, graph, executor (context, engine, runtime), buffers, events, stream. */
  void release() noexcept;

  DebugCounters debug();

 private:
  void runLocked(Call& call);
  /** Runs the compute step as `call.cudaGraph` asks; returns the event that starts its GPU time. */
  cudaEvent_t compute(Call& call, const GraphKey& key, const std::string& dataDependentOutput);
  void dropGraph() noexcept;

  AllocStats stats_;  // first: every buffer below reports into it, so it must be destroyed last
  std::mutex mutex_;
  int device_;
  EngineDesc desc_;
  std::unique_ptr<Executor> executor_;
  std::unique_ptr<CudaStream> stream_;
  // e0 before H2D, e1 after it, e2 after compute, e3 after D2H; e4 starts compute when a capture ran in between.
  std::array<std::unique_ptr<CudaEvent>, 5> events_;
  std::vector<std::unique_ptr<DeviceBuffer>> slots_;  // by tensor index
  // Host outputs (shape tensors TensorRT writes on the host): fixed pinned memory, bound once per call, by tensor index.
  std::vector<std::unique_ptr<PinnedBuffer>> hostOutputs_;
  // The first host output's name, and whether any output aliases an input; empty / false when none.
  std::string hostOutputName_;
  bool hasAliasedOutput_ = false;
  // The device input buffers hold these shapes' data from the last upload (transfers=false reuses it); invalid when false.
  bool residentValid_ = false;
  std::vector<Shape> residentShapes_;  // by tensor index
  // The graph captured for graphKey_, or (graph_ null, graphFailure_ set) why that state cannot be graphed.
  // Dropped as soon as any call runs in another state, so a graph never outlives what it froze.
  std::optional<GraphKey> graphKey_;
  std::unique_ptr<CudaGraphExec> graph_;
  std::string graphFailure_;
  std::mutex poolMutex_;
  std::vector<std::unique_ptr<StagingSet>> pool_;
  std::vector<std::shared_ptr<PinnedBlock>> stagingBlocks_;  // by tensor index, under poolMutex_
  std::shared_ptr<OutputPool> outputPool_;
  std::atomic<uint64_t> stagingBuffers_{0};
  std::atomic<uint64_t> zeroCopyInputs_{0};
  std::atomic<uint64_t> copiedOutputs_{0};
  std::atomic<bool> released_{false};
  std::atomic<uint64_t> calls_{0};
  std::atomic<uint64_t> stagingSets_{0};
};

}  // namespace trtp
