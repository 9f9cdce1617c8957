//===- OwnBarriers.cpp - barriers after reads by ops owned by warps -------===//
//
// An op owned by warps (tile-own-columns) reads tiles in memory and writes
// only its warp's registers, and ends without a barrier: warps leave it at
// different times. A later op that writes what it read would overwrite it
// under a slower warp. Every other op's writes are ordered after earlier
// block-wide ops by their closing barriers, so a barrier is needed exactly
// before the first op that writes a root allocation an owned op read since
// the last barrier (what an op writes: linac::stepAccesses, the step
// schedule's model).
//
//===----------------------------------------------------------------------===//
#include "dialect/tile/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/SmallPtrSet.h"

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
         linac::isOwned(op->getOperand(0)) && !linac::isStore(op);
}

struct TileOwnBarriersPass : linac::impl::TileOwnBarriersBase<TileOwnBarriersPass> {
  void runOnOperation() override {
    tile::KernelOp kernel = getOperation();
    if (!linac::ownsColumns(kernel))
      return;
    kernel.walk([&](Block *block) { place(block); });
  }

  void place(Block *block) {
    // Roots owned ops read since the last barrier (as stepAccesses names
    // buffers: opaque pointers of root allocations).
    llvm::SmallPtrSet<void *, 8> read;
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
            read.insert(linac::rootAllocation(v).getAsOpaquePointer());
        continue;
      }
      if (read.empty())
        continue;
      if (op.getNumRegions() > 0 || op.hasTrait<OpTrait::IsTerminator>()) {
        barrierBefore(&op);
        continue;
      }
      llvm::SmallPtrSet<void *, 4> reads, writes;
      linac::stepAccesses(&op, reads, writes);
      if (llvm::any_of(writes, [&](void *w) { return read.contains(w); }))
        barrierBefore(&op);
    }
  }
};

} // namespace
