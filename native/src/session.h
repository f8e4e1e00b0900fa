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
#include <string>
#include <vector>

#include "cuda_resources.h"
#include "engine_desc.h"
#include "executor.h"

namespace trtp {

struct Timing {
  double h2dMs = 0, computeMs = 0, d2hMs = 0, enqueueMs = 0, nativeMs = 0;
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
};

struct CallOutput {
  std::size_t tensor = 0;
  Shape shape;
  std::size_t bytes = 0;
};

/** Everything one infer() carries from the main thread to the worker and back. */
struct Call {
  int profile = 0;
  std::vector<CallInput> inputs;
  std::unique_ptr<StagingSet> staging;
  std::vector<CallOutput> outputs;
  Timing timing;
  std::vector<std::string> logs;
};

struct DebugCounters {
  uint64_t deviceAllocs = 0, pinnedAllocs = 0, stagingSets = 0, calls = 0;
  int64_t deviceBytes = 0, pinnedBytes = 0;
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

  /** Runs one call on the calling (worker) thread. Throws NativeError. */
  void run(Call& call);

  /** Idempotent; waits for a running call, then frees in order: sync, executor (context, engine, runtime), buffers, events, stream. */
  void release() noexcept;

  DebugCounters debug();

 private:
  AllocStats stats_;  // first: every buffer below reports into it, so it must be destroyed last
  std::mutex mutex_;
  int device_;
  EngineDesc desc_;
  std::unique_ptr<Executor> executor_;
  std::unique_ptr<CudaStream> stream_;
  std::array<std::unique_ptr<CudaEvent>, 4> events_;
  std::vector<std::unique_ptr<DeviceBuffer>> slots_;  // by tensor index
  std::mutex poolMutex_;
  std::vector<std::unique_ptr<StagingSet>> pool_;
  std::atomic<bool> released_{false};
  std::atomic<uint64_t> calls_{0};
  std::atomic<uint64_t> stagingSets_{0};
};

}  // namespace trtp
