#include "js_engine.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cmath>
#include <string>
#include <string_view>
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

/** Throws the pending JS exception (or a generic error) when an N-API call failed. */
inline void check(napi_env env, napi_status status) {
  if (status != napi_ok) throw Napi::Error::New(env);
}

inline void setKey(napi_env env, napi_value object, KeySet& keys, Key key, napi_value value) {
  check(env, napi_set_property(env, object, keys[key], value));
}

inline napi_value number(napi_env env, double x) {
  napi_value v = nullptr;
  check(env, napi_create_double(env, x, &v));
  return v;
}

/** A shape as a plain JS array of numbers. */
napi_value shapeArray(napi_env env, const Shape& shape) {
  napi_value a = nullptr;
  check(env, napi_create_array_with_length(env, shape.size(), &a));
  for (std::size_t d = 0; d < shape.size(); ++d) check(env, napi_set_element(env, a, static_cast<uint32_t>(d), number(env, static_cast<double>(shape[d]))));
  return a;
}

Key graphKey(GraphState g) noexcept {
  switch (g) {
    case GraphState::kCaptured: return Key::captured;
    case GraphState::kReplayed: return Key::replayed;
    case GraphState::kFallback: return Key::fallback;
    case GraphState::kOff: break;
  }
  return Key::off;
}

/**
 * The settled value of a successful call (main thread): outputs, timing, logs, graph state. Built
 * with raw N-API and the environment's cached keys: this runs once per call, between the worker's
 * completion and the caller's continuation.
 */
Napi::Value callResult(Napi::Env env, JsKeys& cache, Session& session, Call& call) {
  const EngineDesc& desc = session.desc();
  KeySet keys(env, cache);
  napi_value outputs = nullptr;
  check(env, napi_create_array_with_length(env, call.outputs.size(), &outputs));
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
    napi_value o = nullptr;
    check(env, napi_create_object(env, &o));
    setKey(env, o, keys, Key::name, cache.interned(env, t.name));
    setKey(env, o, keys, Key::dtype, cache.interned(env, t.dtype));
    setKey(env, o, keys, Key::shape, shapeArray(env, out.shape));
    setKey(env, o, keys, Key::data, data);
    check(env, napi_set_element(env, outputs, static_cast<uint32_t>(i), o));
  }
  napi_value timing = nullptr;
  check(env, napi_create_object(env, &timing));
  const Timing& tm = call.timing;
  setKey(env, timing, keys, Key::h2dMs, number(env, tm.h2dMs));
  setKey(env, timing, keys, Key::computeMs, number(env, tm.computeMs));
  setKey(env, timing, keys, Key::d2hMs, number(env, tm.d2hMs));
  setKey(env, timing, keys, Key::enqueueMs, number(env, tm.enqueueMs));
  setKey(env, timing, keys, Key::nativeMs, number(env, tm.nativeMs));
  setKey(env, timing, keys, Key::h2dSubmitMs, number(env, tm.h2dSubmitMs));
  napi_value logs = nullptr;
  check(env, napi_create_array_with_length(env, call.logs.size(), &logs));
  for (std::size_t i = 0; i < call.logs.size(); ++i) {
    napi_value line = nullptr;
    check(env, napi_create_string_utf8(env, call.logs[i].data(), call.logs[i].size(), &line));
    check(env, napi_set_element(env, logs, static_cast<uint32_t>(i), line));
  }
  napi_value reason = nullptr;
  if (call.graph == GraphState::kFallback) {
    check(env, napi_create_string_utf8(env, call.graphFallbackReason.data(), call.graphFallbackReason.size(), &reason));
  } else {
    check(env, napi_get_null(env, &reason));
  }
  napi_value uploaded = nullptr;
  check(env, napi_get_boolean(env, call.inputsUploaded, &uploaded));
  napi_value r = nullptr;
  check(env, napi_create_object(env, &r));
  setKey(env, r, keys, Key::outputs, outputs);
  setKey(env, r, keys, Key::timing, timing);
  setKey(env, r, keys, Key::logs, logs);
  setKey(env, r, keys, Key::graph, keys[graphKey(call.graph)]);
  setKey(env, r, keys, Key::graphFallbackReason, reason);
  setKey(env, r, keys, Key::inputsUploaded, uploaded);
  return Napi::Value(env, r);
}

