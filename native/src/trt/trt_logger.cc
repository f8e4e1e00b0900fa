#include "trt_logger.h"

#include <algorithm>

namespace trtp {
namespace {

thread_local std::vector<std::string>* tlsSink = nullptr;
thread_local int tlsThreshold = 0;

const char* tag(int severity) {
  switch (severity) {
    case 0:
      return "[F] ";
    case 1:
      return "[E] ";
    case 2:
      return "[W] ";
    case 3:
      return "[I] ";
    default:
      return "[V] ";
  }
}

}  // namespace

void CapturingLogger::log(Severity severity, nvinfer1::AsciiChar const* msg) noexcept {
  try {
    const int sev = static_cast<int>(severity);
    std::string line = std::string(tag(sev)) + (msg != nullptr ? msg : "");
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    std::lock_guard<std::mutex> lock(mutex_);
    if (tlsSink != nullptr) {
      if (sev <= tlsThreshold) tlsSink->push_back(line);
      return;
    }
    for (const Sink& s : sinks_) {
      if (sev <= s.threshold) s.lines->push_back(line);
    }
  } catch (...) {
    // Out of memory while logging: dropping the line is the only safe thing in a noexcept callback.
  }
}

void CapturingLogger::addSink(std::vector<std::string>* sink, int threshold) noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  try {
    sinks_.push_back(Sink{sink, threshold});
  } catch (...) {
  }
  tlsSink = sink;
  tlsThreshold = threshold;
}

void CapturingLogger::removeSink(std::vector<std::string>* sink) noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  sinks_.erase(std::remove_if(sinks_.begin(), sinks_.end(), [sink](const Sink& s) { return s.lines == sink; }),
               sinks_.end());
  if (tlsSink == sink) tlsSink = nullptr;
}

CapturingLogger& trtLogger() noexcept {
  static CapturingLogger* logger = new CapturingLogger();  // deliberately leaked, see header
  return *logger;
}

std::string logTail(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) {
    if (l.rfind("[E] ", 0) == 0 || l.rfind("[F] ", 0) == 0 || l.rfind("[W] ", 0) == 0) out += "\n  TensorRT: " + l;
  }
  return out;
}

}  // namespace trtp
