//===- StepSchedule.cpp - the chunk loop's steps as a dependence graph ----===//
//
// The GPU kernels run their ops as block-wide steps, one after another, and
// their time follows the number of steps (docs/performance.md). Many steps
// do not depend on each other (q's norm and k's, the Gram matrix and the
// product with the state), so teams of warps smaller than the block, each
// on its own barrier, could run them side by side. This measures what that
// could give before it is built: the steps' dependences through the
// buffers they read and write, the longest chain of them, and the length
// of a greedy schedule on two teams.
//
//===----------------------------------------------------------------------===//
#include "dialect/tile/Transforms/Passes.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <algorithm>

using namespace mlir;

using linac::Step;

bool linac::isStore(Operation *op) {
  return isa<tile::StoreRowsOp, tile::StoreStateOp, tile::StoreTileOp>(op);
}

namespace {

/// What tile.landed completes: every landing buffer (tile-prefetch-inputs),
/// which take_rows then reads.
char landingBuffers;

/// The tile libraries' reserved staging area, where the matmuls stage their
/// operands and tri_inv works: written and read by both, so that two of
/// them are ordered even when their tiles are not.
char stagingArea;

/// The buffers `op` reads and writes. The destination is the first buffer
/// operand (take_rows': the second), read too unless the op defines it
/// whole; stores only read; a wait writes what its copy fills (a token
/// carried in from the previous chunk, stages=2, names no copy here: its
/// wait orders nothing, and the chain may come out shorter than it is).
void accesses(Operation *op, Step &step) {
  if (isa<tile::LandedOp>(op))
    step.writes.insert(&landingBuffers);
  if (isa<tile::TakeRowsOp>(op))
    step.reads.insert(&landingBuffers);
  if (auto wait = dyn_cast<tile::WaitOp>(op)) {
    if (Operation *copy = wait.getToken().getDefiningOp()) {
      int index = 0, fills = isa<tile::TakeRowsOp>(copy) ? 1 : 0;
      for (Value v : copy->getOperands())
        if (isa<tile::BufType>(v.getType()) && index++ == fills)
          step.writes.insert(linac::rootAllocation(v).getAsOpaquePointer());
    }
    return;
  }
  if (isa<tile::MmaOp, tile::TriInvOp>(op)) {
    step.reads.insert(&stagingArea);
    step.writes.insert(&stagingArea);
  }
  const int destination = linac::isStore(op) ? -1 : isa<tile::TakeRowsOp>(op) ? 1 : 0;
  int index = 0;
  for (Value v : op->getOperands()) {
    if (!isa<tile::BufType>(v.getType()))
      continue;
    void *root = linac::rootAllocation(v).getAsOpaquePointer();
    if (index++ != destination) {
      step.reads.insert(root);
      continue;
    }
    step.writes.insert(root);
    if (!linac::definesWhole(op, v))
      step.reads.insert(root);
  }
}

/// Whether `op` is a step of its own (Explain's count: index, view, stage
/// and allocation bookkeeping are not; a prefetch only issues loads; a
/// mask on a matmul's accumulators belongs to the matmul's step).
enum class Counted { no, own, previous };
Counted counted(Operation *root, Operation *op) {
  if (op == root || !op->getDialect() || op->getDialect()->getNamespace() != "tile" ||
      isa<tile::KernelOp, tile::ProgramIdOp, tile::SequenceOp, tile::QkHeadOp,
          tile::NumChunksOp, tile::ChunkRowsOp, tile::ScalarArgOp, tile::AllocOp,
          tile::StageOp, tile::ViewOp, tile::PrefetchRowsOp>(op))
    return Counted::no;
  // A Gram matrix paired with the one right before it (tile-pair-grams)
  // runs in that one's call.
  if (isa<tile::GramDiagOp>(op) && op->hasAttr("paired") && op->getPrevNode() &&
      isa<tile::GramDiagOp>(op->getPrevNode()))
    return Counted::previous;
  return op->hasAttr("epilogue") ? Counted::previous : Counted::own;
}

} // namespace

void linac::stepAccesses(Operation *op, llvm::SmallPtrSetImpl<void *> &reads,
                         llvm::SmallPtrSetImpl<void *> &writes) {
  Step step;
  accesses(op, step);
  reads.insert(step.reads.begin(), step.reads.end());
  writes.insert(step.writes.begin(), step.writes.end());
}

