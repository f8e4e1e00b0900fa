#include "session.h"

#include <chrono>
#include <string>
#include <utility>

#include "cuda_check.h"
#include "native_error.h"

namespace trtp {
namespace {

using Clock = std::chrono::steady_clock;

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
  for (auto& e : events_) e = std::make_unique<CudaEvent>();
  slots_.reserve(desc_.tensors.size());
  for (std::size_t i = 0; i < desc_.tensors.size(); ++i) slots_.push_back(std::make_unique<DeviceBuffer>(&stats_));
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

void Session::run(Call& call) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto tStart = Clock::now();
  if (released_.load()) fail("ERR_DISPOSED", "the engine was disposed before this call started");
  cudaCheck(cudaSetDevice(device_), "cudaSetDevice(" + std::to_string(device_) + ")");
  CallScope scope(*executor_, &call.logs);
  cudaStream_t stream = stream_->get();
  StagingSet& staging = *call.staging;

  executor_->selectProfile(call.profile, stream);
  for (const CallInput& in : call.inputs) {
    const TensorDesc& t = desc_.tensors[in.tensor];
    if (!t.isShapeTensor) executor_->setInputShape(in.tensor, in.shape);
    // Host inputs (shape tensors) read straight from the pinned staging, which lives until the call ends.
    if (t.onHost) executor_->setInputAddress(in.tensor, staging.in[in.tensor].get());
  }
  executor_->checkShapes();
  for (const CallInput& in : call.inputs) {
    if (desc_.tensors[in.tensor].onHost) continue;
    executor_->setInputAddress(in.tensor, slots_[in.tensor]->ensure(in.bytes));
  }
  for (std::size_t i = 0; i < desc_.tensors.size(); ++i) {
    const TensorDesc& t = desc_.tensors[i];
    if (t.isInput) continue;
    Shape shape = executor_->outputShape(i);
    auto volume = volumeOf(shape);
    const bool known = volume.has_value();
    if (known) slots_[i]->ensure(*volume * runnableElementSize(t.dtype));
    executor_->setOutputBuffer(i, *slots_[i], known);
  }

  cudaCheck(cudaEventRecord(events_[0]->get(), stream), "cudaEventRecord");
  for (const CallInput& in : call.inputs) {
    if (desc_.tensors[in.tensor].onHost || in.bytes == 0) continue;
    cudaCheck(cudaMemcpyAsync(slots_[in.tensor]->get(), staging.in[in.tensor].get(), in.bytes, cudaMemcpyHostToDevice, stream),
              "cudaMemcpyAsync(H2D '" + desc_.tensors[in.tensor].name + "')");
  }
  cudaCheck(cudaEventRecord(events_[1]->get(), stream), "cudaEventRecord");
  const auto tEnqueue = Clock::now();
  executor_->enqueue(stream);
  const auto tEnqueued = Clock::now();
  cudaCheck(cudaEventRecord(events_[2]->get(), stream), "cudaEventRecord");

  call.outputs.clear();
  for (std::size_t i = 0; i < desc_.tensors.size(); ++i) {
    const TensorDesc& t = desc_.tensors[i];
    if (t.isInput) continue;
    Shape shape = executor_->finalOutputShape(i);
    auto volume = volumeOf(shape);
    if (!volume) fail("ERR_TRT", "output '" + t.name + "' has no concrete shape after enqueue: " + shapeText(shape));
    std::size_t bytes = static_cast<std::size_t>(*volume * runnableElementSize(t.dtype));
    if (bytes > slots_[i]->size()) {
      fail("ERR_TRT", "output '" + t.name + "' needs " + std::to_string(bytes) + " bytes but its buffer holds " +
                          std::to_string(slots_[i]->size()));
    }
    void* host = staging.out[i].ensure(bytes);
    if (bytes > 0) {
      cudaCheck(cudaMemcpyAsync(host, slots_[i]->get(), bytes, cudaMemcpyDeviceToHost, stream),
                "cudaMemcpyAsync(D2H '" + t.name + "')");
    }
    call.outputs.push_back(CallOutput{i, std::move(shape), bytes});
  }
  cudaCheck(cudaEventRecord(events_[3]->get(), stream), "cudaEventRecord");
  cudaCheck(cudaEventSynchronize(events_[3]->get()), "cudaEventSynchronize");

  call.timing.h2dMs = elapsedMs(events_[0]->get(), events_[1]->get(), "h2d");
  call.timing.computeMs = elapsedMs(events_[1]->get(), events_[2]->get(), "compute");
  call.timing.d2hMs = elapsedMs(events_[2]->get(), events_[3]->get(), "d2h");
  call.timing.enqueueMs = msSince(tEnqueue, tEnqueued);
  call.timing.nativeMs = msSince(tStart, Clock::now());
  calls_++;
}

void Session::release() noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  if (released_.exchange(true)) return;
  (void)cudaSetDevice(device_);
  if (stream_) (void)cudaStreamSynchronize(stream_->get());
  executor_.reset();
  slots_.clear();
  {
    std::lock_guard<std::mutex> poolLock(poolMutex_);
    pool_.clear();
  }
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
