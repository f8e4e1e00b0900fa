// The settled value of a successful infer() call, built on the main thread (NativeInferResult).
#pragma once

#include <napi.h>

#include "js_keys.h"
#include "session.h"

namespace trtp {

/**
 * The settled value of a successful call (main thread): outputs, timing, logs, graph state. Pooled
 * outputs become external ArrayBuffers over their block; the others are copied out of the call's
 * staging set, which the caller returns to the pool afterwards.
 */
Napi::Value callResult(Napi::Env env, JsKeys& cache, Session& session, Call& call);

}  // namespace trtp
