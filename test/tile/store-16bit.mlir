// RUN: linac-opt %s --split-input-file --pass-pipeline='builtin.module(tile.kernel(tile-store-16bit))' | FileCheck %s

// %h (two stages) is written by copies of f32 tiles and read only as bf16
// operands of whole-block matmuls: stored in bf16, its stages too. %w is
// written by a workspace copy and read by a bf16 matmul: bf16. %u is also
// read by an element-wise op, %f by an f32 matmul, %acc accumulates, %part
// is read by a matmul of 32 columns (not whole 64 x 64 blocks), %r is in
// registers: they stay f32.
// CHECK-LABEL: tile.kernel @k
// CHECK-DAG: %[[H:.+]] = tile.alloc {name = "h"} : <shared, 64x64xbf16, stages = 2>
// CHECK-DAG: tile.alloc {name = "w"} : <shared, 64x64xbf16>
// CHECK-DAG: tile.alloc {name = "u"} : <shared, 64x64xf32>
// CHECK-DAG: tile.alloc {name = "f"} : <shared, 64x64xf32>
// CHECK-DAG: tile.alloc {name = "acc"} : <shared, 64x64xf32>
// CHECK-DAG: tile.alloc {name = "part"} : <shared, 64x64xf32>
// CHECK-DAG: tile.alloc {name = "r"} : <reg, 64x64xf32>
// CHECK: %[[H0:.+]] = tile.stage %[[H]][%{{.+}}] : <shared, 64x64xbf16, stages = 2> -> <shared, 64x64xbf16>
// CHECK: tile.ew  copy %[[H0]], %{{.+}} : <shared, 64x64xbf16>, <reg, 64x64xf32>
// CHECK: tile.mma %{{.+}}, %[[H0]], %{{.+}} {operand_type = #tile<operand bf16>} : <shared, 64x64xf32>, <shared, 64x64xbf16>, <reg, 64x64xf32>
tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %h = tile.alloc {name = "h"} : <shared, 64x64xf32, stages = 2>
  %w = tile.alloc {name = "w"} : <shared, 64x64xf32>
  %u = tile.alloc {name = "u"} : <shared, 64x64xf32>
  %f = tile.alloc {name = "f"} : <shared, 64x64xf32>
  %acc = tile.alloc {name = "acc"} : <shared, 64x64xf32>
  %part = tile.alloc {name = "part"} : <shared, 64x64xf32>
  %r = tile.alloc {name = "r"} : <reg, 64x64xf32>
  %o = tile.alloc {name = "o"} : <shared, 64x64xf32>
  %o32 = tile.alloc {name = "o32"} : <shared, 64x32xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %h0 = tile.stage %h[%c1] : <shared, 64x64xf32, stages = 2> -> <shared, 64x64xf32>
  tile.ew copy %h0, %r : <shared, 64x64xf32>, <reg, 64x64xf32>
  tile.mma %o, %h0, %r {operand_type = #tile<operand bf16>} : <shared, 64x64xf32>, <shared, 64x64xf32>, <reg, 64x64xf32>
  %t = tile.copy_tile_async "ws0" slot(%c0, %c0, %c0) col(%c0) valid(%c1) -> %w : <shared, 64x64xf32>
  tile.wait %t
  tile.mma %o, %w, %r {accumulate, operand_type = #tile<operand bf16>, transpose_a} : <shared, 64x64xf32>, <shared, 64x64xf32>, <reg, 64x64xf32>
  tile.ew copy %u, %r : <shared, 64x64xf32>, <reg, 64x64xf32>
  tile.mma %o, %u, %r {operand_type = #tile<operand bf16>} : <shared, 64x64xf32>, <shared, 64x64xf32>, <reg, 64x64xf32>
  tile.ew exp %r, %u : <reg, 64x64xf32>, <shared, 64x64xf32>
  tile.ew copy %f, %r : <shared, 64x64xf32>, <reg, 64x64xf32>
  tile.mma %o, %f, %r {operand_type = #tile<operand f32>} : <shared, 64x64xf32>, <shared, 64x64xf32>, <reg, 64x64xf32>
  tile.ew copy %acc, %r : <shared, 64x64xf32>, <reg, 64x64xf32>
  tile.mma %acc, %r, %r {accumulate, operand_type = #tile<operand bf16>} : <shared, 64x64xf32>, <reg, 64x64xf32>, <reg, 64x64xf32>
  tile.ew copy %part, %r : <shared, 64x64xf32>, <reg, 64x64xf32>
  %p = tile.view %part[0, 0] : <shared, 64x64xf32> -> <shared, 64x32xf32>
  tile.mma %o32, %r, %p {operand_type = #tile<operand bf16>} : <shared, 64x32xf32>, <reg, 64x64xf32>, <shared, 64x32xf32>
  tile.ew copy %r, %o : <reg, 64x64xf32>, <shared, 64x64xf32>
}

// -----

// A matmul whose accumulator is also its other operand (the libraries'
// bf16 path has no one-block-at-a-time fallback for it): %h stays f32.
// CHECK-LABEL: tile.kernel @overlap
// CHECK: tile.alloc {name = "h"} : <shared, 64x64xf32>
tile.kernel @overlap attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %h = tile.alloc {name = "h"} : <shared, 64x64xf32>
  %acc = tile.alloc {name = "acc"} : <shared, 64x64xf32>
  %r = tile.alloc {name = "r"} : <reg, 64x64xf32>
  tile.ew copy %h, %r : <shared, 64x64xf32>, <reg, 64x64xf32>
  tile.ew copy %acc, %r : <shared, 64x64xf32>, <reg, 64x64xf32>
  tile.mma %acc, %h, %acc {operand_type = #tile<operand bf16>} : <shared, 64x64xf32>, <shared, 64x64xf32>, <shared, 64x64xf32>
}
