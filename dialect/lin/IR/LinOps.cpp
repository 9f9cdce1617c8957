//===- LinOps.cpp - verifiers of the `lin` ops ----------------------------===//
#include "dialect/lin/IR/LinDialect.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace mlir::lin;

static ParseResult parseHeadGroup(OpAsmParser &parser, HeadGroupAttr &attr) {
  StringRef keyword;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseKeyword(&keyword))
    return failure();
  std::optional<HeadGroup> group = symbolizeHeadGroup(keyword);
  if (!group)
    return parser.emitError(loc, "expected H or HV, got '") << keyword << "'";
  attr = HeadGroupAttr::get(parser.getContext(), *group);
  return success();
}

static void printHeadGroup(OpAsmPrinter &printer, Operation *,
                           HeadGroupAttr attr) {
  printer << stringifyHeadGroup(attr.getValue());
}

#define GET_OP_CLASSES
#include "dialect/lin/IR/LinOps.cpp.inc"

/// The type of an element-wise result: a scalar broadcasts over a vector;
/// vectors of different extents (K and V) never mix.
static FailureOr<Type> broadcastType(Operation *op, Type lhs, Type rhs) {
  auto lv = dyn_cast<VecType>(lhs), rv = dyn_cast<VecType>(rhs);
  if (lv && rv && lv.getExtent() != rv.getExtent())
    return op->emitOpError("mixes a ")
           << stringifyExtent(lv.getExtent()) << "-vector and a "
           << stringifyExtent(rv.getExtent()) << "-vector";
  if (lv)
    return lhs;
  return rhs;
}

#define LIN_BINARY_VERIFIER(OP)                                                \
  LogicalResult OP::verify() {                                                 \
    FailureOr<Type> type =                                                     \
        broadcastType(*this, getLhs().getType(), getRhs().getType());          \
    if (failed(type))                                                          \
      return failure();                                                        \
    if (*type != getResult().getType())                                        \
      return emitOpError("result type should be ") << *type;                   \
    return success();                                                          \
  }
LIN_BINARY_VERIFIER(AddOp)
LIN_BINARY_VERIFIER(SubOp)
LIN_BINARY_VERIFIER(MulOp)
LIN_BINARY_VERIFIER(DivOp)
LIN_BINARY_VERIFIER(MaxOp)
LIN_BINARY_VERIFIER(MinOp)
#undef LIN_BINARY_VERIFIER

LogicalResult RecurOp::verify() {
  if (getAlong() && !getErase())
    return emitOpError("'along' needs an 'erase' vector");
  if (getErase() && isa<VecType>(getErase().getType()) && !getAlong())
    return emitOpError("a general erase (K-vector 'erase') needs 'along'");
  if (getErase() && isa<ScalarType>(getErase().getType()) && getAlong())
    return emitOpError("a delta-rule erase (scalar strength) takes no 'along'");
  return success();
}

// Print inputs and parameters under their DSL names (%q, %A_log).
void InputOp::getAsmResultNames(OpAsmSetValueNameFn setName) {
  setName(getResult(), getName());
}
void ParamOp::getAsmResultNames(OpAsmSetValueNameFn setName) {
  setName(getResult(), getName());
}

RecurOp VariantOp::getRecur() {
  return cast<RecurOp>(getBody().front().getTerminator());
}

/// True when `value` is computed from some lin.input (else from parameters
/// and constants only: the same for every token).
static bool dependsOnInput(Value value) {
  llvm::SetVector<Operation *> seen;
  SmallVector<Value> work{value};
  while (!work.empty()) {
    Operation *def = work.pop_back_val().getDefiningOp();
    if (!def || !seen.insert(def))
      continue;
    if (isa<InputOp>(def))
      return true;
    llvm::append_range(work, def->getOperands());
  }
  return false;
}

LogicalResult VariantOp::verify() {
  Block &body = getBody().front();
  if (body.empty() || !isa<RecurOp>(body.back()))
    return emitOpError("must end with lin.recur");
  llvm::StringSet<> names;
  for (Operation &op : body) {
    if (op.getDialect() != (*this)->getDialect())
      return op.emitOpError("is not a lin op: a variant holds lin ops only");
    StringRef name;
    if (auto input = dyn_cast<InputOp>(op))
      name = input.getName();
    else if (auto param = dyn_cast<ParamOp>(op))
      name = param.getName();
    if (!name.empty() && !names.insert(name).second)
      return op.emitOpError("redeclares '") << name << "'";
  }

  RecurOp recur = getRecur();
  DecayKind decay = DecayKind::none;
  if (Value g = recur.getDecay()) {
    if (isa<VecType>(g.getType()))
      decay = DecayKind::channel;
    else
      decay = dependsOnInput(g) ? DecayKind::scalar : DecayKind::constant;
  }
  if (decay != getDecay())
    return emitOpError("is classified decay '")
           << stringifyDecayKind(getDecay()) << "' but its lin.recur has decay '"
           << stringifyDecayKind(decay) << "'";

  EraseKind erase = EraseKind::none;
  if (Value e = recur.getErase())
    erase = isa<VecType>(e.getType()) ? EraseKind::general : EraseKind::delta;
  if (erase != getErase())
    return emitOpError("is classified erase '")
           << stringifyEraseKind(getErase()) << "' but its lin.recur has erase '"
           << stringifyEraseKind(erase) << "'";

  if (FloatAttr bound = getGLowerBoundAttr()) {
    if (decay == DecayKind::none)
      return emitOpError("has a g_lower_bound but no decay");
    if (!(bound.getValueAsDouble() <= 0.0))
      return emitOpError("g_lower_bound must be <= 0, got ")
             << bound.getValueAsDouble();
  }
  return success();
}
