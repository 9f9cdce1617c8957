// RUN: linac-opt %s --split-input-file --pass-pipeline='builtin.module(tile.kernel(tile-take-into-fragments))' | FileCheck %s

// q's rows are read once, by a multiplication into the fragment %fq: taken
// into %fq, which the multiplication then reads in place. k's by a copy into
// %fk: taken into %fk, the copy removed. v's rows are read by a copy into a
// tile in shared memory (not a fragment) and then again: they stay.
// CHECK-LABEL: tile.kernel @k
// CHECK: %[[FQ:.+]] = tile.alloc {fragment = 1 : i64, name = "fq"}
// CHECK: %[[FK:.+]] = tile.alloc {fragment = 1 : i64, name = "fk"}
// CHECK: scf.for
// CHECK: tile.take_rows "q" {{.*}} -> %[[FQ]] : <shared, 64x32xf32>, <reg, 64x64xf32>
// CHECK: tile.take_rows "k" {{.*}} -> %[[FK]] : <shared, 64x32xf32>, <reg, 64x64xf32>
// CHECK: tile.take_rows "v" {{.*}} -> %{{.+}} : <shared, 64x32xf32>, <shared, 64x64xf32>
// CHECK: tile.ew mul %[[FQ]], %[[FQ]], %{{.+}} :
// CHECK-NOT: tile.ew copy %[[FK]]
// CHECK: tile.ew copy %{{.+}}, %[[VS:.+]] :
// CHECK: tile.ew exp %{{.+}}, %[[VS]] :
tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %q = tile.alloc {name = "q_smem"} : <shared, 64x64xf32>
  %k = tile.alloc {name = "k_smem"} : <shared, 64x64xf32>
  %v = tile.alloc {name = "v_smem"} : <shared, 64x64xf32>
  %ql = tile.alloc {landing, name = "q_landing"} : <shared, 64x32xf32>
  %kl = tile.alloc {landing, name = "k_landing"} : <shared, 64x32xf32>
  %vl = tile.alloc {landing, name = "v_landing"} : <shared, 64x32xf32>
  %fq = tile.alloc {fragment = 1 : i64, name = "fq"} : <reg, 64x64xf32>
  %fk = tile.alloc {fragment = 1 : i64, name = "fk"} : <reg, 64x64xf32>
  %t = tile.alloc {name = "t"} : <shared, 64x64xf32>
  %u = tile.alloc {name = "u"} : <shared, 64x64xf32>
  %scale = tile.alloc {name = "scale"} : <reg, 1x1xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %s = tile.program_id 0
  %h = tile.program_id 1
  %start, %length = tile.sequence %s
  scf.for %i = %c0 to %c4 step %c1 {
    %row = arith.muli %i, %c64 : index
    %qs = tile.stage %q[%c0] : <shared, 64x64xf32> -> <shared, 64x64xf32>
    tile.landed
    %tq = tile.take_rows "q" rows(%start + %row, %c64) head(%h) col(%c0) from %ql -> %qs : <shared, 64x32xf32>, <shared, 64x64xf32>
    %ks = tile.stage %k[%c0] : <shared, 64x64xf32> -> <shared, 64x64xf32>
    %tk = tile.take_rows "k" rows(%start + %row, %c64) head(%h) col(%c0) from %kl -> %ks : <shared, 64x32xf32>, <shared, 64x64xf32>
    %vs = tile.stage %v[%c0] : <shared, 64x64xf32> -> <shared, 64x64xf32>
    %tv = tile.take_rows "v" rows(%start + %row, %c64) head(%h) col(%c0) from %vl -> %vs : <shared, 64x32xf32>, <shared, 64x64xf32>
    tile.wait %tq
    tile.wait %tk
    tile.wait %tv
    tile.ew mul %fq, %qs, %scale : <reg, 64x64xf32>, <shared, 64x64xf32>, !tile.buf<reg, 1x1xf32>
    tile.ew copy %fk, %ks : <reg, 64x64xf32>, <shared, 64x64xf32>
    tile.ew copy %t, %vs : <shared, 64x64xf32>, <shared, 64x64xf32>
    tile.ew exp %u, %vs : <shared, 64x64xf32>, <shared, 64x64xf32>
    tile.mma %t, %fq, %fk {operand_type = #tile<operand bf16>} : <shared, 64x64xf32>, <reg, 64x64xf32>, <reg, 64x64xf32>
    tile.barrier
  }
}

// -----

