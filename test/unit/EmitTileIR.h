//===- EmitTileIR.h - unit-test helper: tile IR text to CUDA source -------===//
#ifndef LINAC_TEST_UNIT_EMITTILEIR_H
#define LINAC_TEST_UNIT_EMITTILEIR_H

#include "codegen/EmitCpp.h"
#include "dialect/tile/IR/TileDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace linac::test {

/// Emits tile IR text for the CUDA target; returns the source, or "" with
/// the diagnostics in `errors`.
inline std::string emitCudaSource(const char *ir, std::string &errors) {
  mlir::MLIRContext ctx;
  ctx.loadDialect<mlir::tile::TileDialect, mlir::scf::SCFDialect,
                  mlir::arith::ArithDialect>();
  llvm::raw_string_ostream es(errors);
  mlir::ScopedDiagnosticHandler handler(&ctx, [&](mlir::Diagnostic &d) {
    es << d.str() << "\n";
    return mlir::success();
  });
  auto module = mlir::parseSourceString<mlir::ModuleOp>(ir, &ctx);
  if (!module)
    return "";
  std::string out;
  llvm::raw_string_ostream os(out);
  linac::KernelSignature sig;
  if (mlir::failed(linac::emitCpp(*module, linac::cudaTarget(), "t", "c", 64, sig, os)))
    return "";
  return out;
}

} // namespace linac::test

#endif
