// RUN: linac-opt %s -split-input-file -verify-diagnostics --pass-pipeline='builtin.module(tile.kernel(tile-own-columns))' | FileCheck %s

// The delta rule's state pass as chunk-to-tile writes it (wu=materialized):
// the state and every register tile made from it have the block's 32 V
// columns, and every op on them is column-local. The kernel is marked
// own_columns, those tiles owned (a fragment of the kernel's one
// warpgroup); shared tiles stay as they are.
// CHECK-LABEL: tile.kernel @delta_state
// CHECK-SAME: own_columns
// CHECK: tile.alloc {name = "q"} : <shared, 16x16xbf16>
// CHECK: tile.alloc {name = "u"} : <shared, 16x32xf32>
// CHECK: tile.alloc {fragment = 1 : i64, name = "S", owned} : <reg, 16x32xf32>
// CHECK: tile.alloc {fragment = 1 : i64, name = "o", owned} : <reg, 16x32xf32>
// CHECK: tile.alloc {fragment = 1 : i64, name = "vp", owned} : <reg, 16x32xf32>
tile.kernel @delta_state attributes {grid = ["seq", "head", "vtile"], kind = "state", vtile_cols = 32 : i64, warps = 2 : i64} {
  %q = tile.alloc {name = "q"} : <shared, 16x16xbf16>
  %w = tile.alloc {name = "w"} : <shared, 16x16xbf16>
  %u = tile.alloc {name = "u"} : <shared, 16x32xf32>
  %m = tile.alloc {name = "m"} : <shared, 16x16xbf16>
  %d = tile.alloc {name = "d"} : <shared, 16x1xf32>
  %s = tile.alloc {name = "S"} : <reg, 16x32xf32>
  %o = tile.alloc {name = "o"} : <reg, 16x32xf32>
  %vp = tile.alloc {name = "vp"} : <reg, 16x32xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  tile.load_state seq(%c0) head(%c0) col(%c0) -> %s : <reg, 16x32xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    %qs = tile.stage %q[%c0] : <shared, 16x16xbf16> -> <shared, 16x16xbf16>
    %tq = tile.copy_tile_async "ws0" slot(%c0, %c0, %i) col(%c0) valid(%c16) -> %qs : <shared, 16x16xbf16>
    %ws = tile.stage %w[%c0] : <shared, 16x16xbf16> -> <shared, 16x16xbf16>
    %tw = tile.copy_tile_async "ws1" slot(%c0, %c0, %i) col(%c0) valid(%c16) -> %ws : <shared, 16x16xbf16>
    %us = tile.stage %u[%c0] : <shared, 16x32xf32> -> <shared, 16x32xf32>
    %tu = tile.copy_tile_async "ws2" slot(%c0, %c0, %i) col(%c0) valid(%c16) -> %us : <shared, 16x32xf32>
    %ms = tile.stage %m[%c0] : <shared, 16x16xbf16> -> <shared, 16x16xbf16>
    %tm = tile.copy_tile_async "ws3" slot(%c0, %c0, %i) col(%c0) valid(%c16) -> %ms : <shared, 16x16xbf16>
    %ds = tile.stage %d[%c0] : <shared, 16x1xf32> -> <shared, 16x1xf32>
    %td = tile.copy_tile_async "ws4" slot(%c0, %c0, %i) col(%c0) valid(%c16) -> %ds : <shared, 16x1xf32>
    tile.wait %tq
    tile.wait %tw
    tile.wait %tu
    tile.wait %tm
    tile.wait %td
    tile.mma %o, %qs, %s {operand_type = #tile<operand bf16>} : <reg, 16x32xf32>, <shared, 16x16xbf16>, <reg, 16x32xf32>
    tile.mma %vp, %ws, %s {operand_type = #tile<operand bf16>} : <reg, 16x32xf32>, <shared, 16x16xbf16>, <reg, 16x32xf32>
    tile.ew sub %vp, %us, %vp : <reg, 16x32xf32>, <shared, 16x32xf32>, !tile.buf<reg, 16x32xf32>
    tile.mma %o, %ms, %vp {accumulate, operand_type = #tile<operand bf16>} : <reg, 16x32xf32>, <shared, 16x16xbf16>, <reg, 16x32xf32>
    tile.ew mul %s, %ds, %s : <reg, 16x32xf32>, <shared, 16x1xf32>, !tile.buf<reg, 16x32xf32>
    tile.mma %s, %ws, %vp {accumulate, operand_type = #tile<operand bf16>, transpose_a} : <reg, 16x32xf32>, <shared, 16x16xbf16>, <reg, 16x32xf32>
    tile.store_rows %o -> "o" rows(%c0 + %c0, %c16) head(%c0) col(%c0) : <reg, 16x32xf32>
    tile.barrier
  }
  tile.store_state %s seq(%c0) head(%c0) col(%c0) : <reg, 16x32xf32>
}

// -----

// Only the state pass: a chunk-parallel kernel is left alone.
// CHECK-LABEL: tile.kernel @chunks
// CHECK-NOT: own_columns
// CHECK-NOT: owned
tile.kernel @chunks attributes {grid = ["seq", "head", "chunk"], kind = "chunks", warps = 2 : i64} {
  %a = tile.alloc {name = "a"} : <reg, 16x32xf32>
  tile.ew neg %a, %a : <reg, 16x32xf32>, <reg, 16x32xf32>
}

// -----

// 32 columns do not split into four warps of 16.
// expected-error @+1 {{own=warps: 32 columns of V per block do not split into 4 warps of a multiple of 16 columns}}
tile.kernel @narrow attributes {grid = ["seq", "head", "vtile"], kind = "state", vtile_cols = 32 : i64, warps = 4 : i64} {
  %s = tile.alloc {name = "S"} : <reg, 16x32xf32>
  %c0 = arith.constant 0 : index
  tile.load_state seq(%c0) head(%c0) col(%c0) -> %s : <reg, 16x32xf32>
}

// -----

// The fused kernel: chunk-local ops (a tile in registers "w" made from the
// inputs) beside the ops on the state. Only the state and what is made
// from it are owned; the register tile the owned matmul reads is kept in
// memory (in_memory: never a fragment), and a chunk-local op may write a
// shared tile that an owned op reads (tile-own-barriers orders them).
// CHECK-LABEL: tile.kernel @fused
// CHECK-SAME: own_columns
// CHECK: tile.alloc {name = "x"} : <shared, 16x16xf32>
// CHECK: tile.alloc {in_memory, name = "w"} : <reg, 16x16xf32>
// CHECK: tile.alloc {fragment = 1 : i64, name = "S", owned} : <reg, 16x32xf32>
// CHECK: tile.alloc {fragment = 1 : i64, name = "ws", owned} : <reg, 16x32xf32>
// CHECK: tile.alloc {name = "late"} : <reg, 16x16xf32>
tile.kernel @fused attributes {grid = ["seq", "head"], kind = "state", warps = 2 : i64} {
  %x = tile.alloc {name = "x"} : <shared, 16x16xf32>
  %w = tile.alloc {name = "w"} : <reg, 16x16xf32>
  %s = tile.alloc {name = "S"} : <reg, 16x32xf32>
  %ws = tile.alloc {name = "ws"} : <reg, 16x32xf32>
  %late = tile.alloc {name = "late"} : <reg, 16x16xf32>
  %c0 = arith.constant 0 : index
  tile.load_state seq(%c0) head(%c0) col(%c0) -> %s : <reg, 16x32xf32>
  tile.ew exp %w, %x : <reg, 16x16xf32>, <shared, 16x16xf32>
  tile.mma %ws, %w, %s {operand_type = #tile<operand bf16>} : <reg, 16x32xf32>, <reg, 16x16xf32>, <reg, 16x32xf32>
  tile.ew neg %x, %x : <shared, 16x16xf32>, <shared, 16x16xf32>
  tile.ew neg %late, %x : <reg, 16x16xf32>, <shared, 16x16xf32>
  tile.mma %s, %w, %ws {accumulate, operand_type = #tile<operand bf16>, transpose_a} : <reg, 16x32xf32>, <reg, 16x16xf32>, <reg, 16x32xf32>
  tile.store_state %s seq(%c0) head(%c0) col(%c0) : <reg, 16x32xf32>
}

// -----

// fp32 operands: mma.sync m16n8k16 takes 16-bit ones.
tile.kernel @f32 attributes {grid = ["seq", "head", "vtile"], kind = "state", vtile_cols = 32 : i64, warps = 2 : i64} {
  %w = tile.alloc {name = "w"} : <shared, 16x16xf32>
  %s = tile.alloc {name = "S"} : <reg, 16x32xf32>
  %o = tile.alloc {name = "o"} : <reg, 16x32xf32>
  %c0 = arith.constant 0 : index
  tile.load_state seq(%c0) head(%c0) col(%c0) -> %s : <reg, 16x32xf32>
  // expected-error @+1 {{own=warps: a matmul the warps can own}}
  tile.mma %o, %w, %s {operand_type = #tile<operand f32>} : <reg, 16x32xf32>, <shared, 16x16xf32>, <reg, 16x32xf32>
}

// -----

// A matmul into a tile it also reads as b.
tile.kernel @self attributes {grid = ["seq", "head", "vtile"], kind = "state", vtile_cols = 32 : i64, warps = 2 : i64} {
  %w = tile.alloc {name = "w"} : <shared, 16x16xbf16>
  %s = tile.alloc {name = "S"} : <reg, 16x32xf32>
  %c0 = arith.constant 0 : index
  tile.load_state seq(%c0) head(%c0) col(%c0) -> %s : <reg, 16x32xf32>
  // expected-error @+1 {{own=warps: a matmul the warps can own}}
  tile.mma %s, %w, %s {operand_type = #tile<operand bf16>} : <reg, 16x32xf32>, <shared, 16x16xbf16>, <reg, 16x32xf32>
}

// -----

// A matmul whose b is not made from the state (a plain update's o += M V
// in the fused kernel): b stays in memory (each warp reads its columns).
// CHECK-LABEL: tile.kernel @input
// CHECK-SAME: own_columns
// CHECK: tile.alloc {in_memory, name = "v"} : <reg, 16x32xf32>
// CHECK: tile.alloc {fragment = 1 : i64, name = "S", owned}
// CHECK: tile.alloc {fragment = 1 : i64, name = "o", owned}
tile.kernel @input attributes {grid = ["seq", "head"], kind = "state", warps = 2 : i64} {
  %m = tile.alloc {name = "m"} : <shared, 16x16xbf16>
  %v = tile.alloc {name = "v"} : <reg, 16x32xf32>
  %s = tile.alloc {name = "S"} : <reg, 16x32xf32>
  %o = tile.alloc {name = "o"} : <reg, 16x32xf32>
  %c0 = arith.constant 0 : index
  tile.load_state seq(%c0) head(%c0) col(%c0) -> %s : <reg, 16x32xf32>
  tile.mma %o, %m, %s {operand_type = #tile<operand bf16>} : <reg, 16x32xf32>, <shared, 16x16xbf16>, <reg, 16x32xf32>
  tile.mma %o, %m, %v {accumulate, operand_type = #tile<operand bf16>} : <reg, 16x32xf32>, <shared, 16x16xbf16>, <reg, 16x32xf32>
}

// -----

// A reduction along the rows mixes the warps' columns.
tile.kernel @reduce attributes {grid = ["seq", "head", "vtile"], kind = "state", vtile_cols = 32 : i64, warps = 2 : i64} {
  %s = tile.alloc {name = "S"} : <reg, 16x32xf32>
  %n = tile.alloc {name = "n"} : <reg, 16x1xf32>
  %c0 = arith.constant 0 : index
  tile.load_state seq(%c0) head(%c0) col(%c0) -> %s : <reg, 16x32xf32>
  // expected-error @+1 {{own=warps: 'tile.row_l2norm' on a tile made from the state has no form owned by warps}}
  tile.row_l2norm %n, %s : <reg, 16x1xf32>, <reg, 16x32xf32>
}
