//===- Problem.h - one run of a variant: shapes, inputs, outputs -----------===//
//
// Layouts follow FLA (MATH.md §1): per-token inputs [B, T, heads(, K|V)] with
// heads = H for `per H` inputs and HV otherwise; params [HV(, K)]; states
// [N, HV, K, V]; o [B, T, HV, V]. Varlen: B = 1, sequences packed along T
// with offsets cu_seqlens (N + 1 entries).
//
//===----------------------------------------------------------------------===//
#ifndef LINAC_REFERENCE_PROBLEM_H
#define LINAC_REFERENCE_PROBLEM_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace linac {

struct Dims {
  int64_t B = 0, T = 0, H = 0, HV = 0, K = 0, V = 0;
};

struct Tensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<double> data;
};

/// Where sequence n lies: its batch row and its tokens [first, end).
struct SequenceSpan {
  int64_t batch, first, end;
};

struct Problem {
  Dims dims;
  std::vector<int64_t> cuSeqlens; // empty: every batch row is one sequence
  double scale = 0;
  std::vector<Tensor> inputs; // in declaration order
  std::vector<Tensor> params; // in declaration order
  std::optional<Tensor> h0;   // [N, HV, K, V]

  int64_t numSequences() const {
    return cuSeqlens.empty() ? dims.B
                             : static_cast<int64_t>(cuSeqlens.size()) - 1;
  }
  SequenceSpan sequence(int64_t n) const {
    if (cuSeqlens.empty())
      return {n, 0, dims.T};
    return {0, cuSeqlens[n], cuSeqlens[n + 1]};
  }
};

struct Result {
  Tensor o;  // [B, T, HV, V]
  Tensor ht; // [N, HV, K, V]
  /// Range of the log-decay over all tokens (reference only; +inf/-inf
  /// when there is no decay or no token).
  double gMin = 1.0 / 0.0, gMax = -1.0 / 0.0;
};

/// o [B, T, HV, V] and the final states [N, HV, K, V], zeroed.
Result zeroResult(const Problem &problem);

/// ||x - ref||_F / ||ref||_F (absolute when ref = 0); counts the
/// non-finite entries of x into *nonFinite when given.
double relativeError(const std::vector<double> &x, const std::vector<double> &ref,
                     int64_t *nonFinite = nullptr);

/// Rounds every input, parameter and initial state to float32 (what the
/// kernels read), so the float64 reference sees the kernel's inputs.
void roundToFloat(Problem &problem);

/// 16-bit floats as bits: dtype 1 is bf16, 2 is f16 (linac_dtype's codes).
/// Conversion rounds to nearest even; f16 overflows to infinity.
uint16_t toHalfBits(float x, int dtype);
float fromHalfBits(uint16_t bits, int dtype);
/// Rounds every input (not the parameters or h0) to `dtype` values (0 f32,
/// 1 bf16, 2 f16), as a caller passing inputs of that dtype would.
void roundInputs(Problem &problem, int dtype);
/// "f32", "bf16", "f16" -> 0, 1, 2; -1 for anything else.
int parseDtype(const std::string &name);

/// Parses "B=2,T=100,H=2,HV=4,K=32,V=16" (HV defaults to H). With
/// `kernelOnly`, only K and V are required (what kernels are specialised
/// on). Returns an error message, empty on success.
std::string parseDims(const std::string &text, Dims &dims,
                      bool kernelOnly = false);
/// Parses "37,1,62" into offsets {0,37,38,100}; checks B == 1 and the sum.
std::string parseSeqlens(const std::string &text, const Dims &dims,
                         std::vector<int64_t> &cuSeqlens);

} // namespace linac

#endif
