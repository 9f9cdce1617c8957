//===- Sema.cpp - symbolic evaluation and normal form ----------------------===//
#include "frontend/Sema.h"
#include "frontend/Parser.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace linac::frontend {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
/// Bounds that keep symbolic evaluation linear in the input size.
constexpr size_t kMaxTerms = 16;
constexpr int kMaxExprDepth = 512;

enum class Shape { Scalar, ColK, ColV, RowK, RowV, MatKV, MatVK, MatKK };

const char *shapeName(Shape s) {
  switch (s) {
  case Shape::Scalar: return "a scalar";
  case Shape::ColK: return "a K-vector";
  case Shape::ColV: return "a V-vector";
  case Shape::RowK: return "a transposed K-vector (1 x K)";
  case Shape::RowV: return "a transposed V-vector (1 x V)";
  case Shape::MatKV: return "a K x V matrix";
  case Shape::MatVK: return "a V x K matrix";
  case Shape::MatKK: return "a K x K matrix";
  }
  return "?";
}

bool isVectorShape(Shape s) { return s >= Shape::ColK && s <= Shape::RowV; }
bool isRow(Shape s) { return s == Shape::RowK || s == Shape::RowV; }
Extent extentOf(Shape s) {
  switch (s) {
  case Shape::ColK:
  case Shape::RowK: return Extent::K;
  case Shape::ColV:
  case Shape::RowV: return Extent::V;
  default: return Extent::Scalar;
  }
}

/// A value during symbolic evaluation.
///  - scalars and vectors: `e` (S-free part, -1 for zero) + `reads`, the sum
///    of S^T u over K-vectors u (only V-vectors may read the state);
///  - K x V (and transposed V x K) matrices: Diag(prod diag) S (when hasDiag)
///    + sum x (u^T S) over `rank1` + sum k y^T over `outer`;
///  - K x K matrices (S-free): Diag(prod diag) (when hasDiag) + sum x y^T.
/// `epoch` says which state the value is affine in: -1 none, 0 S_{t-1},
/// 1 S_t (only while evaluating the output).
struct Value {
  Shape shape = Shape::Scalar;
  int epoch = -1;
  ExprId e = -1;
  std::vector<ExprId> reads;
  bool hasDiag = false;
  std::vector<ExprId> diag;
  std::vector<std::pair<ExprId, ExprId>> rank1;
  std::vector<std::pair<ExprId, ExprId>> outer;
  bool dependsOnState() const { return epoch >= 0; }
};

struct Factors {
  double coef = 1;
  std::vector<ExprId> scalars, vectors; // sorted multisets
};

class Sema {
public:
  Sema(const Program &program, Diagnostics &diags)
      : program(program), diags(diags) {}
  std::optional<Recurrence> run();

private:
  // --- diagnostics -------------------------------------------------------
  std::optional<Value> error(Loc loc, const std::string &message) {
    diags.error(loc, message);
    return std::nullopt;
  }

  // --- evaluation ---------------------------------------------------------
  std::optional<Value> eval(const AstExpr &expr);
  std::optional<Value> evalName(const AstExpr &expr);
  std::optional<Value> evalCall(const AstExpr &expr);
  std::optional<Value> evalBinary(const AstExpr &expr, Value lhs, Value rhs);
  std::optional<Value> add(Loc loc, Value a, Value b, bool subtract);
  std::optional<Value> multiply(Loc loc, Value a, Value b);
  std::optional<Value> matmul(Loc loc, Value a, Value b);
  std::optional<Value> scaleBy(Loc loc, Value x, ExprId c);
  /// u^T F for a K-vector u and a K x V matrix F: a V-vector.
  std::optional<Value> rowTimes(Loc loc, ExprId u, const Value &f);
  Value transpose(Value v);
  Value sfree(Shape shape, ExprId e) {
    Value v;
    v.shape = shape;
    v.e = e;
    return v;
  }
  ExprId mulOpt(ExprId a, ExprId b, Loc loc) { // -1 is "absent" (one)
    if (a < 0)
      return b;
    if (b < 0)
      return a;
    return pool.binary(Op::Mul, a, b, loc);
  }
  ExprId addOpt(ExprId a, ExprId b, Loc loc) { // -1 is zero
    if (a < 0)
      return b;
    if (b < 0)
      return a;
    return pool.binary(Op::Add, a, b, loc);
  }
  ExprId product(const std::vector<ExprId> &fs, Loc loc) {
    ExprId p = -1;
    for (ExprId f : fs)
      p = mulOpt(p, f, loc);
    return p;
  }

  // --- normal form ---------------------------------------------------------
  Factors flatten(ExprId id);
  ExprId build(const Factors &f, bool withVectors, Loc loc);
  bool normalForm(const Value &state, const Value &out, Loc stateLoc,
                  Loc outLoc);

