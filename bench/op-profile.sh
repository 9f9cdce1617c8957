#!/usr/bin/env bash
# Where a kernel's chunk loop spends its cycles, op by op, on a GPU machine
# (as bench/run.sh: .carry/bin/linac carried):
#   [CONFIGS=...] [PROFILE_DEFINES='NAME[=VALUE] ...'] bench/op-profile.sh CASE-REGEX
# (CONFIGS' kernels, CASE@CONFIG, are emitted and timed but not instrumented:
# the tables are the default config's.)
# emits the cases (bench/run.sh --reps 1), instruments every kernel source of
# the matching cases with bench/op_profile.py (thread 0 of block (0,0,0)
# reads clock64() after each op of the chunk loop), runs them once more and
# prints one table per kernel: cycles per op, share, the op's line. Cheap
# (no profiler replay); the counts perturb the kernel little.
set -uo pipefail
cd "$(dirname "$0")/.."
source bench/define-lines.sh
[ $# -ge 1 ] || { echo "usage: bench/op-profile.sh CASE-REGEX"; exit 2; }
OUT=${OUT:-/tmp}
bench/run.sh --cases "$1" --reps 1 --fla-cases '' > /dev/null || exit 1
stem=$(echo "$1" | tr ' ' '_')
# The instrumented sources are copies tagged @prof (bench/run.sh emits the
# defaults afresh every run, and times any CASE@TAG.cu beside its case).
rm -f /tmp/linac-bench/kernels/*@prof.cu
n=0
for f in /tmp/linac-bench/kernels/*.cu; do
  [[ "$(basename "$f")" =~ $stem ]] || continue
  [[ "$(basename "$f")" == *@* ]] && continue
  n=$((n + 1))
  cp "$f" "${f%.cu}@prof.cu"
  python3 bench/op_profile.py instrument "${f%.cu}@prof.cu" "src$n"
  # PROFILE_DEFINES='NAME[=VALUE] ...': library switches for the instrumented copies.
  if [ -n "${PROFILE_DEFINES:-}" ]; then
    { define_lines $PROFILE_DEFINES; cat "${f%.cu}@prof.cu"; } > "${f%.cu}@prof.cu.tmp"
    mv "${f%.cu}@prof.cu.tmp" "${f%.cu}@prof.cu"
  fi
done
rm -rf /tmp/linac-bench/cache
bench/run.sh --cases "$1" --reps 1 --fla-cases '' > $OUT/op-profile.log 2>&1
for f in /tmp/linac-bench/kernels/*@prof.cu; do
  [[ "$(basename "$f")" =~ $stem ]] || continue
  echo "## $(basename "$f") ($(sed -n 's/.*config \(.*\), target cuda\./\1/p' "$f" | head -1))"
  python3 bench/op_profile.py report "$f" $OUT/op-profile.log
done
# The instrumented copies go: a later bench/run.sh would time them again.
rm -f /tmp/linac-bench/kernels/*@prof.cu
rm -rf /tmp/linac-bench/cache
exit 0
