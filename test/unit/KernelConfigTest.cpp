//===- KernelConfigTest.cpp - the default chooser per target ---------------===//
#include "lowering/KernelConfig.h"

#include <algorithm>
#include <gtest/gtest.h>

using linac::ChooserTarget;
using linac::chooseKernelConfig;
using linac::KernelConfig;

namespace {

// 8 x 4096 tokens, 16 heads, K = V = 128: the benchmark's main shape.
KernelConfig mainShape(ChooserTarget target) {
  return chooseKernelConfig(8, 16, 8 * 4096, 128, 128, {}, target);
}

// `config` parses, and validating it at K = V = 128 names `why`.
void expectRefused(const std::string &config, const char *why) {
  KernelConfig c;
  EXPECT_EQ(linac::parseKernelConfig(config, c), "") << config;
  EXPECT_NE(linac::validateKernelConfig(c, 128, 128).find(why), std::string::npos) << config;
}

// `config` parses and validates at K = V = 128.
void expectValid(const std::string &config) {
  KernelConfig c;
  EXPECT_EQ(linac::parseKernelConfig(config, c), "") << config;
  EXPECT_EQ(linac::validateKernelConfig(c, 128, 128), "") << config;
}

// `seqs` sequences of `tokens` in all, 16 heads, K = V = 128, the caller's
// inputs bf16 or not.
KernelConfig choose(int64_t seqs, int64_t tokens, const linac::VariantTraits &t,
                    ChooserTarget target, bool bf16) {
  return chooseKernelConfig(seqs, 16, tokens, 128, 128, t, target, bf16);
}

TEST(KernelConfig, TargetNames) {
  EXPECT_EQ(linac::chooserTargetOf("sm_90a"), ChooserTarget::sm90a);
  EXPECT_EQ(linac::chooserTargetOf("sm_80"), ChooserTarget::sm80);
  EXPECT_EQ(linac::chooserTargetOf("cpu"), ChooserTarget::cpu);
  EXPECT_EQ(linac::chooserTargetOf(""), ChooserTarget::cpu);
  EXPECT_EQ(linac::chooserTargetOf("sm_90"), ChooserTarget::cpu);
}

TEST(KernelConfig, FragmentsOnSm90aAtChunk64Only) {
  EXPECT_EQ(linac::defaultFragmentBudget(ChooserTarget::sm90a, 64), 192);
  EXPECT_EQ(linac::defaultFragmentBudget(ChooserTarget::sm90a, 32), 0);
  EXPECT_EQ(linac::defaultFragmentBudget(ChooserTarget::sm80, 64), 0);
  EXPECT_EQ(linac::defaultFragmentBudget(ChooserTarget::cpu, 64), 0);
  // A per-channel decay leaves gram_diag more registers.
  EXPECT_EQ(linac::defaultFragmentBudget(ChooserTarget::sm90a, 64, true), 128);
  EXPECT_EQ(linac::defaultFragmentBudget(ChooserTarget::sm90a, 32, true), 0);
  linac::VariantTraits channel;
  channel.channelDecay = true;
  EXPECT_EQ(linac::chooseKernelConfig(8, 16, 8 * 4096, 128, 128, channel, ChooserTarget::sm90a).frag, 128);
  EXPECT_EQ(linac::chooseKernelConfig(8, 16, 8 * 4096, 128, 128, {}, ChooserTarget::sm90a).frag, 192);
}

TEST(KernelConfig, OneSubBlockOn64OnSm90aAtChunk64Only) {
  EXPECT_EQ(linac::defaultSubBlock(ChooserTarget::sm90a, 64), 64);
  EXPECT_EQ(linac::defaultSubBlock(ChooserTarget::sm90a, 32), 16);
  EXPECT_EQ(linac::defaultSubBlock(ChooserTarget::sm80, 64), 16);
  EXPECT_EQ(linac::defaultSubBlock(ChooserTarget::cpu, 64), 16);
  EXPECT_EQ(mainShape(ChooserTarget::sm90a).subBlock, 64);
  EXPECT_EQ(mainShape(ChooserTarget::cpu).subBlock, 16);
}

TEST(KernelConfig, GpuDefaults) {
  KernelConfig h = mainShape(ChooserTarget::sm90a);
  EXPECT_EQ(h.chunk, 64);
  EXPECT_EQ(h.mma, "bf16");
  EXPECT_EQ(h.warps, 8);
  EXPECT_EQ(h.stages, 1);
  EXPECT_TRUE(h.promote);
  EXPECT_EQ(h.frag, 192);
  EXPECT_EQ(h.split, KernelConfig::Split::Head);
  KernelConfig a = mainShape(ChooserTarget::sm80);
  EXPECT_EQ(a.mma, "bf16");
  EXPECT_EQ(a.frag, 0); // the fragment budget, sub-blocks and padded rows differ from sm_90a
  EXPECT_EQ(a.subBlock, 16);
  EXPECT_TRUE(h.padRows);
  EXPECT_FALSE(a.padRows);
  a.frag = h.frag;
  a.subBlock = h.subBlock;
  a.padRows = h.padRows;
  EXPECT_EQ(a.str(), h.str());
}

TEST(KernelConfig, CpuDefaults) {
  KernelConfig c = mainShape(ChooserTarget::cpu);
  EXPECT_EQ(c.mma, "f32");
  EXPECT_EQ(c.warps, 4);
  EXPECT_FALSE(c.promote);
  EXPECT_EQ(c.frag, 0);
}

TEST(KernelConfig, ShortSequencesTakeChunk32WithoutFragments) {
  KernelConfig c = chooseKernelConfig(4, 16, 4 * 32, 128, 128, {},
                                      ChooserTarget::sm90a);
  EXPECT_EQ(c.chunk, 32);
  EXPECT_EQ(c.frag, 0);
  EXPECT_EQ(c.subBlock, 16);
}

TEST(KernelConfig, FewHeadsSplitTheSequence) {
  KernelConfig c = chooseKernelConfig(1, 16, 8192, 128, 128, {},
                                      ChooserTarget::sm90a);
  EXPECT_EQ(c.split, KernelConfig::Split::Sequence);
  // 16 heads x 8 segments of 16 chunks: one wave of 132 SMs.
  EXPECT_EQ(c.segment, 16);
  // One head: at most 16 segments (the combine walks them in turn).
  EXPECT_EQ(chooseKernelConfig(1, 1, 8192, 128, 128, {}, ChooserTarget::sm90a).segment, 8);
  // 100 heads: at least 2 segments.
  EXPECT_EQ(chooseKernelConfig(1, 100, 8192, 128, 128, {}, ChooserTarget::sm90a).segment, 64);
  // The combine by 32 columns of V where V is a larger multiple of 32, and
  // all of V otherwise.
  EXPECT_EQ(c.combineCols, 32);
  EXPECT_NE(c.str().find(",combine=32"), std::string::npos);
  EXPECT_EQ(chooseKernelConfig(1, 16, 8192, 128, 32, {}, ChooserTarget::sm90a).combineCols, 0);
  EXPECT_EQ(chooseKernelConfig(1, 16, 8192, 128, 80, {}, ChooserTarget::sm90a).combineCols, 0);
  EXPECT_EQ(linac::validateKernelConfig(c, 128, 96), "");
  EXPECT_EQ(linac::validateKernelConfig(c, 128, 80),
            "config: combine (32) must be a positive divisor of V (80)");
  // A variant that reduces over V keeps whole states per block.
  linac::VariantTraits overV;
  overV.reducesOverV = true;
  KernelConfig r = chooseKernelConfig(1, 16, 8192, 128, 128, overV,
                                      ChooserTarget::sm90a);
  EXPECT_EQ(r.split, KernelConfig::Split::Head);
  // W and U fused where the gate is a scalar, materialised by the maps
  // kernel for a delta rule with per-channel decay (KDA), and only there.
  EXPECT_EQ(c.wu, KernelConfig::WU::Fused);
  linac::VariantTraits channel;
  channel.channelDeltaRule = true;
  EXPECT_EQ(chooseKernelConfig(1, 16, 8192, 128, 128, channel, ChooserTarget::sm90a).wu,
            KernelConfig::WU::Materialized);
  EXPECT_EQ(chooseKernelConfig(8, 16, 8 * 4096, 128, 128, channel, ChooserTarget::sm90a).wu,
            KernelConfig::WU::Fused);
}

} // namespace

