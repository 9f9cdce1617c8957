//===- KernelConfig.cpp ---------------------------------------------------===//
#include "lowering/KernelConfig.h"

#include <algorithm>
#include <vector>

namespace linac {

std::string KernelConfig::str() const {
  std::string s = "chunk=" + std::to_string(chunk) +
                  ",sub=" + std::to_string(subBlock) +
                  ",wu=" + (wu == WU::Fused ? "fused" : "materialized") +
                  ",split=" + (split == Split::Head    ? "head"
                               : split == Split::VTile ? "vtile"
                                                       : "sequence");
  if (split == Split::VTile)
    s += ",vtile=" + std::to_string(vTile);
  if (split == Split::Sequence) {
    s += ",segment=" + std::to_string(segment);
    if (combineCols)
      s += ",combine=" + std::to_string(combineCols);
  }
  s += ",stages=" + std::to_string(stages) + ",mma=" + mma;
  if (warps != 4)
    s += ",warps=" + std::to_string(warps);
  if (warpRoles)
    s += ",roles=on";
  if (promote)
    s += ",promote=on";
  if (frag)
    s += ",frag=" + std::to_string(frag);
  if (placeByBytes)
    s += ",place=bytes";
  if (lateInverse)
    s += ",inverse=late";
  if (fuse)
    s += ",fuse=on";
  if (maskEpilogue)
    s += ",epilogue=on";
  if (gramRows)
    s += ",gram=rows";
  if (!aliasStages)
    s += ",alias=off";
  if (prefetch)
    s += ",prefetch=on";
  if (takeIntoFragments)
    s += ",take=fragment";
  if (ahead)
    s += ",ahead=on";
  if (store16)
    s += ",store16=on";
  if (padRows)
    s += ",pad=on";
  if (pad16)
    s += ",pad16=on";
  if (elideBarriers)
    s += ",barriers=needed";
  if (pairGrams)
    s += ",grampair=on";
  if (factorGramBlocks)
    s += ",gramfactor=on";
  if (balanceGramTiles)
    s += ",grambalance=on";
  if (tokensInPlace)
    s += ",tokens=inplace";
  if (foldSubtract)
    s += ",foldsub=on";
  if (ownColumns)
    s += ",own=warps";
  if (parallelOutputs)
    s += ",outputs=parallel";
  if (bf16Inputs)
    s += ",inputs=bf16";
  if (inlineCopies)
    s += ",copies=inline";
  if (parallelWarps)
    s += ",pwarps=" + std::to_string(parallelWarps);
  if (parallelBlocks != 1)
    s += ",pblocks=" + std::to_string(parallelBlocks);
  if (blocks != 1)
    s += ",blocks=" + std::to_string(blocks);
  if (factorNorms)
    s += ",norms=factor";
  if (factorScales)
    s += ",scales=factor";
  if (pushIntoStateProducts)
    s += ",push=state";
  return s;
}

static bool parseInt(const std::string &s, int64_t &out) {
  if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string::npos)
    return false;
  out = std::stoll(s);
  return true;
}

