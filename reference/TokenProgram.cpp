//===- TokenProgram.cpp ---------------------------------------------------===//
#include "reference/TokenProgram.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::lin;
using ExprOp = linac::frontend::Op;

namespace linac {

static int widthOf(Type type, const Dims &dims) {
  if (auto vec = dyn_cast<VecType>(type))
    return static_cast<int>(vec.getExtent() == Extent::K ? dims.K : dims.V);
  return 1;
}

TokenProgram::TokenProgram(Block &block, const Dims &d) : dims(d) {
  int inputIndex = 0, paramIndex = 0;
  for (Operation &op : block) {
    if (op.hasTrait<OpTrait::IsTerminator>())
      break;
    Step s;
    s.width = widthOf(op.getResult(0).getType(), d);
    s.out = static_cast<int>(regs.size());
    regs.emplace_back(static_cast<size_t>(s.width));
    auto operand = [&](unsigned i) {
      return i < op.getNumOperands() ? slot.lookup(op.getOperand(i)) : -1;
    };
    s.a = operand(0);
    s.b = operand(1);
    s.op = llvm::TypeSwitch<Operation *, ExprOp>(&op)
               .Case<InputOp>([&](InputOp in) {
                 s.decl = inputIndex++;
                 s.perH = in.getHeads() == HeadGroup::H;
                 return ExprOp::Input;
               })
               .Case<ParamOp>([&](ParamOp) {
                 s.decl = paramIndex++;
                 return ExprOp::Param;
               })
               .Case<ConstantOp>([&](ConstantOp c) {
                 s.value = c.getValue().convertToDouble();
                 return ExprOp::Const;
               })
               .Case<ScaleOp>([](auto) { return ExprOp::Scale; })
               .Case<NegOp>([](auto) { return ExprOp::Neg; })
               .Case<ExpOp>([](auto) { return ExprOp::Exp; })
               .Case<LogOp>([](auto) { return ExprOp::Log; })
               .Case<SqrtOp>([](auto) { return ExprOp::Sqrt; })
               .Case<SigmoidOp>([](auto) { return ExprOp::Sigmoid; })
               .Case<LogSigmoidOp>([](auto) { return ExprOp::LogSigmoid; })
               .Case<SoftplusOp>([](auto) { return ExprOp::Softplus; })
               .Case<SiluOp>([](auto) { return ExprOp::Silu; })
               .Case<L2NormOp>([](auto) { return ExprOp::L2Norm; })
               .Case<AddOp>([](auto) { return ExprOp::Add; })
               .Case<SubOp>([](auto) { return ExprOp::Sub; })
               .Case<MulOp>([](auto) { return ExprOp::Mul; })
               .Case<DivOp>([](auto) { return ExprOp::Div; })
               .Case<MaxOp>([](auto) { return ExprOp::Max; })
               .Case<MinOp>([](auto) { return ExprOp::Min; })
               .Case<DotOp>([](auto) { return ExprOp::Dot; })
               .Case<InvNormOp>([](auto) { return ExprOp::InvNorm; })
               .Default([](auto) { return ExprOp::Const; });
    slot[op.getResult(0)] = s.out;
    steps.push_back(s);
  }
}

void TokenProgram::run(const Problem &p, int64_t b, int64_t t, int64_t hv) {
  const int64_t G = dims.HV / dims.H;
  for (const Step &s : steps) {
    std::vector<double> &out = regs[s.out];
    const int W = s.width;
    auto arg = [&](int r, int i) {
      return regs[r].size() == 1 ? regs[r][0] : regs[r][i];
    };
    switch (s.op) {
    case ExprOp::Input: {
      int64_t heads = s.perH ? dims.H : dims.HV, h = s.perH ? hv / G : hv;
      const double *src =
          p.inputs[s.decl].data.data() + ((b * dims.T + t) * heads + h) * W;
      std::copy(src, src + W, out.begin());
      break;
    }
    case ExprOp::Param: {
      const double *src = p.params[s.decl].data.data() + hv * W;
      std::copy(src, src + W, out.begin());
      break;
    }
    case ExprOp::Const: out[0] = s.value; break;
    case ExprOp::Scale: out[0] = p.scale; break;
    case ExprOp::L2Norm: {
      double ss = 0;
      for (int i = 0; i < W; ++i)
        ss += regs[s.a][i] * regs[s.a][i];
      double inv = 1.0 / std::sqrt(ss + frontend::kL2NormEps);
      for (int i = 0; i < W; ++i)
        out[i] = regs[s.a][i] * inv;
      break;
    }
    case ExprOp::InvNorm: {
      double ss = 0;
      for (double x : regs[s.a])
        ss += x * x;
      out[0] = 1.0 / std::sqrt(ss + frontend::kL2NormEps);
      break;
    }
    case ExprOp::Dot: {
      double acc = 0;
      for (size_t i = 0; i < regs[s.a].size(); ++i)
        acc += regs[s.a][i] * regs[s.b][i];
      out[0] = acc;
      break;
    }
    default:
      if (frontend::isUnary(s.op)) {
        for (int i = 0; i < W; ++i)
          out[i] = frontend::applyUnary(s.op, arg(s.a, i));
      } else {
        for (int i = 0; i < W; ++i)
          out[i] = frontend::applyBinary(s.op, arg(s.a, i), arg(s.b, i));
      }
    }
  }
}

} // namespace linac
