//===- HalfTest.cpp - bf16/f16 conversions, hand-computed ------------------===//
#include "reference/Problem.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace linac;

TEST(Half, Bf16RoundsToNearestEven) {
  EXPECT_EQ(toHalfBits(1.0f, 1), 0x3F80);
  EXPECT_EQ(toHalfBits(-2.0f, 1), 0xC000);
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: to the even one, 1.
  EXPECT_EQ(toHalfBits(1.00390625f, 1), 0x3F80);
  // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: to 1 + 2^-6.
  EXPECT_EQ(toHalfBits(1.01171875f, 1), 0x3F82);
  EXPECT_EQ(toHalfBits(1.0f + 1e-3f, 1), 0x3F80);
  EXPECT_EQ(fromHalfBits(0x3F82, 1), 1.015625f);
  EXPECT_TRUE(std::isnan(fromHalfBits(toHalfBits(NAN, 1), 1)));
}

TEST(Half, F16RoundsOverflowsAndKeepsSubnormals) {
  EXPECT_EQ(toHalfBits(1.0f, 2), 0x3C00);
  EXPECT_EQ(toHalfBits(65504.0f, 2), 0x7BFF);
  EXPECT_EQ(toHalfBits(65520.0f, 2), 0x7C00); // rounds past the largest: inf
  EXPECT_EQ(toHalfBits(-65520.0f, 2), 0xFC00);
  EXPECT_EQ(toHalfBits(std::ldexp(1.0f, -24), 2), 0x0001);
  EXPECT_EQ(toHalfBits(1.0f + std::ldexp(1.0f, -11), 2), 0x3C00);     // tie, even
  EXPECT_EQ(toHalfBits(1.0f + 3 * std::ldexp(1.0f, -11), 2), 0x3C02); // tie, even
  EXPECT_EQ(toHalfBits(2047.5f, 2), 0x6800); // mantissa carry into exponent: 2048
  EXPECT_EQ(fromHalfBits(0x7BFF, 2), 65504.0f);
  EXPECT_EQ(fromHalfBits(0x0001, 2), std::ldexp(1.0f, -24));
  EXPECT_TRUE(std::isinf(fromHalfBits(0x7C00, 2)));
}

TEST(Half, RoundInputsLeavesParametersAlone) {
  Problem p;
  p.inputs.push_back({"q", {1, 1, 1, 2}, {1.00390625, 0.1}});
  p.params.push_back({"A_log", {1}, {0.1}});
  roundInputs(p, 1);
  EXPECT_EQ(p.inputs[0].data[0], 1.0);
  EXPECT_EQ(p.inputs[0].data[1], static_cast<double>(fromHalfBits(toHalfBits(0.1f, 1), 1)));
  EXPECT_EQ(p.params[0].data[0], 0.1);
  EXPECT_EQ(parseDtype("bf16"), 1);
  EXPECT_EQ(parseDtype("f16"), 2);
  EXPECT_EQ(parseDtype("f32"), 0);
  EXPECT_EQ(parseDtype("fp8"), -1);
}
