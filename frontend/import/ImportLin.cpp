//===- ImportLin.cpp ------------------------------------------------------===//
#include "frontend/import/ImportLin.h"
#include "dialect/lin/IR/LinDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

#include <cstring>
#include <functional>

using namespace mlir;
using namespace linac::frontend;

namespace linac {

static lin::Domain toLin(Domain d) {
  switch (d) {
  case Domain::Real: return lin::Domain::real;
  case Domain::LogDecay: return lin::Domain::logdecay;
  case Domain::Unit: return lin::Domain::unit;
  }
  return lin::Domain::real;
}

static lin::DecayKind toLin(DecayKind k) {
  switch (k) {
  case DecayKind::None: return lin::DecayKind::none;
  case DecayKind::Constant: return lin::DecayKind::constant;
  case DecayKind::Scalar: return lin::DecayKind::scalar;
  case DecayKind::Channel: return lin::DecayKind::channel;
  }
  return lin::DecayKind::none;
}

static lin::EraseKind toLin(EraseKind k) {
  switch (k) {
  case EraseKind::None: return lin::EraseKind::none;
  case EraseKind::Delta: return lin::EraseKind::delta;
  case EraseKind::General: return lin::EraseKind::general;
  }
  return lin::EraseKind::none;
}

OwningOpRef<ModuleOp> importRecurrence(const Recurrence &rec,
                                       StringRef fileName,
                                       MLIRContext *context) {
  context->getOrLoadDialect<lin::LinDialect>();
  auto locOf = [&](Loc l) {
    return FileLineColLoc::get(context, fileName, l.line, l.col);
  };
  OpBuilder builder(context);
  OwningOpRef<ModuleOp> module = ModuleOp::create(locOf(rec.loc));
  builder.setInsertionPointToEnd(module->getBody());
  auto variant = lin::VariantOp::create(
      builder, locOf(rec.loc), builder.getStringAttr(rec.name),
      lin::DecayKindAttr::get(context, toLin(rec.decay)),
      lin::EraseKindAttr::get(context, toLin(rec.erase)),
      rec.gLowerBound ? builder.getF64FloatAttr(*rec.gLowerBound) : FloatAttr(),
      builder.getStrArrayAttr(
          SmallVector<StringRef>(rec.prep.begin(), rec.prep.end())));
  Block *body = builder.createBlock(&variant.getBody());
  builder.setInsertionPointToEnd(body);

  auto typeOf = [&](Extent e) -> Type {
    if (e == Extent::Scalar)
      return lin::ScalarType::get(context);
    return lin::VecType::get(context, e == Extent::K ? lin::Extent::K
                                                     : lin::Extent::V);
  };

  // Emission order must not depend on how the source spelled things (the
  // pool numbers nodes in creation order), so that two spellings of one
  // recurrence print the same IR: order by a structural hash, operands of
  // commutative ops included.
  const ExprPool &pool = rec.pool;
  std::vector<uint64_t> hash(pool.size());
  auto mix = [](uint64_t h, uint64_t x) {
    h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
  };
  auto isCommutative = [](frontend::Op op) {
    return op == frontend::Op::Add || op == frontend::Op::Mul ||
           op == frontend::Op::Max || op == frontend::Op::Min ||
           op == frontend::Op::Dot;
  };
  for (size_t id = 0; id < pool.size(); ++id) {
    const ExprNode &n = pool[id];
    uint64_t h = mix(static_cast<uint64_t>(n.op), static_cast<uint64_t>(n.type));
    h = mix(h, static_cast<uint64_t>(n.decl + 1));
    uint64_t bits;
    std::memcpy(&bits, &n.value, sizeof bits);
    h = mix(h, bits);
    uint64_t ha = n.a >= 0 ? hash[n.a] : 0, hb = n.b >= 0 ? hash[n.b] : 0;
    if (isCommutative(n.op) && ha > hb)
      std::swap(ha, hb);
    hash[id] = mix(mix(h, ha), hb);
  }
  auto operandsInOrder = [&](ExprId id) {
    const ExprNode &n = pool[id];
    std::pair<ExprId, ExprId> ops{n.a, n.b};
    if (isCommutative(n.op) && hash[n.a] > hash[n.b])
      std::swap(ops.first, ops.second);
    return ops;
  };
  std::vector<ExprId> order;
  std::vector<char> visited(pool.size(), 0);
  // Depth-first post-order; the pool bounds expression depth, so recursion
  // stays shallow.
  std::function<void(ExprId)> visit = [&](ExprId id) {
    if (id < 0 || visited[id])
      return;
    visited[id] = 1;
    auto [a, b] = operandsInOrder(id);
    visit(a);
    visit(b);
    order.push_back(id);
  };
  for (ExprId root : {rec.g, rec.eraseA, rec.eraseB, rec.key, rec.value,
                      rec.query})
    visit(root);

  std::vector<mlir::Value> values(pool.size());
  for (size_t i = 0; i < rec.decls.size(); ++i) {
    const Decl &d = rec.decls[i];
    Location loc = locOf(d.loc);
    auto domain = lin::DomainAttr::get(context, toLin(d.domain));
    mlir::Value v;
    if (d.isParam)
      v = lin::ParamOp::create(builder, loc, typeOf(d.extent), builder.getStringAttr(d.name), domain);
    else
      v = lin::InputOp::create(
          builder, loc, typeOf(d.extent), builder.getStringAttr(d.name),
          lin::HeadGroupAttr::get(context, d.heads == HeadGroup::H
                                               ? lin::HeadGroup::H
                                               : lin::HeadGroup::HV),
          domain);
    values[rec.declExprs[i]] = v;
  }
  for (ExprId id : order) {
    const ExprNode &n = pool[id];
    if (values[id])
      continue;
    Location loc = locOf(n.loc);
    Type type = typeOf(n.type);
    auto [ia, ib] = operandsInOrder(id);
    mlir::Value a = ia >= 0 ? values[ia] : mlir::Value();
    mlir::Value b = ib >= 0 ? values[ib] : mlir::Value();
    mlir::Value v;
    switch (n.op) {
    case frontend::Op::Const:
      v = lin::ConstantOp::create(builder, loc, builder.getF64FloatAttr(n.value));
      break;
    case frontend::Op::Scale: v = lin::ScaleOp::create(builder, loc, type); break;
    case frontend::Op::Neg: v = lin::NegOp::create(builder, loc, type, a); break;
    case frontend::Op::Exp: v = lin::ExpOp::create(builder, loc, type, a); break;
    case frontend::Op::Log: v = lin::LogOp::create(builder, loc, type, a); break;
    case frontend::Op::Sqrt: v = lin::SqrtOp::create(builder, loc, type, a); break;
    case frontend::Op::Sigmoid: v = lin::SigmoidOp::create(builder, loc, type, a); break;
    case frontend::Op::LogSigmoid: v = lin::LogSigmoidOp::create(builder, loc, type, a); break;
    case frontend::Op::Softplus: v = lin::SoftplusOp::create(builder, loc, type, a); break;
    case frontend::Op::Silu: v = lin::SiluOp::create(builder, loc, type, a); break;
    case frontend::Op::L2Norm: v = lin::L2NormOp::create(builder, loc, type, a); break;
    case frontend::Op::Add: v = lin::AddOp::create(builder, loc, type, a, b); break;
    case frontend::Op::Sub: v = lin::SubOp::create(builder, loc, type, a, b); break;
    case frontend::Op::Mul: v = lin::MulOp::create(builder, loc, type, a, b); break;
    case frontend::Op::Div: v = lin::DivOp::create(builder, loc, type, a, b); break;
    case frontend::Op::Max: v = lin::MaxOp::create(builder, loc, type, a, b); break;
    case frontend::Op::Min: v = lin::MinOp::create(builder, loc, type, a, b); break;
    case frontend::Op::Dot: v = lin::DotOp::create(builder, loc, type, a, b); break;
    case frontend::Op::InvNorm: v = lin::InvNormOp::create(builder, loc, type, a); break;
    case frontend::Op::Input:
    case frontend::Op::Param: break; // emitted above
    }
    values[id] = v;
  }
  auto get = [&](ExprId id) {
    return id >= 0 ? values[id] : mlir::Value();
  };
  lin::RecurOp::create(builder, locOf(rec.loc), get(rec.g), get(rec.eraseA),
                       get(rec.eraseB), get(rec.key), get(rec.value),
                       get(rec.query));
  return module;
}

OwningOpRef<ModuleOp> parseLinFile(llvm::SourceMgr &sourceMgr,
                                   MLIRContext *context) {
  const llvm::MemoryBuffer *buffer =
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
  StringRef fileName = buffer->getBufferIdentifier();
  frontend::Diagnostics diags;
  auto rec = compileSource(buffer->getBuffer(), diags);
  for (const frontend::Diagnostic &d : diags.all()) {
    Location loc = FileLineColLoc::get(context, fileName, d.loc.line, d.loc.col);
    if (d.severity == Severity::Error)
      emitError(loc, d.message);
    else if (d.severity == Severity::Warning)
      emitWarning(loc, d.message);
    else
      emitRemark(loc, d.message);
  }
  if (!rec)
    return nullptr;
  auto module = importRecurrence(*rec, fileName, context);
  if (failed(mlir::verify(*module)))
    return nullptr;
  return module;
}

} // namespace linac
