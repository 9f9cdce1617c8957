//===- PlaceFragments.cpp - register tiles into registers -----------------===//
//
// Register-space tiles live in per-block scratch on the GPU targets (global
// memory, served by L2), so every op on one waits for L2. A tile of whole
// 64 x 64 blocks that only element-wise ops, masks, fills, identities, state,
// workspace and output transfers and tensor-core matmuls touch can instead
// live in the consumer threads' registers, in the layout the tensor cores
// accumulate in (the tile library's Frag): each thread then works on the
// values it holds,
// with no memory traffic and no barrier, and a matmul accumulates into the
// registers directly. Registers are few (a 64 x 128 fp32 tile takes 32 per
// thread with two warpgroups), so this pass marks the tiles used most in
// loops, per register, while they fit `budget` registers per thread
// (order=uses: each use is one op that no longer waits on L2), or the set
// that saves the most bytes of scratch traffic a chunk (order=bytes: uses
// times the tile's bytes, a knapsack over the budget; a 128 x 256 map used
// six times a chunk saves more traffic than two 64 x 128 tiles used three
// times each in the same registers). The mark is `fragment = W` (W
// consumer warpgroups share the tile); numerics do not change, only where
// the values live.
//
//===----------------------------------------------------------------------===//
#include "dialect/tile/Transforms/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"

namespace linac {
#define GEN_PASS_DEF_TILEPLACEFRAGMENTS
#include "dialect/tile/Transforms/Passes.h.inc"
} // namespace linac

using namespace mlir;

constexpr int64_t kBlock = 64; // the tensor cores' output block (the library's kMmaBlock)

bool linac::isFragment(Value root) {
  Operation *def = root.getDefiningOp();
  return def && def->hasAttr("fragment");
}

Value linac::rootAllocation(Value v, bool *whole) {
  if (whole)
    *whole = true;
  while (Operation *def = v.getDefiningOp()) {
    if (auto view = dyn_cast<tile::ViewOp>(def)) {
      v = view.getBuffer();
      if (whole)
        *whole = false;
    } else if (auto stage = dyn_cast<tile::StageOp>(def)) {
      v = stage.getBuffer();
    } else {
      break;
    }
  }
  return v;
}

bool linac::runsPerChunk(Operation *user) {
  if (user->getParentOfType<scf::ForOp>())
    return true;
  auto kernel = user->getParentOfType<tile::KernelOp>();
  return kernel && kernel.getKind() == "parallel";
}

int64_t linac::fragmentRegisters(tile::BufType t, int64_t groups) {
  int64_t blocks = t.getRows() / kBlock * (t.getCols() / kBlock);
  return (blocks + groups - 1) / groups * 32;
}

static bool wholeBlocks(tile::BufType t) {
  return t.getRows() % kBlock == 0 && t.getCols() % kBlock == 0;
}

bool linac::wholeBlockMma(tile::MmaOp mma) {
  if (mma.getOperandType() != tile::OperandType::bf16 &&
      mma.getOperandType() != tile::OperandType::f16)
    return false;
  Value accRoot = linac::rootAllocation(mma.getAcc());
  if (accRoot == linac::rootAllocation(mma.getA()) ||
      accRoot == linac::rootAllocation(mma.getB()))
    return false;
  auto acc = cast<tile::BufType>(mma.getAcc().getType());
  auto a = cast<tile::BufType>(mma.getA().getType());
  int64_t contracted = mma.getTransposeA() ? a.getRows() : a.getCols();
  return wholeBlocks(acc) && contracted % kBlock == 0;
}

