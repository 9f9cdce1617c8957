//===- FactorNorms.cpp - l2norm(x) yielded as x and 1 / ||x|| -------------===//
//
// l2norm(x) = diag(1 / ||x||) x over a chunk's rows: a row scaling. Yielded
// as it is, the normalised vectors become C x K tiles that every product of
// the chunk reads. Yielded as x and the column 1 / ||x|| instead, the
// products can read x as it was given (chunk-push-row-scaling moves the
// column into them). Scalars and element-wise vector factors around the
// norm (GDN's q * scale, DPLR's -(iclr * kk)) go with it: the yield is the
// vector built without the norm and the product of the scalars. The body
// multiplies the two back, so the scan's values do not change.
//
// With scaled-inputs (config scales=factor), an input vector times scalars
// (the delta rule's y = v * beta) is yielded the same way: v as given and
// the column of the scalars (a column the region already yields is read
// from there), so that U = T Y reads v's stage as (T diag(beta)) v.
//
//===----------------------------------------------------------------------===//
#include "dialect/chunk/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace linac {
#define GEN_PASS_DEF_CHUNKFACTORNORMS
#include "dialect/chunk/Transforms/Passes.h.inc"
} // namespace linac

using namespace mlir;

namespace {

/// A per-token vector as `base` times the product of `scalars`.
struct Factored {
  Value base;
  SmallVector<Value> scalars;
  bool normed = false;   // an l2norm was factored out (its inverse first)
  bool factored = false; // a row scaling was: normed, or an input's scalars
};

/// Splits yielded vectors into a base and scalars, building the bases'
/// ops before the region's yield (where every operand is defined).
class Factorer {
public:
  Factorer(OpBuilder &b, Location loc, bool norms, bool scaledInputs)
      : b(b), loc(loc), norms(norms), scaledInputs(scaledInputs) {}

  Factored of(Value v) {
    if (auto it = memo.find(v); it != memo.end())
      return it->second;
    Factored f{v, {}, false};
    Operation *def = v.getDefiningOp();
    if (auto norm = dyn_cast_or_null<lin::L2NormOp>(def); norm && norms) {
      Value x = norm.getOperand();
      f = {x, {lin::InvNormOp::create(b, loc, scalar(), x)}, true, true};
    } else if (auto mul = dyn_cast_or_null<lin::MulOp>(def)) {
      Value x = mul.getLhs(), y = mul.getRhs();
      bool xs = isa<lin::ScalarType>(x.getType()), ys = isa<lin::ScalarType>(y.getType());
      if (xs != ys) { // vector * scalar
        Factored g = of(xs ? y : x);
        if (g.factored || (scaledInputs && g.base.getDefiningOp<lin::InputOp>())) {
          f = g;
          f.scalars.push_back(xs ? x : y);
          f.factored = true;
        }
      } else if (!xs) { // vector * vector, element-wise
        Factored gx = of(x), gy = of(y);
        // (The normalised operand's inverse norm first: drop-norm drops it.)
        if (gx.factored || gy.factored) {
          const Factored &first = gy.normed && !gx.normed ? gy : gx;
          const Factored &second = &first == &gx ? gy : gx;
          f.base = lin::MulOp::create(b, loc, v.getType(), gx.base, gy.base);
          f.scalars = first.scalars;
          llvm::append_range(f.scalars, second.scalars);
          f.normed = gx.normed || gy.normed;
          f.factored = true;
        }
      }
    } else if (auto neg = dyn_cast_or_null<lin::NegOp>(def)) {
      Factored g = of(neg.getOperand());
      if (g.factored) {
        f = g;
        f.base = lin::NegOp::create(b, loc, v.getType(), g.base);
      }
    }
    memo[v] = f;
    return f;
  }

  /// The product of `scalars` (one per token).
  Value product(ArrayRef<Value> scalars) {
    Value p = scalars.front();
    for (Value s : scalars.drop_front())
      p = lin::MulOp::create(b, loc, scalar(), p, s);
    return p;
  }

private:
  Type scalar() { return lin::ScalarType::get(b.getContext()); }