  const Program &program;
  Diagnostics &diags;
  Recurrence rec;
  ExprPool &pool = rec.pool;
  std::map<std::string, Value> env;
  Value state;      // S, affine in S_{t-1}
  int epoch = 0;    // which state the name S denotes now
  Value current;    // S_t as a fresh symbol, for the output
};

Value Sema::transpose(Value v) {
  switch (v.shape) {
  case Shape::ColK: v.shape = Shape::RowK; break;
  case Shape::RowK: v.shape = Shape::ColK; break;
  case Shape::ColV: v.shape = Shape::RowV; break;
  case Shape::RowV: v.shape = Shape::ColV; break;
  case Shape::MatKV: v.shape = Shape::MatVK; break;
  case Shape::MatVK: v.shape = Shape::MatKV; break;
  case Shape::MatKK:
    for (auto &p : v.outer)
      std::swap(p.first, p.second);
    break;
  case Shape::Scalar: break;
  }
  return v;
}

std::optional<Value> Sema::eval(const AstExpr &expr) {
  switch (expr.kind) {
  case AstExpr::Number:
    if (!std::isfinite(expr.number))
      return error(expr.loc, "number out of range");
    return sfree(Shape::Scalar, pool.constant(expr.number, expr.loc));
  case AstExpr::Name:
    return evalName(expr);
  case AstExpr::Call:
    return evalCall(expr);
  case AstExpr::Neg: {
    auto x = eval(*expr.args[0]);
    if (!x)
      return std::nullopt;
    return multiply(expr.loc, sfree(Shape::Scalar, pool.constant(-1, expr.loc)),
                    *x);
  }
  case AstExpr::Transpose: {
    auto x = eval(*expr.args[0]);
    if (!x)
      return std::nullopt;
    return transpose(*x);
  }
  case AstExpr::Binary: {
    auto lhs = eval(*expr.args[0]);
    if (!lhs)
      return std::nullopt;
    auto rhs = eval(*expr.args[1]);
    if (!rhs)
      return std::nullopt;
    return evalBinary(expr, *lhs, *rhs);
  }
  }
  return std::nullopt;
}

std::optional<Value> Sema::evalName(const AstExpr &expr) {
  const std::string &n = expr.name;
  if (n == "S")
    return epoch == 0 ? state : current;
  auto it = env.find(n);
  if (it != env.end()) {
    if (it->second.epoch >= 0 && it->second.epoch != epoch)
      return error(expr.loc, "'" + n + "' reads the state before the update; "
                             "the output must read the updated state S");
    return it->second;
  }
  if (n == "scale")
    return sfree(Shape::Scalar, pool.scale(expr.loc));
  if (n == "I") {
    Value v;
    v.shape = Shape::MatKK;
    v.hasDiag = true;
    return v;
  }
  if (n == "K" || n == "V")
    return error(expr.loc, "'" + n + "' is a dimension, not a value");
  if (n == "o")
    return error(expr.loc, "the output 'o' cannot be read");
  return error(expr.loc, "unknown name '" + n + "'");
}

