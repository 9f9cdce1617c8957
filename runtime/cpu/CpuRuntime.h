//===- CpuRuntime.h - run emitted kernels on the CPU -----------------------===//
#ifndef LINAC_RUNTIME_CPU_CPURUNTIME_H
#define LINAC_RUNTIME_CPU_CPURUNTIME_H

#include "reference/Problem.h"
#include "runtime/device/cpu/linac_tile.h"

#include <memory>
#include <string>

namespace linac {

/// A loaded kernel module (a shared object built from emitted source).
class CpuModule {
public:
  ~CpuModule();
  /// Returns an error message, empty on success.
  static std::string load(const std::string &path,
                          std::unique_ptr<CpuModule> &out);
  const tile::ModuleInfo &info() const { return *info_; }

  /// Runs the kernels in order. `L` holds the shapes, sequences, scale and
  /// the inputs, params and h0; this adds ht, o and the workspaces (stored
  /// in `storage`) and returns an error message, empty on success.
  std::string run(tile::Launch &L,
                  std::vector<std::vector<float>> &storage) const;

private:
  void *handle = nullptr;
  const tile::ModuleInfo *info_ = nullptr;
};

/// Loads the module at `path` and runs it on `problem` (inputs as float32
/// holding values of `dtype`: 0 f32, 1 bf16, 2 f16), writing o and the final
/// states. Returns an error message (bad arguments, an input of a dtype the
/// module does not take, a hazard the tile library detected, an access
/// outside a tensor), empty on success.
std::string runCpuModule(const std::string &path, const Problem &problem,
                         Result &result, int dtype = 0);

} // namespace linac

#endif
