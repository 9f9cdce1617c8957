//===- Passes.td - transforms on the tile dialect --------------------------===//
#ifndef LINAC_TILE_PASSES_TD
#define LINAC_TILE_PASSES_TD

include "mlir/Pass/PassBase.td"

def TileReuseBuffers : Pass<"tile-reuse-buffers", "::mlir::tile::KernelOp"> {
  let summary = "Let register tiles with disjoint live ranges share storage";
  let description = [{
    chunk-to-tile gives every intermediate its own register tile. This pass
    computes each tile's live range within the block that uses it (from its
    first use, which must write the whole tile, to its last use, views
    included) and lets tiles of one shape whose ranges do not overlap share
    one allocation. A tile whose first use reads it (a value carried across
    loop iterations, or one written in parts) keeps its own. The first step
    of fitting GPU registers (docs/gpu-spike.md).
  }];
}

#endif
