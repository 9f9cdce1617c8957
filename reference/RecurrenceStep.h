//===- RecurrenceStep.h - one token of MATH.md §1, in float64 ---------------===//
//
// The single definition of the oracle's step, shared by the lin-IR
// interpreter and the frontend-only reference:
//
//   S_t = Diag(exp g) S + a (b^T S) + k y^T,   o_t = S_t^T r
//
// with the delta rule given by its strength e (a = -e k, b = exp(g) k).
//
//===----------------------------------------------------------------------===//
#ifndef LINAC_REFERENCE_RECURRENCESTEP_H
#define LINAC_REFERENCE_RECURRENCESTEP_H

#include <cmath>
#include <cstdint>
#include <vector>

namespace linac {

/// `g`, `deltaStrength`, `a` and `b` may be null (absent). `S` is K x V
/// row-major, `w` scratch of V, `o` receives V values.
inline void recurrenceStep(int64_t K, int64_t V, const std::vector<double> *g,
                           const std::vector<double> *deltaStrength,
                           const std::vector<double> *a,
                           const std::vector<double> *b,
                           const std::vector<double> &k,
                           const std::vector<double> &y,
                           const std::vector<double> &r, std::vector<double> &S,
                           std::vector<double> &w, double *o) {
  if (b) { // a general erase reads S before the decay
    std::fill(w.begin(), w.end(), 0.0);
    for (int64_t i = 0; i < K; ++i)
      for (int64_t j = 0; j < V; ++j)
        w[j] += (*b)[i] * S[i * V + j];
  }
  if (g)
    for (int64_t i = 0; i < K; ++i) {
      double alpha = std::exp(g->size() == 1 ? (*g)[0] : (*g)[i]);
      for (int64_t j = 0; j < V; ++j)
        S[i * V + j] *= alpha;
    }
  if (deltaStrength) { // erase along k after the decay
    double e = (*deltaStrength)[0];
    std::fill(w.begin(), w.end(), 0.0);
    for (int64_t i = 0; i < K; ++i)
      for (int64_t j = 0; j < V; ++j)
        w[j] += k[i] * S[i * V + j];
    for (int64_t j = 0; j < V; ++j)
      w[j] *= -e;
    a = &k;
  }
  for (int64_t i = 0; i < K; ++i)
    for (int64_t j = 0; j < V; ++j)
      S[i * V + j] += (a ? (*a)[i] * w[j] : 0.0) + k[i] * y[j];
  for (int64_t j = 0; j < V; ++j) {
    double acc = 0;
    for (int64_t i = 0; i < K; ++i)
      acc += S[i * V + j] * r[i];
    o[j] = acc;
  }
}

} // namespace linac

#endif
