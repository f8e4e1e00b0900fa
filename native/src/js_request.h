// Parsing and validating an infer() request, and staging its inputs in pinned memory (main thread).
#pragma once

#include <napi.h>

#include <memory>

#include "engine_queue.h"
#include "session.h"

namespace trtp {

/**
 * Validates a request against the engine and copies its inputs into pinned staging (main thread).
 * Throws NativeError (ERR_INVALID_ARGUMENT, ERR_ENGINE_UNSUPPORTED, ERR_CUDA) or Napi::Error.
 */
std::unique_ptr<Call> stageRequest(napi_env env, EngineQueue& queue, napi_value value);

}  // namespace trtp
