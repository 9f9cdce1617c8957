// RUN: linac-opt %s --pass-pipeline='builtin.module(tile.kernel(tile-own-barriers))' | FileCheck %s

// Owned ops (they write an owned tile) read "x" and "w" without a barrier
// after them. A not-owned op that writes "x" gets a barrier before it; one
// that only reads what they read does not, nor one that writes an unread
// tile. After a barrier, reads start afresh: the second write to "x" needs
// none until an owned op reads it again. A loop body that ends with reads
// pending gets a barrier at its end (before its implicit yield); one that
// ends with a barrier gets no other.
// CHECK-LABEL: tile.kernel @k
// CHECK: tile.mma %[[O:.+]], %[[X:[0-9a-z_]+]], %[[S:[0-9a-z_]+]] {operand_type
// CHECK-NEXT: tile.ew neg %[[OTHER:.+]], %[[X]] :
// CHECK-NEXT: tile.ew exp %[[U:.+]], %[[W:[0-9a-z_]+]] :
// CHECK-NEXT: tile.barrier
// CHECK-NEXT: tile.ew neg %[[X]], %[[X]] :
// CHECK-NEXT: tile.ew exp %[[X]], %[[X]] :
// CHECK-NEXT: tile.mma %[[O]], %[[W]], %[[S]] {accumulate
// CHECK-NEXT: tile.barrier
// CHECK-NEXT: tile.ew neg %[[W]], %[[X]] :
// CHECK: scf.for
// CHECK-NEXT: tile.mma %[[O]], %[[X]], %[[S]]
// CHECK-NEXT: tile.barrier
// CHECK-NEXT: }
// CHECK: scf.for
// CHECK-NEXT: tile.mma %[[O]], %[[X]], %[[S]]
// CHECK-NEXT: tile.barrier
// CHECK-NEXT: }
tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", own_columns, warps = 2 : i64} {
  %x = tile.alloc {name = "x"} : <shared, 16x16xf32>
  %w = tile.alloc {in_memory, name = "w"} : <reg, 16x16xf32>
  %other = tile.alloc {name = "other"} : <reg, 16x16xf32>
  %u = tile.alloc {name = "u"} : <reg, 16x16xf32>
  %s = tile.alloc {fragment = 1 : i64, name = "S", owned} : <reg, 16x32xf32>
  %o = tile.alloc {fragment = 1 : i64, name = "o", owned} : <reg, 16x32xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  tile.mma %o, %x, %s {operand_type = #tile<operand bf16>} : <reg, 16x32xf32>, <shared, 16x16xf32>, <reg, 16x32xf32>
  tile.ew neg %other, %x : <reg, 16x16xf32>, <shared, 16x16xf32>
  tile.ew exp %u, %w : <reg, 16x16xf32>, <reg, 16x16xf32>
  tile.ew neg %x, %x : <shared, 16x16xf32>, <shared, 16x16xf32>
  tile.ew exp %x, %x : <shared, 16x16xf32>, <shared, 16x16xf32>
  tile.mma %o, %w, %s {accumulate, operand_type = #tile<operand bf16>} : <reg, 16x32xf32>, <reg, 16x16xf32>, <reg, 16x32xf32>
  tile.ew neg %w, %x : <reg, 16x16xf32>, <shared, 16x16xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    tile.mma %o, %x, %s {operand_type = #tile<operand bf16>} : <reg, 16x32xf32>, <shared, 16x16xf32>, <reg, 16x32xf32>
  }
  scf.for %i = %c0 to %c4 step %c1 {
    tile.mma %o, %x, %s {operand_type = #tile<operand bf16>} : <reg, 16x32xf32>, <shared, 16x16xf32>, <reg, 16x32xf32>
    tile.barrier
  }
}

// A kernel not marked own_columns is left alone.
// CHECK-LABEL: tile.kernel @plain
// CHECK-NOT: tile.barrier
tile.kernel @plain attributes {grid = ["seq", "head"], kind = "state", warps = 2 : i64} {
  %x = tile.alloc {name = "x"} : <shared, 16x16xf32>
  %s = tile.alloc {name = "S"} : <reg, 16x32xf32>
  %o = tile.alloc {name = "o"} : <reg, 16x32xf32>
  tile.mma %o, %x, %s {operand_type = #tile<operand bf16>} : <reg, 16x32xf32>, <shared, 16x16xf32>, <reg, 16x32xf32>
  tile.ew neg %x, %x : <shared, 16x16xf32>, <shared, 16x16xf32>
}
