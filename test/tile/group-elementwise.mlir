// RUN: linac-opt %s --pass-pipeline='builtin.module(tile.kernel(tile-group-elementwise))' | FileCheck %s
// RUN: linac-opt %s --pass-pipeline='builtin.module(tile.kernel(tile-group-elementwise,tile-fuse-elementwise))' | FileCheck %s --check-prefix=FUSED

// A stretch of element-wise ops of two shapes and a fragment, as KDA's
// chunk masks its per-token tiles: "y = x * s; mask y" (8x4), "c = b;
// mask c" (8x1), "mask f" (a fragment), "z = y; mask z" (8x4). The 8x4
// ops come together (z's copy reads y, written before it: it follows it),
// then the 8x1 ops, then the fragment's mask; the cumsum ends the stretch.
// In the second stretch nothing moves: "c = -b" may not come before "u =
// c * s" (it writes what that one reads), nor "w = u * c" before "c = -b"
// (it reads what that one writes).
// CHECK-LABEL: tile.kernel @k
// CHECK: tile.ew mul %[[Y:[0-9]+]], %[[X:[0-9]+]], %{{[0-9]+}} : <shared, 8x4xf32>
// CHECK-NEXT: tile.mask_rows %[[Y]]
// CHECK-NEXT: tile.ew copy %[[Z:[0-9]+]], %[[Y]] : <shared, 8x4xf32>
// CHECK-NEXT: tile.mask_rows %[[Z]]
// CHECK-NEXT: tile.ew copy %[[C:[0-9]+]], %[[B:[0-9]+]] : <shared, 8x1xf32>
// CHECK-NEXT: tile.mask_rows %[[C]]
// CHECK-NEXT: tile.mask_rows %[[F:[0-9]+]], {{.*}} : <reg, 64x64xf32>
// CHECK-NEXT: tile.cumsum
// CHECK-NEXT: tile.mask_rows %[[C]]
// CHECK-NEXT: tile.ew mul %[[U:[0-9]+]], %[[C]], %{{[0-9]+}} : <shared, 8x4xf32>
// CHECK-NEXT: tile.ew neg %[[C]], %[[B]]
// CHECK-NEXT: tile.ew mul %{{[0-9]+}}, %[[U]], %[[C]]
// After it, tile-fuse-elementwise makes one run of the four 8x4 ops and
// one of the two 8x1 ops (each mask overwrites its tile's value unread).
// FUSED-LABEL: tile.kernel @k
// FUSED: tile.ew mul {{.*}} {fuse = 0 : i64, unstored}
// FUSED-NEXT: tile.mask_rows {{.*}} {fuse = 0 : i64}
// FUSED-NEXT: tile.ew copy {{.*}} {fuse = 0 : i64, unstored}
// FUSED-NEXT: tile.mask_rows {{.*}} {fuse = 0 : i64}
// FUSED-NEXT: tile.ew copy {{.*}} {fuse = 1 : i64, unstored}
// FUSED-NEXT: tile.mask_rows {{.*}} {fuse = 1 : i64}
// FUSED-NEXT: tile.mask_rows %{{[0-9]+}}, %{{[a-z0-9_]+}} : <reg, 64x64xf32>{{$}}
tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 8 : i64} {
  %x = tile.alloc {name = "x"} : <shared, 8x4xf32>
  %s = tile.alloc {name = "s"} : <shared, 1x1xf32>
  %y = tile.alloc {name = "y"} : <shared, 8x4xf32>
  %b = tile.alloc {name = "b"} : <shared, 8x1xf32>
  %c = tile.alloc {name = "c"} : <shared, 8x1xf32>
  %z = tile.alloc {name = "z"} : <shared, 8x4xf32>
  %u = tile.alloc {name = "u"} : <shared, 8x4xf32>
  %w = tile.alloc {name = "w"} : <shared, 8x4xf32>
  %f = tile.alloc {fragment = 2 : i64, name = "f"} : <reg, 64x64xf32>
  %c4 = arith.constant 4 : index
  tile.ew mul %y, %x, %s : <shared, 8x4xf32>, <shared, 8x4xf32>, !tile.buf<shared, 1x1xf32>
  tile.mask_rows %y, %c4 : <shared, 8x4xf32>
  tile.ew copy %c, %b : <shared, 8x1xf32>, <shared, 8x1xf32>
  tile.mask_rows %c, %c4 : <shared, 8x1xf32>
  tile.mask_rows %f, %c4 : <reg, 64x64xf32>
  tile.ew copy %z, %y : <shared, 8x4xf32>, <shared, 8x4xf32>
  tile.mask_rows %z, %c4 : <shared, 8x4xf32>
  tile.cumsum %w, %x : <shared, 8x4xf32>, <shared, 8x4xf32>
  tile.mask_rows %c, %c4 : <shared, 8x1xf32>
  tile.ew mul %u, %c, %s : <shared, 8x4xf32>, <shared, 8x1xf32>, !tile.buf<shared, 1x1xf32>
  tile.ew neg %c, %b : <shared, 8x1xf32>, <shared, 8x1xf32>
  tile.ew mul %w, %u, %c : <shared, 8x4xf32>, <shared, 8x4xf32>, !tile.buf<shared, 8x1xf32>
}
