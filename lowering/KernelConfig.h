//===- KernelConfig.h - every kernel choice, in one place ------------------===//
//
// Kernel formation (which stages fuse, which intermediates go to memory),
// tile sizes, the chunk size and the parallel split of the state pass are
// read from a KernelConfig; nothing downstream decides them on its own. The
// default chooser picks values from the shape; an autotuner varies them.
//
//===----------------------------------------------------------------------===//
#ifndef LINAC_LOWERING_KERNELCONFIG_H
#define LINAC_LOWERING_KERNELCONFIG_H

#include <cstdint>
#include <string>
#include <vector>

namespace linac {

struct KernelConfig {
  /// Tokens per chunk.
  int64_t chunk = 64;
  /// Rows per sub-block of per-channel decayed Gram matrices (MATH.md §3).
  int64_t subBlock = 16;
  /// fused: one kernel per (sequence, head[, V tile]) computes everything;
  /// materialized: a chunk-parallel kernel writes the state pass's S-free
  /// inputs (W, U, ...) to workspaces that the state pass reads; with
  /// split=sequence the segment maps kernel writes them as it goes, and the
  /// segment outputs kernel reads them instead of the inputs.
  enum class WU { Fused, Materialized } wu = WU::Fused;
  /// Parallel split of the state pass: per (sequence, head); also per tile
  /// of V columns (the state's columns evolve independently); or along the
  /// sequence: segments of `segment` chunks run in parallel, each computes
  /// its affine map S -> P S + Q (K x (K+V) for erase variants, a diagonal
  /// and K x V otherwise), the maps are combined along the sequence, and the
  /// segments then produce their outputs from their start states.
  enum class Split { Head, VTile, Sequence } split = Split::Head;
  /// Chunks per segment when split = sequence.
  int64_t segment = 8;
  /// Columns of V per block when split = vtile.
  int64_t vTile = 0;
  /// Columns of V per block of the sequence split's combine (the maps'
  /// columns combine independently); 0: all of V in one block.
  int64_t combineCols = 0;
  /// Shared-memory stages of the input pipeline.
  int64_t stages = 2;
  /// Precision of mma operands (f32, tf32, bf16, f16); accumulation is fp32.
  std::string mma = "f32";
  /// Consumer warps per block: 4 (one warpgroup) or 8 (two warpgroups that
  /// share every element-wise loop and the mma operands' staging; the first
  /// multiplies). GPU targets only; the cpu target runs one thread.
  int64_t warps = 4;
  /// Warp roles: a producer warp issues the copies (ops with role
  /// producer) while the consumer warps compute, synchronised by
  /// mbarriers; off: every warp runs every op.
  bool warpRoles = false;
  /// Register tiles used most in loops move into the shared memory the
  /// kernel leaves free (tile-promote-shared, with the GPU target's limit;
  /// the cpu target then runs the same placement).
  bool promote = false;
  /// Registers per consumer thread that register tiles may take in
  /// registers (tile-place-fragments: tiles of whole 64 x 64 blocks, hottest
  /// first); 0: every register tile stays in memory. GPU targets; the cpu
  /// target runs the same emitted code with fragments as plain tiles.
  int64_t frag = 0;
  /// Element-wise ops of one shape side by side (tile-group-elementwise),
  /// then runs of them as one loop with one barrier
  /// (tile-fuse-elementwise), over float4 quads where the run's rows allow.
  /// The default where measured faster (defaultFuse).
  bool fuse = false;
  /// A causal or decay mask right after the matmul that makes its tile runs
  /// on the matmul's accumulators before they are stored
  /// (tile-fuse-mask-epilogue): one pass over the tile and one barrier
  /// fewer, the same values. Off by default: not yet timed on a GPU.
  bool maskEpilogue = false;
  /// Decayed Gram blocks with 16-bit operands factored through each 16-row
  /// block's first row (one scaling of the rows per block, the diagonal
  /// tiles included where their gates allow, the per-tile form where not),
  /// rather than per 16 x 8 tile (`gram=rows|tiles`). The sm_90a chooser
  /// takes it where the per-channel decay is a `logdecay` input (see
  /// defaultGramRows). A proven gate bound takes the row-block form without
  /// tests whatever this says.
  bool gramRows = false;
  /// With promote, one input stage and no warp roles: register tiles live
  /// in the input stages the chunk has read (tile-alias-stages). On by
  /// default (H200: see bench/results/bench-h200.md); `alias=off` keeps
  /// them in scratch, to compare.
  bool aliasStages = true;
  /// With one input stage and no warp roles: the chunk loop's 16-bit
  /// inputs load one chunk ahead into landing buffers where shared memory
  /// is left for them (tile-prefetch-inputs). The sm_90a chooser takes it
  /// for a plain update (VariantTraits::plainUpdate) with the head split
  /// (H200: linear attention, RetNet, simple GLA 6-11% faster; GDN,
  /// DeltaNet 2-7% slower; bench/results/bench-h200.md).
  bool prefetch = false;
  /// With prefetch: landed rows whose only reader is an element-wise op
  /// writing a fragment go straight into that fragment
  /// (tile-take-into-fragments; take=fragment) instead of through the
  /// shared stage (take=stage, the default until it has run on a GPU).
  /// Without prefetch or fragments there is nothing to take: no effect.
  bool takeIntoFragments = false;
  /// The chunk-local part of chunk c (everything that does not read the
  /// state: norms, gates, Gram, inverse, W, U) runs in the same loop
  /// iteration as the state part of chunk c - 1, which reads what it needs
  /// of it from two-stage shared handoff buffers (config ahead=on). The two
  /// parts are then independent within an iteration: the structure in which
  /// warps of their own can run them side by side (docs/performance.md, the
  /// auxiliary role). W/U fused, split head or vtile, no prefetch or roles.
  bool ahead = false;
  /// Shared tiles that only copies write and only bf16 matmuls (whole
  /// 64 x 64 blocks) read are stored in bf16 (tile-store-16bit): half the
  /// bytes, the same results. Off until it has run on a GPU.
  bool store16 = false;
  /// Rows of shared fp32 tiles of 32k floats lie 16 bytes further apart
  /// (tile-pad-shared-rows; config pad=on): the matmuls' accumulator layout
  /// (8 rows x 4 column pairs per warp) then reads and writes them with at
  /// most 2-way bank conflicts instead of 8. The sm_90a chooser's default
  /// (chooseKernelConfig says what it measured).
  bool padRows = false;
  /// The same for shared bf16 tiles of 64k halves a row, 32 bytes further
  /// apart (config pad16=on): the input stages fragments read in the
  /// accumulator layout (GDN's v, q and k). Off until timed on a GPU.
  bool pad16 = false;
  /// Ops leave out their closing block barrier where the next step depends
  /// on no step since the last barrier (tile-elide-barriers; config
  /// barriers=needed; barriers=all keeps one after every op). Off until
  /// timed on a GPU.
  bool elideBarriers = false;
  /// Two Gram matrices of the same right operand and decays in one call
  /// (tile-pair-grams; config grampair=on: KDA's A and M). The sm_90a
  /// default for KDA's softplus gate (defaultPairGrams).
  bool pairGrams = false;
  /// config gramfactor=on: the CUDA library's fp32 diagonal 8 x 8 blocks of
  /// the per-tile Gram form through reference rows
  /// (LINAC_GRAM_BLOCK_FACTOR: 21 exponentials per channel instead of 36);
  /// gramfactor=off takes each pair's own. A switch of the target's
  /// library, like copies; the sm_90a default where pairGrams is.
  bool factorGramBlocks = false;
  /// config grambalance=on: the CUDA library's per-tile Gram form deals its
  /// lighter diagonal tiles to the warps that take a third tile
  /// (LINAC_GRAM_BALANCE; the same tiles, so the same outputs). A switch of
  /// the target's library, like gramfactor; the sm_90a default where
  /// measured faster (defaultBalanceGrams).
  bool balanceGramTiles = false;
  /// config tokens=inplace: the per-token values the chunk computes (a
  /// gate's softplus, a normalised key) have their rows past the sequence's
  /// end zeroed where they were made, not copied into a tile of their own
  /// first (tokens=copy; KDA: 48 -> 45 block-wide steps per chunk). Inputs
  /// used as they are and per-kernel invariants are never masked in place.
  bool tokensInPlace = false;
  /// config place=bytes: tile-place-fragments keeps in registers the set
  /// of register tiles that saves the most scratch traffic a chunk (uses x
  /// bytes, within frag), not the most uses per register first
  /// (place=uses). Off (not yet measured on a GPU); it moves the sequence
  /// split's 128 x 256 map into registers where frag allows.
  bool placeByBytes = false;
  /// config inverse=late: the delta rule's V' = U - W S computed as
  /// T (Y - X S), the general erase's U = W S + T (A Y) as T (X S + A Y)
  /// (chunk-late-inverse): W = T X is not formed, one C x C x K product
  /// fewer a chunk. wu=fused only. Off (not yet measured on a GPU).
  bool lateInverse = false;
  /// config foldsub=on: tile-fold-accumulate also folds a difference
  /// X - A B into the mma (X -= A B, mma `subtract`): the delta rule's
  /// V' = U - W S one step into U's tile instead of a matmul into its own
  /// tile and an element-wise pass. Off (not yet measured on a GPU).
  bool foldSubtract = false;
  /// config own=warps: the state pass's ops owned by warps (tile-own-columns):
  /// each warp holds a block of V columns of the state, V' and the outputs
  /// and multiplies the workspaces straight from shared memory, with no
  /// barrier between the ops of a chunk (in the sequence split, the outputs
  /// pass). wu=materialized, outputs=state, roles=off.
  bool ownColumns = false;
  /// With wu=materialized: the state pass only carries the state, storing
  /// it at each chunk's start, and a chunk-parallel kernel makes the
  /// outputs from it (outputs=parallel; the sequential kernel then holds
  /// the state update alone); outputs=state keeps them in the state pass.
  bool parallelOutputs = false;
  /// The input stages of multi-column inputs hold the caller's bf16 values
  /// as they are (tile-inputs-16bit; config inputs=bf16): half the shared
  /// memory, copies of raw bytes instead of converting loads, and ops that
  /// read them convert as they read (exactly). Such a module requires those
  /// inputs in bf16 and refuses others; inputs=any (the default) reads every
  /// dtype into fp32 stages.
  bool bf16Inputs = false;
  /// config copies=inline: the CUDA library's input copies inlined into the
  /// kernel (LINAC_INLINE_COPIES); copies=call (the default): out of line,
  /// where a call saves and restores the caller's live registers. A switch
  /// of the target's library, not of the kernel's IR: the cpu target's
  /// kernels are the same either way.
  bool inlineCopies = false;
  /// Consumer warps of the chunk-parallel kernels (wu=materialized's chunk
  /// kernel and outputs=parallel's outputs kernel; config pwarps); 0: as
  /// `warps`. Their grid has a block per chunk, so fewer warps per block
  /// can mean more blocks per SM.
  int64_t parallelWarps = 0;
  /// Blocks per SM the chunk-parallel kernels are sized for (config
  /// pblocks): promotion and landing buffers fill only that share of an
  /// SM's shared memory, and the launch bound keeps registers within it.
  int64_t parallelBlocks = 1;
  /// Blocks per SM the sequential kernels (the fused state pass, the
  /// sequence split's maps, combine and outputs kernels) are sized for
  /// (config blocks): promotion and landing buffers fill only that share
  /// of an SM's shared memory, the launch bound keeps registers within it,
  /// and the fragment budget (frag) must leave 64 registers per thread
  /// beside it. With split=vtile two blocks of half the columns can share
  /// an SM, each hiding the other's latency (one block of 8 warps per SM
  /// issues in about a quarter of the cycles: docs/performance.md).
  int64_t blocks = 1;

