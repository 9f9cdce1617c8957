//===- LinOps.td - the `lin` dialect: one recurrence per variant ---------===//
//
// `lin` holds an attention variant as the DSL's frontend understood it: the
// per-token pre-processing as element-wise ops on K-vectors, V-vectors and
// scalars, and the state update in the normal form of MATH.md §1
//
//   S_t = Diag(exp g) S_{t-1} + a (b^T S_{t-1}) + k y^T,   o = S_t^T r
//
// as one `lin.recur` op. The variant carries its classification (decay kind,
// erase kind, fused pre-processing) so that later passes query it instead of
// re-deriving it.
//
//===----------------------------------------------------------------------===//

#ifndef LIN_OPS_TD
#define LIN_OPS_TD

include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/OpAsmInterface.td"

def Lin_Dialect : Dialect {
  let name = "lin";
  let cppNamespace = "::mlir::lin";
  let summary = "Gated delta-rule recurrences in normal form";
  let description = [{
    One `lin.variant` per attention variant: its declared inputs and
    parameters, the pre-processing that real models fuse (L2-norm, sigmoid,
    gate formulas), and the state update in normal form (`lin.recur`).
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
}

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Lin_Extent : I32EnumAttr<"Extent", "length of a per-token vector", [
    I32EnumAttrCase<"K", 0>, I32EnumAttrCase<"V", 1>]> {
  let cppNamespace = "::mlir::lin";
  let genSpecializedAttr = 0;
}

def Lin_DecayKind : I32EnumAttr<"DecayKind", "how the state decays", [
    I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"constant", 1>,
    I32EnumAttrCase<"scalar", 2>, I32EnumAttrCase<"channel", 3>]> {
  let cppNamespace = "::mlir::lin";
  let genSpecializedAttr = 0;
}
def Lin_DecayKindAttr : EnumAttr<Lin_Dialect, Lin_DecayKind, "decay"> {
  let assemblyFormat = "`<` $value `>`";
}

def Lin_EraseKind : I32EnumAttr<"EraseKind", "how the state is erased", [
    I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"delta", 1>,
    I32EnumAttrCase<"general", 2>]> {
  let cppNamespace = "::mlir::lin";
  let genSpecializedAttr = 0;
}
def Lin_EraseKindAttr : EnumAttr<Lin_Dialect, Lin_EraseKind, "erase"> {
  let assemblyFormat = "`<` $value `>`";
}

def Lin_HeadGroup : I32EnumAttr<"HeadGroup", "which heads index an input", [
    I32EnumAttrCase<"H", 0>, I32EnumAttrCase<"HV", 1>]> {
  let cppNamespace = "::mlir::lin";
  let genSpecializedAttr = 0;
}
def Lin_HeadGroupAttr : EnumAttr<Lin_Dialect, Lin_HeadGroup, "heads"> {
  let assemblyFormat = "`<` $value `>`";
}

def Lin_Domain : I32EnumAttr<"Domain", "declared range of an input", [
    I32EnumAttrCase<"real", 0>, I32EnumAttrCase<"logdecay", 1>,
    I32EnumAttrCase<"unit", 2>]> {
  let cppNamespace = "::mlir::lin";
  let genSpecializedAttr = 0;
}
def Lin_DomainAttr : EnumAttr<Lin_Dialect, Lin_Domain, "domain"> {
  let assemblyFormat = "`<` $value `>`";
}

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

class Lin_Type<string name, string typeMnemonic> : TypeDef<Lin_Dialect, name> {
  let mnemonic = typeMnemonic;
}

def Lin_ScalarType : Lin_Type<"Scalar", "scalar"> {
  let summary = "a per-token (or per-head) scalar";
}

def Lin_VecType : Lin_Type<"Vec", "vec"> {
  let summary = "a per-token vector of length K or V";
  let parameters = (ins "::mlir::lin::Extent":$extent);
  let hasCustomAssemblyFormat = 1;
}

def Lin_AnyValue : AnyTypeOf<[Lin_ScalarType, Lin_VecType]>;
def Lin_KVec : Type<CPred<"::llvm::isa<::mlir::lin::VecType>($_self) && "
                          "::llvm::cast<::mlir::lin::VecType>($_self).getExtent() == "
                          "::mlir::lin::Extent::K">, "K-vector", "::mlir::lin::VecType"> {
  let builderCall = "::mlir::lin::VecType::get($_builder.getContext(), ::mlir::lin::Extent::K)";
}
def Lin_VVec : Type<CPred<"::llvm::isa<::mlir::lin::VecType>($_self) && "
                          "::llvm::cast<::mlir::lin::VecType>($_self).getExtent() == "
                          "::mlir::lin::Extent::V">, "V-vector", "::mlir::lin::VecType"> {
  let builderCall = "::mlir::lin::VecType::get($_builder.getContext(), ::mlir::lin::Extent::V)";
}
def Lin_ScalarOrKVec : AnyTypeOf<[Lin_ScalarType, Lin_KVec]>;

//===----------------------------------------------------------------------===//
// Ops
//===----------------------------------------------------------------------===//

class Lin_Op<string mnemonic, list<Trait> traits = []>
    : Op<Lin_Dialect, mnemonic, traits>;

def Lin_VariantOp : Lin_Op<"variant", [Symbol, IsolatedFromAbove,
    SingleBlock, NoRegionArguments]> {
  let summary = "an attention variant: inputs, pre-processing and the recurrence";
  let description = [{
    The body declares inputs and parameters, computes the per-token vectors
    of the normal form, and ends with `lin.recur`. The attributes are the
    variant's classification, checked against the body by the verifier:

    ```mlir
    lin.variant @kda attributes {decay = #lin.decay<channel>,
                                 erase = #lin.erase<delta>} {
      %q = lin.input "q" heads(H) : !lin.vec<K>
      ...
      lin.recur decay(%g : !lin.vec<K>) erase(%beta : !lin.scalar)
                write(%k, %y) read(%r)
    }
    ```

    `g_lower_bound`, when present, is a lower bound on every component of the
    log-decay proven from the gate formula. `prep` lists the fused
    pre-processing (e.g. "l2norm(q)").
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       Lin_DecayKindAttr:$decay,
                       Lin_EraseKindAttr:$erase,
                       OptionalAttr<F64Attr>:$g_lower_bound,
                       DefaultValuedAttr<StrArrayAttr, "{}">:$prep);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$sym_name attr-dict-with-keyword $body";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    RecurOp getRecur();
  }];
}

def Lin_InputOp : Lin_Op<"input", [Pure,
    DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmResultNames"]>]> {
  let summary = "a per-token input tensor of the variant";
  let description = [{
    `%q = lin.input "q" heads(H) : !lin.vec<K>` is a tensor `[B, T, H, K]`;
    `heads(HV)` inputs are indexed by value head. `domain` records a declared
    range (`logdecay`: <= 0, `unit`: [0, 1]) that the frontend relied on.
  }];
  let arguments = (ins StrAttr:$name, Lin_HeadGroupAttr:$heads,
                       DefaultValuedAttr<Lin_DomainAttr, "::mlir::lin::Domain::real">:$domain);
  let results = (outs Lin_AnyValue:$result);
  let assemblyFormat = "$name `heads` `(` custom<HeadGroup>($heads) `)` attr-dict `:` type($result)";
}

def Lin_ParamOp : Lin_Op<"param", [Pure,
    DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmResultNames"]>]> {
  let summary = "a per-value-head parameter of the variant";
  let description = [{
    `%A = lin.param "A_log" : !lin.scalar` is a tensor `[HV]`; a `!lin.vec<K>`
    parameter is `[HV, K]`.
  }];
  let arguments = (ins StrAttr:$name,
                       DefaultValuedAttr<Lin_DomainAttr, "::mlir::lin::Domain::real">:$domain);
  let results = (outs Lin_AnyValue:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
}

def Lin_ConstantOp : Lin_Op<"constant", [Pure]> {
  let summary = "a scalar constant";
  let arguments = (ins F64Attr:$value);
  let results = (outs Lin_ScalarType:$result);
  let assemblyFormat = "$value attr-dict";
}

def Lin_ScaleOp : Lin_Op<"scale", [Pure]> {
  let summary = "the read scale, a run-time value (default K^-1/2)";
  let results = (outs Lin_ScalarType:$result);
  let assemblyFormat = "attr-dict";
}

class Lin_UnaryOp<string mnemonic, string what>
    : Lin_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = "element-wise " # what;
  let arguments = (ins Lin_AnyValue:$operand);
  let results = (outs Lin_AnyValue:$result);
  let assemblyFormat = "$operand attr-dict `:` qualified(type($result))";
}

def Lin_NegOp : Lin_UnaryOp<"neg", "negation">;
def Lin_ExpOp : Lin_UnaryOp<"exp", "exponential">;
def Lin_LogOp : Lin_UnaryOp<"log", "natural logarithm">;
def Lin_SqrtOp : Lin_UnaryOp<"sqrt", "square root">;
def Lin_SigmoidOp : Lin_UnaryOp<"sigmoid", "logistic sigmoid 1/(1+exp(-x))">;
def Lin_LogSigmoidOp : Lin_UnaryOp<"logsigmoid", "log of the sigmoid, <= 0">;
def Lin_SoftplusOp : Lin_UnaryOp<"softplus", "softplus log(1+exp(x))">;
def Lin_SiluOp : Lin_UnaryOp<"silu", "x * sigmoid(x)">;

def Lin_L2NormOp : Lin_Op<"l2norm", [Pure, SameOperandsAndResultType]> {
  let summary = "x / ||x||_2 over the vector";
  let arguments = (ins Lin_VecType:$operand);
  let results = (outs Lin_VecType:$result);
  let assemblyFormat = "$operand attr-dict `:` qualified(type($result))";
}

def Lin_InvNormOp : Lin_Op<"inv_norm", [Pure]> {
  let summary = "1 / sqrt(sum(x^2) + 1e-6): l2norm's factor, as a scalar";
  let description = [{
    Not written in the DSL: chunk-factor-norms splits `l2norm(x)` into the
    vector `x` and this scalar, so that the chunk's products can read `x` as
    it was given and scale their rows instead.
  }];
  let arguments = (ins Lin_VecType:$operand);
  let results = (outs Lin_ScalarType:$result);
  let assemblyFormat = "$operand attr-dict `:` qualified(type($operand))";
}

class Lin_BinaryOp<string mnemonic, string what> : Lin_Op<mnemonic, [Pure]> {
  let summary = "element-wise " # what # ", a scalar broadcasts over a vector";
  let arguments = (ins Lin_AnyValue:$lhs, Lin_AnyValue:$rhs);
  let results = (outs Lin_AnyValue:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Lin_AddOp : Lin_BinaryOp<"add", "sum">;
def Lin_SubOp : Lin_BinaryOp<"sub", "difference">;
def Lin_MulOp : Lin_BinaryOp<"mul", "product">;
def Lin_DivOp : Lin_BinaryOp<"div", "quotient">;
def Lin_MaxOp : Lin_BinaryOp<"max", "maximum">;
def Lin_MinOp : Lin_BinaryOp<"min", "minimum">;

def Lin_DotOp : Lin_Op<"dot", [Pure, SameTypeOperands]> {
  let summary = "inner product of two vectors of the same extent";
  let arguments = (ins Lin_VecType:$lhs, Lin_VecType:$rhs);
  let results = (outs Lin_ScalarType:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs)";
}

def Lin_RecurOp : Lin_Op<"recur", [Terminator, HasParent<"VariantOp">,
    AttrSizedOperandSegments]> {
  let summary = "the state update and read in normal form";
  let description = [{
    One token step of MATH.md §1, for the state S (K x V, fp32):

        S_t = Diag(exp g) S_{t-1} + a (b^T S_{t-1}) + k y^T
        o_t = S_t^T r

    - `decay(%g)`: log-decay, a scalar or a K-vector, <= 0. Absent: no decay.
    - `erase(%e : !lin.scalar)`: the delta rule, `a = -e k`, `b = exp(g) * k`
      (erase along the write key, after the decay).
    - `erase(%a : !lin.vec<K>) along(%b)`: a general rank-one transition
      (DPLR); `b` reads the state before the decay.
    - `write(%k, %y)`: the rank-one write `k y^T`.
    - `read(%r)`: the output `S_t^T r` (`r` includes the scale).
  }];
  let arguments = (ins Optional<Lin_ScalarOrKVec>:$decay,
                       Optional<Lin_ScalarOrKVec>:$erase,
                       Optional<Lin_KVec>:$along,
                       Lin_KVec:$key, Lin_VVec:$value, Lin_KVec:$query);
  let assemblyFormat = [{
    (`decay` `(` $decay^ `:` type($decay) `)`)?
    (`erase` `(` $erase^ `:` type($erase) `)`)?
    (`along` `(` $along^ `)`)?
    `write` `(` $key `,` $value `)` `read` `(` $query `)` attr-dict
  }];
  let hasVerifier = 1;
}

#endif // LIN_OPS_TD