std::vector<linac::Step> linac::buildSteps(Operation *root, StringRef part) {
  std::vector<Step> steps;
  int64_t lastRun = -1;
  root->walk([&](Operation *op) {
    if (!part.empty()) {
      auto p = op->getAttrOfType<StringAttr>("part");
      if (!p || p.getValue() != part)
        return;
    }
    Counted c = counted(root, op);
    if (c == Counted::no)
      return;
    if (c == Counted::previous) {
      if (steps.empty())
        return; // an epilogue with no step before it under `part`: not counted
    } else {
      // A fused run's ops after its first join that op's step.
      auto run = op->getAttrOfType<IntegerAttr>("fuse");
      if (!run || run.getInt() != lastRun)
        steps.emplace_back();
      lastRun = run ? run.getInt() : -1;
    }
    steps.back().fence |= isa<tile::BarrierOp>(op);
    steps.back().ops.push_back(op);
    accesses(op, steps.back());
  });

  // Dependences in program order: read after write, write after write,
  // write after read (a buffer's readers finish before it is overwritten).
  llvm::DenseMap<void *, unsigned> writer;
  llvm::DenseMap<void *, llvm::SmallVector<unsigned>> readers;
  for (unsigned i = 0; i < steps.size(); ++i) {
    Step &s = steps[i];
    for (void *r : s.reads)
      if (auto w = writer.find(r); w != writer.end())
        s.after.push_back(w->second);
    for (void *w : s.writes) {
      if (auto p = writer.find(w); p != writer.end())
        s.after.push_back(p->second);
      for (unsigned r : readers[w])
        if (r != i)
          s.after.push_back(r);
    }
    for (void *w : s.writes) {
      writer[w] = i;
      readers[w].clear();
    }
    for (void *r : s.reads)
      readers[r].push_back(i);
  }
  return steps;
}

linac::StepSchedule linac::scheduleSteps(Operation *root, StringRef part) {
  std::vector<Step> steps = buildSteps(root, part);

  // The longest chain, and a greedy schedule on two teams: each step, in
  // program order, on the team where it can start first (ties: the team
  // that ran the step it waits for longest, to keep chains on one team);
  // a fence waits for both teams and holds both, and every step after it
  // comes after it in the chain too.
  StepSchedule result;
  result.steps = static_cast<int64_t>(steps.size());
  std::vector<int64_t> depth(steps.size()), finish(steps.size());
  std::vector<int> team(steps.size());
  int64_t free[2] = {0, 0}, deepest = 0, last = 0, fenced = 0;
  // Barriers in program order: a fence is one; a step that depends on a
  // step since the last barrier needs one before it; the loop body ends
  // with one (a fence, or the last step's).
  unsigned sinceBarrier = 0;
  for (unsigned i = 0; i < steps.size(); ++i) {
    const Step &s = steps[i];
    if (s.fence) {
      ++result.barriers;
      sinceBarrier = i + 1;
    } else if (llvm::any_of(s.after, [&](unsigned j) { return j >= sinceBarrier; })) {
      ++result.barriers;
      sinceBarrier = i;
    }
    int64_t d = fenced, ready = 0;
    int preferred = 0;
    for (unsigned j : s.after) {
      d = std::max(d, depth[j]);
      if (finish[j] > ready || (finish[j] == ready && team[j] == 1))
        preferred = team[j];
      ready = std::max(ready, finish[j]);
    }
    if (s.fence) {
      d = deepest;
      ready = std::max({ready, free[0], free[1], last});
      depth[i] = d + 1;
      finish[i] = free[0] = free[1] = ready + 1;
      team[i] = 0;
      fenced = depth[i];
    } else {
      depth[i] = d + 1;
      int64_t start[2] = {std::max(ready, free[0]), std::max(ready, free[1])};
      int t = start[0] < start[1] ? 0 : start[1] < start[0] ? 1 : preferred;
      team[i] = t;
      finish[i] = free[t] = start[t] + 1;
    }
    deepest = std::max(deepest, depth[i]);
    last = std::max(last, finish[i]);
  }
  result.depth = deepest;
  result.twoTeams = last;
  if (!steps.empty() && !steps.back().fence)
    ++result.barriers;
  return result;
}