  /// config norms=factor: an L2-normalised vector (q, k, ...) is not made
  /// into a tile. The chunk's products read the vector as given and scale
  /// their rows and columns by its inverse norms, a C x 1 column
  /// (chunk-factor-norms, chunk-push-row-scaling): two C x K tiles fewer,
  /// and with inputs=bf16 the matmuls read the input stages themselves.
  /// Not bit-identical to norms=tile (the default): the 16-bit operands are
  /// the inputs rather than roundings of their normalised values.
  bool factorNorms = false;
  /// config scales=factor: an input vector times per-token scalars (the
  /// delta rule's y = v * beta) is not made into a tile either; the
  /// products read the input and take the scalars as a column
  /// (chunk-factor-norms' scaled-inputs): U = (T diag(beta)) v.
  bool factorScales = false;
  /// config push=state: with norms or scales factored, a product that
  /// depends on the state and reads a row-scaled tile scales its result's
  /// rows instead ((q c) S = diag(c) (q S)), where the scaled tile is the
  /// product's lhs as it is (not transposed): that scaled tile is not made;
  /// the element-wise work moves onto the product, in the state's part.
  /// Without norms=factor or scales=factor there is nothing to move (the
  /// default config of a variant decides those, so it is not an error).
  bool pushIntoStateProducts = false;

