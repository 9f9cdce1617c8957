//===- RecurrenceReference.cpp --------------------------------------------===//
#include "reference/RecurrenceReference.h"
#include "reference/RecurrenceStep.h"

#include <atomic>
#include <cmath>
#include <thread>

namespace linac {

using frontend::ExprId;
using frontend::Op;

std::vector<TensorSpec> tensorSpecs(const frontend::Recurrence &rec) {
  std::vector<TensorSpec> inputs, params;
  for (const frontend::Decl &d : rec.decls) {
    TensorSpec s;
    s.name = d.name;
    s.isParam = d.isParam;
    s.perH = d.heads == frontend::HeadGroup::H;
    s.width = d.extent == frontend::Extent::Scalar ? 0
              : d.extent == frontend::Extent::K    ? 1
                                                   : 2;
    s.domain = d.domain == frontend::Domain::LogDecay ? TensorSpec::Domain::LogDecay
               : d.domain == frontend::Domain::Unit   ? TensorSpec::Domain::Unit
                                                      : TensorSpec::Domain::Real;
    (d.isParam ? params : inputs).push_back(s);
  }
  inputs.insert(inputs.end(), params.begin(), params.end());
  return inputs;
}

std::string runRecurrence(const frontend::Recurrence &rec, const Problem &p,
                          Result &result, int threads) {
  const Dims &d = p.dims;
  const frontend::ExprPool &pool = rec.pool;
  std::vector<TensorSpec> specs = tensorSpecs(rec);
  if (p.inputs.size() + p.params.size() != specs.size())
    return "the problem has " + std::to_string(p.inputs.size() + p.params.size()) +
           " tensors, the variant declares " + std::to_string(specs.size());
  // Which tensor each declaration reads.
  std::vector<const Tensor *> tensorOf(rec.decls.size(), nullptr);
  for (size_t i = 0; i < rec.decls.size(); ++i) {
    const std::vector<Tensor> &list = rec.decls[i].isParam ? p.params : p.inputs;
    for (const Tensor &t : list)
      if (t.name == rec.decls[i].name)
        tensorOf[i] = &t;
    if (!tensorOf[i])
      return "no tensor for '" + rec.decls[i].name + "'";
    TensorSpec spec;
    for (const TensorSpec &s : specs)
      if (s.name == rec.decls[i].name)
        spec = s;
    if (tensorOf[i]->shape != specShape(spec, d))
      return "tensor '" + rec.decls[i].name + "' has the wrong shape";
  }
  // The nodes the normal form needs, in id (topological) order.
  std::vector<char> live(pool.size(), 0);
  std::vector<ExprId> work;
  for (ExprId r : {rec.g, rec.eraseA, rec.eraseB, rec.key, rec.value, rec.query})
    if (r >= 0)
      work.push_back(r);
  while (!work.empty()) {
    ExprId id = work.back();
    work.pop_back();
    if (live[id])
      continue;
    live[id] = 1;
    if (pool[id].a >= 0)
      work.push_back(pool[id].a);
    if (pool[id].b >= 0)
      work.push_back(pool[id].b);
  }
  auto widthOf = [&](ExprId id) {
    frontend::Extent e = pool[id].type;
    return e == frontend::Extent::Scalar ? 1
           : e == frontend::Extent::K    ? static_cast<int>(d.K)
                                         : static_cast<int>(d.V);
  };
  const int64_t N = p.numSequences(), K = d.K, V = d.V, G = d.HV / d.H;
  result = zeroResult(p);
  const bool delta = rec.erase == frontend::EraseKind::Delta;

  auto runOne = [&](int64_t n, int64_t hv) {
    std::vector<std::vector<double>> val(pool.size());
    for (size_t id = 0; id < pool.size(); ++id)
      if (live[id])
        val[id].resize(static_cast<size_t>(widthOf(static_cast<ExprId>(id))));
    std::vector<double> S(static_cast<size_t>(K * V)), w(static_cast<size_t>(V));
    auto [b, t0, t1] = p.sequence(n);
    size_t stateOff = static_cast<size_t>((n * d.HV + hv) * K * V);
    for (size_t i = 0; i < S.size(); ++i)
      S[i] = p.h0 ? p.h0->data[stateOff + i] : 0.0;
    for (int64_t t = t0; t < t1; ++t) {
      for (size_t id = 0; id < pool.size(); ++id) {
        if (!live[id])
          continue;
        const frontend::ExprNode &node = pool[static_cast<ExprId>(id)];
        std::vector<double> &out = val[id];
        const int W = static_cast<int>(out.size());
        auto arg = [&](ExprId r, int i) {
          return val[r].size() == 1 ? val[r][0] : val[r][i];
        };
        switch (node.op) {
        case Op::Input: {
          bool perH = rec.decls[node.decl].heads == frontend::HeadGroup::H;
          int64_t heads = perH ? d.H : d.HV, h = perH ? hv / G : hv;
          const double *src = tensorOf[node.decl]->data.data() +
                              ((b * d.T + t) * heads + h) * W;
          std::copy(src, src + W, out.begin());
          break;
        }
        case Op::Param: {
          const double *src = tensorOf[node.decl]->data.data() + hv * W;
          std::copy(src, src + W, out.begin());
          break;
        }
        case Op::Const: out[0] = node.value; break;
        case Op::Scale: out[0] = p.scale; break;
        case Op::L2Norm: {
          double ss = 0;
          for (int i = 0; i < W; ++i)
            ss += val[node.a][i] * val[node.a][i];
          double inv = 1.0 / std::sqrt(ss + frontend::kL2NormEps);
          for (int i = 0; i < W; ++i)
            out[i] = val[node.a][i] * inv;
          break;
        }
        case Op::InvNorm: {
          double ss = 0;
          for (double x : val[node.a])
            ss += x * x;
          out[0] = 1.0 / std::sqrt(ss + frontend::kL2NormEps);
          break;
        }
        case Op::Dot: {
          double acc = 0;
          for (size_t i = 0; i < val[node.a].size(); ++i)
            acc += val[node.a][i] * val[node.b][i];
          out[0] = acc;
          break;
        }
        default:
          if (frontend::isUnary(node.op))
            for (int i = 0; i < W; ++i)
              out[i] = frontend::applyUnary(node.op, arg(node.a, i));
          else
            for (int i = 0; i < W; ++i)
              out[i] = frontend::applyBinary(node.op, arg(node.a, i), arg(node.b, i));
        }
      }
      auto get = [&](ExprId id) { return id >= 0 ? &val[id] : nullptr; };
      recurrenceStep(K, V, get(rec.g), delta ? get(rec.eraseA) : nullptr,
                     delta ? nullptr : get(rec.eraseA), get(rec.eraseB),
                     val[rec.key], val[rec.value], val[rec.query], S, w,
                     result.o.data.data() + ((b * d.T + t) * d.HV + hv) * V);
    }
    std::copy(S.begin(), S.end(), result.ht.data.begin() + stateOff);
  };

  std::atomic<int64_t> next{0};
  auto worker = [&]() {
    for (int64_t job; (job = next++) < N * d.HV;)
      runOne(job / d.HV, job % d.HV);
  };
  std::vector<std::thread> pool_;
  for (int i = 1; i < threads; ++i)
    pool_.emplace_back(worker);
  worker();
  for (std::thread &t : pool_)
    t.join();
  return "";
}

} // namespace linac
