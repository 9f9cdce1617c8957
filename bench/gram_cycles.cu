//===- gram_cycles.cu - what a decayed Gram block costs, spill-free ---------===//
//
// KDA's chunk loop spends a third of its cycles in two gram_diag calls
// (A = (beta k e^G)(k e^-G)^T strictly lower, M = (q e^G)(k e^-G)^T
// inclusive; bench/results/bench-h100.md, session 16's op profile). The op
// was last timed alone in bench/primitive_cycles.cu, whose kernel spills
// 1.6 KB and made every op 2-3.5x dearer than in team_cycles (session 23).
// This times it the way team_cycles times the other ops: one block of 256
// threads per SM, every SM busy, tiles in shared memory, no fragments, so
// nothing but the op is live. Per gate strength (per-token decays of each
// channel drawn from a range, cumulated down the rows as the chunk's G):
//   a plain 64 x 64 = L R^T matmul over 128 channels (what the Gram would
//   cost without its decays), gram_diag strictly lower, gram_diag
//   inclusive, gram_diag_pair making both at once (config grampair=on),
//   and A by the row-block form (config gram=rows) and by the bounded form
//   (kda_safe's gate: per-token decays at most 5 nats); then one warp's
//   pieces of the pair's per-tile form alone: a tile below the diagonal and
//   each kind of diagonal tile (split under strong gates).
//   nvcc -std=c++17 -O2 -gencode arch=compute_90a,code=sm_90a -Iruntime/device/cuda \
//     bench/gram_cycles.cu -o /tmp/gram_cycles && /tmp/gram_cycles
// (-DLINAC_GRAM_DIAG_LANES=0 and the library's other switches time its
// other forms.)
//
//===----------------------------------------------------------------------===//
#include "cycles_launch.cuh"

using namespace linac::tile;

constexpr int kReps = 16;
constexpr int kOps = 9;
constexpr int kForms = 5;
__device__ unsigned long long cycles[kForms][kOps];

// Per-token decays of each channel, in nats, drawn from [lo, hi].
// Rows `pitch` floats apart (128: unpadded as KDA's fused kernel; 132:
// config pad=on's 16 bytes, no bank conflicts in the accumulator layout).
struct Gates {
  const char *name;
  float lo, hi;
  int pitch;
};
constexpr Gates kGates[kForms] = {{"no decay", 0.0f, 0.0f, 128},
                                  {"weak (0.01-0.1)", 0.01f, 0.1f, 128},
                                  {"moderate (0.1-1.2)", 0.1f, 1.2f, 128},
                                  {"strong (1.5-12)", 1.5f, 12.0f, 128},
                                  {"moderate, rows padded", 0.1f, 1.2f, 132}};

/// A reproducible value in [0, 1) from two indices.
__device__ float unit(unsigned i, unsigned salt) {
  unsigned h = i * 2654435761u ^ (salt * 40503u + 0x9e3779b9u);
  h ^= h >> 15;
  h *= 0x2c1b3c6du;
  h ^= h >> 12;
  return (h & 0xffffff) / 16777216.0f;
}

// Tiles (fp32, shared): l0, l1, r, g (64 x 128) and d0, d1 (64 x 64):
// up to 170 KiB with the library's staging areas, one block per SM.
constexpr int kTileFloats = 4 * 64 * 132 + 2 * 64 * 68;

