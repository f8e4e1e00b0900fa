#include "registry.h"

#include <atomic>
#include <dlfcn.h>
#include <mutex>
#include <set>

namespace trtdouble
{

using namespace nvinfer1;

namespace
{

std::atomic<ILogger*> gLogger{nullptr};

//! Loads plugin libraries for real (dlopen) but registers no creators: the double's engines use none.
class PluginRegistryImpl final : public IPluginRegistry
{
public:
    ~PluginRegistryImpl() noexcept override = default;

    Log log() const noexcept
    {
        Log l(globalLogger());
        l.setRecorder(mRecorder);
        return l;
    }

#if NV_TENSORRT_MAJOR < 11
// These overrides are pure virtuals of the interface, so they must exist even though the type is deprecated.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    bool registerCreator(IPluginCreator&, AsciiChar const* const) noexcept override
    {
        log().unsupported("IPluginRegistry::registerCreator");
        return false;
    }
    IPluginCreator* const* getPluginCreatorList(int32_t* const numCreators) const noexcept override
    {
        if (numCreators != nullptr)
            *numCreators = 0;
        return nullptr;
    }
    IPluginCreator* getPluginCreator(AsciiChar const* const, AsciiChar const* const, AsciiChar const* const) noexcept
        override
    {
        return nullptr; // no creator is registered: "not found" is the true answer
    }
    bool deregisterCreator(IPluginCreator const&) noexcept override
    {
        log().unsupported("IPluginRegistry::deregisterCreator");
        return false;
    }
#pragma GCC diagnostic pop
#endif
    void setErrorRecorder(IErrorRecorder* const recorder) noexcept override
    {
        mRecorder = recorder;
    }
    IErrorRecorder* getErrorRecorder() const noexcept override
    {
        return mRecorder;
    }
    bool isParentSearchEnabled() const override
    {
        return mParentSearch;
    }
    void setParentSearchEnabled(bool const enabled) override
    {
        mParentSearch = enabled;
    }
    PluginLibraryHandle loadLibrary(AsciiChar const* pluginPath) noexcept override
    {
        void* h = pluginPath == nullptr ? nullptr : dlopen(pluginPath, RTLD_LAZY | RTLD_LOCAL);
        if (h == nullptr)
        {
            char const* why = dlerror();
            log().error(ErrorCode::kINVALID_ARGUMENT, "IPluginRegistry::loadLibrary",
                std::string("cannot load plugin library ") + str(pluginPath) + ": " + (why ? why : "null path"));
        }
        else
        {
            std::lock_guard<std::mutex> lock(mMutex);
            mHandles.insert(h);
            log().info(std::string("trt-double: loaded plugin library ") + pluginPath + " (no creators registered)");
        }
        DBL_TRACE("IPluginRegistry::loadLibrary", str(pluginPath), str(static_cast<void const*>(h)));
        return h;
    }
    void deregisterLibrary(PluginLibraryHandle handle) noexcept override
    {
        std::lock_guard<std::mutex> lock(mMutex);
        DBL_TRACE("IPluginRegistry::deregisterLibrary", str(static_cast<void const*>(handle)), "void");
        if (mHandles.erase(handle) == 1)
        {
            dlclose(handle);
        }
        else
        {
            log().error(ErrorCode::kINVALID_ARGUMENT, "IPluginRegistry::deregisterLibrary",
                "handle " + str(static_cast<void const*>(handle)) + " was not returned by loadLibrary");
        }
    }
#if NV_TENSORRT_MAJOR >= 10
    bool registerCreator(IPluginCreatorInterface&, AsciiChar const* const) noexcept override
    {
        log().unsupported("IPluginRegistry::registerCreator");
        return false;
    }
    IPluginCreatorInterface* const* getAllCreators(int32_t* const numCreators) const noexcept override
    {
        if (numCreators != nullptr)
            *numCreators = 0;
        return nullptr;
    }
    IPluginCreatorInterface* getCreator(AsciiChar const* const, AsciiChar const* const,
        AsciiChar const* const) noexcept override
    {
        return nullptr;
    }
    bool deregisterCreator(IPluginCreatorInterface const&) noexcept override
    {
        log().unsupported("IPluginRegistry::deregisterCreator");
        return false;
    }
    IPluginResource* acquirePluginResource(AsciiChar const*, IPluginResource*) noexcept override
    {
        log().unsupported("IPluginRegistry::acquirePluginResource");
        return nullptr;
    }
    int32_t releasePluginResource(AsciiChar const*) noexcept override
    {
        log().unsupported("IPluginRegistry::releasePluginResource");
        return -1;
    }
    // Added in a later 10.x than 10.0 (the headers do not say which): no `override`, see context.cpp.
    IPluginCreatorInterface* const* getAllCreatorsRecursive(int32_t* const numCreators) noexcept
    {
        if (numCreators != nullptr)
            *numCreators = 0;
        return nullptr;
    }
#endif

private:
    IErrorRecorder* mRecorder = nullptr;
    bool mParentSearch = true;
    std::mutex mMutex;
    std::set<void*> mHandles;
};

} // namespace

ILogger* globalLogger() noexcept
{
    return gLogger.load();
}

void setGlobalLogger(ILogger* logger) noexcept
{
    gLogger.store(logger);
}

IPluginRegistry& globalRegistry() noexcept
{
    // Leaked on purpose: plugin libraries may outlive static destruction order.
    static auto* registry = new PluginRegistryImpl();
    return *registry;
}

} // namespace trtdouble
