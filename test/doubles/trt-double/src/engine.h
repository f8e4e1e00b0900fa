// What a deserialized plan holds, shared by the engine and its execution contexts.
#pragma once

#include "common.h"
#include "format.h"

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace trtdouble {

//! The double's own name for ExecutionContextAllocationStrategy (which 8.6 lacks).
enum class MemoryStrategy { kSTATIC, kON_PROFILE_CHANGE, kUSER_MANAGED };

struct EngineTensor {
  TensorSpec spec;
  //! getTensorFormatDesc text, built once so the returned pointer stays valid.
  std::string formatDesc;
  //! int32 copies of the shape-tensor profile values, [profile][min/opt/max], for getProfileTensorValues.
  std::vector<std::array<std::vector<int32_t>, 3>> values32;
};

struct EngineData {
  EngineSpec spec;
  std::vector<EngineTensor> tensors;
  //! The plan bytes, for IHostMemory from serialize().
  std::vector<uint8_t> blob;
  std::string name;
  //! The CUDA device current at deserialization (TensorRT binds engines to it).
  int32_t device = 0;
  //! The constants on the device (null in CPU-only mode or when there are none).
  float* deviceConstants = nullptr;
  //! 8.6 gives profile 0 only to the first context of an engine.
  std::atomic<int32_t> contextsCreated{0};

  ~EngineData();

  //! Index of `name` in I/O order, or -1 (also for null).
  int32_t find(char const* name) const noexcept;
  EngineTensor const* tensor(char const* name) const noexcept;
  bool isInput(int32_t i) const noexcept { return tensors[static_cast<std::size_t>(i)].spec.mode == code::kINPUT; }
};

//! Builds the engine data from a parsed spec: format descriptions, int32 values, device constants.
//! Returns null and sets `error` on a CUDA failure.
std::unique_ptr<EngineData> makeEngineData(EngineSpec spec, void const* blob, std::size_t size, std::string& error);

//! Wraps engine data into a public ICudaEngine (owning it).
nvinfer1::ICudaEngine* makeEngine(std::unique_ptr<EngineData> data, Log const& log);

//! Components per element, vectorized dim and a description for a TensorFormat code.
int32_t formatComponents(uint8_t format) noexcept;
int32_t formatVectorizedDim(uint8_t format, int32_t nbDims) noexcept;
std::string formatDescription(uint8_t format, uint8_t dataType);

// Trace fields that let a test prove which GPU each call ran on (multi-device tests). Here and not in
// common.cpp because the plugin library shares common.cpp without linking cudart.

//! "cur-device=N": the CUDA device current on the calling thread (cudaGetDevice); "cur-device=cpu-only"
//! with TRT_DOUBLE_CPU_ONLY=1, "cur-device=error" when CUDA cannot say.
std::string traceCurrentDevice();
//! "ptr-device=N" for device or managed memory of device N (cudaPointerGetAttributes); otherwise
//! "ptr-device=host", "ptr-device=unregistered" (pageable host memory), "ptr-device=null" or "ptr-device=cpu-only".
std::string tracePointerDevice(void const* p);

}  // namespace trtdouble
