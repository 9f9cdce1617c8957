#!/usr/bin/env bash
# Candidates, checked against float64 on the GPU and timed beside the
# defaults in one device call (up to ~10 minutes on a fresh H200 machine;
# NEW_ONLY=1 below for the session-9 candidates alone, S8=1 for session 8's,
# NORMS_ONLY=1 for session 10's norms=factor alone, S12=1 for session 12's;
# S13= to S31= blocks below: each session's, newest first; S29=1 and S29=2 ran in session 27
# (its grambalance=on is KDA's and GDN-2's head-split default now; S27=1's FLA beside KDA and
# LINAC_FAST_EXP ran within S29=1, so S27 need not run). Session 28 ran S31=1 and S31=2 (which
# include S29=2's per-warp gram_cycles rows and S30's KDA timing): LINAC_GRAM_STRIPS and
# LINAC_WIDEN_AT_WAIT both lost and were taken out of the library, so S30 and S31 are kept as
# the record of what ran; with the switches gone their variants are the default. Session 29
# ran S32=1 (LINAC_GRAM_PAIR_INLINE and LINAC_GRAM_PAIR_ONLY: neither paid, both taken out of
# the library, so S32 is a record too; S32=2 never ran) and S33=1 to S33=4 (the Block's
# elision marks and scratch base out of local memory, copies=inline for KDA and GLA: now the
# defaults, so S33's @old variants are the previous forms). Session 30 ran S35=1 (SHORT=1;
# LINAC_PREFETCH_NEXT_L2 lost and was taken out, so S35 is a record). Session 31 ran S36=1
# (fused runs over quads, now the default for the delta rules with a decay; @ap and @el, S34=6's
# timings, level or slower, so S34=6 need not run). S37=1 (fuse=on where it is not the
# default) and S34=1 to S34=5 are next (their @old and default rows now include fuse=on
# where it is the default). Session 32 ran S37=1 (fuse=on is now the default for
# the plain updates with landing buffers and KDA's sequence split) and S38=1
# (copies=held lost; a record); Session 34 ran S40=1 and
# S40=4 (own=warps, the ops on the state owned by warps: correct, slower in
# every kernel; a record, S40=2 and S40=3 need not run). Session 35 was
# lent no device: S40=5 (its
# profiles and the owned primitives with a bf16 operand), S41=1 (place=bytes
# and the three-kernel form at 1x8192x16), S42=1 (inverse=late), S39=1 (foldsub=on, never run on a GPU) and
# S39=2 (the plain updates in FLA's three-kernel shape, untimed since
# session 11) are next, then S34=1 to S34=5,
# carrying .carry (.carry/bin/linac from scripts/gpu-check/build-static-linac.sh):
#   bench/candidates.sh
# 1. prefetch=on (tile-prefetch-inputs): the inputs one chunk ahead through
#    landing buffers, the sm_90a default for linear attention, RetNet and
#    simple GLA since session 7 (H200: 6-11% faster; GDN +2%, DeltaNet +7%;
#    bench/results/bench-h200.md). With PREFETCH_CHECKS=1 first every
#    example with it against float64 (`linac run --target sm_90a --check`,
#    ragged varlen batch, initial state, strong gates) and compute-sanitizer;
#    then each case with it (or, where it is the default, without it) beside its default
#    (bench/variant.sh; the last column compares outputs on the same inputs),
#    calls interleaved (bench/run.sh).
# 2. take=fragment (tile-take-into-fragments): landed rows straight into the
#    fragment their only reader writes (no stage, no copy; checked on the cpu
#    target, bit-identical there; not yet run on a GPU): checked against
#    float64 and by racecheck here, then timed.
# 3. LINAC_BULK_LANDING=1: landing buffers filled by one bulk copy per row
#    (32-44% slower than cp.async in session 7), to recheck on another GPU.
# (Session 11 ran 7 and the forms of 4 and 6 together, `M` below: correct,
# 3-4x slower than the fused kernels; docs/performance.md says why.)
# 4. store16=on (tile-store-16bit, session 8; not yet run alone on a GPU): shared
#    tiles only bf16 matmuls read, in bf16; the materialised state pass's
#    workspaces then bf16 too, copied as bytes (half the traffic, the state
#    pass's shared memory 144 -> 88 KiB, room for stages=2). The primitive
#    tests (mma from bf16 tiles against fp32 tiles, bit for bit), every
#    delta-rule example against float64, racecheck; then timed beside the
#    default and wu=materialized.
#    And outputs=parallel (session 8): the state pass carries the state
#    alone (4 workspaces, 2 matmuls per chunk) and a chunk-parallel kernel
#    makes the outputs from each chunk's stored start state.
# 5. ahead=on (session 8; not yet run on a GPU): the chunk-local part of
#    chunk c beside the state part of chunk c - 1 in one loop (the driver
#    steps to chunk 32 at K = V = 128, where its handoff fits): against
#    float64, racecheck, and the cost of the structure timed.
# 6. inputs=bf16 (tile-inputs-16bit, session 9; not yet run alone on a GPU): the
#    stages of q, k, v hold the bf16 inputs as they are (copied as bytes),
#    read by the ops that convert exactly; and pwarps=4,pblocks=2: the
#    materialised chunk-parallel kernels at 4 warps, sized for two blocks
#    per SM (GDN's chunk kernel 98 KiB with inputs=bf16). Against float64,
#    racecheck, the primitive tests (bf16 input stages against fp32 ones,
#    bit for bit), then timed. With split=vtile,vtile=64 the state pass has
#    two blocks per (sequence, head) and the outputs kernel splits V too
#    (104 KiB: two blocks per SM; pblocks=2 at 8 warps holds it to 128
#    registers, ~100 bytes of spills). Parts 4 and 5 (session 8's) run only
#    with S8=1 (a second call: together they would pass the call's 10 minutes).
# 7. norms=factor (chunk-factor-norms, chunk-push-row-scaling, session 10;
#    run on an H200 in session 11: the sm_90a default for GDN and KDA's
#    sequence split now, so its "nf" rows time it against norms=tile there): the normalised q and k are never made, the
#    products read the (bf16) input stages and scale rows and columns by the
#    inverse norms (GDN's chunk kernel 80 -> 16 KiB of scratch at
#    pwarps=4,pblocks=2). The primitives (row_inv_norm among them), every
#    normalising example against float64, racecheck, then timed beside the
#    forms it changes. NORMS_ONLY=1 runs 7 alone (about 5 minutes).
# 8. scales=factor (session 11): the delta rule's y = v * beta never made,
#    U = (T diag(beta)) v reading v's stage (GDN's fused kernel 146.3 ->
#    162.5 KiB as v's stage can no longer hold other tiles, 53 -> 52 steps).
#    And push=state: (q c) S as diag(c) (q S), the scaled q never made.
#    SCALES_ONLY=1 runs 8 alone (about 2 minutes). Session 11 timed
#    scales=factor (+4% on GDN 8x4096x16) and scales=factor,push=state
#    (+3%): not taken (bench/results/bench-h200.md).
# 9. Session 12's (no GPU): the fused kernel's inputs as bf16 stages
#    (inputs=bf16, session 9, never timed in the fused kernel), and with two
#    of them (stages=2: the next chunk's copies by cp.async under this
#    chunk's work, in the shared memory one fp32 stage took; GDN 163 KiB,
#    every tile on chip). The input copies were 12-20% of GDN's chunk in
#    the op profiles, issued and waited at the top of each chunk.
#    And blocks=2: the sequential kernels sized for two blocks per SM, so
#    that two V tiles' dependent chains share an SM instead of one block
#    of 8 warps issuing in ~a quarter of the cycles (session 3's test of
#    this kept every tile in global scratch; here GDN's state pass with
#    split=vtile,vtile=64,inputs=bf16 has 106 KiB of shared memory, 32 KiB
#    of scratch at 8 warps with 64 fragment registers, 16 KiB at 4 warps
#    with 160); the V-independent work (norms, Gram, inverse, W) is then
#    done twice. Not timed: KDA (256 KiB of scratch per block at
#    blocks=2) and the sequence split (336 KiB in the maps kernel).
#    Checked against float64 and racecheck, then timed beside the
#    defaults, with push=state alone (not timed in session 11).
#    S12=1 runs these alone (about 6 minutes); S12=2 the sequence split's
#    new placements (below, about 3 minutes).
# A candidate becomes a default where it is faster on every case it touches
# by more than the spread between variants of one run (~3%) and its checks
# pass; the chooser can take it per variant.
# Output: $OUT/candidates.txt, $OUT/bench.md.
# FLA_CASES=REGEX (with PYTHONPATH=$PWD/.fla/pkg) times FLA beside them.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp}
log=$OUT/candidates.txt
L=.carry/bin/linac
[ -x $L ] || { [ -f $L.xz ] && xz -dk $L.xz && chmod +x $L; }
# PREFETCH_CHECKS=1: prefetch=on against float64 for every example, odd
# head counts, f32 inputs and the sanitizers (all passed on an H200 in
# session 7; about 2 minutes).
if [ "${PREFETCH_CHECKS:-0}" = 1 ]; then
for ex in linear_attention retnet simple_gla gla deltanet gdn kda dplr gdn2; do
  f=192; case $ex in kda|gla|dplr|gdn2) f=128;; esac
  for g in realistic strong; do
    printf "%-17s prefetch=on frag=%s gates=%-9s " $ex $f $g | tee -a $log
    $L run examples/$ex.lin --target sm_90a --seed 3 --shape B=1,T=400,H=2,HV=4,K=128,V=128 \
      --config chunk=64,sub=64,frag=$f,prefetch=on --seqlens 1,0,199,200 --initial-state \
      --dtype bf16 --gates $g --check 2>&1 | tail -1 | tee -a $log
  done
done
# An odd number of heads (the one-column gates' last value is the first
# half of its pair: the 2-byte read) with the last sequence ending at the
# tensor's end, and fp32 inputs (nothing lands: take_rows copies them).
for d in bf16 f32; do
  printf "%-17s prefetch=on H=HV=3 %-5s " gdn $d | tee -a $log
  $L run examples/gdn.lin --target sm_90a --seed 4 --shape B=1,T=301,H=3,HV=3,K=128,V=128 \
    --config chunk=64,sub=64,prefetch=on --seqlens 101,200 --initial-state --dtype $d --check \
    2>&1 | tail -1 | tee -a $log
done
# Races and out-of-bounds accesses of the landing buffers (a small GDN
# varlen batch with empty and one-token sequences, and KDA, whose beta lands).
for ex in gdn kda; do
  for tool in racecheck memcheck; do
    printf "%-17s prefetch=on %-9s " $ex $tool | tee -a $log
    compute-sanitizer --tool $tool --error-exitcode 3 $L run examples/$ex.lin --target sm_90a \
      --seed 3 --shape B=1,T=200,H=2,HV=4,K=128,V=128 --config chunk=64,sub=64,prefetch=on \
      --seqlens 1,0,99,100 --initial-state --dtype bf16 --check > $OUT/sanitizer.txt 2>&1
    echo "rc $? $(grep -E 'SUMMARY' $OUT/sanitizer.txt | tail -1)" | tee -a $log
  done
done
fi
K=${KERNELS:-/tmp/linac-bench/kernels}
# 4 and 5: checks first (a failing candidate is not timed as if it were right).
# (the summary and any failure; "mma from bf16 tiles" among the tests)
# (SKIP_PRIMITIVES=1: not again, on a machine that just passed them. S17=2
# to 5 run the builds they need themselves or none.)
case "${S17:-0}" in 2|3|4|5) SKIP_PRIMITIVES=1;; esac
[ "${S18:-0}" = 1 ] && SKIP_PRIMITIVES=1
[ "${S19:-0}" != 0 ] && SKIP_PRIMITIVES=1
[ "${S20:-0}" != 0 ] && SKIP_PRIMITIVES=1
[ "${S21:-0}" != 0 ] && SKIP_PRIMITIVES=1
# Every session's block from S22 on runs the primitives itself where it
# needs them (S34=6 does): the 145 s of the full run are not spent unasked.
for n in $(seq 22 99); do
  v=S$n
  [ "${!v:-0}" != 0 ] && SKIP_PRIMITIVES=1
done
[ "${SKIP_PRIMITIVES:-0}" = 1 ] || scripts/gpu-check/run.sh primitives 2>&1 | tee -a $log
# check EXAMPLE CONFIG LABEL [ARGS]: the example's kernels against float64
# (a ragged varlen batch with an empty and a one-token sequence, initial
# state, bf16 inputs; ARGS add a shape, gates), the verdict logged.
# racecheck CONFIG SHAPE [EXAMPLE]: an example's kernels (GDN's by default;
# CONFIG "" for the default config) under compute-sanitizer racecheck.
k128=B=1,T=600,H=2,HV=4,K=128,V=128
# (--dtype bf16: GDN's and DeltaNet's sm_90a default takes inputs=bf16 under
# a config that leaves inputs unsaid; the blocks of earlier sessions ran
# before that default.)
check() {
  local ex=$1 c=$2 label=$3
  shift 3
  printf "%-17s %-36s %s" $ex $c "$label" | tee -a $log
  $L run examples/$ex.lin --target sm_90a --seed 5 --seqlens 1,0,263,336 --initial-state \
    --dtype bf16 --config $c --check "$@" 2>&1 | tail -1 | tee -a $log
}
# check_run EXAMPLE LABEL ARGS...: the example against float64 on the GPU
# with an initial state and bf16 inputs, ARGS giving seed, shape, lengths.
check_run() {
  local ex=$1
  printf "%-9s %-26s " $ex "$2" | tee -a $log
  shift 2
  timeout 60 $L run examples/$ex.lin --target sm_90a --initial-state --dtype bf16 --check "$@" \
    2>&1 | tail -1 | tee -a $log
}
# check_examples CONFIG EXAMPLE...: each against float64 on the GPU with
# --config CONFIG ("" for the default), realistic and strong gates (ragged
# varlen, initial state).
check_examples() {
  local config=$1 ex gates
  shift
  for ex in "$@"; do
    for gates in realistic strong; do
      printf "%-17s %s gates=%-9s " $ex "${config:-default}" $gates | tee -a $log
      timeout 60 $L run examples/$ex.lin --target sm_90a --seed 5 --shape $k128 --seqlens 1,0,263,336 \
        --initial-state --dtype bf16 --gates $gates ${config:+--config $config} --check 2>&1 | tail -1 | tee -a $log
    done
  done
}
racecheck() {
  local ex=${3:-gdn}
  printf "%-17s %-36s racecheck " $ex "$1" | tee -a $log
  compute-sanitizer --tool racecheck --error-exitcode 3 $L run examples/$ex.lin --target sm_90a \
    --seed 3 --shape $2 --seqlens 1,0,99,100 ${1:+--config $1} --dtype bf16 --check \
    > $OUT/sanitizer.txt 2>&1
  echo "rc $? $(grep -E 'SUMMARY' $OUT/sanitizer.txt | tail -1)" | tee -a $log
}
if [ "${S20:-0}" = 1 ]; then
# 20 (written in session 19 after its device time ran out; S19=2 never
# ran): about 9 minutes warm, carrying .carry and .fla. (Ran in session 20
# on an H100: bench/results/bench-h100.md, "Session 20". The switch
# LINAC_GRAM_ROWS_DIAG_PERTILE lost there and was taken out of the library
# after it, so parts 1 and 2 now build and time the default form twice.)
# 1. The primitives with the factored forms' tolerance (2e-3), and with
#    LINAC_GRAM_ROWS_DIAG_PERTILE=1 (.carry/prim/*: test/gpu/tile_primitives.cu
#    built here, with and without -DLINAC_GRAM_ROWS_DIAG_PERTILE=1; else
#    the first built now).
if [ -x .carry/prim/prim_sm90a ]; then
  for b in sm90a diagpertile; do
    [ -x .carry/prim/prim_$b ] || continue
    .carry/prim/prim_$b > $OUT/prim-$b.txt 2>&1; echo "primitives $b: rc $?" | tee -a $log
    grep -E "FAIL|^#" $OUT/prim-$b.txt | head -20 | tee -a $log
    echo "$(grep -c ' ok$' $OUT/prim-$b.txt) tests ok" | tee -a $log
  done
else
  SWITCHES=LINAC_GRAM_ROWS_DIAG_PERTILE=1 PRIM_BUILDS=sm90a timeout 300 \
    scripts/gpu-check/run.sh primitives 2>&1 | tail -8 | tee -a $log
