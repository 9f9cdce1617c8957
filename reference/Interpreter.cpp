//===- Interpreter.cpp ----------------------------------------------------===//
#include "reference/Interpreter.h"
#include "dialect/lin/IR/Classification.h"
#include "frontend/Expr.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::lin;
using ExprOp = linac::frontend::Op;

namespace linac {

namespace {

/// One op of the variant body as a step of a small register program.
struct Step {
  ExprOp op;
  int out, a = -1, b = -1;
  int width;           // 1, K or V
  int decl = -1;       // Input/Param: index into inputs/params
  bool perH = false;   // Input indexed by query/key head
  double value = 0;    // Const
};

int widthOf(Type type, const Dims &dims) {
  if (auto vec = dyn_cast<VecType>(type))
    return static_cast<int>(vec.getExtent() == Extent::K ? dims.K : dims.V);
  return 1;
}

} // namespace

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

  // Compile the body into steps over value slots.
  llvm::DenseMap<mlir::Value, int> slot;
  std::vector<Step> steps;
  std::vector<int> widths;
  int inputIndex = 0, paramIndex = 0;
  for (Operation &op : variant.getBody().front()) {
    if (isa<RecurOp>(op))
      break;
    Step s;
    s.width = widthOf(op.getResult(0).getType(), d);
    s.out = static_cast<int>(widths.size());
    widths.push_back(s.width);
    auto operand = [&](unsigned i) {
      return i < op.getNumOperands() ? slot.lookup(op.getOperand(i)) : -1;
    };
    s.a = operand(0);
    s.b = operand(1);
    s.op = llvm::TypeSwitch<Operation *, ExprOp>(&op)
               .Case<InputOp>([&](InputOp in) {
                 s.decl = inputIndex++;
                 s.perH = in.getHeads() == HeadGroup::H;
                 return ExprOp::Input;
               })
               .Case<ParamOp>([&](ParamOp) {
                 s.decl = paramIndex++;
                 return ExprOp::Param;
               })
               .Case<ConstantOp>([&](ConstantOp c) {
                 s.value = c.getValue().convertToDouble();
                 return ExprOp::Const;
               })
               .Case<ScaleOp>([](auto) { return ExprOp::Scale; })
               .Case<NegOp>([](auto) { return ExprOp::Neg; })
               .Case<ExpOp>([](auto) { return ExprOp::Exp; })
               .Case<LogOp>([](auto) { return ExprOp::Log; })
               .Case<SqrtOp>([](auto) { return ExprOp::Sqrt; })
               .Case<SigmoidOp>([](auto) { return ExprOp::Sigmoid; })
               .Case<LogSigmoidOp>([](auto) { return ExprOp::LogSigmoid; })
               .Case<SoftplusOp>([](auto) { return ExprOp::Softplus; })
               .Case<SiluOp>([](auto) { return ExprOp::Silu; })
               .Case<L2NormOp>([](auto) { return ExprOp::L2Norm; })
               .Case<AddOp>([](auto) { return ExprOp::Add; })
               .Case<SubOp>([](auto) { return ExprOp::Sub; })
               .Case<MulOp>([](auto) { return ExprOp::Mul; })
               .Case<DivOp>([](auto) { return ExprOp::Div; })
               .Case<MaxOp>([](auto) { return ExprOp::Max; })
               .Case<MinOp>([](auto) { return ExprOp::Min; })
               .Case<DotOp>([](auto) { return ExprOp::Dot; })
               .Default([](auto) { return ExprOp::Const; });
    slot[op.getResult(0)] = s.out;
    steps.push_back(s);
  }
  RecurOp recur = variant.getRecur();
  auto slotOf = [&](mlir::Value v) { return v ? slot.lookup(v) : -1; };
  const int gSlot = slotOf(recur.getDecay()), eSlot = slotOf(recur.getErase()),
            bSlot = slotOf(recur.getAlong()), kSlot = slotOf(recur.getKey()),
            ySlot = slotOf(recur.getValue()), rSlot = slotOf(recur.getQuery());
  const bool delta = recur.getErase() && !recur.getAlong();

  const int64_t K = d.K, V = d.V, G = d.HV / d.H;
  result.o = {"o", {d.B, d.T, d.HV, V},
              std::vector<double>(static_cast<size_t>(d.B * d.T * d.HV * V))};
  result.ht = {"ht", {N, d.HV, K, V},
               std::vector<double>(static_cast<size_t>(N * d.HV * K * V))};
  std::vector<std::vector<double>> regs(widths.size());
  for (size_t i = 0; i < widths.size(); ++i)
    regs[i].resize(static_cast<size_t>(widths[i]));
  std::vector<double> S(static_cast<size_t>(K * V)), w(static_cast<size_t>(V));