__global__ void __launch_bounds__(256) gramKernel(const Launch *L, int form, float lo, float hi,
                                                  int pitch) {
  CopyAccount account;
  Block blk(*L, blockIdx.x, 0, 0, 0, &account);
  float *base = reinterpret_cast<float *>(linacSharedMemory + kReservedSharedBytes);
  const int P = pitch, Q = pitch - 64, S = 64 * P; // Q: the 64-column tiles' pitch
  Tile l0{base, 64, 128, P}, l1{base + S, 64, 128, P}, r{base + 2 * S, 64, 128, P},
      g{base + 3 * S, 64, 128, P}, d0{base + 4 * S, 64, 64, Q},
      d1{base + 4 * S + 64 * Q, 64, 64, Q};
  // Unit-norm-sized rows (k and q are L2-normalised: entries ~ 128^-1/2)
  // and the chunk's cumulative gate G, non-increasing down each column.
  for (int e = static_cast<int>(threadIdx.x); e < 64 * 128; e += blockDim.x) {
    l0.at(e / 128, e % 128) = (unit(e, 1) - 0.5f) * 0.3f;
    l1.at(e / 128, e % 128) = (unit(e, 2) - 0.5f) * 0.3f;
    r.at(e / 128, e % 128) = (unit(e, 3) - 0.5f) * 0.3f;
  }
  for (int c = static_cast<int>(threadIdx.x); c < 128; c += blockDim.x) {
    float G = 0.0f;
    for (int i = 0; i < 64; ++i) {
      G -= lo + (hi - lo) * unit(i * 128 + c, 4);
      g.at(i, c) = G;
    }
  }
  sync_consumers();
  unsigned long long t0 = 0;
  const bool timer = blockIdx.x == 0 && threadIdx.x == 0;
  auto mark = [&](int k) {
    unsigned long long t = clock64();
    if (timer && k >= 0)
      cycles[form][k] += t - t0;
    t0 = t;
  };
  for (int rep = 0; rep < kReps; ++rep) {
    mark(-1);
    mma(blk, d0, l0, r, false, true, false, Operand::bf16);
    mark(0);
    gram_diag(blk, d0, l0, r, g, g, false, Operand::bf16);
    mark(1);
    gram_diag(blk, d1, l1, r, g, g, true, Operand::bf16);
    mark(2);
    gram_diag_pair(blk, d0, l0, false, d1, l1, true, r, g, g, Operand::bf16);
    mark(3);
    gram_diag(blk, d0, l0, r, g, g, false, Operand::bf16, 0.0f, true);
    mark(4);
    // (the bound holds for the first three gate strengths only)
    gram_diag(blk, d0, l0, r, g, g, false, Operand::bf16, 5.0f);
    mark(5);
    // What one warp's share is made of (the pair's per-tile form, warp 0
    // alone, the others at the barrier): a tile below the diagonal, and the
    // two diagonal tiles of the last row tile (J = 2I: its 8 x 8 block and,
    // when split, a tensor-core pass below it; J = 2I + 1: the block alone).
    const int units[3][2] = {{3, 0}, {3, 6}, {3, 7}};
    for (int k = 0; k < 3; ++k) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800 // (the tensor-core form's pieces)
      if (threadIdx.x < 32)
        gram_tile_pertile_pair(d0, l0, false, d1, l1, true, r, g, g, units[k][0], units[k][1]);
#endif
      sync_consumers();
      mark(6 + k);
    }
  }
}

int main() {
  const char *names[kOps] = {"mma 64x64 = L R^T (K 128), no decay",
                             "gram_diag 64x64 strictly lower (KDA's A)",
                             "gram_diag 64x64 inclusive (KDA's M)",
                             "gram_diag_pair (both at once)",
                             "gram_diag strictly lower, row-block form (gram=rows)",
                             "gram_diag strictly lower, bounded form (decays <= 5, kda_safe)",
                             "pair, one 16x8 tile below the diagonal (I 3, J 0), one warp",
                             "pair, diagonal tile J = 2I (I 3, J 6), one warp",
                             "pair, diagonal tile J = 2I + 1 (I 3, J 7), one warp"};
  int sms = 0;
  cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
  int *err;
  Launch *dL = cyclesLaunch(&err);
  const int shared = static_cast<int>(kReservedSharedBytes + 4 * kTileFloats);
  cudaFuncSetAttribute(gramKernel, cudaFuncAttributeMaxDynamicSharedMemorySize, shared);
  float ms[kForms] = {};
  for (int f = 0; f < kForms; ++f) {
    ms[f] = timeSecondPass(
        "gram_cycles",
        [&] {
          unsigned long long zero[kOps] = {};
          cudaMemcpyToSymbol(cycles, zero, sizeof(zero), f * sizeof(zero));
        },
        [&] {
          gramKernel<<<sms, 256, shared>>>(dL, f, kGates[f].lo, kGates[f].hi, kGates[f].pitch);
        });
    if (ms[f] < 0.0f)
      return 1;
  }
  unsigned long long h[kForms][kOps];
  cudaMemcpyFromSymbol(h, cycles, sizeof(h));
  std::printf("%d SMs, one block of 256 threads each (%d bytes of shared memory); cycles per "
              "call of block 0, mean of %d\n\n",
              sms, shared, kReps);
  const char *gates[kForms];
  for (int f = 0; f < kForms; ++f)
    gates[f] = kGates[f].name;
  printCycleTable("op \\ per-token decays", names, kOps, gates, kForms, &h[0][0], kReps, ms,
                  "kernel wall time (ms)");
  const int herr = launchError(err);
  if (herr)
    std::printf("the library reported an error (a bad argument)\n");
  return herr;
}
