//===- Classification.h - what later passes ask of a variant ---------------===//
//
// The frontend classifies a recurrence once, by the normal form of its
// update; passes read the answer here instead of re-deriving it.
//
//===----------------------------------------------------------------------===//
#ifndef LINAC_DIALECT_LIN_IR_CLASSIFICATION_H
#define LINAC_DIALECT_LIN_IR_CLASSIFICATION_H

#include "dialect/lin/IR/LinDialect.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::lin {

struct Classification {
  DecayKind decay = DecayKind::none;
  EraseKind erase = EraseKind::none;
  /// Proven lower bound on every component of g (from the gate formula).
  std::optional<double> gLowerBound;
  /// Fused pre-processing, e.g. "l2norm(q)", "sigmoid(b)".
  std::vector<std::string> prep;
  /// Inputs indexed by query/key head (H) and by value head (HV).
  std::vector<InputOp> inputs;
  std::vector<ParamOp> params;
  /// The pre-processing reduces over a V-vector (an l2norm or inner product
  /// of V-vectors): the state's columns cannot then be split across blocks.
  bool reducesOverV = false;

  bool hasDecay() const { return decay != DecayKind::none; }
  bool hasErase() const { return erase != EraseKind::none; }
};

Classification classify(VariantOp variant);

} // namespace mlir::lin

#endif