  std::string str() const;
};

/// Parses "chunk=64,wu=fused,split=vtile,vtile=32,stages=2,mma=f32" over
/// `base` (unnamed keys keep their value). Returns an error message or "".
std::string parseKernelConfig(const std::string &text, KernelConfig &config);

/// Checks a config against K and V; returns an error message or "".
std::string validateKernelConfig(const KernelConfig &config, int64_t K,
                                 int64_t V);

/// What the default chooser knows of the target it chooses for.
enum class ChooserTarget { cpu, sm80, sm90a };

/// "sm_90a" and "sm_80" name GPU targets; every other name (cpu, chunk,
/// reference, empty) chooses as for the cpu target.
ChooserTarget chooserTargetOf(const std::string &name);

/// Registers per consumer thread that the default config gives register
/// tiles of whole 64 x 64 blocks (config frag): 192 on sm_90a at chunk 64
/// (128 for a per-channel decay), 0 otherwise (measured on sm_90a at chunk
/// 64 only). The driver asks again when it steps a config down to chunk 32.
int64_t defaultFragmentBudget(ChooserTarget target, int64_t chunk, bool channelDecay = false);

/// The most registers per consumer thread that fragments may take when the
/// sequential kernels are sized for config.blocks > 1 blocks per SM: the
/// launch bound's registers per thread (65536 per SM over the blocks'
/// threads, at most 255) less 64 for everything else, in whole 32-register
/// steps (a 64 x 64 block per warpgroup). -1 when blocks is 1 (no bound
/// beyond the config's own range).
int64_t fragmentCeiling(const KernelConfig &config);

/// Rows per sub-block of per-channel decayed Gram matrices that the default
/// config takes (config sub): 64 on sm_90a at chunk 64, 16 otherwise. The
/// driver asks again when it steps a config down to chunk 32.
int64_t defaultSubBlock(ChooserTarget target, int64_t chunk);
/// The V tile of a V split where the config names none: 64 columns at
/// V >= 128, else 32; all of V where that does not divide it.
int64_t defaultVTile(int64_t V);

/// What the default choice needs to know of a variant.
struct VariantTraits {
  /// The pre-processing reduces over a V-vector: the state's columns
  /// cannot be split across blocks.
  bool reducesOverV = false;
  /// The delta rule with a per-channel decay (KDA; not the general erase
  /// of DPLR or GDN-2, where the choice is not measured).
  bool channelDeltaRule = false;
  /// The decay is per channel (KDA, GLA, DPLR, GDN-2): a Gram with a
  /// per-channel decay, whose fragments the register budget must leave room
  /// for.
  bool channelDecay = false;
  /// Neither an erase term nor a per-channel decay (linear attention,
  /// RetNet, simple GLA): the chunk is a few matmuls, so loading the next
  /// chunk's inputs under them pays (config prefetch).
  bool plainUpdate = false;
  /// The delta rule with a scalar data-dependent decay (GDN): its q and k
  /// norms as row scalings pay on sm_90a (config norms=factor).
  bool scalarDeltaRule = false;
  /// The delta rule without decay (DeltaNet).
  bool unitDeltaRule = false;
  /// The per-channel decay is an input declared `logdecay` (GLA, DPLR), not
  /// made by a formula from other inputs and parameters (KDA's and GDN-2's
  /// -exp(A_log) softplus(a + dt_bias): decays of several units per token at
  /// their usual parameters, which send the Gram's diagonal tiles out of the
  /// row-block form).
  bool channelGateInput = false;
  /// The gate formula proves a lower bound on g (KDA's safe gate): the Gram
  /// matrices take the bounded form, which neither the pair nor the
  /// factored blocks change.
  bool boundedGate = false;
  /// A per-channel decay without an erase term (GLA).
  bool channelPlainUpdate = false;
};

/// The default choice for a problem: chunk 64 (32 for short sequences),
/// W/U fused; when there are too few (sequence, head) pairs to fill a GPU
/// (fewer than 128): a sequence split for long sequences (at least 16
/// chunks each; 2 to 16 segments, as many as fill one wave of 132 SMs),
/// else a V split when V is a multiple of 32. The sequence split's combine
/// takes 32 columns of V per block where V is a larger multiple of 32.
/// Neither split of the state's columns is chosen when `reducesOverV`.
/// The sequence split of a delta rule with per-channel decay materialises
/// W and U in its segment maps kernel (`wu=materialized`).
/// mma operands are bf16 on the GPU targets (tensor cores; the precision
/// FLA's kernels use), f32 on the cpu target; GPU blocks have 8 consumer
/// warps, one input stage and promote hot register tiles to shared memory,
/// and keep tiles in registers per defaultFragmentBudget (fewer for a
/// per-channel decay). On sm_90a a plain update with the head split loads
/// its inputs one chunk ahead (prefetch), and the delta rule with a scalar
/// decay (GDN), or with a per-channel decay in the sequence split (KDA), takes
/// its norms as row scalings (norms=factor). `bf16Inputs`: the caller will
/// pass q, k, v in bf16 (linac's --dtype bf16), so forms that take only
/// bf16 (inputs=bf16, see defaultBf16Inputs) may be chosen.
KernelConfig chooseKernelConfig(int64_t sequences, int64_t headsV,
                                int64_t tokens, int64_t K, int64_t V,
                                const VariantTraits &traits = {},
                                ChooserTarget target = ChooserTarget::cpu,
                                bool bf16Inputs = false);
/// Whether the default loads the inputs one chunk ahead (config prefetch)
/// for config `c`: on sm_90a, for a plain update, with the head split, W/U
/// fused, one input stage, no warp roles and not ahead. The driver asks again after
/// --config overrides the rest of the default and leaves prefetch unsaid.
bool defaultPrefetch(ChooserTarget target, const VariantTraits &traits, const KernelConfig &c);
/// Whether the default takes the norms as row scalings (config norms=factor)
/// for config `c`: on sm_90a, for the delta rule with a scalar decay (GDN),
/// and for one with a per-channel decay (KDA) in the sequence split with W
/// and U materialised, where each was measured faster. The driver asks again
/// after --config overrides the rest and leaves norms unsaid. (str() spells
/// norms only when factored: a config string of norms=tile read back over
/// such a default needs norms=tile added.)
bool defaultFactorNorms(ChooserTarget target, const VariantTraits &traits,
                        const KernelConfig &c);
/// Whether the default forms decayed Gram blocks through each 16-row block's
/// first row (config gram=rows) for config `c`: on sm_90a, for a per-channel
/// decay given as a `logdecay` input (any K-vector input so declared: the
/// classification does not say which value reaches decay()), in the fused
/// kernel of the head split (8 warps, one stage, one block per SM, no warp
/// roles) with bf16 operands and one diagonal block of 64, where it was
/// measured faster. The driver asks again after --config overrides the rest and
/// leaves gram unsaid.
bool defaultGramRows(ChooserTarget target, const VariantTraits &traits, const KernelConfig &c);
/// Whether the default keeps the inputs in bf16 stages (config inputs=bf16,
/// which refuses inputs of another dtype) for config `c`: only when the
/// caller said its inputs are bf16, on sm_90a, without warp roles, prefetch
/// or ahead, for the delta rule with a scalar decay (GDN, the head and
/// sequence splits) or without decay (DeltaNet, the head split), where each
/// was measured faster. The driver asks
/// again after --config overrides the rest and leaves inputs unsaid.
bool defaultBf16Inputs(ChooserTarget target, const VariantTraits &traits,
                       const KernelConfig &c, bool bf16Inputs);
/// Whether the default pads the bf16 input stages' rows too (config
/// pad16=on) for config `c`: on sm_90a where fp32 rows are padded (pad=on)
/// and the inputs are kept in bf16 stages (inputs=bf16), with W and U fused,
/// in the head or sequence split at one block per SM: where it was measured
/// faster. The driver asks again after --config overrides the rest
/// and leaves pad16 unsaid.
bool defaultPad16(ChooserTarget target, const KernelConfig &c);
/// Whether the default groups and fuses element-wise ops (config fuse=on)
/// for config `c`: on sm_90a, chunks of 64, one stage, one block per SM, no
/// warp roles, in the forms measured faster: the delta rule with a scalar
/// decay (GDN) and every erase with a per-channel decay (KDA, kda_safe, DPLR,
/// GDN-2) with W and U fused in the head or the sequence split and no landing
/// buffers; KDA's sequence split with W and U materialised; the plain
/// updates (linear attention, RetNet, simple GLA) with landing buffers in the
/// head split. Not GLA or DeltaNet (not faster). The driver asks again after
/// --config overrides the rest where fuse is left unsaid.
bool defaultFuse(ChooserTarget target, const VariantTraits &traits, const KernelConfig &c);
/// Whether the default inlines the library's input copies (config
/// copies=inline) for config `c`: on sm_90a, one block per SM, no warp
/// roles, in the forms measured faster: the delta rule with a scalar decay
/// (GDN) in the head split with bf16 input stages and W and U fused; KDA's
/// delta rule with an unbounded per-channel gate (chunks of 64, one stage)
/// in the fused head split and, with its Gram matrices paired, in the
/// sequence split; GLA (a per-channel decay without erase) in the fused
/// head split with the row-block Gram. The driver asks again after --config
/// overrides the rest (and at the step down to chunk 32) where copies is
/// left unsaid.
bool defaultInlineCopies(ChooserTarget target, const VariantTraits &traits,
                         const KernelConfig &c);
/// Whether the default makes KDA's two Gram matrices in one call and their
/// diagonal blocks through reference rows (config grampair=on,
/// gramfactor=on) for config `c`: on sm_90a, for the delta rule with a
/// per-channel decay and no proven gate bound, chunks and Gram sub-blocks
/// of 64 with bf16 operands (the per-tile form), one stage, one block per
/// SM, no warp roles: the forms measured faster.
bool defaultPairGrams(ChooserTarget target, const VariantTraits &traits, const KernelConfig &c);
/// The default of config grambalance for config `c`: on sm_90a, for a
/// per-channel decay made by a formula with no proven bound (KDA, GDN-2:
/// their Gram takes the per-tile form), in the head split's fused kernel at
/// chunk 64, sub-block 64, bf16 operands, one stage, one block per SM, no
/// warp roles (the form measured; the sequence split measured slower).
bool defaultBalanceGrams(ChooserTarget target, const VariantTraits &traits,
                         const KernelConfig &c);
/// The CUDA tile library's switches (#define NAME 1 before its #include)
/// that config `c` sets.
std::vector<std::string> librarySwitches(const KernelConfig &c);

} // namespace linac

#endif