namespace {

TEST(KernelConfig, MaskEpilogueIsOffUnlessSaidOn) {
  KernelConfig c = mainShape(ChooserTarget::sm90a);
  EXPECT_FALSE(c.maskEpilogue); // not yet timed on a GPU
  EXPECT_EQ(c.str().find("epilogue"), std::string::npos);
  EXPECT_EQ(linac::parseKernelConfig("epilogue=on", c), "");
  EXPECT_TRUE(c.maskEpilogue);
  EXPECT_NE(c.str().find(",epilogue=on"), std::string::npos);
  KernelConfig again = mainShape(ChooserTarget::sm90a);
  EXPECT_EQ(linac::parseKernelConfig(c.str(), again), "");
  EXPECT_TRUE(again.maskEpilogue);
  EXPECT_NE(linac::parseKernelConfig("epilogue=yes", c).find("epilogue must be on or off"),
            std::string::npos);
}

/// A key of two values whose second is off by default: unsaid in the
/// default's string, set by KEY=ON and spelled so, read back from that
/// string, cleared by KEY=OFF, and a third value refused by name.
void expectOffUnlessAsked(bool KernelConfig::*flag, const std::string &key,
                          const std::string &off, const std::string &on) {
  SCOPED_TRACE(key);
  KernelConfig c = mainShape(ChooserTarget::sm90a);
  EXPECT_FALSE(c.*flag); // not yet timed on a GPU
  EXPECT_EQ(c.str().find("," + key + "="), std::string::npos);
  EXPECT_EQ(linac::parseKernelConfig(key + "=" + on, c), "");
  EXPECT_TRUE(c.*flag);
  EXPECT_NE(c.str().find("," + key + "=" + on), std::string::npos);
  KernelConfig again = mainShape(ChooserTarget::sm90a);
  EXPECT_EQ(linac::parseKernelConfig(c.str(), again), "");
  EXPECT_TRUE(again.*flag);
  EXPECT_EQ(linac::parseKernelConfig(key + "=" + off, c), "");
  EXPECT_FALSE(c.*flag);
  EXPECT_NE(linac::parseKernelConfig(key + "=maybe", c).find(key + " must be " + off + " or " + on),
            std::string::npos);
}

TEST(KernelConfig, GramRowBlocksAreOffUnlessAsked) {
  expectOffUnlessAsked(&KernelConfig::gramRows, "gram", "tiles", "rows");
}

TEST(KernelConfig, PlacementByBytesIsOffUnlessAsked) {
  expectOffUnlessAsked(&KernelConfig::placeByBytes, "place", "uses", "bytes");
}

TEST(KernelConfig, LateInverseIsOffUnlessAskedAndNeedsTheFusedKernel) {
  expectOffUnlessAsked(&KernelConfig::lateInverse, "inverse", "early", "late");
  KernelConfig c = mainShape(ChooserTarget::sm90a);
  EXPECT_EQ(linac::parseKernelConfig("inverse=late", c), "");
  EXPECT_EQ(linac::validateKernelConfig(c, 128, 128), "");
  EXPECT_EQ(linac::parseKernelConfig("wu=materialized", c), "");
  EXPECT_NE(linac::validateKernelConfig(c, 128, 128).find("inverse=late needs wu=fused"),
            std::string::npos);
}

TEST(KernelConfig, AliasStagesIsOnUnlessSaidOff) {
  KernelConfig c = mainShape(ChooserTarget::sm90a);
  EXPECT_TRUE(c.aliasStages);
  EXPECT_EQ(c.str().find("alias"), std::string::npos); // the default is not spelled out
  EXPECT_EQ(linac::parseKernelConfig("alias=off", c), "");
  EXPECT_FALSE(c.aliasStages);
  EXPECT_NE(c.str().find(",alias=off"), std::string::npos);
  KernelConfig again = mainShape(ChooserTarget::sm90a);
  EXPECT_EQ(linac::parseKernelConfig(c.str(), again), "");
  EXPECT_FALSE(again.aliasStages);
  EXPECT_NE(linac::parseKernelConfig("alias=maybe", c).find("alias must be on or off"),
            std::string::npos);
}

} // namespace

namespace {

TEST(KernelConfig, PrefetchForAPlainUpdateOnSm90aWithTheHeadSplit) {
  linac::VariantTraits plain;
  plain.plainUpdate = true;
  EXPECT_TRUE(chooseKernelConfig(8, 16, 8 * 4096, 128, 128, plain, ChooserTarget::sm90a).prefetch);
  // Not for a delta rule or a per-channel decay, not elsewhere, not with the
  // sequence split (few heads).
  EXPECT_FALSE(chooseKernelConfig(8, 16, 8 * 4096, 128, 128, {}, ChooserTarget::sm90a).prefetch);
  EXPECT_FALSE(chooseKernelConfig(8, 16, 8 * 4096, 128, 128, plain, ChooserTarget::sm80).prefetch);
  EXPECT_FALSE(chooseKernelConfig(8, 16, 8 * 4096, 128, 128, plain, ChooserTarget::cpu).prefetch);
  KernelConfig few = chooseKernelConfig(1, 16, 8192, 128, 128, plain, ChooserTarget::sm90a);
  EXPECT_EQ(few.split, KernelConfig::Split::Sequence);
  EXPECT_FALSE(few.prefetch);
  EXPECT_EQ(linac::validateKernelConfig(
                chooseKernelConfig(8, 16, 8 * 4096, 128, 128, plain, ChooserTarget::sm90a), 128, 128),
            "");
  // What --config may change afterwards turns it off (the driver asks again).
  KernelConfig c = chooseKernelConfig(8, 16, 8 * 4096, 128, 128, plain, ChooserTarget::sm90a);
  EXPECT_TRUE(linac::defaultPrefetch(ChooserTarget::sm90a, plain, c));
  EXPECT_FALSE(c.takeIntoFragments);
  EXPECT_EQ(linac::parseKernelConfig("take=fragment", c), "");
  EXPECT_TRUE(c.takeIntoFragments);
  EXPECT_NE(c.str().find(",take=fragment"), std::string::npos);
  EXPECT_NE(linac::parseKernelConfig("take=shared", c).find("take must be stage or fragment"),
            std::string::npos);
  for (const char *change : {"stages=2", "roles=on", "split=vtile,vtile=64", "wu=materialized"}) {
    KernelConfig d = c;
    EXPECT_EQ(linac::parseKernelConfig(change, d), "") << change;
    EXPECT_FALSE(linac::defaultPrefetch(ChooserTarget::sm90a, plain, d)) << change;
  }
}

} // namespace

