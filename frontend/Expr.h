//===- Expr.h - hash-consed per-token expressions --------------------------===//
//
// The S-free part of a recurrence (the pre-processing) as a DAG of
// element-wise operations. Nodes are hash-consed and lightly folded, so that
// two spellings of one quantity become one node: this is what lets the
// classifier compare vectors by identity. Every node carries an interval that
// contains all its values, from which the classifier proves g <= 0.
//
//===----------------------------------------------------------------------===//
#ifndef LINAC_FRONTEND_EXPR_H
#define LINAC_FRONTEND_EXPR_H

#include "frontend/AST.h"

#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace linac::frontend {

using ExprId = int;

enum class Op {
  Input, Param, Const, Scale,
  Neg, Exp, Log, Sqrt, Sigmoid, LogSigmoid, Softplus, Silu, L2Norm,
  Add, Sub, Mul, Div, Max, Min, Dot,
  InvNorm // 1 / ||x||: only made by chunk-factor-norms, not in the DSL
};

const char *opName(Op op);
bool isUnary(Op op);
bool isBinary(Op op);

struct Interval {
  double lo, hi;
};

struct ExprNode {
  Op op;
  Extent type; // Scalar, K or V
  ExprId a = -1, b = -1;
  double value = 0; // Const
  int decl = -1;    // Input, Param: index into the program's declarations
  Interval range;
  bool usesInput = false; // depends on a per-token input
  int depth = 1;
  Loc loc;
};

class ExprPool {
public:
  ExprId leaf(Op op, Extent type, int decl, Interval range, Loc loc);
  ExprId constant(double value, Loc loc);
  ExprId scale(Loc loc);
  ExprId unary(Op op, ExprId a, Loc loc);
  /// Element-wise; a scalar broadcasts. The caller checks the extents.
  ExprId binary(Op op, ExprId a, ExprId b, Loc loc);
  ExprId dot(ExprId a, ExprId b, Loc loc);

  const ExprNode &operator[](ExprId id) const { return nodes[id]; }
  size_t size() const { return nodes.size(); }

  /// DSL-like text of a node (truncated past ~160 characters).
  std::string render(ExprId id, const std::vector<Decl> &decls) const;

private:
  ExprId intern(ExprNode node);
  void renderInto(ExprId id, const std::vector<Decl> &decls, int parentPrec,
                  std::string &out) const;
  std::vector<ExprNode> nodes;
  std::map<std::tuple<int, int, ExprId, ExprId, double, int>, ExprId> memo;
};

/// l2norm(x) = x / sqrt(sum(x^2) + eps), as FLA's fused L2-norm.
constexpr double kL2NormEps = 1e-6;

/// Scalar semantics shared by constant folding and the reference
/// interpreters (one definition, so that they cannot drift apart).
double applyUnary(Op op, double x);
double applyBinary(Op op, double x, double y);

} // namespace linac::frontend

#endif
