// RUN: linac-opt %s --pass-pipeline='builtin.module(tile.kernel(tile-fold-accumulate{subtract=true}))' | FileCheck %s
// RUN: linac-opt %s --pass-pipeline='builtin.module(tile.kernel(tile-fold-accumulate))' | FileCheck %s --check-prefix=OFF

// The delta rule's V' = U - W S as chunk-to-tile writes it: U made whole
// first, W S into a tile of its own, the difference into a third. With the
// option the mma subtracts from U's tile and V' is U's tile: U -= W S.
// CHECK-LABEL: tile.kernel @difference
// CHECK-NOT: name = "ws"
// CHECK-NOT: name = "vp"
// CHECK: scf.for
// CHECK-NEXT: tile.mma %[[U:.+]], %{{.+}}, %{{.+}} {operand_type = #tile<operand f32>}
// CHECK-NEXT: tile.mma %[[U]], %{{.+}}, %{{.+}} {accumulate, operand_type = #tile<operand f32>, subtract}
// CHECK-NEXT: tile.mma %{{.+}}, %{{.+}}, %[[U]] {accumulate, operand_type = #tile<operand f32>, transpose_a}
// CHECK-NEXT: }
// Without it, the difference stays an element-wise op.
// OFF-LABEL: tile.kernel @difference
// OFF: tile.ew sub
// OFF-NOT: subtract
tile.kernel @difference attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %s = tile.alloc {name = "S"} : <reg, 8x8xf32>
  %t = tile.alloc {name = "t"} : <reg, 4x4xf32>
  %v = tile.alloc {name = "v"} : <reg, 4x8xf32>
  %w = tile.alloc {name = "w"} : <reg, 4x8xf32>
  %k = tile.alloc {name = "k"} : <reg, 4x8xf32>
  %u = tile.alloc {name = "u"} : <reg, 4x8xf32>
  %ws = tile.alloc {name = "ws"} : <reg, 4x8xf32>
  %vp = tile.alloc {name = "vp"} : <reg, 4x8xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    tile.mma %u, %t, %v {operand_type = #tile<operand f32>} : <reg, 4x8xf32>, <reg, 4x4xf32>, <reg, 4x8xf32>
    tile.mma %ws, %w, %s {operand_type = #tile<operand f32>} : <reg, 4x8xf32>, <reg, 4x8xf32>, <reg, 8x8xf32>
    tile.ew sub %vp, %u, %ws : <reg, 4x8xf32>, <reg, 4x8xf32>, !tile.buf<reg, 4x8xf32>
    tile.mma %s, %k, %vp {transpose_a, accumulate, operand_type = #tile<operand f32>} : <reg, 8x8xf32>, <reg, 4x8xf32>, <reg, 4x8xf32>
  }
}

// Y - X is not folded (it would need -X): the difference stays.
// CHECK-LABEL: tile.kernel @reversed
// CHECK-NOT: subtract
// CHECK: tile.ew sub
// CHECK-NOT: subtract
tile.kernel @reversed attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %s = tile.alloc {name = "S"} : <reg, 8x8xf32>
  %t = tile.alloc {name = "t"} : <reg, 4x4xf32>
  %v = tile.alloc {name = "v"} : <reg, 4x8xf32>
  %w = tile.alloc {name = "w"} : <reg, 4x8xf32>
  %k = tile.alloc {name = "k"} : <reg, 4x8xf32>
  %u = tile.alloc {name = "u"} : <reg, 4x8xf32>
  %ws = tile.alloc {name = "ws"} : <reg, 4x8xf32>
  %vp = tile.alloc {name = "vp"} : <reg, 4x8xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    tile.mma %u, %t, %v {operand_type = #tile<operand f32>} : <reg, 4x8xf32>, <reg, 4x4xf32>, <reg, 4x8xf32>
    tile.mma %ws, %w, %s {operand_type = #tile<operand f32>} : <reg, 4x8xf32>, <reg, 4x8xf32>, <reg, 8x8xf32>
    tile.ew sub %vp, %ws, %u : <reg, 4x8xf32>, <reg, 4x8xf32>, !tile.buf<reg, 4x8xf32>
    tile.mma %s, %k, %vp {transpose_a, accumulate, operand_type = #tile<operand f32>} : <reg, 8x8xf32>, <reg, 4x8xf32>, <reg, 4x8xf32>
  }
}

// In place: S = S - A B becomes S -= A B.
// CHECK-LABEL: tile.kernel @in_place
// CHECK-NOT: name = "y"
// CHECK: tile.mma %[[S:.+]], %{{.+}}, %{{.+}} {accumulate, operand_type = #tile<operand f32>, subtract}
tile.kernel @in_place attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %s = tile.alloc {name = "S"} : <reg, 8x8xf32>
  %a = tile.alloc {name = "a"} : <reg, 8x4xf32>
  %b = tile.alloc {name = "b"} : <reg, 4x8xf32>
  %y = tile.alloc {name = "y"} : <reg, 8x8xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    tile.mma %y, %a, %b {operand_type = #tile<operand f32>} : <reg, 8x8xf32>, <reg, 8x4xf32>, <reg, 4x8xf32>
    tile.ew sub %s, %s, %y : <reg, 8x8xf32>, <reg, 8x8xf32>, !tile.buf<reg, 8x8xf32>
  }
}

// Through the driver: KDA's and GDN's V' = U - W S with foldsub=on.
// RUN: linac compile %examples/kda.lin --emit tile --shape B=1,T=128,H=1,K=128,V=128 --config foldsub=on | FileCheck %s --check-prefix=KDA
// KDA: tile.mma {{.+}} {accumulate, operand_type = #tile<operand {{.+}}>, subtract}
// RUN: linac compile %examples/gdn.lin --emit tile --shape B=1,T=128,H=1,K=128,V=128 --config foldsub=on | FileCheck %s --check-prefix=GDN
// GDN: tile.mma {{.+}} {accumulate, operand_type = #tile<operand {{.+}}>, subtract}
// And the emitted call says so (a trailing `true`).
// RUN: linac compile %examples/kda.lin --emit cuda --target sm_90a --shape B=1,T=128,H=1,K=128,V=128 --config foldsub=on | FileCheck %s --check-prefix=EMIT
// EMIT: mma(blk, {{.+}}, Operand::bf16, true);
// On the cpu target against the float64 reference (ragged varlen batch,
// initial state): the delta rules whose V' = U - W S folds (KDA, kda_safe,
// GDN, DeltaNet), in the sm_90a placement (chunk 64, promotion).
// RUN: linac run %examples/kda.lin --target cpu --seed 3 --shape B=1,T=300,H=2,HV=4,K=128,V=128 --seqlens 1,0,140,159 --initial-state --config chunk=64,sub=64,foldsub=on --check | FileCheck %s --check-prefix=OK
// RUN: linac run %examples/kda_safe.lin --target cpu --seed 4 --shape B=1,T=200,H=2,K=128,V=128 --seqlens 63,137 --initial-state --gates strong --config chunk=64,sub=64,foldsub=on --check | FileCheck %s --check-prefix=OK
// RUN: linac run %examples/gdn.lin --target cpu --seed 5 --shape B=1,T=300,H=2,HV=4,K=128,V=128 --seqlens 1,0,140,159 --initial-state --config chunk=64,sub=64,foldsub=on --check | FileCheck %s --check-prefix=OK
// RUN: linac run %examples/deltanet.lin --target cpu --seed 6 --shape B=2,T=130,H=2,K=64,V=64 --initial-state --config chunk=64,sub=64,foldsub=on --check | FileCheck %s --check-prefix=OK
// OK: check against the float64 reference: {{.+}}: ok

// A difference of a difference: Y = A B - C D (folded first, in place),
// then X - Y: X -= A B, X += C D (the second mma's sign flips back).
// CHECK-LABEL: tile.kernel @nested
// CHECK: tile.mma %[[X:.+]], %{{.+}}, %{{.+}} {accumulate, operand_type = #tile<operand f32>, subtract}
// CHECK-NEXT: tile.mma %[[X]], %{{.+}}, %{{.+}} {accumulate, operand_type = #tile<operand f32>}
// CHECK-NOT: tile.ew sub
tile.kernel @nested attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %a = tile.alloc {name = "a"} : <reg, 8x4xf32>
  %b = tile.alloc {name = "b"} : <reg, 4x8xf32>
  %c = tile.alloc {name = "c"} : <reg, 8x4xf32>
  %d = tile.alloc {name = "d"} : <reg, 4x8xf32>
  %x = tile.alloc {name = "x"} : <reg, 8x8xf32>
  %y = tile.alloc {name = "y"} : <reg, 8x8xf32>
  %cd = tile.alloc {name = "cd"} : <reg, 8x8xf32>
  %z = tile.alloc {name = "z"} : <reg, 8x8xf32>
  %o = tile.alloc {name = "o"} : <reg, 8x8xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %one = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    tile.fill %x, %one : <reg, 8x8xf32>
    tile.mma %y, %a, %b {operand_type = #tile<operand f32>} : <reg, 8x8xf32>, <reg, 8x4xf32>, <reg, 4x8xf32>
    tile.mma %cd, %c, %d {operand_type = #tile<operand f32>} : <reg, 8x8xf32>, <reg, 8x4xf32>, <reg, 4x8xf32>
    tile.ew sub %y, %y, %cd : <reg, 8x8xf32>, <reg, 8x8xf32>, !tile.buf<reg, 8x8xf32>
    tile.ew sub %z, %x, %y : <reg, 8x8xf32>, <reg, 8x8xf32>, !tile.buf<reg, 8x8xf32>
    tile.ew copy %o, %z : <reg, 8x8xf32>, <reg, 8x8xf32>
  }
}
