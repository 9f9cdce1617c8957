//===- Passes.h - transforms on the chunk dialect --------------------------===//
#ifndef LINAC_DIALECT_CHUNK_TRANSFORMS_PASSES_H
#define LINAC_DIALECT_CHUNK_TRANSFORMS_PASSES_H

#include "dialect/chunk/IR/ChunkDialect.h"

#include "mlir/Pass/Pass.h"

namespace linac {

#define GEN_PASS_DECL
#include "dialect/chunk/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "dialect/chunk/Transforms/Passes.h.inc"

} // namespace linac

#endif
