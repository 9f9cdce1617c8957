#!/usr/bin/env bash
# Emits the spike's CUDA kernels and their inputs with the CPU-side linac,
# into .carry/spike/<case>/{kernel.cu,dump/} (git-ignored; carried to the
# GPU machine by the device tool). Usage: scripts/gpu-spike/prepare.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
L=build/tools/linac/linac
rm -rf .carry/spike && mkdir -p .carry/spike
case_() { # name example shape K,V config [run flags...]
  local name=$1 ex=$2 shape=$3 kv=$4 cfg=$5; shift 5
  local d=.carry/spike/$name
  mkdir -p $d
  # kernel.cu: fp32 mma operands (SIMT products, checked to 1e-5);
  # kernel_tc.cu: the GPU default, bf16 operands on the tensor cores,
  # checked to the cpu target's bound for the same config (limits: 3x the
  # error of a plain implementation rounding the same operands).
  $L compile examples/$ex.lin --emit cuda --shape "$kv" --config "$cfg,mma=f32" -o $d/kernel.cu
  $L compile examples/$ex.lin --emit cuda --shape "$kv" --config "$cfg" -o $d/kernel_tc.cu
  # kernel_roles.cu: the same with warp roles (a producer warp copies);
  # kernel_w4.cu: one consumer warpgroup instead of the default two.
  $L compile examples/$ex.lin --emit cuda --shape "$kv" --config "$cfg,roles=on" -o $d/kernel_roles.cu
  $L compile examples/$ex.lin --emit cuda --shape "$kv" --config "$cfg,warps=4" -o $d/kernel_w4.cu
  grep -q "mma=bf16" $d/kernel_tc.cu || { echo "$name: the GPU default is not bf16"; exit 1; }
  $L run examples/$ex.lin --target reference --shape "$shape" --seed 7 "$@" --dump $d/dump > /dev/null
  $L run examples/$ex.lin --target cpu --shape "$shape" --seed 7 "$@" --config "$cfg,mma=bf16" --check \
    | sed -n 's/.*(limit \([^,]*\), \([^)]*\)): ok/\1 \2/p' > $d/limits
  [ -s $d/limits ] || { echo "$name: no bf16 bound from the cpu check"; exit 1; }
}
# The GDN forward at full head size, as issue 3 asks, GVA and an initial state.
case_ gdn_k128 gdn B=2,T=300,H=2,HV=4,K=128,V=128 K=128,V=128 chunk=64 --initial-state
# Varlen (lengths 1, 0, 200, 99) with the state pass split by V tiles.
case_ gdn_varlen_vtile gdn B=1,T=300,H=2,HV=2,K=128,V=128 K=128,V=128 chunk=64,split=vtile,vtile=64 --seqlens 1,0,200,99 --initial-state
# Per-channel decay with strong gates (the safe Gram sub-blocks), and DPLR
# with W/U materialised by a second kernel.
case_ kda_strong kda B=2,T=257,H=1,HV=2,K=64,V=64 K=64,V=64 chunk=64 --gates strong --initial-state
case_ dplr_materialized dplr B=1,T=200,H=1,HV=2,K=64,V=64 K=64,V=64 chunk=32,wu=materialized --seqlens 120,80 --initial-state
# The sequence split (segment maps, combine, segment outputs) for an erase
# variant (K x (K+V) maps) and a decay-only one (diagonal maps).
case_ kda_sequence kda B=1,T=1000,H=2,HV=2,K=64,V=64 K=64,V=64 chunk=64,split=sequence,segment=4 --initial-state
case_ gla_sequence gla B=1,T=700,H=1,HV=2,K=64,V=32 K=64,V=32 chunk=32,split=sequence,segment=3 --seqlens 300,0,400 --initial-state
# Every example at a small size with its default config.
for ex in linear_attention retnet simple_gla gla deltanet gdn kda dplr gdn2; do
  case_ small_$ex $ex B=2,T=100,H=1,HV=2,K=32,V=16 K=32,V=16 chunk=32 --initial-state
done
du -sh .carry/spike
