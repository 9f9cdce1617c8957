//===- EmitCppTest.cpp - the C++ emitter on hand-written tile IR ----------===//
//
// Buffers get constant offsets in allocation order per space (the bytes
// kernelMemory counts, 16-byte rounded), restarting per kernel; an alloc
// that is not at a kernel's top level is refused (each iteration would get
// the same memory).
//
//===----------------------------------------------------------------------===//
#include "test/unit/EmitTileIR.h"

#include <gtest/gtest.h>

namespace {

TEST(EmitCpp, BufferOffsetsInAllocationOrderPerSpaceAndKernel) {
  const char *ir = R"(
tile.kernel @a attributes {grid = ["seq", "head"], kind = "state", warps = 8 : i64} {
  %x = tile.alloc {name = "x"} : <reg, 3x5xf32>
  %s = tile.alloc {name = "s"} : <shared, 4x4xf32, stages = 2>
  %y = tile.alloc {name = "y"} : <reg, 2x2xf32>
  %t = tile.alloc {name = "t"} : <shared, 1x1xf32>
}
tile.kernel @b attributes {grid = ["seq", "head"], kind = "state", warps = 8 : i64} {
  %z = tile.alloc {name = "z"} : <reg, 1x1xf32>
}
)";
  std::string errors, src = linac::test::emitCudaSource(ir, errors);
  ASSERT_FALSE(src.empty()) << errors;
  // reg: x at 0 (60 bytes -> 64), y at 64; shared: s at 0 (128), t at 128.
  EXPECT_NE(src.find("blk.alloc(reg, 3, 5, 1, \"x\", 0)"), std::string::npos) << src;
  EXPECT_NE(src.find("blk.alloc(shared, 4, 4, 2, \"s\", 0)"), std::string::npos) << src;
  EXPECT_NE(src.find("blk.alloc(reg, 2, 2, 1, \"y\", 64)"), std::string::npos) << src;
  EXPECT_NE(src.find("blk.alloc(shared, 1, 1, 1, \"t\", 128)"), std::string::npos) << src;
  // Kernel b starts again at 0.
  EXPECT_NE(src.find("blk.alloc(reg, 1, 1, 1, \"z\", 0)"), std::string::npos) << src;
  EXPECT_NE(src.find("LINAC_ENTRY(a, 256)"), std::string::npos) << src;
}

TEST(EmitCpp, AllocInsideALoopIsRefused) {
  const char *ir = R"(
tile.kernel @a attributes {grid = ["seq", "head"], kind = "state", warps = 4 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    %x = tile.alloc {name = "x"} : <reg, 4x4xf32>
  }
}
)";
  std::string errors, src = linac::test::emitCudaSource(ir, errors);
  EXPECT_TRUE(src.empty());
  EXPECT_NE(errors.find("tile.alloc must be at the top level of its kernel"), std::string::npos)
      << errors;
}

} // namespace
