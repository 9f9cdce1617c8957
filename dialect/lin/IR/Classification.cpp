//===- Classification.cpp -------------------------------------------------===//
#include "dialect/lin/IR/Classification.h"

using namespace mlir;
using namespace mlir::lin;

Classification mlir::lin::classify(VariantOp variant) {
  Classification c;
  c.decay = variant.getDecay();
  c.erase = variant.getErase();
  if (FloatAttr bound = variant.getGLowerBoundAttr())
    c.gLowerBound = bound.getValueAsDouble();
  for (Attribute a : variant.getPrep())
    c.prep.push_back(cast<StringAttr>(a).str());
  auto isV = [](Type t) {
    auto vec = dyn_cast<VecType>(t);
    return vec && vec.getExtent() == Extent::V;
  };
  for (Operation &op : variant.getBody().front()) {
    if (isa<L2NormOp, DotOp, InvNormOp>(op) && isV(op.getOperand(0).getType()))
      c.reducesOverV = true;
    if (auto input = dyn_cast<InputOp>(op))
      c.inputs.push_back(input);
    else if (auto param = dyn_cast<ParamOp>(op))
      c.params.push_back(param);
  }
  return c;
}
