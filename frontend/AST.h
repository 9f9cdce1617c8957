//===- AST.h - syntax tree of a .lin file ----------------------------------===//
#ifndef LINAC_FRONTEND_AST_H
#define LINAC_FRONTEND_AST_H

#include "frontend/Diagnostics.h"

#include <memory>
#include <string>
#include <vector>

namespace linac::frontend {

/// Per-token extent of a declared input or parameter.
enum class Extent { Scalar, K, V };
/// Declared range of an input or parameter.
enum class Domain { Real, LogDecay, Unit };
/// Which heads index an input: query/key heads (H) or value heads (HV).
enum class HeadGroup { H, HV };

struct AstExpr {
  enum Kind { Number, Name, Call, Neg, Binary, Transpose } kind;
  Loc loc;
  double number = 0;
  std::string name; // Name, Call
  char op = 0;      // Binary: + - * / @
  int height = 1;   // of the tree below, bounded by the parser
  std::vector<std::unique_ptr<AstExpr>> args;
};

struct Decl {
  std::string name;
  Loc loc;
  Extent extent = Extent::Scalar;
  Domain domain = Domain::Real;
  HeadGroup heads = HeadGroup::HV;
  bool isParam = false;
};

struct Stmt {
  std::string target;
  Loc loc;
  std::unique_ptr<AstExpr> value;
};

struct Program {
  std::string name;
  Loc loc;
  std::vector<Decl> decls;
  std::vector<Stmt> stmts;
};

} // namespace linac::frontend

#endif
