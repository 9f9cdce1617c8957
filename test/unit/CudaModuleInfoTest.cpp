//===- CudaModuleInfoTest.cpp - emitted module lines, read by the runtime --===//
//
// A module compiled by NVRTC is described to the CUDA runtime by its
// `// linac:` lines only: what the emitter writes there must read back as
// the kernel table says, workspace slots included (a slot per segment in the
// sequence split's kernels, per chunk elsewhere), and a malformed line is
// refused rather than read as zeros.
//
//===----------------------------------------------------------------------===//
#include "runtime/cuda/CudaModule.h"
#include "test/unit/EmitTileIR.h"
#include "linac_tile_cuda.cuh"

#include <gtest/gtest.h>

namespace {

// Maps stored by segment (slot_chunks), W stored by chunk,
// start states written in columns into slots as wide as V.
const char *kSplitIR = R"(
tile.kernel @maps attributes {grid = ["seq", "head", "segment"], kind = "segment_maps", segment_chunks = 4 : i64, warps = 4 : i64} {
  %c0 = arith.constant 0 : index
  %m = tile.alloc {name = "m"} : <reg, 16x24xf32>
  tile.store_tile %m -> "segmap" slot(%c0, %c0, %c0) col(%c0) {slot_chunks = 4 : i64} : <reg, 16x24xf32>
}
tile.kernel @combine attributes {grid = ["seq", "head", "vtile"], kind = "segment_combine", segment_chunks = 4 : i64, vtile_cols = 4 : i64, warps = 4 : i64} {
  %c0 = arith.constant 0 : index
  %s = tile.alloc {name = "s"} : <reg, 16x4xf32>
  tile.store_tile %s -> "segstart" slot(%c0, %c0, %c0) col(%c0) {slot_chunks = 4 : i64, width = 8 : i64} : <reg, 16x4xf32>
}
tile.kernel @chunks attributes {grid = ["seq", "head", "chunk"], kind = "parallel", warps = 4 : i64} {
  %c0 = arith.constant 0 : index
  %w = tile.alloc {name = "w"} : <reg, 8x16xf32>
  tile.store_tile %w -> "ws0" slot(%c0, %c0, %c0) col(%c0) : <reg, 8x16xf32>
  tile.store_tile %w -> "ws1" slot(%c0, %c0, %c0) col(%c0) : <reg, 8x16xf32>
}
tile.kernel @state attributes {grid = ["seq", "head", "vtile"], kind = "state", vtile_cols = 8 : i64, warps = 4 : i64} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %s = tile.alloc {name = "s"} : <shared, 8x16xbf16>
  %r = tile.alloc {name = "r"} : <reg, 8x16xf32>
  %o = tile.alloc {name = "o"} : <reg, 8x8xf32>
  %t = tile.copy_tile_async "ws1" slot(%c0, %c0, %c0) col(%c0) valid(%c1) -> %s : <shared, 8x16xbf16>
  tile.wait %t
  tile.mma %o, %s, %r {operand_type = #tile<operand bf16>, transpose_b} : <reg, 8x8xf32>, <shared, 8x16xbf16>, <reg, 8x16xf32>
}
)";

TEST(CudaModuleInfo, WorkspaceSlotsReadBackAsEmitted) {
  std::string errors, src = linac::test::emitCudaSource(kSplitIR, errors);
  ASSERT_FALSE(src.empty()) << errors;
  // The host kernel table (nvcc builds) says the same.
  // ws1, read only into a bf16 stage, is stored in bf16 (2 bytes).
  EXPECT_NE(src.find("{\"segmap\", 16, 24, 4, 4},"), std::string::npos) << src;
  EXPECT_NE(src.find("{\"segstart\", 16, 8, 4, 4},"), std::string::npos) << src;
  EXPECT_NE(src.find("{\"ws0\", 8, 16, 1, 4},"), std::string::npos) << src;
  EXPECT_NE(src.find("{\"ws1\", 8, 16, 1, 2},"), std::string::npos) << src;
  linac::CudaModuleInfo info;
  ASSERT_EQ(linac::parseModuleInfo(src, info), "");
  ASSERT_EQ(info.workspaces.size(), 4u);
  for (const auto &w : info.workspaces) {
    if (w.name == "segmap") {
      EXPECT_EQ(w.rows, 16);
      EXPECT_EQ(w.cols, 24);
      EXPECT_EQ(w.slotChunks, 4);
    } else if (w.name == "segstart") {
      EXPECT_EQ(w.cols, 8); // the declared width, not the stored tile's 4
      EXPECT_EQ(w.slotChunks, 4);
    } else if (w.name == "ws1") {
      EXPECT_EQ(w.elementBytes, 2);
    } else {
      EXPECT_EQ(w.name, "ws0");
      EXPECT_EQ(w.slotChunks, 1);
    }
    if (w.name != "ws1")
      EXPECT_EQ(w.elementBytes, 4) << w.name;
  }
  // Slots per (sequence, head): 10 chunks in segments of 4 are 3.
  EXPECT_EQ(linac::tile::workspace_slots(10, 4), 3);
  EXPECT_EQ(linac::tile::workspace_slots(10, 1), 10);
}

TEST(CudaModuleInfo, AWorkspaceLineWithoutItsSlotsIsRefused) {
  linac::CudaModuleInfo info;
  std::string err = linac::parseModuleInfo("// linac:workspace segmap 16 24\n", info);
  EXPECT_NE(err.find("bad module line"), std::string::npos) << err;
  err = linac::parseModuleInfo("// linac:workspace segmap 16 24 0\n", info);
  EXPECT_NE(err.find("bad module line"), std::string::npos) << err;
  // Nor one without its element size, or with another than 4 or 2 bytes.
  err = linac::parseModuleInfo("// linac:workspace segmap 16 24 4\n", info);
  EXPECT_NE(err.find("bad module line"), std::string::npos) << err;
  err = linac::parseModuleInfo("// linac:workspace segmap 16 24 4 3\n", info);
  EXPECT_NE(err.find("bad module line"), std::string::npos) << err;
}

TEST(CudaModuleInfo, OneWorkspaceStoredAsTwoShapesIsRefused) {
  const char *ir = R"(
tile.kernel @a attributes {grid = ["seq", "head", "chunk"], kind = "parallel", warps = 4 : i64} {
  %c0 = arith.constant 0 : index
  %x = tile.alloc {name = "x"} : <reg, 8x16xf32>
  tile.store_tile %x -> "ws0" slot(%c0, %c0, %c0) col(%c0) : <reg, 8x16xf32>
  %y = tile.alloc {name = "y"} : <reg, 8x8xf32>
  tile.store_tile %y -> "ws0" slot(%c0, %c0, %c0) col(%c0) : <reg, 8x8xf32>
}
)";
  std::string errors, src = linac::test::emitCudaSource(ir, errors);
  EXPECT_TRUE(src.empty());
  EXPECT_NE(errors.find("stores workspace 'ws0' as 8x8 slots of 1 chunks; an earlier store made "
                        "them 8x16 of 1"),
            std::string::npos)
      << errors;
}

} // namespace
