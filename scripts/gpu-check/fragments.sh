#!/usr/bin/env bash
# On the GPU machine (device tool, carry .carry): the kernels that keep
# register tiles in registers (chunk=64, frag=192: the sm_90a default for
# long sequences) under compute-sanitizer memcheck and racecheck, on a
# varlen batch with a one-token sequence, GVA and an initial state, each run
# also checked against the float64 reference (`linac run --check`).
#   [EXAMPLES="gdn kda"] [TOOLS="memcheck racecheck"] scripts/gpu-check/fragments.sh
# Output: $OUT/gpu-fragments.txt; exit 1 if any run fails or reports errors.
set -uo pipefail
cd "$(dirname "$0")/../.."
. scripts/gpu-check/driver-env.sh
driver_env fragments "fragments"
status=0
for ex in ${EXAMPLES:-gdn kda}; do
  for tool in ${TOOLS:-memcheck racecheck}; do
    printf "%-6s %-10s " "$ex" "$tool" | tee -a "$out"
    compute-sanitizer --tool "$tool" --error-exitcode 3 --print-limit 5 \
      $L run examples/$ex.lin --target sm_90a --seed 3 --shape B=1,T=150,H=1,HV=2,K=128,V=128 \
      --config chunk=64,frag=192 --seqlens 1,149 --initial-state --dtype bf16 --check \
      > /tmp/gpu-fragments.log 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then
      echo "$(sed -n 's/^check against the float64 reference: //p' /tmp/gpu-fragments.log);" \
        "$(grep -m1 'ERROR SUMMARY\|RACECHECK SUMMARY' /tmp/gpu-fragments.log)" | tee -a "$out"
    else
      status=1; echo "FAIL (exit $rc)" | tee -a "$out"; tail -8 /tmp/gpu-fragments.log | tee -a "$out"
    fi
  done
done
exit $status
