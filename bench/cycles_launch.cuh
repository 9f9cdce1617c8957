//===- cycles_launch.cuh - the Launch the op-timing programs pass -----------===//
//
// bench/primitive_cycles.cu and bench/team_cycles.cu time library ops on
// tiles in shared memory; the ops still take a Block, whose Launch needs
// K, V and an error flag in device memory (read back by launchError).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "linac_tile_cuda.cuh"

/// A Launch in device memory with K = V = 128 and a zeroed error flag.
inline linac::tile::Launch *cyclesLaunch(int **error) {
  linac::tile::Launch hL{};
  hL.K = hL.V = 128;
  cudaMalloc(error, sizeof(int));
  cudaMemset(*error, 0, sizeof(int));
  hL.error = *error;
  linac::tile::Launch *dL;
  cudaMalloc(&dL, sizeof(linac::tile::Launch));
  cudaMemcpy(dL, &hL, sizeof(linac::tile::Launch), cudaMemcpyHostToDevice);
  return dL;
}

/// The error flag's value: nonzero if the library reported a bad argument.
inline int launchError(const int *error) {
  int h = 0;
  cudaMemcpy(&h, error, sizeof(int), cudaMemcpyDeviceToHost);
  return h;
}
