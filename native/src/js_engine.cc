#include "js_engine.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <utility>

#include "js_convert.h"
#include "js_util.h"
#include "native_error.h"

namespace trtp {
namespace {

/** What an external ArrayBuffer's finalizer frees: a pooled output's lease, or a reference to a staging block. */
template <typename Owner>
struct External {
  Owner owner;
  int64_t accounted;  // reported to V8 with napi_adjust_external_memory, so GC sees the pinned bytes
};

template <typename Owner>
void finalizeExternal(napi_env env, void*, void* hint) {
  auto* e = static_cast<External<Owner>*>(hint);
  int64_t ignored = 0;
  // Raw N-API, no exceptions: this may run during environment teardown.
  (void)napi_adjust_external_memory(env, -e->accounted, &ignored);
  delete e;  // returns the block to its pool, or drops this reference to the staging block
}

/**
 * An ArrayBuffer over `length` bytes at `data`, which `owner` keeps alive until V8 collects it.
 * Returns an empty value (owner untouched) when the environment refuses external buffers.
 */
template <typename Owner>
Napi::Value externalBuffer(Napi::Env env, void* data, std::size_t length, Owner& owner, std::size_t accounted) {
  auto* e = new External<Owner>{std::move(owner), static_cast<int64_t>(accounted)};
  napi_value result = nullptr;
  if (napi_create_external_arraybuffer(env, data, length, finalizeExternal<Owner>, e, &result) != napi_ok) {
    owner = std::move(e->owner);
    delete e;
    return Napi::Value();
  }
  int64_t ignored = 0;
  (void)napi_adjust_external_memory(env, e->accounted, &ignored);
  return Napi::Value(env, result);
}

/** The settled value of a successful call (main thread): outputs, timing, logs, graph state. */
Napi::Value callResult(Napi::Env env, Session& session, Call& call) {
  const EngineDesc& desc = session.desc();
  Napi::Array outputs = Napi::Array::New(env, call.outputs.size());
  for (std::size_t i = 0; i < call.outputs.size(); ++i) {
    CallOutput& out = call.outputs[i];
    const TensorDesc& t = desc.tensors[out.tensor];
    // The pooled block becomes the caller's memory as it is: no zero-fill, no copy on the main thread.
    Napi::Value data;
    if (out.block) {
      const std::size_t blockBytes = out.block->size();
      data = externalBuffer(env, out.block->get(), out.bytes, out.block, blockBytes);
    }
    if (data.IsEmpty()) {
      // Fresh memory the caller owns: the pinned staging (or the block) goes back to its pool right after this.
      Napi::ArrayBuffer copy = Napi::ArrayBuffer::New(env, out.bytes);
      const void* from = out.block ? out.block->get() : call.staging->out[out.tensor].get();
      if (out.bytes > 0) std::memcpy(copy.Data(), from, out.bytes);
      data = copy;
      session.countCopiedOutput();
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", t.name);
    o.Set("dtype", t.dtype);
    o.Set("shape", shapeToJs(env, out.shape));
    o.Set("data", data);
    outputs.Set(static_cast<uint32_t>(i), o);
  }
  Napi::Object r = Napi::Object::New(env);
  r.Set("outputs", outputs);
  r.Set("timing", timingToJs(env, call.timing));
  r.Set("logs", stringsToJs(env, call.logs));
  r.Set("graph", graphStateName(call.graph));
  r.Set("graphFallbackReason", call.graph == GraphState::kFallback ? Napi::String::New(env, call.graphFallbackReason).As<Napi::Value>()
                                                                   : env.Null());
  r.Set("inputsUploaded", call.inputsUploaded);
  return r;
}

class InferWorker final : public PromiseWorker {
 public:
  InferWorker(Napi::Env env, std::shared_ptr<EngineQueue> queue, std::unique_ptr<Call> call, Napi::Promise::Deferred deferred)
      : PromiseWorker(env, std::move(deferred)), queue_(std::move(queue)), session_(queue_->session), call_(std::move(call)) {}

 protected:
  void run() override { session_->run(*call_); }

  Napi::Value result(Napi::Env env) override { return callResult(env, *session_, *call_); }

  void settled(Napi::Env env) override {
    session_->releaseStaging(std::move(call_->staging));
    queue_->callDone(env);
  }

 private:
  std::shared_ptr<EngineQueue> queue_;
  std::shared_ptr<Session> session_;
  std::unique_ptr<Call> call_;
};

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

/** Validates a request against the engine and copies its inputs into pinned staging (main thread). */
std::unique_ptr<Call> stageRequest(Session& session, const Napi::Value& value) {
  const EngineDesc& desc = session.desc();
  if (!value.IsObject()) fail("ERR_INVALID_ARGUMENT", "infer() needs a request object { profile?, inputs }");
  Napi::Object req = value.As<Napi::Object>();
  auto call = std::make_unique<Call>();
  Napi::Value profile = req.Get("profile");
  if (!profile.IsUndefined()) {
    const double p = profile.IsNumber() ? profile.As<Napi::Number>().DoubleValue() : -1;
    if (!(p >= 0) || p != static_cast<double>(static_cast<int>(p)) || p >= desc.numProfiles) {
      fail("ERR_INVALID_ARGUMENT", "request.profile must be an integer in 0.." + std::to_string(desc.numProfiles - 1));
    }
    call->profile = static_cast<int>(p);
  }
  auto flag = [&req](const char* name, bool fallback) {
    Napi::Value v = req.Get(name);
    if (v.IsUndefined()) return fallback;
    if (!v.IsBoolean()) fail("ERR_INVALID_ARGUMENT", std::string("request.") + name + " must be a boolean");
    return v.As<Napi::Boolean>().Value();
  };
  call->transfers = flag("transfers", true);
  call->cudaGraph = flag("cudaGraph", false);
  call->spinWait = flag("spinWait", true);
  call->pooledOutputs = flag("pooledOutputs", true);
  call->dedicatedThread = flag("dedicatedThread", true);
  for (const TensorDesc& t : desc.tensors) {
    if (runnableElementSize(t.dtype) == 0) {
      fail("ERR_ENGINE_UNSUPPORTED", std::string(t.isInput ? "input" : "output") + " '" + t.name + "' has dtype " + t.dtype +
                                         ", which trt-parity describes but cannot run");
    }
  }
  Napi::Value inputs = req.Get("inputs");
  if (!inputs.IsArray()) fail("ERR_INVALID_ARGUMENT", "request.inputs must be an array of { name, shape, data }");
  Napi::Array arr = inputs.As<Napi::Array>();

  struct Source {
    const uint8_t* bytes;
    std::size_t length;
  };
  std::vector<Source> sources;
  std::vector<bool> seen(desc.tensors.size(), false);
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    Napi::Value item = arr.Get(i);
    if (!item.IsObject()) fail("ERR_INVALID_ARGUMENT", "request.inputs[" + std::to_string(i) + "] must be an object");
    Napi::Object in = item.As<Napi::Object>();
    Napi::Value nameValue = in.Get("name");
    if (!nameValue.IsString()) fail("ERR_INVALID_ARGUMENT", "request.inputs[" + std::to_string(i) + "].name must be a string");
    const std::string name = nameValue.As<Napi::String>().Utf8Value();
    std::size_t index = desc.tensors.size();
    for (std::size_t k = 0; k < desc.tensors.size(); ++k) {
      if (desc.tensors[k].isInput && desc.tensors[k].name == name) index = k;
    }
    if (index == desc.tensors.size()) fail("ERR_INVALID_ARGUMENT", "the engine has no input named '" + name + "'");
    if (seen[index]) fail("ERR_INVALID_ARGUMENT", "input '" + name + "' is given twice");
    seen[index] = true;
    const TensorDesc& t = desc.tensors[index];
    Shape shape = shapeFromJs(in.Get("shape"), "input '" + name + "' shape");
    if (shape.size() != t.shape.size()) {
      fail("ERR_INVALID_ARGUMENT", "input '" + name + "' has rank " + std::to_string(t.shape.size()) + " (" + shapeText(t.shape) +
                                       ") but the request gives shape " + shapeText(shape));
    }
    for (std::size_t d = 0; d < shape.size(); ++d) {
      if (t.shape[d] >= 0 && t.shape[d] != shape[d]) {
        fail("ERR_INVALID_ARGUMENT", "input '" + name + "' shape " + shapeText(shape) + " does not match the engine's " + shapeText(t.shape));
      }
    }
    auto volume = volumeOf(shape);
    if (!volume) fail("ERR_INVALID_ARGUMENT", "input '" + name + "' shape " + shapeText(shape) + " is too large");
    const uint64_t expected = *volume * runnableElementSize(t.dtype);
    Napi::Value data = in.Get("data");
    Source src{nullptr, 0};
    if (data.IsTypedArray()) {
      Napi::TypedArray ta = data.As<Napi::TypedArray>();
      src = {static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset(), ta.ByteLength()};
    } else if (data.IsDataView()) {
      Napi::DataView dv = data.As<Napi::DataView>();
      src = {static_cast<const uint8_t*>(dv.ArrayBuffer().Data()) + dv.ByteOffset(), dv.ByteLength()};
    } else {
      fail("ERR_INVALID_ARGUMENT", "input '" + name + "' data must be a TypedArray or DataView");
    }
    if (src.length != expected) {
      fail("ERR_INVALID_ARGUMENT", "input '" + name + "' data has " + std::to_string(src.length) + " bytes but shape " +
                                       shapeText(shape) + " of " + t.dtype + " needs " + std::to_string(expected));
    }
    CallInput input{index, std::move(shape), static_cast<std::size_t>(expected), nullptr, nullptr};
    // Data inside this input's current staging buffer is read in place by the worker: no copy here.
    if (src.length > 0) {
      if (auto block = session.stagingBlock(index); block && block->holds(src.bytes, src.length)) {
        input.staged = std::move(block);
        input.stagedData = src.bytes;
      }
    }
    call->inputs.push_back(std::move(input));
    sources.push_back(src);
  }
  for (std::size_t k = 0; k < desc.tensors.size(); ++k) {
    if (desc.tensors[k].isInput && !seen[k]) fail("ERR_INVALID_ARGUMENT", "input '" + desc.tensors[k].name + "' is missing");
  }
  // Copied now, on the main thread, so the caller's buffers need not outlive this call.
  call->staging = session.acquireStaging();
  try {
    for (std::size_t i = 0; i < call->inputs.size(); ++i) {
      if (call->inputs[i].staged) continue;
      void* dst = call->staging->in[call->inputs[i].tensor].ensure(call->inputs[i].bytes);
      if (sources[i].length > 0) std::memcpy(dst, sources[i].bytes, sources[i].length);
    }
  } catch (...) {
    session.releaseStaging(std::move(call->staging));
    throw;
  }
  return call;
}

}  // namespace

void SessionRegistry::add(const std::shared_ptr<Session>& s) {
  std::lock_guard<std::mutex> lock(mutex_);
  sessions_.erase(std::remove_if(sessions_.begin(), sessions_.end(), [](const auto& w) { return w.expired(); }), sessions_.end());
  sessions_.push_back(s);
}

void SessionRegistry::releaseAll() noexcept {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& w : sessions_) {
      if (auto s = w.lock()) live.push_back(std::move(s));
    }
    sessions_.clear();
  }
  for (auto& s : live) s->release();
}

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
  std::unique_ptr<Pending> done = std::move(threadCall);
  std::shared_ptr<EngineQueue> hold = std::move(threadHold);  // this queue lives at least to the end of this function
  if (!done) return;
  thread->idle(env);
  try {
    Napi::HandleScope scope(env);
    if (thread->failed()) {
      done->deferred.Reject(makeError(env, thread->errorCode(), thread->errorMessage()).Value());
    } else {
      try {
        done->deferred.Resolve(callResult(env, *session, *done->call));
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
  done.reset();
  try {
    Napi::HandleScope scope(env);
    callDone(env);
  } catch (...) {
  }
}

void EngineQueue::submit(Napi::Env env, std::unique_ptr<Call> call, Napi::Promise::Deferred deferred) {
  pending.push_back(Pending{std::move(call), std::move(deferred)});
  pump(env);
}

void EngineQueue::pump(Napi::Env env) {
  if (inFlight || pending.empty()) return;
  Pending next = std::move(pending.front());
  pending.pop_front();
  inFlight = true;
  if (next.call->dedicatedThread) {
    try {
      if (!thread) thread = CallThread::start(env, weak_from_this());
    } catch (const NativeError& e) {
      session->releaseStaging(std::move(next.call->staging));
      next.deferred.Reject(makeError(env, e.code(), e.what()).Value());
      inFlight = false;
      pump(env);
      return;
    }
    threadCall = std::make_unique<Pending>(std::move(next));
    // Like an AsyncWorker's, this reference keeps the queue alive while its call runs, also after its JS wrapper is collected.
    threadHold = shared_from_this();
    thread->post(env, threadCall->call.get());
    return;
  }
  // The worker holds its own reference: the queue outlives a garbage-collected JS wrapper.
  auto* worker = new InferWorker(env, shared_from_this(), std::move(next.call), std::move(next.deferred));
  worker->Queue();
}

void EngineQueue::callDone(Napi::Env env) {
  inFlight = false;
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

Napi::Function EngineWrap::define(Napi::Env env) {
  return DefineClass(env, "NativeEngine",
                     {InstanceMethod<&EngineWrap::info>("info"), InstanceMethod<&EngineWrap::infer>("infer"),
                      InstanceMethod<&EngineWrap::dispose>("dispose"), InstanceAccessor<&EngineWrap::disposed>("disposed"),
                      InstanceMethod<&EngineWrap::stagingBuffer>("stagingBuffer"),
                      InstanceMethod<&EngineWrap::debug>("_debug")});
}

Napi::Object EngineWrap::create(Napi::Env env, Napi::FunctionReference& ctor, std::shared_ptr<Session> session) {
  auto queue = std::make_shared<EngineQueue>();
  queue->session = std::move(session);
  return ctor.New({Napi::External<std::shared_ptr<EngineQueue>>::New(env, &queue)});
}

EngineWrap::EngineWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EngineWrap>(info) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "NativeEngine cannot be constructed directly; use loadEngine()");
  }
  queue_ = *info[0].As<Napi::External<std::shared_ptr<EngineQueue>>>().Data();
}

