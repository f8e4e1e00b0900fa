// The JS Engine object (NativeEngine in the contract) and the per-engine call queue.
#pragma once

#include <napi.h>

#include <deque>
#include <memory>
#include <mutex>
#include <vector>

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
  std::deque<Pending> pending;
  bool inFlight = false;
  bool disposeRequested = false;
  bool disposeQueued = false;
  bool disposed = false;
  std::vector<Napi::Promise::Deferred> disposeWaiters;

  void submit(Napi::Env env, std::unique_ptr<Call> call, Napi::Promise::Deferred deferred);
  void pump(Napi::Env env);
  void callDone(Napi::Env env);
  void dispose(Napi::Env env, Napi::Promise::Deferred deferred);
};

class EngineWrap : public Napi::ObjectWrap<EngineWrap> {
 public:
  /** Defines the class; the constructor is not meant to be called from JS. */
  static Napi::Function define(Napi::Env env);
  /** Wraps a freshly created session in a new JS engine object. */
  static Napi::Object create(Napi::Env env, Napi::FunctionReference& ctor, std::shared_ptr<Session> session);

  explicit EngineWrap(const Napi::CallbackInfo& info);

 private:
  Napi::Value info(const Napi::CallbackInfo& info);
  Napi::Value infer(const Napi::CallbackInfo& info);
  Napi::Value dispose(const Napi::CallbackInfo& info);
  Napi::Value stagingBuffer(const Napi::CallbackInfo& info);
  Napi::Value disposed(const Napi::CallbackInfo& info);
  Napi::Value debug(const Napi::CallbackInfo& info);

  std::shared_ptr<EngineQueue> queue_;
};

}  // namespace trtp
