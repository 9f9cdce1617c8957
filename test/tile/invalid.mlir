// Verifier errors of the tile dialect.
// RUN: linac-opt %s -split-input-file -verify-diagnostics

tile.kernel @k attributes {grid = ["seq", "head", "segment"], kind = "segment_combine", warps = 4 : i64} {
  %c0 = arith.constant 0 : index
  %s = tile.alloc {name = "s"} : <reg, 16x8xf32>
  // expected-error @+1 {{'tile.store_tile' op a slot of 4 columns cannot hold a tile of 8}}
  tile.store_tile %s -> "segstart" slot(%c0, %c0, %c0) col(%c0) {width = 4 : i64} : <reg, 16x8xf32>
}

// -----

tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %a = tile.alloc {name = "a"} : <reg, 4x4xf32>
  // expected-error @+1 {{'tile.view' op view [2, 0] of 4x4 is outside 4x4}}
  %v = tile.view %a [2, 0] : <reg, 4x4xf32> -> <reg, 4x4xf32>
}

// -----

tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %c0 = arith.constant 0 : index
  %s = tile.alloc {name = "s"} : <reg, 4x4xf32>
  // expected-error @+1 {{'tile.store_tile' op a slot must have at least one column, got -1}}
  tile.store_tile %s -> "w" slot(%c0, %c0, %c0) col(%c0) {width = -1 : i64} : <reg, 4x4xf32>
}

// -----

tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %c0 = arith.constant 0 : index
  %s = tile.alloc {name = "s"} : <reg, 4x4xf32>
  // expected-error @+1 {{'tile.store_tile' op a slot must stand for at least one chunk, got 0}}
  tile.store_tile %s -> "w" slot(%c0, %c0, %c0) col(%c0) {slot_chunks = 0 : i64} : <reg, 4x4xf32>
}

// -----

tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %c0 = arith.constant 0 : index
  %l = tile.alloc {name = "l"} : <shared, 8x8xf32>
  %d = tile.alloc {name = "d"} : <shared, 8x32xf32>
  // expected-error @+1 {{'tile.take_rows' op a landing buffer of 8 x 8 fp32 elements does not hold 8 rows of 32 16-bit values (one per row, or a multiple of 8)}}
  %t = tile.take_rows "q" rows(%c0 + %c0, %c0) head(%c0) col(%c0) from %l -> %d : <shared, 8x8xf32>, <shared, 8x32xf32>
}

// -----

// Rows go into a shared stage or a fragment (tile-take-into-fragments), not
// into a register tile that lives in memory.
tile.kernel @take_into_reg attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %c0 = arith.constant 0 : index
  %l = tile.alloc {name = "l"} : <shared, 64x32xf32>
  %d = tile.alloc {name = "d"} : <reg, 64x64xf32>
  // expected-error @+1 {{'tile.take_rows' op takes rows into one shared stage or a fragment}}
  %t = tile.take_rows "q" rows(%c0 + %c0, %c0) head(%c0) col(%c0) from %l -> %d : <shared, 64x32xf32>, <reg, 64x64xf32>
}

// -----

tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %c0 = arith.constant 0 : index
  %l = tile.alloc {name = "l"} : <reg, 8x8xf32>
  // expected-error @+1 {{'tile.prefetch_rows' op lands rows in a one-stage shared buffer}}
  tile.prefetch_rows "q" rows(%c0 + %c0) head(%c0) col(%c0) -> %l : <reg, 8x8xf32>
}

// -----

tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %c0 = arith.constant 0 : index
  %l = tile.alloc {name = "l"} : <shared, 8x3xf32>
  // expected-error @+1 {{'tile.prefetch_rows' op a landing buffer of 8 x 3 fp32 elements does not hold 8 rows of 6 16-bit values (one per row, or a multiple of 8)}}
  tile.prefetch_rows "q" rows(%c0 + %c0) head(%c0) col(%c0) -> %l : <shared, 8x3xf32>
}

