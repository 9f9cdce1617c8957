//===- FuseMaskEpilogue.cpp - masks on a matmul's accumulators ------------===//
//
// The intra-chunk attention and the Gram matrix of every variant are a
// matmul whose tile a causal or decay mask rewrites right after: on the GPU
// targets a second pass over the tile (a read, an exponential and a write
// per element) and a block barrier. When the mask's tile is the matmul's
// output, and the matmul starts it afresh with 16-bit operands (the
// tensor-core rounds, whose accumulators each thread holds before storing
// them), this pass marks the mask `epilogue`: the emitter folds it into
// the matmul's call, which applies it to the accumulators as it stores
// them. Only where the mask reads no column of that tile; fragments (kept
// in registers by their own ops) stay out. Numerics do not change.
//
//===----------------------------------------------------------------------===//
#include "dialect/tile/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

namespace linac {
#define GEN_PASS_DEF_TILEFUSEMASKEPILOGUE
#include "dialect/tile/Transforms/Passes.h.inc"
} // namespace linac

using namespace mlir;

namespace {

/// The mask's tile and the columns it reads (gates, scales), if `op` is a
/// causal or decay mask.
bool maskOperands(Operation *op, Value &dst, SmallVectorImpl<Value> &columns) {
  if (auto c = dyn_cast<tile::CausalMaskOp>(op)) {
    dst = c.getDst();
    for (Value v : {c.getRowScale(), c.getColScale()})
      if (v)
        columns.push_back(v);
    return true;
  }
  if (auto d = dyn_cast<tile::DecayMaskOp>(op)) {
    dst = d.getDst();
    for (Value v : {d.getLhsDecay(), d.getRhsDecay(), d.getRowScale(), d.getColScale()})
      if (v)
        columns.push_back(v);
    return true;
  }
  return false;
}

/// Whether `mask`, the op right after `mma`, may run on its accumulators.
bool fusable(tile::MmaOp mma, Operation *mask) {
  Value dst;
  SmallVector<Value> columns;
  if (!maskOperands(mask, dst, columns) || mask->hasAttr("fuse"))
    return false;
  auto type = mma.getOperandType();
  if (dst != mma.getAcc() || mma.getAccumulate() ||
      (type != tile::OperandType::bf16 && type != tile::OperandType::f16))
    return false;
  Value accRoot = linac::rootAllocation(dst);
  if (linac::isFragment(accRoot))
    return false;
  for (Value v : columns)
    if (linac::rootAllocation(v) == accRoot)
      return false;
  return true;
}

struct TileFuseMaskEpiloguePass
    : linac::impl::TileFuseMaskEpilogueBase<TileFuseMaskEpiloguePass> {
  using TileFuseMaskEpilogueBase::TileFuseMaskEpilogueBase;

  void runOnOperation() override {
    OpBuilder b(&getContext());
    getOperation().walk([&](tile::MmaOp mma) {
      Operation *next = mma->getNextNode();
      if (next && fusable(mma, next))
        next->setAttr("epilogue", b.getUnitAttr());
    });
  }
};

} // namespace
