#include "js_engine.h"

#include <algorithm>
#include <string>
#include <utility>

#include "js_convert.h"
#include "js_napi.h"
#include "js_request.h"
#include "js_util.h"
#include "native_error.h"

namespace trtp {

void SessionRegistry::add(const std::shared_ptr<Session>& s) {
  std::lock_guard<std::mutex> lock(mutex_);
  sessions_.erase(std::remove_if(sessions_.begin(), sessions_.end(), [](const auto& w) { return w.expired(); }),
                  sessions_.end());
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

Napi::Function EngineWrap::define(Napi::Env env) {
  return DefineClass(
      env, "NativeEngine",
      {InstanceMethod<&EngineWrap::info>("info"), InstanceMethod<&EngineWrap::infer>("infer"),
       InstanceMethod<&EngineWrap::dispose>("dispose"), InstanceAccessor<&EngineWrap::disposed>("disposed"),
       InstanceMethod<&EngineWrap::stagingBuffer>("stagingBuffer"), InstanceMethod<&EngineWrap::debug>("_debug"),
       InstanceMethod<&EngineWrap::tune>("_tune")});
}

Napi::Object EngineWrap::create(Napi::Env env, Napi::FunctionReference& ctor, std::shared_ptr<JsKeys> keys,
                                std::shared_ptr<LoopPoller> poller, std::shared_ptr<Session> session) {
  auto queue = std::make_shared<EngineQueue>();
  queue->session = std::move(session);
  queue->keys = std::move(keys);
  queue->poller = std::move(poller);
  for (const TensorDesc& t : queue->session->desc().tensors)
    queue->elementSizes.push_back(runnableElementSize(t.dtype));
  queue->spareCalls.reserve(4);
  return ctor.New({Napi::External<std::shared_ptr<EngineQueue>>::New(env, &queue)});
}

EngineWrap::EngineWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EngineWrap>(info) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "NativeEngine cannot be constructed directly; use loadEngine()");
  }
  queue_ = *info[0].As<Napi::External<std::shared_ptr<EngineQueue>>>().Data();
}

Napi::Value EngineWrap::info(const Napi::CallbackInfo& info) {
  return engineInfoToJs(info.Env(), queue_->session->desc());
}

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
    if (index == desc.tensors.size())
      fail("ERR_INVALID_ARGUMENT", "stagingBuffer(): the engine has no input named '" + name + "'");
    const double length = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : -1;
    // 2^40 bytes: far beyond any pinned allocation, small enough to stay exact as a double and a size_t.
    if (!(length >= 0) || length != static_cast<double>(static_cast<uint64_t>(length)) || length > 1099511627776.0) {
      fail("ERR_INVALID_ARGUMENT",
           "stagingBuffer('" + name + "', byteLength): byteLength must be a non-negative integer");
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

Napi::Value EngineWrap::disposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), queue_->disposeRequested);
}

Napi::Value EngineWrap::debug(const Napi::CallbackInfo& info) {
  return debugToJs(info.Env(), queue_->session->debug());
}

Napi::Value EngineWrap::tune(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    if (info.Length() < 1 || !info[0].IsObject())
      fail("ERR_INVALID_ARGUMENT", "_tune() needs { spinWait?, pooledOutputs? }");
    Napi::Object o = info[0].As<Napi::Object>();
    Tuning next = queue_->tuning;
    auto flag = [&](const char* name, bool& into) {
      Napi::Value v = o.Get(name);
      if (v.IsUndefined()) return;
      if (!v.IsBoolean()) fail("ERR_INVALID_ARGUMENT", std::string("_tune(): ") + name + " must be a boolean");
      into = v.As<Napi::Boolean>().Value();
    };
    flag("spinWait", next.spinWait);
    flag("pooledOutputs", next.pooledOutputs);
    queue_->tuning = next;
    return env.Undefined();
  } catch (const NativeError& e) {
    throw makeError(env, e.code(), e.what());
  }
}

}  // namespace trtp
