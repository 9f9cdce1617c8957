// RUN: linac-opt %s --pass-pipeline='builtin.module(tile.kernel(tile-alias-stages))' | FileCheck %s

// Two 8x8 input stages, read by the body's first ops. "early" and "gate"
// are written by the element-wise ops that read stages "q" and "a" last,
// element for element: each takes that stage. "late" starts while both
// are taken: it stays in registers. "half" (8x4) starts after "early" ends:
// it reuses "q" as a view, and its own view follows. "tiny" is less than
// half a stage, "carried" is read before it is written, "outside" is used
// before the loop: they stay in registers.
// CHECK-LABEL: tile.kernel @k
// CHECK-NOT: name = "gate"
// CHECK: %[[LATE:.+]] = tile.alloc {name = "late"} : <reg, 8x8xf32>
// CHECK-NOT: name = "half"
// CHECK: %[[TINY:.+]] = tile.alloc {name = "tiny"} : <reg, 2x2xf32>
// CHECK: %[[CARRIED:.+]] = tile.alloc {name = "carried"} : <reg, 8x8xf32>
// CHECK: %[[OUT:.+]] = tile.alloc {name = "outside"} : <reg, 8x8xf32>
// CHECK-NOT: name = "early"
// CHECK: scf.for
// The stages' tiles are made at the top of the body (pure ops there do not
// split runs of element-wise ops), named by the tiles they stand for.
// CHECK-NEXT: %[[ZERO:.+]] = arith.constant 0 : index
// CHECK-NEXT: %[[EARLY:.+]] = tile.stage %[[Q:[0-9a-z_]+]][%[[ZERO]]] {tile = "early"} : <shared, 8x8xf32> -> <shared, 8x8xf32>
// CHECK-NEXT: %[[GATE:.+]] = tile.stage %[[A:[0-9a-z_]+]][%[[ZERO]]] {tile = "gate"} : <shared, 8x8xf32> -> <shared, 8x8xf32>
// CHECK-NEXT: %[[HS:.+]] = tile.stage %[[Q]][%[[ZERO]]]
// CHECK-NEXT: %[[HALF:.+]] = tile.view %[[HS]][0, 0] {tile = "half"} : <shared, 8x8xf32> -> <shared, 8x4xf32>
// CHECK: %[[QS:.+]] = tile.stage %[[Q]]
// CHECK-NEXT: tile.copy_async "q" {{.*}} -> %[[QS]]
// CHECK: %[[AS:.+]] = tile.stage %[[A]]
// CHECK-NEXT: tile.copy_async "a" {{.*}} -> %[[AS]]
// CHECK: %[[QR:.+]] = tile.stage %[[Q]]
// CHECK-NEXT: %[[AR:.+]] = tile.stage %[[A]]
// CHECK-NEXT: tile.ew exp %[[EARLY]], %[[QR]] :
// CHECK-NEXT: tile.ew add %[[GATE]], %[[AR]], %[[EARLY]] :
// CHECK-NEXT: tile.ew neg %[[LATE]], %[[GATE]] : <reg, 8x8xf32>, <shared, 8x8xf32>
// CHECK: tile.ew add %[[CARRIED]], %[[CARRIED]], %[[LATE]]
// CHECK: tile.fill %[[HALF]]
// CHECK-NEXT: tile.view %[[HALF]][0, 0] : <shared, 8x4xf32> -> <shared, 2x4xf32>
// CHECK: tile.fill %[[TINY]]
// CHECK: tile.barrier
tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %q = tile.alloc {name = "q"} : <shared, 8x8xf32>
  %a = tile.alloc {name = "a"} : <shared, 8x8xf32>
  %gate = tile.alloc {name = "gate"} : <reg, 8x8xf32>
  %late = tile.alloc {name = "late"} : <reg, 8x8xf32>
  %half = tile.alloc {name = "half"} : <reg, 8x4xf32>
  %tiny = tile.alloc {name = "tiny"} : <reg, 2x2xf32>
  %carried = tile.alloc {name = "carried"} : <reg, 8x8xf32>
  %outside = tile.alloc {name = "outside"} : <reg, 8x8xf32>
  %early = tile.alloc {name = "early"} : <reg, 8x8xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %one = arith.constant 1.0 : f32
  tile.fill %outside, %one : <reg, 8x8xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    %row = arith.muli %i, %c8 : index
    %qs = tile.stage %q[%c0] : <shared, 8x8xf32> -> <shared, 8x8xf32>
    %tq = tile.copy_async "q" rows(%c0 + %row, %c8) head(%c0) col(%c0) -> %qs : <shared, 8x8xf32>
    %as = tile.stage %a[%c0] : <shared, 8x8xf32> -> <shared, 8x8xf32>
    %ta = tile.copy_async "a" rows(%c0 + %row, %c8) head(%c0) col(%c0) -> %as : <shared, 8x8xf32>
    tile.wait %tq
    tile.wait %ta
    %qr = tile.stage %q[%c0] : <shared, 8x8xf32> -> <shared, 8x8xf32>
    %ar = tile.stage %a[%c0] : <shared, 8x8xf32> -> <shared, 8x8xf32>
    tile.ew exp %early, %qr : <reg, 8x8xf32>, <shared, 8x8xf32>
    tile.ew add %gate, %ar, %early : <reg, 8x8xf32>, <shared, 8x8xf32>, !tile.buf<reg, 8x8xf32>
    tile.ew neg %late, %gate : <reg, 8x8xf32>, <reg, 8x8xf32>
    tile.ew add %early, %early, %late : <reg, 8x8xf32>, <reg, 8x8xf32>, !tile.buf<reg, 8x8xf32>
    tile.ew add %carried, %carried, %late : <reg, 8x8xf32>, <reg, 8x8xf32>, !tile.buf<reg, 8x8xf32>
    tile.ew add %outside, %outside, %carried : <reg, 8x8xf32>, <reg, 8x8xf32>, !tile.buf<reg, 8x8xf32>
    tile.fill %half, %one : <reg, 8x4xf32>
    %top = tile.view %half[0, 0] : <reg, 8x4xf32> -> <reg, 2x4xf32>
    tile.fill %top, %one : <reg, 2x4xf32>
    tile.fill %tiny, %one : <reg, 2x2xf32>
    tile.barrier
  }
}

