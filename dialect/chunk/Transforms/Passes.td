//===- Passes.td - transforms on the chunk dialect -------------------------===//
#ifndef LINAC_CHUNK_PASSES_TD
#define LINAC_CHUNK_PASSES_TD

include "mlir/Pass/PassBase.td"

def ChunkFactorNorms : Pass<"chunk-factor-norms", "::mlir::chunk::ScanOp"> {
  let summary = "Yield L2-normalised vectors as the vector and its inverse norm";
  let description = [{
    A per-token value `l2norm(x) * s` (s: scalars, element-wise vector
    factors and negations allowed around it) is yielded as the vector built
    without the norm and the scalar column `inv_norm(x) * s`; the chunk body
    multiplies them back (`chunk.mul`), so the scan computes the same values.
    With chunk-push-row-scaling after it, the column moves into the chunk's
    products and the normalised tile is never formed (config norms=factor).
    With `scaled-inputs`, an input vector times scalars is factored the same
    way (config scales=factor).
  }];
  let dependentDialects = ["::mlir::lin::LinDialect"];
  let options = [
    Option<"corrupt", "corrupt", "std::string", "\"\"",
           "test only: drop-norm (the columns leave out the inverse norms), "
           "drop-scale (a scaled input's column leaves out its scalars)">,
    Option<"norms", "norms", "bool", "true",
           "factor normalised vectors (config norms=factor)">,
    Option<"scaledInputs", "scaled-inputs", "bool", "false",
           "also an input vector times scalars (y = v * beta) as the input and "
           "the column of its scalars (config scales=factor)">,
  ];
}

def ChunkPushRowScaling : Pass<"chunk-push-row-scaling", "::mlir::chunk::ScanOp"> {
  let summary = "Move row scalings of per-token tiles into the products that read them";
  let description = [{
    `diag(c) X` (a per-token tile X times a C x 1 column c) is carried as
    the pair (X, c) through element-wise products and negation, and a
    product that reads it takes X itself: `gram(diag(a) L, diag(b) R) =
    diag(a) gram(L, R) diag(b)` (the Gram op's `rows`/`cols` scales); `(diag(c) X) Y = diag(c) (X Y)`;
    `(diag(c) X)^T Y = X^T (diag(c) Y)` and `Y (diag(c) X) = (Y diag(c)) X`
    (the column onto the other operand, or onto the smaller when both are
    scaled). Products that depend on the state are left as they are: the
    state's sequential part does no element-wise work it did not do before.
    Where a scaled tile is still read (by anything else), one `chunk.mul` of
    X and the product of its columns makes it. Dead ops are removed.
    With `state-products` (config push=state), a product that depends on the
    state and reads a row-scaled lhs scales its result's rows instead
    (`(diag(c) Q) S = diag(c) (Q S)`; the state's operand is never scaled).
  }];
  let options = [
    Option<"stateProducts", "state-products", "bool", "false",
           "also the rows of state-dependent products' results (config push=state)">,
  ];
}

def ChunkLateInverse : Pass<"chunk-late-inverse", "::mlir::chunk::ScanOp"> {
  let summary = "The delta rules' inverse applied after the state product";
  let description = [{
    Where the chunked delta rule forms W = T X and U = T Y only for
    V' = U - W S (T the unit lower inverse), V' becomes T (Y - X S); the
    general erase's U = W S + T (A Y) becomes T (X S + A Y): one
    C x C x K product fewer a chunk and no W tile, with T applied after the
    state product, in the chunk's sequential part (config inverse=late, for
    the fused kernel). The values are the same; the 16-bit operands' rounding
    moves.
  }];
}

#endif
