//===- PrefetchInputs.cpp - a chunk loop's input copies one chunk ahead ---===//
//
// With one input stage, a chunk loop copies chunk c's inputs at the top of
// its body and waits for them at once: every chunk pays the loads' latency
// before its first op. Where the kernel leaves enough shared memory, this
// pass gives each 16-bit input whose columns are a multiple of 8 (or one
// column: a per-token gate) a landing buffer (R x C 16-bit values, as R x
// C/2 fp32 elements; one column as the aligned pair of halves each value
// sits in) and moves its loads
// one chunk ahead (in program order, as many as fit): chunk 0's rows are
// issued before the loop; at the top of
// the body, after tile.landed, each copy becomes tile.take_rows (the landed
// rows converted into the stage, rows past the chunk's zeroed); after the
// body's waits (a barrier: every thread took its rows) the next chunk's
// rows are issued into the landing buffers, to land under the body's work.
// Numerics do not change (the same values reach the stages); the cpu target
// checks that every take has a landed prefetch of the same rows.
//
//===----------------------------------------------------------------------===//
#include "dialect/tile/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"

namespace linac {
#define GEN_PASS_DEF_TILEPREFETCHINPUTS
#include "dialect/tile/Transforms/Passes.h.inc"
} // namespace linac

using namespace mlir;

