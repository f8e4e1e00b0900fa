#include "registry.h"

#include <dlfcn.h>
#include <atomic>
#include <mutex>
#include <set>
#include <string>

namespace trtdouble {

using namespace nvinfer1;

namespace {

std::atomic<ILogger*> gLogger{nullptr};

//! Keeps creators by (name, version, namespace) as TensorRT does: a library registers its creators
//! from static initializers when it is dlopen'ed (REGISTER_TENSORRT_PLUGIN), or through loadLibrary
//! when it exports getCreators / getPluginCreators. A second registration of the same key is refused.
class PluginRegistryImpl final : public IPluginRegistry {
 public:
  ~PluginRegistryImpl() noexcept override = default;

  //! Registers one creator; false (and an error line) when the key is taken.
  bool add(std::string const& name, std::string const& version, std::string const& ns, char const* api) noexcept {
    try {
      std::lock_guard<std::mutex> lock(mMutex);
      bool const fresh = mCreators.insert(ns + "::" + name + " version " + version).second;
      DBL_TRACE(api, name + " " + version + " \"" + ns + "\"", fresh ? "true" : "false");
      if (!fresh) {
        // [guess] TensorRT's wording for this case was not found in public sources.
        log().error(ErrorCode::kINVALID_ARGUMENT, api,
                    "Plugin creator already registered - " + ns + "::" + name + " version " + version);
      }
      return fresh;
    } catch (...) {
      return false;
    }
  }

  bool has(std::string const& name, std::string const& version, std::string const& ns) noexcept {
    try {
      std::lock_guard<std::mutex> lock(mMutex);
      return mCreators.count(ns + "::" + name + " version " + version) != 0;
    } catch (...) {
      return false;
    }
  }

