//===- ElideBarriers.cpp - barriers only where a step needs one -----------===//
//
// On the GPU targets every op closes with a block barrier, so a chunk runs
// its 20-50 steps one barrier apart. A barrier is needed only before a step
// that reads or overwrites what a step since the last barrier wrote or read
// (StepSchedule's dependences: root allocations, the staging area the
// matmuls and tri_inv share, landing buffers). This pass marks `no_barrier`
// each op whose closing barrier can go: the libraries let that op leave it
// out, and the next step depends on no step since the last barrier and
// closes with a barrier of its own (or is tile.barrier), so that the
// barrier ending the run still orders every step of it before whatever
// needs them. Only loops and kernel bodies whose ops are all directly in
// them (no nested regions); shared buffers are distinct allocations
// (tile.alloc's place in shared memory is its own, so two roots never
// share bytes). Numerics do not change.
//
//===----------------------------------------------------------------------===//
#include "dialect/tile/Transforms/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"

namespace linac {
#define GEN_PASS_DEF_TILEELIDEBARRIERS
#include "dialect/tile/Transforms/Passes.h.inc"
} // namespace linac

using namespace mlir;

namespace {

/// Whether every buffer `op` touches is a fragment (ops on fragments alone
/// keep each thread to its own values and close with no barrier).
bool onFragmentsOnly(Operation *op) {
  bool any = false;
  for (Value v : op->getOperands())
    if (isa<tile::BufType>(v.getType())) {
      any = true;
      if (!linac::isFragment(linac::rootAllocation(v)))
        return false;
    }
  return any;
}

/// The ops of a step, if it is one op or a fused run of element-wise ops
/// (no matmul epilogue, which the emitter folds into another call).
bool simpleStep(const linac::Step &s) {
  if (s.ops.empty() || llvm::any_of(s.ops, [](Operation *op) { return op->hasAttr("epilogue"); }))
    return false;
  return s.ops.size() == 1 ||
         llvm::all_of(s.ops, [](Operation *op) { return isa<tile::EwOp, tile::MaskRowsOp>(op); });
}

/// Whether the libraries let the step leave out its closing barrier while
/// marked (CUDA library: the ops that close with end_step).
bool mayLeaveOut(const linac::Step &s) {
  return !s.fence && simpleStep(s) &&
         llvm::all_of(s.ops, [](Operation *op) {
           return isa<tile::EwOp, tile::MaskRowsOp, tile::RowL2NormOp, tile::RowInvNormOp,
                      tile::RowDotOp, tile::CumsumOp, tile::TransposeOp, tile::WaitOp,
                      tile::MmaOp>(op);
         });
}

/// Whether the step, unmarked, always closes with a barrier of the
/// consumers (a mask_rows with nothing to mask takes one when a barrier
/// was left to it).
bool closesWithBarrier(const linac::Step &s) {
  if (s.fence)
    return true;
  if (!simpleStep(s) || llvm::all_of(s.ops, onFragmentsOnly))
    return false;
  return llvm::all_of(s.ops, [](Operation *op) {
    if (auto m = dyn_cast<tile::MaskRowsOp>(op))
      return !onFragmentsOnly(m);
    return isa<tile::EwOp, tile::RowL2NormOp, tile::RowInvNormOp, tile::RowDotOp,
               tile::CumsumOp, tile::TransposeOp, tile::WaitOp, tile::MmaOp, tile::TriInvOp,
               tile::GramDiagOp, tile::DecayMaskOp, tile::CausalMaskOp>(op);
  });
}

/// Marks the steps of `root`'s body, if all its ops are directly in it.
void elide(Operation *root, Block &body) {
  for (Operation &op : body)
    if (op.getNumRegions() != 0)
      return;
  std::vector<linac::Step> steps = linac::buildSteps(root);
  for (const linac::Step &s : steps)
    for (Operation *op : s.ops)
      if (op->getBlock() != &body)
        return;
  // Steps before `sinceBarrier` are ordered by a barrier before every step
  // after it. A step that closes with no barrier of its own (a copy's
  // issue, ops on fragments alone) stays unordered, as it is today: a
  // barrier is then left out only before a step that needs none of it.
  unsigned sinceBarrier = 0;
  for (unsigned i = 0; i + 1 < steps.size(); ++i) {
    const linac::Step &s = steps[i], &next = steps[i + 1];
    bool independent =
        llvm::none_of(next.after, [&](unsigned j) { return j >= sinceBarrier; });
    if (mayLeaveOut(s) && closesWithBarrier(next) && (next.fence || independent)) {
      for (Operation *op : s.ops)
        op->setAttr("no_barrier", UnitAttr::get(op->getContext()));
      continue;
    }
    if (closesWithBarrier(s))
      sinceBarrier = i + 1;
  }
}

struct TileElideBarriersPass
    : linac::impl::TileElideBarriersBase<TileElideBarriersPass> {
  void runOnOperation() override {
    tile::KernelOp kernel = getOperation();
    if (kernel.getKind() == "parallel") {
      elide(kernel, kernel.getBody().front());
      return;
    }
    kernel.walk([&](scf::ForOp loop) {
      if (!loop->getParentOfType<scf::ForOp>())
        elide(loop, *loop.getBody());
    });
  }
};

} // namespace