std::string parseKernelConfig(const std::string &text, KernelConfig &c) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    std::string item = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    start = end == std::string::npos ? text.size() + 1 : end + 1;
    if (item.empty())
      continue;
    size_t eq = item.find('=');
    if (eq == std::string::npos)
      return "--config: expected KEY=VALUE, got '" + item + "'";
    std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    auto number = [&](int64_t &slot) -> std::string {
      if (!parseInt(value, slot) || slot < 1)
        return "--config: " + key + " must be a positive integer, got '" + value + "'";
      return "";
    };
    // A key of two values: `off` clears the flag, `on` sets it.
    auto either = [&](const char *off, const char *on, bool &slot) -> std::string {
      if (value != off && value != on)
        return "--config: " + key + " must be " + off + " or " + on + ", got '" + value + "'";
      slot = value == on;
      return "";
    };
    auto onOff = [&](bool &slot) -> std::string {
      if (value != "on" && value != "off")
        return "--config: " + key + " must be on or off, got '" + value + "'";
      slot = value == "on";
      return "";
    };
    std::string err;
    if (key == "chunk")
      err = number(c.chunk);
    else if (key == "sub")
      err = number(c.subBlock);
    else if (key == "vtile")
      err = number(c.vTile);
    else if (key == "stages")
      err = number(c.stages);
    else if (key == "segment")
      err = number(c.segment);
    else if (key == "combine")
      err = number(c.combineCols);
    else if (key == "frag") {
      // 0 is allowed here: no register tiles in registers.
      if (!parseInt(value, c.frag) || c.frag > 224)
        err = "--config: frag must be 0 to 224 registers per thread, got '" + value + "'";
    }
    else if (key == "warps") {
      err = number(c.warps);
      if (err.empty() && c.warps != 4 && c.warps != 8)
        err = "--config: warps must be 4 or 8, got '" + value + "'";
    }
    else if (key == "wu") {
      if (value == "fused")
        c.wu = KernelConfig::WU::Fused;
      else if (value == "materialized")
        c.wu = KernelConfig::WU::Materialized;
      else
        err = "--config: wu must be fused or materialized, got '" + value + "'";
    } else if (key == "split") {
      if (value == "head")
        c.split = KernelConfig::Split::Head;
      else if (value == "vtile")
        c.split = KernelConfig::Split::VTile;
      else if (value == "sequence")
        c.split = KernelConfig::Split::Sequence;
      else
        err = "--config: split must be head, vtile or sequence, got '" + value + "'";
    } else if (key == "roles") {
      err = onOff(c.warpRoles);
    } else if (key == "promote") {
      err = onOff(c.promote);
    } else if (key == "fuse") {
      err = onOff(c.fuse);
    } else if (key == "epilogue") {
      err = onOff(c.maskEpilogue);
    } else if (key == "gram") {
      err = either("tiles", "rows", c.gramRows);
    } else if (key == "alias") {
      err = onOff(c.aliasStages);
    } else if (key == "prefetch") {
      err = onOff(c.prefetch);
    } else if (key == "ahead") {
      err = onOff(c.ahead);
    } else if (key == "store16") {
      err = onOff(c.store16);
    } else if (key == "pad") {
      err = onOff(c.padRows);
    } else if (key == "pad16") {
      err = onOff(c.pad16);
    } else if (key == "barriers") {
      err = either("all", "needed", c.elideBarriers);
    } else if (key == "grampair") {
      err = onOff(c.pairGrams);
    } else if (key == "gramfactor") {
      err = onOff(c.factorGramBlocks);
    } else if (key == "grambalance") {
      err = onOff(c.balanceGramTiles);
    } else if (key == "tokens") {
      err = either("copy", "inplace", c.tokensInPlace);
    } else if (key == "inverse") {
      err = either("early", "late", c.lateInverse);
    } else if (key == "place") {
      err = either("uses", "bytes", c.placeByBytes);
    } else if (key == "foldsub") {
      err = onOff(c.foldSubtract);
    } else if (key == "own") {
      err = either("block", "warps", c.ownColumns);
    } else if (key == "outputs") {
      err = either("state", "parallel", c.parallelOutputs);
    } else if (key == "pwarps") {
      err = number(c.parallelWarps);
      if (err.empty() && c.parallelWarps != 4 && c.parallelWarps != 8)
        err = "--config: pwarps must be 4 or 8, got '" + value + "'";
    } else if (key == "pblocks") {
      err = number(c.parallelBlocks);
      if (err.empty() && (c.parallelBlocks < 1 || c.parallelBlocks > 8))
        err = "--config: pblocks must be 1 to 8, got '" + value + "'";
    } else if (key == "blocks") {
      err = number(c.blocks);
      if (err.empty() && c.blocks > 8)
        err = "--config: blocks must be 1 to 8, got '" + value + "'";
    } else if (key == "inputs") {
      err = either("any", "bf16", c.bf16Inputs);
    } else if (key == "copies") {
      err = either("call", "inline", c.inlineCopies);
    } else if (key == "norms") {
      err = either("tile", "factor", c.factorNorms);
    } else if (key == "scales") {
      err = either("tile", "factor", c.factorScales);
    } else if (key == "push") {
      err = either("local", "state", c.pushIntoStateProducts);
    } else if (key == "take") {
      err = either("stage", "fragment", c.takeIntoFragments);
    } else if (key == "mma") {
      if (value != "f32" && value != "tf32" && value != "bf16" && value != "f16")
        err = "--config: mma must be f32, tf32, bf16 or f16, got '" + value + "'";
      c.mma = value;
    } else {
      err = "--config: unknown key '" + key +
            "' (expected chunk, sub, wu, split, vtile, segment, combine, stages, mma, warps, roles, promote, frag, place, inverse, fuse, epilogue, gram, alias, prefetch, take, ahead, store16, pad, pad16, barriers, grampair, gramfactor, grambalance, tokens, foldsub, own, outputs, inputs, copies, pwarps, pblocks, blocks, norms, scales, push)";
    }
    if (!err.empty())
      return err;
  }
  return "";
}

