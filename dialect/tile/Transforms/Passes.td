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

def TileFoldAccumulate : Pass<"tile-fold-accumulate", "::mlir::tile::KernelOp"> {
  let summary = "Fold sums into mma accumulators and copies into their sources";
  let description = [{
    Before tiles share storage: Z = X + Y where Y is made by a chain of
    mmas (one writing it, then any accumulating into it) and read only
    there becomes the chain accumulating into X (Z renamed X, or the copy
    Z = X where Z is the carried state); a copy S = X where an element-wise
    op wrote X (and accumulating mmas then added to it), with S untouched in
    between, becomes those ops writing S. The state update S' = g S + K^T U
    (DPLR, GDN-2: + A^T U + K^T Y) then runs as S = g S in place and
    accumulating mmas into S, instead of passes over K x V tiles.
    With `subtract`, a difference Z = X - Y of the same form becomes the
    chain subtracting from X (X -= A B, mma `subtract`): the delta rule's
    V' = U - W S as one mma into U's tile.
  }];
  let options = [
    Option<"subtract", "subtract", "bool", "false",
           "fold differences X - Y too (the mmas subtract)">,
  ];
}

def TilePromoteShared : Pass<"tile-promote-shared", "::mlir::tile::KernelOp"> {
  let summary = "Move the register tiles most used in loops into free shared memory";
  let description = [{
    Register-space tiles live in per-block scratch on the GPU targets. With
    `limit` bytes of shared memory per block (the target's) of which the
    tile library reserves `reserved`, this pass moves register tiles used
    once per chunk (inside loops, or anywhere in a chunk-parallel kernel)
    into shared memory, most uses per byte first, while the kernel's
    shared buffers fit the limit. A limit of 0 (the default)
    moves nothing.
  }];
  let options = [
    Option<"limit", "limit", "int64_t", "0",
           "shared memory per block the target allows, in bytes">,
    Option<"reserved", "reserved", "int64_t", "0",
           "bytes of it the tile library reserves">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def TilePadSharedRows : Pass<"tile-pad-shared-rows", "::mlir::tile::KernelOp"> {
  let summary = "Pad the rows of shared fp32 tiles so that row-spread accesses miss no bank";
  let description = [{
    A shared fp32 tile of rows of 32k floats starts every row in the same
    bank. The matmuls' accumulators and the fragments are laid out over 8
    rows and 4 column pairs per warp (acc_coord), so their loads and stores
    of such a tile conflict 8 ways. This pass marks the kernel
    (`pad_rows = 4`) so that such buffers' rows lie 16 bytes further apart
    (tile::rowPitch): 2 ways at most, float4 alignment kept. It marks the
    kernel only where its shared buffers, padded, still fit `limit` bytes
    per block (the tile library reserving `reserved`); the passes that
    place buffers later count padded bytes. With `bf16`, bf16 buffers of
    rows of 64k halves take 16 halves more (`pad_rows16 = 16`); with `f32`
    off, fp32 buffers are left as they are. Numerics do not change.
  }];
  let options = [
    Option<"limit", "limit", "int64_t", "0",
           "shared memory per block the target allows, in bytes (0: no limit)">,
    Option<"reserved", "reserved", "int64_t", "0",
           "bytes of it the tile library reserves">,
    Option<"f32", "f32", "bool", "true", "pad fp32 buffers (pad_rows = 4)">,
    Option<"bf16", "bf16", "bool", "false", "pad bf16 buffers (pad_rows16 = 16)">,
  ];
}

def TileAliasStages : Pass<"tile-alias-stages", "::mlir::tile::KernelOp"> {
  let summary = "Place register tiles in input stages that the chunk has read";
  let description = [{
    In a loop body that ends with a barrier, a one-stage shared input
    buffer (copied into and only read in the body) holds nothing live from
    its last read to the barrier. A register tile used only in the body,
    after that read (or written by the element-wise op that reads the stage
    last, element for element), whose first use writes it whole and that
    takes at least half the stage, becomes stage 0 of that buffer (a view
    when smaller); tiles share a stage when their live ranges do not
    overlap. The same in a chunk-parallel kernel (kind "parallel": its
    body copies its inputs once), from the last read to the kernel's end.
    Runs after tile-place-fragments (fragments stay in registers)
    and before tile-promote-shared (which then places the others). Only for
    one input stage without warp roles (a producer warp would copy the next
    chunk while the tile lives there).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def TilePrefetchInputs : Pass<"tile-prefetch-inputs", "::mlir::tile::KernelOp"> {
  let summary = "Load a chunk loop's 16-bit inputs one chunk ahead into landing buffers";
  let description = [{
    In a kernel with one chunk loop, the copies at the top of its body of
    chunk `iv` (row `iv * R`) into shared stages of C columns (C a multiple
    of 8, or 1), with start, head and column fixed outside the loop, get a
    landing buffer each (R x C/2 fp32 elements: R x C 16-bit values; R x 1
    for one column), in
    program order while the kernel's shared buffers and the `reserved`
    bytes still fit `limit` with them; the others stay copies. Chunk 0's rows are issued
    (tile.prefetch_rows) before the loop; in the body, tile.landed comes
    before the first copy, each copy becomes tile.take_rows from its
    landing buffer (its token waited as before), and the next chunk's rows
    are issued after the last of those waits. Runs after
    tile-promote-shared, which has then placed what it could.
  }];
  let options = [
    Option<"limit", "limit", "int64_t", "0",
           "shared memory per block the target allows, in bytes">,
    Option<"reserved", "reserved", "int64_t", "0",
           "bytes of it the tile library reserves">,
    Option<"corrupt", "corrupt", "std::string", "\"\"",
           "test only: prefetch-no-landed (no tile.landed), prefetch-wrong-rows "
           "(the next prefetch two chunks ahead) or prefetch-before-wait (the next "
           "prefetch before the waits' barrier), for the cpu target's checks to catch">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect"];
}

def TileTakeIntoFragments : Pass<"tile-take-into-fragments", "::mlir::tile::KernelOp"> {
  let summary = "Take landed rows straight into the fragment their only reader writes";
  let description = [{
    A tile.take_rows whose rows (its one-stage shared stage) are read by one
    op only before the stage is written again, a tile.ew that reads them as
    its first operand and writes a whole tile-place-fragments fragment of
    the stage's shape (and does not read that fragment otherwise), takes the
    rows into the fragment: a copy is removed, another kind reads the
    fragment instead of the stage. Nothing between the take and the op may
    use the fragment. Runs after tile-prefetch-inputs.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def TileInputs16Bit : Pass<"tile-inputs-16bit", "::mlir::tile::KernelOp"> {
  let summary = "Keep the stages of bf16 inputs in bf16";
  let description = [{
    With config inputs=bf16 (the module requires its multi-column inputs in
    bf16): a shared f32 buffer whose every write is a tile.copy_async (of an
    input) and whose every read is an operand of an element-wise op, the
    source of a row norm or an operand of a bf16 tile.mma over whole
    64 x 64 blocks is stored in bf16: the input's values as they are, read
    exactly, in half the bytes. Columns must be a multiple of 8 (rows are
    copied as 16-byte pieces). Runs where tile-store-16bit does.
  }];
}

def TileStore16Bit : Pass<"tile-store-16bit", "::mlir::tile::KernelOp"> {
  let summary = "Store in bf16 the shared tiles that only bf16 matmuls read";
  let description = [{
    A shared f32 buffer (any stages) whose every write is a copy (an
    element-wise copy of an f32 tile, or tile.copy_tile_async) and whose
    every read is an operand of a bf16 tile.mma over whole 64 x 64 blocks
    holds values that every reader rounds to bf16 first: it is stored in
    bf16, rounded when written, in half the bytes, and the results do not
    change. Such buffers are the state part's handoff (config ahead=on)
    and the workspace stages of the materialised state pass. Runs after
    tile-place-fragments and before the placement passes that count
    shared memory.
  }];
}

def TilePlaceFragments : Pass<"tile-place-fragments", "::mlir::tile::KernelOp"> {
  let summary = "Keep hot register tiles in the consumer threads' registers";
  let description = [{
    Register-space tiles live in per-block scratch on the GPU targets. A
    tile of whole 64 x 64 blocks whose every use is an element-wise op, a
    mask, a fill, a state or output transfer, or a 16-bit tensor-core
    matmul can live in registers instead, spread over the kernel's
    consumer warpgroups in the mma accumulator layout. This pass marks
    such tiles `fragment = W` (W warpgroups), the ones used most per chunk
    (in loops, or anywhere in a chunk-parallel kernel) per register first, while they fit `budget` registers per thread
    (order=uses), or the set whose uses times bytes is largest within the
    budget (order=bytes: the scratch traffic a chunk saved). A
    budget of 0 (the default) marks nothing. Runs after tile-reuse-buffers
    (allocations are then storage) and before tile-promote-shared.
  }];
  let options = [
    Option<"budget", "budget", "int64_t", "0",
           "registers per consumer thread that fragments may take">,
    Option<"order", "order", "std::string", "\"uses\"",
           "uses: the most uses per register first; bytes: the set saving the "
           "most scratch traffic a chunk (uses x bytes) within the budget">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def TileOwnColumns : Pass<"tile-own-columns", "::mlir::tile::KernelOp"> {
  let summary = "The ops on the state owned by warps, each warp a block of V columns";
  let description = [{
    config own=warps. In a state kernel (kind "state": the state pass of
    wu=materialized or the fused kernel; kind "segment_outputs": the
    sequence split's outputs pass), the owned tiles are the state and every
    register tile an op makes from an owned tile. Every op on them must be
    column-local: a 16-bit matmul of a tile in memory and an owned tile into
    an owned tile, an element-wise op of owned tiles and tiles in memory
    (broadcast or not), a state or output transfer. The pass marks the
    kernel `own_columns`, the owned tiles `owned` (and `fragment`) and the
    register tiles they read `in_memory`: warp w then holds its columns of
    every owned tile in registers and those ops run without a barrier
    between them. Anything else on an owned tile is an error naming the op.
    Runs before tile-reuse-buffers (which shares storage only among tiles of
    one kind) and tile-place-fragments (which leaves `in_memory` tiles in
    memory and counts the owned tiles' registers in its budget).
  }];
}

def TileOwnBarriers : Pass<"tile-own-barriers", "::mlir::tile::KernelOp"> {
  let summary = "A barrier where an op writes what an op owned by warps read";
  let description = [{
    In a kernel marked `own_columns`, an owned op reads tiles in memory
    without a barrier after it: a later op that writes one of them (through
    any view or stage of its root allocation) while a slower warp still
    reads it would race. This pass walks each block in order and puts a
    `tile.barrier` before the first op not owned by warps that writes (or
    copies into) a root an owned op has read since the last barrier, and
    before an op with regions while such reads are pending; a block that
    ends with reads pending and no barrier gets one at its end. Runs after
    the passes that place tiles in memory (they decide which tiles share
    storage) and before tile-group-elementwise and tile-fuse-elementwise.
  }];
}

def TileGroupElementwise : Pass<"tile-group-elementwise", "::mlir::tile::KernelOp"> {
  let summary = "Reorder element-wise ops so that ops of one shape follow each other";
  let description = [{
    Within each stretch of consecutive tile.ew / tile.mask_rows ops, a list
    schedule that keeps to the kind (destination shape, fragment or not) of
    the op it placed last while one of that kind is ready, so that
    tile-fuse-elementwise finds longer runs. Dependences through root
    allocations (read after write, write after read or write) are kept, so
    the placement decided by earlier passes holds. Runs with fuse=on, right
    before tile-fuse-elementwise.
  }];
}

def TileFuseElementwise : Pass<"tile-fuse-elementwise", "::mlir::tile::KernelOp"> {
  let summary = "Mark runs of element-wise ops that run as one loop";
  let description = [{
    Marks maximal runs (two or more) of consecutive tile.ew / tile.mask_rows
    ops of one shape `fuse = N`: the emitter runs each run as one loop over
    its elements with values forwarded in registers and one barrier. A run
    reads a tile it writes only at the element being computed (same shape,
    not a view); tiles it reads with broadcasting or through a view it does
    not write; fragments stay out. Runs after tile-place-fragments and
    tile-promote-shared (where the tiles live is then final).
  }];
}

def TileFuseMaskEpilogue : Pass<"tile-fuse-mask-epilogue", "::mlir::tile::KernelOp"> {
  let summary = "Run a mask right after a matmul on the matmul's accumulators";
  let description = [{
    A tile.causal_mask or tile.decay_mask whose tile is the one the op just
    before it, a tile.mma with 16-bit operands that does not accumulate,
    writes (the same value, in memory, not a fragment), and whose gate and
    scale columns are other buffers, is marked `epilogue`: the emitter
    emits the pair as one call that masks (and decays, and scales) the
    accumulators before storing them, instead of a second pass over the
    tile with a barrier of its own. The values are those of the two ops
    (the same products in the same order). Runs last (where tiles live is
    then final).
  }];
}

def TilePairGrams : Pass<"tile-pair-grams", "::mlir::tile::KernelOp"> {
  let summary = "Compute two Gram matrices of one right operand and decays together";
  let description = [{
    A tile.gram_diag with bf16 operands in the per-tile form (no decay
    bound, no row blocks) whose right operand and both decays are those of
    an earlier one in the same block moves right after it, marked
    `paired`, where no op in between writes its operands or touches its
    output (the views and stages that make its operands move before the
    first). The emitter emits the pair as one gram_diag_pair call. Runs
    before tile-reuse-buffers. Numerics do not change.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def TileElideBarriers : Pass<"tile-elide-barriers", "::mlir::tile::KernelOp"> {
  let summary = "Leave out the barriers that close steps the next step does not depend on";
  let description = [{
    Marks `no_barrier` the ops whose closing block barrier the GPU libraries
    may leave out: in a chunk loop (or a chunk-parallel kernel's body), an
    element-wise op, row norm, row dot, cumsum, transpose, row mask, wait
    or matmul whose next step reads and writes nothing that a step since
    the last barrier wrote or read (root allocations, the matmuls' staging
    area, landing buffers), where that next step closes with a barrier of
    its own or is tile.barrier. The emitter sets the block's `elide` flag
    around such an op. Runs last (after fusion and the epilogues, which
    change the steps). Numerics do not change.
  }];
}

#endif
