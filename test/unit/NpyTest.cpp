//===- NpyTest.cpp --------------------------------------------------------===//
#include "reference/Npy.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

using namespace linac;

TEST(Npy, RoundTripsFloat64AndInt64) {
  std::string path = ::testing::TempDir() + "/linac_npy_test.npy";
  std::vector<double> data = {1.5, -2, 3e-300, 4};
  ASSERT_EQ(writeNpy(path, {2, 2}, data), "");
  NpyArray back;
  ASSERT_EQ(readNpy(path, back), "");
  EXPECT_EQ(back.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(back.data, data);
  ASSERT_EQ(writeNpyInt64(path, {0, 37, 38}), "");
  ASSERT_EQ(readNpy(path, back), "");
  EXPECT_EQ(back.shape, (std::vector<int64_t>{3}));
  EXPECT_EQ(back.data, (std::vector<double>{0, 37, 38}));
  // The header is padded so that the data starts at a multiple of 64.
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  EXPECT_EQ((static_cast<long>(f.tellg()) - 3 * 8) % 64, 0);
  std::remove(path.c_str());
}

TEST(Npy, RejectsNonNpyFiles) {
  std::string path = ::testing::TempDir() + "/linac_not_npy.npy";
  std::ofstream(path) << "hello";
  NpyArray out;
  EXPECT_NE(readNpy(path, out), "");
  std::remove(path.c_str());
}
