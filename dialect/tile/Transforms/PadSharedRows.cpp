//===- PadSharedRows.cpp - shared fp32 rows 16 bytes apart from a bank ----===//
//
// The tile libraries keep a matmul's accumulators (and a fragment's values)
// in the tensor cores' layout: per warp, 8 rows by 4 column pairs. Reading
// or writing a shared fp32 tile of 64 or 128 columns in that layout puts
// all 8 rows in the same banks (rows 256 or 512 bytes apart), an 8-way
// conflict on every access of the matmuls' outputs and of the element-wise
// ops between fragments and shared tiles. Rows 16 bytes longer spread the
// 8 rows over the banks. The layout is the kernel's (attribute `pad_rows`,
// read by tile::rowPitch wherever bytes are counted or addresses made), so
// the buffers placed later are padded alike; this pass only decides
// whether the kernel can afford it. bf16 tiles (input stages, stores read
// only by matmuls) have the same conflict on rows of 64k halves (config
// pad16=on).
//
//===----------------------------------------------------------------------===//
#include "dialect/tile/Transforms/Passes.h"

namespace linac {
#define GEN_PASS_DEF_TILEPADSHAREDROWS
#include "dialect/tile/Transforms/Passes.h.inc"
} // namespace linac

using namespace mlir;

namespace {

/// Floats each padded fp32 row gains: 16 bytes keep rows float4-aligned and
/// move each of 8 consecutive rows 4 banks on.
constexpr int64_t kRowPad = 4;
/// Halves each padded bf16 row gains: 32 bytes move 8 consecutive rows 8
/// banks on, so the staging's 16-byte reads (8 rows at K chunks rotated by
/// the row) stay conflict-free and the accumulator layout's 2-way at most.
constexpr int64_t kRowPad16 = 16;

struct TilePadSharedRowsPass : linac::impl::TilePadSharedRowsBase<TilePadSharedRowsPass> {
  using TilePadSharedRowsBase::TilePadSharedRowsBase;

  void runOnOperation() override {
    tile::KernelOp kernel = getOperation();
    auto i64 = IntegerType::get(&getContext(), 64);
    if (f32)
      kernel->setAttr("pad_rows", IntegerAttr::get(i64, kRowPad));
    if (bf16)
      kernel->setAttr("pad_rows16", IntegerAttr::get(i64, kRowPad16));
    if (this->limit <= 0)
      return;
    // The shared buffers as padded; unmarked again if they no longer fit.
    int64_t used = reserved;
    kernel.walk([&](tile::AllocOp alloc) {
      auto t = cast<tile::BufType>(alloc.getType());
      if (t.getSpace() == tile::Space::shared && !alloc->hasAttr("fragment"))
        used += tile::bufferBytes(t, alloc);
    });
    if (used > linac::sharedLimitFor(kernel, this->limit)) {
      kernel->removeAttr("pad_rows");
      kernel->removeAttr("pad_rows16");
    }
  }
};

} // namespace
