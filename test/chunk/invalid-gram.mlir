// Verifier errors of chunk.gram's decay bound.
// RUN: linac-opt %s -split-input-file -verify-diagnostics -allow-unregistered-dialect

%a = "test.tile"() : () -> tensor<16x8xf32>
// expected-error @+1 {{'chunk.gram' op has a decay_bound but no decays}}
%0 = chunk.gram strict %a, %a {decay_bound = 5.0 : f64} : tensor<16x8xf32>, tensor<16x8xf32> -> tensor<16x16xf32>

// -----

%a = "test.tile"() : () -> tensor<16x8xf32>
// expected-error @+1 {{'chunk.gram' op decay_bound must be > 0, got -1}}
%0 = chunk.gram strict %a, %a decay(%a, %a : tensor<16x8xf32>, tensor<16x8xf32>) {decay_bound = -1.0 : f64} : tensor<16x8xf32>, tensor<16x8xf32> -> tensor<16x16xf32>
