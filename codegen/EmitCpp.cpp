//===- EmitCpp.cpp --------------------------------------------------------===//
//
// One statement per op: tile ops become calls into the tile library, scf
// loops and ifs become C++ loops and ifs, arith becomes expressions. Values
// are named by kind: vN (index/float), tN (a tile), bN (a multi-stage
// buffer), kN (a copy token), sN (a sequence extent).
//
//===----------------------------------------------------------------------===//
#include "codegen/EmitCpp.h"
#include "dialect/tile/IR/TileDialect.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <map>
#include <optional>

using namespace mlir;

namespace linac {

TargetHooks cpuTarget() { return {"cpu", "linac_tile.h", 0, 0}; }
// Two staged 64 x 128-byte mma operands and 2 x 16 mbarriers (full and
// released) and the block's scratch base in 16 bytes (linac_tile_cuda.cuh).
TargetHooks cudaTarget() { return {"cuda", "linac_tile_cuda.cuh", 33040, 16}; }

namespace {
int64_t intAttrOrZero(Operation *op, StringRef name) {
  auto a = op->getAttrOfType<IntegerAttr>(name);
  return a ? a.getInt() : 0;
}

/// The declaration of a stage or view of a buffer: the libraries' Tile, or
/// Tile16 for bf16 elements.
std::string tileTypeOf(Value v) {
  return cast<tile::BufType>(v.getType()).getElementType().isF32() ? "const Tile "
                                                                   : "const Tile16 ";
}

/// Bytes per element of each workspace: 2 (bf16) where every kernel that
/// reads it copies it into bf16 stages (tile-store-16bit: only bf16
/// matmuls read them, so the writer may round and the copy is raw), else
/// 4 (f32).
std::map<std::string, int64_t> workspaceElementBytes(ModuleOp module) {
  std::map<std::string, int64_t> bytes;
  module.walk([&](tile::CopyTileAsyncOp c) {
    bool half = !cast<tile::BufType>(c.getDst().getType()).getElementType().isF32();
    auto [it, fresh] = bytes.try_emplace(c.getName().str(), half ? 2 : 4);
    if (!fresh && !half)
      it->second = 4;
  });
  module.walk([&](tile::LoadTileOp l) { bytes[l.getName().str()] = 4; });
  return bytes;
}
} // namespace

KernelMemory kernelMemory(Operation *kernel, const TargetHooks &target) {
  KernelMemory m;
  m.sharedBytes = target.reservedSharedBytes;
  kernel->walk([&](tile::AllocOp a) {
    if (a->hasAttr("fragment")) // registers, not memory
      return;
    auto t = cast<tile::BufType>(a.getType());
    (t.getSpace() == tile::Space::shared ? m.sharedBytes : m.regBytes) += tile::bufferBytes(t, a);
  });
  return m;
}

namespace {

class Emitter {
public:
  Emitter(llvm::raw_ostream &os) : os(os) {}
  LogicalResult emitKernel(tile::KernelOp kernel);

  /// A workspace's slots: rows x cols, one per (sequence, head) and
  /// `slotChunks` chunks (a segment's worth in the sequence split's
  /// kernels, 1 elsewhere).
  struct WorkspaceShape {
    int64_t rows, cols, slotChunks;
    bool operator!=(const WorkspaceShape &o) const {
      return rows != o.rows || cols != o.cols || slotChunks != o.slotChunks;
    }
  };
  std::map<std::string, WorkspaceShape> workspaces;

private:
  std::string name(Value v) {
    auto it = names.find(v);
    if (it != names.end())
      return it->second;
    return "<unnamed>";
  }
  std::string fresh(Value v, const char *prefix) {
    std::string n = prefix + std::to_string(counter++);
    names[v] = n;
    return n;
  }
  std::string global(StringRef g) {
    globalsUsed.insert(g);
    return "G_" + g.str();
  }
  void line(const std::string &s) {
    os.indent(indent) << s << "\n";
  }
  /// The block's ops in order (runs of fused ops as one loop).
  LogicalResult emitBlock(Block &block, bool withoutTerminator = false);
  LogicalResult emitFused(llvm::ArrayRef<Operation *> run);
  /// A matmul and the mask on its accumulators as one call.
  LogicalResult emitMaskedMma(Operation &op, Operation &mask);
  LogicalResult emitOp(Operation &op);
  LogicalResult emitMarked(Operation &op, llvm::function_ref<LogicalResult()> emit);