/// Threads of a block: its warps and, with warp roles, the producer warp.
static int64_t blockThreads(int64_t warps, bool roles) { return 32 * (warps + (roles ? 1 : 0)); }

std::string validateKernelConfig(const KernelConfig &c, int64_t K, int64_t V) {
  (void)K;
  if (c.chunk > 256)
    return "config: chunk must be at most 256, got " + std::to_string(c.chunk);
  if (c.subBlock > c.chunk || c.chunk % c.subBlock != 0)
    return "config: sub (" + std::to_string(c.subBlock) +
           ") must divide chunk (" + std::to_string(c.chunk) + ")";
  if (c.warps != 4 && c.warps != 8)
    return "config: warps must be 4 or 8, got " + std::to_string(c.warps);
  if (c.stages > 4)
    return "config: stages must be 1 to 4, got " + std::to_string(c.stages);
  if (c.prefetch && (c.stages != 1 || c.warpRoles))
    return "config: prefetch=on needs stages=1 and roles=off (it loads one chunk ahead into "
           "landing buffers instead)";
  if (c.parallelOutputs &&
      (c.wu != KernelConfig::WU::Materialized || c.split == KernelConfig::Split::Sequence))
    return "config: outputs=parallel needs wu=materialized and split=head or vtile (the "
           "outputs kernel reads the chunk-parallel kernel's workspaces)";
  if (c.ownColumns && c.mma != "bf16" && c.mma != "f16")
    return "config: own=warps needs mma=bf16 or mma=f16 (the warps' tiles are tensor-core "
           "accumulators), got mma=" + c.mma;
  if (c.ownColumns && (c.parallelOutputs || c.warpRoles || c.ahead))
    return "config: own=warps needs outputs=state, roles=off and ahead=off (the warps own the "
           "columns of V of the ops on the state)";
  if (c.ahead) {
    if (c.wu != KernelConfig::WU::Fused || c.split == KernelConfig::Split::Sequence)
      return "config: ahead=on needs wu=fused and split=head or vtile (the chunk-local part "
             "runs a chunk ahead of the state part inside one chunk loop)";
    if (c.prefetch || c.warpRoles)
      return "config: ahead=on does not combine with prefetch=on or roles=on yet";
  }
  if (c.lateInverse && c.wu != KernelConfig::WU::Fused)
    return "config: inverse=late needs wu=fused (it applies the inverse after the state "
           "product, where wu=materialized precomputes W and U in its chunk-parallel kernel)";
  if ((c.parallelWarps || c.parallelBlocks != 1) && c.wu != KernelConfig::WU::Materialized)
    return "config: pwarps and pblocks size the chunk-parallel kernels of wu=materialized";
  // Blocks sized to share an SM must fit its threads (2048 on sm_80 and
  // sm_90) and leave registers beside their fragments.
  const int64_t threads = blockThreads(c.warps, c.warpRoles);
  auto crowded = [](const char *key, int64_t blocks, int64_t perBlock) -> std::string {
    if (blocks * perBlock <= 2048)
      return "";
    return std::string("config: ") + key + "=" + std::to_string(blocks) + " of " +
           std::to_string(perBlock) + " threads is " + std::to_string(blocks * perBlock) +
           " threads per SM; an SM holds 2048";
  };
  if (auto err = crowded("blocks", c.blocks, threads); !err.empty())
    return err;
  if (auto err = crowded("pblocks", c.parallelBlocks,
                         blockThreads(c.parallelWarps ? c.parallelWarps : c.warps, c.warpRoles));
      !err.empty())
    return err;
  if (int64_t ceiling = fragmentCeiling(c); ceiling >= 0 && c.frag > ceiling)
    return "config: frag=" + std::to_string(c.frag) + " leaves too few registers at blocks=" +
           std::to_string(c.blocks) + " (" + std::to_string(threads) +
           " threads per block): at most frag=" + std::to_string(ceiling);
  if (c.bf16Inputs && c.warpRoles)
    return "config: inputs=bf16 needs roles=off (its stages are filled by every consumer)";
  if (c.split == KernelConfig::Split::VTile) {
    if (c.vTile < 1 || V % c.vTile != 0)
      return "config: vtile (" + std::to_string(c.vTile) +
             ") must be a positive divisor of V (" + std::to_string(V) + ")";
  }
  // Each warp owns a multiple of 16 of the block's columns of V.
  if (int64_t cols = c.split == KernelConfig::Split::VTile ? c.vTile : V;
      c.ownColumns && cols % (16 * c.warps) != 0)
    return "config: own=warps needs the block's " + std::to_string(cols) +
           " columns of V (" + (c.split == KernelConfig::Split::VTile ? "vtile" : "V") +
           ") to be a multiple of 16 for each of the " + std::to_string(c.warps) +
           " warps (" + std::to_string(16 * c.warps) + ")";
  if (c.split == KernelConfig::Split::Sequence && c.combineCols != 0 &&
      (c.combineCols < 0 || V % c.combineCols != 0))
    return "config: combine (" + std::to_string(c.combineCols) +
           ") must be a positive divisor of V (" + std::to_string(V) + ")";
  return "";
}

