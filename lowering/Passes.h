//===- Passes.h - linac's lowering passes ----------------------------------===//
#ifndef LINAC_LOWERING_PASSES_H
#define LINAC_LOWERING_PASSES_H

#include "dialect/chunk/IR/ChunkDialect.h"
#include "dialect/tile/IR/TileDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace linac {

#define GEN_PASS_DECL
#include "lowering/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "lowering/Passes.h.inc"

} // namespace linac

#endif
