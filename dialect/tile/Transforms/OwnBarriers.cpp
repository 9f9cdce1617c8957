//===- OwnBarriers.cpp - barriers after reads by ops owned by warps -------===//
//
// An op owned by warps (tile-own-columns) reads tiles in memory and writes
// only its warp's registers, and ends without a barrier: warps leave it at
// different times. A later op that writes what it read would overwrite it
// under a slower warp. Every other op's writes are ordered after earlier
// block-wide ops by their closing barriers, so a barrier is needed exactly
// before the first op that writes a root allocation an owned op read since
// the last barrier. Copies write their destination; every other op its
// first operand.
//
//===----------------------------------------------------------------------===//
#include "dialect/tile/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseSet.h"

namespace linac {
#define GEN_PASS_DEF_TILEOWNBARRIERS
#include "dialect/tile/Transforms/Passes.h.inc"
} // namespace linac

using namespace mlir;

namespace {

bool isBuf(Value v) { return isa<tile::BufType>(v.getType()); }

/// Whether `op` is owned by warps: it writes an owned tile.
bool ownedOp(Operation *op) {
  return op->getNumOperands() > 0 && isBuf(op->getOperand(0)) &&
         linac::isOwned(op->getOperand(0)) &&
         !isa<tile::StoreStateOp, tile::StoreRowsOp, tile::StoreTileOp>(op);
}

/// The root allocations `op` writes (a not-owned op).
void writtenRoots(Operation *op, llvm::SmallVectorImpl<Value> &roots) {
  if (isa<tile::CopyAsyncOp, tile::CopyTileAsyncOp, tile::PrefetchRowsOp, tile::TakeRowsOp>(op)) {
    for (Value v : op->getOperands())
      if (isBuf(v))
        roots.push_back(linac::rootAllocation(v));
    return;
  }
  if (op->getNumOperands() > 0 && isBuf(op->getOperand(0)) &&
      !isa<tile::StoreStateOp, tile::StoreRowsOp, tile::StoreTileOp>(op))
    roots.push_back(linac::rootAllocation(op->getOperand(0)));
}

struct TileOwnBarriersPass : linac::impl::TileOwnBarriersBase<TileOwnBarriersPass> {
  void runOnOperation() override {
    tile::KernelOp kernel = getOperation();
    if (!linac::ownsColumns(kernel))
      return;
    kernel.walk([&](Block *block) { place(block); });
  }

  void place(Block *block) {
    llvm::DenseSet<Value> read; // roots owned ops read since the last barrier
    auto barrierBefore = [&](Operation *op) {
      OpBuilder b(op);
      tile::BarrierOp::create(b, op->getLoc());
      read.clear();
    };
    for (Operation &op : llvm::make_early_inc_range(*block)) {
      if (isa<tile::BarrierOp>(op)) {
        read.clear();
        continue;
      }
      if (ownedOp(&op)) {
        for (Value v : op.getOperands().drop_front())
          if (isBuf(v) && !linac::isOwned(v))
            read.insert(linac::rootAllocation(v));
        continue;
      }
      if (read.empty())
        continue;
      if (op.getNumRegions() > 0 || op.hasTrait<OpTrait::IsTerminator>()) {
        barrierBefore(&op);
        continue;
      }
      SmallVector<Value> roots;
      writtenRoots(&op, roots);
      if (llvm::any_of(roots, [&](Value r) { return read.contains(r); }))
        barrierBefore(&op);
    }
  }
};

} // namespace
