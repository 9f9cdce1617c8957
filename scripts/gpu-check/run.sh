#!/usr/bin/env bash
# On the GPU machine (device tool, carry .carry):
#   scripts/gpu-check/run.sh [primitives] [small] [sanitizer] [big] [capi] [linac]
#   (default: all)
# Each stage stays well under the device tool's 10-minute command limit.
#  primitives  test/gpu/tile_primitives.cu, built as an sm_90a cubin (wgmma)
#              and as compute_80 PTX that the driver compiles for this GPU
#              (the sm_80 mma.sync/ldmatrix path, checked on Hopper);
#              SWITCHES='NAME=VALUE ...' also both ways with those library
#              switches defined (ones not on by default, e.g.
#              SWITCHES=LINAC_WGMMA_PIPELINED=1);
#  small       every case of .carry/spike (scripts/gpu-spike/prepare.sh):
#              kernel.cu (fp32 mma operands, limit 1e-5), kernel_tc.cu
#              (the GPU default: bf16 operands on the tensor cores, two
#              consumer warpgroups, limits from the cpu target's check),
#              kernel_roles.cu (the same with warp roles) and kernel_w4.cu
#              (one consumer warpgroup; $KERNELS picks), native and compute_80, through
#              the NVRTC runtime: cold compile, warm cache hit, a corrupted
#              cache entry detected and rebuilt, results vs float64;
#  sanitizer   compute-sanitizer memcheck and racecheck on the tensor-core
#              kernels (default, warp roles, one warpgroup; $SANITIZE picks) of the
#              varlen, materialised and sequence-split cases;
#  big         the large shapes of .carry/big (scripts/gpu-check/prepare.sh),
#              inputs and the float64 reference rebuilt here from seeds:
#              fp32 operands to 1e-5, the default to 2e-2;
#  capi        liblinac built here (g++, NVRTC, the driver opened at run
#              time), then test/gpu/capi_cuda.cpp: linac_cuda_forward on
#              device pointers (bf16/f16 inputs, strides, varlen, GVA,
#              states) against the float64 reference, and bad arguments
#              that must be refused with nothing launched;
#  linac       the statically linked driver (.carry/bin/linac, built here by
#              scripts/gpu-check/build-static-linac.sh): `linac run --target
#              sm_90a|sm_80 --check` for every example over ragged, varlen,
#              GVA, initial-state, strong-gate and bf16/f16-input cases.
# Output: $OUT/gpu-check.txt (appended per stage, each with its seconds).
# $LINAC_CASES=default|roles runs only the linac stage's cases without or
# with warp roles; $SMALL_CASES and $BIG_CASES (regexes of case names) pick
# small and large cases.
# On the device tool (10 minutes a call; a cold machine first compiles
# every kernel) the stages fit in calls like: `primitives sanitizer`,
# `KERNELS='kernel kernel_tc' small`, `KERNELS='kernel_roles kernel_w4' small capi`,
# `linac`, `BIG_CASES=t32k big`, `BIG_CASES='bh|varlen|k256' big`.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-/tmp}/gpu-check.txt
export PATH=/usr/local/cuda/bin:$PATH
stages=${*:-primitives small sanitizer big capi linac}
W=/tmp/gpucheck
mkdir -p $W
echo "# gpu-check [$stages]: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader), $(date -u +%Y-%m-%d), $(nvcc --version | tail -1)" | tee -a "$out"
status=0
scripts/gpu-check/embed-headers.sh $W
NV="nvcc -std=c++17 -O2 -I. -Iruntime/device/cuda -I$W -diag-suppress 177"
RUNTIME="runtime/cuda/CudaModule.cpp runtime/cuda/CudaLaunch.cpp runtime/cuda/NvrtcCompiler.cpp"
has() { [[ " $stages " == *" $1 "* ]]; }

