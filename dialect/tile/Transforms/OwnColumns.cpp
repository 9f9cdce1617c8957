//===- OwnColumns.cpp - the state pass's ops owned by warps, by V columns -===//
//
// The state pass of wu=materialized (kind "state"; in the sequence split
// the outputs pass, kind "segment_outputs", the same loop from each
// segment's start state) reads the chunk-local values from workspaces that
// only copies write, and every op it runs on
// the state, V' and the outputs maps columns of V to the same columns of V:
// o = (q e^G) S, V' = U - W S, o += M V', S = d S + Kd^T V', the store of o.
// So if warp w owns the same block of V columns of every register tile,
// each value is made and used by one warp, and the ops need no barrier
// between them, only the chunk loop's (the next chunk's copies refill the
// stages every warp reads). This pass proves that of a state kernel and
// marks it `own_columns`, its register tiles `owned` (and `fragment`, so
// that the placement passes leave them in registers); the libraries then
// keep each such tile per warp, and its matmuls read the workspaces
// straight from shared memory (docs/performance.md, session 33).
//
// Anything else (a reduction over V, a shared tile an op writes, an op the
// owned form lacks) is an error naming the op: the config asked for it.
//
//===----------------------------------------------------------------------===//
#include "dialect/tile/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace linac {
#define GEN_PASS_DEF_TILEOWNCOLUMNS
#include "dialect/tile/Transforms/Passes.h.inc"
} // namespace linac

using namespace mlir;

bool linac::ownsColumns(tile::KernelOp kernel) { return kernel->hasAttr("own_columns"); }

namespace {

/// Columns of V one warp owns must be whole m16 tiles of mma.sync.
constexpr int64_t kOwnedColumns = 16;

bool isReg(Value v) { return cast<tile::BufType>(v.getType()).getSpace() == tile::Space::reg; }

struct TileOwnColumnsPass : linac::impl::TileOwnColumnsBase<TileOwnColumnsPass> {
  void runOnOperation() override {
    tile::KernelOp kernel = getOperation();
    // Only the state pass and the sequence split's outputs pass (the same
    // loop from a segment's start state): their chunk-local values come
    // from workspaces.
    if (kernel.getKind() != "state" && kernel.getKind() != "segment_outputs")
      return;
    if (failed(check(kernel)))
      return signalPassFailure();
    Builder b(kernel.getContext());
    const int64_t groups = std::max<int64_t>(1, kernel.getWarps() / 4);
    kernel->setAttr("own_columns", b.getUnitAttr());
    kernel.walk([&](tile::AllocOp a) {
      if (!isReg(a.getResult()))
        return;
      a->setAttr("owned", b.getUnitAttr());
      a->setAttr("fragment", b.getI64IntegerAttr(groups));
    });
  }

