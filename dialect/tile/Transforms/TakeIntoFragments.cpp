//===- TakeIntoFragments.cpp - landed rows straight into fragments --------===//
//
// After tile-prefetch-inputs, each chunk's rows reach an op through two
// block-wide steps: tile.take_rows converts the landing buffer's 16-bit
// values into a shared fp32 stage, then an element-wise op reads the stage
// into a register tile. Where that op is the stage's only reader of those
// values and writes a whole fragment (a tile-place-fragments register tile)
// of the stage's shape, this pass takes the rows into the fragment itself:
// a copy disappears, any other op reads the fragment in place of the stage.
// Each thread then converts only the values it holds and no stage is
// written (the take's wait still ends in a barrier, which orders the
// landing buffer's reads before the next prefetch). Numerics do not change:
// the same values reach the same op.
//
//===----------------------------------------------------------------------===//
#include "dialect/tile/Transforms/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

#include <optional>

namespace linac {
#define GEN_PASS_DEF_TILETAKEINTOFRAGMENTS
#include "dialect/tile/Transforms/Passes.h.inc"
} // namespace linac

using namespace mlir;

namespace {

/// A rectangle of a buffer's root allocation (stages of one-stage buffers
/// coincide).
struct Region {
  int64_t row = 0, col = 0, rows = 0, cols = 0;
  bool contains(const Region &o) const {
    return o.row >= row && o.col >= col && o.row + o.rows <= row + rows &&
           o.col + o.cols <= col + cols;
  }
};

Region regionOf(Value v) {
  auto t = cast<tile::BufType>(v.getType());
  Region r{0, 0, t.getRows(), t.getCols()};
  while (Operation *def = v.getDefiningOp()) {
    if (auto view = dyn_cast<tile::ViewOp>(def)) {
      r.row += view.getRow();
      r.col += view.getCol();
      v = view.getBuffer();
    } else if (auto stage = dyn_cast<tile::StageOp>(def)) {
      v = stage.getBuffer();
    } else {
      break;
    }
  }
  return r;
}

struct TileTakeIntoFragmentsPass
    : linac::impl::TileTakeIntoFragmentsBase<TileTakeIntoFragmentsPass> {
  void runOnOperation() override {
    SmallVector<tile::TakeRowsOp> takes;
    getOperation().walk([&](tile::TakeRowsOp t) { takes.push_back(t); });
    for (tile::TakeRowsOp take : takes)
      intoFragment(take);
  }

  /// The element-wise op that is the only reader of `take`'s rows, if it
  /// writes a whole fragment of the stage's shape from them.
  tile::EwOp soleReader(tile::TakeRowsOp take) {
    Value stage = linac::rootAllocation(take.getDst());
    auto stageType = cast<tile::BufType>(stage.getType());
    if (stageType.getStages() != 1)
      return {};
    // Every op that touches the stage comes after the take in its block
    // (none earlier in the body, none elsewhere, none nested), so the scan
    // below sees each of them.
    SmallVector<Operation *> real, derived;
    linac::collectTileUsers(stage, real, derived);
    for (Operation *user : real)
      if (user != take.getOperation() &&
          (user->getBlock() != take->getBlock() || user->isBeforeInBlock(take)))
        return {};
    Region taken = regionOf(take.getDst());
    // Ops after the take, in order, until the whole taken region has been
    // written again: every read of the stage there that is not inside a
    // part written since reads the taken rows. Before the one reader, no
    // write may touch the taken rows at all.
    SmallVector<Region> written;
    tile::EwOp reader;
    for (Operation *op = take->getNextNode(); op; op = op->getNextNode()) {
      if (isa<tile::ViewOp, tile::StageOp>(op))
        continue; // names a part, touches nothing
      SmallVector<std::pair<unsigned, Value>> uses;
      for (auto [i, operand] : llvm::enumerate(op->getOperands()))
        if (isa<tile::BufType>(operand.getType()) && linac::rootAllocation(operand) == stage)
          uses.push_back({static_cast<unsigned>(i), operand});
      if (uses.empty())
        continue;
      // Reads first (an op may read the stage through one value and write
      // it through another), then its write.
      std::optional<Region> write;
      for (auto [i, operand] : uses) {
        Region r = regionOf(operand);
        if (i == 0 && linac::definesWhole(op, operand)) {
          write = r;
          continue;
        }
        if (llvm::any_of(written, [&](const Region &w) { return w.contains(r); }))
          continue;
        // A read of the taken rows: only one, by an element-wise op.
        // (The same stage may be named by another tile.stage value.)
        auto ew = dyn_cast<tile::EwOp>(op);
        if (reader || !ew || i != 1 || !r.contains(taken) || !taken.contains(r))
          return {};
        reader = ew;
      }
      if (write) {
        if (!reader)
          return {}; // the taken rows changed before their reader
        written.push_back(*write);
      }
      if (llvm::any_of(written, [&](const Region &w) { return w.contains(taken); }))
        break;
    }
    return reader;
  }

  void intoFragment(tile::TakeRowsOp take) {
    tile::EwOp ew = soleReader(take);
    if (!ew)
      return;
    Value frag = ew.getDst();
    auto alloc = frag.getDefiningOp<tile::AllocOp>();
    auto stageType = cast<tile::BufType>(take.getDst().getType());
    auto fragType = cast<tile::BufType>(frag.getType());
    if (!alloc || !alloc->hasAttr("fragment") || alloc->hasAttr("owned") || fragType.getRows() != stageType.getRows() ||
        fragType.getCols() != stageType.getCols() || ew->getBlock() != take->getBlock() ||
        (ew.getRhs() && linac::rootAllocation(ew.getRhs()) == frag))
      return;
    // The fragment's value is the take's from the take on: nothing between
    // may still use the fragment's old value or write it.
    for (Operation *op = take->getNextNode(); op != ew.getOperation(); op = op->getNextNode()) {
      bool usesFragment = false;
      op->walk([&](Operation *inner) {
        for (Value operand : inner->getOperands())
          if (isa<tile::BufType>(operand.getType()) && linac::rootAllocation(operand) == frag)
            usesFragment = true;
      });
      if (usesFragment)
        return;
    }
    take.getDstMutable().assign(frag);
    if (ew.getKind() == tile::EwKind::copy)
      ew.erase();
    else
      ew.getLhsMutable().assign(frag);
  }
};

} // namespace
