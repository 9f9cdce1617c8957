#!/usr/bin/env bash
# Candidates built and checked on the cpu target, not yet run on a GPU in
# their compiled form, in one device call (about 6 minutes on a fresh H200
# machine), carrying .carry (.carry/bin/linac from
# scripts/gpu-check/build-static-linac.sh):
#   bench/candidates.sh
# 1. prefetch=on (tile-prefetch-inputs): q, k, v one chunk ahead through
#    landing buffers. Its source-rewrite prototype (bench/prefetch_landing.py)
#    was bit-identical to the defaults and took linear attention 0.742 ->
#    0.560 ms, RetNet 0.949 -> 0.779, simple GLA 0.999 -> 0.876, DeltaNet
#    -3%, GDN +2.4% (H200, 2026-12-04; bench/results/bench-h200.md). First
#    every example with it against float64 on the GPU (`linac run --target
#    sm_90a --check`, ragged varlen batch, initial state, strong gates), then
#    each case with it beside its default (bench/variant.sh; the last column
#    compares outputs on the same inputs), calls interleaved (bench/run.sh).
# A candidate becomes a default where it is faster on every case it touches
# by more than the spread between variants of one run (~3%) and its checks
# pass; the chooser can take it per variant.
# Output: $OUT/candidates.txt, $OUT/bench.md.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp}
log=$OUT/candidates.txt
L=.carry/bin/linac
[ -x $L ] || { [ -f $L.xz ] && xz -dk $L.xz && chmod +x $L; }
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
for c in linear_attention retnet simple_gla deltanet gdn gla; do
  bench/variant.sh ${c}_8x4096x16 prefetch --config prefetch=on
done
bench/variant.sh gdn_varlen_16_seqs prefetch --config prefetch=on
# GDN's kernel is at 255 registers, and the inlined prefetch spilled more
# there (312 -> 416 bytes): with fewer registers for fragments it may pay.
bench/variant.sh gdn_8x4096x16 prefetch160 --config prefetch=on,frag=160
bench/variant.sh gdn_8x4096x16 prefetch128 --config prefetch=on,frag=128
bench/run.sh --cases '8x4096|gdn varlen' --fla-cases '' --reps 7
# Where GDN's chunk loop spends its cycles with the inputs a chunk ahead
# (its prototype did not gain: docs/performance.md says what would tell).
CONFIGS='prefetch=on' bench/op-profile.sh 'gdn 8x4096' > $OUT/op-profile-prefetch.txt 2>&1
