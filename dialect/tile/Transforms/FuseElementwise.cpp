//===- FuseElementwise.cpp - element-wise chains as one loop --------------===//
//
// Every tile.ew and tile.mask_rows is a loop over its tile ending in a
// block barrier on the GPU targets; a chunk step has runs of them (the gate
// formula, copies and masks of each per-token tile). This pass marks
// maximal runs of consecutive such ops that the emitter can run as one
// loop over one shape, each element's values forwarded from op to op in
// registers (every written tile is still stored), with one barrier: the
// ops get `fuse = N`, one N per run. A run may only read a tile it writes
// at the element being computed (same shape, no view); tiles it reads with
// broadcasting or through a view it must not write; fragments (values in
// registers already, no barrier) stay out. A root allocation is written
// through one value per run (the emitter forwards values, not memory). An
// op whose value a later op of the run overwrites before any op reads it
// from memory gets `unstored`: the emitter keeps its value in a local and
// skips its store (buffer reuse makes such runs: "d = a + b; e = softplus
// d; d = e * c" stores d once). Numerics do not change.
//
//===----------------------------------------------------------------------===//
#include "dialect/tile/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

namespace linac {
#define GEN_PASS_DEF_TILEFUSEELEMENTWISE
#include "dialect/tile/Transforms/Passes.h.inc"
} // namespace linac

using namespace mlir;

bool linac::fusableElementwise(Operation *op) {
  return isa<tile::EwOp, tile::MaskRowsOp>(op) &&
         llvm::all_of(op->getOperands(), [](Value v) {
           auto t = dyn_cast<tile::BufType>(v.getType());
           return !t ||
                  (t.getElementType().isF32() && !linac::isFragment(linac::rootAllocation(v)));
         });
}

namespace {

/// A run being built: its shape, the tiles it writes, those it reads with
/// broadcasting or through a view.
struct Run {
  int64_t rows = 0, cols = 0;
  SmallVector<Operation *> ops;
  llvm::DenseSet<Value> written, readOther;
  llvm::DenseMap<Value, Value> writer; // root -> the value that writes it
};

/// Whether `op` (fusableElementwise) may join `run`; if so, records it.
bool join(Run &run, Operation *op) {
  Value dst = op->getOperand(0);
  auto dt = cast<tile::BufType>(dst.getType());
  if (!run.ops.empty() && (dt.getRows() != run.rows || dt.getCols() != run.cols))
    return false;
  bool dstWhole;
  Value dstRoot = linac::rootAllocation(dst, &dstWhole);
  if (!dstWhole || run.readOther.contains(dstRoot))
    return false;
  if (auto w = run.writer.find(dstRoot); w != run.writer.end() && w->second != dst)
    return false;
  SmallVector<Value> other; // operand roots read other than at the element
  for (Value v : op->getOperands().drop_front(isa<tile::EwOp>(op) ? 1 : 0)) {
    if (!isa<tile::BufType>(v.getType()))
      continue; // mask_rows' row count
    auto t = cast<tile::BufType>(v.getType());
    bool whole;
    Value root = linac::rootAllocation(v, &whole);
    if (!whole || t.getRows() != dt.getRows() || t.getCols() != dt.getCols())
      other.push_back(root);
  }
  for (Value r : other)
    if (run.written.contains(r) || r == dstRoot)
      return false;
  if (run.ops.empty()) {
    run.rows = dt.getRows();
    run.cols = dt.getCols();
  }
  run.ops.push_back(op);
  run.written.insert(dstRoot);
  run.writer[dstRoot] = dst;
  for (Value r : other)
    run.readOther.insert(r);
  return true;
}

/// Marks `unstored` each op of `run` whose store no one reads: a later op
/// of the run writes the same tile (whole) and no op in between (that one
/// included, as it reads before it writes) reads the tile from memory. The
/// emitter forwards a value written earlier in the run to later reads of
/// the same value; every other read of a tile goes to memory.
void markUnstored(ArrayRef<Operation *> run, OpBuilder &b) {
  // Per op, the roots it reads from memory.
  SmallVector<SmallVector<Value>> memoryReads(run.size());
  llvm::DenseSet<Value> forwarded;
  for (auto [k, op] : llvm::enumerate(run)) {
    auto operands = op->getOperands();
    for (auto [index, v] : llvm::enumerate(operands)) {
      if (!isa<tile::BufType>(v.getType()))
        continue;
      bool read = index > 0 || isa<tile::MaskRowsOp>(op);
      if (read && !forwarded.contains(v))
        memoryReads[k].push_back(linac::rootAllocation(v));
    }
    forwarded.insert(op->getOperand(0));
  }
  // Backwards: the roots a later op overwrites with nothing read between.
  llvm::DenseSet<Value> overwritten;
  for (int k = static_cast<int>(run.size()) - 1; k >= 0; --k) {
    Value root = linac::rootAllocation(run[k]->getOperand(0));
    if (overwritten.contains(root))
      run[k]->setAttr("unstored", b.getUnitAttr());
    overwritten.insert(root);
    for (Value r : memoryReads[k])
      overwritten.erase(r);
  }
}

struct TileFuseElementwisePass
    : linac::impl::TileFuseElementwiseBase<TileFuseElementwisePass> {
  using TileFuseElementwiseBase::TileFuseElementwiseBase;

  void runOnOperation() override {
    int64_t next = 0;
    OpBuilder b(&getContext());
    auto close = [&](Run &run) {
      if (run.ops.size() >= 2) {
        for (Operation *op : run.ops)
          op->setAttr("fuse", b.getI64IntegerAttr(next));
        markUnstored(run.ops, b);
        ++next;
      }
      run = Run();
    };
    getOperation().walk([&](Block *block) {
      Run run;
      for (Operation &op : *block) {
        if (!linac::fusableElementwise(&op)) {
          close(run);
          continue;
        }
        if (!join(run, &op)) {
          close(run);
          join(run, &op); // it may start the next run
        }
      }
      close(run);
    });
  }
};

} // namespace
