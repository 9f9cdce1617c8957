//===- ChunkDialect.cpp - dialect and verifiers of `chunk` ----------------===//
#include "dialect/chunk/IR/ChunkDialect.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::chunk;

#include "dialect/chunk/IR/ChunkDialect.cpp.inc"
#include "dialect/chunk/IR/ChunkEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialect/chunk/IR/ChunkAttrs.cpp.inc"

#define GET_OP_CLASSES
#include "dialect/chunk/IR/ChunkOps.cpp.inc"

void ChunkDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialect/chunk/IR/ChunkOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialect/chunk/IR/ChunkAttrs.cpp.inc"
      >();
}

static ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

static std::string shapeText(ArrayRef<int64_t> s) {
  return std::to_string(s[0]) + "x" + std::to_string(s[1]);
}

LogicalResult ScanOp::verify() {
  Block &body = getBody().front();
  int64_t K = getKeyDim(), V = getValueDim(), C = getChunkSize();
  if (C < 1 || K < 1 || V < 1 || getSubBlock() < 1)
    return emitOpError("chunk_size, key_dim, value_dim and sub_block must be positive");
  if (C % getSubBlock() != 0)
    return emitOpError("sub_block (") << getSubBlock()
           << ") must divide chunk_size (" << C << ")";
  auto stateType = RankedTensorType::get({K, V}, Float32Type::get(getContext()));
  if (body.getNumArguments() != 1 || body.getArgument(0).getType() != stateType)
    return emitOpError("body must take the state, ") << stateType;
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError("body must end with chunk.yield");
  if (yield.getNextState().getType() != stateType)
    return yield.emitOpError("next state must be ") << stateType;
  auto outType = RankedTensorType::get({C, V}, Float32Type::get(getContext()));
  if (yield.getOutput().getType() != outType)
    return yield.emitOpError("output must be ") << outType;
  return success();
}

LogicalResult PerTokenOp::verify() {
  auto yield = dyn_cast<TokenYieldOp>(getBody().front().getTerminator());
  if (!yield)
    return emitOpError("body must end with chunk.token_yield");
  if (yield.getValues().size() != getNumResults())
    return emitOpError("yields ") << yield.getValues().size()
           << " values for " << getNumResults() << " results";
  auto scan = (*this)->getParentOfType<ScanOp>();
  for (auto [value, result] : llvm::zip(yield.getValues(), getResults())) {
    ArrayRef<int64_t> s = shapeOf(result);
    int64_t width = 1;
    if (auto vec = dyn_cast<lin::VecType>(value.getType()))
      width = vec.getExtent() == lin::Extent::K ? scan.getKeyDim()
                                                : scan.getValueDim();
    if (s[0] != scan.getChunkSize() || s[1] != width)
      return emitOpError("result of shape ")
             << shapeText(s) << " for a per-token value of width " << width
             << " (expected " << scan.getChunkSize() << "x" << width << ")";
  }
  return success();
}

LogicalResult GramOp::verify() {
  ArrayRef<int64_t> l = shapeOf(getLhs()), r = shapeOf(getRhs()),
                    o = shapeOf(getResult());
  if (l != r)
    return emitOpError("operands must have one shape, got ")
           << shapeText(l) << " and " << shapeText(r);
  if (o[0] != l[0] || o[1] != l[0])
    return emitOpError("result must be ") << l[0] << "x" << l[0];
  if (!getLhsDecay() != !getRhsDecay())
    return emitOpError("needs both decays or neither");
  if (getLhsDecay()) {
    ArrayRef<int64_t> ld = shapeOf(getLhsDecay()), rd = shapeOf(getRhsDecay());
    if (ld != rd || ld[0] != l[0] || (ld[1] != 1 && ld[1] != l[1]))
      return emitOpError("decays must be ")
             << l[0] << "x1 or " << shapeText(l) << ", got " << shapeText(ld)
             << " and " << shapeText(rd);
  }
  for (Value scale : {getRowScale(), getColScale()})
    if (scale && (shapeOf(scale)[0] != l[0] || shapeOf(scale)[1] != 1))
      return emitOpError("scales must be ") << l[0] << "x1, got " << shapeText(shapeOf(scale));
  if (FloatAttr bound = getDecayBoundAttr()) {
    if (!getLhsDecay())
      return emitOpError("has a decay_bound but no decays");
    if (!(bound.getValueAsDouble() > 0.0))
      return emitOpError("decay_bound must be > 0, got ") << bound.getValueAsDouble();
  }
  return success();
}

LogicalResult UnitLowerInverseOp::verify() {
  ArrayRef<int64_t> s = shapeOf(getInput());
  if (s[0] != s[1])
    return emitOpError("needs a square tile, got ") << shapeText(s);
  return success();
}

LogicalResult MatmulOp::verify() {
  ArrayRef<int64_t> a = shapeOf(getLhs()), b = shapeOf(getRhs()),
                    o = shapeOf(getResult());
  int64_t m = getTransposeLhs() ? a[1] : a[0], ka = getTransposeLhs() ? a[0] : a[1];
  int64_t kb = getTransposeRhs() ? b[1] : b[0], n = getTransposeRhs() ? b[0] : b[1];
  if (ka != kb)
    return emitOpError("contracts ") << ka << " with " << kb;
  if (o[0] != m || o[1] != n)
    return emitOpError("result must be ") << m << "x" << n << ", got "
                                          << shapeText(o);
  return success();
}

RankedTensorType mlir::chunk::broadcastType(Value x, Value y) {
  ArrayRef<int64_t> a = shapeOf(x), b = shapeOf(y);
  return RankedTensorType::get({a[0] == 1 ? b[0] : a[0], a[1] == 1 ? b[1] : a[1]},
                               Float32Type::get(x.getContext()));
}

/// A tile broadcasts along a dimension of size 1.
static LogicalResult verifyBroadcast(Operation *op, Value lhs, Value rhs,
                                     Value result) {
  ArrayRef<int64_t> a = shapeOf(lhs), b = shapeOf(rhs), o = shapeOf(result);
  for (int d = 0; d < 2; ++d) {
    int64_t expect = a[d] == 1 ? b[d] : a[d];
    if ((a[d] != 1 && b[d] != 1 && a[d] != b[d]) || o[d] != expect)
      return op->emitOpError("cannot broadcast ")
             << shapeText(a) << " and " << shapeText(b) << " to "
             << shapeText(o);
  }
  return success();
}
LogicalResult AddOp::verify() {
  return verifyBroadcast(*this, getLhs(), getRhs(), getResult());
}
LogicalResult SubOp::verify() {
  return verifyBroadcast(*this, getLhs(), getRhs(), getResult());
}
LogicalResult MulOp::verify() {
  return verifyBroadcast(*this, getLhs(), getRhs(), getResult());
}

LogicalResult LastRowOp::verify() {
  ArrayRef<int64_t> s = shapeOf(getInput()), o = shapeOf(getResult());
  if (o[0] != 1 || o[1] != s[1])
    return emitOpError("result must be 1x") << s[1];
  return success();
}

LogicalResult TransposeOp::verify() {
  ArrayRef<int64_t> s = shapeOf(getInput()), o = shapeOf(getResult());
  if (o[0] != s[1] || o[1] != s[0])
    return emitOpError("result must be ") << s[1] << "x" << s[0];
  return success();
}