class InferWorker final : public PromiseWorker {
 public:
  InferWorker(Napi::Env env, std::shared_ptr<EngineQueue> queue, std::unique_ptr<Call> call, Napi::Promise::Deferred deferred)
      : PromiseWorker(env, std::move(deferred)), queue_(std::move(queue)), session_(queue_->session), call_(std::move(call)) {}

 protected:
  void run() override { session_->run(*call_); }

  Napi::Value result(Napi::Env env) override { return callResult(env, *queue_->keys, *session_, *call_); }

  void settled(Napi::Env env) override {
    session_->releaseStaging(std::move(call_->staging));
    queue_->recycle(std::move(call_));
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

/** Property `key` of `object`; a throwing getter's exception propagates as it did through Napi::Object::Get. */
inline napi_value property(napi_env env, napi_value object, napi_value key) {
  napi_value v = nullptr;
  check(env, napi_get_property(env, object, key, &v));
  return v;
}

inline napi_valuetype typeOf(napi_env env, napi_value v) {
  napi_valuetype t = napi_undefined;
  check(env, napi_typeof(env, v, &t));
  return t;
}

/** Bytes per element of a typed array type; 0 for a type this table does not know (then asked through node-addon-api). */
std::size_t typedArrayElementSize(napi_typedarray_type type) noexcept {
  switch (type) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array: return 1;
    case napi_int16_array:
    case napi_uint16_array: return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array: return 4;
    case napi_float64_array:
    case napi_bigint64_array:
    case napi_biguint64_array: return 8;
    default: return 0;  // newer types (napi_float16_array) exist only in newer headers
  }
}

/** A JS string's UTF-8 bytes, in a fixed buffer when they fit (tensor names do), else on the heap. */
class Utf8Arg {
 public:
  Utf8Arg(napi_env env, napi_value v) {
    std::size_t n = 0;
    check(env, napi_get_value_string_utf8(env, v, small_, sizeof small_, &n));
    // A string that did not fit filled all but at most one UTF-8 sequence (<= 4 bytes) of the buffer.
    if (n + 4 < sizeof small_) {
      view_ = std::string_view(small_, n);
      return;
    }
    check(env, napi_get_value_string_utf8(env, v, nullptr, 0, &n));
    large_.resize(n + 1);
    check(env, napi_get_value_string_utf8(env, v, large_.data(), large_.size(), &n));
    view_ = std::string_view(large_.data(), n);
  }
  std::string_view view() const noexcept { return view_; }
  std::string str() const { return std::string(view_); }

