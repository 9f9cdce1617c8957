#!/usr/bin/env bash
# Makes a hand-made variant of a benchmark case's kernel source, which
# bench/run.sh then times beside the case (labelled [@TAG]):
#   bench/variant.sh CASE TAG [--config C] [--define NAME[=VALUE]]... [--shared-bytes N] [--library FILE]
# CASE is a kernel file stem of bench/run.sh (e.g. gdn_8x4096x16, whose
# example and shape it names, or gdn_varlen_16_seqs); the source is emitted for sm_90a with
# --config C (default: the shape's default config), each --define is put in
# front of it (a library switch to try), and --shared-bytes N replaces the
# dynamic shared memory of every kernel in the module's kernel table (the
# kernels unchanged: less L1 left beside them), and --library FILE puts a
# CUDA tile library header in front of it (another commit's, e.g. from
# `git show REV:runtime/device/cuda/linac_tile_cuda.cuh`: its include guard
# makes the source's own #include a no-op), to time two libraries in one
# run. Writes
# ${KERNELS:-/tmp/linac-bench/kernels}/CASE@TAG.cu. Needs .carry/bin/linac
# (scripts/gpu-check/build-static-linac.sh), or LINAC=path.
# Example (the L1 experiment of bench/results/bench-h200.md):
#   bench/variant.sh gdn_8x4096x16 po --config promote=off
#   bench/variant.sh gdn_8x4096x16 popad --config promote=off --shared-bytes 231424
#   bench/run.sh --cases 'gdn 8x4096' --fla-cases ''
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/define-lines.sh
usage() { echo "usage: bench/variant.sh CASE TAG [--config C] [--define NAME[=VALUE]]... [--shared-bytes N] [--library FILE]" >&2; exit 2; }
[ $# -ge 2 ] || usage
case_=$1 tag=$2; shift 2
if [[ "$case_" =~ ^([a-z_0-9]+)_varlen_16_seqs$ ]]; then
  # bench/run.sh's varlen case: the config of 16 x 4096 (its emit line).
  ex=${BASH_REMATCH[1]} shape="B=16,T=4096,H=16,K=128,V=128"
elif [[ "$case_" =~ ^([a-z_0-9]+)_([0-9]+)x([0-9]+)x([0-9]+)$ ]]; then
  ex=${BASH_REMATCH[1]} shape="B=${BASH_REMATCH[2]},T=${BASH_REMATCH[3]},H=${BASH_REMATCH[4]},K=128,V=128"
else
  echo "variant: CASE must be EXAMPLE_BxTxH (e.g. gdn_8x4096x16) or EXAMPLE_varlen_16_seqs, got '$case_'" >&2; exit 2
fi
[ -f "examples/$ex.lin" ] || { echo "variant: no examples/$ex.lin" >&2; exit 2; }
[[ "$tag" =~ ^[A-Za-z0-9_.-]+$ ]] || { echo "variant: TAG must be letters, digits, '.', '_' or '-', got '$tag'" >&2; exit 2; }
config="" defines=() shared="" library=""
while [ $# -gt 0 ]; do
  case $1 in
    --config) [ $# -ge 2 ] || usage; config=$2; shift 2 ;;
    --define) [ $# -ge 2 ] || usage; defines+=("$2"); shift 2 ;;
    --shared-bytes) [ $# -ge 2 ] && [[ "$2" =~ ^[0-9]+$ ]] || usage; shared=$2; shift 2 ;;
    --library) [ $# -ge 2 ] || usage; library=$2; shift 2
      grep -q '^#define LINAC_TILE_CUDA_CUH' "$library" ||
        { echo "variant: --library $library is not the CUDA tile library header" >&2; exit 2; } ;;
    *) usage ;;
  esac
done
L=${LINAC:-.carry/bin/linac}
[ -x "$L" ] || { [ -f "$L.xz" ] && xz -dk "$L.xz" && chmod +x "$L"; }
dir=${KERNELS:-/tmp/linac-bench/kernels}
mkdir -p "$dir"
out=$dir/$case_@$tag.cu
# For the benchmark's bf16 inputs (LINAC_DTYPE= for a linac from before --dtype).
dtype=${LINAC_DTYPE-bf16}
"$L" compile "examples/$ex.lin" --emit cuda --target sm_90a --shape "$shape" ${dtype:+--dtype $dtype} \
  ${config:+--config "$config"} -o "$out.tmp"
{
  define_lines ${defines[@]+"${defines[@]}"}
  # The config's guarded library switches (emitCpp's librarySwitches) ahead
  # of another library, whose own defaults would otherwise come first.
  [ -z "$library" ] || { sed -n '/^#ifndef LINAC_/,/^#endif/p' "$out.tmp"; cat "$library"; }
  if [ -n "$shared" ]; then
    # Kernel table rows: {"name", {grid}, vtileCols, segmentChunks, sharedBytes, regBytes, fn}.
    sed -E "s/^(  \{\"[a-z0-9_]+\", \{[^}]*\}, -?[0-9]+, -?[0-9]+, )[0-9]+,/\1$shared,/" "$out.tmp"
  else
    cat "$out.tmp"
  fi
} > "$out"
rm -f "$out.tmp"
if [ -n "$shared" ] && ! grep -qE "^  \{\"[a-z0-9_]+\", \{[^}]*\}, -?[0-9]+, -?[0-9]+, $shared," "$out"; then
  echo "variant: no kernel table row took --shared-bytes $shared" >&2; rm -f "$out"; exit 1
fi
echo "$out"
