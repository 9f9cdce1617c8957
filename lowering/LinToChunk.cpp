//===- LinToChunk.cpp - lin.variant -> chunk.scan (MATH.md §2, §2b) -------===//
#include "lowering/Passes.h"
#include "dialect/lin/IR/Classification.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

namespace linac {
#define GEN_PASS_DEF_LINTOCHUNK
#include "lowering/Passes.h.inc"
} // namespace linac

namespace {

/// Emits chunk ops with shapes computed here, so the algorithm below reads
/// like the math.
class ChunkBuilder {
public:
  ChunkBuilder(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  RankedTensorType tile(int64_t rows, int64_t cols) {
    return RankedTensorType::get({rows, cols}, b.getF32Type());
  }
  static ArrayRef<int64_t> shape(Value v) {
    return cast<RankedTensorType>(v.getType()).getShape();
  }
  Value mul(Value x, Value y) {
    return chunk::MulOp::create(b, loc, chunk::broadcastType(x, y), x, y);
  }
  Value add(Value x, Value y) {
    return chunk::AddOp::create(b, loc, chunk::broadcastType(x, y), x, y);
  }
  Value sub(Value x, Value y) {
    return chunk::SubOp::create(b, loc, chunk::broadcastType(x, y), x, y);
  }
  Value exp(Value x) { return chunk::ExpOp::create(b, loc, x.getType(), x); }
  Value neg(Value x) { return chunk::NegOp::create(b, loc, x.getType(), x); }
  Value cumsum(Value x, bool exclusive) {
    auto op = chunk::CumsumOp::create(b, loc, x.getType(), x);
    if (exclusive)
      op.setExclusive(true);
    return op;
  }
  Value lastRow(Value x) {
    return chunk::LastRowOp::create(b, loc, tile(1, shape(x)[1]), x);
  }
  Value transpose(Value x) {
    return chunk::TransposeOp::create(b, loc, tile(shape(x)[1], shape(x)[0]), x);
  }
  /// lhs^(T?) @ rhs^(T?)
  Value matmul(Value x, Value y, bool tx = false, bool ty = false) {
    int64_t m = tx ? shape(x)[1] : shape(x)[0];
    int64_t n = ty ? shape(y)[0] : shape(y)[1];
    auto op = chunk::MatmulOp::create(b, loc, tile(m, n), x, y);
    if (tx)
      op.setTransposeLhs(true);
    if (ty)
      op.setTransposeRhs(true);
    return op;
  }
  /// `bound`: the decays are cumulative sums of log-decays in [-bound, 0]
  /// (absent: not known).
  Value gram(chunk::Mask mask, Value lhs, Value rhs, Value lg, Value rg,
             std::optional<double> bound = std::nullopt) {
    int64_t c = shape(lhs)[0];
    FloatAttr boundAttr = bound && lg ? b.getF64FloatAttr(*bound) : FloatAttr();
    return chunk::GramOp::create(b, loc, tile(c, c), lhs, rhs, lg, rg, Value(), Value(),
                                 chunk::MaskAttr::get(b.getContext(), mask), boundAttr);
  }
  Value inverse(Value x) {
    return chunk::UnitLowerInverseOp::create(b, loc, x.getType(), x);
  }

private:
  OpBuilder &b;
  Location loc;
};

struct LinToChunkPass : linac::impl::LinToChunkBase<LinToChunkPass> {
  using LinToChunkBase::LinToChunkBase;

  void runOnOperation() override {
    if (keyDim < 1 || valueDim < 1) {
      getOperation().emitError("lin-to-chunk needs key-dim and value-dim");
      return signalPassFailure();
    }
    if (chunkSize < 1 || subBlock < 1 || chunkSize % subBlock != 0) {
      getOperation().emitError("lin-to-chunk: sub-block (")
          << subBlock << ") must divide chunk-size (" << chunkSize << ")";
      return signalPassFailure();
    }
    if (!corrupt.empty() && corrupt != "drop-decay" && corrupt != "shift-mask" &&
        corrupt != "skip-initial-state") {
      getOperation().emitError("lin-to-chunk: unknown corrupt='")
          << corrupt << "'";
      return signalPassFailure();
    }
    for (auto variant :
         llvm::make_early_inc_range(getOperation().getOps<lin::VariantOp>()))
      lower(variant);
  }

