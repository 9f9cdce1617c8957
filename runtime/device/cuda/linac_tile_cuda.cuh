//===- linac_tile_cuda.cuh - the CUDA tile library: the spike --------------===//
//
// The same API as runtime/device/cpu/linac_tile.h, for the GPU, so that the
// emitted kernel bodies run unchanged. This first version exists to find
// design mistakes in the tile IR early (docs/gpu-spike.md); it is correct
// and deliberately simple, not fast:
//  - every tile op is a block-wide SIMT loop followed by __syncthreads();
//  - shared tiles live in dynamic shared memory; "register" tiles live in a
//    per-block scratch area of global memory (the IR gives every
//    intermediate its own tile, far more than registers hold);
//  - copy_async copies synchronously; wait is a barrier;
//  - mma is a loop of FMAs (no tensor cores), with operands rounded to
//    their declared precision as on the cpu target.
// The fast paths (wgmma/TMA on sm_90a, mma.sync/cp.async on sm_80) replace
// these ops one by one behind the same calls.
//
//===----------------------------------------------------------------------===//
#ifndef LINAC_TILE_CUDA_CUH
#define LINAC_TILE_CUDA_CUH

#ifdef __CUDACC_RTC__
// NVRTC compiles without the host's C++ library.
typedef long long int64_t;
typedef unsigned int uint32_t;
#else
#include <cstdint>
#endif

// The structures are also read by host code built with a plain C++
// compiler (runtime/cuda/CudaLaunch.cpp); the functions are device code.
#ifdef __CUDACC__
#define LINAC_DEVICE __device__
#else
#define LINAC_DEVICE
#endif

namespace linac {
namespace tile {

enum Space { reg = 0, shared = 1 };
enum class Ew {
  copy, neg, exp, log, sqrt, sigmoid, logsigmoid, softplus, silu,
  add, sub, mul, div, max, min
};
enum class Operand { f32, tf32, bf16, f16 };

constexpr int kMaxGlobals = 48;
constexpr int kMaxBuffers = 160;

struct Global {
  char name[24];
  float *data;
  int64_t rows, heads, cols;
};

/// Everything a kernel reads about its launch; lives in device memory.
struct Launch {
  Global globals[kMaxGlobals];
  int numGlobals;
  int64_t B, T, H, HV, K, V, N, chunks;
  const int64_t *cuSeqlens; // device pointer, or null: one sequence per row
  int hasInitialState;
  float scale;
  char *scratch;            // per-block register-tile scratch
  int64_t scratchPerBlock;
  int *error;               // set to 1 on any out-of-range access

  LINAC_DEVICE const Global *global(const char *name) const {
    for (int i = 0; i < numGlobals; ++i) {
      const char *a = globals[i].name, *b = name;
      while (*a && *a == *b) {
        ++a;
        ++b;
      }
      if (*a == *b)
        return &globals[i];
    }
    *error = 1;
    return nullptr;
  }
  LINAC_DEVICE float scalar(const char *) const { return scale; }
  LINAC_DEVICE void fail() const { *error = 1; }
};

struct Tile {
  float *p;
  int64_t rows, cols, ld;
  LINAC_DEVICE float &at(int64_t i, int64_t j) const { return p[i * ld + j]; }
  LINAC_DEVICE float get(int64_t i, int64_t j) const {
    return p[(rows == 1 ? 0 : i) * ld + (cols == 1 ? 0 : j)];
  }
  LINAC_DEVICE Tile view(int64_t r, int64_t c, int64_t nr, int64_t nc) const {
    return Tile{p + r * ld + c, nr, nc, ld};
  }
};

struct Buffer {
  float *data;
  int64_t rows, cols, stages;
  LINAC_DEVICE Tile stage(int64_t i) const {
    return Tile{data + (i % stages) * rows * cols, rows, cols, cols};
  }
  LINAC_DEVICE operator Tile() const { return stage(0); }
};

struct Token {
  int unused;
};

#ifdef __CUDACC__ // the library proper: device code

extern __shared__ __align__(16) char linacSharedMemory[];

class Block {
public:
  __device__ Block(const Launch &L, int64_t i0, int64_t i1, int64_t i2,
                   int64_t linear)
      : L(L) {
    id[0] = i0;
    id[1] = i1;
    id[2] = i2;
    scratch = L.scratch + linear * L.scratchPerBlock;
  }
  const Launch &L;
  int64_t id[3];
  Buffer buffers[kMaxBuffers];
  int count = 0;
  int64_t sharedUsed = 0, scratchUsed = 0;
  char *scratch;

