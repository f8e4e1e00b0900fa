// One engine's call queue (main thread) and its dedicated call thread: the only dispatch path of
// infer(). Calls are staged on the main thread, run one at a time on the engine's own thread, and
// settled on the main thread through a thread-safe function.
#pragma once

#include <napi.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "js_keys.h"
#include "loop_poll.h"
#include "session.h"

namespace trtp {

/**
 * The per-call overhead switches, measured in benchmarks/overhead/. Compile-time defaults; the only
 * way to change them is the test-only `_tune()` of the engine object, so that the overhead benchmark
 * and the GPU tests can compare the paths. They are not product options.
 */
struct Tuning {
  /** Poll the call's last CUDA event for up to 2 ms before sleeping (and keep the JS loop polling meanwhile). */
  static constexpr bool kSpinWait = true;
  /** D2H of outputs of 64 KiB..16 MiB straight into pooled pinned blocks handed to JS as they are. */
  static constexpr bool kPooledOutputs = true;
  bool spinWait = kSpinWait;
  bool pooledOutputs = kPooledOutputs;
};

struct EngineQueue;

/**
 * One engine's own call thread: it polls for the
 * next call for a short while before sleeping, runs it, and hands completion back to the main
 * thread through a napi_threadsafe_function. This replaces the libuv thread pool's two hand-offs
 * (queue a work item to a sleeping pool thread, then uv_after_work) with one uv_async wake-up.
 *
 * Lifetime: shared by the EngineQueue and by the thread-safe function's finalizer, both on the main
 * thread; the thread itself holds only `this`, and every holder joins it (stop()) before letting go.
 * The finalizer also runs at environment teardown (before the session registry's cleanup hook, as
 * hooks run in reverse order), so the thread never touches a finalized thread-safe function.
 */
class CallThread : public std::enable_shared_from_this<CallThread> {
 public:
  /** Creates the thread-safe function (unreferenced: an idle engine keeps no loop alive) and starts the thread. Throws Napi::Error. */
  static std::shared_ptr<CallThread> start(Napi::Env env, std::weak_ptr<EngineQueue> queue);
  CallThread() = default;
  ~CallThread();
  CallThread(const CallThread&) = delete;
  CallThread& operator=(const CallThread&) = delete;

  /** Main thread: hands `call` to the thread (which must be idle) and keeps the loop alive until it completes. */
  void post(Napi::Env env, Call* call);
  /** Main thread: whether the last posted call failed, with its error (read once completion arrived). */
  bool failed() const noexcept { return !errorCode_.empty(); }
  const std::string& errorCode() const noexcept { return errorCode_; }
  const std::string& errorMessage() const noexcept { return errorMessage_; }
  /** Main thread: lets the loop exit again once the completion has been handled. */
  void idle(Napi::Env env) noexcept;
  /** Main thread, idempotent: stops and joins the thread, then releases the thread-safe function. */
  void stop() noexcept;

 private:
  static void deliver(napi_env env, napi_value, void* context, void* data);
  static void finalize(napi_env env, void* data, void* hint);
  void loop() noexcept;
  void join() noexcept;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool sleeping_ = false;  // under mutex_: the thread waits on wake_
  bool stopping_ = false;  // under mutex_: no more calls, no more thread-safe function use
  std::atomic<Call*> next_{nullptr};
  Session* session_ = nullptr;            // kept alive by the EngineQueue, which outlives every posted call
  std::string errorCode_, errorMessage_;  // written by the thread before it delivers, read after
  napi_threadsafe_function tsfn_ = nullptr;
  bool tsfnAlive_ = false;   // main thread: false once released or finalized
  bool referenced_ = false;  // main thread
  std::thread thread_;
};

/**
 * Main-thread-only state of one engine. At most one worker is queued at a time; later calls wait
 * here with their inputs already staged, so no libuv pool thread ever blocks on another call.
 */
struct EngineQueue : std::enable_shared_from_this<EngineQueue> {
  struct Pending {
    std::unique_ptr<Call> call;
    Napi::Promise::Deferred deferred;
  };
  std::shared_ptr<Session> session;
  /** The environment's cached keys (shared with the addon's instance data). */
  std::shared_ptr<JsKeys> keys;
  /** The environment's loop poller (may be null), and whether the call in flight asked it to poll. */
  std::shared_ptr<LoopPoller> poller;
  bool polling = false;
  /** By tensor index: runnableElementSize of its dtype, computed once at load instead of per call. */
  std::vector<std::size_t> elementSizes;
  /** The overhead switches every call of this engine uses (test-only `_tune`). */
  Tuning tuning;
  /** Per-call scratch of stageRequest, reused so that a call allocates nothing for it. */
  struct Source {
    const uint8_t* bytes;
    std::size_t length;
  };
  std::vector<Source> sources;
  std::vector<uint8_t> seen;
  /** Finished calls kept for reuse (their vectors keep their capacity): fewer allocations per call. */
  std::vector<std::unique_ptr<Call>> spareCalls;
  std::deque<Pending> pending;
  bool inFlight = false;
  bool disposeRequested = false;
  bool disposeQueued = false;
  bool disposed = false;
  std::vector<Napi::Promise::Deferred> disposeWaiters;
  /** Started with the first call that asks for it; stopped at dispose or when the queue goes. */
  std::shared_ptr<CallThread> thread;
  /** The call on `thread`, and a reference that keeps this queue alive until it completes. */
  std::optional<Pending> threadCall;
  std::shared_ptr<EngineQueue> threadHold;

  ~EngineQueue();
  /** A Call to fill: a finished one when there is one, else a new one. */
  std::unique_ptr<Call> takeCall();
  /** Keeps a finished call (staging already released, outputs already handed over) for takeCall. */
  void recycle(std::unique_ptr<Call> call) noexcept;
  void submit(Napi::Env env, std::unique_ptr<Call> call, Napi::Promise::Deferred deferred);
  void pump(Napi::Env env);
  /** Hands `next` to the call thread; inFlight must be false. */
  void start(Napi::Env env, Pending next);
  /** With `spinWait`, keeps the loop polling until callDone (LoopPoller). */
  void startPolling(const Call& call) noexcept;
  void callDone(Napi::Env env);
  void dispose(Napi::Env env, Napi::Promise::Deferred deferred);
  /** Main thread: the call on `thread` finished (or failed); settles its promise and pumps. */
  void threadCallDone(Napi::Env env);
};

}  // namespace trtp
