//===- Explain.cpp --------------------------------------------------------===//
#include "Explain.h"
#include "dialect/chunk/IR/ChunkDialect.h"
#include "dialect/lin/IR/Classification.h"
#include "dialect/tile/IR/TileDialect.h"
#include "dialect/tile/Transforms/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <map>
#include <string>
#include <vector>

using namespace mlir;

namespace linac {

void explainRecurrence(lin::VariantOp variant, llvm::raw_ostream &os) {
  lin::Classification c = lin::classify(variant);
  os << "Recurrence " << variant.getSymName() << " (normal form "
     << "S_t = Diag(exp g) S + a (b^T S) + k y^T, o = S_t^T r):\n";
  const char *decay = c.decay == lin::DecayKind::none       ? "none"
                      : c.decay == lin::DecayKind::constant ? "constant per head"
                      : c.decay == lin::DecayKind::scalar
                          ? "data-dependent scalar per head and token"
                          : "data-dependent per key channel";
  const char *erase = c.erase == lin::EraseKind::none ? "none"
                      : c.erase == lin::EraseKind::delta
                          ? "delta rule (a = -e k, b = exp(g) k)"
                          : "general rank-one (DPLR; b reads S before the decay)";
  os << "  decay: " << decay << "\n  erase: " << erase << "\n";
  if (c.gLowerBound)
    os << "  proven lower bound on g: " << *c.gLowerBound << "\n";
  for (const std::string &p : c.prep)
    os << "  " << p << "\n";
  os << "  inputs:";
  for (lin::InputOp in : c.inputs)
    os << " " << in.getName() << (in.getHeads() == lin::HeadGroup::H ? "[H]" : "");
  os << "\n";
  if (!c.params.empty()) {
    os << "  params:";
    for (lin::ParamOp p : c.params)
      os << " " << p.getName();
    os << "\n";
  }
}

/// %g: 5 rather than 5.000000e+00.
std::string shortNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

void explainAlgorithm(ModuleOp module, llvm::raw_ostream &os, bool gramRows) {
  for (auto scan : module.getOps<chunk::ScanOp>()) {
    auto erase = scan->getAttrOfType<lin::EraseKindAttr>("erase");
    auto decay = scan->getAttrOfType<lin::DecayKindAttr>("decay");
    bool perChannel = decay && decay.getValue() == lin::DecayKind::channel;
    bool hasDecay = decay && decay.getValue() != lin::DecayKind::none;
    os << "\nChunked algorithm (MATH.md §2), chunks of " << scan.getChunkSize()
       << " tokens, K = " << scan.getKeyDim() << ", V = " << scan.getValueDim()
       << ":\n";
    if (hasDecay)
      os << "  G = cumsum(g) within the chunk; G_C = its last row\n";
    // A proven gate bound (chunk.gram's decay_bound) that keeps a 16-token
    // span's decay within the libraries' kGramBoundedSpan: their bounded form.
    constexpr double kBoundedSpan = 80.0;
    std::optional<double> bound;
    scan.walk([&](chunk::GramOp g) {
      if (FloatAttr b = g.getDecayBoundAttr())
        bound = b.getValueAsDouble();
    });
    std::string diagonal =
        bound && 16.0 * *bound <= kBoundedSpan
            ? "with 16-bit operands each 16-row block through its first row, diagonal "
              "included, as the proven bound g >= -" +
                  shortNumber(*bound) + " allows (16 tokens decay by at most " +
                  shortNumber(16.0 * *bound) + ")"
        : gramRows ? "with 16-bit operands each 16-row block through its first row where a "
                     "16x8 tile's tests pass (gram=rows), else per 16x8 tile, fp32 where gates "
                     "are too strong"
                   : "with 16-bit operands the diagonal blocks per 16x8 tile, fp32 where gates "
                     "are too strong";
    std::string gram = hasDecay ? (perChannel ? " (decayed per channel, in sub-blocks of " +
                                                    std::to_string(scan.getSubBlock()) +
                                                    " rows with reference points; " + diagonal +
                                                    ")"
                                              : " (masked by exp(G_i - G_j))")
                                : "";
    // config inverse=late (chunk-late-inverse): T multiplies a sum that
    // holds the state product, and W = T X is not formed.
    bool lateInverse = false;
    scan.walk([&](chunk::MatmulOp mm) {
      if (mm.getLhs().getDefiningOp<chunk::UnitLowerInverseOp>() &&
          isa_and_nonnull<chunk::SubOp, chunk::AddOp>(mm.getRhs().getDefiningOp()))
        lateInverse = true;
    });
    if (!erase || erase.getValue() == lin::EraseKind::none) {
      os << "  M = R K^T, causal (inclusive)" << gram << "\n"
         << "  O = (R * e^G) S + M Y\n"
         << "  S <- Diag(e^G_C) S + (K * e^(G_C - G))^T Y\n";
    } else if (erase.getValue() == lin::EraseKind::delta) {
      os << "  A = (e K) K^T, strictly lower" << gram << "\n"
         << "  T = (I + A)^-1 (unit lower triangular, fp32)\n"
         << (lateInverse ? "  V' = T (Y - (e K * e^G) S) (inverse=late: W = T (e K * e^G) and "
                           "U = T Y not formed)\n"
                         : "  W = T (e K * e^G), U = T Y\n"
                           "  V' = U - W S\n")
         << "  O = (R * e^G) S + M V', M = R K^T causal (inclusive)\n"
         << "  S <- Diag(e^G_C) S + (K * e^(G_C - G))^T V'\n";
    } else {
      os << "  A_ba = B A^T, A_bk = B K^T, strictly lower" << gram
         << " (B reads with G shifted by one token)\n"
         << "  T = (I - A_ba)^-1\n"
         << (lateInverse ? "  U = T ((B * e^G-) S + A_bk Y) (inverse=late: W = T (B * e^G-) not "
                           "formed)\n"
                         : "  W = T (B * e^G-), U = W S + T A_bk Y\n")
         << "  O = (R * e^G) S + M_ra U + M_rk Y (inclusive, decayed)\n"
         << "  S <- Diag(e^G_C) S + (A * e^(G_C - G))^T U + (K * e^(G_C - G))^T Y\n";
    }
    os << "  Everything but the terms in S is independent per chunk; S is a "
          "scan of affine maps over chunks.\n";
    // config norms=factor (chunk-factor-norms): which normalised vectors
    // are never formed.
    std::string factored;
    scan.walk([&](lin::InvNormOp n) {
      auto input = n.getOperand().getDefiningOp<lin::InputOp>();
      factored += " " + (input ? input.getName().str() : std::string("(computed)"));
    });
    if (!factored.empty())
      os << "  Normalised vectors not formed (norms=factor):" << factored
         << "; the products read them as given and scale their rows and columns by the "
            "inverse norms (Gram matrices by their row and column scales).\n";
  }
}

/// The steps of one chunk: the body of the kernel's outermost loop (over
/// chunks; over segments when combining segment maps) of a sequential
/// kernel, the whole body of a chunk-parallel one.
/// Ops that do block-wide work, a run of fused element-wise ops
/// (tile-fuse-elementwise) counted once, a mask run as a matmul's epilogue
/// not at all; index, view, stage and allocation bookkeeping not counted.
/// With `part`, only ops of that part (config ahead=on: "local" or
/// "state"). Depth and the two teams' schedule add up over the loops.
static StepSchedule chunkSchedule(tile::KernelOp kernel, StringRef part = "") {
  if (kernel.getKind() == "parallel")
    return scheduleSteps(kernel, part);
  StepSchedule total;
  kernel.walk([&](scf::ForOp loop) {
    if (loop->getParentOfType<scf::ForOp>())
      return;
    StepSchedule s = scheduleSteps(loop, part);
    total.steps += s.steps;
    total.depth += s.depth;
    total.twoTeams += s.twoTeams;
    total.barriers += s.barriers;
  });
  return total;
}
static int64_t chunkSteps(tile::KernelOp kernel, StringRef part = "") {
  return chunkSchedule(kernel, part).steps;
}

/// Whether `op` writes `operand` (its first operand) without reading it.
static bool writesOnly(Operation *op, Value operand) {
  return isa<tile::CopyAsyncOp, tile::CopyTileAsyncOp, tile::LoadParamOp, tile::LoadStateOp,
             tile::LoadTileOp>(op) ||
         linac::definesWhole(op, operand);
}

/// Whether every read of the allocation `buffer` (through views and
/// stages) is a 16-bit matmul's A or B operand. Such a tile could be stored
/// in bf16, rounded when written as the matmuls' staging rounds it now:
/// the same values in half the bytes (docs/performance.md, the first of
/// the structural steps).
static bool readOnlyBy16BitMatmuls(Value buffer) {
  SmallVector<Operation *> real, derived;
  linac::collectTileUsers(buffer, real, derived);
  bool read = false;
  for (Operation *op : real)
    for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
      if (!isa<tile::BufType>(operand.getType()) || linac::rootAllocation(operand) != buffer)
        continue;
      if (i == 0 && writesOnly(op, operand))
        continue;
      auto mma = dyn_cast<tile::MmaOp>(op);
      if (!mma || i == 0 ||
          (mma.getOperandType() != tile::OperandType::bf16 &&
           mma.getOperandType() != tile::OperandType::f16))
        return false;
      read = true;
    }
  return read;
}

