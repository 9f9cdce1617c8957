//===- ChunkOps.td - the `chunk` dialect: chunk-level algebra ------------===//
//
// The chunked WY/UT algorithm of MATH.md §2 and §2b, per (sequence, value
// head), with value semantics on static tensors: C x D per-token tiles of a
// chunk (D in {1, K, V}), C x C Gram matrices, the K x V state. One
// `chunk.scan` is the whole recurrence: its body is one chunk step, affine in
// the state it receives; everything in the body that does not depend on the
// state is parallel across chunks.
//
// The ops are chosen so that their adjoints are again chunk-level algebra,
// for the backward pass to be derived here by reverse-mode differentiation:
// matmul -> matmuls; gram -> masked products of the incoming gradient with
// the (decayed) operands; unit_lower_inverse T -> -T^T dT T^T restricted to
// the strictly lower part; cumsum -> cumsum with `reverse`; exp -> mul;
// last_row -> the row placed in a zero tile. That derivation will add the
// two small ops it needs (a causal mask of a C x C tile, placing a row).
//
//===----------------------------------------------------------------------===//

#ifndef CHUNK_OPS_TD
#define CHUNK_OPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/IR/BuiltinTypes.td"

def Chunk_Dialect : Dialect {
  let name = "chunk";
  let cppNamespace = "::mlir::chunk";
  let summary = "Chunk-level algebra of the chunked (WY/UT) recurrence";
  let dependentDialects = ["::mlir::lin::LinDialect"];
  let useDefaultAttributePrinterParser = 1;
}

def Chunk_Mask : I32EnumAttr<"Mask", "causal mask of a Gram matrix", [
    I32EnumAttrCase<"strict", 0>, I32EnumAttrCase<"inclusive", 1>]> {
  let cppNamespace = "::mlir::chunk";
  let genSpecializedAttr = 0;
}
def Chunk_MaskAttr : EnumAttr<Chunk_Dialect, Chunk_Mask, "mask">;

class Chunk_Op<string mnemonic, list<Trait> traits = []>
    : Op<Chunk_Dialect, mnemonic, traits>;

def Chunk_Tile : 2DTensorOf<[F32]>;

