// RUN: linac-opt %s --pass-pipeline='builtin.module(tile.kernel(tile-fold-accumulate))' | FileCheck %s

// The state update as chunk-to-tile writes it: X = g S, Y = A^T B,
// Z = X + Y, S = Z. The sum folds into the mma (accumulating into X), then
// the copy into S folds into X's writers: S = g S in place, S += A^T B.
// CHECK-LABEL: tile.kernel @update
// CHECK-NOT: name = "x"
// CHECK-NOT: name = "y"
// CHECK-NOT: name = "z"
// CHECK: scf.for
// CHECK-NEXT: tile.ew mul %[[S:.+]], %{{.+}}, %[[S]] :
// CHECK-NEXT: tile.mma %[[S]], %{{.+}}, %{{.+}} {accumulate, operand_type = #tile<operand f32>, transpose_a}
// CHECK-NEXT: }
tile.kernel @update attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %s = tile.alloc {name = "S"} : <reg, 8x8xf32>
  %g = tile.alloc {name = "g"} : <reg, 1x1xf32>
  %a = tile.alloc {name = "a"} : <reg, 4x8xf32>
  %b = tile.alloc {name = "b"} : <reg, 4x8xf32>
  %x = tile.alloc {name = "x"} : <reg, 8x8xf32>
  %y = tile.alloc {name = "y"} : <reg, 8x8xf32>
  %z = tile.alloc {name = "z"} : <reg, 8x8xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    tile.ew mul %x, %g, %s : <reg, 8x8xf32>, <reg, 1x1xf32>, !tile.buf<reg, 8x8xf32>
    tile.mma %y, %a, %b {transpose_a, operand_type = #tile<operand f32>} : <reg, 8x8xf32>, <reg, 4x8xf32>, <reg, 4x8xf32>
    tile.ew add %z, %x, %y : <reg, 8x8xf32>, <reg, 8x8xf32>, !tile.buf<reg, 8x8xf32>
    tile.ew copy %s, %z : <reg, 8x8xf32>, <reg, 8x8xf32>
  }
}

// Not folded: X is read after the mma (it must keep g S), and the copy's
// source is read after the copy's target changes.
// CHECK-LABEL: tile.kernel @kept
// CHECK: tile.mma %[[Y:.+]], %{{.+}}, %{{.+}} {operand_type
// CHECK: tile.ew add %[[Z:.+]], %{{.+}}, %[[Y]]
// CHECK: tile.ew copy
tile.kernel @kept attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %s = tile.alloc {name = "S"} : <reg, 8x8xf32>
  %g = tile.alloc {name = "g"} : <reg, 1x1xf32>
  %a = tile.alloc {name = "a"} : <reg, 4x8xf32>
  %b = tile.alloc {name = "b"} : <reg, 4x8xf32>
  %x = tile.alloc {name = "x"} : <reg, 8x8xf32>
  %y = tile.alloc {name = "y"} : <reg, 8x8xf32>
  %z = tile.alloc {name = "z"} : <reg, 8x8xf32>
  %w = tile.alloc {name = "w"} : <reg, 8x8xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    tile.ew mul %x, %g, %s : <reg, 8x8xf32>, <reg, 1x1xf32>, !tile.buf<reg, 8x8xf32>
    tile.mma %y, %a, %b {transpose_a, operand_type = #tile<operand f32>} : <reg, 8x8xf32>, <reg, 4x8xf32>, <reg, 4x8xf32>
    tile.ew add %z, %x, %y : <reg, 8x8xf32>, <reg, 8x8xf32>, !tile.buf<reg, 8x8xf32>
    tile.ew exp %w, %x : <reg, 8x8xf32>, <reg, 8x8xf32>
    tile.ew neg %s, %w : <reg, 8x8xf32>, <reg, 8x8xf32>
    tile.ew copy %s, %z : <reg, 8x8xf32>, <reg, 8x8xf32>
  }
}