  LogicalResult check(tile::KernelOp kernel) {
    // The block's V columns: its V tile, or (no V split) those of the
    // state it carries.
    int64_t width = 0;
    if (auto cols = kernel->getAttrOfType<IntegerAttr>("vtile_cols"))
      width = cols.getInt();
    kernel.walk([&](Operation *op) {
      if (!width && isa<tile::LoadStateOp, tile::LoadTileOp>(op))
        width = cast<tile::BufType>(op->getOperand(0).getType()).getCols();
    });
    if (!width)
      return kernel.emitError("own=warps: the state kernel's V columns are unknown (no "
                              "vtile_cols and no state loaded)");
    const int64_t warps = kernel.getWarps();
    if (width % (kOwnedColumns * warps) != 0)
      return kernel.emitError("own=warps: ")
             << width << " columns of V per block do not split into " << warps
             << " warps of a multiple of " << kOwnedColumns
             << " columns (a V tile of 16 x warps columns, or fewer warps)";

    // Shared tiles the loop may read without a barrier: written only by copies.
    llvm::SmallPtrSet<Operation *, 8> written;
    kernel.walk([&](Operation *op) {
      if (isa<tile::CopyTileAsyncOp, tile::CopyAsyncOp>(op))
        return;
      if (auto mma = dyn_cast<tile::MmaOp>(op))
        written.insert(linac::rootAllocation(mma.getAcc()).getDefiningOp());
      else if (auto ew = dyn_cast<tile::EwOp>(op))
        written.insert(linac::rootAllocation(ew.getDst()).getDefiningOp());
    });
    auto readOnlyShared = [&](Value v) {
      Value root = linac::rootAllocation(v);
      return !isReg(v) && !written.contains(root.getDefiningOp());
    };
    auto owned = [&](Value v) {
      bool whole = true;
      Value root = linac::rootAllocation(v, &whole);
      auto t = cast<tile::BufType>(v.getType());
      return isReg(v) && whole && t.getCols() == width && t.getRows() % kOwnedColumns == 0 &&
             isa_and_nonnull<tile::AllocOp>(root.getDefiningOp());
    };

    WalkResult walked = kernel.walk([&](Operation *op) -> WalkResult {
      bool touchesReg = llvm::any_of(op->getOperands(), [](Value v) {
        return isa<tile::BufType>(v.getType()) && isReg(v);
      });
      if (!touchesReg)
        return WalkResult::advance();
      if (auto mma = dyn_cast<tile::MmaOp>(op)) {
        auto type = mma.getOperandType();
        if (!owned(mma.getAcc()) || !owned(mma.getB()) || !readOnlyShared(mma.getA()) ||
            mma.getTransposeB() ||
            linac::rootAllocation(mma.getAcc()) == linac::rootAllocation(mma.getB()) ||
            (type != tile::OperandType::bf16 && type != tile::OperandType::f16))
          return op->emitError("own=warps: a matmul the warps can own writes a register tile "
                               "of whole V columns from a 16-bit product of a shared "
                               "workspace (transposed or not) and another such tile, not "
                               "transposed and not its own output");
        auto a = cast<tile::BufType>(mma.getA().getType());
        int64_t m = mma.getTransposeA() ? a.getCols() : a.getRows();
        int64_t k = mma.getTransposeA() ? a.getRows() : a.getCols();
        if (m % 8 != 0 || k % 16 != 0)
          return op->emitError("own=warps: the workspace operand's ")
                 << m << " output rows and " << k
                 << " reduced values must be multiples of 8 and 16";
        return WalkResult::advance();
      }
      if (auto ew = dyn_cast<tile::EwOp>(op)) {
        auto dst = cast<tile::BufType>(ew.getDst().getType());
        auto operandOk = [&](Value v) {
          if (!v)
            return true;
          if (isReg(v))
            return owned(v) && cast<tile::BufType>(v.getType()).getRows() == dst.getRows();
          auto t = cast<tile::BufType>(v.getType());
          return readOnlyShared(v) && (t.getRows() == dst.getRows() || t.getRows() == 1) &&
                 (t.getCols() == dst.getCols() || t.getCols() == 1);
        };
        if (!owned(ew.getDst()) || !operandOk(ew.getLhs()) || !operandOk(ew.getRhs()))
          return op->emitError("own=warps: an element-wise op the warps can own writes a "
                               "register tile of whole V columns from such tiles and shared "
                               "workspaces (broadcast or not)");
        return WalkResult::advance();
      }
      if (auto s = dyn_cast<tile::StoreRowsOp>(op))
        return owned(s.getSrc()) ? WalkResult::advance()
                                 : WalkResult(op->emitError("own=warps: store_rows of a part "
                                                            "of a register tile"));
      if (auto s = dyn_cast<tile::LoadStateOp>(op))
        return owned(s.getDst()) ? WalkResult::advance()
                                 : WalkResult(op->emitError("own=warps: load_state into a "
                                                            "part of a register tile"));
      if (auto s = dyn_cast<tile::LoadTileOp>(op))
        return owned(s.getDst()) ? WalkResult::advance()
                                 : WalkResult(op->emitError("own=warps: load_tile into a "
                                                            "part of a register tile"));
      if (auto s = dyn_cast<tile::StoreStateOp>(op))
        return owned(s.getSrc()) ? WalkResult::advance()
                                 : WalkResult(op->emitError("own=warps: store_state of a part "
                                                            "of a register tile"));
      if (isa<tile::AllocOp, tile::StageOp>(op))
        return WalkResult::advance();
      return op->emitError("own=warps: '")
             << op->getName() << "' on a register tile has no form owned by warps";
    });
    return failure(walked.wasInterrupted());
  }
};

} // namespace