std::optional<Value> Sema::evalCall(const AstExpr &expr) {
  static const std::map<std::string, Op> unaryFns = {
      {"exp", Op::Exp},         {"log", Op::Log},
      {"sqrt", Op::Sqrt},       {"sigmoid", Op::Sigmoid},
      {"logsigmoid", Op::LogSigmoid}, {"softplus", Op::Softplus},
      {"silu", Op::Silu},       {"l2norm", Op::L2Norm}};
  static const std::map<std::string, Op> binaryFns = {{"max", Op::Max},
                                                      {"min", Op::Min}};
  const std::string &f = expr.name;
  size_t arity = unaryFns.count(f) ? 1 : (binaryFns.count(f) || f == "decay") ? 2 : 0;
  if (arity == 0)
    return error(expr.loc,
                 "unknown function '" + f +
                     "' (known: decay, l2norm, exp, log, sqrt, sigmoid, "
                     "logsigmoid, softplus, silu, max, min)");
  if (expr.args.size() != arity)
    return error(expr.loc, "'" + f + "' takes " + std::to_string(arity) +
                               (arity == 1 ? " argument" : " arguments") +
                               ", got " + std::to_string(expr.args.size()));
  std::vector<Value> args;
  for (auto &a : expr.args) {
    auto v = eval(*a);
    if (!v)
      return std::nullopt;
    args.push_back(*v);
  }
  if (f == "decay") {
    const Value &s = args[0], &g = args[1];
    if (s.shape != Shape::MatKV)
      return error(expr.args[0]->loc, "decay's first argument must be the "
                                      "K x V state, got " +
                                          std::string(shapeName(s.shape)));
    if (g.dependsOnState())
      return error(expr.args[1]->loc,
                   "a decay that depends on the state is outside the family");
    if (g.shape != Shape::Scalar && g.shape != Shape::ColK)
      return error(expr.args[1]->loc,
                   "the log-decay must be a scalar or a K-vector, got " +
                       std::string(shapeName(g.shape)) +
                       (g.shape == Shape::ColV
                            ? " (decay along V is outside the family)"
                            : ""));
    return scaleBy(expr.loc, s, pool.unary(Op::Exp, g.e, expr.loc));
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const Value &a = args[i];
    if (a.dependsOnState())
      return error(expr.args[i]->loc,
                   "'" + f +
                       "' of the state is nonlinear in S: outside the family "
                       "of affine updates");
    if (!(a.shape == Shape::Scalar || isVectorShape(a.shape)))
      return error(expr.args[i]->loc, "'" + f +
                                          "' applies to scalars and vectors, "
                                          "got " + shapeName(a.shape));
  }
  if (f == "l2norm") {
    if (args[0].shape == Shape::Scalar)
      return error(expr.args[0]->loc, "l2norm needs a vector, got a scalar");
    return sfree(args[0].shape, pool.unary(Op::L2Norm, args[0].e, expr.loc));
  }
  if (arity == 1)
    return sfree(args[0].shape, pool.unary(unaryFns.at(f), args[0].e, expr.loc));
  Shape shape = args[0].shape == Shape::Scalar ? args[1].shape : args[0].shape;
  if (args[0].shape != Shape::Scalar && args[1].shape != Shape::Scalar &&
      args[0].shape != args[1].shape)
    return error(expr.loc, "'" + f + "' of " + shapeName(args[0].shape) +
                               " and " + shapeName(args[1].shape) +
                               ": shapes do not match");
  return sfree(shape, pool.binary(binaryFns.at(f), args[0].e, args[1].e, expr.loc));
}

std::optional<Value> Sema::evalBinary(const AstExpr &expr, Value lhs,
                                      Value rhs) {
  if (lhs.epoch >= 0 && rhs.epoch >= 0 && lhs.epoch != rhs.epoch)
    return error(expr.loc, "mixes the state before and after the update");
  switch (expr.op) {
  case '+': return add(expr.loc, lhs, rhs, false);
  case '-': return add(expr.loc, lhs, rhs, true);
  case '*': return multiply(expr.loc, lhs, rhs);
  case '@': return matmul(expr.loc, lhs, rhs);
  case '/':
    if (rhs.dependsOnState())
      return error(expr.loc, "dividing by a state-dependent value is "
                             "nonlinear in S: outside the family");
    if (rhs.shape == Shape::Scalar)
      return multiply(expr.loc, lhs,
                      sfree(Shape::Scalar,
                            pool.binary(Op::Div, pool.constant(1, expr.loc),
                                        rhs.e, expr.loc)));
    if (isVectorShape(rhs.shape) && lhs.shape == rhs.shape &&
        !lhs.dependsOnState())
      return sfree(lhs.shape, pool.binary(Op::Div, lhs.e, rhs.e, expr.loc));
    if (isVectorShape(rhs.shape) && lhs.shape == Shape::Scalar)
      return sfree(rhs.shape, pool.binary(Op::Div, lhs.e, rhs.e, expr.loc));
    return error(expr.loc, std::string("cannot divide ") +
                               shapeName(lhs.shape) + " by " +
                               shapeName(rhs.shape));
  }
  return std::nullopt;
}

std::optional<Value> Sema::add(Loc loc, Value a, Value b, bool subtract) {
  if (subtract) {
    auto nb = scaleBy(loc, b, pool.constant(-1, loc));
    if (!nb)
      return std::nullopt;
    b = *nb;
  }
  // A scalar broadcasts over an S-free vector.
  if (a.shape == Shape::Scalar && isVectorShape(b.shape) && !a.dependsOnState())
    a.shape = b.shape;
  if (b.shape == Shape::Scalar && isVectorShape(a.shape) && !b.dependsOnState())
    b.shape = a.shape;
  if (a.shape != b.shape)
    return error(loc, std::string("cannot ") + (subtract ? "subtract " : "add ") +
                          shapeName(b.shape) + (subtract ? " from " : " to ") +
                          shapeName(a.shape));
  Value r = a;
  r.epoch = std::max(a.epoch, b.epoch);
  if (a.shape == Shape::Scalar || isVectorShape(a.shape)) {
    r.e = addOpt(a.e, b.e, loc);
    r.reads.insert(r.reads.end(), b.reads.begin(), b.reads.end());
    return r;
  }
  if (a.hasDiag && b.hasDiag) {
    if (a.shape != Shape::MatKK)
      return error(loc, "the state appears in two diagonal terms; write one "
                        "decay of S (e.g. decay(S, g)) instead");
    r.diag = {addOpt(product(a.diag, loc) >= 0 ? product(a.diag, loc)
                                               : pool.constant(1, loc),
                     product(b.diag, loc) >= 0 ? product(b.diag, loc)
                                               : pool.constant(1, loc),
                     loc)};
  } else if (b.hasDiag) {
    r.hasDiag = true;
    r.diag = b.diag;
  }
  r.rank1.insert(r.rank1.end(), b.rank1.begin(), b.rank1.end());
  r.outer.insert(r.outer.end(), b.outer.begin(), b.outer.end());
  if (r.rank1.size() > kMaxTerms || r.outer.size() > kMaxTerms)
    return error(loc, "the update has too many rank-one terms: outside the "
                      "family (one erase and one write per step)");
  return r;
}

