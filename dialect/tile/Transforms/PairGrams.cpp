//===- PairGrams.cpp - two Gram matrices of one right operand together -----===//
//
// KDA's chunk makes two per-channel decayed Gram matrices of the same keys
// and decays: A = (beta k e^G)(k e^-G)^T for the inverse, and later
// M = (q e^G)(k e^-G)^T for the outputs. Each tile of each takes the same
// exponentials of the decays and the same scaled right operand, and the
// two calls took a third of KDA's chunk loop. This pass moves the second
// gram_diag right after the first where nothing in between touches its
// operands or its output, and marks it `paired`: the emitter then emits
// the two as one gram_diag_pair call, which takes the shared work once
// (each output keeps the values its own call gives). Runs before the
// buffers are shared (tile-reuse-buffers), so the two outputs, now live
// together, get storage of their own. (The later passes still see two ops
// in turn and may give the second output the storage of an operand only
// the first reads; the libraries' pair then runs the two calls.)
//
//===----------------------------------------------------------------------===//
#include "dialect/tile/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"

namespace linac {
#define GEN_PASS_DEF_TILEPAIRGRAMS
#include "dialect/tile/Transforms/Passes.h.inc"
} // namespace linac

using namespace mlir;

namespace {

/// The per-tile form with 16-bit operands: the form the pair computes.
bool pairable(tile::GramDiagOp g) {
  auto type = g.getOperandType();
  return type && *type == tile::OperandType::bf16 && !g.getDecayBoundAttr() &&
         !g.getRowBlocks() && !g->hasAttr("paired");
}

/// Whether `a` and `b` are the same tile: one value, or the same view or
/// stage of the same buffer.
bool sameTile(Value a, Value b) {
  if (a == b)
    return true;
  Operation *da = a.getDefiningOp(), *db = b.getDefiningOp();
  if (!da || !db || da->getName() != db->getName() || !isa<tile::ViewOp, tile::StageOp>(da) ||
      da->getAttrDictionary() != db->getAttrDictionary() ||
      da->getNumOperands() != db->getNumOperands() || a.getType() != b.getType())
    return false;
  for (auto [x, y] : llvm::zip(da->getOperands(), db->getOperands()))
    if (!sameTile(x, y) && !(matchPattern(x, m_Constant()) && matchPattern(y, m_Constant()) &&
                             x.getDefiningOp()->getAttrDictionary() ==
                                 y.getDefiningOp()->getAttrDictionary()))
      return false;
  return true;
}

/// Whether `v` is available before `point` once the view, stage and
/// constant ops that make it after `point` are moved there (in `toMove`,
/// operands first).
bool movableBefore(Value v, Operation *point, SmallVectorImpl<Operation *> &toMove) {
  Operation *def = v.getDefiningOp();
  if (!def || def->getBlock() != point->getBlock() || def->isBeforeInBlock(point))
    return true; // a block argument, or made in an enclosing block or before
  if (def == point || !isa<tile::ViewOp, tile::StageOp, arith::ConstantOp>(def))
    return false;
  for (Value operand : def->getOperands())
    if (!movableBefore(operand, point, toMove))
      return false;
  if (!llvm::is_contained(toMove, def))
    toMove.push_back(def);
  return true;
}

/// Pairs `second` with `first` if the ops between leave its operands and
/// output alone; true if it did.
bool pairWith(tile::GramDiagOp first, tile::GramDiagOp second) {
  if (!sameTile(first.getRhs(), second.getRhs()) ||
      !sameTile(first.getLhsDecay(), second.getLhsDecay()) ||
      !sameTile(first.getRhsDecay(), second.getRhsDecay()) ||
      first.getDst().getType() != second.getDst().getType() ||
      first.getLhs().getType() != second.getLhs().getType() ||
      first.getOperandType() != second.getOperandType())
    return false;
  // The pair runs the two at once: neither output may be an operand of the
  // other (or the same buffer).
  auto root = [](Value v) { return linac::rootAllocation(v).getAsOpaquePointer(); };
  for (Value v : first->getOperands())
    if (root(v) == root(second.getDst()))
      return false;
  for (Value v : second->getOperands())
    if (root(v) == root(first.getDst()))
      return false;
  llvm::SmallPtrSet<void *, 8> reads, writes;
  for (Operation *op = first->getNextNode(); op != second; op = op->getNextNode()) {
    if (op->getNumRegions() != 0)
      return false;
    // Views, stages and index arithmetic touch no buffer.
    if (isa<tile::ViewOp, tile::StageOp>(op) || !op->getDialect() ||
        op->getDialect()->getNamespace() != "tile")
      continue;
    linac::stepAccesses(op, reads, writes);
  }
  for (Value v : second->getOperands()) {
    bool output = v == second.getDst();
    if (writes.contains(root(v)) || (output && reads.contains(root(v))))
      return false;
  }
  // The second's operands made after the first (views, stages) move before
  // the first, then the second right after it.
  SmallVector<Operation *> toMove;
  for (Value v : second->getOperands())
    if (!movableBefore(v, first, toMove))
      return false;
  for (Operation *op : toMove)
    op->moveBefore(first);
  second->moveAfter(first);
  second->setAttr("paired", UnitAttr::get(second->getContext()));
  return true;
}

struct TilePairGramsPass : linac::impl::TilePairGramsBase<TilePairGramsPass> {
  void runOnOperation() override {
    SmallVector<Block *> blocks;
    getOperation()->walk([&](Block *b) { blocks.push_back(b); });
    for (Block *block : blocks) {
      SmallVector<tile::GramDiagOp> grams;
      for (Operation &op : *block)
        if (auto g = dyn_cast<tile::GramDiagOp>(op); g && pairable(g))
          grams.push_back(g);
      for (unsigned i = 0; i + 1 < grams.size(); ++i)
        if (!grams[i]->hasAttr("paired"))
          for (unsigned j = i + 1; j < grams.size(); ++j)
            if (!grams[j]->hasAttr("paired") && pairWith(grams[i], grams[j]))
              break;
    }
  }
};

} // namespace
