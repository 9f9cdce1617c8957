//===- Inputs16Bit.cpp - input stages that keep the caller's bf16 values --===//
//
// A stage filled from a bf16 input holds, in fp32, values that are exactly
// bf16: half its bytes carry nothing. With config inputs=bf16 the module
// requires its multi-column inputs in bf16, and this pass stores each stage
// that only copies of an input write, and only ops that convert as they
// read (element-wise ops, row norms, Gram blocks' operands, bf16 matmuls of
// whole 64 x 64 blocks) read, as bf16: half the shared memory, the rows
// copied as bytes, the same values read, so the results do not change.
//
//===----------------------------------------------------------------------===//
#include "dialect/tile/Transforms/Passes.h"

namespace linac {
#define GEN_PASS_DEF_TILEINPUTS16BIT
#include "dialect/tile/Transforms/Passes.h.inc"
} // namespace linac

using namespace mlir;

namespace {

/// Whether every write of `alloc` is a copy of an input into it and every
/// read an operand that the libraries read from a bf16 input stage.
bool onlyInputAndReadable(tile::AllocOp alloc) {
  SmallVector<Operation *> real, derived;
  linac::collectTileUsers(alloc.getResult(), real, derived);
  auto ofAlloc = [&](Value v) { return v && linac::rootAllocation(v) == alloc.getResult(); };
  bool copied = false;
  for (Operation *op : real) {
    if (isa<tile::CopyAsyncOp>(op)) {
      copied = true;
      continue;
    }
    if (auto ew = dyn_cast<tile::EwOp>(op)) {
      if (ofAlloc(ew.getDst()))
        return false;
      continue;
    }
    if (isa<tile::RowL2NormOp, tile::RowInvNormOp>(op)) {
      if (ofAlloc(op->getOperand(0)))
        return false;
      continue;
    }
    // A Gram block's operands (not its decays).
    if (auto gram = dyn_cast<tile::GramDiagOp>(op)) {
      if (ofAlloc(gram.getDst()) || ofAlloc(gram.getLhsDecay()) || ofAlloc(gram.getRhsDecay()))
        return false;
      continue;
    }
    auto mma = dyn_cast<tile::MmaOp>(op);
    if (!mma || ofAlloc(mma.getAcc()) || mma.getOperandType() != tile::OperandType::bf16 ||
        !linac::wholeBlockMma(mma))
      return false;
  }
  return copied;
}

struct TileInputs16BitPass : linac::impl::TileInputs16BitBase<TileInputs16BitPass> {
  void runOnOperation() override {
    SmallVector<tile::AllocOp> chosen;
    getOperation().walk([&](tile::AllocOp alloc) {
      auto t = cast<tile::BufType>(alloc.getType());
      // Rows of whole 16-byte pieces: the copies move bytes.
      if (t.getSpace() == tile::Space::shared && t.getElementType().isF32() &&
          !alloc->hasAttr("fragment") && t.getCols() % 8 == 0 && onlyInputAndReadable(alloc))
        chosen.push_back(alloc);
    });
    for (tile::AllocOp alloc : chosen)
      linac::storeInBf16(alloc);
  }
};

} // namespace
