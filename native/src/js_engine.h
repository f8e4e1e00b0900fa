// The JS engine object (NativeEngine in the contract): info, infer, dispose, stagingBuffer and the
// test hooks. Parsing lives in js_request, results in js_result, dispatch in engine_queue.
#pragma once

#include <napi.h>

#include <memory>
#include <mutex>
#include <vector>

#include "engine_queue.h"
#include "js_keys.h"
#include "loop_poll.h"
#include "session.h"

namespace trtp {

/** Every live session of one JS environment, so the env cleanup hook can free them before exit. */
class SessionRegistry {
 public:
  void add(const std::shared_ptr<Session>& s);
  void releaseAll() noexcept;

 private:
  std::mutex mutex_;
  std::vector<std::weak_ptr<Session>> sessions_;
};

class EngineWrap : public Napi::ObjectWrap<EngineWrap> {
 public:
  /** Defines the class; the constructor is not meant to be called from JS. */
  static Napi::Function define(Napi::Env env);
  /** Wraps a freshly created session in a new JS engine object. */
  static Napi::Object create(Napi::Env env, Napi::FunctionReference& ctor, std::shared_ptr<JsKeys> keys,
                             std::shared_ptr<LoopPoller> poller, std::shared_ptr<Session> session);

  explicit EngineWrap(const Napi::CallbackInfo& info);

 private:
  Napi::Value info(const Napi::CallbackInfo& info);
  Napi::Value infer(const Napi::CallbackInfo& info);
  Napi::Value dispose(const Napi::CallbackInfo& info);
  Napi::Value stagingBuffer(const Napi::CallbackInfo& info);
  Napi::Value disposed(const Napi::CallbackInfo& info);
  Napi::Value debug(const Napi::CallbackInfo& info);
  /** Test-only: sets the overhead switches of later calls ({ spinWait?, pooledOutputs? }); see Tuning. */
  Napi::Value tune(const Napi::CallbackInfo& info);

  std::shared_ptr<EngineQueue> queue_;
};

}  // namespace trtp
