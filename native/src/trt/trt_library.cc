#include "trt_library.h"

#include <dlfcn.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <set>

#include "../native_error.h"
#include "trt_logger.h"
#include "trt_version.h"

namespace trtp {
namespace {

#define TRTP_STR2(x) #x
#define TRTP_STR(x) TRTP_STR2(x)

std::string libraryName() {
  const char* env = std::getenv("TRT_PARITY_LIBNVINFER");
  if (env != nullptr && *env != '\0') return env;
  return "libnvinfer.so." TRTP_STR(NV_TENSORRT_MAJOR);
}

std::string dlText() {
  const char* e = dlerror();
  return e != nullptr ? e : "unknown dlopen error";
}

struct State {
  std::once_flag once;
  std::atomic<bool> loaded{false};  // set once load() has run (successfully or not)
  TrtLibrary lib;
  std::string error;  // empty when loaded
};

State& state() {
  static State* s = new State();  // never unloaded: TensorRT must stay mapped while any object lives
  return *s;
}

void load(State& s) {
  s.lib.name = libraryName();
  void* handle = dlopen(s.lib.name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    s.error = "could not load " + s.lib.name + ": " + dlText() +
              " (install TensorRT " TRTP_STR(
                  NV_TENSORRT_MAJOR) ".x, add its lib folder to LD_LIBRARY_PATH, or set TRT_PARITY_LIBNVINFER)";
    return;
  }
  s.lib.createRuntime = reinterpret_cast<TrtLibrary::CreateRuntimeFn>(dlsym(handle, "createInferRuntime_INTERNAL"));
  if (s.lib.createRuntime == nullptr) {
    s.error = s.lib.name + " has no createInferRuntime_INTERNAL: " + dlText();
    return;
  }
  s.lib.libVersion = reinterpret_cast<TrtLibrary::LibVersionFn>(dlsym(handle, "getInferLibVersion"));
  if (s.lib.libVersion == nullptr) {
    s.error = s.lib.name + " has no getInferLibVersion: " + dlText();
    return;
  }
  const LibVersion v = decodeLibVersion(s.lib.libVersion());
  s.lib.version = v.text();
  if (v.major != NV_TENSORRT_MAJOR) {
    s.error =
        s.lib.name + " is TensorRT " + s.lib.version + " but this addon was built against TensorRT " +
        trtHeaderVersion() +
        " headers; major versions must match (rebuild the addon with `npm run build:native` against matching headers)";
    return;
  }
  if (v.minor < NV_TENSORRT_MINOR) {
    // Newer headers may call virtual methods an older library's vtable does not have: undefined behaviour.
    s.error = s.lib.name + " is TensorRT " + s.lib.version + ", older than the " + trtHeaderVersion() +
              " headers this addon was built against; rebuild the addon against headers no newer than the library";
    return;
  }
  std::string pluginName = "libnvinfer_plugin.so." TRTP_STR(NV_TENSORRT_MAJOR);
  const std::string::size_type slash = s.lib.name.rfind('/');
  void* plugin = nullptr;
  if (slash != std::string::npos)
    plugin = dlopen((s.lib.name.substr(0, slash + 1) + pluginName).c_str(), RTLD_NOW | RTLD_LOCAL);
  if (plugin == nullptr) plugin = dlopen(pluginName.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (plugin == nullptr) {
    s.lib.pluginNote = pluginName + " not loaded: " + dlText();
  } else {
    s.lib.initPlugins = reinterpret_cast<TrtLibrary::InitPluginsFn>(dlsym(plugin, "initLibNvInferPlugins"));
    if (s.lib.initPlugins == nullptr) {
      s.lib.pluginNote = pluginName + " has no initLibNvInferPlugins";
    } else if (!s.lib.initPlugins(static_cast<void*>(static_cast<nvinfer1::ILogger*>(&trtLogger())), "")) {
      s.lib.pluginNote = "initLibNvInferPlugins returned false";
    }
  }
}

}  // namespace

const TrtLibrary& trtLibrary() {
  State& s = state();
  std::call_once(s.once, [&s] {
    try {
      load(s);
    } catch (const std::exception& e) {
      s.error = e.what();
    }
    s.loaded.store(true);
  });
  if (!s.error.empty()) fail("ERR_TRT_LIBRARY", s.error);
  return s.lib;
}

TrtLibraryState trtLibraryState(bool load) noexcept {
  TrtLibraryState out;
  try {
    out.name = libraryName();
    if (!load && !state().loaded.load()) return out;  // not tried yet, and not to be tried on this thread
    const TrtLibrary& lib = trtLibrary();
    out.name = lib.name;
    out.version = lib.version;
  } catch (const std::exception& e) {
    out.error = e.what();
    const State& s = state();
    if (!s.lib.version.empty()) out.version = s.lib.version;
  }
  return out;
}

void loadPluginLibrary(nvinfer1::IPluginRegistry& registry, const std::string& path, std::vector<std::string>& logs,
                       int logLevel) {
  static std::mutex* mutex = new std::mutex();
  static std::set<std::string>* loaded = new std::set<std::string>();  // never unloaded, as the creators live in them
  std::lock_guard<std::mutex> lock(*mutex);
  if (loaded->count(path) != 0) return;
  (void)dlerror();
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) fail("ERR_INVALID_ARGUMENT", "plugin library '" + path + "' could not be loaded: " + dlText());
  loaded->insert(path);
  // The plugin library's own entry points (not TensorRT's): NvInferRuntime.h names these two for loadLibrary.
  static constexpr const char* kEntryPoints[] = {"getCreators", "getPluginCreators"};
  bool dynamic = false;
  for (const char* entry : kEntryPoints) dynamic = dynamic || dlsym(handle, entry) != nullptr;
  if (!dynamic) return;
  if (registry.loadLibrary(path.c_str()) == nullptr && logLevel >= 2) {
    logs.push_back(
        "[W] trt-parity: IPluginRegistry::loadLibrary('" + path +
        "') returned null after the library loaded; its creators are probably registered already (continuing)");
  }
}

}  // namespace trtp