// The sequence split's map: S starts as [I | 0], written through a view
// before the loop; views used only outside the loop do not stop the fold.
// A view used inside the loop does (@viewed_inside: its uses would hide
// between the writer and the copy).
// CHECK-LABEL: tile.kernel @viewed_outside
// CHECK-NOT: name = "x"
// CHECK: tile.identity
// CHECK: scf.for
// CHECK-NEXT: tile.ew mul %[[S:.+]], %{{.+}}, %[[S]] :
// CHECK-NEXT: tile.mma %[[S]], %{{.+}}, %{{.+}} {accumulate, operand_type = #tile<operand f32>, transpose_a}
// CHECK-NEXT: }
tile.kernel @viewed_outside attributes {grid = ["seq", "head", "segment"], kind = "segment_maps", warps = 4 : i64} {
  %s = tile.alloc {name = "S"} : <reg, 8x16xf32>
  %g = tile.alloc {name = "g"} : <reg, 1x1xf32>
  %a = tile.alloc {name = "a"} : <reg, 4x8xf32>
  %b = tile.alloc {name = "b"} : <reg, 4x16xf32>
  %x = tile.alloc {name = "x"} : <reg, 8x16xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  tile.fill %s, %zero : <reg, 8x16xf32>
  %p = tile.view %s[0, 0] : <reg, 8x16xf32> -> <reg, 8x8xf32>
  tile.identity %p : <reg, 8x8xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    tile.ew mul %x, %g, %s : <reg, 8x16xf32>, <reg, 1x1xf32>, !tile.buf<reg, 8x16xf32>
    tile.mma %x, %a, %b {accumulate, transpose_a, operand_type = #tile<operand f32>} : <reg, 8x16xf32>, <reg, 4x8xf32>, <reg, 4x16xf32>
    tile.ew copy %s, %x : <reg, 8x16xf32>, <reg, 8x16xf32>
  }
}
// The map as chunk-to-tile starts it now: [I | 0] as one identity of the
// whole tile, no view, so the in-place sum S = S + Y (DeltaNet's maps
// kernel) folds into the mma like the fused kernel's state update: S += A^T B.
// CHECK-LABEL: tile.kernel @whole_identity
// CHECK-NOT: name = "y"
// CHECK: tile.identity %[[S:.+]] :
// CHECK: scf.for
// CHECK-NEXT: tile.mma %[[S]], %{{.+}}, %{{.+}} {accumulate, operand_type = #tile<operand f32>, transpose_a}
// CHECK-NEXT: }
tile.kernel @whole_identity attributes {grid = ["seq", "head", "segment"], kind = "segment_maps", warps = 4 : i64} {
  %s = tile.alloc {name = "S"} : <reg, 8x16xf32>
  %a = tile.alloc {name = "a"} : <reg, 4x8xf32>
  %b = tile.alloc {name = "b"} : <reg, 4x16xf32>
  %y = tile.alloc {name = "y"} : <reg, 8x16xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  tile.identity %s : <reg, 8x16xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    tile.mma %y, %a, %b {transpose_a, operand_type = #tile<operand f32>} : <reg, 8x16xf32>, <reg, 4x8xf32>, <reg, 4x16xf32>
    tile.ew add %s, %s, %y : <reg, 8x16xf32>, <reg, 8x16xf32>, !tile.buf<reg, 8x16xf32>
  }
}
// CHECK-LABEL: tile.kernel @viewed_inside
// CHECK: name = "x"
// CHECK: tile.ew copy
tile.kernel @viewed_inside attributes {grid = ["seq", "head", "segment"], kind = "segment_maps", warps = 4 : i64} {
  %s = tile.alloc {name = "S"} : <reg, 8x16xf32>
  %g = tile.alloc {name = "g"} : <reg, 1x1xf32>
  %a = tile.alloc {name = "a"} : <reg, 4x8xf32>
  %b = tile.alloc {name = "b"} : <reg, 4x16xf32>
  %x = tile.alloc {name = "x"} : <reg, 8x16xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  tile.fill %s, %zero : <reg, 8x16xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    tile.ew mul %x, %g, %s : <reg, 8x16xf32>, <reg, 1x1xf32>, !tile.buf<reg, 8x16xf32>
    %p = tile.view %s[0, 0] : <reg, 8x16xf32> -> <reg, 8x8xf32>
    tile.identity %p : <reg, 8x8xf32>
    tile.ew copy %s, %x : <reg, 8x16xf32>, <reg, 8x16xf32>
  }
}