ChooserTarget chooserTargetOf(const std::string &name) {
  if (name == "sm_90a")
    return ChooserTarget::sm90a;
  if (name == "sm_80")
    return ChooserTarget::sm80;
  return ChooserTarget::cpu;
}

int64_t defaultFragmentBudget(ChooserTarget target, int64_t chunk, bool channelDecay) {
  // sm_90a, chunks of 64: up to 192 registers per thread (H200,
  // 8x4096x16: GDN 7.06 -> 6.27 ms, KDA 20.3 -> 18.4, DeltaNet 5.89 ->
  // 5.98; bench/results/bench-h200.md). The kernels then spill about 1 KB
  // per thread, which costs less than the scratch saved. With a per-channel
  // decay, 128: gram_diag's fragments and exponentials need the registers
  // (H200, 8x4096x16, 2026-12-04 session 6: KDA 4.85 -> 4.67 ms, DPLR 8.27
  // -> 7.46, GDN-2 10.5 -> 9.47, GLA 2.08 -> 2.07 in session 5). Not
  // measured at chunk 32 (only the state is whole blocks there), and not on
  // sm_80 (its mma.sync path spills 2.5 KB per thread with them).
  if (target != ChooserTarget::sm90a || chunk != 64)
    return 0;
  return channelDecay ? 128 : 192;
}

int64_t fragmentCeiling(const KernelConfig &c) {
  if (c.blocks <= 1)
    return -1;
  const int64_t threads = blockThreads(c.warps, c.warpRoles) * c.blocks;
  const int64_t perThread = std::min<int64_t>(255, 65536 / threads);
  return std::max<int64_t>(0, (perThread - 64) / 32 * 32);
}

int64_t defaultSubBlock(ChooserTarget target, int64_t chunk) {
  // sm_90a, chunks of 64: one diagonal block of 64, which gram_diag
  // computes in bf16 16 x 8 tiles on the tensor cores (H200, 8x4096x16,
  // against sub-blocks of 32 with the same gram_diag: KDA 11.1 -> 8.9 ms,
  // GLA 3.3 -> 3.0, DPLR 17.4 -> 10.7, GDN-2 23.8 -> 18.1;
  // bench/results/bench-h200.md). With the element-wise fp32 gram_diag
  // (mma=f32 or tf32) 32 was the better choice; the chooser takes bf16
  // on GPUs. Elsewhere not measured.
  return target == ChooserTarget::sm90a && chunk == 64 ? 64 : 16;
}

int64_t defaultVTile(int64_t V) {
  const int64_t t = V >= 128 ? 64 : 32;
  return V % t == 0 ? t : V;
}