namespace {

TEST(KernelConfig, FactorNormsForGdnEverywhereAndKdaInTheSequenceSplitOnSm90a) {
  linac::VariantTraits gdn;
  gdn.scalarDeltaRule = true;
  linac::VariantTraits kda;
  kda.channelDeltaRule = true;
  kda.channelDecay = true;
  // GDN: the head split, the sequence split (few heads) and a varlen batch.
  EXPECT_TRUE(chooseKernelConfig(8, 16, 8 * 4096, 128, 128, gdn, ChooserTarget::sm90a).factorNorms);
  EXPECT_TRUE(chooseKernelConfig(1, 16, 8192, 128, 128, gdn, ChooserTarget::sm90a).factorNorms);
  EXPECT_TRUE(chooseKernelConfig(16, 16, 16 * 1024, 128, 128, gdn, ChooserTarget::sm90a).factorNorms);
  EXPECT_NE(chooseKernelConfig(8, 16, 8 * 4096, 128, 128, gdn, ChooserTarget::sm90a)
                .str()
                .find(",norms=factor"),
            std::string::npos);
  // KDA only where W and U are materialised by the sequence split's maps.
  KernelConfig few = chooseKernelConfig(1, 16, 8192, 128, 128, kda, ChooserTarget::sm90a);
  EXPECT_EQ(few.split, KernelConfig::Split::Sequence);
  EXPECT_TRUE(few.factorNorms);
  EXPECT_FALSE(chooseKernelConfig(8, 16, 8 * 4096, 128, 128, kda, ChooserTarget::sm90a).factorNorms);
  // Not for other variants (DeltaNet, DPLR, GDN-2 were slower), not off sm_90a.
  EXPECT_FALSE(chooseKernelConfig(8, 16, 8 * 4096, 128, 128, {}, ChooserTarget::sm90a).factorNorms);
  EXPECT_FALSE(chooseKernelConfig(8, 16, 8 * 4096, 128, 128, gdn, ChooserTarget::sm80).factorNorms);
  EXPECT_FALSE(chooseKernelConfig(8, 16, 8 * 4096, 128, 128, gdn, ChooserTarget::cpu).factorNorms);
  // --config can take it back.
  KernelConfig c = chooseKernelConfig(8, 16, 8 * 4096, 128, 128, gdn, ChooserTarget::sm90a);
  EXPECT_EQ(linac::parseKernelConfig("norms=tile", c), "");
  EXPECT_FALSE(c.factorNorms);
  // Asked again for a config the user changed: KDA's sequence split taken to
  // the head split (fused) loses it, and the reverse gains it.
  EXPECT_FALSE(linac::defaultFactorNorms(ChooserTarget::sm90a, kda,
                                         chooseKernelConfig(8, 16, 8 * 4096, 128, 128, kda,
                                                            ChooserTarget::sm90a)));
  KernelConfig seq = few;
  EXPECT_EQ(linac::parseKernelConfig("split=head,wu=fused", seq), "");
  EXPECT_FALSE(linac::defaultFactorNorms(ChooserTarget::sm90a, kda, seq));
  KernelConfig head = chooseKernelConfig(8, 16, 8 * 4096, 128, 128, kda, ChooserTarget::sm90a);
  EXPECT_EQ(linac::parseKernelConfig("split=sequence,segment=8,wu=materialized", head), "");
  EXPECT_TRUE(linac::defaultFactorNorms(ChooserTarget::sm90a, kda, head));
}

TEST(KernelConfig, GramRowsWhereTheChannelGateIsALogDecayInputOnSm90a) {
  linac::VariantTraits gla; // GLA, DPLR: the per-channel gate as passed
  gla.channelDecay = true;
  gla.channelGateInput = true;
  linac::VariantTraits kda; // KDA (GDN-2 alike): the gate from a formula
  kda.channelDecay = true;
  kda.channelDeltaRule = true;
  KernelConfig c = chooseKernelConfig(8, 16, 8 * 4096, 128, 128, gla, ChooserTarget::sm90a);
  EXPECT_TRUE(c.gramRows);
  EXPECT_NE(c.str().find(",gram=rows"), std::string::npos);
  EXPECT_FALSE(chooseKernelConfig(8, 16, 8 * 4096, 128, 128, kda, ChooserTarget::sm90a).gramRows);
  // Not off sm_90a, not where it was not measured (the sequence split of a
  // few heads, sub-blocks of 32).
  EXPECT_FALSE(chooseKernelConfig(8, 16, 8 * 4096, 128, 128, gla, ChooserTarget::sm80).gramRows);
  EXPECT_FALSE(chooseKernelConfig(8, 16, 8 * 4096, 128, 128, gla, ChooserTarget::cpu).gramRows);
  KernelConfig few = chooseKernelConfig(1, 16, 8192, 128, 128, gla, ChooserTarget::sm90a);
  EXPECT_EQ(few.split, KernelConfig::Split::Sequence);
  EXPECT_FALSE(few.gramRows);
  KernelConfig sub = c;
  EXPECT_EQ(linac::parseKernelConfig("sub=32", sub), "");
  EXPECT_FALSE(linac::defaultGramRows(ChooserTarget::sm90a, gla, sub));
  KernelConfig roles = c;
  EXPECT_EQ(linac::parseKernelConfig("roles=on", roles), "");
  EXPECT_FALSE(linac::defaultGramRows(ChooserTarget::sm90a, gla, roles));
  // --config can take it back.
  EXPECT_EQ(linac::parseKernelConfig("gram=tiles", c), "");
  EXPECT_FALSE(c.gramRows);
}

TEST(KernelConfig, Bf16InputsOnlyWhenTheCallerSaysSoForGdnAndDeltaNetOnSm90a) {
  linac::VariantTraits gdn;
  gdn.scalarDeltaRule = true;
  linac::VariantTraits deltanet;
  deltanet.unitDeltaRule = true;
  linac::VariantTraits plain;
  plain.plainUpdate = true;
  // GDN in the head and sequence splits once the inputs are known to be
  // bf16; never without that.
  EXPECT_TRUE(choose(8, 8 * 4096, gdn, ChooserTarget::sm90a, true).bf16Inputs);
  EXPECT_TRUE(choose(1, 8192, gdn, ChooserTarget::sm90a, true).bf16Inputs);
  EXPECT_TRUE(choose(16, 16 * 4096, gdn, ChooserTarget::sm90a, true).bf16Inputs);
  EXPECT_FALSE(choose(8, 8 * 4096, gdn, ChooserTarget::sm90a, false).bf16Inputs);
  EXPECT_NE(choose(8, 8 * 4096, gdn, ChooserTarget::sm90a, true).str().find(",inputs=bf16"),
            std::string::npos);
  // DeltaNet in the head split only (the sequence split was not measured).
  EXPECT_TRUE(choose(8, 8 * 4096, deltanet, ChooserTarget::sm90a, true).bf16Inputs);
  KernelConfig seq = choose(1, 8192, deltanet, ChooserTarget::sm90a, true);
  EXPECT_EQ(seq.split, KernelConfig::Split::Sequence);
  EXPECT_FALSE(seq.bf16Inputs);
  // Not for the plain updates (within the spread or slower), not off sm_90a.
  EXPECT_FALSE(choose(8, 8 * 4096, plain, ChooserTarget::sm90a, true).bf16Inputs);
  EXPECT_FALSE(choose(8, 8 * 4096, gdn, ChooserTarget::sm80, true).bf16Inputs);
  EXPECT_FALSE(choose(8, 8 * 4096, gdn, ChooserTarget::cpu, true).bf16Inputs);
  // Asked again for a config the user changed: warp roles cannot fill bf16
  // stages, so roles=on drops it rather than failing validation.
  KernelConfig roles = choose(8, 8 * 4096, gdn, ChooserTarget::sm90a, true);
  EXPECT_EQ(linac::parseKernelConfig("roles=on", roles), "");
  EXPECT_FALSE(linac::defaultBf16Inputs(ChooserTarget::sm90a, gdn, roles, true));
  // Nor in forms not measured with it: landing buffers, the chunk-ahead
  // loop, the V split (GDN's default for few, short sequences).
  for (const char *form : {"prefetch=on", "ahead=on", "split=vtile,vtile=64"}) {
    KernelConfig c = choose(8, 8 * 4096, gdn, ChooserTarget::sm90a, true);
    EXPECT_EQ(linac::parseKernelConfig(form, c), "");
    EXPECT_FALSE(linac::defaultBf16Inputs(ChooserTarget::sm90a, gdn, c, true)) << form;
  }
  EXPECT_EQ(choose(2, 2 * 512, gdn, ChooserTarget::sm90a, true).split,
            KernelConfig::Split::VTile);
  EXPECT_FALSE(choose(2, 2 * 512, gdn, ChooserTarget::sm90a, true).bf16Inputs);
}

/// A two-valued key (`key=off|on`) over `c`, where it is off: unsaid in
/// c.str(), set by key=on and said so, round trips through str(), cleared
/// by key=off, and `bad` refused naming both values.
void expectTwoValuedKey(KernelConfig c, const std::string &key, const std::string &off,
                        const std::string &on, bool KernelConfig::*flag, const std::string &bad) {
  EXPECT_FALSE(c.*flag) << key;
  EXPECT_EQ(c.str().find(key), std::string::npos) << key;
  EXPECT_EQ(linac::parseKernelConfig(key + "=" + on, c), "");
  EXPECT_TRUE(c.*flag) << key;
  EXPECT_NE(c.str().find("," + key + "=" + on), std::string::npos) << key;
  KernelConfig again;
  EXPECT_EQ(linac::parseKernelConfig(c.str(), again), "");
  EXPECT_TRUE(again.*flag) << key;
  EXPECT_EQ(linac::parseKernelConfig(key + "=" + off, again), "");
  EXPECT_FALSE(again.*flag) << key;
  EXPECT_NE(linac::parseKernelConfig(key + "=" + bad, c)
                .find(key + " must be " + off + " or " + on),
            std::string::npos)
      << key;
}

TEST(KernelConfig, InlineCopiesWhereMeasuredFasterOnSm90aOnly) {
  linac::VariantTraits gdn, deltanet, kda, kdaSafe, gla, dplr;
  gdn.scalarDeltaRule = true;
  deltanet.unitDeltaRule = true;
  kda.channelDeltaRule = kda.channelDecay = true;
  kdaSafe = kda;
  kdaSafe.boundedGate = true;
  gla.channelDecay = gla.channelGateInput = gla.channelPlainUpdate = true;
  dplr.channelDecay = dplr.channelGateInput = true;
  KernelConfig g = choose(8, 8 * 4096, gdn, ChooserTarget::sm90a, true);
  EXPECT_TRUE(g.inlineCopies);
  EXPECT_NE(g.str().find(",copies=inline"), std::string::npos);
  EXPECT_EQ(linac::librarySwitches(g), std::vector<std::string>{"LINAC_INLINE_COPIES"});
  // KDA in both splits (its stages fp32 whatever the inputs), GLA's fused
  // kernel with the row-block Gram (session 29).
  for (bool bf16 : {true, false}) {
    EXPECT_TRUE(choose(8, 8 * 4096, kda, ChooserTarget::sm90a, bf16).inlineCopies) << bf16;
    KernelConfig seq = choose(1, 8192, kda, ChooserTarget::sm90a, bf16);
    EXPECT_EQ(seq.split, KernelConfig::Split::Sequence);
    EXPECT_TRUE(seq.inlineCopies) << bf16;
    KernelConfig glaHead = choose(8, 8 * 4096, gla, ChooserTarget::sm90a, bf16);
    EXPECT_TRUE(glaHead.gramRows);
    EXPECT_TRUE(glaHead.inlineCopies) << bf16;
  }
  // Not where it was level or slower (kda_safe, DPLR, DeltaNet, GDN-2: a
  // per-channel decay with an erase of its own, so neither KDA's nor GLA's
  // traits), nor for GDN without bf16 stages, nor off sm_90a.
  linac::VariantTraits gdn2;
  gdn2.channelDecay = true;
  EXPECT_FALSE(choose(8, 8 * 4096, kdaSafe, ChooserTarget::sm90a, true).inlineCopies);
  EXPECT_FALSE(choose(8, 8 * 4096, dplr, ChooserTarget::sm90a, true).inlineCopies);
  EXPECT_FALSE(choose(8, 8 * 4096, gdn2, ChooserTarget::sm90a, true).inlineCopies);
  // Nor, asked again, for KDA or GLA in forms not measured with it.
  for (const char *form : {"chunk=32", "stages=2", "roles=on", "blocks=2"}) {
    KernelConfig k = choose(8, 8 * 4096, kda, ChooserTarget::sm90a, true);
    EXPECT_EQ(linac::parseKernelConfig(form, k), "") << form;
    EXPECT_FALSE(linac::defaultInlineCopies(ChooserTarget::sm90a, kda, k)) << form;
    KernelConfig g = choose(8, 8 * 4096, gla, ChooserTarget::sm90a, true);
    EXPECT_EQ(linac::parseKernelConfig(form, g), "") << form;
    EXPECT_FALSE(linac::defaultInlineCopies(ChooserTarget::sm90a, gla, g)) << form;
  }
  EXPECT_FALSE(choose(8, 8 * 4096, deltanet, ChooserTarget::sm90a, true).inlineCopies);
  EXPECT_FALSE(choose(8, 8 * 4096, kda, ChooserTarget::sm80, true).inlineCopies);
  EXPECT_FALSE(choose(8, 8 * 4096, gla, ChooserTarget::cpu, true).inlineCopies);
  EXPECT_FALSE(choose(8, 8 * 4096, gdn, ChooserTarget::sm90a, false).inlineCopies);
  EXPECT_FALSE(choose(8, 8 * 4096, gdn, ChooserTarget::sm80, true).inlineCopies);
  EXPECT_FALSE(choose(8, 8 * 4096, gdn, ChooserTarget::cpu, true).inlineCopies);
  // The sequence split (GDN 1x8192x16) was not measured with it.
  KernelConfig seq = choose(1, 8192, gdn, ChooserTarget::sm90a, true);
  EXPECT_EQ(seq.split, KernelConfig::Split::Sequence);
  EXPECT_FALSE(seq.inlineCopies);
  EXPECT_TRUE(linac::librarySwitches(seq).empty());
  // Nor, asked again, in forms of the head split not measured with it.
  for (const char *form : {"wu=materialized,pwarps=4,pblocks=2", "blocks=2", "roles=on"}) {
    KernelConfig c = choose(8, 8 * 4096, gdn, ChooserTarget::sm90a, true);
    EXPECT_EQ(linac::parseKernelConfig(form, c), "") << form;
    EXPECT_FALSE(linac::defaultInlineCopies(ChooserTarget::sm90a, gdn, c)) << form;
  }
  expectTwoValuedKey(choose(8, 8 * 4096, deltanet, ChooserTarget::sm90a, true), "copies", "call",
                     "inline", &KernelConfig::inlineCopies, "on");
}

TEST(KernelConfig, PairedFactoredGramsForKdasSoftplusGateOnSm90aOnly) {
  linac::VariantTraits kda, safe, gla, dplr;
  kda.channelDeltaRule = kda.channelDecay = true;
  safe = kda;
  safe.boundedGate = true;
  gla.channelDecay = gla.channelGateInput = true;
  dplr.channelDecay = true;
  for (auto [seqs, tokens] : {std::pair<int64_t, int64_t>{8, 8 * 4096}, {1, 8192}, {4, 4 * 16384}}) {
    KernelConfig c = choose(seqs, tokens, kda, ChooserTarget::sm90a, true);
    EXPECT_TRUE(c.pairGrams && c.factorGramBlocks) << seqs;
    EXPECT_NE(c.str().find(",grampair=on,gramfactor=on"), std::string::npos) << c.str();
    const std::vector<std::string> names = linac::librarySwitches(c);
    EXPECT_NE(std::find(names.begin(), names.end(), "LINAC_GRAM_BLOCK_FACTOR"), names.end())
        << c.str();
  }
  // Not with a proven gate bound (the bounded form), nor for the variants
  // without KDA's two Gram matrices, nor off sm_90a.
  for (const linac::VariantTraits *t : {&safe, &gla, &dplr}) {
    KernelConfig c = choose(8, 8 * 4096, *t, ChooserTarget::sm90a, true);
    EXPECT_FALSE(c.pairGrams || c.factorGramBlocks) << c.str();
    for (const std::string &name : linac::librarySwitches(c))
      EXPECT_NE(name, "LINAC_GRAM_BLOCK_FACTOR") << c.str();
  }
  for (ChooserTarget target : {ChooserTarget::sm80, ChooserTarget::cpu})
    EXPECT_FALSE(choose(8, 8 * 4096, kda, target, true).pairGrams);
  // Nor, asked again, where the Gram takes another form.
  for (const char *form : {"gram=rows", "sub=32", "mma=f32", "chunk=32", "stages=2", "blocks=2",
                           "roles=on"}) {
    KernelConfig c = choose(8, 8 * 4096, kda, ChooserTarget::sm90a, true);
    EXPECT_EQ(linac::parseKernelConfig(form, c), "") << form;
    EXPECT_FALSE(linac::defaultPairGrams(ChooserTarget::sm90a, kda, c)) << form;
  }
  // gramfactor as a key of its own: given, it is what the config says.
  KernelConfig c = choose(8, 8 * 4096, kda, ChooserTarget::sm90a, true);
  EXPECT_EQ(linac::parseKernelConfig("gramfactor=off", c), "");
  EXPECT_TRUE(c.pairGrams && !c.factorGramBlocks);
  EXPECT_EQ(c.str().find("gramfactor"), std::string::npos);
  EXPECT_EQ(linac::librarySwitches(c),
            (std::vector<std::string>{"LINAC_INLINE_COPIES", "LINAC_GRAM_BALANCE"}));
  EXPECT_NE(linac::parseKernelConfig("gramfactor=yes", c).find("gramfactor must be on or off"),
            std::string::npos);
}

TEST(KernelConfig, BalancedGramTilesInTheHeadSplitsFusedKernelOnSm90aOnly) {
  linac::VariantTraits kda, gdn2, safe, gla, dplr, gdn;
  kda.channelDeltaRule = kda.channelDecay = true;
  gdn2.channelDecay = true;
  safe = kda;
  safe.boundedGate = true;
  gla.channelDecay = gla.channelGateInput = true;
  dplr = gla;
  gdn.scalarDeltaRule = true;
  // KDA and GDN-2 in the head split: on, emitted after the factored blocks.
  {
    KernelConfig c = choose(8, 8 * 4096, kda, ChooserTarget::sm90a, true);
    EXPECT_TRUE(c.balanceGramTiles) << c.str();
    EXPECT_NE(c.str().find(",gramfactor=on,grambalance=on"), std::string::npos) << c.str();
    EXPECT_EQ(linac::librarySwitches(c),
              (std::vector<std::string>{"LINAC_INLINE_COPIES", "LINAC_GRAM_BLOCK_FACTOR",
                                        "LINAC_GRAM_BALANCE"}));
  }
  KernelConfig g2 = choose(8, 8 * 4096, gdn2, ChooserTarget::sm90a, true);
  EXPECT_TRUE(g2.balanceGramTiles) << g2.str();
  EXPECT_EQ(linac::librarySwitches(g2), std::vector<std::string>{"LINAC_GRAM_BALANCE"});
  // Not in KDA's sequence split (measured slower), nor where the Gram takes
  // the bounded or row-block form or there is no per-channel Gram, nor off
  // sm_90a.
  KernelConfig seq = choose(1, 8192, kda, ChooserTarget::sm90a, true);
  EXPECT_EQ(seq.split, KernelConfig::Split::Sequence);
  EXPECT_FALSE(seq.balanceGramTiles);
  for (const linac::VariantTraits *t : {&safe, &gla, &dplr, &gdn})
    EXPECT_FALSE(choose(8, 8 * 4096, *t, ChooserTarget::sm90a, true).balanceGramTiles);
  for (ChooserTarget target : {ChooserTarget::sm80, ChooserTarget::cpu})
    EXPECT_FALSE(choose(8, 8 * 4096, kda, target, true).balanceGramTiles);
  // Nor, asked again, in the forms not measured.
  for (const char *form : {"gram=rows", "sub=32", "mma=f32", "chunk=32", "stages=2", "blocks=2",
                           "roles=on", "split=vtile", "wu=materialized"}) {
    KernelConfig c = choose(8, 8 * 4096, kda, ChooserTarget::sm90a, true);
    EXPECT_EQ(linac::parseKernelConfig(form, c), "") << form;
    EXPECT_FALSE(linac::defaultBalanceGrams(ChooserTarget::sm90a, kda, c)) << form;
  }
  // A key of its own: given, it is what the config says.
  KernelConfig c = choose(8, 8 * 4096, kda, ChooserTarget::sm90a, true);
  EXPECT_EQ(linac::parseKernelConfig("grambalance=off", c), "");
  EXPECT_FALSE(c.balanceGramTiles);
  EXPECT_EQ(c.str().find("grambalance"), std::string::npos);
  EXPECT_NE(linac::parseKernelConfig("grambalance=yes", c).find("grambalance must be on or off"),
            std::string::npos);
}

TEST(KernelConfig, TokensInPlaceIsAKeyOffByDefault) {
  linac::VariantTraits kda;
  kda.channelDeltaRule = true;
  expectTwoValuedKey(choose(8, 8 * 4096, kda, ChooserTarget::sm90a, true), "tokens", "copy",
                     "inplace", &KernelConfig::tokensInPlace, "masked");
}

TEST(KernelConfig, Pad16WhereBf16StagesArePaddedOnSm90aOnly) {
  linac::VariantTraits gdn, deltanet, retnet;
  gdn.scalarDeltaRule = true;
  deltanet.unitDeltaRule = true;
  KernelConfig g = choose(8, 8 * 4096, gdn, ChooserTarget::sm90a, true);
  EXPECT_TRUE(g.pad16);
  EXPECT_NE(g.str().find(",pad=on,pad16=on,inputs=bf16"), std::string::npos);
  EXPECT_TRUE(choose(1, 8192, gdn, ChooserTarget::sm90a, true).pad16); // the sequence split
  EXPECT_TRUE(choose(8, 8 * 4096, deltanet, ChooserTarget::sm90a, true).pad16);
  // Not without bf16 stages (fp32 inputs, a variant that keeps fp32 stages),
  // nor off sm_90a.
  EXPECT_FALSE(choose(8, 8 * 4096, gdn, ChooserTarget::sm90a, false).pad16);
  EXPECT_FALSE(choose(8, 8 * 4096, retnet, ChooserTarget::sm90a, true).pad16);
  EXPECT_FALSE(choose(8, 8 * 4096, gdn, ChooserTarget::sm80, true).pad16);
  EXPECT_FALSE(choose(8, 8 * 4096, gdn, ChooserTarget::cpu, true).pad16);
  // Asked again: not where the fp32 rows are not padded, nor in the forms
  // not measured with it.
  for (const char *form : {"pad=off", "wu=materialized,pwarps=4,pblocks=2", "blocks=2",
                           "split=vtile,vtile=64"}) {
    KernelConfig c = g;
    EXPECT_EQ(linac::parseKernelConfig(form, c), "") << form;
    EXPECT_FALSE(linac::defaultPad16(ChooserTarget::sm90a, c)) << form;
  }
}

TEST(KernelConfig, ScalesParseAndAreNeverTheDefault) {
  linac::VariantTraits gdn;
  gdn.scalarDeltaRule = true;
  expectTwoValuedKey(chooseKernelConfig(8, 16, 8 * 4096, 128, 128, gdn, ChooserTarget::sm90a),
                     "scales", "tile", "factor", &KernelConfig::factorScales, "on");
  KernelConfig p;
  EXPECT_EQ(linac::parseKernelConfig("push=state", p), "");
  EXPECT_TRUE(p.pushIntoStateProducts);
  p.factorScales = true;
  EXPECT_EQ(linac::validateKernelConfig(p, 128, 128), "");
  EXPECT_NE(p.str().find(",scales=factor,push=state"), std::string::npos);
}

TEST(KernelConfig, AheadParsesValidatesAndIsNeverTheDefault) {
  KernelConfig c;
  EXPECT_FALSE(c.ahead);
  EXPECT_EQ(linac::parseKernelConfig("ahead=on", c), "");
  EXPECT_TRUE(c.ahead);
  EXPECT_NE(c.str().find(",ahead=on"), std::string::npos);
  KernelConfig again;
  EXPECT_EQ(linac::parseKernelConfig(c.str(), again), "");
  EXPECT_TRUE(again.ahead);
  EXPECT_EQ(linac::validateKernelConfig(c, 128, 128), "");
  EXPECT_NE(linac::parseKernelConfig("ahead=yes", c).find("ahead must be on or off"),
            std::string::npos);
  // Only one fused chunk loop has a local and a state part to put side by side.
  for (const char *other : {"wu=materialized", "split=sequence", "prefetch=on,stages=1",
                            "roles=on"})
    expectRefused(std::string("ahead=on,") + other, "ahead=on");
  KernelConfig v;
  EXPECT_EQ(linac::parseKernelConfig("ahead=on,split=vtile,vtile=64", v), "");
  EXPECT_EQ(linac::validateKernelConfig(v, 128, 128), "");
  // No target's default takes it, and prefetch left unsaid stays off under it.
  linac::VariantTraits plain;
  plain.plainUpdate = true;
  for (ChooserTarget t : {ChooserTarget::cpu, ChooserTarget::sm80, ChooserTarget::sm90a}) {
    EXPECT_FALSE(chooseKernelConfig(8, 16, 8 * 4096, 128, 128, plain, t).ahead);
    KernelConfig d = chooseKernelConfig(8, 16, 8 * 4096, 128, 128, plain, t);
    EXPECT_EQ(linac::parseKernelConfig("ahead=on", d), "");
    EXPECT_FALSE(linac::defaultPrefetch(t, plain, d));
  }
}

} // namespace