// The whole pipeline, for GDN's examples file: the state update accumulates into the state
// (the tile loaded before the loop and stored after it); no K x V sum
// remains.
// RUN: linac compile %examples/gdn.lin --emit tile --shape K=16,V=8 | FileCheck %s --check-prefix=GDN
// GDN: tile.load_state {{.*}} -> %[[S:[0-9]+]] :
// GDN: tile.mma %[[S]], %{{[0-9]+}}, %{{[0-9]+}} {accumulate, operand_type = #tile<operand f32>, transpose_a} : <reg, 16x8xf32>
// GDN-NOT: tile.ew add %{{.*}} : <reg, 16x8xf32>
// GDN: tile.store_state %[[S]] 

// Variants without decay: the update is S = S + A^T B, the sum in place on
// the carried state (after the copy fold). It becomes S += A^T B.
// CHECK-LABEL: tile.kernel @in_place
// CHECK-NOT: name = "y"
// CHECK: scf.for
// CHECK-NEXT: tile.mma %[[S:.+]], %{{.+}}, %{{.+}} {accumulate, operand_type = #tile<operand f32>, transpose_a}
// CHECK-NEXT: }
// CHECK: tile.store_state %[[S]]
tile.kernel @in_place attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %s = tile.alloc {name = "S"} : <reg, 8x8xf32>
  %a = tile.alloc {name = "a"} : <reg, 4x8xf32>
  %b = tile.alloc {name = "b"} : <reg, 4x8xf32>
  %y = tile.alloc {name = "y"} : <reg, 8x8xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    tile.mma %y, %a, %b {transpose_a, operand_type = #tile<operand f32>} : <reg, 8x8xf32>, <reg, 4x8xf32>, <reg, 4x8xf32>
    tile.ew add %s, %y, %s : <reg, 8x8xf32>, <reg, 8x8xf32>, !tile.buf<reg, 8x8xf32>
  }
  tile.store_state %s seq(%c0) head(%c0) col(%c0) : <reg, 8x8xf32>
}

// Not folded in place: S is read between the mma and the sum (it must be
// the old S there), or the mma reads S itself.
// CHECK-LABEL: tile.kernel @in_place_kept
// CHECK: tile.mma %[[Y:[^,]+]], %{{.+}}, %{{.+}} {operand_type
// CHECK: tile.ew mul
// CHECK: tile.ew add %{{.+}}, %{{.+}}, %[[Y]]
// CHECK: tile.mma %[[Y2:[^,]+]], %{{.+}}, %{{.+}} {operand_type
// CHECK: tile.ew add %{{.+}}, %{{.+}}, %[[Y2]]
tile.kernel @in_place_kept attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %s = tile.alloc {name = "S"} : <reg, 8x8xf32>
  %a = tile.alloc {name = "a"} : <reg, 4x8xf32>
  %b = tile.alloc {name = "b"} : <reg, 4x8xf32>
  %q = tile.alloc {name = "q"} : <reg, 8x8xf32>
  %y = tile.alloc {name = "y"} : <reg, 8x8xf32>
  %y2 = tile.alloc {name = "y2"} : <reg, 8x8xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    tile.mma %y, %a, %b {transpose_a, operand_type = #tile<operand f32>} : <reg, 8x8xf32>, <reg, 4x8xf32>, <reg, 4x8xf32>
    tile.ew mul %q, %s, %s : <reg, 8x8xf32>, <reg, 8x8xf32>, !tile.buf<reg, 8x8xf32>
    tile.ew add %s, %s, %y : <reg, 8x8xf32>, <reg, 8x8xf32>, !tile.buf<reg, 8x8xf32>
    tile.mma %y2, %s, %q {operand_type = #tile<operand f32>} : <reg, 8x8xf32>, <reg, 8x8xf32>, <reg, 8x8xf32>
    tile.ew add %s, %s, %y2 : <reg, 8x8xf32>, <reg, 8x8xf32>, !tile.buf<reg, 8x8xf32>
  }
  tile.store_state %s seq(%c0) head(%c0) col(%c0) : <reg, 8x8xf32>
}

