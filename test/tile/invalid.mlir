// Verifier errors of the tile dialect.
// RUN: linac-opt %s -split-input-file -verify-diagnostics

tile.kernel @k attributes {grid = ["seq", "head", "segment"], kind = "segment_combine", warps = 4 : i64} {
  %c0 = arith.constant 0 : index
  %s = tile.alloc {name = "s"} : <reg, 16x8xf32>
  // expected-error @+1 {{'tile.store_tile' op a slot of 4 columns cannot hold a tile of 8}}
  tile.store_tile %s -> "segstart" slot(%c0, %c0, %c0) col(%c0) {width = 4 : i64} : <reg, 16x8xf32>
}

// -----

tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %a = tile.alloc {name = "a"} : <reg, 4x4xf32>
  // expected-error @+1 {{'tile.view' op view [2, 0] of 4x4 is outside 4x4}}
  %v = tile.view %a [2, 0] : <reg, 4x4xf32> -> <reg, 4x4xf32>
}

// -----

tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %c0 = arith.constant 0 : index
  %s = tile.alloc {name = "s"} : <reg, 4x4xf32>
  // expected-error @+1 {{'tile.store_tile' op a slot must have at least one column, got -1}}
  tile.store_tile %s -> "w" slot(%c0, %c0, %c0) col(%c0) {width = -1 : i64} : <reg, 4x4xf32>
}

// -----

tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %c0 = arith.constant 0 : index
  %s = tile.alloc {name = "s"} : <reg, 4x4xf32>
  // expected-error @+1 {{'tile.store_tile' op a slot must stand for at least one chunk, got 0}}
  tile.store_tile %s -> "w" slot(%c0, %c0, %c0) col(%c0) {slot_chunks = 0 : i64} : <reg, 4x4xf32>
}
