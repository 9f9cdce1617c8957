//===- CudaDriver.h - the CUDA driver, loaded at run time ------------------===//
//
// Programs that may run without a GPU (the linac driver, liblinac) do not
// link libcuda: runtime/cuda/CudaDriver.cpp defines the driver-API
// functions the runtime calls and forwards each to libcuda.so.1, opened on
// first use. Without a driver every call fails with CUDA_ERROR_NO_DEVICE
// and cudaDriverError() says why. (Programs built for the GPU machine may
// link -lcuda instead and leave this file out.)
//
//===----------------------------------------------------------------------===//
#ifndef LINAC_RUNTIME_CUDA_CUDADRIVER_H
#define LINAC_RUNTIME_CUDA_CUDADRIVER_H

#include <string>

namespace linac {

/// Empty when libcuda.so.1 could be opened, else the reason.
std::string cudaDriverError();

} // namespace linac

#endif
