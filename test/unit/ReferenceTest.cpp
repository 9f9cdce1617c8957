//===- ReferenceTest.cpp - the float64 oracle against hand-computed cases --===//
#include "frontend/import/ImportLin.h"
#include "reference/Interpreter.h"
#include "reference/RecurrenceReference.h"

#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

using namespace linac;

namespace {

struct Compiled {
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  mlir::lin::VariantOp variant;
};

std::unique_ptr<Compiled> compile(const std::string &source) {
  auto c = std::make_unique<Compiled>();
  frontend::Diagnostics diags;
  auto rec = frontend::compileSource(source, diags);
  EXPECT_TRUE(rec.has_value()) << diags.render("test.lin", source);
  if (!rec)
    return nullptr;
  c->module = importRecurrence(*rec, "test.lin", &c->context);
  c->variant = *c->module->getOps<mlir::lin::VariantOp>().begin();
  return c;
}

Tensor tensor(std::string name, std::vector<int64_t> shape,
              std::vector<double> data) {
  return Tensor{std::move(name), std::move(shape), std::move(data)};
}

Problem problem(Dims d, double scale) {
  Problem p;
  p.dims = d;
  p.scale = scale;
  return p;
}

const char *kLinear = R"(variant lin {
  input q[K], k[K] per H
  input v[V]
  S = S + k @ v^T
  o = scale * S^T @ q
})";

TEST(Reference, LinearAttentionByHand) {
  auto c = compile(kLinear);
  ASSERT_TRUE(c);
  // K = V = 1: S_t = S_{t-1} + k_t v_t, o_t = scale S_t q_t.
  Problem p = problem({1, 3, 1, 1, 1, 1}, 0.5);
  p.inputs = {tensor("q", {1, 3, 1, 1}, {1, 2, 3}),
              tensor("k", {1, 3, 1, 1}, {2, -1, 4}),
              tensor("v", {1, 3, 1, 1}, {3, 5, -2})};
  p.h0 = tensor("h0", {1, 1, 1, 1}, {10});
  Result r;
  ASSERT_EQ(runReference(c->variant, p, r), "");
  // S: 10 + 6 = 16, 16 - 5 = 11, 11 - 8 = 3
  EXPECT_DOUBLE_EQ(r.o.data[0], 0.5 * 16 * 1);
  EXPECT_DOUBLE_EQ(r.o.data[1], 0.5 * 11 * 2);
  EXPECT_DOUBLE_EQ(r.o.data[2], 0.5 * 3 * 3);
  EXPECT_DOUBLE_EQ(r.ht.data[0], 3);
}

TEST(Reference, DeltaRuleByHand) {
  auto c = compile(R"(variant d {
    input q[K], k[K] per H
    input v[V], beta : unit
    S = S + beta * k @ (v - S^T @ k)^T
    o = S^T @ q
  })");
  ASSERT_TRUE(c);
  // K = 2, V = 1, k = e1 then e2 (unit keys), beta = 0.5 then 1.
  Problem p = problem({1, 2, 1, 1, 2, 1}, 1.0);
  p.inputs = {tensor("q", {1, 2, 1, 2}, {1, 1, 1, 0}),
              tensor("k", {1, 2, 1, 2}, {1, 0, 0, 1}),
              tensor("v", {1, 2, 1, 1}, {4, 6}),
              tensor("beta", {1, 2, 1}, {0.5, 1})};
  p.h0 = tensor("h0", {1, 1, 2, 1}, {2, 3});
  Result r;
  ASSERT_EQ(runReference(c->variant, p, r), "");
  // t=1: S[0] += 0.5 (4 - 2) = 3 -> S = (3, 3); o = 6
  // t=2: S[1] += 1 (6 - 3) = 6 -> S = (3, 6); o = q.S = 3
  EXPECT_DOUBLE_EQ(r.o.data[0], 6);
  EXPECT_DOUBLE_EQ(r.o.data[1], 3);
  EXPECT_DOUBLE_EQ(r.ht.data[0], 3);
  EXPECT_DOUBLE_EQ(r.ht.data[1], 6);
}

TEST(Reference, PerChannelDecayByHand) {
  auto c = compile(R"(variant g {
    input q[K], k[K] per H
    input v[V], g[K] : logdecay
    S = decay(S, g) + k @ v^T
    o = S^T @ q
  })");
  ASSERT_TRUE(c);
  Problem p = problem({1, 1, 1, 1, 2, 1}, 1.0);
  p.inputs = {tensor("q", {1, 1, 1, 2}, {1, 1}),
              tensor("k", {1, 1, 1, 2}, {1, 2}),
              tensor("v", {1, 1, 1, 1}, {1}),
              tensor("g", {1, 1, 1, 2}, {std::log(0.5), std::log(0.25)})};
  p.h0 = tensor("h0", {1, 1, 2, 1}, {8, 8});
  Result r;
  ASSERT_EQ(runReference(c->variant, p, r), "");
  EXPECT_DOUBLE_EQ(r.ht.data[0], 8 * 0.5 + 1);
  EXPECT_DOUBLE_EQ(r.ht.data[1], 8 * 0.25 + 2);
  EXPECT_DOUBLE_EQ(r.o.data[0], 5 + 4);
}