/// Bytes of one stage of a tile's values (fp32 or bf16), without padding.
static int64_t valueBytes(tile::BufType t) {
  return t.getRows() * t.getCols() * (t.getElementType().isF32() ? 4 : 2);
}

/// The operands on register tiles in global scratch of the chunk's ops (of
/// the loop, or of a chunk-parallel kernel's body), each counted once at its
/// tile's size, and the tile they touch most: a measure of the L2 traffic
/// that fragments or shared memory would not make, which the placement
/// passes leave where on-chip memory ran out. Not the exact bytes: an
/// accumulating mma reads and writes its operand, a matmul may stage an
/// operand once per round of output blocks, a row mask writes only in a
/// sequence's last chunk.
struct ScratchTraffic {
  int64_t bytes = 0, operands = 0, topBytes = 0;
  std::string top;
};
static ScratchTraffic scratchTraffic(tile::KernelOp kernel) {
  ScratchTraffic traffic;
  kernel.walk([&](tile::AllocOp alloc) {
    auto t = cast<tile::BufType>(alloc.getType());
    if (t.getSpace() != tile::Space::reg || alloc->hasAttr("fragment"))
      return;
    SmallVector<Operation *> real, derived;
    linac::collectTileUsers(alloc.getResult(), real, derived);
    int64_t bytes = 0;
    for (Operation *op : real) {
      if (!linac::runsPerChunk(op))
        continue;
      for (Value operand : op->getOperands()) {
        auto u = dyn_cast<tile::BufType>(operand.getType());
        if (!u || linac::rootAllocation(operand) != alloc.getResult())
          continue;
        bytes += valueBytes(u);
        ++traffic.operands;
      }
    }
    traffic.bytes += bytes;
    if (bytes > traffic.topBytes) {
      traffic.topBytes = bytes;
      auto name = alloc->getAttrOfType<StringAttr>("name");
      traffic.top = (name ? name.getValue().str() : std::string("tile")) + " (" +
                    std::to_string(t.getRows()) + "x" + std::to_string(t.getCols()) + ")";
    }
  });
  return traffic;
}

