// The process-wide plugin registry double and the logger it reports to.
#pragma once

#include "common.h"

#include <string>

namespace trtdouble {

//! The logger of the most recently created runtime (TensorRT's logger is effectively global too).
ILogger* globalLogger() noexcept;
void setGlobalLogger(ILogger* logger) noexcept;

//! The one registry, as getPluginRegistry() and IRuntime::getPluginRegistry() return it.
nvinfer1::IPluginRegistry& globalRegistry() noexcept;

//! Whether a creator with this name, version and namespace is registered.
bool hasPluginCreator(std::string const& name, std::string const& version, std::string const& ns) noexcept;

}  // namespace trtdouble
