//===- TileDialect.cpp - types and verifiers of `tile` --------------------===//
#include "dialect/tile/IR/TileDialect.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::tile;

#include "dialect/tile/IR/TileDialect.cpp.inc"
#include "dialect/tile/IR/TileEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialect/tile/IR/TileAttrs.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "dialect/tile/IR/TileTypes.cpp.inc"

#define GET_OP_CLASSES
#include "dialect/tile/IR/TileOps.cpp.inc"

void TileDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialect/tile/IR/TileOps.cpp.inc"
      >();
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialect/tile/IR/TileTypes.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialect/tile/IR/TileAttrs.cpp.inc"
      >();
}

// !tile.buf<shared, 64x128xf32, stages = 2>
Type BufType::parse(AsmParser &parser) {
  StringRef spaceName;
  SmallVector<int64_t, 2> dims;
  Type element;
  int64_t stages = 1;
  if (parser.parseLess() || parser.parseKeyword(&spaceName) ||
      parser.parseComma() ||
      parser.parseDimensionList(dims, /*allowDynamic=*/false) ||
      parser.parseType(element))
    return {};
  std::optional<Space> space = symbolizeSpace(spaceName);
  if (!space) {
    parser.emitError(parser.getNameLoc(), "expected reg or shared");
    return {};
  }
  if (dims.size() != 2) {
    parser.emitError(parser.getNameLoc(), "a tile has two dimensions");
    return {};
  }
  if (succeeded(parser.parseOptionalComma()))
    if (parser.parseKeyword("stages") || parser.parseEqual() ||
        parser.parseInteger(stages))
      return {};
  if (parser.parseGreater())
    return {};
  return BufType::get(parser.getContext(), *space, dims[0], dims[1], element,
                      stages);
}

void BufType::print(AsmPrinter &printer) const {
  printer << "<" << stringifySpace(getSpace()) << ", " << getRows() << "x"
          << getCols() << "x" << getElementType();
  if (getStages() != 1)
    printer << ", stages = " << getStages();
  printer << ">";
}

static BufType bufOf(Value v) { return cast<BufType>(v.getType()); }

/// Every op that touches `v` through stages and views, with the value it
/// uses.
static void usesThroughViews(Value v, SmallVectorImpl<OpOperand *> &out) {
  for (OpOperand &use : v.getUses()) {
    Operation *user = use.getOwner();
    if (isa<StageOp, ViewOp>(user))
      usesThroughViews(user->getResult(0), out);
    else
      out.push_back(&use);
  }
}

LogicalResult AllocOp::verify() {
  BufType t = bufOf(getResult());
  if (t.getElementType().isF32())
    return success();
  if (!t.getElementType().isBF16())
    return emitOpError("elements must be f32 or bf16, got ") << t.getElementType();
  if (t.getSpace() != Space::shared || getOperation()->hasAttr("fragment"))
    return emitOpError("a bf16 tile must be in shared memory");
  SmallVector<OpOperand *> uses;
  usesThroughViews(getResult(), uses);
  // Two kinds of bf16 tile. A stored one (tile-store-16bit) holds values
  // rounded to bf16, which only a bf16 matmul (rounding them anyway) may
  // read. An input stage (tile-inputs-16bit) holds a bf16 input's values as
  // they are, exactly: element-wise ops and row norms may read it too.
  bool inputStage = llvm::any_of(uses, [](OpOperand *use) {
    auto copy = dyn_cast<CopyAsyncOp>(use->getOwner());
    return copy && use->get() == copy.getDst();
  });
  for (OpOperand *use : uses) {
    Operation *user = use->getOwner();
    unsigned i = use->getOperandNumber();
    if (auto mma = dyn_cast<MmaOp>(user);
        mma && i > 0 && mma.getOperandType() == OperandType::bf16)
      continue;
    if (inputStage) {
      if (isa<CopyAsyncOp>(user) && use->get() == cast<CopyAsyncOp>(user).getDst())
        continue;
      if ((isa<EwOp>(user) && i > 0) || (isa<RowL2NormOp, RowInvNormOp>(user) && i == 1) ||
          (isa<GramDiagOp>(user) && (i == 1 || i == 2)))
        continue;
      return user->emitOpError("uses a bf16 input stage, which only tile.copy_async may "
                               "write and only element-wise ops, row norms, Gram blocks' "
                               "operands and bf16 matmuls may read");
    }
    if (auto ew = dyn_cast<EwOp>(user);
        ew && i == 0 && ew.getKind() == EwKind::copy && !bufOf(ew.getLhs()).getElementType().isBF16())
      continue;
    if (isa<CopyTileAsyncOp>(user) && use->get() == cast<CopyTileAsyncOp>(user).getDst())
      continue;
    return user->emitOpError("uses a bf16 tile, which only an element-wise copy or "
                             "tile.copy_tile_async may write and only a bf16 matmul "
                             "may read (as an operand)");
  }
  return success();
}

