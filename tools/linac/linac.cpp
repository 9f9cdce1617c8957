//===- linac.cpp - the linac driver ----------------------------------------===//
//
//   linac compile X.lin --emit lin|chunk|tile|cpp [--shape K=..,V=..]
//                 [--config CONFIG] [-o FILE] [--verify-diagnostics]
//   linac run X.lin --target reference|chunk|cpu|sm_90a|sm_80
//             --shape B=..,T=..,H=..[,HV=..],K=..,V=.. --seed N
//             [--seqlens 37,1,62] [--initial-state] [--scale F]
//             [--dtype f32|bf16|f16]
//             [--gates realistic|strong|weak] [--config CONFIG] [--check]
//             [--dump DIR]
//   linac explain X.lin [--shape ...] [--config CONFIG]
//
// Exit codes: 0 success, 1 the program or the run failed, 2 bad usage.
//
//===----------------------------------------------------------------------===//
#include "Explain.h"
#include "dialect/chunk/IR/ChunkDialect.h"
#include "dialect/chunk/Transforms/Passes.h"
#include "dialect/lin/IR/Classification.h"
#include "codegen/EmitCpp.h"
#include "dialect/tile/Transforms/Passes.h"
#include "lowering/KernelConfig.h"
#include "lowering/Passes.h"
#include "runtime/InputDtypes.h"
#include "runtime/cpu/CpuRuntime.h"
#include "runtime/cpu/ModuleCache.h"
#ifdef LINAC_HAVE_NVRTC
#include "runtime/cuda/CudaDriver.h"
#include "runtime/cuda/CudaLaunch.h"
#include "runtime/cuda/NvrtcCompiler.h"
#endif
#include "reference/ChunkEvaluator.h"
#include "dialect/lin/IR/LinDialect.h"
#include "frontend/import/ImportLin.h"
#include "reference/Interpreter.h"
#include "reference/Npy.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using namespace mlir;

