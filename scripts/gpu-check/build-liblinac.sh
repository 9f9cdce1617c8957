#!/usr/bin/env bash
# On the GPU machine: builds liblinac.so (the C ABI, cpu and CUDA modules,
# NVRTC, the driver opened at run time) with the machine's g++ and CUDA
# toolkit, no LLVM/MLIR, into DIR (default /tmp/gpucheck).
#   scripts/gpu-check/build-liblinac.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
W=${1:-/tmp/gpucheck}
scripts/gpu-check/embed-headers.sh "$W"
# The driver shim's symbols stay inside liblinac (nm -D shows no cu*).
g++ -std=c++17 -O2 -fPIC -shared -I. -Iruntime/device/cuda -I"$W" -I/usr/local/cuda/include \
  -DLINAC_HAVE_CUDA_CAPI -DLINAC_DEFAULT_CXX='"g++"' \
  runtime/capi/Capi.cpp runtime/capi/CapiCuda.cpp runtime/cpu/CpuRuntime.cpp runtime/cpu/ModuleCache.cpp \
  runtime/cuda/CudaModule.cpp runtime/cuda/CudaLaunch.cpp runtime/cuda/NvrtcCompiler.cpp \
  runtime/cuda/CudaDriver.cpp reference/Problem.cpp \
  -L/usr/local/cuda/lib64 -lnvrtc -ldl -o "$W/liblinac.so"