LogicalResult StageOp::verify() {
  BufType in = bufOf(getBuffer()), out = bufOf(getResult());
  if (out.getStages() != 1 || out.getRows() != in.getRows() ||
      out.getCols() != in.getCols() || out.getSpace() != in.getSpace() ||
      out.getElementType() != in.getElementType())
    return emitOpError("result must be one stage of the buffer");
  return success();
}

LogicalResult ViewOp::verify() {
  BufType in = bufOf(getBuffer()), out = bufOf(getResult());
  if (in.getStages() != 1)
    return emitOpError("select a stage before taking a view");
  if (getRow() < 0 || getCol() < 0 || getRow() + out.getRows() > in.getRows() ||
      getCol() + out.getCols() > in.getCols())
    return emitOpError("view [") << getRow() << ", " << getCol() << "] of "
                                 << out.getRows() << "x" << out.getCols()
                                 << " is outside " << in.getRows() << "x"
                                 << in.getCols();
  if (out.getSpace() != in.getSpace() || out.getStages() != 1 ||
      out.getElementType() != in.getElementType())
    return emitOpError("a view keeps the buffer's space and element type");
  return success();
}

LogicalResult CopyAsyncOp::verify() {
  if (bufOf(getDst()).getSpace() != Space::shared)
    return emitOpError("copies into shared memory only");
  if (bufOf(getDst()).getStages() != 1)
    return emitOpError("copies into one stage (use tile.stage)");
  return success();
}

/// A landing buffer for rows x cols 16-bit values: shared, one stage,
/// rows x landingColumnsFor(cols) fp32 elements.
static LogicalResult verifyLanding(Operation *op, BufType landing, int64_t rows,
                                   int64_t cols) {
  if (landing.getSpace() != Space::shared || landing.getStages() != 1)
    return op->emitOpError("lands rows in a one-stage shared buffer");
  int64_t need = landingColumnsFor(cols);
  if (need == 0 || landing.getRows() != rows || landing.getCols() != need)
    return op->emitOpError("a landing buffer of ")
           << landing.getRows() << " x " << landing.getCols()
           << " fp32 elements does not hold " << rows << " rows of " << cols
           << " 16-bit values (one per row, or a multiple of 8)";
  return success();
}

LogicalResult PrefetchRowsOp::verify() {
  BufType l = bufOf(getLanding());
  return verifyLanding(*this, l, l.getRows(), landedColumns(l.getCols()));
}

LogicalResult TakeRowsOp::verify() {
  BufType d = bufOf(getDst());
  auto alloc = getDst().getDefiningOp<AllocOp>();
  bool fragment = alloc && alloc->hasAttr("fragment");
  if ((d.getSpace() != Space::shared && !fragment) || d.getStages() != 1)
    return emitOpError("takes rows into one shared stage or a fragment");
  return verifyLanding(*this, bufOf(getLanding()), d.getRows(), d.getCols());
}

LogicalResult StoreTileOp::verify() {
  auto width = getWidth();
  if (width && static_cast<int64_t>(*width) < 1)
    return emitOpError("a slot must have at least one column, got ")
           << static_cast<int64_t>(*width);
  auto slotChunks = getSlotChunks();
  if (slotChunks && static_cast<int64_t>(*slotChunks) < 1)
    return emitOpError("a slot must stand for at least one chunk, got ")
           << static_cast<int64_t>(*slotChunks);
  if (width && static_cast<int64_t>(*width) < bufOf(getSrc()).getCols())
    return emitOpError("a slot of ") << *width << " columns cannot hold a tile of "
                                     << bufOf(getSrc()).getCols();
  return success();
}