namespace {

constexpr const char *kUsage =
    "usage: linac compile FILE.lin [--emit lin|chunk|tile|cpp|cuda|module|ptx] [--shape K=..,V=..]\n"
    "                     [--target sm_90a|sm_80 (ptx)]\n"
    "                     [--config CONFIG] [--dtype f32|bf16|f16] [-o OUT] [--verify-diagnostics]\n"
    "       linac run FILE.lin --target reference|chunk|cpu|sm_90a|sm_80 --shape "
    "B=..,T=..,H=..[,HV=..],K=..,V=..\n"
    "                 --seed N [--seqlens L1,L2,..] [--initial-state] "
    "[--scale F] [--dtype f32|bf16|f16]\n"
    "                 [--gates realistic|strong|weak] [--config CONFIG] "
    "[--check] [--dump DIR]\n"
    "       linac explain FILE.lin [--shape ...] [--seqlens ...] [--target cpu|sm_90a|sm_80] [--config CONFIG]\n"
    "                     [--dtype f32|bf16|f16] [--ir]\n"
    "       linac --help | --version\n"
    "targets: reference  float64, token by token (the oracle)\n"
    "         chunk      the chunked algorithm in float64 (checks the lowering)\n"
    "         cpu        the emitted kernels, compiled for and run on the CPU\n"
    "         sm_90a     the emitted CUDA kernels on an sm_90 GPU (wgmma)\n"
    "         sm_80      the same for sm_80 (mma.sync; compute_80 PTX on newer GPUs)\n"
    "--dtype: the inputs' dtype (run: rounded to it; GPU kernels read it as such);\n"
    "         bf16 lets the default config keep q, k, v in bf16 (inputs=bf16, sm_90a:\n"
    "         such kernels refuse other dtypes); without it the default takes any dtype\n"
    "config:  chunk=64,sub=16,wu=fused|materialized,split=head|vtile|sequence,vtile=N,"
    "segment=N,combine=N,stages=2,mma=f32|tf32|bf16|f16,warps=4|8,roles=off|on,\n"
    "         promote=off|on,frag=N,place=uses|bytes,inverse=early|late,fuse=off|on,epilogue=off|on,gram=tiles|rows,alias=on|off,prefetch=off|on,\n"
    "         take=stage|fragment,ahead=off|on,store16=off|on,pad=off|on,pad16=off|on,barriers=all|needed,grampair=off|on,gramfactor=off|on,\n"
    "         grambalance=off|on,tokens=copy|inplace,foldsub=off|on,own=block|warps,outputs=state|parallel,inputs=any|bf16,pwarps=4|8,pblocks=N,blocks=N,norms=tile|factor,scales=tile|factor,push=local|state\n";

int usageError(const std::string &message) {
  llvm::errs() << "linac: error: " << message << "\n";
  return 2;
}

/// Lowers every lin.variant of `module` to chunk.scan (chunk size and
/// Gram sub-block from the config).
LogicalResult lowerToChunk(ModuleOp module, int64_t K, int64_t V,
                           const linac::KernelConfig &config,
                           const std::string &corrupt) {
  PassManager pm(module.getContext());
  linac::LinToChunkOptions options;
  options.keyDim = K;
  options.valueDim = V;
  options.chunkSize = config.chunk;
  options.subBlock = config.subBlock;
  // drop-norm and drop-scale corrupt chunk-factor-norms, the others
  // lin-to-chunk.
  bool factorCorrupt = corrupt == "drop-norm" || corrupt == "drop-scale";
  options.corrupt = factorCorrupt ? "" : corrupt;
  pm.addPass(linac::createLinToChunk(options));
  // inverse=late: V' = T (Y - X S) and U = T (X S + A Y), before the row
  // scalings move (the patterns are lin-to-chunk's WY forms).
  if (config.lateInverse)
    pm.addNestedPass<chunk::ScanOp>(linac::createChunkLateInverse());
  // norms=factor: normalised vectors as the vector and a row scaling that
  // the chunk's products take in; scales=factor: scaled inputs too.
  if (config.factorNorms || config.factorScales) {
    linac::ChunkFactorNormsOptions factor;
    factor.corrupt = factorCorrupt ? corrupt : "";
    factor.norms = config.factorNorms;
    factor.scaledInputs = config.factorScales;
    pm.addNestedPass<chunk::ScanOp>(linac::createChunkFactorNorms(factor));
    linac::ChunkPushRowScalingOptions push;
    push.stateProducts = config.pushIntoStateProducts;
    pm.addNestedPass<chunk::ScanOp>(linac::createChunkPushRowScaling(push));
  }
  return pm.run(module);
}

/// chunk.scan -> tile.kernel(s).
/// Shared memory per block a GPU architecture allows (sm_90a and sm_80).
int64_t sharedLimitOf(const std::string &arch) {
  return arch == "sm_80" ? 163 * 1024 : 227 * 1024;
}
/// Shared memory per SM (228 KiB on sm_90: H100, H200; 164 KiB on sm_80);
/// each resident block also takes 1 KiB of it.
int64_t sharedPerSMOf(const std::string &arch) {
  return (arch == "sm_80" ? 164 : 228) * 1024;
}

/// Chunk IR to tile IR; with config promote=on, hot tiles move into the
/// shared memory `arch` leaves free (the cpu target: sm_90a's placement).
LogicalResult lowerToTile(ModuleOp module, const linac::KernelConfig &config,
                          const std::string &corrupt = "",
                          const std::string &arch = "sm_90a") {
  PassManager pm(module.getContext());
  linac::ChunkToTileOptions options;
  options.config = config.str();
  options.corrupt = corrupt;
  pm.addPass(linac::createChunkToTile(options));
  linac::TileFoldAccumulateOptions fold;
  fold.subtract = config.foldSubtract;
  pm.addNestedPass<tile::KernelOp>(linac::createTileFoldAccumulate(fold));
  // Before the buffers are shared: the paired outputs are live together.
  if (config.pairGrams)
    pm.addNestedPass<tile::KernelOp>(linac::createTilePairGrams());
  // The ops on the state owned by warps, by columns of V (before the
  // buffers are shared: storage is shared only among tiles of one kind).
  if (config.ownColumns)
    pm.addNestedPass<tile::KernelOp>(linac::createTileOwnColumns());
  pm.addNestedPass<tile::KernelOp>(linac::createTileReuseBuffers());
  if (config.frag > 0) {
    linac::TilePlaceFragmentsOptions frag;
    frag.budget = config.frag;
    frag.order = config.placeByBytes ? "bytes" : "uses";
    pm.addNestedPass<tile::KernelOp>(linac::createTilePlaceFragments(frag));
  }
  // Shared tiles only bf16 matmuls read, in bf16 (before the passes that
  // count shared memory).
  if (config.store16)
    pm.addNestedPass<tile::KernelOp>(linac::createTileStore16Bit());
  // Input stages in bf16 where the module requires bf16 inputs.
  if (config.bf16Inputs)
    pm.addNestedPass<tile::KernelOp>(linac::createTileInputs16Bit());
  // Shared fp32 rows padded off the bank of the row before (before the
  // passes that place buffers in shared memory: they count padded bytes).
  if (config.padRows || config.pad16) {
    linac::TilePadSharedRowsOptions pad;
    pad.limit = sharedLimitOf(arch);
    pad.reserved = linac::cudaTarget().reservedSharedBytes;
    pad.f32 = config.padRows;
    pad.bf16 = config.pad16;
    pm.addNestedPass<tile::KernelOp>(linac::createTilePadSharedRows(pad));
  }
  // Scratch tiles into input stages the chunk has read (one stage, no
  // producer warp: the next chunk's copies come after the body's barrier;
  // the pass takes one-stage buffers only, so with stages=2 it places tiles
  // in the chunk-parallel kernels' stages alone).
  if (config.promote && config.aliasStages && !config.warpRoles)
    pm.addNestedPass<tile::KernelOp>(linac::createTileAliasStages());
  if (config.promote) {
    linac::TilePromoteSharedOptions promote;
    promote.limit = sharedLimitOf(arch);
    promote.reserved = linac::cudaTarget().reservedSharedBytes;
    pm.addNestedPass<tile::KernelOp>(linac::createTilePromoteShared(promote));
  }
  // Inputs one chunk ahead, in the shared memory the placement left.
  if (config.prefetch) {
    linac::TilePrefetchInputsOptions prefetch;
    prefetch.limit = sharedLimitOf(arch);
    prefetch.reserved = linac::cudaTarget().reservedSharedBytes;
    prefetch.corrupt = corrupt;
    pm.addNestedPass<tile::KernelOp>(linac::createTilePrefetchInputs(prefetch));
    if (config.takeIntoFragments)
      pm.addNestedPass<tile::KernelOp>(linac::createTileTakeIntoFragments());
  }
  // Barriers where an op writes what an op owned by warps read (after
  // the placement passes decide which tiles share memory).
  if (config.ownColumns)
    pm.addNestedPass<tile::KernelOp>(linac::createTileOwnBarriers());
  if (config.fuse) {
    // Element-wise ops of one shape side by side, then fused in runs.
    pm.addNestedPass<tile::KernelOp>(linac::createTileGroupElementwise());
    pm.addNestedPass<tile::KernelOp>(linac::createTileFuseElementwise());
  }
  // Masks on the matmul accumulators that make their tiles.
  if (config.maskEpilogue)
    pm.addNestedPass<tile::KernelOp>(linac::createTileFuseMaskEpilogue());
  // Last: barriers only where the next step needs one.
  if (config.elideBarriers)
    pm.addNestedPass<tile::KernelOp>(linac::createTileElideBarriers());
  return pm.run(module);
}

/// The tensors of a variant, for the emitted module's signature.
linac::KernelSignature signatureOf(lin::VariantOp variant, int64_t K, int64_t V) {
  linac::KernelSignature sig;
  sig.K = K;
  sig.V = V;
  auto width = [](Type t) {
    auto vec = dyn_cast<lin::VecType>(t);
    return !vec ? 0 : vec.getExtent() == lin::Extent::K ? 1 : 2;
  };
  lin::Classification c = lin::classify(variant);
  for (lin::InputOp in : c.inputs)
    sig.args.push_back({in.getName().str(), false,
                        in.getHeads() == lin::HeadGroup::H,
                        width(in.getType())});
  for (lin::ParamOp p : c.params)
    sig.args.push_back({p.getName().str(), true, false, width(p.getType())});
  return sig;
}

/// The config's CUDA library switches where `target` is the CUDA library
/// (the cpu library has none).
std::vector<std::string> cudaLibrarySwitches(const linac::TargetHooks &target,
                                             const linac::KernelConfig &config) {
  return target.header == linac::cudaTarget().header ? linac::librarySwitches(config)
                                                     : std::vector<std::string>{};
}

/// The emitted C++ of a tile module for `target`, or failure (diagnosed).
FailureOr<std::string> emitSource(ModuleOp module,
                                  const linac::TargetHooks &target,
                                  StringRef variant,
                                  const linac::KernelConfig &config,
                                  const linac::KernelSignature &signature) {
  std::string source;
  llvm::raw_string_ostream os(source);
  if (failed(linac::emitCpp(module, target, variant, config.str(), config.chunk,
                            signature, os, cudaLibrarySwitches(target, config))))
    return failure();
  return source;
}

/// The kernel with the most shared memory per block on the CUDA target
/// (the library's reservation included), and that amount.
std::pair<std::string, int64_t> largestSharedMemory(ModuleOp module) {
  std::pair<std::string, int64_t> worst{"", 0};
  for (auto kernel : module.getOps<tile::KernelOp>()) {
    int64_t bytes = linac::kernelMemory(kernel, linac::cudaTarget()).sharedBytes;
    if (bytes > worst.second)
      worst = {kernel.getSymName().str(), bytes};
  }
  return worst;
}

/// Whether config text leaves a key unsaid: parsed over two different
/// values of its field, each keeps what it was given.
template <class T>
bool keyUnsaid(const std::string &text, T linac::KernelConfig::*field, T one, T other) {
  linac::KernelConfig a, b;
  a.*field = one;
  b.*field = other;
  (void)linac::parseKernelConfig(text, a);
  (void)linac::parseKernelConfig(text, b);
  return a.*field != b.*field;
}
bool flagUnsaid(const std::string &text, bool linac::KernelConfig::*flag) {
  return keyUnsaid(text, flag, true, false);
}

/// The defaults of the forms measured at one config only: the Gram library
/// switches (grampair, gramfactor, grambalance), then the copy form (copies,
/// which follows the Gram's choices for KDA and GLA) and the element-wise
/// fusion (fuse), for config as it now stands, where the user's config text
/// leaves them unsaid: asked again whenever the rest of the config changes
/// (keys given without them, a step down to chunk 32).
void askMeasuredFormDefaults(const std::string &text, linac::ChooserTarget target,
                             const linac::VariantTraits &traits, linac::KernelConfig &config) {
  for (bool linac::KernelConfig::*flag :
       {&linac::KernelConfig::pairGrams, &linac::KernelConfig::factorGramBlocks})
    if (flagUnsaid(text, flag))
      config.*flag = linac::defaultPairGrams(target, traits, config);
  if (flagUnsaid(text, &linac::KernelConfig::balanceGramTiles))
    config.balanceGramTiles = linac::defaultBalanceGrams(target, traits, config);
  if (flagUnsaid(text, &linac::KernelConfig::inlineCopies))
    config.inlineCopies = linac::defaultInlineCopies(target, traits, config);
  if (flagUnsaid(text, &linac::KernelConfig::fuse))
    config.fuse = linac::defaultFuse(target, traits, config);
}

/// What the default config depends on of a variant.
linac::VariantTraits traitsOf(lin::VariantOp variant) {
  lin::Classification cls = lin::classify(variant);
  linac::VariantTraits traits;
  traits.reducesOverV = cls.reducesOverV;
  traits.channelDeltaRule =
      cls.decay == lin::DecayKind::channel && cls.erase == lin::EraseKind::delta;
  traits.channelDecay = cls.decay == lin::DecayKind::channel;
  traits.boundedGate = cls.gLowerBound.has_value();
  traits.plainUpdate = cls.erase == lin::EraseKind::none && !traits.channelDecay;
  traits.scalarDeltaRule =
      cls.decay == lin::DecayKind::scalar && cls.erase == lin::EraseKind::delta;
  traits.unitDeltaRule =
      cls.decay == lin::DecayKind::none && cls.erase == lin::EraseKind::delta;
  traits.channelPlainUpdate = traits.channelDecay && cls.erase == lin::EraseKind::none;
  // The per-channel gate as passed: a K-vector input declared logdecay.
  for (lin::InputOp input : cls.inputs) {
    auto vec = dyn_cast<lin::VecType>(input.getResult().getType());
    traits.channelGateInput |= traits.channelDecay && input.getDomain() == lin::Domain::logdecay &&
                               vec && vec.getExtent() == lin::Extent::K;
  }
  return traits;
}

/// The config: the default choice for the shape, overridden by --config.
std::string resolveConfig(const std::map<std::string, std::string> &values,
                          const linac::Dims &dims,
                          const std::vector<int64_t> &cuSeqlens,
                          const linac::VariantTraits &traits, linac::KernelConfig &config,
                          const std::string &target = "") {
  int64_t sequences = cuSeqlens.empty() ? dims.B : cuSeqlens.size() - 1;
  // --dtype bf16: the caller's inputs are bf16, so bf16-only forms may be chosen.
  auto dtype = values.find("--dtype");
  const bool bf16Inputs = dtype != values.end() && dtype->second == "bf16";
  config = linac::chooseKernelConfig(sequences, dims.HV, dims.B * dims.T,
                                     dims.K, dims.V, traits,
                                     linac::chooserTargetOf(target), bf16Inputs);
  auto it = values.find("--config");
  if (it != values.end()) {
    if (auto err = linac::parseKernelConfig(it->second, config); !err.empty())
      return err;
    // A chunk given without sub takes the default sub-blocks of that chunk.
    linac::KernelConfig given;
    given.subBlock = -1;
    given.frag = -1;
    given.vTile = -1;
    given.stages = -1;
    (void)linac::parseKernelConfig(it->second, given);
    if (given.subBlock < 0)
      config.subBlock = linac::defaultSubBlock(linac::chooserTargetOf(target), config.chunk);
    // split=vtile given without vtile: the chooser's V tile.
    if (given.vTile < 0 && config.split == linac::KernelConfig::Split::VTile &&
        config.vTile < 1)
      config.vTile = linac::defaultVTile(dims.V);
    // own=warps given over the chooser's V split (few heads; before the
    // defaults that follow the split): each warp owns a multiple of 16
    // columns, so the V tile widens to 16 columns a warp, or to all of V
    // (the head split) where V has no such tile.
    if (config.ownColumns && config.split == linac::KernelConfig::Split::VTile &&
        keyUnsaid(it->second, &linac::KernelConfig::split, linac::KernelConfig::Split::Head,
                  linac::KernelConfig::Split::VTile) &&
        given.vTile < 0) {
      int64_t perBlock = 16 * config.warps;
      if (config.vTile % perBlock != 0) {
        if (perBlock < dims.V && dims.V % perBlock == 0)
          config.vTile = perBlock;
        else
          config.split = linac::KernelConfig::Split::Head;
      }
    }
    // blocks given without frag: the default's fragments, as many as the
    // blocks' launch bound leaves room for.
    if (int64_t ceiling = linac::fragmentCeiling(config); given.frag < 0 && ceiling >= 0)
      config.frag = std::min(config.frag, ceiling);
    auto unsaid = [&](bool linac::KernelConfig::*flag) { return flagUnsaid(it->second, flag); };
    // prefetch=on given without stages: one input stage (it loads one chunk
    // ahead into landing buffers instead of a second stage).
    if (!unsaid(&linac::KernelConfig::prefetch) && config.prefetch && given.stages < 0)
      config.stages = 1;
    // prefetch, norms, inputs, pad16, copies, gram, fuse, grampair, gramfactor
    // and grambalance left unsaid follow the rest of the config (stages, roles, split given
    // without them decide them again).
    if (unsaid(&linac::KernelConfig::prefetch))
      config.prefetch = linac::defaultPrefetch(linac::chooserTargetOf(target), traits, config);
    if (unsaid(&linac::KernelConfig::factorNorms))
      config.factorNorms =
          linac::defaultFactorNorms(linac::chooserTargetOf(target), traits, config);
    if (unsaid(&linac::KernelConfig::bf16Inputs))
      config.bf16Inputs =
          linac::defaultBf16Inputs(linac::chooserTargetOf(target), traits, config, bf16Inputs);
    if (unsaid(&linac::KernelConfig::pad16))
      config.pad16 = linac::defaultPad16(linac::chooserTargetOf(target), config);
    if (unsaid(&linac::KernelConfig::gramRows))
      config.gramRows = linac::defaultGramRows(linac::chooserTargetOf(target), traits, config);
    askMeasuredFormDefaults(it->second, linac::chooserTargetOf(target), traits, config);
  }
  return linac::validateKernelConfig(config, dims.K, dims.V);
}

/// Flags of one subcommand: names with a value, names without.
struct Flags {
  std::string file;
  std::map<std::string, std::string> values;
  std::map<std::string, bool> switches;
};

/// Returns an error message, empty on success.
std::string parseFlags(int argc, char **argv, int first,
                       const std::vector<std::string> &withValue,
                       const std::vector<std::string> &withoutValue,
                       Flags &flags) {
  auto contains = [](const std::vector<std::string> &v, const std::string &s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool hasInline = false;
    if (arg.rfind("--", 0) == 0 && arg.find('=') != std::string::npos) {
      value = arg.substr(arg.find('=') + 1);
      arg = arg.substr(0, arg.find('='));
      hasInline = true;
    }
    if (contains(withValue, arg)) {
      if (!hasInline) {
        if (i + 1 >= argc)
          return "flag " + arg + " needs a value";
        value = argv[++i];
      }
      if (flags.values.count(arg))
        return "flag " + arg + " given twice";
      flags.values[arg] = value;
    } else if (contains(withoutValue, arg) && !hasInline) {
      flags.switches[arg] = true;
    } else if (arg.rfind("-", 0) == 0 && arg.size() > 1) {
      return "unknown flag '" + arg + "'";
    } else if (flags.file.empty()) {
      flags.file = arg;
    } else {
      return "unexpected argument '" + arg + "' (one .lin file at a time)";
    }
  }
  if (flags.file.empty())
    return "no input file (expected a .lin file)";
  return "";
}

struct Loaded {
  OwningOpRef<ModuleOp> module;
  lin::VariantOp variant;
};

/// Reads and imports a .lin file; DSL diagnostics go to stderr.
std::optional<Loaded> load(const std::string &path, MLIRContext &context,
                           llvm::SourceMgr &sourceMgr) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return std::nullopt;
  sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
  Loaded l;
  l.module = linac::parseLinFile(sourceMgr, &context);
  if (!l.module)
    return Loaded{};
  l.variant = *l.module->getOps<lin::VariantOp>().begin();
  return l;
}