// DPLR's and GDN-2's update, after the copy fold made the last sum write
// the state: S = X + Y with X = g S and Y made by two mmas (one writing, one
// accumulating). The chain accumulates into X, the sum becomes S = X, and
// that copy folds: S = g S in place, S += A^T B, S += C^T D.
// CHECK-LABEL: tile.kernel @chain_into_state
// CHECK-NOT: name = "x"
// CHECK-NOT: name = "y"
// CHECK: scf.for
// CHECK-NEXT: tile.ew mul %[[S:.+]], %{{.+}}, %[[S]] :
// CHECK-NEXT: tile.mma %[[S]], %{{.+}}, %{{.+}} {accumulate, operand_type = #tile<operand f32>, transpose_a}
// CHECK-NEXT: tile.mma %[[S]], %{{.+}}, %{{.+}} {accumulate, operand_type = #tile<operand f32>, transpose_a}
// CHECK-NEXT: }
// CHECK: tile.store_state %[[S]]
tile.kernel @chain_into_state attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %s = tile.alloc {name = "S"} : <reg, 8x8xf32>
  %g = tile.alloc {name = "g"} : <reg, 8x1xf32>
  %a = tile.alloc {name = "a"} : <reg, 4x8xf32>
  %b = tile.alloc {name = "b"} : <reg, 4x8xf32>
  %c = tile.alloc {name = "c"} : <reg, 4x8xf32>
  %d = tile.alloc {name = "d"} : <reg, 4x8xf32>
  %x = tile.alloc {name = "x"} : <reg, 8x8xf32>
  %y = tile.alloc {name = "y"} : <reg, 8x8xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  tile.load_state seq(%c0) head(%c0) col(%c0) -> %s : <reg, 8x8xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    tile.ew mul %x, %g, %s : <reg, 8x8xf32>, <reg, 8x1xf32>, !tile.buf<reg, 8x8xf32>
    tile.mma %y, %a, %b {transpose_a, operand_type = #tile<operand f32>} : <reg, 8x8xf32>, <reg, 4x8xf32>, <reg, 4x8xf32>
    tile.mma %y, %c, %d {accumulate, transpose_a, operand_type = #tile<operand f32>} : <reg, 8x8xf32>, <reg, 4x8xf32>, <reg, 4x8xf32>
    tile.ew add %s, %x, %y : <reg, 8x8xf32>, <reg, 8x8xf32>, !tile.buf<reg, 8x8xf32>
  }
  tile.store_state %s seq(%c0) head(%c0) col(%c0) : <reg, 8x8xf32>
}

