//===- Store16Bit.cpp - bf16 storage for tiles only bf16 matmuls read -----===//
//
// A bf16 matmul rounds its operands to bf16 as it stages them. A shared
// buffer that only copies write and only such matmuls read can hold the
// rounded values instead: the same products, half the shared memory, and
// operands the libraries stage without converting. The writes round to
// nearest even as the staging does, so results are bit-identical. The
// matmuls must be of whole 64 x 64 blocks (the GPU libraries' tensor-core
// path, the only one that reads bf16 tiles).
//
//===----------------------------------------------------------------------===//
#include "dialect/tile/Transforms/Passes.h"

namespace linac {
#define GEN_PASS_DEF_TILESTORE16BIT
#include "dialect/tile/Transforms/Passes.h.inc"
} // namespace linac

using namespace mlir;

namespace {

/// Whether every use of `alloc` is a copy into it or a bf16 whole-block
/// matmul reading it, with at least one such read.
bool onlyCopiedAndMultiplied(tile::AllocOp alloc) {
  SmallVector<Operation *> real, derived;
  linac::collectTileUsers(alloc.getResult(), real, derived);
  auto ofAlloc = [&](Value v) { return linac::rootAllocation(v) == alloc.getResult(); };
  bool read = false;
  for (Operation *op : real) {
    if (auto ew = dyn_cast<tile::EwOp>(op)) {
      if (ew.getKind() != tile::EwKind::copy || !ofAlloc(ew.getDst()) || ofAlloc(ew.getLhs()))
        return false;
      continue;
    }
    if (auto copy = dyn_cast<tile::CopyTileAsyncOp>(op)) {
      if (!ofAlloc(copy.getDst()))
        return false;
      continue;
    }
    auto mma = dyn_cast<tile::MmaOp>(op);
    if (!mma || ofAlloc(mma.getAcc()) || mma.getOperandType() != tile::OperandType::bf16 ||
        !linac::wholeBlockMma(mma))
      return false;
    read = true;
  }
  return read;
}

struct TileStore16BitPass : linac::impl::TileStore16BitBase<TileStore16BitPass> {
  void runOnOperation() override {
    SmallVector<tile::AllocOp> chosen;
    getOperation().walk([&](tile::AllocOp alloc) {
      auto t = cast<tile::BufType>(alloc.getType());
      if (t.getSpace() == tile::Space::shared && t.getElementType().isF32() &&
          !alloc->hasAttr("fragment") && onlyCopiedAndMultiplied(alloc))
        chosen.push_back(alloc);
    });
    for (tile::AllocOp alloc : chosen)
      linac::storeInBf16(alloc);
  }
};

} // namespace

void linac::storeInBf16(tile::AllocOp alloc) {
  auto withBf16 = [](tile::BufType t) {
    return tile::BufType::get(t.getContext(), t.getSpace(), t.getRows(), t.getCols(),
                              BFloat16Type::get(t.getContext()), t.getStages());
  };
  SmallVector<Operation *> real, derived;
  collectTileUsers(alloc.getResult(), real, derived);
  alloc.getResult().setType(withBf16(cast<tile::BufType>(alloc.getType())));
  for (Operation *d : derived)
    d->getResult(0).setType(withBf16(cast<tile::BufType>(d->getResult(0).getType())));
}