// A stage copied into after its reads (the next chunk's input, fetched in
// the body) keeps its bytes for that copy: "mid", written after the last
// read and live across the copy, stays in registers. A body that does not
// end with a barrier places nothing.
// CHECK-LABEL: tile.kernel @prefetched
// CHECK: %[[MID:.+]] = tile.alloc {name = "mid"} : <reg, 8x8xf32>
// CHECK: scf.for
// CHECK-NEXT: tile.stage
// CHECK-NEXT: tile.ew exp
// CHECK-NEXT: tile.fill %[[MID]]
// CHECK-LABEL: tile.kernel @nobarrier
// CHECK: tile.alloc {name = "after"} : <reg, 8x8xf32>
tile.kernel @prefetched attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %q = tile.alloc {name = "q"} : <shared, 8x8xf32>
  %out = tile.alloc {name = "out"} : <shared, 8x8xf32>
  %mid = tile.alloc {name = "mid"} : <reg, 8x8xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %one = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    %qs = tile.stage %q[%c0] : <shared, 8x8xf32> -> <shared, 8x8xf32>
    tile.ew exp %out, %qs : <shared, 8x8xf32>, <shared, 8x8xf32>
    tile.fill %mid, %one : <reg, 8x8xf32>
    %t = tile.copy_async "q" rows(%c0 + %c8, %c8) head(%c0) col(%c0) -> %qs : <shared, 8x8xf32>
    tile.ew add %out, %out, %mid : <shared, 8x8xf32>, <shared, 8x8xf32>, !tile.buf<reg, 8x8xf32>
    tile.wait %t
    tile.barrier
  }
}
tile.kernel @nobarrier attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %q = tile.alloc {name = "q"} : <shared, 8x8xf32>
  %after = tile.alloc {name = "after"} : <reg, 8x8xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  scf.for %i = %c0 to %c4 step %c1 {
    %qs = tile.stage %q[%c0] : <shared, 8x8xf32> -> <shared, 8x8xf32>
    %t = tile.copy_async "q" rows(%c0 + %c0, %c8) head(%c0) col(%c0) -> %qs : <shared, 8x8xf32>
    tile.wait %t
    tile.ew exp %after, %qs : <reg, 8x8xf32>, <shared, 8x8xf32>
    tile.ew neg %after, %after : <reg, 8x8xf32>, <reg, 8x8xf32>
  }
}

// A chunk-parallel kernel copies its inputs once: from a stage's last read
// to the kernel's end the stage is free. "first" is written before the last
// read of "x" and stays in registers; "late" is written after it and takes
// the stage, made after the kernel's allocations.
// CHECK-LABEL: tile.kernel @parallel
// CHECK: %[[X:.+]] = tile.alloc {name = "x"} : <shared, 8x8xf32>
// CHECK-NEXT: %[[FIRST:.+]] = tile.alloc {name = "first"} : <reg, 8x8xf32>
// CHECK-NOT: name = "late"
// CHECK-NEXT: %[[ZERO:.+]] = arith.constant 0 : index
// CHECK-NEXT: %[[LATE:.+]] = tile.stage %[[X]][%[[ZERO]]] {tile = "late"} : <shared, 8x8xf32> -> <shared, 8x8xf32>
// CHECK: tile.ew exp %[[FIRST]], %{{.+}} : <reg, 8x8xf32>, <shared, 8x8xf32>
// CHECK-NEXT: tile.ew add %[[FIRST]], %[[FIRST]], %{{.+}} :
// CHECK-NEXT: tile.ew neg %[[LATE]], %[[FIRST]] : <shared, 8x8xf32>, <reg, 8x8xf32>
// CHECK-NEXT: tile.store_tile %[[LATE]]
tile.kernel @parallel attributes {grid = ["seq", "head", "chunk"], kind = "parallel", warps = 4 : i64} {
  %x = tile.alloc {name = "x"} : <shared, 8x8xf32>
  %first = tile.alloc {name = "first"} : <reg, 8x8xf32>
  %late = tile.alloc {name = "late"} : <reg, 8x8xf32>
  %c0 = arith.constant 0 : index
  %c8 = arith.constant 8 : index
  %xs = tile.stage %x[%c0] : <shared, 8x8xf32> -> <shared, 8x8xf32>
  %t = tile.copy_async "x" rows(%c0 + %c0, %c8) head(%c0) col(%c0) -> %xs : <shared, 8x8xf32>
  tile.wait %t
  tile.ew exp %first, %xs : <reg, 8x8xf32>, <shared, 8x8xf32>
  tile.ew add %first, %first, %xs : <reg, 8x8xf32>, <reg, 8x8xf32>, !tile.buf<shared, 8x8xf32>
  tile.ew neg %late, %first : <reg, 8x8xf32>, <reg, 8x8xf32>
  tile.store_tile %late -> "ws0" slot(%c0, %c0, %c0) col(%c0) : <reg, 8x8xf32>
}
