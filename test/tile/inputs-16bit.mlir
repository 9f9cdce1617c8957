// RUN: linac-opt %s --split-input-file --pass-pipeline='builtin.module(tile.kernel(tile-inputs-16bit))' | FileCheck %s

// Stages filled only by copies of an input: %q (two stages) is read by a row
// norm and an element-wise op, %v by a bf16 matmul of whole blocks: both
// bf16. %k is also written by an element-wise op, %g has one column (no
// whole 16-byte pieces), %f is read by an f32 matmul, %w is filled from a
// workspace: they stay f32.
// CHECK-LABEL: tile.kernel @k
// CHECK-DAG: %[[Q:.+]] = tile.alloc {name = "q"} : <shared, 64x128xbf16, stages = 2>
// CHECK-DAG: tile.alloc {name = "v"} : <shared, 64x64xbf16>
// CHECK-DAG: tile.alloc {name = "k"} : <shared, 64x128xf32>
// CHECK-DAG: tile.alloc {name = "g"} : <shared, 64x1xf32>
// CHECK-DAG: tile.alloc {name = "f"} : <shared, 64x64xf32>
// CHECK-DAG: tile.alloc {name = "w"} : <shared, 64x64xf32>
// CHECK: %[[Q1:.+]] = tile.stage %[[Q]][%{{.+}}] : <shared, 64x128xbf16, stages = 2> -> <shared, 64x128xbf16>
// CHECK: tile.copy_async "q" {{.*}} -> %[[Q1]] : <shared, 64x128xbf16>
// CHECK: tile.row_l2norm %{{.+}}, %[[Q1]] : <shared, 64x128xf32>, <shared, 64x128xbf16>
// CHECK: tile.row_inv_norm %{{.+}}, %[[Q1]] : <shared, 64x1xf32>, <shared, 64x128xbf16>
// CHECK: tile.ew  mul %{{.+}}, %[[Q1]], %{{.+}} : <reg, 64x128xf32>, <shared, 64x128xbf16>, !tile.buf<shared, 64x1xf32>
tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %q = tile.alloc {name = "q"} : <shared, 64x128xf32, stages = 2>
  %v = tile.alloc {name = "v"} : <shared, 64x64xf32>
  %k = tile.alloc {name = "k"} : <shared, 64x128xf32>
  %g = tile.alloc {name = "g"} : <shared, 64x1xf32>
  %f = tile.alloc {name = "f"} : <shared, 64x64xf32>
  %w = tile.alloc {name = "w"} : <shared, 64x64xf32>
  %n = tile.alloc {name = "n"} : <shared, 64x128xf32>
  %m = tile.alloc {name = "m"} : <shared, 64x1xf32>
  %r = tile.alloc {name = "r"} : <reg, 64x128xf32>
  %o = tile.alloc {name = "o"} : <shared, 64x64xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %q1 = tile.stage %q[%c1] : <shared, 64x128xf32, stages = 2> -> <shared, 64x128xf32>
  %tq = tile.copy_async "q" rows(%c0 + %c0, %c64) head(%c0) col(%c0) -> %q1 : <shared, 64x128xf32>
  %tv = tile.copy_async "v" rows(%c0 + %c0, %c64) head(%c0) col(%c0) -> %v : <shared, 64x64xf32>
  %tk = tile.copy_async "k" rows(%c0 + %c0, %c64) head(%c0) col(%c0) -> %k : <shared, 64x128xf32>
  %tg = tile.copy_async "g" rows(%c0 + %c0, %c64) head(%c0) col(%c0) -> %g : <shared, 64x1xf32>
  %tf = tile.copy_async "f" rows(%c0 + %c0, %c64) head(%c0) col(%c0) -> %f : <shared, 64x64xf32>
  %tw = tile.copy_tile_async "ws0" slot(%c0, %c0, %c0) col(%c0) valid(%c1) -> %w : <shared, 64x64xf32>
  tile.wait %tq
  tile.wait %tv
  tile.wait %tk
  tile.wait %tg
  tile.wait %tf
  tile.wait %tw
  tile.row_l2norm %n, %q1 : <shared, 64x128xf32>, <shared, 64x128xf32>
  tile.row_inv_norm %m, %q1 : <shared, 64x1xf32>, <shared, 64x128xf32>
  tile.ew mul %r, %q1, %g : <reg, 64x128xf32>, <shared, 64x128xf32>, !tile.buf<shared, 64x1xf32>
  tile.mma %o, %v, %v {operand_type = #tile<operand bf16>} : <shared, 64x64xf32>, <shared, 64x64xf32>, <shared, 64x64xf32>
  tile.mma %o, %f, %f {operand_type = #tile<operand f32>} : <shared, 64x64xf32>, <shared, 64x64xf32>, <shared, 64x64xf32>
  tile.mma %o, %w, %v {operand_type = #tile<operand bf16>} : <shared, 64x64xf32>, <shared, 64x64xf32>, <shared, 64x64xf32>
  tile.ew exp %k, %n : <shared, 64x128xf32>, <shared, 64x128xf32>
  tile.ew exp %r, %k : <reg, 64x128xf32>, <shared, 64x128xf32>
}
