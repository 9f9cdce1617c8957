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

} // namespace linac

#endif
