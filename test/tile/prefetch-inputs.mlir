// RUN: linac-opt %s --split-input-file --pass-pipeline='builtin.module(tile.kernel(tile-prefetch-inputs{limit=5000 reserved=1000}))' | FileCheck %s

// Copies of chunk %i (row %i * 8) into two 8 x 16 stages, one of a gate
// into an 8 x 1 stage and one of 8 x 4. q and k (16 columns) land one chunk
// ahead in landing buffers of 8 x 8 fp32 elements (8 x 16 halves), the gate
// in one of 8 x 1 (per row the pair of halves its value sits in); chunk 0's
// rows before the loop; in the body tile.landed, then each copy taken from
// its landing buffer with the copy's operands (its token waited as before),
// and after the last of those waits the next chunk's rows (%row + 8). The
// 4-column copy cannot land and stays. Shared bytes: 1000 reserved + 512 +
// 512 + 32 + 128 + 2 x 256 + 32 landing = 2728 <= 5000.
// CHECK-LABEL: tile.kernel @k
// CHECK: %[[QL:.+]] = tile.alloc {landing, name = "q_landing"} : <shared, 8x8xf32>
// CHECK-NEXT: tile.prefetch_rows "q" rows(%[[START:[a-z0-9_]+]] + %[[ZERO:[a-z0-9_]+]]) head(%[[H:[a-z0-9_]+]]) col(%{{.+}}) -> %[[QL]]
// CHECK-NEXT: %[[KL:.+]] = tile.alloc {landing, name = "k_landing"} : <shared, 8x8xf32>
// CHECK-NEXT: tile.prefetch_rows "k" rows(%[[START]] + %[[ZERO]])
// CHECK-NEXT: %[[GL:.+]] = tile.alloc {landing, name = "g_landing"} : <shared, 8x1xf32>
// CHECK-NEXT: tile.prefetch_rows "g" rows(%[[START]] + %[[ZERO]])
// CHECK-NEXT: scf.for %[[I:.+]] =
// CHECK-NEXT: %[[ROW:.+]] = arith.muli %[[I]], %{{.+}} : index
// CHECK-NEXT: %[[QS:.+]] = tile.stage
// CHECK-NEXT: tile.landed
// CHECK-NEXT: %[[TQ:.+]] = tile.take_rows "q" rows(%[[START]] + %[[ROW]], %{{.+}}) head(%[[H]]) col(%{{.+}}) from %[[QL]] -> %[[QS]]
// CHECK-NEXT: %[[KS:.+]] = tile.stage
// CHECK-NEXT: %[[TK:.+]] = tile.take_rows "k" {{.*}} from %[[KL]] -> %[[KS]]
// CHECK-NEXT: %[[GS:.+]] = tile.stage
// CHECK-NEXT: %[[TG:.+]] = tile.take_rows "g" {{.*}} from %[[GL]] -> %[[GS]] : <shared, 8x1xf32>, <shared, 8x1xf32>
// CHECK-NEXT: %[[FS:.+]] = tile.stage
// CHECK-NEXT: %[[TF:.+]] = tile.copy_async "f"
// CHECK-NEXT: tile.wait %[[TQ]]
// CHECK-NEXT: tile.wait %[[TK]]
// CHECK-NEXT: tile.wait %[[TG]]
// CHECK-NEXT: %[[C8:.+]] = arith.constant 8 : index
// CHECK-NEXT: %[[NQ:.+]] = arith.addi %[[ROW]], %[[C8]] : index
// CHECK-NEXT: tile.prefetch_rows "q" rows(%[[START]] + %[[NQ]]) head(%[[H]]) col(%{{.+}}) -> %[[QL]]
// CHECK: tile.prefetch_rows "k"
// CHECK: tile.prefetch_rows "g"
// CHECK-NEXT: tile.wait %[[TF]]
// CHECK-NOT: tile.copy_async "q"
// CHECK: tile.barrier
tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %q = tile.alloc {name = "q_smem"} : <shared, 8x16xf32>
  %k = tile.alloc {name = "k_smem"} : <shared, 8x16xf32>
  %g = tile.alloc {name = "g_smem"} : <shared, 8x1xf32>
  %f = tile.alloc {name = "f_smem"} : <shared, 8x4xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %s = tile.program_id 0
  %h = tile.program_id 1
  %start, %length = tile.sequence %s
  scf.for %i = %c0 to %c4 step %c1 {
    %row = arith.muli %i, %c8 : index
    %qs = tile.stage %q[%c0] : <shared, 8x16xf32> -> <shared, 8x16xf32>
    %tq = tile.copy_async "q" rows(%start + %row, %c8) head(%h) col(%c0) -> %qs : <shared, 8x16xf32>
    %ks = tile.stage %k[%c0] : <shared, 8x16xf32> -> <shared, 8x16xf32>
    %tk = tile.copy_async "k" rows(%start + %row, %c8) head(%h) col(%c0) -> %ks : <shared, 8x16xf32>
    %gs = tile.stage %g[%c0] : <shared, 8x1xf32> -> <shared, 8x1xf32>
    %tg = tile.copy_async "g" rows(%start + %row, %c8) head(%h) col(%c0) -> %gs : <shared, 8x1xf32>
    %fs = tile.stage %f[%c0] : <shared, 8x4xf32> -> <shared, 8x4xf32>
    %tf = tile.copy_async "f" rows(%start + %row, %c8) head(%h) col(%c0) -> %fs : <shared, 8x4xf32>
    tile.wait %tq
    tile.wait %tk
    tile.wait %tg
    tile.wait %tf
    tile.barrier
  }
}