KernelConfig chooseKernelConfig(int64_t sequences, int64_t headsV,
                                int64_t tokens, int64_t K, int64_t V,
                                const VariantTraits &traits, ChooserTarget target,
                                bool bf16Inputs) {
  (void)K;
  const bool tensorCores = target != ChooserTarget::cpu;
  KernelConfig c;
  c.mma = tensorCores ? "bf16" : "f32";
  // Two consumer warpgroups on GPUs: the element-wise loops are bound by
  // issue latency at one warp per scheduler (H100: GDN 8x4096x16 47.8 ->
  // 32.8 ms, bench/results/bench-h100.md).
  c.warps = tensorCores ? 8 : 4;
  // GPUs: one input stage, and the shared memory the second would take
  // holds hot tiles instead (H100, GDN 8x4096x16: 11.1 ms with two stages,
  // no promotion; 10.6 with two stages; 9.3 with one; KDA 24.7 -> 21.9;
  // bench/results/bench-h100.md).
  c.promote = tensorCores;
  if (tensorCores)
    c.stages = 1;
  // Shared fp32 rows 16 bytes apart from a bank (tile-pad-shared-rows) on
  // sm_90a (8x4096x16, session 21, median of 5, outputs bit-identical;
  // H100 / H200): RetNet 0.901 -> 0.797 ms / -, simple GLA 0.917 -> 0.812 /
  // 0.919 -> 0.807, DeltaNet 1.504 -> 1.368 / 1.500 -> 1.352, linear
  // attention 0.653 -> 0.600 / -, GLA 1.795 -> 1.654 / 1.785 -> 1.636, DPLR
  // 7.407 -> 7.142 / 6.716 -> 6.826, GDN 1.574 -> 1.578 / 1.503 -> 1.484.
  // Not where the per-channel decay is made by a formula: KDA 4.554 ->
  // 4.714 (H100; its promoted tiles no longer all fit padded), kda_safe
  // 3.555 -> 3.513 / 3.331 -> 3.342, GDN-2 not timed;
  // bench/results/bench-h100.md.
  c.padRows = target == ChooserTarget::sm90a && !(traits.channelDecay && !traits.channelGateInput);
  int64_t perSequence = sequences > 0 ? tokens / sequences : tokens;
  c.chunk = perSequence <= 32 ? 32 : 64;
  c.frag = defaultFragmentBudget(target, c.chunk, traits.channelDecay);
  c.subBlock = defaultSubBlock(target, c.chunk);
  if (sequences * headsV < 128 && !traits.reducesOverV) {
    if (perSequence >= 16 * c.chunk) {
      // Segments of one wave: as many as fill the SMs (132 on an H100 or
      // H200) beside the sequences' heads, 2 to 16 of them. More segments
      // than one wave would run the maps and outputs kernels in two waves
      // for no less time and lengthen the combine, a sequential pass over
      // the segments (H200, GDN 1x8192x16: 16 segments 5.49 ms, 8 segments
      // 4.79; bench/results/bench-h200.md).
      c.split = KernelConfig::Split::Sequence;
      int64_t chunks = (perSequence + c.chunk - 1) / c.chunk;
      int64_t segments = std::clamp<int64_t>(132 / std::max<int64_t>(1, sequences * headsV), 2, 16);
      c.segment = (chunks + segments - 1) / segments;
      // The combine by 32 columns of V: a block per (sequence, head) did
      // K x K x V products for every segment in turn (H200, GDN 1x8192x16:
      // 0.46 ms of 3.35 with 16 blocks); columns share nothing but P.
      if (V % 32 == 0 && V > 32)
        c.combineCols = 32;
      // W and U from the maps kernel: the outputs kernel then reads them
      // instead of recomputing the per-channel decayed Gram blocks and the
      // inverse (H200, KDA 1x8192x16: 5.21 -> 4.38 ms in one run; GDN,
      // whose scalar gate makes them cheap, 3.03 -> 3.58, so not there;
      // bench/results/bench-h200.md).
      if (traits.channelDeltaRule)
        c.wu = KernelConfig::WU::Materialized;
    } else if (V % 32 == 0 && V > 32) {
      c.split = KernelConfig::Split::VTile;
      c.vTile = defaultVTile(V);
    }
  }
  // The inputs one chunk ahead where the chunk's work is a few matmuls
  // (H200, 8x4096x16, one run: linear attention 0.739 -> 0.655 ms, RetNet
  // 0.958 -> 0.888, simple GLA 1.000 -> 0.942; with an erase term the
  // landing buffers' registers and spills cost more than the loads: GDN
  // 2.283 -> 2.336, DeltaNet 1.797 -> 1.921; bench/results/bench-h200.md).
  c.prefetch = defaultPrefetch(target, traits, c);
  // The normalised q and k as row scalings of the inputs (chunk-factor-norms,
  // chunk-push-row-scaling) on sm_90a where measured faster (H200,
  // 2026-12-05, session 11, one call each, median of 7): GDN 8x4096x16
  // 2.270 -> 1.846 ms, 4x16384x32 9.132 -> 7.207, the 16-sequence varlen
  // batch 5.062 -> 4.131, 1x8192x16 (sequence split) 1.689 -> 1.612; KDA
  // 1x8192x16 (sequence split, W and U materialised) 3.473 -> 3.293. Not
  // where it was slower: KDA's fused kernel 4.533 -> 5.371 (8x4096x16),
  // DeltaNet 1.728 -> 1.995 (its fused kernel grows, 160.8 -> 209.5 KiB),
  // DPLR 7.282 -> 8.011, GDN-2 9.034 -> 11.824; bench/results/bench-h200.md.
  c.factorNorms = defaultFactorNorms(target, traits, c);
  // The caller's bf16 inputs kept as they are in half-size stages, where
  // measured faster (H100, 2026-12-05, session 13, median of 7, each pair in
  // one run): GDN 8x4096x16 1.877 -> 1.711 ms (1.855 -> 1.679 in another
  // call), 4x16384x32 7.249 -> 6.484, the 16-sequence varlen batch 3.999 ->
  // 3.592, 1x8192x16 (sequence split) 1.449 -> 1.354; DeltaNet 8x4096x16
  // 1.731 -> 1.660 (1.787 -> 1.689). Not taken: RetNet 0.883 -> 0.864
  // (0.889 -> 0.855: within the spread), linear attention 0.666 -> 0.677,
  // simple GLA 0.972 -> 1.010; bench/results/bench-h100.md.
  c.bf16Inputs = defaultBf16Inputs(target, traits, c, bf16Inputs);
  // The bf16 input stages' rows 32 bytes apart from a bank too, where they
  // are padded at all (fragments read them in the accumulator layout; H100,
  // 2026-12-06, session 23, median of 5 in one run, outputs bit-identical):
  // GDN 8x4096x16 1.502 -> 1.418 ms, 4x16384x32 5.784 -> 5.452, the
  // 16-sequence varlen batch 3.194 -> 2.987, 1x8192x16 (sequence split)
  // 1.293 -> 1.263; DeltaNet 1.346 -> 1.324 (within the spread, not slower);
  // bench/results/bench-h100.md.
  c.pad16 = defaultPad16(target, c);
  // Decayed Gram blocks through each 16-row block's first row where the
  // gate is a logdecay input (H200, 2026-12-06, session 19, median of 7 and
  // of 9 in two calls, 8x4096x16): GLA 1.954 -> 1.788 ms (1.957 -> 1.790),
  // DPLR 7.281 -> 6.701. Not where the gate is -exp(A_log) softplus(...):
  // KDA 4.492 -> 5.127, GDN-2 9.052 -> 11.652 (its diagonal tiles fail the
  // row-block tests and are computed twice); bench/results/bench-h200.md.
  c.gramRows = defaultGramRows(target, traits, c);
  // KDA's A and M in one gram_diag_pair call, and the diagonal blocks
  // through reference rows (H100, 2026-12-07, session 26, median of 5 and
  // of 9 in two runs of one call, outputs checked against float64):
  // 8x4096x16 4.300 -> 3.775 ms (4.186 -> 3.702; the pair alone 3.908 /
  // 3.794, bit-identical; the factored blocks alone 4.255 / 4.102),
  // 4x16384x32 16.332 -> 14.532, the 16-sequence varlen batch 8.634 ->
  // 7.835, 1x8192x16 (sequence split) 3.476 -> 3.273. Not the factored
  // blocks for DPLR (7.392 -> 7.633: its exclusive left decay takes the
  // pairs one by one behind the extra test) or GDN-2 (8.595 -> 8.474,
  // within the spread); bench/results/bench-h100.md.
  c.pairGrams = c.factorGramBlocks = defaultPairGrams(target, traits, c);
  // The per-tile Gram's lighter diagonal tiles to the warps that take a
  // third tile (H100, 2026-12-07, session 27, median of 5 or 9, outputs
  // bit-identical): KDA 8x4096x16 3.735 -> 3.604 ms (3.713 -> 3.596),
  // 4x16384x32 14.583 -> 14.097 (14.787 -> 14.433), the 16-sequence varlen
  // batch 7.785 -> 7.649 (7.968 -> 7.882), GDN-2 8.708 -> 8.443. Not in
  // the sequence split, where it measured slower: KDA 1x8192x16 3.136 ->
  // 3.836 (3.306 -> 3.993, 3.255 -> 3.878); bench/results/bench-h100.md.
  c.balanceGramTiles = defaultBalanceGrams(target, traits, c);
  // The input copies inlined where measured faster (H100, 2026-12-05,
  // session 15, median of 9, each pair in one run): GDN 8x4096x16 1.668 ->
  // 1.594 ms (1.687 -> 1.589 and 1.709 -> 1.599 in two other calls),
  // 4x16384x32 6.741 -> 6.314, the 16-sequence varlen batch 3.654 -> 3.435
  // (3.638 -> 3.420, 3.538 -> 3.336). Not taken: DeltaNet 1.512 -> 1.492
  // (1.504 -> 1.495: within the spread), KDA 4.553 -> 4.692 (slower in both
  // calls), linear attention, RetNet, simple GLA and GLA level;
  // bench/results/bench-h100.md. Once the library no longer read the
  // Block's elision marks at every op (H100, 2026-12-07, session 29, median
  // of 5, bit-identical, bf16 inputs): KDA 8x4096x16 3.613 -> 3.466 (3.509
  // -> 3.379 with the scratch base in shared memory), the 16-sequence
  // varlen batch 7.504 -> 7.352, 4x16384x32 13.536 -> 13.356, 1x8192x16
  // (sequence split) 3.127 -> 3.075; GLA 8x4096x16 1.633 -> 1.553. Not
  // kda_safe (3.272 -> 3.291), DPLR (7.261 -> 7.253) or GDN-2 (8.225 ->
  // 8.922).
  c.inlineCopies = defaultInlineCopies(target, traits, c);
  // Element-wise ops of one shape grouped and fused in runs, each run one
  // loop over float4 quads with one barrier (H100, 2026-12-07, session 31,
  // median of 5 or 7 in three calls, outputs bit-identical): GDN 8x4096x16
  // 1.439 -> 1.385 ms (1.385 -> 1.325, 1.408 -> 1.341), the 16-sequence
  // varlen batch 3.022 -> 2.836, 4x16384x32 5.609 -> 5.244, 1x8192x16
  // (sequence split) 1.247 -> 1.182; KDA 8x4096x16 3.438 -> 3.234 (3.371 ->
  // 3.249, 3.485 -> 3.321), the varlen batch 7.215 -> 6.787, 4x16384x32
  // 13.483 -> 12.746, 1x8192x16 3.379 -> 3.321; kda_safe 3.265 -> 3.013
  // (3.198 -> 2.868); DPLR 7.256 -> 6.904; GDN-2 8.011 -> 7.983 (level).
  // Not GLA (1.595 -> 1.638) or DeltaNet (1.338 -> 1.343);
  // bench/results/bench-h100.md.
  c.fuse = defaultFuse(target, traits, c);
  return c;
}

