//===- CpuRuntime.h - run emitted kernels on the CPU -----------------------===//
#ifndef LINAC_RUNTIME_CPU_CPURUNTIME_H
#define LINAC_RUNTIME_CPU_CPURUNTIME_H

#include "reference/Problem.h"

#include <string>

namespace linac {

/// Loads the compiled module at `path` and runs its kernels in order on
/// `problem` (inputs as float32), writing o and the final states. Returns an
/// error message (bad arguments, a hazard the tile library detected, an
/// access outside a tensor), empty on success.
std::string runCpuModule(const std::string &path, const Problem &problem,
                         Result &result);

} // namespace linac

#endif
