//===- FoldAccumulate.cpp - sums into mma accumulators, copies into place --===//
//
// chunk-to-tile gives every intermediate its own tile, so the state update
// S' = g S + K^T U becomes four passes over K x V tiles: X = g S, Y = K^T U,
// Z = X + Y, S = Z. This pass folds such chains before tiles are shared:
//  - a sum Z = X + Y whose Y is a chain of mmas (one writing Y, then any
//    accumulating into it) read only there becomes that chain accumulating
//    into X (X += A B + C D), Z renamed X; where Z is not a fresh tile (the
//    carried state, after the copy below folded an earlier sum into it),
//    the sum becomes the copy Z = X, which the next rule folds;
//  - a copy S = X whose X an element-wise op wrote (and an accumulating mma
//    then added to), with S untouched in between, becomes those ops written
//    into S itself (the element-wise op in place); S may have views used
//    only outside the copy's block;
//  - a sum in place, S = S + Y, whose Y is such a chain, with S untouched
//    between the chain's first mma and the sum, becomes S += A B (variants
//    without decay: S' = S + K^T U).
// The update is then S = g S in place and S += K^T U on the tensor cores
// (DPLR and GDN-2: S = g S, S += A^T U, S += K^T Y). With the `subtract`
// option the first and third rules also take a difference X - Y (not
// Y - X), the chain's mmas then subtracting (mma `subtract`): the delta
// rule's V' = U - W S becomes U -= W S, one step instead of a matmul into
// its own tile and an element-wise pass.
// Numerics: the sum happens in the mma's fp32 accumulator instead of a
// separate fp32 add (the same operands, one rounding fewer or the same).
//
//===----------------------------------------------------------------------===//
#include "dialect/tile/Transforms/Passes.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"

namespace linac {
#define GEN_PASS_DEF_TILEFOLDACCUMULATE
#include "dialect/tile/Transforms/Passes.h.inc"
} // namespace linac

using namespace mlir;