TEST(Reference, GeneralEraseReadsStateBeforeDecay) {
  auto c = compile(R"(variant p {
    input q[K], k[K] per H
    input v[V], a[K], b[K], g[K] : logdecay
    S = decay(S, g) + a @ (b^T @ S) + k @ v^T
    o = S^T @ q
  })");
  ASSERT_TRUE(c);
  // K = V = 1: S_1 = (alpha + a b) S_0 + k v
  Problem p = problem({1, 1, 1, 1, 1, 1}, 1.0);
  p.inputs = {tensor("q", {1, 1, 1, 1}, {1}), tensor("k", {1, 1, 1, 1}, {2}),
              tensor("v", {1, 1, 1, 1}, {3}), tensor("a", {1, 1, 1, 1}, {-0.5}),
              tensor("b", {1, 1, 1, 1}, {0.25}),
              tensor("g", {1, 1, 1, 1}, {std::log(0.5)})};
  p.h0 = tensor("h0", {1, 1, 1, 1}, {4});
  Result r;
  ASSERT_EQ(runReference(c->variant, p, r), "");
  EXPECT_DOUBLE_EQ(r.ht.data[0], (0.5 - 0.125) * 4 + 6);
}

TEST(Reference, GroupedValueHeadsUseQueryHeadDividedByGroup) {
  auto c = compile(kLinear);
  ASSERT_TRUE(c);
  // H = 2, HV = 4: value heads 0,1 read q/k head 0; 2,3 read head 1.
  Problem p = problem({1, 1, 2, 4, 1, 1}, 1.0);
  p.inputs = {tensor("q", {1, 1, 2, 1}, {1, 10}),
              tensor("k", {1, 1, 2, 1}, {2, 3}),
              tensor("v", {1, 1, 4, 1}, {1, 2, 3, 4})};
  Result r;
  ASSERT_EQ(runReference(c->variant, p, r), "");
  EXPECT_DOUBLE_EQ(r.o.data[0], 1 * 2 * 1);
  EXPECT_DOUBLE_EQ(r.o.data[1], 2 * 2 * 1);
  EXPECT_DOUBLE_EQ(r.o.data[2], 3 * 3 * 10);
  EXPECT_DOUBLE_EQ(r.o.data[3], 4 * 3 * 10);
}

TEST(Reference, VarlenSegmentsAreIndependentIncludingEmptyOnes) {
  auto c = compile(kLinear);
  ASSERT_TRUE(c);
  // Segments of length 2, 0, 1, each from its own initial state.
  Problem p = problem({1, 3, 1, 1, 1, 1}, 1.0);
  p.cuSeqlens = {0, 2, 2, 3};
  p.inputs = {tensor("q", {1, 3, 1, 1}, {1, 1, 1}),
              tensor("k", {1, 3, 1, 1}, {1, 1, 1}),
              tensor("v", {1, 3, 1, 1}, {1, 2, 4})};
  p.h0 = tensor("h0", {3, 1, 1, 1}, {100, 200, 300});
  Result r;
  ASSERT_EQ(runReference(c->variant, p, r), "");
  EXPECT_DOUBLE_EQ(r.o.data[0], 101);
  EXPECT_DOUBLE_EQ(r.o.data[1], 103);
  EXPECT_DOUBLE_EQ(r.o.data[2], 304); // not 103 + 4: a new sequence
  EXPECT_DOUBLE_EQ(r.ht.data[0], 103);
  EXPECT_DOUBLE_EQ(r.ht.data[1], 200); // length 0: final = initial
  EXPECT_DOUBLE_EQ(r.ht.data[2], 304);
}

