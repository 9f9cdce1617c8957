// RUN: linac-opt %s --pass-pipeline='builtin.module(tile.kernel(tile-fuse-mask-epilogue))' | FileCheck %s

// A mask right after the bf16 matmul that starts its tile becomes the
// matmul's epilogue: "qk" (decay mask, scaled), "kk" (causal mask). Left
// alone: a matmul that accumulates ("acc"), fp32 operands ("f32"), a mask
// of another tile ("other"), an op in between ("gap"), a gate column that
// is a view of the masked tile ("self"), a fragment ("frag").
// CHECK-LABEL: tile.kernel @k
// CHECK: tile.mma %[[QK:[^,]+]], %{{.+}} {operand_type = #tile<operand bf16>, transpose_b}
// CHECK-NEXT: tile.decay_mask %[[QK]], %{{.+}} {epilogue, inclusive}
// CHECK: tile.mma %[[KK:[^,]+]], %{{.+}} {operand_type = #tile<operand bf16>, transpose_b}
// CHECK-NEXT: tile.causal_mask %[[KK]] {epilogue}
// CHECK: tile.mma {{.*}}accumulate
// CHECK-NEXT: tile.causal_mask
// CHECK-NOT: epilogue
// CHECK: }
tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 8 : i64} {
  %q = tile.alloc {name = "q"} : <shared, 64x128xf32>
  %k = tile.alloc {name = "k"} : <shared, 64x128xf32>
  %g = tile.alloc {name = "g"} : <shared, 64x1xf32>
  %s = tile.alloc {name = "s"} : <shared, 64x1xf32>
  %qk = tile.alloc {name = "qk"} : <shared, 64x64xf32>
  %kk = tile.alloc {name = "kk"} : <shared, 64x64xf32>
  %acc = tile.alloc {name = "acc"} : <shared, 64x64xf32>
  %f32 = tile.alloc {name = "f32"} : <shared, 64x64xf32>
  %other = tile.alloc {name = "other"} : <shared, 64x64xf32>
  %gap = tile.alloc {name = "gap"} : <shared, 64x64xf32>
  %self = tile.alloc {name = "self"} : <shared, 64x64xf32>
  %frag = tile.alloc {fragment = 2 : i64, name = "frag"} : <reg, 64x64xf32>
  tile.mma %qk, %q, %k {transpose_b, operand_type = #tile<operand bf16>} : <shared, 64x64xf32>, <shared, 64x128xf32>, <shared, 64x128xf32>
  tile.decay_mask %qk, %g, %g rows(%s : !tile.buf<shared, 64x1xf32>) {inclusive} : <shared, 64x64xf32>, <shared, 64x1xf32>, <shared, 64x1xf32>
  tile.mma %kk, %k, %k {transpose_b, operand_type = #tile<operand bf16>} : <shared, 64x64xf32>, <shared, 64x128xf32>, <shared, 64x128xf32>
  tile.causal_mask %kk : <shared, 64x64xf32>
  tile.mma %acc, %k, %k {accumulate, transpose_b, operand_type = #tile<operand bf16>} : <shared, 64x64xf32>, <shared, 64x128xf32>, <shared, 64x128xf32>
  tile.causal_mask %acc : <shared, 64x64xf32>
  tile.mma %f32, %k, %k {transpose_b, operand_type = #tile<operand f32>} : <shared, 64x64xf32>, <shared, 64x128xf32>, <shared, 64x128xf32>
  tile.causal_mask %f32 : <shared, 64x64xf32>
  tile.mma %other, %k, %k {transpose_b, operand_type = #tile<operand bf16>} : <shared, 64x64xf32>, <shared, 64x128xf32>, <shared, 64x128xf32>
  tile.causal_mask %kk : <shared, 64x64xf32>
  tile.mma %gap, %k, %k {transpose_b, operand_type = #tile<operand bf16>} : <shared, 64x64xf32>, <shared, 64x128xf32>, <shared, 64x128xf32>
  tile.transpose %other, %kk : <shared, 64x64xf32>, <shared, 64x64xf32>
  tile.causal_mask %gap : <shared, 64x64xf32>
  %col = tile.view %self[0, 0] : <shared, 64x64xf32> -> <shared, 64x1xf32>
  tile.mma %self, %k, %k {transpose_b, operand_type = #tile<operand bf16>} : <shared, 64x64xf32>, <shared, 64x128xf32>, <shared, 64x128xf32>
  tile.decay_mask %self, %col, %g : <shared, 64x64xf32>, <shared, 64x1xf32>, <shared, 64x1xf32>
  tile.mma %frag, %k, %k {transpose_b, operand_type = #tile<operand bf16>} : <reg, 64x64xf32>, <shared, 64x128xf32>, <shared, 64x128xf32>
  tile.causal_mask %frag : <reg, 64x64xf32>
}
