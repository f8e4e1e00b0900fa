#include "js_convert.h"

#include "native_error.h"

namespace trtp {
namespace {

Napi::Array int64sToJs(Napi::Env env, const std::vector<int64_t>& v) {
  Napi::Array a = Napi::Array::New(env, v.size());
  for (std::size_t i = 0; i < v.size(); ++i)
    a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(v[i])));
  return a;
}

}  // namespace

Napi::Array shapeToJs(Napi::Env env, const Shape& shape) { return int64sToJs(env, shape); }

Napi::Array stringsToJs(Napi::Env env, const std::vector<std::string>& lines) {
  Napi::Array a = Napi::Array::New(env, lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) a.Set(static_cast<uint32_t>(i), Napi::String::New(env, lines[i]));
  return a;
}

Napi::Object engineInfoToJs(Napi::Env env, const EngineDesc& desc) {
  Napi::Object o = Napi::Object::New(env);
  Napi::Array tensors = Napi::Array::New(env, desc.tensors.size());
  for (std::size_t i = 0; i < desc.tensors.size(); ++i) {
    const TensorDesc& t = desc.tensors[i];
    Napi::Object j = Napi::Object::New(env);
    j.Set("name", t.name);
    j.Set("mode", t.isInput ? "input" : "output");
    j.Set("dtype", t.dtype);
    j.Set("shape", shapeToJs(env, t.shape));
    j.Set("location", t.onHost ? "host" : "device");
    j.Set("format", t.format);
    j.Set("formatDesc", t.formatDesc);
    j.Set("isShapeTensor", t.isShapeTensor);
    j.Set("aliasedInput",
          t.aliasOf >= 0
              ? Napi::String::New(env, desc.tensors[static_cast<std::size_t>(t.aliasOf)].name).As<Napi::Value>()
              : env.Null());
    Napi::Array profiles = Napi::Array::New(env, t.profiles.size());
    for (std::size_t p = 0; p < t.profiles.size(); ++p) {
      const ProfileShapes& ps = t.profiles[p];
      Napi::Object jp = Napi::Object::New(env);
      jp.Set("min", shapeToJs(env, ps.min));
      jp.Set("opt", shapeToJs(env, ps.opt));
      jp.Set("max", shapeToJs(env, ps.max));
      if (ps.hasValues) {
        Napi::Object values = Napi::Object::New(env);
        values.Set("min", int64sToJs(env, ps.minValues));
        values.Set("opt", int64sToJs(env, ps.optValues));
        values.Set("max", int64sToJs(env, ps.maxValues));
        jp.Set("values", values);
      }
      profiles.Set(static_cast<uint32_t>(p), jp);
    }
    j.Set("profiles", profiles);
    tensors.Set(static_cast<uint32_t>(i), j);
  }
  o.Set("tensors", tensors);
  o.Set("numProfiles", desc.numProfiles);
  o.Set("deviceMemoryBytes", Napi::Number::New(env, static_cast<double>(desc.deviceMemoryBytes)));
  o.Set("device", desc.device);
  o.Set("hardwareCompatibility", desc.hardwareCompatibility);
  o.Set("logs", stringsToJs(env, desc.logs));
  return o;
}

Napi::Object debugToJs(Napi::Env env, const DebugCounters& d) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("deviceAllocs", static_cast<double>(d.deviceAllocs));
  o.Set("deviceBytes", static_cast<double>(d.deviceBytes));
  o.Set("pinnedAllocs", static_cast<double>(d.pinnedAllocs));
  o.Set("pinnedBytes", static_cast<double>(d.pinnedBytes));
  o.Set("stagingSets", static_cast<double>(d.stagingSets));
  o.Set("calls", static_cast<double>(d.calls));
  o.Set("deviceFreeBytes", static_cast<double>(d.deviceFreeBytes));
  o.Set("deviceTotalBytes", static_cast<double>(d.deviceTotalBytes));
  o.Set("stagingBuffers", static_cast<double>(d.stagingBuffers));
  o.Set("zeroCopyInputs", static_cast<double>(d.zeroCopyInputs));
  o.Set("copiedOutputs", static_cast<double>(d.copiedOutputs));
  o.Set("pooledOutputs", static_cast<double>(d.outputPool.leased));
  o.Set("outputBlocks", static_cast<double>(d.outputPool.blocks));
  o.Set("outputBlockBytes", static_cast<double>(d.outputPool.bytes));
  o.Set("outputBlockAllocs", static_cast<double>(d.outputPool.allocations));
  o.Set("outputPoolExhausted", static_cast<double>(d.outputPool.exhausted));
  return o;
}

}  // namespace trtp
