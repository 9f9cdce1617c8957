//===- primitive_cycles.cu - cycles per tile-library op, in isolation -----===//
//
// One block of 256 consumer threads (the GPU default: two warpgroups), its
// tiles in shared memory as tile-promote-shared leaves them, runs each op
// many times and reports cycles per call (clock64 of thread 0; every op
// ends with a barrier). Compared with bench/op-profile.sh's counts inside a
// whole kernel, it separates what an op costs from what the kernel around
// it adds (register pressure, spills, latency with one block per SM).
//   nvcc -std=c++17 -O2 -gencode arch=compute_90a,code=sm_90a -Iruntime/device/cuda \
//     bench/primitive_cycles.cu -o /tmp/primitive_cycles && /tmp/primitive_cycles
//
//===----------------------------------------------------------------------===//
#include "cycles_launch.cuh"

#include <cstdio>
#include <cstdlib>

using namespace linac::tile;

constexpr int kReps = 64;
constexpr int kOps = 26;
__device__ unsigned long long cycles[kOps];

__global__ void __launch_bounds__(256, 1) primitiveKernel(const Launch *L) {
  CopyAccount account;
  Block blk(*L, 0, 0, 0, 0, &account);
  float *base = reinterpret_cast<float *>(linacSharedMemory + kReservedSharedBytes);
  Tile a{base, 64, 128, 128}, b{base + 64 * 128, 64, 128, 128},
      c{base + 2 * 64 * 128, 64, 64, 64}, d{base + 2 * 64 * 128 + 64 * 64, 64, 64, 64},
      s{base + 2 * 64 * 128 + 2 * 64 * 64, 128, 128, 128},
      col{base + 2 * 64 * 128 + 2 * 64 * 64 + 128 * 128, 64, 1, 1},
      cum{base + 2 * 64 * 128 + 2 * 64 * 64 + 128 * 128 + 64, 64, 128, 128};
  fill(blk, a, 0.01f);
  fill(blk, b, 0.02f);
  fill(blk, s, 0.001f);
  fill(blk, col, 0.5f);
  identity(blk, c);
  // Cumulative log decays as KDA's gates make them, -exp(A_log) softplus(x)
  // per token and channel summed over the chunk (non-increasing down each
  // column): `strong` between 1.5 and 12 nats per token (A_log up to
  // log 16, as models initialise it), `moderate` between 0.1 and 1.2.
  auto cumulative = [&](float scale) {
    for (int c0 = static_cast<int>(threadIdx.x); c0 < 128; c0 += 256) {
      float g = 0.0f;
      for (int i = 0; i < 64; ++i) {
        const unsigned h = (i * 128u + c0) * 2654435761u;
        g -= scale * (0.125f + 0.875f * static_cast<float>(h >> 8) / 16777216.0f);
        cum.at(i, c0) = g;
      }
    }
    sync_consumers();
  };
  Frag<64, 128, 2> fa{}, fb{};
  Frag<128, 128, 2> fs{};
  float acc[32] = {};
  unsigned long long t0 = 0;
  auto mark = [&](int k) {
    unsigned long long t = clock64();
    if (threadIdx.x == 0 && k >= 0)
      cycles[k] += t - t0;
    t0 = t;
  };
  for (int rep = 0; rep < kReps; ++rep) {
    mark(-1);
    mma(blk, c, a, b, false, true, false, Operand::bf16); // 64x64 = A B^T, K = 128
    mark(0);
    mma(blk, b, c, a, false, false, false, Operand::bf16); // 64x128 = C A, K = 64
    mark(1);
    mma(blk, s, a, b, true, false, true, Operand::bf16); // 128x128 += A^T B, K = 64
    mark(2);
    ew(blk, Ew::mul, a, b, col); // 64x128 by a column
    mark(3);
    tri_inv(blk, d, c);
    mark(4);
    ew(blk, Ew::mul, fa, a, col); // fragment from shared, by a column
    mark(5);
    mma(blk, fb, c, fa, false, false, false, Operand::bf16); // fragment acc, fragment B
    mark(6);
    mma(blk, fs, fa, b, true, false, true, Operand::bf16); // fragment S += frag^T B
    mark(7);
    ew(blk, Ew::sub, fb, fb, fa); // fragments only
    mark(8);
    mma(blk, fa, a, fs, false, false, false, Operand::bf16); // 64x128 = A S, S a fragment
    mark(9);
    row_l2norm(blk, b, a);
    mark(10);
    decay_mask(blk, c, col, col, true);
    mark(11);
    // The pieces of one K slice of an mma.
#ifdef LINAC_TENSOR_CORES
    stage_full_slice(linacSharedMemory, a, false, 0, 0, Operand::bf16,
                     static_cast<int>(threadIdx.x), 256);
    sync_consumers();
    mark(12);
    mma_stage_fence();
    sync_consumers();
    mark(13);
    if (threadIdx.x < 128)
      mma_slice_compute(acc, linacSharedMemory, linacSharedMemory + kMmaOperandBytes,
                        Operand::bf16, static_cast<int>(threadIdx.x));
#endif
    sync_consumers();
    mark(14);
    sync_consumers();
    mark(15);
    // Diagonal blocks of a decayed Gram matrix over 128 channels (gates
    // weak enough for the bf16 tensor-core form).
    Tile g32 = d.view(0, 0, 32, 32), gates = s.view(0, 0, 64, 128);
    gram_diag(blk, g32, a.view(0, 0, 32, 128), b.view(0, 0, 32, 128), gates, gates, false);
    mark(16);
    gram_diag(blk, g32, a.view(0, 0, 32, 128), b.view(0, 0, 32, 128), gates, gates, false,
              Operand::bf16);
    mark(17);
    gram_diag(blk, d, a, b, gates, gates, false);
    mark(18);
    gram_diag(blk, d, a, b, gates, gates, false, Operand::bf16);
    mark(19);
    cumulative(12.0f);
    mark(-1);
    gram_diag(blk, d, a, b, cum, cum, false, Operand::bf16);
    mark(20);
    cumulative(1.2f);
    mark(-1);
    gram_diag(blk, d, a, b, cum, cum, false, Operand::bf16);
    mark(21);
    // The row-block forms (session 17): gram=rows on the strong and the
    // moderate gates, and the bounded form (a proven bound of 5 per token,
    // KDA's safe gate) on gates within it.
    cumulative(12.0f);
    mark(-1);
    gram_diag(blk, d, a, b, cum, cum, false, Operand::bf16, 0.0f, true);
    mark(22);
    cumulative(1.2f);
    mark(-1);
    gram_diag(blk, d, a, b, cum, cum, false, Operand::bf16, 0.0f, true);
    mark(23);
    cumulative(5.0f);
    mark(-1);
    gram_diag(blk, d, a, b, cum, cum, false, Operand::bf16, 5.0f);
    mark(24);
    gram_diag(blk, d, a, b, cum, cum, false, Operand::bf16);
    mark(25);
  }
  if (acc[0] == 12345.0f)
    a.at(0, 1) = acc[1];
  if (fb.v[0][0] == 12345.0f && fs.v[0][0] == 1.0f) // keep the fragments live
    a.at(0, 0) = 1.0f;
}

