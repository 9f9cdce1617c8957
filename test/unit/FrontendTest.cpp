//===- FrontendTest.cpp - classification and robustness of the frontend ----===//
#include "frontend/Sema.h"

#include <gtest/gtest.h>

#include <random>

using namespace linac::frontend;

namespace {

std::optional<Recurrence> compile(const std::string &src, std::string *errors = nullptr) {
  Diagnostics diags;
  auto rec = compileSource(src, diags);
  if (errors)
    *errors = diags.render("t.lin", src);
  return rec;
}

std::string wrap(const std::string &body) {
  return "variant t {\n input q[K], k[K] per H\n input v[V], w[K] : logdecay, "
         "s : logdecay, x, y[K]\n param p\n" + body + "\n o = S^T @ q\n}";
}

TEST(Frontend, ClassifiesDecayKinds) {
  EXPECT_EQ(compile(wrap("S = S + k @ v^T"))->decay, DecayKind::None);
  EXPECT_EQ(compile(wrap("S = decay(S, -exp(p)) + k @ v^T"))->decay, DecayKind::Constant);
  EXPECT_EQ(compile(wrap("S = decay(S, s) + k @ v^T"))->decay, DecayKind::Scalar);
  EXPECT_EQ(compile(wrap("S = decay(S, w) + k @ v^T"))->decay, DecayKind::Channel);
  // exp(w) * S is the same decay as decay(S, w).
  EXPECT_EQ(compile(wrap("S = exp(w) * S + k @ v^T"))->decay, DecayKind::Channel);
}

TEST(Frontend, ClassifiesEraseKinds) {
  EXPECT_EQ(compile(wrap("S = S + sigmoid(x) * k @ (v - S^T @ k)^T"))->erase,
            EraseKind::Delta);
  EXPECT_EQ(compile(wrap("S = (I - sigmoid(x) * k @ k^T) @ S + sigmoid(x) * k @ v^T"))->erase,
            EraseKind::Delta);
  EXPECT_EQ(compile(wrap("S = S - y @ (k^T @ S) + k @ v^T"))->erase, EraseKind::General);
  // Per-channel decay applied after the erase is not the delta rule.
  EXPECT_EQ(compile(wrap("S = S - k @ (k^T @ S) + k @ v^T\n S = decay(S, w)"))->erase,
            EraseKind::General);
  // A scalar decay commutes with the erase: still the delta rule.
  EXPECT_EQ(compile(wrap("S = S - k @ (k^T @ S) + k @ v^T\n S = decay(S, s)"))->erase,
            EraseKind::Delta);
}

TEST(Frontend, ProvesTheGateNonPositiveAndFindsItsLowerBound) {
  auto rec = compile(wrap("S = decay(S, max(-exp(p) * softplus(x), -5)) + k @ v^T"));
  ASSERT_TRUE(rec);
  ASSERT_TRUE(rec->gLowerBound);
  EXPECT_DOUBLE_EQ(*rec->gLowerBound, -5);
  std::string errors;
  EXPECT_FALSE(compile(wrap("S = decay(S, x) + k @ v^T"), &errors));
  EXPECT_NE(errors.find("cannot prove the log-decay g <= 0"), std::string::npos) << errors;
}

TEST(Frontend, ErrorsCarryLineAndColumn) {
  std::string errors;
  EXPECT_FALSE(compile("variant t {\n  S = S + k @ v^T\n}", &errors));
  EXPECT_NE(errors.find("t.lin:2:11: error: unknown name 'k'"), std::string::npos) << errors;
  EXPECT_NE(errors.find("          ^"), std::string::npos) << errors;
}

TEST(Frontend, NeverCrashesOnArbitraryBytes) {
  std::mt19937 rng(1234);
  const std::string alphabet = "variant{}()[],:;=+-*/@^T SKVqkvgo#\n0123.e"
                               "inputparamdecayl2normexpI\x01\xff";
  std::string seed = wrap("S = decay(S, w) + k @ (v - S^T @ k)^T");
  for (int i = 0; i < 3000; ++i) {
    std::string s = seed;
    int edits = 1 + static_cast<int>(rng() % 8);
    for (int j = 0; j < edits; ++j) {
      size_t pos = rng() % (s.size() + 1);
      if (rng() % 2 && !s.empty())
        s.erase(std::min(pos, s.size() - 1), 1 + rng() % 4);
      else
        s.insert(pos, 1, alphabet[rng() % alphabet.size()]);
    }
    Diagnostics diags;
    auto rec = compileSource(s, diags);
    EXPECT_TRUE(rec.has_value() || diags.hasErrors());
  }
}

TEST(Frontend, BoundsNestingDepth) {
  std::string deep(10000, '(');
  std::string errors;
  EXPECT_FALSE(compile(wrap("S = " + deep), &errors));
  EXPECT_NE(errors.find("nested too deeply"), std::string::npos) << errors;
  std::string chain = "S = S";
  for (int i = 0; i < 2000; ++i)
    chain += " + k @ v^T";
  EXPECT_FALSE(compile(wrap(chain), &errors));
}

} // namespace
