//===- RandomProblem.h - seeded random inputs for a variant's tensors -------===//
//
// No MLIR dependency: the same inputs (bit for bit, for a seed) whether the
// variant's tensors come from lin IR or straight from the frontend, so a
// GPU machine without LLVM can rebuild any problem the driver ran.
//
//===----------------------------------------------------------------------===//
#ifndef LINAC_REFERENCE_RANDOMPROBLEM_H
#define LINAC_REFERENCE_RANDOMPROBLEM_H

#include "reference/Problem.h"

#include <optional>

namespace linac {

/// A tensor a variant declares: an input [B, T, H or HV(, K or V)] or a
/// parameter [HV(, K or V)].
struct TensorSpec {
  enum class Domain { Real, LogDecay, Unit };
  std::string name;
  bool isParam = false;
  bool perH = false;
  int width = 0; // 0 scalar, 1 K, 2 V
  Domain domain = Domain::Real;
};

std::vector<int64_t> specShape(const TensorSpec &spec, const Dims &dims);

/// How strong the sampled gates are.
///  - realistic: log-decay inputs and params logsigmoid(N(0,1)); real
///    params N(0, 0.5^2) (Mamba-style gates around -0.7 per token);
///  - strong: log-decays uniform in [-20, -1]; real params N(2, 0.5^2), so
///    -exp(A_log) * softplus(a + dt_bias) is around -15;
///  - weak: log-decays uniform in [-1e-3, 0]; real params N(-6, 0.5^2).
/// Real inputs are N(0,1), unit ones sigmoid(N(0,1)), h0 N(0,1) in all.
enum class Gates { Realistic, Strong, Weak };

/// Seeded random inputs (splitmix64: the same stream on every platform),
/// sampled in the order of `specs`, then h0.
Problem makeRandomProblem(const std::vector<TensorSpec> &specs,
                          const Dims &dims, std::vector<int64_t> cuSeqlens,
                          bool initialState, uint64_t seed,
                          std::optional<double> scale,
                          Gates gates = Gates::Realistic);

} // namespace linac

#endif
