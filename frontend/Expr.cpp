//===- Expr.cpp -----------------------------------------------------------===//
#include "frontend/Expr.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace linac::frontend {

static constexpr double kInf = std::numeric_limits<double>::infinity();

const char *opName(Op op) {
  switch (op) {
  case Op::Input: return "input";
  case Op::Param: return "param";
  case Op::Const: return "constant";
  case Op::Scale: return "scale";
  case Op::Neg: return "neg";
  case Op::Exp: return "exp";
  case Op::Log: return "log";
  case Op::Sqrt: return "sqrt";
  case Op::Sigmoid: return "sigmoid";
  case Op::LogSigmoid: return "logsigmoid";
  case Op::Softplus: return "softplus";
  case Op::Silu: return "silu";
  case Op::L2Norm: return "l2norm";
  case Op::Add: return "add";
  case Op::Sub: return "sub";
  case Op::Mul: return "mul";
  case Op::Div: return "div";
  case Op::Max: return "max";
  case Op::Min: return "min";
  case Op::Dot: return "dot";
  case Op::InvNorm: return "inv_norm";
  }
  return "?";
}

bool isUnary(Op op) { return op >= Op::Neg && op <= Op::L2Norm; }
bool isBinary(Op op) { return op >= Op::Add && op <= Op::Dot; }

double applyUnary(Op op, double x) {
  switch (op) {
  case Op::Neg: return -x;
  case Op::Exp: return std::exp(x);
  case Op::Log: return std::log(x);
  case Op::Sqrt: return std::sqrt(x);
  case Op::Sigmoid: return 1.0 / (1.0 + std::exp(-x));
  // Stable forms: neither overflows for large |x|.
  case Op::LogSigmoid: return std::min(x, 0.0) - std::log1p(std::exp(-std::fabs(x)));
  case Op::Softplus: return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x)));
  case Op::Silu: return x / (1.0 + std::exp(-x));
  default: return x;
  }
}

double applyBinary(Op op, double x, double y) {
  switch (op) {
  case Op::Add: return x + y;
  case Op::Sub: return x - y;
  case Op::Mul: return x * y;
  case Op::Div: return x / y;
  case Op::Max: return std::max(x, y);
  case Op::Min: return std::min(x, y);
  default: return x;
  }
}

/// Product of interval ends where 0 * inf is 0: values are finite.
static double mulEnd(double x, double y) {
  if (x == 0 || y == 0)
    return 0;
  return x * y;
}

static Interval mulRange(Interval a, Interval b) {
  double c[] = {mulEnd(a.lo, b.lo), mulEnd(a.lo, b.hi), mulEnd(a.hi, b.lo),
                mulEnd(a.hi, b.hi)};
  return {*std::min_element(c, c + 4), *std::max_element(c, c + 4)};
}

static Interval unaryRange(Op op, Interval r) {
  switch (op) {
  case Op::Neg: return {-r.hi, -r.lo};
  case Op::Exp: return {std::exp(r.lo), std::exp(r.hi)};
  case Op::Log:
    return {r.lo > 0 ? std::log(r.lo) : -kInf, r.hi > 0 ? std::log(r.hi) : kInf};
  case Op::Sqrt: return {std::sqrt(std::max(r.lo, 0.0)), std::sqrt(std::max(r.hi, 0.0))};
  case Op::Sigmoid:
  case Op::LogSigmoid:
  case Op::Softplus:
    return {applyUnary(op, r.lo), applyUnary(op, r.hi)};
  case Op::Silu: return {-0.2785, r.hi > 0 ? applyUnary(op, r.hi) : 0.0};
  case Op::L2Norm: return {-1, 1};
  default: return {-kInf, kInf};
  }
}

static Interval binaryRange(Op op, Interval a, Interval b) {
  switch (op) {
  case Op::Add: return {a.lo + b.lo, a.hi + b.hi};
  case Op::Sub: return {a.lo - b.hi, a.hi - b.lo};
  case Op::Mul: return mulRange(a, b);
  case Op::Div:
    if (b.lo > 0 || b.hi < 0)
      return mulRange(a, {1.0 / b.hi, 1.0 / b.lo});
    return {-kInf, kInf};
  case Op::Max: return {std::max(a.lo, b.lo), std::max(a.hi, b.hi)};
  case Op::Min: return {std::min(a.lo, b.lo), std::min(a.hi, b.hi)};
  default: return {-kInf, kInf};
  }
}

ExprId ExprPool::intern(ExprNode node) {
  auto key = std::make_tuple(static_cast<int>(node.op),
                             static_cast<int>(node.type), node.a, node.b,
                             node.value, node.decl);
  auto it = memo.find(key);
  if (it != memo.end())
    return it->second;
  int depth = 0;
  if (node.a >= 0)
    depth = nodes[node.a].depth;
  if (node.b >= 0)
    depth = std::max(depth, nodes[node.b].depth);
  node.depth = depth + 1;
  // NaN ends (inf - inf cannot happen, but stay safe) mean "anything".
  if (std::isnan(node.range.lo))
    node.range.lo = -kInf;
  if (std::isnan(node.range.hi))
    node.range.hi = kInf;
  nodes.push_back(node);
  memo.emplace(key, static_cast<ExprId>(nodes.size() - 1));
  return static_cast<ExprId>(nodes.size() - 1);
}