namespace {


/// Whether every use of `buffer` is one the tile library runs on fragments.
bool fragmentUses(Value buffer) {
  for (Operation *user : buffer.getUsers()) {
    bool ok = llvm::TypeSwitch<Operation *, bool>(user)
                  .Case<tile::EwOp>([&](tile::EwOp ew) {
                    // Fragments share the op's layout: dst's shape.
                    auto dst = cast<tile::BufType>(ew.getDst().getType());
                    auto t = cast<tile::BufType>(buffer.getType());
                    return dst.getRows() == t.getRows() && dst.getCols() == t.getCols();
                  })
                  .Case<tile::MaskRowsOp, tile::FillOp, tile::IdentityOp, tile::LoadStateOp,
                        tile::StoreStateOp, tile::StoreRowsOp, tile::StoreTileOp,
                        tile::LoadTileOp>(
                      [](auto) { return true; })
                  .Case<tile::MmaOp>([&](tile::MmaOp mma) { return linac::wholeBlockMma(mma); })
                  .Default([](Operation *) { return false; });
    if (!ok)
      return false;
  }
  return true;
}

struct Candidate {
  tile::AllocOp alloc;
  int64_t registers; // per consumer thread
  int64_t uses;      // ops inside loops that touch the tile
  int64_t bytes;     // the tile's size in scratch
};

/// The candidates whose scratch traffic a chunk (uses x bytes) is largest
/// in all within `capacity` registers: a 0/1 knapsack over registers.
SmallVector<size_t> mostBytesWithin(ArrayRef<Candidate> candidates, int64_t capacity) {
  if (capacity <= 0)
    return {};
  size_t n = candidates.size();
  // best[i][c]: the most traffic saved by the first i candidates in c registers.
  std::vector<std::vector<int64_t>> best(n + 1, std::vector<int64_t>(capacity + 1, 0));
  for (size_t i = 1; i <= n; ++i) {
    const Candidate &c = candidates[i - 1];
    for (int64_t r = 0; r <= capacity; ++r) {
      best[i][r] = best[i - 1][r];
      if (c.registers <= r)
        best[i][r] = std::max(best[i][r], best[i - 1][r - c.registers] + c.uses * c.bytes);
    }
  }
  SmallVector<size_t> chosen;
  for (int64_t i = n, r = capacity; i > 0; --i)
    if (best[i][r] != best[i - 1][r]) {
      chosen.push_back(i - 1);
      r -= candidates[i - 1].registers;
    }
  return chosen;
}

struct TilePlaceFragmentsPass
    : linac::impl::TilePlaceFragmentsBase<TilePlaceFragmentsPass> {
  using TilePlaceFragmentsBase::TilePlaceFragmentsBase;

  void runOnOperation() override {
    tile::KernelOp kernel = getOperation();
    if (order != "uses" && order != "bytes") {
      kernel.emitError() << "tile-place-fragments: order must be uses or bytes, got '" << order
                         << "'";
      return signalPassFailure();
    }
    if (budget <= 0)
      return;
    auto warpsAttr = kernel->getAttrOfType<IntegerAttr>("warps");
    int64_t groups = warpsAttr ? std::max<int64_t>(1, warpsAttr.getInt() / 4) : 1;
    SmallVector<Candidate> candidates;
    // Tiles owned by warps (tile-own-columns) are in registers already and
    // take their share of the budget; the tiles they read stay in memory.
    int64_t used = 0;
    kernel.walk([&](tile::AllocOp alloc) {
      auto type = cast<tile::BufType>(alloc.getType());
      if (alloc->hasAttr("owned")) {
        used += type.getRows() * type.getCols() / (32 * 4 * groups); // per consumer thread
        return;
      }
      if (alloc->hasAttr("in_memory"))
        return;
      if (type.getSpace() != tile::Space::reg || type.getStages() != 1 || !wholeBlocks(type) ||
          !fragmentUses(alloc.getResult()))
        return;
      Candidate c{alloc, linac::fragmentRegisters(type, groups), 0,
                  type.getRows() * type.getCols() * 4};
      for (Operation *user : alloc.getResult().getUsers())
        if (linac::runsPerChunk(user))
          ++c.uses;
      if (c.uses > 0)
        candidates.push_back(c);
    });
    // Most uses per register first (each use is a pass over L2 saved), then
    // most uses.
    llvm::stable_sort(candidates, [](const Candidate &a, const Candidate &b) {
      if (a.uses * b.registers != b.uses * a.registers)
        return a.uses * b.registers > b.uses * a.registers;
      return a.uses > b.uses;
    });
    OpBuilder b(kernel.getContext());
    if (order == "bytes") {
      for (size_t i : mostBytesWithin(candidates, budget - used))
        candidates[i].alloc->setAttr("fragment", b.getI64IntegerAttr(groups));
      return;
    }
    for (Candidate &c : candidates) {
      if (used + c.registers > budget)
        continue;
      used += c.registers;
      c.alloc->setAttr("fragment", b.getI64IntegerAttr(groups));
    }
  }
};

} // namespace
