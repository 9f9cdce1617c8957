//===- SequenceOrderTest.cpp - longest sequences first ----------------------===//
#include "runtime/SequenceOrder.h"
#include "runtime/device/cpu/linac_tile.h"

#include <gtest/gtest.h>

#include <set>
#include <utility>

using linac::longestFirst;

TEST(SequenceOrder, LongestFirstTiesInOrder) {
  // Lengths 5, 0, 7, 8, 7.
  EXPECT_EQ(longestFirst({0, 5, 5, 12, 20, 27}), (std::vector<int64_t>{3, 2, 4, 0, 1}));
}

TEST(SequenceOrder, NoneWhereOrderCannotMatter) {
  EXPECT_TRUE(longestFirst({}).empty());
  EXPECT_TRUE(longestFirst({0, 9}).empty());
  EXPECT_TRUE(longestFirst({0, 4, 8, 12}).empty());
}

TEST(SequenceOrder, LaunchPositionsCoverEveryBlockOnceLongestFirst) {
  linac::tile::Launch L;
  L.cuSeqlens = {0, 1, 9, 12, 40};
  L.seqOrder = longestFirst(L.cuSeqlens); // lengths 1, 8, 3, 28
  ASSERT_EQ(L.seqOrder, (std::vector<int64_t>{3, 1, 2, 0}));
  const int64_t X = 4, Y = 3;
  std::set<std::pair<int64_t, int64_t>> seen;
  std::vector<std::pair<int64_t, int64_t>> launchOrder;
  for (int64_t y = 0; y < Y; ++y)
    for (int64_t x = 0; x < X; ++x) { // the GPU's order: x fastest
      int64_t seq, head;
      linac::tile::launch_position(L, x, y, X, Y, seq, head);
      ASSERT_GE(seq, 0);
      ASSERT_LT(seq, X);
      ASSERT_GE(head, 0);
      ASSERT_LT(head, Y);
      seen.insert({seq, head});
      launchOrder.push_back({seq, head});
    }
  EXPECT_EQ(seen.size(), static_cast<size_t>(X * Y));
  // Every head of sequence 3 (the longest) first, then sequence 1's.
  for (int64_t p = 0; p < Y; ++p) {
    EXPECT_EQ(launchOrder[p], std::make_pair(int64_t{3}, p));
    EXPECT_EQ(launchOrder[Y + p], std::make_pair(int64_t{1}, p));
  }
  // Without an order, block (x, y) is sequence x, head y.
  L.seqOrder.clear();
  int64_t seq, head;
  linac::tile::launch_position(L, 2, 1, X, Y, seq, head);
  EXPECT_EQ(seq, 2);
  EXPECT_EQ(head, 1);
}
