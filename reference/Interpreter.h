//===- Interpreter.h - the float64 token-by-token oracle -------------------===//
//
// Runs a lin.variant on a Problem exactly as MATH.md §1 states it, one token
// at a time in float64: the oracle every kernel is compared against.
//
//===----------------------------------------------------------------------===//
#ifndef LINAC_REFERENCE_INTERPRETER_H
#define LINAC_REFERENCE_INTERPRETER_H

#include "dialect/lin/IR/LinDialect.h"
#include "reference/Problem.h"
#include "reference/RandomProblem.h"

namespace linac {

/// Checks that `problem` matches the variant's declarations (names, shapes)
/// and runs it. Returns an error message naming the bad tensor, or "".
std::string runReference(mlir::lin::VariantOp variant, const Problem &problem,
                         Result &result);

/// Expected shape of a declared input or parameter.
std::vector<int64_t> expectedShape(mlir::Operation *decl, const Dims &dims);

/// The variant's tensors, in declaration order (inputs, then params).
std::vector<TensorSpec> tensorSpecs(mlir::lin::VariantOp variant);

/// Seeded random inputs for the variant's tensors (RandomProblem.h).
Problem makeRandomProblem(mlir::lin::VariantOp variant, const Dims &dims,
                          std::vector<int64_t> cuSeqlens, bool initialState,
                          uint64_t seed, std::optional<double> scale,
                          Gates gates = Gates::Realistic);

} // namespace linac

#endif
