#include "engine_queue.h"

#include <chrono>
#include <string>
#include <utility>

#include "js_result.h"
#include "js_util.h"
#include "native_error.h"

namespace trtp {
namespace {

class DisposeWorker final : public PromiseWorker {
 public:
  DisposeWorker(Napi::Env env, std::shared_ptr<EngineQueue> queue)
      : PromiseWorker(env, Napi::Promise::Deferred::New(env)), queue_(std::move(queue)), session_(queue_->session) {}

 protected:
  void run() override { session_->release(); }
  Napi::Value result(Napi::Env env) override { return env.Undefined(); }
  void settled(Napi::Env env) override {
    if (queue_->thread) queue_->thread->stop();  // idle now: the released session has no more calls for it
    queue_->disposed = true;
    for (auto& d : queue_->disposeWaiters) d.Resolve(env.Undefined());
    queue_->disposeWaiters.clear();
  }

 private:
  std::shared_ptr<EngineQueue> queue_;
  std::shared_ptr<Session> session_;
};

}  // namespace

/**
 * How long the call thread polls for the next call before sleeping. Back-to-back callers submit
 * the next call within tens of microseconds of the last completion, so polling saves them a
 * futex wake-up (the libuv pool's cost); a caller that pauses longer finds the thread asleep.
 */
constexpr auto kThreadSpin = std::chrono::microseconds(500);

std::shared_ptr<CallThread> CallThread::start(Napi::Env env, std::weak_ptr<EngineQueue> queue) {
  auto self = std::make_shared<CallThread>();
  auto locked = queue.lock();
  self->session_ = locked->session.get();
  // The finalizer's data: its own reference to the thread, and the queue to complete calls on.
  struct Context {
    std::shared_ptr<CallThread> thread;
    std::weak_ptr<EngineQueue> queue;
  };
  auto* context = new Context{self, std::move(queue)};
  napi_value name = Napi::String::New(env, "trt-parity call thread");
  napi_threadsafe_function tsfn = nullptr;
  const napi_status st = napi_create_threadsafe_function(
      env, nullptr, nullptr, name, 0, 1, context,
      [](napi_env finalizeEnv, void* data, void*) {
        auto* ctx = static_cast<Context*>(data);
        CallThread::finalize(finalizeEnv, ctx->thread.get(), nullptr);
        delete ctx;
      },
      context,
      [](napi_env callEnv, napi_value js, void* ctx, void* data) {
        // Ran with a null env at teardown for a completion still queued: nothing to settle then.
        if (callEnv == nullptr) return;
        auto q = static_cast<Context*>(ctx)->queue.lock();
        if (q) {
          (void)js;
          (void)data;
          q->threadCallDone(Napi::Env(callEnv));
        }
      },
      &tsfn);
  if (st != napi_ok) {
    delete context;
    fail("ERR_CUDA", "could not create the engine's call thread (napi_create_threadsafe_function failed)");
  }
  self->tsfn_ = tsfn;
  self->tsfnAlive_ = true;
  (void)napi_unref_threadsafe_function(env, tsfn);
  try {
    self->thread_ = std::thread([raw = self.get()] { raw->loop(); });
  } catch (const std::exception& e) {
    self->stop();
    fail("ERR_CUDA", std::string("could not start the engine's call thread: ") + e.what());
  }
  return self;
}

CallThread::~CallThread() { join(); }

void CallThread::post(Napi::Env env, Call* call) {
  errorCode_.clear();
  errorMessage_.clear();
  if (!referenced_ && tsfnAlive_) {
    (void)napi_ref_threadsafe_function(env, tsfn_);
    referenced_ = true;
  }
  next_.store(call, std::memory_order_release);
  std::lock_guard<std::mutex> lock(mutex_);
  if (sleeping_) wake_.notify_one();
}

void CallThread::idle(Napi::Env env) noexcept {
  if (referenced_ && tsfnAlive_) (void)napi_unref_threadsafe_function(env, tsfn_);
  referenced_ = false;
}

void CallThread::loop() noexcept {
  for (;;) {
    Call* call = nullptr;
    const auto until = std::chrono::steady_clock::now() + kThreadSpin;
    while ((call = next_.exchange(nullptr, std::memory_order_acq_rel)) == nullptr) {
      if (std::chrono::steady_clock::now() < until) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
        continue;
      }
      std::unique_lock<std::mutex> lock(mutex_);
      if (stopping_) return;
      sleeping_ = true;
      wake_.wait(lock, [this] { return stopping_ || next_.load(std::memory_order_acquire) != nullptr; });
      sleeping_ = false;
      if (stopping_) return;
    }
    try {
      session_->run(*call);
    } catch (const NativeError& e) {
      errorCode_ = e.code();
      errorMessage_ = e.what();
    } catch (const std::exception& e) {
      errorCode_ = "ERR_CUDA";
      errorMessage_ = std::string("internal error: ") + e.what();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;  // the thread-safe function is being finalized: nobody is left to tell
    if (napi_call_threadsafe_function(tsfn_, nullptr, napi_tsfn_nonblocking) != napi_ok) return;
  }
}

void CallThread::join() noexcept {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void CallThread::stop() noexcept {
  join();
  if (tsfnAlive_) {
    tsfnAlive_ = false;
    // Finalizes it (on this thread, later): the finalizer only joins, which is done.
    (void)napi_release_threadsafe_function(tsfn_, napi_tsfn_abort);
  }
}

void CallThread::finalize(napi_env, void* data, void*) {
  auto* self = static_cast<CallThread*>(data);
  self->tsfnAlive_ = false;
  self->join();
}

EngineQueue::~EngineQueue() {
  if (thread) thread->stop();
}

void EngineQueue::threadCallDone(Napi::Env env) {
  if (!threadCall) return;
  std::optional<Pending> done = std::move(threadCall);
  threadCall.reset();
  std::shared_ptr<EngineQueue> hold = std::move(threadHold);  // this queue lives at least to the end of this function
  thread->idle(env);
  try {
    Napi::HandleScope scope(env);
    if (thread->failed()) {
      done->deferred.Reject(makeError(env, thread->errorCode(), thread->errorMessage()).Value());
    } else {
      try {
        done->deferred.Resolve(callResult(env, *keys, *session, *done->call));
      } catch (const NativeError& e) {
        done->deferred.Reject(makeError(env, e.code(), e.what()).Value());
      } catch (const Napi::Error& e) {
        done->deferred.Reject(e.Value());
      }
    }
  } catch (...) {
    // Calls into JS fail while the environment is torn down; nothing can be reported then.
  }
  session->releaseStaging(std::move(done->call->staging));
  recycle(std::move(done->call));
  done.reset();
  try {
    Napi::HandleScope scope(env);
    callDone(env);
  } catch (...) {
  }
}

std::unique_ptr<Call> EngineQueue::takeCall() {
  if (spareCalls.empty()) return std::make_unique<Call>();
  std::unique_ptr<Call> call = std::move(spareCalls.back());
  spareCalls.pop_back();
  return call;
}

void EngineQueue::recycle(std::unique_ptr<Call> call) noexcept {
  // A few are enough: calls are recycled as they finish, and at most one runs at a time.
  if (!call || spareCalls.size() >= 4) return;
  for (CallInput& in : call->inputs) {
    in.staged.reset();  // a staging block stays alive only as long as a call needs it
    in.stagedData = nullptr;
  }
  call->staging.reset();
  call->outputs.clear();  // returns any block the result did not take to its pool
  call->logs.clear();
  call->graphFallbackReason.clear();
  try {
    spareCalls.push_back(std::move(call));
  } catch (...) {
  }
}

void EngineQueue::submit(Napi::Env env, std::unique_ptr<Call> call, Napi::Promise::Deferred deferred) {
  // The common case, an idle engine: straight to its thread, without a trip through the deque.
  if (!inFlight && pending.empty()) {
    start(env, Pending{std::move(call), std::move(deferred)});
    return;
  }
  pending.push_back(Pending{std::move(call), std::move(deferred)});
  pump(env);
}

void EngineQueue::pump(Napi::Env env) {
  if (inFlight || pending.empty()) return;
  Pending next = std::move(pending.front());
  pending.pop_front();
  start(env, std::move(next));
}

void EngineQueue::start(Napi::Env env, Pending next) {
  inFlight = true;
  try {
    if (!thread) thread = CallThread::start(env, weak_from_this());
  } catch (const NativeError& e) {
    session->releaseStaging(std::move(next.call->staging));
    next.deferred.Reject(makeError(env, e.code(), e.what()).Value());
    inFlight = false;
    pump(env);
    return;
  }
  threadCall.emplace(std::move(next));
  // Like an AsyncWorker's, this reference keeps the queue alive while its call runs, also after its JS wrapper is collected.
  threadHold = shared_from_this();
  startPolling(*threadCall->call);
  thread->post(env, threadCall->call.get());
}

void EngineQueue::startPolling(const Call& call) noexcept {
  if (call.spinWait && poller) {
    poller->begin();
    polling = true;
  }
}

void EngineQueue::callDone(Napi::Env env) {
  inFlight = false;
  if (polling) {
    poller->end();
    polling = false;
  }
  if (disposeRequested) {
    if (!disposeQueued) {
      disposeQueued = true;
      (new DisposeWorker(env, shared_from_this()))->Queue();
    }
    return;
  }
  pump(env);
}

void EngineQueue::dispose(Napi::Env env, Napi::Promise::Deferred deferred) {
  if (disposed) {
    deferred.Resolve(env.Undefined());
    return;
  }
  disposeWaiters.push_back(std::move(deferred));
  if (disposeRequested) return;
  disposeRequested = true;
  while (!pending.empty()) {
    Pending p = std::move(pending.front());
    pending.pop_front();
    session->releaseStaging(std::move(p.call->staging));
    p.deferred.Reject(makeError(env, "ERR_DISPOSED", "the engine was disposed before this call started").Value());
  }
  if (!inFlight) {
    disposeQueued = true;
    (new DisposeWorker(env, shared_from_this()))->Queue();
  }
}

}  // namespace trtp
