# Sourced by the GPU check scripts that run the static driver (configs.sh,
# fragments.sh), from the repository root: `driver_env NAME TITLE` sets
# $out ($OUT/gpu-NAME.txt), $L (.carry/bin/linac, unpacked if carried as
# .xz), CUDA's bin on PATH and a kernel cache of its own, and writes the
# GPU and date line to $out.
driver_env() {
  out=${OUT:-/tmp}/gpu-$1.txt
  export PATH=/usr/local/cuda/bin:$PATH
  L=.carry/bin/linac
  [ -x $L ] || { [ -f $L.xz ] && xz -dk $L.xz && chmod +x $L; }
  export LINAC_CACHE_DIR=/tmp/gpu-$1-cache
  echo "# gpu-check $2: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader), $(date -u +%Y-%m-%d)" | tee -a "$out"
}