if has primitives; then
  builds=${PRIM_BUILDS:-sm90a compute80} # PRIM_BUILDS=sm90a: the wgmma build alone
  switches=""
  for s in ${SWITCHES:-}; do switches="$switches -D$s"; done
  # With SWITCHES, the same builds again with them (PRIM_BUILDS=sm90a: the
  # wgmma build alone, with and without).
  if [ -n "$switches" ]; then
    case "${PRIM_BUILDS:-}" in
      sm90a) builds="$builds sm90a_switches" ;;
      *) builds="$builds sm90a_switches compute80_switches" ;;
    esac
  fi
  : > $W/prim.log
  for b in $builds; do
    case $b in
      sm90a) flags="-gencode arch=compute_90a,code=sm_90a" ;;
      compute80) flags="-gencode arch=compute_80,code=compute_80" ;;
      sm90a_switches) flags="$switches -gencode arch=compute_90a,code=sm_90a" ;;
      compute80_switches) flags="$switches -gencode arch=compute_80,code=compute_80" ;;
    esac
    $NV $flags test/gpu/tile_primitives.cu -o $W/prim_$b >> $W/prim.log 2>&1 ||
      { echo "tile_primitives build failed ($b)"; grep -v C7519 $W/prim.log | head -20; exit 1; }
  done
  for b in $builds; do
    echo "## tile primitives, $b" | tee -a "$out"
    $W/prim_$b > $W/prim_$b.txt 2>&1; rc=$?
    # Every line goes to the log; the table keeps the summary and failures.
    grep -E "^#|FAIL" $W/prim_$b.txt | tee -a "$out"
    echo "$(grep -c ' ok$' $W/prim_$b.txt) tests ok" | tee -a "$out"
    [ $rc -eq 0 ] || status=1
  done
fi

if has small || has sanitizer; then
  [ -x $W/cuda_run ] || $NV scripts/gpu-check/cuda_run.cu $RUNTIME \
    reference/Npy.cpp reference/DumpMeta.cpp reference/Problem.cpp \
    -lcuda -lnvrtc -o $W/cuda_run || { echo "cuda_run build failed"; exit 1; }
fi