def Chunk_ScanOp : Chunk_Op<"scan", [Symbol, IsolatedFromAbove,
    SingleBlock]> {
  let summary = "the recurrence as a scan of chunk steps over each sequence";
  let description = [{
    For every sequence and value head: `S = h0` (or zero); for each chunk of
    `chunk_size` tokens (the last one may be shorter), the body maps the
    state entering the chunk (its block argument, K x V) to the state leaving
    it and the chunk's outputs (C x V); `S` at the end is the final state.
    Rows of a tail chunk past the sequence's end are zero in every per-token
    tile (see chunk.per_token), so they contribute nothing.

    `sub_block` is the block size of the safe evaluation of per-channel
    decayed Gram matrices (MATH.md §3).

    ```mlir
    chunk.scan @gdn attributes {chunk_size = 64, key_dim = 128,
                                value_dim = 128, sub_block = 16} {
    ^bb0(%S: tensor<128x128xf32>):
      ...
      chunk.yield %S_next, %o : tensor<128x128xf32>, tensor<64x128xf32>
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       I64Attr:$chunk_size, I64Attr:$key_dim, I64Attr:$value_dim,
                       I64Attr:$sub_block);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$sym_name attr-dict-with-keyword $body";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::BlockArgument getState() { return getBody().front().getArgument(0); }
  }];
}

def Chunk_YieldOp : Chunk_Op<"yield", [Terminator, HasParent<"ScanOp">, Pure]> {
  let summary = "the state leaving the chunk and the chunk's outputs";
  let arguments = (ins Chunk_Tile:$next_state, Chunk_Tile:$output);
  let assemblyFormat = "$next_state `,` $output attr-dict `:` type($next_state) `,` type($output)";
}

def Chunk_PerTokenOp : Chunk_Op<"per_token", [SingleBlock, Pure]> {
  let summary = "the fused per-token pre-processing, one row per token";
  let description = [{
    The region holds the `lin` pre-processing of one token and ends with
    `chunk.token_yield` of the normal form's operands; each result is the
    C x D tile of one operand over the chunk's tokens (D = 1 for scalars).
    Rows past the end of the sequence are zero in every result.
  }];
  let results = (outs Variadic<Chunk_Tile>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "attr-dict-with-keyword `:` type($results) $body";
  let hasVerifier = 1;
}

def Chunk_TokenYieldOp : Chunk_Op<"token_yield", [Terminator,
    HasParent<"PerTokenOp">, Pure]> {
  let summary = "the per-token values a chunk.per_token produces";
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "$values attr-dict `:` type($values)";
}

def Chunk_CumsumOp : Chunk_Op<"cumsum", [Pure, SameOperandsAndResultType]> {
  let summary = "prefix sums down the rows of a tile (Γ of MATH.md §2)";
  let description = [{
    `inclusive`: row r holds the sum of rows 1..r; `exclusive`: rows 1..r-1
    (Γ⁻ of §2b). `reverse` sums from the last row instead (the adjoint).
  }];
  let arguments = (ins Chunk_Tile:$input, UnitAttr:$exclusive, UnitAttr:$reverse);
  let results = (outs Chunk_Tile:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Chunk_GramOp : Chunk_Op<"gram", [Pure, AttrSizedOperandSegments]> {
  let summary = "causally masked, decayed Gram matrix of two row tiles";
  let description = [{
    `G[i, j] = sum_c lhs[i, c] * rhs[j, c] * exp(lg[i, c] - rg[j, c])` for
    `j < i` (`strict`) or `j <= i` (`inclusive`), zero above; without decays
    the factor is 1. The decays are C x 1 (scalar decay: an element-wise
    mask) or C x K (per channel: evaluated safely in sub-blocks with a
    reference point per off-diagonal block, element-wise on the diagonal
    ones, never as exp(lg) * exp(-rg)). For the masked entries the exponent
    is <= 0 whenever the decays are cumulative sums of log-decays <= 0.
    `rows(a)` and `cols(b)` (C x 1 columns) scale the result:
    `a[i] * G[i, j] * b[j]`, i.e. `gram(diag(a) lhs, diag(b) rhs)` without
    the scaled operands (chunk-push-row-scaling).
    `decay_bound` (b > 0), when present, says that the decays are
    cumulative sums within the chunk of per-token log-decays in [-b, 0]
    (`rhs_decay` inclusive, `lhs_decay` inclusive or exclusive), as the
    variant's proven `g_lower_bound` = -b gives: a 16-token span then
    decays by at most 16 b, which lets the libraries factor whole 16-row
    blocks through one reference row.
  }];
  let arguments = (ins Chunk_Tile:$lhs, Chunk_Tile:$rhs,
                       Optional<Chunk_Tile>:$lhs_decay,
                       Optional<Chunk_Tile>:$rhs_decay,
                       Optional<Chunk_Tile>:$row_scale,
                       Optional<Chunk_Tile>:$col_scale,
                       Chunk_MaskAttr:$mask,
                       OptionalAttr<F64Attr>:$decay_bound);
  let results = (outs Chunk_Tile:$result);
  let assemblyFormat = [{
    $mask $lhs `,` $rhs
    (`decay` `(` $lhs_decay^ `,` $rhs_decay `:` type($lhs_decay) `,` type($rhs_decay) `)`)?
    (`rows` `(` $row_scale^ `:` type($row_scale) `)`)?
    (`cols` `(` $col_scale^ `:` type($col_scale) `)`)?
    attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Chunk_UnitLowerInverseOp : Chunk_Op<"unit_lower_inverse",
    [Pure, SameOperandsAndResultType]> {
  let summary = "(I + L)^-1 for a strictly lower-triangular L, in fp32";
  let arguments = (ins Chunk_Tile:$input);
  let results = (outs Chunk_Tile:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Chunk_MatmulOp : Chunk_Op<"matmul", [Pure]> {
  let summary = "matrix product, optionally of transposed operands";
  let arguments = (ins Chunk_Tile:$lhs, Chunk_Tile:$rhs,
                       UnitAttr:$transpose_lhs, UnitAttr:$transpose_rhs);
  let results = (outs Chunk_Tile:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)";
  let hasVerifier = 1;
}

class Chunk_ElementwiseOp<string mnemonic, string what> : Chunk_Op<mnemonic, [Pure]> {
  let summary = "element-wise " # what # "; a 1 x D or C x 1 operand broadcasts";
  let arguments = (ins Chunk_Tile:$lhs, Chunk_Tile:$rhs);
  let results = (outs Chunk_Tile:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)";
  let hasVerifier = 1;
}
def Chunk_AddOp : Chunk_ElementwiseOp<"add", "sum">;
def Chunk_SubOp : Chunk_ElementwiseOp<"sub", "difference">;
def Chunk_MulOp : Chunk_ElementwiseOp<"mul", "product">;

def Chunk_ExpOp : Chunk_Op<"exp", [Pure, SameOperandsAndResultType]> {
  let summary = "element-wise exponential";
  let arguments = (ins Chunk_Tile:$input);
  let results = (outs Chunk_Tile:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Chunk_NegOp : Chunk_Op<"neg", [Pure, SameOperandsAndResultType]> {
  let summary = "element-wise negation";
  let arguments = (ins Chunk_Tile:$input);
  let results = (outs Chunk_Tile:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Chunk_LastRowOp : Chunk_Op<"last_row", [Pure]> {
  let summary = "the last row of a tile (Γ_C: the decay over the whole chunk)";
  let arguments = (ins Chunk_Tile:$input);
  let results = (outs Chunk_Tile:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Chunk_TransposeOp : Chunk_Op<"transpose", [Pure]> {
  let summary = "transpose of a tile";
  let arguments = (ins Chunk_Tile:$input);
  let results = (outs Chunk_Tile:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

#endif // CHUNK_OPS_TD
