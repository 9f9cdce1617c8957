//===- Passes.td - linac's lowering passes --------------------------------===//
#ifndef LINAC_LOWERING_PASSES_TD
#define LINAC_LOWERING_PASSES_TD

include "mlir/Pass/PassBase.td"

def LinToChunk : Pass<"lin-to-chunk", "::mlir::ModuleOp"> {
  let summary = "Lower each lin.variant to the chunked WY/UT algorithm";
  let description = [{
    Replaces every `lin.variant` by a `chunk.scan` that computes the same
    recurrence chunk by chunk (MATH.md §2 and §2b): cumulative decays,
    decayed Gram matrices with causal masks, the unit-lower-triangular
    inverse, W and U, the outputs and the state step. The per-token
    pre-processing moves into a `chunk.per_token` region unchanged. Kernels
    are specialised on K, V and the chunk size, so these are options.

    The `corrupt` option is for tests only: it drops or shifts one term so
    that numerical tests can show they catch such a bug.
  }];
  let dependentDialects = ["::mlir::chunk::ChunkDialect"];
  let options = [
    Option<"chunkSize", "chunk-size", "int64_t", "64", "tokens per chunk">,
    Option<"keyDim", "key-dim", "int64_t", "0", "K (required)">,
    Option<"valueDim", "value-dim", "int64_t", "0", "V (required)">,
    Option<"subBlock", "sub-block", "int64_t", "16",
           "rows per sub-block in per-channel decayed Gram matrices">,
    Option<"corrupt", "corrupt", "std::string", "\"\"",
           "test only: drop-decay | shift-mask | skip-initial-state">,
  ];
}

def ChunkToTile : Pass<"chunk-to-tile", "::mlir::ModuleOp"> {
  let summary = "Form block-level kernels from each chunk.scan, per a kernel config";
  let description = [{
    Replaces every `chunk.scan` by `tile.kernel`s: with `wu=fused` one state
    pass per (sequence, head, V tile) that runs the whole chunk step in its
    chunk loop; with `wu=materialized` also a chunk-parallel kernel that
    stores what the state pass needs (W, U, ...) into workspaces. Inputs and
    workspaces arrive by asynchronous copies into multi-stage shared buffers
    (prefetching the next chunk), waited for before use and released by a
    barrier at the end of each chunk. The config string is that of
    `linac run --config` (lowering/KernelConfig.h).
  }];
  let dependentDialects = ["::mlir::tile::TileDialect", "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
  let options = [
    Option<"config", "config", "std::string", "\"\"",
           "kernel config, e.g. wu=fused,split=vtile,vtile=32">,
    Option<"corrupt", "corrupt", "std::string", "\"\"",
           "test only: no-wait | no-barrier (the cpu tile library must "
           "report the hazard)">,
  ];
}

#endif