 private:
  char small_[256];
  std::string large_;
  std::string_view view_;
};

/**
 * Validates a request against the engine and copies its inputs into pinned staging (main thread).
 * Raw N-API with cached keys, one typed-array query per input, reused Call and scratch: this runs
 * once per call before the call can start. Error texts are built only on failure.
 */
std::unique_ptr<Call> stageRequest(napi_env env, EngineQueue& queue, napi_value value) {
  Session& session = *queue.session;
  KeySet keys(env, *queue.keys);
  const EngineDesc& desc = session.desc();
  const napi_valuetype reqType = typeOf(env, value);
  if (reqType != napi_object && reqType != napi_function) fail("ERR_INVALID_ARGUMENT", "infer() needs a request object { profile?, inputs }");
  std::unique_ptr<Call> call = queue.takeCall();
  napi_value profile = property(env, value, keys[Key::profile]);
  call->profile = 0;
  if (typeOf(env, profile) != napi_undefined) {
    double p = -1;
    if (napi_get_value_double(env, profile, &p) != napi_ok) p = -1;
    if (!(p >= 0) || p != static_cast<double>(static_cast<int>(p)) || p >= desc.numProfiles) {
      fail("ERR_INVALID_ARGUMENT", "request.profile must be an integer in 0.." + std::to_string(desc.numProfiles - 1));
    }
    call->profile = static_cast<int>(p);
  }
  auto flag = [&](Key key, const char* name, bool fallback) {
    napi_value v = property(env, value, keys[key]);
    const napi_valuetype t = typeOf(env, v);
    if (t == napi_undefined) return fallback;
    if (t != napi_boolean) fail("ERR_INVALID_ARGUMENT", std::string("request.") + name + " must be a boolean");
    bool b = fallback;
    check(env, napi_get_value_bool(env, v, &b));
    return b;
  };
  call->transfers = flag(Key::transfers, "transfers", true);
  call->cudaGraph = flag(Key::cudaGraph, "cudaGraph", false);
  call->spinWait = flag(Key::spinWait, "spinWait", true);
  call->pooledOutputs = flag(Key::pooledOutputs, "pooledOutputs", true);
  call->dedicatedThread = flag(Key::dedicatedThread, "dedicatedThread", true);
  for (std::size_t k = 0; k < desc.tensors.size(); ++k) {
    if (queue.elementSizes[k] == 0) {
      const TensorDesc& t = desc.tensors[k];
      fail("ERR_ENGINE_UNSUPPORTED", std::string(t.isInput ? "input" : "output") + " '" + t.name + "' has dtype " + t.dtype +
                                         ", which trt-parity describes but cannot run");
    }
  }
  napi_value inputs = property(env, value, keys[Key::inputs]);
  bool isArray = false;
  check(env, napi_is_array(env, inputs, &isArray));
  if (!isArray) fail("ERR_INVALID_ARGUMENT", "request.inputs must be an array of { name, shape, data }");
  uint32_t count = 0;
  check(env, napi_get_array_length(env, inputs, &count));

  auto& sources = queue.sources;
  sources.clear();
  queue.seen.assign(desc.tensors.size(), 0);
  const napi_value nameKey = keys[Key::name], shapeKey = keys[Key::shape], dataKey = keys[Key::data];
  for (uint32_t i = 0; i < count; ++i) {
    napi_value in = nullptr;
    check(env, napi_get_element(env, inputs, i, &in));
    const napi_valuetype inType = typeOf(env, in);
    if (inType != napi_object && inType != napi_function) fail("ERR_INVALID_ARGUMENT", "request.inputs[" + std::to_string(i) + "] must be an object");
    napi_value nameValue = property(env, in, nameKey);
    if (typeOf(env, nameValue) != napi_string) fail("ERR_INVALID_ARGUMENT", "request.inputs[" + std::to_string(i) + "].name must be a string");
    const Utf8Arg nameArg(env, nameValue);
    const std::string_view name = nameArg.view();
    std::size_t index = desc.tensors.size();
    for (std::size_t k = 0; k < desc.tensors.size(); ++k) {
      if (desc.tensors[k].isInput && desc.tensors[k].name == name) index = k;
    }
    if (index == desc.tensors.size()) fail("ERR_INVALID_ARGUMENT", "the engine has no input named '" + nameArg.str() + "'");
    if (queue.seen[index]) fail("ERR_INVALID_ARGUMENT", "input '" + nameArg.str() + "' is given twice");
    queue.seen[index] = 1;
    const TensorDesc& t = desc.tensors[index];
    if (call->inputs.size() <= i) call->inputs.emplace_back();
    CallInput& input = call->inputs[i];
    input.tensor = index;
    input.staged.reset();
    input.stagedData = nullptr;
    // Parsed into the reused call's own vector: no allocation once it has held a shape of this rank.
    Shape& shape = input.shape;
    shape.clear();
    napi_value shapeValue = property(env, in, shapeKey);
    bool shapeIsArray = false;
    check(env, napi_is_array(env, shapeValue, &shapeIsArray));
    const auto badShape = [&] { fail("ERR_INVALID_ARGUMENT", "input '" + nameArg.str() + "' shape must be an array of non-negative integers"); };
    if (!shapeIsArray) badShape();
    uint32_t rank = 0;
    check(env, napi_get_array_length(env, shapeValue, &rank));
    for (uint32_t d = 0; d < rank; ++d) {
      napi_value dim = nullptr;
      check(env, napi_get_element(env, shapeValue, d, &dim));
      double x = -1;
      if (napi_get_value_double(env, dim, &x) != napi_ok) x = -1;
      if (!(x >= 0) || x != std::floor(x) || x > 9007199254740991.0) badShape();
      shape.push_back(static_cast<int64_t>(x));
    }
    if (shape.size() != t.shape.size()) {
      fail("ERR_INVALID_ARGUMENT", "input '" + nameArg.str() + "' has rank " + std::to_string(t.shape.size()) + " (" + shapeText(t.shape) +
                                       ") but the request gives shape " + shapeText(shape));
    }
    for (std::size_t d = 0; d < shape.size(); ++d) {
      if (t.shape[d] >= 0 && t.shape[d] != shape[d]) {
        fail("ERR_INVALID_ARGUMENT", "input '" + nameArg.str() + "' shape " + shapeText(shape) + " does not match the engine's " + shapeText(t.shape));
      }
    }
    auto volume = volumeOf(shape);
    if (!volume) fail("ERR_INVALID_ARGUMENT", "input '" + nameArg.str() + "' shape " + shapeText(shape) + " is too large");
    const uint64_t expected = *volume * queue.elementSizes[index];
    napi_value data = property(env, in, dataKey);
    EngineQueue::Source src{nullptr, 0};
    bool isTyped = false, isView = false;
    check(env, napi_is_typedarray(env, data, &isTyped));
    if (isTyped) {
      napi_typedarray_type type = napi_uint8_array;
      std::size_t length = 0;
      void* bytes = nullptr;
      // One query: `bytes` is already offset by the view's byteOffset.
      check(env, napi_get_typedarray_info(env, data, &type, &length, &bytes, nullptr, nullptr));
      const std::size_t size = typedArrayElementSize(type);
      if (size != 0) {
        src = {static_cast<const uint8_t*>(bytes), length * size};
      } else {
        Napi::TypedArray ta = Napi::Value(env, data).As<Napi::TypedArray>();
        src = {static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset(), ta.ByteLength()};
      }
    } else {
      check(env, napi_is_dataview(env, data, &isView));
      if (!isView) fail("ERR_INVALID_ARGUMENT", "input '" + nameArg.str() + "' data must be a TypedArray or DataView");
      Napi::DataView dv = Napi::Value(env, data).As<Napi::DataView>();
      src = {static_cast<const uint8_t*>(dv.ArrayBuffer().Data()) + dv.ByteOffset(), dv.ByteLength()};
    }
    if (src.length != expected) {
      fail("ERR_INVALID_ARGUMENT", "input '" + nameArg.str() + "' data has " + std::to_string(src.length) + " bytes but shape " +
                                       shapeText(shape) + " of " + t.dtype + " needs " + std::to_string(expected));
    }
    input.bytes = static_cast<std::size_t>(expected);
    // Data inside this input's current staging buffer is read in place by the worker: no copy here.
    if (src.length > 0) {
      if (auto block = session.stagingBlock(index); block && block->holds(src.bytes, src.length)) {
        input.staged = std::move(block);
        input.stagedData = src.bytes;
      }
    }
    sources.push_back(src);
  }
  call->inputs.resize(count);
  for (std::size_t k = 0; k < desc.tensors.size(); ++k) {
    if (desc.tensors[k].isInput && !queue.seen[k]) fail("ERR_INVALID_ARGUMENT", "input '" + desc.tensors[k].name + "' is missing");
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
  call->timing = Timing{};
  call->graph = GraphState::kOff;
  call->inputsUploaded = false;
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
    threadCall.emplace(std::move(next));
    // Like an AsyncWorker's, this reference keeps the queue alive while its call runs, also after its JS wrapper is collected.
    threadHold = shared_from_this();
    startPolling(*threadCall->call);
    thread->post(env, threadCall->call.get());
    return;
  }
  // The worker holds its own reference: the queue outlives a garbage-collected JS wrapper.
  startPolling(*next.call);
  auto* worker = new InferWorker(env, shared_from_this(), std::move(next.call), std::move(next.deferred));
  worker->Queue();
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

Napi::Function EngineWrap::define(Napi::Env env) {
  return DefineClass(env, "NativeEngine",
                     {InstanceMethod<&EngineWrap::info>("info"), InstanceMethod<&EngineWrap::infer>("infer"),
                      InstanceMethod<&EngineWrap::dispose>("dispose"), InstanceAccessor<&EngineWrap::disposed>("disposed"),
                      InstanceMethod<&EngineWrap::stagingBuffer>("stagingBuffer"),
                      InstanceMethod<&EngineWrap::debug>("_debug")});
}

Napi::Object EngineWrap::create(Napi::Env env, Napi::FunctionReference& ctor, std::shared_ptr<JsKeys> keys, std::shared_ptr<LoopPoller> poller,
                               std::shared_ptr<Session> session) {
  auto queue = std::make_shared<EngineQueue>();
  queue->session = std::move(session);
  queue->keys = std::move(keys);
  queue->poller = std::move(poller);
  for (const TensorDesc& t : queue->session->desc().tensors) queue->elementSizes.push_back(runnableElementSize(t.dtype));
  queue->spareCalls.reserve(4);
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
    std::unique_ptr<Call> call = stageRequest(env, *queue_, info[0]);
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
