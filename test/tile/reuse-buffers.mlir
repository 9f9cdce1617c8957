// RUN: linac-opt %s --pass-pipeline='builtin.module(tile.kernel(tile-reuse-buffers))' | FileCheck %s

// Three tiles of one shape, each written whole before it is read, with
// disjoint live ranges: one allocation serves all three. A tile whose first
// use reads it (carried across iterations) and one written only in parts
// keep their own.
// CHECK-LABEL: tile.kernel @k
// CHECK: %[[A:.+]] = tile.alloc {name = "a"} : <reg, 4x4xf32>
// CHECK-NOT: name = "b"
// CHECK-NOT: name = "c"
// CHECK: %[[ACC:.+]] = tile.alloc {name = "acc"} : <reg, 4x4xf32>
// CHECK: %[[P:.+]] = tile.alloc {name = "part"} : <reg, 4x4xf32>
// CHECK: scf.for
// CHECK: tile.fill %[[A]]
// CHECK: tile.ew exp %[[ACC]], %[[A]]
// CHECK: tile.ew neg %[[A]], %[[ACC]]
// CHECK: tile.ew add %[[ACC]], %[[ACC]], %[[A]]
// CHECK: tile.transpose %[[A]], %[[ACC]]
// CHECK: tile.ew copy %[[ACC]], %[[A]]
tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %a = tile.alloc {name = "a"} : <reg, 4x4xf32>
  %b = tile.alloc {name = "b"} : <reg, 4x4xf32>
  %c = tile.alloc {name = "c"} : <reg, 4x4xf32>
  %acc = tile.alloc {name = "acc"} : <reg, 4x4xf32>
  %part = tile.alloc {name = "part"} : <reg, 4x4xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %one = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    tile.fill %a, %one : <reg, 4x4xf32>
    tile.ew exp %acc, %a : <reg, 4x4xf32>, <reg, 4x4xf32>
    tile.ew neg %b, %acc : <reg, 4x4xf32>, <reg, 4x4xf32>
    tile.ew add %acc, %acc, %b : <reg, 4x4xf32>, <reg, 4x4xf32>, !tile.buf<reg, 4x4xf32>
    tile.transpose %c, %acc : <reg, 4x4xf32>, <reg, 4x4xf32>
    %top = tile.view %part[0, 0] : <reg, 4x4xf32> -> <reg, 2x4xf32>
    tile.fill %top, %one : <reg, 2x4xf32>
    tile.ew copy %acc, %c : <reg, 4x4xf32>, <reg, 4x4xf32>
    tile.ew copy %acc, %part : <reg, 4x4xf32>, <reg, 4x4xf32>
  }
}