Napi::Value EngineWrap::info(const Napi::CallbackInfo& info) { return engineInfoToJs(info.Env(), queue_->session->desc()); }

Napi::Value EngineWrap::infer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (queue_->disposeRequested) return rejected(env, "ERR_DISPOSED", "infer() called on a disposed engine");
  try {
    std::unique_ptr<Call> call = stageRequest(*queue_->session, info[0]);
    auto deferred = Napi::Promise::Deferred::New(env);
    Napi::Promise promise = deferred.Promise();
    queue_->submit(env, std::move(call), std::move(deferred));
    return promise;
  } catch (const NativeError& e) {
    return rejected(env, e.code(), e.what());
  }
}

Napi::Value EngineWrap::stagingBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    if (queue_->disposeRequested) fail("ERR_DISPOSED", "stagingBuffer() called on a disposed engine");
    Session& session = *queue_->session;
    const EngineDesc& desc = session.desc();
    if (!info[0].IsString()) fail("ERR_INVALID_ARGUMENT", "stagingBuffer(name, byteLength): name must be a string");
    const std::string name = info[0].As<Napi::String>().Utf8Value();
    std::size_t index = desc.tensors.size();
    for (std::size_t k = 0; k < desc.tensors.size(); ++k) {
      if (desc.tensors[k].isInput && desc.tensors[k].name == name) index = k;
    }
    if (index == desc.tensors.size()) fail("ERR_INVALID_ARGUMENT", "stagingBuffer(): the engine has no input named '" + name + "'");
    const double length = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : -1;
    // 2^40 bytes: far beyond any pinned allocation, small enough to stay exact as a double and a size_t.
    if (!(length >= 0) || length != static_cast<double>(static_cast<uint64_t>(length)) || length > 1099511627776.0) {
      fail("ERR_INVALID_ARGUMENT", "stagingBuffer('" + name + "', byteLength): byteLength must be a non-negative integer");
    }
    const auto bytes = static_cast<std::size_t>(length);
    std::shared_ptr<PinnedBlock> block = session.newStagingBlock(index, bytes);
    const std::size_t blockBytes = block->size();
    void* data = block->get();
    Napi::Value result = externalBuffer(env, data, bytes, block, blockBytes);
    if (result.IsEmpty()) fail("ERR_CUDA", "this JavaScript environment does not allow external ArrayBuffers");
    return result;
  } catch (const NativeError& e) {
    throw makeError(env, e.code(), e.what());
  }
}

Napi::Value EngineWrap::dispose(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto deferred = Napi::Promise::Deferred::New(env);
  Napi::Promise promise = deferred.Promise();
  queue_->dispose(env, std::move(deferred));
  return promise;
}

Napi::Value EngineWrap::disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), queue_->disposeRequested); }

Napi::Value EngineWrap::debug(const Napi::CallbackInfo& info) { return debugToJs(info.Env(), queue_->session->debug()); }

}  // namespace trtp
