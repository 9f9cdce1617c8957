//===- LinDialect.h - the `lin` dialect -----------------------------------===//
#ifndef LINAC_DIALECT_LIN_IR_LINDIALECT_H
#define LINAC_DIALECT_LIN_IR_LINDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialect/lin/IR/LinDialect.h.inc"
#include "dialect/lin/IR/LinEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialect/lin/IR/LinAttrs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialect/lin/IR/LinTypes.h.inc"

#define GET_OP_CLASSES
#include "dialect/lin/IR/LinOps.h.inc"

#endif