  llvm::raw_ostream &os;
  llvm::DenseMap<Value, std::string> names;
  llvm::StringSet<> globalsUsed;
  int counter = 0;
  unsigned indent = 2;
  // Bytes allocated so far per space (after the target's reserved area).
  int64_t sharedOffset = 0, regOffset = 0;
};

const char *ewName(tile::EwKind k) {
  switch (k) {
  case tile::EwKind::copy: return "Ew::copy";
  case tile::EwKind::neg: return "Ew::neg";
  case tile::EwKind::exp: return "Ew::exp";
  case tile::EwKind::log: return "Ew::log";
  case tile::EwKind::sqrt: return "Ew::sqrt";
  case tile::EwKind::sigmoid: return "Ew::sigmoid";
  case tile::EwKind::logsigmoid: return "Ew::logsigmoid";
  case tile::EwKind::softplus: return "Ew::softplus";
  case tile::EwKind::silu: return "Ew::silu";
  case tile::EwKind::add: return "Ew::add";
  case tile::EwKind::sub: return "Ew::sub";
  case tile::EwKind::mul: return "Ew::mul";
  case tile::EwKind::div: return "Ew::div";
  case tile::EwKind::max: return "Ew::max";
  case tile::EwKind::min: return "Ew::min";
  }
  return "Ew::copy";
}

const char *operandName(tile::OperandType t) {
  switch (t) {
  case tile::OperandType::f32: return "Operand::f32";
  case tile::OperandType::tf32: return "Operand::tf32";
  case tile::OperandType::bf16: return "Operand::bf16";
  case tile::OperandType::f16: return "Operand::f16";
  }
  return "Operand::f32";
}

std::string b(bool v) { return v ? "true" : "false"; }
/// A float literal of `v` rounded to float (hex floats are exact and valid
/// C++17).
std::string floatLiteral(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", static_cast<double>(static_cast<float>(v)));
  return std::string("static_cast<float>(") + buf + ")";
}

/// `emit`'s call, between `blk.elide = true;` and `blk.elide = false;` where
/// tile-elide-barriers marked `op` no_barrier (the call then leaves out its
/// closing barrier).
LogicalResult Emitter::emitMarked(Operation &op, llvm::function_ref<LogicalResult()> emit) {
  const bool elide = op.hasAttr("no_barrier");
  if (elide)
    line("blk.elide = true;");
  if (failed(emit()))
    return failure();
  if (elide)
    line("blk.elide = false;");
  return success();
}

LogicalResult Emitter::emitBlock(Block &block, bool withoutTerminator) {
  auto end = withoutTerminator && !block.empty() ? std::prev(block.end()) : block.end();
  for (auto it = block.begin(); it != end; ++it) {
    if (auto group = it->getAttrOfType<IntegerAttr>("fuse")) {
      // A run of element-wise ops (tile-fuse-elementwise): one loop.
      SmallVector<Operation *> run;
      for (auto next = it; next != end; ++next) {
        auto g = next->getAttrOfType<IntegerAttr>("fuse");
        if (!g || g.getInt() != group.getInt())
          break;
        run.push_back(&*next);
      }
      // tile-elide-barriers marks every op of a run alike.
      if (failed(emitMarked(*run.back(), [&] { return emitFused(run); })))
        return failure();
      std::advance(it, run.size() - 1);
      continue;
    }
    if (auto next = std::next(it); next != end && next->hasAttr("epilogue")) {
      // A mask on the matmul's accumulators (tile-fuse-mask-epilogue).
      if (failed(emitMaskedMma(*it, *next)))
        return failure();
      ++it;
      continue;
    }
    if (auto first = dyn_cast<tile::GramDiagOp>(*it)) {
      // Two Gram matrices of one right operand (tile-pair-grams): one call
      // where every operand is an fp32 tile (the pair's form).
      auto next = std::next(it);
      auto second = next != end ? dyn_cast<tile::GramDiagOp>(*next) : tile::GramDiagOp();
      auto fp32 = [](Value v) { return cast<tile::BufType>(v.getType()).getElementType().isF32(); };
      if (second && second->hasAttr("paired") && llvm::all_of(first->getOperands(), fp32) &&
          llvm::all_of(second->getOperands(), fp32) && !first.getDecayBoundAttr() &&
          !first.getRowBlocks()) {
        line("gram_diag_pair(blk, " + name(first.getDst()) + ", " + name(first.getLhs()) + ", " +
             b(first.getInclusive()) + ", " + name(second.getDst()) + ", " +
             name(second.getLhs()) + ", " + b(second.getInclusive()) + ", " +
             name(first.getRhs()) + ", " + name(first.getLhsDecay()) + ", " +
             name(first.getRhsDecay()) + ", " +
             operandName(first.getOperandType().value_or(tile::OperandType::f32)) + ");");
        ++it;
        continue;
      }
    }
    if (it->hasAttr("epilogue"))
      return it->emitError("tile-fuse-mask-epilogue: an epilogue must follow its matmul");
    if (failed(emitMarked(*it, [&] { return emitOp(*it); })))
      return failure();
  }
  return success();
}

LogicalResult Emitter::emitMaskedMma(Operation &op, Operation &mask) {
  auto m = dyn_cast<tile::MmaOp>(op);
  if (!m || m.getAccumulate())
    return mask.emitError("tile-fuse-mask-epilogue: an epilogue follows a matmul that starts "
                          "its tile");
  auto n = [&](Value v) { return name(v); };
  auto col = [&](Value v) { return v ? n(v) : std::string("Tile{}"); };
  std::string gates = "Tile{}, Tile{}", scales, dst;
  bool inclusive;
  if (auto c = dyn_cast<tile::CausalMaskOp>(mask)) {
    dst = n(c.getDst());
    scales = col(c.getRowScale()) + ", " + col(c.getColScale());
    inclusive = c.getInclusive();
  } else if (auto d = dyn_cast<tile::DecayMaskOp>(mask)) {
    dst = n(d.getDst());
    gates = n(d.getLhsDecay()) + ", " + n(d.getRhsDecay());
    scales = col(d.getRowScale()) + ", " + col(d.getColScale());
    inclusive = d.getInclusive();
  } else {
    return mask.emitError("tile-fuse-mask-epilogue: only causal and decay masks are epilogues");
  }
  if (dst != n(m.getAcc()))
    return mask.emitError("tile-fuse-mask-epilogue: the mask's tile is not the matmul's");
  line("mma_masked(blk, " + n(m.getAcc()) + ", " + n(m.getA()) + ", " + n(m.getB()) + ", " +
       b(m.getTransposeA()) + ", " + b(m.getTransposeB()) + ", " +
       operandName(m.getOperandType()) + ", " + gates + ", " + scales + ", " + b(inclusive) +
       ");");
  return success();
}

/// How an operand of type `t` is read by the quads of a rows x cols fused
/// run: its own float4, its row's float4 (a row vector), its row's value (a
/// column), its one value; none for another shape.
enum class QuadRead { full, row, column, scalar };
std::optional<QuadRead> quadRead(tile::BufType t, int64_t rows, int64_t cols) {
  if (t.getRows() == rows && t.getCols() == cols)
    return QuadRead::full;
  if (t.getRows() == 1 && t.getCols() == cols)
    return QuadRead::row;
  if (t.getRows() == rows && t.getCols() == 1)
    return QuadRead::column;
  if (t.getRows() == 1 && t.getCols() == 1)
    return QuadRead::scalar;
  return std::nullopt;
}

/// One loop over the run's elements (fused_ew): each op's value at (i, j)
/// is a local, read by later ops of the run instead of their tile; every
/// written tile is stored but where tile-fuse-elementwise marked the store
/// `unstored` (a later op of the run overwrites it unread). Reads of other
/// tiles broadcast (get). Where the run's rows are whole float4 quads (its
/// columns a multiple of 4, every operand of its shape, a row, a column or
/// one value), the loop is also emitted over quads (fused_ew4: four columns
/// of a row per iteration, the operands read by float4 or broadcast), which
/// the libraries take when every tile read or written by quads is 16-byte
/// aligned with rows a multiple of 4 floats apart; the same values either way.
LogicalResult Emitter::emitFused(ArrayRef<Operation *> run) {
  auto shape = cast<tile::BufType>(run.front()->getOperand(0).getType());
  const int64_t rows = shape.getRows(), cols = shape.getCols();
  // Each tile named once, before the loop; the tiles read are passed too
  // (the cpu library checks that no shared stage is read before its wait).
  llvm::DenseMap<Value, std::string> tiles;
  SmallVector<std::string> reads;
  llvm::DenseMap<Value, QuadRead> quadOf;
  SmallVector<std::string> aligned; // tiles read or written by float4
  bool quads = cols % 4 == 0;
  for (Operation *op : run)
    for (auto [index, v] : llvm::enumerate(op->getOperands())) {
      auto t = dyn_cast<tile::BufType>(v.getType());
      if (!t)
        continue;
      if (!tiles.count(v)) {
        std::string u = "u" + std::to_string(counter++);
        line("const Tile " + u + " = " + name(v) + ";");
        tiles[v] = u;
        std::optional<QuadRead> q = quadRead(t, rows, cols);
        if (!q) {
          quads = false; // a shape the quads do not broadcast
        } else {
          quadOf[v] = *q;
          if (*q == QuadRead::full || *q == QuadRead::row)
            aligned.push_back(u);
        }
      }
      bool read = index > 0 || isa<tile::MaskRowsOp>(op);
      if (read && !llvm::is_contained(reads, tiles[v]))
        reads.push_back(tiles[v]);
    }
  // The loop body, per element (quad = false) or per quad of a row.
  auto body = [&](bool quad) -> LogicalResult {
    llvm::DenseMap<Value, std::string> current;
    auto read = [&](Value v) -> std::string {
      auto it = current.find(v);
      if (it != current.end())
        return it->second;
      if (!quad)
        return tiles[v] + ".get(i, j)";
      switch (quadOf[v]) {
      case QuadRead::full: return "quad(" + tiles[v] + ", i, j)";
      case QuadRead::row: return "quad(" + tiles[v] + ", 0, j)";
      case QuadRead::column: return "splat(" + tiles[v] + ".at(i, 0))";
      case QuadRead::scalar: return "splat(" + tiles[v] + ".at(0, 0))";
      }
      return "";
    };
    const std::string type = quad ? "const Quad " : "const float ";
    int k = 0;
    for (Operation *op : run) {
      std::string x = "x" + std::to_string(k++), expr;
      Value dst = op->getOperand(0);
      if (auto e = dyn_cast<tile::EwOp>(op))
        expr = std::string(quad ? "apply4(" : "apply(") + ewName(e.getKind()) + ", " +
               read(e.getLhs()) + ", " +
               (e.getRhs() ? read(e.getRhs()) : std::string(quad ? "splat(0.0f)" : "0.0f")) + ")";
      else if (auto m = dyn_cast<tile::MaskRowsOp>(op))
        expr = "i < " + name(m.getValid()) + " ? " + read(dst) + " : " +
               (quad ? "splat(0.0f)" : "0.0f");
      else
        return op->emitError("tile-fuse-elementwise: only ew and mask_rows fuse");
      line(type + x + " = " + expr + ";");
      if (!op->hasAttr("unstored"))
        line(quad ? "quad_store(" + tiles[dst] + ", i, j, " + x + ");"
                  : tiles[dst] + ".at(i, j) = " + x + ";");
      current[dst] = x;
    }
    return success();
  };
  std::string ready;
  for (const std::string &u : aligned)
    ready += (ready.empty() ? "" : " && ") + ("quad_ready(" + u + ")");
  line(std::string(quads ? "fused_ew4(blk, " : "fused_ew(blk, ") + std::to_string(rows) + ", " +
       std::to_string(cols) + (quads ? ", " + (ready.empty() ? "true" : ready) : "") +
       ", [&](int64_t i, int64_t j) {");
  indent += 2;
  if (failed(body(false)))
    return failure();
  indent -= 2;
  if (quads) {
    line("}, [&](int i, int j) {");
    indent += 2;
    if (failed(body(true)))
      return failure();
    indent -= 2;
  }
  std::string readList;
  for (const std::string &r : reads)
    readList += ", " + r;
  line("}" + readList + ");");
  return success();
}

LogicalResult Emitter::emitOp(Operation &op) {
  auto n = [&](Value v) { return name(v); };
  // An optional scale operand: Tile{} where absent.
  auto scale = [&](Value v) { return v ? n(v) : std::string("Tile{}"); };
  return llvm::TypeSwitch<Operation *, LogicalResult>(&op)
      // arith
      .Case<arith::ConstantOp>([&](arith::ConstantOp c) -> LogicalResult {
        if (auto i = dyn_cast<IntegerAttr>(c.getValue())) {
          line("const int64_t " + fresh(c, "v") + " = " +
               std::to_string(i.getInt()) + ";");
          return success();
        }
        if (auto f = dyn_cast<FloatAttr>(c.getValue())) {
          line("const float " + fresh(c, "v") + " = " + floatLiteral(f.getValueAsDouble()) + ";");
          return success();
        }
        return c.emitOpError("constant kind not supported by the C++ emitter");
      })
      .Case<arith::AddIOp, arith::SubIOp, arith::MulIOp, arith::RemUIOp,
            arith::DivUIOp>([&](Operation *o) {
        const char *sym = isa<arith::AddIOp>(o)   ? " + "
                          : isa<arith::SubIOp>(o) ? " - "
                          : isa<arith::MulIOp>(o) ? " * "
                          : isa<arith::RemUIOp>(o) ? " % "
                                                   : " / ";
        line("const int64_t " + fresh(o->getResult(0), "v") + " = " +
             n(o->getOperand(0)) + sym + n(o->getOperand(1)) + ";");
        return success();
      })
      .Case<arith::MinUIOp>([&](arith::MinUIOp m) {
        line("const int64_t " + fresh(m, "v") + " = " + n(m.getLhs()) + " < " +
             n(m.getRhs()) + " ? " + n(m.getLhs()) + " : " + n(m.getRhs()) +
             ";");
        return success();
      })
      .Case<arith::CmpIOp>([&](arith::CmpIOp c) -> LogicalResult {
        const char *sym = nullptr;
        switch (c.getPredicate()) {
        case arith::CmpIPredicate::slt:
        case arith::CmpIPredicate::ult: sym = " < "; break;
        case arith::CmpIPredicate::sle:
        case arith::CmpIPredicate::ule: sym = " <= "; break;
        case arith::CmpIPredicate::eq: sym = " == "; break;
        case arith::CmpIPredicate::ne: sym = " != "; break;
        default: return c.emitOpError("predicate not supported by the emitter");
        }
        line("const bool " + fresh(c, "v") + " = " + n(c.getLhs()) + sym +
             n(c.getRhs()) + ";");
        return success();
      })
      // scf
      .Case<scf::ForOp>([&](scf::ForOp f) -> LogicalResult {
        for (auto [init, result, arg] :
             llvm::zip(f.getInitArgs(), f.getResults(), f.getRegionIterArgs())) {
          std::string carried = fresh(result, "k");
          line("Token " + carried + " = " + n(init) + ";");
          names[arg] = carried;
        }
        std::string iv = fresh(f.getInductionVar(), "v");
        line("for (int64_t " + iv + " = " + n(f.getLowerBound()) + "; " + iv +
             " < " + n(f.getUpperBound()) + "; " + iv + " += " +
             n(f.getStep()) + ") {");
        indent += 2;
        if (failed(emitBlock(*f.getBody(), /*withoutTerminator=*/true)))
          return failure();
        auto yield = cast<scf::YieldOp>(f.getBody()->getTerminator());
        std::vector<std::string> tmps;
        for (Value v : yield.getOperands()) {
          std::string t = "next" + std::to_string(counter++);
          line("Token " + t + " = " + n(v) + ";");
          tmps.push_back(t);
        }
        for (auto [i, result] : llvm::enumerate(f.getResults()))
          line(n(result) + " = " + tmps[i] + ";");
        indent -= 2;
        line("}");
        return success();
      })
      .Case<scf::IfOp>([&](scf::IfOp i) -> LogicalResult {
        if (i.getNumResults())
          return i.emitOpError("with results is not supported by the emitter");
        line("if (" + n(i.getCondition()) + ") {");
        indent += 2;
        if (failed(emitBlock(i.getThenRegion().front(), /*withoutTerminator=*/true)))
          return failure();
        indent -= 2;
        line("}");
        return success();
      })
      // tile: indices and sequences
      .Case<tile::ProgramIdOp>([&](tile::ProgramIdOp p) {
        line("const int64_t " + fresh(p, "v") + " = blk.program_id(" +
             std::to_string(p.getDim()) + ");");
        return success();
      })
      .Case<tile::QkHeadOp>([&](tile::QkHeadOp q) {
        line("const int64_t " + fresh(q, "v") + " = qk_head(blk, " +
             n(q.getHead()) + ");");
        return success();
      })
      .Case<tile::SequenceOp>([&](tile::SequenceOp s) {
        std::string e = "s" + std::to_string(counter++);
        line("const SeqExtent " + e + " = sequence(blk, " + n(s.getSeq()) + ");");
        names[s.getStart()] = e + ".start";
        names[s.getLength()] = e + ".length";
        return success();
      })
      .Case<tile::NumChunksOp>([&](tile::NumChunksOp c) {
        line("const int64_t " + fresh(c, "v") + " = num_chunks(" +
             n(c.getLength()) + ", " + std::to_string(c.getChunkSize()) + ");");
        return success();
      })
      .Case<tile::ChunkRowsOp>([&](tile::ChunkRowsOp c) {
        line("const int64_t " + fresh(c, "v") + " = chunk_rows(" +
             n(c.getLength()) + ", " + n(c.getChunk()) + ", " +
             std::to_string(c.getChunkSize()) + ");");
        return success();
      })
      .Case<tile::ScalarArgOp>([&](tile::ScalarArgOp s) {
        line("const float " + fresh(s, "v") + " = L.scalar(\"" +
             s.getName().str() + "\");");
        return success();
      })
      // tile: buffers
      .Case<tile::AllocOp>([&](tile::AllocOp a) -> LogicalResult {
        // Offsets are constants: an alloc inside a loop would hand each
        // iteration the same memory (a copy still in flight into it would
        // race its zero fill), so allocs must be at the kernel's top level.
        if (!isa<tile::KernelOp>(a->getParentOp()))
          return a.emitError("tile.alloc must be at the top level of its kernel");
        auto t = cast<tile::BufType>(a.getType());
        // A fragment (tile-place-fragments) is a value in the consumer
        // threads' registers, not memory: no offset, passed by reference.
        // Owned by warps (tile-own-columns): each warp holds a block of the
        // tile's columns, in the library's OwnFrag layout.
        if (a->hasAttr("owned")) {
          auto kernel = a->getParentOfType<tile::KernelOp>();
          if (!kernel->hasAttr("own_columns") || t.getStages() != 1 || t.getRows() % 16 ||
              t.getCols() % (16 * kernel.getWarps()))
            return a.emitError("an owned tile must be one stage of a kernel marked "
                               "own_columns, of rows and of columns per warp a multiple of 16");
          line("OwnFrag<" + std::to_string(t.getRows()) + ", " + std::to_string(t.getCols()) +
               ", " + std::to_string(kernel.getWarps()) + "> " + fresh(a, "f") + "{};");
          return success();
        }
        if (auto groups = a->getAttrOfType<IntegerAttr>("fragment")) {
          // The library lays a fragment over the kernel's consumer
          // warpgroups: the mark must say how many there are.
          int64_t kernelGroups =
              std::max<int64_t>(1, a->getParentOfType<tile::KernelOp>().getWarps() / 4);
          if (groups.getInt() != kernelGroups || t.getRows() % 64 || t.getCols() % 64 ||
              t.getStages() != 1)
            return a.emitError("a fragment must be one stage of whole 64x64 blocks over the "
                               "kernel's ")
                   << kernelGroups << " consumer warpgroup(s)";
          std::string f = fresh(a, "f");
          line("Frag<" + std::to_string(t.getRows()) + ", " + std::to_string(t.getCols()) + ", " +
               std::to_string(groups.getInt()) + "> " + f + "{};");
          return success();
        }
        std::string label = a->hasAttr("name")
                                ? cast<StringAttr>(a->getAttr("name")).str()
                                : "buf";
        std::string space = t.getSpace() == tile::Space::shared ? "shared" : "reg";
        // bf16 buffers (tile-store-16bit) are the libraries' Buffer16/Tile16.
        std::string allocFn = t.getElementType().isF32() ? "blk.alloc(" : "blk.alloc16(";
        // Each buffer's offset in its space, in allocation order (the bytes
        // kernelMemory counts): a constant, so that the GPU compiler
        // derives every tile's address from one base register and folds
        // its extents, instead of holding descriptors in registers.
        int64_t &offset = t.getSpace() == tile::Space::shared ? sharedOffset : regOffset;
        // A padded buffer's row pitch (tile-pad-shared-rows) follows its
        // offset; the libraries take the columns when none is given.
        const int64_t pitch = tile::rowPitch(t, a);
        const std::string pitchArg = pitch != t.getCols() ? ", " + std::to_string(pitch) : "";
        std::string args = space + ", " + std::to_string(t.getRows()) + ", " +
                           std::to_string(t.getCols()) + ", " +
                           std::to_string(t.getStages()) + ", \"" + label + "\", " +
                           std::to_string(offset) + pitchArg;
        int64_t at = offset;
        offset += tile::bufferBytes(t, a);
        // Buffers whose stages tile.stage selects stay Buffers (the GPU
        // library returns them by value, a few registers; the cpu library
        // by reference: it tracks their stages). Any other is named by a
        // lambda that makes its tile's address at each use: held in a
        // variable, every tile's address would stay live across the kernel
        // (GPU register pressure).
        bool staged = llvm::any_of(a->getUsers(),
                                   [](Operation *u) { return isa<tile::StageOp>(u); });
        if (staged) {
          line("auto &&" + fresh(a, "b") + " = " + allocFn + args + ");");
        } else {
          std::string b = fresh(a, "b"), tn = "t" + b.substr(1);
          line("auto &&" + b + " = " + allocFn + args + ");");
          line("auto " + tn + " = [&] { return buffer_tile(blk, " + b + ", " + space + ", " +
               std::to_string(t.getRows()) + ", " + std::to_string(t.getCols()) + ", " +
               std::to_string(at) + pitchArg + "); };");
          names[a.getResult()] = tn + "()";
        }
        return success();
      })
      .Case<tile::StageOp>([&](tile::StageOp s) {
        line(tileTypeOf(s.getResult()) + fresh(s, "t") + " = " + n(s.getBuffer()) +
             ".stage(" + n(s.getIndex()) + ");");
        return success();
      })
      .Case<tile::ViewOp>([&](tile::ViewOp v) {
        auto t = cast<tile::BufType>(v.getType());
        line(tileTypeOf(v.getResult()) + fresh(v, "t") + " = " + n(v.getBuffer()) +
             ".view(" + std::to_string(v.getRow()) + ", " +
             std::to_string(v.getCol()) + ", " + std::to_string(t.getRows()) +
             ", " + std::to_string(t.getCols()) + ");");
        return success();
      })
      // tile: memory
      .Case<tile::CopyAsyncOp>([&](tile::CopyAsyncOp c) {
        // The destination's shape as template arguments: the libraries
        // check it, and with LINAC_SHAPED_COPIES the CUDA one compiles one
        // copy per shape with constant bounds.
        auto d = cast<tile::BufType>(c.getDst().getType());
        line("Token " + fresh(c, "k") + " = copy_async<" +
             std::to_string(d.getRows()) + ", " + std::to_string(d.getCols()) +
             ">(blk, " +
             global(c.getName()) + ", " + n(c.getDst()) + ", " +
             n(c.getStart()) + ", " + n(c.getRow()) + ", " + n(c.getValid()) +
             ", " + n(c.getHead()) + ", " + n(c.getCol()) + ");");
        return success();
      })
      .Case<tile::PrefetchRowsOp>([&](tile::PrefetchRowsOp p) {
        auto l = cast<tile::BufType>(p.getLanding().getType());
        line("prefetch_rows<" + std::to_string(l.getRows()) + ", " +
             std::to_string(tile::landedColumns(l.getCols())) + ">(blk, " + global(p.getName()) + ", " +
             n(p.getLanding()) + ", " + n(p.getStart()) + ", " + n(p.getRow()) + ", " +
             n(p.getHead()) + ", " + n(p.getCol()) + ");");
        return success();
      })
      .Case<tile::LandedOp>([&](tile::LandedOp) {
        line("landed(blk);");
        return success();
      })
      .Case<tile::TakeRowsOp>([&](tile::TakeRowsOp t) {
        auto d = cast<tile::BufType>(t.getDst().getType());
        line("Token " + fresh(t, "k") + " = take_rows<" + std::to_string(d.getRows()) + ", " +
             std::to_string(d.getCols()) + ">(blk, " + global(t.getName()) + ", " +
             n(t.getLanding()) + ", " + n(t.getDst()) + ", " + n(t.getStart()) + ", " +
             n(t.getRow()) + ", " + n(t.getValid()) + ", " + n(t.getHead()) + ", " +
             n(t.getCol()) + ");");
        return success();
      })
      .Case<tile::CopyTileAsyncOp>([&](tile::CopyTileAsyncOp c) -> LogicalResult {
        auto ws = workspaces.find(c.getName().str());
        if (ws == workspaces.end())
          return c.emitOpError("reads workspace '")
                 << c.getName() << "' that no earlier kernel stores";
        line("Token " + fresh(c, "k") + " = copy_tile_async(blk, " +
             global(c.getName()) + ", " + n(c.getDst()) + ", " + n(c.getSeq()) +
             ", " + n(c.getHead()) + ", " + n(c.getChunk()) + ", " +
             n(c.getCol()) + ", " + n(c.getValid()) + ", " +
             std::to_string(ws->second.cols) + ");");
        return success();
      })
      .Case<tile::LoadTileOp>([&](tile::LoadTileOp l) -> LogicalResult {
        auto ws = workspaces.find(l.getName().str());
        if (ws == workspaces.end())
          return l.emitOpError("reads workspace '")
                 << l.getName() << "' that no earlier kernel stores";
        line("load_tile(blk, " + global(l.getName()) + ", " + n(l.getDst()) +
             ", " + n(l.getSeq()) + ", " + n(l.getHead()) + ", " +
             n(l.getChunk()) + ", " + n(l.getCol()) + ", " +
             std::to_string(ws->second.cols) + ");");
        return success();
      })
      .Case<tile::WaitOp>([&](tile::WaitOp w) {
        line("wait(blk, " + n(w.getToken()) + ");");
        return success();
      })
      .Case<tile::BarrierOp>([&](auto) {
        line("barrier(blk);");
        return success();
      })
      .Case<tile::StoreTileOp>([&](tile::StoreTileOp s) -> LogicalResult {
        auto t = cast<tile::BufType>(s.getSrc().getType());
        int64_t slotChunks = static_cast<int64_t>(s.getSlotChunks().value_or(1));
        WorkspaceShape shape{t.getRows(), static_cast<int64_t>(s.getWidth().value_or(t.getCols())),
                             slotChunks};
        auto [it, fresh] = workspaces.try_emplace(s.getName().str(), shape);
        if (!fresh && it->second != shape)
          return s.emitOpError("stores workspace '")
                 << s.getName() << "' as " << shape.rows << "x" << shape.cols
                 << " slots of " << shape.slotChunks
                 << " chunks; an earlier store made them " << it->second.rows
                 << "x" << it->second.cols << " of " << it->second.slotChunks;
        line("store_tile(blk, " + global(s.getName()) + ", " + n(s.getSrc()) +
             ", " + n(s.getSeq()) + ", " + n(s.getHead()) + ", " +
             n(s.getChunk()) + ", " + n(s.getCol()) + ", " +
             std::to_string(shape.cols) + ");");
        return success();
      })
      .Case<tile::LoadParamOp>([&](tile::LoadParamOp l) {
        line("load_param(blk, " + global(l.getName()) + ", " + n(l.getDst()) +
             ", " + n(l.getHead()) + ", " + n(l.getCol()) + ");");
        return success();
      })
      .Case<tile::LoadStateOp>([&](tile::LoadStateOp l) {
        line("load_state(blk, " + n(l.getDst()) + ", " + n(l.getSeq()) + ", " +
             n(l.getHead()) + ", " + n(l.getCol()) + ");");
        return success();
      })
      .Case<tile::StoreStateOp>([&](tile::StoreStateOp s) {
        line("store_state(blk, " + n(s.getSrc()) + ", " + n(s.getSeq()) + ", " +
             n(s.getHead()) + ", " + n(s.getCol()) + ");");
        return success();
      })
      .Case<tile::StoreRowsOp>([&](tile::StoreRowsOp s) {
        line("store_rows(blk, " + global(s.getName()) + ", " + n(s.getSrc()) +
             ", " + n(s.getStart()) + ", " + n(s.getRow()) + ", " +
             n(s.getValid()) + ", " + n(s.getHead()) + ", " + n(s.getCol()) +
             ");");
        return success();
      })
      // tile: compute
      .Case<tile::FillOp>([&](tile::FillOp f) {
        line("fill(blk, " + n(f.getDst()) + ", " + n(f.getValue()) + ");");
        return success();
      })
      .Case<tile::IdentityOp>([&](tile::IdentityOp i) {
        line("identity(blk, " + n(i.getDst()) + ");");
        return success();
      })
      .Case<tile::MaskRowsOp>([&](tile::MaskRowsOp m) {
        line("mask_rows(blk, " + n(m.getDst()) + ", " + n(m.getValid()) + ");");
        return success();
      })
      .Case<tile::EwOp>([&](tile::EwOp e) {
        std::string args = n(e.getDst()) + ", " + n(e.getLhs());
        if (e.getRhs())
          args += ", " + n(e.getRhs());
        line(std::string("ew(blk, ") + ewName(e.getKind()) + ", " + args + ");");
        return success();
      })
      .Case<tile::RowL2NormOp>([&](tile::RowL2NormOp r) {
        line("row_l2norm(blk, " + n(r.getDst()) + ", " + n(r.getSrc()) + ");");
        return success();
      })
      .Case<tile::RowInvNormOp>([&](tile::RowInvNormOp r) {
        line("row_inv_norm(blk, " + n(r.getDst()) + ", " + n(r.getSrc()) + ");");
        return success();
      })
      .Case<tile::RowDotOp>([&](tile::RowDotOp r) {
        line("row_dot(blk, " + n(r.getDst()) + ", " + n(r.getLhs()) + ", " +
             n(r.getRhs()) + ");");
        return success();
      })
      .Case<tile::CumsumOp>([&](tile::CumsumOp c) {
        line("cumsum(blk, " + n(c.getDst()) + ", " + n(c.getSrc()) + ", " +
             b(c.getExclusive()) + ");");
        return success();
      })
      .Case<tile::TransposeOp>([&](tile::TransposeOp t) {
        line("transpose(blk, " + n(t.getDst()) + ", " + n(t.getSrc()) + ");");
        return success();
      })
      .Case<tile::MmaOp>([&](tile::MmaOp m) {
        // (subtract: a trailing `true`, acc -= op(a) op(b).)
        line("mma(blk, " + n(m.getAcc()) + ", " + n(m.getA()) + ", " +
             n(m.getB()) + ", " + b(m.getTransposeA()) + ", " +
             b(m.getTransposeB()) + ", " + b(m.getAccumulate()) + ", " +
             operandName(m.getOperandType()) + (m.getSubtract() ? ", true" : "") + ");");
        return success();
      })
      .Case<tile::CausalMaskOp>([&](tile::CausalMaskOp c) {
        if (c.getRowScale() || c.getColScale())
          line("causal_mask(blk, " + n(c.getDst()) + ", " + scale(c.getRowScale()) + ", " +
               scale(c.getColScale()) + ", " + b(c.getInclusive()) + ");");
        else
          line("causal_mask(blk, " + n(c.getDst()) + ", " + b(c.getInclusive()) + ");");
        return success();
      })
      .Case<tile::DecayMaskOp>([&](tile::DecayMaskOp d) {
        std::string scales;
        if (d.getRowScale() || d.getColScale())
          scales = ", " + scale(d.getRowScale()) + ", " + scale(d.getColScale());
        line("decay_mask(blk, " + n(d.getDst()) + ", " + n(d.getLhsDecay()) +
             ", " + n(d.getRhsDecay()) + scales + ", " + b(d.getInclusive()) + ");");
        return success();
      })
      .Case<tile::GramDiagOp>([&](tile::GramDiagOp g) {
        // The trailing arguments (bound, row blocks) only where set.
        std::string form;
        if (FloatAttr bound = g.getDecayBoundAttr(); bound || g.getRowBlocks())
          form = ", " + floatLiteral(bound ? bound.getValueAsDouble() : 0.0);
        if (g.getRowBlocks())
          form += ", true";
        line("gram_diag(blk, " + n(g.getDst()) + ", " + n(g.getLhs()) + ", " +
             n(g.getRhs()) + ", " + n(g.getLhsDecay()) + ", " +
             n(g.getRhsDecay()) + ", " + b(g.getInclusive()) + ", " +
             operandName(g.getOperandType().value_or(tile::OperandType::f32)) + form + ");");
        return success();
      })
      .Case<tile::TriInvOp>([&](tile::TriInvOp t) {
        line("tri_inv(blk, " + n(t.getDst()) + ", " + n(t.getSrc()) + ");");
        return success();
      })
      .Default([&](Operation *o) {
        return o->emitOpError("is not supported by the C++ emitter");
      });
}

LogicalResult Emitter::emitKernel(tile::KernelOp kernel) {
  // The body first (into a buffer), so the globals it uses can be looked up
  // once at the top.
  std::string body;
  {
    llvm::raw_string_ostream bodyOs(body);
    Emitter inner(bodyOs);
    inner.workspaces = workspaces;
    if (failed(inner.emitBlock(kernel.getBody().front())))
      return failure();
    workspaces = inner.workspaces;
    globalsUsed = inner.globalsUsed;
  }
  os << "LINAC_KERNEL(" << kernel.getSymName() << ") {\n";
  for (auto &g : globalsUsed)
    os << "  const Global *G_" << g.getKey() << " = L.global(\""
       << g.getKey() << "\");\n";
  os << body << "}\n";
  // The launchable entry (a __global__ function on GPU targets).
  if (int64_t blocks = intAttrOrZero(kernel, "blocks_per_sm"); blocks > 1)
    os << "LINAC_ENTRY_SIZED(" << kernel.getSymName() << ", " << kernel.getWarps() * 32
       << ", " << blocks << ")\n\n";
  else
    os << "LINAC_ENTRY(" << kernel.getSymName() << ", " << kernel.getWarps() * 32
       << ")\n\n";
  return success();
}

} // namespace

LogicalResult emitCpp(ModuleOp module, const TargetHooks &target,
                      StringRef variant, StringRef config, int64_t chunk,
                      const KernelSignature &signature, llvm::raw_ostream &os,
                      const std::vector<std::string> &librarySwitches) {
  os << "// Generated by linac: variant " << variant << ", config " << config
     << ", target " << target.name << ".\n";
  // Without fragments nothing big is live across the library's element-wise
  // calls, so one out-of-line copy of each keeps the kernel body's registers
  // free; with fragments the calls would make the kernel save them.
  bool fragments = false;
  module.walk([&](tile::AllocOp a) { fragments |= a->hasAttr("fragment"); });
  if (!fragments)
    os << "#define LINAC_EW_OUTLINED 1\n";
  // The ops read and keep the Block's elision marks only in a module whose
  // barriers tile-elide-barriers left out (the marks cost a load per op).
  bool elides = false;
  module.walk([&](Operation *op) { elides |= op->hasAttr("no_barrier"); });
  if (elides)
    os << "#ifndef LINAC_ELIDE_BARRIERS\n#define LINAC_ELIDE_BARRIERS 1\n#endif\n";
  // Guarded as the library's own defaults are: a define put ahead of the
  // source (bench/variant.sh --define, LINAC_CUDA_DEFINES) still decides.
  for (const std::string &name : librarySwitches)
    os << "#ifndef " << name << "\n#define " << name << " 1\n#endif\n";
  os << "#include \"" << target.header << "\"\n\n";
  if (target.reservedSharedBytes)
    os << "static_assert(::linac::tile::kReservedSharedBytes == "
       << target.reservedSharedBytes
       << ", \"the emitter and the tile library disagree on reserved shared "
          "memory\");\n\n";
  // Kernels have internal linkage (cpu) or are device functions; their
  // entries are extern "C" at file scope so runtimes can find them by name.
  os << "using namespace ::linac::tile;\n\n";
  Emitter emitter(os);
  std::vector<tile::KernelOp> kernels;
  for (auto kernel : module.getOps<tile::KernelOp>()) {
    // A producer warp runs ahead of the consumers by at most the copies in
    // the kernel's text (a prologue and one loop body). Each wants its own
    // mbarrier until it is waited: with more, the library would make a copy
    // wait for an older one, so such kernels are refused instead.
    int64_t copies = 0;
    kernel.walk([&](Operation *op) {
      copies += isa<tile::CopyAsyncOp, tile::CopyTileAsyncOp>(op);
    });
    bool roles = kernel.getWarps() % 4 != 0; // a producer warp
    if (roles && target.maxCopiesInFlight &&
        copies > target.maxCopiesInFlight)
      return kernel.emitError("warp roles: ")
             << copies << " asynchronous copies, the " << target.name
             << " tile library keeps " << target.maxCopiesInFlight
             << " in flight (use roles=off)";
    if (failed(emitter.emitKernel(kernel)))
      return failure();
    kernels.push_back(kernel);
  }
  if (kernels.empty())
    return module.emitError("no tile.kernel to emit");
  // The kernel table is host code; a module compiled by NVRTC (device code
  // only) is described to the runtime by the `// linac:` lines instead.
  for (tile::KernelOp k : kernels) {
    os << "// linac:kernel " << k.getSymName() << "_entry";
    for (int i = 0; i < 3; ++i)
      os << " "
         << (i < static_cast<int>(k.getGrid().size())
                 ? cast<StringAttr>(k.getGrid()[i]).str()
                 : std::string("-"));
    int64_t vt = intAttrOrZero(k, "vtile_cols"),
            seg = intAttrOrZero(k, "segment_chunks");
    KernelMemory mem = kernelMemory(k, target);
    os << " " << vt << " " << seg << " " << mem.sharedBytes << " "
       << mem.regBytes << " " << k.getWarps() * 32 << "\n";
  }
  std::map<std::string, int64_t> elementBytes = workspaceElementBytes(module);
  auto bytesOf = [&](const std::string &name) {
    auto it = elementBytes.find(name);
    return it == elementBytes.end() ? int64_t(4) : it->second;
  };
  for (auto &[name, shape] : emitter.workspaces)
    os << "// linac:workspace " << name << " " << shape.rows << " "
       << shape.cols << " " << shape.slotChunks << " " << bytesOf(name) << "\n";
  os << "// linac:module " << variant << " " << chunk << " " << signature.K
     << " " << signature.V << "\n";
  os << "// linac:config " << config << "\n";
  for (const KernelSignature::Arg &a : signature.args)
    os << "// linac:arg " << a.name << " " << a.isParam << " " << a.perH << " "
       << a.width << "\n";
  os << "#ifndef __CUDACC_RTC__\n";
  os << "static const KernelInfo kKernels[] = {\n";
  for (tile::KernelOp k : kernels) {
    os << "  {\"" << k.getSymName() << "\", {";
    for (int i = 0; i < 3; ++i)
      os << (i ? ", " : "") << "\""
         << (i < static_cast<int>(k.getGrid().size())
                 ? cast<StringAttr>(k.getGrid()[i]).str()
                 : std::string())
         << "\"";
    int64_t vt = intAttrOrZero(k, "vtile_cols"),
            seg = intAttrOrZero(k, "segment_chunks");
    // Memory each block allocates, for targets that reserve it at launch.
    KernelMemory mem = kernelMemory(k, target);
    os << "}, " << vt << ", " << seg << ", " << mem.sharedBytes << ", "
       << mem.regBytes
       << ", LINAC_KERNEL_FN(" << k.getSymName() << ")},\n";
  }
  os << "};\n";
  os << "static const WorkspaceInfo kWorkspaces[] = {\n";
  for (auto &[name, shape] : emitter.workspaces)
    os << "  {\"" << name << "\", " << shape.rows << ", " << shape.cols << ", "
       << shape.slotChunks << ", " << bytesOf(name) << "},\n";
  os << "  {nullptr, 0, 0, 0, 0}\n};\n";
  os << "static const ArgInfo kArgs[] = {\n";
  for (const KernelSignature::Arg &a : signature.args)
    os << "  {\"" << a.name << "\", " << a.isParam << ", " << a.perH << ", "
       << a.width << "},\n";
  os << "  {nullptr, 0, 0, 0}\n};\n\n";
  os << "extern \"C\" const ::linac::tile::ModuleInfo *linac_module() {\n"
     << "  static const ::linac::tile::ModuleInfo info = {\"" << variant
     << "\", \"" << config << "\", " << chunk << ", " << kernels.size()
     << ", kKernels, " << emitter.workspaces.size() << ", kWorkspaces, "
     << signature.K << ", " << signature.V << ", " << signature.args.size()
     << ", kArgs};\n"
     << "  return &info;\n}\n"
     << "extern \"C\" int linac_module_abi() { return ::linac::tile::kModuleAbi; }\n"
     << "#endif\n";
  return success();
}

} // namespace linac
