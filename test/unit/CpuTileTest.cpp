//===- CpuTileTest.cpp - the cpu tile library's gram_diag forms ------------===//
//
// gram_diag with bf16 operands computes 16 x 8 output tiles from operands
// scaled at a reference row and rounded (as the CUDA library's tensor-core
// form does); a tile on the diagonal whose factors would leave the range
// that keeps that exact is split (its 8 x 8 diagonal block in fp32, the
// rows below scaled at its last column), and any other such tile falls back
// to fp32 pair by pair. Checked here against float64 sums written out
// independently.
//
//===----------------------------------------------------------------------===//
#include "runtime/device/cpu/linac_tile.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace linac::tile;

namespace {

struct Mats {
  int n, ch;
  std::vector<float> l, r, g, dst;
  Mats(int n, int ch, float gateLo, unsigned seed) : n(n), ch(ch), l(n * ch), r(n * ch), g(n * ch),
                                                     dst(n * n, 7.0f) {
    std::mt19937 rng(seed);
    // Steps between gateLo / 2 and gateLo (decaying for gateLo < 0).
    std::uniform_real_distribution<float> u(-1, 1),
        step(std::min(gateLo, gateLo / 2), std::max(gateLo, gateLo / 2));
    for (int e = 0; e < n * ch; ++e) {
      l[e] = u(rng);
      r[e] = u(rng);
    }
    for (int c = 0; c < ch; ++c) // cumulative, non-increasing down the rows
      for (int i = 0; i < n; ++i)
        g[i * ch + c] = (i ? g[(i - 1) * ch + c] : 0.0f) + step(rng);
  }
  Tile tile(std::vector<float> &v, int cols) { return Tile{v.data(), n, cols, cols}; }
  double exact(int i, int j) const {
    double s = 0;
    for (int c = 0; c < ch; ++c)
      s += double(l[i * ch + c]) * r[j * ch + c] * std::exp(double(g[i * ch + c]) - g[j * ch + c]);
    return s;
  }
};

double runGram(Mats &m, Operand type, bool inclusive, double *worstVsExact, float bound = 0.0f,
               bool rows = false) {
  Launch L;
  Block blk(L, 0, 0, 0);
  gram_diag(blk, m.tile(m.dst, m.n), m.tile(m.l, m.ch), m.tile(m.r, m.ch), m.tile(m.g, m.ch),
            m.tile(m.g, m.ch), inclusive, type, bound, rows);
  double worst = 0, scale = 0;
  for (int i = 0; i < m.n; ++i)
    for (int j = 0; j < m.n; ++j) {
      bool lower = j < i || (j == i && inclusive);
      double want = lower ? m.exact(i, j) : 0.0;
      scale = std::max(scale, std::fabs(want));
      if (!lower)
        EXPECT_EQ(m.dst[i * m.n + j], 0.0f) << i << "," << j;
      worst = std::max(worst, std::fabs(m.dst[i * m.n + j] - want));
    }
  *worstVsExact = worst / scale;
  return scale;
}

/// gram_diag with bf16 operands of a 32-row m: every entry finite, and row
/// 9's first entries (below the first tile's columns: the tensor-core form
/// unless the tile falls back) exact to fp32 (its tile took the fp32 form).
void expectRowNineInFp32(Mats &m) {
  double err = 0;
  runGram(m, Operand::bf16, true, &err);
  for (float x : m.dst)
    EXPECT_TRUE(std::isfinite(x));
  for (int j : {0, 1})
    EXPECT_NEAR(m.dst[9 * 32 + j], m.exact(9, j), 1e-5 * std::fabs(m.exact(9, j)));
}

/// The tensor-core form of (i, j): operands scaled at row `ref` and rounded
/// to bf16.
float scaledProduct(const Mats &m, int i, int j, int ref) {
  float s = 0;
  for (int c = 0; c < m.ch; ++c)
    s += round_operand(m.l[i * m.ch + c] * std::exp(m.g[i * m.ch + c] - m.g[ref * m.ch + c]),
                       Operand::bf16) *
         round_operand(m.r[j * m.ch + c] * std::exp(m.g[ref * m.ch + c] - m.g[j * m.ch + c]),
                       Operand::bf16);
  return s;
}

} // namespace