void explainKernels(ModuleOp module, llvm::raw_ostream &os,
                    int64_t reservedShared, int64_t sharedPerSM) {
  os << "\nKernels (in launch order):\n";
  for (auto kernel : module.getOps<tile::KernelOp>()) {
    int64_t sharedBytes = reservedShared, regBytes = 0, fragBytes = 0, fragRegisters = 0,
            stageTileBytes = 0, bf16Bytes = 0;
    // Bytes of tiles read only by 16-bit matmuls: in shared memory, in
    // registers (fragments), in scratch.
    int64_t mmaOnly[3] = {0, 0, 0};
    std::map<std::string, int> counts;
    kernel.walk([&](Operation *op) {
      if (auto a = dyn_cast<tile::AllocOp>(op)) {
        auto t = cast<tile::BufType>(a.getType());
        int64_t bytes = valueBytes(t) * t.getStages();
        if (!t.getElementType().isF32())
          bf16Bytes += bytes;
        else if (readOnlyBy16BitMatmuls(a.getResult()))
          mmaOnly[a->hasAttr("fragment") ? 1 : t.getSpace() == tile::Space::shared ? 0 : 2] +=
              bytes;
        if (auto groups = a->getAttrOfType<IntegerAttr>("fragment")) {
          fragBytes += bytes;
          fragRegisters += linac::fragmentRegisters(t, groups.getInt());
          return;
        }
        // Padded rows (tile-pad-shared-rows) count as the emitter lays them out.
        (t.getSpace() == tile::Space::shared ? sharedBytes : regBytes) +=
            bytes / t.getCols() * tile::rowPitch(t, a);
      } else if (op->hasAttr("tile") && isa<tile::StageOp, tile::ViewOp>(op)) {
        // A register tile placed in an input stage (tile-alias-stages).
        auto t = cast<tile::BufType>(op->getResult(0).getType());
        stageTileBytes += t.getRows() * t.getCols() * 4;
      } else if (op->getDialect() &&
                 op->getDialect()->getNamespace() == "tile") {
        counts[op->getName().stripDialect().str()]++;
      }
    });
    os << "  " << kernel.getSymName() << ": grid (";
    for (auto [i, g] : llvm::enumerate(kernel.getGrid()))
      os << (i ? ", " : "") << cast<StringAttr>(g).getValue();
    os << ")";
    if (auto vt = kernel->getAttrOfType<IntegerAttr>("vtile_cols"))
      os << ", " << vt.getInt() << " columns of V per block";
    StringRef kind = kernel.getKind();
    os << "\n    "
       << (kind == "state"             ? "the state pass: a loop over the sequence's chunks"
           : kind == "parallel"        ? "chunk-parallel: one block per chunk"
           : kind == "segment_maps"    ? "per segment: its affine map of the state"
           : kind == "segment_combine" ? "per (sequence, head, columns of V): the maps combined into segment start states"
           : kind == "segment_outputs" ? "per segment: outputs from its start state"
           : kind == "chunk_outputs"   ? "chunk-parallel: each chunk's outputs from its start state"
                                       : kind)
       << "\n    shared memory "
       << llvm::format("%.1f", sharedBytes / 1024.0) << " KiB"
       << (bf16Bytes ? " (" + llvm::formatv("{0:f1}", bf16Bytes / 1024.0).str() +
                           " KiB of it bf16 tiles)"
                     : std::string())
       << ", register tiles "
       << llvm::format("%.1f", regBytes / 1024.0)
       << " KiB (fp32, after reuse)"
       << (reservedShared ? ", the tile library's staging included" : "");
    if (fragBytes)
      os << "; " << llvm::format("%.1f", fragBytes / 1024.0)
         << " KiB of register tiles in registers (" << fragRegisters << " per consumer thread)";
    if (reservedShared) // GPU targets: the block's warps (the cpu runs one thread)
      os << "; " << kernel.getWarps() / 4 * 4 << " consumer warps"
         << (kernel.getWarps() % 4 ? " and a producer warp" : "");
    // Blocks an SM can hold by shared memory alone (each block also takes
    // 1 KiB the hardware reserves): what a chunk-parallel kernel's
    // throughput follows; registers may allow fewer.
    if (sharedPerSM) {
      os << "; by shared memory at most " << sharedPerSM / (sharedBytes + 1024)
         << " block(s) per SM";
      if (auto sized = kernel->getAttrOfType<IntegerAttr>("blocks_per_sm"))
        os << " (sized for " << sized.getInt() << ")";
    }
    if (stageTileBytes)
      os << "; " << llvm::format("%.1f", stageTileBytes / 1024.0)
         << " KiB of register tiles in input stages the chunk has read";
    // Inputs loaded one chunk ahead (tile-prefetch-inputs), in the order
    // they land, and their landing buffers' bytes.
    std::vector<std::string> ahead;
    int64_t landingBytes = 0;
    kernel.walk([&](tile::PrefetchRowsOp p) {
      if (p->getParentOfType<scf::ForOp>())
        return; // the loop's own prefetch of the next chunk
      auto t = cast<tile::BufType>(p.getLanding().getType());
      ahead.push_back(p.getName().str());
      landingBytes += t.getRows() * t.getCols() * 4;
    });
    if (!ahead.empty()) {
      os << "\n    inputs one chunk ahead (landing buffers, " << llvm::format("%.1f", landingBytes / 1024.0)
         << " KiB of the shared memory):";
      for (const std::string &name : ahead)
        os << " " << name;
    }
    // GPU targets: what the register tiles left in global scratch cost per
    // chunk (the cpu target keeps every tile in memory alike).
    if (reservedShared && regBytes)
      if (ScratchTraffic traffic = scratchTraffic(kernel); traffic.bytes)
        os << "\n    global scratch per " << (kind == "segment_combine" ? "segment" : "chunk")
           << ": " << traffic.operands << " op operands of "
           << llvm::format("%.0f", traffic.bytes / 1024.0)
           << " KiB in all (each counted once at its size), most on " << traffic.top << ": "
           << llvm::format("%.0f", traffic.topBytes / 1024.0) << " KiB";
    if (mmaOnly[0] + mmaOnly[1] + mmaOnly[2]) {
      os << "\n    tiles read only by 16-bit matmuls (bf16 storage would halve them):";
      const char *where[3] = {" shared memory", " registers", " scratch"};
      const char *sep = " ";
      for (int w = 0; w < 3; ++w)
        if (mmaOnly[w]) {
          os << sep << llvm::format("%.1f", mmaOnly[w] / 1024.0) << " KiB in" << where[w];
          sep = ", ";
        }
    }
    os << "\n    ops:";
    for (const char *name : {"copy_async", "take_rows", "copy_tile_async", "wait", "mma",
                             "gram_diag", "tri_inv", "store_rows", "store_tile",
                             "barrier"})
      if (counts.count(name))
        os << " " << counts[name] << " " << name;
    // The chunk loop's length in block-wide steps (each waits for the one
    // before it): what the GPU kernels' time follows (docs/performance.md).
    StepSchedule schedule = chunkSchedule(kernel);
    if (schedule.steps)
      os << "\n    per " << (kind == "segment_combine" ? "segment" : "chunk") << ": "
         << schedule.steps << " block-wide steps";
    // config own=warps: the ops on owned tiles are each warp's own work.
    if (linac::ownsColumns(kernel)) {
      int64_t owned = 0;
      kernel.walk([&](Operation *op) {
        if (op->getParentOfType<scf::ForOp>() && !isa<tile::AllocOp, tile::StageOp>(op) &&
            llvm::any_of(op->getOperands(), linac::isOwned))
          ++owned;
      });
      os << ", " << owned << " of them owned by warps (each warp its own columns of V, no "
            "barrier between them)";
      // What they read from memory: each warp multiplies all of a with its
      // own columns, so every a is read once per consumer warp; a b in
      // memory once in all (each warp its columns). What decided that the
      // owned form lost on the GPU (docs/performance.md, session 34).
      int64_t warps = kernel.getWarps() / 4 * 4, aBytes = 0, bBytes = 0;
      auto bytes = [](Value v) { return valueBytes(cast<tile::BufType>(v.getType())); };
      kernel.walk([&](tile::MmaOp mma) {
        if (!mma->getParentOfType<scf::ForOp>() || !linac::isOwned(mma.getAcc()))
          return;
        aBytes += bytes(mma.getA()) * warps;
        if (!linac::isOwned(mma.getB()))
          bBytes += bytes(mma.getB());
      });
      if (aBytes + bBytes)
        os << "\n    owned matmuls read " << llvm::format("%.0f", (aBytes + bBytes) / 1024.0)
           << " KiB a chunk from memory (" << llvm::format("%.0f", aBytes / 1024.0)
           << " KiB of it each of the " << warps << " warps reading all of a)";
    }
    // config ahead=on: the two parts a loop iteration runs, which warps of
    // their own could run side by side (the loop then as long as the longer).
    if (kernel->hasAttr("ahead"))
      os << " (" << chunkSteps(kernel, "local") << " in the chunk-local part of chunk c, "
         << chunkSteps(kernel, "state") << " in the state part of chunk c - 1)";
    // What teams of warps smaller than the block could make of them: the
    // longest chain of dependent steps, and a greedy schedule on two teams
    // (docs/performance.md, session 23).
    if (schedule.steps)
      os << "\n    dependences: the longest chain " << schedule.depth << " steps; on two teams "
         << schedule.twoTeams << " steps; barriers needed in program order "
         << schedule.barriers;
    os << "\n";
  }
}

} // namespace linac
