#!/usr/bin/env bash
# Builds a linac for the GPU machine (no LLVM/MLIR, no clang, maybe another
# libstdc++ there) into .carry/bin/linac: build-static/ with
# -DLINAC_STATIC_DRIVER=ON (cmake/StaticDriver.cmake), the linac target only,
# stripped. Fails if the binary needs anything but glibc and libnvrtc.so.13
# (the CUDA 13 toolkit here has no libnvrtc_static.a), then smoke-tests it
# in an empty environment. LINAC_STATIC_JOBS sets ninja's -j (default 1).
# LINAC_STATIC_XZ=1 replaces the binary with .carry/bin/linac.xz
# (unpack on the GPU machine: xz -dk .carry/bin/linac.xz && chmod +x .carry/bin/linac).
set -euo pipefail
cd "$(dirname "$0")/../.."
B=build-static
stage() { echo "== $1 ($SECONDS s)"; }

# The static zstd (the LLVM support library links it).
if [ ! -f /usr/lib/x86_64-linux-gnu/libzstd.a ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends libzstd-dev
fi

stage configure
cmake -G Ninja -S . -B $B \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
  -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld \
  -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
  -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
  -DLINAC_ENABLE_FUZZER=OFF -DLINAC_STATIC_DRIVER=ON >/dev/null
stage build
start=$SECONDS
ninja -C $B -j"${LINAC_STATIC_JOBS:-1}" linac
echo "linac built in $((SECONDS - start)) s"

stage check
bin=$B/tools/linac/linac
needed=$(readelf -d $bin | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
echo "NEEDED: $(echo $needed)"
allowed='^(libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|ld-linux-x86-64\.so\.2|libnvrtc\.so\.13)$'
bad=$(echo "$needed" | grep -Ev "$allowed" || true)
[ -z "$bad" ] || { echo "error: $bin needs $(echo $bad) (only glibc and libnvrtc.so.13 allowed)"; exit 1; }
ldd $bin
if ldd $bin | grep -q 'not found'; then echo "error: unresolved libraries"; exit 1; fi

mkdir -p .carry/bin
rm -f .carry/bin/linac .carry/bin/linac.xz
llvm-strip-22 --strip-all -o .carry/bin/linac $bin
echo "stripped: $(du -h .carry/bin/linac | cut -f1) (.carry/bin/linac)"

stage smoke
L=$PWD/.carry/bin/linac
env -i "$L" compile examples/gdn.lin --emit ptx --target sm_90a --shape K=128,V=128 -o /tmp/linac-static.ptx
grep -q '^.target sm_90a' /tmp/linac-static.ptx || { echo "error: no sm_90a PTX"; exit 1; }
echo "ptx: $(wc -c < /tmp/linac-static.ptx) bytes"
env -i "$L" run examples/gdn.lin --target reference --seed 1 --shape B=1,T=64,H=1,K=16,V=16 --check

if [ "${LINAC_STATIC_XZ:-0}" = 1 ]; then
  xz -9 -T1 -f .carry/bin/linac
  echo "compressed: $(du -h .carry/bin/linac.xz | cut -f1) (.carry/bin/linac.xz;" \
       "unpack: xz -dk .carry/bin/linac.xz && chmod +x .carry/bin/linac)"
fi
stage done