TEST(CpuTile, GramDiagBf16RoundsScaledOperandsUnderWeakGates) {
  for (bool inclusive : {false, true}) {
    Mats a(64, 128, -0.3f, 1), b(64, 128, -0.3f, 1);
    double fp32Err = 0, bf16Err = 0;
    runGram(a, Operand::f32, inclusive, &fp32Err);
    runGram(b, Operand::bf16, inclusive, &bf16Err);
    EXPECT_LT(fp32Err, 1e-5);
    // Rounded operands: errors of bf16's precision, not fp32's.
    EXPECT_GT(bf16Err, 1e-4);
    EXPECT_LT(bf16Err, 1e-2);
    // Each entry is the product of the operands rounded after scaling at
    // the tile's reference row: the last column of a tile below the
    // diagonal, its fourth on the diagonal (no tile is over here).
    for (auto [i, j] : {std::pair{40, 3}, std::pair{20, 17}, std::pair{9, 9}, std::pair{63, 60}}) {
      if (i == j && !inclusive)
        continue;
      const int i0 = i / 16 * 16, j0 = j / 8 * 8, ref = j0 + 7 < i0 ? j0 + 7 : j0 + 3;
      const float s = scaledProduct(b, i, j, ref);
      EXPECT_NEAR(b.dst[i * 64 + j], s, 1e-5 * std::fabs(s) + 1e-6) << i << "," << j;
    }
  }
}

TEST(CpuTile, GramDiagBf16SplitsDiagonalTilesUnderStrongGates) {
  // Gates of 15-30 per row (decays that models' gates reach on some
  // channels): every tile on the diagonal is over the bound in its whole
  // form and is split: its 8 x 8 diagonal block exact to fp32, its rows
  // below its columns in the tensor-core form at its last column (all
  // exponents <= 0), as every tile below the diagonal.
  Mats m(64, 128, -30.0f, 2);
  double err = 0;
  const double scale = runGram(m, Operand::bf16, true, &err);
  EXPECT_TRUE(std::isfinite(err));
  for (int i = 0; i < 64; ++i)
    for (int j = i / 8 * 8; j <= i; ++j)
      EXPECT_NEAR(m.dst[i * 64 + j], m.exact(i, j), 1e-5 * std::fabs(m.exact(i, j)) + 1e-30 * scale)
          << i << "," << j;
  for (auto [i, j] : {std::pair{8, 7}, std::pair{15, 0}, std::pair{24, 23}, std::pair{63, 8}})
    EXPECT_EQ(m.dst[i * 64 + j], scaledProduct(m, i, j, j / 8 * 8 + 7)) << i << "," << j;
}

TEST(CpuTile, GramDiagBf16FallsBackWhereGatesGrow) {
  // Gates that grow by 1.5-3 per row: rows 16-31 against the first tile's
  // columns (reference row 7) have exponents past the bound of 40 (about
  // 2.25 x 24 for row 31), so that tile is computed in fp32.
  Mats m(32, 128, 3.0f, 6);
  double err = 0;
  runGram(m, Operand::bf16, true, &err);
  for (auto [i, j] : {std::pair{20, 3}, std::pair{31, 0}, std::pair{31, 7}})
    EXPECT_NEAR(m.dst[i * 32 + j], m.exact(i, j), 1e-5 * std::fabs(m.exact(i, j)))
        << i << "," << j;
}

TEST(CpuTile, GramDiagWithoutTheFastFormIsFp32) {
  // 24 channels (not a multiple of 16): fp32 whatever the operand type.
  Mats a(32, 24, -0.3f, 3);
  double err = 0;
  runGram(a, Operand::bf16, false, &err);
  EXPECT_LT(err, 1e-5);
}

TEST(CpuTile, GramDiagBf16FallsBackWhereAScaledOperandWouldOverflow) {
  // One channel of row 9 at 3e38: its products with the columns' scaled
  // operands (up to 1) summed over 128 channels could pass fp32's largest
  // value; that tile is computed in fp32 (finite).
  Mats m(32, 128, -0.3f, 4);
  m.l[9 * 128 + 5] = 3e38f;
  expectRowNineInFp32(m);
}

TEST(CpuTile, GramDiagBf16FallsBackWhereScaledProductsCouldOverflow) {
  // Row 9 holds 1e38 at channel 5 and rows 0-7 hold 1.9 there: every
  // scaled operand stays below bf16's largest, but the largest of the row's
  // times the largest of the columns' times 128 channels passes fp32's;
  // that tile is computed in fp32 (l r e^(G_i - G_j) <= 1.9e38).
  Mats m(32, 128, -0.3f, 5);
  m.l[9 * 128 + 5] = 1e38f;
  for (int j = 0; j < 8; ++j)
    m.r[j * 128 + 5] = 1.9f;
  expectRowNineInFp32(m);
}