namespace {

TEST(KernelConfig, OwnedColumnsParseValidateAndAreNeverTheDefault) {
  KernelConfig c;
  EXPECT_FALSE(c.ownColumns);
  EXPECT_EQ(linac::parseKernelConfig("wu=materialized,own=warps,mma=bf16", c), "");
  EXPECT_TRUE(c.ownColumns);
  EXPECT_EQ(linac::validateKernelConfig(c, 128, 128), "");
  // the sequence split's outputs pass
  expectValid("wu=materialized,split=sequence,own=warps,mma=bf16");
  expectValid("own=warps,mma=f16"); // the fused kernel's ops on the state
  expectRefused("own=warps,mma=tf32", "own=warps needs mma=bf16 or mma=f16");
  // Each warp owns a multiple of 16 columns of the block's V tile.
  expectValid("own=warps,mma=bf16,split=vtile,vtile=64,warps=4");
  expectRefused("own=warps,mma=bf16,split=vtile,vtile=64,warps=8",
                "own=warps needs the block's 64 columns of V (vtile) to be a multiple of 16 "
                "for each of the 8 warps (128)");
  KernelConfig narrow;
  EXPECT_EQ(linac::parseKernelConfig("own=warps,mma=bf16,warps=4", narrow), "");
  EXPECT_NE(linac::validateKernelConfig(narrow, 128, 32).find("block's 32 columns of V (V)"),
            std::string::npos);
  KernelConfig again;
  EXPECT_EQ(linac::parseKernelConfig(c.str(), again), "");
  EXPECT_TRUE(again.ownColumns);
  EXPECT_EQ(linac::parseKernelConfig("own=block", again), "");
  EXPECT_FALSE(again.ownColumns);
  EXPECT_NE(linac::parseKernelConfig("own=threads", c).find("own must be block or warps"),
            std::string::npos);
  for (const char *other :
       {"own=warps,mma=bf16,wu=materialized,outputs=parallel", "own=warps,mma=bf16,roles=on",
        "own=warps,mma=bf16,ahead=on"})
    expectRefused(other, "own=warps needs");
  for (ChooserTarget t : {ChooserTarget::cpu, ChooserTarget::sm80, ChooserTarget::sm90a})
    EXPECT_FALSE(chooseKernelConfig(8, 16, 8 * 4096, 128, 128, {}, t).ownColumns);
}

TEST(KernelConfig, ParallelOutputsNeedTheMaterialisedFormAndAreNeverTheDefault) {
  KernelConfig c;
  EXPECT_FALSE(c.parallelOutputs);
  EXPECT_EQ(linac::parseKernelConfig("wu=materialized,outputs=parallel", c), "");
  EXPECT_TRUE(c.parallelOutputs);
  EXPECT_EQ(linac::validateKernelConfig(c, 128, 128), "");
  KernelConfig again;
  EXPECT_EQ(linac::parseKernelConfig(c.str(), again), "");
  EXPECT_TRUE(again.parallelOutputs);
  EXPECT_EQ(linac::parseKernelConfig("outputs=state", again), "");
  EXPECT_FALSE(again.parallelOutputs);
  EXPECT_NE(linac::parseKernelConfig("outputs=chunks", c).find("outputs must be state or parallel"),
            std::string::npos);
  for (const char *other : {"outputs=parallel", "outputs=parallel,wu=materialized,split=sequence"})
    expectRefused(other, "outputs=parallel needs");
  for (ChooserTarget t : {ChooserTarget::cpu, ChooserTarget::sm80, ChooserTarget::sm90a}) {
    EXPECT_FALSE(chooseKernelConfig(8, 16, 8 * 4096, 128, 128, {}, t).parallelOutputs);
    EXPECT_FALSE(chooseKernelConfig(8, 16, 8 * 4096, 128, 128, {}, t).store16);
  }
}

} // namespace