LogicalResult EwOp::verify() {
  BufType d = bufOf(getDst()), a = bufOf(getLhs());
  bool binary = getKind() >= EwKind::add;
  if (binary != static_cast<bool>(getRhs()))
    return emitOpError(binary ? "needs two operands" : "takes one operand");
  auto fits = [&](BufType x) {
    return (x.getRows() == d.getRows() || x.getRows() == 1) &&
           (x.getCols() == d.getCols() || x.getCols() == 1);
  };
  if (!fits(a) || (getRhs() && !fits(bufOf(getRhs()))))
    return emitOpError("operands must match ")
           << d.getRows() << "x" << d.getCols() << " or broadcast to it";
  return success();
}

/// A mask's row and column scales: a column of dst's rows, one of its
/// columns.
static LogicalResult verifyMaskScales(Operation *op, Value dst, Value rows, Value cols) {
  BufType d = bufOf(dst);
  if (rows && (bufOf(rows).getRows() != d.getRows() || bufOf(rows).getCols() != 1))
    return op->emitOpError("row scale must be ") << d.getRows() << "x1";
  if (cols && (bufOf(cols).getRows() != d.getCols() || bufOf(cols).getCols() != 1))
    return op->emitOpError("column scale must be ") << d.getCols() << "x1";
  return success();
}

LogicalResult CausalMaskOp::verify() {
  return verifyMaskScales(*this, getDst(), getRowScale(), getColScale());
}

LogicalResult DecayMaskOp::verify() {
  return verifyMaskScales(*this, getDst(), getRowScale(), getColScale());
}

LogicalResult MmaOp::verify() {
  BufType c = bufOf(getAcc()), a = bufOf(getA()), b = bufOf(getB());
  int64_t m = getTransposeA() ? a.getCols() : a.getRows();
  int64_t ka = getTransposeA() ? a.getRows() : a.getCols();
  int64_t kb = getTransposeB() ? b.getCols() : b.getRows();
  int64_t n = getTransposeB() ? b.getRows() : b.getCols();
  if (ka != kb)
    return emitOpError("contracts ") << ka << " with " << kb;
  if (c.getRows() != m || c.getCols() != n)
    return emitOpError("accumulator must be ") << m << "x" << n;
  // Registers or shared memory (tile-promote-shared moves hot tiles); one
  // stage: a pipelined copy destination is not an accumulator.
  if (c.getStages() != 1)
    return emitOpError("accumulates into a one-stage buffer");
  if (getSubtract() && !getAccumulate())
    return emitOpError("subtracts only from an accumulator it reads (accumulate)");
  return success();
}

int64_t mlir::tile::rowPitch(BufType t, Operation *where) {
  auto kernel = isa_and_nonnull<KernelOp>(where) ? cast<KernelOp>(where)
                : where ? where->getParentOfType<KernelOp>() : KernelOp();
  auto pad = kernel ? kernel->getAttrOfType<IntegerAttr>("pad_rows") : IntegerAttr();
  // Landing buffers (tile-prefetch-inputs) hold dense rows of halves.
  if (isa_and_nonnull<AllocOp>(where) && where->hasAttr("landing"))
    return t.getCols();
  if (t.getSpace() != Space::shared || t.getRows() < 2)
    return t.getCols();
  if (t.getElementType().isF32())
    return pad && t.getCols() % 32 == 0 ? t.getCols() + pad.getInt() : t.getCols();
  auto pad16 = kernel ? kernel->getAttrOfType<IntegerAttr>("pad_rows16") : IntegerAttr();
  return pad16 && t.getCols() % 64 == 0 ? t.getCols() + pad16.getInt() : t.getCols();
}

int64_t mlir::tile::bufferBytes(BufType t, Operation *where) {
  const int64_t element = t.getElementType().isF32() ? 4 : 2;
  return (t.getRows() * rowPitch(t, where) * t.getStages() * element + 15) / 16 * 16;
}
