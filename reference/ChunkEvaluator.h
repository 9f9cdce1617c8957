//===- ChunkEvaluator.h - float64 evaluation of chunk.scan -----------------===//
//
// Runs the chunked algorithm exactly as the chunk IR states it, in float64,
// chunk by chunk (Gram matrices in sub-blocks with reference points, as the
// kernels will). Agreement with the token-by-token reference checks the
// lin -> chunk lowering independently of any kernel.
//
//===----------------------------------------------------------------------===//
#ifndef LINAC_REFERENCE_CHUNKEVALUATOR_H
#define LINAC_REFERENCE_CHUNKEVALUATOR_H

#include "dialect/chunk/IR/ChunkDialect.h"
#include "reference/Problem.h"

namespace linac {

/// Returns an error message, empty on success. `problem` must have been made
/// for the lin.variant the scan was lowered from. With `operands` other than
/// "f32", the operands of every matmul and Gram matrix are rounded to that
/// precision first ("tf32", "bf16", "f16"): a plain tensor-core-style
/// implementation, the yardstick of MATH.md §3 for such kernels.
std::string runChunked(mlir::chunk::ScanOp scan, const Problem &problem,
                       Result &result, const std::string &operands = "f32");

} // namespace linac

#endif
