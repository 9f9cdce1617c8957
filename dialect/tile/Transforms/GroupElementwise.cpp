//===- GroupElementwise.cpp - element-wise ops of one shape side by side --===//
//
// tile-fuse-elementwise fuses runs of consecutive element-wise ops of one
// shape; a chunk step interleaves such ops of different shapes (KDA masks
// its 64 x 128 per-token tiles, its 64 x 1 beta column and a fragment in
// turn), which splits them into several runs, each a loop and a barrier.
// This pass reorders each stretch of consecutive tile.ew / tile.mask_rows
// ops so that ops of one kind (shape, and whether a fragment is involved)
// follow each other wherever their dependences allow: a list schedule that
// keeps to the kind of the op it placed last while an op of that kind is
// ready, else takes the earliest ready op. Dependences are through the
// buffers StepSchedule's accesses name (root allocations: an op after
// another that writes what it reads or writes, or that reads what it
// writes), so buffer reuse and stage aliasing decided by earlier passes
// still hold. Numerics do not change.
//
//===----------------------------------------------------------------------===//
#include "dialect/tile/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

#include "llvm/ADT/SmallPtrSet.h"

namespace linac {
#define GEN_PASS_DEF_TILEGROUPELEMENTWISE
#include "dialect/tile/Transforms/Passes.h.inc"
} // namespace linac

using namespace mlir;

namespace {

/// The buffers an op reads and writes (StepSchedule's, as root allocations).
struct Access {
  llvm::SmallPtrSet<void *, 4> reads, writes;
};

bool intersects(const llvm::SmallPtrSet<void *, 4> &x, const llvm::SmallPtrSet<void *, 4> &y) {
  return llvm::any_of(x, [&](void *v) { return y.contains(v); });
}

/// Whether `later` must stay after `earlier`.
bool dependsOn(const Access &later, const Access &earlier) {
  return intersects(earlier.writes, later.reads) || intersects(earlier.writes, later.writes) ||
         intersects(earlier.reads, later.writes);
}

/// An op's kind: its destination's shape and whether it may be in a fused
/// run at all (fusableElementwise).
struct Kind {
  int64_t rows, cols;
  bool fusable;
  bool operator==(const Kind &o) const {
    return rows == o.rows && cols == o.cols && fusable == o.fusable;
  }
};

Kind kindOf(Operation *op) {
  auto t = cast<tile::BufType>(op->getOperand(0).getType());
  return Kind{t.getRows(), t.getCols(), linac::fusableElementwise(op)};
}

/// Reorders one stretch of element-wise ops (in program order) in place.
void group(ArrayRef<Operation *> stretch) {
  const size_t n = stretch.size();
  SmallVector<Access> access;
  SmallVector<Kind> kind;
  for (Operation *op : stretch) {
    access.emplace_back();
    linac::stepAccesses(op, access.back().reads, access.back().writes);
    kind.push_back(kindOf(op));
  }
  // preds[i]: the earlier ops i must follow.
  SmallVector<SmallVector<size_t>> preds(n);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < i; ++j)
      if (dependsOn(access[i], access[j]))
        preds[i].push_back(j);
  SmallVector<bool> placed(n, false);
  SmallVector<size_t> order;
  auto ready = [&](size_t i) {
    return !placed[i] && llvm::all_of(preds[i], [&](size_t j) { return placed[j]; });
  };
  while (order.size() < n) {
    size_t pick = n;
    if (!order.empty() && kind[order.back()].fusable)
      for (size_t i = 0; i < n && pick == n; ++i)
        if (ready(i) && kind[i] == kind[order.back()])
          pick = i;
    for (size_t i = 0; i < n && pick == n; ++i)
      if (ready(i))
        pick = i;
    placed[pick] = true;
    order.push_back(pick);
  }
  // Move the ops into the new order, before whatever followed the stretch.
  Block *block = stretch.back()->getBlock();
  Operation *after = stretch.back()->getNextNode();
  for (size_t i : order) {
    if (after)
      stretch[i]->moveBefore(after);
    else
      stretch[i]->moveBefore(block, block->end());
  }
}

struct TileGroupElementwisePass
    : linac::impl::TileGroupElementwiseBase<TileGroupElementwisePass> {
  using TileGroupElementwiseBase::TileGroupElementwiseBase;

  void runOnOperation() override {
    getOperation().walk([&](Block *block) {
      SmallVector<SmallVector<Operation *>> stretches(1);
      for (Operation &op : *block) {
        if (isa<tile::EwOp, tile::MaskRowsOp>(op))
          stretches.back().push_back(&op);
        else if (!stretches.back().empty())
          stretches.emplace_back();
      }
      for (auto &s : stretches)
        if (s.size() > 2)
          group(s);
    });
  }
};

} // namespace
