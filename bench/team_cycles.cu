//===- team_cycles.cu - does a second chain of ops on an SM come for free? -===//
//
// The fused kernels run one dependent chain of block-wide ops per SM (one
// block of 256 threads). Whether ops owned by a team smaller than the block
// would pay (two chains per SM, each on 128 threads) depends on whether an
// op is bound by its latency (a second chain runs beside it at no cost) or
// by a throughput of the SM (shared-memory bandwidth, issue: a second chain
// halves each one's speed). This measures it without changing the library:
// the same chain of ops on tiles in shared memory, run by
//   1. one block of 256 threads per SM (today's kernels),
//   2. one block of 128 threads per SM (a team alone),
//   3. two blocks of 128 threads per SM (two teams side by side),
// every SM busy (a grid of SMs x blocks per SM). Cycles per op are clock64
// of block 0's thread 0, summed over the repetitions; the kernel's wall time
// tells the throughput. If 3's per-op cycles are close to 2's, two chains
// per SM nearly double the work done per cycle. Then, at 256 threads,
//   4. with 128 registers per thread of fragments live across the chain,
//   5. with 192 (the fused kernels hold 128 or 192: config frag),
// for what the registers the fragments take cost the other ops (the
// library's out-of-line calls save what is live around them), and
//   6. at 512 threads (the ops on shared tiles only), for whether more warps
//      on one chain make its steps shorter.
//   nvcc -std=c++17 -O2 -gencode arch=compute_90a,code=sm_90a -Iruntime/device/cuda \
//     bench/team_cycles.cu -o /tmp/team_cycles && /tmp/team_cycles
//
//===----------------------------------------------------------------------===//
#include "cycles_launch.cuh"

using namespace linac::tile;

constexpr int kReps = 32;
constexpr int kOps = 9;
constexpr int kForms = 6;
__device__ unsigned long long cycles[kForms][kOps];

// Tiles: a 64x128, c and d 64x64, col 64x1 (97 KiB with the library's
// staging areas: two blocks fit an SM).
constexpr int kTileFloats = 64 * 128 + 2 * 64 * 64 + 64;

/// Live: fragments of 64 x 128 (32 registers per thread each at 256
/// threads) kept live across the chain, added to once per repetition
/// outside the timed ops.
template <int Threads, int Live>
__global__ void __launch_bounds__(Threads) chainKernel(const Launch *L, int form) {
  // Fragments span at most two warpgroups: at 512 threads the fragment ops
  // are left out (their rows of the table read 0, or the few cycles of
  // clock64 itself).
  constexpr bool kFrags = Threads <= 2 * kWarpgroupThreads;
  constexpr int W = kFrags ? Threads / kWarpgroupThreads : 2;
  CopyAccount account;
  Block blk(*L, blockIdx.x, 0, 0, 0, &account);
  float *base = reinterpret_cast<float *>(linacSharedMemory + kReservedSharedBytes);
  Tile a{base, 64, 128, 128}, c{base + 64 * 128, 64, 64, 64},
      d{base + 64 * 128 + 64 * 64, 64, 64, 64},
      col{base + 64 * 128 + 2 * 64 * 64, 64, 1, 1};
  fill(blk, a, 0.01f);
  fill(blk, col, 0.5f);
  identity(blk, c);
  identity(blk, d);
  Frag<64, 128, W> fa{}, fb{}, live[Live > 0 ? Live : 1];
#pragma unroll
  for (int f = 0; f < Live; ++f)
    fill(blk, live[f], 0.001f * (f + 1));
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
    mma(blk, d, a, a, false, true, false, Operand::bf16); // 64x64 = A A^T, K = 128
    mark(0);
    if constexpr (kFrags)
      mma(blk, fa, c, a, false, false, false, Operand::bf16); // fragment 64x128 = C A, K 64
    mark(1);
    ew(blk, Ew::mul, a, a, col); // 64x128 in shared memory by a column
    mark(2);
    if constexpr (kFrags) {
      ew(blk, Ew::sub, fb, fb, fa); // fragments only
      mark(3);
      ew(blk, Ew::add, fb, fb, a); // fragment from shared
    }
    mark(4);
    tri_inv(blk, d, c);
    mark(5);
    row_l2norm(blk, c, d);
    mark(6);
    decay_mask(blk, c, col, col, true);
    mark(7);
    sync_consumers();
    mark(8);
    identity(blk, c);
#pragma unroll
    for (int f = 0; f < Live; ++f)
      ew(blk, Ew::add, live[f], live[f], fb);
  }
  float keep = fb.v[0][0] + fa.v[0][1];