std::optional<Value> Sema::scaleBy(Loc loc, Value x, ExprId c) {
  Extent ce = pool[c].type;
  if (x.shape == Shape::Scalar || isVectorShape(x.shape)) {
    if (ce != Extent::Scalar && ce != extentOf(x.shape))
      return error(loc, "element-wise product of vectors of different "
                        "extents (K and V)");
    if (x.shape == Shape::Scalar && ce != Extent::Scalar)
      x.shape = ce == Extent::K ? Shape::ColK : Shape::ColV;
    if (!x.reads.empty() && ce != Extent::Scalar)
      return error(loc, "element-wise product of a vector with the state read "
                        "S^T u scales S along V: outside the family");
    if (x.e >= 0)
      x.e = pool.binary(Op::Mul, c, x.e, loc);
    for (ExprId &u : x.reads)
      u = pool.binary(Op::Mul, c, u, loc);
    return x;
  }
  if (x.shape == Shape::MatVK) { // c S^T = (c S)^T for a scalar c
    if (ce != Extent::Scalar)
      return error(loc, "scaling S^T by a vector scales S along V: outside "
                        "the family");
    auto scaled = scaleBy(loc, transpose(x), c);
    if (!scaled)
      return std::nullopt;
    return transpose(*scaled);
  }
  if (ce == Extent::V)
    return error(loc, "scaling the state by a V-vector (along V) is outside "
                      "the family; decay acts along K");
  if (x.hasDiag)
    x.diag.push_back(c);
  for (auto &p : x.rank1)
    p.first = pool.binary(Op::Mul, c, p.first, loc);
  for (auto &p : x.outer)
    p.first = pool.binary(Op::Mul, c, p.first, loc);
  return x;
}

std::optional<Value> Sema::multiply(Loc loc, Value a, Value b) {
  if (a.dependsOnState() && b.dependsOnState())
    return error(loc, "product of two state-dependent terms is nonlinear in "
                      "S: outside the family");
  // Put the factor that scales first.
  if (b.shape == Shape::Scalar || (b.shape == Shape::ColK && a.shape == Shape::MatKV) ||
      (b.shape == Shape::ColK && a.shape == Shape::MatKK))
    std::swap(a, b);
  if (a.shape == Shape::Scalar) {
    if (a.dependsOnState())
      return error(loc, "a state-dependent scalar is outside the family");
    return scaleBy(loc, b, a.e);
  }
  if (a.shape == Shape::ColK && (b.shape == Shape::MatKV || b.shape == Shape::MatKK))
    return scaleBy(loc, b, a.e);
  if (isVectorShape(a.shape) && a.shape == b.shape) {
    if (b.dependsOnState())
      std::swap(a, b);
    if (a.dependsOnState())
      return error(loc, "element-wise product of a vector with the state read "
                        "S^T u scales S along V: outside the family");
    return sfree(a.shape, pool.binary(Op::Mul, a.e, b.e, loc));
  }
  if (a.shape == Shape::ColV && (b.shape == Shape::MatKV))
    return error(loc, "scaling the state by a V-vector (along V) is outside "
                      "the family; decay acts along K");
  return error(loc, std::string("cannot multiply ") + shapeName(a.shape) +
                        " and " + shapeName(b.shape) +
                        " element-wise (use '@' for matrix products)");
}

