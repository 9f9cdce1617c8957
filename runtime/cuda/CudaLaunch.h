//===- CudaLaunch.h - run a loaded module on a problem ---------------------===//
#ifndef LINAC_RUNTIME_CUDA_CUDALAUNCH_H
#define LINAC_RUNTIME_CUDA_CUDALAUNCH_H

#include "reference/Problem.h"
#include "runtime/cuda/CudaModule.h"

namespace linac {

struct DeviceRun {
  double ms = 0;          // all kernels, by CUDA events
  bool outOfRange = false; // a kernel reported an access outside a tensor
};

/// Copies the problem's tensors to the device as float32, runs the module's
/// kernels in order on `stream` (outputs poisoned with NaN first), and
/// copies o and the final states back into `result`. Device memory is freed
/// before returning. Returns an error message, empty on success.
std::string runOnDevice(const CudaModule &module, const Problem &problem,
                        CUstream stream, Result &result, DeviceRun &run);

} // namespace linac

#endif
