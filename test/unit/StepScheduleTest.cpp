//===- StepScheduleTest.cpp - the chunk loop's steps as a dependence graph -===//
#include "dialect/tile/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

namespace {

/// The schedule of the first loop in `body` (tile IR inside a kernel whose
/// tiles %a..%f are 8x4 register tiles, looping over %i).
linac::StepSchedule scheduleOf(const std::string &body) {
  mlir::MLIRContext ctx;
  ctx.loadDialect<mlir::tile::TileDialect, mlir::scf::SCFDialect, mlir::arith::ArithDialect>();
  std::string ir = R"(
tile.kernel @k attributes {grid = ["seq", "head"], kind = "state", warps = 8 : i64} {
  %a = tile.alloc {name = "a"} : <reg, 8x4xf32>
  %b = tile.alloc {name = "b"} : <reg, 8x4xf32>
  %c = tile.alloc {name = "c"} : <reg, 8x4xf32>
  %d = tile.alloc {name = "d"} : <reg, 8x4xf32>
  %e = tile.alloc {name = "e"} : <reg, 8x4xf32>
  %f = tile.alloc {name = "f"} : <reg, 8x4xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
)" + body + R"(
  }
})";
  auto module = mlir::parseSourceString<mlir::ModuleOp>(ir, &ctx);
  EXPECT_TRUE(module);
  if (!module)
    return {};
  linac::StepSchedule s;
  module->walk([&](mlir::scf::ForOp loop) { s = linac::scheduleSteps(loop); });
  return s;
}

constexpr const char *kT = " : <reg, 8x4xf32>, <reg, 8x4xf32>\n";

void expectSchedule(const std::string &body, int64_t steps, int64_t depth, int64_t twoTeams,
                    int64_t barriers) {
  linac::StepSchedule s = scheduleOf(body);
  EXPECT_EQ(s.steps, steps);
  EXPECT_EQ(s.depth, depth);
  EXPECT_EQ(s.twoTeams, twoTeams);
  EXPECT_EQ(s.barriers, barriers);
}

TEST(StepSchedule, ChainsThroughReadsAndWrites) {
  // b = exp a; c = exp b; d = exp c: one chain of 3. e = exp a and
  // f = exp e beside it: 5 steps, the longest chain 3, two teams 3. In
  // program order b, e | c, f | d: 3 barriers.
  std::string body = std::string("tile.ew exp %b, %a") + kT + "tile.ew exp %e, %a" + kT +
                     "tile.ew exp %c, %b" + kT + "tile.ew exp %f, %e" + kT +
                     "tile.ew exp %d, %c" + kT;
  expectSchedule(body, 5, 3, 3, 3);
}

TEST(StepSchedule, WriteAfterReadOrdersTheWriter) {
  // b = exp a reads a; a = exp c then overwrites it: the write waits for
  // the read (2 in the chain, 2 barriers), though it reads nothing b's
  // step wrote.
  std::string body = std::string("tile.ew exp %b, %a") + kT + "tile.ew exp %a, %c" + kT;
  expectSchedule(body, 2, 2, 2, 2);
}

TEST(StepSchedule, AFenceOrdersEverythingAfterIt) {
  // Two steps, a barrier, two independent steps: the chain runs through
  // the barrier (3, though nothing after it reads what came before), and
  // two teams take 1 + 1 + 1. Barriers: the fence (the two steps before
  // it need none of their own), and one after the last two.
  std::string body = std::string("tile.ew exp %b, %a") + kT + "tile.ew exp %d, %c" + kT +
                     "tile.barrier\n" + "tile.ew exp %f, %e" + kT + "tile.ew exp %a, %c" + kT;
  expectSchedule(body, 5, 3, 3, 2);
}

TEST(StepSchedule, IndependentStepsShareTwoTeams) {
  // Four steps, the last after the first: a chain of 2, two teams take 2,
  // and in program order one barrier before the last and one after it.
  std::string body = std::string("tile.ew exp %b, %a") + kT + "tile.ew exp %d, %c" + kT +
                     "tile.ew exp %f, %e" + kT + "tile.ew neg %a, %c" + kT;
  // neg writes a, which the first step read: a write after a read.
  expectSchedule(body, 4, 2, 2, 2);
}

} // namespace
