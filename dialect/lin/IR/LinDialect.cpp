//===- LinDialect.cpp - dialect, types and attributes of `lin` ------------===//
#include "dialect/lin/IR/LinDialect.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::lin;

#include "dialect/lin/IR/LinDialect.cpp.inc"
#include "dialect/lin/IR/LinEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialect/lin/IR/LinAttrs.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "dialect/lin/IR/LinTypes.cpp.inc"

void LinDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialect/lin/IR/LinOps.cpp.inc"
      >();
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialect/lin/IR/LinTypes.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialect/lin/IR/LinAttrs.cpp.inc"
      >();
}

// !lin.vec<K> / !lin.vec<V>
Type VecType::parse(AsmParser &parser) {
  StringRef keyword;
  if (parser.parseLess() || parser.parseKeyword(&keyword))
    return {};
  std::optional<Extent> extent = symbolizeExtent(keyword);
  if (!extent) {
    parser.emitError(parser.getNameLoc(), "expected K or V, got '")
        << keyword << "'";
    return {};
  }
  if (parser.parseGreater())
    return {};
  return VecType::get(parser.getContext(), *extent);
}

void VecType::print(AsmPrinter &printer) const {
  printer << "<" << stringifyExtent(getExtent()) << ">";
}
