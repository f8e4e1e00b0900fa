// A plugin library as users build them: its creator registers itself from a static initializer when
// the library is dlopen'ed (REGISTER_TENSORRT_PLUGIN), and it exports no getCreators, so
// IPluginRegistry::loadLibrary is not meant for it (NvInferRuntime.h). The double's plans with the
// needs-plugin flag (FORMAT.md) deserialize only once this creator is registered. It creates no
// plugin: the double's computations never call one.
#include "NvInferRuntime.h"

#include "../src/format.h"

namespace {

#if NV_TENSORRT_MAJOR >= 10
class NoopCreator final : public nvinfer1::IPluginCreatorV3One {
 public:
  nvinfer1::IPluginV3* createPlugin(nvinfer1::AsciiChar const*, nvinfer1::PluginFieldCollection const*,
                                    nvinfer1::TensorRTPhase) noexcept override {
    return nullptr;
  }
  nvinfer1::PluginFieldCollection const* getFieldNames() noexcept override { return &mFields; }
  nvinfer1::AsciiChar const* getPluginName() const noexcept override { return trtdouble::kPluginName; }
  nvinfer1::AsciiChar const* getPluginVersion() const noexcept override { return trtdouble::kPluginVersion; }
  nvinfer1::AsciiChar const* getPluginNamespace() const noexcept override { return ""; }

 private:
  nvinfer1::PluginFieldCollection mFields{};
};
#else
// 8.x: IPluginCreator returns IPluginV2, deprecated in 8.6 but still what a V1 creator must return.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
class NoopCreator final : public nvinfer1::IPluginCreator {
 public:
  nvinfer1::AsciiChar const* getPluginName() const noexcept override { return trtdouble::kPluginName; }
  nvinfer1::AsciiChar const* getPluginVersion() const noexcept override { return trtdouble::kPluginVersion; }
  nvinfer1::PluginFieldCollection const* getFieldNames() noexcept override { return &mFields; }
  nvinfer1::IPluginV2* createPlugin(nvinfer1::AsciiChar const*,
                                    nvinfer1::PluginFieldCollection const*) noexcept override {
    return nullptr;
  }
  nvinfer1::IPluginV2* deserializePlugin(nvinfer1::AsciiChar const*, void const*, size_t) noexcept override {
    return nullptr;
  }
  void setPluginNamespace(nvinfer1::AsciiChar const*) noexcept override {}
  nvinfer1::AsciiChar const* getPluginNamespace() const noexcept override { return ""; }

 private:
  nvinfer1::PluginFieldCollection mFields{};
};
#pragma GCC diagnostic pop
#endif

}  // namespace

REGISTER_TENSORRT_PLUGIN(NoopCreator);
