//===- TileOps.td - the `tile` dialect: block-level kernels --------------===//
//
// A kernel as one thread block's program, with everything that makes GPU
// kernels fast explicit in the IR: where each tile lives (shared memory or
// registers), multi-stage shared buffers, asynchronous copies and the waits
// that complete them, block barriers, and which warp role runs an op. Each op
// is one tile operation of a per-target tile library (a copy, an mma, a
// reduction, a barrier); loops over chunks and the algorithm's stages are
// `scf`/`arith` around them, and become loops in the emitted code.
//
// Buffers have reference semantics: ops write their first operand.
//
//===----------------------------------------------------------------------===//

#ifndef TILE_OPS_TD
#define TILE_OPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Tile_Dialect : Dialect {
  let name = "tile";
  let cppNamespace = "::mlir::tile";
  let summary = "Block-level kernels over tiles in explicit memory spaces";
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::arith::ArithDialect"];
}

def Tile_Space : I32EnumAttr<"Space", "memory space of a tile", [
    I32EnumAttrCase<"reg", 0>, I32EnumAttrCase<"shared", 1>]> {
  let cppNamespace = "::mlir::tile";
  let genSpecializedAttr = 0;
}

def Tile_Role : I32EnumAttr<"Role", "warp role that runs an op", [
    I32EnumAttrCase<"all", 0>, I32EnumAttrCase<"producer", 1>,
    I32EnumAttrCase<"consumer", 2>]> {
  let cppNamespace = "::mlir::tile";
  let genSpecializedAttr = 0;
}
def Tile_RoleAttr : EnumAttr<Tile_Dialect, Tile_Role, "role">;

def Tile_EwKind : I32EnumAttr<"EwKind", "element-wise function", [
    I32EnumAttrCase<"copy", 0>, I32EnumAttrCase<"neg", 1>,
    I32EnumAttrCase<"exp", 2>, I32EnumAttrCase<"log", 3>,
    I32EnumAttrCase<"sqrt", 4>, I32EnumAttrCase<"sigmoid", 5>,
    I32EnumAttrCase<"logsigmoid", 6>, I32EnumAttrCase<"softplus", 7>,
    I32EnumAttrCase<"silu", 8>, I32EnumAttrCase<"add", 9>,
    I32EnumAttrCase<"sub", 10>, I32EnumAttrCase<"mul", 11>,
    I32EnumAttrCase<"div", 12>, I32EnumAttrCase<"max", 13>,
    I32EnumAttrCase<"min", 14>]> {
  let cppNamespace = "::mlir::tile";
  let genSpecializedAttr = 0;
}
def Tile_EwKindAttr : EnumAttr<Tile_Dialect, Tile_EwKind, "ew">;

def Tile_OperandType : I32EnumAttr<"OperandType", "mma operand precision", [
    I32EnumAttrCase<"f32", 0>, I32EnumAttrCase<"tf32", 1>,
    I32EnumAttrCase<"bf16", 2>, I32EnumAttrCase<"f16", 3>]> {
  let cppNamespace = "::mlir::tile";
  let genSpecializedAttr = 0;
}
def Tile_OperandTypeAttr : EnumAttr<Tile_Dialect, Tile_OperandType, "operand">;

class Tile_Type<string name, string typeMnemonic> : TypeDef<Tile_Dialect, name> {
  let mnemonic = typeMnemonic;
}

def Tile_BufType : Tile_Type<"Buf", "buf"> {
  let summary = "a tile buffer: rows x cols elements, in registers or shared memory";
  let description = [{
    `!tile.buf<shared, 64x128xf32, stages = 2>` is a two-stage shared buffer
    (select a stage with tile.stage); register buffers have one stage.
  }];
  let parameters = (ins "::mlir::tile::Space":$space, "int64_t":$rows,
                        "int64_t":$cols, "::mlir::Type":$elementType,
                        "int64_t":$stages);
  let hasCustomAssemblyFormat = 1;
}

def Tile_TokenType : Tile_Type<"Token", "token"> {
  let summary = "completion of an asynchronous copy";
}

class Tile_Op<string mnemonic, list<Trait> traits = []>
    : Op<Tile_Dialect, mnemonic, traits>;

