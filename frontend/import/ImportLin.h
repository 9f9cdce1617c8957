//===- ImportLin.h - the frontend's normal form as `lin` IR ----------------===//
#ifndef LINAC_FRONTEND_IMPORTLIN_H
#define LINAC_FRONTEND_IMPORTLIN_H

#include "frontend/Sema.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/SourceMgr.h"

namespace linac {

/// Builds a module holding one lin.variant. Every declared input and
/// parameter appears (in declaration order), then the pre-processing ops
/// that the normal form needs, then lin.recur.
mlir::OwningOpRef<mlir::ModuleOp>
importRecurrence(const frontend::Recurrence &rec, llvm::StringRef fileName,
                 mlir::MLIRContext *context);

/// Reads a .lin buffer from `sourceMgr`, reports frontend diagnostics through
/// MLIR's diagnostic engine (file:line:col, caret line) and imports it.
mlir::OwningOpRef<mlir::ModuleOp> parseLinFile(llvm::SourceMgr &sourceMgr,
                                               mlir::MLIRContext *context);

} // namespace linac

#endif