// -----

tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %h = tile.alloc {name = "h"} : <shared, 64x64xbf16>
  %r = tile.alloc {name = "r"} : <reg, 64x64xf32>
  // expected-error @+1 {{'tile.ew' op uses a bf16 tile, which only an element-wise copy or tile.copy_tile_async may write and only a bf16 matmul may read (as an operand)}}
  tile.ew exp %r, %h : <reg, 64x64xf32>, <shared, 64x64xbf16>
}

// -----

tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %h = tile.alloc {name = "h"} : <shared, 64x64xbf16>
  %r = tile.alloc {name = "r"} : <reg, 64x64xf32>
  // expected-error @+1 {{'tile.mma' op uses a bf16 tile}}
  tile.mma %r, %h, %r {operand_type = #tile<operand f32>} : <reg, 64x64xf32>, <shared, 64x64xbf16>, <reg, 64x64xf32>
}

// -----

tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %a = tile.alloc {name = "a"} : <reg, 8x8xf32>
  %c = tile.alloc {name = "c"} : <reg, 8x8xf32>
  // expected-error @+1 {{'tile.mma' op subtracts only from an accumulator it reads (accumulate)}}
  tile.mma %c, %a, %a {operand_type = #tile<operand f32>, subtract} : <reg, 8x8xf32>, <reg, 8x8xf32>, <reg, 8x8xf32>
}

// -----

tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  // expected-error @+1 {{'tile.alloc' op a bf16 tile must be in shared memory}}
  %h = tile.alloc {name = "h"} : <reg, 64x64xbf16>
}

// -----

tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %c0 = arith.constant 0 : index
  %h = tile.alloc {name = "h"} : <shared, 64x64xbf16, stages = 2>
  // expected-error @+1 {{'tile.stage' op result must be one stage of the buffer}}
  %s = tile.stage %h[%c0] : <shared, 64x64xbf16, stages = 2> -> <shared, 64x64xf32>
}

// -----

// A bf16 input stage (tile-inputs-16bit) may be read by element-wise ops
// and row norms, not written by them.
tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %q = tile.alloc {name = "q"} : <shared, 64x128xbf16>
  %r = tile.alloc {name = "r"} : <reg, 64x128xf32>
  %t = tile.copy_async "q" rows(%c0 + %c0, %c64) head(%c0) col(%c0) -> %q : <shared, 64x128xbf16>
  tile.wait %t
  tile.row_l2norm %r, %q : <reg, 64x128xf32>, <shared, 64x128xbf16>
  tile.ew exp %r, %q : <reg, 64x128xf32>, <shared, 64x128xbf16>
  // expected-error @+1 {{'tile.ew' op uses a bf16 input stage, which only tile.copy_async may write and only element-wise ops, row norms, Gram blocks' operands and bf16 matmuls may read}}
  tile.ew exp %q, %r : <shared, 64x128xbf16>, <reg, 64x128xf32>
}

// -----

// A mask's scales are columns of dst's rows and of its columns.
tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %g = tile.alloc {name = "g"} : <reg, 64x64xf32>
  %r = tile.alloc {name = "r"} : <reg, 1x64xf32>
  // expected-error @+1 {{'tile.causal_mask' op row scale must be 64x1}}
  tile.causal_mask %g rows(%r : !tile.buf<reg, 1x64xf32>) : <reg, 64x64xf32>
}

// -----

tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %g = tile.alloc {name = "g"} : <reg, 64x64xf32>
  %d = tile.alloc {name = "d"} : <reg, 64x1xf32>
  %c = tile.alloc {name = "c"} : <reg, 32x1xf32>
  // expected-error @+1 {{'tile.decay_mask' op column scale must be 64x1}}
  tile.decay_mask %g, %d, %d cols(%c : !tile.buf<reg, 32x1xf32>) : <reg, 64x64xf32>, <reg, 64x1xf32>, <reg, 64x1xf32>
}
