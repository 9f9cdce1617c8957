//===- EmitCpp.h - tile IR -> C++ against a tile library -------------------===//
#ifndef LINAC_CODEGEN_EMITCPP_H
#define LINAC_CODEGEN_EMITCPP_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace linac {

/// What differs between targets in emitted code. The kernel bodies are the
/// same; these are the only target hooks.
struct TargetHooks {
  std::string name;   // "cpu"
  std::string header; // the tile library to include
  /// Shared memory per block the library keeps for itself (the CUDA
  /// library's mma operand staging); the emitted source static_asserts that
  /// the library agrees.
  int64_t reservedSharedBytes = 0;
  /// With warp roles, how many copies may be issued before the first of
  /// them is waited (the CUDA library's mbarriers); 0: no limit.
  int64_t maxCopiesInFlight = 0;
};

TargetHooks cpuTarget();
/// CUDA (block-level programs over runtime/device/cuda).
TargetHooks cudaTarget();

/// Memory one block of `kernel` allocates on `target`: shared (the
/// library's reservation included) and register tiles, 16-byte aligned each.
struct KernelMemory {
  int64_t sharedBytes = 0, regBytes = 0;
};
KernelMemory kernelMemory(mlir::Operation *kernel, const TargetHooks &target);

/// The tensors a kernel module takes, recorded in it for its callers (the
/// C ABI checks arguments against it).
struct KernelSignature {
  struct Arg {
    std::string name;
    bool isParam = false;
    bool perH = false;
    int width = 0; // 0 scalar, 1 K, 2 V
  };
  int64_t K = 0, V = 0;
  std::vector<Arg> args;
};

/// Emits every tile.kernel of `module` as one C++ translation unit that
/// exports `linac_module()` (the kernels in launch order, their grids and
/// workspaces, and the signature). `variant` and `config` are recorded in it.
/// `librarySwitches`, the config's choices of library code forms
/// (KernelConfig's librarySwitches), are defined as 1, unless defined
/// already, ahead of the library's #include; a library that lacks them
/// ignores them.
mlir::LogicalResult emitCpp(mlir::ModuleOp module, const TargetHooks &target,
                            llvm::StringRef variant, llvm::StringRef config,
                            int64_t chunk, const KernelSignature &signature,
                            llvm::raw_ostream &os,
                            const std::vector<std::string> &librarySwitches = {});

} // namespace linac

#endif
