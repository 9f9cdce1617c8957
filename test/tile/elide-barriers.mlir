// RUN: linac-opt %s --pass-pipeline='builtin.module(tile.kernel(tile-elide-barriers))' | FileCheck %s

// In the chunk loop, an op leaves out its closing barrier (`no_barrier`)
// where the next step depends on no step since the last barrier and closes
// with one of its own:
//   b = exp a     no_barrier (d = exp c reads and writes neither)
//   d = exp c     keeps it   (e = exp b reads b, written since the barrier)
//   e = exp b     no_barrier (the matmul touches none of a..e)
//   m = p q^T     keeps it   (tri_inv works in the matmuls' staging area)
//   t = inv u     keeps it   (tri_inv never leaves its barrier out)
//   h = exp a     keeps it   (the next step, on fragments alone, closes
//                             with no barrier)
//   f2 = exp f1   no_barrier (k = exp c needs neither fragment)
//   k = exp c     no_barrier (tile.barrier closes the loop body)
//   a = exp k     outside the loop: left alone
// CHECK-LABEL: tile.kernel @k
// CHECK: scf.for
// CHECK-NEXT: tile.ew exp %[[B:.+]], %{{.+}} {no_barrier}
// CHECK-NEXT: tile.ew exp %{{[^ ]+}}, %{{[^ ]+}} :
// CHECK-NEXT: tile.ew exp %{{[^ ]+}}, %[[B]] {no_barrier}
// CHECK-NEXT: tile.mma {{.*}}operand_type = #tile<operand bf16>, transpose_b}
// CHECK-NEXT: tile.tri_inv %{{[^ ]+}}, %{{[^ ]+}} :
// CHECK-NEXT: tile.ew exp %{{[^ ]+}}, %{{[^ ]+}} :
// CHECK-NEXT: tile.ew exp {{.*}} {no_barrier}
// CHECK-NEXT: tile.ew exp {{.*}} {no_barrier}
// CHECK-NEXT: tile.barrier
// CHECK: }
// CHECK-NEXT: tile.ew exp %{{[^ ]+}}, %{{[^ ]+}} :
tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 8 : i64} {
  %a = tile.alloc {name = "a"} : <shared, 8x4xf32>
  %b = tile.alloc {name = "b"} : <shared, 8x4xf32>
  %c = tile.alloc {name = "c"} : <shared, 8x4xf32>
  %d = tile.alloc {name = "d"} : <shared, 8x4xf32>
  %e = tile.alloc {name = "e"} : <shared, 8x4xf32>
  %h = tile.alloc {name = "h"} : <shared, 8x4xf32>
  %k = tile.alloc {name = "k"} : <shared, 8x4xf32>
  %p = tile.alloc {name = "p"} : <shared, 64x128xf32>
  %q = tile.alloc {name = "q"} : <shared, 64x128xf32>
  %m = tile.alloc {name = "m"} : <shared, 64x64xf32>
  %t = tile.alloc {name = "t"} : <shared, 64x64xf32>
  %u = tile.alloc {name = "u"} : <shared, 64x64xf32>
  %f1 = tile.alloc {fragment = 2 : i64, name = "f1"} : <reg, 64x64xf32>
  %f2 = tile.alloc {fragment = 2 : i64, name = "f2"} : <reg, 64x64xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    tile.ew exp %b, %a : <shared, 8x4xf32>, <shared, 8x4xf32>
    tile.ew exp %d, %c : <shared, 8x4xf32>, <shared, 8x4xf32>
    tile.ew exp %e, %b : <shared, 8x4xf32>, <shared, 8x4xf32>
    tile.mma %m, %p, %q {transpose_b, operand_type = #tile<operand bf16>} : <shared, 64x64xf32>, <shared, 64x128xf32>, <shared, 64x128xf32>
    tile.tri_inv %t, %u : <shared, 64x64xf32>, <shared, 64x64xf32>
    tile.ew exp %h, %a : <shared, 8x4xf32>, <shared, 8x4xf32>
    tile.ew exp %f2, %f1 : <reg, 64x64xf32>, <reg, 64x64xf32>
    tile.ew exp %k, %c : <shared, 8x4xf32>, <shared, 8x4xf32>
    tile.barrier
  }
  tile.ew exp %a, %k : <shared, 8x4xf32>, <shared, 8x4xf32>
}
