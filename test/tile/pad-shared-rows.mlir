// RUN: linac-opt %s --pass-pipeline='builtin.module(tile.kernel(tile-pad-shared-rows{limit=70000 reserved=1024}))' | FileCheck %s
// RUN: linac-opt %s --pass-pipeline='builtin.module(tile.kernel(tile-pad-shared-rows{limit=68000 reserved=1024}))' | FileCheck %s --check-prefix=TIGHT
// RUN: linac-opt %s --pass-pipeline='builtin.module(tile.kernel(tile-pad-shared-rows{limit=72000 reserved=1024 bf16=true}))' | FileCheck %s --check-prefix=BOTH
// RUN: linac-opt %s --pass-pipeline='builtin.module(tile.kernel(tile-pad-shared-rows{limit=70000 reserved=1024 bf16=true}))' | FileCheck %s --check-prefix=TIGHT
// RUN: linac-opt %s --pass-pipeline='builtin.module(tile.kernel(tile-pad-shared-rows{limit=70000 reserved=1024 f32=false bf16=true}))' | FileCheck %s --check-prefix=ONLY16

// The shared buffers: a 64x128 fp32 stage (32 KiB, 33 padded), a 64x64
// fp32 tile (16 KiB, 17 padded), a 64x128 bf16 stage (16 KiB, never
// padded), a 64x1 column and a 1x128 row (not padded: one column, one row),
// and a register tile (not in shared memory). Padded they take 69,376 bytes
// with the 1 KiB reserved: the kernel is marked under a limit of 70,000
// bytes, not under 68,000 (which the unpadded 67,328 bytes would fit).
// CHECK: tile.kernel @k attributes {{{.*}}pad_rows = 4 : i64
// CHECK-NOT: pad_rows16
// TIGHT-NOT: pad_rows
//
// With bf16 too, the bf16 stage's rows take 16 halves more (+2 KiB: 71,424
// bytes in all): both marks under 72,000 bytes, neither under 70,000; bf16
// alone (67,328 + 2,048 bytes) fits 70,000.
// BOTH: tile.kernel @k attributes {{{.*}}pad_rows = 4 : i64, pad_rows16 = 16 : i64
// ONLY16: tile.kernel @k attributes {{{.*}}pad_rows16 = 16 : i64
// ONLY16-NOT: pad_rows =
tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %stage = tile.alloc {name = "stage"} : <shared, 64x128xf32>
  %square = tile.alloc {name = "square"} : <shared, 64x64xf32>
  %half = tile.alloc {name = "half"} : <shared, 64x128xbf16>
  %column = tile.alloc {name = "column"} : <shared, 64x1xf32>
  %row = tile.alloc {name = "row"} : <shared, 1x128xf32>
  %scratch = tile.alloc {name = "scratch"} : <reg, 64x128xf32>
  %one = arith.constant 1.0 : f32
  tile.fill %stage, %one : <shared, 64x128xf32>
  tile.fill %square, %one : <shared, 64x64xf32>
  tile.fill %column, %one : <shared, 64x1xf32>
  tile.fill %row, %one : <shared, 1x128xf32>
  tile.fill %scratch, %one : <reg, 64x128xf32>
}
