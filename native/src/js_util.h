// Small N-API helpers shared by the addon's JS-facing files.
#pragma once

#include <napi.h>

#include <string>

#include "native_error.h"

namespace trtp {

/** An Error whose `code` is a NativeErrorCode. */
inline Napi::Error makeError(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, code));
  return e;
}

inline Napi::Promise rejected(Napi::Env env, const std::string& code, const std::string& message) {
  auto d = Napi::Promise::Deferred::New(env);
  d.Reject(makeError(env, code, message).Value());
  return d.Promise();
}

/**
 * Resolves or rejects a Deferred from a libuv pool thread. Execute() runs run() there; the result
 * is built on the main thread. NativeError codes survive the trip.
 */
class PromiseWorker : public Napi::AsyncWorker {
 public:
  PromiseWorker(Napi::Env env, Napi::Promise::Deferred deferred)
      : Napi::AsyncWorker(env, "trt-parity"), deferred_(std::move(deferred)) {}

 protected:
  virtual void run() = 0;
  virtual Napi::Value result(Napi::Env env) = 0;
  /** Main thread, after the promise settled (either way). */
  virtual void settled(Napi::Env) {}

  void Execute() override {
    try {
      run();
    } catch (const NativeError& e) {
      code_ = e.code();
      SetError(e.what());
    } catch (const std::exception& e) {
      code_ = "ERR_CUDA";
      SetError(std::string("internal error: ") + e.what());
    }
  }
  // While a worker thread or the process is being torn down, calls into JS fail and node-addon-api
  // throws; nothing can be reported then, and an exception escaping here would abort the process.
  void OnOK() override {
    Napi::Env env = Env();
    try {
      Napi::HandleScope scope(env);
      try {
        deferred_.Resolve(result(env));
      } catch (const NativeError& e) {
        deferred_.Reject(makeError(env, e.code(), e.what()).Value());
      } catch (const Napi::Error& e) {
        deferred_.Reject(e.Value());
      }
    } catch (...) {
    }
    settle(env);
  }
  void OnError(const Napi::Error& e) override {
    Napi::Env env = Env();
    try {
      Napi::HandleScope scope(env);
      deferred_.Reject(makeError(env, code_, e.Message()).Value());
    } catch (...) {
    }
    settle(env);
  }

 private:
  void settle(Napi::Env env) noexcept {
    try {
      Napi::HandleScope scope(env);
      settled(env);
    } catch (...) {
    }
  }

  Napi::Promise::Deferred deferred_;
  std::string code_ = "ERR_CUDA";
};

}  // namespace trtp