int main() {
  const char *names[kOps] = {
      "mma 64x64 = A B^T (K 128), shared", "mma 64x128 = C A (K 64), shared",
      "mma 128x128 += A^T B (K 64), shared", "ew mul 64x128 by a column, shared",
      "tri_inv 64x64, shared", "ew mul into a 64x128 fragment",
      "mma 64x128 fragment = C frag (K 64)", "mma 128x128 fragment += frag^T B (K 64)",
      "ew sub, fragments only", "mma 64x128 fragment = A S-fragment (K 128)",
      "row_l2norm 64x128, shared", "decay_mask 64x64, shared",
      "piece: stage one 64x64 K slice (float4 path) + barrier", "piece: proxy fence + barrier",
      "piece: one K slice's tensor-core multiply (first warpgroup) + barrier",
      "piece: one barrier", "gram_diag 32x32 (128 channels), fp32",
      "gram_diag 32x32 (128 channels), bf16", "gram_diag 64x64 (128 channels), fp32",
      "gram_diag 64x64 (128 channels), bf16",
      "gram_diag 64x64 bf16, KDA's gates, strong (1.5-12 nats per token)",
      "gram_diag 64x64 bf16, KDA's gates, moderate (0.1-1.2 nats per token)",
      "gram_diag 64x64 bf16 gram=rows, KDA's gates, strong",
      "gram_diag 64x64 bf16 gram=rows, KDA's gates, moderate",
      "gram_diag 64x64 bf16, bound 5 (safe gate), gates 0.6-5 nats per token",
      "gram_diag 64x64 bf16, per-tile form, the same gates"};
  int *err;
  Launch *dL = cyclesLaunch(&err);
  size_t shared = kReservedSharedBytes + 4 * (2 * 64 * 128 + 2 * 64 * 64 + 128 * 128 + 64 + 64 * 128);
  cudaFuncSetAttribute(primitiveKernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                       static_cast<int>(shared));
  primitiveKernel<<<1, 256, shared>>>(dL);
  cudaError_t e = cudaDeviceSynchronize();
  if (e != cudaSuccess) {
    std::printf("primitive_cycles: %s\n", cudaGetErrorString(e));
    return 1;
  }
  unsigned long long h[kOps];
  cudaMemcpyFromSymbol(h, cycles, sizeof(h));
  const int herr = launchError(err);
  std::printf("| op | cycles per call |\n|---|---|\n");
  for (int k = 0; k < kOps; ++k)
    std::printf("| %s | %llu |\n", names[k], h[k] / kReps);
  if (herr)
    std::printf("the library reported an error (a bad argument)\n");
  return herr;
}
