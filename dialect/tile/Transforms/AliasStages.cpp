//===- AliasStages.cpp - register tiles into input stages once read -------===//
//
// With one input stage, a chunk loop's body copies its inputs into shared
// stages, reads them in its first few ops, and ends with a barrier before
// the next chunk's copies. From a stage's last read to that barrier its
// shared memory holds nothing live (in a chunk-parallel kernel, which copies
// its inputs once, from the last read to the kernel's end). Register tiles that live in per-block
// scratch (global memory, served by L2) can use it instead: a tile whose
// every use lies in the loop body after the stage's last read, whose first
// use writes it whole, and that fits the stage, becomes a view of the
// stage. An element-wise op may read a stage and write the tile at the
// same element (the libraries allow dst to alias an operand element for
// element), so that op's output may take the stage it reads. Tiles share a
// stage when their live ranges do not overlap. Numerics do not change (the
// cpu target runs the same placement), only where the bytes live.
//
//===----------------------------------------------------------------------===//
#include "dialect/tile/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"

namespace linac {
#define GEN_PASS_DEF_TILEALIASSTAGES
#include "dialect/tile/Transforms/Passes.h.inc"
} // namespace linac

using namespace mlir;

namespace {

/// A one-stage shared input buffer that the loop body copies into.
struct Stage {
  tile::AllocOp alloc;
  tile::BufType type;
  unsigned lastRead = 0; // position of the last op that reads it
  Operation *lastReader = nullptr;
  unsigned busyUntil = 0; // last use of the tiles placed in it so far
  bool used = false;
};

struct Candidate {
  tile::AllocOp alloc;
  tile::BufType type;
  unsigned first, last; // positions of the first and last real use
  Operation *firstUser; // first real use (writes the whole tile)
};

struct TileAliasStagesPass : linac::impl::TileAliasStagesBase<TileAliasStagesPass> {
  void runOnOperation() override {
    tile::KernelOp kernel = getOperation();
    // A chunk-parallel kernel (one block per chunk, no chunk loop) copies
    // its inputs once: from a stage's last read to the kernel's end its
    // shared memory holds nothing live either.
    // Its body is the block that copies them (inside the guard that skips
    // chunks past the sequence's end).
    if (kernel.getKind() == "parallel") {
      Block *body = nullptr;
      kernel.walk([&](Operation *op) {
        if (!body && isa<tile::CopyAsyncOp, tile::CopyTileAsyncOp>(op))
          body = op->getBlock();
      });
      if (body && !body->getParentOp()->getParentOfType<scf::ForOp>() &&
          !isa<scf::ForOp>(body->getParentOp()))
        aliasInto(body, nullptr);
      return;
    }
    kernel.walk([&](scf::ForOp loop) { aliasInto(loop.getBody(), loop); });
  }

