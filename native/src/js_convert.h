// Conversions between the C++ structs and the JS objects of native-contract.ts.
#pragma once

#include <napi.h>

#include "engine_desc.h"
#include "session.h"

namespace trtp {

Napi::Object engineInfoToJs(Napi::Env env, const EngineDesc& desc);
Napi::Object timingToJs(Napi::Env env, const Timing& t);
Napi::Array shapeToJs(Napi::Env env, const Shape& shape);
Napi::Array stringsToJs(Napi::Env env, const std::vector<std::string>& lines);
Napi::Object debugToJs(Napi::Env env, const DebugCounters& d);

/** A non-negative integer dims array (values up to 2^53); throws ERR_INVALID_ARGUMENT naming `what`. */
Shape shapeFromJs(const Napi::Value& v, const std::string& what);

}  // namespace trtp
