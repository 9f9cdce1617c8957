//===- Passes.h - transforms on the tile dialect ---------------------------===//
#ifndef LINAC_DIALECT_TILE_TRANSFORMS_PASSES_H
#define LINAC_DIALECT_TILE_TRANSFORMS_PASSES_H

#include "dialect/tile/IR/TileDialect.h"

#include "mlir/Pass/Pass.h"

namespace linac {

#define GEN_PASS_DECL
#include "dialect/tile/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "dialect/tile/Transforms/Passes.h.inc"

/// Whether `op` writes every element of its first operand `buffer` without
/// reading it (the tile's old contents are dead before it).
bool definesWhole(mlir::Operation *op, mlir::Value buffer);

} // namespace linac

#endif
