#include "format.h"

#include <cstring>
#include <set>

namespace trtdouble {
namespace {

//! Bounds-checked little-endian reader; every read past the end sets `failed` and yields zero.
class Reader {
 public:
  Reader(uint8_t const* data, std::size_t size, std::size_t offset) : mData(data), mSize(size), mPos(offset) {}

  bool take(void* dst, std::size_t n) {
    if (mFailed || n > mSize - mPos) {
      mFailed = true;
      std::memset(dst, 0, n);
      return false;
    }
    std::memcpy(dst, mData + mPos, n);
    mPos += n;
    return true;
  }
  // The format is little-endian and so is every platform the double targets (x86-64, aarch64).
  template <typename T>
  T get() {
    T v{};
    take(&v, sizeof(T));
    return v;
  }
  void skipPadding() {
    while (!mFailed && mPos % 4 != 0) {
      if (get<uint8_t>() != 0) {
        mNonZeroPadding = true;
      }
    }
  }
  std::size_t pos() const { return mPos; }
  bool failed() const { return mFailed; }
  bool nonZeroPadding() const { return mNonZeroPadding; }

 private:
  uint8_t const* mData;
  std::size_t mSize;
  std::size_t mPos;
  bool mFailed = false;
  bool mNonZeroPadding = false;
};

std::string dimsText(std::vector<int64_t> const& d) {
  std::string s = "[";
  for (std::size_t i = 0; i < d.size(); ++i) {
    s += (i ? "," : "") + std::to_string(d[i]);
  }
  return s + "]";
}

bool readVector(Reader& r, std::size_t n, std::vector<int64_t>& out) {
  out.resize(n);
  for (auto& v : out) {
    v = r.get<int64_t>();
  }
  return !r.failed();
}

int64_t volume(std::vector<int64_t> const& d) {
  int64_t v = 1;
  for (auto x : d) {
    v *= x;
  }
  return v;
}

bool parseProfile(Reader& r, TensorSpec const& t, ProfileShapes& p, uint32_t index, std::string& error) {
  std::string const where = "tensor '" + t.name + "' profile " + std::to_string(index);
  if (!readVector(r, t.dims.size(), p.min) || !readVector(r, t.dims.size(), p.opt) ||
      !readVector(r, t.dims.size(), p.max)) {
    error = "truncated in " + where;
    return false;
  }
  for (std::size_t i = 0; i < t.dims.size(); ++i) {
    if (p.min[i] < 0 || p.min[i] > p.opt[i] || p.opt[i] > p.max[i]) {
      error = where + " has min " + dimsText(p.min) + ", opt " + dimsText(p.opt) + ", max " + dimsText(p.max) +
              ": need 0 <= min <= opt <= max";
      return false;
    }
    if (t.dims[i] >= 0 && (p.min[i] != t.dims[i] || p.max[i] != t.dims[i])) {
      error = where + " does not pin static dimension " + std::to_string(i) + " to " + std::to_string(t.dims[i]);
      return false;
    }
  }
  if (!t.shapeInferenceIO) {
    return true;
  }
  uint32_t const nbValues = r.get<uint32_t>();
  uint32_t const reserved = r.get<uint32_t>();
  if (r.failed()) {
    error = "truncated in " + where;
    return false;
  }
  if (reserved != 0 || static_cast<int64_t>(nbValues) != volume(t.dims)) {
    error = where + ": shape-tensor value count " + std::to_string(nbValues) + " does not match its shape " +
            dimsText(t.dims);
    return false;
  }
  if (!readVector(r, nbValues, p.minValues) || !readVector(r, nbValues, p.optValues) ||
      !readVector(r, nbValues, p.maxValues)) {
    error = "truncated in " + where + " values";
    return false;
  }
  for (uint32_t i = 0; i < nbValues; ++i) {
    if (p.minValues[i] > p.optValues[i] || p.optValues[i] > p.maxValues[i]) {
      error = where + " values need min <= opt <= max";
      return false;
    }
  }
  return true;
}

bool parseTensor(Reader& r, uint32_t nbProfiles, TensorSpec& t, std::string& error) {
  uint32_t const nameLength = r.get<uint32_t>();
  if (r.failed() || nameLength == 0 || nameLength > kMaxNameLength) {
    error = "bad tensor name length " + std::to_string(nameLength);
    return false;
  }
  t.name.resize(nameLength);
  if (!r.take(&t.name[0], nameLength) || t.name.find('\0') != std::string::npos) {
    error = "truncated or NUL-containing tensor name";
    return false;
  }
  r.skipPadding();
  t.mode = r.get<uint8_t>();
  t.dataType = r.get<uint8_t>();
  t.location = r.get<uint8_t>();
  t.format = r.get<uint8_t>();
  uint8_t const shapeIO = r.get<uint8_t>();
  uint8_t const nbDims = r.get<uint8_t>();
  t.alias = r.get<uint16_t>();
  if (r.failed()) {
    error = "truncated in tensor '" + t.name + "'";
    return false;
  }
  std::string const where = "tensor '" + t.name + "'";
  if (t.mode != code::kINPUT && t.mode != code::kOUTPUT) {
    error = where + " has I/O mode " + std::to_string(t.mode) + " (need 1 input or 2 output)";
    return false;
  }
  if (t.dataType > code::kMaxDataType) {
    error = where + " has unknown data type " + std::to_string(t.dataType);
    return false;
  }
  if (t.location != code::kDEVICE && t.location != code::kHOST) {
    error = where + " has unknown location " + std::to_string(t.location);
    return false;
  }
  if (t.format > code::kMaxFormat) {
    error = where + " has unknown format " + std::to_string(t.format);
    return false;
  }
  if (shapeIO > 1 || nbDims > kMaxDims || (t.alias != 0 && t.mode != code::kOUTPUT)) {
    error = where + " has a bad flag, rank or alias field";
    return false;
  }
  t.shapeInferenceIO = shapeIO == 1;
  if (!readVector(r, nbDims, t.dims)) {
    error = "truncated in " + where + " dims";
    return false;
  }
  for (auto d : t.dims) {
    if (d < -1) {
      error = where + " has dimension " + std::to_string(d) + " (need -1 or >= 0)";
      return false;
    }
  }
  if (t.shapeInferenceIO && t.mode == code::kINPUT && volume(t.dims) < 0) {
    error = where + " is a shape tensor with a dynamic shape " + dimsText(t.dims);
    return false;
  }
  if (t.mode == code::kINPUT) {
    t.profiles.resize(nbProfiles);
    for (uint32_t p = 0; p < nbProfiles; ++p) {
      if (!parseProfile(r, t, t.profiles[p], p, error)) {
        return false;
      }
    }
  }
  return true;
}

bool sameDims(std::vector<int64_t> const& a, std::vector<int64_t> const& b) { return a == b; }

}  // namespace

uint32_t fnv1a32(uint8_t const* data, std::size_t size) noexcept {
  uint32_t h = 2166136261u;
  for (std::size_t i = 0; i < size; ++i) {
    h ^= data[i];
    h *= 16777619u;
  }
  return h;
}

bool parseEngine(void const* blob, std::size_t size, EngineSpec& out, std::string& error) {
  auto const* bytes = static_cast<uint8_t const*>(blob);
  if (blob == nullptr || size < kHeaderBytes) {
    error =
        "plan is " + std::to_string(size) + " bytes, shorter than the " + std::to_string(kHeaderBytes) + "-byte header";
    return false;
  }
  if (std::memcmp(bytes, kMagic, sizeof(kMagic)) != 0 || std::memcmp(bytes + 4, kDoubleTag, sizeof(kDoubleTag)) != 0) {
    error = kMagicError;
    return false;
  }
  Reader h(bytes, size, sizeof(kMagic) + sizeof(kDoubleTag));
  out.formatVersion = h.get<uint32_t>();
  out.flags = h.get<uint32_t>();
  uint64_t const totalLength = h.get<uint64_t>();
  out.builtMajor = h.get<uint8_t>();
  out.builtMinor = h.get<uint8_t>();
  out.builtPatch = h.get<uint8_t>();
  out.builtBuild = h.get<uint8_t>();
  uint32_t const computation = h.get<uint32_t>();
  uint32_t const nbTensors = h.get<uint32_t>();
  out.nbProfiles = h.get<uint32_t>();
  out.deviceMemorySize = h.get<uint64_t>();
  uint32_t const nbConstants = h.get<uint32_t>();
  uint32_t const checksum = h.get<uint32_t>();
  uint64_t const reserved56 = h.get<uint64_t>();

  if (out.formatVersion != kFormatVersion) {
    error = "format version " + std::to_string(out.formatVersion) + " (this double reads " +
            std::to_string(kFormatVersion) + ")";
    return false;
  }
  if (totalLength != size) {
    error = std::string(kSizeError) + " (header " + std::to_string(totalLength) + " bytes, given " +
            std::to_string(size) + ")";
    return false;
  }
  if (checksum != fnv1a32(bytes + kHeaderBytes, size - kHeaderBytes)) {
    error = "checksum mismatch (corrupt plan)";
    return false;
  }
  if ((out.flags & ~(kFlagNeedsHostCode | kFlagNeedsPlugin)) != 0 || reserved56 != 0) {
    error = "unknown flags or non-zero reserved header fields";
    return false;
  }
  if (computation < 1 || computation > kMaxComputation) {
    error = "unknown computation " + std::to_string(computation);
    return false;
  }
  out.computation = static_cast<Computation>(computation);
  if (nbTensors < 1 || nbTensors > kMaxTensors || out.nbProfiles < 1 || out.nbProfiles > kMaxProfiles) {
    error = "tensor count " + std::to_string(nbTensors) + " or profile count " + std::to_string(out.nbProfiles) +
            " out of range";
    return false;
  }

  Reader r(bytes, size, kHeaderBytes);
  out.tensors.assign(nbTensors, TensorSpec{});
  std::set<std::string> names;
  for (auto& t : out.tensors) {
    if (!parseTensor(r, out.nbProfiles, t, error)) {
      return false;
    }
    if (!names.insert(t.name).second) {
      error = "duplicate tensor name '" + t.name + "'";
      return false;
    }
  }
  if (r.nonZeroPadding()) {
    error = "non-zero padding after a tensor name";
    return false;
  }
  out.constants.resize(nbConstants);
  if (nbConstants > (size - r.pos()) / sizeof(float) || !r.take(out.constants.data(), nbConstants * sizeof(float))) {
    error = "truncated constants";
    return false;
  }
  if (r.pos() != size) {
    error = std::to_string(size - r.pos()) + " trailing bytes after the constants";
    return false;
  }
  for (auto const& t : out.tensors) {
    if (t.alias == 0) continue;
    std::size_t const k = t.alias - 1u;
    if (k >= out.tensors.size() || out.tensors[k].mode != code::kINPUT) {
      error = "output '" + t.name + "' aliases tensor " + std::to_string(k) + ", which is not an input";
      return false;
    }
  }
  return true;
}

bool validateComputation(EngineSpec const& spec, std::string& error) {
  std::vector<TensorSpec const*> in, out;
  for (auto const& t : spec.tensors) {
    (t.mode == code::kINPUT ? in : out).push_back(&t);
  }
  std::string const what = std::string("computation ") + computationName(spec.computation);
  auto fail = [&](std::string const& msg) {
    error = what + " " + msg;
    return false;
  };
  auto isDeviceData = [](TensorSpec const* t, uint8_t type) {
    return t->dataType == type && t->location == code::kDEVICE && !t->shapeInferenceIO;
  };
  auto isIndexType = [](uint8_t type) { return type == code::kINT32 || type == code::kINT64; };

  switch (spec.computation) {
    case Computation::kAFFINE:
    case Computation::kAFFINE_HALF: {
      uint8_t const outType = spec.computation == Computation::kAFFINE ? code::kFLOAT : code::kHALF;
      if (in.size() != 1 || out.size() != 1 || !isDeviceData(in[0], code::kFLOAT) || !isDeviceData(out[0], outType)) {
        return fail(std::string("needs one float32 device input and one ") +
                    (outType == code::kFLOAT ? "float32" : "float16") + " device output");
      }
      if (in[0]->dims.size() < 2 || in[0]->dims[1] <= 0) {
        return fail("needs an input of rank >= 2 with a static channel dimension (axis 1)");
      }
      if (!sameDims(in[0]->dims, out[0]->dims)) {
        return fail("needs the output shape to equal the input shape");
      }
      if (spec.constants.size() != 2 * static_cast<std::size_t>(in[0]->dims[1])) {
        return fail("needs 2*C = " + std::to_string(2 * in[0]->dims[1]) + " constants (a then b), got " +
                    std::to_string(spec.constants.size()));
      }
      return true;
    }
    case Computation::kSCORES_ARGMAX: {
      if (in.size() != 1 || out.size() != 2 || !isDeviceData(in[0], code::kFLOAT) ||
          !isDeviceData(out[0], code::kFLOAT) || out[1]->location != code::kDEVICE || !isIndexType(out[1]->dataType)) {
        return fail("needs one float32 device input, a float32 output and an int32/int64 output");
      }
      auto const& d = in[0]->dims;
      if (d.empty() || d.back() == 0 || !sameDims(d, out[0]->dims) ||
          !sameDims(std::vector<int64_t>(d.begin(), d.end() - 1), out[1]->dims)) {
        return fail("needs scores shaped like the input and indices shaped like the input without its last axis");
      }
      if (!spec.constants.empty()) {
        return fail("takes no constants");
      }
      return true;
    }
    case Computation::kNONZERO: {
      if (in.size() != 1 || out.size() != 1 || !isDeviceData(in[0], code::kFLOAT) ||
          out[0]->location != code::kDEVICE || !isIndexType(out[0]->dataType)) {
        return fail("needs one float32 device input and one int32/int64 device output");
      }
      auto const rank = static_cast<int64_t>(in[0]->dims.size());
      auto const& o = out[0]->dims;
      bool const flat = o.size() == 1 && o[0] == -1;
      bool const rankMajor = o.size() == 2 && o[0] == rank && o[1] == -1;
      if (rank < 1 || !(flat || rankMajor)) {
        return fail("needs an output shaped [-1] or [rank, -1]");
      }
      if (spec.constants.size() != 1) {
        return fail("needs exactly one constant (the threshold)");
      }
      if (spec.deviceMemorySize < 256) {
        return fail("needs deviceMemorySize >= 256 (scratch for the count)");
      }
      return true;
    }
    case Computation::kRESHAPE: {
      if (in.size() != 2 || out.size() != 1 || !isDeviceData(in[0], code::kFLOAT) ||
          !isDeviceData(out[0], code::kFLOAT)) {
        return fail("needs a float32 device data input, a shape input and a float32 device output");
      }
      auto const* s = in[1];
      if (!s->shapeInferenceIO || s->location != code::kHOST || !isIndexType(s->dataType) || s->dims.size() != 1 ||
          s->dims[0] < 1 || s->dims[0] > kMaxDims) {
        return fail("needs its second input to be an int32/int64 host shape tensor of shape [k], 1 <= k <= 8");
      }
      if (static_cast<int64_t>(out[0]->dims.size()) != s->dims[0]) {
        return fail("needs an output of rank k = " + std::to_string(s->dims[0]));
      }
      if (!spec.constants.empty()) {
        return fail("takes no constants");
      }
      return true;
    }
    case Computation::kSHAPE_OF: {
      if (in.size() != 1 || out.size() != 2 || !isDeviceData(in[0], code::kFLOAT) ||
          !isDeviceData(out[0], code::kFLOAT)) {
        return fail("needs one float32 device input, a float32 device output and a host shape output");
      }
      auto const* s = out[1];
      auto const rank = static_cast<int64_t>(in[0]->dims.size());
      if (!s->shapeInferenceIO || s->location != code::kHOST || !isIndexType(s->dataType) || s->dims.size() != 1 ||
          s->dims[0] != rank || rank < 1) {
        return fail("needs its second output to be an int32/int64 host shape tensor of shape [rank of the input]");
      }
      if (!sameDims(in[0]->dims, out[0]->dims) || !spec.constants.empty()) {
        return fail("needs the first output shaped like the input, and no constants");
      }
      return true;
    }
    case Computation::kCACHE_UPDATE: {
      if (in.size() != 2 || out.size() != 1 || !isDeviceData(in[0], code::kFLOAT) ||
          !isDeviceData(in[1], code::kFLOAT) || !isDeviceData(out[0], code::kFLOAT)) {
        return fail("needs float32 device inputs cache and update, and one float32 device output");
      }
      auto const& c = in[0]->dims;
      auto const& u = in[1]->dims;
      if (c.size() != 2 || u.size() != 2 || c[1] < 0 || c[1] != u[1] || !sameDims(c, out[0]->dims)) {
        return fail("needs cache [R, C] and update [K, C] with a static C, and the output shaped like the cache");
      }
      if (out[0]->alias == 0 || &spec.tensors[out[0]->alias - 1u] != in[0]) {
        return fail("needs its output to alias the cache input");
      }
      if (!spec.constants.empty()) {
        return fail("takes no constants");
      }
      return true;
    }
  }
  error = "unknown computation";
  return false;
}

char const* computationName(Computation c) noexcept {
  switch (c) {
    case Computation::kAFFINE:
      return "affine";
    case Computation::kAFFINE_HALF:
      return "affine-fp16";
    case Computation::kSCORES_ARGMAX:
      return "scores-argmax";
    case Computation::kNONZERO:
      return "nonzero";
    case Computation::kRESHAPE:
      return "reshape";
    case Computation::kSHAPE_OF:
      return "shape-of";
    case Computation::kCACHE_UPDATE:
      return "cache-update";
  }
  return "unknown";
}

int32_t bytesPerElement(uint8_t dataType) noexcept {
  switch (dataType) {
    case code::kFLOAT:
    case code::kINT32:
      return 4;
    case code::kHALF:
    case code::kBF16:
      return 2;
    case code::kINT64:
      return 8;
    case code::kINT4:
    case code::kFP4:
      return 0;
    default:
      return 1;
  }
}

}  // namespace trtdouble