#pragma unroll
  for (int f = 0; f < Live; ++f)
#pragma unroll
    for (int r = 0; r < 32; ++r)
      keep += live[f].v[0][r];
  if (keep == 12345.0f) // keep the fragments live
    a.at(0, 0) = 1.0f;
}

int main() {
  const char *names[kOps] = {"mma 64x64 = A A^T (K 128), shared",
                             "mma 64x128 fragment = C A (K 64)",
                             "ew mul 64x128 by a column, shared",
                             "ew sub, fragments only",
                             "ew add, fragment and shared 64x128",
                             "tri_inv 64x64, shared",
                             "row_l2norm 64x64, shared",
                             "decay_mask 64x64, shared",
                             "one barrier"};
  int sms = 0;
  cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
  int *err;
  Launch *dL = cyclesLaunch(&err);
  const int shared = static_cast<int>(kReservedSharedBytes + 4 * kTileFloats);
  struct Form {
    const char *name;
    void (*kernel)(const Launch *, int);
    int threads, perSM;
  } forms[kForms] = {
      {"256 threads", chainKernel<256, 0>, 256, 1},
      {"128 threads", chainKernel<128, 0>, 128, 1},
      {"2 x 128 threads", chainKernel<128, 0>, 128, 2},
      {"256 threads, 128 regs live", chainKernel<256, 4>, 256, 1},
      {"256 threads, 192 regs live", chainKernel<256, 6>, 256, 1},
      {"512 threads (no fragment ops)", chainKernel<512, 0>, 512, 1}};
  for (const Form &f : forms)
    cudaFuncSetAttribute(f.kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, shared);
  int resident = 0;
  cudaOccupancyMaxActiveBlocksPerMultiprocessor(&resident, chainKernel<128, 0>, 128, shared);
  float ms[kForms] = {};
  for (int f = 0; f < kForms; ++f) {
    ms[f] = timeSecondPass(
        "team_cycles",
        [&] {
          unsigned long long zero[kOps] = {};
          cudaMemcpyToSymbol(cycles, zero, sizeof(zero), f * sizeof(zero));
        },
        [&] {
          forms[f].kernel<<<sms * forms[f].perSM, forms[f].threads, shared>>>(dL, f);
        });
    if (ms[f] < 0.0f)
      return 1;
  }
  unsigned long long h[kForms][kOps];
  cudaMemcpyFromSymbol(h, cycles, sizeof(h));
  std::printf("%d SMs; %d blocks of 128 threads fit an SM (%d bytes of shared memory each); "
              "one block per SM unless said\n\n",
              sms, resident, shared);
  const char *formNames[kForms];
  for (int f = 0; f < kForms; ++f)
    formNames[f] = forms[f].name;
  printCycleTable("op (cycles per call, block 0)", names, kOps, formNames, kForms, &h[0][0],
                  kReps, ms, "kernel wall time (ms; every SM busy)");
  std::printf("| chains finished per ms |");
  for (int f = 0; f < kForms; ++f)
    std::printf(" %.0f |", sms * forms[f].perSM / ms[f]);
  std::printf("\n");
  const int herr = launchError(err);
  if (herr)
    std::printf("the library reported an error (a bad argument)\n");
  return herr;
}