/// A context with linac's dialects, diagnostics printed MLIR-style, and
/// one .lin file imported.
struct Session {
  MLIRContext context;
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler{sourceMgr, &context};
  Loaded loaded;

  /// 0 on success, else the exit code (2: unreadable file, 1: DSL errors).
  int open(const std::string &path) {
    context.getOrLoadDialect<lin::LinDialect>();
    context.getOrLoadDialect<chunk::ChunkDialect>();
    auto l = load(path, context, sourceMgr);
    if (!l)
      return usageError("cannot read '" + path + "'");
    if (!l->module)
      return 1;
    loaded = std::move(*l);
    return 0;
  }
};

/// The --config text, empty when none was given.
std::string configText(const Flags &flags) {
  auto it = flags.values.find("--config");
  return it == flags.values.end() ? "" : it->second;
}

/// Lowers a loaded variant to tile kernels for a GPU target. Kernels must
/// fit the target's shared memory per block (the tile library's reserved
/// staging included): a config that does not is retried with one pipeline
/// stage, then with chunk 32, each only where `userConfig` (the --config
/// text) does not set that key; otherwise it is refused with the numbers.
/// `config` ends as the config lowered.
LogicalResult lowerForGpu(Loaded &loaded, int64_t K, int64_t V,
                          linac::KernelConfig &config,
                          const std::string &userConfig,
                          const std::string &arch) {
  // The keys the user gave: the text parsed over values no text can give
  // (it was validated when the config was resolved).
  linac::KernelConfig given;
  given.stages = given.chunk = 0;
  given.frag = given.subBlock = -1;
  (void)linac::parseKernelConfig(userConfig, given);
  OwningOpRef<ModuleOp> pristine = loaded.module->clone();
  const linac::VariantTraits traits = traitsOf(loaded.variant);
  while (true) {
    if (failed(lowerToChunk(*loaded.module, K, V, config, "")) ||
        failed(lowerToTile(*loaded.module, config, "", arch)))
      return failure();
    int64_t limit = sharedLimitOf(arch);
    auto [kernel, bytes] = largestSharedMemory(*loaded.module);
    if (bytes <= limit) {
      // A sequential kernel sized for N blocks per SM (config blocks) whose
      // N blocks do not fit the SM's shared memory would run fewer, with
      // registers cut for N: refused, with the numbers. (The chunk-parallel
      // kernels of pblocks keep their explain line "at most M block(s) per
      // SM (sized for N)": the FLA-shaped form's outputs kernel is timed so.)
      for (auto k : loaded.module->getOps<tile::KernelOp>()) {
        auto sized = k->getAttrOfType<IntegerAttr>("blocks_per_sm");
        if (!sized || sized.getInt() <= 1 || k.getKind() == "parallel" ||
            k.getKind() == "chunk_outputs")
          continue;
        int64_t n = sized.getInt();
        int64_t perBlock = linac::kernelMemory(k, linac::cudaTarget()).sharedBytes;
        if (n * (perBlock + 1024) <= sharedPerSMOf(arch))
          continue;
        llvm::errs() << "linac: error: config " << config.str() << ": kernel "
                     << k.getSymName() << " is sized for " << n
                     << " blocks per SM (config blocks) but needs " << (perBlock + 1023) / 1024
                     << " KiB of shared memory per block; " << n << " blocks need "
                     << n * ((perBlock + 1023) / 1024 + 1) << " KiB of the "
                     << sharedPerSMOf(arch) / 1024 << " KiB of an " << arch
                     << " SM (try inputs=bf16, a V split, or fewer blocks)\n";
        return failure();
      }
      return success();
    }
    bool fewerStages = config.stages > 1 && given.stages == 0;
    bool smallerChunk = config.chunk > 32 && given.chunk == 0;
    if (!fewerStages && !smallerChunk) {
      const char *hint = config.stages > 1  ? "try stages=1"
                         : config.chunk > 32 ? "try chunk=32"
                         : config.ahead
                             ? "ahead=on keeps two stages of every value the state part "
                               "reads; try ahead=off"
                             : "try split=head or split=vtile";
      llvm::errs() << "linac: error: config " << config.str() << ": kernel "
                   << kernel << " needs " << (bytes + 1023) / 1024
                   << " KiB of shared memory per block; " << arch
                   << " allows " << limit / 1024 << " KiB (" << hint << ")\n";
      return failure();
    }
    if (fewerStages) {
      config.stages = 1;
    } else {
      config.chunk = 32;
      // The default's register budget for the new chunk size.
      if (given.frag < 0)
        config.frag = linac::defaultFragmentBudget(linac::chooserTargetOf(arch), 32);
      if (given.subBlock < 0)
        config.subBlock = linac::defaultSubBlock(linac::chooserTargetOf(arch), 32);
      // The Gram switches, the copy form and fusion: the default's choice
      // for the new chunk size (measured at chunk 64 only).
      askMeasuredFormDefaults(userConfig, linac::chooserTargetOf(arch), traits, config);
    }
    loaded.module = pristine->clone();
    loaded.variant = *loaded.module->getOps<lin::VariantOp>().begin();
  }
}

