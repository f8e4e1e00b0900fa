// Small raw N-API helpers shared by request parsing, result building and the engine wrapper.
// Header-only: each is a line or two, inlined on the per-call hot path.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <utility>

#include "js_keys.h"

namespace trtp {

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

}  // namespace trtp
