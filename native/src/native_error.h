// Errors that cross from C++ into JavaScript carry a machine-readable code (NativeErrorCode in
// src/backends/tensorrt/native-contract.ts) so TypeScript never has to parse message text.
#pragma once

#include <stdexcept>
#include <string>

namespace trtp {

class NativeError : public std::runtime_error {
 public:
  NativeError(std::string code, const std::string& message) : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const noexcept { return code_; }

 private:
  std::string code_;
};

[[noreturn]] inline void fail(const char* code, const std::string& message) { throw NativeError(code, message); }

}  // namespace trtp
