#include "js_request.h"

#include <cmath>
#include <cstring>
#include <string>
#include <string_view>

#include "js_napi.h"
#include "native_error.h"

namespace trtp {
namespace {

/** Bytes per element of a typed array type; 0 for a type this table does not know (then asked through node-addon-api). */
std::size_t typedArrayElementSize(napi_typedarray_type type) noexcept {
  switch (type) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array:
      return 1;
    case napi_int16_array:
    case napi_uint16_array:
      return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array:
      return 4;
    case napi_float64_array:
    case napi_bigint64_array:
    case napi_biguint64_array:
      return 8;
    default:
      return 0;  // newer types (napi_float16_array) exist only in newer headers
  }
}

/** A JS string's UTF-8 bytes, in a fixed buffer when they fit (tensor names do), else on the heap. */
class Utf8Arg {
 public:
  Utf8Arg(napi_env env, napi_value v) {
    std::size_t n = 0;
    check(env, napi_get_value_string_utf8(env, v, small_, sizeof small_, &n));
    // A string that did not fit filled all but at most one UTF-8 sequence (<= 4 bytes) of the buffer.
    if (n + 4 < sizeof small_) {
      view_ = std::string_view(small_, n);
      return;
    }
    check(env, napi_get_value_string_utf8(env, v, nullptr, 0, &n));
    large_.resize(n + 1);
    check(env, napi_get_value_string_utf8(env, v, large_.data(), large_.size(), &n));
    view_ = std::string_view(large_.data(), n);
  }
  std::string_view view() const noexcept { return view_; }
  std::string str() const { return std::string(view_); }

 private:
  char small_[256];
  std::string large_;
  std::string_view view_;
};

}  // namespace

