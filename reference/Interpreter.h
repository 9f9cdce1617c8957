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

namespace linac {

/// Checks that `problem` matches the variant's declarations (names, shapes)
/// and runs it. Returns an error message naming the bad tensor, or "".
std::string runReference(mlir::lin::VariantOp variant, const Problem &problem,
                         Result &result);

/// Expected shape of a declared input or parameter.
std::vector<int64_t> expectedShape(mlir::Operation *decl, const Dims &dims);

/// How strong the sampled gates are.
///  - realistic: log-decay inputs and params logsigmoid(N(0,1)); real
///    params N(0, 0.5^2) (Mamba-style gates around -0.7 per token);
///  - strong: log-decays uniform in [-20, -1]; real params N(2, 0.5^2), so
///    -exp(A_log) * softplus(a + dt_bias) is around -15;
///  - weak: log-decays uniform in [-1e-3, 0]; real params N(-6, 0.5^2).
/// Real inputs are N(0,1), unit ones sigmoid(N(0,1)), h0 N(0,1) in all.
enum class Gates { Realistic, Strong, Weak };

/// Seeded random inputs (the same stream on every platform).
Problem makeRandomProblem(mlir::lin::VariantOp variant, const Dims &dims,
                          std::vector<int64_t> cuSeqlens, bool initialState,
                          uint64_t seed, std::optional<double> scale,
                          Gates gates = Gates::Realistic);

} // namespace linac

#endif
