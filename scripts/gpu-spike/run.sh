#!/usr/bin/env bash
# On the GPU machine: builds the runner for each case in .carry/spike and
# checks the emitted kernels against the float64 reference outputs of the
# dump; compute-sanitizer memcheck and racecheck on two small cases.
# Usage (device tool, carry .carry): scripts/gpu-spike/run.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-/tmp}/spike.txt
export PATH=/usr/local/cuda/bin:$PATH
{
  echo "# GPU spike: emitted CUDA kernels (spike tile library) vs float64 reference"
  echo "# $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader), $(date -u +%Y-%m-%d), $(nvcc --version | tail -1)"
} | tee "$out"
status=0
mkdir -p /tmp/spike
for dir in .carry/spike/*/; do
  name=$(basename "$dir")
  if ! nvcc -std=c++17 -arch=sm_90 -O2 -I. -Iruntime/device/cuda \
      -DLINAC_KERNEL_SOURCE="\"$dir/kernel.cu\"" -diag-suppress 177 \
      scripts/gpu-spike/runner.cu reference/Npy.cpp reference/DumpMeta.cpp reference/Problem.cpp -o /tmp/spike/$name > /tmp/spike/$name.log 2>&1; then
    echo "$name: build failed"; cat /tmp/spike/$name.log | head -20; status=1; continue
  fi
  printf "%-22s " "$name" | tee -a "$out"
  /tmp/spike/$name "$dir/dump" 2>&1 | tee -a "$out" || status=1
done
for name in small_gdn small_kda; do
  for tool in memcheck racecheck; do
    printf "%-22s compute-sanitizer %-9s " "$name" "$tool" | tee -a "$out"
    compute-sanitizer --tool $tool --error-exitcode 3 /tmp/spike/$name .carry/spike/$name/dump > /tmp/spike/$name.$tool 2>&1
    rc=$?
    grep -E "ERROR SUMMARY|RACECHECK SUMMARY" /tmp/spike/$name.$tool | tail -1 | tee -a "$out"
    [ $rc -eq 0 ] || { status=1; tail -5 /tmp/spike/$name.$tool; }
  done
done
exit $status