namespace {

/// Whether `v` is `iv * rows` (the row of chunk iv of `rows` tokens).
bool isChunkRow(Value v, Value iv, int64_t rows) {
  auto mul = v.getDefiningOp<arith::MulIOp>();
  if (!mul)
    return false;
  auto isRows = [&](Value c) {
    auto k = c.getDefiningOp<arith::ConstantIndexOp>();
    return k && k.value() == rows;
  };
  return (mul.getLhs() == iv && isRows(mul.getRhs())) ||
         (mul.getRhs() == iv && isRows(mul.getLhs()));
}

struct TilePrefetchInputsPass
    : linac::impl::TilePrefetchInputsBase<TilePrefetchInputsPass> {
  using TilePrefetchInputsBase::TilePrefetchInputsBase;

  void runOnOperation() override {
    tile::KernelOp kernel = getOperation();
    if (!corrupt.empty() && corrupt != "prefetch-no-landed" && corrupt != "prefetch-wrong-rows" &&
        corrupt != "prefetch-before-wait") {
      kernel.emitError("tile-prefetch-inputs: unknown corrupt='") << corrupt << "'";
      return signalPassFailure();
    }
    SmallVector<scf::ForOp> loops;
    kernel.walk([&](scf::ForOp loop) { loops.push_back(loop); });
    // One chunk loop per kernel (the fused and segment kernels), and no
    // producer warp (its copies run ahead on their own); others are left as
    // they are.
    if (loops.size() != 1 || kernel.getWarps() % 4 != 0)
      return;
    scf::ForOp loop = loops.front();
    // Chunks 0, 1, 2, ... (chunk 0's rows are issued before the loop).
    auto isConstant = [](Value v, int64_t k) {
      auto c = v.getDefiningOp<arith::ConstantIndexOp>();
      return c && c.value() == k;
    };
    if (!isConstant(loop.getLowerBound(), 0) || !isConstant(loop.getStep(), 1))
      return;
    Block *body = loop.getBody();
    Value iv = loop.getInductionVar();
    auto outside = [&](Value v) { return loop.isDefinedOutsideOfLoop(v); };
    SmallVector<tile::CopyAsyncOp> copies;
    for (Operation &op : *body) {
      auto copy = dyn_cast<tile::CopyAsyncOp>(op);
      if (!copy)
        continue;
      auto d = cast<tile::BufType>(copy.getDst().getType());
      // (A bf16 input stage, tile-inputs-16bit, is its own landing buffer.)
      if (!d.getElementType().isF32() || tile::landingColumnsFor(d.getCols()) == 0 ||
          !isChunkRow(copy.getRow(), iv, d.getRows()) || !outside(copy.getStart()) ||
          !outside(copy.getHead()) || !outside(copy.getCol()))
        continue;
      copies.push_back(copy);
    }
    if (copies.empty())
      return;
    // Landing buffers only where they fit beside everything else.
    const int64_t limit = linac::sharedLimitFor(kernel, this->limit);
    int64_t used = reserved;
    kernel.walk([&](tile::AllocOp alloc) {
      auto t = cast<tile::BufType>(alloc.getType());
      if (t.getSpace() == tile::Space::shared)
        used += tile::bufferBytes(t, alloc);
    });
    // In program order, each copy whose landing buffer still fits (the
    // others stay copies).
    SmallVector<tile::CopyAsyncOp> landed;
    SmallVector<tile::BufType> landingTypes;
    for (tile::CopyAsyncOp copy : copies) {
      auto d = cast<tile::BufType>(copy.getDst().getType());
      auto t = tile::BufType::get(&getContext(), tile::Space::shared, d.getRows(),
                                  tile::landingColumnsFor(d.getCols()), d.getElementType(), 1);
      if (used + tile::bufferBytes(t, nullptr) > limit)
        continue;
      used += tile::bufferBytes(t, nullptr);
      landed.push_back(copy);
      landingTypes.push_back(t);
    }
    copies = landed;
    if (copies.empty())
      return;

    OpBuilder b(loop);
    Location loc = loop.getLoc();
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    SmallVector<Value> landings;
    for (auto [copy, t] : llvm::zip(copies, landingTypes)) {
      auto alloc = tile::AllocOp::create(b, loc, t);
      alloc->setAttr("name", b.getStringAttr((copy.getName() + "_landing").str()));
      // The libraries fill and read landing buffers as dense rows of
      // halves: never padded (tile::rowPitch).
      alloc->setAttr("landing", b.getUnitAttr());
      landings.push_back(alloc.getResult());
      // Chunk 0's rows, before the loop.
      tile::PrefetchRowsOp::create(b, loc, copy.getNameAttr(), alloc.getResult(),
                                   copy.getStart(), zero, copy.getHead(), copy.getCol());
    }
    // The body: every landed, then each copy taken from its landing buffer.
    b.setInsertionPoint(copies.front());
    if (corrupt != "prefetch-no-landed")
      tile::LandedOp::create(b, loc);
    Operation *lastWait = nullptr;
    tile::TakeRowsOp lastTake;
    for (auto [copy, landing] : llvm::zip(copies, landings)) {
      b.setInsertionPoint(copy);
      auto take = tile::TakeRowsOp::create(
          b, copy.getLoc(), tile::TokenType::get(&getContext()), copy.getNameAttr(), landing,
          copy.getDst(), copy.getStart(), copy.getRow(), copy.getValid(), copy.getHead(),
          copy.getCol());
      for (Operation *user : copy.getToken().getUsers()) {
        if (user->getBlock() != body) {
          kernel.emitError("tile-prefetch-inputs: a copy's token is waited outside the loop body");
          return signalPassFailure();
        }
        if (!lastWait || lastWait->isBeforeInBlock(user))
          lastWait = user;
      }
      copy.getToken().replaceAllUsesWith(take.getToken());
      lastTake = take;
    }
    // The next chunk's rows after the last wait (the barrier after which
    // every thread has taken its rows out of the landing buffers).
    if (!lastWait) {
      kernel.emitError("tile-prefetch-inputs: a copy's token is not waited in the loop body");
      return signalPassFailure();
    }
    b.setInsertionPointAfter(corrupt == "prefetch-before-wait" ? lastTake.getOperation()
                                                                : lastWait);
    for (auto [copy, landing] : llvm::zip(copies, landings)) {
      auto d = cast<tile::BufType>(copy.getDst().getType());
      int64_t ahead = corrupt == "prefetch-wrong-rows" ? 2 * d.getRows() : d.getRows();
      Value rows = arith::ConstantIndexOp::create(b, loc, ahead);
      Value next = arith::AddIOp::create(b, loc, copy.getRow(), rows);
      tile::PrefetchRowsOp::create(b, loc, copy.getNameAttr(), landing, copy.getStart(), next,
                                   copy.getHead(), copy.getCol());
    }
    for (tile::CopyAsyncOp copy : copies)
      copy.erase();
  }
};

} // namespace