ExprId ExprPool::leaf(Op op, Extent type, int decl, Interval range, Loc loc) {
  ExprNode n{op, type};
  n.decl = decl;
  n.range = range;
  n.usesInput = op == Op::Input;
  n.loc = loc;
  return intern(n);
}

ExprId ExprPool::constant(double value, Loc loc) {
  ExprNode n{Op::Const, Extent::Scalar};
  n.value = value == 0 ? 0.0 : value; // one node for +0 and -0
  n.range = {n.value, n.value};
  n.loc = loc;
  return intern(n);
}

ExprId ExprPool::scale(Loc loc) {
  return leaf(Op::Scale, Extent::Scalar, -1, {0, kInf}, loc);
}

ExprId ExprPool::unary(Op op, ExprId a, Loc loc) {
  const ExprNode &x = nodes[a];
  if (op == Op::Neg && x.op == Op::Neg)
    return x.a;
  if (x.op == Op::Const && op != Op::L2Norm)
    return constant(applyUnary(op, x.value), loc);
  ExprNode n{op, x.type, a};
  n.range = unaryRange(op, x.range);
  n.usesInput = x.usesInput;
  n.loc = loc;
  return intern(n);
}

ExprId ExprPool::binary(Op op, ExprId a, ExprId b, Loc loc) {
  const ExprNode &x = nodes[a], &y = nodes[b];
  Extent type = x.type != Extent::Scalar ? x.type : y.type;
  bool xc = x.op == Op::Const, yc = y.op == Op::Const;
  if (xc && yc)
    return constant(applyBinary(op, x.value, y.value), loc);
  // Fold identities only where the result keeps the broadcast type.
  if (op == Op::Mul && xc && x.value == 1 && y.type == type)
    return b;
  if ((op == Op::Mul || op == Op::Div) && yc && y.value == 1 && x.type == type)
    return a;
  if ((op == Op::Add || op == Op::Sub) && yc && y.value == 0 && x.type == type)
    return a;
  if (op == Op::Add && xc && x.value == 0 && y.type == type)
    return b;
  if (op == Op::Mul && xc && x.value == -1 && y.type == type)
    return unary(Op::Neg, b, loc);
  if (op == Op::Mul && yc && y.value == -1 && x.type == type)
    return unary(Op::Neg, a, loc);
  bool commutative = op == Op::Add || op == Op::Mul || op == Op::Max ||
                     op == Op::Min || op == Op::Dot;
  if (commutative && a > b)
    std::swap(a, b);
  ExprNode n{op, type, a, b};
  n.range = binaryRange(op, nodes[a].range, nodes[b].range);
  n.usesInput = nodes[a].usesInput || nodes[b].usesInput;
  n.loc = loc;
  return intern(n);
}

ExprId ExprPool::dot(ExprId a, ExprId b, Loc loc) {
  if (a > b)
    std::swap(a, b);
  ExprNode n{Op::Dot, Extent::Scalar, a, b};
  n.range = {-kInf, kInf};
  n.usesInput = nodes[a].usesInput || nodes[b].usesInput;
  n.loc = loc;
  return intern(n);
}

static int precedence(Op op) {
  switch (op) {
  case Op::Add:
  case Op::Sub: return 1;
  case Op::Mul:
  case Op::Div: return 2;
  case Op::Neg: return 3;
  default: return 4;
  }
}

void ExprPool::renderInto(ExprId id, const std::vector<Decl> &decls,
                          int parentPrec, std::string &out) const {
  if (out.size() > 160) // a DAG can be exponentially large as text
    return;
  const ExprNode &n = nodes[id];
  int prec = precedence(n.op);
  bool paren = prec < parentPrec;
  if (paren)
    out += "(";
  switch (n.op) {
  case Op::Input:
  case Op::Param:
    out += n.decl >= 0 && n.decl < static_cast<int>(decls.size())
               ? decls[n.decl].name
               : "?";
    break;
  case Op::Const: {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", n.value);
    out += buf;
    break;
  }
  case Op::Scale: out += "scale"; break;
  case Op::Neg:
    out += "-";
    renderInto(n.a, decls, 3, out);
    break;
  case Op::Add:
  case Op::Sub:
  case Op::Mul:
  case Op::Div: {
    static const char *sym[] = {" + ", " - ", " * ", " / "};
    renderInto(n.a, decls, prec, out);
    out += sym[static_cast<int>(n.op) - static_cast<int>(Op::Add)];
    renderInto(n.b, decls, prec + 1, out);
    break;
  }
  default:
    out += opName(n.op);
    out += "(";
    renderInto(n.a, decls, 0, out);
    if (n.b >= 0) {
      out += ", ";
      renderInto(n.b, decls, 0, out);
    }
    out += ")";
  }
  if (paren)
    out += ")";
}

std::string ExprPool::render(ExprId id,
                             const std::vector<Decl> &decls) const {
  std::string out;
  renderInto(id, decls, 0, out);
  if (out.size() > 160)
    out = out.substr(0, 157) + "...";
  return out;
}

} // namespace linac::frontend
