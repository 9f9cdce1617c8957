//===- PushRowScaling.cpp - row scalings into the products that read them -===//
//
// A per-token tile scaled row by row, diag(c) X (X a chunk.per_token
// result, c a C x 1 column: an inverse norm, a gate, a decay), need not be
// formed when every product that reads it can take X and c apart:
//
//   gram(diag(a) L, diag(b) R)  = diag(a) gram(L, R) diag(b)   (any decays;
//                                 the Gram op's own row and column scales)
//   (diag(c) X) Y               = diag(c) (X Y)
//   (diag(c) X)^T Y             = X^T (diag(c) Y)     c onto the other operand
//   Y (diag(c) X)               = (Y diag(c)) X       (or onto the smaller one
//   Y (diag(c) X)^T             = (Y X^T) diag(c)      when both are scaled)
//
// and element-wise products and negation keep a row scaling: (diag(c) X) * Z
// = diag(c) (X * Z). The pass carries (X, c) forward through those, rewrites
// the products above, and where a scaled tile is still read (by anything
// else) makes it as one chunk.mul of X and the product of its columns.
// Products that depend on the state stay as they are, so the sequential
// part of a scan does no element-wise work it did not do before; with
// state-products (config push=state, for kernels where everything is
// sequential anyway), such a product of a row-scaled lhs scales its
// result's rows instead: (diag(c) Q) S = diag(c) (Q S). The values
// are the same; only the rounding of the 16-bit operands moves (a product
// reads X, not a rounding of diag(c) X).
//
//===----------------------------------------------------------------------===//
#include "dialect/chunk/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace linac {
#define GEN_PASS_DEF_CHUNKPUSHROWSCALING
#include "dialect/chunk/Transforms/Passes.h.inc"
} // namespace linac

using namespace mlir;

namespace {

ArrayRef<int64_t> shapeOf(Value v) { return cast<RankedTensorType>(v.getType()).getShape(); }

/// diag(factor) base.
struct Scaled {
  Value base, factor;
};

class RowScalingPusher {
public:
  RowScalingPusher(chunk::ScanOp scan, bool stateProducts)
      : scan(scan), C(scan.getChunkSize()), stateProducts(stateProducts), b(scan) {}

  void run() {
    Block &body = scan.getBody().front();
    // The state's forward slice: products there stay as they are.
    dependent.insert(scan.getState());
    for (Operation &op : body)
      if (llvm::any_of(op.getOperands(), [&](Value v) { return dependent.contains(v); }))
        for (Value r : op.getResults())
          dependent.insert(r);
    // Values whose rows are the chunk's tokens (a K x 1 column where K = C
    // is not one): the per-token results and what element-wise ops, cumsums
    // and products keep their rows from.
    for (Operation &op : body) {
      if (isa<chunk::PerTokenOp>(op)) {
        for (Value r : op.getResults())
          tokenRows.insert(r);
        continue;
      }
      if (op.getNumResults() != 1 || shapeOf(op.getResult(0))[0] != C)
        continue;
      bool keeps = false;
      if (auto mm = dyn_cast<chunk::MatmulOp>(op))
        keeps = !mm.getTransposeLhs() && tokenRows.contains(mm.getLhs());
      else if (isa<chunk::GramOp, chunk::UnitLowerInverseOp>(op))
        keeps = true;
      else if (isa<chunk::MulOp, chunk::AddOp, chunk::SubOp, chunk::ExpOp, chunk::NegOp,
                   chunk::CumsumOp>(op))
        keeps = llvm::any_of(op.getOperands(), [&](Value v) {
          return tokenRows.contains(v) && shapeOf(v)[0] == C;
        });
      if (keeps)
        tokenRows.insert(op.getResult(0));
    }

    for (Operation *op : opsOf(body)) {
      b.setInsertionPoint(op);
      if (auto mul = dyn_cast<chunk::MulOp>(op))
        carryThroughMul(mul);
      else if (auto neg = dyn_cast<chunk::NegOp>(op))
        carryThroughNeg(neg);
      else if (auto mm = dyn_cast<chunk::MatmulOp>(op))
        rewriteMatmul(mm);
      else if (auto gram = dyn_cast<chunk::GramOp>(op))
        rewriteGram(gram);
    }
    materialize(body);
    eraseDead(body);
  }

private:
  /// A C x 1 column over the chunk's tokens (a factor the pass carries).
  bool isColumn(Value v) {
    auto s = shapeOf(v);
    return s[0] == C && s[1] == 1 && tokenRows.contains(v);
  }
  bool isPerTokenTile(Value v) {
    return v.getDefiningOp<chunk::PerTokenOp>() && shapeOf(v)[0] == C && shapeOf(v)[1] > 1;
  }
  std::optional<Scaled> scaledOf(Value v) {
    if (auto it = scaled.find(v); it != scaled.end())
      return it->second;
    return std::nullopt;
  }
  Value mul(Value x, Value y) {
    return chunk::MulOp::create(b, scan.getLoc(), chunk::broadcastType(x, y), x, y);
  }
  /// The product of two columns, either of which may be absent.
  Value times(Value f, Value c) { return !f ? c : !c ? f : mul(f, c); }
  /// A column as a 1 x C row (it scales columns).
  Value row(Value column) {
    auto &t = transposed[column];
    if (!t) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointAfterValue(column);
      t = chunk::TransposeOp::create(b, scan.getLoc(),
                                     RankedTensorType::get({1, C}, b.getF32Type()), column);
    }
    return t;
  }

