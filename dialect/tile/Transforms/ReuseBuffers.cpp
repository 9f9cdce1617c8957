//===- ReuseBuffers.cpp - share register tiles with disjoint live ranges ---===//
#include "dialect/tile/Transforms/Passes.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"

#include <map>
#include <tuple>

using namespace mlir;

namespace linac {
#define GEN_PASS_DEF_TILEREUSEBUFFERS
#include "dialect/tile/Transforms/Passes.h.inc"
} // namespace linac

/// Ops that write every element of their first operand without reading it
/// (so the tile's old contents are dead before them).
bool linac::definesWhole(Operation *op, Value buffer) {
  if (op->getNumOperands() == 0 || op->getOperand(0) != buffer)
    return false;
  for (Value other : op->getOperands().drop_front())
    if (other == buffer)
      return false;
  if (auto mma = dyn_cast<tile::MmaOp>(op))
    return !mma.getAccumulate();
  return isa<tile::EwOp, tile::CumsumOp, tile::TransposeOp, tile::FillOp,
             tile::RowL2NormOp, tile::RowInvNormOp, tile::RowDotOp, tile::TriInvOp,
             tile::IdentityOp, tile::GramDiagOp>(op);
}

namespace {

struct Candidate {
  tile::AllocOp alloc;
  Block *block;
  unsigned first, last;
};

struct TileReuseBuffersPass
    : linac::impl::TileReuseBuffersBase<TileReuseBuffersPass> {
  void runOnOperation() override {
    tile::KernelOp kernel = getOperation();
    // Position of every op in its block.
    llvm::DenseMap<Operation *, unsigned> position;
    kernel.walk([&](Block *block) {
      unsigned i = 0;
      for (Operation &op : *block)
        position[&op] = i++;
    });

    SmallVector<Candidate> candidates;
    kernel.walk([&](tile::AllocOp alloc) {
      auto type = cast<tile::BufType>(alloc.getType());
      if (type.getSpace() != tile::Space::reg || type.getStages() != 1)
        return;
      // Every op that touches the tile, its views too.
      SmallVector<Operation *> users, views;
      linac::collectTileUsers(alloc.getResult(), users, views);
      users.append(views.begin(), views.end());
      if (users.empty())
        return;
      Block *block = users.front()->getBlock();
      Candidate c{alloc, block, ~0u, 0};
      Operation *firstUser = nullptr;
      for (Operation *u : users) {
        if (u->getBlock() != block)
          return; // used in several blocks (e.g. across a loop): keep it
        unsigned p = position[u];
        if (p < c.first) {
          c.first = p;
          firstUser = u;
        }
        c.last = std::max(c.last, p);
      }
      // Views are free and placed before their users; the first real use
      // must define the whole tile.
      if (isa<tile::ViewOp>(firstUser)) {
        unsigned best = ~0u;
        for (Operation *u : users)
          if (!isa<tile::ViewOp>(u) && position[u] < best) {
            best = position[u];
            firstUser = u;
          }
      }
      if (!linac::definesWhole(firstUser, alloc.getResult()))
        return;
      candidates.push_back(c);
    });

    // Greedy interval sharing per (block, shape): a tile takes over a
    // representative whose last use came before its first.
    llvm::sort(candidates, [](const Candidate &a, const Candidate &b) {
      return a.first < b.first;
    });
    // Tiles of one kind only (tile-own-columns): owned by warps, read by
    // them from memory, or neither.
    using Key = std::tuple<Block *, int64_t, int64_t, const void *, int>;
    std::map<Key, SmallVector<std::pair<tile::AllocOp, unsigned>>> pools;
    for (Candidate &c : candidates) {
      auto type = cast<tile::BufType>(c.alloc.getType());
      int kind = c.alloc->hasAttr("owned") ? 1 : c.alloc->hasAttr("in_memory") ? 2 : 0;
      Key key{c.block, type.getRows(), type.getCols(),
              type.getElementType().getAsOpaquePointer(), kind};
      auto &pool = pools[key];
      bool reused = false;
      for (auto &[rep, end] : pool)
        if (end < c.first) {
          c.alloc.getResult().replaceAllUsesWith(rep.getResult());
          c.alloc.erase();
          end = c.last;
          reused = true;
          break;
        }
      if (!reused)
        pool.push_back({c.alloc, c.last});
    }
  }
};

} // namespace