namespace {

TEST(KernelConfig, BlocksPerSmRoundTripsBoundsFragmentsAndIsNeverTheDefault) {
  KernelConfig c;
  EXPECT_EQ(c.blocks, 1);
  EXPECT_EQ(linac::fragmentCeiling(c), -1); // one block: only frag's own range
  EXPECT_EQ(linac::parseKernelConfig("split=vtile,vtile=64,warps=8,frag=64,blocks=2", c), "");
  EXPECT_EQ(linac::validateKernelConfig(c, 128, 128), "");
  KernelConfig again;
  EXPECT_EQ(linac::parseKernelConfig(c.str(), again), "");
  EXPECT_EQ(again.blocks, 2);
  EXPECT_NE(c.str().find(",blocks=2"), std::string::npos);
  // 65536 registers over 2 x 256 threads: 128 each, 64 of them for fragments;
  // 4 warps: 255 (the most a thread has) - 64 = 191, whole 32s: 160; a
  // producer warp counts.
  EXPECT_EQ(linac::fragmentCeiling(c), 64);
  c.warps = 4;
  EXPECT_EQ(linac::fragmentCeiling(c), 160);
  c.blocks = 3;
  EXPECT_EQ(linac::fragmentCeiling(c), 96); // 170 - 64
  c.warps = 8;
  c.warpRoles = true;
  c.blocks = 2;
  EXPECT_EQ(linac::fragmentCeiling(c), 32); // 65536 / 576 = 113
  c.blocks = 8;
  EXPECT_EQ(linac::fragmentCeiling(c), 0);
  // More fragments than the bound leaves room for is refused, naming both.
  KernelConfig big;
  EXPECT_EQ(linac::parseKernelConfig("warps=8,frag=192,blocks=2", big), "");
  EXPECT_NE(linac::validateKernelConfig(big, 128, 128)
                .find("config: frag=192 leaves too few registers at blocks=2 (256 threads per "
                      "block): at most frag=64"),
            std::string::npos);
  // More threads than an SM holds, for the sequential or the chunk-parallel
  // kernels.
  KernelConfig crowded;
  EXPECT_EQ(linac::parseKernelConfig("warps=8,roles=on,frag=0,blocks=8", crowded), "");
  EXPECT_NE(linac::validateKernelConfig(crowded, 128, 128)
                .find("config: blocks=8 of 288 threads is 2304 threads per SM; an SM holds 2048"),
            std::string::npos);
  KernelConfig crowdedParallel;
  EXPECT_EQ(linac::parseKernelConfig("wu=materialized,pwarps=8,pblocks=8,roles=on,frag=0",
                                     crowdedParallel),
            "");
  EXPECT_NE(linac::validateKernelConfig(crowdedParallel, 128, 128)
                .find("config: pblocks=8 of 288 threads is 2304 threads per SM; an SM holds 2048"),
            std::string::npos);
  EXPECT_NE(linac::parseKernelConfig("blocks=9", c).find("blocks must be 1 to 8"),
            std::string::npos);
  EXPECT_NE(linac::parseKernelConfig("blocks=0", c).find("blocks must be a positive integer"),
            std::string::npos);
  linac::VariantTraits traits;
  for (ChooserTarget t : {ChooserTarget::cpu, ChooserTarget::sm80, ChooserTarget::sm90a})
    EXPECT_EQ(chooseKernelConfig(8, 16, 8 * 4096, 128, 128, traits, t).blocks, 1);
}

TEST(KernelConfig, Bf16InputsAndParallelSizingRoundTripAndAreNeverTheDefault) {
  KernelConfig c;
  EXPECT_FALSE(c.bf16Inputs);
  EXPECT_EQ(c.parallelWarps, 0);
  EXPECT_EQ(c.parallelBlocks, 1);
  EXPECT_EQ(linac::parseKernelConfig("wu=materialized,inputs=bf16,pwarps=4,pblocks=2", c), "");
  EXPECT_EQ(linac::validateKernelConfig(c, 128, 128), "");
  KernelConfig again;
  EXPECT_EQ(linac::parseKernelConfig(c.str(), again), "");
  EXPECT_TRUE(again.bf16Inputs);
  EXPECT_EQ(again.parallelWarps, 4);
  EXPECT_EQ(again.parallelBlocks, 2);
  EXPECT_NE(linac::parseKernelConfig("inputs=f16", c).find("inputs must be any or bf16"),
            std::string::npos);
  EXPECT_NE(linac::parseKernelConfig("pwarps=6", c).find("pwarps must be 4 or 8"),
            std::string::npos);
  EXPECT_NE(linac::parseKernelConfig("pblocks=9", c).find("pblocks must be 1 to 8"),
            std::string::npos);
  // Sizing the chunk-parallel kernels needs them; bf16 stages need every
  // consumer to fill them.
  for (const char *other : {"pwarps=4", "pblocks=2", "inputs=bf16,roles=on"}) {
    KernelConfig d;
    EXPECT_EQ(linac::parseKernelConfig(other, d), "") << other;
    EXPECT_NE(linac::validateKernelConfig(d, 128, 128), "") << other;
  }
  linac::VariantTraits traits;
  for (ChooserTarget t : {ChooserTarget::cpu, ChooserTarget::sm80, ChooserTarget::sm90a}) {
    KernelConfig d = chooseKernelConfig(8, 16, 8 * 4096, 128, 128, traits, t);
    EXPECT_FALSE(d.bf16Inputs);
    EXPECT_EQ(d.parallelWarps, 0);
    EXPECT_EQ(d.parallelBlocks, 1);
  }
}

} // namespace

