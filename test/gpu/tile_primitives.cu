//===- tile_primitives.cu - each CUDA tile-library primitive on the GPU ----===//
//
// Built and run on the GPU machine by scripts/gpu-check/run.sh, twice: as an
// sm_90a cubin (the wgmma path) and as compute_80 PTX that the driver
// compiles for the GPU at hand (the sm_80 mma.sync/ldmatrix path); CI
// compiles it to PTX for both (test/gpu/compile.test). Tests: the mma
// fragment layouts and products, the asynchronous copies (bulk copies
// on mbarriers, cp.async groups, converting loads) with ragged tiles,
// strides, mbarrier reuse and workspace tiles, and every element-wise,
// reduction, mask and triangular op against float64, with and without warp
// roles. One line per test,
// "ok" or "FAIL"; the exit status is the number of failures.
//
//   tile_primitives
//
//===----------------------------------------------------------------------===//
#include "linac_tile_cuda.cuh"

#include <cuda_fp16.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

using namespace linac::tile;

#define CHECK_CUDA(x)                                                          \
  do {                                                                         \
    cudaError_t e_ = (x);                                                      \
    if (e_ != cudaSuccess) {                                                   \
      std::printf("CUDA error %s at %s:%d\n", cudaGetErrorString(e_),          \
                  __FILE__, __LINE__);                                         \
      std::exit(100);                                                          \
    }                                                                          \
  } while (0)

static int failures = 0;
static void report(const char *name, bool ok, const char *detail) {
  std::printf("%-48s %-40s %s\n", name, detail, ok ? "ok" : "FAIL");
  failures += !ok;
}

/// The cpu target's operand rounding (runtime/device/cpu/linac_tile.h),
/// written again here so that the test does not trust the library's copy.
static float roundHost(float x, Operand t) {
  int drop = t == Operand::f32 ? 0 : t == Operand::bf16 ? 16 : 13;
  if (drop == 0 || !std::isfinite(x))
    return x;
  uint32_t u;
  std::memcpy(&u, &x, 4);
  uint32_t half = 1u << (drop - 1), mask = (1u << drop) - 1, rem = u & mask;
  u &= ~mask;
  if (rem > half || (rem == half && (u & (1u << drop))))
    u += 1u << drop;
  std::memcpy(&x, &u, 4);
  return x;
}

static const char *typeName(Operand t) {
  return t == Operand::bf16 ? "bf16" : t == Operand::f16 ? "f16" : t == Operand::tf32 ? "tf32" : "f32";
}

// ---- which matmul path the device code took --------------------------------

__global__ void pathKernel(int *out) {
#if defined(LINAC_TENSOR_CORES) && defined(__CUDA_ARCH_FEAT_SM90_ALL)
  *out = 2;
#elif defined(LINAC_TENSOR_CORES)
  *out = 1;
#else
  *out = 0;
#endif
}

// ---- the accumulator fragment layout ---------------------------------------

/// One 64 x 64 x 64 product through the staging and mma_slice, the raw
/// accumulator registers written out: out[tid * 32 + r].
__global__ void fragmentKernel(Tile a, Tile b, Operand type, float *out) {
#ifdef LINAC_TENSOR_CORES
  float d[32];
  for (int r = 0; r < 32; ++r)
    d[r] = 0.0f;
  char *sa = linacSharedMemory, *sb = sa + kMmaOperandBytes;
  int perRow = type == Operand::tf32 ? 32 : 64;
  for (int k0 = 0; k0 < 64; k0 += perRow) {
    __syncthreads();
    stage_operand(sa, a, false, 0, 64, k0, 64, type, consumer_team());
    stage_operand(sb, b, true, 0, 64, k0, 64, type, consumer_team());
    mma_slice(d, sa, sb, type, consumer_team());
  }
  for (int r = 0; r < 32; ++r)
    out[threadIdx.x * 32 + r] = d[r];
#endif
}