/// "" when --dtype is absent or names a dtype linac reads; else the error.
std::string checkDtypeFlag(Flags &flags) {
  if (!flags.values.count("--dtype") || linac::parseDtype(flags.values["--dtype"]) >= 0)
    return "";
  return "--dtype must be f32, bf16 or f16, got '" + flags.values["--dtype"] + "'";
}

int compileCommand(int argc, char **argv) {
  Flags flags;
  if (auto err = parseFlags(argc, argv, 2,
                            {"--emit", "-o", "--shape", "--config", "--target", "--dtype"},
                            {"--verify-diagnostics"}, flags);
      !err.empty())
    return usageError(err);
  if (auto err = checkDtypeFlag(flags); !err.empty())
    return usageError(err);
  std::string target = flags.values.count("--target") ? flags.values["--target"]
                                                        : "";
  std::string emit = flags.values.count("--emit") ? flags.values["--emit"] : "lin";
  if (emit != "lin" && emit != "chunk" && emit != "tile" && emit != "cpp" &&
      emit != "cuda" && emit != "module" && emit != "ptx")
    return usageError("--emit " + emit +
                      ": unknown (this build emits: lin, chunk, tile, cpp, "
                      "cuda, module, ptx)");
  if (emit == "ptx") {
#ifndef LINAC_HAVE_NVRTC
    return usageError("--emit ptx: this linac was built without NVRTC");
#endif
    if (target.empty())
      target = "sm_90a";
    if (target != "sm_90a" && target != "sm_80")
      return usageError("--target " + target +
                        ": --emit ptx targets sm_90a or sm_80");
  } else if (!target.empty() && !(emit == "cuda" &&
                                  (target == "sm_90a" || target == "sm_80"))) {
    return usageError("--target " + target + " does not apply to --emit " +
                      emit);
  }
  if (emit == "module" && !flags.values.count("-o"))
    return usageError("--emit module needs -o FILE.so");
  linac::Dims dims;
  linac::KernelConfig config;
  if (emit != "lin") {
    if (!flags.values.count("--shape"))
      return usageError("--emit " + emit +
                        " needs --shape K=..,V=.. (kernels are specialised on "
                        "K and V)");
    if (auto err = linac::parseDims(flags.values["--shape"], dims, true);
        !err.empty())
      return usageError(err);
    if (auto err = resolveConfig(flags.values, dims, {}, {}, config,
                                 emit == "cuda" || emit == "ptx"
                                     ? (target.empty() ? "sm_90a" : target)
                                     : "");
        !err.empty())
      return usageError(err);
  }
  if (!llvm::sys::fs::exists(flags.file))
    return usageError("no such file '" + flags.file + "'");
  MLIRContext context;
  context.getOrLoadDialect<lin::LinDialect>();
  context.getOrLoadDialect<chunk::ChunkDialect>();
  llvm::SourceMgr sourceMgr;
  if (flags.switches["--verify-diagnostics"]) {
    auto buffer = llvm::MemoryBuffer::getFile(flags.file, /*IsText=*/true);
    if (!buffer)
      return usageError("cannot read '" + flags.file + "'");
    sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
    SourceMgrDiagnosticVerifierHandler handler(sourceMgr, &context);
    OwningOpRef<ModuleOp> module = linac::parseLinFile(sourceMgr, &context);
    return failed(handler.verify()) ? 1 : 0;
  }
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  auto loaded = load(flags.file, context, sourceMgr);
  if (!loaded)
    return usageError("cannot read '" + flags.file + "'");
  if (!loaded->module)
    return 1;
  std::string variant = loaded->variant.getSymName().str();
  linac::KernelSignature signature =
      signatureOf(loaded->variant, dims.K, dims.V);
  bool gpu = emit == "cuda" || emit == "ptx";
  if (emit != "lin") // the default config also depends on the variant
    (void)resolveConfig(flags.values, dims, {},
                        traitsOf(loaded->variant), config,
                        gpu ? (target.empty() ? "sm_90a" : target) : "");
  if (gpu) {
    if (failed(lowerForGpu(*loaded, dims.K, dims.V, config,
                           configText(flags),
                           target.empty() ? "sm_90a" : target)))
      return 1;
  } else {
    if (emit != "lin" &&
        failed(lowerToChunk(*loaded->module, dims.K, dims.V, config, "")))
      return 1;
    if ((emit == "tile" || emit == "cpp" || emit == "module") &&
        failed(lowerToTile(*loaded->module, config)))
      return 1;
  }
  std::string outPath = flags.values.count("-o") ? flags.values["-o"] : "-";
  if (emit == "module") {
    // A cpu kernel module for the C ABI (runtime/capi/linac.h).
    FailureOr<std::string> source = emitSource(
        *loaded->module, linac::cpuTarget(), variant, config, signature);
    if (failed(source))
      return 1;
    linac::CompiledModule compiled;
    // Standalone: the module leaves the cache, so it cannot link the
    // cache's copy of the tile library.
    if (auto err = linac::buildCpuModule(*source, compiled, /*standalone=*/true);
        !err.empty()) {
      llvm::errs() << "linac: error: " << err << "\n";
      return 1;
    }
    if (auto ec = llvm::sys::fs::copy_file(compiled.path, outPath)) {
      llvm::errs() << "linac: error: cannot write '" << outPath
                   << "': " << ec.message() << "\n";
      return 1;
    }
    return 0;
  }
  std::string errorMessage;
  auto out = openOutputFile(outPath, &errorMessage);
  if (!out)
    return usageError(errorMessage);
#ifdef LINAC_HAVE_NVRTC
  if (emit == "ptx") {
    FailureOr<std::string> source = emitSource(
        *loaded->module, linac::cudaTarget(), variant, config, signature);
    if (failed(source))
      return 1;
    linac::NvrtcOutput compiled;
    if (auto err = linac::nvrtcCompile(*source, target, false, compiled);
        !err.empty()) {
      llvm::errs() << "linac: error: " << err << "\n";
      return 1;
    }
    out->os() << compiled.ptx;
    out->keep();
    return 0;
  }
#endif
  if (emit == "cpp" || emit == "cuda") {
    FailureOr<std::string> source =
        emitSource(*loaded->module, emit == "cpp" ? linac::cpuTarget() : linac::cudaTarget(),
                   variant, config, signature);
    if (failed(source))
      return 1;
    out->os() << *source;
  } else {
    loaded->module->print(out->os());
  }
  out->keep();
  return 0;
}