TEST(CpuTile, GramDiagBf16UnderADecayBoundFactorsEachRowBlockAtItsFirstRow) {
  // Gates of 2.5-5 per row under a proven bound of 5 (KDA's safe gate):
  // every entry, the diagonal blocks' included, is the product of operands
  // scaled at its 16-row block's first row (factors up to e^75) and
  // rounded, where the per-tile form scales each 16 x 8 tile at a row of
  // its own; the result is bf16-accurate against float64.
  for (bool inclusive : {false, true}) {
    Mats m(64, 128, -5.0f, 7);
    double err = 0;
    runGram(m, Operand::bf16, inclusive, &err, 5.0f);
    EXPECT_GT(err, 1e-5); // rounded operands, not fp32 pairs
    EXPECT_LT(err, 1e-2);
    for (float x : m.dst)
      EXPECT_TRUE(std::isfinite(x));
    for (auto [i, j] : {std::pair{40, 3}, std::pair{20, 17}, std::pair{17, 16}, std::pair{9, 9},
                        std::pair{63, 48}, std::pair{63, 62}, std::pair{15, 0}}) {
      if (i == j && !inclusive)
        continue;
      const float s = scaledProduct(m, i, j, i / 16 * 16);
      EXPECT_EQ(m.dst[i * 64 + j], s) << i << "," << j;
    }
  }
}

TEST(CpuTile, GramDiagBf16IgnoresABoundTooWeakForTheRowBlockForm) {
  // A bound of 6 per token (16 x 6 > 80): the per-tile form, as without one.
  Mats a(64, 128, -0.3f, 8), b(64, 128, -0.3f, 8);
  double errA = 0, errB = 0;
  runGram(a, Operand::bf16, true, &errA);
  runGram(b, Operand::bf16, true, &errB, 6.0f);
  EXPECT_EQ(a.dst, b.dst);
}

TEST(CpuTile, GramDiagBf16RowBlocksWithoutABoundTestEachTile) {
  // gram=rows without a proven bound. Weak gates (0.15-0.3 per row): every
  // tile passes the row-block tests, so every entry is the product at its
  // 16-row block's first row.
  Mats weak(64, 128, -0.3f, 9);
  double err = 0;
  runGram(weak, Operand::bf16, true, &err, 0.0f, true);
  EXPECT_LT(err, 1e-2);
  for (auto [i, j] : {std::pair{40, 3}, std::pair{20, 17}, std::pair{9, 9}, std::pair{63, 60}})
    EXPECT_EQ(weak.dst[i * 64 + j], scaledProduct(weak, i, j, i / 16 * 16)) << i << "," << j;
  // Gates of 15-30 per row: left of each diagonal block every exponent is
  // <= 0 and the tiles keep the row-block form; the diagonal tiles' columns
  // reach e^(15 x 30) and fail, taking the per-tile form (split: their
  // 8 x 8 diagonal blocks exact to fp32).
  Mats strong(64, 128, -30.0f, 10);
  const double scale = runGram(strong, Operand::bf16, true, &err, 0.0f, true);
  EXPECT_TRUE(std::isfinite(err));
  for (auto [i, j] : {std::pair{40, 3}, std::pair{20, 15}, std::pair{63, 47}})
    EXPECT_EQ(strong.dst[i * 64 + j], scaledProduct(strong, i, j, i / 16 * 16)) << i << "," << j;
  // (fp32 sums of tiny, cancelling terms: 1e-4 relative, where bf16
  // operands would be off by ~1e-2.)
  for (int i = 0; i < 64; ++i)
    for (int j = i / 8 * 8; j <= i; ++j)
      EXPECT_NEAR(strong.dst[i * 64 + j], strong.exact(i, j),
                  1e-4 * std::fabs(strong.exact(i, j)) + 1e-30 * scale)
          << i << "," << j;
  // Growing gates (2-4 per row up, 16 rows): the scaled rows' exponents
  // pass 40 in the block's later rows, so every tile of the block takes
  // the per-tile form: the result is gram=tiles' to the bit.
  Mats grow(16, 128, 4.0f, 11), growTiles(16, 128, 4.0f, 11);
  runGram(grow, Operand::bf16, true, &err, 0.0f, true);
  runGram(growTiles, Operand::bf16, true, &err);
  EXPECT_EQ(grow.dst, growTiles.dst);
  for (float x : grow.dst)
    EXPECT_TRUE(std::isfinite(x));
  // Gates of 1.2-2.4 per row up over 32 rows: every exponent within the
  // tests, the row-block form throughout (factors above 1).
  Mats mild(32, 128, 2.4f, 12);
  runGram(mild, Operand::bf16, true, &err, 0.0f, true);
  EXPECT_LT(err, 1e-2);
  for (auto [i, j] : {std::pair{20, 3}, std::pair{31, 16}, std::pair{15, 15}})
    EXPECT_EQ(mild.dst[i * 32 + j], scaledProduct(mild, i, j, i / 16 * 16)) << i << "," << j;
}

