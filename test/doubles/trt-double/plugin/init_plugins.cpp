// libnvinfer_plugin double: only the entry point an application calls before deserializing.
#include "../src/common.h"

#include "NvInferPlugin.h"

extern "C" __attribute__((visibility("default"))) bool initLibNvInferPlugins(void* logger, char const* libNamespace) {
  std::string const ns = libNamespace == nullptr ? "" : libNamespace;
  DBL_TRACE("initLibNvInferPlugins", "\"" + ns + "\"", "true");
  // True is honest here: there is nothing to register, and the double's engines need no plugin.
  trtdouble::Log(static_cast<nvinfer1::ILogger*>(logger))
      .info("trt-double: initLibNvInferPlugins(\"" + ns + "\"): no plugin creators (the double's engines use none)");
  return true;
}
