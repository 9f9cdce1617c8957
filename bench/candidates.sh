#!/usr/bin/env bash
# The library switches and configs chosen by measurement in session 6
# (2026-12-04), each timed beside its previous form in one run, in one device
# call (about 5 minutes on a fresh H200 machine), to recheck the choice on
# another GPU:
#   bench/candidates.sh
# On the GPU machine, carrying .carry (.carry/bin/linac from
# scripts/gpu-check/build-static-linac.sh). First the tile primitives with
# the previous forms (scripts/gpu-check/run.sh primitives, SWITCHES: sm_90a
# cubin and compute_80 PTX, each against the host model), then each case's
# previous form (bench/variant.sh, labelled [@TAG]) beside the default, calls
# interleaved (bench/run.sh). Output: $OUT/gpu-check.txt, $OUT/bench.md.
# A default stands where it is no slower than its previous form on any case
# it touches, beyond the spread between variants of one run (~3%).
set -euo pipefail
cd "$(dirname "$0")/.."
# LINAC_GRAM_BLOCK_REGS=0: gram_diag's split form writes its outputs by a
#   run-time index (its accumulators then live in local memory).
# LINAC_FAST_GATE_FUNCS=0: sigmoid, log-sigmoid, softplus, SiLU by expf and
#   log1pf instead of __expf and __logf.
switches="LINAC_GRAM_BLOCK_REGS=0 LINAC_FAST_GATE_FUNCS=0"
SWITCHES="$switches" scripts/gpu-check/run.sh primitives
for c in kda gla dplr gdn2; do
  bench/variant.sh ${c}_8x4096x16 noregs --define LINAC_GRAM_BLOCK_REGS=0
done
for c in kda gdn deltanet gdn2; do
  bench/variant.sh ${c}_8x4096x16 ieeegate --define LINAC_FAST_GATE_FUNCS=0
done
# frag=192: the budget of the scalar-decay variants, for the per-channel ones
#   (whose default is 128).
for c in kda gla dplr gdn2; do
  bench/variant.sh ${c}_8x4096x16 frag192 --config frag=192
done
bench/run.sh --cases 'kda 8x4096|^gla 8x4096|dplr|gdn2|^gdn 8x4096|deltanet' --fla-cases '' --reps 7