  /// diag(c) X * c' and diag(c) X * Z stay row-scaled.
  void carryThroughMul(chunk::MulOp mul) {
    if (dependent.contains(mul.getResult()))
      return;
    Value x = mul.getLhs(), y = mul.getRhs();
    bool cx = isColumn(x), cy = isColumn(y);
    if (cx != cy) {
      Value tile = cx ? y : x, column = cx ? x : y;
      if (auto s = scaledOf(tile))
        scaled[mul] = {s->base, times(s->factor, column)};
      else if (isPerTokenTile(tile))
        scaled[mul] = {tile, column};
      return;
    }
    if (cx)
      return;
    auto sx = scaledOf(x), sy = scaledOf(y);
    if (!sx && !sy)
      return;
    Value base = this->mul(sx ? sx->base : x, sy ? sy->base : y);
    scaled[mul] = {base, times(sx ? sx->factor : Value(), sy ? sy->factor : Value())};
  }

  void carryThroughNeg(chunk::NegOp neg) {
    if (dependent.contains(neg.getResult()))
      return;
    if (auto s = scaledOf(neg.getInput()))
      scaled[neg] = {chunk::NegOp::create(b, neg.getLoc(), s->base.getType(), s->base),
                     s->factor};
  }

  /// An operand scaled along the contracted dimension C: rows of a
  /// non-transposed rhs or of a transposed lhs, columns otherwise.
  Value scaleAlongC(Value operand, Value column, bool contractedAreRows) {
    return contractedAreRows ? mul(operand, column) : mul(operand, row(column));
  }