// Raw N-API with cached keys, one typed-array query per input, reused Call and scratch: this runs
// once per call before the call can start. Error texts are built only on failure.
std::unique_ptr<Call> stageRequest(napi_env env, EngineQueue& queue, napi_value value) {
  Session& session = *queue.session;
  KeySet keys(env, *queue.keys);
  const EngineDesc& desc = session.desc();
  const napi_valuetype reqType = typeOf(env, value);
  if (reqType != napi_object && reqType != napi_function)
    fail("ERR_INVALID_ARGUMENT", "infer() needs a request object { profile?, inputs }");
  std::unique_ptr<Call> call = queue.takeCall();
  napi_value profile = property(env, value, keys[Key::profile]);
  call->profile = 0;
  if (typeOf(env, profile) != napi_undefined) {
    double p = -1;
    if (napi_get_value_double(env, profile, &p) != napi_ok) p = -1;
    if (!(p >= 0) || p != static_cast<double>(static_cast<int>(p)) || p >= desc.numProfiles) {
      fail("ERR_INVALID_ARGUMENT", "request.profile must be an integer in 0.." + std::to_string(desc.numProfiles - 1));
    }
    call->profile = static_cast<int>(p);
  }
  auto flag = [&](Key key, const char* name, bool fallback) {
    napi_value v = property(env, value, keys[key]);
    const napi_valuetype t = typeOf(env, v);
    if (t == napi_undefined) return fallback;
    if (t != napi_boolean) fail("ERR_INVALID_ARGUMENT", std::string("request.") + name + " must be a boolean");
    bool b = fallback;
    check(env, napi_get_value_bool(env, v, &b));
    return b;
  };
  call->transfers = flag(Key::transfers, "transfers", true);
  call->cudaGraph = flag(Key::cudaGraph, "cudaGraph", false);
  call->spinWait = queue.tuning.spinWait;
  call->pooledOutputs = queue.tuning.pooledOutputs;
  for (std::size_t k = 0; k < desc.tensors.size(); ++k) {
    if (queue.elementSizes[k] == 0) {
      const TensorDesc& t = desc.tensors[k];
      fail("ERR_ENGINE_UNSUPPORTED", std::string(t.isInput ? "input" : "output") + " '" + t.name + "' has dtype " +
                                         t.dtype + ", which trt-parity describes but cannot run");
    }
  }
  napi_value inputs = property(env, value, keys[Key::inputs]);
  bool isArray = false;
  check(env, napi_is_array(env, inputs, &isArray));
  if (!isArray) fail("ERR_INVALID_ARGUMENT", "request.inputs must be an array of { name, shape, data }");
  uint32_t count = 0;
  check(env, napi_get_array_length(env, inputs, &count));

  auto& sources = queue.sources;
  sources.clear();
  queue.seen.assign(desc.tensors.size(), 0);
  const napi_value nameKey = keys[Key::name], shapeKey = keys[Key::shape], dataKey = keys[Key::data];
  for (uint32_t i = 0; i < count; ++i) {
    napi_value in = nullptr;
    check(env, napi_get_element(env, inputs, i, &in));
    const napi_valuetype inType = typeOf(env, in);
    if (inType != napi_object && inType != napi_function)
      fail("ERR_INVALID_ARGUMENT", "request.inputs[" + std::to_string(i) + "] must be an object");
    napi_value nameValue = property(env, in, nameKey);
    if (typeOf(env, nameValue) != napi_string)
      fail("ERR_INVALID_ARGUMENT", "request.inputs[" + std::to_string(i) + "].name must be a string");
    const Utf8Arg nameArg(env, nameValue);
    const std::string_view name = nameArg.view();
    std::size_t index = desc.tensors.size();
    for (std::size_t k = 0; k < desc.tensors.size(); ++k) {
      if (desc.tensors[k].isInput && desc.tensors[k].name == name) index = k;
    }
    if (index == desc.tensors.size())
      fail("ERR_INVALID_ARGUMENT", "the engine has no input named '" + nameArg.str() + "'");
    if (queue.seen[index]) fail("ERR_INVALID_ARGUMENT", "input '" + nameArg.str() + "' is given twice");
    queue.seen[index] = 1;
    const TensorDesc& t = desc.tensors[index];
    if (call->inputs.size() <= i) call->inputs.emplace_back();
    CallInput& input = call->inputs[i];
    input.tensor = index;
    input.staged.reset();
    input.stagedData = nullptr;
    // Parsed into the reused call's own vector: no allocation once it has held a shape of this rank.
    Shape& shape = input.shape;
    shape.clear();
    napi_value shapeValue = property(env, in, shapeKey);
    bool shapeIsArray = false;
    check(env, napi_is_array(env, shapeValue, &shapeIsArray));
    const auto badShape = [&] {
      fail("ERR_INVALID_ARGUMENT", "input '" + nameArg.str() + "' shape must be an array of non-negative integers");
    };
    if (!shapeIsArray) badShape();
    uint32_t rank = 0;
    check(env, napi_get_array_length(env, shapeValue, &rank));
    for (uint32_t d = 0; d < rank; ++d) {
      napi_value dim = nullptr;
      check(env, napi_get_element(env, shapeValue, d, &dim));
      double x = -1;
      if (napi_get_value_double(env, dim, &x) != napi_ok) x = -1;
      if (!(x >= 0) || x != std::floor(x) || x > 9007199254740991.0) badShape();
      shape.push_back(static_cast<int64_t>(x));
    }
    if (shape.size() != t.shape.size()) {
      fail("ERR_INVALID_ARGUMENT", "input '" + nameArg.str() + "' has rank " + std::to_string(t.shape.size()) + " (" +
                                       shapeText(t.shape) + ") but the request gives shape " + shapeText(shape));
    }
    for (std::size_t d = 0; d < shape.size(); ++d) {
      if (t.shape[d] >= 0 && t.shape[d] != shape[d]) {
        fail("ERR_INVALID_ARGUMENT", "input '" + nameArg.str() + "' shape " + shapeText(shape) +
                                         " does not match the engine's " + shapeText(t.shape));
      }
    }
    auto volume = volumeOf(shape);
    if (!volume)
      fail("ERR_INVALID_ARGUMENT", "input '" + nameArg.str() + "' shape " + shapeText(shape) + " is too large");
    const uint64_t expected = *volume * queue.elementSizes[index];
    napi_value data = property(env, in, dataKey);
    EngineQueue::Source src{nullptr, 0};
    bool isTyped = false, isView = false;
    check(env, napi_is_typedarray(env, data, &isTyped));
    if (isTyped) {
      napi_typedarray_type type = napi_uint8_array;
      std::size_t length = 0;
      void* bytes = nullptr;
      // One query: `bytes` is already offset by the view's byteOffset.
      check(env, napi_get_typedarray_info(env, data, &type, &length, &bytes, nullptr, nullptr));
      const std::size_t size = typedArrayElementSize(type);
      if (size != 0) {
        src = {static_cast<const uint8_t*>(bytes), length * size};
      } else {
        Napi::TypedArray ta = Napi::Value(env, data).As<Napi::TypedArray>();
        src = {static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset(), ta.ByteLength()};
      }
    } else {
      check(env, napi_is_dataview(env, data, &isView));
      if (!isView) fail("ERR_INVALID_ARGUMENT", "input '" + nameArg.str() + "' data must be a TypedArray or DataView");
      Napi::DataView dv = Napi::Value(env, data).As<Napi::DataView>();
      src = {static_cast<const uint8_t*>(dv.ArrayBuffer().Data()) + dv.ByteOffset(), dv.ByteLength()};
    }
    if (src.length != expected) {
      fail("ERR_INVALID_ARGUMENT", "input '" + nameArg.str() + "' data has " + std::to_string(src.length) +
                                       " bytes but shape " + shapeText(shape) + " of " + t.dtype + " needs " +
                                       std::to_string(expected));
    }
    input.bytes = static_cast<std::size_t>(expected);
    // Data inside this input's current staging buffer is read in place by the worker: no copy here.
    if (src.length > 0) {
      if (auto block = session.stagingBlock(index); block && block->holds(src.bytes, src.length)) {
        input.staged = std::move(block);
        input.stagedData = src.bytes;
      }
    }
    sources.push_back(src);
  }
  call->inputs.resize(count);
  for (std::size_t k = 0; k < desc.tensors.size(); ++k) {
    if (desc.tensors[k].isInput && !queue.seen[k])
      fail("ERR_INVALID_ARGUMENT", "input '" + desc.tensors[k].name + "' is missing");
  }
  // Copied now, on the main thread, so the caller's buffers need not outlive this call.
  call->staging = session.acquireStaging();
  try {
    for (std::size_t i = 0; i < call->inputs.size(); ++i) {
      if (call->inputs[i].staged) continue;
      void* dst = call->staging->in[call->inputs[i].tensor].ensure(call->inputs[i].bytes);
      if (sources[i].length > 0) std::memcpy(dst, sources[i].bytes, sources[i].length);
    }
  } catch (...) {
    session.releaseStaging(std::move(call->staging));
    throw;
  }
  call->timing = Timing{};
  call->graph = GraphState::kOff;
  call->inputsUploaded = false;
  return call;
}

}  // namespace trtp