std::string dumpProblem(const std::string &dir, const linac::Problem &p,
                        const linac::Result &r, llvm::StringRef variant,
                        uint64_t seed) {
  if (auto ec = llvm::sys::fs::create_directories(dir))
    return "cannot create directory '" + dir + "': " + ec.message();
  auto path = [&](const std::string &name) {
    llvm::SmallString<256> s(dir);
    llvm::sys::path::append(s, name + ".npy");
    return std::string(s);
  };
  for (const auto *list : {&p.inputs, &p.params})
    for (const linac::Tensor &t : *list)
      if (auto err = linac::writeNpy(path(t.name), t.shape, t.data); !err.empty())
        return err;
  std::vector<const linac::Tensor *> outs = {&r.o, &r.ht};
  if (p.h0)
    outs.push_back(&*p.h0);
  for (const linac::Tensor *t : outs)
    if (auto err = linac::writeNpy(path(t->name), t->shape, t->data); !err.empty())
      return err;
  if (!p.cuSeqlens.empty())
    if (auto err = linac::writeNpyInt64(path("cu_seqlens"), p.cuSeqlens);
        !err.empty())
      return err;
  llvm::SmallString<256> meta(dir);
  llvm::sys::path::append(meta, "meta.json");
  std::error_code ec;
  llvm::raw_fd_ostream os(meta, ec);
  if (ec)
    return "cannot write '" + std::string(meta) + "': " + ec.message();
  const linac::Dims &d = p.dims;
  char scale[64];
  std::snprintf(scale, sizeof scale, "%.17g", p.scale);
  os << "{\"variant\": \"" << variant << "\", \"B\": " << d.B
     << ", \"T\": " << d.T << ", \"H\": " << d.H << ", \"HV\": " << d.HV
     << ", \"K\": " << d.K << ", \"V\": " << d.V << ", \"scale\": " << scale
     << ", \"seed\": " << seed
     << ", \"varlen\": " << (p.cuSeqlens.empty() ? "false" : "true")
     << ", \"initial_state\": " << (p.h0 ? "true" : "false")
     << ", \"inputs\": [";
  for (size_t i = 0; i < p.inputs.size(); ++i)
    os << (i ? ", " : "") << "\"" << p.inputs[i].name << "\"";
  os << "], \"params\": [";
  for (size_t i = 0; i < p.params.size(); ++i)
    os << (i ? ", " : "") << "\"" << p.params[i].name << "\"";
  os << "]}\n";
  return "";
}

