#include "js_result.h"

#include <cstring>

#include "js_napi.h"

namespace trtp {
namespace {

/** A shape as a plain JS array of numbers. */
napi_value shapeArray(napi_env env, const Shape& shape) {
  napi_value a = nullptr;
  check(env, napi_create_array_with_length(env, shape.size(), &a));
  for (std::size_t d = 0; d < shape.size(); ++d)
    check(env, napi_set_element(env, a, static_cast<uint32_t>(d), number(env, static_cast<double>(shape[d]))));
  return a;
}

Key graphKey(GraphState g) noexcept {
  switch (g) {
    case GraphState::kCaptured:
      return Key::captured;
    case GraphState::kReplayed:
      return Key::replayed;
    case GraphState::kFallback:
      return Key::fallback;
    case GraphState::kOff:
      break;
  }
  return Key::off;
}

}  // namespace

// Built with raw N-API and the environment's cached keys: this runs once per call, between the
// worker's completion and the caller's continuation.
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

}  // namespace trtp
