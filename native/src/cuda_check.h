// Every CUDA return value is checked; a failure becomes ERR_CUDA naming the call and CUDA's words.
#pragma once

#include <cuda_runtime_api.h>

#include <string>

namespace trtp {

/** "cudaErrorNoDevice (100): no CUDA-capable device is detected" */
std::string cudaErrorText(cudaError_t err);

/** Throws NativeError(ERR_CUDA, "<what> failed: <cudaErrorText>") unless err is cudaSuccess. */
void cudaCheck(cudaError_t err, const std::string& what);

/** Device count, or throws ERR_NO_DEVICE (no driver / no device) or ERR_CUDA. */
int cudaDeviceCountOrThrow();

/** Checks that `device` exists (ERR_NO_DEVICE naming the devices that do) and makes it current. */
void cudaSelectDevice(int device);

}  // namespace trtp