double frobenius(const std::vector<double> &x) {
  double s = 0;
  for (double v : x)
    s += v * v;
  return std::sqrt(s);
}

#ifdef LINAC_HAVE_NVRTC
/// LINAC_CUDA_DEFINES="NAME[=VALUE] ...": CUDA tile library switches put in
/// front of the source as #defines (the module cache keys on the source), to
/// check a switch against the reference before it becomes a default.
std::string cudaDefinesFromEnv(std::string &defined) {
  const char *env = std::getenv("LINAC_CUDA_DEFINES");
  if (!env)
    return "";
  std::istringstream words(env);
  for (std::string word; words >> word;) {
    size_t eq = word.find('=');
    std::string name = word.substr(0, eq);
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) ||
        name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789") != std::string::npos ||
        (eq != std::string::npos && eq + 1 == word.size()))
      return "LINAC_CUDA_DEFINES: '" + word + "' is not NAME or NAME=VALUE (NAME in capitals)";
    defined += "#define " + name + " " + (eq == std::string::npos ? "1" : word.substr(eq + 1)) + "\n";
  }
  if (!defined.empty())
    std::fprintf(stderr, "linac: library switches from LINAC_CUDA_DEFINES:\n%s", defined.c_str());
  return "";
}

/// Compiles (or finds in the cache) and runs emitted CUDA source on GPU 0.
/// sm_90a needs a compute capability 9.0 GPU; sm_80 runs as an sm_80 cubin
/// on an sm_80 GPU and as compute_80 PTX (compiled by the driver) on newer
/// ones. `report` gets the lines the run prints.
std::string runOnGpu(const std::string &source, const std::string &target,
                     const linac::Problem &problem, int dtype,
                     linac::Result &result, std::string &report) {
  std::string defined;
  if (std::string err = cudaDefinesFromEnv(defined); !err.empty())
    return err;
  if (std::string why = linac::cudaDriverError(); !why.empty())
    return "--target " + target + ": " + why;
  CUdevice device;
  if (std::string why = linac::usePrimaryContext(&device); !why.empty())
    return "--target " + target + ": " + why;
  char gpuName[128] = {0};
  cuDeviceGetName(gpuName, sizeof gpuName, device);
  int major = 0, minor = 0;
  cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
  cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
  std::string gpu = std::string(gpuName) + " (sm_" + std::to_string(major) +
                    std::to_string(minor) + ")";
  std::string arch;
  if (target == "sm_90a") {
    if (major != 9 || minor != 0)
      return "--target sm_90a needs a compute capability 9.0 GPU; GPU 0 is " + gpu;
    arch = "sm_90a";
  } else {
    if (major < 8)
      return "--target sm_80 needs compute capability 8.0 or newer; GPU 0 is " + gpu;
    arch = major == 8 && minor == 0 ? "sm_80" : "compute_80";
  }
  linac::CudaModule module;
  linac::CudaModule::LoadStats stats;
  if (std::string err = module.load(defined + source, linac::cacheDirectory() + "/cuda",
                                    stats, arch);
      !err.empty())
    return err;
  linac::DeviceRun run;
  if (std::string err = linac::runOnDevice(module, problem, nullptr, result, run, dtype);
      !err.empty())
    return err;
  if (run.outOfRange)
    return "a kernel reported an access outside a tensor";
  char line[256];
  std::snprintf(line, sizeof line,
                "GPU %s, %s%s; module %s (%.0f ms); kernels %.3f ms (one run, "
                "not a benchmark)\n",
                gpu.c_str(), arch.c_str(),
                arch == "compute_80" ? " PTX compiled by the driver" : "",
                stats.cacheHit ? "cache hit" : "compiled",
                stats.compileMs + stats.loadMs, run.ms);
  report = line;
  return "";
}
#endif

