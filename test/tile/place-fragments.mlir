// RUN: linac-opt %s --pass-pipeline='builtin.module(tile.kernel(tile-place-fragments{budget=96}))' | FileCheck %s
// RUN: linac-opt %s --pass-pipeline='builtin.module(tile.kernel(tile-place-fragments{budget=32}))' | FileCheck %s --check-prefix=SMALL
// RUN: linac-opt %s --pass-pipeline='builtin.module(tile.kernel(tile-place-fragments))' | FileCheck %s --check-prefix=NONE
// RUN: linac-opt %s --pass-pipeline='builtin.module(tile.kernel(tile-place-fragments{budget=128}))' | FileCheck %s --check-prefix=MAP
// RUN: linac-opt %s --pass-pipeline='builtin.module(tile.kernel(tile-place-fragments{budget=96 order=bytes}))' | FileCheck %s --check-prefix=BYTES
// RUN: not linac-opt %s --pass-pipeline='builtin.module(tile.kernel(tile-place-fragments{budget=96 order=most}))' 2>&1 | FileCheck %s --check-prefix=BAD

// Two warpgroups (8 consumer warps): a 64x128 tile takes 32 registers per
// thread, a 128x128 tile 64. In the loop "o" has 4 uses (per 32
// registers), "u" 2 (per 32) and "s" 2 (per 64): busiest per register
// first, 96 registers take "o" and "u", and "s" no longer fits. Never:
// "view" (a view of it is taken), "thin" (not whole 64x64 blocks),
// "staged" (two stages), "inv" (tri_inv has no fragment form), "f32mma"
// (an fp32 matmul), "self" (accumulator and operand of one mma), "shared"
// (an operand of an mma whose accumulator is also its other operand),
// "outside" (no use in a loop), "smem" (shared).
// CHECK-LABEL: tile.kernel @k
// CHECK: tile.alloc {name = "s"} : <reg, 128x128xf32>
// CHECK: tile.alloc {fragment = 2 : i64, name = "o"} : <reg, 64x128xf32>
// CHECK: tile.alloc {fragment = 2 : i64, name = "u"} : <reg, 64x128xf32>
// CHECK: tile.alloc {name = "view"} : <reg, 64x128xf32>
// CHECK: tile.alloc {name = "thin"} : <reg, 64x1xf32>
// CHECK: tile.alloc {name = "staged"} : <reg, 64x128xf32, stages = 2>
// CHECK: tile.alloc {name = "inv"} : <reg, 64x64xf32>
// CHECK: tile.alloc {name = "f32mma"} : <reg, 64x128xf32>
// CHECK: tile.alloc {name = "self"} : <reg, 64x64xf32>
// CHECK: tile.alloc {name = "outside"} : <reg, 64x128xf32>
// CHECK: tile.alloc {name = "shared"} : <reg, 64x64xf32>
// CHECK: tile.alloc {name = "accop"} : <reg, 64x64xf32>
// CHECK: tile.alloc {name = "smem"} : <shared, 64x128xf32>
// With 32 registers only the busiest per register fits.
// SMALL: tile.alloc {name = "s"} : <reg, 128x128xf32>
// SMALL: tile.alloc {fragment = 2 : i64, name = "o"} : <reg, 64x128xf32>
// SMALL: tile.alloc {name = "u"} : <reg, 64x128xf32>
// order=bytes: the traffic saved a chunk, uses x bytes: "o" 4 x 32 KiB,
// "u" 2 x 32 KiB, "s" 2 x 64 KiB. In 96 registers "o" and "s" save 256 KiB
// where "o" and "u" (the order by uses per register) save 192.
// BYTES-LABEL: tile.kernel @k
// BYTES: tile.alloc {fragment = 2 : i64, name = "s"} : <reg, 128x128xf32>
// BYTES: tile.alloc {fragment = 2 : i64, name = "o"} : <reg, 64x128xf32>
// BYTES: tile.alloc {name = "u"} : <reg, 64x128xf32>
// BAD: order must be uses or bytes, got 'most'
// Without a budget nothing moves.
// NONE-NOT: fragment
tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 8 : i64} {
  %s = tile.alloc {name = "s"} : <reg, 128x128xf32>
  %o = tile.alloc {name = "o"} : <reg, 64x128xf32>
  %u = tile.alloc {name = "u"} : <reg, 64x128xf32>
  %view = tile.alloc {name = "view"} : <reg, 64x128xf32>
  %thin = tile.alloc {name = "thin"} : <reg, 64x1xf32>
  %staged = tile.alloc {name = "staged"} : <reg, 64x128xf32, stages = 2>
  %inv = tile.alloc {name = "inv"} : <reg, 64x64xf32>
  %f32mma = tile.alloc {name = "f32mma"} : <reg, 64x128xf32>
  %self = tile.alloc {name = "self"} : <reg, 64x64xf32>
  %outside = tile.alloc {name = "outside"} : <reg, 64x128xf32>
  %shared = tile.alloc {name = "shared"} : <reg, 64x64xf32>
  %accop = tile.alloc {name = "accop"} : <reg, 64x64xf32>
  %smem = tile.alloc {name = "smem"} : <shared, 64x128xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %one = arith.constant 1.0 : f32
  tile.fill %outside, %one : <reg, 64x128xf32>
  tile.load_state seq(%c0) head(%c0) col(%c0) -> %s : <reg, 128x128xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    tile.ew mul %o, %smem, %thin : <reg, 64x128xf32>, <shared, 64x128xf32>, !tile.buf<reg, 64x1xf32>
    tile.mask_rows %o, %c4 : <reg, 64x128xf32>
    tile.mma %u, %o, %s {operand_type = #tile<operand bf16>} : <reg, 64x128xf32>, <reg, 64x128xf32>, <reg, 128x128xf32>
    tile.mma %s, %o, %u {accumulate, transpose_a, operand_type = #tile<operand bf16>} : <reg, 128x128xf32>, <reg, 64x128xf32>, <reg, 64x128xf32>
    tile.ew exp %thin, %thin : <reg, 64x1xf32>, <reg, 64x1xf32>
    %v = tile.view %view[0, 0] : <reg, 64x128xf32> -> <reg, 64x64xf32>
    tile.ew copy %view, %smem : <reg, 64x128xf32>, <shared, 64x128xf32>
    %st = tile.stage %staged[%i] : <reg, 64x128xf32, stages = 2> -> <reg, 64x128xf32>
    tile.ew copy %st, %smem : <reg, 64x128xf32>, <shared, 64x128xf32>
    tile.tri_inv %inv, %inv : <reg, 64x64xf32>, <reg, 64x64xf32>
    tile.mma %f32mma, %inv, %smem {operand_type = #tile<operand f32>} : <reg, 64x128xf32>, <reg, 64x64xf32>, <shared, 64x128xf32>
    tile.mma %self, %self, %self {accumulate, operand_type = #tile<operand bf16>} : <reg, 64x64xf32>, <reg, 64x64xf32>, <reg, 64x64xf32>
    %accview = tile.view %accop[0, 0] : <reg, 64x64xf32> -> <reg, 64x64xf32>
    tile.mma %accop, %accview, %shared {accumulate, operand_type = #tile<operand bf16>} : <reg, 64x64xf32>, <reg, 64x64xf32>, <reg, 64x64xf32>
  }
  tile.store_state %s seq(%c0) head(%c0) col(%c0) : <reg, 128x128xf32>
}

// A chunk-parallel kernel runs its body once per chunk without a loop:
// its uses count as a loop's.
// CHECK-LABEL: tile.kernel @parallel
// CHECK: tile.alloc {fragment = 2 : i64, name = "p_acc"} : <reg, 64x128xf32>
tile.kernel @parallel attributes {grid = ["seq", "head", "chunk"], kind = "parallel", warps = 8 : i64} {
  %smem = tile.alloc {name = "p_smem"} : <shared, 64x128xf32>
  %acc = tile.alloc {name = "p_acc"} : <reg, 64x128xf32>
  tile.ew copy %acc, %smem : <reg, 64x128xf32>, <shared, 64x128xf32>
  tile.ew exp %acc, %acc : <reg, 64x128xf32>, <reg, 64x128xf32>
}

// A segment map K x (K + V) starts as [I | 0]: tile.identity of the whole
// tile, which fragments take; the same start made by a fill and an
// identity on a view of the map keeps it in memory.
// (128 registers per thread: one of them fits; "mapview", used more,
// would be taken if a view did not keep it in memory.)
// MAP-LABEL: tile.kernel @map
// MAP: tile.alloc {fragment = 2 : i64, name = "map"} : <reg, 128x256xf32>
// MAP: tile.alloc {name = "mapview"} : <reg, 128x256xf32>
tile.kernel @map attributes {grid = ["seq", "head", "segment"], kind = "segment_maps", warps = 8 : i64} {
  %map = tile.alloc {name = "map"} : <reg, 128x256xf32>
  %mapview = tile.alloc {name = "mapview"} : <reg, 128x256xf32>
  %smem = tile.alloc {name = "m_smem"} : <shared, 64x128xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  tile.identity %map : <reg, 128x256xf32>
  tile.fill %mapview, %zero : <reg, 128x256xf32>
  %left = tile.view %mapview[0, 0] : <reg, 128x256xf32> -> <reg, 128x128xf32>
  tile.identity %left : <reg, 128x128xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    tile.ew exp %map, %map : <reg, 128x256xf32>, <reg, 128x256xf32>
    tile.ew exp %mapview, %mapview : <reg, 128x256xf32>, <reg, 128x256xf32>
    tile.ew exp %mapview, %mapview : <reg, 128x256xf32>, <reg, 128x256xf32>
  }
}

// A segment's start state loaded from the combine's workspace
// (tile.load_tile) can be a fragment too: each thread loads its values.
// CHECK-LABEL: tile.kernel @outputs
// CHECK: tile.alloc {fragment = 2 : i64, name = "start"} : <reg, 128x128xf32>
tile.kernel @outputs attributes {grid = ["seq", "head", "segment"], kind = "segment_outputs", warps = 8 : i64} {
  %start = tile.alloc {name = "start"} : <reg, 128x128xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  tile.load_tile "segstart" slot(%c0, %c0, %c0) col(%c0) -> %start : <reg, 128x128xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    tile.ew exp %start, %start : <reg, 128x128xf32>, <reg, 128x128xf32>
  }
}