  void lower(lin::VariantOp variant);
};

void LinToChunkPass::lower(lin::VariantOp variant) {
  const int64_t C = chunkSize, K = keyDim, V = valueDim;
  Location loc = variant.getLoc();
  OpBuilder b(variant);
  ChunkBuilder cb(b, loc);
  lin::RecurOp recur = variant.getRecur();
  lin::Classification cls = lin::classify(variant);

  auto scan = chunk::ScanOp::create(
      b, loc, b.getStringAttr(variant.getSymName()), b.getI64IntegerAttr(C),
      b.getI64IntegerAttr(K), b.getI64IntegerAttr(V),
      b.getI64IntegerAttr(subBlock));
  scan->setAttr("decay", variant.getDecayAttr());
  scan->setAttr("erase", variant.getEraseAttr());
  if (corrupt == "skip-initial-state")
    scan->setAttr("test_skip_initial_state", b.getUnitAttr());
  Block *body = b.createBlock(&scan.getBody(), {}, {cb.tile(K, V)}, {loc});
  Value S = body->getArgument(0);

  // The per-token pre-processing, moved as it is; it yields the operands of
  // the normal form, in lin.recur's order.
  SmallVector<Value> operands;
  for (Value v : {Value(recur.getDecay()), Value(recur.getErase()),
                  Value(recur.getAlong()), Value(recur.getKey()),
                  Value(recur.getValue()), Value(recur.getQuery())})
    if (v)
      operands.push_back(v);
  SmallVector<Type> tileTypes;
  for (Value v : operands) {
    int64_t width = 1;
    if (auto vec = dyn_cast<lin::VecType>(v.getType()))
      width = vec.getExtent() == lin::Extent::K ? K : V;
    tileTypes.push_back(cb.tile(C, width));
  }
  auto perToken = chunk::PerTokenOp::create(b, loc, tileTypes);
  {
    OpBuilder::InsertionGuard guard(b);
    b.createBlock(&perToken.getBody());
    IRMapping map;
    for (Operation &op : variant.getBody().front().without_terminator())
      b.clone(op, map);
    SmallVector<Value> mapped;
    for (Value v : operands)
      mapped.push_back(map.lookup(v));
    chunk::TokenYieldOp::create(b, loc, mapped);
  }
  unsigned next = 0;
  auto take = [&](Value v) { return v ? perToken.getResult(next++) : Value(); };
  Value g = take(recur.getDecay()), e = take(recur.getErase()),
        bvec = take(recur.getAlong()), k = take(recur.getKey()),
        y = take(recur.getValue()), r = take(recur.getQuery());
  if (corrupt == "drop-decay")
    g = Value();
  // The proven lower bound on g, as the decayed Gram matrices' bound on a
  // token's decay (their decays are Γ and Γ⁻ of this g).
  std::optional<double> bound;
  if (cls.gLowerBound && *cls.gLowerBound < 0.0)
    bound = -*cls.gLowerBound;
  chunk::Mask strict = chunk::Mask::strict, inclusive = chunk::Mask::inclusive;
  if (corrupt == "shift-mask")
    std::swap(strict, inclusive);

  // Γ (cumulative log-decay from the chunk start), Γ_C, and the factors
  // exp(Γ) and exp(Γ_C - Γ) that are both <= 1.
  Value G, GC, expG, expGC, toEnd;
  if (g) {
    G = cb.cumsum(g, /*exclusive=*/false);
    GC = cb.lastRow(G);
    expG = cb.exp(G);
    expGC = cb.exp(GC);
    toEnd = cb.exp(cb.sub(GC, G));
  }
  auto decayed = [&](Value x, Value factor) {
    return factor ? cb.mul(x, factor) : x;
  };
  // Diag(exp Γ_C) S: Γ_C is a row (1 x K or 1 x 1); as a column it scales
  // the rows of S.
  auto decayState = [&]() {
    return expGC ? cb.mul(cb.transpose(expGC), S) : S;
  };
  Value qS = cb.matmul(decayed(r, expG), S); // (Q ⊙ exp Γ) S_0

  Value out, nextState;
  switch (cls.erase) {
  case lin::EraseKind::none: {
    // O = (Q ⊙ e^Γ) S_0 + M Y;  S_C = Diag(e^Γ_C) S_0 + (K ⊙ e^(Γ_C-Γ))^T Y
    Value M = cb.gram(inclusive, r, k, G, G, bound);
    out = cb.add(qS, cb.matmul(M, y));
    nextState = cb.add(decayState(), cb.matmul(decayed(k, toEnd), y, true));
    break;
  }
  case lin::EraseKind::delta: {
    // A = (e ⊙ K) K^T decayed, strictly lower; T = (I + A)^-1
    // W = T (e ⊙ K ⊙ e^Γ), U = T Y, V' = U - W S_0
    Value ek = cb.mul(e, k);
    Value A = cb.gram(strict, ek, k, G, G, bound);
    Value T = cb.inverse(A);
    Value W = cb.matmul(T, decayed(ek, expG));
    Value U = cb.matmul(T, y);
    Value Vp = cb.sub(U, cb.matmul(W, S));
    Value M = cb.gram(inclusive, r, k, G, G, bound);
    out = cb.add(qS, cb.matmul(M, Vp));
    nextState = cb.add(decayState(), cb.matmul(decayed(k, toEnd), Vp, true));
    break;
  }
  case lin::EraseKind::general: {
    // §2b with a = e (erase vector), b = bvec (reads S before the decay):
    // Γ⁻ = exclusive cumsum; A_ba, A_bk strictly lower with decay Γ⁻_r - Γ_j
    // T = (I - A_ba)^-1, W = T (B ⊙ e^Γ⁻), U = W S_0 + T A_bk Y
    // S_C = Diag(e^Γ_C) S_0 + (A ⊙ e^(Γ_C-Γ))^T U + (K ⊙ e^(Γ_C-Γ))^T Y
    // O = (Q ⊙ e^Γ) S_0 + M_qa U + M_qk Y
    Value a = e;
    Value Gm = g ? cb.cumsum(g, /*exclusive=*/true) : Value();
    Value Aba = cb.gram(strict, bvec, a, Gm, G, bound);
    Value Abk = cb.gram(strict, bvec, k, Gm, G, bound);
    Value T = cb.inverse(cb.neg(Aba));
    Value W = cb.matmul(T, decayed(bvec, Gm ? cb.exp(Gm) : Value()));
    Value U = cb.add(cb.matmul(W, S), cb.matmul(T, cb.matmul(Abk, y)));
    Value Mqa = cb.gram(inclusive, r, a, G, G, bound);
    Value Mqk = cb.gram(inclusive, r, k, G, G, bound);
    out = cb.add(qS, cb.add(cb.matmul(Mqa, U), cb.matmul(Mqk, y)));
    nextState = cb.add(decayState(),
                       cb.add(cb.matmul(decayed(a, toEnd), U, true),
                              cb.matmul(decayed(k, toEnd), y, true)));
    break;
  }
  }
  chunk::YieldOp::create(b, loc, nextState, out);
  variant.erase();
}

} // namespace
