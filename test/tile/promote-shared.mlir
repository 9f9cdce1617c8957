// RUN: linac-opt %s --pass-pipeline='builtin.module(tile.kernel(tile-promote-shared{limit=1024 reserved=256}))' | FileCheck %s
// RUN: linac-opt %s --pass-pipeline='builtin.module(tile.kernel(tile-promote-shared))' | FileCheck %s --check-prefix=NONE

// 1024 bytes per block, 256 reserved, 256 taken by the shared input buffer:
// 512 left. In the loop, "hot" (64 bytes, 3 uses, one through a view) and
// "warm" (256 bytes, 2 uses) fit, most uses per byte first; "big" (256
// bytes, 1 use) no longer does; "outside" is used only outside the loop.
// The view of a promoted tile moves with it.
// CHECK-LABEL: tile.kernel @k
// CHECK: tile.alloc {name = "in"} : <shared, 8x8xf32>
// CHECK: tile.alloc {name = "hot"} : <shared, 4x4xf32>
// CHECK: tile.alloc {name = "warm"} : <shared, 8x8xf32>
// CHECK: tile.alloc {name = "big"} : <reg, 8x8xf32>
// CHECK: tile.alloc {name = "outside"} : <reg, 4x4xf32>
// CHECK: tile.view {{.*}} : <shared, 4x4xf32> -> <shared, 2x4xf32>
// Without a limit nothing moves.
// NONE: tile.alloc {name = "hot"} : <reg, 4x4xf32>
// NONE: tile.alloc {name = "warm"} : <reg, 8x8xf32>
tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %in = tile.alloc {name = "in"} : <shared, 8x8xf32>
  %hot = tile.alloc {name = "hot"} : <reg, 4x4xf32>
  %warm = tile.alloc {name = "warm"} : <reg, 8x8xf32>
  %big = tile.alloc {name = "big"} : <reg, 8x8xf32>
  %outside = tile.alloc {name = "outside"} : <reg, 4x4xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %one = arith.constant 1.0 : f32
  tile.fill %outside, %one : <reg, 4x4xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    tile.fill %hot, %one : <reg, 4x4xf32>
    %top = tile.view %hot[0, 0] : <reg, 4x4xf32> -> <reg, 2x4xf32>
    tile.fill %top, %one : <reg, 2x4xf32>
    tile.ew exp %hot, %hot : <reg, 4x4xf32>, <reg, 4x4xf32>
    tile.ew copy %warm, %in : <reg, 8x8xf32>, <shared, 8x8xf32>
    tile.ew neg %big, %warm : <reg, 8x8xf32>, <reg, 8x8xf32>
  }
}

// A chunk-parallel kernel has no chunk loop: each block runs its body once
// per chunk, so every use counts ("p_hot" 3 uses of 256 bytes, "p_cold"
// 1 of 512: only the first fits the 512 bytes left).
// CHECK-LABEL: tile.kernel @parallel
// CHECK: tile.alloc {name = "p_hot"} : <shared, 8x8xf32>
// CHECK: tile.alloc {name = "p_cold"} : <reg, 16x8xf32>
tile.kernel @parallel attributes {grid = ["seq", "head", "chunk"], kind = "parallel", warps = 4 : i64} {
  %in = tile.alloc {name = "in"} : <shared, 8x8xf32>
  %hot = tile.alloc {name = "p_hot"} : <reg, 8x8xf32>
  %cold = tile.alloc {name = "p_cold"} : <reg, 16x8xf32>
  %one = arith.constant 1.0 : f32
  tile.ew copy %hot, %in : <reg, 8x8xf32>, <shared, 8x8xf32>
  tile.ew exp %hot, %hot : <reg, 8x8xf32>, <reg, 8x8xf32>
  tile.ew neg %hot, %hot : <reg, 8x8xf32>, <reg, 8x8xf32>
  tile.fill %cold, %one : <reg, 16x8xf32>
}
