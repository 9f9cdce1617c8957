//===- TileDialect.h - the `tile` dialect ----------------------------------===//
#ifndef LINAC_DIALECT_TILE_IR_TILEDIALECT_H
#define LINAC_DIALECT_TILE_IR_TILEDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialect/tile/IR/TileDialect.h.inc"
#include "dialect/tile/IR/TileEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialect/tile/IR/TileAttrs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialect/tile/IR/TileTypes.h.inc"

#define GET_OP_CLASSES
#include "dialect/tile/IR/TileOps.h.inc"

#endif