// Not folded: Y is read between its mmas (by an element-wise op), and the
// second chain's mma reads X (X must keep g S there).
// CHECK-LABEL: tile.kernel @chain_kept
// CHECK: tile.mma %[[Y:[^,]+]], %{{.+}}, %{{.+}} {operand_type
// CHECK: tile.ew exp
// CHECK: tile.mma %[[Y]], %{{.+}}, %{{.+}} {accumulate
// CHECK: tile.ew add %{{.+}}, %{{.+}}, %[[Y]]
// CHECK: tile.mma %[[Y2:[^,]+]], %{{.+}}, %{{.+}} {operand_type
// CHECK: tile.mma %[[Y2]], %[[X:[^,]+]], %{{.+}} {accumulate
// CHECK: tile.ew add %{{.+}}, %[[X]], %[[Y2]]
tile.kernel @chain_kept attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %s = tile.alloc {name = "S"} : <reg, 8x8xf32>
  %g = tile.alloc {name = "g"} : <reg, 8x1xf32>
  %a = tile.alloc {name = "a"} : <reg, 8x8xf32>
  %b = tile.alloc {name = "b"} : <reg, 8x8xf32>
  %w = tile.alloc {name = "w"} : <reg, 8x8xf32>
  %x = tile.alloc {name = "x"} : <reg, 8x8xf32>
  %y = tile.alloc {name = "y"} : <reg, 8x8xf32>
  %x2 = tile.alloc {name = "x2"} : <reg, 8x8xf32>
  %y2 = tile.alloc {name = "y2"} : <reg, 8x8xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  tile.load_state seq(%c0) head(%c0) col(%c0) -> %s : <reg, 8x8xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    tile.ew mul %x, %g, %s : <reg, 8x8xf32>, <reg, 8x1xf32>, !tile.buf<reg, 8x8xf32>
    tile.mma %y, %a, %b {operand_type = #tile<operand f32>} : <reg, 8x8xf32>, <reg, 8x8xf32>, <reg, 8x8xf32>
    tile.ew exp %w, %y : <reg, 8x8xf32>, <reg, 8x8xf32>
    tile.mma %y, %a, %w {accumulate, operand_type = #tile<operand f32>} : <reg, 8x8xf32>, <reg, 8x8xf32>, <reg, 8x8xf32>
    tile.ew add %s, %x, %y : <reg, 8x8xf32>, <reg, 8x8xf32>, !tile.buf<reg, 8x8xf32>
    tile.ew mul %x2, %g, %s : <reg, 8x8xf32>, <reg, 8x1xf32>, !tile.buf<reg, 8x8xf32>
    tile.mma %y2, %a, %b {operand_type = #tile<operand f32>} : <reg, 8x8xf32>, <reg, 8x8xf32>, <reg, 8x8xf32>
    tile.mma %y2, %x2, %b {accumulate, operand_type = #tile<operand f32>} : <reg, 8x8xf32>, <reg, 8x8xf32>, <reg, 8x8xf32>
    tile.ew add %s, %x2, %y2 : <reg, 8x8xf32>, <reg, 8x8xf32>, !tile.buf<reg, 8x8xf32>
  }
  tile.store_state %s seq(%c0) head(%c0) col(%c0) : <reg, 8x8xf32>
}

// The whole pipeline, for DPLR's examples file: the two K x K products of
// the update accumulate into the state; no K x K sum remains.
// RUN: linac compile %examples/dplr.lin --emit tile --shape K=16,V=8 | FileCheck %s --check-prefix=DPLR
// DPLR: tile.load_state {{.*}} -> %[[S:[0-9]+]] :
// DPLR-NOT: tile.ew add %{{.*}} : <reg, 16x8xf32>
// DPLR: tile.ew mul %[[S]], %{{[0-9]+}}, %[[S]] : <reg, 16x8xf32>
// DPLR-NOT: tile.ew add %{{.*}} : <reg, 16x8xf32>
// DPLR: tile.mma %[[S]], {{.*}} {accumulate, operand_type = #tile<operand f32>, transpose_a} : <reg, 16x8xf32>
// DPLR-NOT: tile.ew add %{{.*}} : <reg, 16x8xf32>
// DPLR: tile.mma %[[S]], {{.*}} {accumulate, operand_type = #tile<operand f32>, transpose_a} : <reg, 16x8xf32>
// DPLR-NOT: tile.ew add %{{.*}} : <reg, 16x8xf32>
// DPLR: tile.store_state %[[S]]
