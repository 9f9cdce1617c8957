//===- TokenProgram.h - per-token pre-processing in float64 ----------------===//
//
// The `lin` ops of a block (a lin.variant body, or a chunk.per_token region)
// compiled into a small register program and evaluated for one token and
// value head at a time. Shared by the token-by-token reference and the
// chunk-level evaluator so both read inputs and apply the pre-processing
// identically.
//
//===----------------------------------------------------------------------===//
#ifndef LINAC_REFERENCE_TOKENPROGRAM_H
#define LINAC_REFERENCE_TOKENPROGRAM_H

#include "dialect/lin/IR/LinDialect.h"
#include "frontend/Expr.h"
#include "reference/Problem.h"

#include "llvm/ADT/DenseMap.h"

namespace linac {

class TokenProgram {
public:
  /// Compiles the lin ops of `block` up to its terminator. Inputs and params
  /// are numbered in order of appearance, matching Problem::inputs/params.
  TokenProgram(mlir::Block &block, const Dims &dims);

  /// Evaluates every op for token t of batch row b, value head hv.
  void run(const Problem &p, int64_t b, int64_t t, int64_t hv);

  /// The value of `v` after run(): 1, K or V numbers.
  const std::vector<double> &operator[](mlir::Value v) const {
    return regs[slot.lookup(v)];
  }

private:
  struct Step {
    frontend::Op op;
    int out, a = -1, b = -1;
    int width;         // 1, K or V
    int decl = -1;     // Input/Param: index into inputs/params
    bool perH = false; // Input indexed by query/key head
    double value = 0;  // Const
  };
  Dims dims;
  llvm::DenseMap<mlir::Value, int> slot;
  std::vector<Step> steps;
  std::vector<std::vector<double>> regs;
};

} // namespace linac

#endif