int runCommand(int argc, char **argv) {
  Flags flags;
  if (auto err = parseFlags(argc, argv, 2,
                            {"--target", "--shape", "--seqlens", "--seed",
                             "--dump", "--scale", "--config",
                             "--test-corrupt", "--gates", "--dtype"},
                            {"--initial-state", "--check"}, flags);
      !err.empty())
    return usageError(err);
  std::string target =
      flags.values.count("--target") ? flags.values["--target"] : "reference";
  bool gpuTarget = target == "sm_90a" || target == "sm_80";
#ifdef LINAC_HAVE_NVRTC
  const char *targets = "reference, chunk, cpu, sm_90a, sm_80";
#else
  const char *targets = "reference, chunk, cpu";
  if (gpuTarget)
    return usageError("--target " + target +
                      ": this linac was built without the CUDA toolkit");
#endif
  if (target != "reference" && target != "chunk" && target != "cpu" &&
      !gpuTarget)
    return usageError("--target " + target + ": unknown target (this build runs: " +
                      targets + ")");
  if (auto err = checkDtypeFlag(flags); !err.empty())
    return usageError(err);
  const int dtype = flags.values.count("--dtype") ? linac::parseDtype(flags.values["--dtype"]) : 0;
  if (!flags.values.count("--shape"))
    return usageError("run needs --shape B=..,T=..,H=..[,HV=..],K=..,V=..");
  if (!flags.values.count("--seed"))
    return usageError("run needs --seed N");
  linac::Dims dims;
  if (auto err = linac::parseDims(flags.values["--shape"], dims); !err.empty())
    return usageError(err);
  std::vector<int64_t> cuSeqlens;
  if (flags.values.count("--seqlens"))
    if (auto err = linac::parseSeqlens(flags.values["--seqlens"], dims, cuSeqlens);
        !err.empty())
      return usageError(err);
  const std::string &seedText = flags.values["--seed"];
  if (seedText.empty() || seedText.size() > 19 ||
      seedText.find_first_not_of("0123456789") != std::string::npos)
    return usageError("--seed must be a non-negative integer, got '" +
                      seedText + "'");
  uint64_t seed = std::stoull(seedText);
  std::optional<double> scale;
  if (flags.values.count("--scale")) {
    char *end = nullptr;
    const std::string &s = flags.values["--scale"];
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || !std::isfinite(v))
      return usageError("--scale must be a finite number, got '" + s + "'");
    scale = v;
  }
  linac::KernelConfig config;
  if (flags.values.count("--config") && target == "reference")
    return usageError("--config applies to chunked targets, not reference");
  if (auto err = resolveConfig(flags.values, dims, cuSeqlens, {}, config, target);
      !err.empty())
    return usageError(err);
  std::string corrupt = flags.values["--test-corrupt"];
  if (corrupt == "drop-norm" && !config.factorNorms)
    return usageError("--test-corrupt drop-norm corrupts config norms=factor, which is not set");
  if (corrupt == "drop-scale" && !config.factorScales)
    return usageError("--test-corrupt drop-scale corrupts config scales=factor, which is not set");
  linac::Gates gates = linac::Gates::Realistic;
  if (flags.values.count("--gates")) {
    const std::string &g = flags.values["--gates"];
    if (g == "strong")
      gates = linac::Gates::Strong;
    else if (g == "weak")
      gates = linac::Gates::Weak;
    else if (g != "realistic")
      return usageError("--gates must be realistic, strong or weak, got '" +
                        g + "'");
  }
  if (!flags.file.empty() && !llvm::sys::fs::exists(flags.file))
    return usageError("no such file '" + flags.file + "'");

  Session session;
  if (int rc = session.open(flags.file))
    return rc;
  Loaded *loaded = &session.loaded;
  lin::Classification cls = lin::classify(loaded->variant);
  std::string name = loaded->variant.getSymName().str();
  linac::KernelSignature signature = signatureOf(loaded->variant, dims.K, dims.V);
  // The default config also depends on the variant and the target
  // (validated above).
  (void)resolveConfig(flags.values, dims, cuSeqlens, traitsOf(loaded->variant), config,
                      gpuTarget ? target : "");

  linac::Problem problem =
      linac::makeRandomProblem(loaded->variant, dims, cuSeqlens,
                               flags.switches["--initial-state"], seed, scale,
                               gates);
  // Inputs of --dtype; kernels read float32: the reference is fed the same
  // rounded inputs.
  linac::roundInputs(problem, dtype);
  if (target == "cpu" || gpuTarget)
    linac::roundToFloat(problem);
  linac::Result result, reference, plain;
  std::string err;
  bool check = flags.switches["--check"];
  if (target == "reference" || check)
    err = linac::runReference(loaded->variant, problem, reference);
  linac::CompiledModule compiled;
  std::string gpuReport;
  if (err.empty() && gpuTarget) {
#ifdef LINAC_HAVE_NVRTC
    if (!corrupt.empty())
      return usageError("--test-corrupt applies to the chunk and cpu targets");
    if (failed(lowerForGpu(*loaded, dims.K, dims.V, config,
                           configText(flags), target)))
      return 1;
    // The plain implementation uses the config the kernels were lowered
    // with (a default config may have stepped down to fit shared memory).
    if (check && config.mma != "f32") {
      Session plainSession; // lowering consumed the variant
      if (int rc = plainSession.open(flags.file))
        return rc;
      if (failed(lowerToChunk(*plainSession.loaded.module, dims.K, dims.V,
                              config, "")))
        return 1;
      auto scan = *plainSession.loaded.module->getOps<chunk::ScanOp>().begin();
      err = linac::runChunked(scan, problem, plain, config.mma);
      if (!err.empty())
        return usageError(err);
    }
    FailureOr<std::string> source = emitSource(
        *loaded->module, linac::cudaTarget(), name, config, signature);
    if (failed(source))
      return 1;
    err = runOnGpu(*source, target, problem, dtype, result, gpuReport);
#endif
  } else if (err.empty() && target != "reference") {
    // Test-only corruptions: of the chunked lowering, or of the kernel's
    // synchronisation (no-wait, no-barrier, prefetch-no-landed,
    // prefetch-wrong-rows, prefetch-before-wait, ahead-handoff-stage,
    // outputs-late-state).
    bool syncBug = corrupt == "no-wait" || corrupt == "no-barrier" ||
                   corrupt.rfind("prefetch-", 0) == 0 || corrupt == "ahead-handoff-stage" ||
                   corrupt == "outputs-late-state";
    if (failed(lowerToChunk(*loaded->module, dims.K, dims.V, config,
                            syncBug ? "" : corrupt)))
      return 1;
    if (target == "chunk") {
      auto scan = *loaded->module->getOps<chunk::ScanOp>().begin();
      err = linac::runChunked(scan, problem, result);
    } else {
      // With mma operands below fp32, --check compares with a plain
      // implementation rounding the same operands (MATH.md §3).
      if (check && config.mma != "f32") {
        auto scan = *loaded->module->getOps<chunk::ScanOp>().begin();
        err = linac::runChunked(scan, problem, plain, config.mma);
        if (!err.empty())
          return usageError(err);
      }
      if (failed(lowerToTile(*loaded->module, config, syncBug ? corrupt : "")))
        return 1;
      FailureOr<std::string> source = emitSource(
          *loaded->module, linac::cpuTarget(), name, config, signature);
      if (failed(source))
        return 1;
      err = linac::buildCpuModule(*source, compiled);
      if (err.empty())
        err = linac::runCpuModule(compiled.path, problem, result, dtype);
    }
  } else {
    result = reference;
  }
  if (!err.empty()) {
    llvm::errs() << "linac: error: " << err << "\n";
    return 1;
  }
  llvm::outs() << "variant " << name << ": decay "
               << lin::stringifyDecayKind(cls.decay) << ", erase "
               << lin::stringifyEraseKind(cls.erase) << "\n";
  if (target == "reference")
    llvm::outs() << "target reference (float64, token by token)\n";
  else if (target == "chunk")
    llvm::outs() << "target chunk (the chunked algorithm in float64), config "
                 << config.str() << "\n";
  else if (gpuTarget)
    llvm::outs() << "target " << target << " (emitted kernels on the GPU), config "
                 << config.str() << "\n"
                 << gpuReport;
  else
    llvm::outs() << "target cpu (emitted kernels, float32), config "
                 << config.str() << "\n"
                 << "module " << compiled.path
                 << (compiled.cacheHit ? " (cache hit)" : " (compiled)") << "\n";
  llvm::outs() << "shape B=" << dims.B << " T=" << dims.T << " H=" << dims.H
               << " HV=" << dims.HV << " K=" << dims.K << " V=" << dims.V
               << ", " << problem.numSequences() << " sequence(s)"
               << (problem.h0 ? ", initial state" : "") << ", seed " << seed
               << "\n";
  char line[160];
  std::snprintf(line, sizeof line, "||o||_F  = %.12e\n||ht||_F = %.12e\n",
                frobenius(result.o.data), frobenius(result.ht.data));
  llvm::outs() << line;
  if (reference.gMin <= reference.gMax) {
    std::snprintf(line, sizeof line, "log-decay g in [%.4g, %.4g]\n",
                  reference.gMin, reference.gMax);
    llvm::outs() << line;
  }
  bool finite = true;
  for (double v : result.o.data)
    finite &= std::isfinite(v);
  for (double v : result.ht.data)
    finite &= std::isfinite(v);
  if (!finite) {
    llvm::errs() << "linac: error: the " << target
                 << " target produced non-finite values\n";
    return 1;
  }
  if (flags.values.count("--dump")) {
    // (The lin.variant is gone once lowered: use the name kept above.)
    if (auto err = dumpProblem(flags.values["--dump"], problem, result, name,
                               seed);
        !err.empty()) {
      llvm::errs() << "linac: error: " << err << "\n";
      return 1;
    }
    llvm::outs() << "dumped inputs and outputs to " << flags.values["--dump"]
                 << "\n";
  }
  if (check) {
    // float64 against float64: only rounding separates them; fp32 kernels
    // to MATH.md §3's limit for an all-fp32 run; kernels with rounded mma
    // operands to 3x the error of a plain implementation rounding the same
    // operands (and never tighter than the fp32 limit).
    double limitO = target == "reference" ? 0.0
                    : target == "chunk"   ? 1e-10
                                          : 1e-5;
    double limitS = limitO;
    double eo = linac::relativeError(result.o.data, reference.o.data);
    double es = linac::relativeError(result.ht.data, reference.ht.data);
    if ((target == "cpu" || gpuTarget) && config.mma != "f32") {
      double po = linac::relativeError(plain.o.data, reference.o.data);
      double ps = linac::relativeError(plain.ht.data, reference.ht.data);
      limitO = std::max(limitO, 3 * po);
      limitS = std::max(limitS, 3 * ps);
      std::snprintf(line, sizeof line,
                    "plain implementation with %s mma operands: o %.3e, final "
                    "state %.3e\n",
                    config.mma.c_str(), po, ps);
      llvm::outs() << line;
    }
    bool ok = eo <= limitO && es <= limitS;
    std::snprintf(line, sizeof line,
                  "check against the float64 reference: o %.3e, final state "
                  "%.3e (limit %.1e, %.1e): %s\n",
                  eo, es, limitO, limitS, ok ? "ok" : "FAIL");
    llvm::outs() << line;
    if (!ok)
      return 1;
  }
  return 0;
}

