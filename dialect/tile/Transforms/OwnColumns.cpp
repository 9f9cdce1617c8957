//===- OwnColumns.cpp - the ops on the state owned by warps, by V columns -===//
//
// Every op a chunk runs on the state and on what is made from it maps
// columns of V to the same columns of V: o = (q e^G) S, V' = U - W S,
// o += M V', S = d S, S += Kd^T V', the store of o. So if warp w owns the
// same block of V columns of every such tile, each of their values is made
// and used by one warp, and those ops need no barrier among themselves:
// each warp keeps its columns in registers and multiplies the chunk-local
// operands (tiles in memory) straight into them. This pass finds the tiles
// (the state and every register tile an op makes from an owned tile),
// proves each op on them column-local, and marks the kernel `own_columns`,
// those tiles `owned` (and `fragment`, so that the placement passes leave
// them in registers) and the register tiles they read `in_memory` (never a
// fragment: the owned ops read them as memory). Where a chunk-local op
// later writes what an owned op read, tile-own-barriers puts a barrier.
//
// It runs on the state pass of wu=materialized (kind "state"), on the
// sequence split's outputs pass (kind "segment_outputs": the same loop from
// each segment's start state) and on the fused kernel (kind "state", W and
// U made in its chunk loop), before tile-reuse-buffers, which then shares
// storage only among tiles of one kind. Anything else on an owned tile (a
// reduction over V, an op the owned form lacks) is an error naming the op:
// the config asked for it (docs/performance.md, session 33).
//
//===----------------------------------------------------------------------===//
#include "dialect/tile/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/SetVector.h"

namespace linac {
#define GEN_PASS_DEF_TILEOWNCOLUMNS
#include "dialect/tile/Transforms/Passes.h.inc"
} // namespace linac

using namespace mlir;

bool linac::ownsColumns(tile::KernelOp kernel) { return kernel->hasAttr("own_columns"); }

bool linac::isOwned(Value v) {
  Operation *def = linac::rootAllocation(v).getDefiningOp();
  return def && def->hasAttr("owned");
}

namespace {

/// Columns of V one warp owns must be whole m16 tiles of mma.sync.
constexpr int64_t kOwnedColumns = 16;

bool isBuf(Value v) { return v && isa<tile::BufType>(v.getType()); }
bool isReg(Value v) { return cast<tile::BufType>(v.getType()).getSpace() == tile::Space::reg; }

/// Whether `v` is a buffer whose root allocation is in `owned` (`*whole`,
/// if given: reached without a view).
bool inOwned(const llvm::SetVector<Operation *> &owned, Value v, bool *whole = nullptr) {
  Operation *def = isBuf(v) ? linac::rootAllocation(v, whole).getDefiningOp() : nullptr;
  return def && owned.contains(def);
}

struct TileOwnColumnsPass : linac::impl::TileOwnColumnsBase<TileOwnColumnsPass> {
  void runOnOperation() override {
    tile::KernelOp kernel = getOperation();
    if (kernel.getKind() != "state" && kernel.getKind() != "segment_outputs")
      return;
    // The owned tiles: the state (loaded by load_state or load_tile), then
    // every register tile an op writes from an owned one, to a fixed point.
    llvm::SetVector<Operation *> owned;
    kernel.walk([&](Operation *op) {
      if (isa<tile::LoadStateOp, tile::LoadTileOp>(op))
        if (Operation *root = linac::rootAllocation(op->getOperand(0)).getDefiningOp())
          owned.insert(root);
    });
    if (owned.empty())
      return; // no state: nothing to own
    auto ownedValue = [&](Value v) { return inOwned(owned, v); };
    for (bool grew = true; grew;) {
      grew = false;
      kernel.walk([&](Operation *op) {
        if (op->getNumOperands() == 0 || !isBuf(op->getOperand(0)) || !isReg(op->getOperand(0)) ||
            linac::isStore(op))
          return;
        bool readsOwned = llvm::any_of(op->getOperands().drop_front(), ownedValue) ||
                          (isa<tile::MmaOp>(op) && ownedValue(op->getOperand(0)));
        Operation *dst = linac::rootAllocation(op->getOperand(0)).getDefiningOp();
        if (readsOwned && isa_and_nonnull<tile::AllocOp>(dst) && owned.insert(dst))
          grew = true;
      });
    }
    llvm::SetVector<Operation *> inMemory;
    if (failed(check(kernel, owned, inMemory)))
      return signalPassFailure();
    Builder b(kernel.getContext());
    const int64_t groups = std::max<int64_t>(1, kernel.getWarps() / 4);
    kernel->setAttr("own_columns", b.getUnitAttr());
    for (Operation *a : owned) {
      a->setAttr("owned", b.getUnitAttr());
      a->setAttr("fragment", b.getI64IntegerAttr(groups));
    }
    for (Operation *a : inMemory)
      a->setAttr("in_memory", b.getUnitAttr());
  }

