// libnvinfer is never linked: it is dlopen'ed when an engine is first needed, and only two C symbols
// are resolved (everything else is inline or virtual in the headers).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "trt_version.h"

namespace trtp {

struct TrtLibrary {
  using CreateRuntimeFn = void* (*)(void* logger, int32_t version) noexcept;
  using LibVersionFn = int32_t (*)() noexcept;
  using InitPluginsFn = bool (*)(void* logger, char const* libNamespace);

  CreateRuntimeFn createRuntime = nullptr;
  LibVersionFn libVersion = nullptr;
  /** Null when libnvinfer_plugin could not be loaded (then engines with stock plugins fail to deserialize). */
  InitPluginsFn initPlugins = nullptr;
  std::string name;
  std::string version;
  std::string pluginNote;
};

/** Loads once per process (thread-safe) and caches failure; throws ERR_TRT_LIBRARY with the reason. */
const TrtLibrary& trtLibrary();

struct TrtLibraryState {
  std::string name;
  std::optional<std::string> version;
  std::optional<std::string> error;
};

/**
 * Never throws. With `load`, loads libnvinfer first (a dlopen that can take seconds with the real
 * library: call it off the JS thread); without, reports only what an earlier load found (version
 * and error null when none was tried yet).
 */
TrtLibraryState trtLibraryState(bool load) noexcept;

/**
 * Loads a plugin library once per process, as trtexec does: dlopen first (libraries built with
 * REGISTER_TENSORRT_PLUGIN register their creators from static initializers), then
 * IPluginRegistry::loadLibrary only when the library exports the dynamic-plugin entry points
 * (getCreators / getPluginCreators). loadLibrary "will fail and return nullptr if any of the plugins
 * are already registered", so its nullptr after a successful dlopen is a warning in `logs`, not an
 * error. A library already loaded in this process (same path) is not loaded again. Throws
 * ERR_INVALID_ARGUMENT when dlopen fails.
 */
void loadPluginLibrary(nvinfer1::IPluginRegistry& registry, const std::string& path, std::vector<std::string>& logs,
                       int logLevel);

}  // namespace trtp