  OpBuilder &b;
  Location loc;
  bool norms, scaledInputs;
  llvm::DenseMap<Value, Factored> memo;
};

struct ChunkFactorNormsPass : linac::impl::ChunkFactorNormsBase<ChunkFactorNormsPass> {
  using ChunkFactorNormsBase::ChunkFactorNormsBase;

  void runOnOperation() override {
    chunk::ScanOp scan = getOperation();
    if (!corrupt.empty() && corrupt != "drop-norm" && corrupt != "drop-scale") {
      scan.emitError("chunk-factor-norms: unknown corrupt='") << corrupt << "'";
      return signalPassFailure();
    }
    for (auto pt : llvm::make_early_inc_range(scan.getBody().front().getOps<chunk::PerTokenOp>()))
      factor(pt, scan.getChunkSize());
  }

  void factor(chunk::PerTokenOp pt, int64_t C) {
    Block &region = pt.getBody().front();
    auto yield = cast<chunk::TokenYieldOp>(region.getTerminator());
    OpBuilder b(yield);
    Factorer factorer(b, yield.getLoc(), norms, scaledInputs);
    SmallVector<Value> values(yield.getValues());
    SmallVector<std::pair<unsigned, Value>> columns; // yield index -> its column
    for (auto [i, v] : llvm::enumerate(yield.getValues())) {
      if (!isa<lin::VecType>(v.getType()))
        continue;
      Factored f = factorer.of(v);
      if (!f.factored)
        continue;
      values[i] = f.base;
      // Test only: without the inverse norm (a constant 1 where it was alone).
      if (corrupt == "drop-norm" && f.normed)
        f.scalars.erase(f.scalars.begin());
      // Test only: a scaled input's column without its scalars.
      if (corrupt == "drop-scale" && !f.normed)
        f.scalars.clear();
      Value column = f.scalars.empty()
                         ? lin::ConstantOp::create(b, yield.getLoc(),
                                                   lin::ScalarType::get(b.getContext()),
                                                   b.getF64FloatAttr(1.0))
                         : factorer.product(f.scalars);
      columns.push_back({static_cast<unsigned>(i), column});
    }
    if (columns.empty())
      return;

    // The region yields the bases in place and the columns after them (a
    // column two vectors share, or one the region yields already, once).
    SmallVector<Type> types(pt.getResultTypes());
    auto columnType = RankedTensorType::get({C, 1}, b.getF32Type());
    unsigned n = pt.getNumResults();
    llvm::DenseMap<Value, unsigned> columnResult;
    for (auto [i, v] : llvm::enumerate(yield.getValues()))
      if (isa<lin::ScalarType>(v.getType()))
        columnResult.try_emplace(v, static_cast<unsigned>(i));
    for (auto &entry : columns) {
      if (columnResult.try_emplace(entry.second, values.size()).second) {
        values.push_back(entry.second);
        types.push_back(columnType);
      }
    }
    yield->setOperands(values);
    b.setInsertionPoint(pt);
    auto factored = chunk::PerTokenOp::create(b, pt.getLoc(), types);
    factored.getBody().takeBody(pt.getBody());

    // The body's uses see base * column, the value they saw before.
    SmallVector<Value> replacements(factored.getResults().take_front(n));
    for (auto [i, column] : columns)
      replacements[i] = chunk::MulOp::create(b, pt.getLoc(), pt.getResult(i).getType(),
                                             factored.getResult(i),
                                             factored.getResult(columnResult.lookup(column)));
    pt->replaceAllUsesWith(replacements);
    pt->erase();

    // What only the normalised vectors used is dead (inputs and parameters
    // stay: the kernel's signature and stages come from them).
    SmallVector<Operation *> ops;
    for (Operation &op : factored.getBody().front())
      ops.push_back(&op);
    for (Operation *op : llvm::reverse(ops))
      if (!isa<lin::InputOp, lin::ParamOp>(op) && isOpTriviallyDead(op))
        op->erase();
  }
};

} // namespace
