//===- NvrtcCompiler.cpp --------------------------------------------------===//
#include "runtime/cuda/NvrtcCompiler.h"

#include <nvrtc.h>

#include <vector>

namespace linac {

namespace {
#include "EmbeddedCudaHeader.inc"
} // namespace

std::string nvrtcVersion() {
  int major = 0, minor = 0;
  ::nvrtcVersion(&major, &minor);
  return std::to_string(major) + "." + std::to_string(minor);
}

std::string nvrtcCompile(const std::string &source, const std::string &arch,
                         bool wantCubin, NvrtcOutput &out) {
  nvrtcProgram prog;
  const char *headers[] = {kCudaTileHeader};
  const char *headerNames[] = {"linac_tile_cuda.cuh"};
  if (nvrtcCreateProgram(&prog, source.c_str(), "linac_kernels.cu", 1, headers,
                         headerNames) != NVRTC_SUCCESS)
    return "nvrtc: cannot create the program";
  std::string archFlag = "--gpu-architecture=" + arch;
  // No fast math: the same exp/log as the cpu target. Line info (no effect
  // on the code) lets the sanitizers and profilers name source lines.
  std::vector<const char *> options = {archFlag.c_str(), "--std=c++17",
                                       "-default-device", "-lineinfo"};
  nvrtcResult r = nvrtcCompileProgram(prog, static_cast<int>(options.size()),
                                      options.data());
  size_t logSize = 0;
  nvrtcGetProgramLogSize(prog, &logSize);
  out.log.assign(logSize, '\0');
  if (logSize)
    nvrtcGetProgramLog(prog, out.log.data());
  if (r != NVRTC_SUCCESS) {
    nvrtcDestroyProgram(&prog);
    return std::string("nvrtc: ") + nvrtcGetErrorString(r) + " for " + arch +
           ":\n" + out.log.substr(0, 4000);
  }
  size_t ptxSize = 0;
  nvrtcGetPTXSize(prog, &ptxSize);
  out.ptx.assign(ptxSize, '\0');
  nvrtcGetPTX(prog, out.ptx.data());
  while (!out.ptx.empty() && out.ptx.back() == '\0') // NVRTC counts the NUL
    out.ptx.pop_back();
  if (wantCubin) {
    size_t cubinSize = 0;
    if (nvrtcGetCUBINSize(prog, &cubinSize) != NVRTC_SUCCESS || cubinSize == 0) {
      nvrtcDestroyProgram(&prog);
      return "nvrtc: no cubin for " + arch + " (a virtual architecture?)";
    }
    out.cubin.assign(cubinSize, '\0');
    nvrtcGetCUBIN(prog, out.cubin.data());
  }
  nvrtcDestroyProgram(&prog);
  return "";
}

} // namespace linac
