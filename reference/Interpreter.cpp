//===- Interpreter.cpp ----------------------------------------------------===//
#include "reference/Interpreter.h"
#include "dialect/lin/IR/Classification.h"
#include "frontend/Expr.h"
#include "reference/RecurrenceStep.h"
#include "reference/TokenProgram.h"


#include <cmath>

using namespace mlir;
using namespace mlir::lin;
using ExprOp = linac::frontend::Op;

namespace linac {

std::vector<int64_t> expectedShape(Operation *decl, const Dims &dims) {
  Type type = decl->getResult(0).getType();
  std::vector<int64_t> shape;
  if (auto input = dyn_cast<InputOp>(decl))
    shape = {dims.B, dims.T,
             input.getHeads() == HeadGroup::H ? dims.H : dims.HV};
  else
    shape = {dims.HV};
  if (auto vec = dyn_cast<VecType>(type))
    shape.push_back(vec.getExtent() == Extent::K ? dims.K : dims.V);
  return shape;
}

static std::string shapeText(const std::vector<int64_t> &s) {
  std::string t = "[";
  for (size_t i = 0; i < s.size(); ++i)
    t += (i ? ", " : "") + std::to_string(s[i]);
  return t + "]";
}

std::string runReference(VariantOp variant, const Problem &p, Result &result) {
  const Dims &d = p.dims;
  Classification cls = classify(variant);
  if (p.inputs.size() != cls.inputs.size() || p.params.size() != cls.params.size())
    return "expected " + std::to_string(cls.inputs.size()) + " inputs and " +
           std::to_string(cls.params.size()) + " params, got " +
           std::to_string(p.inputs.size()) + " and " +
           std::to_string(p.params.size());
  auto check = [&](const Tensor &t, std::vector<int64_t> shape,
                   StringRef name) -> std::string {
    if (t.name != name)
      return "tensor '" + t.name + "' given where '" + name.str() +
             "' is expected";
    size_t count = 1;
    for (int64_t s : shape)
      count *= static_cast<size_t>(s);
    if (t.shape != shape || t.data.size() != count)
      return "tensor '" + t.name + "': expected shape " + shapeText(shape) +
             ", got " + shapeText(t.shape);
    return "";
  };
  for (size_t i = 0; i < cls.inputs.size(); ++i)
    if (auto err = check(p.inputs[i], expectedShape(cls.inputs[i], d),
                         cls.inputs[i].getName());
        !err.empty())
      return err;
  for (size_t i = 0; i < cls.params.size(); ++i)
    if (auto err = check(p.params[i], expectedShape(cls.params[i], d),
                         cls.params[i].getName());
        !err.empty())
      return err;
  int64_t N = p.numSequences();
  if (!p.cuSeqlens.empty()) {
    if (d.B != 1)
      return "cu_seqlens needs B = 1, got B = " + std::to_string(d.B);
    if (p.cuSeqlens.front() != 0 || p.cuSeqlens.back() != d.T)
      return "cu_seqlens must start at 0 and end at T = " + std::to_string(d.T);
    for (size_t i = 1; i < p.cuSeqlens.size(); ++i)
      if (p.cuSeqlens[i] < p.cuSeqlens[i - 1])
        return "cu_seqlens must be non-decreasing";
  }
  if (p.h0)
    if (auto err = check(*p.h0, {N, d.HV, d.K, d.V}, "h0"); !err.empty())
      return err;

  TokenProgram program(variant.getBody().front(), d);
  RecurOp recur = variant.getRecur();
  const bool delta = recur.getErase() && !recur.getAlong();

  const int64_t K = d.K, V = d.V, G = d.HV / d.H;
  result = zeroResult(p);
  std::vector<double> S(static_cast<size_t>(K * V)), w(static_cast<size_t>(V));

  for (int64_t n = 0; n < N; ++n) {
    auto [b, t0, t1] = p.sequence(n);
    for (int64_t hv = 0; hv < d.HV; ++hv) {
      size_t stateOff = static_cast<size_t>((n * d.HV + hv) * K * V);
      for (size_t i = 0; i < S.size(); ++i)
        S[i] = p.h0 ? p.h0->data[stateOff + i] : 0.0;
      for (int64_t t = t0; t < t1; ++t) {
        program.run(p, b, t, hv);
        auto get = [&](mlir::Value v) {
          return v ? &program[v] : nullptr;
        };
        if (const std::vector<double> *g = get(recur.getDecay()))
          for (double x : *g) {
            result.gMin = std::min(result.gMin, x);
            result.gMax = std::max(result.gMax, x);
          }
        recurrenceStep(K, V, get(recur.getDecay()),
                       delta ? get(recur.getErase()) : nullptr,
                       delta ? nullptr : get(recur.getErase()),
                       get(recur.getAlong()), program[recur.getKey()],
                       program[recur.getValue()], program[recur.getQuery()], S,
                       w, result.o.data.data() + ((b * d.T + t) * d.HV + hv) * V);
      }
      std::copy(S.begin(), S.end(), result.ht.data.begin() + stateOff);
    }
  }
  return "";
}

std::vector<TensorSpec> tensorSpecs(VariantOp variant) {
  std::vector<TensorSpec> specs;
  auto width = [](Type t) {
    auto vec = dyn_cast<VecType>(t);
    return !vec ? 0 : vec.getExtent() == Extent::K ? 1 : 2;
  };
  auto domain = [](Domain d) {
    return d == Domain::logdecay ? TensorSpec::Domain::LogDecay
           : d == Domain::unit   ? TensorSpec::Domain::Unit
                                 : TensorSpec::Domain::Real;
  };
  Classification cls = classify(variant);
  for (InputOp in : cls.inputs)
    specs.push_back({in.getName().str(), false, in.getHeads() == HeadGroup::H,
                     width(in.getType()), domain(in.getDomain())});
  for (ParamOp pa : cls.params)
    specs.push_back({pa.getName().str(), true, false, width(pa.getType()),
                     domain(pa.getDomain())});
  return specs;
}

Problem makeRandomProblem(VariantOp variant, const Dims &dims,
                          std::vector<int64_t> cuSeqlens, bool initialState,
                          uint64_t seed, std::optional<double> scale,
                          Gates gates) {
  return makeRandomProblem(tensorSpecs(variant), dims, std::move(cuSeqlens),
                           initialState, seed, scale, gates);
}

} // namespace linac
