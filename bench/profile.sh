#!/usr/bin/env bash
# Nsight Compute on one benchmark case, on a GPU machine (as bench/run.sh):
#   [CONFIGS=...] bench/profile.sh CASE-REGEX [KERNELS]
# profiles the first KERNELS (default 3) linac kernel launches of the cases
# matching CASE-REGEX (e.g. 'gdn 8x4096'), with the full metric set and the
# source lines (NVRTC compiles with -lineinfo), into $OUT/profile.ncu-rep,
# and writes the per-kernel details and the per-source-line view as CSV
# beside it ($OUT/profile-details.csv, $OUT/profile-source.csv): where the
# time of each tile op goes; bench/ncu_source_summary.py sums the source view
# by line into $OUT/profile-source-summary.md (stall reasons, local-memory
# traffic, bank conflicts).
set -uo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: bench/profile.sh CASE-REGEX [KERNELS]"; exit 2; }
OUT=${OUT:-/tmp}
NCU=$(command -v ncu || echo /usr/local/cuda/bin/ncu)
[ -x "$NCU" ] || { echo "profile: Nsight Compute (ncu) not found"; exit 2; }
"$NCU" --target-processes all --kernel-name regex:_entry --launch-count "${2:-3}" \
  --set full --import-source yes -f -o "$OUT/profile" \
  bench/run.sh --cases "$1" --reps 1 --fla-cases '' || exit 1
"$NCU" -i "$OUT/profile.ncu-rep" --page details --csv > "$OUT/profile-details.csv"
# NVRTC compiled the kernels as "linac_kernels.cu" including
# "linac_tile_cuda.cuh" (names relative to this directory): put the profiled
# case's source and the library there so that ncu finds the lines.
kernel=$(ls /tmp/linac-bench/kernels/*.cu | grep -E "/$(echo "$1" | tr ' ' '_')[^@]*\.cu$" | head -1)
cp "$kernel" linac_kernels.cu && cp runtime/device/cuda/linac_tile_cuda.cuh linac_tile_cuda.cuh
"$NCU" -i "$OUT/profile.ncu-rep" --page source --csv --print-source cuda,sass \
  > "$OUT/profile-source.csv" 2> "$OUT/profile-source.err" ||
  echo "profile: this ncu printed no source page (see profile-source.err)"
rm -f linac_kernels.cu linac_tile_cuda.cuh
# Stall samples, local-memory traffic and bank conflicts by source line.
python3 bench/ncu_source_summary.py "$OUT/profile-source.csv" > "$OUT/profile-source-summary.md" &&
  head -40 "$OUT/profile-source-summary.md"
ls -la "$OUT"/profile*
