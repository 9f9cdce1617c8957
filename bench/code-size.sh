#!/usr/bin/env bash
# How much code a case's kernels compile to on sm_90a, without a GPU: the
# .text bytes of each kernel in the cubin (16 bytes a SASS instruction,
# out-of-line functions included), the functions' own sizes, and ptxas's
# stack frame and spill counts per function.
# Kernels whose chunk loop is far larger than the instruction caches wait on
# instruction fetch (Nsight Compute's "no instruction" stalls), so a change
# that grows the code can slow every op of the loop.
#   bench/code-size.sh CASE [--config C] [--define NAME[=VALUE]]...
# CASE as bench/variant.sh takes it (EXAMPLE_BxTxH, e.g. kda_8x4096x16, or
# EXAMPLE_varlen_16_seqs).
# Uses ./build/tools/linac/linac (LINAC= to choose another) and nvcc.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/define-lines.sh
usage() { echo "usage: bench/code-size.sh CASE [--config C] [--define NAME[=VALUE]]..." >&2; exit 2; }
[ $# -ge 1 ] || usage
case_=$1; shift
if [[ "$case_" =~ ^([a-z_0-9]+)_varlen_16_seqs$ ]]; then
  # bench/run.sh's varlen case: the config of 16 x 4096 (as bench/variant.sh).
  ex=${BASH_REMATCH[1]} shape="B=16,T=4096,H=16,K=128,V=128"
elif [[ "$case_" =~ ^([a-z_0-9]+)_([0-9]+)x([0-9]+)x([0-9]+)$ ]]; then
  ex=${BASH_REMATCH[1]} shape="B=${BASH_REMATCH[2]},T=${BASH_REMATCH[3]},H=${BASH_REMATCH[4]},K=128,V=128"
else
  echo "code-size: CASE must be EXAMPLE_BxTxH (e.g. kda_8x4096x16) or EXAMPLE_varlen_16_seqs, got '$case_'" >&2
  exit 2
fi
[ -f "examples/$ex.lin" ] || { echo "code-size: no examples/$ex.lin" >&2; exit 2; }
config="" defines=()
while [ $# -gt 0 ]; do
  case $1 in
    --config) [ $# -ge 2 ] || usage; config=$2; shift 2 ;;
    --define) [ $# -ge 2 ] || usage; defines+=("$2"); shift 2 ;;
    *) usage ;;
  esac
done
L=${LINAC:-./build/tools/linac/linac}
[ -x "$L" ] || { echo "code-size: no $L (build it: ninja -C build linac)" >&2; exit 2; }
command -v nvcc > /dev/null || { echo "code-size: nvcc not found" >&2; exit 2; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
"$L" compile "examples/$ex.lin" --emit cuda --target sm_90a --shape "$shape" --dtype bf16 \
  ${config:+--config "$config"} -o "$W/k.emitted.cu"
{
  define_lines ${defines[@]+"${defines[@]}"}
  cat "$W/k.emitted.cu"
} > "$W/k.cu"
nvcc -std=c++17 -O2 -gencode arch=compute_90a,code=sm_90a -Iruntime/device/cuda \
  -diag-suppress 177 -cubin "$W/k.cu" -o "$W/k.cubin" -Xptxas -v 2> "$W/ptxas.txt" ||
  { grep -v C7519 "$W/ptxas.txt" | head -20; exit 1; }
echo "# $case_ ${config:+--config $config }${defines[*]+${defines[*]}}"
# Section headers: "[Nr] Name Type Address Off Size ..."; sizes in hex.
readelf -S -W "$W/k.cubin" 2>/dev/null | sed 's/^ *\[ *[0-9]*\] *//' |
  while read -r name type addr off size _; do
    if [[ "$name" == .text.* ]]; then
      printf "%-40s %8d bytes of code\n" "${name#.text.}" $((16#$size))
    fi
  done
# Out-of-line functions within each kernel's code, largest first (symbol sizes).
readelf -s -W "$W/k.cubin" 2>/dev/null | awk '$4 == "FUNC" && $3 > 0 && $8 ~ /^\$/ {print $3, $8}' |
  while read -r size name; do
    case $size in 0x*) size=$((size)) ;; esac
    echo "$size $name"
  done | sort -rn | awk '{printf "  %-70s %8d bytes\n", substr($2, 1, 70), $1}' | head -12
# ptxas: "Function properties for F" then its frame and spills.
grep -A1 "Function properties for" "$W/ptxas.txt" | grep -v '^--' | paste - - |
  sed 's/.*Function properties for \([^[:space:]]*\)[[:space:]]*/\1: /' |
  grep -v ': 0 bytes stack frame, 0 bytes spill stores' || true