namespace {

TEST(KernelConfig, FactoredNormsRoundTripAndAreOffInAPlainConfig) {
  // (A KernelConfig{}, no chooser: the sm_90a default for GDN and KDA's
  // sequence split is tested above.)
  expectTwoValuedKey(KernelConfig{}, "norms", "tile", "factor", &KernelConfig::factorNorms,
                     "apply");
  linac::VariantTraits traits;
  for (ChooserTarget t : {ChooserTarget::cpu, ChooserTarget::sm80, ChooserTarget::sm90a})
    EXPECT_FALSE(chooseKernelConfig(8, 16, 8 * 4096, 128, 128, traits, t).factorNorms);
}

} // namespace

TEST(KernelConfig, PaddedRowsOnSm90aButWhereTheChannelGateIsAFormula) {
  linac::VariantTraits plain; // linear attention, GDN, DeltaNet ...
  linac::VariantTraits gla;   // GLA, DPLR: the per-channel gate as passed
  gla.channelDecay = true;
  gla.channelGateInput = true;
  linac::VariantTraits kda; // KDA, GDN-2: the gate from a formula
  kda.channelDecay = true;
  kda.channelDeltaRule = true;
  for (const linac::VariantTraits &t : {plain, gla})
    EXPECT_TRUE(chooseKernelConfig(8, 16, 8 * 4096, 128, 128, t, ChooserTarget::sm90a).padRows);
  EXPECT_FALSE(chooseKernelConfig(8, 16, 8 * 4096, 128, 128, kda, ChooserTarget::sm90a).padRows);
  EXPECT_FALSE(chooseKernelConfig(8, 16, 8 * 4096, 128, 128, plain, ChooserTarget::sm80).padRows);
  EXPECT_FALSE(chooseKernelConfig(8, 16, 8 * 4096, 128, 128, plain, ChooserTarget::cpu).padRows);
  // pad16 is never the default yet; both parse, print and come back off.
  KernelConfig c = chooseKernelConfig(8, 16, 8 * 4096, 128, 128, plain, ChooserTarget::sm90a);
  EXPECT_FALSE(c.pad16);
  EXPECT_EQ(linac::parseKernelConfig("pad16=on", c), "");
  EXPECT_NE(c.str().find(",pad=on,pad16=on"), std::string::npos);
  EXPECT_EQ(linac::parseKernelConfig("pad=off,pad16=off", c), "");
  EXPECT_EQ(c.str().find("pad"), std::string::npos);
}

