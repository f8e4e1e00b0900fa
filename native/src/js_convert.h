// Conversions between the C++ structs and the JS objects of native-contract.ts.
#pragma once

#include <napi.h>

#include "engine_desc.h"
#include "session.h"

namespace trtp {

Napi::Object engineInfoToJs(Napi::Env env, const EngineDesc& desc);
Napi::Array shapeToJs(Napi::Env env, const Shape& shape);
Napi::Array stringsToJs(Napi::Env env, const std::vector<std::string>& lines);
Napi::Object debugToJs(Napi::Env env, const DebugCounters& d);

}  // namespace trtp
