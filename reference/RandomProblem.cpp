//===- RandomProblem.cpp --------------------------------------------------===//
#include "reference/RandomProblem.h"
#include "frontend/Expr.h"

#include <cmath>

namespace linac {

namespace {
/// splitmix64: tiny, seedable, the same stream on every platform.
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return ((next() >> 11) + 0.5) * 0x1.0p-53; } // (0, 1)
  double normal() { // Box-Muller
    double u = uniform(), v = uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
  }
};
} // namespace

std::vector<int64_t> specShape(const TensorSpec &spec, const Dims &d) {
  std::vector<int64_t> shape;
  if (spec.isParam)
    shape = {d.HV};
  else
    shape = {d.B, d.T, spec.perH ? d.H : d.HV};
  if (spec.width)
    shape.push_back(spec.width == 1 ? d.K : d.V);
  return shape;
}

Problem makeRandomProblem(const std::vector<TensorSpec> &specs,
                          const Dims &dims, std::vector<int64_t> cuSeqlens,
                          bool initialState, uint64_t seed,
                          std::optional<double> scale, Gates gates) {
  using frontend::Op;
  Problem p;
  p.dims = dims;
  p.cuSeqlens = std::move(cuSeqlens);
  p.scale = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(dims.K));
  Rng rng{seed};
  auto sample = [&](TensorSpec::Domain domain, bool isParam) {
    double x = rng.normal();
    switch (domain) {
    case TensorSpec::Domain::LogDecay:
      if (gates == Gates::Strong)
        return -1.0 - 19.0 * rng.uniform();
      if (gates == Gates::Weak)
        return -1e-3 * rng.uniform();
      return frontend::applyUnary(Op::LogSigmoid, x);
    case TensorSpec::Domain::Unit: return frontend::applyUnary(Op::Sigmoid, x);
    case TensorSpec::Domain::Real:
      if (!isParam)
        return x;
      return 0.5 * x + (gates == Gates::Strong ? 2.0
                        : gates == Gates::Weak ? -6.0
                                               : 0.0);
    }
    return x;
  };
  for (const TensorSpec &s : specs) {
    Tensor t{s.name, specShape(s, dims), {}};
    size_t count = 1;
    for (int64_t n : t.shape)
      count *= static_cast<size_t>(n);
    t.data.resize(count);
    for (double &x : t.data)
      x = sample(s.domain, s.isParam);
    (s.isParam ? p.params : p.inputs).push_back(std::move(t));
  }
  if (initialState) {
    int64_t N = p.numSequences();
    Tensor h0{"h0", {N, dims.HV, dims.K, dims.V}, {}};
    h0.data.resize(static_cast<size_t>(N * dims.HV * dims.K * dims.V));
    for (double &x : h0.data)
      x = rng.normal();
    p.h0 = std::move(h0);
  }
  return p;
}

} // namespace linac
