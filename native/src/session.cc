#include "session.h"

#include <chrono>
#include <cstring>
#include <string>
#include <utility>

#include "cuda_check.h"
#include "native_error.h"

namespace trtp {
namespace {

using Clock = std::chrono::steady_clock;

/**
 * How long a call polls its last event before sleeping on it. A blocking-sync event wakes the
 * worker tens of microseconds after the GPU is done; polling costs one busy core for the wait, so
 * it is bounded: calls whose GPU work outlasts this sleep for the rest (their wake-up latency is
 * small next to their GPU time).
 */
constexpr auto kSpinLimit = std::chrono::microseconds(2000);

/**
 * Outputs of at least kPoolMinBytes go through the OutputPool: below it, copying on the main thread
 * costs less than an external ArrayBuffer and its finalizer, and blocks that small would never add
 * up to the external memory that makes V8 collect them (the pool would sit exhausted).
 * kPoolBlocks/kPoolBytes bound a pool per engine; past either, outputs are copied. Blocks come back
 * only when V8 collects their ArrayBuffers, which for 602 KB outputs took about 55 blocks
 * (V8 collects once external memory grew by about 64 MB since the last full GC).
 */
constexpr std::size_t kPoolMinBytes = std::size_t{64} << 10;
/** Larger outputs are copied: 64 blocks of them would pin gigabytes, and a copy is small next to their transfer. */
constexpr std::size_t kPoolMaxBytes = std::size_t{16} << 20;
constexpr std::size_t kPoolBlocks = 64;
constexpr std::size_t kPoolBytes = std::size_t{256} << 20;

inline void cpuRelax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

/** Waits for `event`: polling first when `spin`, then sleeping (cudaEventBlockingSync). */
void waitFor(cudaEvent_t event, bool spin) {
  if (spin) {
    const auto until = Clock::now() + kSpinLimit;
    for (;;) {
      const cudaError_t q = cudaEventQuery(event);
      if (q == cudaSuccess) return;
      if (q != cudaErrorNotReady) cudaCheck(q, "cudaEventQuery");
      if (Clock::now() >= until) break;
      cpuRelax();
    }
  }
  cudaCheck(cudaEventSynchronize(event), "cudaEventSynchronize");
}

/** cudaCheck without building its message on success (the hot path runs this per copy). */
template <typename What>
void check(cudaError_t err, What&& what) {
  if (err != cudaSuccess) cudaCheck(err, what());
}

double msSince(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration<double, std::milli>(end - start).count();
}

double elapsedMs(cudaEvent_t from, cudaEvent_t to, const char* what) {
  float ms = 0;
  cudaCheck(cudaEventElapsedTime(&ms, from, to), std::string("cudaEventElapsedTime(") + what + ")");
  return static_cast<double>(ms);
}

/** Keeps the executor's log routing scoped to one call, also when the call throws. */
class CallScope {
 public:
  CallScope(Executor& ex, std::vector<std::string>* sink) noexcept : ex_(ex) { ex_.beginCall(sink); }
  ~CallScope() { ex_.endCall(); }
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