// copy_async<R, C>: the emitted program states the destination's shape (the
// CUDA library compiles one copy per shape); a tile of another shape is an
// error that names the tile and both shapes, and nothing is copied.
TEST(CpuTile, ShapedCopyRefusesATileOfAnotherShape) {
  std::vector<float> src(8 * 4, 1.0f), dst(4 * 4, 7.0f);
  Launch L;
  L.globals.push_back(Global{"q", src.data(), 8, 1, 4});
  Block blk(L, 0, 0, 0);
  Tile t{dst.data(), 4, 4, 4, shared, nullptr, "q_smem"};
  copy_async<8, 4>(blk, &L.globals[0], t, 0, 0, 4, 0, 0);
  ASSERT_TRUE(L.failed());
  EXPECT_NE(L.error.find("copy_async into 'q_smem'"), std::string::npos) << L.error;
  EXPECT_NE(L.error.find("8 x 4"), std::string::npos) << L.error;
  EXPECT_NE(L.error.find("4 x 4"), std::string::npos) << L.error;
  for (float x : dst)
    EXPECT_EQ(x, 7.0f);
}

// A bf16 tile (tile-store-16bit): a copy into it stores values rounded to
// nearest even bf16; a bf16 matmul reads it; any other op reading it is an
// error that names the tile.
TEST(CpuTile, Bf16TileRoundsWhenWrittenAndOnlyMatmulsReadIt) {
  Launch L;
  Block blk(L, 0, 0, 0);
  Buffer &h = blk.alloc16(shared, 2, 2, 2, "handoff0", 0);
  Buffer &r = blk.alloc(reg, 2, 2, 1, "r", 0);
  Tile16 t = h.stage(1);
  Tile src = r.stage(0);
  // 1 + 2^-9 (between bf16 neighbours, rounds down to even), 1 + 3 * 2^-9
  // (rounds up), 3 (exact), -1/3.
  src.at(0, 0) = 1.0f + 1.0f / 512;
  src.at(0, 1) = 1.0f + 3.0f / 512;
  src.at(1, 0) = 3.0f;
  src.at(1, 1) = -1.0f / 3;
  ew(blk, Ew::copy, t, src);
  EXPECT_EQ(t.at(0, 0), 1.0f);
  EXPECT_EQ(t.at(0, 1), 1.0f + 4.0f / 512);
  EXPECT_EQ(t.at(1, 0), 3.0f);
  EXPECT_EQ(t.at(1, 1), round_operand(-1.0f / 3, Operand::bf16));
  EXPECT_NE(t.at(1, 1), -1.0f / 3);
  // A bf16 matmul reads it: I * t.
  Buffer &eye = blk.alloc(reg, 2, 2, 1, "eye", 0);
  Buffer &out = blk.alloc(reg, 2, 2, 1, "out", 0);
  Tile e = eye.stage(0);
  e.at(0, 0) = e.at(1, 1) = 1.0f;
  mma(blk, out.stage(0), e, t, false, false, false, Operand::bf16);
  ASSERT_FALSE(L.failed()) << L.error;
  EXPECT_EQ(out.stage(0).at(0, 1), 1.0f + 4.0f / 512);
  // An element-wise op may not read it.
  ew(blk, Ew::exp, src, t);
  ASSERT_TRUE(L.failed());
  EXPECT_NE(L.error.find("ew reads bf16 tile 'handoff0'"), std::string::npos) << L.error;
}

// A bf16 workspace (WorkspaceInfo::elementBytes 2): store_tile keeps its
// values rounded to bf16 (the bytes the GPU libraries store), and an fp32
// load_tile from it is refused.
TEST(CpuTile, Bf16WorkspaceStoresRoundedAndRefusesFp32Loads) {
  std::vector<float> ws(2 * 4, 0.0f), src(4, 0.0f), back(4, 0.0f);
  Launch L;
  L.N = 1;
  L.HV = 1;
  L.globals.push_back(Global{"ws0", ws.data(), 2, 1, 4, true});
  Block blk(L, 0, 0, 0);
  Tile t{src.data(), 2, 2, 2, reg, nullptr, "w"};
  src = {1.0f + 1.0f / 512, 1.0f + 3.0f / 512, 3.0f, -1.0f / 3};
  store_tile(blk, &L.globals[0], t, 0, 0, 1, 0, 2);
  ASSERT_FALSE(L.failed()) << L.error;
  EXPECT_EQ(ws[4], 1.0f);
  EXPECT_EQ(ws[5], 1.0f + 4.0f / 512);
  EXPECT_EQ(ws[6], 3.0f);
  EXPECT_EQ(ws[7], round_operand(-1.0f / 3, Operand::bf16));
  Tile b{back.data(), 2, 2, 2, reg, nullptr, "b"};
  load_tile(blk, &L.globals[0], b, 0, 0, 1, 0, 2);
  ASSERT_TRUE(L.failed());
  EXPECT_NE(L.error.find("load_tile of bf16 workspace 'ws0'"), std::string::npos) << L.error;
}