std::optional<Value> Sema::rowTimes(Loc loc, ExprId u, const Value &f) {
  Value r;
  r.shape = Shape::RowV;
  r.epoch = f.epoch;
  if (f.hasDiag)
    r.reads.push_back(mulOpt(product(f.diag, loc), u, loc));
  for (auto &[x, w] : f.rank1)
    r.reads.push_back(pool.binary(Op::Mul, pool.dot(u, x, loc), w, loc));
  for (auto &[k, y] : f.outer)
    r.e = addOpt(r.e, pool.binary(Op::Mul, pool.dot(u, k, loc), y, loc), loc);
  if (r.reads.empty())
    r.epoch = -1;
  if (r.reads.size() > kMaxTerms)
    return error(loc, "the state read has too many terms");
  return r;
}

std::optional<Value> Sema::matmul(Loc loc, Value a, Value b) {
  auto mismatch = [&]() {
    return error(loc, std::string("cannot multiply ") + shapeName(a.shape) +
                          " by " + shapeName(b.shape) + ": shapes do not match");
  };
  Shape as = a.shape, bs = b.shape;
  // column @ row: an outer product
  if ((as == Shape::ColK || as == Shape::ColV) && isRow(bs)) {
    if (a.dependsOnState() && b.dependsOnState())
      return error(loc, "product of two state-dependent terms is nonlinear in "
                        "S: outside the family");
    if (as == Shape::ColV && bs == Shape::RowV)
      return error(loc, "a V x V matrix is outside the family");
    if (as == Shape::ColV) { // v k^T = (k v^T)^T
      auto r = matmul(loc, transpose(b), transpose(a));
      if (!r)
        return std::nullopt;
      return transpose(*r);
    }
    Value r;
    r.shape = bs == Shape::RowK ? Shape::MatKK : Shape::MatKV;
    if (bs == Shape::RowK) {
      if (b.dependsOnState())
        return mismatch();
      r.outer.push_back({a.e, b.e});
      return r;
    }
    r.epoch = b.epoch;
    for (ExprId u : b.reads)
      r.rank1.push_back({a.e, u});
    if (b.e >= 0)
      r.outer.push_back({a.e, b.e});
    return r;
  }
  // row @ column: an inner product
  if (isRow(as) && (bs == Shape::ColK || bs == Shape::ColV) &&
      extentOf(as) == extentOf(bs)) {
    if (a.dependsOnState() || b.dependsOnState())
      return error(loc, "an inner product with a state read is a scalar "
                        "function of S: outside the family");
    return sfree(Shape::Scalar, pool.dot(a.e, b.e, loc));
  }
  // u^T S, S^T u
  if (as == Shape::RowK && bs == Shape::MatKV) {
    if (a.dependsOnState())
      return mismatch();
    return rowTimes(loc, a.e, b);
  }
  if (as == Shape::MatVK && bs == Shape::ColK) {
    if (b.dependsOnState())
      return mismatch();
    auto r = rowTimes(loc, b.e, transpose(a));
    if (!r)
      return std::nullopt;
    return transpose(*r);
  }
  // (D + sum x y^T) @ F
  if (as == Shape::MatKK && bs == Shape::MatKV) {
    Value r;
    r.shape = Shape::MatKV;
    r.epoch = b.epoch;
    if (a.hasDiag) {
      ExprId d = product(a.diag, loc);
      r = b;
      if (d >= 0) {
        auto scaled = scaleBy(loc, b, d);
        if (!scaled)
          return std::nullopt;
        r = *scaled;
      }
    }
    for (auto &[x, y] : a.outer) {
      auto row = rowTimes(loc, y, b);
      if (!row)
        return std::nullopt;
      Value col = sfree(Shape::ColK, x);
      auto term = matmul(loc, col, *row);
      if (!term)
        return std::nullopt;
      auto sum = add(loc, r, *term, false);
      if (!sum)
        return std::nullopt;
      r = *sum;
    }
    return r;
  }
  if (as == Shape::MatKK && bs == Shape::ColK) {
    if (b.dependsOnState())
      return mismatch();
    ExprId r = -1;
    if (a.hasDiag)
      r = mulOpt(product(a.diag, loc), b.e, loc);
    for (auto &[x, y] : a.outer)
      r = addOpt(r, pool.binary(Op::Mul, pool.dot(y, b.e, loc), x, loc), loc);
    if (r < 0)
      r = pool.binary(Op::Mul, pool.constant(0, loc), b.e, loc);
    return sfree(Shape::ColK, r);
  }
  if (as == Shape::RowK && bs == Shape::MatKK) {
    auto r = matmul(loc, transpose(b), transpose(a));
    if (!r)
      return std::nullopt;
    return transpose(*r);
  }
  if (as == Shape::MatKV && (bs == Shape::ColV || bs == Shape::MatVK))
    return error(loc, "S @ (...) reads the state along V: outside the family "
                      "(the read is S^T @ q, the erase u^T @ S)");
  if (as == Shape::MatKK && bs == Shape::MatKK)
    return error(loc, "products of two K x K matrices are not supported; "
                      "apply them to S one at a time");
  return mismatch();
}