  LogicalResult check(tile::KernelOp kernel, const llvm::SetVector<Operation *> &owned,
                      llvm::SetVector<Operation *> &inMemory) {
    // The block's V columns: its V tile, or (no V split) the state's.
    int64_t width = 0;
    if (auto cols = kernel->getAttrOfType<IntegerAttr>("vtile_cols"))
      width = cols.getInt();
    else
      width = cast<tile::BufType>(owned.front()->getResult(0).getType()).getCols();
    const int64_t warps = kernel.getWarps();
    if (width % (kOwnedColumns * warps) != 0)
      return kernel.emitError("own=warps: ")
             << width << " columns of V per block do not split into " << warps
             << " warps of a multiple of " << kOwnedColumns
             << " columns (a V tile of 16 x warps columns, or fewer warps)";
    auto isOwned = [&](Value v) {
      bool whole = true;
      return inOwned(owned, v, &whole) && whole;
    };
    auto touchesOwned = [&](Operation *op) {
      return llvm::any_of(op->getOperands(), [&](Value v) { return inOwned(owned, v); });
    };
    // An operand the owned ops read as memory: a shared tile, or a register
    // tile that must stay in memory (not a fragment, not owned).
    auto memoryOperand = [&](Value v) {
      if (!isBuf(v))
        return false;
      Operation *def = linac::rootAllocation(v).getDefiningOp();
      if (!def || owned.contains(def) || def->hasAttr("fragment"))
        return false;
      if (isReg(v))
        inMemory.insert(def);
      return true;
    };

    WalkResult walked = kernel.walk([&](Operation *op) -> WalkResult {
      if (isa<tile::AllocOp, tile::StageOp, tile::ViewOp>(op) || !touchesOwned(op))
        return WalkResult::advance();
      if (auto mma = dyn_cast<tile::MmaOp>(op)) {
        auto type = mma.getOperandType();
        auto bType = cast<tile::BufType>(mma.getB().getType());
        bool bOk = isOwned(mma.getB()) || (bType.getCols() == width && memoryOperand(mma.getB()));
        if (!isOwned(mma.getAcc()) || !bOk || !memoryOperand(mma.getA()) ||
            mma.getTransposeB() ||
            linac::rootAllocation(mma.getAcc()) == linac::rootAllocation(mma.getB()) ||
            (type != tile::OperandType::bf16 && type != tile::OperandType::f16))
          return op->emitError("own=warps: a matmul the warps can own writes an owned tile "
                               "(whole V columns) from a 16-bit product of a tile in memory "
                               "(transposed or not) and an owned tile or one in memory of the "
                               "block's V columns, not transposed and not its own output");
        auto a = cast<tile::BufType>(mma.getA().getType());
        int64_t m = mma.getTransposeA() ? a.getCols() : a.getRows();
        int64_t k = mma.getTransposeA() ? a.getRows() : a.getCols();
        if (m % 8 != 0 || k % 16 != 0)
          return op->emitError("own=warps: the memory operand's ")
                 << m << " output rows and " << k
                 << " reduced values must be multiples of 8 and 16";
        return WalkResult::advance();
      }
      if (auto ew = dyn_cast<tile::EwOp>(op)) {
        auto dst = cast<tile::BufType>(ew.getDst().getType());
        auto operandOk = [&](Value v) {
          if (!v)
            return true;
          if (isOwned(v))
            return cast<tile::BufType>(v.getType()).getRows() == dst.getRows();
          auto t = cast<tile::BufType>(v.getType());
          return memoryOperand(v) && (t.getRows() == dst.getRows() || t.getRows() == 1) &&
                 (t.getCols() == dst.getCols() || t.getCols() == 1);
        };
        if (!isOwned(ew.getDst()) || !operandOk(ew.getLhs()) || !operandOk(ew.getRhs()))
          return op->emitError("own=warps: an element-wise op the warps can own writes an "
                               "owned tile from owned tiles and tiles in memory (broadcast or "
                               "not)");
        return WalkResult::advance();
      }
      if (isa<tile::StoreRowsOp, tile::LoadStateOp, tile::StoreStateOp, tile::LoadTileOp>(op)) {
        // (Their tile is their first operand.)
        return isOwned(op->getOperand(0))
                   ? WalkResult::advance()
                   : WalkResult(op->emitError("own=warps: a state or output transfer of a "
                                              "part of an owned tile"));
      }
      return op->emitError("own=warps: '")
             << op->getName() << "' on a tile made from the state has no form owned by warps";
    });
    if (walked.wasInterrupted())
      return failure();
    for (Operation *a : owned) {
      auto t = cast<tile::BufType>(a->getResult(0).getType());
      if (t.getCols() != width || t.getRows() % kOwnedColumns != 0 || t.getStages() != 1)
        return a->emitError("own=warps: a tile made from the state has ")
               << t.getRows() << " x " << t.getCols() << " values; an owned tile is one stage of "
               << width << " columns (the block's V columns) and rows a multiple of 16";
    }
    return success();
  }
};

} // namespace
