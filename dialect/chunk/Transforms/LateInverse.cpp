//===- LateInverse.cpp - the delta rule's inverse after the state product -===//
//
// The chunked delta rule forms the WY factors W = T X and U = T Y (T the
// inverse of I + A, X the decayed erase keys, Y the values) and then
// V' = U - W S. Where W and U are read only there, the same V' is
//
//   V' = T (Y - X S)
//
// one C x C x K product fewer a chunk (T X is never formed) and one tile
// fewer. The price is where the work sits: T is then applied after the
// state product, inside the chunk's sequential part, so the form pays only
// where everything is sequential anyway (the fused kernel, wu=fused); a
// kernel that precomputes the chunk-local part (wu=materialized) wants W and
// U formed. The values are the same; the rounding of the 16-bit operands
// moves (T multiplies Y - X S instead of X and Y).
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

/// `mm` is lhs times rhs, neither transposed.
bool plainProduct(chunk::MatmulOp mm) { return !mm.getTransposeLhs() && !mm.getTransposeRhs(); }

/// V' = sub(T Y, (T X) S) with T Y, T X and (T X) S read only there: the
/// three products, or nothing.
struct WyDifference {
  chunk::SubOp vp;
  chunk::MatmulOp u, w, ws;
};

std::optional<WyDifference> match(chunk::SubOp sub, Value state) {
  auto u = sub.getLhs().getDefiningOp<chunk::MatmulOp>();
  auto ws = sub.getRhs().getDefiningOp<chunk::MatmulOp>();
  if (!u || !ws || !plainProduct(u) || !plainProduct(ws) || ws.getRhs() != state)
    return std::nullopt;
  auto w = ws.getLhs().getDefiningOp<chunk::MatmulOp>();
  if (!w || !plainProduct(w) || w.getLhs() != u.getLhs() ||
      !w.getLhs().getDefiningOp<chunk::UnitLowerInverseOp>())
    return std::nullopt;
  if (!u->hasOneUse() || !w->hasOneUse() || !ws->hasOneUse())
    return std::nullopt;
  return WyDifference{sub, u, w, ws};
}

struct ChunkLateInversePass : linac::impl::ChunkLateInverseBase<ChunkLateInversePass> {
  void runOnOperation() override {
    chunk::ScanOp scan = getOperation();
    Value state = scan.getState();
    SmallVector<WyDifference> found;
    scan.getBody().walk([&](chunk::SubOp sub) {
      if (auto m = match(sub, state))
        found.push_back(*m);
    });
    for (WyDifference &m : found) {
      OpBuilder b(m.vp);
      Location loc = m.vp.getLoc();
      Value T = m.u.getLhs(), X = m.w.getRhs(), Y = m.u.getRhs();
      Value xs = chunk::MatmulOp::create(b, loc, m.ws.getType(), X, state);
      Value z = chunk::SubOp::create(b, loc, Y.getType(), Y, xs);
      Value vp = chunk::MatmulOp::create(b, loc, m.vp.getType(), T, z);
      m.vp.replaceAllUsesWith(vp);
      m.vp.erase();
      m.ws.erase();
      m.w.erase();
      m.u.erase();
    }
  }
};

} // namespace