TEST(Reference, FusedGateAndNormalisation) {
  auto c = compile(R"(variant gdn {
    input q[K], k[K] per H
    input v[V], a, b
    param A_log, dt_bias
    q = l2norm(q)
    k = l2norm(k)
    g = -exp(A_log) * softplus(a + dt_bias)
    S = decay(S, g)
    S = S + sigmoid(b) * k @ (v - S^T @ k)^T
    o = S^T @ q
  })");
  ASSERT_TRUE(c);
  Problem p = problem({1, 1, 1, 1, 2, 1}, 1.0);
  p.inputs = {tensor("q", {1, 1, 1, 2}, {3, 4}), tensor("k", {1, 1, 1, 2}, {0, 2}),
              tensor("v", {1, 1, 1, 1}, {1}), tensor("a", {1, 1, 1}, {0.3}),
              tensor("b", {1, 1, 1}, {0.0})};
  p.params = {tensor("A_log", {1}, {std::log(2.0)}), tensor("dt_bias", {1}, {0.2})};
  p.h0 = tensor("h0", {1, 1, 2, 1}, {1, 1});
  Result r;
  ASSERT_EQ(runReference(c->variant, p, r), "");
  double alpha = std::exp(-2.0 * std::log1p(std::exp(0.5)));
  double kn = 2 / std::sqrt(4 + 1e-6); // l2norm with eps
  double s0 = alpha, s1 = alpha;      // decayed state
  double err = 1 - kn * s1;           // v - S^T k
  s1 += 0.5 * kn * err;
  double qn0 = 3 / std::sqrt(25 + 1e-6), qn1 = 4 / std::sqrt(25 + 1e-6);
  EXPECT_NEAR(r.o.data[0], qn0 * s0 + qn1 * s1, 1e-15);
}

TEST(Reference, RejectsTensorsOfTheWrongShapeByName) {
  auto c = compile(kLinear);
  ASSERT_TRUE(c);
  Problem p = problem({1, 2, 1, 1, 1, 1}, 1.0);
  p.inputs = {tensor("q", {1, 2, 1, 1}, {1, 1}), tensor("k", {1, 2, 1, 2}, {1, 1, 1, 1}),
              tensor("v", {1, 2, 1, 1}, {1, 1})};
  Result r;
  EXPECT_EQ(runReference(c->variant, p, r),
            "tensor 'k': expected shape [1, 2, 1, 1], got [1, 2, 1, 2]");
}

TEST(Reference, RandomProblemsAreSeededAndRealistic) {
  auto c = compile(R"(variant g {
    input q[K], k[K] per H
    input v[V], g[K] : logdecay, u : unit
    S = decay(S, g) + u * k @ v^T
    o = S^T @ q
  })");
  ASSERT_TRUE(c);
  Dims d{2, 5, 1, 2, 4, 3};
  Problem a = makeRandomProblem(c->variant, d, {}, true, 7, std::nullopt);
  Problem b = makeRandomProblem(c->variant, d, {}, true, 7, std::nullopt);
  Problem other = makeRandomProblem(c->variant, d, {}, true, 8, std::nullopt);
  EXPECT_EQ(a.inputs[0].data, b.inputs[0].data);
  EXPECT_NE(a.inputs[0].data, other.inputs[0].data);
  EXPECT_DOUBLE_EQ(a.scale, 0.5);
  for (double g : a.inputs[3].data)
    EXPECT_LE(g, 0.0);
  for (double u : a.inputs[4].data) {
    EXPECT_GE(u, 0.0);
    EXPECT_LE(u, 1.0);
  }
  ASSERT_TRUE(a.h0.has_value());
  EXPECT_EQ(a.h0->shape, (std::vector<int64_t>{2, 2, 4, 3}));
}

} // namespace

namespace {

/// The MLIR-free reference (RecurrenceReference.h) and the lin-IR
/// interpreter agree bit for bit on every example, over varlen, GVA, h0 and
/// strong gates, and on a threaded run.
TEST(Reference, FrontendOnlyReferenceMatchesTheInterpreter) {
  for (const char *name : {"linear_attention", "retnet", "simple_gla", "gla",
                           "deltanet", "gdn", "kda", "dplr", "gdn2"}) {
    std::ifstream f(std::string(LINAC_EXAMPLES_DIR) + "/" + name + ".lin");
    std::stringstream text;
    text << f.rdbuf();
    auto c = compile(text.str());
    ASSERT_TRUE(c) << name;
    frontend::Diagnostics diags;
    auto rec = frontend::compileSource(text.str(), diags);
    ASSERT_TRUE(rec) << name;
    Dims d{1, 50, 2, 4, 8, 6};
    Problem viaIr = makeRandomProblem(c->variant, d, {0, 20, 20, 21, 50}, true,
                                      11, std::nullopt, Gates::Strong);
    Problem direct = makeRandomProblem(tensorSpecs(*rec), d, {0, 20, 20, 21, 50},
                                       true, 11, std::nullopt, Gates::Strong);
    ASSERT_EQ(viaIr.inputs.size(), direct.inputs.size());
    for (size_t i = 0; i < viaIr.inputs.size(); ++i)
      EXPECT_EQ(viaIr.inputs[i].data, direct.inputs[i].data) << name;
    Result a, b;
    ASSERT_EQ(runReference(c->variant, viaIr, a), "") << name;
    ASSERT_EQ(runRecurrence(*rec, direct, b, 3), "") << name;
    EXPECT_EQ(a.o.data, b.o.data) << name;
    EXPECT_EQ(a.ht.data, b.ht.data) << name;
  }
}

} // namespace