if has small; then
  echo "## small cases (.carry/spike): kernel (fp32 operands) and kernel_tc (bf16 tensor cores)" | tee -a "$out"
  for dir in .carry/spike/*/; do
    name=$(basename "$dir")
    [[ "$name" =~ ${SMALL_CASES:-.} ]] || continue
    for kernel in ${KERNELS:-kernel kernel_tc kernel_roles kernel_w4}; do
      limits=""
      [ $kernel != kernel ] && limits=$(cat "$dir/limits")
      for arch in native compute_80; do
        rm -rf $W/cache && mkdir -p $W/cache
        printf "%-22s %-7s " "$name" "${kernel#kernel}" | tee -a "$out"
        $W/cuda_run "$dir/$kernel.cu" "$dir/dump" $W/cache $arch $limits 2>&1 | tee -a "$out" || status=1
      done
    done
  done
fi

if has sanitizer; then
  echo "## compute-sanitizer on the tensor-core kernels" | tee -a "$out"
  for name in gdn_varlen_vtile dplr_materialized kda_sequence gla_sequence; do
   for kernel in ${SANITIZE:-kernel_tc kernel_roles kernel_w4}; do
    for arch in native compute_80; do
      for tool in memcheck racecheck; do
        rm -rf $W/cache && mkdir -p $W/cache
        printf "%-22s %-13s %-10s %-9s " "$name" "$kernel" "$arch" "$tool" | tee -a "$out"
        compute-sanitizer --tool $tool --error-exitcode 3 $W/cuda_run .carry/spike/$name/$kernel.cu \
          .carry/spike/$name/dump $W/cache $arch $(cat .carry/spike/$name/limits) > $W/san.txt 2>&1
        rc=$?
        grep -E "ERROR SUMMARY|RACECHECK SUMMARY" $W/san.txt | tail -1 | tee -a "$out"
        # On a failure keep the report (the first hazards name the accesses).
        [ $rc -eq 0 ] || { status=1; cp $W/san.txt "${OUT:-/tmp}/san-$name-$kernel-$arch-$tool.txt"; \
                           grep -m 6 -A4 -E "Race reported|Error:|Invalid" $W/san.txt; }
      done
    done
   done
  done
fi

if has big && [ -f .carry/big/cases.txt ]; then
  echo "## large shapes: fp32 operands (limit 1e-5) and the default, bf16 tensor cores (limit 2e-2)" | tee -a "$out"
  FRONTEND="frontend/Diagnostics.cpp frontend/Lexer.cpp frontend/Parser.cpp frontend/Expr.cpp frontend/Sema.cpp"
  [ -x $W/big_check ] || $NV scripts/gpu-check/big_check.cu $RUNTIME \
    reference/RecurrenceReference.cpp reference/RandomProblem.cpp reference/Problem.cpp $FRONTEND \
    -lcuda -lnvrtc -o $W/big_check || { echo "big_check build failed"; exit 1; }
  mkdir -p $W/cache
  while read -r name ex shape seed seqlens h0; do
    [[ "$name" =~ ${BIG_CASES:-.} ]] || continue
    printf "%-16s f32  " "$name" | tee -a "$out"
    $W/big_check examples/$ex.lin .carry/big/$name.cu $shape $seed $seqlens $h0 2>&1 | tee -a "$out" || status=1
    printf "%-16s bf16 " "$name" | tee -a "$out"
    $W/big_check examples/$ex.lin .carry/big/$name.tc.cu $shape $seed $seqlens $h0 2e-2 2>&1 | tee -a "$out" || status=1
  done < .carry/big/cases.txt
fi
if has capi; then
  echo "## the C ABI with device pointers (test/gpu/capi_cuda.cpp)" | tee -a "$out"
  scripts/gpu-check/build-liblinac.sh $W || { echo "liblinac build failed"; exit 1; }
  FRONTEND="frontend/Diagnostics.cpp frontend/Lexer.cpp frontend/Parser.cpp frontend/Expr.cpp frontend/Sema.cpp"
  g++ -std=c++17 -O2 -I. -I/usr/local/cuda/include test/gpu/capi_cuda.cpp \
    reference/RecurrenceReference.cpp reference/RandomProblem.cpp $FRONTEND \
    -L$W -llinac -Wl,-rpath,$W -lcuda -lpthread -o $W/capi_cuda || { echo "capi_cuda build failed"; exit 1; }
  rm -rf $W/capi-cache
  LINAC_CACHE_DIR=$W/capi-cache $W/capi_cuda .carry/capi 2>&1 | tee -a "$out" || status=1
fi

if has linac; then
  echo "## linac run --target sm_90a|sm_80 --check (.carry/bin/linac)" | tee -a "$out"
  L=.carry/bin/linac
  [ -x $L ] || { [ -f $L.xz ] && xz -dk $L.xz && chmod +x $L; }
  export LINAC_CACHE_DIR=$W/linac-cache
  lrun() { # example shape flags...
    local ex=$1 shape=$2; shift 2
    for t in sm_90a sm_80; do
      printf "%-17s %-7s %-34s %-40s " "$ex" "$t" "$shape" "$*" | tee -a "$out"
      if $L run examples/$ex.lin --target $t --shape $shape --seed 3 --check "$@" > $W/lrun.txt 2>&1; then
        sed -n 's/^check against the float64 reference: //p' $W/lrun.txt | tee -a "$out"
      else
        status=1; echo "FAIL" | tee -a "$out"; tail -4 $W/lrun.txt | tee -a "$out"
      fi
    done
  }
  if [ "${LINAC_CASES:-all}" != roles ]; then
  for ex in linear_attention retnet simple_gla gla deltanet gdn kda kda_safe dplr gdn2; do
    lrun $ex B=2,T=300,H=2,HV=4,K=64,V=64 --initial-state --dtype bf16
    lrun $ex B=1,T=400,H=2,HV=2,K=64,V=32 --seqlens 1,0,199,200 --dtype f16
  done
  lrun gdn B=1,T=200,H=1,HV=2,K=128,V=128 --gates strong --initial-state
  lrun kda B=1,T=1,H=1,K=128,V=128 --initial-state
  lrun kda B=1,T=4000,H=2,HV=2,K=64,V=64 --config split=sequence,segment=4 --dtype bf16
  lrun dplr B=2,T=150,H=1,HV=2,K=64,V=64 --config chunk=32,wu=materialized
  lrun gdn B=2,T=100,H=2,HV=2,K=64,V=64 --config mma=f32 --initial-state
  fi
  if [ "${LINAC_CASES:-all}" != default ]; then
  # Warp roles: every example, and the materialised and sequence-split kernels.
  for ex in linear_attention retnet simple_gla gla deltanet gdn kda kda_safe dplr gdn2; do
    lrun $ex B=2,T=300,H=2,HV=4,K=64,V=64 --initial-state --dtype bf16 --config roles=on
  done
  lrun kda B=1,T=4000,H=2,HV=2,K=64,V=64 --config split=sequence,segment=4,roles=on --seqlens 1,0,1999,2000
  lrun dplr B=2,T=150,H=1,HV=2,K=64,V=64 --config chunk=32,wu=materialized,roles=on
  lrun gdn B=1,T=300,H=1,HV=2,K=128,V=128 --config roles=on,mma=f32 --initial-state
  fi
fi
echo "# done in $SECONDS s" | tee -a "$out"
exit $status
