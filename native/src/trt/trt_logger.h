// One process-wide TensorRT logger (the library keeps the first logger it sees as effectively
// global, so every runtime gets this one). It must be thread-safe and must never call N-API: it only
// appends lines to the sinks of the calls in progress.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "trt_version.h"

namespace trtp {

class CapturingLogger final : public nvinfer1::ILogger {
 public:
  void log(Severity severity, nvinfer1::AsciiChar const* msg) noexcept override;

  /**
   * Lines at or below `threshold` (ILogger::Severity as int) go to `sink` while registered. Lines
   * TensorRT logs on the registering thread go only to that thread's sink; lines from TensorRT's own
   * threads go to every registered sink.
   */
  void addSink(std::vector<std::string>* sink, int threshold) noexcept;
  void removeSink(std::vector<std::string>* sink) noexcept;

 private:
  struct Sink {
    std::vector<std::string>* lines;
    int threshold;
  };
  std::mutex mutex_;
  std::vector<Sink> sinks_;
};

/** Never destroyed: it must outlive every runtime, including at process exit. */
CapturingLogger& trtLogger() noexcept;

/** Registers a sink for a scope. */
class LogCapture {
 public:
  LogCapture(std::vector<std::string>* sink, int threshold) noexcept : sink_(sink) {
    trtLogger().addSink(sink, threshold);
  }
  ~LogCapture() { trtLogger().removeSink(sink_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

 private:
  std::vector<std::string>* sink_;
};

/** "\n  [E] ..." lines appended to an error message; empty when there are none. */
std::string logTail(const std::vector<std::string>& lines);

}  // namespace trtp
