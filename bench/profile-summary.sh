#!/usr/bin/env bash
# What stands in the way of each case's kernels, on a GPU machine (as
# bench/run.sh: .carry/bin/linac carried):
#   bench/profile-summary.sh [CASE-REGEX]     (default: 8x4096|1x8192)
# runs Nsight Compute once per matching case of bench/run.sh (the first
# launch of each of its kernels, a few metrics, not the full set: about two
# minutes per case on an H100 in session 20, so pick a few per call) and writes $OUT/profile-summary.md: per kernel its time
# under the profiler, issue slots busy, eligible warps per scheduler, SM /
# memory / DRAM / L2 throughput, tensor-core and MUFU pipe utilisation and
# where the warps' cycles go (bench/ncu_summary.py picks the metric names
# this ncu has). The issue's "what stands in the way" for every case.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp}
NCU=$(command -v ncu || echo /usr/local/cuda/bin/ncu)
[ -x "$NCU" ] || { echo "profile-summary: Nsight Compute (ncu) not found"; exit 2; }
regex=${1:-8x4096|1x8192}
"$NCU" --query-metrics > $OUT/ncu-metrics.txt 2>&1
metrics=$(python3 bench/ncu_summary.py metrics $OUT/ncu-metrics.txt)
[ -n "$metrics" ] || { echo "profile-summary: no known metric in ncu --query-metrics"; exit 1; }
cases=$(python3 - "$regex" <<'PY'
import re, sys
sys.path.insert(0, "bench")
import bench
print("\n".join(c for c in bench.CASES if re.search(sys.argv[1], c)))
PY
)
summary=$OUT/profile-summary.md
{
  echo "Nsight Compute, $(nvidia-smi --query-gpu=name --format=csv,noheader | head -1), $(date -u +%F), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'): bench/profile-summary.sh '$regex'"
  echo
  python3 bench/ncu_summary.py header
} > $summary
while IFS= read -r c; do
  [ -n "$c" ] || continue
  raw=$OUT/ncu-$(echo "$c" | tr ' ' '_').csv
  # The default kernels alone (not bench/variant.sh's CASE@TAG ones, whose
  # kernels share the names), and the profiled run's table kept out of
  # $OUT/bench.md.
  mkdir -p $OUT/profile-run
  rm -rf /tmp/linac-profile/kernels
  LINAC_BENCH_DIR=/tmp/linac-profile OUT=$OUT/profile-run \
    "$NCU" --target-processes all --kernel-name regex:_entry --launch-count 3 \
    --metrics "$metrics" --csv --page raw \
    bench/run.sh --cases "^$c\$" --reps 1 --fla-cases '' > $raw.log 2>&1
  # ncu prints its CSV after the program's own output: from the header on.
  sed -n '/^"ID","Process ID"/,$p' $raw.log > $raw
  python3 bench/ncu_summary.py report "$c" $raw >> $summary || echo "| $c | (no ncu rows: $raw.log) |" >> $summary
done <<< "$cases"
cat $summary
