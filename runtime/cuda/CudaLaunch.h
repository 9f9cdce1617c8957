//===- CudaLaunch.h - run a loaded module's kernels on a stream ------------===//
#ifndef LINAC_RUNTIME_CUDA_CUDALAUNCH_H
#define LINAC_RUNTIME_CUDA_CUDALAUNCH_H

#include "reference/Problem.h"
#include "runtime/cuda/CudaModule.h"

namespace linac {

/// A tensor in device memory as the kernels see it: [rows, heads, cols],
/// strides in elements, columns contiguous; dtype is tile::DType.
struct DeviceTensor {
  std::string name;
  CUdeviceptr data = 0;
  int dtype = 0;
  int64_t rows = 0, heads = 0, cols = 0, rowStride = 0, headStride = 0;
};

/// One forward call: every input and parameter, optional h0, ht and o, the
/// dims, and optional int64 cu_seqlens in device memory.
struct DeviceCall {
  int64_t B = 0, T = 0, H = 0, HV = 0, K = 0, V = 0;
  int64_t sequences = 0;  // N
  int64_t longest = 0;    // tokens in the longest sequence
  CUdeviceptr cuSeqlens = 0;
  std::vector<int64_t> hostCuSeqlens; // the same offsets on the host (empty without)
  float scale = 0;
  bool hasInitialState = false;
  std::vector<DeviceTensor> tensors;
};

/// Launches the module's kernels in order on `stream`, the launch block as
/// their parameter. Workspaces, the register-tile scratch and the sequence
/// order are allocated and freed in stream order; nothing waits for the
/// kernels. A kernel that detects an
/// access outside a tensor sets *errorFlag (device int) to 1. Returns an
/// error message, empty on success.
std::string launchKernels(const CudaModule &module, const DeviceCall &call,
                          CUstream stream, CUdeviceptr errorFlag);

struct DeviceRun {
  double ms = 0;           // all kernels, by CUDA events
  bool outOfRange = false; // a kernel reported an access outside a tensor
};

/// Copies the problem's tensors to the device (inputs as `inputDtype`, a
/// tile::DType; parameters and states as float32), runs the module's
/// kernels on `stream` (outputs poisoned with NaN first), and copies o and
/// the final states back into `result`. Device memory is freed before
/// returning. Returns an error message, empty on success.
std::string runOnDevice(const CudaModule &module, const Problem &problem,
                        CUstream stream, Result &result, DeviceRun &run,
                        int inputDtype = 0);

} // namespace linac

#endif