  /// `loop`: the chunk loop whose body is `body`; null for a chunk-parallel
  /// kernel's body.
  void aliasInto(Block *body, scf::ForOp loop) {
    // A loop's body must end with a barrier (before the next chunk's
    // copies); the terminator follows it.
    if (loop) {
      Operation *term = body->getTerminator();
      if (!term->getPrevNode() || !isa<tile::BarrierOp>(term->getPrevNode()))
        return;
    }
    llvm::DenseMap<Operation *, unsigned> position;
    unsigned i = 0;
    for (Operation &op : *body)
      position[&op] = i++;
    auto inBody = [&](Operation *op) { return op->getBlock() == body; };

    // Stages: one-stage shared buffers allocated outside the loop, copied
    // into and read only in its body (no other writer).
    SmallVector<Stage> stages;
    getOperation().walk([&](tile::AllocOp alloc) {
      auto type = cast<tile::BufType>(alloc.getType());
      if (type.getSpace() != tile::Space::shared || type.getStages() != 1 ||
          !type.getElementType().isF32() || (loop && loop->isAncestor(alloc)))
        return; // (a bf16 stage holds no fp32 tile)
      SmallVector<Operation *> real, derived;
      linac::collectTileUsers(alloc.getResult(), real, derived);
      Stage s{alloc, type};
      bool copied = false;
      unsigned lastCopy = 0, firstRead = ~0u;
      for (Operation *u : real) {
        if (!inBody(u))
          return;
        if (isa<tile::CopyAsyncOp, tile::CopyTileAsyncOp>(u)) {
          copied = true;
          lastCopy = std::max(lastCopy, position[u]);
          continue;
        }
        firstRead = std::min(firstRead, position[u]);
        if (!definesNothing(u, alloc.getResult()))
          return; // written by something other than its copy
        if (position[u] >= s.lastRead) {
          s.lastRead = position[u];
          s.lastReader = u;
        }
      }
      // Every copy lands before the first read: none overwrites a tile
      // placed after the reads.
      if (copied && s.lastReader && lastCopy < firstRead) {
        s.busyUntil = s.lastRead;
        stages.push_back(s);
      }
    });
    if (stages.empty())
      return;

    // Candidates: scratch tiles used only in the body, written whole first.
    SmallVector<Candidate> candidates;
    getOperation().walk([&](tile::AllocOp alloc) {
      auto type = cast<tile::BufType>(alloc.getType());
      if (type.getSpace() != tile::Space::reg || type.getStages() != 1 ||
          alloc->hasAttr("fragment"))
        return;
      SmallVector<Operation *> real, derived;
      linac::collectTileUsers(alloc.getResult(), real, derived);
      if (real.empty())
        return;
      Candidate c{alloc, type, ~0u, 0, nullptr};
      for (Operation *u : real) {
        if (!inBody(u))
          return;
        if (position[u] < c.first) {
          c.first = position[u];
          c.firstUser = u;
        }
        c.last = std::max(c.last, position[u]);
      }
      for (Operation *d : derived)
        if (!inBody(d))
          return;
      if (!linac::definesWhole(c.firstUser, alloc.getResult()))
        return;
      candidates.push_back(c);
    });
    llvm::sort(candidates,
               [](const Candidate &a, const Candidate &b) { return a.first < b.first; });
    // Stage index 0 and the stages' tiles go at the top of the body (pure
    // ops: in between, they would split runs of element-wise ops).
    Value zero;
    Operation *top = nullptr;

    for (Candidate &c : candidates) {
      Stage *best = nullptr;
      for (Stage &s : stages) {
        if (c.type.getRows() > s.type.getRows() || c.type.getCols() > s.type.getCols() ||
            c.type.getElementType() != s.type.getElementType())
          continue;
        // Half a stage or more: smaller tiles are promote-shared's.
        if (2 * c.type.getRows() * c.type.getCols() < s.type.getRows() * s.type.getCols())
          continue;
        bool free = s.busyUntil < c.first ||
                    (!s.used && s.lastRead == c.first && inPlace(c, s));
        if (free && (!best || s.type.getRows() * s.type.getCols() <
                                  best->type.getRows() * best->type.getCols()))
          best = &s;
      }
      if (!best)
        continue;
      best->busyUntil = c.last;
      best->used = true;
      if (!zero) {
        // In a kernel's body, after its allocations (the stages' among them).
        OpBuilder b = OpBuilder::atBlockBegin(body);
        for (Operation &op : *body)
          if (isa<tile::AllocOp>(op))
            b.setInsertionPointAfter(&op);
        zero = arith::ConstantIndexOp::create(b, getOperation().getLoc(), 0);
        top = zero.getDefiningOp();
      }
      top = place(c, *best, zero, top);
    }
  }

  /// Whether `op` only reads `buffer` (through views and stages).
  static bool definesNothing(Operation *op, Value buffer) {
    if (op->getNumOperands() == 0)
      return true;
    // Ops write their first operand (copies aside, handled by the caller).
    return linac::rootAllocation(op->getOperand(0)) != buffer;
  }

  /// The candidate's first use is an element-wise op that writes it whole
  /// and reads the stage only as a whole operand of the same shape.
  static bool inPlace(Candidate c, Stage s) {
    auto ew = dyn_cast<tile::EwOp>(c.firstUser);
    if (!ew || ew != s.lastReader || ew.getDst() != c.alloc.getResult() ||
        c.type.getRows() != s.type.getRows() || c.type.getCols() != s.type.getCols())
      return false;
    for (Value operand : ew->getOperands().drop_front()) {
      bool whole = true;
      if (linac::rootAllocation(operand, &whole) == s.alloc.getResult() &&
          (!whole || !isa_and_nonnull<tile::StageOp>(operand.getDefiningOp())))
        return false;
    }
    return true;
  }

  /// The tile becomes stage 0 of `s` (a view of it when smaller), made
  /// after `after`; returns the last op made.
  static Operation *place(Candidate &c, Stage &s, Value zero, Operation *after) {
    OpBuilder b(after->getContext());
    b.setInsertionPointAfter(after);
    Location loc = c.alloc.getLoc();
    auto stageType = tile::BufType::get(s.type.getContext(), tile::Space::shared,
                                        s.type.getRows(), s.type.getCols(),
                                        s.type.getElementType(), 1);
    Value tileValue = tile::StageOp::create(b, loc, stageType, s.alloc.getResult(), zero);
    if (c.type.getRows() != s.type.getRows() || c.type.getCols() != s.type.getCols())
      tileValue = tile::ViewOp::create(
          b, loc,
          tile::BufType::get(s.type.getContext(), tile::Space::shared, c.type.getRows(),
                             c.type.getCols(), c.type.getElementType(), 1),
          tileValue, 0, 0);
    // The tile's name on the op that now stands for it (explain counts them).
    StringAttr name = c.alloc->getAttrOfType<StringAttr>("name");
    tileValue.getDefiningOp()->setAttr("tile", name ? name : b.getStringAttr("tile"));
    Value old = c.alloc.getResult();
    old.replaceAllUsesWith(tileValue);
    c.alloc.erase();
    linac::moveToShared(tileValue); // its views (it is shared already)
    return tileValue.getDefiningOp();
  }
};

} // namespace