// --- normal form ------------------------------------------------------------

Factors Sema::flatten(ExprId id) {
  Factors f;
  std::vector<ExprId> work{id};
  while (!work.empty()) {
    ExprId n = work.back();
    work.pop_back();
    const ExprNode &node = pool[n];
    if (node.op == Op::Mul && f.scalars.size() + f.vectors.size() < 64) {
      work.push_back(node.a);
      work.push_back(node.b);
    } else if (node.op == Op::Neg) {
      f.coef = -f.coef;
      work.push_back(node.a);
    } else if (node.op == Op::Const) {
      f.coef *= node.value;
    } else if (node.type == Extent::Scalar) {
      f.scalars.push_back(n);
    } else {
      f.vectors.push_back(n);
    }
  }
  std::sort(f.scalars.begin(), f.scalars.end());
  std::sort(f.vectors.begin(), f.vectors.end());
  return f;
}

ExprId Sema::build(const Factors &f, bool withVectors, Loc loc) {
  ExprId r = product(f.scalars, loc);
  if (withVectors)
    r = mulOpt(r, product(f.vectors, loc), loc);
  if (f.coef != 1 || r < 0)
    r = mulOpt(pool.constant(f.coef, loc), r, loc);
  return r;
}

static bool removeAll(std::vector<ExprId> &from, const std::vector<ExprId> &what) {
  if (!std::includes(from.begin(), from.end(), what.begin(), what.end()))
    return false;
  std::vector<ExprId> rest;
  std::set_difference(from.begin(), from.end(), what.begin(), what.end(),
                      std::back_inserter(rest));
  from = rest;
  return true;
}

