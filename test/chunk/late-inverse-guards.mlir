// chunk-late-inverse rewrites T Y - (T X) S only where T is a unit lower
// inverse and every product it removes is read nowhere else.
// RUN: linac-opt %s -allow-unregistered-dialect --pass-pipeline='builtin.module(chunk.scan(chunk-late-inverse))' | FileCheck %s

// The delta rule's form: rewritten.
// CHECK-LABEL: chunk.scan @rewritten
// CHECK: ^bb0(%[[S:.+]]: tensor<8x4xf32>):
// CHECK: %[[T:.+]] = chunk.unit_lower_inverse
// CHECK: %[[XS:.+]] = chunk.matmul %[[X:.+]], %[[S]]
// CHECK: %[[Z:.+]] = chunk.sub %[[Y:.+]], %[[XS]]
// CHECK: %[[VP:.+]] = chunk.matmul %[[T]], %[[Z]]
// CHECK: chunk.yield %[[S]], %[[VP]]
chunk.scan @rewritten attributes {chunk_size = 16, key_dim = 8, value_dim = 4, sub_block = 4} {
^bb0(%S: tensor<8x4xf32>):
  %a = "test.tile"() : () -> tensor<16x16xf32>
  %x = "test.tile"() : () -> tensor<16x8xf32>
  %y = "test.tile"() : () -> tensor<16x4xf32>
  %t = chunk.unit_lower_inverse %a : tensor<16x16xf32>
  %w = chunk.matmul %t, %x : tensor<16x16xf32>, tensor<16x8xf32> -> tensor<16x8xf32>
  %u = chunk.matmul %t, %y : tensor<16x16xf32>, tensor<16x4xf32> -> tensor<16x4xf32>
  %ws = chunk.matmul %w, %S : tensor<16x8xf32>, tensor<8x4xf32> -> tensor<16x4xf32>
  %vp = chunk.sub %u, %ws : tensor<16x4xf32>, tensor<16x4xf32> -> tensor<16x4xf32>
  chunk.yield %S, %vp : tensor<8x4xf32>, tensor<16x4xf32>
}

// W read again (yielded through another product): W = T X must stay, so
// nothing is rewritten.
// CHECK-LABEL: chunk.scan @w_read_twice
// CHECK: %[[W:.+]] = chunk.matmul %[[T2:.+]], %{{.+}} : tensor<16x16xf32>, tensor<16x8xf32>
// CHECK: chunk.matmul %[[W]], %{{.+}} : tensor<16x8xf32>, tensor<8x4xf32>
// CHECK: chunk.sub
chunk.scan @w_read_twice attributes {chunk_size = 16, key_dim = 8, value_dim = 4, sub_block = 4} {
^bb0(%S: tensor<8x4xf32>):
  %a = "test.tile"() : () -> tensor<16x16xf32>
  %x = "test.tile"() : () -> tensor<16x8xf32>
  %y = "test.tile"() : () -> tensor<16x4xf32>
  %t = chunk.unit_lower_inverse %a : tensor<16x16xf32>
  %w = chunk.matmul %t, %x : tensor<16x16xf32>, tensor<16x8xf32> -> tensor<16x8xf32>
  %u = chunk.matmul %t, %y : tensor<16x16xf32>, tensor<16x4xf32> -> tensor<16x4xf32>
  %ws = chunk.matmul %w, %S : tensor<16x8xf32>, tensor<8x4xf32> -> tensor<16x4xf32>
  %vp = chunk.sub %u, %ws : tensor<16x4xf32>, tensor<16x4xf32> -> tensor<16x4xf32>
  %again = chunk.matmul %w, %y {transpose_lhs} : tensor<16x8xf32>, tensor<16x4xf32> -> tensor<8x4xf32>
  %next = chunk.add %S, %again : tensor<8x4xf32>, tensor<8x4xf32> -> tensor<8x4xf32>
  chunk.yield %next, %vp : tensor<8x4xf32>, tensor<16x4xf32>
}

// T not an inverse (any matrix): left as it is.
// CHECK-LABEL: chunk.scan @not_an_inverse
// CHECK: %[[M:.+]] = "test.tile"() : () -> tensor<16x16xf32>
// CHECK: chunk.matmul %[[M]], %{{.+}} : tensor<16x16xf32>, tensor<16x8xf32>
// CHECK: chunk.sub
chunk.scan @not_an_inverse attributes {chunk_size = 16, key_dim = 8, value_dim = 4, sub_block = 4} {
^bb0(%S: tensor<8x4xf32>):
  %m = "test.tile"() : () -> tensor<16x16xf32>
  %x = "test.tile"() : () -> tensor<16x8xf32>
  %y = "test.tile"() : () -> tensor<16x4xf32>
  %w = chunk.matmul %m, %x : tensor<16x16xf32>, tensor<16x8xf32> -> tensor<16x8xf32>
  %u = chunk.matmul %m, %y : tensor<16x16xf32>, tensor<16x4xf32> -> tensor<16x4xf32>
  %ws = chunk.matmul %w, %S : tensor<16x8xf32>, tensor<8x4xf32> -> tensor<16x4xf32>
  %vp = chunk.sub %u, %ws : tensor<16x4xf32>, tensor<16x4xf32> -> tensor<16x4xf32>
  chunk.yield %S, %vp : tensor<8x4xf32>, tensor<16x4xf32>
}
