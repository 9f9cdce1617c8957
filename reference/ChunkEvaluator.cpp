//===- ChunkEvaluator.cpp -------------------------------------------------===//
#include "reference/ChunkEvaluator.h"
#include "reference/TokenProgram.h"
#include "runtime/device/cpu/linac_tile.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::chunk;

namespace linac {
namespace {

/// A dense row-major float64 matrix.
struct Mat {
  int64_t rows = 0, cols = 0;
  std::vector<double> v;
  Mat() = default;
  Mat(int64_t r, int64_t c) : rows(r), cols(c), v(static_cast<size_t>(r * c)) {}
  double &operator()(int64_t i, int64_t j) { return v[i * cols + j]; }
  double operator()(int64_t i, int64_t j) const { return v[i * cols + j]; }
  /// Broadcasting read: a dimension of size 1 repeats.
  double at(int64_t i, int64_t j) const {
    return v[(rows == 1 ? 0 : i) * cols + (cols == 1 ? 0 : j)];
  }
};

Mat matmul(const Mat &a, const Mat &b, bool ta, bool tb) {
  int64_t m = ta ? a.cols : a.rows, k = ta ? a.rows : a.cols;
  int64_t n = tb ? b.rows : b.cols;
  Mat c(m, n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t l = 0; l < k; ++l)
        acc += (ta ? a(l, i) : a(i, l)) * (tb ? b(j, l) : b(l, j));
      c(i, j) = acc;
    }
  return c;
}

template <typename F>
Mat elementwise(const Mat &a, const Mat &b, Type resultType, F f) {
  auto shape = cast<RankedTensorType>(resultType).getShape();
  Mat c(shape[0], shape[1]);
  for (int64_t i = 0; i < c.rows; ++i)
    for (int64_t j = 0; j < c.cols; ++j)
      c(i, j) = f(a.at(i, j), b.at(i, j));
  return c;
}

/// G[i, j] = sum_c l[i,c] r[j,c] exp(lg[i,c] - rg[j,c]) over the mask, in
/// sub-blocks: off-diagonal blocks factor through the decay at the last row
/// of the column block (both factors <= 1), diagonal blocks element-wise.
Mat gram(const Mat &l, const Mat &r, const Mat *lg, const Mat *rg, Mask mask,
         int64_t sub) {
  const int64_t C = l.rows, D = l.cols;
  Mat g(C, C);
  bool inclusive = mask == Mask::inclusive;
  for (int64_t i = 0; i < C; ++i)
    for (int64_t j = 0; j < C; ++j) {
      if (j > i || (j == i && !inclusive))
        continue;
      int64_t bi = i / sub, bj = j / sub;
      int64_t ref = (bj + 1) * sub - 1; // last row of j's block
      double acc = 0;
      for (int64_t c = 0; c < D; ++c) {
        double f = 1;
        if (lg) {
          auto lgv = [&](int64_t row) { return lg->at(row, c); };
          auto rgv = [&](int64_t row) { return rg->at(row, c); };
          if (bi > bj)
            f = std::exp(lgv(i) - rgv(ref)) * std::exp(rgv(ref) - rgv(j));
          else
            f = std::exp(lgv(i) - rgv(j));
        }
        acc += l(i, c) * r(j, c) * f;
      }
      g(i, j) = acc;
    }
  return g;
}

/// (I + L)^-1 by forward substitution (L strictly lower).
Mat unitLowerInverse(const Mat &L) {
  const int64_t n = L.rows;
  Mat t(n, n);
  for (int64_t j = 0; j < n; ++j)
    for (int64_t i = 0; i < n; ++i) {
      double acc = i == j ? 1.0 : 0.0;
      for (int64_t m = j; m < i; ++m)
        acc -= L(i, m) * t(m, j);
      t(i, j) = acc;
    }
  return t;
}

} // namespace