/// The form the per-tile Gram switches were measured in: chunks and Gram
/// sub-blocks of 64 with bf16 operands (the per-tile form, not gram=rows),
/// one stage, one block per SM, no warp roles.
static bool measuredPerTileGramForm(const KernelConfig &c) {
  return c.chunk == 64 && c.subBlock == 64 && c.mma == "bf16" && !c.gramRows && c.stages == 1 &&
         c.blocks == 1 && !c.warpRoles;
}

bool defaultBalanceGrams(ChooserTarget target, const VariantTraits &traits,
                         const KernelConfig &c) {
  return target == ChooserTarget::sm90a && traits.channelDecay && !traits.channelGateInput &&
         !traits.boundedGate && c.split == KernelConfig::Split::Head &&
         c.wu == KernelConfig::WU::Fused && measuredPerTileGramForm(c);
}

bool defaultPairGrams(ChooserTarget target, const VariantTraits &traits, const KernelConfig &c) {
  return target == ChooserTarget::sm90a && traits.channelDeltaRule && !traits.boundedGate &&
         measuredPerTileGramForm(c);
}

bool defaultGramRows(ChooserTarget target, const VariantTraits &traits, const KernelConfig &c) {
  // Only the form measured: the fused kernel of the head split (8 warps,
  // one stage, one block per SM, no warp roles), one diagonal block of 64
  // with bf16 operands.
  return target == ChooserTarget::sm90a && traits.channelDecay && traits.channelGateInput &&
         c.split == KernelConfig::Split::Head && c.wu == KernelConfig::WU::Fused &&
         c.chunk == 64 && c.subBlock == 64 && c.mma == "bf16" && c.warps == 8 &&
         c.stages == 1 && c.blocks == 1 && !c.warpRoles;
}