  Log log() const noexcept {
    Log l(globalLogger());
    l.setRecorder(mRecorder);
    return l;
  }

#if NV_TENSORRT_MAJOR < 11
// These overrides are pure virtuals of the interface, so they must exist even though the type is deprecated.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  bool registerCreator(IPluginCreator& creator, AsciiChar const* const ns) noexcept override {
    return add(str(creator.getPluginName()), str(creator.getPluginVersion()), ns == nullptr ? "" : ns,
               "IPluginRegistry::registerCreator");
  }
  IPluginCreator* const* getPluginCreatorList(int32_t* const numCreators) const noexcept override {
    if (numCreators != nullptr) *numCreators = 0;
    return nullptr;
  }
  IPluginCreator* getPluginCreator(AsciiChar const* const, AsciiChar const* const,
                                   AsciiChar const* const) noexcept override {
    return nullptr;  // no creator is registered: "not found" is the true answer
  }
  bool deregisterCreator(IPluginCreator const&) noexcept override {
    log().unsupported("IPluginRegistry::deregisterCreator");
    return false;
  }
#pragma GCC diagnostic pop
#endif
  void setErrorRecorder(IErrorRecorder* const recorder) noexcept override { mRecorder = recorder; }
  IErrorRecorder* getErrorRecorder() const noexcept override { return mRecorder; }
  bool isParentSearchEnabled() const override { return mParentSearch; }
  void setParentSearchEnabled(bool const enabled) override { mParentSearch = enabled; }
  PluginLibraryHandle loadLibrary(AsciiChar const* pluginPath) noexcept override {
    // dlopen runs the library's static initializers (REGISTER_TENSORRT_PLUGIN registrations) first.
    void* h = pluginPath == nullptr ? nullptr : dlopen(pluginPath, RTLD_LAZY | RTLD_LOCAL);
    if (h == nullptr) {
      char const* why = dlerror();
      log().error(ErrorCode::kINVALID_ARGUMENT, "IPluginRegistry::loadLibrary",
                  std::string("cannot load plugin library ") + str(pluginPath) + ": " + (why ? why : "null path"));
      DBL_TRACE("IPluginRegistry::loadLibrary", str(pluginPath), "null");
      return nullptr;
    }
    // NvInferRuntime.h: loadLibrary is for libraries that export getCreators (or getPluginCreators), and
    // "will fail and return nullptr if any of the plugins are already registered".
    bool ok = true;
    bool found = false;
#if NV_TENSORRT_MAJOR >= 10
    using GetCreators = IPluginCreatorInterface* const* (*)(int32_t&);
    if (auto get = reinterpret_cast<GetCreators>(dlsym(h, "getCreators"))) {
      found = true;
      int32_t n = 0;
      IPluginCreatorInterface* const* list = get(n);
      for (int32_t i = 0; i < n && list != nullptr; ++i) ok = registerCreator(*list[i], "") && ok;
    }
#endif
    if (!found && dlsym(h, "getPluginCreators") != nullptr) {
      // [guess] V1 creator lists are not produced by the double's own plugin; refuse loudly.
      found = true;
      log().unsupported("IPluginRegistry::loadLibrary of a getPluginCreators library");
      ok = false;
    }
    if (!found) {
      // [guess] TensorRT's behaviour for a library without the entry points is not documented.
      log().error(ErrorCode::kINVALID_ARGUMENT, "IPluginRegistry::loadLibrary",
                  std::string("plugin library ") + pluginPath + " exports neither getCreators nor getPluginCreators");
      ok = false;
    }
    DBL_TRACE("IPluginRegistry::loadLibrary", str(pluginPath), ok ? str(static_cast<void const*>(h)) : "null");
    if (!ok) return nullptr;
    std::lock_guard<std::mutex> lock(mMutex);
    mHandles.insert(h);
    return h;
  }
  void deregisterLibrary(PluginLibraryHandle handle) noexcept override {
    std::lock_guard<std::mutex> lock(mMutex);
    DBL_TRACE("IPluginRegistry::deregisterLibrary", str(static_cast<void const*>(handle)), "void");
    if (mHandles.erase(handle) == 1) {
      dlclose(handle);
    } else {
      log().error(ErrorCode::kINVALID_ARGUMENT, "IPluginRegistry::deregisterLibrary",
                  "handle " + str(static_cast<void const*>(handle)) + " was not returned by loadLibrary");
    }
  }
#if NV_TENSORRT_MAJOR >= 10
  bool registerCreator(IPluginCreatorInterface& creator, AsciiChar const* const ns) noexcept override {
    // As TensorRT: the interface kind says which creator class it is.
    std::string const kind = str(creator.getInterfaceInfo().kind);
    if (kind == "PLUGIN CREATOR_V3ONE") {
      auto& c = static_cast<IPluginCreatorV3One&>(creator);
      return add(str(c.getPluginName()), str(c.getPluginVersion()), ns == nullptr ? "" : ns,
                 "IPluginRegistry::registerCreator");
    }
    log().error(ErrorCode::kINVALID_ARGUMENT, "IPluginRegistry::registerCreator",
                "trt-double: creators of kind '" + kind + "' are not supported");
    return false;
  }
  IPluginCreatorInterface* const* getAllCreators(int32_t* const numCreators) const noexcept override {
    if (numCreators != nullptr) *numCreators = 0;
    return nullptr;
  }
  IPluginCreatorInterface* getCreator(AsciiChar const* const, AsciiChar const* const,
                                      AsciiChar const* const) noexcept override {
    return nullptr;
  }
  bool deregisterCreator(IPluginCreatorInterface const&) noexcept override {
    log().unsupported("IPluginRegistry::deregisterCreator");
    return false;
  }
  IPluginResource* acquirePluginResource(AsciiChar const*, IPluginResource*) noexcept override {
    log().unsupported("IPluginRegistry::acquirePluginResource");
    return nullptr;
  }
  int32_t releasePluginResource(AsciiChar const*) noexcept override {
    log().unsupported("IPluginRegistry::releasePluginResource");
    return -1;
  }
  // Added in a later 10.x than 10.0 (the headers do not say which): no `override`, see context.cpp.
  IPluginCreatorInterface* const* getAllCreatorsRecursive(int32_t* const numCreators) noexcept {
    if (numCreators != nullptr) *numCreators = 0;
    return nullptr;
  }
#endif

 private:
  IErrorRecorder* mRecorder = nullptr;
  bool mParentSearch = true;
  std::mutex mMutex;
  std::set<void*> mHandles;
  std::set<std::string> mCreators;
};

}  // namespace

ILogger* globalLogger() noexcept { return gLogger.load(); }

void setGlobalLogger(ILogger* logger) noexcept { gLogger.store(logger); }

namespace {
PluginRegistryImpl& impl() noexcept {
  // Leaked on purpose: plugin libraries may outlive static destruction order.
  static auto* registry = new PluginRegistryImpl();
  return *registry;
}
}  // namespace

IPluginRegistry& globalRegistry() noexcept { return impl(); }

bool hasPluginCreator(std::string const& name, std::string const& version, std::string const& ns) noexcept {
  return impl().has(name, version, ns);
}

}  // namespace trtdouble