  void rewriteMatmul(chunk::MatmulOp mm) {
    auto sl = scaledOf(mm.getLhs()), sr = scaledOf(mm.getRhs());
    if (dependent.contains(mm.getResult())) {
      // Only the rows of the result, and only where asked: the operand the
      // state reaches is never scaled.
      if (!stateProducts || !sl || mm.getTransposeLhs() || sr)
        return;
      auto product = chunk::MatmulOp::create(b, mm.getLoc(), mm.getResult().getType(),
                                             sl->base, mm.getRhs());
      product.setTransposeRhs(mm.getTransposeRhs());
      mm.getResult().replaceAllUsesWith(mul(product, sl->factor));
      return;
    }
    if (!sl && !sr)
      return;
    bool tl = mm.getTransposeLhs(), tr = mm.getTransposeRhs();
    Value lhs = sl ? sl->base : mm.getLhs(), rhs = sr ? sr->base : mm.getRhs();
    Value rowFactor = sl && !tl ? sl->factor : Value();
    Value colFactor = sr && tr ? sr->factor : Value();
    Value along = times(sl && tl ? sl->factor : Value(), sr && !tr ? sr->factor : Value());
    if (along) {
      // Onto the operand that was not scaled, or the smaller one.
      auto elements = [](Value v) { return shapeOf(v)[0] * shapeOf(v)[1]; };
      bool ontoLhs = sl && sr ? elements(lhs) < elements(rhs) : !sl;
      if (ontoLhs)
        lhs = scaleAlongC(lhs, along, /*contractedAreRows=*/tl);
      else
        rhs = scaleAlongC(rhs, along, /*contractedAreRows=*/!tr);
    }
    auto product = chunk::MatmulOp::create(b, mm.getLoc(), mm.getResult().getType(), lhs, rhs);
    product.setTransposeLhs(tl);
    product.setTransposeRhs(tr);
    Value result = product;
    if (rowFactor)
      result = mul(result, rowFactor);
    if (colFactor)
      result = mul(result, row(colFactor));
    mm.getResult().replaceAllUsesWith(result);
  }

  /// The Gram matrix of the bases, its rows and columns scaled by the
  /// factors (the op's own scales: no multiplications of C x C tiles).
  void rewriteGram(chunk::GramOp gram) {
    auto sl = scaledOf(gram.getLhs()), sr = scaledOf(gram.getRhs());
    if (!sl && !sr)
      return;
    auto product = chunk::GramOp::create(
        b, gram.getLoc(), gram.getResult().getType(), sl ? sl->base : gram.getLhs(),
        sr ? sr->base : gram.getRhs(), gram.getLhsDecay(), gram.getRhsDecay(),
        times(gram.getRowScale(), sl ? sl->factor : Value()),
        times(gram.getColScale(), sr ? sr->factor : Value()), gram.getMaskAttr(),
        gram.getDecayBoundAttr());
    gram.getResult().replaceAllUsesWith(product.getResult());
  }

  /// Scaled tiles still read are made as base * (product of columns), the
  /// last first, so that a chain of scalings becomes one multiplication.
  void materialize(Block &body) {
    SmallVector<Operation *> ops = opsOf(body);
    for (Operation *opp : llvm::reverse(ops)) {
      Operation &op = *opp;
      if (op.getNumResults() != 1)
        continue;
      auto s = scaledOf(op.getResult(0));
      if (!s)
        continue;
      if (op.use_empty()) {
        op.erase();
        continue;
      }
      // Already one multiplication of the base by the whole factor.
      if (auto mul = dyn_cast<chunk::MulOp>(op);
          mul && llvm::is_contained(mul->getOperands(), s->base) &&
          llvm::is_contained(mul->getOperands(), s->factor))
        continue;
      b.setInsertionPoint(&op);
      op.getResult(0).replaceAllUsesWith(mul(s->base, s->factor));
      op.erase();
    }
  }

  void eraseDead(Block &body) {
    SmallVector<Operation *> ops = opsOf(body);
    for (Operation *op : llvm::reverse(ops))
      if (isOpTriviallyDead(op))
        op->erase();
  }

  /// The body's ops but its terminator, in order (a copy: callers erase).
  static SmallVector<Operation *> opsOf(Block &body) {
    SmallVector<Operation *> ops;
    for (Operation &op : body.without_terminator())
      ops.push_back(&op);
    return ops;
  }

  chunk::ScanOp scan;
  int64_t C;
  bool stateProducts;
  OpBuilder b;
  llvm::DenseSet<Value> dependent, tokenRows;
  llvm::DenseMap<Value, Scaled> scaled;
  llvm::DenseMap<Value, Value> transposed;
};

struct ChunkPushRowScalingPass
    : linac::impl::ChunkPushRowScalingBase<ChunkPushRowScalingPass> {
  using ChunkPushRowScalingBase::ChunkPushRowScalingBase;
  void runOnOperation() override { RowScalingPusher(getOperation(), stateProducts).run(); }
};

} // namespace
