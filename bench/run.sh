#!/usr/bin/env bash
# The forward benchmark, one command on a GPU machine (torch needed; FLA
# optional):
#   [CONFIGS='chunk=32;split=vtile,vtile=32'] bench/run.sh [--cases REGEX] [--fla-cases REGEX] [--reps N]
# Uses the statically linked driver .carry/bin/linac (built here by
# scripts/gpu-check/build-static-linac.sh) to emit each case's kernels for
# sm_90a with the default config for its shape, builds liblinac.so with this
# machine's g++ and CUDA, and runs bench/bench.py, which appends its table
# to $OUT/bench.md (default /tmp), then bench/plot.py, which draws the
# first table there as $OUT/bench.svg. If .fla/pkg holds an FLA source tree
# (bench/export-fla.sh), FLA runs beside linac; its first call per shape
# autotunes for minutes, so pick cases with --fla-cases ('' for none).
# CONFIGS (';'-separated --config values) times each case again with each
# config beside the default one (a config that cannot fit is skipped with
# linac's reason), to compare configs on this GPU. Any other CASE@TAG.cu in
# /tmp/linac-bench/kernels (a kernel source edited by hand, e.g. a #define
# in front of it to try a library variant; bench/variant.sh makes them) is
# timed beside the case too, labelled [@TAG]. LINAC_BENCH_DIR moves that
# folder (and liblinac.so) elsewhere (bench/profile-summary.sh: defaults only).
set -euo pipefail
cd "$(dirname "$0")/.."
W=${LINAC_BENCH_DIR:-/tmp/linac-bench}
# The kernels are compiled for the benchmark's bf16 inputs (--dtype bf16;
# LINAC_DTYPE= for a linac from before that flag).
export LINAC_DTYPE=${LINAC_DTYPE-bf16}
mkdir -p $W/kernels
L=.carry/bin/linac
[ -x $L ] || { [ -f $L.xz ] && xz -dk $L.xz && chmod +x $L; }
scripts/gpu-check/build-liblinac.sh $W
emit() { # case-name example shape: the default config (first, empty), then CONFIGS
  local config file configs
  IFS=';' read -ra configs <<< ";${CONFIGS:-}"
  for config in "${configs[@]}"; do
    file=$W/kernels/$1${config:+@$config}.cu
    # Emitted again every time (a warm machine may hold another binary's).
    $L compile examples/$2.lin --emit cuda --target sm_90a --shape "$3" ${LINAC_DTYPE:+--dtype $LINAC_DTYPE} \
      ${config:+--config "$config"} -o "$file" ||
      { [ -n "$config" ] || exit 1; echo "$1 --config $config: skipped"; }
  done
}
for v in gdn kda kda_safe; do
  emit "${v}_1x8192x16" $v B=1,T=8192,H=16,K=128,V=128
  emit "${v}_8x4096x16" $v B=8,T=4096,H=16,K=128,V=128
  emit "${v}_4x16384x32" $v B=4,T=16384,H=32,K=128,V=128
  # 16 sequences of 65,536 tokens in all: the config of 16 x 4096.
  emit "${v}_varlen_16_seqs" $v B=16,T=4096,H=16,K=128,V=128
done
for v in linear_attention retnet simple_gla gla deltanet dplr gdn2; do
  emit "${v}_8x4096x16" $v B=8,T=4096,H=16,K=128,V=128
done
fla=()
[ -d .fla/pkg/fla ] && fla=(--fla .fla/pkg)
# FLA keeps its Triton autotuning results on disk (its autotuners'
# cache_results). A fresh machine starts from those of its GPU's kind in
# .fla/fla-autotune-GPU.tgz (GPU: the device name in lower case, e.g.
# nvidia-h100-80gb-hbm3; carried with .fla) and $OUT/fla-autotune-GPU.tgz
# takes them back, old and new: copy it into .fla/ for the next call, so
# that a shape tuned once is not tuned again on a GPU of the same kind.
# (Triton's cache does not tell an H100 from an H200: both are cuda 90, and
# one's choices would be taken on the other untuned.) Only the results
# travel (a few KB); the kernels they pick are compiled again.
gpu=$({ nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null || true; } | head -1 |
      tr 'A-Z' 'a-z' | tr -c 'a-z0-9\n' '-' | sed 's/-*$//')
tuned=fla-autotune-${gpu:-unknown}.tgz
if [ ${#fla[@]} -gt 0 ]; then
  export TRITON_CACHE_DIR=${TRITON_CACHE_DIR:-$W/triton-cache}
  mkdir -p "$TRITON_CACHE_DIR"
  if [ -f .fla/$tuned ]; then
    tar -xzf .fla/$tuned -C "$TRITON_CACHE_DIR" || echo "bench: .fla/$tuned unreadable, FLA tunes again"
  else
    echo "bench: no .fla/$tuned: FLA tunes each shape on its first call (1-3 minutes a shape)"
  fi
fi
# linac's compiled modules travel the same way: the runtime keeps each
# module's cubin in $LINAC_CACHE_DIR under a hash of its source, the tile
# library, the GPU's name, the driver and NVRTC (a cubin of another source
# or machine is never taken), so a fresh machine starts from
# .carry/linac-cubins-GPU.tgz, and with CUBINS_BACK=1 $OUT/linac-cubins-GPU.tgz
# takes the cache back (copy it into .carry/ for the next call; opt-in, as
# a call returns at most 8 files from $OUT). Each NVRTC compile of a
# default kernel takes seconds; a run of every case compiles dozens.
export LINAC_CACHE_DIR=$W/cache
cubins=linac-cubins-${gpu:-unknown}.tgz
mkdir -p "$LINAC_CACHE_DIR"
if [ -f .carry/$cubins ]; then
  tar -xzf .carry/$cubins -C "$LINAC_CACHE_DIR" || echo "bench: .carry/$cubins unreadable, modules compiled again"
fi
status=0
python3 bench/bench.py --lib $W/liblinac.so --kernels $W/kernels "${fla[@]}" \
  --out "${OUT:-/tmp}/bench.md" "$@" || status=$?
if [ -n "${OUT:-}" ] && [ "${CUBINS_BACK:-0}" = 1 ]; then
  # The newest modules (this run's first: tar kept the carried ones' times)
  # up to 32 MiB, as the carried paths travel within 64 MiB in all; a
  # module's cubin and checksum go together.
  out=$(cd "$OUT" && pwd)
  (cd "$LINAC_CACHE_DIR" && find . -type f -name '*.cubin' -printf '%T@ %s %p\n' | sort -rn |
     awk '{ n += $2; if (n > 32 * 1048576) exit; c = $3; print c; sub(/\.cubin$/, ".sum", c); print c }' |
     tar -czf "$out/$cubins" -T -) || true
fi
if [ ${#fla[@]} -gt 0 ] && [ -n "${OUT:-}" ]; then
  (cd "$TRITON_CACHE_DIR" && find . -name '*.autotune.json' | tar -czf "$OUT/$tuned" -T -) || true
fi
[ $status -eq 0 ] || exit $status
# The plot: time vs sequence length (GDN and KDA), beside the table.
python3 bench/plot.py "${OUT:-/tmp}/bench.md" -o "${OUT:-/tmp}/bench.svg" || true