  for (int64_t n = 0; n < N; ++n) {
    int64_t b = p.cuSeqlens.empty() ? n : 0;
    int64_t t0 = p.cuSeqlens.empty() ? 0 : p.cuSeqlens[n];
    int64_t t1 = p.cuSeqlens.empty() ? d.T : p.cuSeqlens[n + 1];
    for (int64_t hv = 0; hv < d.HV; ++hv) {
      size_t stateOff = static_cast<size_t>((n * d.HV + hv) * K * V);
      for (size_t i = 0; i < S.size(); ++i)
        S[i] = p.h0 ? p.h0->data[stateOff + i] : 0.0;
      for (int64_t t = t0; t < t1; ++t) {
        for (const Step &s : steps) {
          std::vector<double> &out = regs[s.out];
          const int W = s.width;
          auto arg = [&](int r, int i) {
            return regs[r].size() == 1 ? regs[r][0] : regs[r][i];
          };
          switch (s.op) {
          case ExprOp::Input: {
            int64_t heads = s.perH ? d.H : d.HV, h = s.perH ? hv / G : hv;
            const double *src =
                p.inputs[s.decl].data.data() + ((b * d.T + t) * heads + h) * W;
            std::copy(src, src + W, out.begin());
            break;
          }
          case ExprOp::Param: {
            const double *src = p.params[s.decl].data.data() + hv * W;
            std::copy(src, src + W, out.begin());
            break;
          }
          case ExprOp::Const: out[0] = s.value; break;
          case ExprOp::Scale: out[0] = p.scale; break;
          case ExprOp::L2Norm: {
            double ss = 0;
            for (int i = 0; i < W; ++i)
              ss += regs[s.a][i] * regs[s.a][i];
            double inv = 1.0 / std::sqrt(ss + frontend::kL2NormEps);
            for (int i = 0; i < W; ++i)
              out[i] = regs[s.a][i] * inv;
            break;
          }
          case ExprOp::Dot: {
            double acc = 0;
            for (size_t i = 0; i < regs[s.a].size(); ++i)
              acc += regs[s.a][i] * regs[s.b][i];
            out[0] = acc;
            break;
          }
          default:
            if (frontend::isUnary(s.op)) {
              for (int i = 0; i < W; ++i)
                out[i] = frontend::applyUnary(s.op, arg(s.a, i));
            } else {
              for (int i = 0; i < W; ++i)
                out[i] = frontend::applyBinary(s.op, arg(s.a, i), arg(s.b, i));
            }
          }
        }
        // S_t = Diag(exp g) S + a (b^T S) + k y^T,  o = S_t^T r
        const std::vector<double> &k = regs[kSlot], &y = regs[ySlot],
                                  &r = regs[rSlot];
        if (bSlot >= 0) { // general erase reads S before the decay
          const std::vector<double> &bv = regs[bSlot];
          std::fill(w.begin(), w.end(), 0.0);
          for (int64_t i = 0; i < K; ++i)
            for (int64_t j = 0; j < V; ++j)
              w[j] += bv[i] * S[i * V + j];
        }
        if (gSlot >= 0) {
          const std::vector<double> &g = regs[gSlot];
          for (int64_t i = 0; i < K; ++i) {
            double alpha = std::exp(g.size() == 1 ? g[0] : g[i]);
            for (int64_t j = 0; j < V; ++j)
              S[i * V + j] *= alpha;
          }
        }
        if (delta) { // a = -e k, b = exp(g) k: erase along k after the decay
          double e = regs[eSlot][0];
          std::fill(w.begin(), w.end(), 0.0);
          for (int64_t i = 0; i < K; ++i)
            for (int64_t j = 0; j < V; ++j)
              w[j] += k[i] * S[i * V + j];
          for (int64_t j = 0; j < V; ++j)
            w[j] *= -e;
        }
        const std::vector<double> *a =
            delta ? &k : (eSlot >= 0 ? &regs[eSlot] : nullptr);
        for (int64_t i = 0; i < K; ++i)
          for (int64_t j = 0; j < V; ++j)
            S[i * V + j] += (a ? (*a)[i] * w[j] : 0.0) + k[i] * y[j];
        double *o = result.o.data.data() + ((b * d.T + t) * d.HV + hv) * V;
        for (int64_t j = 0; j < V; ++j) {
          double acc = 0;
          for (int64_t i = 0; i < K; ++i)
            acc += S[i * V + j] * r[i];
          o[j] = acc;
        }
      }
      std::copy(S.begin(), S.end(), result.ht.data.begin() + stateOff);
    }
  }
  return "";
}

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

Problem makeRandomProblem(VariantOp variant, const Dims &dims,
                          std::vector<int64_t> cuSeqlens, bool initialState,
                          uint64_t seed, std::optional<double> scale) {
  Problem p;
  p.dims = dims;
  p.cuSeqlens = std::move(cuSeqlens);
  p.scale = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(dims.K));
  Rng rng{seed};
  auto sample = [&](Domain domain, double realStd) {
    double x = rng.normal();
    switch (domain) {
    case Domain::logdecay: return frontend::applyUnary(ExprOp::LogSigmoid, x);
    case Domain::unit: return frontend::applyUnary(ExprOp::Sigmoid, x);
    case Domain::real: return realStd * x;
    }
    return x;
  };
  auto fill = [&](Operation *decl, StringRef name, Domain domain,
                  double realStd) {
    Tensor t{name.str(), expectedShape(decl, dims), {}};
    size_t count = 1;
    for (int64_t s : t.shape)
      count *= static_cast<size_t>(s);
    t.data.resize(count);
    for (double &x : t.data)
      x = sample(domain, realStd);
    return t;
  };
  Classification cls = classify(variant);
  for (InputOp in : cls.inputs)
    p.inputs.push_back(fill(in, in.getName(), in.getDomain(), 1.0));
  for (ParamOp pa : cls.params)
    p.params.push_back(fill(pa, pa.getName(), pa.getDomain(), 0.5));
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
