#!/usr/bin/env bash
# The candidate library switches and configs (built and checked on the cpu
# and with ptxas, not yet timed), each timed beside the default in one run,
# in one device call (about 7 minutes on a fresh H200 machine):
#   bench/candidates.sh
# On the GPU machine, carrying .carry (.carry/bin/linac from
# scripts/gpu-check/build-static-linac.sh). First the tile primitives with
# every candidate switch on (scripts/gpu-check/run.sh primitives, SWITCHES:
# sm_90a cubin and compute_80 PTX, each against the host model), then each
# case's variants (bench/variant.sh, labelled [@TAG]) beside its default,
# calls interleaved (bench/run.sh). Output: $OUT/gpu-check.txt, $OUT/bench.md.
# A candidate becomes a default only where it is faster on every case it
# touches by more than the spread between variants of one run (~3%), and its
# kernels then pass `linac run --check` against float64 (the next call).
set -euo pipefail
cd "$(dirname "$0")/.."
# LINAC_GRAM_BLOCK_REGS: gram_diag's split form writes its outputs by
#   constant indices (a run-time index put the accumulators in local memory).
# LINAC_FAST_GATE_FUNCS: sigmoid, log-sigmoid, softplus, SiLU by __expf and
#   __logf (KDA's softplus was 5.4% of its instructions, IEEE expf + log1pf).
switches="LINAC_GRAM_BLOCK_REGS=1 LINAC_FAST_GATE_FUNCS=1"
SWITCHES="$switches" scripts/gpu-check/run.sh primitives
# frag=128: fewer registers for fragments, fewer spills in the per-channel
#   delta rules (ptxas: DPLR 296 -> 164 bytes of spill stores); one run of
#   2026-12-04 had KDA -3% and DPLR -5%, within the spread.
for c in kda gla dplr gdn2; do
  bench/variant.sh ${c}_8x4096x16 regs --define LINAC_GRAM_BLOCK_REGS=1
done
for c in kda gdn deltanet gdn2; do
  bench/variant.sh ${c}_8x4096x16 fastgate --define LINAC_FAST_GATE_FUNCS=1
done
for c in kda dplr gdn2; do
  bench/variant.sh ${c}_8x4096x16 frag128 --config frag=128
done
bench/run.sh --cases 'kda 8x4096|^gla 8x4096|dplr|gdn2|^gdn 8x4096|deltanet' --fla-cases '' --reps 7
