// RUN: linac-opt %s --pass-pipeline='builtin.module(tile.kernel(tile-pair-grams))' | FileCheck %s

// "m" (inclusive, lhs q) has the right operand and decays of "a" (lhs bk):
// it moves right after "a", its views with it, marked `paired`, past the
// ops in between, which touch neither its operands nor its output. "w"
// (same operands) stays where it is: "a" has its pair, and a Gram matrix
// pairs once. "bnd" (a decay bound: another form) is never paired. In the
// second loop "m2" stays: its lhs is written between it and "a2".
// CHECK-LABEL: tile.kernel @k
// CHECK: scf.for
// CHECK: tile.gram_diag %[[A:[^,]+]], %{{[^ ]+}}, %{{[^ ]+}}, %{{[^ ]+}}, %{{[^ ]+}} {operand_type
// CHECK-NEXT: tile.gram_diag %[[M:[^,]+]], %{{.+}} {inclusive, operand_type = #tile<operand bf16>, paired}
// CHECK-NEXT: tile.tri_inv %{{[^,]+}}, %[[A]]
// CHECK: tile.ew exp %[[X:[^,]+]],
// CHECK-NEXT: tile.gram_diag %{{[^,]+}}, %[[X]], {{.*}}operand_type = #tile<operand bf16>}
// CHECK-NEXT: tile.gram_diag {{.*}}decay_bound
// CHECK: scf.for
// CHECK-NEXT: tile.gram_diag
// CHECK-NEXT: tile.ew exp
// CHECK-NEXT: tile.gram_diag
// CHECK-NOT: paired
tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 8 : i64} {
  %bk = tile.alloc {name = "bk"} : <reg, 64x128xf32>
  %q = tile.alloc {name = "q"} : <reg, 64x128xf32>
  %x = tile.alloc {name = "x"} : <reg, 64x128xf32>
  %k = tile.alloc {name = "k"} : <reg, 64x128xf32>
  %g = tile.alloc {name = "g"} : <reg, 64x128xf32>
  %a = tile.alloc {name = "a"} : <reg, 64x64xf32>
  %t = tile.alloc {name = "t"} : <reg, 64x64xf32>
  %m = tile.alloc {name = "m"} : <reg, 64x64xf32>
  %w = tile.alloc {name = "w"} : <reg, 64x64xf32>
  %b = tile.alloc {name = "b"} : <reg, 64x64xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    %k1 = tile.view %k[0, 0] : <reg, 64x128xf32> -> <reg, 64x128xf32>
    tile.gram_diag %a, %bk, %k1, %g, %g {operand_type = #tile<operand bf16>} : !tile.buf<reg, 64x64xf32>, !tile.buf<reg, 64x128xf32>, !tile.buf<reg, 64x128xf32>, !tile.buf<reg, 64x128xf32>, !tile.buf<reg, 64x128xf32>
    tile.tri_inv %t, %a : <reg, 64x64xf32>, <reg, 64x64xf32>
    tile.ew exp %x, %bk : <reg, 64x128xf32>, <reg, 64x128xf32>
    %k2 = tile.view %k[0, 0] : <reg, 64x128xf32> -> <reg, 64x128xf32>
    tile.gram_diag %m, %q, %k2, %g, %g {inclusive, operand_type = #tile<operand bf16>} : !tile.buf<reg, 64x64xf32>, !tile.buf<reg, 64x128xf32>, !tile.buf<reg, 64x128xf32>, !tile.buf<reg, 64x128xf32>, !tile.buf<reg, 64x128xf32>
    tile.gram_diag %w, %x, %k, %g, %g {operand_type = #tile<operand bf16>} : !tile.buf<reg, 64x64xf32>, !tile.buf<reg, 64x128xf32>, !tile.buf<reg, 64x128xf32>, !tile.buf<reg, 64x128xf32>, !tile.buf<reg, 64x128xf32>
    tile.gram_diag %b, %q, %k, %g, %g {decay_bound = 5.0 : f64, operand_type = #tile<operand bf16>} : !tile.buf<reg, 64x64xf32>, !tile.buf<reg, 64x128xf32>, !tile.buf<reg, 64x128xf32>, !tile.buf<reg, 64x128xf32>, !tile.buf<reg, 64x128xf32>
  }
  scf.for %i = %c0 to %c4 step %c1 {
    tile.gram_diag %a, %bk, %k, %g, %g {operand_type = #tile<operand bf16>} : !tile.buf<reg, 64x64xf32>, !tile.buf<reg, 64x128xf32>, !tile.buf<reg, 64x128xf32>, !tile.buf<reg, 64x128xf32>, !tile.buf<reg, 64x128xf32>
    tile.ew exp %q, %bk : <reg, 64x128xf32>, <reg, 64x128xf32>
    tile.gram_diag %m, %q, %k, %g, %g {inclusive, operand_type = #tile<operand bf16>} : !tile.buf<reg, 64x64xf32>, !tile.buf<reg, 64x128xf32>, !tile.buf<reg, 64x128xf32>, !tile.buf<reg, 64x128xf32>, !tile.buf<reg, 64x128xf32>
  }
}
