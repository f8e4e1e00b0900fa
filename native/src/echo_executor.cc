#include "echo_executor.h"

#include <chrono>
#include <cstdint>
#include <limits>
#include <thread>

#include "cuda_check.h"
#include "native_error.h"

namespace trtp {
namespace {

void CUDART_CB sleepOnStream(void* data) {
  const double ms = *static_cast<const double*>(data);
  std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(ms));
}

class EchoExecutor final : public Executor {
 public:
  EchoExecutor(const EchoSpec& spec, int device)
      : delayMs_(spec.delayMs),
        failEnqueue_(spec.failEnqueue),
        failCapture_(spec.failCapture),
        invalidateCapture_(spec.invalidateCapture) {
    desc_.device = device;
    desc_.hardwareCompatibility = "none";
    for (const auto& in : spec.inputs) {
      TensorDesc t;
      t.name = in.name;
      t.isInput = true;
      t.dtype = in.dtype;
      t.shape = in.shape;
      t.onHost = in.onHost;
      t.formatDesc = "Row-major linear format (echo)";
      ProfileShapes p;
      for (int64_t d : in.shape) {
        p.min.push_back(d < 0 ? 0 : d);
        p.opt.push_back(d < 0 ? 1 : d);
        p.max.push_back(d < 0 ? std::numeric_limits<int32_t>::max() : d);
      }
      t.profiles.push_back(p);
      desc_.tensors.push_back(t);
    }
    const std::size_t n = desc_.tensors.size();
    for (std::size_t i = 0; i < n; ++i) {
      TensorDesc out = desc_.tensors[i];
      out.name += "_echo";
      out.isInput = false;
      out.onHost = false;
      out.profiles.clear();
      desc_.tensors.push_back(out);
    }
    inputs_ = n;
    shapes_.resize(desc_.tensors.size());
    addresses_.resize(desc_.tensors.size(), nullptr);
    outputs_.resize(desc_.tensors.size(), nullptr);
  }

  const EngineDesc& desc() const noexcept override { return desc_; }
  void beginCall(std::vector<std::string>* sink) noexcept override { sink_ = sink; }
  void endCall() noexcept override { sink_ = nullptr; }

  void selectProfile(int profile, cudaStream_t) override {
    if (profile != 0) fail("ERR_INVALID_ARGUMENT", "the echo engine has only profile 0");
  }
  void setInputShape(std::size_t tensor, const Shape& shape) override { shapes_[tensor] = shape; }
  void setInputAddress(std::size_t tensor, const void* address) override {
    if (!desc_.tensors[tensor].onHost && reinterpret_cast<std::uintptr_t>(address) % kDeviceAlignment != 0) {
      fail("ERR_CUDA", "input '" + desc_.tensors[tensor].name + "' address is not 256-byte aligned");
    }
    addresses_[tensor] = address;
  }
  void checkShapes() override {}
  Shape outputShape(std::size_t tensor) override { return shapes_[tensor - inputs_]; }
  void setOutputBuffer(std::size_t tensor, DeviceBuffer& slot, bool) override { outputs_[tensor] = &slot; }
  void bindOutput(std::size_t tensor, void*) override {
    // Echo outputs are device tensors of their own: nothing ever asks for this.
    fail("ERR_TRT", "the echo engine has no host or aliased output ('" + desc_.tensors[tensor].name + "')");
  }

  void enqueue(cudaStream_t stream) override {
    if (failEnqueue_) {
      if (sink_ != nullptr) sink_->push_back("[E] echo: enqueue failed because the spec asked for it");
      fail("ERR_TRT", "enqueue failed (echo engine with failEnqueue)");
    }
    cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
    if (failCapture_ || invalidateCapture_) cudaCheck(cudaStreamIsCapturing(stream, &capture), "cudaStreamIsCapturing");
    if (failCapture_ && capture != cudaStreamCaptureStatusNone) {
      if (sink_ != nullptr)
        sink_->push_back("[E] echo: enqueue failed during stream capture because the spec asked for it");
      fail("ERR_TRT", "enqueue failed (echo engine with failCapture)");
    }
    for (std::size_t i = 0; i < inputs_; ++i) {
      const TensorDesc& t = desc_.tensors[i];
      const std::size_t bytes =
          static_cast<std::size_t>(volumeOf(shapes_[i]).value_or(0) * runnableElementSize(t.dtype));
      if (bytes == 0) continue;
      cudaCheck(cudaMemcpyAsync(outputs_[i + inputs_]->get(), addresses_[i], bytes,
                                t.onHost ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToDevice, stream),
                "cudaMemcpyAsync(echo '" + t.name + "')");
    }
    if (delayMs_ > 0) cudaCheck(cudaLaunchHostFunc(stream, sleepOnStream, &delayMs_), "cudaLaunchHostFunc");
    if (invalidateCapture_ && capture != cudaStreamCaptureStatusNone) {
      // Forbidden while capturing: CUDA refuses it and invalidates the capture, which cudaStreamEndCapture then reports.
      // Provoking that is the point, so the error is dropped here.
      (void)cudaStreamSynchronize(stream);
      (void)cudaGetLastError();
    }
  }

  Shape finalOutputShape(std::size_t tensor) override { return shapes_[tensor - inputs_]; }

 private:
  EngineDesc desc_;
  std::size_t inputs_ = 0;
  double delayMs_;
  bool failEnqueue_;
  bool failCapture_;
  bool invalidateCapture_;
  std::vector<std::string>* sink_ = nullptr;
  std::vector<Shape> shapes_;
  std::vector<const void*> addresses_;
  std::vector<DeviceBuffer*> outputs_;
};

}  // namespace

std::unique_ptr<Executor> createEchoExecutor(const EchoSpec& spec, int device) {
  return std::make_unique<EchoExecutor>(spec, device);
}

}  // namespace trtp
