//===- RecurrenceReference.h - the float64 oracle without MLIR --------------===//
//
// The token-by-token recurrence of MATH.md §1, evaluated straight from the
// frontend's normal form (frontend/Sema.h), so that it builds where there is
// no LLVM (a GPU machine) and can check large shapes there. CI checks that
// it agrees with the lin-IR interpreter (reference/Interpreter.h) bit for bit.
//
//===----------------------------------------------------------------------===//
#ifndef LINAC_REFERENCE_RECURRENCEREFERENCE_H
#define LINAC_REFERENCE_RECURRENCEREFERENCE_H

#include "frontend/Sema.h"
#include "reference/RandomProblem.h"

namespace linac {

/// The variant's tensors, in declaration order.
std::vector<TensorSpec> tensorSpecs(const frontend::Recurrence &rec);

/// Runs the recurrence on `problem` with `threads` threads (over sequences
/// and heads). Returns an error message, empty on success.
std::string runRecurrence(const frontend::Recurrence &rec,
                          const Problem &problem, Result &result,
                          int threads = 1);

} // namespace linac

#endif
