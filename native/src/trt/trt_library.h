// libnvinfer is never linked: it is dlopen'ed when an engine is first needed, and only two C symbols
// are resolved (everything else is inline or virtual in the headers).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

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

/** Tries to load; never throws. */
TrtLibraryState trtLibraryState() noexcept;

}  // namespace trtp