int explainCommand(int argc, char **argv) {
  Flags flags;
  if (auto err = parseFlags(argc, argv, 2,
                            {"--shape", "--config", "--seqlens", "--target", "--dtype"},
                            {"--ir"}, flags);
      !err.empty())
    return usageError(err);
  if (auto err = checkDtypeFlag(flags); !err.empty())
    return usageError(err);
  if (!llvm::sys::fs::exists(flags.file))
    return usageError("no such file '" + flags.file + "'");
  linac::Dims dims;
  std::string shape = flags.values.count("--shape")
                          ? flags.values["--shape"]
                          : "B=8,T=4096,H=16,K=128,V=128";
  if (auto err = linac::parseDims(shape, dims, true); !err.empty())
    return usageError(err);
  std::vector<int64_t> cuSeqlens;
  if (flags.values.count("--seqlens"))
    if (auto err = linac::parseSeqlens(flags.values["--seqlens"], dims, cuSeqlens);
        !err.empty())
      return usageError(err);
  linac::KernelConfig config;
  if (auto err = resolveConfig(flags.values, dims, cuSeqlens, {}, config,
                               flags.values.count("--target") ? flags.values["--target"] : "");
      !err.empty())
    return usageError(err);
  Session session;
  if (int rc = session.open(flags.file))
    return rc;
  Loaded *loaded = &session.loaded;
  std::string target = flags.values.count("--target") ? flags.values["--target"] : "cpu";
  bool gpu = target == "sm_90a" || target == "sm_80";
  if (!gpu && target != "cpu")
    return usageError("--target " + target + ": explain targets cpu, sm_90a or sm_80");
  (void)resolveConfig(flags.values, dims, cuSeqlens,
                      traitsOf(loaded->variant), config,
                      gpu ? target : "");
  std::string chosen = config.str();
  if (gpu) { // the config the GPU emission ends with (it may step down)
    Session probe;
    if (int rc = probe.open(flags.file))
      return rc;
    if (failed(lowerForGpu(probe.loaded, dims.K, dims.V, config,
                           configText(flags), target)))
      return 1;
  }
  llvm::raw_ostream &os = llvm::outs();
  linac::explainRecurrence(loaded->variant, os);
  os << "\nShape B=" << dims.B << " T=" << dims.T << " H=" << dims.H
     << " HV=" << dims.HV << " K=" << dims.K << " V=" << dims.V << "; config "
     << config.str()
     << (flags.values.count("--config") ? " (from --config over the default)"
                                        : " (the default for this shape)")
     << (config.str() != chosen ? ", stepped down from " + chosen +
                                      " to fit " + target + "'s shared memory"
                                : std::string())
     << ", target " << target << "\n";
  if (config.bf16Inputs) { // what a caller must pass (runtime/InputDtypes.h)
    os << "Takes";
    for (const linac::KernelSignature::Arg &a :
         signatureOf(loaded->variant, dims.K, dims.V).args)
      if (!linac::checkInputDtype(config.str(), a.name, a.isParam, a.width, 0).empty())
        os << " " << a.name;
    os << " only in bf16 (config inputs=bf16)\n";
  }
  if (std::vector<std::string> switches = linac::librarySwitches(config);
      gpu && !switches.empty()) {
    os << "Defines for the CUDA library, from the config:";
    for (const std::string &name : switches)
      os << " " << name;
    os << "\n";
  }
  if (failed(lowerToChunk(*loaded->module, dims.K, dims.V, config, "")))
    return 1;
  linac::explainAlgorithm(*loaded->module, os, config.gramRows);
  if (flags.switches["--ir"]) {
    os << "\nchunk IR:\n";
    loaded->module->print(os);
  }
  if (failed(lowerToTile(*loaded->module, config, "", gpu ? target : "sm_90a")))
    return 1;
  linac::explainKernels(*loaded->module, os,
                        gpu ? linac::cudaTarget().reservedSharedBytes : 0,
                        gpu ? sharedPerSMOf(target) : 0);
  if (flags.switches["--ir"]) {
    os << "\ntile IR:\n";
    loaded->module->print(os);
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2)
    return usageError(std::string("no command\n") + kUsage);
  std::string command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    llvm::outs() << kUsage;
    return 0;
  }
  if (command == "--version") {
    llvm::outs() << "linac 0.1\n";
    return 0;
  }
  if (command == "compile")
    return compileCommand(argc, argv);
  if (command == "run")
    return runCommand(argc, argv);
  if (command == "explain")
    return explainCommand(argc, argv);
  return usageError("unknown command '" + command +
                    "' (expected compile, run or explain)");
}
