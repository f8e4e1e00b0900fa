// The execution context of the double: shapes, addresses, allocators, and enqueueV3.
#pragma once

#include "engine.h"

namespace trtdouble {

//! A new context on `engine` (whose public face is `pub`). Returns null and logs when device memory
//! cannot be allocated.
nvinfer1::IExecutionContext* makeContext(EngineData& engine, nvinfer1::ICudaEngine& pub, MemoryStrategy strategy,
                                         Log const& log) noexcept;

#if DBL_AT_LEAST(10, 11)
//! A fresh IRuntimeConfig holding `strategy`.
nvinfer1::IRuntimeConfig* makeRuntimeConfig(nvinfer1::ExecutionContextAllocationStrategy strategy) noexcept;
#endif

}  // namespace trtdouble
