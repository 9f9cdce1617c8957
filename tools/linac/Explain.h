//===- Explain.h - linac explain: the algorithm and kernel plan, readable ---===//
#ifndef LINAC_TOOLS_LINAC_EXPLAIN_H
#define LINAC_TOOLS_LINAC_EXPLAIN_H

#include "dialect/lin/IR/LinDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

namespace linac {

/// The recurrence as classified (from the lin.variant).
void explainRecurrence(mlir::lin::VariantOp variant, llvm::raw_ostream &os);
/// The chunked algorithm, in words, from the chunk.scan's erase kind;
/// `gramRows`: the config's gram=rows (the Gram blocks' form).
void explainAlgorithm(mlir::ModuleOp chunkModule, llvm::raw_ostream &os, bool gramRows = false);
/// The kernels of a tile module: grids, memory, and what each does per chunk.
/// `reservedShared`: shared memory the target's tile library keeps per
/// block (the CUDA library's mma staging), counted in the totals;
/// `sharedPerSM` (GPU targets): an SM's shared memory, to say how many
/// blocks it holds by that alone.
void explainKernels(mlir::ModuleOp tileModule, llvm::raw_ostream &os,
                    int64_t reservedShared = 0, int64_t sharedPerSM = 0);

} // namespace linac

#endif
