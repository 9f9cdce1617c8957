#!/usr/bin/env bash
# On the GPU machine (device tool, carry .carry): `linac run --target sm_90a
# --check` for every example under each config of $CONFIGS (';'-separated
# --config values over the shape's default; default: the default alone),
# over ragged, varlen, GVA, initial-state, strong-gate and bf16/f16-input
# cases at head dimensions 64 and 128, against the float64 reference.
#   [EXAMPLES="gdn kda"] CONFIGS='frag=128;frag=192' scripts/gpu-check/configs.sh
# Output: $OUT/gpu-configs.txt; exit 1 if any case fails.
set -uo pipefail
cd "$(dirname "$0")/../.."
. scripts/gpu-check/driver-env.sh
driver_env configs "configs [${CONFIGS:-default}]"
status=0
IFS=';' read -ra configs <<< "${CONFIGS:-}"
[ ${#configs[@]} -eq 0 ] && configs=("")
run() { # config example shape flags...
  local cfg=$1 ex=$2 shape=$3; shift 3
  printf "%-14s %-17s %-30s %-34s " "${cfg:-default}" "$ex" "$shape" "$*" | tee -a "$out"
  if $L run examples/$ex.lin --target sm_90a --shape $shape --seed 5 --check ${cfg:+--config "$cfg"} \
      "$@" > /tmp/gpu-configs.log 2>&1; then
    sed -n 's/^check against the float64 reference: //p' /tmp/gpu-configs.log | tee -a "$out"
  else
    status=1; echo "FAIL" | tee -a "$out"; tail -4 /tmp/gpu-configs.log | tee -a "$out"
  fi
}
for cfg in "${configs[@]}"; do
  for ex in ${EXAMPLES:-linear_attention retnet simple_gla gla deltanet gdn kda dplr gdn2}; do
    run "$cfg" $ex B=2,T=300,H=2,HV=4,K=128,V=128 --initial-state --dtype bf16
    run "$cfg" $ex B=1,T=400,H=2,HV=2,K=64,V=64 --seqlens 1,0,199,200 --dtype f16
  done
  run "$cfg" gdn B=1,T=200,H=1,HV=2,K=128,V=128 --gates strong --initial-state
  # Per-channel gates: the Gram sub-blocks' reference points under strong decay.
  run "$cfg" kda B=1,T=200,H=1,HV=2,K=128,V=128 --gates strong --initial-state
  run "$cfg" gla B=1,T=200,H=1,K=128,V=128 --gates strong
  run "$cfg" kda B=1,T=1,H=1,K=128,V=128 --initial-state
done
exit $status