def Tile_KernelOp : Tile_Op<"kernel", [Symbol, IsolatedFromAbove, SingleBlock,
    NoTerminator]> {
  let summary = "one kernel: the program of one thread block";
  let description = [{
    `grid` names the launch dimensions in order (e.g. ["seq", "head",
    "vtile"]); `tile.program_id` reads them. `warps` is the block size in
    warps: the consumers (compute), one or two warpgroups (4 or 8), plus
    one producer warp (copies) when ops are split by role. Global tensors are named by string (the variant's
    inputs and params, "h0", "ht", "o", and workspaces).
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, StrArrayAttr:$grid,
                       I64Attr:$warps, StrAttr:$kind);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$sym_name attr-dict-with-keyword $body";
}

def Tile_ProgramIdOp : Tile_Op<"program_id", [Pure]> {
  let summary = "index of this block along one grid dimension";
  let arguments = (ins I64Attr:$dim);
  let results = (outs Index:$result);
  let assemblyFormat = "$dim attr-dict";
}

def Tile_SequenceOp : Tile_Op<"sequence", [Pure]> {
  let summary = "first token (flattened over B x T) and length of sequence n";
  let arguments = (ins Index:$seq);
  let results = (outs Index:$start, Index:$length);
  let assemblyFormat = "$seq attr-dict";
}

def Tile_QkHeadOp : Tile_Op<"qk_head", [Pure]> {
  let summary = "the query/key head of value head h: h / (HV / H)";
  let arguments = (ins Index:$head);
  let results = (outs Index:$result);
  let assemblyFormat = "$head attr-dict";
}

def Tile_NumChunksOp : Tile_Op<"num_chunks", [Pure]> {
  let summary = "ceil(length / chunk_size)";
  let arguments = (ins Index:$length, I64Attr:$chunk_size);
  let results = (outs Index:$result);
  let assemblyFormat = "$length `,` $chunk_size attr-dict";
}

def Tile_ChunkRowsOp : Tile_Op<"chunk_rows", [Pure]> {
  let summary = "rows of chunk c inside a sequence of `length` tokens: clamp(length - c*C, 0, C)";
  let arguments = (ins Index:$length, Index:$chunk, I64Attr:$chunk_size);
  let results = (outs Index:$result);
  let assemblyFormat = "$length `,` $chunk `,` $chunk_size attr-dict";
}

def Tile_ScalarArgOp : Tile_Op<"scalar_arg", [Pure]> {
  let summary = "a run-time scalar of the launch (e.g. \"scale\")";
  let arguments = (ins StrAttr:$name);
  let results = (outs F32:$result);
  let assemblyFormat = "$name attr-dict";
}

def Tile_AllocOp : Tile_Op<"alloc"> {
  let summary = "a tile buffer for the whole kernel";
  let description = [{
    Elements are f32, or bf16 in a shared buffer that only copies write
    (tile.copy_tile_async, an element-wise copy, which round to nearest
    even) and only bf16 matmuls read, as operands: the values those
    matmuls would round to anyway, in half the bytes (tile-store-16bit).
  }];
  let results = (outs Tile_BufType:$result);
  let assemblyFormat = "attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Tile_StageOp : Tile_Op<"stage", [Pure]> {
  let summary = "one stage of a multi-stage shared buffer";
  let arguments = (ins Tile_BufType:$buffer, Index:$index);
  let results = (outs Tile_BufType:$result);
  let assemblyFormat = "$buffer `[` $index `]` attr-dict `:` type($buffer) `->` type($result)";
  let hasVerifier = 1;
}

def Tile_ViewOp : Tile_Op<"view", [Pure]> {
  let summary = "a static rectangular part of a buffer";
  let arguments = (ins Tile_BufType:$buffer, I64Attr:$row, I64Attr:$col);
  let results = (outs Tile_BufType:$result);
  let assemblyFormat = "$buffer `[` $row `,` $col `]` attr-dict `:` type($buffer) `->` type($result)";
  let hasVerifier = 1;
}

def Tile_CopyAsyncOp : Tile_Op<"copy_async"> {
  let summary = "asynchronous copy of token rows of a global tensor into shared memory";
  let description = [{
    `dst[i, j] = name[start + row + i, head, col + j]` for `i < valid`, zero
    for the other rows (the tail of a chunk); tokens are flattened over
    B x T. The data may be read only after `tile.wait` of the token.
  }];
  let arguments = (ins StrAttr:$name, Tile_BufType:$dst, Index:$start,
                       Index:$row, Index:$valid, Index:$head, Index:$col,
                       DefaultValuedAttr<Tile_RoleAttr, "::mlir::tile::Role::all">:$role);
  let results = (outs Tile_TokenType:$token);
  let assemblyFormat = [{
    $name `rows` `(` $start `+` $row `,` $valid `)` `head` `(` $head `)` `col` `(` $col `)`
    `->` $dst attr-dict `:` type($dst)
  }];
  let hasVerifier = 1;
}

def Tile_PrefetchRowsOp : Tile_Op<"prefetch_rows"> {
  let summary = "start loading a later chunk's rows into a landing buffer";
  let description = [{
    Issues the copy of rows `start + row + i` (i < R, the rows of `dst` of
    the matching tile.take_rows) of a 16-bit global tensor, head `head`,
    columns `col + j` (j < C), into `landing`: a shared buffer of R x C/2
    fp32 elements that holds R x C 16-bit values (C a multiple of 8), or of
    R x 1 elements for one value per row (C = 1: each element holds the
    4-byte aligned pair of halves the value sits in).
    Rows past the tensor's end land as zeros; rows past the sequence land
    and are dropped by tile.take_rows. Only tile.landed waits for it. A
    tensor of another dtype lands nothing (tile.take_rows copies it itself).
  }];
  let arguments = (ins StrAttr:$name, Tile_BufType:$landing, Index:$start,
                       Index:$row, Index:$head, Index:$col);
  let assemblyFormat = [{
    $name `rows` `(` $start `+` $row `)` `head` `(` $head `)` `col` `(` $col `)`
    `->` $landing attr-dict `:` type($landing)
  }];
  let hasVerifier = 1;
}

def Tile_LandedOp : Tile_Op<"landed"> {
  let summary = "every prefetch issued so far has landed, visible to the block";
  let assemblyFormat = "attr-dict";
}

def Tile_TakeRowsOp : Tile_Op<"take_rows"> {
  let summary = "a chunk's rows from its landing buffer into a shared stage or a fragment";
  let description = [{
    What tile.copy_async with the same operands does (`dst[i, j] =
    name[start + row + i, head, col + j]` for `i < valid`, zero for the
    other rows), taken from `landing`, where tile.prefetch_rows of the same
    rows landed them (after tile.landed). A tensor that is not 16-bit is
    copied from global memory here. The token is waited as a copy's.
    `dst` is a one-stage shared buffer, or a fragment (a register tile that
    tile-place-fragments keeps in registers: tile-take-into-fragments).
  }];
  let arguments = (ins StrAttr:$name, Tile_BufType:$landing, Tile_BufType:$dst,
                       Index:$start, Index:$row, Index:$valid, Index:$head, Index:$col);
  let results = (outs Tile_TokenType:$token);
  let assemblyFormat = [{
    $name `rows` `(` $start `+` $row `,` $valid `)` `head` `(` $head `)` `col` `(` $col `)`
    `from` $landing `->` $dst attr-dict `:` type($landing) `,` type($dst)
  }];
  let hasVerifier = 1;
}

def Tile_WaitOp : Tile_Op<"wait"> {
  let summary = "wait until an asynchronous copy has landed";
  let arguments = (ins Tile_TokenType:$token,
                       DefaultValuedAttr<Tile_RoleAttr, "::mlir::tile::Role::all">:$role);
  let assemblyFormat = "$token attr-dict";
}

def Tile_BarrierOp : Tile_Op<"barrier"> {
  let summary = "block-wide barrier; releases the shared stages read so far";
  let assemblyFormat = "attr-dict";
}

def Tile_LoadParamOp : Tile_Op<"load_param"> {
  let summary = "a per-head parameter row (1 x D, columns col..) from global memory";
  let arguments = (ins StrAttr:$name, Tile_BufType:$dst, Index:$head, Index:$col);
  let assemblyFormat = "$name `head` `(` $head `)` `col` `(` $col `)` `->` $dst attr-dict `:` type($dst)";
}

def Tile_LoadStateOp : Tile_Op<"load_state"> {
  let summary = "the initial state of sequence n (columns col..), or zero without one";
  let arguments = (ins Tile_BufType:$dst, Index:$seq, Index:$head, Index:$col);
  let assemblyFormat = "`seq` `(` $seq `)` `head` `(` $head `)` `col` `(` $col `)` `->` $dst attr-dict `:` type($dst)";
}

def Tile_StoreStateOp : Tile_Op<"store_state"> {
  let summary = "the final state of sequence n (columns col..)";
  let arguments = (ins Tile_BufType:$src, Index:$seq, Index:$head, Index:$col);
  let assemblyFormat = "$src `seq` `(` $seq `)` `head` `(` $head `)` `col` `(` $col `)` attr-dict `:` type($src)";
}

def Tile_StoreRowsOp : Tile_Op<"store_rows"> {
  let summary = "the first `valid` rows of a tile into token rows of a global tensor";
  let arguments = (ins StrAttr:$name, Tile_BufType:$src, Index:$start,
                       Index:$row, Index:$valid, Index:$head, Index:$col);
  let assemblyFormat = [{
    $src `->` $name `rows` `(` $start `+` $row `,` $valid `)` `head` `(` $head `)`
    `col` `(` $col `)` attr-dict `:` type($src)
  }];
}

def Tile_StoreTileOp : Tile_Op<"store_tile"> {
  let summary = "a tile into (columns col.. of) a per-chunk slot of a global workspace";
  let description = [{
    Workspaces hold intermediates between kernels (e.g. W and U when they
    are materialised): slot (seq, head, chunk) of `name` is one tile of
    `width` columns (the stored tile's own when absent); a tile narrower
    than the slot fills columns col.. (a kernel split over V columns). A
    slot stands for `slot_chunks` chunks (1 when absent; a segment's in the
    sequence split), so `chunk` counts slots of that many.
  }];
  let arguments = (ins StrAttr:$name, Tile_BufType:$src, Index:$seq,
                       Index:$head, Index:$chunk, Index:$col,
                       OptionalAttr<I64Attr>:$width,
                       OptionalAttr<I64Attr>:$slot_chunks);
  let assemblyFormat = [{
    $src `->` $name `slot` `(` $seq `,` $head `,` $chunk `)` `col` `(` $col `)` attr-dict `:` type($src)
  }];
  let hasVerifier = 1;
}

def Tile_LoadTileOp : Tile_Op<"load_tile"> {
  let summary = "(columns col.. of) a workspace tile straight into registers (read once)";
  let arguments = (ins StrAttr:$name, Tile_BufType:$dst, Index:$seq,
                       Index:$head, Index:$chunk, Index:$col);
  let assemblyFormat = [{
    $name `slot` `(` $seq `,` $head `,` $chunk `)` `col` `(` $col `)` `->` $dst attr-dict `:` type($dst)
  }];
}

def Tile_CopyTileAsyncOp : Tile_Op<"copy_tile_async"> {
  let summary = "asynchronous copy of (columns col.. of) a workspace tile into shared memory";
  let description = [{
    With `valid` = 0 (a chunk past the end of the sequence, when the next
    chunk is prefetched) the tile is zero-filled and no memory is read.
  }];
  let arguments = (ins StrAttr:$name, Tile_BufType:$dst, Index:$seq,
                       Index:$head, Index:$chunk, Index:$col, Index:$valid,
                       DefaultValuedAttr<Tile_RoleAttr, "::mlir::tile::Role::all">:$role);
  let results = (outs Tile_TokenType:$token);
  let assemblyFormat = [{
    $name `slot` `(` $seq `,` $head `,` $chunk `)` `col` `(` $col `)` `valid` `(` $valid `)`
    `->` $dst attr-dict `:` type($dst)
  }];
}

def Tile_MaskRowsOp : Tile_Op<"mask_rows"> {
  let summary = "zero the rows from `valid` on (past the end of the sequence)";
  let arguments = (ins Tile_BufType:$dst, Index:$valid);
  let assemblyFormat = "$dst `,` $valid attr-dict `:` type($dst)";
}

def Tile_IdentityOp : Tile_Op<"identity"> {
  let summary = "dst = I: ones where row == col, zeros elsewhere";
  let description = [{
    Any shape: a K x (K + V) segment map starts as [I | 0].
  }];
  let arguments = (ins Tile_BufType:$dst);
  let assemblyFormat = "$dst attr-dict `:` type($dst)";
}

def Tile_FillOp : Tile_Op<"fill"> {
  let summary = "set every element";
  let arguments = (ins Tile_BufType:$dst, F32:$value);
  let assemblyFormat = "$dst `,` $value attr-dict `:` type($dst)";
}

def Tile_EwOp : Tile_Op<"ew"> {
  let summary = "element-wise function into dst; operands of 1 row or 1 column broadcast";
  let arguments = (ins Tile_EwKindAttr:$kind, Tile_BufType:$dst,
                       Tile_BufType:$lhs, Optional<Tile_BufType>:$rhs);
  let assemblyFormat = [{
    $kind $dst `,` $lhs (`,` $rhs^)? attr-dict `:` type($dst) `,` type($lhs) (`,` type($rhs)^)?
  }];
  let hasVerifier = 1;
}

def Tile_RowL2NormOp : Tile_Op<"row_l2norm"> {
  let summary = "each row divided by sqrt(its sum of squares + 1e-6)";
  let arguments = (ins Tile_BufType:$dst, Tile_BufType:$src);
  let assemblyFormat = "$dst `,` $src attr-dict `:` type($dst) `,` type($src)";
}

def Tile_RowInvNormOp : Tile_Op<"row_inv_norm"> {
  let summary = "1 / sqrt(each row's sum of squares + 1e-6) (a C x 1 result)";
  let arguments = (ins Tile_BufType:$dst, Tile_BufType:$src);
  let assemblyFormat = "$dst `,` $src attr-dict `:` type($dst) `,` type($src)";
}

def Tile_RowDotOp : Tile_Op<"row_dot"> {
  let summary = "row-wise inner products (a C x 1 result)";
  let arguments = (ins Tile_BufType:$dst, Tile_BufType:$lhs, Tile_BufType:$rhs);
  let assemblyFormat = "$dst `,` $lhs `,` $rhs attr-dict `:` type($dst) `,` type($lhs) `,` type($rhs)";
}

def Tile_CumsumOp : Tile_Op<"cumsum"> {
  let summary = "prefix sums down the rows (inclusive, or exclusive)";
  let arguments = (ins Tile_BufType:$dst, Tile_BufType:$src, UnitAttr:$exclusive);
  let assemblyFormat = "$dst `,` $src attr-dict `:` type($dst) `,` type($src)";
}

def Tile_TransposeOp : Tile_Op<"transpose"> {
  let summary = "dst = src^T";
  let arguments = (ins Tile_BufType:$dst, Tile_BufType:$src);
  let assemblyFormat = "$dst `,` $src attr-dict `:` type($dst) `,` type($src)";
}

def Tile_MmaOp : Tile_Op<"mma"> {
  let summary = "acc (+)= op(a) op(b), operands rounded to operand_type, fp32 accumulation";
  let description = [{
    With `subtract` (and `accumulate`): acc -= op(a) op(b), computed as
    -((-acc) + op(a) op(b)) in the same fp32 accumulator (negation is
    exact): tile-fold-accumulate's form of a difference X - A B.
  }];
  let arguments = (ins Tile_BufType:$acc, Tile_BufType:$a, Tile_BufType:$b,
                       UnitAttr:$transpose_a, UnitAttr:$transpose_b,
                       UnitAttr:$accumulate, Tile_OperandTypeAttr:$operand_type,
                       UnitAttr:$subtract);
  let assemblyFormat = "$acc `,` $a `,` $b attr-dict `:` type($acc) `,` type($a) `,` type($b)";
  let hasVerifier = 1;
}

def Tile_CausalMaskOp : Tile_Op<"causal_mask", [AttrSizedOperandSegments]> {
  let summary = "zero the entries above the diagonal (and on it unless inclusive)";
  let description = [{
    With `rows(a)` and/or `cols(b)` (C x 1 columns) the kept entries are
    also scaled: `dst[i, j] *= a[i] * b[j]` (a Gram matrix's row scalings).
  }];
  let arguments = (ins Tile_BufType:$dst, Optional<Tile_BufType>:$row_scale,
                       Optional<Tile_BufType>:$col_scale, UnitAttr:$inclusive);
  let assemblyFormat = [{
    $dst (`rows` `(` $row_scale^ `:` type($row_scale) `)`)?
    (`cols` `(` $col_scale^ `:` type($col_scale) `)`)? attr-dict `:` type($dst)
  }];
  let hasVerifier = 1;
}

def Tile_DecayMaskOp : Tile_Op<"decay_mask", [AttrSizedOperandSegments]> {
  let summary = "dst[i,j] *= exp(lg[i] - rg[j]) under the causal mask, zero above";
  let description = [{
    With `rows(a)` and/or `cols(b)` (C x 1 columns) the kept entries are
    also scaled: `dst[i, j] *= a[i] * b[j]`.
  }];
  let arguments = (ins Tile_BufType:$dst, Tile_BufType:$lhs_decay,
                       Tile_BufType:$rhs_decay, Optional<Tile_BufType>:$row_scale,
                       Optional<Tile_BufType>:$col_scale, UnitAttr:$inclusive);
  let assemblyFormat = [{
    $dst `,` $lhs_decay `,` $rhs_decay
    (`rows` `(` $row_scale^ `:` type($row_scale) `)`)?
    (`cols` `(` $col_scale^ `:` type($col_scale) `)`)?
    attr-dict `:` type($dst) `,` type($lhs_decay) `,` type($rhs_decay)
  }];
  let hasVerifier = 1;
}

def Tile_GramDiagOp : Tile_Op<"gram_diag"> {
  let summary = "a diagonal block of a per-channel decayed Gram matrix";
  let description = [{
    `dst[i, j] = sum_c lhs[i, c] rhs[j, c] exp(lg[i, c] - rg[j, c])` for the
    masked `j <= i` (or `j < i`) of one square diagonal block, and 0 for
    the other entries: it writes the whole block. No reference
    row is safe for the whole block, so without `operand_type` (or with f32)
    each exponent is taken as is (<= 0), in fp32. With a 16-bit
    `operand_type` the libraries factor the decay per 16 x 8 output tile
    through a reference row of the rhs decay, round both scaled operands to
    that type and multiply them on the tensor cores; a tile with a factor
    outside the range that keeps the products exact to the type's
    precision (strong gates) is computed in the fp32 element-wise form.
    The cpu library computes the same way (its gram_diag says the rule),
    so the cpu target checks the choice. `decay_bound` (the chunk op's:
    decays are cumulative sums of per-token log-decays in [-b, 0]) lets a
    16-bit form factor each 16-row block through its first row, diagonal
    included, with no test and no fp32 fallback, where 16 b <= 80.
    `row_blocks` (config gram=rows) takes that form without a bound, with
    tests: a 16 x 8 tile that fails them takes the per-tile form.
  }];
  let arguments = (ins Tile_BufType:$dst, Tile_BufType:$lhs, Tile_BufType:$rhs,
                       Tile_BufType:$lhs_decay, Tile_BufType:$rhs_decay,
                       UnitAttr:$inclusive,
                       OptionalAttr<Tile_OperandTypeAttr>:$operand_type,
                       OptionalAttr<F64Attr>:$decay_bound,
                       UnitAttr:$row_blocks);
  let assemblyFormat = [{
    $dst `,` $lhs `,` $rhs `,` $lhs_decay `,` $rhs_decay attr-dict `:` type(operands)
  }];
}

def Tile_TriInvOp : Tile_Op<"tri_inv"> {
  let summary = "dst = (I + src)^-1 for strictly lower-triangular src, in fp32";
  let arguments = (ins Tile_BufType:$dst, Tile_BufType:$src);
  let assemblyFormat = "$dst `,` $src attr-dict `:` type($dst) `,` type($src)";
}

#endif // TILE_OPS_TD