 private:
  Executor& ex_;
};

}  // namespace

Session::Session(int device, std::unique_ptr<Executor> executor)
    : device_(device), desc_(executor->desc()), executor_(std::move(executor)) {
  stream_ = std::make_unique<CudaStream>();
  outputPool_ = std::make_shared<OutputPool>(kPoolBlocks, kPoolBytes);
  stagingBlocks_.resize(desc_.tensors.size());
  for (auto& e : events_) e = std::make_unique<CudaEvent>();
  slots_.reserve(desc_.tensors.size());
  residentShapes_.resize(desc_.tensors.size());
  for (std::size_t i = 0; i < desc_.tensors.size(); ++i) slots_.push_back(std::make_unique<DeviceBuffer>(&stats_));
  hostOutputs_.resize(desc_.tensors.size());
  for (std::size_t i = 0; i < desc_.tensors.size(); ++i) {
    const TensorDesc& t = desc_.tensors[i];
    if (t.isInput) continue;
    if (t.aliasOf >= 0) hasAliasedOutput_ = true;
    if (!t.onHost) continue;
    // Fixed size (the executor refuses host outputs whose size is not known at load); at least one byte, never null.
    const std::size_t bytes = static_cast<std::size_t>(volumeOf(t.shape).value_or(0) * runnableElementSize(t.dtype));
    hostOutputs_[i] = std::make_unique<PinnedBuffer>(&stats_);
    hostOutputs_[i]->ensure(bytes > 0 ? bytes : 1);
    if (hostOutputName_.empty()) hostOutputName_ = t.name;
  }
  std::vector<std::string> logs;
  CallScope scope(*executor_, &logs);
  executor_->selectProfile(0, stream_->get());
}

Session::~Session() { release(); }

std::unique_ptr<StagingSet> Session::acquireStaging() {
  {
    std::lock_guard<std::mutex> lock(poolMutex_);
    if (!pool_.empty()) {
      auto set = std::move(pool_.back());
      pool_.pop_back();
      return set;
    }
  }
  auto set = std::make_unique<StagingSet>();
  set->in.reserve(desc_.tensors.size());
  set->out.reserve(desc_.tensors.size());
  for (std::size_t i = 0; i < desc_.tensors.size(); ++i) {
    set->in.emplace_back(&stats_);
    set->out.emplace_back(&stats_);
  }
  stagingSets_++;
  return set;
}

void Session::releaseStaging(std::unique_ptr<StagingSet> set) noexcept {
  if (!set) return;
  std::lock_guard<std::mutex> lock(poolMutex_);
  if (released_.load()) return;  // `set` is freed on scope exit
  pool_.push_back(std::move(set));
}

std::shared_ptr<PinnedBlock> Session::newStagingBlock(std::size_t tensor, std::size_t bytes) {
  if (released_.load()) fail("ERR_DISPOSED", "stagingBuffer() called on a disposed engine");
  check(cudaSetDevice(device_), [&] { return "cudaSetDevice(" + std::to_string(device_) + ")"; });
  auto block = std::make_shared<PinnedBlock>(bytes);
  std::lock_guard<std::mutex> lock(poolMutex_);
  if (released_.load()) fail("ERR_DISPOSED", "stagingBuffer() called on a disposed engine");
  stagingBlocks_[tensor] = block;
  stagingBuffers_++;
  return block;
}

std::shared_ptr<PinnedBlock> Session::stagingBlock(std::size_t tensor) {
  std::lock_guard<std::mutex> lock(poolMutex_);
  return tensor < stagingBlocks_.size() ? stagingBlocks_[tensor] : nullptr;
}

void Session::run(Call& call) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (released_.load()) fail("ERR_DISPOSED", "the engine was disposed before this call started");
  try {
    runLocked(call);
  } catch (...) {
    // A failed call may have left shapes, buffers or the context half-changed: trust neither the graph nor the inputs on the device.
    dropGraph();
    residentValid_ = false;
    throw;
  }
}