fi
# (With the switch the row-block tests' reference still expects the
# row-block rounding on passing diagonal tiles: the per-tile form's values
# differ from it by rounding only, within the 2e-3 those tests take.)
# 2. gram=rows with the diagonal tiles straight to the per-tile form for
#    KDA and GDN-2 (gram=rows computed their failing diagonal tiles twice:
#    +14% and +29%), against float64, then timed.
export LINAC_CUDA_DEFINES="LINAC_GRAM_ROWS_DIAG_PERTILE=1"
check_examples gram=rows kda gdn2
unset LINAC_CUDA_DEFINES
rm -f "$K"/*@*.cu
for c in kda_8x4096x16 gdn2_8x4096x16; do
  timeout 90 bench/variant.sh $c rowsdp --config gram=rows --define LINAC_GRAM_ROWS_DIAG_PERTILE=1
done
timeout 150 bench/run.sh --cases '(kda|gdn2) 8x4096' --fla-cases '' --reps ${REPS:-7}
cp $OUT/bench.md $OUT/bench-rowsdp.md 2>/dev/null
# 3. kda_safe in FlashKDA's shape (read in session 19: a chunk-parallel
#    kernel over 16-token chunks, 8 blocks per SM, then one block per
#    (sequence, head) whose warps each own 32 columns of V): chunks of 16
#    and 32, W and U materialised by a chunk-parallel kernel sized for 4
#    (2) blocks per SM, the state pass split over V in blocks of 32
#    columns, bf16 workspaces and input stages. Against float64, then
#    timed beside the fused default and FLA's safe gate.
# (explain: the chunk kernel at pblocks=2 108 KiB with 16 KiB of scratch
# per chunk; at pblocks=4 52 KiB but 482 KiB of scratch operands.)
c16=chunk=16,sub=16,wu=materialized,split=vtile,vtile=32,warps=4,pwarps=4,pblocks=2,store16=on,inputs=bf16
c32=chunk=32,sub=32,wu=materialized,split=vtile,vtile=32,warps=4,pwarps=4,pblocks=2,store16=on,inputs=bf16
check_run kda_safe "c16" --seed 5 --shape $k128 --seqlens 1,0,263,336 --config $c16
check_run kda_safe "c16 vtile=16" --seed 5 --shape $k128 --seqlens 1,0,263,336 --config ${c16/vtile=32/vtile=16}
check_run kda_safe "c32" --seed 5 --shape $k128 --seqlens 1,0,263,336 --config $c32
rm -f "$K"/*@*.cu
timeout 90 bench/variant.sh kda_safe_8x4096x16 c16 --config $c16
timeout 90 bench/variant.sh kda_safe_8x4096x16 c16p4 --config ${c16/pblocks=2/pblocks=4}
timeout 90 bench/variant.sh kda_safe_8x4096x16 c16v16 --config ${c16/vtile=32/vtile=16}
timeout 90 bench/variant.sh kda_safe_8x4096x16 c16s2 --config $c16,stages=2
timeout 90 bench/variant.sh kda_safe_8x4096x16 c32 --config $c32
timeout 200 bench/run.sh --cases 'kda_safe 8x4096' --fla-cases "${FLA_CASES-}" --reps ${REPS:-7} \
  --kernel-times
cp $OUT/bench.md $OUT/bench-kda-safe-shapes.md 2>/dev/null
exit 0
fi
# time_beside TAG OPTIONS CASES FLA STEM...: each kernel stem with @TAG
# (bench/variant.sh's OPTIONS: '--config C', '--define X=1') beside its
# default, then the cases matching CASES timed
# (FLA on those matching FLA; '' for none) in what is left of LEFT seconds.
# KEEP_VARIANTS=1 keeps the variants already emitted (timed with them).
time_beside() {
  local tag=$1 options=$2 cases=$3 fla=$4 c
  shift 4
  [ -n "${KEEP_VARIANTS:-}" ] || rm -f "$K"/*@*.cu
  for c in "$@"; do
    timeout 60 bench/variant.sh $c $tag $options
  done
  timeout $(( ${LEFT:-560} - SECONDS )) bench/run.sh --cases "$cases" --fla-cases "$fla" \
    --reps ${REPS:-5}
}
# gram_cycles_with NAME=VALUE...: bench/gram_cycles.cu built with those
# library switches and run, its table logged.
gram_cycles_with() {
  echo "gram_cycles $*" | tee -a $log
  nvcc -std=c++17 -O2 -gencode arch=compute_90a,code=sm_90a -Iruntime/device/cuda \
    $(printf -- '-D%s ' "$@") bench/gram_cycles.cu -o /tmp/gram_cycles &&
    timeout 60 /tmp/gram_cycles 2>&1 | tee -a $log
}
# time_pair_forms CASES STEM...: S32's @pi and @po of each stem beside the
# default, the cases matching CASES timed.
time_pair_forms() {
  local cases=$1 c
  shift
  rm -f "$K"/*@*.cu
  for c in "$@"; do
    timeout 60 bench/variant.sh $c pi --define LINAC_GRAM_PAIR_INLINE=1
  done
  KEEP_VARIANTS=1 time_beside po '--define LINAC_GRAM_PAIR_ONLY=1' "$cases" '' "$@" 2>&1 |
    tee -a $log | tail -10
}
if [ "${S42:-0}" = 1 ]; then
# 42 (session 35, written while no device was lent; about 9 minutes,
# carrying .carry): inverse=late (@il), chunk-late-inverse: the delta rule's
# V' = T (Y - X S) where the fused kernel formed W = T X, U = T Y and
# U - W S, and the general erase's U = T (X S + A Y) for W = T X,
# U = W S + T (A Y): one matmul fewer a chunk (GDN 8 -> 7, KDA and kda_safe
# 6 -> 5, DeltaNet 8 -> 7, DPLR and GDN-2 9 -> 8; GDN 41 -> 39 block-wide
# steps). ptxas at 8x4096x16, spill stores: GDN 272 -> 0 bytes, DeltaNet
# 164 -> 0, DPLR 500 -> 140, GDN-2 460 -> 180, KDA 276 -> 476, kda_safe none
# either way. And with foldsub=on (@ilfs: Y -= X S in Y's tile, one step
# fewer again; KDA's spill stores 268). Not bit-identical (the 16-bit
# operands' rounding moves). Float64 checks and racecheck first.
check_examples inverse=late gdn kda kda_safe deltanet dplr gdn2
check_examples inverse=late,foldsub=on gdn kda
check_examples inverse=late,split=sequence,segment=2 gdn
racecheck inverse=late B=1,T=200,H=2,HV=4,K=128,V=128 gdn
racecheck inverse=late B=1,T=200,H=2,HV=4,K=128,V=128 kda
rm -f "$K"/*@*.cu
for c in gdn_8x4096x16 gdn_varlen_16_seqs gdn_1x8192x16 kda_8x4096x16 kda_safe_8x4096x16 \
    deltanet_8x4096x16 dplr_8x4096x16 gdn2_8x4096x16; do
  timeout 60 bench/variant.sh $c il --config inverse=late
  [ "${c%%_*}" = dplr ] || [ "${c%%_*}" = gdn2 ] ||
    timeout 60 bench/variant.sh $c ilfs --config inverse=late,foldsub=on
  # GDN's X S with push=state reads k's bf16 stage and scales the rows of
  # the product (a fragment op) instead of making X (never timed alone).
  [ "${c%%_*}" != gdn ] || timeout 60 bench/variant.sh $c ilps --config inverse=late,push=state
done
timeout $(( ${LEFT:-590} - SECONDS )) bench/run.sh \
  --cases '^(gdn (8x4096|varlen|1x8192)|(kda|kda_safe|deltanet|dplr|gdn2) 8x4096)' \
  --fla-cases "${FLA_CASES:-}" --reps ${REPS:-5} 2>&1 | tee -a $log | tail -20
exit 0
fi
if [ "${S41:-0}" = 1 ]; then
# 41 (session 35, written while no device was lent; about 9 minutes,
# carrying .carry; FLA_CASES='^(kda|kda_safe) 1x8192' with .fla for FLA in
# turn): the sequence split of the per-channel variants, their worst rows
# against FLA (kda_safe 1x8192x16 2.75x, KDA 1.61x). Its maps kernel moves
# 1,408 KiB a chunk through global scratch, 768 of it the 128 x 256 segment
# map S, which tile-place-fragments' order by uses per register leaves
# there. place=bytes (@pb) keeps the set saving the most traffic (uses x
# bytes) in registers: S, 816 KiB a chunk left at frag=128 (@pb160: 752 at
# frag=160; ptxas: 140 -> 316 bytes of spill stores). And the three-kernel
# form without the split (chunk-parallel kernel, state pass over 128 chunks
# in 32 or 64 blocks, as FLA's state pass runs here; its chunk-parallel
# kernel with fuse=on, 41 steps a chunk where the form's default has 51):
# @mv64, @mv32. Float64 checks and racecheck first.
check_examples split=sequence,segment=2,wu=materialized,place=bytes kda kda_safe dplr gdn2
check_examples split=sequence,segment=2,wu=materialized,place=bytes,frag=160 kda
check_examples split=sequence,segment=2,wu=fused,place=bytes,inverse=late kda kda_safe
mv=wu=materialized,store16=on,fuse=on,grambalance=on,copies=inline,split=vtile
check_examples $mv,vtile=64 kda
check_examples $mv,vtile=32 kda
racecheck split=sequence,segment=2,wu=materialized,place=bytes B=1,T=200,H=2,HV=4,K=128,V=128 kda
rm -f "$K"/*@*.cu
for c in kda_1x8192x16 kda_safe_1x8192x16; do
  timeout 60 bench/variant.sh $c pb --config place=bytes
  timeout 60 bench/variant.sh $c pb160 --config place=bytes,frag=160
  timeout 60 bench/variant.sh $c mv64 --config $mv,vtile=64
  timeout 60 bench/variant.sh $c mv32 --config $mv,vtile=32
  # The split with wu=fused (maps 39 steps and 1,248 KiB of scratch a chunk
  # where the default's are 52 and 1,408; outputs 37 steps, not 20), with
  # place=bytes (@fp) and with inverse=late too (@fpl: maps 35 steps and
  # 608 KiB, outputs 36).
  timeout 60 bench/variant.sh $c fp --config wu=fused,place=bytes
  timeout 60 bench/variant.sh $c fpl --config wu=fused,place=bytes,inverse=late
done
timeout $(( ${LEFT:-590} - SECONDS )) bench/run.sh --cases '^(kda|kda_safe) 1x8192' \
  --fla-cases "${FLA_CASES:-}" --reps ${REPS:-5} 2>&1 | tee -a $log | tail -12
exit 0
fi
if [ "${S40:-0}" = 1 ]; then
# 40 (session 33; about 8 minutes, carrying .carry; never run on a GPU):
# own=warps in the default kernels (@of). tile-own-columns gives the ops on
# the state (o = (q e^G) S, W S, V' = U - W S, o += M V', S = d S,
# S += Kd^T V', the store of o) to the warps by columns of V: each of 8
# warps keeps 16 V columns of S, o, W S and V' in registers as mma.sync
# accumulators (transposed: the next matmul's A operand as they are) and
# multiplies the chunk-local tiles straight from memory, no staging, no
# barrier between those ops; tile-own-barriers adds one where a chunk-local
# op later writes what they read (GDN: 2 a chunk). In the fused kernels of
# the head split and the sequence split's outputs pass. KDA's op profile
# put those ops at ~20% of its loop (session 32). First the owned
# primitives (every op against float64; also with LINAC_OWN_LDMATRIX=1),
# float64 checks and racecheck, then GDN and KDA at their
# four anchor shapes and every other example at 8x4096x16 beside their
# defaults (a plain update's o += M V and S += K^T V read V from memory).
PRIM_BUILDS=sm90a SWITCHES=LINAC_OWN_LDMATRIX=1 LINAC_PRIMITIVES=owned \
  scripts/gpu-check/run.sh primitives 2>&1 | tee -a $log
grep -E '^owned' /tmp/gpucheck/prim_sm90a.txt /tmp/gpucheck/prim_sm90a_switches.txt | tee -a $log
# (S40=3 checks the other examples against float64; bench/run.sh's last
# column compares every variant's outputs with its default's here.)
check_examples own=warps gdn kda linear_attention
check_examples own=warps,foldsub=on kda gdn
check_examples own=warps,split=sequence,segment=2 gdn
racecheck own=warps B=1,T=200,H=2,HV=4,K=128,V=128 gdn
rm -f "$K"/*@*.cu
for c in gdn_8x4096x16 gdn_1x8192x16 gdn_4x16384x32 gdn_varlen_16_seqs kda_8x4096x16 \
    kda_1x8192x16 kda_4x16384x32 kda_varlen_16_seqs kda_safe_8x4096x16 deltanet_8x4096x16 \
    linear_attention_8x4096x16 simple_gla_8x4096x16 retnet_8x4096x16 gla_8x4096x16 \
    dplr_8x4096x16 gdn2_8x4096x16; do
  timeout 60 bench/variant.sh $c of --config own=warps
done
# KDA's fragment budget (128) is all owned tiles' (160 registers a thread):
# its chunk-local tiles then go to scratch (288 KiB of op operands a chunk,
# 64 by default); with frag=192 128 KiB, but 368 bytes of spill stores.
for c in kda_8x4096x16 kda_safe_8x4096x16; do
  timeout 60 bench/variant.sh $c of2 --config own=warps,frag=192
done
# With foldsub=on the delta rule's U = T (beta v) and U -= W S are owned
# matmuls into one tile (V' never leaves the warps' registers, no W S tile):
# 128 owned registers a thread, KDA 37 steps a chunk (cpu: float64 ok).
for c in kda_8x4096x16 gdn_8x4096x16 kda_safe_8x4096x16 deltanet_8x4096x16; do
  timeout 60 bench/variant.sh $c ofs --config own=warps,foldsub=on
done
timeout $(( ${LEFT:-280} - SECONDS )) bench/run.sh --cases \
  '^(gdn|kda) |^(kda_safe|deltanet|linear_attention|simple_gla|retnet|gla|dplr|gdn2) 8x4096' \
  --fla-cases '' --reps ${REPS:-5} 2>&1 | tee -a $log | tail -36
exit 0
fi
if [ "${S40:-0}" = 4 ]; then
# 40, fourth call (session 34; about 6 minutes, carrying .carry): what S40=1
# left undone on an H100. Its float64 checks had refused own=warps at the
# check shape (two heads: the chooser splits V into 64 columns a block, which
# 8 warps cannot own by 16), so here with split=head; and its timing ran out
# after GDN (own=warps 29% slower there: each warp reads the whole fp32 A
# operand of every owned matmul; LINAC_OWN_LDMATRIX reads only bf16 ones,
# and no example's owned matmul has one, even with inputs=bf16). KDA and
# every other example at 8x4096x16 with own=warps (@of) and with foldsub=on
# (@ofs); and S40=2's three-kernel form for KDA and GDN: W and U
# materialised with the state pass block-wide (@wm) and owned (@ow).
check_examples own=warps,split=head gdn kda linear_attention kda_safe deltanet
check_examples own=warps,foldsub=on,split=head kda gdn
racecheck own=warps,split=head B=1,T=200,H=2,HV=4,K=128,V=128 gdn
racecheck own=warps,split=head B=1,T=200,H=2,HV=4,K=128,V=128 kda
rm -f "$K"/*@*.cu
for c in kda_8x4096x16 kda_safe_8x4096x16 deltanet_8x4096x16 linear_attention_8x4096x16 \
    simple_gla_8x4096x16 retnet_8x4096x16 gla_8x4096x16 gdn2_8x4096x16 gdn_8x4096x16; do
  timeout 60 bench/variant.sh $c of --config own=warps
done
for c in kda_8x4096x16 kda_safe_8x4096x16; do
  timeout 60 bench/variant.sh $c ofs --config own=warps,foldsub=on
done
check_examples wu=materialized,own=warps,store16=on kda gdn
for c in kda_8x4096x16 gdn_8x4096x16; do
  timeout 60 bench/variant.sh $c wm --config wu=materialized,store16=on
  timeout 60 bench/variant.sh $c ow --config wu=materialized,own=warps,store16=on
done
timeout $(( ${LEFT:-400} - SECONDS )) bench/run.sh --cases \
  '^(kda|kda_safe|deltanet|linear_attention|simple_gla|retnet|gla|gdn2|gdn) 8x4096' \
  --fla-cases '' --reps ${REPS:-5} 2>&1 | tee -a $log | tail -36
exit 0
fi
if [ "${S40:-0}" = 5 ]; then
# 40, fifth call (session 34; about 5 minutes, carrying .carry): Nsight
# Compute on GDN's fused kernel with and without own=warps (one launch each
# of `linac run`, bench/ncu_summary.py's metrics, the shared-memory
# wavefronts among them): where the owned form's time goes; then KDA's
# three-kernel form, the state pass block-wide and owned (its workspaces
# bf16 tiles, read by ldmatrix): each kernel's own time; then the owned
# primitives again (S40=1's bf16-operand cases hit the test's own bug: its
# other tiles past the shared memory it asked for).
NCU=$(command -v ncu || echo /usr/local/cuda/bin/ncu)
"$NCU" --query-metrics > /tmp/ncu-metrics.txt 2>&1
m=$(python3 bench/ncu_summary.py metrics /tmp/ncu-metrics.txt)
python3 bench/ncu_summary.py header | tee -a $log
wm=wu=materialized,store16=on
for run in gdn:default gdn:own=warps kda:$wm kda:$wm,own=warps:ldm kda:default kda:own=warps; do
  IFS=: read -r ex c switch <<< "$run"
  raw=$OUT/ncu-$ex-$(echo $c$switch | tr '=,' '--').csv
  LINAC_CUDA_DEFINES=${switch:+LINAC_OWN_LDMATRIX=1} timeout 100 "$NCU" --kernel-name regex:_entry \
    --launch-count 3 --metrics "$m" --csv --page raw \
    $L run examples/$ex.lin --target sm_90a --shape B=8,T=4096,H=16,K=128,V=128 --dtype bf16 \
    $([ $c = default ] || echo --config $c) > /tmp/ncu-run.log 2>&1
  sed -n '/^"ID","Process ID"/,$p' /tmp/ncu-run.log > $raw
  python3 bench/ncu_summary.py report "$ex $c $switch" $raw | tee -a $log || tail -3 /tmp/ncu-run.log
done
# Fewer warps reading each operand: linear attention (whose owned tiles fit
# 4 warps' registers) at 4 warps, owned (@of4: 4 reads of each operand, not
# 8) and block-wide (@w4).
rm -f "$K"/*@*.cu
timeout 60 bench/variant.sh linear_attention_8x4096x16 w4 --config warps=4
timeout 60 bench/variant.sh linear_attention_8x4096x16 of4 --config own=warps,warps=4
timeout 90 bench/run.sh --cases '^linear_attention 8x4096' --fla-cases '' --reps 5 2>&1 |
  tee -a $log | tail -5
PRIM_BUILDS=sm90a SWITCHES=LINAC_OWN_LDMATRIX=1 LINAC_PRIMITIVES=owned \
  scripts/gpu-check/run.sh primitives 2>&1 | tee -a $log
grep -E '^owned|error' /tmp/gpucheck/prim_sm90a.txt /tmp/gpucheck/prim_sm90a_switches.txt | tee -a $log
exit 0
fi
if [ "${S40:-0}" = 3 ]; then
# 40, third call (session 33; about 6 minutes, carrying .carry): own=warps
# against float64 for the examples S40=1 did not check, the sequence
# split's outputs pass of KDA, racecheck of KDA and linear attention.
check_examples own=warps kda_safe deltanet simple_gla retnet gla dplr gdn2
check_examples own=warps,split=sequence,segment=2 kda
racecheck own=warps B=1,T=200,H=2,HV=4,K=128,V=128 kda
racecheck own=warps B=1,T=200,H=2,HV=4,K=128,V=128 linear_attention
exit 0
fi
if [ "${S40:-0}" = 2 ]; then
# 40, second call (session 33; about 7 minutes, carrying .carry): own=warps (@ow,
# tile-own-columns), never run on a GPU. The state pass of wu=materialized
# with its ops owned by warps: each of 8 warps holds 16 V columns of the
# state, V' and o in registers (transposed, so they are the next mma.sync's
# A operand as they are) and multiplies the workspaces straight from shared
# memory; no staging and no barrier between a chunk's six ops (the block's
# state pass had 20 block-wide steps a chunk). First the owned primitives
# (every op against float64, the wgmma build alone), then float64 checks and
# racecheck, then KDA, GDN, kda_safe and DeltaNet timed four ways: the
# default (fused), wu=materialized (@wm, the state pass block-wide), @ow,
# @o2 (@ow with two stages: the state pass copies chunk c + 1's
# workspaces while it computes chunk c; its compute is now short, so the
# copies' latency would otherwise be most of a chunk) and @o2p (@o2 with
# the bf16 workspace rows padded by 16 halves: the owned matmuls' operand
# words of 8 rows then fall in 16 banks, not 4) and @o2pl (@o2p with
# LINAC_OWN_LDMATRIX=1: the operand words by ldmatrix, four 8 x 8 matrices
# an instruction, where they were one 32-bit load a word; the primitives
# and the float64 checks run with it too). The state pass's own
# time is what @wm - @ow shows; whether the three-kernel form can win is
# what @ow and @o2 against the default show (the chunk-parallel kernel is
# 33-56 steps a chunk at one block per SM; its tiles are now in its input
# stages, not in global scratch: 912 KiB of KDA's op operands a chunk).
PRIM_BUILDS=sm90a SWITCHES=LINAC_OWN_LDMATRIX=1 LINAC_PRIMITIVES=owned \
  scripts/gpu-check/run.sh primitives 2>&1 | tee -a $log
grep -E '^owned' /tmp/gpucheck/prim_sm90a.txt /tmp/gpucheck/prim_sm90a_switches.txt | tee -a $log
ow=wu=materialized,own=warps,store16=on
check_examples $ow kda gdn kda_safe deltanet
check_examples $ow,stages=2 kda gdn
racecheck $ow B=1,T=200,H=2,HV=4,K=128,V=128 kda
racecheck $ow,stages=2 B=1,T=200,H=2,HV=4,K=128,V=128 gdn
LINAC_CUDA_DEFINES=LINAC_OWN_LDMATRIX=1 check_examples $ow,stages=2,pad16=on kda gdn
rm -f "$K"/*@*.cu
for c in kda_8x4096x16 gdn_8x4096x16 kda_safe_8x4096x16 deltanet_8x4096x16; do
  timeout 60 bench/variant.sh $c wm --config wu=materialized,store16=on
  timeout 60 bench/variant.sh $c ow --config $ow
  timeout 60 bench/variant.sh $c o2 --config $ow,stages=2
  timeout 60 bench/variant.sh $c o2p --config $ow,stages=2,pad16=on
  timeout 60 bench/variant.sh $c o2pl --config $ow,stages=2,pad16=on \
    --define LINAC_OWN_LDMATRIX=1
done
# The sequence split's outputs pass owned too (KDA's default has W and U
# materialised there; GDN's is fused, so @ow materialises them as well).
check_examples wu=materialized,split=sequence,segment=2,own=warps kda gdn
for c in kda_1x8192x16 gdn_1x8192x16; do
  timeout 60 bench/variant.sh $c ow --config wu=materialized,own=warps
done
timeout $(( ${LEFT:-280} - SECONDS )) bench/run.sh \
  --cases '^(kda|gdn|kda_safe|deltanet) (8x4096|1x8192)' --fla-cases '' --reps ${REPS:-5} 2>&1 |
  tee -a $log | tail -24
# Each kernel's own time (Nsight Compute's duration, one replay per launch):
# the chunk kernel against the state pass, block-wide and owned.
NCU=$(command -v ncu || echo /usr/local/cuda/bin/ncu)
timeout 150 "$NCU" --kernel-name regex:_entry --launch-count 60 --metrics gpu__time_duration.sum \
  --csv bench/run.sh --cases '^(kda|gdn) 8x4096x16' --reps 1 --fla-cases '' 2>&1 |
  grep -E '_entry' | awk -F'","' '{print $5, $(NF)}' | tee -a $log
exit 0
fi
if [ "${S39:-0}" = 1 ]; then
# 39 (session 32; about 4 minutes, carrying .carry): foldsub=on (@fs). The
# delta rule's V' = U - W S was a matmul into its own tile (a fragment in
# KDA) and an element-wise pass writing V' (KDA's op profile: 4.5% of the
# loop, 4 K cycles a chunk, the matmul 2.8%); tile-fold-accumulate now
# folds the difference into the matmul (U -= W S, mma `subtract`: the
# accumulator negated on its way in and out of the tensor cores, exact),
# one step fewer (KDA 37 -> 36, GDN 41 -> 40, kda_safe 38 -> 37, DeltaNet
# 34 -> 33). Not bit-identical (one fp32 addition order changes). Float64
# checks first, then one timing run.
check_examples foldsub=on kda gdn kda_safe deltanet
rm -f "$K"/*@*.cu
for c in kda_8x4096x16 gdn_8x4096x16 kda_safe_8x4096x16 deltanet_8x4096x16; do
  timeout 60 bench/variant.sh $c fs --config foldsub=on
done
timeout $(( ${LEFT:-280} - SECONDS )) bench/run.sh \
  --cases '^(kda|gdn|kda_safe|deltanet) 8x4096' --fla-cases '' --reps ${REPS:-5} 2>&1 |
  tee -a $log | tail -12
exit 0
fi
if [ "${S39:-0}" = 2 ]; then
# 39, second call (session 32; about 5 minutes, carrying .carry, and .fla
# for FLA in turn): the plain updates in FLA's shape again (@op: a
# chunk-parallel kernel at 4 warps sized for two blocks per SM, a state
# pass of 5 steps a chunk, an outputs kernel of 8, bf16 workspaces). On an
# H200 in session 32 FLA's linear attention took 0.425 ms against linac's
# 0.594 and its simple GLA 0.58-0.67 against 0.80: the fused kernel's 20-29
# steps a chunk on one chain. This form was 3-4x slower in session 11,
# before fragments, padded rows and the library's later steps; never timed
# since. Float64 checks first (cpu: ok for all three).
op=wu=materialized,outputs=parallel,pwarps=4,pblocks=2,store16=on
check_examples $op linear_attention simple_gla retnet
rm -f "$K"/*@*.cu
for c in linear_attention_8x4096x16 simple_gla_8x4096x16 retnet_8x4096x16; do
  timeout 60 bench/variant.sh $c op --config $op
done
timeout $(( ${LEFT:-280} - SECONDS )) bench/run.sh \
  --cases '^(linear_attention|simple_gla|retnet) 8x4096' --fla-cases "${FLA_CASES:-}" \
  --reps ${REPS:-5} 2>&1 | tee -a $log | tail -10
exit 0
fi
if [ "${S38:-0}" = 1 ]; then
# 38 (session 32; about 7 minutes, carrying .carry): copies=held (@ht,
# LINAC_HELD_TILES). Ran in session 32 on an H200 (bench/results/bench-h200.md,
# "Session 32"): correct (float64, racecheck, bit-identical) and slower
# everywhere (KDA +0.8%, GLA +2.3%, DPLR +8%, GDN-2 +8.7%), so the switch and
# the config key were taken out and this block is a record of what ran. A chunk's 16-bit input copies into fp32 stages (KDA's
# q, k, v, a; the op profile: 15-16% of its loop) each load their octets,
# wait for them, convert and store before the next copy issues: a memory
# latency each, one after another. With copies=held each copy of at most
# four octets per consumer only loads them into registers (its token) and
# its wait converts and stores them, so the chunk's loads are in flight
# together. It inlines the copies (copies=inline: KDA's and GLA's default;
# kda_safe, DPLR and GDN-2 take it here with the hold). ptxas, KDA's fused
# kernel: 240 -> 264 bytes of spill stores. Float64 checks and racecheck
# first, then one timing run (its last column compares each @ht output
# with the default's: it must be bit-identical).
check_examples copies=held kda gla kda_safe dplr gdn2
check_run kda "copies=held 1x8192 split" --seed 6 --shape B=1,T=8192,H=2,K=128,V=128 \
  --gates strong --config copies=held
racecheck copies=held B=1,T=200,H=2,HV=4,K=128,V=128 kda
rm -f "$K"/*@*.cu
for c in kda_8x4096x16 kda_varlen_16_seqs gla_8x4096x16 kda_1x8192x16 kda_safe_8x4096x16 \
  dplr_8x4096x16 gdn2_8x4096x16; do
  timeout 60 bench/variant.sh $c ht --config copies=held
done
timeout $(( ${LEFT:-580} - SECONDS )) bench/run.sh \
  --cases '^(kda 8x4096|kda varlen|kda 1x8192|gla 8x4096|kda_safe 8x4096|dplr 8x4096|gdn2 8x4096)' \
  --fla-cases '' --reps ${REPS:-5} 2>&1 | tee -a $log | tail -20
exit 0
fi
if [ "${S37:-0}" = 1 ]; then
# 37 (written in session 31 after its device time ran out; about 5
# minutes, carrying .carry): fuse=on (@fu) where session 31 did not make
# it the default, each beside its default in one run: GLA (+2.7% in
# session 31's one run) and DeltaNet (level) again, KDA's sequence split
# (W and U materialised, -1.7%), and the plain updates, whose defaults
# load inputs a chunk ahead (prefetch=on, never timed with fuse=on).
# Ran in session 32 on an H200 (bench/results/bench-h200.md, "Session 32"):
# RetNet -2.4%, simple GLA -2.2%, KDA 1x8192x16 -2.8%, linear attention and
# DeltaNet level, GLA +2.0%; with two more runs of the first three, fuse=on
# became their default (KernelConfig.cpp, defaultFuse).
check_examples fuse=on gla linear_attention
time_beside fu '--config fuse=on' '^(gla|deltanet|linear_attention|retnet|simple_gla) 8x4096|^kda 1x8192' \
  '' gla_8x4096x16 deltanet_8x4096x16 kda_1x8192x16 linear_attention_8x4096x16 \
  retnet_8x4096x16 simple_gla_8x4096x16 2>&1 | tee -a $log | tail -14
exit 0
fi
if [ "${S36:-0}" = 1 ]; then
# 36 (session 31; about 9 minutes, carrying .carry): fused element-wise
# runs over quads (fuse=on, @fu). fuse=on lost 2% for KDA in session 27,
# when a fused run was a loop of single elements: scalar shared loads and
# stores and 64-bit index arithmetic per element, where each unfused op
# reads and writes float4 with four loads in flight. Now a run whose
# columns are whole quads is emitted over float4 as well, and the stores a
# later op of the run overwrites unread are left out, and
# tile-group-elementwise puts element-wise ops of one shape side by side
# first (KDA 48 -> 37 steps, GDN 53 -> 41, GLA 32 -> 27, kda_safe 50 -> 38;
# bit-identical on the cpu target). With it session 29's LINAC_COPY_ACCOUNT_APART (@ap)
# and barriers=needed (@el), never timed since the Block's marks left
# local memory. Float64 checks of fuse=on first (realistic and strong
# gates, ragged varlen batch, initial state), then one timing run of them
# all (its last column compares each variant's outputs with the default's
# on the same inputs: @ap and @el must be bit-identical).
check_examples fuse=on kda gdn
rm -f "$K"/*@*.cu
for c in kda_8x4096x16 gdn_8x4096x16 gla_8x4096x16 kda_safe_8x4096x16 deltanet_8x4096x16; do
  timeout 60 bench/variant.sh $c fu --config fuse=on
done
for c in kda_8x4096x16 gdn_8x4096x16; do
  timeout 60 bench/variant.sh $c ap --define LINAC_COPY_ACCOUNT_APART=1
  timeout 60 bench/variant.sh $c el --config barriers=needed
done
timeout $(( ${LEFT:-590} - SECONDS )) bench/run.sh --cases '^(kda|gdn|gla|kda_safe|deltanet) 8x4096' \
  --fla-cases '' --reps ${REPS:-5} 2>&1 | tee -a $log | tail -24
exit 0
fi
if [ "${S35:-0}" = 2 ]; then
# 35, second call (written in session 30, not run as such: FLA was run
# beside KDA, GDN and GLA at 8x4096x16 by bench/run.sh directly, and the
# switch @nopf undoes is gone; carrying .carry and .fla): the defaults
# beside FLA in turn at the KDA and GDN rows of the standing table that
# FLA was not run beside since sessions 23 and 27, and @nopf (the library
# without LINAC_PREFETCH_NEXT_L2) for the same-run change. FLA tunes each
# shape on its first call unless .fla holds its results for this GPU.
rm -f "$K"/*@*.cu
for c in kda_8x4096x16 gdn_8x4096x16 gla_8x4096x16; do
  timeout 60 bench/variant.sh $c nopf --define LINAC_PREFETCH_NEXT_L2=0
done
timeout $(( ${LEFT:-580} - SECONDS )) bench/run.sh --cases "${CASES:-^(kda|gdn|gla) 8x4096}" \
  --fla-cases "${FLA_CASES:-^(kda|gdn|gla) 8x4096}" --reps ${REPS:-5} 2>&1 | tee -a $log | tail -16
exit 0
fi
if [ "${S35:-0}" = 1 ]; then
# 35 (session 30; about 7 minutes, carrying .carry): LINAC_PREFETCH_NEXT_L2
# (@pf): every whole-chunk input copy also asks L2 for the next chunk's
# rows. The op profile put KDA's five input copies at 16% of its loop, each
# waiting on DRAM because its one stage cannot be filled before the chunk
# ends; from L2 the wait is a fraction of that. Float64 checks first (a hint
# cannot change a value, but an address outside the tensor would fault),
# then the cases that copy their inputs a chunk at a time (prefetch=on's
# landing buffers are already a chunk ahead: not touched). With them
# session 29's LINAC_COPY_ACCOUNT_APART (@ap, S34=6's untimed switch).
# Ran in session 30 with SHORT=1 (H100): @pf lost (KDA 8x4096x16 +4.5%, its
# varlen batch +4.1%, GDN +9%, bit-identical) and the switch was taken out
# of the library, so this block is a record: its @pf variants are now the
# default form. @ap is still untimed (S34=6 times it).
# SHORT=1: KDA checked, KDA and GDN timed, nothing else (what a call with
# little device time left can take).
if [ "${SHORT:-0}" = 1 ]; then
  LINAC_CUDA_DEFINES="LINAC_PREFETCH_NEXT_L2=1" check_examples "" kda
  stems="kda_8x4096x16 kda_varlen_16_seqs gdn_8x4096x16" cases='^(kda 8x4096|kda varlen|gdn 8x4096)'
else
  LINAC_CUDA_DEFINES="LINAC_PREFETCH_NEXT_L2=1" check_examples "" kda gdn
  stems="kda_8x4096x16 kda_varlen_16_seqs gdn_8x4096x16 gla_8x4096x16 deltanet_8x4096x16"
  cases='^(kda 8x4096|kda varlen|gdn 8x4096|gla 8x4096|deltanet 8x4096)'
fi
rm -f "$K"/*@*.cu
for c in $stems; do
  timeout 60 bench/variant.sh $c pf --define LINAC_PREFETCH_NEXT_L2=1
done
[ "${SHORT:-0}" = 1 ] || timeout 60 bench/variant.sh kda_8x4096x16 ap --define LINAC_COPY_ACCOUNT_APART=1
timeout $(( ${LEFT:-500} - SECONDS )) bench/run.sh --cases "$cases" \
  --fla-cases '' --reps ${REPS:-5} 2>&1 | tee -a $log | tail -24
exit 0
fi
if [ "${S34:-0}" = 1 ]; then
# 34 (written in session 29 after its device time ran out; about 8
# minutes, carrying .carry and .fla with FLA's tuning): session 29's
# defaults beside @old (the library and copy form before it: the Block's
# elision marks read at every op, the scratch base from the Block, the
# copies out of line) and FLA in turn, for the same-run ratios session 29
# could not take. DPLR, kda_safe and GDN-2 took only the library change.
rm -f "$K"/*@*.cu
for c in kda_8x4096x16 kda_varlen_16_seqs gla_8x4096x16 dplr_8x4096x16 kda_safe_8x4096x16 \
  gdn2_8x4096x16; do
  timeout 60 bench/variant.sh $c old --define LINAC_ELIDE_BARRIERS=1 \
    --define LINAC_SCRATCH_IN_SHARED=0 --config copies=call
done
timeout $(( ${LEFT:-560} - SECONDS )) bench/run.sh \
  --cases '^(kda 8x4096|kda varlen|gla 8x4096|dplr 8x4096|kda_safe 8x4096|gdn2 8x4096)' \
  --fla-cases "${FLA_CASES:-^(kda|gla|dplr|kda_safe) }" --reps ${REPS:-5} 2>&1 | tee -a $log | tail -16
exit 0
fi
if [ "${S34:-0}" = 6 ]; then
# 34, sixth call (about 8 minutes, carrying .carry): LINAC_COPY_ACCOUNT_APART
# (@ap): the copy account's arrays apart from the Block, so that the
# Block's scalars can live in registers (no out-of-line call takes the
# Block in KDA's and GDN's kernels any more); ptxas: KDA 520 -> 464 bytes of
# stack, 240 -> 248 of spill stores, GDN 400 -> 336 and 32 -> 52. With it
# the elision marks of barriers=needed are registers, not local memory, so
# that config (KDA -1.7%, GDN +1.9% in session 24, when every mark was a
# local load) is timed again, alone (@el) and with it (@elap). The
# primitive tests with the switch, float64 checks and racecheck first.
SWITCHES=LINAC_COPY_ACCOUNT_APART=1 PRIM_BUILDS=sm90a timeout 200 \
  scripts/gpu-check/run.sh primitives 2>&1 | tail -4 | tee -a $log
LINAC_CUDA_DEFINES="LINAC_COPY_ACCOUNT_APART=1" check_examples "" kda gdn deltanet
LINAC_CUDA_DEFINES="LINAC_COPY_ACCOUNT_APART=1" check_examples barriers=needed kda gdn
LINAC_CUDA_DEFINES="LINAC_COPY_ACCOUNT_APART=1" racecheck "" B=1,T=200,H=2,HV=4,K=128,V=128 kda
rm -f "$K"/*@*.cu
for c in kda_8x4096x16 gdn_8x4096x16 deltanet_8x4096x16 gla_8x4096x16; do
  timeout 60 bench/variant.sh $c ap --define LINAC_COPY_ACCOUNT_APART=1
done
for c in kda_8x4096x16 gdn_8x4096x16; do
  timeout 60 bench/variant.sh $c el --config barriers=needed
  timeout 60 bench/variant.sh $c elap --config barriers=needed --define LINAC_COPY_ACCOUNT_APART=1
done
timeout $(( ${LEFT:-590} - SECONDS )) bench/run.sh --cases '^(kda|gdn|deltanet|gla) 8x4096' \
  --fla-cases '' --reps ${REPS:-5} 2>&1 | tee -a $log | tail -14
exit 0
fi
if [ "${S34:-0}" = 5 ]; then
# 34, fifth call (about 8 minutes, carrying .carry and .fla with FLA's
# tuning): the other variants at 8x4096x16 with session 29's library
# beside FLA in turn, for the standing table (linear attention, RetNet,
# simple GLA, DeltaNet and GDN were last run beside FLA in sessions 21 and
# 23; the Block's marks out of local memory took 1-3% off those measured).
timeout $(( ${LEFT:-560} - SECONDS )) bench/run.sh \
  --cases '^(linear_attention|retnet|simple_gla|deltanet|gdn|gla) 8x4096' \
  --fla-cases "${FLA_CASES:-.}" --reps ${REPS:-5} 2>&1 | tee -a $log | tail -10
exit 0
fi
if [ "${S34:-0}" = 4 ]; then
# 34, fourth call (about 5 minutes, carrying .carry): pad=on (@pad) where
# the chooser leaves it off because the padded tiles no longer all fit in
# shared memory (KDA +3.5% in session 21). Since session 29 a scratch
# tile's address no longer waits on a local load, and the profile put a
# third of shared-memory wavefronts on bank conflicts of unpadded rows, so
# the balance may have moved: KDA 226.3 -> 216.3 KiB of shared memory and
# 32 -> 48 KiB of tiles in scratch with it (linac explain). Against
# float64 first.
# And LINAC_EW_FRAG_PAIRS (@fp: element-wise ops on fragments read and
# write shared tiles a column pair at a time; 0-3% slower on padded rows in
# session 21, never timed on KDA's unpadded ones, where the profile put
# `Tile::get` at 5.6x and `frag_set` at 8x their ideal wavefronts).
check_examples pad=on kda gdn2
LINAC_CUDA_DEFINES="LINAC_EW_FRAG_PAIRS=1" check_examples "" kda
rm -f "$K"/*@*.cu
for c in kda_8x4096x16 kda_varlen_16_seqs kda_safe_8x4096x16 gdn2_8x4096x16; do
  timeout 60 bench/variant.sh $c pad --config pad=on
done
timeout 60 bench/variant.sh kda_8x4096x16 fp --define LINAC_EW_FRAG_PAIRS=1
timeout $(( ${LEFT:-560} - SECONDS )) bench/run.sh \
  --cases '^(kda 8x4096|kda varlen|kda_safe 8x4096|gdn2 8x4096)' --fla-cases '' \
  --reps ${REPS:-5} 2>&1 | tee -a $log | tail -10
exit 0
fi
if [ "${S34:-0}" = 3 ]; then
# 34, third call (about 7 minutes, carrying .carry and .fla with FLA's
# tuning): GDN at its three shapes where it is still slower than FLA, with
# session 29's library, FLA in turn, and copies=inline (@ci) in the
# sequence split (GDN 1x8192x16), where it was never measured.
rm -f "$K"/*@*.cu
timeout 60 bench/variant.sh gdn_1x8192x16 ci --config copies=inline
timeout $(( ${LEFT:-560} - SECONDS )) bench/run.sh --cases '^gdn (1x8192|4x16384|varlen)' \
  --fla-cases "${FLA_CASES:-^gdn }" --reps ${REPS:-5} 2>&1 | tee -a $log | tail -10
exit 0
fi
if [ "${S34:-0}" = 2 ]; then
# 34, second call (about 4 minutes, carrying .carry): Nsight Compute's
# source view of KDA's new default (bench/profile.sh, summed by line by
# bench/ncu_source_summary.py): what local-memory traffic and which stalls
# remain once the Block's marks are gone.
mkdir -p /tmp/prof
OUT=/tmp/prof timeout 450 bench/profile.sh 'kda 8x4096' 1 > $OUT/profile.log 2>&1
cp /tmp/prof/profile-source-summary.md /tmp/prof/profile-details.csv $OUT/ 2>/dev/null
gzip -c /tmp/prof/profile-source.csv > $OUT/kda-source.csv.gz
head -60 $OUT/profile-source-summary.md | tee -a $log
exit 0
fi
if [ "${S33:-0}" = 4 ]; then
# 33, last call (session 29; about 3 minutes, carrying .carry): the new
# defaults (the elision marks and the scratch base out of local memory,
# copies=inline for KDA and GLA) against float64, then beside @old, the
# library and copy form before session 29, in one run.
check_examples "" kda gla
time_beside old '--define LINAC_ELIDE_BARRIERS=1 --define LINAC_SCRATCH_IN_SHARED=0 --config copies=call' \
  '^(kda|gla) (8x4096|varlen)' '' kda_8x4096x16 kda_varlen_16_seqs gla_8x4096x16 2>&1 |
  tee -a $log | tail -8
exit 0
fi
if [ "${S33:-0}" = 3 ]; then
# 33, third call (session 29; about 7 minutes, carrying .carry): the
# scratch base in the reserved shared area (kReservedSharedBytes 33024 ->
# 33040; LINAC_SCRATCH_IN_SHARED, now 1) with the primitive tests, every
# delta-rule example against float64 and racecheck on KDA; then
# copies=inline (@ci; S33=2: KDA -4%, -2% on the varlen batch) beside
# each default where KDA's Gram runs, to choose it per variant and shape.
SWITCHES= PRIM_BUILDS=sm90a timeout 200 scripts/gpu-check/run.sh primitives 2>&1 | tail -4 | tee -a $log
check_examples "" kda kda_safe gdn gla dplr gdn2 deltanet
racecheck "" B=1,T=200,H=2,HV=4,K=128,V=128 kda
rm -f "$K"/*@*.cu
for c in kda_safe_8x4096x16 gla_8x4096x16 dplr_8x4096x16 gdn2_8x4096x16 kda_4x16384x32 kda_1x8192x16; do
  timeout 60 bench/variant.sh $c ci --config copies=inline
done
timeout $(( 590 - SECONDS )) bench/run.sh \
  --cases '^(kda_safe 8x4096|gla 8x4096|dplr 8x4096|gdn2 8x4096|kda 4x16384|kda 1x8192)' \
  --fla-cases '' --reps ${REPS:-5} 2>&1 | tee -a $log | tail -14
exit 0
fi
if [ "${S33:-0}" = 2 ]; then
# 33, second call (session 29; about 5 minutes, carrying .carry): S33=1's
# change took 7% off KDA, so the Block's other reads in the loop next:
# @sc LINAC_SCRATCH_IN_SHARED=1 (each scratch tile's base from a shared
# variable, not the Block's field in local memory; KDA keeps 64 KiB of
# tiles a chunk in scratch), @ci copies=inline (no out-of-line call takes
# the Block; 3% slower in session 15, with the elision marks), @cisc both.
LINAC_CUDA_DEFINES="LINAC_SCRATCH_IN_SHARED=1" check_examples "" kda
check_examples copies=inline kda
rm -f "$K"/*@*.cu
for c in kda_8x4096x16 kda_varlen_16_seqs; do
  timeout 60 bench/variant.sh $c sc --define LINAC_SCRATCH_IN_SHARED=1
  timeout 60 bench/variant.sh $c ci --config copies=inline
  timeout 60 bench/variant.sh $c cisc --config copies=inline --define LINAC_SCRATCH_IN_SHARED=1
done
timeout $(( 590 - SECONDS )) bench/run.sh --cases '^kda (8x4096|varlen)' --fla-cases '' \
  --reps ${REPS:-5} 2>&1 | tee -a $log | tail -10
exit 0
fi
if [ "${S33:-0}" = 1 ]; then
# 33 (session 29; about 6 minutes, carrying .carry): the Block's elision
# marks left out of modules that elide no barrier (LINAC_ELIDE_BARRIERS,
# now 0 unless the emitter defines it). Nsight Compute's source view of
# KDA's kernel (session 29) put ~28% of its local-memory sectors on the
# barrier lines: the Block lives in local memory (out-of-line calls take it
# by reference), so each op's `if (blk.elide)` was a local load before its
# barrier, ~45 a chunk. KDA and GDN against float64, racecheck on KDA, then
# @old (the marks kept, as before) timed beside the new default.
check_examples "" kda gdn
racecheck "" B=1,T=200,H=2,HV=4,K=128,V=128 kda
time_beside old '--define LINAC_ELIDE_BARRIERS=1' '^(kda|gdn|deltanet|gla) (8x4096|varlen)' '' \
  kda_8x4096x16 kda_varlen_16_seqs gdn_8x4096x16 gdn_varlen_16_seqs deltanet_8x4096x16 \
  gla_8x4096x16 2>&1 | tee -a $log | tail -14
exit 0
fi
if [ "${S32:-0}" = 1 ]; then
# 32 (session 28, written after its device time ran out; about 8 minutes,
# carrying .carry): KDA's gram_diag_pair in one piece with its caller.
# bench/code-size.sh, KDA 8x4096x16: the pair is a call today (a 364 KB
# function of the kernel's 620 KB), the kernel spilling 494 bytes (its live
# fragments around the call) and the pair 300.
#   @pi LINAC_GRAM_PAIR_INLINE=1: the pair inlined, fallback and all (438
#       KB, 302 bytes of spill stores in all); the same code, so the same
#       outputs.
#   @po LINAC_GRAM_PAIR_ONLY=1: no fallback to two gram_diag calls (never
#       run in KDA's kernel, whose placement keeps the pair's tiles apart;
#       a pair that would need it fails the launch), then inlined by nvcc
#       (366 KB, 298 bytes).
# The primitive tests with @po's switch (a pair over shared memory must fail
# the launch), KDA against float64 with each and racecheck with @po, then
# both timed beside the default at 8x4096x16 and the varlen batch. S32=2
# times the other two shapes and takes Nsight Compute's stall samples
# (instruction fetch, "no instruction", among them) of the default and @po.
SWITCHES=LINAC_GRAM_PAIR_ONLY=1 PRIM_BUILDS=sm90a timeout 200 \
  scripts/gpu-check/run.sh primitives 2>&1 | tail -6 | tee -a $log
for d in LINAC_GRAM_PAIR_ONLY=1 LINAC_GRAM_PAIR_INLINE=1; do
  echo "defines: $d" | tee -a $log
  LINAC_CUDA_DEFINES="$d" check_examples "" kda
done
LINAC_CUDA_DEFINES="LINAC_GRAM_PAIR_ONLY=1" racecheck "" B=1,T=200,H=2,HV=4,K=128,V=128 kda
LEFT=${LEFT:-560} time_pair_forms '^kda (8x4096|varlen)' kda_8x4096x16 kda_varlen_16_seqs
exit 0
fi
if [ "${S32:-0}" = 2 ]; then
LEFT=${LEFT:-300} time_pair_forms '^kda (4x16384|1x8192)' kda_4x16384x32 kda_1x8192x16
NCU=$(command -v ncu || echo /usr/local/cuda/bin/ncu)
rm -f "$K"/*@*.cu
timeout 60 bench/variant.sh kda_8x4096x16 po --define LINAC_GRAM_PAIR_ONLY=1
timeout $(( 590 - SECONDS )) $NCU --target-processes all --kernel-name regex:_entry \
  --launch-count 2 --section WarpStateStats --section InstructionStats \
  -f -o $OUT/stalls bench/run.sh --cases '^kda 8x4096' --reps 1 --fla-cases '' > $OUT/ncu.log 2>&1
$NCU -i $OUT/stalls.ncu-rep --page raw --csv 2>/dev/null |
  python3 -c 'import csv,sys; r=list(csv.reader(sys.stdin)); h=r[0]
for row in r[2:]:
  print(", ".join(f"{h[i]}={row[i]}" for i in range(len(h)) if "stalled" in h[i] and row[i] not in ("", "0")))' \
  | tee -a $log | head -40
exit 0
fi
if [ "${S31:-0}" = 2 ]; then
# 31, second form (session 28; about 9 minutes, carrying .carry): S31=1 found
# KDA 60% slower with strips in the kernel (its cubin 21% bigger, the
# fallback's per-tile form inlined); now a strip that fails its tests is
# fp32 pair by pair out of line, and the units are dealt heavy diagonal
# tiles first. gram_cycles with and without, KDA against float64 with the
# strips and with LINAC_WIDEN_AT_WAIT (S30's), both timed beside the
# default, then the primitive tests with strips of 2.
for s in 0 2; do
  gram_cycles_with LINAC_GRAM_BLOCK_FACTOR=1 LINAC_GRAM_BALANCE=1 LINAC_GRAM_STRIPS=$s
done
for d in LINAC_GRAM_STRIPS=2 LINAC_WIDEN_AT_WAIT=1; do
  echo "defines: $d" | tee -a $log
  LINAC_CUDA_DEFINES="$d" check_examples "" kda
done
rm -f "$K"/*@*.cu
timeout 60 bench/variant.sh kda_8x4096x16 st2 --define LINAC_GRAM_STRIPS=2
timeout 60 bench/variant.sh kda_8x4096x16 widen --define LINAC_WIDEN_AT_WAIT=1
timeout $(( ${LEFT:-330} - SECONDS )) bench/run.sh --cases '^kda 8x4096' \
  --fla-cases '' --reps ${REPS:-5} 2>&1 | tee -a $log | tail -8
SWITCHES=LINAC_GRAM_STRIPS=2 PRIM_BUILDS=sm90a timeout $(( 590 - SECONDS )) \
  scripts/gpu-check/run.sh primitives 2>&1 | tail -8 | tee -a $log
exit 0
fi
if [ "${S31:-0}" = 1 ]; then
# 31 (session 28; about 8 minutes, carrying .carry): LINAC_GRAM_STRIPS=2 or 3,
# the per-tile Gram's tiles below the diagonal blocks in strips of one row
# tile, one warp a strip, every tile of a strip at the row tile's first row
# as reference (the left operand's exponentials and bf16 pairs once per K
# slice for the strip, its mma.sync independent). gram_cycles with each
# (and its per-warp rows, S29=2's), KDA against float64 with each, timed
# beside the default; then the primitive tests with strips of 3.
for s in 0 2 3; do
  gram_cycles_with LINAC_GRAM_BLOCK_FACTOR=1 LINAC_GRAM_BALANCE=1 LINAC_GRAM_STRIPS=$s
done
for s in 2 3; do
  LINAC_CUDA_DEFINES="LINAC_GRAM_STRIPS=$s" check_examples "" kda
done
rm -f "$K"/*@*.cu
for s in 2 3; do
  timeout 60 bench/variant.sh kda_8x4096x16 st$s --define LINAC_GRAM_STRIPS=$s
done
timeout 60 bench/variant.sh kda_4x16384x32 st3 --define LINAC_GRAM_STRIPS=3
timeout $(( ${LEFT:-420} - SECONDS )) bench/run.sh --cases '^kda (8x4096|4x16384)' \
  --fla-cases '' --reps ${REPS:-5} 2>&1 | tee -a $log | tail -12
SWITCHES=LINAC_GRAM_STRIPS=3 PRIM_BUILDS=sm90a timeout $(( 590 - SECONDS )) \
  scripts/gpu-check/run.sh primitives 2>&1 | tail -6 | tee -a $log
exit 0
fi
if [ "${S30:-0}" = 1 ] || [ "${S30:-0}" = 2 ]; then
# 30 (session 27; about 5 minutes, carrying .carry): LINAC_WIDEN_AT_WAIT=1,
# the converting input copies (bf16 inputs into fp32 stages: KDA, kda_safe,
# GLA, DPLR, GDN-2, padded or not) landed by cp.async at the stage's end and
# widened in place at the wait, so that a chunk's four 64 x 128 copies have their
# loads in flight together (KDA's op profile: the copies 16% of its loop,
# each waiting out its own loads). Against float64 (KDA; GLA, whose stages
# are padded), racecheck on KDA, then timed beside the defaults. S30=2 adds the primitive tests with
# the switch (about 3 minutes more).
[ "${S30:-0}" = 2 ] && SWITCHES=LINAC_WIDEN_AT_WAIT=1 PRIM_BUILDS=sm90a timeout 240 \
  scripts/gpu-check/run.sh primitives 2>&1 | tail -6 | tee -a $log
export LINAC_CUDA_DEFINES="LINAC_WIDEN_AT_WAIT=1"
check_examples "" kda gla
racecheck "" B=1,T=200,H=2,HV=4,K=128,V=128 kda
unset LINAC_CUDA_DEFINES
rm -f "$K"/*@*.cu
for c in kda kda_safe gla dplr; do
  timeout 60 bench/variant.sh ${c}_8x4096x16 widen --define LINAC_WIDEN_AT_WAIT=1
done
# The copies inlined, with and without the widening (a widened copy only
# issues its cp.async, so inlined it holds no loaded values; ptxas, KDA's
# default kernel: 494 bytes of spill stores, 494 widened, 300 inlined, 320
# both; KDA was 3% slower inlined in session 15, before the Gram pair).
timeout 60 bench/variant.sh kda_8x4096x16 in --config copies=inline
timeout 60 bench/variant.sh kda_8x4096x16 widenin --config copies=inline --define LINAC_WIDEN_AT_WAIT=1
timeout $(( ${LEFT:-330} - SECONDS )) bench/run.sh --cases '^(kda|kda_safe|gla|dplr) 8x4096' \
  --fla-cases '' --reps ${REPS:-5} 2>&1 | tee -a $log | tail -12
exit 0
fi
if [ "${S29:-0}" = 1 ]; then
# 29 (session 27; ran on an H100: bench/results/bench-h100.md, "Session 27";
# about 4 minutes on a machine with FLA's tuning carried, carrying .carry and .fla): candidates
# for KDA's fused kernel, each against float64 on the GPU, then timed
# beside the defaults with FLA in turn on KDA (FLA was last run beside KDA
# in session 23):
# - tokens=inplace: the per-token values the chunk computes masked where
#   they were made, not copied first (KDA 48 -> 45 block-wide steps per
#   chunk, GDN 53 -> 51, DPLR 58 -> 55; bit-identical on the cpu target);
# - fuse=on (element-wise chains merged: KDA 48 -> 40 steps, longest chain
#   25 -> 20 with tokens=inplace), last timed for KDA in 2026-12-03's kernels;
# - LINAC_FAST_EXP=1 (S27's, never run): e^G and e^(G_C - G) by __expf;
# - LINAC_GRAM_BALANCE=1: the Gram's light diagonal tiles to the warps that
#   take a third tile (the same tiles: outputs bit-identical).
# S29=2 (about 4 minutes): the op profile of KDA's default, and
# bench/gram_cycles.cu with and without LINAC_GRAM_BALANCE (since session
# 27's run also one warp's pieces of the pair's per-tile form alone).
check_examples tokens=inplace kda gdn
LINAC_CUDA_DEFINES="LINAC_FAST_EXP=1 LINAC_GRAM_BALANCE=1" check_examples fuse=on,tokens=inplace kda
rm -f "$K"/*@*.cu
for c in kda gdn dplr kda_safe; do
  timeout 60 bench/variant.sh ${c}_8x4096x16 tokin --config tokens=inplace
done
timeout 60 bench/variant.sh kda_8x4096x16 fuse --config fuse=on
timeout 60 bench/variant.sh kda_8x4096x16 fusetok --config fuse=on,tokens=inplace
timeout 60 bench/variant.sh kda_8x4096x16 fexp --define LINAC_FAST_EXP=1
timeout 60 bench/variant.sh kda_8x4096x16 bal --define LINAC_GRAM_BALANCE=1
timeout $(( ${LEFT:-560} - SECONDS )) bench/run.sh --cases '^(kda|gdn|dplr|kda_safe) 8x4096' \
  --fla-cases "${FLA_CASES-^kda 8x4096}" --reps ${REPS:-5} 2>&1 | tee -a $log | tail -40
exit 0
fi
if [ "${S29:-0}" = 2 ]; then
OUT=$OUT timeout 200 bench/op-profile.sh '^kda 8x4096' 2>&1 | tail -70 | tee -a $log
for d in 0 1; do
  gram_cycles_with LINAC_GRAM_BLOCK_FACTOR=1 LINAC_GRAM_BALANCE=$d
done
exit 0
fi
if [ "${S28:-0}" = 1 ]; then
# 28 (written in session 24, extended and reordered in session 25 to fit
# one call of about 9 minutes on a machine whose kernels are not cached,
# carrying .carry with .carry/bin/linac rebuilt; the log is
# $OUT/candidates.txt, $OUT/bench.md the timing). Forms of KDA's two Gram
# blocks:
#  - grampair=on (tile-pair-grams: A and M in one gram_diag_pair call, each
#    tile's exponentials, k and the decays once for both, and since session
#    25 each diagonal 8 x 8 block's exponentials once for both; @pairnb:
#    the blocks per output as before), each output bit-identical to its own
#    call by construction;
#  - LINAC_GRAM_BLOCK_FACTOR=1 (session 25): the diagonal 8 x 8 blocks
#    through reference rows, 21 exponentials per channel instead of 36 and
#    one fma per pair (@fac; @pairfac with the pair);
#  - session 24's LINAC_FAST_EXP (@fexp).
# S28=1: the measurements (gram_cycles, then KDA timed beside the default,
# about 5 minutes); S28=2: the checks (a failed check voids the timing): the
# primitives with and without the factored blocks (the gram_diag_pair tests
# compare with two calls bit for bit, realistic, strong and rising decays,
# operands near the magnitude bound), KDA against float64, racecheck.
gc() { # gram_cycles built with the library switches given
  echo "gram_cycles ${*:-(defaults)}" | tee -a $log
  nvcc -std=c++17 -O2 -gencode arch=compute_90a,code=sm_90a -Iruntime/device/cuda -diag-suppress 177 \
    "$@" bench/gram_cycles.cu -o /tmp/gram_cycles && timeout 60 /tmp/gram_cycles 2>&1 | tee -a $log
}
# (QUICK=1: the pair, the factored blocks and both only, for a call with
# little device time left.)
gc
[ "${QUICK:-0}" = 1 ] || gc -DLINAC_GRAM_PAIR_BLOCKS=0
gc -DLINAC_GRAM_BLOCK_FACTOR=1
[ "${GRAM_ONLY:-0}" = 1 ] && exit 0 # (gram_cycles alone: about a minute)
rm -f "$K"/*@*.cu
c=kda_8x4096x16
# (@pf192, session 26: the pair leaves KDA's fused kernel 160 KiB of
# fragments, so at frag=192 no tile goes to global scratch, 64 KiB per
# chunk at today's frag=128; ptxas 384 bytes of spill stores, 264 with the
# blocks per output, @pnbf192.)
timeout 60 bench/variant.sh $c pair --config grampair=on
timeout 60 bench/variant.sh $c pf192 --config grampair=on,frag=192
timeout 60 bench/variant.sh $c fac --define LINAC_GRAM_BLOCK_FACTOR=1
timeout 60 bench/variant.sh $c pairfac --config grampair=on --define LINAC_GRAM_BLOCK_FACTOR=1
if [ "${QUICK:-0}" != 1 ]; then
  timeout 60 bench/variant.sh $c pairnb --config grampair=on --define LINAC_GRAM_PAIR_BLOCKS=0
  timeout 60 bench/variant.sh $c pnbf192 --config grampair=on,frag=192 --define LINAC_GRAM_PAIR_BLOCKS=0
  timeout 60 bench/variant.sh $c fexp --define LINAC_FAST_EXP=1
fi
timeout $(( ${LEFT:-540} - SECONDS )) bench/run.sh --cases '^kda 8x4096' --fla-cases "${FLA_CASES-}" \
  --reps ${REPS:-5} 2>&1 | tee -a $log
exit 0
fi
if [ "${S28:-0}" = 2 ]; then
# 28, second call (about 7 minutes): S28=1's checks.
SWITCHES=LINAC_GRAM_BLOCK_FACTOR=1 PRIM_BUILDS=sm90a timeout 260 scripts/gpu-check/run.sh primitives \
  2>&1 | tail -8 | tee -a $log
grep "gram_diag_pair" /tmp/gpucheck/prim_sm90a*.txt 2>/dev/null | tail -4 | tee -a $log
check_examples grampair=on kda
check_examples grampair=on,frag=192 kda
export LINAC_CUDA_DEFINES="LINAC_GRAM_BLOCK_FACTOR=1"
check_examples "" kda
check_examples grampair=on kda
unset LINAC_CUDA_DEFINES
export LINAC_CUDA_DEFINES="LINAC_FAST_EXP=1"
check_examples "" kda
unset LINAC_CUDA_DEFINES
racecheck grampair=on B=1,T=200,H=2,HV=4,K=128,V=128 kda
exit 0
fi
if [ "${S28:-0}" = 3 ]; then
# 28, third call (about 6 minutes), if S28=1 and S28=2 make
# LINAC_GRAM_BLOCK_FACTOR=1 the library's default: the library switch
# reaches every per-tile gram_diag, so DPLR's and GDN-2's kernels (the
# other variants whose Gram takes the per-tile form) against float64 with
# it, then timed with it beside their defaults.
export LINAC_CUDA_DEFINES="LINAC_GRAM_BLOCK_FACTOR=1"
check_examples "" dplr gdn2
unset LINAC_CUDA_DEFINES
rm -f "$K"/*@*.cu
for c in dplr gdn2; do
  timeout 60 bench/variant.sh ${c}_8x4096x16 fac --define LINAC_GRAM_BLOCK_FACTOR=1
done
timeout $(( ${LEFT:-540} - SECONDS )) bench/run.sh --cases '^(dplr|gdn2) 8x4096' --fla-cases '' \
  --reps ${REPS:-5} 2>&1 | tee -a $log
exit 0
fi
if [ "${S27:-0}" = 1 ]; then
# 27 (session 24; about 6 minutes, carrying .carry and .fla): the
# exponential op and the decay masks by __expf (LINAC_FAST_EXP=1; e^G and
# e^(G_C - G) of KDA's and GLA's per-channel decays, 64 x 128 tiles, and
# GDN's two 64 x 64 decay masks were by expf)
# against float64, then timed beside the defaults; KDA 8x4096x16 with FLA
# in turn at today's default (gram_diag's diagonal blocks over the lanes).
export LINAC_CUDA_DEFINES="LINAC_FAST_EXP=1"
check_examples "" kda gla
unset LINAC_CUDA_DEFINES
rm -f "$K"/*@*.cu
for c in kda kda_safe gla gdn2 gdn; do
  timeout 60 bench/variant.sh ${c}_8x4096x16 fexp --define LINAC_FAST_EXP=1
done
# The bound S25 could not time: every barrier inside a chunk left out
# (outputs wrong; a @timing- tag makes bench.py time it unchecked).
timeout 60 bench/variant.sh kda_8x4096x16 timing-nobar --define LINAC_TIMING_ONLY_NO_CONSUMER_BARRIERS=1
timeout $(( ${LEFT:-560} - SECONDS )) bench/run.sh --cases '^(kda|kda_safe|gla|gdn2|gdn) 8x4096' \
  --fla-cases "${FLA_CASES-^kda 8x4096}" --reps ${REPS:-5}
exit 0
fi
if [ "${S26:-0}" = 1 ]; then
# 26 (session 24; about 8 minutes warm, carrying .carry): the diagonal
# 8 x 8 blocks of gram_diag's per-tile form with the channels over the
# lanes (LINAC_GRAM_DIAG_LANES=1: each operand value read once, a shuffle
# reduction; S24 timed KDA 8x4096x16 6.8% faster with it). The primitives
# with it (their reference sums the same fp32 pairs in another order),
# every example whose Gram takes the per-tile form against float64 with
# it, racecheck on KDA, then KDA, DPLR and GDN-2 timed with it.
SWITCHES=LINAC_GRAM_DIAG_LANES=1 PRIM_BUILDS=sm90a timeout 300 \
  scripts/gpu-check/run.sh primitives 2>&1 | tail -6 | tee -a $log
export LINAC_CUDA_DEFINES="LINAC_GRAM_DIAG_LANES=1"
check_examples "" kda dplr gdn2
racecheck "" B=1,T=200,H=2,HV=4,K=128,V=128 kda
unset LINAC_CUDA_DEFINES
rm -f "$K"/*@*.cu
for c in kda_8x4096x16 kda_1x8192x16 dplr_8x4096x16 gdn2_8x4096x16; do
  timeout 60 bench/variant.sh $c lanes --define LINAC_GRAM_DIAG_LANES=1
done
timeout $(( ${LEFT:-560} - SECONDS )) bench/run.sh --cases '^(kda|dplr|gdn2) (8x4096|1x8192)' \
  --fla-cases "${FLA_CASES-}" --reps ${REPS:-5}
exit 0
fi
if [ "${S25:-0}" = 1 ]; then
# 25 (session 24; about 8 minutes cold, carrying .carry, .carry/bin/linac
# rebuilt): barriers=needed (tile-elide-barriers: an op leaves out its
# closing barrier where the next step depends on no step since the last
# one; KDA 15 of 49 barriers per chunk left out, GDN 14 of 53, linear
# attention 3 of 20). Against float64 on the GPU (ragged varlen batch with
# an empty and a one-token sequence, initial state, realistic and strong
# gates), racecheck on GDN and KDA, then timed beside the defaults with
# @nobar (LINAC_TIMING_ONLY_NO_CONSUMER_BARRIERS: every barrier inside a
# chunk left out, outputs wrong) as the bound of what fewer barriers give.
check_examples barriers=needed gdn kda linear_attention deltanet gla kda_safe
racecheck barriers=needed B=1,T=200,H=2,HV=4,K=128,V=128 gdn
racecheck barriers=needed B=1,T=200,H=2,HV=4,K=128,V=128 kda
rm -f "$K"/*@*.cu
for c in gdn kda linear_attention deltanet gla kda_safe simple_gla; do
  timeout 60 bench/variant.sh ${c}_8x4096x16 nb --config barriers=needed
done
for c in gdn kda; do
  timeout 60 bench/variant.sh ${c}_8x4096x16 nobar --define LINAC_TIMING_ONLY_NO_CONSUMER_BARRIERS=1
done
# (Ran in session 24 on an H100: bench/results/bench-h100.md, "Session 24".
# The @nobar rows did not time: bench/run.sh refuses non-finite outputs.)
timeout $(( ${LEFT:-560} - SECONDS )) bench/run.sh \
  --cases '^(gdn|kda|linear_attention|deltanet|gla|kda_safe|simple_gla) 8x4096' \
  --fla-cases "${FLA_CASES-}" --reps ${REPS:-5}
exit 0
fi
if [ "${S24:-0}" = 1 ]; then
# 24 (written in session 23 after its device time ran out; about 6 minutes
# cold, carrying .carry and .fla, CUBINS_BACK=1): team_cycles with its two new forms, the
# chain at 256 threads with 128 and 192 registers of fragments live across
# it (ptxas: 464- and 720-byte stack frames, as the fused kernels' 264-392):
# what the fragments' registers cost every other op, since the same ops
# cost 2-3.5x more in primitive_cycles' spilling kernel than in
# team_cycles' (session 23); and at 512 threads (ops on shared tiles only):
# whether more warps on one chain shorten its steps, since the row ops took
# 1.9x as long on 128 threads as on 256. Then kda_safe's varlen row, which session 23's
# call had no time for, with FLA in turn.
nvcc -std=c++17 -O2 -gencode arch=compute_90a,code=sm_90a -Iruntime/device/cuda \
  bench/team_cycles.cu -o /tmp/team_cycles 2>/dev/null &&
  timeout 60 /tmp/team_cycles 2>&1 | tee -a $log
# The same question in a kernel: GDN with 128 fragment registers instead of
# 192 beside its default (every tile still on chip, 188 KiB of shared
# memory; its last measurement, 192 against 128, predates the bf16 stages
# and padding), then kda_safe's varlen row with FLA in turn. (KDA at 64
# would move S to scratch: not the same question.)
# Added in session 24 before it ran: what the consumer barriers cost at
# most (@nobar: LINAC_TIMING_ONLY_NO_CONSUMER_BARRIERS, every barrier
# inside a chunk left out; outputs wrong, timing only), which decides
# whether removing barriers between independent steps is worth a pass;
# and KDA's gram_diag with the diagonal 8 x 8 blocks' channels over the
# lanes (@lanes, LINAC_GRAM_DIAG_LANES=1, never timed; bit-level
# differences only, the same fp32 pairs summed in another order).
rm -f "$K"/*@*.cu
timeout 60 bench/variant.sh gdn_8x4096x16 f128 --config frag=128
# (@nobar left out after S25 ran: bench/run.sh refuses to time a kernel
# whose outputs are not finite, which without barriers they are not.)
timeout 60 bench/variant.sh kda_8x4096x16 lanes --define LINAC_GRAM_DIAG_LANES=1
timeout $(( ${LEFT:-560} - SECONDS )) bench/run.sh --cases '^(gdn|kda) 8x4096|^kda_safe varlen' \
  --fla-cases "${FLA_CASES-^kda_safe varlen}" --reps ${REPS:-5}
exit 0
fi
if [ "${S23:-0}" = 1 ]; then
# (Ran in session 23 on an H100: bench/results/bench-h100.md, "Session 23".)
# 23 (about 8 minutes cold, carrying .carry and .fla): whether a second chain
# of ops per SM comes for free (bench/team_cycles.cu: the same chain of
# library ops at 256 threads, 128 threads, and two blocks of 128 threads
# per SM), which decides whether ops owned by a warpgroup team are worth
# building; then the standing table's GDN, KDA and kda_safe rows with FLA in
# turn at today's defaults (pad16=on for GDN since this session).
nvcc -std=c++17 -O2 -gencode arch=compute_90a,code=sm_90a -Iruntime/device/cuda \
  bench/team_cycles.cu -o /tmp/team_cycles 2>/dev/null &&
  timeout 60 /tmp/team_cycles 2>&1 | tee -a $log
# Its machine code, to read where an op's cycles go.
cuobjdump -sass /tmp/team_cycles 2>/dev/null | gzip > $OUT/team_cycles.sass.gz
nvcc -std=c++17 -O2 -gencode arch=compute_90a,code=sm_90a -Iruntime/device/cuda \
  bench/primitive_cycles.cu -o /tmp/primitive_cycles 2>/dev/null &&
  timeout 60 /tmp/primitive_cycles > $OUT/primitive-cycles.txt 2>&1
timeout $(( ${LEFT:-560} - SECONDS )) bench/run.sh --cases "${CASES:-^(gdn|kda|kda_safe) }" \
  --fla-cases "${FLA_CASES-^(gdn|kda|kda_safe) }" --reps ${REPS:-5}
exit 0
fi
if [ "${S22:-0}" = 2 ]; then
# (Ran in session 23 on an H100: correct and bit-identical, level on every
# case, GDN-2 5% slower; the switch was taken out of the library after it,
# so this block now times the default form twice. bench/results/bench-h100.md.)
# 22, second call (written in session 22, which had no device time; about
# 8 minutes, carrying .carry): LINAC_EW_BCAST_UNROLL=1, element-wise ops
# over tiles in memory with broadcast operands or padded rows four float4
# a thread at a time, every load before the first store. pad=on took the
# same-shape ops on padded tiles off ew_flat's unrolled loop onto this one,
# which waits out each quad's loads (a 64 x 128 element-wise op in shared
# memory: ~1.6 K cycles, against ~140 on fragments). The primitives with
# the switch (.carry/prim/prim_bcast: test/gpu/tile_primitives.cu built
# with -DLINAC_EW_BCAST_UNROLL=1; else built now), the variants with the
# most such ops against float64 with it, then each timed beside its default
# (@bcast; outputs should be bit-identical: the last column).
if [ -x .carry/prim/prim_bcast ]; then
  .carry/prim/prim_bcast 2>&1 | tail -3 | tee -a $log
else
  SWITCHES=LINAC_EW_BCAST_UNROLL=1 PRIM_BUILDS=sm90a timeout 300 \
    scripts/gpu-check/run.sh primitives 2>&1 | tail -8 | tee -a $log
fi
export LINAC_CUDA_DEFINES="LINAC_EW_BCAST_UNROLL=1"
check_examples "" kda gla dplr
unset LINAC_CUDA_DEFINES
time_beside bcast '--define LINAC_EW_BCAST_UNROLL=1' \
  '^(kda|kda_safe|gla|dplr|gdn2|retnet|simple_gla) 8x4096' '' \
  $(for c in kda kda_safe gla dplr gdn2 retnet simple_gla; do echo ${c}_8x4096x16; done)
cp $OUT/bench.md $OUT/bench-bcast.md 2>/dev/null
exit 0
fi
if [ "${S22:-0}" = 1 ]; then
# (Ran in session 23 on an H100: pad16=on 2-7% faster for GDN at every anchor
# shape, DeltaNet -1.6%; now the sm_90a default with bf16 input stages.)
# 22 (written in session 21 after its device time ran out; about 7 minutes,
# carrying .carry and .fla, CUBINS_BACK=1): pad16=on (bf16 tiles of 64k
# halves a row, 16 halves further apart). GDN's and DeltaNet's bf16 input
# stages are read by fragments in the accumulator layout (GDN: v, q and k,
# three 64 x 128 reads a chunk), 8 rows on the same banks as the fp32 tiles
# were before pad=on. Against float64 (head split, the sequence split),
# racecheck, then timed beside the defaults at every GDN anchor shape and
# DeltaNet's, FLA in turn for GDN 8x4096x16.
check_examples pad16=on gdn deltanet
check_run gdn "pad16=on, sequence split" --seed 5 --shape B=1,T=600,H=2,HV=2,K=128,V=128 \
  --seqlens 1,0,263,336 --gates strong --config split=sequence,pad16=on
racecheck pad16=on B=1,T=200,H=2,HV=4,K=128,V=128 gdn
time_beside p16 '--config pad16=on' '^(gdn|deltanet) (8x4096|1x8192|4x16384|varlen)' "${FLA_CASES-^gdn 8x4096}" \
  gdn_8x4096x16 gdn_1x8192x16 gdn_4x16384x32 gdn_varlen_16_seqs deltanet_8x4096x16
cp $OUT/bench.md $OUT/bench-pad16.md 2>/dev/null
exit 0
fi
if [ "${S21:-0}" = 10 ]; then
# 21, tenth call (about 2 minutes warm, carrying .carry): the plain updates
# again after landing buffers were left unpadded (they had taken padded
# bytes for nothing), beside @nopad.
LEFT=${LEFT:-200} time_beside nopad '--config pad=off' '^(linear_attention|retnet|simple_gla) 8x4096' '' \
  linear_attention_8x4096x16 retnet_8x4096x16 simple_gla_8x4096x16
exit 0
fi
if [ "${S21:-0}" = 9 ]; then
# 21, ninth call (about 3 minutes, carrying .carry): the defaults that
# pad=on changed and S21=4 did not check (RetNet, simple GLA, DPLR) against
# float64 on the GPU, and racecheck of linear attention's (landing buffers
# beside padded tiles).
check_examples "" retnet simple_gla dplr
racecheck "" B=1,T=200,H=2,HV=4,K=128,V=128 linear_attention
exit 0
fi
if [ "${S21:-0}" = 8 ]; then
# 21, eighth call (about 6 minutes warm, carrying .carry and .fla): GDN-2
# (left at pad=off by the chooser, not timed) with @pad, and GDN with FLA
# in turn (FLA tunes GDN's shape first where its tuning did not travel).
rm -f "$K"/*@*.cu
timeout 90 bench/variant.sh gdn2_8x4096x16 pad --config pad=on
timeout $(( ${LEFT:-560} - SECONDS )) bench/run.sh --cases '^(gdn|gdn2) 8x4096' \
  --fla-cases '^gdn 8x4096' --reps ${REPS:-5}
cp $OUT/bench.md $OUT/bench-pad-gdn2.md 2>/dev/null
exit 0
fi
if [ "${S21:-0}" = 7 ]; then
# 21, seventh call (about 4 minutes warm, carrying .carry): GDN's other anchor
# shapes (the sequence split at 1x8192x16, the head split at 4x16384x32, the
# 16-sequence varlen batch) with pad=on, the new default, beside @nopad.
time_beside nopad '--config pad=off' '^gdn (1x8192|4x16384|varlen)' '' gdn_1x8192x16 gdn_4x16384x32 gdn_varlen_16_seqs
cp $OUT/bench.md $OUT/bench-pad-gdn.md 2>/dev/null
exit 0
fi
if [ "${S21:-0}" = 6 ]; then
# 21, sixth call (about 8 minutes, carrying .carry and .fla, CUBINS_BACK=1):
# pad=on as the sm_90a default (and the accumulator pairs taken out), every
# variant at 8x4096x16 beside @nopad (pad=off: the previous default), FLA
# in turn where its tuning travels (FLA_CASES).
time_beside nopad '--config pad=off' '^(linear_attention|retnet|simple_gla|gla|deltanet|gdn|kda|kda_safe|dplr) 8x4096' \
  "${FLA_CASES-^(linear_attention|retnet|simple_gla|gla|deltanet|dplr) }" \
  $(for c in linear_attention retnet simple_gla gla deltanet gdn kda kda_safe dplr; do echo ${c}_8x4096x16; done)
cp $OUT/bench.md $OUT/bench-pad-default.md 2>/dev/null
exit 0
fi
if [ "${S21:-0}" = 5 ]; then
# 21, fifth call (about 5 minutes warm, carrying .carry): S21=4 timed pad=on
# with the accumulator pairs; here each apart, and with the element-wise
# ops on fragments also moving pairs (LINAC_EW_FRAG_PAIRS=1), which only
# padded rows can make conflict-free: @nopairs (the library before the
# pairs), @padnp (pad=on without the pairs), @padew (pad=on, element-wise
# pairs, no accumulator pairs).
rm -f "$K"/*@*.cu
for c in ${PAD_CASES:-gla gdn kda_safe deltanet dplr simple_gla}; do
  timeout 60 bench/variant.sh ${c}_8x4096x16 nopairs --define LINAC_MMA_ACC_PAIRS=0
  timeout 60 bench/variant.sh ${c}_8x4096x16 padnp --config pad=on --define LINAC_MMA_ACC_PAIRS=0
  timeout 60 bench/variant.sh ${c}_8x4096x16 padew --config pad=on --define LINAC_MMA_ACC_PAIRS=0 \
    --define LINAC_EW_FRAG_PAIRS=1
done
timeout $(( ${LEFT:-560} - SECONDS )) bench/run.sh \
  --cases "^($(echo ${PAD_CASES:-gla gdn kda_safe deltanet dplr simple_gla} | tr ' ' '|')) 8x4096" \
  --fla-cases '' --reps ${REPS:-5}
cp $OUT/bench.md $OUT/bench-pad2.md 2>/dev/null
exit 0
fi
if [ "${S21:-0}" = 4 ]; then
# 21, fourth call (about 9 minutes, carrying .carry and .fla, CUBINS_BACK=1):
# pad=on (tile-pad-shared-rows: rows of shared fp32 tiles 16 bytes further
# apart, so that the accumulator layout's 8 rows per warp stop conflicting
# 8 ways) and the library's new LINAC_MMA_ACC_PAIRS (whole-block matmuls
# move their accumulators to and from tiles as 8-byte pairs).
# 1. The primitives (.carry/prim/prim_sm90a, built on the machine that made
#    the call from this commit's test/gpu/tile_primitives.cu; otherwise built here).
if [ -x .carry/prim/prim_sm90a ]; then
  .carry/prim/prim_sm90a > $OUT/prim.txt 2>&1; echo "primitives: rc $?" | tee -a $log
  grep -E "FAIL|^#" $OUT/prim.txt | head -20 | tee -a $log
  echo "$(grep -c ' ok$' $OUT/prim.txt) tests ok" | tee -a $log
else
  PRIM_BUILDS=sm90a timeout 300 scripts/gpu-check/run.sh primitives 2>&1 | tail -8 | tee -a $log
fi
# 2. pad=on against float64 on the GPU (realistic and strong gates, ragged
#    varlen, initial state), the sequence split too; racecheck.
check_examples pad=on gdn kda_safe gla deltanet linear_attention
check_run gdn "pad=on, sequence split" --seed 5 --shape B=1,T=600,H=2,HV=2,K=128,V=128 \
  --seqlens 1,0,263,336 --gates strong --config split=sequence,pad=on
racecheck pad=on B=1,T=200,H=2,HV=4,K=128,V=128 kda_safe
# 3. Timed beside the defaults (the last column: same inputs, should be 0):
#    @pad, and @nopairs (the library before LINAC_MMA_ACC_PAIRS).
rm -f "$K"/*@*.cu
for c in ${PAD_CASES:-kda_safe gdn kda gla}; do
  timeout 60 bench/variant.sh ${c}_8x4096x16 pad --config pad=on
  timeout 60 bench/variant.sh ${c}_8x4096x16 nopairs --define LINAC_MMA_ACC_PAIRS=0
done
timeout $(( ${LEFT:-560} - SECONDS )) bench/run.sh \
  --cases "^($(echo ${PAD_CASES:-kda_safe gdn kda gla} | tr ' ' '|')) 8x4096" --fla-cases '' --reps ${REPS:-5}
cp $OUT/bench.md $OUT/bench-pad.md 2>/dev/null
exit 0
fi
if [ "${S21:-0}" = 3 ]; then
# 21, third call (about 9 minutes cold, carrying .carry and .fla, CUBINS_BACK=1): where
# a step of the small-chunk state pass goes (session 20: ~5 K cycles a step
# at 32 tokens, 10x the fused kernel's), then every op alone, then S21=1's
# comparisons with FLA in what time is left.
# 1. Op profile of kda_safe in FlashKDA's shape at 32 tokens (both kernels).
#    (Ran in session 21 on an H100: op-profile.sh instruments the untagged
#    cases only, so it profiled the default config; CONFIGS' kernels, tagged
#    @..., were then timed beside every later case of step 3.)
CONFIGS='chunk=32,sub=32,wu=materialized,split=vtile,vtile=32,warps=4,pwarps=4,pblocks=2,store16=on,inputs=bf16' \
  timeout 150 bench/op-profile.sh 'kda_safe 8x4096' > $OUT/op-profile-c32.txt 2>&1
# 2. Cycles per op alone (bench/primitive_cycles.cu's command line).
nvcc -std=c++17 -O2 -gencode arch=compute_90a,code=sm_90a -Iruntime/device/cuda \
  bench/primitive_cycles.cu -o /tmp/primitive_cycles && timeout 60 /tmp/primitive_cycles \
  > $OUT/primitive-cycles.txt 2>&1
# 3. S21=1's FLA comparisons.
timeout $(( ${LEFT:-560} - SECONDS )) bench/run.sh \
  --cases '^(linear_attention|retnet|simple_gla|gla|deltanet|dplr) 8x4096' \
  --fla-cases "${FLA_CASES-.}" --reps ${REPS:-5}
cp $OUT/bench.md $OUT/bench-fla-compare.md 2>/dev/null
exit 0
fi
if [ "${S21:-0}" = 1 ]; then
# 21 (written in session 20 after its device time ran out): about 6 minutes
# warm, carrying .carry and .fla, with CUBINS_BACK=1 (bench/run.sh then
# returns linac's compiled modules as $OUT/linac-cubins-GPU.tgz: copy it
# into .carry/ for later calls); FLA on every case unless FLA_CASES says
# otherwise.
# 1. bench.py's comparison of linac's output with FLA's on the same inputs
#    for every variant FLA has (written in session 20: linear attention,
#    RetNet through simple GLA's g_gamma, simple GLA, GLA, DeltaNet, DPLR;
#    before, GDN and KDA only). Each should agree to ~1e-2 of FLA's largest
#    value as GDN's and KDA's do; O(1) means a mapping of the inputs is wrong
#    (DPLR's a and b first: FLA's naive recurrence reads with alpha and
#    writes with beta). Timed in turn as in the standing table.
timeout 400 bench/run.sh --cases '^(linear_attention|retnet|simple_gla|gla|deltanet|dplr) 8x4096' \
  --fla-cases "${FLA_CASES-.}" --reps ${REPS:-7}
cp $OUT/bench.md $OUT/bench-fla-compare.md 2>/dev/null
exit 0
fi
if [ "${S21:-0}" = 2 ]; then
# 21, second call (about 8 minutes): Nsight Compute of the defaults not
# profiled in session 20 (its call stopped after GDN and KDA; about two
# minutes a case). Its CSVs stay on the machine: a call returns 8 files.
mkdir -p /tmp/prof
OUT=/tmp/prof timeout 540 bench/profile-summary.sh '^(kda_safe|gla|linear_attention|deltanet) 8x4096' \
  > $OUT/profile.txt 2>&1
cp /tmp/prof/profile-summary.md $OUT/ 2>/dev/null
exit 0
fi
if [ "${S20:-0}" = 2 ]; then
# 20, second call (about 7 minutes warm, carrying .carry and .fla;
# FLA_CASES=gdn for FLA in turn): epilogue=on (tile-fuse-mask-epilogue,
# session 16) for GDN and DeltaNet. It was written for GDN's two decay
# masks (10.5% of its loop on the H100, session 16's op profile: a second
# pass over each 64 x 64 Gram tile and a barrier) and session 19 timed it
# on linear attention and simple GLA only, which have no decay mask.
# Against float64 (head split with GVA, the sequence split), then timed
# beside the defaults (the last column: same inputs, should be 0), then
# racecheck.
check_examples epilogue=on gdn deltanet
check_run gdn "epilogue=on, sequence split" --seed 5 --shape B=1,T=600,H=2,HV=2,K=128,V=128 \
  --seqlens 1,0,263,336 --gates strong --config split=sequence,epilogue=on
rm -f "$K"/*@*.cu
for c in gdn_8x4096x16 deltanet_8x4096x16 gdn_1x8192x16 gdn_4x16384x32 gdn_varlen_16_seqs; do
  timeout 60 bench/variant.sh $c ep --config epilogue=on
done
timeout 200 bench/run.sh --cases '(gdn|deltanet) 8x4096' --fla-cases "${FLA_CASES-}" --reps ${REPS:-7}
cp $OUT/bench.md $OUT/bench-ep-8x4096.md 2>/dev/null
timeout 200 bench/run.sh --cases 'gdn (1x|4x|varlen)' --fla-cases "${FLA_CASES-}" --reps ${REPS:-7}
cp $OUT/bench.md $OUT/bench-ep-gdn-shapes.md 2>/dev/null
racecheck epilogue=on B=1,T=200,H=2,HV=4,K=128,V=128
exit 0
fi
if [ "${S19:-0}" = 2 ]; then
# 19, second call (never ran; its primitive runs and the diagonal-per-tile
# timings moved to S20=1): the new defaults, gram=rows for GLA and DPLR,
# beside gram=tiles and FLA.
rm -f "$K"/*@*.cu
for c in gla_8x4096x16 dplr_8x4096x16; do
  timeout 90 bench/variant.sh $c tiles --config gram=tiles
done
timeout 300 bench/run.sh --cases '(gla|dplr) 8x4096' --fla-cases "${FLA_CASES-}" --reps ${REPS:-7}
exit 0
fi
if [ "${S19:-0}" = 1 ]; then
# 19 (after S18=1 and S17=4 on an H200, session 19): what those left
# unchecked, then where kda_safe's loop spends its cycles. The primitives
# on sm_90a (their "bounded gates" and "row blocks" cases), racecheck of
# kda_safe's bounded Gram and of DPLR with gram=rows (now GLA's and DPLR's
# default), kda_safe at KDA's other three shapes beside @pertile, and the
# op profile of kda_safe 8x4096x16. About 8 minutes warm.
PRIM_BUILDS=sm90a timeout 200 scripts/gpu-check/run.sh primitives 2>&1 | tail -5 | tee -a $log
racecheck "" B=1,T=200,H=2,HV=4,K=128,V=128 kda_safe
racecheck gram=rows B=1,T=200,H=2,HV=4,K=128,V=128 dplr
rm -f "$K"/*@*.cu
for c in kda_safe_1x8192x16 kda_safe_4x16384x32 kda_safe_varlen_16_seqs; do
  timeout 90 bench/variant.sh $c pertile --define LINAC_GRAM_BOUNDED=0
done
timeout 200 bench/run.sh --cases 'kda_safe (1x8192|4x16384|varlen)' --fla-cases "${FLA_CASES-}" \
  --reps ${REPS:-7}
cp $OUT/bench.md $OUT/bench-kda-safe.md 2>/dev/null
rm -f "$K"/*@*.cu
OUT_PROF=$OUT/prof; mkdir -p $OUT_PROF
OUT=$OUT_PROF timeout ${PROFILE_S:-120} bench/op-profile.sh 'kda_safe 8x4096' > $OUT/op-profile-kda-safe.txt 2>&1
head -70 $OUT/op-profile-kda-safe.txt
exit 0
fi
if [ "${S18:-0}" = 1 ]; then
# 18 (one call, device machines scarce): session 17's work in the order it
# matters, each step with its own timeout, the log in $OUT as it goes, so a
# call cut short still says what it reached.
# 1. kda_safe (the proven bound, gram_diag's bounded form) against float64
#    (ragged varlen with an empty and a one-token sequence, initial state),
#    then timed at 8x4096x16 beside the per-tile form and KDA's softplus gate.
check_run kda_safe "seed 5" --seed 5 --shape $k128 --seqlens 1,0,263,336
rm -f "$K"/*@*.cu
timeout 90 bench/variant.sh kda_safe_8x4096x16 pertile --define LINAC_GRAM_BOUNDED=0
# frag=192: no register tile left in global scratch (frag=128, the default
# for per-channel decays, leaves 64 KiB per chunk there); with the bounded
# Gram ptxas keeps the fused kernel unspilled at 192.
timeout 90 bench/variant.sh kda_safe_8x4096x16 f192 --config frag=192
timeout 90 bench/variant.sh kda_8x4096x16 f192 --config frag=192
timeout 90 bench/variant.sh kda_8x4096x16 nf192 --config norms=factor,frag=192
# norms=factor,inputs=bf16,frag=192 (session 19): bf16 input stages (four
# of the five copies asynchronous; the copies were 13% of KDA's loop) with
# nothing in global scratch (explain: 195 KiB, 55 steps); ptxas spills
# 168 (kda_safe) and 260 (kda) bytes.
timeout 90 bench/variant.sh kda_safe_8x4096x16 nbf192 --config norms=factor,inputs=bf16,frag=192
timeout 90 bench/variant.sh kda_8x4096x16 nbf192 --config norms=factor,inputs=bf16,frag=192
timeout 180 bench/run.sh --cases 'kda(_safe)? 8x4096' --fla-cases '' --reps ${REPS:-7}
cp $OUT/bench.md $OUT/bench-kda.md 2>/dev/null
# 2. The rest of kda_safe's checks: another seed, the head split with
#    H = HV = 3, the sequence split.
check_run kda_safe "seed 6" --seed 6 --shape $k128 --seqlens 1,0,263,336
check_run kda_safe "H=HV=3" --seed 4 --shape B=1,T=301,H=3,HV=3,K=128,V=128 --seqlens 101,200
check_run kda_safe "split=sequence" --seed 6 --shape B=1,T=1500,H=2,HV=2,K=128,V=128 --seqlens 700,1,799 \
  --config split=sequence,segment=4
# And step 1's fragment budgets against float64 (the bench compared them
# only with the default's outputs).
check_examples frag=192 kda_safe kda
check_examples norms=factor,frag=192 kda
check_examples norms=factor,inputs=bf16,frag=192 kda_safe kda
# 3. epilogue=on (session 16) and gram=rows (session 17) against float64 on
#    the variants whose FLA ratio is nearest 1, then timed beside their
#    defaults and FLA where carried (its tuning for these is carried).
check_examples epilogue=on simple_gla linear_attention
check_examples gram=rows gla
rm -f "$K"/*@*.cu
for c in simple_gla_8x4096x16 linear_attention_8x4096x16; do
  timeout 90 bench/variant.sh $c epi --config epilogue=on
done
timeout 90 bench/variant.sh gla_8x4096x16 rows --config gram=rows
timeout 90 bench/variant.sh gla_8x4096x16 f192 --config frag=192
timeout 200 bench/run.sh --cases '(simple_gla|linear_attention|gla) 8x4096' \
  --fla-cases "${FLA_CASES-}" --reps ${REPS:-7}
cp $OUT/bench.md $OUT/bench-plain.md 2>/dev/null
# 4. FLA's safe-gate KDA beside kda_safe (it may tune for minutes).
rm -f "$K"/*@*.cu
[ -n "${FLA_CASES-}" ] && timeout 240 bench/run.sh --cases 'kda_safe 8x4096' --fla-cases 'kda_safe 8x4096' \
  --reps ${REPS:-7}
exit 0
fi
if [ "${S17:-0}" = 4 ]; then
# 17, fourth call (written in session 17, no GPU then): gram=rows, the
# row-block form without a proven bound: each 16-row block through its
# first row, tested per 16 x 8 tile (scaled rows' exponents <= 40, columns'
# <= 75), a failing tile in the per-tile form. With non-increasing gates
# only diagonal tiles can fail: GLA's logsigmoid gates should keep every
# tile in the row-block form, KDA's softplus gates send most diagonal tiles
# to the per-tile form. Its primitives ran in S17=3's call ("row blocks").
# The per-channel variants against float64 with it (realistic and strong
# gates), racecheck, then timed beside the default. About 6 minutes warm.
check_examples gram=rows gla kda dplr gdn2
racecheck gram=rows B=1,T=200,H=2,HV=4,K=128,V=128 gla
rm -f "$K"/*@*.cu
for c in gla_8x4096x16 kda_8x4096x16 dplr_8x4096x16 gdn2_8x4096x16; do
  timeout 90 bench/variant.sh $c rows --config gram=rows
done
timeout 300 bench/run.sh --cases '(gla|kda|dplr|gdn2) 8x4096' --fla-cases "${FLA_CASES-}" \
  --reps ${REPS:-9}
exit 0
fi
if [ "${S17:-0}" = 3 ]; then
# 17, third call (written in session 17, no GPU then): KDA with the safe gate
# (examples/kda_safe.lin, FlashKDA's semantics: g = -5 sigmoid(exp(A_log)
# (a + dt_bias))). The compiler proves g >= -5 and gram_diag takes its
# bounded form (each 16-row block through its first row, diagonal
# included; no exponent tests, no fp32 fallback). The primitives (their
# "bounded gates" cases), kda_safe against float64 (ragged varlen with an
# empty and a one-token sequence, initial state; the head split, H = HV =
# 3, and the sequence split), racecheck, then timed at 8x4096x16
# beside the per-tile form (@pertile: LINAC_GRAM_BOUNDED=0) and KDA's
# softplus gate, with FLA's chunk_kda(safe_gate=True) in the
# same run where FLA is carried (FLA_CASES='kda_safe 8x4096'); S17=5 times
# the other shapes. About 7 minutes warm.
PRIM_BUILDS=sm90a timeout 200 scripts/gpu-check/run.sh primitives 2>&1 | tee -a $log
# Cycles per call in isolation (the last four rows: gram=rows and the bounded form).
timeout 90 nvcc -std=c++17 -O2 -gencode arch=compute_90a,code=sm_90a -Iruntime/device/cuda \
  bench/primitive_cycles.cu -o /tmp/primitive_cycles 2>/dev/null &&
  timeout 30 /tmp/primitive_cycles | tee -a $log
for seed in 5 6; do
  check_run kda_safe "seed $seed" --seed $seed --shape $k128 --seqlens 1,0,263,336
done
check_run kda_safe "H=HV=3" --seed 4 --shape B=1,T=301,H=3,HV=3,K=128,V=128 --seqlens 101,200
check_run kda_safe "split=sequence" --seed 6 --shape B=1,T=1500,H=2,HV=2,K=128,V=128 --seqlens 700,1,799 \
  --config split=sequence,segment=4
racecheck "" B=1,T=200,H=2,HV=4,K=128,V=128 kda_safe
rm -f "$K"/*@*.cu
timeout 90 bench/variant.sh kda_safe_8x4096x16 pertile --define LINAC_GRAM_BOUNDED=0
timeout 240 bench/run.sh --cases 'kda(_safe)? 8x4096' --fla-cases "${FLA_CASES-}" --reps ${REPS:-9}
exit 0
fi
if [ "${S17:-0}" = 5 ]; then
# 17, fifth call (after S17=3's checks): kda_safe at KDA's other three
# shapes beside the per-tile form (@pertile), FLA where carried. About 5
# minutes warm.
rm -f "$K"/*@*.cu
for c in kda_safe_1x8192x16 kda_safe_4x16384x32 kda_safe_varlen_16_seqs; do
  timeout 90 bench/variant.sh $c pertile --define LINAC_GRAM_BOUNDED=0
done
timeout 300 bench/run.sh --cases 'kda_safe (1x8192|4x16384|varlen)' --fla-cases "${FLA_CASES-}" \
  --reps ${REPS:-9}
exit 0
fi
if [ "${S17:-0}" = 2 ]; then
# 17, second call (written in session 16, not yet run): LINAC_GRAM_DIAG_LANES,
# gram_diag's split form with its 8 x 8 diagonal blocks computed with the
# channels over the lanes (each value read once, shuffle reduction: the
# piece of session 16's row-reference form that the strong-gate numbers
# favoured) instead of two pairs per lane over all channels; and KDA with
# copies=inline (its one-column beta then a held converting copy; session
# 15 had copies=inline 3% slower for KDA before that). The primitives with
# the switch (SWITCHES: the gram_diag tests against fp32 pairs), KDA and GLA
# against float64 with it (strong gates split every diagonal tile),
# racecheck, then timed. About 6 minutes warm.
SWITCHES="LINAC_GRAM_DIAG_LANES=1" PRIM_BUILDS=sm90a timeout 200 scripts/gpu-check/run.sh primitives 2>&1 | tee -a $log
export LINAC_CUDA_DEFINES="LINAC_GRAM_DIAG_LANES=1"
for ex in kda gla dplr; do
  printf "%-9s diag lanes, gates=strong " $ex | tee -a $log
  timeout 60 $L run examples/$ex.lin --target sm_90a --seed 5 --shape $k128 --seqlens 1,0,263,336 \
    --initial-state --dtype bf16 --gates strong --check 2>&1 | tail -1 | tee -a $log
done
printf "%-9s diag lanes, racecheck " kda | tee -a $log
timeout 90 compute-sanitizer --tool racecheck --error-exitcode 3 $L run examples/kda.lin --target sm_90a \
  --seed 3 --shape B=1,T=200,H=2,HV=4,K=128,V=128 --seqlens 1,0,99,100 --dtype bf16 --gates strong \
  --check > $OUT/sanitizer.txt 2>&1
echo "rc $? $(grep -E 'SUMMARY' $OUT/sanitizer.txt | tail -1)" | tee -a $log
unset LINAC_CUDA_DEFINES
rm -f "$K"/*@*.cu
for c in kda_8x4096x16 gla_8x4096x16 dplr_8x4096x16 gdn2_8x4096x16; do
  timeout 90 bench/variant.sh $c lanes --define LINAC_GRAM_DIAG_LANES=1
done
timeout 90 bench/variant.sh kda_8x4096x16 inl --config copies=inline
timeout 300 bench/run.sh --cases '(kda|gla|dplr|gdn2) 8x4096' --fla-cases "${FLA_CASES-}" \
  --reps ${REPS:-9}
exit 0
fi
if [ "${S17:-0}" = 1 ]; then
# 17 (for session 17; written in session 16 after its device time ran out):
# epilogue=on (tile-fuse-mask-epilogue): the causal or decay mask right after
# the bf16 matmul that makes its tile runs on the accumulators as they are
# stored (mma_masked), instead of a second pass over the 64 x 64 tile with
# its own barrier. In session 16's op profile GDN's two decay masks were
# 10.5% of its loop, as much as the two Gram matmuls. Checked on the cpu
# target (byte for byte epilogue=off's outputs) and compiled by ptxas, not
# yet run on a GPU: every variant it touches against float64 (strong gates,
# ragged varlen, initial state), racecheck, then timed beside the default
# (its outputs should be bit-identical: "vs default 0.0e+00"). About 5
# minutes warm (SKIP_PRIMITIVES=1 after a call that ran them).
check_examples epilogue=on gdn deltanet linear_attention retnet simple_gla
# The sequence split (maps, combine, outputs kernels) by default and with
# epilogue=on: held converting copies (session 16's default) were checked
# only in the fused kernels.
for c in split=sequence,segment=4 split=sequence,segment=4,epilogue=on; do
  printf "%-17s %-28s " gdn $c | tee -a $log
  timeout 60 $L run examples/gdn.lin --target sm_90a --seed 6 --shape B=1,T=1500,H=2,HV=2,K=128,V=128 \
    --seqlens 700,1,799 --initial-state --dtype bf16 --gates strong --config $c --check 2>&1 | tail -1 | tee -a $log
done
printf "%-17s epilogue=on H=HV=3 " gdn | tee -a $log
timeout 60 $L run examples/gdn.lin --target sm_90a --seed 4 --shape B=1,T=301,H=3,HV=3,K=128,V=128 \
  --seqlens 101,200 --initial-state --dtype bf16 --config epilogue=on --check 2>&1 | tail -1 | tee -a $log
racecheck epilogue=on B=1,T=200,H=2,HV=4,K=128,V=128
rm -f "$K"/*@*.cu
for c in gdn_8x4096x16 deltanet_8x4096x16 linear_attention_8x4096x16 retnet_8x4096x16 \
         simple_gla_8x4096x16 gdn_1x8192x16 gdn_varlen_16_seqs; do
  timeout 90 bench/variant.sh $c epi --config epilogue=on
done
timeout 300 bench/run.sh --cases '(gdn|deltanet|linear_attention|retnet|simple_gla) 8x4096|gdn (1x8192|varlen)' \
  --fla-cases "${FLA_CASES-}" --reps ${REPS:-9}
exit 0
fi
if [ "${S16:-0}" = 3 ]; then
# 16, call 4: LINAC_HELD_CONVERTS (session 16): a converting copy of at
# most one element per consumer (the one-column 16-bit inputs: gates and
# betas, synchronous converting loads today; GDN's gate column took 5.9% of
# its loop in call 1's op profile, its beta 1.9%) holds the loaded value
# in a register until the wait. Every variant with such inputs against
# float64 with it (strong gates, ragged varlen, initial state), racecheck,
# then timed beside the default (SKIP_PRIMITIVES=1). About 4 minutes.
# Run in call 4 with the switch off by default (GDN -3.7%, DeltaNet -1.7%,
# KDA and GLA level; bench/results/bench-h100.md); now the default on sm_90,
# so the checks run it as is and the variants time the previous copy (@loaded).
for ex in gdn deltanet kda gla; do
  printf "%-9s held, gates=strong " $ex | tee -a $log
  timeout 60 $L run examples/$ex.lin --target sm_90a --seed 5 --shape $k128 --seqlens 1,0,263,336 \
    --initial-state --dtype bf16 --gates strong --check 2>&1 | tail -1 | tee -a $log
done
printf "%-9s held, H=HV=3 " gdn | tee -a $log
timeout 60 $L run examples/gdn.lin --target sm_90a --seed 4 --shape B=1,T=301,H=3,HV=3,K=128,V=128 \
  --seqlens 101,200 --initial-state --dtype bf16 --check 2>&1 | tail -1 | tee -a $log
printf "%-9s held, racecheck " gdn | tee -a $log
timeout 90 compute-sanitizer --tool racecheck --error-exitcode 3 $L run examples/gdn.lin --target sm_90a \
  --seed 3 --shape B=1,T=200,H=2,HV=4,K=128,V=128 --seqlens 1,0,99,100 --dtype bf16 --check \
  > $OUT/sanitizer.txt 2>&1
echo "rc $? $(grep -E 'SUMMARY' $OUT/sanitizer.txt | tail -1)" | tee -a $log
rm -f "$K"/*@*.cu
for c in gdn_8x4096x16 deltanet_8x4096x16 kda_8x4096x16 gla_8x4096x16; do
  timeout 90 bench/variant.sh $c loaded --define LINAC_HELD_CONVERTS=0
done
timeout 240 bench/run.sh --cases '(gdn|deltanet|kda|gla) 8x4096' --fla-cases "${FLA_CASES-}" \
  --reps ${REPS:-9}
exit 0
fi
if [ "${S16:-0}" = 2 ]; then
# 16, calls 2-3 (session 16): gram_diag's row-reference form, on the branch
# exp/gram-rowref (9fafe78, where it is the library's form): the tiles left
# of each 16-row tile's diagonal block scaled once through the row tile's
# first row (exponents <= 0 whatever the gates), the diagonal 8 x 8 blocks
# in fp32 with the channels over the lanes. There (with .carry/bin/linac
# built from the branch) this block checked it: cycles in isolation, every
# per-channel-decay example against float64, racecheck, the primitives; and
# timed KDA and GLA beside the previous form (@gramold, .carry/gram-old.cuh,
# the header of cf263b3): correct, not faster (KDA +2.5%, GLA -3%;
# bench/results/bench-h100.md). On main the previous form is the library's,
# so this times the branch's header (export it first:
# git show exp/gram-rowref:runtime/device/cuda/linac_tile_cuda.cuh > .carry/gram-rowref.cuh).
timeout 90 nvcc -std=c++17 -O2 -gencode arch=compute_90a,code=sm_90a -Iruntime/device/cuda \
  bench/primitive_cycles.cu -o /tmp/primitive_cycles 2>/dev/null &&
  timeout 30 /tmp/primitive_cycles | tee -a $log
rm -f "$K"/*@*.cu
for c in ${GRAM_CASES:-kda_8x4096x16 gla_8x4096x16}; do
  timeout 90 bench/variant.sh $c rowref --library .carry/gram-rowref.cuh
done
timeout 240 bench/run.sh --cases "${GRAM_RUN:-(kda|gla) 8x4096}" --fla-cases "${FLA_CASES-(kda|gla) 8x4096}" \
  --reps ${REPS:-9}
exit 0
fi
if [ "${S16:-0}" = 1 ]; then
# 16 (for session 16; written in session 15 after its device time ran out):
# a second same-run comparison with FLA at 8x4096x16 (session 15's call 5
# had DeltaNet, RetNet and linear attention 4-7% faster than FLA, whose own
# times moved by 20-27% between two runs), copies=inline on GDN's sequence
# split (not measured), the fragment store on top of inlined copies a third
# time (-2.6% once), then op profiles of the new defaults (inlining moved
# register allocation: session 14's shares are stale). FLA's H100 tuning
# for the 8x4096x16 shapes is in .fla/fla-autotune-nvidia-h100-80gb-hbm3.tgz
# (carry .fla, PYTHONPATH=$PWD/.fla/pkg). About 7 minutes warm (PROFILE_S
# bounds each profile).
rm -f "$K"/*@*.cu
# Cycles per tile-library op in isolation, gram_diag with KDA's cumulative
# gates among them (the baseline for its next form).
nvcc -std=c++17 -O2 -gencode arch=compute_90a,code=sm_90a -Iruntime/device/cuda \
  bench/primitive_cycles.cu -o /tmp/primitive_cycles 2>/dev/null && /tmp/primitive_cycles | tee -a $log
bench/variant.sh gdn_1x8192x16 inl --config copies=inline
bench/variant.sh gdn_8x4096x16 wf --define LINAC_STORE_ROWS_WIDE_FRAG=1
if [ "${S16_TUNE:-0}" = 1 ]; then
# GDN 1x8192x16 is 2.0x the anchor's FLA time, the furthest GDN shape: the
# segment length again with today's kernels (16 chunks: 8 segments per
# head, one wave of 128 blocks; 8: two waves; 32: half a wave, less work
# done twice), and the V split (32 blocks, no maps or combine).
bench/variant.sh gdn_1x8192x16 seg8 --config segment=8
bench/variant.sh gdn_1x8192x16 seg32 --config segment=32
bench/variant.sh gdn_1x8192x16 vt64 --config split=vtile,vtile=64
# The fragment budget again, now that inlined copies moved register
# allocation (frag=160 was 4% slower with out-of-line copies).
bench/variant.sh gdn_8x4096x16 f160 --config frag=160
bench/variant.sh gdn_8x4096x16 f224 --config frag=224
fi
bench/run.sh --cases '(gdn|kda|linear_attention|retnet|simple_gla|gla|deltanet) 8x4096|gdn 1x8192' \
  --fla-cases "${FLA_CASES-(gdn|kda|linear_attention|retnet|simple_gla|gla|deltanet) 8x4096}" \
  --reps ${REPS:-9}
rm -f "$K"/*@*.cu
for c in ${PROFILES-'kda 8x4096' 'gdn 8x4096'}; do
  d=$OUT/prof-${c// /_}
  mkdir -p "$d"
  OUT=$d timeout ${PROFILE_S:-120} bench/op-profile.sh "$c" > "$d/op-profile.txt" 2>&1
  head -60 "$d/op-profile.txt"
done
exit 0
fi
if [ "${S15:-0}" = 3 ]; then
# 15 (session 15, after S15=2): copies=inline, GDN's sm_90a default in the
# head split with bf16 stages, in the kernels the chooser now emits
# (#define LINAC_INLINE_COPIES ahead of the library) against float64 and
# racecheck; then GDN's shapes beside copies=call, and the two forms left
# off on top of it (the fragment store, element-wise pairs). With
# FLA_CASES (PYTHONPATH=$PWD/.fla/pkg) FLA beside them.
check gdn split=head,inputs=bf16,copies=inline "" --shape $k128 --gates strong
check gdn split=head,inputs=bf16,copies=inline "H=HV=3 " --shape B=1,T=600,H=3,HV=3,K=128,V=128
racecheck split=head,inputs=bf16,copies=inline B=1,T=200,H=2,HV=4,K=128,V=128
rm -f "$K"/*@*.cu
for c in gdn_8x4096x16 gdn_varlen_16_seqs gdn_4x16384x32; do
  bench/variant.sh $c call --config copies=call
done
bench/variant.sh gdn_8x4096x16 wf --define LINAC_STORE_ROWS_WIDE_FRAG=1
bench/variant.sh gdn_8x4096x16 pairs --define LINAC_EW_FRAG_PAIRS=1
bench/run.sh --cases 'gdn (8x4096|4x16384|varlen)|deltanet 8x4096' \
  --fla-cases "${FLA_CASES:-}" --reps ${REPS:-9}
exit 0
fi
if [ "${S15:-0}" = 2 ]; then
# 14 (session 15, after S15=1): the wide tile store, the eight-row norms and
# the decay mask's column quads made the library's defaults. The examples
# S15=1 did not check with them (dplr, gdn2) and the defaults again against
# float64; then every 8x4096x16 case with the copies inlined (@inl: GDN 5%
# faster with the two above, KDA 3% slower with everything) and with the
# library of c4ff233 (@old: before session 14), beside today's defaults.
check gdn split=head,inputs=bf16 "" --shape $k128 --gates strong
check dplr split=head "" --shape $k128 --gates strong
check gdn2 split=head "" --shape $k128 --gates strong
rm -f "$K"/*@*.cu
[ -n "${OLD_LIBRARY:-}" ] && cp "$OLD_LIBRARY" /tmp/linac-old.cuh ||
  git show c4ff233:runtime/device/cuda/linac_tile_cuda.cuh > /tmp/linac-old.cuh
for c in gdn deltanet linear_attention kda gla retnet simple_gla; do
  bench/variant.sh ${c}_8x4096x16 inl --define LINAC_INLINE_COPIES=1
  bench/variant.sh ${c}_8x4096x16 old --library /tmp/linac-old.cuh
done
bench/variant.sh gdn_varlen_16_seqs inl --define LINAC_INLINE_COPIES=1
bench/run.sh --cases '(gdn|deltanet|linear_attention|kda|gla|retnet|simple_gla) 8x4096|gdn varlen' \
  --fla-cases "${FLA_CASES:-}" --reps ${REPS:-9}
exit 0
fi
if [ "${S15:-0}" = 1 ]; then
# 13 (session 15, after S14=2 on an H100: all three switches together made
# GDN 5% and DeltaNet 9% faster, linear attention 6% slower; alone, within
# the run's spread but for DeltaNet's tile store). The wide store split in
# two (from a tile: LINAC_STORE_ROWS_WIDE; from a fragment: _FRAG). Checks
# with the switches on (LINAC_CUDA_DEFINES) against float64 on every
# example they touch, racecheck, then the combinations timed.
sw="LINAC_STORE_ROWS_WIDE=1 LINAC_ROW_INV_NORM_ROWS=1 LINAC_DECAY_MASK_COLUMNS=1 LINAC_INLINE_COPIES=1"
export LINAC_CUDA_DEFINES="$sw"
check gdn split=head,inputs=bf16 "switches " --shape $k128 --gates strong
check deltanet split=head,inputs=bf16 "switches " --shape $k128 --gates strong
for ex in linear_attention retnet simple_gla gla kda; do
  check $ex split=head "switches " --shape $k128 --gates strong
done
check gdn split=sequence,segment=2,combine=32 "switches " --shape $k128 --gates strong
racecheck split=head,inputs=bf16 B=1,T=200,H=2,HV=4,K=128,V=128
unset LINAC_CUDA_DEFINES
rm -f "$K"/*@*.cu
d() { for x in "$@"; do printf -- "--define LINAC_%s=1 " $x; done; }
bench/variant.sh gdn_8x4096x16 nm $(d ROW_INV_NORM_ROWS DECAY_MASK_COLUMNS)
bench/variant.sh gdn_8x4096x16 nmi $(d ROW_INV_NORM_ROWS DECAY_MASK_COLUMNS INLINE_COPIES)
bench/variant.sh gdn_8x4096x16 nmf $(d ROW_INV_NORM_ROWS DECAY_MASK_COLUMNS STORE_ROWS_WIDE_FRAG)
bench/variant.sh gdn_8x4096x16 n $(d ROW_INV_NORM_ROWS)
bench/variant.sh gdn_8x4096x16 m $(d DECAY_MASK_COLUMNS)
bench/variant.sh gdn_varlen_16_seqs nmi $(d ROW_INV_NORM_ROWS DECAY_MASK_COLUMNS INLINE_COPIES)
bench/variant.sh deltanet_8x4096x16 w $(d STORE_ROWS_WIDE)
bench/variant.sh deltanet_8x4096x16 wni $(d STORE_ROWS_WIDE ROW_INV_NORM_ROWS INLINE_COPIES)
bench/variant.sh linear_attention_8x4096x16 wf $(d STORE_ROWS_WIDE_FRAG)
bench/variant.sh linear_attention_8x4096x16 i $(d INLINE_COPIES)
for c in kda_8x4096x16 gla_8x4096x16 retnet_8x4096x16 simple_gla_8x4096x16; do
  bench/variant.sh $c wnmi $(d STORE_ROWS_WIDE ROW_INV_NORM_ROWS DECAY_MASK_COLUMNS INLINE_COPIES)
done
bench/run.sh --cases '(gdn|deltanet|linear_attention|kda|gla|retnet|simple_gla) 8x4096|gdn varlen' \
  --fla-cases "${FLA_CASES:-}" --reps ${REPS:-9}
exit 0
fi
if [ "${S14:-0}" = 2 ]; then
# Session 14's library changes, off by default (written after the session's
# last GPU call): each switch on alone and all three together, beside the
# default, on GDN, DeltaNet and linear attention at 8x4096x16 and GDN's
# varlen batch (partial last chunks: the stores' row guard). Every change
# computes the same values in the same order, so each variant's outputs
# must be bit-identical to the default's (bench.py's last column, "vs
# default: o 0.0e+00, ht 0.0e+00"); then S14=1 (with the switches made the
# default) checks against float64. Also the copies inlined and element-wise
# ops on fragments by column pairs. About 3 minutes on a warm machine.
# (Since session 15 the tile store, the norms and the masks are the
# library's defaults and the fragment store is LINAC_STORE_ROWS_WIDE_FRAG:
# @norms and @masks are then the default, @wide the fragment store alone.)
# Today's 8x4096x16 default form (head split, bf16 stages) against float64
# first: never checked so on a GPU (session 14's correction).
check gdn split=head,inputs=bf16 "" --shape $k128 --gates strong
check deltanet split=head,inputs=bf16 "" --shape $k128 --gates strong
rm -f "$K"/*@*.cu
all="--define LINAC_STORE_ROWS_WIDE=1 --define LINAC_STORE_ROWS_WIDE_FRAG=1 --define LINAC_ROW_INV_NORM_ROWS=1 --define LINAC_DECAY_MASK_COLUMNS=1"
for c in gdn_8x4096x16 deltanet_8x4096x16 linear_attention_8x4096x16 gdn_varlen_16_seqs; do
  bench/variant.sh $c all $all
done
bench/variant.sh gdn_8x4096x16 wide --define LINAC_STORE_ROWS_WIDE_FRAG=1
bench/variant.sh gdn_8x4096x16 norms --define LINAC_ROW_INV_NORM_ROWS=1
bench/variant.sh gdn_8x4096x16 masks --define LINAC_DECAY_MASK_COLUMNS=1
bench/variant.sh gdn_8x4096x16 inl --define LINAC_INLINE_COPIES=1
bench/variant.sh gdn_8x4096x16 pairs --define LINAC_EW_FRAG_PAIRS=1
bench/variant.sh linear_attention_8x4096x16 pairs --define LINAC_EW_FRAG_PAIRS=1
bench/run.sh --cases '(gdn|deltanet|linear_attention) 8x4096|gdn varlen' --fla-cases "${FLA_CASES:-}" --reps 7
exit 0
fi
if [ "${S14:-0}" = 1 ]; then
# 12 (session 14, from the H200 op profiles of GDN, DeltaNet, KDA and linear
# attention; for when the switches below are made the default, after S14=2):
# library changes, each with a switch to time the old form: bf16 output rows by 16-byte stores (LINAC_STORE_ROWS_WIDE:
# store_rows was 6-12% of the chunk loop), inverse row norms eight rows at a
# time per warp (LINAC_ROW_INV_NORM_ROWS, GDN: 9%), the decay mask by
# column quads (LINAC_DECAY_MASK_COLUMNS, GDN: 10.5%); off by default: the
# copies inlined (LINAC_INLINE_COPIES: issuing the five input copies was
# 12-15%). Checks first (ragged varlen, initial state, strong gates, bf16:
# store_rows' row guard on a partial last chunk), then every changed form
# timed beside this commit's library (@new = default) and the last
# commit's (@old, bench/variant.sh --library).
# (The 8x4096x16 defaults' forms: the head split, whole V per block.)
check gdn split=head,inputs=bf16 "" --shape $k128 --gates strong
check deltanet split=head,inputs=bf16 "" --shape $k128 --gates strong
check linear_attention split=head,prefetch=on "" --shape $k128 --gates strong
check kda split=head "" --shape $k128 --gates strong
check gla split=head "" --shape $k128 --gates strong
check gdn split=sequence,segment=2,combine=32 "" --shape $k128 --gates strong
racecheck split=head,inputs=bf16 B=1,T=200,H=2,HV=4,K=128,V=128
rm -f "$K"/*@*.cu
# OLD_LIBRARY: the earlier library header (a device machine's copy of the
# checkout has no git history: `git show c4ff233:runtime/device/cuda/linac_tile_cuda.cuh`
# into a carried folder).
[ -n "${OLD_LIBRARY:-}" ] && cp "$OLD_LIBRARY" /tmp/linac-old.cuh ||
  git show c4ff233:runtime/device/cuda/linac_tile_cuda.cuh > /tmp/linac-old.cuh
for c in gdn_8x4096x16 deltanet_8x4096x16 linear_attention_8x4096x16 kda_8x4096x16; do
  bench/variant.sh $c old --library /tmp/linac-old.cuh
  bench/variant.sh $c inl --define LINAC_INLINE_COPIES=1
done
bench/run.sh --cases '(gdn|deltanet|linear_attention|kda) 8x4096' --fla-cases "${FLA_CASES:-}" --reps 7
exit 0
fi
if [ "${S13:-0}" = 2 ]; then
# 11 (session 13, with inputs=bf16 GDN's and DeltaNet's default for bf16
# callers): fewer fragments (frag=160: GDN's ptxas spills 32/76 -> 0/0
# bytes, shared memory 114 -> 146 KiB) and fused element-wise steps
# (fuse=on: GDN 53 -> 43 steps per chunk), alone and together; checks
# first (check passes --dtype bf16: the new default under them).
# (At this shape the default config splits V, where inputs=bf16 is not
# taken: session 14 found these checks had run that form. The head split
# named, as at 8x4096x16.)
for ex in gdn deltanet; do
  check $ex split=head,inputs=bf16,fuse=on,frag=160 "" --shape $k128 --gates strong
done
racecheck split=head,inputs=bf16,fuse=on,frag=160 B=1,T=200,H=2,HV=4,K=128,V=128
# The new defaults themselves against float64 (never checked so on a GPU:
# session 13 timed them bit-identical to the fp32-stage kernels): GDN's and
# DeltaNet's fused kernel, GDN's sequence split.
for ex in gdn deltanet; do
  check $ex split=head,inputs=bf16 "" --shape $k128 --gates strong
done
check gdn split=sequence,segment=2,combine=32 "" --shape $k128 --gates strong
racecheck split=head,inputs=bf16 B=1,T=200,H=2,HV=4,K=128,V=128
# Only this call's kernels (a warm machine keeps the last call's).
rm -f "$K"/*@*.cu
for c in gdn_8x4096x16 deltanet_8x4096x16; do
  bench/variant.sh $c f160 --config frag=160
  bench/variant.sh $c fuf160 --config fuse=on,frag=160
done
bench/variant.sh gdn_8x4096x16 fu --config fuse=on
bench/run.sh --cases '(gdn|deltanet) 8x4096' --fla-cases "${FLA_CASES:-}" --reps 7
exit 0
fi
if [ "${S13:-0}" = 1 ]; then
# 10 (session 13): the sequence split as placed since session 12 (the
# 1x8192x16 defaults, never run on a GPU before) against float64 and
# racecheck; inputs=bf16 (faster for GDN, DeltaNet and RetNet at 8x4096x16
# in session 13's first call) on the other GDN shapes; one profile.
for ex in gdn deltanet kda gla; do
  check $ex split=sequence,segment=2 "" --shape $k128 --gates strong
done
check kda split=sequence,segment=2,wu=materialized "" --shape $k128 --gates strong
racecheck split=sequence,segment=2 B=1,T=200,H=2,HV=4,K=128,V=128
for c in gdn_8x4096x16 gdn_varlen_16_seqs gdn_4x16384x32 gdn_1x8192x16 deltanet_8x4096x16 \
         retnet_8x4096x16; do
  bench/variant.sh $c i16 --config inputs=bf16
done
bench/run.sh --cases 'gdn|(deltanet|retnet) 8x4096' --fla-cases "${FLA_CASES:-}" --reps 7
timeout ${PROFILE_S:-120} bench/profile-summary.sh 'gdn 8x4096'
exit 0
fi
if [ "${S12:-0}" = 1 ]; then
# 9a: bf16 input stages (one or two) in the fused kernel; blocks=2 with the
# V split.
b2=split=vtile,vtile=64,inputs=bf16,blocks=2
for ex in gdn deltanet linear_attention; do
  check $ex inputs=bf16,stages=2 "" --shape $k128 --gates strong
done
for ex in gdn kda deltanet linear_attention; do
  check $ex $b2 "" --shape $k128 --gates strong
  check $ex $b2,warps=4 "" --shape $k128 --gates strong
done
racecheck inputs=bf16,stages=2 B=1,T=200,H=2,HV=4,K=128,V=128
racecheck $b2 B=1,T=200,H=2,HV=4,K=128,V=128
racecheck $b2,warps=4 B=1,T=200,H=2,HV=4,K=128,V=128
for c in gdn_8x4096x16 deltanet_8x4096x16 linear_attention_8x4096x16 retnet_8x4096x16 \
         simple_gla_8x4096x16; do
  bench/variant.sh $c i16 --config inputs=bf16
  bench/variant.sh $c i16s2 --config inputs=bf16,stages=2
  bench/variant.sh $c b2 --config $b2
  bench/variant.sh $c b2w4 --config $b2,warps=4
done
bench/variant.sh gdn_8x4096x16 p --config push=state
bench/variant.sh gdn_varlen_16_seqs i16s2 --config inputs=bf16,stages=2
bench/variant.sh gdn_varlen_16_seqs b2w4 --config $b2,warps=4
bench/run.sh --cases '(gdn|deltanet|linear_attention|retnet|simple_gla) 8x4096|gdn varlen' \
  --fla-cases "${FLA_CASES:-}" --reps 7
exit 0
fi
if [ "${S12:-0}" = 2 ]; then
mkdir -p "$K"
# 9b: the sequence split with the map [I | 0] as one identity op and the
# segments' start states loaded by load_tile, both into fragments now.
for ex in gdn deltanet kda gla; do
  check $ex split=sequence,segment=2 "" --shape $k128 --gates strong
done
check kda split=sequence,segment=2,wu=materialized "" --shape $k128 --gates strong
# Their kernels as placed before (sources emitted by earlier binaries and
# carried: LINAC=old KERNELS=.carry/kernels bench/variant.sh CASE TAG):
# gdn_1x8192x16@viewmap (b95505c: the map, 128 KiB, in global scratch; the
# start state in shared memory), gdn_1x8192x16@mapsonly (3966c69: the map
# a fragment, the start state in shared memory), kda_1x8192x16@viewout
# (3966c69: the outputs kernel's start state, 64 KiB, in global scratch).
if ls .carry/kernels/*@*.cu > /dev/null 2>&1; then
  cp .carry/kernels/*@*.cu "$K"/ || echo "copying .carry/kernels/*.cu to $K failed" | tee -a $log
else
  echo "no .carry/kernels/*.cu carried: only the new placements are timed" | tee -a $log
fi
bench/run.sh --cases '1x8192' --fla-cases "${FLA_CASES:-}" --reps 7
exit 0
fi
if [ "${SCALES_ONLY:-0}" = 1 ]; then
# 8: scales=factor (session 11): y = v * beta never made; U = (T diag(beta)) v
# reads v's stage. Against float64 and racecheck, then timed beside the
# defaults (GDN's default has norms=factor since session 11).
# And push=state: the state products take the row scalings on their results.
for ex in gdn kda deltanet dplr; do
  check $ex scales=factor "" --shape $k128 --gates strong
  check $ex norms=factor,scales=factor,push=state "" --shape $k128 --gates strong
done
racecheck scales=factor B=1,T=200,H=2,HV=4,K=128,V=128
for c in gdn_8x4096x16 gdn_1x8192x16 gdn_varlen_16_seqs kda_8x4096x16 deltanet_8x4096x16; do
  bench/variant.sh $c s --config scales=factor
done
bench/variant.sh gdn_8x4096x16 p --config push=state  # GDN's default has norms=factor
bench/variant.sh gdn_8x4096x16 sp --config scales=factor,push=state
bench/variant.sh kda_8x4096x16 nf --config norms=factor
bench/variant.sh deltanet_8x4096x16 nf --config norms=factor
bench/variant.sh kda_8x4096x16 nfs --config norms=factor,scales=factor
bench/variant.sh deltanet_8x4096x16 nfs --config norms=factor,scales=factor
bench/run.sh --cases '(gdn|kda|deltanet) 8x4096|gdn 1x8192|gdn varlen' --fla-cases "${FLA_CASES:-}" --reps 7
exit 0
fi
if [ "${NORMS_ONLY:-0}" = 1 ]; then
# 7: norms=factor, in the fused default and in the FLA-shaped form.
mat=wu=materialized,store16=on,outputs=parallel
for ex in gdn kda deltanet dplr gdn2; do
  for c in norms=factor $mat,inputs=bf16,pwarps=4,pblocks=2,norms=factor; do
    check $ex $c "" --shape $k128 --gates strong
  done
done
for c in norms=factor $mat,inputs=bf16,pwarps=4,pblocks=2,norms=factor; do
  racecheck $c B=1,T=200,H=2,HV=4,K=128,V=128
done
for c in gdn kda deltanet; do
  bench/variant.sh ${c}_8x4096x16 nt --config norms=tile
  bench/variant.sh ${c}_8x4096x16 nf --config norms=factor
  bench/variant.sh ${c}_8x4096x16 mat16oip --config $mat,inputs=bf16,pwarps=4,pblocks=2,norms=tile
  bench/variant.sh ${c}_8x4096x16 mat16oipnf --config $mat,inputs=bf16,pwarps=4,pblocks=2,norms=factor
  bench/variant.sh ${c}_8x4096x16 mat16oipnff --config $mat,inputs=bf16,pwarps=4,pblocks=2,norms=factor,fuse=on
  bench/variant.sh ${c}_8x4096x16 mat16oivp4nf --config $mat,inputs=bf16,split=vtile,vtile=64,pwarps=4,pblocks=2,norms=factor
done
bench/variant.sh gdn_1x8192x16 mat16oiv64 --config $mat,inputs=bf16,split=vtile,vtile=64,norms=tile
bench/variant.sh gdn_1x8192x16 mat16oiv64nf --config $mat,inputs=bf16,split=vtile,vtile=64,norms=factor
bench/run.sh --cases '(gdn|kda|deltanet) 8x4096|gdn 1x8192' --fla-cases "${FLA_CASES:-}" --reps 7
exit 0
fi
if [ "${S8:-0}" = 1 ]; then
for ex in gdn kda deltanet dplr; do
  for c in wu=materialized,store16=on wu=materialized,store16=on,stages=2; do
    check $ex $c "" --shape $k128 --gates strong
  done
done
for ex in gdn linear_attention deltanet; do
  for c in ahead=on ahead=on,store16=on; do
    check $ex $c "K=V=64 " --shape B=1,T=600,H=2,HV=4,K=64,V=64
  done
done
check gdn ahead=on "K=V=128 " --shape $k128
for c in wu=materialized,store16=on,stages=2 ahead=on,store16=on; do
  racecheck $c,split=head B=1,T=200,H=2,HV=4,K=64,V=64
done
for ex in gdn kda deltanet; do
  check $ex wu=materialized,store16=on,outputs=parallel "" --shape $k128 --gates strong
done
for c in gdn kda deltanet; do
  bench/variant.sh ${c}_8x4096x16 mat --config wu=materialized
  bench/variant.sh ${c}_8x4096x16 mat16 --config wu=materialized,store16=on
  bench/variant.sh ${c}_8x4096x16 mat16s2 --config wu=materialized,store16=on,stages=2
  bench/variant.sh ${c}_8x4096x16 mat16o --config wu=materialized,store16=on,outputs=parallel
  bench/variant.sh ${c}_8x4096x16 mat16os2 --config wu=materialized,store16=on,outputs=parallel,stages=2
done
bench/variant.sh gdn_8x4096x16 ahead --config ahead=on
bench/variant.sh gdn_8x4096x16 c32 --config chunk=32
fi
# 6: bf16 input stages, and the chunk-parallel kernels sized for two blocks.
mat=wu=materialized,store16=on,outputs=parallel
for ex in gdn kda deltanet dplr; do
  for c in inputs=bf16 $mat $mat,inputs=bf16,pwarps=4,pblocks=2 \
      $mat,inputs=bf16,split=vtile,vtile=64,pblocks=2; do
    check $ex $c "" --shape $k128 --gates strong
  done
done
for c in inputs=bf16 $mat,inputs=bf16,pwarps=4,pblocks=2; do
  racecheck $c B=1,T=200,H=2,HV=4,K=128,V=128
done
for c in gdn kda; do
  bench/variant.sh ${c}_8x4096x16 in16 --config inputs=bf16
  [ "${S8:-0}" = 1 ] || bench/variant.sh ${c}_8x4096x16 mat16o --config $mat
  bench/variant.sh ${c}_8x4096x16 mat16oi --config $mat,inputs=bf16
  bench/variant.sh ${c}_8x4096x16 mat16oip --config $mat,inputs=bf16,pwarps=4,pblocks=2
  bench/variant.sh ${c}_8x4096x16 mat16ov --config $mat,split=vtile,vtile=64
  bench/variant.sh ${c}_8x4096x16 mat16oivp4 --config $mat,inputs=bf16,split=vtile,vtile=64,pwarps=4,pblocks=2
  bench/variant.sh ${c}_8x4096x16 mat16oivp8 --config $mat,inputs=bf16,split=vtile,vtile=64,pblocks=2
done
# One sequence of 8192 tokens at 16 heads (the default is the sequence
# split): the chunk-parallel kernels have 2048 blocks, the state pass 16
# (seq, head) pairs times its V tiles.
for v in 64 32; do
  bench/variant.sh gdn_1x8192x16 mat16oiv$v --config $mat,inputs=bf16,split=vtile,vtile=$v
done
# NEW_ONLY=1: only 6 (with the primitives' build, about 7 minutes; S8=1: 4 and 5 as well);
# otherwise 2 and 3 as well, which may take the call near its 10 minutes.
if [ "${NEW_ONLY:-0}" != 1 ]; then
for ex in linear_attention retnet simple_gla gdn; do
  printf "%-17s take=fragment " $ex | tee -a $log
  $L run examples/$ex.lin --target sm_90a --seed 5 --shape B=1,T=600,H=32,HV=32,K=128,V=128 \
    --seqlens 1,0,263,336 --initial-state --dtype bf16 --gates strong \
    --config prefetch=on,take=fragment --check 2>&1 | tail -1 | tee -a $log
done
printf "%-17s take=fragment racecheck " linear_attention | tee -a $log
compute-sanitizer --tool racecheck --error-exitcode 3 $L run examples/linear_attention.lin --target sm_90a \
  --seed 3 --shape B=1,T=200,H=32,HV=32,K=128,V=128 --seqlens 1,0,99,100 --config take=fragment \
  --dtype bf16 --check > $OUT/sanitizer.txt 2>&1
echo "rc $? $(grep -E 'SUMMARY' $OUT/sanitizer.txt | tail -1)" | tee -a $log
for c in linear_attention retnet simple_gla; do
  bench/variant.sh ${c}_8x4096x16 takefrag --config take=fragment
done
bench/variant.sh gdn_8x4096x16 takefrag --config prefetch=on,take=fragment
for c in deltanet gdn gla; do
  bench/variant.sh ${c}_8x4096x16 prefetch --config prefetch=on
done
bench/variant.sh gdn_varlen_16_seqs prefetch --config prefetch=on
for c in linear_attention retnet simple_gla; do
  bench/variant.sh ${c}_8x4096x16 nopf --config prefetch=off
  bench/variant.sh ${c}_8x4096x16 bulk --define LINAC_BULK_LANDING=1
done
# The source-rewrite prototype of the loads one chunk ahead, on the kernel
# without them, with its helpers inlined: still faster than the compiled
# form in session 7 (linear attention 0.558 against 0.655 ms).
bench/variant.sh linear_attention_8x4096x16 proto --config prefetch=off
python3 bench/prefetch_landing.py $K/linear_attention_8x4096x16@proto.cu $K/linear_attention_8x4096x16@proto.cu
sed -i 's/__device__ __noinline__ \(void\|Token\)/__device__ __forceinline__ \1/' $K/linear_attention_8x4096x16@proto.cu
fi
# FLA_CASES='8x4096' times FLA in the same run (PYTHONPATH with FLA, .fla carried).
cases='8x4096|gdn varlen'
[ "${NEW_ONLY:-0}" = 1 ] && cases='(gdn|kda|deltanet) 8x4096|gdn 1x8192'
bench/run.sh --cases "$cases" --fla-cases "${FLA_CASES:-}" --reps 7
# PROFILE=1: where GDN's chunk loop spends its cycles with its inputs a
# chunk ahead and v taken into its fragment.
if [ "${PROFILE:-0}" = 1 ]; then
  CONFIGS='prefetch=on,take=fragment' bench/op-profile.sh 'gdn 8x4096' > $OUT/op-profile-prefetch.txt 2>&1
fi