/// The operands rounded as tensor cores would (the cpu tile library's rule).
Mat rounded(const Mat &m, tile::Operand type) {
  if (type == tile::Operand::f32)
    return m;
  Mat r = m;
  for (double &x : r.v)
    x = tile::round_operand(static_cast<float>(x), type);
  return r;
}

std::string runChunked(ScanOp scan, const Problem &p, Result &result,
                       const std::string &operands) {
  tile::Operand operandType = operands == "tf32"   ? tile::Operand::tf32
                       : operands == "bf16" ? tile::Operand::bf16
                       : operands == "f16"  ? tile::Operand::f16
                                            : tile::Operand::f32;
  const Dims &d = p.dims;
  const int64_t C = scan.getChunkSize(), K = scan.getKeyDim(),
                V = scan.getValueDim(), sub = scan.getSubBlock();
  if (K != d.K || V != d.V)
    return "chunk.scan is specialised for K=" + std::to_string(K) +
           ", V=" + std::to_string(V) + " but the problem has K=" +
           std::to_string(d.K) + ", V=" + std::to_string(d.V);
  Block &body = scan.getBody().front();
  PerTokenOp perToken;
  for (Operation &op : body)
    if (auto pt = dyn_cast<PerTokenOp>(op))
      perToken = pt;
  if (!perToken)
    return "chunk.scan has no chunk.per_token";
  TokenProgram program(perToken.getBody().front(), d);
  auto yieldedTokens =
      cast<TokenYieldOp>(perToken.getBody().front().getTerminator()).getValues();
  bool skipH0 = scan->hasAttr("test_skip_initial_state");

  const int64_t N = p.numSequences();
  result = zeroResult(p);
  for (int64_t n = 0; n < N; ++n) {
    auto [b, t0, t1] = p.sequence(n);
    for (int64_t hv = 0; hv < d.HV; ++hv) {
      size_t stateOff = static_cast<size_t>((n * d.HV + hv) * K * V);
      Mat S(K, V);
      if (p.h0 && !skipH0)
        std::copy(p.h0->data.begin() + stateOff,
                  p.h0->data.begin() + stateOff + K * V, S.v.begin());
      for (int64_t c0 = t0; c0 < t1; c0 += C) {
        int64_t valid = std::min(C, t1 - c0);
        llvm::DenseMap<Value, Mat> env;
        env[scan.getState()] = S;
        // Per-token tiles; rows past the end of the sequence stay zero.
        std::vector<Mat> tiles;
        for (Value r : perToken.getResults()) {
          auto shape = cast<RankedTensorType>(r.getType()).getShape();
          tiles.emplace_back(shape[0], shape[1]);
        }
        for (int64_t i = 0; i < valid; ++i) {
          program.run(p, b, c0 + i, hv);
          for (size_t k = 0; k < tiles.size(); ++k) {
            const std::vector<double> &row = program[yieldedTokens[k]];
            for (int64_t j = 0; j < tiles[k].cols; ++j)
              tiles[k](i, j) = row.size() == 1 ? row[0] : row[j];
          }
        }
        for (size_t k = 0; k < tiles.size(); ++k)
          env[perToken.getResult(k)] = std::move(tiles[k]);

        auto get = [&](Value v) -> const Mat & { return env.find(v)->second; };
        for (Operation &op : body) {
          if (isa<PerTokenOp>(op))
            continue;
          if (auto yield = dyn_cast<YieldOp>(op)) {
            S = get(yield.getNextState());
            const Mat &o = get(yield.getOutput());
            for (int64_t i = 0; i < valid; ++i)
              std::copy(o.v.begin() + i * V, o.v.begin() + (i + 1) * V,
                        result.o.data.begin() +
                            ((b * d.T + c0 + i) * d.HV + hv) * V);
            break;
          }
          Type type = op.getResult(0).getType();
          Mat value =
              llvm::TypeSwitch<Operation *, Mat>(&op)
                  .Case<MatmulOp>([&](MatmulOp m) {
                    return matmul(rounded(get(m.getLhs()), operandType),
                                  rounded(get(m.getRhs()), operandType),
                                  m.getTransposeLhs(), m.getTransposeRhs());
                  })
                  .Case<AddOp>([&](AddOp o) {
                    return elementwise(get(o.getLhs()), get(o.getRhs()), type,
                                       [](double x, double y) { return x + y; });
                  })
                  .Case<SubOp>([&](SubOp o) {
                    return elementwise(get(o.getLhs()), get(o.getRhs()), type,
                                       [](double x, double y) { return x - y; });
                  })
                  .Case<MulOp>([&](MulOp o) {
                    return elementwise(get(o.getLhs()), get(o.getRhs()), type,
                                       [](double x, double y) { return x * y; });
                  })
                  .Case<ExpOp>([&](ExpOp o) {
                    Mat m = get(o.getInput());
                    for (double &x : m.v)
                      x = std::exp(x);
                    return m;
                  })
                  .Case<NegOp>([&](NegOp o) {
                    Mat m = get(o.getInput());
                    for (double &x : m.v)
                      x = -x;
                    return m;
                  })
                  .Case<CumsumOp>([&](CumsumOp o) {
                    const Mat &x = get(o.getInput());
                    Mat m(x.rows, x.cols);
                    for (int64_t j = 0; j < x.cols; ++j) {
                      double acc = 0;
                      for (int64_t s = 0; s < x.rows; ++s) {
                        int64_t i = o.getReverse() ? x.rows - 1 - s : s;
                        if (o.getExclusive()) {
                          m(i, j) = acc;
                          acc += x(i, j);
                        } else {
                          acc += x(i, j);
                          m(i, j) = acc;
                        }
                      }
                    }
                    return m;
                  })
                  .Case<LastRowOp>([&](LastRowOp o) {
                    const Mat &x = get(o.getInput());
                    Mat m(1, x.cols);
                    for (int64_t j = 0; j < x.cols; ++j)
                      m(0, j) = x(x.rows - 1, j);
                    return m;
                  })
                  .Case<TransposeOp>([&](TransposeOp o) {
                    const Mat &x = get(o.getInput());
                    Mat m(x.cols, x.rows);
                    for (int64_t i = 0; i < x.rows; ++i)
                      for (int64_t j = 0; j < x.cols; ++j)
                        m(j, i) = x(i, j);
                    return m;
                  })
                  .Case<GramOp>([&](GramOp o) {
                    const Mat *lg = o.getLhsDecay() ? &get(o.getLhsDecay()) : nullptr;
                    const Mat *rg = o.getRhsDecay() ? &get(o.getRhsDecay()) : nullptr;
                    Mat g = gram(rounded(get(o.getLhs()), operandType),
                                 rounded(get(o.getRhs()), operandType), lg, rg,
                                 o.getMask(), sub);
                    // diag(rows) G diag(cols), after the sums (as the tile
                    // lowering scales the masked products).
                    for (bool rows : {true, false}) {
                      Value scale = rows ? o.getRowScale() : o.getColScale();
                      if (!scale)
                        continue;
                      const Mat &c = get(scale);
                      for (int64_t i = 0; i < g.rows; ++i)
                        for (int64_t j = 0; j < g.cols; ++j)
                          g(i, j) *= c(rows ? i : j, 0);
                    }
                    return g;
                  })
                  .Case<UnitLowerInverseOp>([&](UnitLowerInverseOp o) {
                    return unitLowerInverse(get(o.getInput()));
                  })
                  .Default([&](Operation *) { return Mat(); });
          if (value.v.empty() && !isa<PerTokenOp>(op))
            return std::string("chunk evaluator: unsupported op ") +
                   op.getName().getStringRef().str();
          env[op.getResult(0)] = std::move(value);
        }
      }
      std::copy(S.v.begin(), S.v.end(), result.ht.data.begin() + stateOff);
    }
  }
  return "";
}

} // namespace linac