TEST(KernelConfig, FusedElementwiseRunsWhereMeasuredFasterOnSm90aOnly) {
  linac::VariantTraits gdn, kda, safe, gla, deltanet, plain;
  gdn.scalarDeltaRule = true;
  kda.channelDeltaRule = kda.channelDecay = true;
  safe = kda;
  safe.boundedGate = true;
  gla.channelDecay = gla.channelGateInput = gla.channelPlainUpdate = true;
  deltanet.unitDeltaRule = true;
  plain.plainUpdate = true;
  // The delta rules with a decay, fused kernel, head and sequence split.
  EXPECT_TRUE(choose(8, 8 * 4096, gdn, ChooserTarget::sm90a, true).fuse);
  EXPECT_TRUE(choose(1, 8192, gdn, ChooserTarget::sm90a, true).fuse);
  EXPECT_TRUE(choose(8, 8 * 4096, kda, ChooserTarget::sm90a, true).fuse);
  EXPECT_TRUE(choose(8, 8 * 4096, safe, ChooserTarget::sm90a, true).fuse);
  // KDA's sequence split (W and U materialised), not the bounded gate's.
  KernelConfig seq = choose(1, 8192, kda, ChooserTarget::sm90a, true);
  ASSERT_EQ(seq.split, KernelConfig::Split::Sequence);
  ASSERT_EQ(seq.wu, KernelConfig::WU::Materialized);
  EXPECT_TRUE(seq.fuse) << seq.str();
  EXPECT_NE(seq.str().find(",fuse=on"), std::string::npos) << seq.str();
  EXPECT_FALSE(choose(1, 8192, safe, ChooserTarget::sm90a, true).fuse);
  // The plain updates with landing buffers, head split.
  KernelConfig p = choose(8, 8 * 4096, plain, ChooserTarget::sm90a, true);
  ASSERT_TRUE(p.prefetch) << p.str();
  EXPECT_TRUE(p.fuse) << p.str();
  p.prefetch = false;
  EXPECT_FALSE(linac::defaultFuse(ChooserTarget::sm90a, plain, p));
  // Not GLA or DeltaNet, not off sm_90a, not at another chunk or stage count.
  EXPECT_FALSE(choose(8, 8 * 4096, gla, ChooserTarget::sm90a, true).fuse);
  EXPECT_FALSE(choose(8, 8 * 4096, deltanet, ChooserTarget::sm90a, true).fuse);
  for (ChooserTarget t : {ChooserTarget::sm80, ChooserTarget::cpu}) {
    EXPECT_FALSE(choose(8, 8 * 4096, gdn, t, true).fuse);
    EXPECT_FALSE(choose(8, 8 * 4096, plain, t, true).fuse);
  }
  KernelConfig g = choose(8, 8 * 4096, gdn, ChooserTarget::sm90a, true);
  g.stages = 2;
  EXPECT_FALSE(linac::defaultFuse(ChooserTarget::sm90a, gdn, g));
  g.stages = 1;
  g.chunk = 32;
  EXPECT_FALSE(linac::defaultFuse(ChooserTarget::sm90a, gdn, g));
}