bool Sema::normalForm(const Value &st, const Value &out, Loc stateLoc,
                      Loc outLoc) {
  if (!st.hasDiag) {
    diags.error(stateLoc, "the update drops the previous state: S_t must keep "
                          "a term in S (e.g. 'decay(S, g) + ...')");
    return false;
  }
  // Decay: Diag(prod of factors) = Diag(exp g).
  Factors diagAll;
  ExprId g = -1;
  for (ExprId d : st.diag) {
    Factors f = flatten(d);
    diagAll.coef *= f.coef;
    for (ExprId s : f.scalars)
      diagAll.scalars.push_back(s);
    for (ExprId v : f.vectors)
      diagAll.vectors.push_back(v);
  }
  std::sort(diagAll.scalars.begin(), diagAll.scalars.end());
  std::sort(diagAll.vectors.begin(), diagAll.vectors.end());
  if (!(diagAll.coef > 0)) {
    diags.error(stateLoc, "the state's diagonal factor is not positive: "
                          "not a decay");
    return false;
  }
  if (diagAll.coef != 1)
    g = pool.constant(std::log(diagAll.coef), stateLoc);
  for (const auto *list : {&diagAll.scalars, &diagAll.vectors})
    for (ExprId f : *list) {
      const ExprNode &node = pool[f];
      if (node.op == Op::Exp) {
        g = addOpt(g, node.a, stateLoc);
      } else if (node.range.lo > 0) {
        g = addOpt(g, pool.unary(Op::Log, f, stateLoc), stateLoc);
      } else {
        diags.error(stateLoc, "cannot prove the decay factor '" +
                                  pool.render(f, program.decls) +
                                  "' is positive; write decay(S, g) with a "
                                  "log-decay g");
        return false;
      }
    }
  if (g >= 0) {
    const ExprNode &gn = pool[g];
    if (!(gn.range.hi <= 0)) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "[%g, %g]", gn.range.lo, gn.range.hi);
      diags.error(stateLoc,
                  "cannot prove the log-decay g <= 0 (g = " +
                      pool.render(g, program.decls) + ", range " + buf +
                      "); declare the gate input ': logdecay' or derive g "
                      "from a formula that is <= 0");
      return false;
    }
    rec.g = g;
    rec.decay = gn.type == Extent::K ? DecayKind::Channel
                : gn.usesInput      ? DecayKind::Scalar
                                    : DecayKind::Constant;
    if (std::isfinite(gn.range.lo))
      rec.gLowerBound = gn.range.lo;
  }

  // Write: group k y^T by the vector part of k.
  if (st.outer.empty()) {
    diags.error(stateLoc, "the update never writes to the state (no 'k @ v^T' "
                          "term)");
    return false;
  }
  Factors key = flatten(st.outer[0].first);
  ExprId y = -1;
  for (auto &[k, v] : st.outer) {
    Factors f = flatten(k);
    if (f.vectors != key.vectors) {
      diags.error(stateLoc, "the update writes along two different keys ('" +
                                pool.render(st.outer[0].first, program.decls) +
                                "' and '" + pool.render(k, program.decls) +
                                "'): a rank-2 write is outside the family");
      return false;
    }
    y = addOpt(y, mulOpt(build(f, false, stateLoc), v, stateLoc), stateLoc);
  }
  Factors keyCore = key;
  keyCore.coef = 1;
  keyCore.scalars.clear();
  rec.key = build(keyCore, true, stateLoc);
  rec.value = y;

  // Erase: one rank-one term x (u^T S), merging terms that share x or u.
  if (!st.rank1.empty()) {
    ExprId x = st.rank1[0].first, u = st.rank1[0].second;
    if (st.rank1.size() > 1) {
      bool sameU = true, sameX = true;
      for (auto &[xi, ui] : st.rank1) {
        sameU &= flatten(ui).vectors == flatten(u).vectors;
        sameX &= flatten(xi).vectors == flatten(x).vectors;
      }
      if (!sameU && !sameX) {
        diags.error(stateLoc, "the update erases along two different "
                              "directions: a rank-2 transition is outside "
                              "the family");
        return false;
      }
      ExprId sum = -1;
      for (auto &[xi, ui] : st.rank1) {
        Factors fx = flatten(xi), fu = flatten(ui);
        if (sameU) { // sum_i x_i (c_i u)^T = (sum_i c_i x_i) u^T
          sum = addOpt(sum, mulOpt(build(fu, false, stateLoc), xi, stateLoc),
                       stateLoc);
        } else {
          sum = addOpt(sum, mulOpt(build(fx, false, stateLoc), ui, stateLoc),
                       stateLoc);
        }
      }
      if (sameU) {
        Factors fu = flatten(u);
        fu.coef = 1;
        fu.scalars.clear();
        x = sum;
        u = build(fu, true, stateLoc);
      } else {
        Factors fx = flatten(x);
        fx.coef = 1;
        fx.scalars.clear();
        u = sum;
        x = build(fx, true, stateLoc);
      }
    }
    // Delta rule: x (u^T S) = -e k ((alpha * k)^T S). Scalar factors commute
    // (a scalar decay may sit on either side); vector ones must sit in u.
    Factors fx = flatten(x), fu = flatten(u);
    Factors sigma;
    sigma.coef = fx.coef * fu.coef;
    sigma.scalars = fx.scalars;
    sigma.scalars.insert(sigma.scalars.end(), fu.scalars.begin(), fu.scalars.end());
    std::sort(sigma.scalars.begin(), sigma.scalars.end());
    std::vector<ExprId> uVec = fu.vectors;
    bool delta = removeAll(sigma.scalars, diagAll.scalars) &&
                 removeAll(uVec, diagAll.vectors) && uVec == key.vectors &&
                 fx.vectors == key.vectors && diagAll.coef == 1;
    if (delta) {
      rec.erase = EraseKind::Delta;
      sigma.coef = -sigma.coef;
      rec.eraseA = build(sigma, false, stateLoc);
    } else {
      rec.erase = EraseKind::General;
      rec.eraseA = x;
      rec.eraseB = u;
    }
  }

  // Read: o = S_t^T r.
  if (out.shape != Shape::ColV) {
    diags.error(outLoc, std::string("the output must be a V-vector "
                                    "(e.g. scale * S^T @ q), got ") +
                            shapeName(out.shape));
    return false;
  }
  if (out.reads.empty()) {
    diags.error(outLoc, "the output does not read the state (expected "
                        "S^T @ q)");
    return false;
  }
  if (out.e >= 0) {
    diags.error(outLoc, "the output has a term that does not read the state "
                        "(e.g. a skip connection); add it outside the kernel");
    return false;
  }
  // Sum_i S^T u_i = S^T (sum_i u_i); a single product is put in canonical
  // form so that constant factors fold (scale * (2 * q) / 2 is scale * q).
  ExprId r = -1;
  for (ExprId q : out.reads)
    r = addOpt(r, q, outLoc);
  rec.query = out.reads.size() == 1 ? build(flatten(r), true, outLoc) : r;
  return true;
}

