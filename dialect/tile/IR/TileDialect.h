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

namespace mlir::tile {
/// A landing buffer (tile.prefetch_rows, tile.take_rows) holds rows of C
/// 16-bit values: C a multiple of 8 as C/2 fp32 elements per row, or one
/// value per row (C = 1) as the aligned pair of halves it sits in, one fp32
/// element. The landing buffer's fp32 columns for C (0: C cannot land).
inline int64_t landingColumnsFor(int64_t cols) {
  return cols == 1 ? 1 : cols % 8 == 0 ? cols / 2 : 0;
}
/// The 16-bit columns a landing buffer of `landingCols` fp32 columns holds.
inline int64_t landedColumns(int64_t landingCols) {
  return landingCols == 1 ? 1 : 2 * landingCols;
}

/// Floats between the starts of consecutive rows of a buffer (the
/// libraries' Tile::ld of its stages); `where` is its tile.alloc, or the
/// kernel or an op in it (for a buffer not made yet):
/// its columns, or 4 more where the kernel pads rows (attribute
/// `pad_rows`, tile-pad-shared-rows) and the buffer is shared fp32 with
/// several rows of a multiple of 32 floats, not a landing buffer (an alloc
/// marked `landing`: dense rows of halves). Rows 512 bytes apart start in
/// the same bank, so the 8 rows a warp's accumulator layout touches at once
/// conflict 8 ways; 16 bytes more per row spreads them over the banks.
/// bf16 buffers of rows of 64k halves take 16 halves more where the kernel
/// says `pad_rows16 = 16` (config pad16=on): the accumulator layout's
/// 8 rows then share banks 2 ways at most, and the matmuls' 16-byte staging
/// reads (8 rows per quarter warp, rotated) stay free of conflicts.
int64_t rowPitch(BufType t, Operation *where);
/// Bytes a buffer takes in its space (rows of rowPitch elements, fp32 or
/// bf16, 16-byte aligned): what the emitter's offsets and every pass that
/// counts shared memory use.
int64_t bufferBytes(BufType t, Operation *where);
} // namespace mlir::tile

#endif
