//===- Sema.h - check a program and find the normal form of its update -----===//
//
// Evaluates the statements symbolically, with every value either S-free (an
// ExprPool node) or affine in the previous state S_{t-1}, and reduces the
// final update to the normal form of MATH.md §1:
//
//   S_t = Diag(exp g) S_{t-1} + a (b^T S_{t-1}) + k y^T,   o_t = S_t^T r.
//
// The classification (decay none/constant/scalar/channel, erase
// none/delta/general) is read off that normal form, so two spellings of one
// recurrence classify alike.
//
//===----------------------------------------------------------------------===//
#ifndef LINAC_FRONTEND_SEMA_H
#define LINAC_FRONTEND_SEMA_H

#include "frontend/Expr.h"

#include <optional>
#include <string>
#include <vector>

namespace linac::frontend {

enum class DecayKind { None, Constant, Scalar, Channel };
enum class EraseKind { None, Delta, General };

struct Recurrence {
  std::string name;
  Loc loc;
  std::vector<Decl> decls; // inputs and params, in declaration order
  std::vector<ExprId> declExprs; // the leaf node of each declaration
  ExprPool pool;

  DecayKind decay = DecayKind::None;
  EraseKind erase = EraseKind::None;
  ExprId g = -1;      // log-decay (Scalar or K), when decay != None
  ExprId eraseA = -1; // Delta: scalar strength e (a = -e k); General: a (K)
  ExprId eraseB = -1; // General: b (K), reads S_{t-1} before the decay
  ExprId key = -1;    // write key k (K)
  ExprId value = -1;  // write value y (V)
  ExprId query = -1;  // read vector r (K), scale included
  std::optional<double> gLowerBound;
  std::vector<std::string> prep; // fused pre-processing, as text
};

/// Checks `program` and derives its normal form; on failure reports every
/// error it finds (with file positions) and returns nothing.
std::optional<Recurrence> analyze(const Program &program, Diagnostics &diags);

/// parse + analyze.
std::optional<Recurrence> compileSource(std::string_view source,
                                        Diagnostics &diags);

const char *decayKindName(DecayKind kind);
const char *eraseKindName(EraseKind kind);

} // namespace linac::frontend

#endif
