//===- ChunkDialect.h - the `chunk` dialect --------------------------------===//
#ifndef LINAC_DIALECT_CHUNK_IR_CHUNKDIALECT_H
#define LINAC_DIALECT_CHUNK_IR_CHUNKDIALECT_H

#include "dialect/lin/IR/LinDialect.h"

#include "mlir/IR/BuiltinTypes.h"

#include "dialect/chunk/IR/ChunkDialect.h.inc"
#include "dialect/chunk/IR/ChunkEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialect/chunk/IR/ChunkAttrs.h.inc"

#define GET_OP_CLASSES
#include "dialect/chunk/IR/ChunkOps.h.inc"

namespace mlir::chunk {
/// The f32 tile type of an element-wise op on x and y: a dimension of size 1
/// broadcasts (the rule the add/sub/mul verifiers check).
mlir::RankedTensorType broadcastType(mlir::Value x, mlir::Value y);
} // namespace mlir::chunk

#endif