/// acc = A B with A or B the identity and the other holding its row (or
/// column) index: each register must hold the row (column) acc_coord says.
static void testFragments(Operand type) {
  float *dA, *dB, *dOut;
  CHECK_CUDA(cudaMalloc(&dA, 64 * 64 * 4));
  CHECK_CUDA(cudaMalloc(&dB, 64 * 64 * 4));
  CHECK_CUDA(cudaMalloc(&dOut, 128 * 32 * 4));
  for (int which = 0; which < 4; ++which) {
    // 0: A = I, B(k,n) = k -> row;   1: A = I, B(k,n) = n -> column;
    // 2: A(i,k) = i, B = I -> row;   3: A(i,k) = k, B = I -> column.
    std::vector<float> A(64 * 64), B(64 * 64);
    for (int i = 0; i < 64; ++i)
      for (int j = 0; j < 64; ++j) {
        float id = i == j ? 1.0f : 0.0f;
        A[i * 64 + j] = which < 2 ? id : (which == 2 ? i : j);
        B[i * 64 + j] = which >= 2 ? id : (which == 0 ? i : j);
      }
    CHECK_CUDA(cudaMemcpy(dA, A.data(), A.size() * 4, cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaMemcpy(dB, B.data(), B.size() * 4, cudaMemcpyHostToDevice));
    fragmentKernel<<<1, 128, kReservedSharedBytes>>>(Tile{dA, 64, 64, 64},
                                                     Tile{dB, 64, 64, 64}, type, dOut);
    CHECK_CUDA(cudaDeviceSynchronize());
    std::vector<float> out(128 * 32);
    CHECK_CUDA(cudaMemcpy(out.data(), dOut, out.size() * 4, cudaMemcpyDeviceToHost));
    int bad = 0;
    for (int tid = 0; tid < 128; ++tid)
      for (int r = 0; r < 32; ++r) {
        int row, col;
        acc_coord(tid, r, row, col);
        float want = (which == 0 || which == 2) ? row : col;
        bad += out[tid * 32 + r] != want;
      }
    static const char *names[] = {"A=I, B=row index", "A=I, B=column index",
                                  "A=row index, B=I", "A=column index, B=I"};
    char name[96], detail[64];
    std::snprintf(name, sizeof name, "fragment layout %s %s", typeName(type), names[which]);
    std::snprintf(detail, sizeof detail, "%d of 4096 registers misplaced", bad);
    report(name, bad == 0, detail);
  }
  cudaFree(dA);
  cudaFree(dB);
  cudaFree(dOut);
}

// ---- staging fragments for the tensor cores -------------------------------------

/// A value exact in bf16 and f16 (a multiple of 1/8 below 16 in magnitude).
__host__ __device__ inline float stageValue(int i, int j) {
  return static_cast<float>((i * 131 + j * 7) % 251 - 125) / 8.0f;
}

/// A 64 x 128 fragment held by two consumer warpgroups (256 threads), its
/// element (i, j) stageValue(i, j); each K slice a matmul could take is
/// staged as the matmuls do, into slot `slice` of out (raw 16-bit values in
/// the core-matrix layout): trans 0: rows of the fragment are rows of the
/// slice (K along its columns; slices (0, 0) and (0, 64)); trans 1: its
/// columns are (K along its rows, the transposed form; slices (0, 0) and
/// (64, 0)). On sm_90 by stmatrix, on the sm_80 path by 16/32-bit stores.
__global__ void __launch_bounds__(256, 1) fragStageKernel(int trans, Operand type, unsigned short *out) {
#ifdef LINAC_TENSOR_CORES
  using F = Frag<64, 128, 2>;
  F f{};
  frag_visit<F>([&](int s, int r, int i, int j) { f.v[s][r] = stageValue(i, j); });
  for (int slice = 0; slice < 2; ++slice) {
    char *dst = linacSharedMemory + slice * kMmaOperandBytes;
    if (trans) // x(row, k) = f(k, row): rows are columns 0..63 or 64..127
      stage_any(dst, f, true, 64 * slice, 0, type);
    else // x(row, k) = f(row, k): K is columns 0..63 or 64..127
      stage_any(dst, f, false, 0, 64 * slice, type);
  }
  __syncthreads();
  const unsigned short *staged = reinterpret_cast<const unsigned short *>(linacSharedMemory);
  for (int e = threadIdx.x; e < 2 * kMmaOperandBytes / 2; e += blockDim.x)
    out[e] = staged[e];
#endif
}

/// Every staged 16-bit value must be the fragment's value where
/// staged_offset puts it.
static void testFragStaging(Operand type) {
  unsigned short *dOut;
  CHECK_CUDA(cudaMalloc(&dOut, 2 * kMmaOperandBytes));
  for (int trans = 0; trans < 2; ++trans) {
    CHECK_CUDA(cudaMemset(dOut, 0xff, 2 * kMmaOperandBytes));
    fragStageKernel<<<1, 256, kReservedSharedBytes>>>(trans, type, dOut);
    CHECK_CUDA(cudaGetLastError());
    CHECK_CUDA(cudaDeviceSynchronize());
    std::vector<unsigned short> got(kMmaOperandBytes);
    CHECK_CUDA(cudaMemcpy(got.data(), dOut, got.size() * 2, cudaMemcpyDeviceToHost));
    int bad = 0;
    for (int slice = 0; slice < 2; ++slice)
      for (int row = 0; row < 64; ++row)
        for (int k = 0; k < 64; ++k) {
          float x = trans ? stageValue(k, 64 * slice + row) : stageValue(row, 64 * slice + k);
          unsigned short want;
          if (type == Operand::bf16) {
            uint32_t bits;
            std::memcpy(&bits, &x, 4);
            want = static_cast<unsigned short>(bits >> 16); // exact: no rounding
          } else {
            __half h = __float2half(x);
            std::memcpy(&want, &h, 2);
          }
          bad += got[(slice * kMmaOperandBytes + staged_offset(row, 2 * k)) / 2] != want;
        }
    char name[96], detail[64];
    std::snprintf(name, sizeof name, "fragment staging %s, K along its %s", typeName(type),
                  trans ? "rows (transposed)" : "columns");
    std::snprintf(detail, sizeof detail, "%d of 8192 staged values wrong", bad);
    report(name, bad == 0, detail);
  }
  cudaFree(dOut);
}

/// Kernels launched with up to 288 threads (two consumer warpgroups and a
/// producer warp) must fit that block's registers, as emitted kernels do by
/// their launch bounds; a launch that fails is reported, not read as zeros.
#define LINAC_TEST_BOUNDS __launch_bounds__(288, 1)

/// The block shape in a test's name: one consumer warpgroup (128 threads,
/// no suffix) or two (256), with a producer warp (warp roles) or not.
static const char *blockLabel(int threads) {
  switch (threads) {
  case 128: return "";
  case 160: return " roles";
  case 256: return " 8 warps";
  default: return " 8 warps roles";
  }
}

// ---- mma: every operand type, transpose and shape ---------------------------

__global__ void LINAC_TEST_BOUNDS mmaKernel(const Launch *L, Tile acc, Tile a, Tile b, bool ta,
                          bool tb, bool accumulate, Operand type, bool subtract) {
  CopyAccount account;
  Block blk(*L, 0, 0, 0, 0, &account);
  mma(blk, acc, a, b, ta, tb, accumulate, type, subtract);
}

/// subtract (with accumulate): acc -= op(a) op(b) (tile-fold-accumulate's
/// differences, config foldsub=on).
static void testMma(Operand type, int M, int N, int Kc, bool ta, bool tb,
                    bool accumulate, int pad, Launch *dL, int threads = 128,
                    bool subtract = false) {
  std::mt19937 rng(M * 131 + N * 17 + Kc + ta * 7 + tb * 3 + accumulate + 5 * subtract);
  const double sign = subtract ? -1.0 : 1.0;
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  // Each operand lives in a wider allocation (leading dimension = cols + pad)
  // so that views with ld != cols are exercised.
  int ar = ta ? Kc : M, ac = ta ? M : Kc, br = tb ? N : Kc, bc = tb ? Kc : N;
  int lda = ac + pad, ldb = bc + pad, ldc = N + pad;
  std::vector<float> A(ar * lda), B(br * ldb), C(M * ldc);
  for (float &x : A) x = u(rng);
  for (float &x : B) x = u(rng);
  for (float &x : C) x = u(rng);
  std::vector<double> want(M * N);
  double scale = 0;
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      double s = accumulate ? C[i * ldc + j] : 0.0;
      for (int l = 0; l < Kc; ++l)
        s += sign * double(roundHost(ta ? A[l * lda + i] : A[i * lda + l], type)) *
             double(roundHost(tb ? B[j * ldb + l] : B[l * ldb + j], type));
      want[i * N + j] = s;
      scale = std::max(scale, std::fabs(s));
    }
  float *dA, *dB, *dC;
  CHECK_CUDA(cudaMalloc(&dA, A.size() * 4));
  CHECK_CUDA(cudaMalloc(&dB, B.size() * 4));
  CHECK_CUDA(cudaMalloc(&dC, C.size() * 4));
  CHECK_CUDA(cudaMemcpy(dA, A.data(), A.size() * 4, cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMemcpy(dB, B.data(), B.size() * 4, cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMemcpy(dC, C.data(), C.size() * 4, cudaMemcpyHostToDevice));
  mmaKernel<<<1, threads, kReservedSharedBytes>>>(dL, Tile{dC, M, N, ldc}, Tile{dA, ar, ac, lda},
                                              Tile{dB, br, bc, ldb}, ta, tb, accumulate, type,
                                              subtract);
  CHECK_CUDA(cudaGetLastError());
  CHECK_CUDA(cudaDeviceSynchronize());
  std::vector<float> got(C.size());
  CHECK_CUDA(cudaMemcpy(got.data(), dC, C.size() * 4, cudaMemcpyDeviceToHost));
  double err = 0;
  bool padKept = true; // columns beyond N of the wider allocation untouched
  for (int i = 0; i < M; ++i) {
    for (int j = 0; j < N; ++j)
      err = std::max(err, std::fabs(got[i * ldc + j] - want[i * N + j]));
    for (int j = N; j < ldc; ++j)
      padKept &= got[i * ldc + j] == C[i * ldc + j];
  }
  // fp32 accumulation of exact products, in another order: a few ulps of
  // the largest partial sum.
  double rel = err / std::max(scale, 1e-30);
  // fp32 operands take the SIMT path, which sums each output over l in
  // order with fused multiply-adds (4 x 4 outputs per thread, or one where
  // a side is not a multiple of 4): exactly the host's fmaf chain.
  bool exact = true;
  if (type == Operand::f32)
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        // (subtract: -((-acc) + the chain), as the library computes it.)
        float s = accumulate ? float(sign) * C[i * ldc + j] : 0.0f;
        for (int l = 0; l < Kc; ++l)
          s = std::fmaf(ta ? A[l * lda + i] : A[i * lda + l],
                        tb ? B[j * ldb + l] : B[l * ldb + j], s);
        exact &= got[i * ldc + j] == float(sign) * s;
      }
  bool ok = rel <= 2e-6 * std::sqrt(double(Kc)) && padKept && exact;
  char name[96], detail[64];
  std::snprintf(name, sizeof name, "mma %s %dx%dx%d%s%s%s%s%s", typeName(type), M, N, Kc,
                ta ? " ta" : "", tb ? " tb" : "", subtract ? " sub" : accumulate ? " acc" : "",
                pad % 4 ? "" : " aligned", blockLabel(threads));
  std::snprintf(detail, sizeof detail, "max error %.2e of %.2e%s%s", err, scale,
                padKept ? "" : ", wrote outside the view",
                exact ? "" : ", not the fmaf chain");
  report(name, ok, detail);
  cudaFree(dA);
  cudaFree(dB);
  cudaFree(dC);
}

/// A launch of one global tensor `name` (the other fields zero), failures
/// reported to `error`.
static Launch oneGlobalLaunch(const char *name, void *data, int dtype, int64_t rows,
                              int64_t heads, int64_t cols, int64_t rowStride,
                              int64_t headStride, int *error) {
  Launch hL;
  std::memset(&hL, 0, sizeof hL);
  hL.numGlobals = 1;
  Global &g = hL.globals[0];
  std::snprintf(g.name, sizeof g.name, "%s", name);
  g.data = data;
  g.dtype = dtype;
  g.rows = rows;
  g.heads = heads;
  g.cols = cols;
  g.rowStride = rowStride;
  g.headStride = headStride;
  hL.error = error;
  return hL;
}

/// On the device: a launch of one workspace `name` with two slots of
/// `slotElements` values, (seq 0, head 0) x 2 chunks (store_tile and
/// copy_tile_async address slot `chunk`).
static Launch *twoSlotLaunch(const char *name, void *data, int dtype, int64_t slotElements,
                             int *error) {
  Launch hL = oneGlobalLaunch(name, data, dtype, 2, 1, slotElements, slotElements, slotElements,
                              error);
  hL.N = 1;
  hL.HV = 1;
  hL.chunks = 2;
  Launch *dL;
  CHECK_CUDA(cudaMalloc(&dL, sizeof(Launch)));
  CHECK_CUDA(cudaMemcpy(dL, &hL, sizeof hL, cudaMemcpyHostToDevice));
  return dL;
}

// ---- owned fragments (tile-own-columns): the state pass's ops per warp ---------

/// The state pass's ops on tiles whose V columns the warps own: b (KD x C,
/// the state) from h0 by load_state, acc (M x C) = u by an element-wise copy
/// from shared memory, acc (+/-)= op(a) b with a in shared memory (fp32 or
/// bf16, transposed or not), b *= d (a KD x 1 column, broadcast), b to ht by
/// store_state and rows [0, valid) of acc to o by store_rows.
/// Bytes of a's padded rows at the start of ownKernel's shared memory: the
/// kernel's offsets and the launch's size both from here.
__host__ __device__ constexpr int ownABytes(int rows, int cols, bool a16) {
  return rows * (cols + (a16 ? 8 : 4)) * (a16 ? 2 : 4);
}

template <int M, int KD, int C, int W, bool A16>
__global__ void LINAC_TEST_BOUNDS ownKernel(const Launch *L, Tile a, Tile u, Tile d, bool ta,
                                            bool accumulate, bool subtract, int valid,
                                            bool bInMemory) {
  CopyAccount account;
  Block blk(*L, 0, 0, 0, 0, &account);
  char *base = linacSharedMemory + kReservedSharedBytes;
  const int lda = a.cols + (A16 ? 8 : 4), ldu = C + 4;
  float *pa = reinterpret_cast<float *>(base);
  unsigned short *pa16 = reinterpret_cast<unsigned short *>(base);
  float *pu = reinterpret_cast<float *>(base + ownABytes(a.rows, a.cols, A16));
  float *pd = pu + M * ldu;
  float *pb = pd + KD; // b in memory (bInMemory): h0 again, rows padded
  const int ldb = C + 4;
  const int tid = static_cast<int>(threadIdx.x), n = static_cast<int>(blockDim.x);
  for (int e = tid; e < a.rows * a.cols; e += n) {
    const int i = e / a.cols, j = e % a.cols;
    if (A16)
      pa16[i * lda + j] = to_bf16(a.at(i, j));
    else
      pa[i * lda + j] = a.at(i, j);
  }
  for (int e = tid; e < M * C; e += n)
    pu[e / C * ldu + e % C] = u.at(e / C, e % C);
  for (int e = tid; e < KD; e += n)
    pd[e] = d.at(e, 0);
  const float *h0 = L->find("h0")->f32data();
  for (int e = tid; e < KD * C; e += n)
    pb[e / C * ldb + e % C] = h0[e];
  __syncthreads();
  const Tile su{pu, M, C, ldu}, sd{pd, KD, 1, 1};
  OwnFrag<KD, C, W> b;
  OwnFrag<M, C, W> acc;
  load_state(blk, b, 0, 0, 0);
  ew(blk, Ew::copy, acc, su);
  const Tile sb{pb, KD, C, ldb};
  if (A16 && bInMemory)
    mma(blk, acc, Tile16{pa16, a.rows, a.cols, lda}, sb, ta, false, accumulate, Operand::bf16,
        subtract);
  else if (A16)
    mma(blk, acc, Tile16{pa16, a.rows, a.cols, lda}, b, ta, false, accumulate, Operand::bf16,
        subtract);
  else if (bInMemory)
    mma(blk, acc, Tile{pa, a.rows, a.cols, lda}, sb, ta, false, accumulate, Operand::bf16,
        subtract);
  else
    mma(blk, acc, Tile{pa, a.rows, a.cols, lda}, b, ta, false, accumulate, Operand::bf16,
        subtract);
  ew(blk, Ew::mul, b, sd, b);
  store_state(blk, b, 0, 0, 0);
  store_rows(blk, L->global("o"), acc, 0, 0, valid, 0, 0);
}

template <int M, int KD, int C, int W, bool A16>
static void testOwned(bool ta, bool accumulate, bool subtract, int valid, bool bInMemory = false) {
  std::mt19937 rng(M * 7 + KD * 3 + C + W + A16 * 11 + ta * 5 + accumulate * 2 + subtract);
  std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
  const int ar = ta ? KD : M, ac = ta ? M : KD;
  std::vector<float> A(ar * ac), U(M * C), D(KD), H0(KD * C);
  for (float &x : A) x = uni(rng);
  for (float &x : U) x = uni(rng);
  for (float &x : D) x = uni(rng);
  for (float &x : H0) x = uni(rng);
  const double sign = subtract ? -1.0 : 1.0;
  std::vector<double> want(M * C);
  double scale = 0;
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < C; ++j) {
      double s = accumulate ? sign * U[i * C + j] : 0.0;
      for (int l = 0; l < KD; ++l)
        s += double(roundHost(ta ? A[l * ac + i] : A[i * ac + l], Operand::bf16)) *
             double(roundHost(H0[l * C + j], Operand::bf16));
      want[i * C + j] = sign * s;
      scale = std::max(scale, std::fabs(s));
    }
  float *dA, *dU, *dD, *dH0, *dHt, *dO;
  int *dError;
  CHECK_CUDA(cudaMalloc(&dA, A.size() * 4));
  CHECK_CUDA(cudaMalloc(&dU, U.size() * 4));
  CHECK_CUDA(cudaMalloc(&dD, D.size() * 4));
  CHECK_CUDA(cudaMalloc(&dH0, H0.size() * 4));
  CHECK_CUDA(cudaMalloc(&dHt, H0.size() * 4));
  CHECK_CUDA(cudaMalloc(&dO, U.size() * 4));
  CHECK_CUDA(cudaMalloc(&dError, 4));
  CHECK_CUDA(cudaMemcpy(dA, A.data(), A.size() * 4, cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMemcpy(dU, U.data(), U.size() * 4, cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMemcpy(dD, D.data(), D.size() * 4, cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMemcpy(dH0, H0.data(), H0.size() * 4, cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMemset(dHt, 0, H0.size() * 4));
  CHECK_CUDA(cudaMemset(dO, 0x7f, U.size() * 4)); // rows past valid keep this
  CHECK_CUDA(cudaMemset(dError, 0, 4));
  int unused = 0;
  Launch hL = oneGlobalLaunch("h0", dH0, f32, 1, 1, KD * C, KD * C, KD * C, &unused);
  hL.numGlobals = 3;
  auto named = [&](Global &g, const char *name, float *data, int64_t rows, int64_t cols) {
    std::memset(&g, 0, sizeof g);
    std::snprintf(g.name, sizeof g.name, "%s", name);
    g.data = data;
    g.dtype = f32;
    g.rows = rows;
    g.heads = 1;
    g.cols = cols;
    g.rowStride = cols;
    g.headStride = cols;
  };
  named(hL.globals[1], "ht", dHt, 1, KD * C);
  named(hL.globals[2], "o", dO, M, C);
  hL.B = hL.N = hL.H = hL.HV = 1;
  hL.K = KD;
  hL.V = C;
  hL.hasInitialState = 1;
  hL.error = dError;
  Launch *dL;
  CHECK_CUDA(cudaMalloc(&dL, sizeof(Launch)));
  CHECK_CUDA(cudaMemcpy(dL, &hL, sizeof hL, cudaMemcpyHostToDevice));
  const int smem = int(kReservedSharedBytes) + ownABytes(ar, ac, A16) + M * (C + 4) * 4 +
                   KD * 4 + KD * (C + 4) * 4;
  CHECK_CUDA(cudaFuncSetAttribute(ownKernel<M, KD, C, W, A16>,
                                  cudaFuncAttributeMaxDynamicSharedMemorySize, smem));
  ownKernel<M, KD, C, W, A16><<<1, 32 * W, smem>>>(dL, Tile{dA, ar, ac, ac}, Tile{dU, M, C, C},
                                                   Tile{dD, KD, 1, 1}, ta, accumulate,
                                                   subtract, valid, bInMemory);
  CHECK_CUDA(cudaGetLastError());
  CHECK_CUDA(cudaDeviceSynchronize());
  std::vector<float> O(U.size()), Ht(H0.size());
  int error = 0;
  CHECK_CUDA(cudaMemcpy(O.data(), dO, O.size() * 4, cudaMemcpyDeviceToHost));
  CHECK_CUDA(cudaMemcpy(Ht.data(), dHt, Ht.size() * 4, cudaMemcpyDeviceToHost));
  CHECK_CUDA(cudaMemcpy(&error, dError, 4, cudaMemcpyDeviceToHost));
  double err = 0;
  bool untouched = true, stateExact = true;
  float sentinel;
  std::memset(&sentinel, 0x7f, 4);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < C; ++j) {
      if (i < valid)
        err = std::max(err, std::fabs(O[i * C + j] - want[i * C + j]));
      else
        untouched &= std::memcmp(&O[i * C + j], &sentinel, 4) == 0;
    }
  for (int l = 0; l < KD; ++l)
    for (int j = 0; j < C; ++j)
      stateExact &= Ht[l * C + j] == D[l] * H0[l * C + j];
  const bool ok = err / std::max(scale, 1e-30) <= 2e-6 * std::sqrt(double(KD)) && untouched &&
                  stateExact && !error;
  char name[96], detail[96];
  std::snprintf(name, sizeof name, "owned %dx%dx%d %d warps%s%s%s%s, %d rows", M, C, KD, W,
                A16 ? " bf16 tile" : "", ta ? " ta" : "",
                subtract ? " sub" : accumulate ? " acc" : "", bInMemory ? " b in memory" : "",
                valid);
  std::snprintf(detail, sizeof detail, "max error %.2e of %.2e%s%s%s", err, scale,
                untouched ? "" : ", wrote past valid", stateExact ? "" : ", state wrong",
                error ? ", launch failed" : "");
  report(name, ok, detail);
  for (void *p : {(void *)dA, (void *)dU, (void *)dD, (void *)dH0, (void *)dHt, (void *)dO,
                  (void *)dError, (void *)dL})
    cudaFree(p);
}

/// The shapes of the delta rule's state pass at K = V = 128, chunk 64: o =
/// (q e^G) S, V' = U - W S, o += M V', S += Kd^T V'; 8 warps of 16 columns
/// and 4 of 32 (or of 16 at a V tile of 64).
static void testOwnedAll() {
  for (bool a16 : {false, true}) {
    for (int form = 0; form < 3; ++form) {
      const bool acc = form > 0, sub = form == 2;
      if (a16) {
        testOwned<64, 128, 128, 8, true>(false, acc, sub, 64);
        testOwned<64, 64, 128, 8, true>(false, acc, sub, 61);
        testOwned<128, 64, 128, 8, true>(true, acc, sub, 128);
        testOwned<64, 128, 128, 4, true>(true, acc, sub, 37);
        testOwned<64, 128, 64, 4, true>(false, acc, sub, 64);
      } else {
        testOwned<64, 128, 128, 8, false>(false, acc, sub, 64);
        testOwned<64, 64, 128, 8, false>(false, acc, sub, 61);
        testOwned<128, 64, 128, 8, false>(true, acc, sub, 128);
        testOwned<64, 128, 128, 4, false>(true, acc, sub, 37);
        testOwned<64, 128, 64, 4, false>(false, acc, sub, 64);
      }
    }
  }
  // b in memory (a plain update's o += M V, S += K^T V): its A fragments
  // read from a shared tile.
  for (int form = 0; form < 3; ++form) {
    const bool acc = form > 0, sub = form == 2;
    testOwned<64, 64, 128, 8, true>(false, acc, sub, 64, true);
    testOwned<128, 64, 128, 8, false>(true, acc, sub, 128, true);
    testOwned<64, 128, 64, 4, false>(false, acc, sub, 50, true);
  }
}

// ---- bf16 tiles (tile-store-16bit): copies into them, matmuls from them -------

/// a and b copied into bf16 shared tiles (one element-wise copy each, from
/// a tile in memory), then acc16 = op(a16) op(b16) and acc = op(a) op(b),
/// both with bf16 operands: the same products.
__global__ void LINAC_TEST_BOUNDS mma16Kernel(const Launch *L, Tile acc16, Tile acc, Tile a, Tile b,
                                             bool ta, bool tb, int bOffset) {
  CopyAccount account;
  Block blk(*L, 0, 0, 0, 0, &account);
  Buffer16 ha = blk.alloc16(shared, a.rows, a.cols, 1, "a16", 0);
  Buffer16 hb = blk.alloc16(shared, b.rows, b.cols, 1, "b16", bOffset);
  ew(blk, Ew::copy, ha.stage(0), a);
  ew(blk, Ew::copy, hb.stage(0), b);
  mma(blk, acc16, ha.stage(0), hb.stage(0), ta, tb, false, Operand::bf16);
  mma(blk, acc, a, b, ta, tb, false, Operand::bf16);
}

static void testMma16(int M, int N, int Kc, bool ta, bool tb, Launch *dL, int threads) {
  std::mt19937 rng(M * 7 + N * 3 + Kc + ta * 5 + tb);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  int ar = ta ? Kc : M, ac = ta ? M : Kc, br = tb ? N : Kc, bc = tb ? Kc : N;
  std::vector<float> A(ar * ac), B(br * bc);
  for (float &x : A) x = u(rng);
  for (float &x : B) x = u(rng);
  float *dA, *dB, *dC16, *dC;
  CHECK_CUDA(cudaMalloc(&dA, A.size() * 4));
  CHECK_CUDA(cudaMalloc(&dB, B.size() * 4));
  CHECK_CUDA(cudaMalloc(&dC16, M * N * 4));
  CHECK_CUDA(cudaMalloc(&dC, M * N * 4));
  CHECK_CUDA(cudaMemcpy(dA, A.data(), A.size() * 4, cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMemcpy(dB, B.data(), B.size() * 4, cudaMemcpyHostToDevice));
  const int aBytes = (ar * ac * 2 + 15) / 16 * 16, bBytes = br * bc * 2;
  mma16Kernel<<<1, threads, kReservedSharedBytes + aBytes + bBytes>>>(
      dL, Tile{dC16, M, N, N}, Tile{dC, M, N, N}, Tile{dA, ar, ac, ac}, Tile{dB, br, bc, bc}, ta,
      tb, aBytes);
  CHECK_CUDA(cudaGetLastError());
  CHECK_CUDA(cudaDeviceSynchronize());
  std::vector<float> got16(M * N), got(M * N);
  CHECK_CUDA(cudaMemcpy(got16.data(), dC16, M * N * 4, cudaMemcpyDeviceToHost));
  CHECK_CUDA(cudaMemcpy(got.data(), dC, M * N * 4, cudaMemcpyDeviceToHost));
  int differ = 0;
  for (int i = 0; i < M * N; ++i)
    differ += got16[i] != got[i];
  char name[96], detail[64];
  std::snprintf(name, sizeof name, "mma from bf16 tiles %dx%dx%d%s%s%s", M, N, Kc, ta ? " ta" : "",
                tb ? " tb" : "", blockLabel(threads));
  std::snprintf(detail, sizeof detail, "%d of %d outputs differ from fp32 tiles'", differ, M * N);
  report(name, differ == 0, detail);
  cudaFree(dA);
  cudaFree(dB);
  cudaFree(dC16);
  cudaFree(dC);
}

/// store_tile into a bf16 workspace (rounding), copy_tile_async of that slot
/// into a bf16 stage (its rows as bytes: bulk copies on sm_90, cp.async on
/// sm_80; `valid` 0: zeros, nothing read), then acc16 = I * stage and
/// acc = I * src with bf16 operands: the same products.
__global__ void LINAC_TEST_BOUNDS ws16Kernel(const Launch *L, Tile src, Tile eye, Tile acc16, Tile acc,
                                            int valid) {
  CopyAccount account;
  Block blk(*L, 0, 0, 0, 0, &account);
  const Global *g = &L->globals[0];
  store_tile(blk, g, src, 0, 0, 1, 0, src.cols);
#if __CUDA_ARCH__ >= 900
  asm volatile("fence.proxy.async.global;" ::: "memory"); // (in a kernel: the launch orders it)
#endif
  __syncthreads();
  Buffer16 h = blk.alloc16(shared, src.rows, src.cols, 1, "ws16", 0);
  Token t = copy_tile_async(blk, g, h.stage(0), 0, 0, 1, 0, valid, src.cols);
  wait(blk, t);
  mma(blk, acc16, eye, h.stage(0), false, false, false, Operand::bf16);
  mma(blk, acc, eye, src, false, false, false, Operand::bf16);
  drain_copies(blk);
}

static void testWorkspace16(int R, int C, int valid, int threads) {
  std::mt19937 rng(R + C + valid);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  std::vector<float> S(R * C), I(R * R, 0.0f);
  for (float &x : S) x = u(rng);
  for (int i = 0; i < R; ++i)
    I[i * R + i] = 1.0f;
  float *dS, *dI, *dC16, *dC;
  void *dWs;
  int *dError;
  CHECK_CUDA(cudaMalloc(&dS, S.size() * 4));
  CHECK_CUDA(cudaMalloc(&dI, I.size() * 4));
  CHECK_CUDA(cudaMalloc(&dC16, R * C * 4));
  CHECK_CUDA(cudaMalloc(&dC, R * C * 4));
  CHECK_CUDA(cudaMalloc(&dWs, 2 * R * C * 2)); // two slots of bf16
  CHECK_CUDA(cudaMemset(dWs, 0xff, 2 * R * C * 2));
  CHECK_CUDA(cudaMalloc(&dError, 4));
  CHECK_CUDA(cudaMemset(dError, 0, 4));
  CHECK_CUDA(cudaMemcpy(dS, S.data(), S.size() * 4, cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMemcpy(dI, I.data(), I.size() * 4, cudaMemcpyHostToDevice));
  Launch *dL = twoSlotLaunch("ws0", dWs, bf16, R * C, dError);
  ws16Kernel<<<1, threads, kReservedSharedBytes + R * C * 2>>>(
      dL, Tile{dS, R, C, C}, Tile{dI, R, R, R}, Tile{dC16, R, C, C}, Tile{dC, R, C, C}, valid);
  CHECK_CUDA(cudaGetLastError());
  CHECK_CUDA(cudaDeviceSynchronize());
  std::vector<float> got16(R * C), got(R * C);
  int error = 0;
  CHECK_CUDA(cudaMemcpy(got16.data(), dC16, R * C * 4, cudaMemcpyDeviceToHost));
  CHECK_CUDA(cudaMemcpy(got.data(), dC, R * C * 4, cudaMemcpyDeviceToHost));
  CHECK_CUDA(cudaMemcpy(&error, dError, 4, cudaMemcpyDeviceToHost));
  int differ = 0;
  for (int i = 0; i < R * C; ++i)
    differ += got16[i] != (valid > 0 ? got[i] : 0.0f);
  char name[96], detail[64];
  std::snprintf(name, sizeof name, "bf16 workspace stored and copied back %dx%d%s%s", R, C,
                valid > 0 ? "" : " (no rows)", blockLabel(threads));
  std::snprintf(detail, sizeof detail, "%d of %d values differ%s", differ, R * C,
                error ? ", launch failed" : "");
  report(name, differ == 0 && !error, detail);
  cudaFree(dS);
  cudaFree(dI);
  cudaFree(dC16);
  cudaFree(dC);
  cudaFree(dWs);
  cudaFree(dError);
  cudaFree(dL);
}

// ---- store_tile from a fragment (the state pass's start states) -------------------

/// src copied into a fragment, then store_tile of the fragment into slot 0
/// and of src itself into slot 1 of the same workspace: the same values.
template <int W>
__global__ void LINAC_TEST_BOUNDS storeFragKernel(const Launch *L, Tile src, int col, int fullCols) {
  CopyAccount account;
  Block blk(*L, 0, 0, 0, 0, &account);
  const Global *g = &L->globals[0];
  Frag<128, 128, W> f{};
  ew(blk, Ew::copy, f, src);
  store_tile(blk, g, f, 0, 0, 0, col, fullCols);
  store_tile(blk, g, src, 0, 0, 1, col, fullCols);
}

static void testStoreFrag(int dtype, int col, int threads) {
  const int R = 128, C = 128, fullCols = 256;
  std::mt19937 rng(dtype * 3 + col + threads);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  std::vector<float> S(R * C);
  for (float &x : S) x = u(rng);
  const int esize = dtype == f32 ? 4 : 2;
  float *dS;
  void *dWs;
  int *dError;
  CHECK_CUDA(cudaMalloc(&dS, S.size() * 4));
  CHECK_CUDA(cudaMalloc(&dWs, 2 * R * fullCols * esize)); // two slots
  CHECK_CUDA(cudaMemset(dWs, 0x7f, 2 * R * fullCols * esize));
  CHECK_CUDA(cudaMalloc(&dError, 4));
  CHECK_CUDA(cudaMemset(dError, 0, 4));
  CHECK_CUDA(cudaMemcpy(dS, S.data(), S.size() * 4, cudaMemcpyHostToDevice));
  Launch *dL = twoSlotLaunch("ws0", dWs, dtype, R * fullCols, dError);
  if (threads == 256)
    storeFragKernel<2><<<1, 256, kReservedSharedBytes>>>(dL, Tile{dS, R, C, C}, col, fullCols);
  else
    storeFragKernel<1><<<1, 128, kReservedSharedBytes>>>(dL, Tile{dS, R, C, C}, col, fullCols);
  CHECK_CUDA(cudaGetLastError());
  CHECK_CUDA(cudaDeviceSynchronize());
  std::vector<unsigned char> ws(2 * R * fullCols * esize);
  int error = 0;
  CHECK_CUDA(cudaMemcpy(ws.data(), dWs, ws.size(), cudaMemcpyDeviceToHost));
  CHECK_CUDA(cudaMemcpy(&error, dError, 4, cudaMemcpyDeviceToHost));
  const size_t slot = size_t(R) * fullCols * esize;
  int differ = std::memcmp(ws.data(), ws.data() + slot, slot) != 0;
  char name[96], detail[64];
  std::snprintf(name, sizeof name, "store_tile from a fragment, %s workspace, column %d%s",
                dtype == f32 ? "f32" : "bf16", col, blockLabel(threads));
  std::snprintf(detail, sizeof detail, "%s%s", differ ? "slots differ" : "slots identical",
                error ? ", launch failed" : "");
  report(name, !differ && !error, detail);
  cudaFree(dS);
  cudaFree(dWs);
  cudaFree(dError);
  cudaFree(dL);
}

// ---- store_rows outside its tensor: refused in every form ----------------------

/// store_rows of a 64 x 128 tile at (row, head, col) from a shared tile
/// (form 0), a block fragment (1) or warps' own columns (2): every such
/// place outside the tensor must set the error flag and write nothing.
__global__ void LINAC_TEST_BOUNDS storeRowsOutsideKernel(const Launch *L, Tile src, int form,
                                                         int row, int valid, int head, int col) {
  CopyAccount account;
  Block blk(*L, 0, 0, 0, 0, &account);
  const Global *g = &L->globals[0];
  if (form == 0) {
    store_rows(blk, g, src, 0, row, valid, head, col);
  } else if (form == 1) {
    Frag<64, 128, 2> f{};
    ew(blk, Ew::copy, f, src);
    store_rows(blk, g, f, 0, row, valid, head, col);
  } else {
    OwnFrag<64, 128, 8> f{};
    ew(blk, Ew::copy, f, src);
    store_rows(blk, g, f, 0, row, valid, head, col);
  }
}

static void testStoreRowsOutside() {
  const int R = 64, C = 128, rows = 100;
  // The tensor (rows x C, one head) between guards of its own size.
  const size_t guard = size_t(rows) * C, total = 3 * guard;
  std::vector<float> S(R * C, 1.0f);
  float *dS, *dOut;
  int *dError;
  CHECK_CUDA(cudaMalloc(&dS, S.size() * 4));
  CHECK_CUDA(cudaMalloc(&dOut, total * 4));
  CHECK_CUDA(cudaMalloc(&dError, 4));
  CHECK_CUDA(cudaMemcpy(dS, S.data(), S.size() * 4, cudaMemcpyHostToDevice));
  Launch hL = oneGlobalLaunch("o", dOut + guard, f32, rows, 1, C, C, C, dError);
  Launch *dL;
  CHECK_CUDA(cudaMalloc(&dL, sizeof(Launch)));
  CHECK_CUDA(cudaMemcpy(dL, &hL, sizeof hL, cudaMemcpyHostToDevice));
  struct Place { const char *what; int row, valid, head, col; };
  const Place places[] = {{"head -1", 0, R, -1, 0},         {"column -1", 0, R, 0, -1},
                          {"past the last row", 40, R, 0, 0}, {"before the first row", -1, R, 0, 0},
                          {"more rows than the tile", 0, R + 1, 0, 0}};
  for (int form = 0; form < 3; ++form)
    for (const Place &at : places) {
      CHECK_CUDA(cudaMemset(dOut, 0x7f, total * 4));
      CHECK_CUDA(cudaMemset(dError, 0, 4));
      storeRowsOutsideKernel<<<1, 256, kReservedSharedBytes>>>(dL, Tile{dS, R, C, C}, form,
                                                               at.row, at.valid, at.head, at.col);
      CHECK_CUDA(cudaGetLastError());
      CHECK_CUDA(cudaDeviceSynchronize());
      std::vector<float> out(total);
      int error = 0;
      CHECK_CUDA(cudaMemcpy(out.data(), dOut, total * 4, cudaMemcpyDeviceToHost));
      CHECK_CUDA(cudaMemcpy(&error, dError, 4, cudaMemcpyDeviceToHost));
      float sentinel;
      std::memset(&sentinel, 0x7f, 4);
      int written = 0;
      for (float x : out)
        written += std::memcmp(&x, &sentinel, 4) != 0;
      char name[96], detail[64];
      std::snprintf(name, sizeof name, "store_rows from a %s, %s",
                    form == 0 ? "shared tile" : form == 1 ? "fragment" : "warps' own columns",
                    at.what);
      std::snprintf(detail, sizeof detail, "%s, %d values written",
                    error ? "refused" : "NOT refused", written);
      report(name, error != 0 && written == 0, detail);
    }
  cudaFree(dS);
  cudaFree(dOut);
  cudaFree(dError);
  cudaFree(dL);
}

// ---- bf16 input stages (tile-inputs-16bit): copies into them, ops from them ------

/// Rows [row, row + valid) of the launch's first input copied into a bf16
/// stage (bytes) and an fp32 stage (converted), both waited for.
struct TwoStages {
  Tile16 h;
  Tile f;
};
template <int R, int C>
__device__ TwoStages copyIntoTwoStages(Block &blk, int row, int valid) {
  const Global *g = &blk.L.globals[0];
  Buffer16 h = blk.alloc16(shared, R, C, 1, "x16", 0);
  Buffer f = blk.alloc(shared, R, C, 1, "x32", R * C * 2);
  Token t16 = copy_async<R, C>(blk, g, h.stage(0), 0, row, valid, 0, 0);
  Token t32 = copy_async<R, C>(blk, g, f.stage(0), 0, row, valid, 0, 0);
  wait(blk, t16);
  wait(blk, t32);
  return {h.stage(0), f.stage(0)};
}


/// Rows [row, row + valid) of a bf16 input into a bf16 stage (bytes, by
/// cp.async) and into an fp32 stage (converted), then the same ops on each:
/// a row norm, an element-wise product with a column (by float4), a bf16
/// matmul with the identity, a difference of unaligned views (element by
/// element), the inverse row norms. out16 and out hold the four results side by side; stage
/// holds the bf16 stage's values as floats (rows past `valid` must be 0).
template <int R, int C>
__global__ void LINAC_TEST_BOUNDS input16Kernel(const Launch *L, int row, int valid, Tile colv,
                                               Tile eye, Tile out16, Tile out, Tile stage) {
  CopyAccount account;
  Block blk(*L, 0, 0, 0, 0, &account);
  const TwoStages x = copyIntoTwoStages<R, C>(blk, row, valid);
  const Tile16 h = x.h;
  const Tile f = x.f;
  row_l2norm(blk, out16.view(0, 0, R, C), h);
  row_l2norm(blk, out.view(0, 0, R, C), f);
  ew(blk, Ew::mul, out16.view(0, C, R, C), h, colv);
  ew(blk, Ew::mul, out.view(0, C, R, C), f, colv);
  mma(blk, out16.view(0, 2 * C, R, C), eye, h, false, false, false, Operand::bf16);
  mma(blk, out.view(0, 2 * C, R, C), eye, f, false, false, false, Operand::bf16);
  // Unaligned views: element by element.
  ew(blk, Ew::sub, out16.view(0, 3 * C + 1, R, C - 1), h.view(0, 1, R, C - 1), colv);
  ew(blk, Ew::sub, out.view(0, 3 * C + 1, R, C - 1), f.view(0, 1, R, C - 1), colv);
  // Column 3C, which the views above leave: the inverse row norms.
  row_inv_norm(blk, out16.view(0, 3 * C, R, 1), h);
  row_inv_norm(blk, out.view(0, 3 * C, R, 1), f);
  ew(blk, Ew::copy, stage, h, h);
  drain_copies(blk);
}

static void testInput16(int C, int row, int valid, int dtype, int threads) {
  const int R = 64, rows = 200;
  std::mt19937 rng(C + row + valid + dtype);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  std::vector<unsigned short> X(rows * C);
  for (unsigned short &x : X) {
    float v = u(rng);
    unsigned bits;
    std::memcpy(&bits, &v, 4);
    x = static_cast<unsigned short>(bits >> 16); // a bf16 (or f16) bit pattern
  }
  std::vector<float> colv(R), I(R * R, 0.0f);
  for (float &x : colv) x = u(rng);
  for (int i = 0; i < R; ++i)
    I[i * R + i] = 1.0f;
  void *dX;
  float *dCol, *dI, *dO16, *dO, *dStage;
  int *dError;
  CHECK_CUDA(cudaMalloc(&dX, X.size() * 2));
  CHECK_CUDA(cudaMalloc(&dCol, R * 4));
  CHECK_CUDA(cudaMalloc(&dI, R * R * 4));
  CHECK_CUDA(cudaMalloc(&dO16, R * 4 * C * 4));
  CHECK_CUDA(cudaMalloc(&dO, R * 4 * C * 4));
  CHECK_CUDA(cudaMalloc(&dStage, R * C * 4));
  CHECK_CUDA(cudaMalloc(&dError, 4));
  CHECK_CUDA(cudaMemset(dError, 0, 4));
  CHECK_CUDA(cudaMemset(dO16, 0, R * 4 * C * 4));
  CHECK_CUDA(cudaMemset(dO, 0, R * 4 * C * 4));
  CHECK_CUDA(cudaMemcpy(dX, X.data(), X.size() * 2, cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMemcpy(dCol, colv.data(), R * 4, cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMemcpy(dI, I.data(), R * R * 4, cudaMemcpyHostToDevice));
  Launch hL = oneGlobalLaunch("q", dX, dtype, rows, 1, C, C, C, dError);
  Launch *dL;
  CHECK_CUDA(cudaMalloc(&dL, sizeof(Launch)));
  CHECK_CUDA(cudaMemcpy(dL, &hL, sizeof hL, cudaMemcpyHostToDevice));
  auto kernel = C == 128 ? input16Kernel<64, 128> : input16Kernel<64, 64>;
  const int bytes = int(kReservedSharedBytes) + R * C * 6;
  CHECK_CUDA(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes));
  kernel<<<1, threads, bytes>>>(dL, row, valid, Tile{dCol, R, 1, 1}, Tile{dI, R, R, R},
                                Tile{dO16, R, 4 * C, 4 * C}, Tile{dO, R, 4 * C, 4 * C},
                                Tile{dStage, R, C, C});
  CHECK_CUDA(cudaGetLastError());
  CHECK_CUDA(cudaDeviceSynchronize());
  std::vector<float> got16(R * 4 * C), got(R * 4 * C), stage(R * C);
  int error = 0;
  CHECK_CUDA(cudaMemcpy(got16.data(), dO16, got16.size() * 4, cudaMemcpyDeviceToHost));
  CHECK_CUDA(cudaMemcpy(got.data(), dO, got.size() * 4, cudaMemcpyDeviceToHost));
  CHECK_CUDA(cudaMemcpy(stage.data(), dStage, stage.size() * 4, cudaMemcpyDeviceToHost));
  CHECK_CUDA(cudaMemcpy(&error, dError, 4, cudaMemcpyDeviceToHost));
  char name[112], detail[96];
  std::snprintf(name, sizeof name, "bf16 input stage %dx%d rows %d+%d%s%s", R, C, row, valid,
                dtype == bf16 ? "" : " (f16 input: refused)", blockLabel(threads));
  if (dtype != bf16) {
    std::snprintf(detail, sizeof detail, "%s", error ? "refused" : "not refused");
    report(name, error != 0, detail);
  } else {
    int differ = 0, stageWrong = 0;
    for (int i = 0; i < R * 4 * C; ++i)
      differ += got16[i] != got[i];
    for (int i = 0; i < R; ++i)
      for (int j = 0; j < C; ++j) {
        unsigned bits = i < valid ? unsigned(X[(row + i) * C + j]) << 16 : 0u;
        float want;
        std::memcpy(&want, &bits, 4);
        stageWrong += stage[i * C + j] != want;
      }
    std::snprintf(detail, sizeof detail, "%d of %d results differ from an fp32 stage's, %d staged "
                  "values wrong%s", differ, R * 4 * C, stageWrong, error ? ", launch failed" : "");
    report(name, differ == 0 && stageWrong == 0 && !error, detail);
  }
  cudaFree(dX);
  cudaFree(dCol);
  cudaFree(dI);
  cudaFree(dO16);
  cudaFree(dO);
  cudaFree(dStage);
  cudaFree(dError);
  cudaFree(dL);
}

/// Per-channel decayed Gram blocks of a bf16 input stage (norms=factor reads
/// q and k as given): rows copied into a bf16 and an fp32 stage, then
/// gram_diag of (bf16, bf16), (fp32, bf16) and (fp32, fp32) operands, which
/// must agree bit for bit (the same values in the same order).
/// `bound` and `rows` pick the form (the per-tile form, the bounded one, or
/// gram=rows).
template <int R, int C>
__global__ void LINAC_TEST_BOUNDS gram16Kernel(const Launch *L, int row, int valid, Tile lg,
                                              Tile rg, Tile out16, Tile outMixed, Tile out,
                                              Operand type, bool inclusive, float bound,
                                              bool rows) {
  CopyAccount account;
  Block blk(*L, 0, 0, 0, 0, &account);
  const TwoStages x = copyIntoTwoStages<R, C>(blk, row, valid);
  gram_diag(blk, out16, x.h, x.h, lg, rg, inclusive, type, bound, rows);
  gram_diag(blk, outMixed, x.f, x.h, lg, rg, inclusive, type, bound, rows);
  gram_diag(blk, out, x.f, x.f, lg, rg, inclusive, type, bound, rows);
  drain_copies(blk);
}

static void testGram16(int C, int valid, Operand type, bool inclusive, int threads,
                       float bound = 0.0f, bool rowBlocks = false) {
  const int R = 64, rows = 100;
  std::mt19937 rng(C + valid + 7 * int(type) + inclusive);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f), step(-0.3f, -0.05f);
  std::vector<unsigned short> X(rows * C);
  for (unsigned short &x : X) {
    float v = u(rng);
    unsigned bits;
    std::memcpy(&bits, &v, 4);
    x = static_cast<unsigned short>(bits >> 16);
  }
  std::vector<float> G(R * C);
  for (int i = 0; i < R; ++i)
    for (int c = 0; c < C; ++c)
      G[i * C + c] = step(rng) + (i ? G[(i - 1) * C + c] : 0.0f);
  void *dX;
  float *dG, *dO;
  int *dError;
  const size_t outBytes = size_t(3) * R * R * 4;
  CHECK_CUDA(cudaMalloc(&dX, X.size() * 2));
  CHECK_CUDA(cudaMalloc(&dG, G.size() * 4));
  CHECK_CUDA(cudaMalloc(&dO, outBytes));
  CHECK_CUDA(cudaMalloc(&dError, 4));
  CHECK_CUDA(cudaMemset(dError, 0, 4));
  CHECK_CUDA(cudaMemset(dO, 0, outBytes));
  CHECK_CUDA(cudaMemcpy(dX, X.data(), X.size() * 2, cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMemcpy(dG, G.data(), G.size() * 4, cudaMemcpyHostToDevice));
  Launch hL = oneGlobalLaunch("k", dX, bf16, rows, 1, C, C, C, dError);
  Launch *dL;
  CHECK_CUDA(cudaMalloc(&dL, sizeof(Launch)));
  CHECK_CUDA(cudaMemcpy(dL, &hL, sizeof hL, cudaMemcpyHostToDevice));
  auto kernel = C == 128 ? gram16Kernel<64, 128> : gram16Kernel<64, 64>;
  const int bytes = int(kReservedSharedBytes) + R * C * 6;
  CHECK_CUDA(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes));
  const Tile gates{dG, R, C, C};
  kernel<<<1, threads, bytes>>>(dL, 5, valid, gates, gates, Tile{dO, R, R, R},
                                Tile{dO + R * R, R, R, R}, Tile{dO + 2 * R * R, R, R, R}, type,
                                inclusive, bound, rowBlocks);
  CHECK_CUDA(cudaGetLastError());
  CHECK_CUDA(cudaDeviceSynchronize());
  std::vector<float> got(3 * R * R);
  int error = 0;
  CHECK_CUDA(cudaMemcpy(got.data(), dO, outBytes, cudaMemcpyDeviceToHost));
  CHECK_CUDA(cudaMemcpy(&error, dError, 4, cudaMemcpyDeviceToHost));
  int differ = 0;
  for (int e = 0; e < R * R; ++e)
    differ += (got[e] != got[2 * R * R + e]) + (got[R * R + e] != got[2 * R * R + e]);
  char name[112], detail[96];
  std::snprintf(name, sizeof name, "gram_diag of a bf16 input stage %dx%d rows %d %s%s%s%s", R,
                C, valid, type == Operand::bf16 ? "bf16" : "f32", inclusive ? " inclusive" : "",
                bound > 0.0f ? " bounded" : rowBlocks ? " row blocks" : "", blockLabel(threads));
  std::snprintf(detail, sizeof detail, "%d of %d results differ from fp32 stages'%s", differ,
                2 * R * R, error ? ", launch failed" : "");
  report(name, differ == 0 && !error, detail);
  cudaFree(dX);
  cudaFree(dG);
  cudaFree(dO);
  cudaFree(dError);
  cudaFree(dL);
}

/// The gram_diag_pair tests' launch on the device: one fp32 global (their
/// inputs, R x C rows) and the error flag the library sets.
static Launch *deviceGramLaunch(float *dIn, int R, int C, int *dError) {
  Launch hL = oneGlobalLaunch("k", dIn, f32, R, 1, C, C, C, dError);
  Launch *dL;
  CHECK_CUDA(cudaMalloc(&dL, sizeof(Launch)));
  CHECK_CUDA(cudaMemcpy(dL, &hL, sizeof hL, cudaMemcpyHostToDevice));
  return dL;
}

/// gram_diag_pair whose second output is the first's left operand (the two
/// calls in turn read l0 before writing over it): the pair set against the
/// two calls made in turn on a copy of the same memory, every word, bit for
/// bit.
__global__ void LINAC_TEST_BOUNDS gramPairSharedKernel(const Launch *L, Tile l0, Tile l1, Tile r,
                                                      Tile g, Tile pair0, Tile l0b, Tile l1b,
                                                      Tile rb, Tile gb, Tile one0) {
  CopyAccount account;
  Block blk(*L, 0, 0, 0, 0, &account);
  gram_diag_pair(blk, pair0, l0, false, Tile{l0.p, pair0.rows, pair0.cols, pair0.cols}, l1,
                 true, r, g, g, Operand::bf16);
  gram_diag(blk, one0, l0b, rb, gb, gb, false, Operand::bf16);
  gram_diag(blk, Tile{l0b.p, one0.rows, one0.cols, one0.cols}, l1b, rb, gb, gb, true,
            Operand::bf16);
}

static void testGramPairShared(int threads) {
  const int R = 64, C = 128;
  std::mt19937 rng(threads);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f), step(-0.3f, -0.05f);
  // Two copies of l0, l1, r, g (R x C each) and of the first output (R x R).
  const size_t set = size_t(4) * R * C + size_t(R) * R;
  std::vector<float> in(2 * set, 0.0f);
  for (size_t e = 0; e < size_t(3) * R * C; ++e)
    in[e] = u(rng);
  float *G = in.data() + size_t(3) * R * C;
  for (int i = 0; i < R; ++i)
    for (int c = 0; c < C; ++c)
      G[i * C + c] = step(rng) + (i ? G[(i - 1) * C + c] : 0.0f);
  std::copy(in.begin(), in.begin() + set, in.begin() + set);
  float *dIn;
  int *dError;
  CHECK_CUDA(cudaMalloc(&dIn, in.size() * 4));
  CHECK_CUDA(cudaMalloc(&dError, 4));
  CHECK_CUDA(cudaMemset(dError, 0, 4));
  CHECK_CUDA(cudaMemcpy(dIn, in.data(), in.size() * 4, cudaMemcpyHostToDevice));
  Launch *dL = deviceGramLaunch(dIn, R, C, dError);
  const int bytes = int(kReservedSharedBytes);
  CHECK_CUDA(cudaFuncSetAttribute(gramPairSharedKernel,
                                  cudaFuncAttributeMaxDynamicSharedMemorySize, bytes));
  auto at = [&](int s, int k) { return Tile{dIn + s * set + size_t(k) * R * C, R, C, C}; };
  auto out = [&](int s) { return Tile{dIn + s * set + size_t(4) * R * C, R, R, R}; };
  gramPairSharedKernel<<<1, threads, bytes>>>(dL, at(0, 0), at(0, 1), at(0, 2), at(0, 3), out(0),
                                              at(1, 0), at(1, 1), at(1, 2), at(1, 3), out(1));
  CHECK_CUDA(cudaGetLastError());
  CHECK_CUDA(cudaDeviceSynchronize());
  std::vector<unsigned> got(in.size());
  int error = 0;
  CHECK_CUDA(cudaMemcpy(got.data(), dIn, in.size() * 4, cudaMemcpyDeviceToHost));
  CHECK_CUDA(cudaMemcpy(&error, dError, 4, cudaMemcpyDeviceToHost));
  char name[112], detail[96];
  std::snprintf(name, sizeof name, "gram_diag_pair, the second output over the first's left operand%s",
                blockLabel(threads));
  int differ = 0;
  for (size_t e = 0; e < set; ++e)
    differ += got[e] != got[set + e];
  std::snprintf(detail, sizeof detail, "%d of %zu words differ from the two calls'%s", differ, set,
                error ? ", launch failed" : "");
  report(name, differ == 0 && !error, detail);
  cudaFree(dIn);
  cudaFree(dError);
  cudaFree(dL);
}

/// gram_diag_pair (config grampair=on) against its two gram_diag calls: the
/// same values bit for bit (compared as bits), under realistic and strong
/// per-token decays; with the second left operand so large that only its
/// tiles fail the magnitude test (the two then part ways and each is
/// computed alone), or both (they fail together: the pair's own split and
/// fp32 forms); and with decays that rise at some tokens (exponents over
/// the bound below the diagonal too, which the split hint does not catch).
__global__ void LINAC_TEST_BOUNDS gramPairKernel(const Launch *L, Tile l0, Tile l1, Tile r,
                                                Tile g, Tile pair0, Tile pair1, Tile one0,
                                                Tile one1) {
  CopyAccount account;
  Block blk(*L, 0, 0, 0, 0, &account);
  gram_diag_pair(blk, pair0, l0, false, pair1, l1, true, r, g, g, Operand::bf16);
  gram_diag(blk, one0, l0, r, g, g, false, Operand::bf16);
  gram_diag(blk, one1, l1, r, g, g, true, Operand::bf16);
}

static void testGramPair(int C, bool strong, int huge, bool rising, int threads) {
  const int R = 64;
  std::mt19937 rng(C + 3 * strong + 5 * huge + 11 * rising + threads);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  std::uniform_real_distribution<float> step(strong ? -12.0f : -0.3f,
                                             rising ? 12.0f : strong ? -1.5f : -0.05f);
  std::vector<float> in(size_t(4) * R * C);
  for (size_t e = 0; e < in.size(); ++e)
    in[e] = e < size_t(3) * R * C ? u(rng) : 0.0f;
  // huge 1: the second left operand near the magnitude bound; 2: both.
  for (int e = huge == 2 ? 0 : R * C; huge && e < 2 * R * C; ++e)
    in[e] *= 1.5e36f;
  float *G = in.data() + size_t(3) * R * C;
  for (int i = 0; i < R; ++i)
    for (int c = 0; c < C; ++c)
      G[i * C + c] = step(rng) + (i ? G[(i - 1) * C + c] : 0.0f);
  float *dIn, *dO;
  int *dError;
  const size_t outBytes = size_t(4) * R * R * 4;
  CHECK_CUDA(cudaMalloc(&dIn, in.size() * 4));
  CHECK_CUDA(cudaMalloc(&dO, outBytes));
  CHECK_CUDA(cudaMalloc(&dError, 4));
  CHECK_CUDA(cudaMemset(dError, 0, 4));
  CHECK_CUDA(cudaMemset(dO, 0, outBytes));
  CHECK_CUDA(cudaMemcpy(dIn, in.data(), in.size() * 4, cudaMemcpyHostToDevice));
  Launch *dL = deviceGramLaunch(dIn, R, C, dError);
  const int bytes = int(kReservedSharedBytes);
  CHECK_CUDA(cudaFuncSetAttribute(gramPairKernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                  bytes));
  auto at = [&](int k) { return Tile{dIn + size_t(k) * R * C, R, C, C}; };
  auto out = [&](int k) { return Tile{dO + size_t(k) * R * R, R, R, R}; };
  gramPairKernel<<<1, threads, bytes>>>(dL, at(0), at(1), at(2), at(3), out(0), out(1), out(2),
                                        out(3));
  CHECK_CUDA(cudaGetLastError());
  CHECK_CUDA(cudaDeviceSynchronize());
  std::vector<unsigned> got(size_t(4) * R * R);
  int error = 0;
  CHECK_CUDA(cudaMemcpy(got.data(), dO, outBytes, cudaMemcpyDeviceToHost));
  CHECK_CUDA(cudaMemcpy(&error, dError, 4, cudaMemcpyDeviceToHost));
  int differ = 0;
  for (int e = 0; e < 2 * R * R; ++e)
    differ += got[e] != got[2 * R * R + e];
  char name[112], detail[96];
  std::snprintf(name, sizeof name, "gram_diag_pair 64x64 over %d channels, %s%s decays%s%s",
                C, strong ? "strong" : "realistic", rising ? " rising" : "",
                huge == 2 ? ", both operands near the bound"
                          : huge ? ", one operand near the bound" : "",
                blockLabel(threads));
  std::snprintf(detail, sizeof detail, "%d of %d results differ from two gram_diag calls'%s",
                differ, 2 * R * R, error ? ", launch failed" : "");
  report(name, differ == 0 && !error, detail);
  cudaFree(dIn);
  cudaFree(dO);
  cudaFree(dError);
  cudaFree(dL);
}

// ---- move_tile (load_tile, store_tile): one tile into another ----------------

__global__ void LINAC_TEST_BOUNDS moveKernel(Tile dst, Tile src) { move_tile(dst, src); }

/// R x C values between two allocations with rows of C + pad floats at a
/// float offset `shift` (16-byte aligned when pad and shift are multiples
/// of 4: the float4 path); the pads must stay as they were.
static void testMove(int R, int C, int pad, int shift, int threads) {
  std::mt19937 rng(R * 7 + C * 3 + pad + shift + threads);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  int ld = C + pad;
  std::vector<float> src(shift + R * ld), dst(shift + R * ld, -7.0f);
  for (float &x : src) x = u(rng);
  float *dSrc, *dDst;
  CHECK_CUDA(cudaMalloc(&dSrc, src.size() * 4));
  CHECK_CUDA(cudaMalloc(&dDst, dst.size() * 4));
  CHECK_CUDA(cudaMemcpy(dSrc, src.data(), src.size() * 4, cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMemcpy(dDst, dst.data(), dst.size() * 4, cudaMemcpyHostToDevice));
  moveKernel<<<1, threads>>>(Tile{dDst + shift, R, C, ld}, Tile{dSrc + shift, R, C, ld});
  CHECK_CUDA(cudaGetLastError());
  CHECK_CUDA(cudaDeviceSynchronize());
  std::vector<float> got(dst.size());
  CHECK_CUDA(cudaMemcpy(got.data(), dDst, got.size() * 4, cudaMemcpyDeviceToHost));
  bool ok = true;
  for (int e = 0; e < shift; ++e)
    ok &= got[e] == -7.0f;
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < ld; ++j)
      ok &= got[shift + i * ld + j] == (j < C ? src[shift + i * ld + j] : -7.0f);
  char name[96];
  std::snprintf(name, sizeof name, "move_tile %dx%d ld %d offset %d%s", R, C, ld, shift,
                blockLabel(threads));
  report(name, ok, ok ? "" : "values differ or a pad was written");
  cudaFree(dSrc);
  cudaFree(dDst);
}

// ---- asynchronous copies -------------------------------------------------------

/// Valid rows of chunk c: valid0 for chunks 0, 1, 4, 5, ..., valid1 for
/// 2, 3, 6, 7, ...: each stage is filled with both counts in turn (a stage
/// whose rows past `valid` still hold the previous chunk's must be zeroed).
__host__ __device__ inline int validRows(int c, int valid0, int valid1) {
  return (c / 2) % 2 ? valid1 : valid0;
}

/// Copies `rounds` chunks of R rows x C columns (chunk c: rows c*R.., valid
/// rows validRows(c)) through a 2-stage shared buffer, prefetching chunk
/// c+1 before waiting for chunk c as the emitted kernels do, and writes
/// every waited stage to out[c]. Also returns the token kinds seen. With
/// skipOdd the odd chunks are copied but never waited: a later copy that
/// reuses their mbarrier must finish them first.
/// The shapes the test compiles copy_async<R, C> for (the emitted kernels'
/// form: one copy per destination shape); others take the generic copy.
#define LINAC_TEST_COPY_SHAPES(X) X(64, 64) X(16, 32) X(64, 1) X(32, 16) X(64, 128) X(32, 32)
static bool hasShapedCopy(int R, int C) {
#define LINAC_TEST_SHAPE_IS(r, c) if (R == r && C == c) return true;
  LINAC_TEST_COPY_SHAPES(LINAC_TEST_SHAPE_IS)
#undef LINAC_TEST_SHAPE_IS
  return false;
}

/// shaped: 0 the generic copy_async, 1 copy_async<R, C>, 2 copy_async<64, 64>
/// whatever the stage's shape (a wrong shape must set the error flag).
__global__ void LINAC_TEST_BOUNDS copyKernel(const Launch *L, int R, int C, int head, int col,
                           int rounds, int valid0, int valid1, int fromSlot,
                           int skipOdd, int shaped, float *out, int *kinds) {
  CopyAccount account;
  Block blk(*L, 0, 0, 0, 0, &account);
  Buffer buf = blk.alloc(shared, R, C, 2, "stage", 0);
  const Global *g = &L->globals[0];
  auto issue = [&](int c) {
    int valid = validRows(c, valid0, valid1);
    if (fromSlot) // a workspace tile: slot (seq 0, head, chunk c), all rows
      return copy_tile_async(blk, g, buf.stage(c), 0, head, c, col, 1, g->cols / R);
    if (shaped == 2)
      return copy_async<64, 64>(blk, g, buf.stage(c), 0, c * R, valid, head, col);
    if (shaped == 1) {
#define LINAC_TEST_SHAPED_COPY(r, c_)                                          \
  if (R == r && C == c_)                                                       \
    return copy_async<r, c_>(blk, g, buf.stage(c), 0, c * R, valid, head, col);
      LINAC_TEST_COPY_SHAPES(LINAC_TEST_SHAPED_COPY)
#undef LINAC_TEST_SHAPED_COPY
    }
    return copy_async(blk, g, buf.stage(c), 0, c * R, valid, head, col);
  };
  Token next = issue(0);
  for (int c = 0; c < rounds; ++c) {
    Token cur = next;
    if (c + 1 < rounds)
      next = issue(c + 1);
    if (skipOdd && c % 2) {
      barrier(blk);
      continue;
    }
    if (threadIdx.x == 0)
      atomicOr(kinds, 1 << cur.kind);
    wait(blk, cur);
    Tile t = buf.stage(c);
    if (!is_producer()) // what the consumers see after the wait
      for (int idx = threadIdx.x; idx < R * C; idx += consumer_threads())
        out[(int64_t)c * R * C + idx] = t.at(idx / C, idx % C);
    barrier(blk);
  }
  drain_copies(blk); // as every emitted kernel ends (skipOdd leaves one)
}

/// A tensor [rows, heads, cols] of `dtype` with padded strides, copied in
/// `rounds` chunks; every element must arrive exactly, rows past `valid`
/// as zeros.
static void testCopy(const char *what, int dtype, int R, int C, int heads,
                     int cols, int head, int col, int rowPad, int rounds,
                     int valid0, int valid1, bool fromSlot, int expectKind,
                     int threads = 128, bool skipOdd = false, int shaped = -1) {
  if (shaped < 0) { // both forms, where the test compiles the shaped one
    testCopy(what, dtype, R, C, heads, cols, head, col, rowPad, rounds, valid0, valid1,
             fromSlot, expectKind, threads, skipOdd, 0);
    if (!fromSlot && hasShapedCopy(R, C))
      testCopy(what, dtype, R, C, heads, cols, head, col, rowPad, rounds, valid0, valid1,
               fromSlot, expectKind, threads, skipOdd, 1);
    return;
  }
  int rows = R * rounds;
  int64_t headStride = cols + rowPad, rowStride = heads * headStride;
  size_t esize = dtype == f32 ? 4 : 2;
  std::vector<float> values(static_cast<size_t>(rows * rowStride));
  std::vector<unsigned char> raw(values.size() * esize);
  std::mt19937 rng(R * 7 + C + dtype);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  for (size_t e = 0; e < values.size(); ++e) {
    float x = u(rng);
    uint32_t bits;
    std::memcpy(&bits, &x, 4);
    if (dtype == bf16) { // values exactly representable in bf16
      bits &= 0xffff0000u;
      std::memcpy(&x, &bits, 4);
      uint16_t h = bits >> 16;
      std::memcpy(&raw[e * 2], &h, 2);
    } else if (dtype == f16) { // small integers / 8: exact in f16
      x = std::round(x * 8) / 8;
      __half h = __float2half(x);
      std::memcpy(&raw[e * 2], &h, 2);
    } else {
      std::memcpy(&raw[e * 4], &x, 4);
    }
    values[e] = x;
  }
  void *dData;
  float *dOut;
  int *dKinds, *dError;
  CHECK_CUDA(cudaMalloc(&dData, raw.size()));
  CHECK_CUDA(cudaMemcpy(dData, raw.data(), raw.size(), cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMalloc(&dOut, sizeof(float) * R * C * rounds));
  CHECK_CUDA(cudaMemset(dOut, 0xff, sizeof(float) * R * C * rounds));
  CHECK_CUDA(cudaMalloc(&dKinds, 4));
  CHECK_CUDA(cudaMemset(dKinds, 0, 4));
  CHECK_CUDA(cudaMalloc(&dError, 4));
  CHECK_CUDA(cudaMemset(dError, 0, 4));
  Launch hL = oneGlobalLaunch("x", dData, dtype, rows, heads, cols, rowStride, headStride,
                              dError);
  Global &g = hL.globals[0];
  hL.N = 1;
  hL.HV = heads;
  hL.chunks = rounds;
  if (fromSlot) { // a workspace [HV * chunks, R * cols] (seq 0)
    g.rows = heads * rounds;
    g.heads = 1;
    g.cols = R * cols;
  }
  Launch *dL;
  CHECK_CUDA(cudaMalloc(&dL, sizeof hL));
  CHECK_CUDA(cudaMemcpy(dL, &hL, sizeof hL, cudaMemcpyHostToDevice));
  int smem = int(kReservedSharedBytes) + 2 * R * C * 4 + 16;
  CHECK_CUDA(cudaFuncSetAttribute(copyKernel, cudaFuncAttributeMaxDynamicSharedMemorySize, smem));
  copyKernel<<<1, threads, smem>>>(dL, R, C, head, col, rounds, valid0, valid1, fromSlot,
                                   skipOdd, shaped, dOut, dKinds);
  CHECK_CUDA(cudaGetLastError());
  CHECK_CUDA(cudaDeviceSynchronize());
  std::vector<float> out(static_cast<size_t>(R) * C * rounds);
  int kinds = 0, error = 0;
  CHECK_CUDA(cudaMemcpy(out.data(), dOut, out.size() * 4, cudaMemcpyDeviceToHost));
  CHECK_CUDA(cudaMemcpy(&kinds, dKinds, 4, cudaMemcpyDeviceToHost));
  CHECK_CUDA(cudaMemcpy(&error, dError, 4, cudaMemcpyDeviceToHost));
  int bad = 0;
  for (int c = 0; c < rounds; c += skipOdd ? 2 : 1)
    for (int i = 0; i < R; ++i)
      for (int j = 0; j < C; ++j) {
        float want;
        if (fromSlot) // slot row (head * chunks + c), element i * cols + col + j
          want = values[static_cast<size_t>((head * rounds + c) * R * cols + i * cols + col + j)];
        else
          want = i < validRows(c, valid0, valid1)
                     ? values[static_cast<size_t>((c * R + i) * rowStride + head * headStride + col + j)]
                     : 0.0f;
        bad += out[static_cast<size_t>(c) * R * C + i * C + j] != want;
      }
  char name[96], detail[96];
  std::snprintf(name, sizeof name, "copy %s %s %dx%d x%d%s%s%s", what,
                dtype == f32 ? "f32" : dtype == bf16 ? "bf16" : "f16", R, C, rounds,
                skipOdd ? " (odd chunks not waited)" : "",
                shaped == 1 ? " (shaped)" : shaped == 2 ? " (wrong shape)" : "",
                blockLabel(threads));
  std::snprintf(detail, sizeof detail, "%d wrong, tokens%s%s%s%s", bad,
                kinds & 1 ? " sync" : "", kinds & 2 ? " cp.async" : "",
                kinds & 4 ? " bulk+mbarrier" : "", error ? ", ERROR FLAG" : "");
  // Every token of the copy must be of the path expected on this device; a
  // copy of the wrong shape must be refused with the error flag.
  if (shaped == 2)
    report(name, error != 0, detail);
  else
    report(name, bad == 0 && !error && kinds == (1 << expectKind), detail);
  cudaFree(dData);
  cudaFree(dOut);
  cudaFree(dKinds);
  cudaFree(dError);
  cudaFree(dL);
}

// ---- the element-wise, reduction and triangular ops ------------------------

enum class Op {
  fill, identity, mask_rows, mask_rows_none, mask_rows_all, ew1, ew2, ew_row, ew_col, ew_scalar, ew_col_first,
  row_l2norm, row_inv_norm, row_dot,
  cumsum, cumsum_exclusive, transpose, causal_mask, decay_mask, causal_mask_scaled,
  causal_mask_rows_only, decay_mask_scaled, gram_diag,
  gram_diag_bf16, gram_diag_bf16_fallback, gram_diag_bf16_bounded, gram_diag_bf16_rows, tri_inv,
  tri_inv_in_place
};
/// The decay bound the bounded Gram's tests declare (their gates stay within it).
constexpr float kTestDecayBound = 5.0f;

/// One op on tiles in global memory (views with a row stride wider than the
/// tile), run by the block as emitted kernels do (with warp roles only the
/// consumers compute).
__global__ void LINAC_TEST_BOUNDS opKernel(const Launch *L, Op op, Ew kind, Tile dst, Tile a,
                         Tile b, Tile lg, Tile rg, int64_t param) {
  CopyAccount account;
  Block blk(*L, 0, 0, 0, 0, &account);
  switch (op) {
  case Op::fill: fill(blk, dst, 0.75f); break;
  case Op::identity: identity(blk, dst); break;
  case Op::mask_rows: case Op::mask_rows_none: case Op::mask_rows_all:
    mask_rows(blk, dst, param);
    break;
  case Op::ew1: ew(blk, kind, dst, a); break;
  case Op::ew2: case Op::ew_row: case Op::ew_col: case Op::ew_scalar:
    ew(blk, kind, dst, a, b);
    break;
  case Op::ew_col_first: ew(blk, kind, dst, b, a); break; // the column first
  case Op::row_l2norm: row_l2norm(blk, dst, a); break;
  case Op::row_inv_norm: row_inv_norm(blk, dst, a); break;
  case Op::row_dot: row_dot(blk, dst, a, b); break;
  case Op::cumsum: cumsum(blk, dst, a, false); break;
  case Op::cumsum_exclusive: cumsum(blk, dst, a, true); break;
  case Op::transpose: transpose(blk, dst, a); break;
  case Op::causal_mask: causal_mask(blk, dst, param); break;
  case Op::decay_mask: decay_mask(blk, dst, lg, rg, param); break;
  // Scales: a's and b's first columns (the kept entries times a[i] b[j]).
  case Op::causal_mask_scaled:
    causal_mask(blk, dst, a.view(0, 0, a.rows, 1), b.view(0, 0, b.rows, 1), param);
    break;
  case Op::causal_mask_rows_only: causal_mask(blk, dst, a.view(0, 0, a.rows, 1), Tile{}, param); break;
  case Op::decay_mask_scaled:
    decay_mask(blk, dst, lg, rg, a.view(0, 0, a.rows, 1), b.view(0, 0, b.rows, 1), param);
    break;
  case Op::gram_diag: gram_diag(blk, dst, a, b, lg, rg, param); break;
  case Op::gram_diag_bf16: case Op::gram_diag_bf16_fallback:
    gram_diag(blk, dst, a, b, lg, rg, param, Operand::bf16);
    break;
  case Op::gram_diag_bf16_bounded:
    gram_diag(blk, dst, a, b, lg, rg, param, Operand::bf16, kTestDecayBound);
    break;
  case Op::gram_diag_bf16_rows:
    gram_diag(blk, dst, a, b, lg, rg, param, Operand::bf16, 0.0f, true);
    break;
  case Op::tri_inv: tri_inv(blk, dst, a); break;
  case Op::tri_inv_in_place: // the blocked form's path (the phased one needs dst apart)
    tri_inv(blk, a, a);
    ew(blk, Ew::copy, dst, a);
    break;
  }
  barrier(blk);
}

/// The element-wise functions in float64, written again here so that the
/// oracle does not share code with the libraries it checks.
static double ewHost(Ew k, double x, double y) {
  switch (k) {
  case Ew::copy: return x;
  case Ew::neg: return -x;
  case Ew::exp: return std::exp(x);
  case Ew::log: return std::log(x);
  case Ew::sqrt: return std::sqrt(x);
  case Ew::sigmoid: return 1 / (1 + std::exp(-x));
  case Ew::logsigmoid: return -std::log1p(std::exp(-x));
  case Ew::softplus: return std::log1p(std::exp(x));
  case Ew::silu: return x / (1 + std::exp(-x));
  case Ew::add: return x + y;
  case Ew::sub: return x - y;
  case Ew::mul: return x * y;
  case Ew::div: return x / y;
  case Ew::max: return std::max(x, y);
  case Ew::min: return std::min(x, y);
  }
  return x;
}

/// A host matrix and its device copy, rows x cols with row stride ld.
struct HostTile {
  int rows, cols, ld;
  std::vector<float> v;
  float *d = nullptr;
  HostTile(int r, int c, int pad, std::mt19937 &rng, float lo, float hi)
      : rows(r), cols(c), ld(c + pad), v(static_cast<size_t>(r) * (c + pad)) {
    std::uniform_real_distribution<float> u(lo, hi);
    for (float &x : v)
      x = u(rng);
    CHECK_CUDA(cudaMalloc(&d, v.size() * 4));
    CHECK_CUDA(cudaMemcpy(d, v.data(), v.size() * 4, cudaMemcpyHostToDevice));
  }
  ~HostTile() { cudaFree(d); }
  double at(int i, int j) const { return v[static_cast<size_t>(i) * ld + j]; }
  Tile tile() const { return Tile{d, rows, cols, ld}; }
  std::vector<float> fetch() const {
    std::vector<float> out(v.size());
    CHECK_CUDA(cudaMemcpy(out.data(), d, v.size() * 4, cudaMemcpyDeviceToHost));
    return out;
  }
};

/// Runs `op` with dst R x C and checks every element of dst (padding
/// included: it must stay untouched) against `want` (double), with a
/// relative limit.
/// With `flat`, the tiles have no row padding (ld == cols): element-wise
/// ops then take their vectorised path.
/// `channels` and `inclusive` (0 / 1), when given, replace the operands'
/// columns and the R % 2 choice of an inclusive mask.
/// `gateLo` is the per-row step of the cumulative gates farthest from zero
/// (the nearest is half of it);
/// `plant`, when given, replaces a[9][5].
static void testOp(const char *name, Op op, Ew kind, int R, int C, int threads,
                   Launch *dL, double limit, bool flat = false, int channels = 0,
                   int inclusive = -1, float gateLo = -0.3f, float plant = 0.0f) {
  std::mt19937 rng(R * 131 + C * 7 + static_cast<int>(op) * 17 + static_cast<int>(kind));
  bool positive = kind == Ew::log || kind == Ew::sqrt || kind == Ew::div;
  int n = op == Op::row_dot || op == Op::cumsum || op == Op::cumsum_exclusive ||
                  op == Op::row_l2norm || op == Op::row_inv_norm || op == Op::gram_diag || op == Op::gram_diag_bf16 ||
                  op == Op::gram_diag_bf16_fallback || op == Op::gram_diag_bf16_bounded ||
                  op == Op::gram_diag_bf16_rows
              ? 24 : C; // the operands' columns
  if (channels)
    n = channels;
  bool square = op == Op::causal_mask || op == Op::decay_mask ||
                op == Op::causal_mask_scaled || op == Op::causal_mask_rows_only ||
                op == Op::decay_mask_scaled ||
                op == Op::gram_diag || op == Op::gram_diag_bf16 ||
                op == Op::gram_diag_bf16_fallback || op == Op::gram_diag_bf16_bounded ||
                  op == Op::gram_diag_bf16_rows || op == Op::tri_inv ||
                op == Op::tri_inv_in_place || op == Op::identity;
  if (square)
    C = R;
  int dstCols = op == Op::row_dot || op == Op::row_inv_norm ? 1 : op == Op::transpose ? R : C;
  int dstRows = op == Op::transpose ? C : R;
  if (op == Op::cumsum || op == Op::cumsum_exclusive || op == Op::row_l2norm)
    dstCols = n;
  HostTile dst(dstRows, dstCols, flat ? 0 : 3, rng, -1, 1);
  const bool inverse = op == Op::tri_inv || op == Op::tri_inv_in_place;
  HostTile a(R, inverse ? R : n, flat ? 0 : 5, rng, positive ? 0.5f : -2.0f, 2.0f);
  int bRows = op == Op::ew_row || op == Op::ew_scalar ? 1 : R;
  int bCols = op == Op::ew_col || op == Op::ew_col_first || op == Op::ew_scalar ? 1 : n;
  HostTile b(bRows, bCols, flat ? 0 : 2, rng, positive ? 0.5f : -2.0f, 2.0f);
  // Cumulative log gates (decreasing down the rows), per row or per column.
  int gCols = op == Op::gram_diag || op == Op::gram_diag_bf16 ||
                      op == Op::gram_diag_bf16_fallback || op == Op::gram_diag_bf16_bounded ||
                  op == Op::gram_diag_bf16_rows ? n : 1;
  HostTile lg(R, gCols, 0, rng, std::min(gateLo, gateLo / 2), std::max(gateLo, gateLo / 2)),
      rg(R, gCols, 0, rng, -1, 0);
  for (int i = 1; i < R; ++i)
    for (int c = 0; c < gCols; ++c)
      lg.v[i * gCols + c] += lg.v[(i - 1) * gCols + c];
  rg.v = lg.v;
  CHECK_CUDA(cudaMemcpy(lg.d, lg.v.data(), lg.v.size() * 4, cudaMemcpyHostToDevice));
  CHECK_CUDA(cudaMemcpy(rg.d, rg.v.data(), rg.v.size() * 4, cudaMemcpyHostToDevice));
  if (plant != 0.0f) {
    a.v[9 * a.ld + 5] = plant;
    CHECK_CUDA(cudaMemcpy(a.d, a.v.data(), a.v.size() * 4, cudaMemcpyHostToDevice));
  }
  if (inverse) { // strictly lower source, small entries
    for (int i = 0; i < R; ++i)
      for (int j = 0; j < R; ++j)
        a.v[i * a.ld + j] = j < i ? a.v[i * a.ld + j] * 0.05f : 0.0f;
    CHECK_CUDA(cudaMemcpy(a.d, a.v.data(), a.v.size() * 4, cudaMemcpyHostToDevice));
  }
  // Valid rows (mask_rows: a third, none, more than all) / inclusive.
  int64_t param = op == Op::mask_rows        ? R / 3
                  : op == Op::mask_rows_none ? 0
                  : op == Op::mask_rows_all  ? R + 5
                  : inclusive >= 0           ? inclusive
                                             : R % 2;
  opKernel<<<1, threads, int(kReservedSharedBytes)>>>(dL, op, kind, dst.tile(), a.tile(),
                                                      b.tile(), lg.tile(), rg.tile(), param);
  CHECK_CUDA(cudaGetLastError());
  CHECK_CUDA(cudaDeviceSynchronize());
  std::vector<float> got = dst.fetch();
  // The expected dst, padding included.
  std::vector<double> want(dst.v.begin(), dst.v.end());
  auto W = [&](int i, int j) -> double & { return want[static_cast<size_t>(i) * dst.ld + j]; };
  // Entries a Gram computes in fp32 (their reference is exact): each is
  // checked against its own terms' scale too, sum_c |l r e^(lg - rg)|, so
  // that a wrong or missing product on an entry far below the tile's
  // largest (strong gates) is seen; -1 where not checked so.
  std::vector<double> own(want.size(), -1.0);
  auto ownScale = [&](int i, int j, int n) {
    double t = 0;
    for (int c = 0; c < n; ++c)
      t += std::fabs(a.at(i, c) * b.at(j, c) * std::exp(lg.at(i, c) - rg.at(j, c)));
    own[static_cast<size_t>(i) * dst.ld + j] = t;
  };
  std::vector<double> inv(static_cast<size_t>(R) * R, 0.0);
  for (int i = 0; i < dstRows; ++i)
    for (int j = 0; j < dstCols; ++j) {
      double old = dst.at(i, j);
      bool lower = j < i || (j == i && param);
      switch (op) {
      case Op::fill: W(i, j) = 0.75; break;
      case Op::identity: W(i, j) = i == j; break;
      case Op::mask_rows: case Op::mask_rows_none: case Op::mask_rows_all:
        W(i, j) = i >= param ? 0.0 : old;
        break;
      case Op::ew1: W(i, j) = ewHost(kind, a.at(i, j), 0); break;
      case Op::ew2: W(i, j) = ewHost(kind, a.at(i, j), b.at(i, j)); break;
      case Op::ew_row: W(i, j) = ewHost(kind, a.at(i, j), b.at(0, j)); break;
      case Op::ew_col: W(i, j) = ewHost(kind, a.at(i, j), b.at(i, 0)); break;
      case Op::ew_scalar: W(i, j) = ewHost(kind, a.at(i, j), b.at(0, 0)); break;
      case Op::ew_col_first: W(i, j) = ewHost(kind, b.at(i, 0), a.at(i, j)); break;
      case Op::row_l2norm: {
        double ss = 0;
        for (int c = 0; c < n; ++c)
          ss += a.at(i, c) * a.at(i, c);
        W(i, j) = a.at(i, j) / std::sqrt(ss + 1e-6);
        break;
      }
      case Op::row_inv_norm: {
        double ss = 0;
        for (int c = 0; c < n; ++c)
          ss += a.at(i, c) * a.at(i, c);
        W(i, j) = 1 / std::sqrt(ss + 1e-6);
        break;
      }
      case Op::row_dot: {
        double acc = 0;
        for (int c = 0; c < n; ++c)
          acc += a.at(i, c) * b.at(i, c);
        W(i, j) = acc;
        break;
      }
      case Op::cumsum: case Op::cumsum_exclusive: {
        double acc = 0;
        for (int r = 0; r < i + (op == Op::cumsum); ++r)
          acc += a.at(r, j);
        W(i, j) = acc;
        break;
      }
      case Op::transpose: W(i, j) = a.at(j, i); break;
      case Op::causal_mask: W(i, j) = lower ? old : 0.0; break;
      case Op::decay_mask:
        W(i, j) = lower ? old * std::exp(lg.at(i, 0) - rg.at(j, 0)) : 0.0;
        break;
      case Op::causal_mask_scaled: W(i, j) = lower ? old * a.at(i, 0) * b.at(j, 0) : 0.0; break;
      case Op::causal_mask_rows_only: W(i, j) = lower ? old * a.at(i, 0) : 0.0; break;
      case Op::decay_mask_scaled:
        W(i, j) = lower ? old * std::exp(lg.at(i, 0) - rg.at(j, 0)) * a.at(i, 0) * b.at(j, 0) : 0.0;
        break;
      case Op::gram_diag: {
        double acc = 0;
        if (lower) {
          for (int c = 0; c < n; ++c)
            acc += a.at(i, c) * b.at(j, c) * std::exp(lg.at(i, c) - rg.at(j, c));
          ownScale(i, j, n);
        }
        W(i, j) = acc;
        break;
      }
      case Op::gram_diag_bf16_rows: case Op::gram_diag_bf16: case Op::gram_diag_bf16_fallback: {
        // 16 x 8 tiles: both operands scaled at the tile's reference row
        // (last column below the diagonal, fourth on it) and rounded,
        // unless the tile is over: an exponent of a row or column the tile
        // needs exceeds 40, a scaled operand 3e38, or the largest scaled
        // row value times the largest column value times the channels 3e38
        // (products that could overflow). An over tile on the diagonal is
        // split: pairs of its 8 x 8 diagonal block in fp32, its rows below
        // its columns scaled at its last column unless over again. Other
        // over tiles are fp32 pair by pair (and always without the fast form).
        const int i0 = i / 16 * 16, j0 = j / 8 * 8;
        auto tileOver = [&](int ref, int first) {
          bool o = false;
          double peakA = 0, peakB = 0;
          for (int c = 0; c < n && !o; ++c) {
            for (int ii = std::max(i0, first); ii < i0 + 16; ++ii) {
              o = o || lg.at(ii, c) - rg.at(ref, c) > 40;
              peakA = std::max(peakA, std::fabs(a.at(ii, c) * std::exp(lg.at(ii, c) - rg.at(ref, c))));
            }
            for (int jj = j0; jj < j0 + 8; ++jj) {
              o = o || rg.at(ref, c) - rg.at(jj, c) > 40;
              peakB = std::max(peakB, std::fabs(b.at(jj, c) * std::exp(rg.at(ref, c) - rg.at(jj, c))));
            }
          }
          return o || peakA > 3e38 || peakB > 3e38 || peakA * peakB * n > 3e38;
        };
        // gram=rows: the tile at its 16-row block's first row unless its
        // scaled rows' exponents pass 40, its columns' 75, a row's is below
        // -80 while a column's passes 40, or a scaled operand passes 3e38;
        // then the per-tile form below.
        if (op == Op::gram_diag_bf16_rows) {
          bool rowsHi = false, rowsLo = false, colsHi = false, colsMid = false;
          double peakL = 0, peakR = 0;
          for (int c = 0; c < n; ++c) {
            for (int ii = i0; ii < i0 + 16; ++ii) {
              const double e = float(lg.at(ii, c) - rg.at(i0, c));
              rowsHi = rowsHi || e > 40;
              rowsLo = rowsLo || e < -80;
              peakL = std::max(peakL, std::fabs(a.at(ii, c) * std::exp(e)));
            }
            for (int jj = j0; jj < j0 + 8; ++jj) {
              const double e = float(rg.at(i0, c) - rg.at(jj, c));
              colsHi = colsHi || e > 75;
              colsMid = colsMid || e > 40;
              peakR = std::max(peakR, std::fabs(b.at(jj, c) * std::exp(e)));
            }
          }
          if (!(rowsHi || colsHi || (rowsLo && colsMid) || peakL > 3e38 || peakR > 3e38)) {
            double acc = 0;
            if (lower)
              for (int c = 0; c < n; ++c)
                acc += double(roundHost(float(a.at(i, c) * std::exp(lg.at(i, c) - rg.at(i0, c))),
                                        Operand::bf16)) *
                       double(roundHost(float(b.at(j, c) * std::exp(rg.at(i0, c) - rg.at(j, c))),
                                        Operand::bf16));
            W(i, j) = acc;
            break;
          }
        }
        int ref = j0 + 7 < i0 ? j0 + 7 : j0 + 3;
        bool over = op == Op::gram_diag_bf16_fallback || tileOver(ref, j0);
        if (over && op != Op::gram_diag_bf16_fallback && j0 + 7 >= i0 && i / 8 != j / 8) {
          ref = j0 + 7;
          over = tileOver(ref, j0 + 8);
        }
        double acc = 0;
        if (lower && over)
          ownScale(i, j, n);
        if (lower)
          for (int c = 0; c < n; ++c)
            acc += over ? a.at(i, c) * b.at(j, c) * std::exp(lg.at(i, c) - rg.at(j, c))
                        : double(roundHost(float(a.at(i, c) * std::exp(lg.at(i, c) -
                                                                       rg.at(ref, c))),
                                           Operand::bf16)) *
                              double(roundHost(float(b.at(j, c) * std::exp(rg.at(ref, c) -
                                                                           rg.at(j, c))),
                                               Operand::bf16));
        W(i, j) = acc;
        break;
      }
      case Op::gram_diag_bf16_bounded: {
        // Every entry of a 16-row block through the block's first row, both
        // scaled operands rounded, no fallback (the gates are within the bound).
        const int p = i / 16 * 16;
        double acc = 0;
        if (lower)
          for (int c = 0; c < n; ++c)
            acc += double(roundHost(float(a.at(i, c) * std::exp(lg.at(i, c) - rg.at(p, c))),
                                    Operand::bf16)) *
                   double(roundHost(float(b.at(j, c) * std::exp(rg.at(p, c) - rg.at(j, c))),
                                    Operand::bf16));
        W(i, j) = acc;
        break;
      }
      case Op::tri_inv: case Op::tri_inv_in_place: { // rows in order: (I + L) X = I
        double acc = i == j;
        for (int m = 0; m < i; ++m)
          acc -= a.at(i, m) * inv[static_cast<size_t>(m) * R + j];
        inv[static_cast<size_t>(i) * R + j] = acc;
        W(i, j) = acc;
        break;
      }
      }
    }
  double worst = 0, scale = 1e-30;
  size_t worstAt = 0;
  for (double w : want)
    scale = std::max(scale, std::fabs(w));
  for (size_t e = 0; e < want.size(); ++e) {
    const double err = std::isfinite(got[e]) || !std::isfinite(want[e])
                           ? std::fabs(got[e] - want[e]) / scale
                           : HUGE_VAL; // NaN would pass std::max
    if (err > worst) {
      worst = err;
      worstAt = e;
    }
  }
  // The fp32 entries against their own scale (a floor far below any
  // product fp32 keeps: terms under ~1e-38 may underflow in any form).
  double worstOwn = 0;
  size_t worstOwnAt = 0;
  for (size_t e = 0; e < want.size(); ++e)
    if (own[e] >= 0) {
      const double err = std::isfinite(got[e]) ? std::fabs(got[e] - want[e]) / std::max(own[e], 1e-30)
                                               : HUGE_VAL;
      if (err > worstOwn) {
        worstOwn = err;
        worstOwnAt = e;
      }
    }
  constexpr double kOwnLimit = 1e-4;
  char label[160], detail[200], extra[80] = "", gates[32] = "";
  // The gates' range where a test sets it (one label per gate setting).
  if (gateLo != -0.3f)
    std::snprintf(gates, sizeof gates, ", gates to %+g", gateLo);
  if (channels)
    std::snprintf(extra, sizeof extra, ", %d channels, %s%s", channels,
                  param ? "inclusive" : "strict", gates);
  std::snprintf(label, sizeof label, "op %s%s%s %dx%d%s", name, flat ? ", unpadded" : "",
                extra, R, C, blockLabel(threads));
  // A failure says where: the worst entry (row, column; a column past the
  // tile's is its padding), got and wanted.
  if (worst > limit)
    std::snprintf(detail, sizeof detail, "max error %.1e (limit %.0e) at (%zu, %zu): %.6e, want %.6e",
                  worst, limit, worstAt / dst.ld, worstAt % dst.ld, double(got[worstAt]),
                  want[worstAt]);
  else if (worstOwn > kOwnLimit)
    std::snprintf(detail, sizeof detail,
                  "an fp32 entry's error %.1e of its own terms (limit %.0e) at (%zu, %zu): %.6e, "
                  "want %.6e", worstOwn, kOwnLimit, worstOwnAt / dst.ld, worstOwnAt % dst.ld,
                  double(got[worstOwnAt]), want[worstOwnAt]);
  else
    std::snprintf(detail, sizeof detail, "max error %.1e (limit %.0e)", worst, limit);
  report(label, worst <= limit && worstOwn <= kOwnLimit, detail);
}

static void testOps(Launch *dL) {
  CHECK_CUDA(cudaFuncSetAttribute(opKernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                  int(kReservedSharedBytes)));
  struct Shape { int R, C; };
  for (int threads : {128, 160, 256, 288})
    for (Shape s : {Shape{64, 64}, Shape{64, 128}, Shape{128, 128}, Shape{37, 20}, Shape{1, 9}}) {
      testOp("fill", Op::fill, Ew::copy, s.R, s.C, threads, dL, 0);
      testOp("mask_rows", Op::mask_rows, Ew::copy, s.R, s.C, threads, dL, 0);
      testOp("mask_rows, no valid row", Op::mask_rows_none, Ew::copy, s.R, s.C, threads, dL, 0);
      testOp("mask_rows, all valid", Op::mask_rows_all, Ew::copy, s.R, s.C, threads, dL, 0);
      // Padded tiles, and unpadded ones (the float4 paths take those).
      for (bool flat : {false, true}) {
        for (Ew k : {Ew::copy, Ew::neg, Ew::exp, Ew::log, Ew::sqrt, Ew::sigmoid,
                     Ew::logsigmoid, Ew::softplus, Ew::silu})
          testOp("ew unary", Op::ew1, k, s.R, s.C, threads, dL, 2e-6, flat);
        for (Ew k : {Ew::add, Ew::sub, Ew::mul, Ew::div, Ew::max, Ew::min}) {
          testOp("ew binary", Op::ew2, k, s.R, s.C, threads, dL, 2e-6, flat);
          testOp("ew row broadcast", Op::ew_row, k, s.R, s.C, threads, dL, 2e-6, flat);
          testOp("ew column broadcast", Op::ew_col, k, s.R, s.C, threads, dL, 2e-6, flat);
          testOp("ew scalar broadcast", Op::ew_scalar, k, s.R, s.C, threads, dL, 2e-6, flat);
          testOp("ew column first", Op::ew_col_first, k, s.R, s.C, threads, dL, 2e-6, flat);
        }
      }
      testOp("row_l2norm", Op::row_l2norm, Ew::copy, s.R, s.C, threads, dL, 2e-6);
      testOp("row_inv_norm", Op::row_inv_norm, Ew::copy, s.R, s.C, threads, dL, 2e-6);
      testOp("row_dot", Op::row_dot, Ew::copy, s.R, s.C, threads, dL, 2e-6);
      testOp("cumsum", Op::cumsum, Ew::copy, s.R, s.C, threads, dL, 2e-6);
      testOp("cumsum exclusive", Op::cumsum_exclusive, Ew::copy, s.R, s.C, threads, dL, 2e-6);
      testOp("transpose", Op::transpose, Ew::copy, s.R, s.C, threads, dL, 0);
      testOp("identity", Op::identity, Ew::copy, s.R, s.C, threads, dL, 0);
      testOp("causal_mask", Op::causal_mask, Ew::copy, s.R, s.C, threads, dL, 0);
      testOp("decay_mask", Op::decay_mask, Ew::copy, s.R, s.C, threads, dL, 2e-6);
      testOp("causal_mask, scaled", Op::causal_mask_scaled, Ew::copy, s.R, s.C, threads, dL, 2e-6);
      testOp("causal_mask, row scale", Op::causal_mask_rows_only, Ew::copy, s.R, s.C, threads, dL,
             2e-6);
      testOp("decay_mask, scaled", Op::decay_mask_scaled, Ew::copy, s.R, s.C, threads, dL, 4e-6);
      testOp("gram_diag", Op::gram_diag, Ew::copy, s.R, s.C, threads, dL, 2e-6);
      testOp("tri_inv", Op::tri_inv, Ew::copy, s.R, s.C, threads, dL, 2e-6);
    }
  // The fast forms: a chunk's scalar gates (one column, up to 64 rows: a
  // warp's shuffle scan; 128 rows take the column loop), rows of 128
  // values (float4 per lane, unpadded rows only), decay masks by float4
  // (columns a multiple of 4, unpadded).
  for (int threads : {128, 160, 256, 288}) {
    for (int R : {64, 37, 1, 128}) {
      testOp("cumsum, one column", Op::cumsum, Ew::copy, R, 1, threads, dL, 2e-6, false, 1);
      testOp("cumsum exclusive, one column", Op::cumsum_exclusive, Ew::copy, R, 1, threads, dL,
             2e-6, true, 1);
    }
    for (int R : {64, 37, 128})
      for (bool flat : {false, true})
        testOp("row_l2norm, 128 columns", Op::row_l2norm, Ew::copy, R, 128, threads, dL, 2e-6,
               flat, 128);
    for (int R : {64, 32, 36, 37})
      for (int inclusive : {0, 1})
        for (Op op : {Op::decay_mask, Op::decay_mask_scaled})
          testOp(op == Op::decay_mask ? "decay_mask, unpadded" : "decay_mask scaled, unpadded",
                 op, Ew::copy, R, R, threads, dL, op == Op::decay_mask ? 2e-6 : 4e-6, true, 0,
                 inclusive);
  }
  // The tiled Gram (4x4 output tiles, channel slices summed by shuffles)
  // at the sub-block sizes, 128 channels (the head dimension) and 24, both
  // masks; 64 x 64 with 24 channels ran above.
  for (int threads : {128, 160, 256, 288})
    for (int n : {16, 32, 48, 64})
      for (int channels : {24, 128})
        for (int inclusive : {0, 1})
          for (bool flat : {false, true})
            testOp("gram_diag", Op::gram_diag, Ew::copy, n, n, threads, dL, 2e-6, flat,
                   channels, inclusive);
  // bf16 operands (the tensor-core form): weak gates against the same
  // rounding of the scaled operands (fp32 products would miss it by
  // ~1e-3); gates of 15-30 per row, where tiles on the diagonal must be
  // computed in fp32 (bf16 factors would overflow) and those below stay
  // bf16; padded rows and 24 channels (no float4 rows, no 16-channel
  // steps) take the fp32 form throughout.
  for (int threads : {128, 160, 256, 288})
    for (int n : {16, 32, 48, 64})
      for (int inclusive : {0, 1}) {
        testOp("gram_diag bf16", Op::gram_diag_bf16, Ew::copy, n, n, threads, dL, 3e-4, true,
               128, inclusive);
        testOp("gram_diag bf16, strong gates", Op::gram_diag_bf16, Ew::copy, n, n, threads, dL,
               3e-4, true, 128, inclusive, -30.0f);
        // 6-12 per row: diagonal tiles split, their 8 x 8 blocks in fp32
        // (through reference rows with LINAC_GRAM_BLOCK_FACTOR=1), each
        // such entry checked against its own terms as well.
        testOp("gram_diag bf16, moderate gates", Op::gram_diag_bf16, Ew::copy, n, n, threads,
               dL, 3e-4, true, 128, inclusive, -12.0f);
      }
  // An operand of 1e38 on row 9 (below its first tile's columns, so on the
  // tensor cores): the scaled operand stays below bf16's largest, but its
  // products with the other operand's (up to 2) summed over 128 channels
  // could overflow, so its tile is computed in fp32 (finite: l r e^(lg - rg)
  // stays below 3e38).
  // Gates that grow by 1.2-2.4 per row: tiles whose factors pass e^40 are
  // fp32, the others keep the tensor-core form with factors above 1.
  for (int threads : {128, 256})
    testOp("gram_diag bf16, growing gates", Op::gram_diag_bf16, Ew::copy, 32, 32, threads, dL,
           3e-4, true, 128, 1, 2.4f);
  for (int threads : {128, 256})
    testOp("gram_diag bf16, an operand near overflow", Op::gram_diag_bf16, Ew::copy, 32, 32,
           threads, dL, 3e-4, true, 128, 1, -0.3f, 1e38f);
  // The row-block and bounded forms scale operands by factors up to e^75
  // before rounding them to bf16. The kernel's exponent (a float difference
  // of cumulative gates, then __expf: a few 1e-6 relative at 75) and the
  // reference's (double) can round a scaled operand to neighbouring bf16
  // values: one product off by up to 2^-7 of itself. On an H100 that put
  // gates of 2.5-5 per row at 3.3e-4 to 5.5e-4 of the tile's largest entry
  // (session 19; expf instead of __expf: 4 of the 16 cases left). Wrong
  // gates, rows, masks or reference points are off by O(1), so 2e-3 still
  // fails them. Weak and growing gates keep 3e-4 (their factors stay small
  // or their tiles go to the per-tile form).
  const double factoredLimit = 2e-3;
  // A proven decay bound (kTestDecayBound = 5 per token, as the safe gate's
  // lower bound -5): each 16-row block through its first row, the diagonal
  // blocks too. Gates of 2.5-5 per row (factors up to e^75 on the diagonal
  // blocks, within the bound) and of 0.15-0.3.
  for (int threads : {128, 160, 256, 288})
    for (int n : {16, 32, 48, 64})
      for (int inclusive : {0, 1}) {
        testOp("gram_diag bf16, bounded gates", Op::gram_diag_bf16_bounded, Ew::copy, n, n,
               threads, dL, factoredLimit, true, 128, inclusive, -kTestDecayBound);
        testOp("gram_diag bf16, bounded weak gates", Op::gram_diag_bf16_bounded, Ew::copy, n, n,
               threads, dL, 3e-4, true, 128, inclusive);
      }
  // gram=rows without a bound: weak gates (every tile in the row-block
  // form), 2.5-5 per row (the diagonal tiles pass, factors up to e^75),
  // 3-6 (some pass, some fail), moderate (6-12) and strong (15-30: the
  // diagonal tiles fail its tests and take the per-tile form, split).
  for (int threads : {128, 160, 256, 288})
    for (int n : {16, 32, 48, 64})
      for (int inclusive : {0, 1})
        for (float gateLo : {-0.3f, -5.0f, -6.0f, -12.0f, -30.0f})
          testOp("gram_diag bf16, row blocks", Op::gram_diag_bf16_rows, Ew::copy, n, n, threads,
                 dL, gateLo > -1.0f ? 3e-4 : factoredLimit, true, 128, inclusive, gateLo);
  // Growing gates: 1.2-2.4 per row keep every tile in the row-block form
  // (factors above 1); 2-4 per row over 16 rows put the scaled rows past
  // e^40, so the whole run goes to the per-tile form.
  for (int threads : {128, 256}) {
    testOp("gram_diag bf16, row blocks, growing gates", Op::gram_diag_bf16_rows, Ew::copy, 32,
           32, threads, dL, 3e-4, true, 128, 1, 2.4f);
    testOp("gram_diag bf16, row blocks, rows over", Op::gram_diag_bf16_rows, Ew::copy, 16, 16,
           threads, dL, 3e-4, true, 128, 1, 4.0f);
  }
  for (int threads : {128, 256})
    for (int channels : {24, 128})
      testOp("gram_diag bf16, no fast form", Op::gram_diag_bf16_fallback, Ew::copy, 32, 32, threads, dL, 2e-6,
             channels == 128 ? false : true, channels, 1);
  // The phased inverse (dst apart from src) and the blocked one (in place)
  // take n = 16, 32, 48, 64 (64 above); others the column-serial
  // substitution (37, 128 above).
  for (int threads : {128, 160, 256, 288})
    for (int n : {16, 32, 48})
      testOp("tri_inv", Op::tri_inv, Ew::copy, n, n, threads, dL, 2e-6);
  for (int threads : {128, 256})
    for (int n : {16, 64})
      testOp("tri_inv in place", Op::tri_inv_in_place, Ew::copy, n, n, threads, dL, 2e-6);
}

int main() {
  int path = -1, *dPath;
  CHECK_CUDA(cudaMalloc(&dPath, 4));
  pathKernel<<<1, 1>>>(dPath);
  CHECK_CUDA(cudaMemcpy(&path, dPath, 4, cudaMemcpyDeviceToHost));
  cudaDeviceProp prop;
  CHECK_CUDA(cudaGetDeviceProperties(&prop, 0));
  std::printf("# %s, matmul path: %s\n", prop.name,
              path == 2 ? "wgmma (sm_90a)" : path == 1 ? "mma.sync + ldmatrix (sm_80)" : "SIMT");
  // LINAC_PRIMITIVES=owned: the owned fragments' tests alone (a candidate's
  // quick check on the GPU, bench/candidates.sh).
  if (const char *only = std::getenv("LINAC_PRIMITIVES"); only && std::strcmp(only, "owned") == 0) {
    if (path > 0)
      testOwnedAll();
    return failures;
  }
  CHECK_CUDA(cudaFuncSetAttribute(fragStageKernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                  int(kReservedSharedBytes)));
  for (auto f : {fragmentKernel}) // the large dynamic shared area
    CHECK_CUDA(cudaFuncSetAttribute(f, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                    int(kReservedSharedBytes)));
  CHECK_CUDA(cudaFuncSetAttribute(mmaKernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                  int(kReservedSharedBytes)));
  if (path > 0)
    for (Operand t : {Operand::bf16, Operand::f16, Operand::tf32})
      testFragments(t);
  if (path > 0)
    for (Operand t : {Operand::bf16, Operand::f16})
      testFragStaging(t);

  Launch *dL;
  CHECK_CUDA(cudaMalloc(&dL, sizeof(Launch)));
  CHECK_CUDA(cudaMemset(dL, 0, sizeof(Launch)));
  struct Shape { int M, N, Kc; };
  const Shape shapes[] = {{64, 64, 64},  {32, 64, 128}, {64, 32, 32},  {128, 64, 32},
                          {16, 16, 128}, {32, 32, 64},  {40, 24, 72},  {16, 8, 8},
                          {64, 128, 16}, {256, 64, 64}, {64, 256, 256}, {8, 64, 32},
                          // staged once (every slice fits the staging slots), and
                          // rounds whose two blocks differ in both rows and columns
                          {128, 128, 64}, {64, 128, 64}, {128, 192, 64},
                          // sides not multiples of 4 (fp32: one output per thread)
                          {18, 10, 24}, {12, 6, 40}};
  // One consumer warpgroup, and two (the second stages operands only);
  // rows padded to an odd length (element-wise staging), and to 16-byte
  // aligned ones (whole 64 x 64 slices staged by float4 loads,
  // accumulators moved in pairs).
  for (int threads : {128, 256})
    for (Operand t : {Operand::bf16, Operand::f16, Operand::tf32, Operand::f32})
      for (const Shape &s : shapes)
        for (int tr = 0; tr < 4; ++tr)
          for (int pad : {1 + s.M % 2, 4})
            testMma(t, s.M, s.N, s.Kc, tr & 1, tr & 2, (s.M + tr) % 2 == 0, pad, dL, threads);
  // The state pass's ops owned by warps (tile-own-columns), on mma.sync.
  if (path > 0)
    testOwnedAll();
  // acc -= a b on every path: the tensor-core rounds (whole blocks), the
  // staged blocks and the SIMT loops (other sides), both block sizes.
  for (int threads : {128, 256})
    for (Operand t : {Operand::bf16, Operand::f32})
      for (const Shape &s : shapes)
        testMma(t, s.M, s.N, s.Kc, false, true, true, 4, dL, threads, true);
  // Matmuls reading bf16 tiles give the fp32 tiles' products exactly
  // (whole 64 x 64 blocks: the tensor-core paths only).
  if (path > 0) {
    CHECK_CUDA(cudaFuncSetAttribute(mma16Kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                    int(kReservedSharedBytes) + 2 * 128 * 128 * 2));
    for (int threads : {128, 256})
      for (int tr = 0; tr < 4; ++tr)
        for (const Shape &s : {Shape{64, 64, 64}, Shape{64, 128, 128}, Shape{128, 64, 64},
                               Shape{128, 128, 128}})
          testMma16(s.M, s.N, s.Kc, tr & 1, tr & 2, dL, threads);
    CHECK_CUDA(cudaFuncSetAttribute(ws16Kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                    int(kReservedSharedBytes) + 64 * 128 * 2));
    for (int threads : {128, 256})
      for (int C : {64, 128})
        for (int valid : {64, 0})
          testWorkspace16(64, C, valid, threads);
    // bf16 input stages: full, ragged and empty chunks, rows of 128 (four
    // values per lane) and of 64; an f16 input is refused.
    for (int threads : {128, 256})
      for (int C : {64, 128})
        for (int valid : {64, 37, 0})
          testInput16(C, 3, valid, bf16, threads);
    testInput16(128, 0, 64, f16, 256);
    // Gram blocks of bf16 input stages: the tensor-core and the fp32 forms,
    // both masks, full and ragged chunks.
    for (int threads : {128, 256})
      for (int C : {64, 128})
        for (Operand type : {Operand::bf16, Operand::f32})
          for (bool inclusive : {false, true})
            testGram16(C, inclusive ? 64 : 37, type, inclusive, threads);
    // The same with a proven bound (the bounded form) and with gram=rows.
    for (int threads : {128, 256})
      for (int C : {64, 128})
        for (bool inclusive : {false, true}) {
          testGram16(C, inclusive ? 64 : 37, Operand::bf16, inclusive, threads, 5.0f);
          testGram16(C, inclusive ? 64 : 37, Operand::bf16, inclusive, threads, 0.0f, true);
        }
    // The pair form (grams=pair) against its two calls.
    for (int threads : {128, 256})
      for (int C : {64, 128})
        for (bool strong : {false, true})
          for (int huge : {0, 1, 2})
            for (bool rising : {false, true})
              testGramPair(C, strong, huge, rising, threads);
    for (int threads : {128, 256})
      testGramPairShared(threads);
    // store_tile from a fragment (aligned pairs, and an odd column: single
    // stores), into fp32 and bf16 workspaces.
    for (int threads : {128, 256})
      for (int dtype : {f32, bf16})
        for (int col : {0, 128, 1})
          if (col + 128 <= 256)
            testStoreFrag(dtype, col, threads);
    testStoreRowsOutside();
  }
  // move_tile: float4 rows (four in flight, and a tail), and element by
  // element (columns, row length or start not multiples of 4).
  for (int threads : {128, 256}) {
    testMove(128, 256, 0, 0, threads);
    testMove(64, 128, 4, 4, threads);
    testMove(5, 12, 0, 0, threads);
    testMove(7, 12, 1, 0, threads);
    testMove(8, 16, 0, 1, threads);
    testMove(3, 3, 0, 0, threads);
  }
  // Copies: the path each takes depends on the device and the source.
  int bulkKind = path == 2 ? 2 : 1; // sm_90 bulk copies; sm_80 cp.async
  int f32Kind = path > 0 ? 1 : 0;
  testCopy("aligned rows, ragged", f32, 64, 64, 3, 128, 1, 64, 4, 6, 64, 37, false, bulkKind);
  testCopy("40 rounds (mbarrier reuse)", f32, 16, 32, 1, 32, 0, 0, 0, 40, 16, 5, false, bulkKind);
  testCopy("40 rounds (mbarrier reuse)", f32, 16, 32, 1, 32, 0, 0, 0, 40, 16, 5, false, bulkKind,
           128, true);
  testCopy("scalar per token (4-byte rows)", f32, 64, 1, 4, 1, 3, 0, 0, 4, 64, 1, false, f32Kind);
  testCopy("refused", f32, 32, 16, 2, 64, 1, 3, 0, 4, 32, 0, false, f32Kind, 128, false, 2);
  testCopy("unaligned column offset", f32, 32, 16, 2, 64, 1, 3, 0, 4, 32, 0, false, f32Kind);
  testCopy("bf16 source (converted)", bf16, 64, 64, 2, 64, 1, 0, 8, 4, 64, 10, false, 0);
  testCopy("f16 source (converted)", f16, 32, 32, 2, 64, 0, 32, 0, 4, 20, 32, false, 0);
  // Chunks with no valid row, and copies never waited.
  testCopy("bf16 source, empty chunks (converted)", bf16, 64, 128, 2, 128, 1, 0, 0, 4, 64, 0,
           false, 0);
  testCopy("bf16 source, 40 rounds (converted)", bf16, 16, 32, 1, 32, 0, 0, 0, 40, 16, 5, false,
           0, 128, true);
  // Halves at an odd column: converted element by element (the above load
  // 8 halves at a time).
  testCopy("bf16 source, odd column (converted)", bf16, 32, 16, 2, 64, 1, 3, 0, 4, 32, 7, false, 0);
  testCopy("f16 source, odd column (converted)", f16, 32, 16, 2, 64, 0, 5, 0, 4, 9, 32, false, 0);
  testCopy("workspace tile", f32, 32, 64, 2, 128, 1, 64, 0, 4, 32, 32, true, bulkKind);
  // Two consumer warpgroups: every thread copies its share.
  testCopy("aligned rows, ragged", f32, 64, 64, 3, 128, 1, 64, 4, 6, 64, 37, false, bulkKind, 256);
  testCopy("unaligned column offset", f32, 32, 16, 2, 64, 1, 3, 0, 4, 32, 0, false, f32Kind, 256);
  testCopy("bf16 source (converted)", bf16, 64, 64, 2, 64, 1, 0, 8, 4, 64, 10, false, 0, 256);
  testCopy("bf16 source, 128 columns (converted)", bf16, 64, 128, 16, 128, 5, 0, 0, 4, 64, 17,
           false, 0, 256);
  testCopy("f16 source (converted)", f16, 32, 32, 2, 64, 0, 32, 0, 4, 20, 32, false, 0, 256);
  testCopy("workspace tile", f32, 32, 64, 2, 128, 1, 64, 0, 4, 32, 32, true, bulkKind, 256);
  // Warp roles (160 threads): the producer warp copies, every kind of copy
  // completes on an mbarrier, only the consumers wait.
  // The producer warp after one or two consumer warpgroups.
  if (path > 0)
    for (int threads : {160, 288}) {
      testCopy("aligned rows, ragged", f32, 64, 64, 3, 128, 1, 64, 4, 6, 64, 37, false, 2,
               threads);
      testCopy("40 rounds (mbarrier reuse)", f32, 16, 32, 1, 32, 0, 0, 0, 40, 16, 5, false, 2,
               threads);
      testCopy("40 rounds (mbarrier reuse)", f32, 16, 32, 1, 32, 0, 0, 0, 40, 16, 5, false, 2,
               threads, true);
      testCopy("scalar per token (4-byte rows)", f32, 64, 1, 4, 1, 3, 0, 0, 4, 64, 1, false, 2,
               threads);
      testCopy("unaligned column offset", f32, 32, 16, 2, 64, 1, 3, 0, 4, 32, 0, false, 2,
               threads);
      testCopy("bf16 source (converted)", bf16, 64, 64, 2, 64, 1, 0, 8, 4, 64, 10, false, 2,
               threads);
      testCopy("f16 source (converted)", f16, 32, 32, 2, 64, 0, 32, 0, 4, 20, 32, false, 2,
               threads);
      testCopy("workspace tile", f32, 32, 64, 2, 128, 1, 64, 0, 4, 32, 32, true, 2, threads);
      // mma with a producer warp present: the consumer warpgroups compute
      // (operands staged by element, and as whole aligned slices).
      for (Operand t : {Operand::bf16, Operand::tf32})
        for (int pad : {1, 4})
          testMma(t, 64, 128, 64, false, true, true, pad, dL, threads);
    }
  testOps(dL);
  std::printf("# %d failure(s)\n", failures);
  return failures;
}