void Session::runLocked(Call& call) {
  const auto tStart = Clock::now();
  check(cudaSetDevice(device_), [&] { return "cudaSetDevice(" + std::to_string(device_) + ")"; });
  CallScope scope(*executor_, &call.logs);
  cudaStream_t stream = stream_->get();
  StagingSet& staging = *call.staging;
  // Where each input's bytes are on the host: its staging buffer when the request pointed into it, else the call's staging set.
  auto hostData = [&staging](const CallInput& in) -> const void* {
    return in.staged ? in.stagedData : staging.in[in.tensor].get();
  };

  executor_->selectProfile(call.profile, stream);
  for (const CallInput& in : call.inputs) {
    const TensorDesc& t = desc_.tensors[in.tensor];
    if (!t.isShapeTensor) executor_->setInputShape(in.tensor, in.shape);
    // Host inputs (shape tensors) read straight from the pinned staging, which lives until the call ends.
    if (t.onHost) executor_->setInputAddress(in.tensor, hostData(in));
  }
  // Host outputs before inferShapes: TensorRT writes their values to the bound host address there (and in enqueueV3).
  for (std::size_t i = 0; i < desc_.tensors.size(); ++i) {
    if (hostOutputs_[i]) executor_->bindOutput(i, hostOutputs_[i]->get());
  }
  executor_->checkShapes();

  // transfers=false reuses what the last upload left on the device, but only for the very same shapes.
  bool reuseInputs = !call.transfers && residentValid_;
  for (const CallInput& in : call.inputs) {
    if (!desc_.tensors[in.tensor].onHost && residentShapes_[in.tensor] != in.shape) reuseInputs = false;
  }
  // From here the input buffers may move or be half-written, so they hold nothing reusable until the upload succeeds.
  if (!reuseInputs) residentValid_ = false;
  for (const CallInput& in : call.inputs) {
    if (desc_.tensors[in.tensor].onHost) continue;
    executor_->setInputAddress(in.tensor, slots_[in.tensor]->ensure(in.bytes));
  }
  std::string dataDependentOutput;
  for (std::size_t i = 0; i < desc_.tensors.size(); ++i) {
    const TensorDesc& t = desc_.tensors[i];
    if (t.isInput || t.onHost) continue;
    if (t.aliasOf >= 0) {
      // Shares its input's device buffer (TensorRT updates it in place, e.g. KVCacheUpdate): no slot of its own.
      executor_->bindOutput(i, slots_[static_cast<std::size_t>(t.aliasOf)]->get());
      continue;
    }
    Shape shape = executor_->outputShape(i);
    auto volume = volumeOf(shape);
    const bool known = volume.has_value();
    if (known) slots_[i]->ensure(*volume * runnableElementSize(t.dtype));
    else if (dataDependentOutput.empty()) dataDependentOutput = t.name;
    executor_->setOutputBuffer(i, *slots_[i], known);
  }

  // A graph (or a remembered capture failure) holds only for the exact state it was made in.
  GraphKey key;
  if (call.cudaGraph || graphKey_) {
    key.profile = call.profile;
    key.shapes.resize(desc_.tensors.size());
    key.addresses.resize(desc_.tensors.size(), nullptr);
    for (std::size_t i = 0; i < desc_.tensors.size(); ++i) key.addresses[i] = slots_[i]->get();
    for (const CallInput& in : call.inputs) {
      key.shapes[in.tensor] = in.shape;
      if (!desc_.tensors[in.tensor].onHost) continue;
      const auto* bytes = static_cast<const uint8_t*>(hostData(in));
      key.addresses[in.tensor] = bytes;
      key.hostValues.insert(key.hostValues.end(), bytes, bytes + in.bytes);
    }
    if (graphKey_ && *graphKey_ != key) dropGraph();
  }
  if (!hostOutputName_.empty() && dataDependentOutput.empty()) dataDependentOutput = hostOutputName_;

  cudaCheck(cudaEventRecord(events_[0]->get(), stream), "cudaEventRecord");
  if (!reuseInputs) {
    const auto tSubmit = Clock::now();
    for (const CallInput& in : call.inputs) {
      if (desc_.tensors[in.tensor].onHost || in.bytes == 0) continue;
      check(cudaMemcpyAsync(slots_[in.tensor]->get(), hostData(in), in.bytes, cudaMemcpyHostToDevice, stream),
            [&] { return "cudaMemcpyAsync(H2D '" + desc_.tensors[in.tensor].name + "')"; });
    }
    call.timing.h2dSubmitMs = msSince(tSubmit, Clock::now());
  }
  for (const CallInput& in : call.inputs) {
    if (in.staged) zeroCopyInputs_++;
  }
  cudaCheck(cudaEventRecord(events_[1]->get(), stream), "cudaEventRecord");
  cudaEvent_t computeStart = compute(call, key, dataDependentOutput);
  cudaCheck(cudaEventRecord(events_[2]->get(), stream), "cudaEventRecord");

  call.outputs.clear();
  if (call.transfers) {
    for (std::size_t i = 0; i < desc_.tensors.size(); ++i) {
      const TensorDesc& t = desc_.tensors[i];
      if (t.isInput) continue;
      Shape shape = executor_->finalOutputShape(i);
      auto volume = volumeOf(shape);
      if (!volume) fail("ERR_TRT", "output '" + t.name + "' has no concrete shape after enqueue: " + shapeText(shape));
      std::size_t bytes = static_cast<std::size_t>(*volume * runnableElementSize(t.dtype));
      if (t.onHost) {
        // Written by TensorRT on the host; copied out once the stream is done (below), no D2H.
        if (bytes > hostOutputs_[i]->size())
          fail("ERR_TRT", "host output '" + t.name + "' has shape " + shapeText(shape) + ", larger than at load");
        call.outputs.push_back(CallOutput{i, std::move(shape), bytes, OutputBlock(nullptr, PoolReturn{})});
        continue;
      }
      DeviceBuffer& source = t.aliasOf >= 0 ? *slots_[static_cast<std::size_t>(t.aliasOf)] : *slots_[i];
      if (bytes > source.size()) {
        fail("ERR_TRT", "output '" + t.name + "' needs " + std::to_string(bytes) + " bytes but its buffer holds " +
                            std::to_string(source.size()));
      }
      // Straight into a block that becomes the caller's ArrayBuffer; the staging set only when the pool is at its caps.
      OutputBlock block = call.pooledOutputs && bytes >= kPoolMinBytes && bytes <= kPoolMaxBytes
                              ? outputPool_->lease(bytes)
                              : OutputBlock(nullptr, PoolReturn{});
      void* host = block ? block->get() : staging.out[i].ensure(bytes);
      if (bytes > 0) {
        check(cudaMemcpyAsync(host, source.get(), bytes, cudaMemcpyDeviceToHost, stream),
              [&] { return "cudaMemcpyAsync(D2H '" + t.name + "')"; });
      }
      call.outputs.push_back(CallOutput{i, std::move(shape), bytes, std::move(block)});
    }
  }
  cudaCheck(cudaEventRecord(events_[3]->get(), stream), "cudaEventRecord");
  waitFor(events_[3]->get(), call.spinWait);
  for (CallOutput& out : call.outputs) {
    if (!hostOutputs_[out.tensor] || out.bytes == 0) continue;
    std::memcpy(staging.out[out.tensor].ensure(out.bytes), hostOutputs_[out.tensor]->get(), out.bytes);
  }

  call.inputsUploaded = !reuseInputs;
  call.timing.h2dMs = reuseInputs ? 0 : elapsedMs(events_[0]->get(), events_[1]->get(), "h2d");
  call.timing.computeMs = elapsedMs(computeStart, events_[2]->get(), "compute");
  call.timing.d2hMs = call.transfers ? elapsedMs(events_[2]->get(), events_[3]->get(), "d2h") : 0;
  call.timing.nativeMs = msSince(tStart, Clock::now());
  if (!reuseInputs) {
    for (const CallInput& in : call.inputs) residentShapes_[in.tensor] = in.shape;
    residentValid_ = true;
  }
  // An aliased output was written into its input's buffer: the device no longer holds the uploaded inputs.
  if (hasAliasedOutput_) residentValid_ = false;
  calls_++;
}

