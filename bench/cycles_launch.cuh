//===- cycles_launch.cuh - the Launch the op-timing programs pass -----------===//
//
// bench/primitive_cycles.cu, bench/team_cycles.cu and bench/gram_cycles.cu
// time library ops on tiles in shared memory; the ops still take a Block,
// whose Launch needs K, V and an error flag in device memory (read back by
// launchError). team_cycles and gram_cycles time each form's kernel after a
// warm-up pass (timeSecondPass) and print the same table (printCycleTable).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "linac_tile_cuda.cuh"

#include <cstdio>

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

/// Runs `launch` twice (the first pass warms up), calling `clear` before
/// each so that only the second pass's counts stay. The second pass's wall
/// time in ms, or a negative value (after printing why) if it failed.
template <class Clear, class LaunchFn>
float timeSecondPass(const char *program, Clear clear, LaunchFn launch) {
  cudaEvent_t e0, e1;
  cudaEventCreate(&e0);
  cudaEventCreate(&e1);
  float ms = -1.0f;
  for (int pass = 0; pass < 2; ++pass) {
    clear();
    cudaEventRecord(e0);
    launch();
    cudaEventRecord(e1);
    const cudaError_t e = cudaDeviceSynchronize();
    if (e != cudaSuccess) {
      std::printf("%s: %s\n", program, cudaGetErrorString(e));
      ms = -1.0f;
      break;
    }
    cudaEventElapsedTime(&ms, e0, e1);
  }
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);
  return ms;
}

/// The markdown table of cycles per call: a row per op, a column per form
/// (counts[f * numOps + k] summed over `reps` calls), then the kernels'
/// wall times under `wallLabel`. The caller may add rows after it.
inline void printCycleTable(const char *corner, const char *const *ops, int numOps,
                            const char *const *forms, int numForms,
                            const unsigned long long *counts, int reps, const float *ms,
                            const char *wallLabel) {
  std::printf("| %s |", corner);
  for (int f = 0; f < numForms; ++f)
    std::printf(" %s |", forms[f]);
  std::printf("\n|---|");
  for (int f = 0; f < numForms; ++f)
    std::printf("---|");
  std::printf("\n");
  for (int k = 0; k < numOps; ++k) {
    std::printf("| %s |", ops[k]);
    for (int f = 0; f < numForms; ++f)
      std::printf(" %llu |", counts[f * numOps + k] / reps);
    std::printf("\n");
  }
  std::printf("| %s |", wallLabel);
  for (int f = 0; f < numForms; ++f)
    std::printf(" %.3f |", ms[f]);
  std::printf("\n");
}
