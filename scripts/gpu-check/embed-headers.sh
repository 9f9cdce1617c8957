#!/usr/bin/env bash
# The tile libraries embedded as the runtime expects them (CMake does this
# here): DIR/EmbeddedHeader.inc (cpu) and DIR/EmbeddedCudaHeader.inc, for
# builds on the GPU machine without CMake.
#   scripts/gpu-check/embed-headers.sh DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p "$1"
embed() { # variable header
  printf 'static const char %s[] = R"LINACHDR(' "$1"; cat "$2"; printf ')LINACHDR";\n'; }
embed kCpuTileHeader runtime/device/cpu/linac_tile.h > "$1/EmbeddedHeader.inc"
embed kCudaTileHeader runtime/device/cuda/linac_tile_cuda.cuh > "$1/EmbeddedCudaHeader.inc"