namespace {

/// A tile allocated in the kernel and used without views (views would hide
/// uses), or null.
tile::AllocOp plainAlloc(Value v) {
  auto alloc = v.getDefiningOp<tile::AllocOp>();
  if (!alloc || cast<tile::BufType>(alloc.getType()).getStages() != 1)
    return nullptr;
  for (Operation *u : v.getUsers())
    if (isa<tile::ViewOp, tile::StageOp>(u))
      return nullptr;
  return alloc;
}

/// A tile allocated in the kernel whose views and stages, if any, are all
/// used outside `block` (before or after it runs, e.g. a tile whose first
/// value is written through views before the loop), or null.
/// In `block` its direct users are then all its uses.
tile::AllocOp allocViewedOutside(Value v, Block *block) {
  auto alloc = v.getDefiningOp<tile::AllocOp>();
  if (!alloc || cast<tile::BufType>(alloc.getType()).getStages() != 1)
    return nullptr;
  SmallVector<Operation *> real, derived;
  linac::collectTileUsers(v, real, derived);
  // (Every use through a view is a user of one of `derived`.)
  for (Operation *d : derived)
    for (Operation *u : d->getUsers())
      if (block->findAncestorOpInBlock(*d) || block->findAncestorOpInBlock(*u))
        return nullptr;
  return alloc;
}

bool sameShape(Value a, Value b) {
  auto x = cast<tile::BufType>(a.getType()), y = cast<tile::BufType>(b.getType());
  return x.getRows() == y.getRows() && x.getCols() == y.getCols();
}

struct TileFoldAccumulatePass
    : linac::impl::TileFoldAccumulateBase<TileFoldAccumulatePass> {
  using TileFoldAccumulateBase::TileFoldAccumulateBase;
  llvm::DenseMap<Operation *, unsigned> position;

  /// Every user of v in `block`, and whether all are there.
  bool usersIn(Value v, Block *block, SmallVectorImpl<Operation *> &users) {
    for (Operation *u : v.getUsers()) {
      if (u->getBlock() != block)
        return false;
      users.push_back(u);
    }
    return true;
  }

  /// The mmas that make y, if y is a plain tile whose users in the add's
  /// block are, in order, one non-accumulating mma writing it, any number of
  /// mmas accumulating into it (none reading it), and `add`; empty if not.
  SmallVector<tile::MmaOp> mmaChain(Value y, tile::EwOp add) {
    SmallVector<Operation *> yUsers;
    if (!plainAlloc(y) || !usersIn(y, add->getBlock(), yUsers) || yUsers.size() < 2)
      return {};
    llvm::sort(yUsers, [&](Operation *a, Operation *b) { return position[a] < position[b]; });
    if (yUsers.back() != add.getOperation())
      return {};
    SmallVector<tile::MmaOp> chain;
    for (Operation *u : ArrayRef(yUsers).drop_back()) {
      auto mma = dyn_cast<tile::MmaOp>(u);
      if (!mma || mma.getAcc() != y || mma.getA() == y || mma.getB() == y ||
          mma.getAccumulate() != !chain.empty())
        return {};
      chain.push_back(mma);
    }
    return chain;
  }

  /// The chain accumulates into `into` instead of its own tile (subtracts
  /// from it, for a difference); returns that tile's alloc, to erase once
  /// the sum is gone.
  Operation *retarget(ArrayRef<tile::MmaOp> chain, Value into, bool subtractFrom) {
    tile::MmaOp first = chain.front();
    Operation *y = first.getAcc().getDefiningOp();
    // X - (A B - C D) = X - A B + C D: a difference flips each mma's sign
    // (one that an earlier fold made subtract adds now).
    for (tile::MmaOp mma : chain) {
      mma.getAccMutable().assign(into);
      mma.setAccumulate(true);
      mma.setSubtract(mma.getSubtract() != subtractFrom);
    }
    return y;
  }

  /// Whether `ew` is a sum (either order) or, with the option, a difference
  /// X - Y (this order) the rules fold; `difference` says which.
  bool foldable(tile::EwOp ew, bool &difference) {
    difference = ew.getKind() == tile::EwKind::sub;
    return ew.getRhs() && (ew.getKind() == tile::EwKind::add || (subtract && difference));
  }

  /// Whether any mma of the chain reads v.
  static bool chainReads(ArrayRef<tile::MmaOp> chain, Value v) {
    return llvm::any_of(chain, [&](tile::MmaOp m) { return m.getA() == v || m.getB() == v; });
  }

  /// S = S + Y (either order), Y = a chain of mmas read only here, nothing
  /// touching S between the chain's first mma and the sum: S += A B (+ ...).
  /// The sum reads each element of S once, as the accumulating mma does, so
  /// S may come from outside the block or be carried across iterations.
  bool foldSumInPlace(tile::EwOp add, bool difference) {
    Value s = add.getDst();
    if (!plainAlloc(s))
      return false;
    Value y = add.getLhs() == s                ? add.getRhs()
              : add.getRhs() == s && !difference ? add.getLhs()
                                                 : Value();
    if (!y || y == s || !sameShape(y, s))
      return false;
    SmallVector<tile::MmaOp> chain = mmaChain(y, add);
    if (chain.empty() || chainReads(chain, s))
      return false;
    Block *block = add->getBlock();
    unsigned from = position[chain.front()], to = position[add];
    // (Uses outside this block run before or after it whole.)
    for (Operation *u : s.getUsers()) {
      Operation *here = block->findAncestorOpInBlock(*u);
      if (here && here != add.getOperation() && position[here] > from &&
          position[here] < to && !llvm::is_contained(chain, here))
        return false;
    }
    Operation *y0 = retarget(chain, s, difference);
    add.erase();
    y0->erase();
    return true;
  }

  /// Z = X + Y, Y = a chain of mmas read only here: X += A B (+ ...), and
  /// Z renamed X, or, where Z is not a fresh tile, the copy Z = X.
  bool foldSum(tile::EwOp add) {
    bool difference;
    if (!foldable(add, difference))
      return false;
    if (foldSumInPlace(add, difference))
      return true;
    Block *block = add->getBlock();
    Value z = add.getDst();
    // A sum in either order; a difference X - Y only (Y - X would need -X).
    SmallVector<std::pair<Value, Value>, 2> orders = {{add.getLhs(), add.getRhs()}};
    if (!difference)
      orders.push_back({add.getRhs(), add.getLhs()});
    for (auto [lhs, rhs] : orders) {
      Value x = lhs, y = rhs; // (captured by the checks below)
      if (!plainAlloc(x) || !plainAlloc(y) || x == y || x == z || y == z ||
          !sameShape(x, z) || !sameShape(y, z))
        continue;
      SmallVector<Operation *> xUsers;
      if (!usersIn(x, block, xUsers))
        continue;
      SmallVector<tile::MmaOp> chain = mmaChain(y, add);
      if (chain.empty() || chainReads(chain, x))
        continue;
      unsigned first = position[chain.front()];
      // X is written whole before the chain in this block (a value from
      // outside, or carried across iterations, must not change) and not
      // used after it but by the sum (it changes at the chain now).
      bool xOk = llvm::all_of(xUsers, [&](Operation *u) {
        return u == add.getOperation() || position[u] < first;
      });
      bool xWritten = llvm::any_of(xUsers, [&](Operation *u) {
        return position[u] < first && linac::definesWhole(u, x);
      });
      if (!xOk || !xWritten)
        continue;
      // Z fresh: only written by the sum and read after it.
      SmallVector<Operation *> zUsers;
      bool zFresh = plainAlloc(z) && usersIn(z, block, zUsers) &&
                    llvm::all_of(zUsers, [&](Operation *u) {
                      return u == add.getOperation() ||
                             (position[u] > position[add] &&
                              !(isa<tile::EwOp>(u) && u->getOperand(0) == z));
                    });
      Operation *y0 = retarget(chain, x, difference);
      if (zFresh) {
        z.replaceUsesWithIf(x, [&](OpOperand &o) { return o.getOwner() != add; });
      } else {
        // Z keeps its place; Z = X holds X + Y where the sum was.
        OpBuilder b(add);
        tile::EwOp::create(b, add.getLoc(),
                           tile::EwKindAttr::get(b.getContext(), tile::EwKind::copy), z, x,
                           Value());
      }
      add.erase();
      y0->erase();
      if (zFresh)
        z.getDefiningOp()->erase();
      return true;
    }
    return false;
  }

  /// S = X, where X was written by an element-wise op D (then maybe added
  /// to by accumulating mmas) and S is untouched between D and the copy:
  /// D and the mmas write S.
  bool foldCopy(tile::EwOp copy) {
    if (copy.getKind() != tile::EwKind::copy)
      return false;
    Block *block = copy->getBlock();
    Value s = copy.getDst(), x = copy.getLhs();
    if (!plainAlloc(x) || !allocViewedOutside(s, block) || s == x || !sameShape(s, x))
      return false;
    SmallVector<Operation *> xUsers;
    if (!usersIn(x, block, xUsers))
      return false;
    llvm::sort(xUsers, [&](Operation *a, Operation *b) { return position[a] < position[b]; });
    auto def = dyn_cast<tile::EwOp>(xUsers.front());
    if (!def || def.getDst() != x || def.getLhs() == x || def.getRhs() == x ||
        xUsers.back() != copy.getOperation())
      return false;
    for (Operation *u : ArrayRef(xUsers).drop_front().drop_back()) {
      auto mma = dyn_cast<tile::MmaOp>(u);
      if (!mma || mma.getAcc() != x || mma.getA() == s || mma.getB() == s)
        return false;
    }
    // D may read S (in place: S has D's shape, so each element is read and
    // written by one thread); nothing else between D and the copy touches
    // S (uses outside this block run before or after it whole).
    unsigned from = position[def], to = position[copy];
    for (Operation *u : s.getUsers()) {
      Operation *here = block->findAncestorOpInBlock(*u);
      if (here && here != def.getOperation() && here != copy.getOperation() &&
          position[here] > from && position[here] < to)
        return false;
    }
    x.replaceAllUsesWith(s);
    copy.erase();
    x.getDefiningOp()->erase();
    return true;
  }

  void runOnOperation() override {
    tile::KernelOp kernel = getOperation();
    bool changed = true;
    while (changed) {
      changed = false;
      position.clear();
      kernel.walk([&](Block *block) {
        unsigned i = 0;
        for (Operation &op : *block)
          position[&op] = i++;
      });
      SmallVector<tile::EwOp> ews;
      kernel.walk([&](tile::EwOp ew) { ews.push_back(ew); });
      for (tile::EwOp ew : ews)
        if (foldSum(ew) || foldCopy(ew)) {
          changed = true;
          break;
        }
    }
  }
};

} // namespace
