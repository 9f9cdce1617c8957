// RUN: linac-opt %s --pass-pipeline='builtin.module(tile.kernel(tile-fuse-elementwise))' | FileCheck %s

// Runs of consecutive ew / mask_rows of one shape get one `fuse` id:
// "a = x + g; b = exp(a); mask b" (a read at its element; g, a scalar,
// read with broadcasting and never written). The 1x1 op "s = exp g" ends
// it (another shape) and starts a run with "t = -s"; "c = x * t; x = c * c"
// is the next (x read, then written, at the same element). "d = x-view"
// may not join it: it reads a view of x, which the run writes. A fragment
// operand never joins; a run of one op is left alone; any other op ends a
// run.
// A store that a later op of the run overwrites before anything reads it
// from memory is `unstored` (exp's b: the mask reads b's value in a local
// and writes b again); the last store of a tile stays.
// CHECK-LABEL: tile.kernel @k
// CHECK: tile.view
// CHECK-NEXT: tile.ew add {{.*}} {fuse = 0 : i64}
// CHECK-NEXT: tile.ew exp {{.*}} {fuse = 0 : i64, unstored}
// CHECK-NEXT: tile.mask_rows {{.*}} {fuse = 0 : i64}
// CHECK-NEXT: tile.ew exp {{.*}} {fuse = 1 : i64}
// CHECK-NEXT: tile.ew neg {{.*}} {fuse = 1 : i64}
// CHECK-NEXT: tile.ew mul {{.*}} {fuse = 2 : i64}
// CHECK-NEXT: tile.ew mul {{.*}} {fuse = 2 : i64}
// CHECK-NOT: fuse
// CHECK: tile.cumsum
// CHECK-NOT: fuse
// CHECK: }
tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 8 : i64} {
  %x = tile.alloc {name = "x"} : <reg, 8x4xf32>
  %g = tile.alloc {name = "g"} : <reg, 1x1xf32>
  %a = tile.alloc {name = "a"} : <reg, 8x4xf32>
  %b = tile.alloc {name = "b"} : <reg, 8x4xf32>
  %s = tile.alloc {name = "s"} : <reg, 1x1xf32>
  %t = tile.alloc {name = "t"} : <reg, 1x1xf32>
  %c = tile.alloc {name = "c"} : <reg, 8x4xf32>
  %d = tile.alloc {name = "d"} : <reg, 8x4xf32>
  %f = tile.alloc {fragment = 2 : i64, name = "f"} : <reg, 64x64xf32>
  %h = tile.alloc {name = "h"} : <reg, 64x64xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    %xv = tile.view %x[0, 0] : <reg, 8x4xf32> -> <reg, 8x4xf32>
    tile.ew add %a, %x, %g : <reg, 8x4xf32>, <reg, 8x4xf32>, !tile.buf<reg, 1x1xf32>
    tile.ew exp %b, %a : <reg, 8x4xf32>, <reg, 8x4xf32>
    tile.mask_rows %b, %c4 : <reg, 8x4xf32>
    tile.ew exp %s, %g : <reg, 1x1xf32>, <reg, 1x1xf32>
    tile.ew neg %t, %s : <reg, 1x1xf32>, <reg, 1x1xf32>
    tile.ew mul %c, %x, %t : <reg, 8x4xf32>, <reg, 8x4xf32>, !tile.buf<reg, 1x1xf32>
    tile.ew mul %x, %c, %c : <reg, 8x4xf32>, <reg, 8x4xf32>, !tile.buf<reg, 8x4xf32>
    tile.ew copy %d, %xv : <reg, 8x4xf32>, <reg, 8x4xf32>
    tile.ew sub %h, %f, %h : <reg, 64x64xf32>, <reg, 64x64xf32>, !tile.buf<reg, 64x64xf32>
    tile.ew exp %h, %h : <reg, 64x64xf32>, <reg, 64x64xf32>
    tile.cumsum %a, %b : <reg, 8x4xf32>, <reg, 8x4xf32>
    tile.ew copy %d, %a : <reg, 8x4xf32>, <reg, 8x4xf32>
  }
}

// A tile read from memory between two writes keeps the first store: "a =
// x + g" then "e = a' * a'" reads a through another value of the same
// stage (from memory), so a's first store stays although "a = e - x"
// writes a again. A root is written through one value per run: "a' = -x"
// ends the run.
// CHECK-LABEL: tile.kernel @reads
// CHECK: tile.ew add {{.*}} {fuse = 0 : i64}
// CHECK-NEXT: tile.ew mul {{.*}} {fuse = 0 : i64}
// CHECK-NEXT: tile.ew sub {{.*}} {fuse = 0 : i64}
// CHECK-NEXT: tile.ew neg %{{[0-9]+}}, %{{[0-9]+}} : <shared, 8x4xf32>, <shared, 8x4xf32>{{$}}
// The same run without the read through a': the add's store is unstored.
// CHECK-LABEL: tile.kernel @overwritten
// CHECK: tile.ew add {{.*}} {fuse = 0 : i64, unstored}
// CHECK-NEXT: tile.ew mul {{.*}} {fuse = 0 : i64}
// CHECK-NEXT: tile.ew sub {{.*}} {fuse = 0 : i64}
tile.kernel @reads attributes {grid = ["seq", "head"], kind = "state", warps = 8 : i64} {
  %x = tile.alloc {name = "x"} : <shared, 8x4xf32>
  %g = tile.alloc {name = "g"} : <shared, 1x1xf32>
  %b = tile.alloc {name = "a"} : <shared, 8x4xf32>
  %e = tile.alloc {name = "e"} : <shared, 8x4xf32>
  %c0 = arith.constant 0 : index
  %a = tile.stage %b[%c0] : <shared, 8x4xf32> -> <shared, 8x4xf32>
  %a2 = tile.stage %b[%c0] : <shared, 8x4xf32> -> <shared, 8x4xf32>
  tile.ew add %a, %x, %g : <shared, 8x4xf32>, <shared, 8x4xf32>, !tile.buf<shared, 1x1xf32>
  tile.ew mul %e, %a2, %a2 : <shared, 8x4xf32>, <shared, 8x4xf32>, !tile.buf<shared, 8x4xf32>
  tile.ew sub %a, %e, %x : <shared, 8x4xf32>, <shared, 8x4xf32>, !tile.buf<shared, 8x4xf32>
  tile.ew neg %a2, %x : <shared, 8x4xf32>, <shared, 8x4xf32>
}
tile.kernel @overwritten attributes {grid = ["seq", "head"], kind = "state", warps = 8 : i64} {
  %x = tile.alloc {name = "x"} : <shared, 8x4xf32>
  %g = tile.alloc {name = "g"} : <shared, 1x1xf32>
  %b = tile.alloc {name = "a"} : <shared, 8x4xf32>
  %e = tile.alloc {name = "e"} : <shared, 8x4xf32>
  %c0 = arith.constant 0 : index
  %a = tile.stage %b[%c0] : <shared, 8x4xf32> -> <shared, 8x4xf32>
  tile.ew add %a, %x, %g : <shared, 8x4xf32>, <shared, 8x4xf32>, !tile.buf<shared, 1x1xf32>
  tile.ew mul %e, %a, %a : <shared, 8x4xf32>, <shared, 8x4xf32>, !tile.buf<shared, 8x4xf32>
  tile.ew sub %a, %e, %x : <shared, 8x4xf32>, <shared, 8x4xf32>, !tile.buf<shared, 8x4xf32>
}