bool defaultInlineCopies(ChooserTarget target, const VariantTraits &traits,
                         const KernelConfig &c) {
  if (target != ChooserTarget::sm90a || c.warpRoles || c.blocks != 1)
    return false;
  const bool headFused = c.split == KernelConfig::Split::Head && c.wu == KernelConfig::WU::Fused;
  // Only the forms measured: GDN's fused kernel with bf16 stages; KDA's
  // (unbounded gate) fused kernel and its sequence split, one stage; GLA's
  // fused kernel with the row-block Gram (one stage, chunks of 64).
  if (traits.scalarDeltaRule)
    return headFused && c.bf16Inputs;
  if (traits.channelDeltaRule && !traits.boundedGate)
    return c.chunk == 64 && c.stages == 1 &&
           (headFused || (c.split == KernelConfig::Split::Sequence && c.pairGrams));
  if (traits.channelPlainUpdate)
    return headFused && c.gramRows && c.chunk == 64 && c.stages == 1;
  return false;
}

bool defaultFuse(ChooserTarget target, const VariantTraits &traits, const KernelConfig &c) {
  // Only the forms measured: chunks of 64, one stage, one block per SM, no
  // warp roles.
  if (target != ChooserTarget::sm90a || c.chunk != 64 || c.stages != 1 || c.blocks != 1 ||
      c.warpRoles)
    return false;
  const bool fused = c.wu == KernelConfig::WU::Fused;
  // The delta rules with a decay, W and U fused in the head or the sequence
  // split, no landing buffers (session 31, above).
  const bool channelErase = traits.channelDecay && !traits.channelPlainUpdate;
  if ((traits.scalarDeltaRule || channelErase) && fused &&
      c.split != KernelConfig::Split::VTile && !c.prefetch)
    return true;
  // KDA's sequence split, W and U materialised (1x8192x16, outputs
  // bit-identical, three runs: H100 3.379 -> 3.321 ms in session 31; H200
  // 2.974 -> 2.891 and 3.061 -> 3.044 in session 32). Not measured for the
  // bounded gate (kda_safe).
  if (traits.channelDeltaRule && !traits.boundedGate &&
      c.split == KernelConfig::Split::Sequence && c.wu == KernelConfig::WU::Materialized)
    return true;
  // The plain updates with their inputs a chunk ahead (landing buffers), the
  // head split (H200, session 32, 8x4096x16, outputs bit-identical, median
  // of 5 or 7 in three runs): RetNet 0.752 -> 0.734, 0.749 -> 0.740, 0.754
  // -> 0.738 ms; simple GLA 0.821 -> 0.803, 0.815 -> 0.802, 0.820 -> 0.807;
  // linear attention 0.598 -> 0.594 (one run). Not GLA (its per-channel
  // decay: 1.554 -> 1.585, and +2.7% on an H100 in session 31).
  return traits.plainUpdate && c.prefetch && fused && c.split == KernelConfig::Split::Head;
}

