//===- CudaModule.h - NVRTC-compiled kernel modules on the GPU --------------===//
//
// Compiles emitted CUDA source with NVRTC for the device's architecture,
// caches the cubin on disk under a key of the source, the tile library, the
// architecture, NVRTC's version and the GPU, verifies a cached cubin by its
// checksum (a corrupt entry is rebuilt), loads it with the driver API and
// launches its kernels on a caller's stream. No LLVM/MLIR dependency.
//
//===----------------------------------------------------------------------===//
#ifndef LINAC_RUNTIME_CUDA_CUDAMODULE_H
#define LINAC_RUNTIME_CUDA_CUDAMODULE_H

#include <cuda.h>

#include <cstdint>
#include <string>
#include <vector>

namespace linac {

/// What a module's `// linac:` lines say.
struct CudaModuleInfo {
  struct Kernel {
    std::string entry;
    std::string grid[3];
    int64_t vtileCols = 0, segmentChunks = 0, sharedBytes = 0, regBytes = 0;
    int64_t threads = 128; // 160 with warp roles (a producer warp)
  };
  struct Workspace {
    std::string name;
    int64_t rows = 0, cols = 0;
    int64_t slotChunks = 1; // chunks per slot (tile::workspace_slots)
    int64_t elementBytes = 4; // 4 (f32) or 2 (bf16)
  };
  struct Arg {
    std::string name;
    bool isParam = false, perH = false;
    int width = 0;
  };
  std::string variant, config;
  int64_t chunk = 0, K = 0, V = 0;
  std::vector<Kernel> kernels;
  std::vector<Workspace> workspaces;
  std::vector<Arg> args;
};

/// Reads the `// linac:` lines of emitted source; returns an error or "".
std::string parseModuleInfo(const std::string &source, CudaModuleInfo &info);

class CudaModule {
public:
  ~CudaModule();
  struct LoadStats {
    bool cacheHit = false;
    bool rebuiltCorrupt = false;
    double compileMs = 0, loadMs = 0;
  };
  /// Compiles (or finds in `cacheDir`) and loads `source` for the current
  /// device, or for `arch` when given: a real architecture ("sm_80") gives
  /// a cubin, a virtual one ("compute_80") PTX that the driver compiles at
  /// load (how sm_80 code is run on a Hopper GPU). Returns an error message,
  /// empty on success.
  std::string load(const std::string &source, const std::string &cacheDir,
                   LoadStats &stats, const std::string &arch = "");
  const CudaModuleInfo &info() const { return info_; }
  CUfunction function(size_t kernel) const { return functions[kernel]; }
  /// Where calls allocate their workspaces and scratch (stream-ordered), or
  /// null for the context's default pool.
  CUmemoryPool pool() const { return pool_; }
  /// What the pool keeps reserved between calls (beyond it, memory goes
  /// back to the device at synchronisations).
  static constexpr unsigned long long kPoolKeepBytes = 256ull << 20;

private:
  CudaModuleInfo info_;
  CUmodule module = nullptr;
  CUmemoryPool pool_ = nullptr;
  std::vector<CUfunction> functions;
};

/// The driver's text for `r` ("unknown CUDA error" when it has none).
std::string cudaErrorText(CUresult r);
/// "what: <the driver's text for r>".
inline std::string describeCudaError(const std::string &what, CUresult r) {
  return what + ": " + cudaErrorText(r);
}

/// The architecture NVRTC should target for the current device ("sm_90a"
/// for compute capability 9.0, else "sm_XY").
std::string deviceArch(CUdevice device);

/// Initialises the driver and makes the primary context of GPU 0 current
/// (kept for the process). Returns why not ("no CUDA GPU", the driver's
/// text), empty on success; `device` and `context` receive what was used.
std::string usePrimaryContext(CUdevice *device = nullptr,
                              CUcontext *context = nullptr);

} // namespace linac

#endif