cudaEvent_t Session::compute(Call& call, const GraphKey& key, const std::string& dataDependentOutput) {
  cudaStream_t stream = stream_->get();
  auto plain = [&] {
    const auto t0 = Clock::now();
    executor_->enqueue(stream);
    call.timing.enqueueMs = msSince(t0, Clock::now());
  };
  auto launch = [&] {
    const auto t0 = Clock::now();
    cudaCheck(cudaGraphLaunch(graph_->get(), stream), "cudaGraphLaunch");
    call.timing.enqueueMs = msSince(t0, Clock::now());
  };
  auto fallback = [&](const std::string& reason) {
    call.graph = GraphState::kFallback;
    call.graphFallbackReason = reason;
  };

  if (!call.cudaGraph) {
    plain();
    call.graph = GraphState::kOff;
    return events_[1]->get();
  }
  if (!dataDependentOutput.empty()) {
    // Its allocator may be asked for (and cudaMalloc) new memory during enqueue, or TensorRT writes it on the host
    // during enqueue: nothing a graph can replay.
    plain();
    fallback(dataDependentOutput == hostOutputName_ ? "output '" + dataDependentOutput +
                                                          "' lives on the host (a shape tensor TensorRT writes during "
                                                          "enqueue), which a CUDA graph cannot replay"
                                                    : "output '" + dataDependentOutput +
                                                          "' has a data-dependent shape (sized by the output allocator "
                                                          "during enqueue), which a CUDA graph cannot capture");
    return events_[1]->get();
  }
  if (graphKey_ && graph_) {
    launch();
    call.graph = GraphState::kReplayed;
    return events_[1]->get();
  }
  if (graphKey_) {  // this very state already failed to capture: do not retry every call
    plain();
    fallback(graphFailure_);
    return events_[1]->get();
  }

  // trtexec's recipe: one enqueue outside capture (it does lazy initialization and is this call's warm-up), sync, then capture.
  executor_->enqueue(stream);
  cudaCheck(cudaStreamSynchronize(stream), "cudaStreamSynchronize(before graph capture)");
  std::string failure;
  cudaGraph_t raw = nullptr;
  const cudaError_t begin = cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal);
  if (begin != cudaSuccess) {
    failure = "cudaStreamBeginCapture failed: " + cudaErrorText(begin);
  } else {
    try {
      executor_->enqueue(stream);
    } catch (const std::exception& e) {
      failure = std::string("enqueue failed during stream capture: ") + e.what();
    }
    // Always end the capture, also after a failure: the stream must leave capture mode before anything else runs on it.
    const cudaError_t end = cudaStreamEndCapture(stream, &raw);
    if (failure.empty() && end != cudaSuccess) {
      failure = "cudaStreamEndCapture failed: " + cudaErrorText(end) +
                (end == cudaErrorStreamCaptureInvalidated ? " (enqueue did something a graph cannot capture)" : "");
    }
  }
  CudaGraph graph(raw);  // freed on every path, including a partial graph from a failed capture
  cudaGraphExec_t exec = nullptr;
  if (failure.empty()) {
    if (raw == nullptr) {
      failure = "cudaStreamEndCapture returned no graph";
    } else {
      const cudaError_t inst = cudaGraphInstantiateWithFlags(&exec, raw, 0);
      if (inst != cudaSuccess) failure = "cudaGraphInstantiateWithFlags failed: " + cudaErrorText(inst);
    }
  }
  if (!failure.empty()) (void)cudaGetLastError();  // a failed capture must not poison the calls that follow
  graphKey_ = key;
  cudaCheck(cudaEventRecord(events_[4]->get(), stream), "cudaEventRecord");
  if (!failure.empty()) {
    graphFailure_ = failure;
    plain();
    fallback(failure);
  } else {
    graph_ = std::make_unique<CudaGraphExec>(exec);
    launch();
    call.graph = GraphState::kCaptured;
  }
  return events_[4]->get();
}

