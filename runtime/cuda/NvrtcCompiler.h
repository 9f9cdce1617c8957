//===- NvrtcCompiler.h - emitted CUDA source -> PTX or cubin with NVRTC -----===//
//
// Works without a GPU (CI uses it to check that every example compiles for
// sm_90a and sm_80). The tile library header is embedded and handed to
// NVRTC, so no CUDA source tree is needed at run time.
//
//===----------------------------------------------------------------------===//
#ifndef LINAC_RUNTIME_CUDA_NVRTCCOMPILER_H
#define LINAC_RUNTIME_CUDA_NVRTCCOMPILER_H

#include <string>

namespace linac {

struct NvrtcOutput {
  std::string ptx;   // always
  std::string cubin; // when asked for (a real sm_ architecture)
  std::string log;   // compiler messages
};

/// Compiles `source` for `arch` ("sm_90a", "sm_80", ...). Returns an error
/// message (with NVRTC's log), empty on success.
std::string nvrtcCompile(const std::string &source, const std::string &arch,
                         bool wantCubin, NvrtcOutput &out);

/// NVRTC's version, e.g. "13.0" (part of module cache keys).
std::string nvrtcVersion();

} // namespace linac

#endif
