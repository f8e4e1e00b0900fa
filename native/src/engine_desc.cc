#include "engine_desc.h"

namespace trtp {

std::size_t runnableElementSize(const std::string& dtype) noexcept {
  if (dtype == "float32" || dtype == "int32") return 4;
  if (dtype == "float16" || dtype == "bfloat16") return 2;
  if (dtype == "int8" || dtype == "uint8" || dtype == "bool") return 1;
  if (dtype == "int64") return 8;
  return 0;
}

std::optional<uint64_t> volumeOf(const Shape& shape) noexcept {
  constexpr uint64_t kMaxSafe = (uint64_t{1} << 53) - 1;
  uint64_t v = 1;
  for (int64_t d : shape) {
    if (d < 0) return std::nullopt;
    if (d != 0 && v > kMaxSafe / static_cast<uint64_t>(d)) return std::nullopt;
    v *= static_cast<uint64_t>(d);
  }
  return v;
}

std::string shapeText(const Shape& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i != 0) s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

}  // namespace trtp