  __device__ Buffer &alloc(Space space, int64_t rows, int64_t cols,
                           int64_t stages, const char *) {
    int64_t bytes = (rows * cols * stages * 4 + 15) / 16 * 16;
    char *base;
    if (space == shared) {
      base = linacSharedMemory + sharedUsed;
      sharedUsed += bytes;
    } else {
      base = scratch + scratchUsed;
      scratchUsed += bytes;
    }
    Buffer &b = buffers[count < kMaxBuffers ? count++ : kMaxBuffers - 1];
    b = Buffer{reinterpret_cast<float *>(base), rows, cols, stages};
    for (int64_t i = threadIdx.x; i < rows * cols * stages; i += blockDim.x)
      b.data[i] = 0.0f;
    __syncthreads();
    return b;
  }
  __device__ int64_t program_id(int d) const { return id[d]; }
};

struct SeqExtent {
  int64_t start, length;
};
__device__ inline SeqExtent sequence(const Block &blk, int64_t n) {
  const Launch &L = blk.L;
  if (!L.cuSeqlens)
    return {n * L.T, L.T};
  return {L.cuSeqlens[n], L.cuSeqlens[n + 1] - L.cuSeqlens[n]};
}
__device__ inline int64_t qk_head(const Block &blk, int64_t hv) {
  return hv / (blk.L.HV / blk.L.H);
}
__device__ inline int64_t num_chunks(int64_t length, int64_t chunk) {
  return (length + chunk - 1) / chunk;
}
__device__ inline int64_t chunk_rows(int64_t length, int64_t c, int64_t chunk) {
  int64_t r = length - c * chunk;
  return r < 0 ? 0 : (r > chunk ? chunk : r);
}

#define LINAC_FOR_ELEMENTS(t, i, j)                                            \
  for (int64_t idx_ = threadIdx.x; idx_ < (t).rows * (t).cols;                 \
       idx_ += blockDim.x)                                                     \
    for (int64_t i = idx_ / (t).cols, j = idx_ % (t).cols, once_ = 0;          \
         once_ < 1; ++once_)

__device__ inline void barrier(Block &) { __syncthreads(); }
__device__ inline void wait(Block &, Token &) { __syncthreads(); }

__device__ inline Token copy_async(Block &blk, const Global *g, const Tile &dst,
                                   int64_t start, int64_t row, int64_t valid,
                                   int64_t head, int64_t col) {
  int64_t first = start + row;
  if (!g || valid < 0 || valid > dst.rows ||
      (valid > 0 && (first < 0 || first + valid > g->rows)) || head < 0 ||
      head >= g->heads || col < 0 || col + dst.cols > g->cols) {
    blk.L.fail();
    return Token{0};
  }
  LINAC_FOR_ELEMENTS(dst, i, j) {
    dst.at(i, j) = i < valid
                       ? g->data[((first + i) * g->heads + head) * g->cols + col + j]
                       : 0.0f;
  }
  return Token{0};
}

__device__ inline float *slot(const Block &blk, const Global *g, int64_t seq,
                              int64_t head, int64_t chunk, int64_t size) {
  const Launch &L = blk.L;
  int64_t index = (seq * L.HV + head) * L.chunks + chunk;
  if (!g || index < 0 || index >= g->rows || size > g->cols) {
    L.fail();
    return nullptr;
  }
  return g->data + index * g->cols;
}

__device__ inline void store_tile(Block &blk, const Global *g, const Tile &src,
                                  int64_t seq, int64_t head, int64_t chunk) {
  float *p = slot(blk, g, seq, head, chunk, src.rows * src.cols);
  if (p)
    LINAC_FOR_ELEMENTS(src, i, j) { p[i * src.cols + j] = src.at(i, j); }
  __syncthreads();
}

__device__ inline void load_tile(Block &blk, const Global *g, const Tile &dst,
                                 int64_t seq, int64_t head, int64_t chunk) {
  float *p = slot(blk, g, seq, head, chunk, dst.rows * dst.cols);
  if (p)
    LINAC_FOR_ELEMENTS(dst, i, j) { dst.at(i, j) = p[i * dst.cols + j]; }
  __syncthreads();
}

__device__ inline Token copy_tile_async(Block &blk, const Global *g,
                                        const Tile &dst, int64_t seq,
                                        int64_t head, int64_t chunk,
                                        int64_t col, int64_t valid,
                                        int64_t fullCols) {
  if (valid <= 0) {
    LINAC_FOR_ELEMENTS(dst, i, j) { dst.at(i, j) = 0.0f; }
    return Token{0};
  }
  float *p = slot(blk, g, seq, head, chunk, dst.rows * fullCols);
  if (p)
    LINAC_FOR_ELEMENTS(dst, i, j) { dst.at(i, j) = p[i * fullCols + col + j]; }
  return Token{0};
}

__device__ inline void load_param(Block &blk, const Global *g, const Tile &dst,
                                  int64_t head, int64_t col) {
  if (!g || head >= g->heads || col + dst.cols > g->cols) {
    blk.L.fail();
    return;
  }
  LINAC_FOR_ELEMENTS(dst, i, j) { dst.at(i, j) = g->data[head * g->cols + col + j]; }
  __syncthreads();
}

__device__ inline void load_state(Block &blk, const Tile &dst, int64_t seq,
                                  int64_t head, int64_t col) {
  const Launch &L = blk.L;
  const Global *g = L.hasInitialState ? L.global("h0") : nullptr;
  const float *p = g ? g->data + (seq * L.HV + head) * L.K * L.V : nullptr;
  LINAC_FOR_ELEMENTS(dst, i, j) { dst.at(i, j) = p ? p[i * L.V + col + j] : 0.0f; }
  __syncthreads();
}

__device__ inline void store_state(Block &blk, const Tile &src, int64_t seq,
                                   int64_t head, int64_t col) {
  const Launch &L = blk.L;
  const Global *g = L.global("ht");
  if (!g)
    return;
  float *p = g->data + (seq * L.HV + head) * L.K * L.V;
  LINAC_FOR_ELEMENTS(src, i, j) { p[i * L.V + col + j] = src.at(i, j); }
  __syncthreads();
}

__device__ inline void store_rows(Block &blk, const Global *g, const Tile &src,
                                  int64_t start, int64_t row, int64_t valid,
                                  int64_t head, int64_t col) {
  int64_t first = start + row;
  if (!g || valid < 0 || valid > src.rows ||
      (valid > 0 && (first < 0 || first + valid > g->rows)) ||
      head >= g->heads || col + src.cols > g->cols) {
    blk.L.fail();
    return;
  }
  LINAC_FOR_ELEMENTS(src, i, j) {
    if (i < valid)
      g->data[((first + i) * g->heads + head) * g->cols + col + j] = src.at(i, j);
  }
  __syncthreads();
}

__device__ inline void fill(Block &, const Tile &dst, float v) {
  LINAC_FOR_ELEMENTS(dst, i, j) { dst.at(i, j) = v; }
  __syncthreads();
}

__device__ inline void identity(Block &, const Tile &dst) {
  LINAC_FOR_ELEMENTS(dst, i, j) { dst.at(i, j) = i == j ? 1.0f : 0.0f; }
  __syncthreads();
}

__device__ inline void mask_rows(Block &, const Tile &dst, int64_t valid) {
  LINAC_FOR_ELEMENTS(dst, i, j) {
    if (i >= valid)
      dst.at(i, j) = 0.0f;
  }
  __syncthreads();
}

__device__ inline float apply(Ew k, float x, float y) {
  switch (k) {
  case Ew::copy: return x;
  case Ew::neg: return -x;
  case Ew::exp: return expf(x);
  case Ew::log: return logf(x);
  case Ew::sqrt: return sqrtf(x);
  case Ew::sigmoid: return 1.0f / (1.0f + expf(-x));
  case Ew::logsigmoid: return fminf(x, 0.0f) - log1pf(expf(-fabsf(x)));
  case Ew::softplus: return fmaxf(x, 0.0f) + log1pf(expf(-fabsf(x)));
  case Ew::silu: return x / (1.0f + expf(-x));
  case Ew::add: return x + y;
  case Ew::sub: return x - y;
  case Ew::mul: return x * y;
  case Ew::div: return x / y;
  case Ew::max: return fmaxf(x, y);
  case Ew::min: return fminf(x, y);
  }
  return x;
}

// dst may alias an operand only element-for-element (same shape), which the
// emitted code guarantees; each element is read before it is written.
__device__ inline void ew(Block &, Ew k, const Tile &dst, const Tile &a) {
  __syncthreads();
  LINAC_FOR_ELEMENTS(dst, i, j) { dst.at(i, j) = apply(k, a.get(i, j), 0.0f); }
  __syncthreads();
}
__device__ inline void ew(Block &, Ew k, const Tile &dst, const Tile &a,
                          const Tile &b) {
  __syncthreads();
  LINAC_FOR_ELEMENTS(dst, i, j) {
    dst.at(i, j) = apply(k, a.get(i, j), b.get(i, j));
  }
  __syncthreads();
}

__device__ inline void row_l2norm(Block &, const Tile &dst, const Tile &src) {
  for (int64_t i = threadIdx.x; i < src.rows; i += blockDim.x) {
    float ss = 0;
    for (int64_t j = 0; j < src.cols; ++j)
      ss += src.at(i, j) * src.at(i, j);
    float inv = 1.0f / sqrtf(ss + 1e-6f);
    for (int64_t j = 0; j < src.cols; ++j)
      dst.at(i, j) = src.at(i, j) * inv;
  }
  __syncthreads();
}

__device__ inline void row_dot(Block &, const Tile &dst, const Tile &a,
                               const Tile &b) {
  for (int64_t i = threadIdx.x; i < a.rows; i += blockDim.x) {
    float acc = 0;
    for (int64_t j = 0; j < a.cols; ++j)
      acc += a.at(i, j) * b.at(i, j);
    dst.at(i, 0) = acc;
  }
  __syncthreads();
}

__device__ inline void cumsum(Block &, const Tile &dst, const Tile &src,
                              bool exclusive) {
  for (int64_t j = threadIdx.x; j < src.cols; j += blockDim.x) {
    float acc = 0;
    for (int64_t i = 0; i < src.rows; ++i) {
      float x = src.at(i, j);
      if (exclusive) {
        dst.at(i, j) = acc;
        acc += x;
      } else {
        acc += x;
        dst.at(i, j) = acc;
      }
    }
  }
  __syncthreads();
}

__device__ inline void transpose(Block &, const Tile &dst, const Tile &src) {
  LINAC_FOR_ELEMENTS(src, i, j) { dst.at(j, i) = src.at(i, j); }
  __syncthreads();
}

__device__ inline float round_operand(float x, Operand t) {
  int drop = t == Operand::f32 ? 0 : t == Operand::tf32 ? 13 : t == Operand::bf16 ? 16 : 13;
  if (drop == 0 || !isfinite(x))
    return x;
  unsigned u = __float_as_uint(x);
  unsigned half = 1u << (drop - 1), mask = (1u << drop) - 1, rem = u & mask;
  u &= ~mask;
  if (rem > half || (rem == half && (u & (1u << drop))))
    u += 1u << drop;
  return __uint_as_float(u);
}

__device__ inline void mma(Block &, const Tile &acc, const Tile &a,
                           const Tile &b, bool ta, bool tb, bool accumulate,
                           Operand type) {
  __syncthreads();
  int64_t k = ta ? a.rows : a.cols;
  LINAC_FOR_ELEMENTS(acc, i, j) {
    float s = accumulate ? acc.at(i, j) : 0.0f;
    for (int64_t l = 0; l < k; ++l)
      s += round_operand(ta ? a.at(l, i) : a.at(i, l), type) *
           round_operand(tb ? b.at(j, l) : b.at(l, j), type);
    acc.at(i, j) = s;
  }
  __syncthreads();
}

__device__ inline void causal_mask(Block &, const Tile &dst, bool inclusive) {
  LINAC_FOR_ELEMENTS(dst, i, j) {
    if (j > i || (j == i && !inclusive))
      dst.at(i, j) = 0.0f;
  }
  __syncthreads();
}

__device__ inline void decay_mask(Block &, const Tile &dst, const Tile &lg,
                                  const Tile &rg, bool inclusive) {
  LINAC_FOR_ELEMENTS(dst, i, j) {
    dst.at(i, j) = (j < i || (j == i && inclusive))
                       ? dst.at(i, j) * expf(lg.at(i, 0) - rg.at(j, 0))
                       : 0.0f;
  }
  __syncthreads();
}

__device__ inline void gram_diag(Block &, const Tile &dst, const Tile &l,
                                 const Tile &r, const Tile &lg, const Tile &rg,
                                 bool inclusive) {
  LINAC_FOR_ELEMENTS(dst, i, j) {
    float acc = 0;
    if (j < i || (j == i && inclusive))
      for (int64_t c = 0; c < l.cols; ++c)
        acc += l.at(i, c) * r.at(j, c) * expf(lg.at(i, c) - rg.at(j, c));
    dst.at(i, j) = acc;
  }
  __syncthreads();
}

/// (I + L)^-1: one column per thread, forward substitution down the rows.
__device__ inline void tri_inv(Block &, const Tile &dst, const Tile &src) {
  __syncthreads();
  int64_t n = src.rows;
  for (int64_t j = threadIdx.x; j < n; j += blockDim.x)
    for (int64_t i = 0; i < n; ++i) {
      float acc = i == j ? 1.0f : 0.0f;
      for (int64_t m = j; m < i; ++m)
        acc -= src.at(i, m) * dst.at(m, j);
      dst.at(i, j) = i < j ? 0.0f : acc;
    }
  __syncthreads();
}

#endif // __CUDACC__

using KernelFn = void (*)(const Launch *);

struct KernelInfo {
  const char *name;
  const char *grid[3];
  int64_t vtileCols;
  int64_t segmentChunks;
  int64_t sharedBytes;
  int64_t regBytes;
  KernelFn fn;
};
struct WorkspaceInfo {
  const char *name;
  int64_t rows, cols;
};
/// A tensor the variant declares: an input [B, T, H or HV(, K or V)] or a
/// parameter [HV(, K or V)]; width 0 is a scalar, 1 is K, 2 is V.
struct ArgInfo {
  const char *name;
  int isParam;
  int perH;
  int width;
};
struct ModuleInfo {
  const char *variant;
  const char *config;
  int64_t chunk;
  int numKernels;
  const KernelInfo *kernels;
  int numWorkspaces;
  const WorkspaceInfo *workspaces;
  int64_t K, V;
  int numArgs;
  const ArgInfo *args;
};

} // namespace tile
} // namespace linac

#define LINAC_KERNEL(name)                                                     \
  __device__ void name(const ::linac::tile::Launch &L, ::linac::tile::Block &blk)
#define LINAC_ENTRY(name)                                                      \
  extern "C" __global__ void name##_entry(const ::linac::tile::Launch *L) {    \
    int64_t linear = (static_cast<int64_t>(blockIdx.z) * gridDim.y +           \
                      blockIdx.y) * gridDim.x + blockIdx.x;                    \
    ::linac::tile::Block blk(*L, blockIdx.x, blockIdx.y, blockIdx.z, linear);  \
    name(*L, blk);                                                             \
  }
#define LINAC_KERNEL_FN(name) &name##_entry

#endif // LINAC_TILE_CUDA_CUH