std::optional<Recurrence> Sema::run() {
  rec.name = program.name;
  rec.loc = program.loc;
  rec.decls = program.decls;
  bool ok = true;
  std::set<std::string> declared;
  for (size_t i = 0; i < program.decls.size(); ++i) {
    const Decl &d = program.decls[i];
    static const std::set<std::string> reserved = {"S", "o", "scale", "I",
                                                   "K", "V"};
    if (reserved.count(d.name)) {
      diags.error(d.loc, "'" + d.name + "' is reserved and cannot be declared");
      ok = false;
    } else if (!declared.insert(d.name).second) {
      diags.error(d.loc, "'" + d.name + "' is declared twice");
      ok = false;
    }
    Interval range = d.domain == Domain::LogDecay ? Interval{-kInf, 0}
                     : d.domain == Domain::Unit   ? Interval{0, 1}
                                                  : Interval{-kInf, kInf};
    ExprId id = pool.leaf(d.isParam ? Op::Param : Op::Input, d.extent,
                          static_cast<int>(i), range, d.loc);
    rec.declExprs.push_back(id);
    Shape shape = d.extent == Extent::K   ? Shape::ColK
                  : d.extent == Extent::V ? Shape::ColV
                                          : Shape::Scalar;
    env[d.name] = sfree(shape, id);
  }
  if (!ok)
    return std::nullopt;

  state.shape = Shape::MatKV;
  state.epoch = 0;
  state.hasDiag = true;
  current = state;
  current.epoch = 1;

  bool updated = false, haveOut = false;
  Loc stateLoc = program.loc, outLoc = program.loc;
  Value out;
  for (const Stmt &stmt : program.stmts) {
    const std::string &t = stmt.target;
    if (t == "scale" || t == "I" || t == "K" || t == "V") {
      diags.error(stmt.loc, "cannot assign to the built-in '" + t + "'");
      ok = false;
      continue;
    }
    if (t == "S" && haveOut) {
      diags.error(stmt.loc, "S is updated after the output 'o' is read; the "
                            "read must follow the whole update");
      ok = false;
      continue;
    }
    if (t == "o" && haveOut) {
      diags.error(stmt.loc, "the output 'o' is assigned twice");
      ok = false;
      continue;
    }
    epoch = t == "o" ? 1 : 0;
    auto v = eval(*stmt.value);
    if (!v) {
      ok = false;
      continue;
    }
    for (ExprId id : {v->e}) // bound the size of the expression DAG
      if (id >= 0 && pool[id].depth > kMaxExprDepth) {
        diags.error(stmt.loc, "expression too deep (more than " +
                                  std::to_string(kMaxExprDepth) +
                                  " nested operations)");
        return std::nullopt;
      }
    if (pool.size() > 100000) {
      diags.error(stmt.loc, "program too large");
      return std::nullopt;
    }
    if (t == "S") {
      if (v->shape != Shape::MatKV) {
        diags.error(stmt.loc, std::string("S must be a K x V matrix, got ") +
                                  shapeName(v->shape));
        ok = false;
        continue;
      }
      state = *v;
      state.epoch = 0;
      updated = true;
      stateLoc = stmt.loc;
    } else if (t == "o") {
      out = *v;
      haveOut = true;
      outLoc = stmt.loc;
    } else {
      env[t] = *v;
    }
  }
  if (!ok)
    return std::nullopt;
  if (!updated) {
    diags.error(program.loc, "variant '" + program.name +
                                 "' never updates the state (add 'S = ...')");
    return std::nullopt;
  }
  if (!haveOut) {
    diags.error(program.loc, "variant '" + program.name +
                                 "' has no output (add 'o = scale * S^T @ q')");
    return std::nullopt;
  }
  if (!normalForm(state, out, stateLoc, outLoc))
    return std::nullopt;

  auto describe = [&](const char *slot, ExprId id) {
    if (id < 0)
      return;
    Op op = pool[id].op;
    if (op == Op::Input || op == Op::Param)
      return;
    rec.prep.push_back(std::string(slot) + " = " + pool.render(id, rec.decls));
  };
  describe("g", rec.g);
  describe(rec.erase == EraseKind::Delta ? "erase" : "a", rec.eraseA);
  describe("b", rec.eraseB);
  describe("k", rec.key);
  describe("y", rec.value);
  describe("r", rec.query);
  return std::move(rec);
}

} // namespace

std::optional<Recurrence> analyze(const Program &program, Diagnostics &diags) {
  return Sema(program, diags).run();
}

std::optional<Recurrence> compileSource(std::string_view source,
                                        Diagnostics &diags) {
  auto program = parse(source, diags);
  if (!program)
    return std::nullopt;
  return analyze(*program, diags);
}

const char *decayKindName(DecayKind kind) {
  switch (kind) {
  case DecayKind::None: return "none";
  case DecayKind::Constant: return "constant";
  case DecayKind::Scalar: return "scalar";
  case DecayKind::Channel: return "channel";
  }
  return "?";
}

const char *eraseKindName(EraseKind kind) {
  switch (kind) {
  case EraseKind::None: return "none";
  case EraseKind::Delta: return "delta";
  case EraseKind::General: return "general";
  }
  return "?";
}

} // namespace linac::frontend
