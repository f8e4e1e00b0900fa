// Property names and constant strings of the per-call hot path, created once per JS environment.
// Header-only so the source list in CMakeLists.txt needs no change.
#pragma once

#include <napi.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace trtp {

/** Keys of the request and result objects of infer(), and the graph state names. */
enum class Key : uint8_t {
  // request
  profile,
  transfers,
  cudaGraph,
  inputs,
  name,
  shape,
  data,
  // result
  dtype,
  outputs,
  timing,
  logs,
  graph,
  graphFallbackReason,
  inputsUploaded,
  h2dMs,
  computeMs,
  d2hMs,
  enqueueMs,
  nativeMs,
  h2dSubmitMs,
  // values: the GraphState names of NativeGraphState
  off,
  captured,
  replayed,
  fallback,
  count
};

/**
 * Every Key as a string V8 has already internalized, kept for the life of the environment. N-API
 * before version 10 refers only to objects, so the strings live in one JS array held by one
 * napi_ref; a callback reads each key it needs from it once (KeySet), which replaces V8 hashing
 * and looking up a C string in its string table for every property set (`Object::Set("name", …)`).
 * Owned by the addon's instance data; `release` runs in its finalizer at environment teardown.
 */
class JsKeys {
 public:
  /** Throws Napi::Error when the environment refuses (then nothing is held). */
  explicit JsKeys(napi_env env) {
    static constexpr std::array<const char*, static_cast<std::size_t>(Key::count)> kNames = {"profile",
                                                                                             "transfers",
                                                                                             "cudaGraph",
                                                                                             "inputs",
                                                                                             "name",
                                                                                             "shape",
                                                                                             "data",
                                                                                             "dtype",
                                                                                             "outputs",
                                                                                             "timing",
                                                                                             "logs",
                                                                                             "graph",
                                                                                             "graphFallbackReason",
                                                                                             "inputsUploaded",
                                                                                             "h2dMs",
                                                                                             "computeMs",
                                                                                             "d2hMs",
                                                                                             "enqueueMs",
                                                                                             "nativeMs",
                                                                                             "h2dSubmitMs",
                                                                                             "off",
                                                                                             "captured",
                                                                                             "replayed",
                                                                                             "fallback"};
    // Keys set with napi_set_named_property are internalized; reading them back gives those very strings.
    Napi::HandleScope scope(env);
    Napi::Object holder = Napi::Object::New(env);
    for (const char* n : kNames) holder.Set(n, true);
    Napi::Array names = holder.GetPropertyNames();
    if (names.Length() != kNames.size())
      throw Napi::Error::New(env, "trt-parity: unexpected property order while caching keys");
    Napi::Array interned = Napi::Array::New(env);
    if (napi_create_reference(env, names, 1, &keys_) != napi_ok ||
        napi_create_reference(env, interned, 1, &interned_) != napi_ok) {
      release(env);
      throw Napi::Error::New(env, "trt-parity: could not cache property keys");
    }
  }
  JsKeys(const JsKeys&) = delete;
  JsKeys& operator=(const JsKeys&) = delete;

  /** The array of keys, by Key; null after release(). */
  napi_value keys(napi_env env) const noexcept {
    napi_value v = nullptr;
    if (keys_ != nullptr) (void)napi_get_reference_value(env, keys_, &v);
    return v;
  }

  /**
   * `s` as a JS string, cached while at most kMaxInterned distinct strings have been asked for
   * (tensor names and dtypes: a handful per engine); past that, a fresh string each time.
   */
  napi_value interned(napi_env env, const std::string& s) {
    napi_value arr = nullptr, v = nullptr;
    if (interned_ != nullptr) (void)napi_get_reference_value(env, interned_, &arr);
    auto it = index_.find(s);
    if (arr != nullptr && it != index_.end() && napi_get_element(env, arr, it->second, &v) == napi_ok) return v;
    if (napi_create_string_utf8(env, s.data(), s.size(), &v) != napi_ok) throw Napi::Error::New(env);
    if (arr != nullptr && index_.size() < kMaxInterned) {
      const auto at = static_cast<uint32_t>(index_.size());
      if (napi_set_element(env, arr, at, v) == napi_ok) index_.emplace(s, at);
    }
    return v;
  }

  /** Environment teardown (the instance data's finalizer): drops both references. */
  void release(napi_env env) noexcept {
    if (keys_ != nullptr) (void)napi_delete_reference(env, keys_);
    if (interned_ != nullptr) (void)napi_delete_reference(env, interned_);
    keys_ = interned_ = nullptr;
    index_.clear();
  }

 private:
  static constexpr std::size_t kMaxInterned = 1024;
  napi_ref keys_ = nullptr;
  napi_ref interned_ = nullptr;
  std::unordered_map<std::string, uint32_t> index_;
};

/** The keys one callback uses, each read from the environment's array at most once. */
class KeySet {
 public:
  KeySet(napi_env env, const JsKeys& keys) : env_(env), array_(keys.keys(env)) {}
  /** Throws Napi::Error when the key cannot be read (only after environment teardown began). */
  napi_value operator[](Key k) {
    napi_value& v = cache_[static_cast<std::size_t>(k)];
    if (v == nullptr && (array_ == nullptr || napi_get_element(env_, array_, static_cast<uint32_t>(k), &v) != napi_ok ||
                         v == nullptr)) {
      throw Napi::Error::New(env_, "trt-parity: property keys are gone");
    }
    return v;
  }

 private:
  napi_env env_;
  napi_value array_;
  std::array<napi_value, static_cast<std::size_t>(Key::count)> cache_{};
};

}  // namespace trtp
