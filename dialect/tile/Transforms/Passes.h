//===- Passes.h - transforms on the tile dialect ---------------------------===//
#ifndef LINAC_DIALECT_TILE_TRANSFORMS_PASSES_H
#define LINAC_DIALECT_TILE_TRANSFORMS_PASSES_H

#include "dialect/tile/IR/TileDialect.h"

#include "mlir/Pass/Pass.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <vector>

namespace linac {

#define GEN_PASS_DECL
#include "dialect/tile/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "dialect/tile/Transforms/Passes.h.inc"

/// Whether `op` writes every element of its first operand `buffer` without
/// reading it (the tile's old contents are dead before it).
bool definesWhole(mlir::Operation *op, mlir::Value buffer);

/// The tile.alloc result behind a buffer value, through tile.view and
/// tile.stage; `*whole` (if given) says whether no view was crossed.
mlir::Value rootAllocation(mlir::Value v, bool *whole = nullptr);

/// Whether a root allocation is a fragment (tile-place-fragments: its
/// values live in registers, used only by the ops that take fragments).
bool isFragment(mlir::Value root);

/// Whether tile-own-columns marked `kernel`: its register tiles are owned
/// by warps, each a block of V columns.
bool ownsColumns(mlir::tile::KernelOp kernel);

/// Whether a buffer value's root allocation is owned by warps
/// (tile-own-columns).
bool isOwned(mlir::Value v);

/// Whether `op` may be in a fused run of element-wise ops
/// (tile-fuse-elementwise): a tile.ew or tile.mask_rows whose buffers are
/// all fp32 and none a fragment (values in registers already, no barrier;
/// a copy into a bf16 tile rounds as it stores, which the libraries do
/// alone).
bool fusableElementwise(mlir::Operation *op);

/// Every op that touches `buffer` through tile.view and tile.stage: `real`
/// the ops that read or write it, `derived` the views and stages between.
void collectTileUsers(mlir::Value buffer, llvm::SmallVectorImpl<mlir::Operation *> &real,
                      llvm::SmallVectorImpl<mlir::Operation *> &derived);

/// `alloc`, its stages and views as bf16 buffers (tile-store-16bit,
/// tile-inputs-16bit).
void storeInBf16(mlir::tile::AllocOp alloc);

/// `buffer` and every view of it into shared memory (a view keeps its
/// buffer's space).
void moveToShared(mlir::Value buffer);

/// The shared memory a block of `kernel` may take where the target allows
/// `limit` bytes per block: with its `blocks_per_sm` attribute N (config
/// pblocks), an N-th of the SM's (each block also costs the 1 KiB the
/// driver reserves per block).
int64_t sharedLimitFor(mlir::tile::KernelOp kernel, int64_t limit);

/// Whether `user` runs once per chunk: inside a loop, or anywhere in a
/// chunk-parallel kernel (one block per chunk, no loop). Placement passes
/// weigh tiles by such uses.
bool runsPerChunk(mlir::Operation *user);

/// Whether the libraries' whole-block path (rounds of 64 x 64 output blocks
/// on the tensor cores) runs `mma`: 16-bit operands, every extent whole
/// blocks, and the accumulator sharing storage with neither operand (its
/// rounds would read what earlier rounds wrote). The path fragments and
/// bf16 tiles need.
bool wholeBlockMma(mlir::tile::MmaOp mma);

/// Registers per consumer thread a fragment of type `t` takes when spread
/// over `groups` warpgroups (tile-place-fragments: 32 per 64 x 64 block a
/// warpgroup holds).
int64_t fragmentRegisters(mlir::tile::BufType t, int64_t groups);

/// The block-wide steps under `root` (a chunk loop, or a chunk-parallel
/// kernel; with `part`, only ops of that part of config ahead=on) as a
/// dependence graph through the buffers they read and write: `steps` run
/// one after another today, `depth` is the longest chain of dependent
/// steps (what any number of teams of warps would take at best), `twoTeams`
/// a greedy schedule's length on two teams running independent steps side
/// by side (StepSchedule.cpp; a step counted as one, whatever its op);
/// `barriers` how many block barriers the steps need in program order if a
/// step leaves out its barrier wherever the next step depends on none of
/// the steps since the last one (`depth` is that count with the steps
/// reordered by their chains).
/// One block-wide step: its ops (a fused run of element-wise ops, a
/// matmul and its epilogue), the buffers it reads and writes (root
/// allocations; the libraries' staging area for matmuls and tri_inv), the
/// earlier steps it depends on, and whether it is a tile.barrier.
struct Step {
  llvm::SmallVector<mlir::Operation *, 2> ops;
  llvm::SmallPtrSet<void *, 4> reads, writes;
  llvm::SmallVector<unsigned> after;
  bool fence = false;
};
/// Whether `op` stores a tile to global memory (store_rows, store_state,
/// store_tile): it reads its buffer operand and writes no buffer.
bool isStore(mlir::Operation *op);
/// The buffers `op` reads and writes as a step (root allocations, the
/// staging area, landing buffers), added to `reads` and `writes`.
void stepAccesses(mlir::Operation *op, llvm::SmallPtrSetImpl<void *> &reads,
                  llvm::SmallPtrSetImpl<void *> &writes);
/// The steps under `root` in program order (StepSchedule.cpp).
std::vector<Step> buildSteps(mlir::Operation *root, llvm::StringRef part = "");

struct StepSchedule {
  int64_t steps = 0, depth = 0, twoTeams = 0, barriers = 0;
};
StepSchedule scheduleSteps(mlir::Operation *root, llvm::StringRef part = "");

} // namespace linac

#endif
