//===- LateInverse.cpp - the delta rules' inverse after the state product -===//
//
// The chunked delta rules form the WY factors with T, the inverse of a
// unit lower-triangular matrix, on the left of every term: the delta rule
// W = T X, U = T Y and V' = U - W S; the general erase W = T X and
// U = W S + T (A Y). Where those products are read only there, T can be
// taken out of the sum and applied once, after the state product:
//
//   V' = T (Y - X S)          U = T (X S + A Y)
//
// one C x C x K product (T X) fewer a chunk, and for the general erase one
// C x C x V product fewer as well, with no W tile. The price is where the
// work sits: T then multiplies a term that depends on the state, inside the
// chunk's sequential part, so the form pays only where everything is
// sequential anyway (the fused kernel, wu=fused); a kernel that precomputes
// the chunk-local part (wu=materialized) wants W and U formed. The values
// are the same; the rounding of the 16-bit operands moves.
//
//===----------------------------------------------------------------------===//
#include "dialect/chunk/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

namespace linac {
#define GEN_PASS_DEF_CHUNKLATEINVERSE
#include "dialect/chunk/Transforms/Passes.h.inc"
} // namespace linac

using namespace mlir;

namespace {

/// `mm` is lhs times rhs, neither transposed, and read once.
bool plainProduct(chunk::MatmulOp mm) {
  return mm && !mm.getTransposeLhs() && !mm.getTransposeRhs() && mm->hasOneUse();
}

/// A term T R of a sum, with T a unit lower inverse: `T R` itself, or
/// `(T X) S` = T (X S) with S the state. Every product read only here.
struct LeftTerm {
  Value T;
  Value r;                       // R, or null for (T X) S
  Value x;                       // X of (T X) S
  SmallVector<Operation *, 2> products;
};

std::optional<LeftTerm> leftTerm(Value v, Value state) {
  auto mm = v.getDefiningOp<chunk::MatmulOp>();
  if (!plainProduct(mm))
    return std::nullopt;
  if (mm.getLhs().getDefiningOp<chunk::UnitLowerInverseOp>())
    return LeftTerm{mm.getLhs(), mm.getRhs(), Value(), {mm}};
  auto w = mm.getLhs().getDefiningOp<chunk::MatmulOp>();
  if (mm.getRhs() != state || !plainProduct(w) ||
      !w.getLhs().getDefiningOp<chunk::UnitLowerInverseOp>())
    return std::nullopt;
  return LeftTerm{w.getLhs(), Value(), w.getRhs(), {mm, w}};
}

/// T R1 +- T R2 where at least one term goes through the state: both terms'
/// T the same, and not both (T X) S (nothing would be saved).
template <class Op> bool rewrite(Op op, Value state) {
  auto a = leftTerm(op.getLhs(), state), b = leftTerm(op.getRhs(), state);
  if (!a || !b || a->T != b->T || (!a->x && !b->x) || (a->x && b->x))
    return false;
  OpBuilder builder(op);
  Location loc = op.getLoc();
  // R of a term: R itself, or the product X S (C x V, as the sum is).
  auto right = [&](const LeftTerm &t) -> Value {
    return t.r ? t.r : chunk::MatmulOp::create(builder, loc, op.getType(), t.x, state);
  };
  Value lhs = right(*a), rhs = right(*b);
  Value inner = Op::create(builder, loc, op.getType(), lhs, rhs);
  Value result = chunk::MatmulOp::create(builder, loc, op.getType(), a->T, inner);
  op.replaceAllUsesWith(result);
  op.erase();
  for (const LeftTerm *t : {&*a, &*b})
    for (Operation *product : t->products)
      product->erase();
  return true;
}

struct ChunkLateInversePass : linac::impl::ChunkLateInverseBase<ChunkLateInversePass> {
  void runOnOperation() override {
    chunk::ScanOp scan = getOperation();
    Value state = scan.getState();
    SmallVector<Operation *> sums;
    scan.getBody().walk([&](Operation *op) {
      if (isa<chunk::AddOp, chunk::SubOp>(op))
        sums.push_back(op);
    });
    for (Operation *op : sums) {
      if (auto sub = dyn_cast<chunk::SubOp>(op))
        rewrite(sub, state);
      else
        rewrite(cast<chunk::AddOp>(op), state);
    }
  }
};

} // namespace