// The fragment is read between the take and its writer (its old value
// still in use): nothing changes.
// CHECK-LABEL: tile.kernel @busy
// CHECK: tile.take_rows "q" {{.*}} : <shared, 64x32xf32>, <shared, 64x64xf32>
// CHECK: tile.ew copy
tile.kernel @busy attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %q = tile.alloc {name = "q_smem"} : <shared, 64x64xf32>
  %ql = tile.alloc {landing, name = "q_landing"} : <shared, 64x32xf32>
  %fq = tile.alloc {fragment = 1 : i64, name = "fq"} : <reg, 64x64xf32>
  %t = tile.alloc {name = "t"} : <shared, 64x64xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %s = tile.program_id 0
  %h = tile.program_id 1
  %start, %length = tile.sequence %s
  scf.for %i = %c0 to %c4 step %c1 {
    %row = arith.muli %i, %c64 : index
    %qs = tile.stage %q[%c0] : <shared, 64x64xf32> -> <shared, 64x64xf32>
    tile.landed
    %tq = tile.take_rows "q" rows(%start + %row, %c64) head(%h) col(%c0) from %ql -> %qs : <shared, 64x32xf32>, <shared, 64x64xf32>
    tile.wait %tq
    tile.ew exp %t, %fq : <shared, 64x64xf32>, <reg, 64x64xf32>
    tile.ew copy %fq, %qs : <reg, 64x64xf32>, <shared, 64x64xf32>
    tile.barrier
  }
}

// -----

// The stage's last reader writes the stage through another tile.stage value
// (as tile-alias-stages places a tile there): the copy is not the only
// reader of the taken rows, so nothing changes.
// CHECK-LABEL: tile.kernel @aliased
// CHECK: tile.take_rows "k" {{.*}} : <shared, 64x32xf32>, <shared, 64x64xf32>
// CHECK: tile.ew copy
tile.kernel @aliased attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %k = tile.alloc {name = "k_smem"} : <shared, 64x64xf32>
  %kl = tile.alloc {landing, name = "k_landing"} : <shared, 64x32xf32>
  %fk = tile.alloc {fragment = 1 : i64, name = "fk"} : <reg, 64x64xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %s = tile.program_id 0
  %h = tile.program_id 1
  %start, %length = tile.sequence %s
  scf.for %i = %c0 to %c4 step %c1 {
    %row = arith.muli %i, %c64 : index
    %ks = tile.stage %k[%c0] : <shared, 64x64xf32> -> <shared, 64x64xf32>
    tile.landed
    %tk = tile.take_rows "k" rows(%start + %row, %c64) head(%h) col(%c0) from %kl -> %ks : <shared, 64x32xf32>, <shared, 64x64xf32>
    tile.wait %tk
    tile.ew copy %fk, %ks : <reg, 64x64xf32>, <shared, 64x64xf32>
    %ks2 = tile.stage %k[%i] : <shared, 64x64xf32> -> <shared, 64x64xf32>
    tile.ew exp %ks2, %ks : <shared, 64x64xf32>, <shared, 64x64xf32>
    tile.barrier
  }
}

// -----

// Part of the taken rows is written before their reader: nothing changes.
// CHECK-LABEL: tile.kernel @partial
// CHECK: tile.take_rows "k" {{.*}} : <shared, 64x32xf32>, <shared, 64x64xf32>
// CHECK: tile.ew copy
tile.kernel @partial attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %k = tile.alloc {name = "k_smem"} : <shared, 64x64xf32>
  %kl = tile.alloc {landing, name = "k_landing"} : <shared, 64x32xf32>
  %fk = tile.alloc {fragment = 1 : i64, name = "fk"} : <reg, 64x64xf32>
  %x = tile.alloc {name = "x"} : <shared, 64x1xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %s = tile.program_id 0
  %h = tile.program_id 1
  %start, %length = tile.sequence %s
  scf.for %i = %c0 to %c4 step %c1 {
    %row = arith.muli %i, %c64 : index
    %ks = tile.stage %k[%c0] : <shared, 64x64xf32> -> <shared, 64x64xf32>
    tile.landed
    %tk = tile.take_rows "k" rows(%start + %row, %c64) head(%h) col(%c0) from %kl -> %ks : <shared, 64x32xf32>, <shared, 64x64xf32>
    tile.wait %tk
    %col = tile.view %ks[0, 0] : <shared, 64x64xf32> -> <shared, 64x1xf32>
    tile.ew copy %col, %x : <shared, 64x1xf32>, <shared, 64x1xf32>
    tile.ew copy %fk, %ks : <reg, 64x64xf32>, <shared, 64x64xf32>
    tile.barrier
  }
}