void Session::dropGraph() noexcept {
  graph_.reset();
  graphKey_.reset();
  graphFailure_.clear();
}

void Session::release() noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  if (released_.exchange(true)) return;
  (void)cudaSetDevice(device_);
  if (stream_) (void)cudaStreamSynchronize(stream_->get());
  dropGraph();  // graphs first: they point at the context's memory and at our buffers
  executor_.reset();
  slots_.clear();
  hostOutputs_.clear();
  {
    std::lock_guard<std::mutex> poolLock(poolMutex_);
    pool_.clear();
    // Handed-out staging buffers and outputs stay alive through their ArrayBuffers; the engine just stops using them.
    for (auto& b : stagingBlocks_) b.reset();
  }
  outputPool_->close();
  for (auto& e : events_) e.reset();
  stream_.reset();
  (void)cudaGetLastError();
}

DebugCounters Session::debug() {
  DebugCounters d;
  d.deviceAllocs = stats_.deviceAllocs.load();
  d.deviceBytes = stats_.deviceBytes.load();
  d.pinnedAllocs = stats_.pinnedAllocs.load();
  d.pinnedBytes = stats_.pinnedBytes.load();
  d.stagingSets = stagingSets_.load();
  d.calls = calls_.load();
  d.stagingBuffers = stagingBuffers_.load();
  d.zeroCopyInputs = zeroCopyInputs_.load();
  d.copiedOutputs = copiedOutputs_.load();
  d.outputPool = outputPool_->stats();
  int previous = 0;
  if (cudaGetDevice(&previous) == cudaSuccess && cudaSetDevice(device_) == cudaSuccess) {
    std::size_t freeBytes = 0, totalBytes = 0;
    if (cudaMemGetInfo(&freeBytes, &totalBytes) == cudaSuccess) {
      d.deviceFreeBytes = static_cast<int64_t>(freeBytes);
      d.deviceTotalBytes = static_cast<int64_t>(totalBytes);
    }
    (void)cudaSetDevice(previous);
  }
  (void)cudaGetLastError();
  return d;
}

}  // namespace trtp