std::vector<std::string> librarySwitches(const KernelConfig &c) {
  std::vector<std::string> names;
  if (c.inlineCopies)
    names.push_back("LINAC_INLINE_COPIES");
  if (c.factorGramBlocks)
    names.push_back("LINAC_GRAM_BLOCK_FACTOR");
  if (c.balanceGramTiles)
    names.push_back("LINAC_GRAM_BALANCE");
  return names;
}

bool defaultBf16Inputs(ChooserTarget target, const VariantTraits &traits,
                       const KernelConfig &c, bool bf16Inputs) {
  // Only the forms measured: no warp roles (which cannot fill bf16 stages),
  // no landing buffers or chunk-ahead loop, not the V split.
  return bf16Inputs && target == ChooserTarget::sm90a && !c.warpRoles && !c.prefetch &&
         !c.ahead && c.split != KernelConfig::Split::VTile &&
         (traits.scalarDeltaRule ||
          (traits.unitDeltaRule && c.split == KernelConfig::Split::Head));
}

bool defaultPad16(ChooserTarget target, const KernelConfig &c) {
  // Only the forms measured: W and U fused, the head or the sequence
  // split, one block per SM (the padding can cost the chunk-parallel and
  // two-block forms their second block).
  return target == ChooserTarget::sm90a && c.padRows && c.bf16Inputs &&
         c.wu == KernelConfig::WU::Fused && c.split != KernelConfig::Split::VTile &&
         c.blocks == 1;
}

bool defaultFactorNorms(ChooserTarget target, const VariantTraits &traits,
                        const KernelConfig &c) {
  return target == ChooserTarget::sm90a &&
         (traits.scalarDeltaRule ||
          (traits.channelDeltaRule && c.split == KernelConfig::Split::Sequence &&
           c.wu == KernelConfig::WU::Materialized));
}

bool defaultPrefetch(ChooserTarget target, const VariantTraits &traits, const KernelConfig &c) {
  return target == ChooserTarget::sm90a && traits.plainUpdate &&
         c.split == KernelConfig::Split::Head && c.wu == KernelConfig::WU::Fused &&
         c.stages == 1 && !c.warpRoles && !c.ahead;
}

} // namespace linac
