//===- PromoteShared.cpp - hot register tiles into free shared memory -----===//
//
// Register-space tiles live in per-block scratch (global memory, served by
// L2) on the GPU targets; every op on them waits for L2. Shared memory left
// over after the input stages and the library's reservation can hold some:
// this pass moves the tiles used most often inside loops, per byte, into
// shared memory while they fit the target's limit. Numerics do not change
// (the cpu target runs promoted kernels the same way), only where the bytes
// live.
//
//===----------------------------------------------------------------------===//
#include "dialect/tile/Transforms/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

#include "llvm/ADT/STLExtras.h"

namespace linac {
#define GEN_PASS_DEF_TILEPROMOTESHARED
#include "dialect/tile/Transforms/Passes.h.inc"
} // namespace linac

using namespace mlir;

int64_t linac::sharedLimitFor(tile::KernelOp kernel, int64_t limit) {
  auto blocks = kernel->getAttrOfType<IntegerAttr>("blocks_per_sm");
  if (!blocks || blocks.getInt() <= 1 || limit <= 0)
    return limit;
  constexpr int64_t kPerBlockReserve = 1024;
  return (limit + kPerBlockReserve) / blocks.getInt() - kPerBlockReserve;
}

void linac::collectTileUsers(Value buffer, SmallVectorImpl<Operation *> &real,
                             SmallVectorImpl<Operation *> &derived) {
  SmallVector<Value> work{buffer};
  while (!work.empty())
    for (Operation *user : work.pop_back_val().getUsers()) {
      if (isa<tile::ViewOp, tile::StageOp>(user)) {
        derived.push_back(user);
        work.push_back(user->getResult(0));
        continue;
      }
      real.push_back(user);
    }
}

void linac::moveToShared(Value buffer) {
  auto t = cast<tile::BufType>(buffer.getType());
  buffer.setType(tile::BufType::get(t.getContext(), tile::Space::shared, t.getRows(),
                                    t.getCols(), t.getElementType(), t.getStages()));
  for (Operation *user : buffer.getUsers())
    if (auto view = dyn_cast<tile::ViewOp>(user))
      moveToShared(view.getResult());
}

namespace {

struct Candidate {
  tile::AllocOp alloc;
  int64_t bytes;
  int64_t uses; // ops inside loops that touch the tile, views included
};

struct TilePromoteSharedPass
    : linac::impl::TilePromoteSharedBase<TilePromoteSharedPass> {
  using TilePromoteSharedBase::TilePromoteSharedBase;

  void runOnOperation() override {
    tile::KernelOp kernel = getOperation();
    const int64_t limit = linac::sharedLimitFor(kernel, this->limit);
    int64_t used = reserved;
    SmallVector<Candidate> candidates;
    kernel.walk([&](tile::AllocOp alloc) {
      auto type = cast<tile::BufType>(alloc.getType());
      if (type.getSpace() == tile::Space::shared) {
        used += tile::bufferBytes(type, alloc);
        return;
      }
      if (alloc->hasAttr("fragment")) // in registers already (tile-place-fragments)
        return;
      // Its bytes once in shared memory (rows padded there where the
      // kernel pads them).
      auto asShared = tile::BufType::get(type.getContext(), tile::Space::shared, type.getRows(),
                                         type.getCols(), type.getElementType(), type.getStages());
      Candidate c{alloc, tile::bufferBytes(asShared, alloc), 0};
      SmallVector<Operation *> real, derived;
      linac::collectTileUsers(alloc.getResult(), real, derived);
      for (Operation *user : real)
        if (linac::runsPerChunk(user))
          ++c.uses;
      if (c.uses > 0)
        candidates.push_back(c);
    });
    // Most uses per byte first (small, busy tiles: each use is an L2 round
    // trip saved), then most uses.
    llvm::stable_sort(candidates, [](const Candidate &a, const Candidate &b) {
      if (a.uses * b.bytes != b.uses * a.bytes)
        return a.uses * b.bytes > b.uses * a.bytes;
      return a.uses > b.uses;
    });
    for (Candidate &c : candidates) {
      if (used + c.bytes > limit)
        continue;
      used += c.bytes;
      linac::moveToShared(c.alloc.getResult());
    }
  }
};

} // namespace
