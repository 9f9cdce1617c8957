#!/usr/bin/env bash
# On the GPU machine (device tool, carry .carry): the NVRTC runtime path.
# Builds scripts/gpu-check/cuda_run against runtime/cuda (NVRTC + driver
# API, no LLVM), then for every case of .carry/spike (prepared here by
# scripts/gpu-spike/prepare.sh): compiles the emitted source at run time,
# measures the cold (NVRTC) and warm (cache hit) first-call cost, checks that
# a corrupted cache entry is detected and rebuilt, and checks the results
# against the float64 reference.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-/tmp}/gpu-check.txt
export PATH=/usr/local/cuda/bin:$PATH
mkdir -p /tmp/gpucheck
# The tile library embedded as the runtime expects (CMake does this here).
{ printf 'static const char kCudaTileHeader[] = R"LINACHDR('
  cat runtime/device/cuda/linac_tile_cuda.cuh
  printf ')LINACHDR";\n'; } > /tmp/gpucheck/EmbeddedCudaHeader.inc
nvcc -std=c++17 -O2 -I. -Iruntime/device/cuda -I/tmp/gpucheck -diag-suppress 177 \
  scripts/gpu-check/cuda_run.cu runtime/cuda/CudaModule.cpp runtime/cuda/CudaLaunch.cpp \
  runtime/cuda/NvrtcCompiler.cpp reference/Npy.cpp reference/DumpMeta.cpp reference/Problem.cpp \
  -lcuda -lnvrtc -o /tmp/gpucheck/cuda_run \
  || { echo "build failed"; exit 1; }
{
  echo "# gpu-check (NVRTC runtime path): emitted kernels vs float64 reference"
  echo "# $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader), $(date -u +%Y-%m-%d), $(nvcc --version | tail -1)"
} | tee "$out"
status=0
for dir in .carry/spike/*/; do
  name=$(basename "$dir")
  # Native (sm_90a cubin), then the sm_80 code as compute_80 PTX that the
  # driver compiles for this GPU.
  for arch in "" compute_80; do
    rm -rf /tmp/gpucheck/cache && mkdir -p /tmp/gpucheck/cache
    printf "%-22s " "$name" | tee -a "$out"
    /tmp/gpucheck/cuda_run "$dir/kernel.cu" "$dir/dump" /tmp/gpucheck/cache $arch 2>&1 | tee -a "$out" || status=1
  done
done
# Large shapes: inputs and the float64 reference rebuilt here from seeds.
FRONTEND="frontend/Diagnostics.cpp frontend/Lexer.cpp frontend/Parser.cpp frontend/Expr.cpp frontend/Sema.cpp"
if [ -f .carry/big/cases.txt ]; then
  nvcc -std=c++17 -O2 -I. -Iruntime/device/cuda -I/tmp/gpucheck -diag-suppress 177 \
    scripts/gpu-check/big_check.cu runtime/cuda/CudaModule.cpp runtime/cuda/CudaLaunch.cpp \
    runtime/cuda/NvrtcCompiler.cpp \
    reference/RecurrenceReference.cpp reference/RandomProblem.cpp reference/Problem.cpp $FRONTEND \
    -lcuda -lnvrtc -o /tmp/gpucheck/big_check || { echo "big_check build failed"; exit 1; }
  while read -r name ex shape seed seqlens h0; do
    printf "%-22s " "$name" | tee -a "$out"
    /tmp/gpucheck/big_check examples/$ex.lin .carry/big/$name.cu $shape $seed $seqlens $h0 2>&1 | tee -a "$out" || status=1
  done < .carry/big/cases.txt
fi
exit $status