// -----

// No landing buffer fits (1000 + 512 + 3584 + 256 > 5000): nothing changes.
// CHECK-LABEL: tile.kernel @nofit
// CHECK-NOT: landing
// CHECK: tile.copy_async "q"
tile.kernel @nofit attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %q = tile.alloc {name = "q_smem"} : <shared, 8x16xf32>
  %big = tile.alloc {name = "big"} : <shared, 32x28xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %s = tile.program_id 0
  %start, %length = tile.sequence %s
  scf.for %i = %c0 to %c4 step %c1 {
    %row = arith.muli %i, %c8 : index
    %qs = tile.stage %q[%c0] : <shared, 8x16xf32> -> <shared, 8x16xf32>
    %tq = tile.copy_async "q" rows(%start + %row, %c8) head(%c0) col(%c0) -> %qs : <shared, 8x16xf32>
    tile.wait %tq
    tile.barrier
  }
}

// -----

// A copy of another row than the loop's chunk (the next chunk's, as with
// two stages), a loop that does not start at chunk 0, and a block with a
// producer warp (5 warps) keep their copies.
// CHECK-LABEL: tile.kernel @ahead
// CHECK-NOT: landing
// CHECK: tile.copy_async "q"
tile.kernel @ahead attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %q = tile.alloc {name = "q_smem"} : <shared, 8x16xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %s = tile.program_id 0
  %start, %length = tile.sequence %s
  scf.for %i = %c0 to %c4 step %c1 {
    %next = arith.addi %i, %c1 : index
    %row = arith.muli %next, %c8 : index
    %qs = tile.stage %q[%c0] : <shared, 8x16xf32> -> <shared, 8x16xf32>
    %tq = tile.copy_async "q" rows(%start + %row, %c8) head(%c0) col(%c0) -> %qs : <shared, 8x16xf32>
    tile.wait %tq
    tile.barrier
  }
}

// -----

// CHECK-LABEL: tile.kernel @from1
// CHECK-NOT: landing
tile.kernel @from1 attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %q = tile.alloc {name = "q_smem"} : <shared, 8x16xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %s = tile.program_id 0
  %start, %length = tile.sequence %s
  scf.for %i = %c1 to %c4 step %c1 {
    %row = arith.muli %i, %c8 : index
    %qs = tile.stage %q[%c0] : <shared, 8x16xf32> -> <shared, 8x16xf32>
    %tq = tile.copy_async "q" rows(%start + %row, %c8) head(%c0) col(%c0) -> %qs : <shared, 8x16xf32>
    tile.wait %tq
    tile.barrier
  }
}

// -----

// CHECK-LABEL: tile.kernel @producer
// CHECK-NOT: landing
tile.kernel @producer attributes {grid = ["seq", "head"], kind = "state", warps = 5 : i64} {
  %q = tile.alloc {name = "q_smem"} : <shared, 8x16xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %s = tile.program_id 0
  %start, %length = tile.sequence %s
  scf.for %i = %c0 to %c4 step %c1 {
    %row = arith.muli %i, %c8 : index
    %qs = tile.stage %q[%c0] : <shared, 8x16xf32> -> <shared, 8x16xf32>
    %tq = tile.copy_async "q" rows(%start + %row, %c8) head(%c0) col(%c0) -> %qs : <shared, 8x16xf32>
    tile.wait %tq
    tile.barrier
  }
}

// -----

// Room for one landing buffer: 1000 + 512 + 512 + 2688 + 256 = 4968 <= 5000,
// a second would not fit. q (first in program order) lands one chunk ahead,
// k stays a copy.
// CHECK-LABEL: tile.kernel @partial
// CHECK: tile.alloc {landing, name = "q_landing"}
// CHECK-NOT: k_landing
// CHECK: tile.take_rows "q"
// CHECK: tile.copy_async "k"
tile.kernel @partial attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %q = tile.alloc {name = "q_smem"} : <shared, 8x16xf32>
  %k = tile.alloc {name = "k_smem"} : <shared, 8x16xf32>
  %big = tile.alloc {name = "big"} : <shared, 32x21xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %s = tile.program_id 0
  %start, %length = tile.sequence %s
  scf.for %i = %c0 to %c4 step %c1 {
    %row = arith.muli %i, %c8 : index
    %qs = tile.stage %q[%c0] : <shared, 8x16xf32> -> <shared, 8x16xf32>
    %tq = tile.copy_async "q" rows(%start + %row, %c8) head(%c0) col(%c0) -> %qs : <shared, 8x16xf32>
    %ks = tile.stage %k[%c0] : <shared, 8x16xf32> -> <shared, 8x16xf32>
    %tk = tile.copy_async "k" rows(%start + %row, %c8) head(%c0) col(%c0) -> %ks : <shared, 8x16xf32>
    tile.wait %tq
    tile.wait %tk
    tile.barrier
  }
}
