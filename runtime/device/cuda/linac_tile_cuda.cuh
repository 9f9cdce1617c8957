//===- linac_tile_cuda.cuh - the CUDA tile library -------------------------===//
//
// The same API as runtime/device/cpu/linac_tile.h, for the GPU, so that the
// emitted kernel bodies run unchanged (one block per kernel instance: one
// or two consumer warpgroups, and a producer warp with warp roles). Where it
// stands:
//  - matmuls run on the tensor cores: wgmma on sm_90a, ldmatrix +
//    mma.sync on sm_80, operands staged in shared memory (see "matmuls");
//  - tile copies from global memory are asynchronous: bulk copies on
//    mbarriers (sm_90), cp.async groups (sm_80); bf16/f16 sources are
//    converted on the way in (see "asynchronous copies");
//  - every other op is a block-wide SIMT loop followed by a barrier, on
//    register fragments (tiles tile-place-fragments put in registers), on
//    shared memory, or on a per-block scratch area of global memory;
//  - the compiler is told the block size and the alignment of shared tiles
//    (LINAC_LAYOUT_FACTS), so each op keeps only the path it takes.
// It is correct (test/gpu/tile_primitives.cu, scripts/gpu-check/run.sh);
// how fast it is: bench/results/, docs/performance.md.
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

/// Facts about a kernel's layout that the compiler is told (its block size,
/// the alignment of its shared tiles; see LINAC_ENTRY and Block::tile); 0
/// leaves them to run time, for comparisons.
#ifndef LINAC_LAYOUT_FACTS
#define LINAC_LAYOUT_FACTS 1
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

/// Element types of tensors in global memory (linac_dtype's values).
enum DType { f32 = 0, bf16 = 1, f16 = 2 };

/// A tensor [rows, heads, cols] in global memory: inputs [B*T, H or HV,
/// width] and parameters [1, HV, width] in the caller's dtype and strides
/// (in elements; columns contiguous); states, outputs' fp32 staging and
/// workspaces as fp32, contiguous.
struct Global {
  char name[24];
  void *data;
  int dtype;
  int64_t rows, heads, cols;
  int64_t rowStride, headStride;

  /// The fp32 tensors' data (states, workspaces).
  LINAC_DEVICE float *f32data() const { return static_cast<float *>(data); }
#ifdef __CUDACC__
  __device__ float load(int64_t row, int64_t head, int64_t col) const {
    int64_t e = row * rowStride + head * headStride + col;
    if (dtype == f32)
      return static_cast<const float *>(data)[e];
    unsigned short h = static_cast<const unsigned short *>(data)[e];
    if (dtype == bf16)
      return __uint_as_float(static_cast<unsigned>(h) << 16);
    float x;
    asm("cvt.f32.f16 %0, %1;" : "=f"(x) : "h"(h));
    return x;
  }
  __device__ void store(int64_t row, int64_t head, int64_t col, float x) const {
    int64_t e = row * rowStride + head * headStride + col;
    if (dtype == f32) {
      static_cast<float *>(data)[e] = x;
      return;
    }
    unsigned short h;
#if __CUDA_ARCH__ >= 800
    if (dtype == bf16)
      asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(h) : "f"(x));
    else
#endif
      asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(x));
    static_cast<unsigned short *>(data)[e] = h;
  }
  /// Columns col and col + 1 of one row: one 8- or 4-byte store where the
  /// pair is aligned, else two.
  __device__ void store2(int64_t row, int64_t head, int64_t col, float x, float y) const {
    int64_t e = row * rowStride + head * headStride + col;
    int bytes = dtype == f32 ? 4 : 2;
    if ((reinterpret_cast<unsigned long long>(static_cast<char *>(data) + e * bytes) &
         (2 * bytes - 1)) != 0) {
      store(row, head, col, x);
      store(row, head, col + 1, y);
      return;
    }
    if (dtype == f32) {
      *reinterpret_cast<float2 *>(static_cast<float *>(data) + e) = make_float2(x, y);
      return;
    }
    unsigned packed;
#if __CUDA_ARCH__ >= 800
    if (dtype == bf16)
      asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(packed) : "f"(y), "f"(x));
    else
#endif
      asm("cvt.rn.f16x2.f32 %0, %1, %2;" : "=r"(packed) : "f"(y), "f"(x));
    *reinterpret_cast<unsigned *>(static_cast<unsigned short *>(data) + e) = packed;
  }
#endif
};

/// Whether rows [first, first + valid) of a tile of `rows` x `cols` at
/// (head, col) lie inside g, with 0 <= valid <= rows: the one check of every
/// op that copies rows between a tile and a tensor (a null g fails it).
LINAC_DEVICE inline bool rows_inside(const Global *g, int64_t first, int64_t valid, int64_t rows,
                                     int64_t head, int64_t col, int64_t cols) {
  return g && valid >= 0 && valid <= rows &&
         (valid == 0 || (first >= 0 && first + valid <= g->rows)) && head >= 0 &&
         head < g->heads && col >= 0 && col + cols <= g->cols;
}

/// Everything a kernel reads about its launch; passed by value as the
/// kernel's one parameter (__grid_constant__: read in place from the
/// parameter space, no copy to device memory per call).
struct Launch {
  Global globals[kMaxGlobals];
  int numGlobals;
  int64_t B, T, H, HV, K, V, N, chunks;
  const int64_t *cuSeqlens; // device pointer, or null: one sequence per row
  const int64_t *seqOrder;  // device pointer, or null: sequences longest first
                            // (launch_position; runtime/SequenceOrder.h)
  int hasInitialState;
  float scale;
  char *scratch;            // per-block register-tile scratch
  int64_t scratchPerBlock;
  int *error;               // set to 1 on any out-of-range access

  /// The tensor called `name`, or null.
  LINAC_DEVICE const Global *find(const char *name) const {
    for (int i = 0; i < numGlobals; ++i) {
      const char *a = globals[i].name, *b = name;
      while (*a && *a == *b) {
        ++a;
        ++b;
      }
      if (*a == *b)
        return &globals[i];
    }
    return nullptr;
  }
  /// A tensor the kernel needs: missing is an error.
  LINAC_DEVICE const Global *global(const char *name) const {
    const Global *g = find(name);
    if (!g)
      *error = 1;
    return g;
  }
  LINAC_DEVICE float scalar(const char *) const { return scale; }
  LINAC_DEVICE void fail() const { *error = 1; }
};

/// The (sequence, head) of block (x, y) in a grid of X sequences and Y
/// heads: x and y, or, with an order, the x-fastest launch position p = y X
/// + x takes the sequence of rank p / Y and head p % Y, so that the GPU
/// starts every head of the longest sequence first, then the next longest
/// (runtime/SequenceOrder.h says why).
#ifndef LINAC_LONGEST_FIRST // 0: blocks in grid order (to time the difference)
#define LINAC_LONGEST_FIRST 1
#endif
LINAC_DEVICE inline void launch_position(const Launch &L, int64_t x, int64_t y, int64_t X,
                                         int64_t Y, int64_t &seq, int64_t &head) {
  seq = x;
  head = y;
  if (LINAC_LONGEST_FIRST && L.seqOrder) {
    const int64_t p = y * X + x;
    seq = L.seqOrder[p / Y];
    head = p % Y;
  }
}

/// A tile's view: 32-bit extents (a tile holds at most 2^31 elements) keep
/// the descriptors a kernel holds across its loop in fewer registers.
struct Tile {
  float *p;
  int rows, cols, ld;
  LINAC_DEVICE float &at(int64_t i, int64_t j) const { return p[i * ld + j]; }
  LINAC_DEVICE float get(int64_t i, int64_t j) const {
    return p[(rows == 1 ? 0 : i) * ld + (cols == 1 ? 0 : j)];
  }
  LINAC_DEVICE Tile view(int64_t r, int64_t c, int64_t nr, int64_t nc) const {
    return Tile{p + r * ld + c, static_cast<int>(nr), static_cast<int>(nc), ld};
  }
};

/// A tile allocation of `stages` stages; kernels hold it by value (a few
/// registers) and select stages in their loops.
struct Buffer {
  float *data;
  int rows, cols, stages;
  int pitch; // floats from one row's start to the next's (>= cols)
  LINAC_DEVICE Tile stage(int64_t i) const {
    float *p = data + static_cast<int>(i) % stages * rows * pitch;
#ifdef __CUDACC__
    // Buffers start 16-byte aligned (the emitter's offsets); so does every
    // stage of a multiple of four floats.
    if (LINAC_LAYOUT_FACTS && rows * pitch % 4 == 0)
      p = static_cast<float *>(__builtin_assume_aligned(p, 16));
#endif
    return Tile{p, rows, cols, pitch};
  }
  LINAC_DEVICE operator Tile() const { return stage(0); }
};

/// A tile of bf16 values (tile-store-16bit): in shared memory, written only
/// by copies (rounding to nearest even) and read only as operands of bf16
/// matmuls, which stage its values without converting them.
struct Tile16 {
  unsigned short *p;
  int rows, cols, ld;
  LINAC_DEVICE unsigned short &at(int64_t i, int64_t j) const { return p[i * ld + j]; }
  LINAC_DEVICE Tile16 view(int64_t r, int64_t c, int64_t nr, int64_t nc) const {
    return Tile16{p + r * ld + c, static_cast<int>(nr), static_cast<int>(nc), ld};
  }
};

/// A multi-stage buffer of bf16 values.
struct Buffer16 {
  unsigned short *data;
  int rows, cols, stages;
  int pitch; // halves from one row's start to the next's (>= cols)
  LINAC_DEVICE Tile16 stage(int64_t i) const {
    return Tile16{data + static_cast<int>(i) % stages * rows * pitch, rows, cols, pitch};
  }
  LINAC_DEVICE operator Tile16() const { return stage(0); }
};

/// What a wait waits for: nothing (the copy was synchronous), a cp.async
/// group, or an mbarrier phase (bulk copies).
struct Token {
  int kind;      // 0 done, 1 cp.async group, 2 mbarrier, 3 a value held
  int index;     // the group's sequence number, or the mbarrier; kind 3: the dtype
  unsigned seq;  // the mbarrier's use this token is for
  float *heldAt; // kind 3: where the thread's held value goes (null: none)
  unsigned held; // kind 3: its 16 bits as loaded
};

// ---- tensor-core layouts (host-visible: the GPU tests check them) ---------

#ifdef __CUDACC__
#define LINAC_HOST_DEVICE __host__ __device__
#else
#define LINAC_HOST_DEVICE
#endif

constexpr int kMmaBlock = 64;     // output rows and columns per mma block
constexpr int kMmaRowBytes = 128; // bytes of one staged row (one K slice)
constexpr int kMmaOperandBytes = kMmaBlock * kMmaRowBytes;
/// Shared memory the library reserves at the start of every block's dynamic
/// area: the two staged mma operands and the copies' mbarriers. The emitter counts it in each
/// kernel's shared bytes (TargetHooks::reservedSharedBytes, checked by a
/// static_assert in the emitted source).
constexpr int kCopyBarriers = 16; // mbarriers for bulk copies, used round robin
/// The last of them is the landing buffers' (tile.prefetch_rows' bulk
/// copies, waited by tile.landed), outside the round robin.
constexpr int kLandingBarrier = kCopyBarriers - 1;
/// The threads of one warpgroup: the consumers (the threads that compute)
/// are one or two of them (the kernel config's `warps`, 4 or 8), and with
/// warp roles one more warp, the last, is the producer. The block size says
/// which: 128 or 256 consumers, plus 32 with warp roles.
constexpr int kWarpgroupThreads = 128;
/// Reserved: two staging areas of two mma operands each (one per consumer
/// warpgroup: with two, each multiplies its own output blocks) and, per
/// copy, a "full" mbarrier (the copy completed) and a "released" one (warp
/// roles: the consumers waited that use, so the producer may arm the full
/// mbarrier again).
constexpr int kMmaStagingAreas = 2;
/// The block's scratch base (8 bytes, 16 kept for alignment) after the
/// mbarriers: Block::tile reads it there for scratch tiles.
constexpr int64_t kScratchBaseOffset =
    kMmaStagingAreas * 2 * kMmaOperandBytes + 2 * 8 * kCopyBarriers;
constexpr int64_t kReservedSharedBytes = kScratchBaseOffset + 16;
// 1 (default): scratch tiles' base read from shared memory
// (kScratchBaseOffset), where the Block's constructor puts it. The Block
// lives in local memory (out-of-line calls take it by reference), so with
// 0 (its own field) each scratch tile's address waited on a local load
// first: KDA 8x4096x16 3.509 against 3.613 ms (H100, session 29, with the
// base in a static shared variable; this form, in the reserved area, was
// timed only with session 29's other changes).
#ifndef LINAC_SCRATCH_IN_SHARED
#define LINAC_SCRATCH_IN_SHARED 1
#endif

/// Where the 32 accumulators of thread `tid` sit in a 64 x 64 output block:
/// warp w holds rows 16w..16w+15; per 8-column slab j, registers 4j..4j+3
/// are the m16n8 C fragment (lane l: rows l/4 and l/4+8, columns 2(l%4) and
/// 2(l%4)+1). wgmma.m64n64 and four warps of mma.sync.m16n8 agree on it.
LINAC_HOST_DEVICE inline void acc_coord(int tid, int r, int &row, int &col) {
  int w = tid / 32, l = tid % 32;
  row = 16 * w + l / 4 + 8 * ((r % 4) / 2);
  col = 8 * (r / 4) + 2 * (l % 4) + (r % 2);
}

/// Byte offset of (row, byte-in-row) in a staged operand: core matrices of
/// 8 rows x 16 bytes, 8 of them along K (leading byte offset 128), row
/// groups 1024 bytes apart (stride byte offset). K-major, no swizzle.
LINAC_HOST_DEVICE inline int staged_offset(int row, int byte) {
  return (row / 8) * 1024 + (byte / 16) * 128 + (row % 8) * 16 + byte % 16;
}

/// Where value r (0-3) of m16n8 tile (mt, nt) of an owned fragment
/// (OwnFrag, tile-own-columns) of warp `warp`, lane `lane`, sits in the
/// tile: the warp owns `cols` columns from warp * cols, held transposed
/// (the m16n8 C fragment of X^T: its rows are X's columns), so that the
/// values are the A operand of the next mma.sync as they are.
LINAC_HOST_DEVICE inline void own_coord(int warp, int lane, int cols, int mt, int nt, int r,
                                        int &row, int &col) {
  row = 8 * nt + 2 * (lane % 4) + (r % 2);
  col = warp * cols + 16 * mt + lane / 4 + 8 * (r / 2);
}

#ifdef __CUDACC__ // the library proper: device code

extern __shared__ __align__(16) char linacSharedMemory[];

/// The block size. LINAC_BLOCK_THREADS defined in front of a kernel source
/// (not yet by the emitter: GDN's fused kernel spilled more with it, and it
/// is untimed) makes it a constant in out-of-line library functions too;
/// each entry then checks that its size agrees (a compile error), and
/// refuses a launch of another (LINAC_BLOCK_SIZE_IS).
__device__ inline int block_threads() {
#if defined(LINAC_BLOCK_THREADS) && LINAC_LAYOUT_FACTS
  return LINAC_BLOCK_THREADS;
#else
  return static_cast<int>(blockDim.x);
#endif
}

/// Warp roles (blocks of 160 or 288 threads): the producer warp runs the
/// copies and nothing else; the consumer warpgroups run every other op and
/// synchronise on named barrier 1. Without roles (128 or 256 threads) every
/// thread runs every op and synchronises on the block barrier.
__device__ inline int consumer_threads() {
  return block_threads() & ~(kWarpgroupThreads - 1);
}
__device__ inline bool has_roles() {
  return block_threads() != consumer_threads();
}
__device__ inline bool is_producer() {
  return static_cast<int>(threadIdx.x) >= consumer_threads();
}
// Timing only, its outputs wrong: 1 leaves out every consumer barrier (the
// ops' own and the matmuls' staging ones; the chunk loop's barrier() and
// the copies' waits stay), to bound what fewer barriers could give
// (bench/variant.sh --define). Never a kernel's configuration.
#ifndef LINAC_TIMING_ONLY_NO_CONSUMER_BARRIERS
#define LINAC_TIMING_ONLY_NO_CONSUMER_BARRIERS 0
#endif
__device__ inline void sync_consumers() {
  if (LINAC_TIMING_ONLY_NO_CONSUMER_BARRIERS)
    return;
  if (has_roles())
    asm volatile("bar.sync 1, %0;\n" ::"r"(consumer_threads()) : "memory");
  else
    __syncthreads();
}
#define LINAC_CONSUMERS_ONLY                                                   \
  if (is_producer())                                                           \
  return

/// The threads that stage and multiply mma blocks: every consumer (the
/// first warpgroup multiplies and holds the accumulators), or one
/// warpgroup alone on its own named barrier (2 + its index) when two take
/// turns over the output blocks.
struct MmaTeam {
  int lane;      // this thread's index among the stagers
  int lanes;     // how many stage
  int barrier;   // 0: the consumers' barrier; else a named barrier of 128
  bool computes; // holds accumulators (its index in the warpgroup is lane % 128)
};
__device__ inline MmaTeam consumer_team() {
  int tid = static_cast<int>(threadIdx.x);
  return {tid, consumer_threads(), 0, tid < kWarpgroupThreads};
}
__device__ inline MmaTeam warpgroup_team(int g) {
  return {static_cast<int>(threadIdx.x) - g * kWarpgroupThreads, kWarpgroupThreads, 2 + g, true};
}
__device__ inline void sync_team(const MmaTeam &team) {
  if (team.barrier == 0)
    sync_consumers();
  else if (!LINAC_TIMING_ONLY_NO_CONSUMER_BARRIERS)
    asm volatile("bar.sync %0, %1;\n" ::"r"(team.barrier), "r"(kWarpgroupThreads) : "memory");
}

/// Per mbarrier the uses issued and waited (use u completes phase u,
/// parity u & 1) and (producer) the releases it waited: arrays indexed at
/// run time, so they live in local memory.
struct CopyAccount {
  unsigned issued[kCopyBarriers] = {};
  unsigned waited[kCopyBarriers] = {};
  unsigned releases[kCopyBarriers] = {};
};
// 1: the launchable entry keeps the copy account apart from the Block,
// which holds a pointer to it; with no array inside it, the Block's
// scalars (the scratch base, the elision marks, the cp.async group count)
// can live in registers where every call taking the Block is inlined
// (ptxas, KDA 8x4096x16 with barriers=needed: 206 -> 72 local accesses in
// the PTX, those left all the account's). 0 (default until timed): the
// account inside the Block, which then lives in local memory.
#ifndef LINAC_COPY_ACCOUNT_APART
#define LINAC_COPY_ACCOUNT_APART 0
#endif
// A Block's copy account (a macro, not a member function: an accessor
// changed nvcc's inlining of the sm_80 copies and added spills).
#if LINAC_COPY_ACCOUNT_APART
#define LINAC_ACCOUNT(blk) (*(blk).apart)
#else
#define LINAC_ACCOUNT(blk) ((blk).own)
#endif
class Block {
public:
  /// `account`: under LINAC_COPY_ACCOUNT_APART the copy account, which
  /// must outlive the Block (nullptr fails the launch); otherwise unused
  /// (the Block's own).
  __device__ Block(const Launch &L, int64_t i0, int64_t i1, int64_t i2,
                   int64_t linear, CopyAccount *account = nullptr)
      : L(L) {
#if LINAC_COPY_ACCOUNT_APART
    apart = account;
    if (!account)
      L.fail();
#else
    (void)account;
#endif
    id[0] = i0;
    id[1] = i1;
    id[2] = i2;
    scratch = L.scratch + linear * L.scratchPerBlock;
    if (LINAC_SCRATCH_IN_SHARED && threadIdx.x == 0)
      *reinterpret_cast<char **>(linacSharedMemory + kScratchBaseOffset) = scratch;
#if __CUDA_ARCH__ >= 800
    // Full mbarriers: bulk copies (sm_90) arrive once with the byte count;
    // with warp roles every producer lane arrives (cp.async and converting
    // loads complete on them too). Released mbarriers: consumer thread 0
    // arrives once per use waited.
    if (threadIdx.x == 0) {
      unsigned arrivals = has_roles() ? 32 : 1;
      for (int b = 0; b < kCopyBarriers; ++b) {
        asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n"
                     ::"r"(barrierAddress(b)), "r"(arrivals));
        asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;\n"
                     ::"r"(releasedAddress(b)));
      }
#if __CUDA_ARCH__ >= 900 // the bulk copies' async proxy sees the init
      asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
#endif
    }
    __syncthreads();
#else
    __syncthreads(); // the scratch base
#endif
  }
  const Launch &L;
  int64_t id[3];
  // Asynchronous copies. Every thread runs the same program, so each keeps
  // the same account (the producer too, without waiting): cp.async groups
  // committed, per mbarrier the uses issued and waited (use u completes
  // phase u, parity u & 1), and (producer) the releases it waited.
  int groupsCommitted = 0;
  int nextBarrier = 0;
  // Landing buffers: bulk copies expected on kLandingBarrier since the last
  // tile.landed, and that mbarrier's phases completed.
  bool landingPending = false;
  unsigned landingPhase = 0;
#if LINAC_COPY_ACCOUNT_APART
  CopyAccount *apart = nullptr;
#else
  CopyAccount own;
#endif
  __device__ unsigned barrierAddress(int b) const {
    return static_cast<unsigned>(__cvta_generic_to_shared(
        linacSharedMemory + kMmaStagingAreas * 2 * kMmaOperandBytes + 8 * b));
  }
  __device__ unsigned releasedAddress(int b) const {
    return barrierAddress(kCopyBarriers + b);
  }
  char *scratch;
  // tile-elide-barriers: while `elide` is set (the emitter sets it around an
  // op marked no_barrier), the ops that honour it leave out their closing
  // barrier and note it in `pending`; an op that runs without `elide` and
  // would otherwise close without a barrier (mask_rows with nothing to
  // mask) takes one while anything is pending. The compiler leaves a
  // barrier out only where the next step depends on no step since the last
  // barrier, and only before an op that closes with one.
  bool elide = false;
  bool pending = false;

  /// The buffer at byte `offset` of its space (shared memory after the
  /// reserved area, or this block's scratch), zero-filled. The emitter
  /// passes constant offsets in allocation order.
  /// `pitch` (tile-pad-shared-rows; 0: `cols`) is the floats from one
  /// row's start to the next's.
  __device__ Buffer alloc(Space space, int64_t rows, int64_t cols,
                          int64_t stages, const char *, int64_t offset, int64_t pitch = 0) {
    char *base = (space == shared ? linacSharedMemory + kReservedSharedBytes : scratch) + offset;
    if (pitch == 0)
      pitch = cols;
    Buffer b{reinterpret_cast<float *>(base), static_cast<int>(rows),
             static_cast<int>(cols), static_cast<int>(stages), static_cast<int>(pitch)};
    for (int64_t i = threadIdx.x; i < rows * pitch * stages; i += blockDim.x)
      b.data[i] = 0.0f;
    __syncthreads();
    return b;
  }
  /// A bf16 buffer (shared memory only, as the tile dialect requires).
  __device__ Buffer16 alloc16(Space space, int64_t rows, int64_t cols, int64_t stages,
                              const char *, int64_t offset, int64_t pitch = 0) {
    if (space != shared)
      L.fail();
    char *base = linacSharedMemory + kReservedSharedBytes + offset;
    if (pitch == 0)
      pitch = cols;
    Buffer16 b{reinterpret_cast<unsigned short *>(base), static_cast<int>(rows),
               static_cast<int>(cols), static_cast<int>(stages), static_cast<int>(pitch)};
    for (int64_t i = threadIdx.x; i < rows * pitch * stages; i += blockDim.x)
      b.data[i] = 0;
    __syncthreads();
    return b;
  }
  /// The tile of a buffer (stage 0) at byte `offset` of its space, its
  /// address made at each use: kernels name their tiles through this, so
  /// that a tile costs no register between its uses.
  /// A shared tile's address is the shared array plus an offset that the
  /// compiler sees as 16-byte aligned but not as a constant: its loads are
  /// then shared-memory loads with 32-bit addresses, and the ops' runtime
  /// checks for float4 paths fold to one path per call site.
  __device__ Tile tile(Space space, int rows, int cols, int offset, int pitch = 0) const {
    const int ld = pitch ? pitch : cols;
    if (LINAC_LAYOUT_FACTS && space == shared) {
      unsigned o = static_cast<unsigned>(kReservedSharedBytes + offset);
      asm volatile("" : "+r"(o));
      __builtin_assume(o % 16 == 0);
      return Tile{reinterpret_cast<float *>(linacSharedMemory + o), rows, cols, ld};
    }
    char *base = space == shared ? linacSharedMemory + kReservedSharedBytes : scratch_base();
    asm volatile("" : "+l"(base));
    return Tile{reinterpret_cast<float *>(base + offset), rows, cols, ld};
  }
  __device__ int64_t program_id(int d) const { return id[d]; }
  __device__ char *scratch_base() const {
    return LINAC_SCRATCH_IN_SHARED
               ? *reinterpret_cast<char *const *>(linacSharedMemory + kScratchBaseOffset)
               : scratch;
  }
};

/// The tile of a one-stage buffer (the emitter's per-use name for it): its
/// address made from its space's base and the constant offset.
__device__ inline Tile buffer_tile(const Block &blk, const Buffer &, Space space, int rows,
                                   int cols, int offset, int pitch = 0) {
  return blk.tile(space, rows, cols, offset, pitch);
}
__device__ inline Tile16 buffer_tile(const Block &, const Buffer16 &b, Space, int, int, int,
                                     int = 0) {
  return b.stage(0);
}

/// x rounded to nearest even bf16 (its bits), as the matmuls' staging rounds.
__device__ inline unsigned short to_bf16(float x) {
  unsigned packed;
  asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(packed) : "f"(0.0f), "f"(x));
  return static_cast<unsigned short>(packed & 0xffffu);
}
/// A bf16 value (its bits) as a float: exact.
__device__ __forceinline__ float from_bf16(unsigned short h) {
  return __uint_as_float(static_cast<unsigned>(h) << 16);
}
/// Element (i, j) of a bf16 tile as a float; a dimension of size 1 repeats.
__device__ __forceinline__ float get16(const Tile16 &t, int64_t i, int64_t j) {
  return from_bf16(t.p[(t.rows == 1 ? 0 : i) * t.ld + (t.cols == 1 ? 0 : j)]);
}

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

/// Lane `lane` of `lanes` visits elements lane, lane + lanes, ... of a tile
/// in row-major order as (i, j). Tiles hold at most 2^31 elements, so
/// 32-bit indices do; the one division is at the start (a 64-bit division
/// is a long software sequence on the GPU, and this loop is in every SIMT
/// op and copy), after which (i, j) steps by `lanes` elements with a carry.
#define LINAC_FOR_LANE_ELEMENTS(t, i, j, lane, lanes)                          \
  for (int n_ = static_cast<int>((t).rows * (t).cols),                         \
           c_ = static_cast<int>((t).cols), l_ = (lanes),                      \
           idx_ = (lane), i = idx_ / c_, j = idx_ % c_, di_ = l_ / c_,         \
           dj_ = l_ % c_;                                                      \
       idx_ < n_; idx_ += l_, i += di_ + (j + dj_ >= c_),                      \
           j = j + dj_ >= c_ ? j + dj_ - c_ : j + dj_)
/// The same over the consumer threads.
#define LINAC_FOR_ELEMENTS(t, i, j)                                            \
  LINAC_FOR_LANE_ELEMENTS(t, i, j, static_cast<int>(threadIdx.x), consumer_threads())

// 1: the ops honour blk.elide and keep blk.pending (tile-elide-barriers);
// the emitter defines it for a module with an op marked no_barrier. 0 (a
// module without one): neither field is read or written. The Block lives
// in local memory (out-of-line calls take it by reference), so each read
// of blk.elide at an op's end was a local load the op's barrier waited on.
#ifndef LINAC_ELIDE_BARRIERS
#define LINAC_ELIDE_BARRIERS 0
#endif
/// A block barrier, the producer warp included: a copy issued after it may
/// overwrite a stage the consumers read before it.
/// On sm_90 each thread first orders its shared-memory writes before the
/// bulk copies issued after the barrier (tile-alias-stages puts tiles in
/// stages that the next chunk's bulk copies overwrite).
__device__ inline void barrier(Block &blk) {
#if __CUDA_ARCH__ >= 900
  asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
#endif
  __syncthreads();
  if (LINAC_ELIDE_BARRIERS)
    blk.pending = false;
}

/// An op's closing barrier, left out while blk.elide is set
/// (tile-elide-barriers; Block says when).
__device__ inline void end_step(Block &blk) {
  if (LINAC_ELIDE_BARRIERS && blk.elide) {
    blk.pending = true;
    return;
  }
  sync_consumers();
  if (LINAC_ELIDE_BARRIERS)
    blk.pending = false;
}

// ---- asynchronous copies ------------------------------------------------------
//
// A tile copy from global memory is, by what the source allows:
//  - sm_90: one bulk copy (cp.async.bulk) per row completing on an
//    mbarrier (f32 rows whose addresses and length are multiples of 16
//    bytes);
//  - sm_80: cp.async of each f32 element (rows past `valid` zero-filled by
//    the copy itself), one commit group per tile copy;
//  - otherwise (bf16/f16 sources are converted on the way) a synchronous
//    loop.
// Without warp roles every thread takes part (thread 0 issues the bulk
// copies) and wait() waits for the copy's group or mbarrier phase, then a
// block barrier makes the tile visible. With warp roles the producer warp
// alone copies, every kind completing on a full mbarrier (bulk copies with
// their byte count, cp.async through cp.async.mbarrier.arrive, converting
// loads by a plain arrive); only the consumers wait, then release the use on
// the released mbarrier, which the producer waits before arming the full
// one again. Every synchronisation is an mbarrier or a barrier instruction,
// so the race checker can follow it.

#if __CUDA_ARCH__ >= 800
/// One 16-byte cp.async from global to shared memory, into the current
/// group; `live` false zero-fills the 16 bytes without reading `src`.
__device__ __forceinline__ void cp_async16(const void *smem, const void *src, bool live) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n"
               ::"r"(static_cast<unsigned>(__cvta_generic_to_shared(smem))), "l"(src),
                 "r"(live ? 16 : 0)
               : "memory");
}

__device__ inline void cp_async_wait(int pending) {
  switch (pending) { // the count is an immediate
  case 0: asm volatile("cp.async.wait_group 0;\n" ::: "memory"); break;
  case 1: asm volatile("cp.async.wait_group 1;\n" ::: "memory"); break;
  case 2: asm volatile("cp.async.wait_group 2;\n" ::: "memory"); break;
  case 3: asm volatile("cp.async.wait_group 3;\n" ::: "memory"); break;
  case 4: asm volatile("cp.async.wait_group 4;\n" ::: "memory"); break;
  case 5: asm volatile("cp.async.wait_group 5;\n" ::: "memory"); break;
  case 6: asm volatile("cp.async.wait_group 6;\n" ::: "memory"); break;
  default: asm volatile("cp.async.wait_group 7;\n" ::: "memory"); break;
  }
}

/// Waits until the phase of the mbarrier at `addr` with this parity
/// completed. Phases are waited in order, never two behind.
__device__ inline void wait_parity(unsigned addr, unsigned parity) {
  unsigned done = 0;
  while (!done)
    asm volatile("{\n.reg .pred p;\n"
                 "mbarrier.test_wait.parity.shared::cta.b64 p, [%1], %2;\n"
                 "selp.u32 %0, 1, 0, p;\n}\n"
                 : "=r"(done) : "r"(addr), "r"(parity) : "memory");
}

/// Waits until use `seq` of mbarrier `b` (and every earlier one) completed.
__device__ inline void wait_barrier_use(Block &blk, int b, unsigned seq) {
  for (unsigned u = LINAC_ACCOUNT(blk).waited[b]; u <= seq; ++u)
    wait_parity(blk.barrierAddress(b), u & 1);
  if (LINAC_ACCOUNT(blk).waited[b] <= seq)
    LINAC_ACCOUNT(blk).waited[b] = seq + 1;
}

__device__ inline void mbarrier_arrive(unsigned addr) {
  asm volatile("{\n.reg .b64 state;\n"
               "mbarrier.arrive.shared::cta.b64 state, [%0];\n}\n"
               ::"r"(addr) : "memory");
}
#endif

/// convert: element by element; bf16x8 / f16x8: 16-byte loads of 8 halves
/// per lane (rows 16-byte aligned, columns a multiple of 8), two float4
/// stores; elements: cp.async per f32; bulk: bulk copies of f32 rows.
enum class CopyMode { convert, bf16x8, f16x8, elements, bulk };

/// Two halves of a 32-bit word as floats (lo first).
__device__ inline float2 halves_to_float2(unsigned w, CopyMode mode) {
  if (mode == CopyMode::bf16x8)
    return make_float2(__uint_as_float(w << 16), __uint_as_float(w & 0xffff0000u));
  float lo, hi;
  asm("cvt.f32.f16 %0, %1;" : "=f"(lo) : "h"(static_cast<unsigned short>(w)));
  asm("cvt.f32.f16 %0, %1;" : "=f"(hi) : "h"(static_cast<unsigned short>(w >> 16)));
  return make_float2(lo, hi);
}

__device__ inline void wait(Block &blk, Token &t) {
#if __CUDA_ARCH__ >= 800
  unsigned before = t.kind == 2 ? LINAC_ACCOUNT(blk).waited[t.index] : 0;
  if (is_producer()) { // warp roles: the producer only keeps the account
    if (t.kind == 2 && before <= t.seq)
      LINAC_ACCOUNT(blk).waited[t.index] = t.seq + 1;
    return;
  }
  if (t.kind == 1) {
    int pending = blk.groupsCommitted - t.index - 1;
    cp_async_wait(pending < 0 ? 0 : pending);
  }
  if (t.kind == 2)
    wait_barrier_use(blk, t.index, t.seq);
  if (t.kind == 3 && t.heldAt) {
    float x = __uint_as_float(t.held << 16);
    if (t.index != bf16)
      asm("cvt.f32.f16 %0, %1;" : "=f"(x) : "h"(static_cast<unsigned short>(t.held)));
    *t.heldAt = x;
  }
  // With warp roles the releases below need every consumer past its test.
  if (has_roles())
    sync_consumers();
  else
    end_step(blk);
  // Every consumer tested the phases: release each newly waited use, so
  // the producer may complete the mbarrier's next phase (a consumer still
  // testing an older parity would otherwise miss it).
  if (has_roles() && t.kind == 2 && threadIdx.x == 0)
    for (unsigned u = before; u < LINAC_ACCOUNT(blk).waited[t.index]; ++u)
      mbarrier_arrive(blk.releasedAddress(t.index));
#else
  if (!is_producer())
    sync_consumers();
#endif
}


/// Element by element, this thread's share (lane of lanes): cp.async of
/// f32 elements (rows past `valid` zero-filled by the copy), or stores of
/// converted values and zeros.
template <class RowAddress, class Element>
__device__ inline void copy_elements(const Tile &dst, int64_t valid,
                                     RowAddress src, Element elem,
                                     CopyMode mode, int lane, int lanes) {
  if (mode == CopyMode::bf16x8 || mode == CopyMode::f16x8) {
    // Four 16-byte loads in flight per lane before any store: the copy is
    // synchronous, so one memory latency per four octets instead of four.
    const int per = static_cast<int>(dst.cols / 8), n = static_cast<int>(dst.rows) * per;
    for (int e = lane; e < n; e += 4 * lanes) {
      uint4 h[4];
      int row[4], oct[4];
#pragma unroll
      for (int u = 0; u < 4; ++u) {
        const int x = e + u * lanes;
        row[u] = x / per;
        oct[u] = x - row[u] * per;
        h[u] = make_uint4(0, 0, 0, 0);
        if (x < n && row[u] < valid)
          h[u] = *reinterpret_cast<const uint4 *>(
              static_cast<const unsigned short *>(static_cast<const void *>(src(row[u]))) +
              8 * oct[u]);
      }
#pragma unroll
      for (int u = 0; u < 4; ++u) {
        if (e + u * lanes >= n)
          break;
        float2 a = halves_to_float2(h[u].x, mode), b = halves_to_float2(h[u].y, mode),
               c = halves_to_float2(h[u].z, mode), d = halves_to_float2(h[u].w, mode);
        float4 *to = reinterpret_cast<float4 *>(&dst.at(row[u], 8 * oct[u]));
        to[0] = make_float4(a.x, a.y, b.x, b.y);
        to[1] = make_float4(c.x, c.y, d.x, d.y);
      }
    }
    return;
  }
  LINAC_FOR_LANE_ELEMENTS(dst, i, j, lane, lanes) {
#if __CUDA_ARCH__ >= 800
    if (mode == CopyMode::elements) {
      const float *from = static_cast<const float *>(i < valid ? src(i) : src(0)) +
                          (i < valid ? j : 0); // size 0: zero fill
      asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n"
                   ::"r"(static_cast<unsigned>(__cvta_generic_to_shared(&dst.at(i, j)))),
                     "l"(from), "r"(i < valid ? 4 : 0)
                   : "memory");
      continue;
    }
#endif
    dst.at(i, j) = i < valid ? elem(i, j) : 0.0f;
  }
}

/// Copies rows [0, valid) of `dst` -- element (i, j) is elem(i, j); f32
/// rows start at src(i) for the elements and bulk modes -- and zero-fills
/// the rest; returns the token.
template <class RowAddress, class Element>
__device__ inline Token copy_rows_async(Block &blk, const Tile &dst,
                                        int64_t valid, RowAddress src,
                                        Element elem, CopyMode mode) {
#if __CUDA_ARCH__ < 900
  if (mode == CopyMode::bulk)
    mode = CopyMode::elements;
#endif
#if __CUDA_ARCH__ >= 800
  if (has_roles() || mode == CopyMode::bulk) {
    // One mbarrier use; every thread keeps the same account.
    int b = blk.nextBarrier;
    blk.nextBarrier = (b + 1) % kLandingBarrier;
    bool roles = has_roles();
    if (LINAC_ACCOUNT(blk).waited[b] < LINAC_ACCOUNT(blk).issued[b]) {
      // A use the program has not waited yet: every consumer waits it here.
      Token previous{2, b, LINAC_ACCOUNT(blk).issued[b] - 1};
      wait(blk, previous);
    }
    unsigned seq = LINAC_ACCOUNT(blk).issued[b]++;
    int lane = roles ? static_cast<int>(threadIdx.x) - consumer_threads()
                     : static_cast<int>(threadIdx.x);
    int lanes = roles ? 32 : consumer_threads();
    if (roles && !is_producer())
      return Token{2, b, seq};
    unsigned addr = blk.barrierAddress(b);
    if (roles) {
      // The stage is free by the emitter's contract: a block barrier
      // between the consumers' last reads of a stage and the next copy into
      // it. The mbarrier is free once the consumers released its earlier
      // uses; the program waits them all before this copy (above), so the
      // release needs nothing the producer issues later: no deadlock.
      for (unsigned u = LINAC_ACCOUNT(blk).releases[b]; u < seq; ++u)
        wait_parity(blk.releasedAddress(b), u & 1);
      LINAC_ACCOUNT(blk).releases[b] = seq;
    }
#if __CUDA_ARCH__ >= 900
    if (mode == CopyMode::bulk) {
      unsigned rowBytes = static_cast<unsigned>(dst.cols * 4);
      // Zero fill first: with warp roles each lane's arrival below releases
      // its own stores, and lane 0 arrives with the byte count.
      const Tile tail = dst.view(valid, 0, dst.rows - valid, dst.cols);
      LINAC_FOR_LANE_ELEMENTS(tail, i, j, lane, lanes) { tail.at(i, j) = 0.0f; }
      if (lane < 32) {
        // Rows contiguous at both ends: one copy; otherwise the 32 lanes of
        // the issuing warp take every 32nd row (one thread issuing 64 row
        // copies in turn took longer than the copies).
        const bool whole = valid > 1 && dst.ld == dst.cols &&
                           static_cast<const char *>(static_cast<const void *>(src(valid - 1))) ==
                               static_cast<const char *>(static_cast<const void *>(src(0))) +
                                   (valid - 1) * rowBytes;
        // Earlier generic-proxy accesses of the stage before the writes.
        asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
        if (lane == 0)
          asm volatile("{\n.reg .b64 state;\n"
                       "mbarrier.arrive.expect_tx.shared::cta.b64 state, [%0], %1;\n}\n"
                       ::"r"(addr), "r"(static_cast<unsigned>(valid) * rowBytes) : "memory");
        __syncwarp();
        const int64_t rows = whole ? 1 : valid;
        const unsigned bytes = whole ? static_cast<unsigned>(valid) * rowBytes : rowBytes;
        for (int64_t i = lane; i < rows; i += 32)
          asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes "
                       "[%0], [%1], %2, [%3];\n"
                       ::"r"(static_cast<unsigned>(__cvta_generic_to_shared(&dst.at(i, 0)))),
                         "l"(src(i)), "r"(bytes), "r"(addr)
                       : "memory");
      }
      if (roles && lane != 0)
        mbarrier_arrive(addr);
      return Token{2, b, seq};
    }
#endif
    // Warp roles, not bulk: the producer lanes copy, then arrive.
    copy_elements(dst, valid, src, elem, mode, lane, lanes);
    if (mode == CopyMode::elements)
      asm volatile("cp.async.mbarrier.arrive.noinc.shared::cta.b64 [%0];\n"
                   ::"r"(addr) : "memory");
    else
      mbarrier_arrive(addr);
    return Token{2, b, seq};
  }
#endif
  // Every thread its share: a cp.async group, or synchronous stores.
  if (is_producer()) // (warp roles need sm_80; never taken there)
    return Token{0, 0, 0};
  copy_elements(dst, valid, src, elem, mode, threadIdx.x, consumer_threads());
#if __CUDA_ARCH__ >= 800
  if (mode == CopyMode::elements) {
    asm volatile("cp.async.commit_group;\n" ::: "memory");
    return Token{1, blk.groupsCommitted++, 0};
  }
#endif
  return Token{0, 0, 0};
}

#if __CUDA_ARCH__ >= 800
/// The landing buffers' bulk copies since the last wait have completed:
/// consumer thread 0, which expected their bytes (tile.prefetch_rows), arrives
/// on the landing mbarrier and every consumer waits its phase.
__device__ inline void wait_landings(Block &blk) {
  if (!blk.landingPending || is_producer())
    return;
  const unsigned addr = blk.barrierAddress(kLandingBarrier);
  if (threadIdx.x == 0)
    mbarrier_arrive(addr);
  wait_parity(addr, blk.landingPhase & 1);
  ++blk.landingPhase;
  blk.landingPending = false;
}
#endif

/// At the end of a kernel: waits for every copy issued and never waited
/// (the prefetch past a segment's last chunk is a real copy), so none lands
/// in the shared memory of a block that has exited.
__device__ inline void drain_copies(Block &blk) {
#if __CUDA_ARCH__ >= 800
  asm volatile("cp.async.wait_all;\n" ::: "memory");
  for (int b = 0; b < kLandingBarrier; ++b)
    if (LINAC_ACCOUNT(blk).waited[b] < LINAC_ACCOUNT(blk).issued[b])
      wait_barrier_use(blk, b, LINAC_ACCOUNT(blk).issued[b] - 1);
  wait_landings(blk);
#endif
}

__device__ inline bool aligned16(const void *p) {
  return (reinterpret_cast<unsigned long long>(p) & 15) == 0;
}

/// Whether two tiles' spans of memory (first to last element) intersect.
__device__ inline bool overlaps(const Tile &x, const Tile &y) {
  const float *xe = x.p + static_cast<int64_t>(x.rows - 1) * x.ld + x.cols;
  const float *ye = y.p + static_cast<int64_t>(y.rows - 1) * y.ld + y.cols;
  return x.p < ye && y.p < xe;
}

// 1 (default): converting copies of at most one element per consumer
// (one-column 16-bit inputs: gates, betas) hold the loaded value in a
// register until the wait (H100, session 16, one run, bit-identical: GDN
// 8x4096x16 1.584 -> 1.526 ms with its copies inlined, DeltaNet 1.597 ->
// 1.570, KDA and GLA level); 0: converted and stored as they are loaded.
#ifndef LINAC_HELD_CONVERTS
#define LINAC_HELD_CONVERTS 1
#endif
// The copy, inlined into its out-of-line entries below (inlined into the
// kernels, GDN's and KDA's fused kernels ran no faster: H200,
// bench/results/bench-h200.md).
__device__ __forceinline__ Token copy_async_body(Block &blk, const Global *g, const Tile dst,
                                                int64_t start, int64_t row, int64_t valid,
                                                int64_t head, int64_t col) {
  int64_t first = start + row;
  if (!rows_inside(g, first, valid, dst.rows, head, col, dst.cols)) {
    blk.L.fail();
    return Token{0, 0, 0};
  }
  int64_t stride = g->rowStride, esize = g->dtype == f32 ? 4 : 2;
  // Row i of the copy (of the tensor's dtype): f32 rows for the elements
  // and bulk modes, halves for the 8-wide conversions.
  const char *base = static_cast<const char *>(g->data) +
                     ((valid > 0 ? first : 0) * stride + head * g->headStride + col) * esize;
  auto src = [=](int64_t i) -> const void * { return base + i * stride * esize; };
  // The tensor's fields by value: the converting stores into shared memory
  // would otherwise reload them for every element.
  const Global in = *g;
  auto elem = [=](int64_t i, int64_t j) { return in.load(first + i, head, col + j); };
  bool vec = dst.ld % 4 == 0 && aligned16(base) && aligned16(dst.p);
  CopyMode mode = g->dtype != f32 // converted on the way in
                      ? (vec && dst.cols % 8 == 0 && stride % 8 == 0
                             ? (g->dtype == bf16 ? CopyMode::bf16x8 : CopyMode::f16x8)
                             : CopyMode::convert)
                  : vec && dst.cols % 4 == 0 && stride % 4 == 0 ? CopyMode::bulk
                                                               : CopyMode::elements;
#if LINAC_HELD_CONVERTS && __CUDA_ARCH__ >= 900
  // A converting copy of at most one element per consumer (a chunk's
  // one-column inputs: gates, betas): each thread loads its element and
  // holds it until the wait, which converts and stores it, so that the
  // load's latency passes under the copies and ops issued in between
  // instead of stalling the converting store here.
  if (mode == CopyMode::convert && !has_roles() && dst.rows * dst.cols <= consumer_threads()) {
    Token t{3, g->dtype, 0, nullptr, 0u};
    const int e = static_cast<int>(threadIdx.x);
    if (e < dst.rows * dst.cols) {
      const int i = e / dst.cols, j = e % dst.cols;
      t.heldAt = &dst.at(i, j);
      if (i < valid)
        t.held = static_cast<const unsigned short *>(src(i))[j];
    }
    return t;
  }
#endif
  return copy_rows_async(blk, dst, valid, src, elem, mode);
}
__device__ __noinline__ Token copy_async(Block &blk, const Global *g, const Tile dst,
                                         int64_t start, int64_t row, int64_t valid,
                                         int64_t head, int64_t col) {
  return copy_async_body(blk, g, dst, start, row, valid, head, col);
}

// 1: landing buffers of 16-bit rows fill by bulk copies on sm_90 (warp 0
// issues one per row, on the landing mbarrier); 0 (default): cp.async by
// every consumer. H200, session 7: bulk rows 32-44% slower (linear attention
// 8x4096x16 0.719 -> 1.032 ms, GDN 2.403 -> 2.721), checks passing.
#ifndef LINAC_BULK_LANDING
#define LINAC_BULK_LANDING 0
#endif
// 1: prefetch_rows, landed and take_rows out of line (as the source-rewrite
// prototype bench/prefetch_landing.py has them); 0 (default): inlined.
#ifndef LINAC_LANDING_OUT_OF_LINE
#define LINAC_LANDING_OUT_OF_LINE 0
#endif
#if LINAC_LANDING_OUT_OF_LINE
#define LINAC_LANDING_INLINE __noinline__
#else
#define LINAC_LANDING_INLINE __forceinline__
#endif

// 1 (default): one copy per destination shape (H200, one run: GDN 8x4096x16 2.33 -> 2.30 ms
// alone, 2.19 with LINAC_ROW_NORM_RSQRT); 0: every copy through the shape-generic one.
#ifndef LINAC_SHAPED_COPIES
#define LINAC_SHAPED_COPIES 1
#endif
// 1: the shaped copies and the bf16-stage copy inlined into the kernel (a
// call saves and restores the caller's live registers around it; H200 op
// profile, GDN's fused kernel: 1.4-2.1 K cycles per copy issued); 0
// (default): out of line.
#ifndef LINAC_INLINE_COPIES
#define LINAC_INLINE_COPIES 0
#endif
#if LINAC_SHAPED_COPIES && !LINAC_INLINE_COPIES
#define LINAC_SHAPED_COPY_INLINE __noinline__
#else
#define LINAC_SHAPED_COPY_INLINE __forceinline__
#endif
#if LINAC_INLINE_COPIES
#define LINAC_COPY16_INLINE __forceinline__
#else
#define LINAC_COPY16_INLINE __noinline__
#endif
/// copy_async of a destination whose shape the emitter states (R x C). A
/// tile of another shape is refused (the kernel's error flag), not copied.
/// With LINAC_SHAPED_COPIES, one out-of-line copy per shape, in which the
/// loops' bounds and the division of elements into rows are constants.
template <int R, int C>
__device__ LINAC_SHAPED_COPY_INLINE Token copy_async(Block &blk, const Global *g,
                                                     const Tile dst, int64_t start,
                                                     int64_t row, int64_t valid,
                                                     int64_t head, int64_t col) {
  if (dst.rows != R || dst.cols != C) {
    blk.L.fail();
    return Token{0, 0, 0};
  }
#if LINAC_SHAPED_COPIES || LINAC_INLINE_COPIES
  return copy_async_body(blk, g, Tile{dst.p, R, C, dst.ld}, start, row, valid, head, col);
#else
  return copy_async(blk, g, dst, start, row, valid, head, col);
#endif
}

/// copy_async into a bf16 input stage (tile-inputs-16bit; config
/// inputs=bf16): the input's rows as bytes, 16 at a time by cp.async from
/// every consumer (rows past `valid` zero-filled by the copy), one group.
/// Only a bf16 input is taken (the runtimes refuse others before launch;
/// here the kernel's error flag); rows not in whole 16-byte pieces go
/// synchronously.
template <int R, int C>
__device__ LINAC_COPY16_INLINE Token copy_async(Block &blk, const Global *g, const Tile16 dst,
                                         int64_t start, int64_t row, int64_t valid,
                                         int64_t head, int64_t col) {
  const int64_t first = start + row;
  if (dst.rows != R || dst.cols != C || !rows_inside(g, first, valid, R, head, col, C) ||
      g->dtype != bf16) {
    blk.L.fail();
    return Token{0, 0, 0};
  }
  if (is_producer()) // (warp roles: refused by the config)
    return Token{0, 0, 0};
  const int64_t stride = g->rowStride;
  const unsigned short *base = static_cast<const unsigned short *>(g->data) +
                               (valid > 0 ? first : 0) * stride + head * g->headStride + col;
#if __CUDA_ARCH__ >= 800
  if constexpr (C % 8 == 0) {
    if (dst.ld % 8 == 0 && stride % 8 == 0 && aligned16(dst.p) && aligned16(base)) {
      constexpr int kPer = C / 8; // 16-byte pieces per row
      for (int x = threadIdx.x; x < R * kPer; x += consumer_threads()) {
        const int i = x / kPer, o = x - i * kPer;
        const unsigned short *from = i < valid ? base + i * stride + 8 * o : base;
        cp_async16(&dst.at(i, 8 * o), from, i < valid);
      }
      asm volatile("cp.async.commit_group;\n" ::: "memory");
      return Token{1, blk.groupsCommitted++, 0};
    }
  }
#endif
  LINAC_FOR_ELEMENTS(dst, i, j) {
    dst.at(i, j) = i < valid ? base[i * stride + j] : static_cast<unsigned short>(0);
  }
  return Token{0, 0, 0};
}

/// The fp32 columns of a landing buffer for C 16-bit columns: C/2, or one
/// (the pair of halves holding the value) for C = 1 (mirrors the tile
/// dialect's landingColumnsFor).
LINAC_HOST_DEVICE constexpr int landing_cols(int C) { return C == 1 ? 1 : C / 2; }

/// Whether rows of g (head, C columns from col) go by cp.async into a
/// landing buffer: 16-bit, and every row's piece aligned (16 bytes; for one
/// column, the 4-byte pair of halves the value sits in). Otherwise
/// prefetch_rows lands nothing and take_rows copies from global memory.
template <int C>
__device__ __forceinline__ bool landable(const Global *g, int64_t head, int64_t col) {
#if __CUDA_ARCH__ < 800
  return false; // no cp.async: every input is copied by take_rows
#endif
  if (!g || (g->dtype != bf16 && g->dtype != f16))
    return false;
  const unsigned long long address = reinterpret_cast<unsigned long long>(g->data);
  if (C == 1)
    return address % 4 == 0;
  return g->rowStride % 8 == 0 && (head * g->headStride + col) % 8 == 0 && address % 16 == 0;
}

/// tile.prefetch_rows: rows [start + row, + R) of a 16-bit tensor (C
/// columns from col, head `head`) into the landing buffer: R x C halves,
/// dense, for C a multiple of 8; for C = 1, per row the 4-byte aligned pair
/// of halves holding the value (the half past the tensor's last element
/// not read). For C a multiple of 8 on sm_90, one bulk copy per row issued
/// by warp 0 completing on the landing mbarrier, so the other warps issue
/// nothing; rows past the tensor's end
/// are not copied (take_rows reads only rows in the tensor). Otherwise
/// cp.async per 16 bytes (per 4 for C = 1) by every consumer, rows past the
/// end landing as zeros. A tensor that is not landable lands nothing:
/// take_rows copies it. Inline: an out-of-line call costs the caller's
/// live registers around it (H200, GDN: 2.3% of the kernel).
template <int R, int C>
__device__ LINAC_LANDING_INLINE void prefetch_rows(Block &blk, const Global *g, const Tile landing,
                                              int64_t start, int64_t row, int64_t head,
                                              int64_t col) {
  static_assert(C == 1 || C % 8 == 0, "landing rows are 16-byte pieces or one value");
  LINAC_CONSUMERS_ONLY;
  if (!landable<C>(g, head, col))
    return;
  if (landing.rows != R || landing.cols != landing_cols(C) || head < 0 ||
      head >= g->heads || col < 0 || col + C > g->cols) {
    blk.L.fail();
    return;
  }
#if __CUDA_ARCH__ >= 800
  const int64_t first = start + row, avail = g->rows - first;
  const int64_t stride = g->rowStride;
  char *land = reinterpret_cast<char *>(landing.p);
  if constexpr (C == 1) {
    const int64_t last = (g->rows - 1) * stride + (g->heads - 1) * g->headStride + g->cols - 1;
    const char *data = static_cast<const char *>(g->data);
    for (int r = static_cast<int>(threadIdx.x); r < R; r += consumer_threads()) {
      const bool in = r < avail && first + r >= 0;
      const int64_t e = (first + r) * stride + head * g->headStride + col;
      const int64_t pair = e & ~static_cast<int64_t>(1);
      const unsigned bytes = !in ? 0u : pair + 1 <= last ? 4u : 2u;
      const char *src = in ? data + pair * 2 : data;
      const unsigned dst = static_cast<unsigned>(__cvta_generic_to_shared(land + 4 * r));
      asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n"
                   ::"r"(dst), "l"(src), "r"(bytes) : "memory");
    }
  } else {
    const char *base = static_cast<const char *>(g->data) + (head * g->headStride + col) * 2;
#if __CUDA_ARCH__ >= 900 && LINAC_BULK_LANDING
    if (aligned16(land) && !has_roles()) { // (the landing mbarrier expects one arrival)
      // Warp 0 issues; its thread 0 expects the bytes on the landing
      // mbarrier before it arrives there (tile.landed), so the phase cannot
      // complete before every prefetch's bytes are counted.
      blk.landingPending = true;
      if (threadIdx.x < 32) {
        const int lane = static_cast<int>(threadIdx.x);
        const unsigned addr = blk.barrierAddress(kLandingBarrier);
        const int64_t lo = first < 0 ? -first : 0;
        const int64_t hi = avail < R ? (avail < 0 ? 0 : avail) : R;
        const int64_t rows = hi > lo ? hi - lo : 0;
        constexpr unsigned rowBytes = 2u * C;
        // The takes' generic-proxy reads of this buffer (before the
        // barrier that precedes every prefetch) before the async writes.
        asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
        if (lane == 0)
          asm volatile("mbarrier.expect_tx.relaxed.cta.shared::cta.b64 [%0], %1;\n"
                       ::"r"(addr), "r"(static_cast<unsigned>(rows) * rowBytes) : "memory");
        __syncwarp();
        for (int64_t r = lo + lane; r < lo + rows; r += 32)
          asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes "
                       "[%0], [%1], %2, [%3];\n"
                       ::"r"(static_cast<unsigned>(__cvta_generic_to_shared(land + r * rowBytes))),
                         "l"(base + (first + r) * stride * 2), "r"(rowBytes), "r"(addr)
                       : "memory");
      }
      return;
    }
#endif
    constexpr int per = C / 8, n = R * per;
    for (int e = static_cast<int>(threadIdx.x); e < n; e += consumer_threads()) {
      const int r = e / per, o = e - r * per;
      const bool in = r < avail && first + r >= 0;
      const char *src = in ? base + ((first + r) * stride + 8 * o) * 2 : base;
      cp_async16(land + (r * C + 8 * o) * 2, src, in);
    }
  }
  asm volatile("cp.async.commit_group;\n" ::: "memory");
  // Counted with the copies' groups (every consumer takes this path), so a
  // later copy's wait_group leaves this prefetch in flight.
  ++blk.groupsCommitted;
#endif
}

/// tile.landed: every prefetch has landed: this thread's cp.async groups
/// (visible to all after the barrier) and the bulk copies (the landing
/// mbarrier's phase, waited by every consumer).
__device__ LINAC_LANDING_INLINE void landed(Block &blk) {
  LINAC_CONSUMERS_ONLY;
#if __CUDA_ARCH__ >= 800
  asm volatile("cp.async.wait_all;\n" ::: "memory");
  wait_landings(blk);
#endif
  sync_consumers();
}

/// Rows [first, first + valid) of g into dst (rows past them zeroed), element
/// by element by the consumers: take_rows of a tensor that did not land. Out of
/// line (the landed path is the one that runs), without the Block.
__device__ __noinline__ void load_rows(const Global *g, const Tile dst, int64_t first,
                                       int64_t valid, int64_t head, int64_t col) {
  const int n = dst.rows * dst.cols;
  for (int e = static_cast<int>(threadIdx.x); e < n; e += consumer_threads()) {
    const int r = e / dst.cols, c = e - r * dst.cols;
    dst.at(r, c) = r < valid ? g->load(first + r, head, col + c) : 0.0f;
  }
}

/// tile.take_rows: what copy_async<R, C> of the same operands does, from
/// the landing buffer (after landed) for a landable tensor; another is
/// loaded from global memory here, element by element (not by copy_async:
/// a call that takes the Block by reference puts it on the stack, and the
/// kernels with every input landed then ran 13% slower than without it,
/// H200, session 7).
/// Whether a take of rows [first, first + valid) of g (head, C columns from
/// col) from an R x C landing buffer stays inside both.
template <int R, int C>
__device__ __forceinline__ bool take_in_bounds(const Global *g, const Tile &landing,
                                               int64_t first, int64_t valid, int64_t head,
                                               int64_t col) {
  return g && landing.rows == R && landing.cols == landing_cols(C) && valid >= 0 && valid <= R &&
         (valid == 0 || (first >= 0 && first + valid <= g->rows)) && head >= 0 &&
         head < g->heads && col >= 0 && col + C <= g->cols;
}

template <int R, int C>
__device__ LINAC_LANDING_INLINE Token take_rows(Block &blk, const Global *g, const Tile landing,
                                           const Tile dst, int64_t start, int64_t row,
                                           int64_t valid, int64_t head, int64_t col) {
  const int64_t first = start + row;
  if (dst.rows != R || dst.cols != C || landing.rows != R || landing.cols != landing_cols(C) ||
      !rows_inside(g, first, valid, R, head, col, C)) {
    blk.L.fail();
    return Token{0, 0, 0};
  }
  if (is_producer())
    return Token{0, 0, 0};
  if (!landable<C>(g, head, col)) {
    load_rows(g, dst, first, valid, head, col);
    return Token{0, 0, 0};
  }
  const CopyMode mode = g->dtype == bf16 ? CopyMode::bf16x8 : CopyMode::f16x8;
  if constexpr (C == 1) {
    const unsigned *land = reinterpret_cast<const unsigned *>(landing.p);
    for (int r = static_cast<int>(threadIdx.x); r < R; r += consumer_threads()) {
      const int64_t e = (first + r) * g->rowStride + head * g->headStride + col;
      const float2 pair = halves_to_float2(land[r], mode);
      dst.at(r, 0) = r < valid ? ((e & 1) ? pair.y : pair.x) : 0.0f;
    }
  } else {
    constexpr int per = C / 8, n = R * per;
    const char *land = reinterpret_cast<const char *>(landing.p);
    for (int e = static_cast<int>(threadIdx.x); e < n; e += consumer_threads()) {
      const int r = e / per, o = e - r * per;
      uint4 h = *reinterpret_cast<const uint4 *>(land + (r * C + 8 * o) * 2);
      if (r >= valid)
        h = make_uint4(0, 0, 0, 0);
      const float2 a = halves_to_float2(h.x, mode), b = halves_to_float2(h.y, mode),
                   c = halves_to_float2(h.z, mode), d = halves_to_float2(h.w, mode);
      float4 *to = reinterpret_cast<float4 *>(&dst.at(r, 8 * o));
      to[0] = make_float4(a.x, a.y, b.x, b.y);
      to[1] = make_float4(c.x, c.y, d.x, d.y);
    }
  }
  return Token{0, 0, 0};
}

/// The first element of workspace slot (seq, head, chunk) of `size`
/// elements, or -1 (and the launch fails) outside the workspace or where its
/// elements are not `dtype` (f32, or bf16 for tile-store-16bit's).
__device__ inline int64_t slot_element(const Block &blk, const Global *g, int64_t seq,
                                       int64_t head, int64_t chunk, int64_t size, int dtype) {
  const Launch &L = blk.L;
  // Slots per (sequence, head): a chunk's or a segment's (workspace_slots).
  const int64_t pairs = L.N * L.HV;
  const int64_t per = pairs > 0 && g ? g->rows / pairs : 0;
  int64_t index = (seq * L.HV + head) * per + chunk;
  if (!g || g->dtype != dtype || chunk < 0 || chunk >= per || index < 0 || index >= g->rows ||
      size > g->cols) {
    L.fail();
    return -1;
  }
  return index * g->cols;
}
__device__ inline float *slot(const Block &blk, const Global *g, int64_t seq,
                              int64_t head, int64_t chunk, int64_t size) {
  const int64_t e = slot_element(blk, g, seq, head, chunk, size, f32);
  return e < 0 ? nullptr : g->f32data() + e;
}

/// dst = src (same shape) by the consumer threads. Aligned rows go by
/// float4 with four loads in flight per lane: one element at a time, each
/// load waited before the store (which, for the compiler, may write what
/// the next load reads), a 128 x 256 segment map took ~60 us to load from
/// global memory into scratch.
__device__ inline void move_tile(const Tile &dst, const Tile &src) {
  if (dst.cols % 4 == 0 && dst.ld % 4 == 0 && src.ld % 4 == 0 && aligned16(dst.p) &&
      aligned16(src.p)) {
    const int q = dst.cols / 4, n = dst.rows * q, lanes = consumer_threads();
    auto at4 = [q](const Tile &t, int e) {
      return reinterpret_cast<float4 *>(t.p + (e / q) * t.ld + 4 * (e % q));
    };
    int e = static_cast<int>(threadIdx.x);
    for (; e + 3 * lanes < n; e += 4 * lanes) {
      float4 v[4];
#pragma unroll
      for (int u = 0; u < 4; ++u)
        v[u] = *at4(src, e + u * lanes);
#pragma unroll
      for (int u = 0; u < 4; ++u)
        *at4(dst, e + u * lanes) = v[u];
    }
    for (; e < n; e += lanes)
      *at4(dst, e) = *at4(src, e);
    return;
  }
  LINAC_FOR_ELEMENTS(dst, i, j) { dst.at(i, j) = src.at(i, j); }
}

/// Columns col.. (`cols` of them) of workspace slot (seq, head, chunk),
/// whose tiles are rows x fullCols; null (and the launch fails) outside it.
__device__ inline float *slot_columns(const Block &blk, const Global *g, int64_t seq,
                                      int64_t head, int64_t chunk, int64_t rows,
                                      int64_t col, int64_t cols, int64_t fullCols) {
  float *p = slot(blk, g, seq, head, chunk, rows * fullCols);
  if (p && (col < 0 || col + cols > fullCols)) {
    blk.L.fail();
    return nullptr;
  }
  return p ? p + col : nullptr;
}

/// Columns col.. of a bf16 workspace's slot (tile-store-16bit), or null
/// (and the launch fails) outside it.
__device__ inline unsigned short *slot_columns16(const Block &blk, const Global *g, int64_t seq,
                                                 int64_t head, int64_t chunk, int64_t rows,
                                                 int64_t col, int64_t cols, int64_t fullCols) {
  const int64_t e = slot_element(blk, g, seq, head, chunk, rows * fullCols, bf16);
  if (e < 0 || col < 0 || col + cols > fullCols) {
    if (e >= 0)
      blk.L.fail();
    return nullptr;
  }
  return static_cast<unsigned short *>(g->data) + e + col;
}

__device__ inline void store_tile(Block &blk, const Global *g, const Tile &src,
                                  int64_t seq, int64_t head, int64_t chunk,
                                  int64_t col, int64_t fullCols) {
  LINAC_CONSUMERS_ONLY;
  if (g && g->dtype == bf16) {
    // A workspace that only bf16 stages read: rounded as they would round it.
    if (unsigned short *p =
            slot_columns16(blk, g, seq, head, chunk, src.rows, col, src.cols, fullCols))
      LINAC_FOR_ELEMENTS(src, i, j) { p[i * fullCols + j] = to_bf16(src.at(i, j)); }
    sync_consumers();
    return;
  }
  if (float *p = slot_columns(blk, g, seq, head, chunk, src.rows, col, src.cols, fullCols))
    move_tile(Tile{p, src.rows, src.cols, static_cast<int>(fullCols)}, src);
  sync_consumers();
}

__device__ inline void load_tile(Block &blk, const Global *g, const Tile &dst,
                                 int64_t seq, int64_t head, int64_t chunk,
                                 int64_t col, int64_t fullCols) {
  LINAC_CONSUMERS_ONLY;
  if (float *p = slot_columns(blk, g, seq, head, chunk, dst.rows, col, dst.cols, fullCols))
    move_tile(dst, Tile{p, dst.rows, dst.cols, static_cast<int>(fullCols)});
  sync_consumers();
}

__device__ __noinline__ Token copy_tile_async(Block &blk, const Global *g,
                                        const Tile dst, int64_t seq,
                                        int64_t head, int64_t chunk,
                                        int64_t col, int64_t valid,
                                        int64_t fullCols) {
  if (valid <= 0) { // no tile: zeros, by whoever copies
    auto none = [](int64_t) { return static_cast<const float *>(nullptr); };
    auto zero = [](int64_t, int64_t) { return 0.0f; };
    return copy_rows_async(blk, dst, 0, none, zero, CopyMode::convert);
  }
  const float *base = slot_columns(blk, g, seq, head, chunk, dst.rows, col, dst.cols, fullCols);
  if (!base)
    return Token{0, 0, 0};
  auto src = [=](int64_t i) { return base + i * fullCols; };
  auto elem = [=](int64_t i, int64_t j) { return src(i)[j]; };
  CopyMode mode = dst.cols % 4 == 0 && fullCols % 4 == 0 && dst.ld % 4 == 0 &&
                          aligned16(base) && aligned16(dst.p)
                      ? CopyMode::bulk
                      : CopyMode::elements;
  return copy_rows_async(blk, dst, dst.rows, src, elem, mode);
}

/// A workspace tile into a bf16 stage (tile-store-16bit): a bf16 workspace's
/// rows as bytes, asynchronously (the f32 copy path on half as many
/// columns); otherwise by the consumers, converting, with a complete token.
__device__ __noinline__ Token copy_tile_async(Block &blk, const Global *g, const Tile16 dst,
                                        int64_t seq, int64_t head, int64_t chunk, int64_t col,
                                        int64_t valid, int64_t fullCols) {
  if (g && g->dtype == bf16 && dst.cols % 8 == 0 && dst.ld % 8 == 0 && col % 8 == 0 &&
      fullCols % 8 == 0 && aligned16(dst.p)) {
    // bf16 rows as bytes: the f32 copy of half as many columns (bulk copies
    // on sm_90, cp.async of two values at a time on sm_80), asynchronous.
    const Tile bytes{reinterpret_cast<float *>(dst.p), dst.rows, dst.cols / 2, dst.ld / 2};
    if (valid <= 0) {
      auto none = [](int64_t) { return static_cast<const float *>(nullptr); };
      auto zero = [](int64_t, int64_t) { return 0.0f; };
      return copy_rows_async(blk, bytes, 0, none, zero, CopyMode::convert);
    }
    const unsigned short *base =
        slot_columns16(blk, g, seq, head, chunk, dst.rows, col, dst.cols, fullCols);
    if (!base)
      return Token{0, 0, 0};
    auto src = [=](int64_t i) {
      return reinterpret_cast<const float *>(base + i * fullCols);
    };
    auto elem = [=](int64_t i, int64_t j) { return src(i)[j]; };
    return copy_rows_async(blk, bytes, dst.rows, src, elem,
                           aligned16(base) ? CopyMode::bulk : CopyMode::elements);
  }
  // Otherwise by the consumers, converting f32 workspaces; the token is
  // complete (its wait is the barrier after which the stage is read).
  if (is_producer())
    return Token{0, 0, 0};
  const bool half = g && g->dtype == bf16;
  const float *base =
      valid > 0 && !half
          ? slot_columns(blk, g, seq, head, chunk, dst.rows, col, dst.cols, fullCols)
          : nullptr;
  const unsigned short *base16 =
      valid > 0 && half
          ? slot_columns16(blk, g, seq, head, chunk, dst.rows, col, dst.cols, fullCols)
          : nullptr;
  if (valid > 0 && !base && !base16)
    return Token{0, 0, 0};
  LINAC_FOR_ELEMENTS(dst, i, j) {
    dst.at(i, j) = base     ? to_bf16(base[i * fullCols + j])
                   : base16 ? base16[i * fullCols + j]
                            : static_cast<unsigned short>(0);
  }
  return Token{0, 0, 0};
}

__device__ inline void load_param(Block &blk, const Global *g, const Tile &dst,
                                  int64_t head, int64_t col) {
  LINAC_CONSUMERS_ONLY;
  if (!g || head >= g->heads || col + dst.cols > g->cols) {
    blk.L.fail();
    return;
  }
  LINAC_FOR_ELEMENTS(dst, i, j) { dst.at(i, j) = g->load(0, head, col + j); }
  sync_consumers();
}

/// The K x V state of (sequence, head) in h0, or null without an initial
/// state; in ht, or null when the caller asked for no final state.
__device__ inline const float *initial_state(const Block &blk, int64_t seq, int64_t head) {
  const Launch &L = blk.L;
  const Global *g = L.hasInitialState ? L.global("h0") : nullptr;
  return g ? g->f32data() + (seq * L.HV + head) * L.K * L.V : nullptr;
}
__device__ inline float *final_state(const Block &blk, int64_t seq, int64_t head) {
  const Launch &L = blk.L;
  const Global *g = L.find("ht");
  return g ? g->f32data() + (seq * L.HV + head) * L.K * L.V : nullptr;
}

__device__ inline void load_state(Block &blk, const Tile &dst, int64_t seq,
                                  int64_t head, int64_t col) {
  LINAC_CONSUMERS_ONLY;
  const float *p = initial_state(blk, seq, head);
  LINAC_FOR_ELEMENTS(dst, i, j) { dst.at(i, j) = p ? p[i * blk.L.V + col + j] : 0.0f; }
  sync_consumers();
}

__device__ inline void store_state(Block &blk, const Tile &src, int64_t seq,
                                   int64_t head, int64_t col) {
  LINAC_CONSUMERS_ONLY;
  float *p = final_state(blk, seq, head);
  if (!p)
    return;
  LINAC_FOR_ELEMENTS(src, i, j) { p[i * blk.L.V + col + j] = src.at(i, j); }
  sync_consumers();
}

// 1 (default): bf16 output rows by 16-byte stores, from a shared tile
// (store_rows); 0: an element at a time. From a fragment
// (LINAC_STORE_ROWS_WIDE_FRAG, off): the quad transpose first; 0: 4-byte
// pair stores. On an H100 (session 15, `S14=2`/`S15=1 bench/candidates.sh`,
// outputs bit-identical): from a tile, DeltaNet 8x4096x16 8-9% faster;
// from a fragment, GDN 2% and linear attention 5-6% slower alone (the
// shuffles cost more than the wider stores save).
#ifndef LINAC_STORE_ROWS_WIDE
#define LINAC_STORE_ROWS_WIDE 1
#endif
#ifndef LINAC_STORE_ROWS_WIDE_FRAG
#define LINAC_STORE_ROWS_WIDE_FRAG 0
#endif
/// Two floats as a pair of bf16 (lo in the low half), rounded to nearest
/// even as Global::store rounds one.
__device__ __forceinline__ unsigned bf16_pair(float lo, float hi) {
  unsigned packed;
#if __CUDA_ARCH__ >= 800
  asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(packed) : "f"(hi), "f"(lo));
#else
  (void)lo, (void)hi;
  packed = 0;
#endif
  return packed;
}

__device__ inline void store_rows(Block &blk, const Global *g, const Tile &src,
                                  int64_t start, int64_t row, int64_t valid,
                                  int64_t head, int64_t col) {
  LINAC_CONSUMERS_ONLY;
  int64_t first = start + row;
  if (!rows_inside(g, first, valid, src.rows, head, col, src.cols)) {
    blk.L.fail();
    return;
  }
  const Global out = *g; // fields once (see the fragment form)
#if __CUDA_ARCH__ >= 800
  // bf16 rows, 16-byte aligned: eight columns per thread, two float4 loads
  // and one 16-byte store (an element at a time, a warp's store wrote 64
  // bytes: H200 op profile, DeltaNet's fused kernel, 5.8 K cycles per
  // 64 x 128 output). The same rounding (cvt.rn).
  unsigned short *halves = static_cast<unsigned short *>(out.data) + first * out.rowStride +
                           head * out.headStride + col;
  if (LINAC_STORE_ROWS_WIDE && out.dtype == bf16 && out.rowStride % 8 == 0 &&
      (reinterpret_cast<unsigned long long>(halves) & 15) == 0 && src.cols % 8 == 0 &&
      src.ld % 4 == 0 && aligned16(src.p)) {
    const int per = src.cols / 8, n = static_cast<int>(valid) * per;
    for (int e = static_cast<int>(threadIdx.x); e < n; e += consumer_threads()) {
      const int i = e / per, j = 8 * (e - i * per);
      const float4 x = *reinterpret_cast<const float4 *>(&src.at(i, j));
      const float4 y = *reinterpret_cast<const float4 *>(&src.at(i, j + 4));
      *reinterpret_cast<uint4 *>(halves + i * out.rowStride + j) =
          make_uint4(bf16_pair(x.x, x.y), bf16_pair(x.z, x.w), bf16_pair(y.x, y.y),
                     bf16_pair(y.z, y.w));
    }
    sync_consumers();
    return;
  }
#endif
  LINAC_FOR_ELEMENTS(src, i, j) {
    if (i < valid)
      out.store(first + i, head, col + j, src.at(i, j));
  }
  sync_consumers();
}

__device__ inline void fill(Block &, const Tile &dst, float v) {
  LINAC_CONSUMERS_ONLY;
  LINAC_FOR_ELEMENTS(dst, i, j) { dst.at(i, j) = v; }
  sync_consumers();
}

__device__ inline void identity(Block &, const Tile &dst) {
  LINAC_CONSUMERS_ONLY;
  LINAC_FOR_ELEMENTS(dst, i, j) { dst.at(i, j) = i == j ? 1.0f : 0.0f; }
  sync_consumers();
}

/// Zeroes rows [valid, rows). Every op ends with its own barrier, so one
/// that writes nothing (every chunk but a sequence's last) needs none.
__device__ inline void mask_rows(Block &blk, const Tile &dst, int64_t valid) {
  LINAC_CONSUMERS_ONLY;
  int64_t first = valid < 0 ? 0 : valid;
  if (first >= dst.rows) {
    // Nothing written, but the steps before it may have left their
    // barriers to this one.
    if (LINAC_ELIDE_BARRIERS && blk.pending && !blk.elide)
      end_step(blk);
    return;
  }
  const Tile tail = dst.view(first, 0, dst.rows - first, dst.cols);
  LINAC_FOR_ELEMENTS(tail, i, j) { tail.at(i, j) = 0.0f; }
  end_step(blk);
}

// Sigmoid, log-sigmoid, softplus and SiLU by __expf/__logf (H200, 8x4096x16,
// 2026-12-04: KDA 4.85 -> 4.68 ms, GDN-2 10.5 -> 9.65, GDN and DeltaNet
// unchanged; bench/results/bench-h200.md); 0: by expf and log1pf.
#ifndef LINAC_FAST_GATE_FUNCS
#define LINAC_FAST_GATE_FUNCS 1
#endif

// 1: the exponential op (tile.ew exp: KDA's and GLA's per-channel decays
// e^G, e^(G_C - G)) and the decay masks' exponentials (GDN's two per
// chunk) by __expf too, whose error is as the gate functions'; 0
// (default): expf. Not yet timed.
#ifndef LINAC_FAST_EXP
#define LINAC_FAST_EXP 0
#endif
/// The decay masks' and the exponential op's e^x (LINAC_FAST_EXP).
__device__ __forceinline__ float decay_exp(float x) {
#if LINAC_FAST_EXP
  return __expf(x);
#else
  return expf(x);
#endif
}

__device__ inline float apply(Ew k, float x, float y) {
#if LINAC_FAST_EXP
  if (k == Ew::exp)
    return __expf(x);
#endif
#if LINAC_FAST_GATE_FUNCS
  // ex2.approx / lg2.approx: relative error ~1e-7 + 6e-8 |x| in the
  // exponential, absolute ~4e-7 in log(1 + e^-|x|) (whose argument is in
  // (1, 2]), far below the bf16 rounding of the inputs these gates come from.
  switch (k) {
  case Ew::sigmoid: return 1.0f / (1.0f + __expf(-x));
  case Ew::logsigmoid: return fminf(x, 0.0f) - __logf(1.0f + __expf(-fabsf(x)));
  case Ew::softplus: return fmaxf(x, 0.0f) + __logf(1.0f + __expf(-fabsf(x)));
  case Ew::silu: return x / (1.0f + __expf(-x));
  default: break;
  }
#endif
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

/// Every Ew op, for switches that instantiate a template per op.
#define LINAC_EW_OPS(X)                                                        \
  X(copy) X(neg) X(exp) X(log) X(sqrt) X(sigmoid) X(logsigmoid) X(softplus)    \
  X(silu) X(add) X(sub) X(mul) X(div) X(max) X(min)

/// apply() with the op fixed at compile time (the flat path below).
template <Ew K> __device__ inline float apply_op(float x, float y) {
  return apply(K, x, y);
}

/// Whether a tile is one contiguous, 16-byte aligned run of rows * cols
/// floats with rows * cols a multiple of 4: element-wise ops may then treat
/// it as a flat float4 array.
__device__ inline bool flat4(const Tile &t) {
  return (t.ld == t.cols || t.rows == 1) && (t.rows * t.cols) % 4 == 0 &&
         aligned16(t.p);
}

template <Ew K> __device__ inline float4 apply_op4(float4 x, float4 y) {
  return make_float4(apply_op<K>(x.x, y.x), apply_op<K>(x.y, y.y),
                     apply_op<K>(x.z, y.z), apply_op<K>(x.w, y.w));
}

/// dst = K(a, b) over flat float4 arrays of n floats (b = a for unary ops):
/// a few instructions per four elements instead of index arithmetic and a
/// switch per element. Four float4 of each operand are loaded before any
/// store (dst aliases an operand only element for element), so their
/// latencies overlap instead of adding up.
template <Ew K>
__device__ inline void ew_flat(float *dst, const float *a, const float *b,
                               int n) {
  float4 *d4 = reinterpret_cast<float4 *>(dst);
  const float4 *a4 = reinterpret_cast<const float4 *>(a);
  const float4 *b4 = reinterpret_cast<const float4 *>(b);
  int lanes = consumer_threads(), n4 = n / 4, e = threadIdx.x;
  for (; e + 3 * lanes < n4; e += 4 * lanes) {
    float4 x[4], y[4];
#pragma unroll
    for (int u = 0; u < 4; ++u) {
      x[u] = a4[e + u * lanes];
      y[u] = b4[e + u * lanes];
    }
#pragma unroll
    for (int u = 0; u < 4; ++u)
      d4[e + u * lanes] = apply_op4<K>(x[u], y[u]);
  }
  for (; e < n4; e += lanes)
    d4[e] = apply_op4<K>(a4[e], b4[e]);
}

/// Element-wise dispatchers and the ops that call them are inlined: the
/// emitted call passes the op as a constant, so the switch folds to one
/// loop, and a call would make the caller save the fragments it keeps in
/// registers around it. LINAC_EW_OUTLINED keeps one out-of-line copy of
/// each (smaller code, a call per op).
#ifdef LINAC_EW_OUTLINED
#define LINAC_EW_INLINE __noinline__
#define LINAC_EW_ENTRY inline
#else
#define LINAC_EW_INLINE __forceinline__
#define LINAC_EW_ENTRY __forceinline__
#endif
__device__ LINAC_EW_INLINE void ew_flat(Ew k, float *dst, const float *a,
                                     const float *b, int n) {
  switch (k) {
#define LINAC_EW_FLAT(op)                                                      \
  case Ew::op:                                                                 \
    return ew_flat<Ew::op>(dst, a, b, n);
    LINAC_EW_OPS(LINAC_EW_FLAT)
#undef LINAC_EW_FLAT
  }
}

/// How an operand of an element-wise op is read per float4 of dst (row i,
/// columns j..j+3): its own float4 (same shape), its row's value (a column
/// vector), the float4 of those columns (a row vector), or one value.
enum class Bcast { full, column, row, scalar };

/// The operand's Bcast kind for dst, if float4 reads of it are aligned.
__device__ inline bool bcast_kind(const Tile &dst, const Tile &t, Bcast &kind) {
  if (t.rows == dst.rows && t.cols == dst.cols) {
    kind = Bcast::full;
    return t.ld % 4 == 0 && aligned16(t.p);
  }
  if (t.rows == 1 && t.cols == 1)
    kind = Bcast::scalar;
  else if (t.rows == dst.rows && t.cols == 1)
    kind = Bcast::column;
  else if (t.rows == 1 && t.cols == dst.cols)
    kind = Bcast::row;
  else
    return false;
  return kind != Bcast::row || aligned16(t.p);
}

__device__ inline float4 fetch4(const Tile &t, Bcast kind, int i, int j) {
  switch (kind) {
  case Bcast::full: return *reinterpret_cast<const float4 *>(t.p + i * t.ld + j);
  case Bcast::row: return *reinterpret_cast<const float4 *>(t.p + j);
  case Bcast::column: { float x = t.p[i * t.ld]; return make_float4(x, x, x, x); }
  default: { float x = t.p[0]; return make_float4(x, x, x, x); }
  }
}

/// dst = K(a, b) by float4 over dst's rows (cols and ld multiples of 4,
/// 16-byte aligned), the operands read by their Bcast kinds.
template <Ew K>
__device__ inline void ew_bcast(const Tile &dst, const Tile &a, Bcast ka,
                                const Tile &b, Bcast kb) {
  const Tile quads{nullptr, dst.rows, dst.cols / 4, 0};
  LINAC_FOR_LANE_ELEMENTS(quads, i, q, static_cast<int>(threadIdx.x), consumer_threads()) {
    float4 x = fetch4(a, ka, i, 4 * q), y = fetch4(b, kb, i, 4 * q);
    *reinterpret_cast<float4 *>(dst.p + i * dst.ld + 4 * q) = apply_op4<K>(x, y);
  }
}

/// The dispatcher, as for ew_flat.
__device__ LINAC_EW_INLINE void ew_bcast(Ew k, const Tile dst, const Tile a,
                                      Bcast ka, const Tile b, Bcast kb) {
  switch (k) {
#define LINAC_EW_BCAST(op)                                                     \
  case Ew::op:                                                                 \
    return ew_bcast<Ew::op>(dst, a, ka, b, kb);
    LINAC_EW_OPS(LINAC_EW_BCAST)
#undef LINAC_EW_BCAST
  }
}

/// Whether dst can be written by float4 (ew_bcast).
__device__ inline bool quads4(const Tile &dst) {
  return dst.cols % 4 == 0 && dst.ld % 4 == 0 && aligned16(dst.p);
}

/// Same shape (no broadcast) and all flat: the vectorised path applies.
__device__ inline bool same_flat(const Tile &dst, const Tile &a) {
  return a.rows == dst.rows && a.cols == dst.cols && flat4(dst) && flat4(a);
}

// dst may alias an operand only element-for-element (same shape), which the
// emitted code guarantees; each element is read before it is written. No
// barrier first: every op ends with one (and a copy's tile is read only
// after its wait, which ends with one).
__device__ LINAC_EW_ENTRY void ew(Block &blk, Ew k, const Tile &dst, const Tile &a) {
  LINAC_CONSUMERS_ONLY;
  Bcast ka;
  if (same_flat(dst, a))
    ew_flat(k, dst.p, a.p, a.p, dst.rows * dst.cols);
  else if (quads4(dst) && bcast_kind(dst, a, ka))
    ew_bcast(k, dst, a, ka, a, ka);
  else
    LINAC_FOR_ELEMENTS(dst, i, j) { dst.at(i, j) = apply(k, a.get(i, j), 0.0f); }
  end_step(blk);
}
__device__ LINAC_EW_ENTRY void ew(Block &blk, Ew k, const Tile &dst, const Tile &a,
                          const Tile &b) {
  LINAC_CONSUMERS_ONLY;
  Bcast ka, kb;
  if (same_flat(dst, a) && same_flat(dst, b)) {
    ew_flat(k, dst.p, a.p, b.p, dst.rows * dst.cols);
  } else if (quads4(dst) && bcast_kind(dst, a, ka) && bcast_kind(dst, b, kb)) {
    ew_bcast(k, dst, a, ka, b, kb);
  } else {
    LINAC_FOR_ELEMENTS(dst, i, j) {
      dst.at(i, j) = apply(k, a.get(i, j), b.get(i, j));
    }
  }
  end_step(blk);
}

/// A run of element-wise ops (tile-fuse-elementwise) as one loop over the
/// consumers: f(i, j) computes and stores every op's value at (i, j), then
/// one barrier. The tiles read are named for the cpu library's checks.
template <class F, class... T>
__device__ __forceinline__ void fused_ew(Block &blk, int rows, int cols, F &&f, const T &...) {
  LINAC_CONSUMERS_ONLY;
  const Tile shape{nullptr, rows, cols, cols};
  LINAC_FOR_ELEMENTS(shape, i, j) { f(i, j); }
  end_step(blk);
}

/// Four consecutive values of a row: fused_ew4's unit, read and written by
/// one 16-byte access.
using Quad = float4;
__device__ __forceinline__ Quad splat(float v) { return make_float4(v, v, v, v); }
__device__ __forceinline__ Quad quad(const Tile &t, int i, int j) {
  return *reinterpret_cast<const float4 *>(t.p + i * t.ld + j);
}
__device__ __forceinline__ void quad_store(const Tile &t, int i, int j, Quad v) {
  *reinterpret_cast<float4 *>(t.p + i * t.ld + j) = v;
}
__device__ __forceinline__ Quad apply4(Ew k, Quad a, Quad b) {
  return make_float4(apply(k, a.x, b.x), apply(k, a.y, b.y), apply(k, a.z, b.z),
                     apply(k, a.w, b.w));
}
/// Whether a tile may be read and written by quads: 16-byte aligned rows.
__device__ __forceinline__ bool quad_ready(const Tile &t) {
  return t.ld % 4 == 0 && aligned16(t.p);
}
/// A fused run emitted over quads as well (cols a multiple of 4): `q(i, j)`
/// computes and stores columns j..j+3 of row i, every operand read by one
/// float4 or broadcast (a quarter of the per-element form's shared-memory
/// accesses and index arithmetic in 32 bits); `f` is the per-element form,
/// taken where a tile is not `ready` for quads. The same values either way.
template <class F, class Q, class... T>
__device__ __forceinline__ void fused_ew4(Block &blk, int rows, int cols, bool ready, F &&f,
                                          Q &&q, const T &...) {
  if (!ready)
    return fused_ew(blk, rows, cols, f);
  LINAC_CONSUMERS_ONLY;
  const Tile quads{nullptr, rows, cols / 4, cols / 4};
  LINAC_FOR_ELEMENTS(quads, i, k) { q(i, 4 * k); }
  end_step(blk);
}

/// The sum over the 32 lanes of a warp, in every lane.
__device__ inline float warp_sum(float x) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1)
    x += __shfl_xor_sync(0xffffffffu, x, o);
  return x;
}

/// Row reductions: one warp per row, its lanes along the columns (reads
/// coalesced in global scratch and free of bank conflicts in shared).
/// Rows of 128 values, 16-byte aligned (the head dimension 128): a float4
/// per lane, four rows of a warp in flight at once (their loads and
/// shuffle reductions interleave instead of running one row at a time).
__device__ inline bool rows_of_128(const Tile &t) {
  return t.cols == 128 && t.ld % 4 == 0 && aligned16(t.p);
}
// 1 (default): the scale by rsqrtf (one MUFU op, <= 2 ulp; H200, one run: GDN 8x4096x16
// 2.33 -> 2.27 ms, DeltaNet 1.85 -> 1.76); 0: 1 / sqrtf, rounded as the cpu library's.
#ifndef LINAC_ROW_NORM_RSQRT
#define LINAC_ROW_NORM_RSQRT 1
#endif
__device__ inline float inverse_norm(float ss) {
#if LINAC_ROW_NORM_RSQRT
  return rsqrtf(ss + 1e-6f);
#else
  return 1.0f / sqrtf(ss + 1e-6f);
#endif
}
/// Four values of row i (columns 4 lane .. 4 lane + 3) as floats, and one.
__device__ __forceinline__ float4 row_quad(const Tile &t, int i, int lane) {
  return *reinterpret_cast<const float4 *>(&t.at(i, 4 * lane));
}
__device__ __forceinline__ float4 row_quad(const Tile16 &t, int i, int lane) {
  const uint2 h = *reinterpret_cast<const uint2 *>(&t.at(i, 4 * lane));
  return make_float4(__uint_as_float(h.x << 16), __uint_as_float(h.x & 0xffff0000u),
                     __uint_as_float(h.y << 16), __uint_as_float(h.y & 0xffff0000u));
}
__device__ __forceinline__ float row_value(const Tile &t, int i, int j) { return t.at(i, j); }
__device__ __forceinline__ float row_value(const Tile16 &t, int i, int j) {
  return from_bf16(t.at(i, j));
}
/// Whether src's rows can be read four values per lane (rows of 128).
__device__ __forceinline__ bool quads_of_128(const Tile &t) { return rows_of_128(t); }
__device__ __forceinline__ bool quads_of_128(const Tile16 &t) {
  return t.cols == 128 && t.ld % 4 == 0 && (reinterpret_cast<unsigned long long>(t.p) & 7) == 0;
}
/// dst = each row of src over its norm; src fp32, or a bf16 input stage
/// (the same values: the same sums in the same order, the same results).
template <class T> __device__ __forceinline__ void row_l2norm_of(Block &blk, const Tile &dst, const T &src) {
  LINAC_CONSUMERS_ONLY;
  int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int warps = consumer_threads() / 32;
  if (quads_of_128(src) && rows_of_128(dst)) {
    for (int i0 = warp; i0 < src.rows; i0 += 4 * warps) {
      float4 x[4];
      float ss[4];
#pragma unroll
      for (int u = 0; u < 4; ++u) {
        const int i = i0 + u * warps;
        x[u] = i < src.rows ? row_quad(src, i, lane) : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
      }
#pragma unroll
      for (int u = 0; u < 4; ++u)
        ss[u] = x[u].x * x[u].x + x[u].y * x[u].y + x[u].z * x[u].z + x[u].w * x[u].w;
#pragma unroll
      for (int o = 16; o > 0; o >>= 1)
#pragma unroll
        for (int u = 0; u < 4; ++u)
          ss[u] += __shfl_xor_sync(0xffffffffu, ss[u], o);
#pragma unroll
      for (int u = 0; u < 4; ++u) {
        const int i = i0 + u * warps;
        const float inv = inverse_norm(ss[u]);
        if (i < src.rows)
          *reinterpret_cast<float4 *>(&dst.at(i, 4 * lane)) =
              make_float4(x[u].x * inv, x[u].y * inv, x[u].z * inv, x[u].w * inv);
      }
    }
    end_step(blk);
    return;
  }
  for (int i = warp; i < src.rows; i += consumer_threads() / 32) {
    float ss = 0;
    for (int j = lane; j < src.cols; j += 32)
      ss += row_value(src, i, j) * row_value(src, i, j);
    float inv = inverse_norm(warp_sum(ss));
    for (int j = lane; j < src.cols; j += 32)
      dst.at(i, j) = row_value(src, i, j) * inv;
  }
  end_step(blk);
}
__device__ inline void row_l2norm(Block &blk, const Tile &dst, const Tile &src) {
  row_l2norm_of(blk, dst, src);
}
/// A row norm of a bf16 input stage (tile-inputs-16bit).
__device__ inline void row_l2norm(Block &blk, const Tile &dst, const Tile16 &src) {
  row_l2norm_of(blk, dst, src);
}

/// dst(i, 0) = 1 / ||row i of src|| (l2norm's factor, by inverse_norm as
/// row_l2norm's; its sums lane by lane, so rows of 128 may differ from
/// row_l2norm's float4 sums in the last bits); src fp32 or a bf16 input
/// stage. A warp per row, lanes over columns. Rows of 128 (the head
/// dimension): a warp's rows all at once, eight in flight, their loads and
/// shuffles interleaved (one row at a time, each row's loads and five
/// dependent shuffles ran in turn: H200 op profile, GDN, 2.4 K cycles per
/// call); the same sums in the same order, so the same values.
// 1 (default; level with 0 alone on an H100, part of GDN's 5% with the
// decay mask's columns and inlined copies: session 15); 0: one row at a time.
#ifndef LINAC_ROW_INV_NORM_ROWS
#define LINAC_ROW_INV_NORM_ROWS 1
#endif
template <class T> __device__ __forceinline__ void row_inv_norm_of(Block &blk, const Tile &dst, const T &src) {
  LINAC_CONSUMERS_ONLY;
  int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int warps = consumer_threads() / 32;
  if (LINAC_ROW_INV_NORM_ROWS && src.cols == 128) {
    constexpr int kRows = 8;
    for (int i0 = warp; i0 < src.rows; i0 += kRows * warps) {
      float ss[kRows];
#pragma unroll
      for (int u = 0; u < kRows; ++u) {
        const int i = i0 + u * warps;
        ss[u] = 0.0f;
        if (i < src.rows) {
          float x[4];
#pragma unroll
          for (int m = 0; m < 4; ++m)
            x[m] = row_value(src, i, lane + 32 * m);
#pragma unroll
          for (int m = 0; m < 4; ++m)
            ss[u] += x[m] * x[m];
        }
      }
#pragma unroll
      for (int o = 16; o > 0; o >>= 1)
#pragma unroll
        for (int u = 0; u < kRows; ++u)
          ss[u] += __shfl_xor_sync(0xffffffffu, ss[u], o);
#pragma unroll
      for (int u = 0; u < kRows; ++u) {
        const int i = i0 + u * warps;
        if (lane == 0 && i < src.rows)
          dst.at(i, 0) = inverse_norm(ss[u]);
      }
    }
    end_step(blk);
    return;
  }
  for (int i = warp; i < src.rows; i += warps) {
    float ss = 0;
    for (int j = lane; j < src.cols; j += 32)
      ss += row_value(src, i, j) * row_value(src, i, j);
    ss = warp_sum(ss);
    if (lane == 0)
      dst.at(i, 0) = inverse_norm(ss);
  }
  end_step(blk);
}
__device__ inline void row_inv_norm(Block &blk, const Tile &dst, const Tile &src) {
  row_inv_norm_of(blk, dst, src);
}
__device__ inline void row_inv_norm(Block &blk, const Tile &dst, const Tile16 &src) {
  row_inv_norm_of(blk, dst, src);
}

__device__ inline void row_dot(Block &blk, const Tile &dst, const Tile &a,
                               const Tile &b) {
  LINAC_CONSUMERS_ONLY;
  int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  for (int i = warp; i < a.rows; i += consumer_threads() / 32) {
    float acc = 0;
    for (int j = lane; j < a.cols; j += 32)
      acc += a.at(i, j) * b.at(i, j);
    acc = warp_sum(acc);
    if (lane == 0)
      dst.at(i, 0) = acc;
  }
  end_step(blk);
}

__device__ inline void cumsum(Block &blk, const Tile &dst, const Tile &src,
                              bool exclusive) {
  LINAC_CONSUMERS_ONLY;
  if (src.cols == 1 && src.rows <= 64) {
    // A chunk's scalar gates: one warp, two rows per lane, a shuffle scan
    // over the lanes' pair sums (every load before any store: dst may be
    // src).
    if (threadIdx.x < 32) {
      const int l = static_cast<int>(threadIdx.x), n = src.rows;
      const float a = 2 * l < n ? src.at(2 * l, 0) : 0.0f;
      const float b = 2 * l + 1 < n ? src.at(2 * l + 1, 0) : 0.0f;
      float s = a + b;
#pragma unroll
      for (int o = 1; o < 32; o <<= 1) {
        const float t = __shfl_up_sync(0xffffffffu, s, o);
        if (l >= o)
          s += t;
      }
      float before = __shfl_up_sync(0xffffffffu, s, 1);
      if (l == 0)
        before = 0.0f;
      if (2 * l < n)
        dst.at(2 * l, 0) = exclusive ? before : before + a;
      if (2 * l + 1 < n)
        dst.at(2 * l + 1, 0) = exclusive ? before + a : before + a + b;
    }
    end_step(blk);
    return;
  }
  for (int64_t j = threadIdx.x; j < src.cols; j += consumer_threads()) {
    float acc = 0;
#pragma unroll 8
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
  end_step(blk);
}

__device__ inline void transpose(Block &blk, const Tile &dst, const Tile &src) {
  LINAC_CONSUMERS_ONLY;
  LINAC_FOR_ELEMENTS(src, i, j) { dst.at(j, i) = src.at(i, j); }
  end_step(blk);
}

// ---- matmuls ---------------------------------------------------------------
//
// acc (M x N) = op(a) op(b) (+ acc), op = optional transpose, operands rounded
// to `type`, fp32 accumulation. With bf16/f16/tf32 operands, the tensor
// cores compute it in 64 x 64 output blocks:
//  - every consumer thread stages the operands of one K slice (128 bytes
//    per row: 64 bf16/f16 or 32 tf32 values), rounded as on the cpu target,
//    into the reserved shared area in the core-matrix layout
//    (staged_offset; rows and K beyond the tile are zero);
//  - the first consumer warpgroup multiplies and holds the accumulators
//    (a second one, with 8 consumer warps, only stages);
//  - sm_90a: wgmma.m64n64 (k16, k8 for tf32), A and B read from shared
//    memory through descriptors;
//  - sm_80: per warp, ldmatrix fragments and mma.sync m16n8k16 (m16n8k8 for
//    tf32) over the warp's 16 rows;
//  - both keep the accumulators in registers laid out by acc_coord, loaded
//    from and stored back to the acc tile.
// f32 operands (exact fp32 products) and tiles thinner than one tensor-core
// tile run as SIMT loops.

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

/// mma_simt's 4 x 4 form: 8 operand loads per 16 multiply-adds instead of
/// 2 per 1 (the sequence split's fp32 combine, 128 x 128 x 128 per
/// segment, took 134 us per segment one output at a time, 44 us so on an
/// H200). Each output sums over l in the same order as the plain form: the
/// same values (tile_primitives.cu checks them bit for bit). Out of line:
/// inlined, its 16 accumulators made GDN's small-shape kernel spill 488
/// bytes (4 without). Out of line the combine took 0.46-0.47 ms on an H200
/// against 0.36 inlined (another machine); the transposes as template
/// arguments (constants in the inner loop) made no difference.
__device__ __noinline__ void mma_simt_blocked(const Tile acc, const Tile a, const Tile b,
                                              bool ta, bool tb, bool accumulate,
                                              Operand type, bool subtract) {
  // subtract: acc = -((-acc) + a b), the negations exact.
  const float sign = subtract ? -1.0f : 1.0f;
  const int k = static_cast<int>(ta ? a.rows : a.cols);
  const Tile quads{nullptr, acc.rows / 4, acc.cols / 4, 0};
  LINAC_FOR_ELEMENTS(quads, qi, qj) {
    const int i0 = 4 * qi, j0 = 4 * qj;
    float s[4][4];
#pragma unroll
    for (int r = 0; r < 4; ++r)
#pragma unroll
      for (int c = 0; c < 4; ++c)
        s[r][c] = accumulate ? sign * acc.at(i0 + r, j0 + c) : 0.0f;
    for (int l = 0; l < k; ++l) {
      float x[4], y[4];
#pragma unroll
      for (int r = 0; r < 4; ++r)
        x[r] = round_operand(ta ? a.at(l, i0 + r) : a.at(i0 + r, l), type);
#pragma unroll
      for (int c = 0; c < 4; ++c)
        y[c] = round_operand(tb ? b.at(j0 + c, l) : b.at(l, j0 + c), type);
#pragma unroll
      for (int r = 0; r < 4; ++r)
#pragma unroll
        for (int c = 0; c < 4; ++c)
          s[r][c] += x[r] * y[c];
    }
#pragma unroll
    for (int r = 0; r < 4; ++r)
#pragma unroll
      for (int c = 0; c < 4; ++c)
        acc.at(i0 + r, j0 + c) = sign * s[r][c];
  }
}

__device__ inline void mma_simt(const Tile &acc, const Tile &a, const Tile &b,
                                bool ta, bool tb, bool accumulate,
                                Operand type, bool subtract) {
  sync_consumers();
  if (acc.rows % 4 == 0 && acc.cols % 4 == 0) {
    mma_simt_blocked(acc, a, b, ta, tb, accumulate, type, subtract);
  } else {
    const int k = static_cast<int>(ta ? a.rows : a.cols);
    const float sign = subtract ? -1.0f : 1.0f;
    LINAC_FOR_ELEMENTS(acc, i, j) {
      float s = accumulate ? sign * acc.at(i, j) : 0.0f;
      for (int l = 0; l < k; ++l)
        s += round_operand(ta ? a.at(l, i) : a.at(i, l), type) *
             round_operand(tb ? b.at(j, l) : b.at(l, j), type);
      acc.at(i, j) = sign * s;
    }
  }
  sync_consumers();
}

#if __CUDA_ARCH__ >= 800
#define LINAC_TENSOR_CORES 1

/// Two values as a bf16x2 / f16x2 word (lo in the low half), rounded as
/// stage_operand says.
__device__ inline unsigned pack_operands(float lo, float hi, Operand type) {
  if (type == Operand::bf16)
    return bf16_pair(lo, hi);
  lo = round_operand(lo, type);
  hi = round_operand(hi, type);
  unsigned packed;
  asm("cvt.rn.f16x2.f32 %0, %1, %2;" : "=r"(packed) : "f"(hi), "f"(lo));
  return packed;
}

/// Whether the 64 x 64 bf16/f16 slice (rows [r0, r0+64) of `rows`, K values
/// [k0, k0+64) of `ks`) lies wholly inside the operand, whose rows start
/// 16-byte aligned: stage_full_slice applies (r0 and k0 are multiples of 64).
__device__ inline bool full_slice(const Tile &t, int64_t r0, int64_t rows,
                                  int64_t k0, int64_t ks, Operand type) {
  return type != Operand::tf32 && r0 + kMmaBlock <= rows && k0 + 64 <= ks &&
         t.ld % 4 == 0 && aligned16(t.p);
}

/// stage_operand for a full_slice. Tiles mostly sit in shared memory,
/// rows 512 bytes apart at K = 128, so the lanes of each quarter warp
/// (8 lanes: one shared-memory wavefront) are spread over the banks:
///  - not transposed, x(r, k) = t(r0 + r, k0 + k): a thread takes 8 K
///    values of one row (two float4 loads, one 16-byte store: a row of a
///    core matrix); the 8 lanes of a quarter warp take 8 consecutive rows
///    at K chunks rotated by the row (loads 2-way at worst, stores, which
///    then fill one core-matrix position each, conflict free);
///  - transposed, x(r, k) = t(k0 + k, r0 + r): a thread takes 4 values of r
///    (a float4 along t's row) at 4 consecutive K (four loads, four 8-byte
///    stores); the 8 lanes of a quarter warp take 8 consecutive float4 of
///    one row of t (loads conflict free).
__device__ __forceinline__ void stage_full_slice_inline(char *dst, const Tile t, bool trans,
                                                       int r0, int k0, Operand type, int lane,
                                                       int lanes) {
  if (!trans) { // 64 rows x 8 chunks of 8 K values
    for (int base = lane; base < kMmaBlock * 8; base += 2 * lanes) {
      float4 v[2][2];
      int r[2], kc[2];
#pragma unroll
      for (int u = 0; u < 2; ++u) {
        int idx = base + u * lanes, g8 = idx & 7, grp = idx >> 3;
        r[u] = (grp >> 3) * 8 + g8;
        kc[u] = (g8 + grp) & 7;
        if (idx < kMmaBlock * 8) {
          const float4 *src = reinterpret_cast<const float4 *>(&t.at(r0 + r[u], k0 + 8 * kc[u]));
          v[u][0] = src[0];
          v[u][1] = src[1];
        }
      }
#pragma unroll
      for (int u = 0; u < 2; ++u)
        if (base + u * lanes < kMmaBlock * 8)
          *reinterpret_cast<uint4 *>(dst + staged_offset(r[u], 16 * kc[u])) =
              make_uint4(pack_operands(v[u][0].x, v[u][0].y, type),
                         pack_operands(v[u][0].z, v[u][0].w, type),
                         pack_operands(v[u][1].x, v[u][1].y, type),
                         pack_operands(v[u][1].z, v[u][1].w, type));
    }
    return;
  }
  // 16 quads of r x 16 groups of 4 K values.
  for (int idx = lane; idx < 16 * 16; idx += lanes) {
    int rq = idx & 15, kq = idx >> 4;
    float4 v[4];
#pragma unroll
    for (int u = 0; u < 4; ++u)
      v[u] = *reinterpret_cast<const float4 *>(&t.at(k0 + 4 * kq + u, r0 + 4 * rq));
    const uint2 w0 = make_uint2(pack_operands(v[0].x, v[1].x, type), pack_operands(v[2].x, v[3].x, type)),
                w1 = make_uint2(pack_operands(v[0].y, v[1].y, type), pack_operands(v[2].y, v[3].y, type)),
                w2 = make_uint2(pack_operands(v[0].z, v[1].z, type), pack_operands(v[2].z, v[3].z, type)),
                w3 = make_uint2(pack_operands(v[0].w, v[1].w, type), pack_operands(v[2].w, v[3].w, type));
    // Rows 4rq..4rq+3, in an order rotated by rq / 2: at each store the 8
    // lanes of a quarter warp write 8 different rows of their core
    // matrices (different banks).
    const int rot = rq >> 1;
#pragma unroll
    for (int u = 0; u < 4; ++u) {
      const int i = (u + rot) & 3;
      const uint2 w = i == 0 ? w0 : i == 1 ? w1 : i == 2 ? w2 : w3;
      *reinterpret_cast<uint2 *>(dst + staged_offset(4 * rq + i, 8 * kq)) = w;
    }
  }
}

/// stage_full_slice_inline, one copy for every call site of the tile path
/// (its registers are the callee's, not the kernel body's).
__device__ __noinline__ void stage_full_slice(char *dst, const Tile t, bool trans, int r0,
                                              int k0, Operand type, int lane, int lanes) {
  stage_full_slice_inline(dst, t, trans, r0, k0, type, lane, lanes);
}

/// Stages rows [r0, r0+64) x K values [k0, k0+perRow) of the K-major view
/// of an operand (x(row, k) = trans ? t.at(k, row) : t.at(row, k)), rounded
/// to nearest even as on the cpu target (cvt.rn for bf16 and f16; for
/// bf16 that is round_operand exactly, f16 keeps round_operand first so
/// that values outside its range round as the cpu target rounds them).
/// Whole aligned slices go by float4 (stage_full_slice); otherwise
/// consecutive threads take consecutive K pairs of a row (one 32-bit store
/// each); rows hold a power of two of values, so (r, k) are a shift and a
/// mask.
__device__ inline void stage_operand_elements(char *dst, const Tile &t, bool trans,
                                              int64_t r0, int64_t rows, int64_t k0,
                                              int64_t ks, Operand type, int lane, int lanes) {
  auto x = [&](int r, int k) {
    return r0 + r < rows && k0 + k < ks
               ? (trans ? t.at(k0 + k, r0 + r) : t.at(r0 + r, k0 + k))
               : 0.0f;
  };
  if (type == Operand::tf32) { // 32 values of 4 bytes per row
    for (int idx = lane; idx < kMmaBlock * 32; idx += lanes) {
      int r = idx >> 5, k = idx & 31;
      *reinterpret_cast<float *>(dst + staged_offset(r, 4 * k)) =
          round_operand(x(r, k), type);
    }
    return;
  }
  for (int idx = lane; idx < kMmaBlock * 32; idx += lanes) {
    int r = idx >> 5, k = 2 * (idx & 31); // 64 values of 2 bytes per row
    *reinterpret_cast<unsigned *>(dst + staged_offset(r, 2 * k)) =
        pack_operands(x(r, k), x(r, k + 1), type);
  }
}
__device__ inline void stage_operand(char *dst, const Tile &t, bool trans,
                                     int64_t r0, int64_t rows, int64_t k0,
                                     int64_t ks, Operand type, const MmaTeam &team) {
  if (full_slice(t, r0, rows, k0, ks, type))
    return stage_full_slice(dst, t, trans, static_cast<int>(r0), static_cast<int>(k0), type,
                            team.lane, team.lanes);
  stage_operand_elements(dst, t, trans, r0, rows, k0, ks, type, team.lane, team.lanes);
}

__device__ inline unsigned shared_address(const void *p) {
  return static_cast<unsigned>(__cvta_generic_to_shared(p));
}

/// d += A B over one staged K slice, per warp of the calling warpgroup:
/// its 16 rows of A against all 64 rows of B^T, by ldmatrix and mma.sync
/// (`tid`: the thread's index in its warpgroup). The accumulators are laid
/// out as wgmma's (acc_coord), so both read the same staged slice.
__device__ __forceinline__ void mma_slice_sync(float (&d)[32], const char *sa, const char *sb,
                                               Operand type, int tid) {
  int w = tid / 32, l = tid % 32;
#pragma unroll
  for (int s = 0; s < 4; ++s) { // 32 bytes of K per step
    unsigned a0, a1, a2, a3;
    // Lanes 8i..8i+7 address the rows of matrix i: rows 0-7 / 8-15 of the
    // warp's 16 at K bytes 32s / 32s+16.
    const char *pa = sa + staged_offset(16 * w + (l / 8 % 2) * 8 + l % 8,
                                        32 * s + 16 * (l / 16));
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(a0), "=r"(a1), "=r"(a2), "=r"(a3)
                 : "r"(shared_address(pa)));
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      unsigned b0, b1;
      const char *pb = sb + staged_offset(8 * j + l % 8, 32 * s + 16 * (l / 8 % 2));
      asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0, %1}, [%2];\n"
                   : "=r"(b0), "=r"(b1)
                   : "r"(shared_address(pb)));
      float *c = d + 4 * j;
      if (type == Operand::bf16)
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
                     "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                     : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                     : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
      else if (type == Operand::f16)
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 "
                     "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                     : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                     : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
      else // tf32: the same 8x8 matrices, read as 32-bit words, are the k8 fragments
        asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 "
                     "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                     : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                     : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
    }
  }
}

/// 1: no wgmma serialised by ptxas (C7520, C7510) in kernels whose
/// fragments split evenly between the warpgroups (split=head; not a
/// 64 x 64 fragment of vtile=64, one warpgroup idle): the fragment path's
/// owner test is a bound known at compile time, and mma_block (called out
/// of line) multiplies by mma.sync (test/gpu/wgmma-pipelined.test). Off by
/// default: with frag=192 the kernels then spill more and ran slower; with
/// frag=128 they spill less than today's default (GDN 616 bytes of stores
/// against 932) but ran no faster than it (H200: GDN 4.05 vs 4.02 ms, KDA
/// 8.77 vs 8.85; bench/results/bench-h200.md):
///   bench/variant.sh gdn_8x4096x16 pipe --define LINAC_WGMMA_PIPELINED=1 --config frag=128
#ifndef LINAC_WGMMA_PIPELINED
#define LINAC_WGMMA_PIPELINED 0
#endif

#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define LINAC_MMA_PATH "wgmma"

/// A shared-memory matrix descriptor for the staged layout: start address,
/// leading byte offset 128, stride byte offset 1024, no swizzle.
__device__ inline unsigned long long wgmma_descriptor(const char *p) {
  unsigned long long addr = shared_address(p);
  return ((addr & 0x3FFFF) >> 4) | (static_cast<unsigned long long>(128 >> 4) << 16) |
         (static_cast<unsigned long long>(1024 >> 4) << 32);
}

#define LINAC_WGMMA_D                                                          \
  "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, "    \
  "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, " \
  "%31}"
#define LINAC_WGMMA_REGS(d)                                                    \
  "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]),      \
      "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]),             \
      "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),         \
      "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]),         \
      "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]),         \
      "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]),         \
      "+f"(d[31])

/// Four wgmma instructions over one staged K slice: 32 bytes of K each,
/// two core matrices, so the descriptors advance by 256 bytes.
#define LINAC_WGMMA_SLICE(instr, tail)                                         \
  _Pragma("unroll") for (int s = 0; s < 4; ++s) {                              \
    unsigned long long da = wgmma_descriptor(sa + 256 * s),                    \
                       db = wgmma_descriptor(sb + 256 * s);                    \
    asm volatile(instr " " LINAC_WGMMA_D ", %32, %33, " tail ";\n"             \
                 : LINAC_WGMMA_REGS(d)                                         \
                 : "l"(da), "l"(db));                                          \
  }

/// d += A B over one staged K slice (64 rows of A, 64 rows of B^T) by the
/// calling warpgroup, after the stage was made visible to it; `tid` is the
/// thread's index in its warpgroup.
/// mma_slice_issue's wgmmas run between mma_issue_begin (the accumulators'
/// registers are fenced) and mma_issue_end (committed and waited for), so
/// that several slices and accumulators may be in flight at once.
__device__ __forceinline__ void mma_issue_begin() {
  asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
}
__device__ __forceinline__ void mma_issue_end() {
  asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
  asm volatile("wgmma.wait_group.sync.aligned 0;\n" ::: "memory");
}
__device__ __forceinline__ void mma_slice_issue(float (&d)[32], const char *sa, const char *sb,
                                                Operand type, int tid) {
  (void)tid;
  if (type == Operand::bf16) {
    LINAC_WGMMA_SLICE("wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16", "1, 1, 1, 0, 0")
  } else if (type == Operand::f16) {
    LINAC_WGMMA_SLICE("wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16", "1, 1, 1, 0, 0")
  } else {
    LINAC_WGMMA_SLICE("wgmma.mma_async.sync.aligned.m64n64k8.f32.tf32.tf32", "1, 1, 1")
  }
}
__device__ __forceinline__ void mma_slice_compute(float (&d)[32], const char *sa,
                                                  const char *sb, Operand type, int tid) {
  mma_issue_begin();
  mma_slice_issue(d, sa, sb, type, tid);
  mma_issue_end();
}

/// The staging stores are generic-proxy writes the tensor cores read.
__device__ inline void mma_stage_fence() {
  asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
}

#else
#define LINAC_MMA_PATH "mma.sync"

/// Synchronous: the issue brackets are empty.
__device__ __forceinline__ void mma_issue_begin() {}
__device__ __forceinline__ void mma_issue_end() {}
__device__ __forceinline__ void mma_slice_issue(float (&d)[32], const char *sa,
                                                const char *sb, Operand type, int tid) {
  mma_slice_sync(d, sa, sb, type, tid);
}
__device__ __forceinline__ void mma_slice_compute(float (&d)[32], const char *sa,
                                                  const char *sb, Operand type, int tid) {
  mma_slice_sync(d, sa, sb, type, tid);
}

__device__ inline void mma_stage_fence() {} // ldmatrix reads through the generic proxy
#endif // sm_90a

/// d += A B over one staged K slice (64 rows of A, 64 rows of B^T); the
/// team's computing warpgroup multiplies.
__device__ inline void mma_slice(float (&d)[32], const char *sa, const char *sb,
                                 Operand type, const MmaTeam &team) {
  if (!LINAC_WGMMA_PIPELINED)
    mma_stage_fence();
  sync_team(team);
  if (!team.computes)
    return;
  if (LINAC_WGMMA_PIPELINED) // mma_block is called: no wgmma in it (C7510)
    mma_slice_sync(d, sa, sb, type, team.lane % kWarpgroupThreads);
  else
    mma_slice_compute(d, sa, sb, type, team.lane % kWarpgroupThreads);
}

/// One 64 x 64 block of acc: registers in, K slices staged and multiplied,
/// registers out, by `team` in its staging area `stage`.
__device__ __noinline__ void mma_block(char *stage, const Tile acc, const Tile a,
                                 const Tile b, bool ta, bool tb,
                                 bool accumulate, Operand type, int64_t m0,
                                 int64_t n0, const MmaTeam team, bool subtract = false) {
  // subtract: acc = -((-acc) + a b), the negations exact.
  const float sign = subtract ? -1.0f : 1.0f;
  int64_t M = acc.rows, N = acc.cols, Kc = ta ? a.rows : a.cols;
  int tid = team.lane % kWarpgroupThreads;
  bool computes = team.computes;
  // A whole block with 8-byte aligned rows: accumulator pairs (registers
  // 2p, 2p+1 are columns col, col+1 of one row) move as float2.
  bool pairs = m0 + kMmaBlock <= M && n0 + kMmaBlock <= N && acc.ld % 2 == 0 &&
               (reinterpret_cast<unsigned long long>(acc.p) & 7) == 0;
  float d[32];
#pragma unroll
  for (int r = 0; r < 32; r += 2) {
    int row, col;
    acc_coord(tid, r, row, col);
    float2 v = make_float2(0.0f, 0.0f);
    if (computes && accumulate) {
      if (pairs) {
        v = *reinterpret_cast<const float2 *>(&acc.at(m0 + row, n0 + col));
      } else if (m0 + row < M) {
        v.x = n0 + col < N ? acc.at(m0 + row, n0 + col) : 0.0f;
        v.y = n0 + col + 1 < N ? acc.at(m0 + row, n0 + col + 1) : 0.0f;
      }
    }
    d[r] = sign * v.x;
    d[r + 1] = sign * v.y;
  }
  char *sa = stage, *sb = stage + kMmaOperandBytes;
  int64_t perRow = type == Operand::tf32 ? 32 : 64;
  for (int64_t k0 = 0; k0 < Kc; k0 += perRow) {
    sync_team(team); // the previous slice's readers are done with the stage
    // A as rows of M (K-major: a, or a^T), B as rows of N (b^T, or b).
    stage_operand(sa, a, ta, m0, M, k0, Kc, type, team);
    stage_operand(sb, b, !tb, n0, N, k0, Kc, type, team);
    mma_slice(d, sa, sb, type, team);
  }
  // Every operand read before acc (which a or b may view) changes; a team
  // of one warpgroup only runs when acc overlaps neither.
  if (team.barrier == 0)
    sync_consumers();
  if (!computes)
    return;
#pragma unroll
  for (int r = 0; r < 32; r += 2) {
    int row, col;
    acc_coord(tid, r, row, col);
    if (pairs) {
      *reinterpret_cast<float2 *>(&acc.at(m0 + row, n0 + col)) =
          make_float2(sign * d[r], sign * d[r + 1]);
    } else if (m0 + row < M) {
      if (n0 + col < N)
        acc.at(m0 + row, n0 + col) = sign * d[r];
      if (n0 + col + 1 < N)
        acc.at(m0 + row, n0 + col + 1) = sign * d[r + 1];
    }
  }
}
#endif // __CUDA_ARCH__ >= 800

/// What mma_rounds stores of an accumulator at (i, j) of acc: the value
/// itself, or (MaskEpilogue) the value a mask right after the matmul would
/// leave there.
struct NoEpilogue {
  __device__ __forceinline__ float operator()(int, int, float v) const { return v; }
};
/// subtract (with accumulate): acc -= op(a) op(b), as -((-acc) + op(a) op(b)).
template <class D, class A, class B, class Epi = NoEpilogue>
__device__ __forceinline__ void mma_rounds(Block &blk, D &&acc, const A &a, const B &b, bool ta,
                                           bool tb, bool accumulate, Operand type,
                                           bool subtract = false, const Epi &epi = Epi{});
#ifdef LINAC_TENSOR_CORES
__device__ __noinline__ void mma_tile_rounds(Block &blk, const Tile acc, const Tile a,
                                             const Tile b, bool ta, bool tb, bool accumulate,
                                             Operand type, bool subtract);
#endif

__device__ inline void mma(Block &blk, const Tile &acc, const Tile &a,
                           const Tile &b, bool ta, bool tb, bool accumulate,
                           Operand type, bool subtract = false) {
  LINAC_CONSUMERS_ONLY;
  if (subtract && !accumulate) {
    blk.L.fail(); // subtracts only from an accumulator it reads
    return;
  }
#ifdef LINAC_TENSOR_CORES
  int64_t Kc = ta ? a.rows : a.cols;
  // Whole 64 x 64 blocks of 16-bit operands, the output apart from both
  // operands: the round-robin path of the fragments (below), which every
  // consumer stages for both warpgroups (measured 3x faster than a
  // warpgroup staging its own block: bench/primitive_cycles.cu). Inline
  // on sm_90a (a call to a function with wgmmas in it serialises the
  // calling kernel's wgmmas: ptxas C7510), out of line (one copy) on sm_80,
  // where inline it adds spills to kernels that never take it.
  if ((type == Operand::bf16 || type == Operand::f16) && acc.rows % kMmaBlock == 0 &&
      acc.cols % kMmaBlock == 0 && Kc % kMmaBlock == 0 && !overlaps(acc, a) &&
      !overlaps(acc, b)) {
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
    mma_rounds(blk, acc, a, b, ta, tb, accumulate, type, subtract);
#else
    mma_tile_rounds(blk, acc, a, b, ta, tb, accumulate, type, subtract);
#endif
    return;
  }
  if (type != Operand::f32 && consumer_threads() >= kWarpgroupThreads && acc.rows >= 16 &&
      acc.cols >= 8 && Kc >= 8) {
    int64_t blocksN = (acc.cols + kMmaBlock - 1) / kMmaBlock;
    int64_t blocks = (acc.rows + kMmaBlock - 1) / kMmaBlock * blocksN;
    if (consumer_threads() == kMmaStagingAreas * kWarpgroupThreads && blocks > 1 &&
        !overlaps(acc, a) && !overlaps(acc, b)) {
      // Two warpgroups take turns over the output blocks, each in its own
      // staging area.
      int g = static_cast<int>(threadIdx.x) / kWarpgroupThreads;
      char *stage = linacSharedMemory + g * 2 * kMmaOperandBytes;
      for (int64_t i = g; i < blocks; i += kMmaStagingAreas)
        mma_block(stage, acc, a, b, ta, tb, accumulate, type, i / blocksN * kMmaBlock,
                  i % blocksN * kMmaBlock, warpgroup_team(g), subtract);
    } else {
      for (int64_t m0 = 0; m0 < acc.rows; m0 += kMmaBlock)
        for (int64_t n0 = 0; n0 < acc.cols; n0 += kMmaBlock)
          mma_block(linacSharedMemory, acc, a, b, ta, tb, accumulate, type, m0, n0,
                    consumer_team(), subtract);
    }
    sync_consumers();
    return;
  }
#endif
  (void)blk;
  mma_simt(acc, a, b, ta, tb, accumulate, type, subtract);
}
// ---- fragments: register tiles held in registers ------------------------------
//
// A Frag<R, C, W> is an R x C fp32 register tile (R and C multiples of 64)
// that lives in the registers of the W consumer warpgroups instead of the
// block's scratch: its 64 x 64 blocks, numbered row-major, go round robin
// to the warpgroups (block b to warpgroup b % W, slot b / W), and inside a
// block each thread holds 32 values where acc_coord says, the layout the
// tensor cores accumulate in. tile-place-fragments chooses which tiles are
// fragments and uses them only in the ops below, which the emitted code
// calls with the same arguments as for tiles in memory:
//  - element-wise ops, fill and mask_rows: every thread on its own values
//    (memory operands read with broadcasting), no barrier unless memory
//    is read or written;
//  - mma with any operand a fragment: output blocks in rounds of one per
//    warpgroup, every consumer staging the K slices of every warpgroup's
//    block (fragment values by their owners), each warpgroup multiplying
//    into its own accumulators, which for a fragment acc are its registers;
//  - load_state, store_state, store_rows: straight between registers and
//    global memory.
// Slot indices are compile-time constants after unrolling, so the values
// stay in registers; which slots a thread owns depends on its warpgroup.

template <int R, int C, int W> struct Frag {
  static_assert(R % kMmaBlock == 0 && C % kMmaBlock == 0, "fragments are whole 64 x 64 blocks");
  static_assert(W >= 1 && W <= kMmaStagingAreas, "one or two consumer warpgroups");
  static constexpr int kRows = R, kCols = C, kGroups = W;
  static constexpr int kBlocksN = C / kMmaBlock;
  static constexpr int kBlocks = R / kMmaBlock * kBlocksN;
  static constexpr int kSlots = (kBlocks + W - 1) / W;
  float v[kSlots][32];
};

/// Every value of a fragment negated in place (mma `subtract`).
template <class F> __device__ __forceinline__ void frag_negate(F &f) {
#pragma unroll
  for (int s = 0; s < F::kSlots; ++s)
#pragma unroll
    for (int r = 0; r < 32; ++r)
      f.v[s][r] = -f.v[s][r];
}

template <class T> struct FragTraits { static constexpr bool value = false; };
template <int R, int C, int W> struct FragTraits<Frag<R, C, W>> {
  static constexpr bool value = true;
};
/// A register tile whose columns the warps own (tile-own-columns): warp w
/// of W holds columns [w C/W, (w + 1) C/W) of every row, as the m16n8
/// accumulators of the transpose (own_coord), in m16 tiles of 16 columns
/// and n8 tiles of 8 rows. Ops on it touch only the warp's own values and
/// read shared tiles that only copies write, so they need no barrier.
template <int R, int C, int W> struct OwnFrag {
  static_assert(C % (16 * W) == 0 && R % 16 == 0,
                "an owned tile is 16-column blocks per warp and 16-row blocks");
  static constexpr int kRows = R, kCols = C, kWarps = W;
  static constexpr int kOwnCols = C / W, kMt = kOwnCols / 16, kNt = R / 8;
  float d[kMt][kNt][4];
};
template <class T> struct OwnTraits { static constexpr bool value = false; };
template <int R, int C, int W> struct OwnTraits<OwnFrag<R, C, W>> {
  static constexpr bool value = true;
};
template <class T> struct Bare { using type = T; };
template <class T> struct Bare<T &> { using type = T; };
template <class T> struct Bare<const T> { using type = T; };
template <class T> struct Bare<const T &> { using type = T; };
template <class T> constexpr bool kIsFrag = FragTraits<typename Bare<T>::type>::value;
template <class T> constexpr bool kIsOwn = OwnTraits<typename Bare<T>::type>::value;
template <bool B, class T = void> struct EnableIf {};
template <class T> struct EnableIf<true, T> { using type = T; };
template <class T, class U> constexpr bool kSame = false;
template <class T> constexpr bool kSame<T, T> = true;
template <bool B, class T, class F> struct Choose { using type = T; };
template <class T, class F> struct Choose<false, T, F> { using type = F; };
/// The layout an op over fragments iterates: its first fragment operand's.
template <class A, class B, class C> struct LeadFrag {
  using type = typename Choose<kIsFrag<A>, typename Bare<A>::type,
                               typename Choose<kIsFrag<B>, typename Bare<B>::type,
                                               typename Bare<C>::type>::type>::type;
};

__device__ __forceinline__ int frag_group() { return static_cast<int>(threadIdx.x) / kWarpgroupThreads; }

/// fn(slot, first row, first column) for every 64 x 64 block this thread's
/// warpgroup holds of a fragment laid out as F.
template <class F, class Fn> __device__ __forceinline__ void frag_visit_blocks(Fn &&fn) {
  const int g = frag_group();
#pragma unroll
  for (int s = 0; s < F::kSlots; ++s) {
    const int b = s * F::kGroups + g;
    if (b >= F::kBlocks)
      continue;
    fn(s, b / F::kBlocksN * kMmaBlock, b % F::kBlocksN * kMmaBlock);
  }
}
/// fn(slot, register, row, col) for every value this thread holds of a
/// fragment laid out as F.
template <class F, class Fn> __device__ __forceinline__ void frag_visit(Fn &&fn) {
  const int t = static_cast<int>(threadIdx.x) % kWarpgroupThreads;
  frag_visit_blocks<F>([&](int s, int r0, int c0) {
#pragma unroll
    for (int r = 0; r < 32; ++r) {
      int row, col;
      acc_coord(t, r, row, col);
      fn(s, r, r0 + row, c0 + col);
    }
  });
}

template <int R, int C, int W>
__device__ __forceinline__ float frag_get(const Frag<R, C, W> &f, int s, int r, int, int) {
  return f.v[s][r];
}
__device__ __forceinline__ float frag_get(const Tile &t, int, int, int i, int j) {
  return t.get(i, j);
}
__device__ __forceinline__ float frag_get(const Tile16 &t, int, int, int i, int j) {
  return get16(t, i, j);
}
template <int R, int C, int W>
__device__ __forceinline__ void frag_set(Frag<R, C, W> &f, int s, int r, int, int, float x) {
  f.v[s][r] = x;
}
__device__ __forceinline__ void frag_set(const Tile &t, int, int, int i, int j, float x) {
  t.at(i, j) = x;
}
__device__ __forceinline__ void frag_set(const Tile16 &t, int, int, int i, int j, float x) {
  t.at(i, j) = to_bf16(x);
}
// 1: element-wise ops on fragments read and write tiles in memory a column
// pair at a time (registers 2p, 2p + 1 are columns j, j + 1 of one row):
// one 8-byte (fp32) or 4-byte (bf16) access instead of two; 0 (default):
// one value at a time. The same values either way. Even on padded rows
// (pad=on, where pairs miss no bank) 0-3% slower (H200, session 21), and so
// were pairs for the whole-block matmuls' accumulators (3-17%: taken out).
#ifndef LINAC_EW_FRAG_PAIRS
#define LINAC_EW_FRAG_PAIRS 0
#endif
template <int R, int C, int W>
__device__ __forceinline__ float2 frag_get2(const Frag<R, C, W> &f, int s, int r, int, int) {
  return make_float2(f.v[s][r], f.v[s][r + 1]);
}
__device__ __forceinline__ float2 frag_get2(const Tile &t, int, int, int i, int j) {
  if (t.cols == 1) {
    const float x = t.get(i, 0);
    return make_float2(x, x);
  }
  if (t.rows != 1 && (t.ld & 1) == 0 && (reinterpret_cast<unsigned long long>(t.p) & 7) == 0)
    return *reinterpret_cast<const float2 *>(&t.at(i, j));
  return make_float2(t.get(i, j), t.get(i, j + 1));
}
__device__ __forceinline__ float2 frag_get2(const Tile16 &t, int, int, int i, int j) {
  if (t.cols == 1) {
    const float x = get16(t, i, 0);
    return make_float2(x, x);
  }
  if (t.rows != 1 && (t.ld & 1) == 0 && (reinterpret_cast<unsigned long long>(t.p) & 3) == 0) {
    const unsigned h = *reinterpret_cast<const unsigned *>(&t.at(i, j));
    return make_float2(__uint_as_float(h << 16), __uint_as_float(h & 0xffff0000u));
  }
  return make_float2(get16(t, i, j), get16(t, i, j + 1));
}
template <int R, int C, int W>
__device__ __forceinline__ void frag_set2(Frag<R, C, W> &f, int s, int r, int, int, float2 x) {
  f.v[s][r] = x.x;
  f.v[s][r + 1] = x.y;
}
__device__ __forceinline__ void frag_set2(const Tile &t, int, int, int i, int j, float2 x) {
  if ((t.ld & 1) == 0 && (reinterpret_cast<unsigned long long>(t.p) & 7) == 0) {
    *reinterpret_cast<float2 *>(&t.at(i, j)) = x;
    return;
  }
  t.at(i, j) = x.x;
  t.at(i, j + 1) = x.y;
}
__device__ __forceinline__ void frag_set2(const Tile16 &t, int, int, int i, int j, float2 x) {
  t.at(i, j) = to_bf16(x.x);
  t.at(i, j + 1) = to_bf16(x.y);
}
template <class T> __device__ __forceinline__ bool overlaps_any(const Tile &, const T &) {
  return false;
}
__device__ __forceinline__ bool overlaps_any(const Tile &x, const Tile &y) { return overlaps(x, y); }
template <class T> __device__ __forceinline__ int rows_of(const T &) { return T::kRows; }
template <class T> __device__ __forceinline__ int cols_of(const T &) { return T::kCols; }
__device__ __forceinline__ int rows_of(const Tile &t) { return t.rows; }
__device__ __forceinline__ int cols_of(const Tile &t) { return t.cols; }
__device__ __forceinline__ int rows_of(const Tile16 &t) { return t.rows; }
__device__ __forceinline__ int cols_of(const Tile16 &t) { return t.cols; }
template <class T> constexpr bool kIsTile16 = kSame<typename Bare<T>::type, Tile16>;

/// A copy into a bf16 tile (the only element-wise op that writes one),
/// rounded to nearest even.
__device__ inline void ew(Block &blk, Ew k, const Tile16 &dst, const Tile &a) {
  LINAC_CONSUMERS_ONLY;
  if (k != Ew::copy) {
    blk.L.fail();
    return;
  }
  LINAC_FOR_ELEMENTS(dst, i, j) { dst.at(i, j) = to_bf16(a.get(i, j)); }
  end_step(blk);
}

/// Element-wise ops reading a bf16 input stage (tile-inputs-16bit) into a
/// tile in memory, no fragment among them: by float4 of dst where the bf16
/// operands are of dst's shape and 8-byte aligned and the others read as in
/// ew_bcast (four bf16 values by one 8-byte load), else element by element;
/// each operand read with broadcasting (bf16 values exactly as floats).
__device__ __forceinline__ float ew_get(const Tile &t, int i, int j) { return t.get(i, j); }
__device__ __forceinline__ float ew_get(const Tile16 &t, int i, int j) { return get16(t, i, j); }
__device__ __forceinline__ bool quad_kind(const Tile &dst, const Tile &t, Bcast &kind) {
  return bcast_kind(dst, t, kind);
}
__device__ __forceinline__ bool quad_kind(const Tile &dst, const Tile16 &t, Bcast &kind) {
  kind = Bcast::full;
  return t.rows == dst.rows && t.cols == dst.cols && t.ld % 4 == 0 &&
         (reinterpret_cast<unsigned long long>(t.p) & 7) == 0;
}
__device__ __forceinline__ float4 fetch4(const Tile16 &t, Bcast, int i, int j) {
  return row_quad(t, i, j / 4); // (j is a multiple of 4)
}
template <Ew K, class A, class B>
__device__ __forceinline__ void ew_quads16(const Tile &dst, const A &a, Bcast ka, const B &b,
                                           Bcast kb) {
  const Tile quads{nullptr, dst.rows, dst.cols / 4, 0};
  LINAC_FOR_LANE_ELEMENTS(quads, i, q, static_cast<int>(threadIdx.x), consumer_threads()) {
    float4 x = fetch4(a, ka, i, 4 * q), y = fetch4(b, kb, i, 4 * q);
    *reinterpret_cast<float4 *>(dst.p + i * dst.ld + 4 * q) = apply_op4<K>(x, y);
  }
}
template <class A, class B>
__device__ __forceinline__ typename EnableIf<(kIsTile16<A> || kIsTile16<B>) && !kIsFrag<A> &&
                                             !kIsFrag<B>>::type
ew(Block &blk, Ew k, const Tile &dst, const A &a, const B &b) {
  LINAC_CONSUMERS_ONLY;
  Bcast ka, kb;
  if (quads4(dst) && quad_kind(dst, a, ka) && quad_kind(dst, b, kb)) {
    switch (k) {
#define LINAC_EW_QUADS16(op)                                                   \
  case Ew::op:                                                                 \
    ew_quads16<Ew::op>(dst, a, ka, b, kb);                                     \
    break;
      LINAC_EW_OPS(LINAC_EW_QUADS16)
#undef LINAC_EW_QUADS16
    }
  } else {
    LINAC_FOR_ELEMENTS(dst, i, j) { dst.at(i, j) = apply(k, ew_get(a, i, j), ew_get(b, i, j)); }
  }
  end_step(blk);
}
__device__ __forceinline__ void ew(Block &blk, Ew k, const Tile &dst, const Tile16 &a) {
  ew(blk, k, dst, a, a);
}

/// Element-wise ops with a fragment among dst and the operands (the others
/// tiles in memory, read with broadcasting). Fragments share one layout, so
/// each thread computes the values it holds; memory written or read ends
/// with a barrier (a later op may overwrite what was read).
template <class D, class A, class B>
__device__ __forceinline__ typename EnableIf<kIsFrag<D> || kIsFrag<A> || kIsFrag<B>>::type
ew(Block &blk, Ew k, D &&dst, const A &a, const B &b) {
  LINAC_CONSUMERS_ONLY;
  using F = typename LeadFrag<D, A, B>::type;
  static_assert((!kIsFrag<D> || kSame<typename Bare<D>::type, F>) &&
                    (!kIsFrag<A> || kSame<typename Bare<A>::type, F>) &&
                    (!kIsFrag<B> || kSame<typename Bare<B>::type, F>),
                "fragment operands of an element-wise op share its layout");
  if (LINAC_EW_FRAG_PAIRS) {
    frag_visit<F>([&](int s, int r, int i, int j) {
      if (r % 2)
        return;
      const float2 x = frag_get2(a, s, r, i, j), y = frag_get2(b, s, r, i, j);
      frag_set2(dst, s, r, i, j, make_float2(apply(k, x.x, y.x), apply(k, x.y, y.y)));
    });
  } else {
    frag_visit<F>([&](int s, int r, int i, int j) {
      frag_set(dst, s, r, i, j, apply(k, frag_get(a, s, r, i, j), frag_get(b, s, r, i, j)));
    });
  }
  if (!kIsFrag<D> || !kIsFrag<A> || !kIsFrag<B>)
    end_step(blk);
}
template <class D, class A>
__device__ __forceinline__ typename EnableIf<kIsFrag<D> || kIsFrag<A>>::type
ew(Block &blk, Ew k, D &&dst, const A &a) {
  ew(blk, k, static_cast<D &&>(dst), a, a);
}

template <int R, int C, int W>
__device__ __forceinline__ void fill(Block &, Frag<R, C, W> &dst, float x) {
  LINAC_CONSUMERS_ONLY;
  frag_visit<Frag<R, C, W>>([&](int s, int r, int, int) { dst.v[s][r] = x; });
}

/// Ones where row == col, zeros elsewhere (a segment map's [I | 0]).
template <int R, int C, int W>
__device__ __forceinline__ void identity(Block &, Frag<R, C, W> &dst) {
  LINAC_CONSUMERS_ONLY;
  frag_visit<Frag<R, C, W>>([&](int s, int r, int i, int j) { dst.v[s][r] = i == j ? 1.0f : 0.0f; });
}

/// Zeroes rows [valid, R).
template <int R, int C, int W>
__device__ __forceinline__ void mask_rows(Block &, Frag<R, C, W> &dst, int64_t valid) {
  LINAC_CONSUMERS_ONLY;
  const int first = valid < 0 ? 0 : valid > R ? R : static_cast<int>(valid);
  // A full chunk (every chunk but a sequence's last) masks nothing: its
  // values (some of them spilled) are not touched at all.
  if (first >= R)
    return;
  frag_visit<Frag<R, C, W>>([&](int s, int r, int i, int) {
    if (i >= first)
      dst.v[s][r] = 0.0f;
  });
}

template <int R, int C, int W>
__device__ __forceinline__ void load_state(Block &blk, Frag<R, C, W> &dst, int64_t seq,
                                           int64_t head, int64_t col) {
  LINAC_CONSUMERS_ONLY;
  const float *p = initial_state(blk, seq, head);
  const int64_t V = blk.L.V;
  frag_visit<Frag<R, C, W>>([&](int s, int r, int i, int j) {
    dst.v[s][r] = p ? p[i * V + col + j] : 0.0f;
  });
}

template <int R, int C, int W>
__device__ __forceinline__ void store_state(Block &blk, const Frag<R, C, W> &src, int64_t seq,
                                            int64_t head, int64_t col) {
  LINAC_CONSUMERS_ONLY;
  float *p = final_state(blk, seq, head);
  if (!p)
    return;
  const int64_t V = blk.L.V;
  frag_visit<Frag<R, C, W>>([&](int s, int r, int i, int j) { p[i * V + col + j] = src.v[s][r]; });
}

/// A fragment's rows into bf16 rows (16-byte aligned, stride a multiple of
/// 8) by 16-byte stores: the four lanes of a quad share a row and hold
/// 4-byte pairs of eight consecutive columns per 8-column slab; a 4 x 4
/// transpose of those words among the quad (three shuffles) gives each
/// lane 8 consecutive columns of one of four adjacent slabs, so a warp's
/// store writes 8 rows x 64 whole bytes instead of 8 x 16 (4-byte pairs
/// wrote half sectors, eight per instruction: H200 op profile, GDN's fused
/// kernel, 3.2 K cycles per 64 x 128 output). Rows at or past `valid` are
/// not written (the shuffles run in every lane).
template <int R, int C, int W>
__device__ __forceinline__ void store_rows_frag_wide(const Frag<R, C, W> &src,
                                                     unsigned short *halves, int64_t stride,
                                                     int64_t valid) {
  const int t = static_cast<int>(threadIdx.x) % kWarpgroupThreads;
  const int l = t % 32, q = l % 4, quad = l & ~3;
  // v[x] for a lane-dependent x, by selects (registers cannot be indexed).
  auto pick = [](const unsigned (&v)[4], int x) {
    return x == 0 ? v[0] : x == 1 ? v[1] : x == 2 ? v[2] : v[3];
  };
  frag_visit_blocks<Frag<R, C, W>>([&](int s, int r0, int c0) {
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const int row = r0 + 16 * (t / 32) + l / 4 + 8 * h;
#pragma unroll
      for (int k = 0; k < 2; ++k) {
        // a[x]: this lane's pair of slab 4k + x (registers 4 (4k + x) + 2h, + 1).
        unsigned a[4];
#pragma unroll
        for (int x = 0; x < 4; ++x) {
          const int r = 4 * (4 * k + x) + 2 * h;
          a[x] = pack_operands(src.v[s][r], src.v[s][r + 1], Operand::bf16);
        }
        // Round d: send a[(q + d) & 3], receive lane (q - d) & 3's pair of slab 4k + q.
        unsigned got[4];
        got[0] = pick(a, q);
#pragma unroll
        for (int d = 1; d < 4; ++d)
          got[d] = __shfl_sync(0xffffffffu, pick(a, (q + d) & 3), quad | ((q - d) & 3));
        // Word y of the 16 bytes (columns 2y, 2y + 1) came from lane y: round (q - y) & 3.
        unsigned w[4];
#pragma unroll
        for (int y = 0; y < 4; ++y)
          w[y] = pick(got, (q - y) & 3);
        if (row < valid)
          *reinterpret_cast<uint4 *>(halves + row * stride + c0 + 8 * (4 * k + q)) =
              make_uint4(w[0], w[1], w[2], w[3]);
      }
    }
  });
}

/// Rows [0, valid) of src to rows start + row + i of g, the same checks as
/// for tiles in memory; each thread stores its own values. Like
/// store_state on a fragment, no barrier after: they write only global
/// tensors that no op of the kernel reads back, and read only registers.
template <int R, int C, int W>
__device__ __forceinline__ void store_rows(Block &blk, const Global *g, const Frag<R, C, W> &src,
                                           int64_t start, int64_t row, int64_t valid,
                                           int64_t head, int64_t col) {
  LINAC_CONSUMERS_ONLY;
  int64_t first = start + row;
  if (!rows_inside(g, first, valid, R, head, col, C)) {
    blk.L.fail();
    return;
  }
  // The tensor's fields once: as far as the compiler knows, every store
  // below may write *g, which it would then load again before the next.
  const Global out = *g;
  const int64_t origin = first * out.rowStride + head * out.headStride + col;
  // Registers 2p and 2p + 1 are columns j, j + 1 of one row (acc_coord);
  // j is even, so with bf16 data, even strides and an aligned origin every
  // pair is one aligned 4-byte store (the common case, without the
  // per-pair dtype and alignment tests of store2).
#if __CUDA_ARCH__ >= 800
  unsigned short *halves = static_cast<unsigned short *>(out.data) + origin;
  if (LINAC_STORE_ROWS_WIDE_FRAG && out.dtype == bf16 && out.rowStride % 8 == 0 &&
      (reinterpret_cast<unsigned long long>(halves) & 15) == 0) {
    store_rows_frag_wide(src, halves, out.rowStride, valid);
    return;
  }
  if (out.dtype == bf16 && out.rowStride % 2 == 0 &&
      (reinterpret_cast<unsigned long long>(halves) & 3) == 0) {
    const int64_t stride = out.rowStride;
    frag_visit<Frag<R, C, W>>([&](int s, int r, int i, int j) {
      if (r % 2 == 0 && i < valid)
        *reinterpret_cast<unsigned *>(halves + i * stride + j) =
            pack_operands(src.v[s][r], src.v[s][r + 1], Operand::bf16);
    });
    return;
  }
#else
  (void)origin;
#endif
  frag_visit<Frag<R, C, W>>([&](int s, int r, int i, int j) {
    if (r % 2 == 0 && i < valid)
      out.store2(first + i, head, col + j, src.v[s][r], src.v[s][r + 1]);
  });
}

// ---- owned fragments (tile-own-columns) ------------------------------------

/// fn(mt, nt, r, row, col) for every value this thread holds of F.
template <class F, class Fn> __device__ __forceinline__ void own_visit(Fn &&fn) {
  const int warp = static_cast<int>(threadIdx.x) / 32, lane = static_cast<int>(threadIdx.x) % 32;
#pragma unroll
  for (int mt = 0; mt < F::kMt; ++mt)
#pragma unroll
    for (int nt = 0; nt < F::kNt; ++nt)
#pragma unroll
      for (int r = 0; r < 4; ++r) {
        int i, j;
        own_coord(warp, lane, F::kOwnCols, mt, nt, r, i, j);
        fn(mt, nt, r, i, j);
      }
}

/// Whether the block has the warps an owned tile is laid over (else the
/// launch fails: the kernel was emitted for another block size).
template <class F> __device__ __forceinline__ bool own_layout_ok(Block &blk) {
  if (consumer_threads() == 32 * F::kWarps && !has_roles())
    return true;
  blk.L.fail();
  return false;
}

/// An element-wise operand at (row i, column j) of the tile: the thread's
/// own value of an owned tile, else a shared tile's (broadcast along an
/// extent of 1).
template <int R, int C, int W>
__device__ __forceinline__ float own_get(const OwnFrag<R, C, W> &f, int mt, int nt, int r, int,
                                         int) {
  return f.d[mt][nt][r];
}
__device__ __forceinline__ float own_get(const Tile &t, int, int, int, int i, int j) {
  return t.get(i, j);
}
__device__ __forceinline__ float own_get(const Tile16 &t, int, int, int, int i, int j) {
  const unsigned short h = t.at(t.rows == 1 ? 0 : i, t.cols == 1 ? 0 : j);
  return __uint_as_float(static_cast<unsigned>(h) << 16);
}

/// dst = k(a, b) on an owned tile: each thread its own values, no barrier
/// (the shared operands are read only between the chunk's waits and its
/// closing barrier).
template <int R, int C, int W, class A, class B>
__device__ __forceinline__ void ew(Block &blk, Ew k, OwnFrag<R, C, W> &dst, const A &a,
                                   const B &b) {
  LINAC_CONSUMERS_ONLY;
  using F = OwnFrag<R, C, W>;
  static_assert((!kIsOwn<A> || kSame<typename Bare<A>::type, F>) &&
                    (!kIsOwn<B> || kSame<typename Bare<B>::type, F>),
                "owned operands of an element-wise op share its layout");
  if (!own_layout_ok<F>(blk))
    return;
  own_visit<F>([&](int mt, int nt, int r, int i, int j) {
    dst.d[mt][nt][r] = apply(k, own_get(a, mt, nt, r, i, j), own_get(b, mt, nt, r, i, j));
  });
}
template <int R, int C, int W, class A>
__device__ __forceinline__ void ew(Block &blk, Ew k, OwnFrag<R, C, W> &dst, const A &a) {
  ew(blk, k, dst, a, a);
}

template <int R, int C, int W>
__device__ __forceinline__ void load_state(Block &blk, OwnFrag<R, C, W> &dst, int64_t seq,
                                           int64_t head, int64_t col) {
  LINAC_CONSUMERS_ONLY;
  if (!own_layout_ok<OwnFrag<R, C, W>>(blk))
    return;
  const float *p = initial_state(blk, seq, head);
  const int64_t V = blk.L.V;
  own_visit<OwnFrag<R, C, W>>([&](int mt, int nt, int r, int i, int j) {
    dst.d[mt][nt][r] = p ? p[i * V + col + j] : 0.0f;
  });
}

template <int R, int C, int W>
__device__ __forceinline__ void store_state(Block &blk, const OwnFrag<R, C, W> &src,
                                            int64_t seq, int64_t head, int64_t col) {
  LINAC_CONSUMERS_ONLY;
  if (!own_layout_ok<OwnFrag<R, C, W>>(blk))
    return;
  float *p = final_state(blk, seq, head);
  if (!p)
    return;
  const int64_t V = blk.L.V;
  own_visit<OwnFrag<R, C, W>>([&](int mt, int nt, int r, int i, int j) {
    p[i * V + col + j] = src.d[mt][nt][r];
  });
}

/// load_tile into an owned tile (a segment's start state from the
/// combine's workspace): each thread its own values, no barrier.
template <int R, int C, int W>
__device__ __forceinline__ void load_tile(Block &blk, const Global *g, OwnFrag<R, C, W> &dst,
                                          int64_t seq, int64_t head, int64_t chunk, int64_t col,
                                          int64_t fullCols) {
  LINAC_CONSUMERS_ONLY;
  if (!own_layout_ok<OwnFrag<R, C, W>>(blk))
    return;
  const float *p = slot_columns(blk, g, seq, head, chunk, R, col, C, fullCols);
  if (!p)
    return;
  own_visit<OwnFrag<R, C, W>>([&](int mt, int nt, int r, int i, int j) {
    dst.d[mt][nt][r] = p[i * fullCols + j];
  });
}

/// Rows [0, valid) of src to rows start + row + i of g, the checks of the
/// other store_rows; each thread stores its own values (registers only: no
/// barrier).
template <int R, int C, int W>
__device__ __forceinline__ void store_rows(Block &blk, const Global *g,
                                           const OwnFrag<R, C, W> &src, int64_t start,
                                           int64_t row, int64_t valid, int64_t head,
                                           int64_t col) {
  LINAC_CONSUMERS_ONLY;
  if (!own_layout_ok<OwnFrag<R, C, W>>(blk))
    return;
  const int64_t first = start + row;
  if (!rows_inside(g, first, valid, R, head, col, C)) {
    blk.L.fail();
    return;
  }
  const Global out = *g; // its fields once (a store may alias *g for the compiler)
  own_visit<OwnFrag<R, C, W>>([&](int mt, int nt, int r, int i, int j) {
    if (i < valid)
      out.store(first + i, head, col + j, src.d[mt][nt][r]);
  });
}

#ifdef LINAC_TENSOR_CORES
/// Values (n, k) and (n, k + 1) of op(a) (a^T where ta) as one operand word
/// (the lower k in the low half), rounded to `type`.
__device__ __forceinline__ unsigned own_operand_pair(const Tile &a, bool ta, int n, int k,
                                                     Operand type) {
  return ta ? pack_operands(a.at(k, n), a.at(k + 1, n), type)
            : pack_operands(a.at(n, k), a.at(n, k + 1), type);
}
__device__ __forceinline__ unsigned own_operand_pair(const Tile16 &a, bool ta, int n, int k,
                                                     Operand) {
  // k is even: one aligned word where rows and the tile start on words.
  if (!ta && a.ld % 2 == 0 && (reinterpret_cast<unsigned long long>(a.p) & 3) == 0)
    return *reinterpret_cast<const unsigned *>(&a.at(n, k));
  const int64_t i0 = ta ? k : n, j0 = ta ? n : k, i1 = ta ? k + 1 : n, j1 = ta ? n : k + 1;
  return static_cast<unsigned>(a.at(i0, j0)) | static_cast<unsigned>(a.at(i1, j1)) << 16;
}

// 1: an owned matmul reads a bf16 workspace's operand words by ldmatrix
// (four 8 x 8 matrices, two n8 tiles of a k16 step, in one instruction;
// .trans for a transposed operand) where its rows are 16-byte aligned; 0
// (default until timed on a GPU): one 32-bit load per word (two 16-bit
// loads transposed).
#ifndef LINAC_OWN_LDMATRIX
#define LINAC_OWN_LDMATRIX 0
#endif

/// b[j][h]: the operand words of n8 tile nt + j, K half h of the k16 step
/// kk, of op(a)^T as mma.sync's B operand (values (n, 2(l%4) (+8)) of
/// op(a), n = 8 (nt + j) + l/4).
template <class A>
__device__ __forceinline__ void own_operand_pairs(const A &a, bool ta, int nt, int kk,
                                                  Operand type, unsigned (&b)[2][2]) {
  const int lane = static_cast<int>(threadIdx.x) % 32;
#pragma unroll
  for (int j = 0; j < 2; ++j) {
    const int n = 8 * (nt + j) + lane / 4, k = 16 * kk + 2 * (lane % 4);
    b[j][0] = own_operand_pair(a, ta, n, k, type);
    b[j][1] = own_operand_pair(a, ta, n, k + 8, type);
  }
}
__device__ __forceinline__ void own_operand_words(const Tile &a, bool ta, int nt, int kk,
                                                  Operand type, unsigned (&b)[2][2]) {
  own_operand_pairs(a, ta, nt, kk, type, b);
}
__device__ __forceinline__ void own_operand_words(const Tile16 &a, bool ta, int nt, int kk,
                                                  Operand type, unsigned (&b)[2][2]) {
#if LINAC_OWN_LDMATRIX
  const int lane = static_cast<int>(threadIdx.x) % 32;
  if (a.ld % 8 == 0 && (reinterpret_cast<unsigned long long>(a.p) & 15) == 0) {
    // Lanes 8i..8i+7 address the rows of matrix i: n8 tile nt + i / 2, K
    // half i % 2 (stored rows: n, or K where transposed).
    const int i = lane / 8, r = lane % 8;
    const unsigned short *p = ta ? &a.at(16 * kk + 8 * (i % 2) + r, 8 * (nt + i / 2))
                                 : &a.at(8 * (nt + i / 2) + r, 16 * kk + 8 * (i % 2));
    if (ta)
      asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                   : "=r"(b[0][0]), "=r"(b[0][1]), "=r"(b[1][0]), "=r"(b[1][1])
                   : "r"(shared_address(p)));
    else
      asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                   : "=r"(b[0][0]), "=r"(b[0][1]), "=r"(b[1][0]), "=r"(b[1][1])
                   : "r"(shared_address(p)));
    return;
  }
#endif
  own_operand_pairs(a, ta, nt, kk, type, b);
}

__device__ __forceinline__ void own_mma16816(float (&c)[4], const unsigned (&a)[4], unsigned b0,
                                             unsigned b1, Operand type) {
  if (type == Operand::bf16)
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
                 "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  else
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 "
                 "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}
#endif

#ifdef LINAC_TENSOR_CORES
/// The A fragments of b^T for the k16 step kk, per m16 tile of the warp's
/// columns: from an owned b's registers as they are (own_coord), or read
/// from a b in memory (rows k of the warp's columns).
template <int RB, int C, int W>
__device__ __forceinline__ void own_a_fragments(const OwnFrag<RB, C, W> &b, int kk, Operand type,
                                                unsigned (&af)[OwnFrag<RB, C, W>::kMt][4]) {
#pragma unroll
  for (int mt = 0; mt < OwnFrag<RB, C, W>::kMt; ++mt) {
    const float *lo = b.d[mt][2 * kk], *hi = b.d[mt][2 * kk + 1];
    af[mt][0] = pack_operands(lo[0], lo[1], type);
    af[mt][1] = pack_operands(lo[2], lo[3], type);
    af[mt][2] = pack_operands(hi[0], hi[1], type);
    af[mt][3] = pack_operands(hi[2], hi[3], type);
  }
}
template <class F, class B>
__device__ __forceinline__ void own_a_fragments_memory(const B &b, int kk, Operand type,
                                                       unsigned (&af)[F::kMt][4]) {
  const int warp = static_cast<int>(threadIdx.x) / 32, lane = static_cast<int>(threadIdx.x) % 32;
  const int g = lane / 4, k = 16 * kk + 2 * (lane % 4);
#pragma unroll
  for (int mt = 0; mt < F::kMt; ++mt) {
    // Rows k and k + 1 of column c: b^T's values (c, k), (c, k + 1).
    const int c = warp * F::kOwnCols + 16 * mt + g;
    af[mt][0] = own_operand_pair(b, true, c, k, type);
    af[mt][1] = own_operand_pair(b, true, c + 8, k, type);
    af[mt][2] = own_operand_pair(b, true, c, k + 8, type);
    af[mt][3] = own_operand_pair(b, true, c + 8, k + 8, type);
  }
}

/// acc^T (+)= b^T op(a)^T for the k16 step kk, b^T's A fragments given:
/// op(a)^T's words read from memory, two n8 tiles at a time.
template <int RD, int C, int W, class A>
__device__ __forceinline__ void own_mma_step(OwnFrag<RD, C, W> &acc, const A &a, bool ta, int kk,
                                             Operand type,
                                             const unsigned (&af)[OwnFrag<RD, C, W>::kMt][4]) {
  using D = OwnFrag<RD, C, W>;
#pragma unroll
  for (int nt = 0; nt < D::kNt; nt += 2) { // kNt is even (16-row blocks)
    unsigned bw[2][2];
    own_operand_words(a, ta, nt, kk, type, bw);
#pragma unroll
    for (int j = 0; j < 2; ++j)
#pragma unroll
      for (int mt = 0; mt < D::kMt; ++mt)
        own_mma16816(acc.d[mt][nt + j], af[mt], bw[j][0], bw[j][1], type);
  }
}
#endif

/// Whether an owned matmul's operands are what tile-own-columns admits
/// (else the launch fails); then acc set for it: 0, acc, or -acc to
/// subtract from (negated back by own_mma_end).
template <int RD, int C, int W>
__device__ __forceinline__ bool own_mma_begin(Block &blk, OwnFrag<RD, C, W> &acc, int M, int K,
                                              int bRows, int bCols, bool tb, bool accumulate,
                                              Operand type, bool subtract, bool a16,
                                              bool accIsB) {
  if (!own_layout_ok<OwnFrag<RD, C, W>>(blk))
    return false;
  if (tb || (subtract && !accumulate) || M != RD || K != bRows || bCols != C || K % 16 != 0 ||
      accIsB || (type != Operand::bf16 && type != Operand::f16) ||
      (a16 && type != Operand::bf16)) {
    blk.L.fail(); // tile-own-columns admits only these (acc is not b either)
    return false;
  }
  const float sign = subtract ? -1.0f : 1.0f;
  own_visit<OwnFrag<RD, C, W>>([&](int mt, int nt, int r, int, int) {
    acc.d[mt][nt][r] = accumulate ? sign * acc.d[mt][nt][r] : 0.0f;
  });
  return true;
}
template <int RD, int C, int W>
__device__ __forceinline__ void own_mma_end(OwnFrag<RD, C, W> &acc, bool subtract) {
  if (subtract)
    own_visit<OwnFrag<RD, C, W>>(
        [&](int mt, int nt, int r, int, int) { acc.d[mt][nt][r] = -acc.d[mt][nt][r]; });
}

/// acc (+/-)= op(a) b with acc and b owned (M x C and K x C), a a tile in
/// memory (M x K, or K x M where ta). Each warp computes its own columns as
/// acc^T (+/-)= b^T op(a)^T by mma.sync m16n8k16: b's values are the A
/// operand as they are (own_coord), op(a)^T's the B operand, read from
/// memory; no staging, no barrier.
template <int RD, int C, int W, int RB, class A>
__device__ __forceinline__ void mma(Block &blk, OwnFrag<RD, C, W> &acc, const A &a,
                                    const OwnFrag<RB, C, W> &b, bool ta, bool tb,
                                    bool accumulate, Operand type, bool subtract = false) {
  LINAC_CONSUMERS_ONLY;
  if (!own_mma_begin(blk, acc, ta ? a.cols : a.rows, ta ? a.rows : a.cols, RB, C, tb,
                     accumulate, type, subtract, kIsTile16<A>,
                     static_cast<const void *>(&acc) == static_cast<const void *>(&b)))
    return;
#ifdef LINAC_TENSOR_CORES
#pragma unroll
  for (int kk = 0; kk < RB / 16; ++kk) {
    unsigned af[OwnFrag<RB, C, W>::kMt][4];
    own_a_fragments(b, kk, type, af);
    own_mma_step(acc, a, ta, kk, type, af);
  }
  own_mma_end(acc, subtract);
#else
  blk.L.fail(); // mma.sync m16n8k16 needs sm_80
#endif
}

/// The same with b in memory too (K x C: a plain update's V in o += M V
/// and S += K^T V): b^T's A fragments read from memory, the warp's columns
/// of rows 16 kk...
template <int RD, int C, int W, class A, class B>
__device__ __forceinline__ typename EnableIf<(kIsTile16<B> || kSame<typename Bare<B>::type, Tile>) &&
                                             (kIsTile16<A> || kSame<typename Bare<A>::type, Tile>)>::type
mma(Block &blk, OwnFrag<RD, C, W> &acc, const A &a, const B &b, bool ta, bool tb,
    bool accumulate, Operand type, bool subtract = false) {
  LINAC_CONSUMERS_ONLY;
  const int K = ta ? a.rows : a.cols;
  if (!own_mma_begin(blk, acc, ta ? a.cols : a.rows, K, b.rows, b.cols, tb, accumulate, type,
                     subtract, kIsTile16<A> || kIsTile16<B>, false))
    return;
#ifdef LINAC_TENSOR_CORES
  for (int kk = 0; kk < K / 16; ++kk) {
    unsigned af[OwnFrag<RD, C, W>::kMt][4];
    own_a_fragments_memory<OwnFrag<RD, C, W>>(b, kk, type, af);
    own_mma_step(acc, a, ta, kk, type, af);
  }
  own_mma_end(acc, subtract);
#else
  blk.L.fail(); // mma.sync m16n8k16 needs sm_80
#endif
}

/// store_tile from a fragment: each thread stores the values it holds, a
/// pair of columns at a time (acc_coord: registers 2p, 2p + 1 are columns
/// j, j + 1 of one row, j even), rounded to bf16 for a bf16 workspace as
/// the stages reading it would round. Registers only are read: no barrier.
template <int R, int C, int W>
__device__ __forceinline__ void store_tile(Block &blk, const Global *g, const Frag<R, C, W> &src,
                                           int64_t seq, int64_t head, int64_t chunk, int64_t col,
                                           int64_t fullCols) {
  LINAC_CONSUMERS_ONLY;
  const bool pairs = col % 2 == 0 && fullCols % 2 == 0;
  if (g && g->dtype == bf16) {
    unsigned short *p = slot_columns16(blk, g, seq, head, chunk, R, col, C, fullCols);
    if (!p)
      return;
    const bool aligned = pairs && (reinterpret_cast<unsigned long long>(p) & 3) == 0;
    frag_visit<Frag<R, C, W>>([&](int s, int r, int i, int j) {
      if (r % 2 != 0)
        return;
      if (aligned) {
        *reinterpret_cast<unsigned *>(p + i * fullCols + j) =
            static_cast<unsigned>(to_bf16(src.v[s][r])) |
            static_cast<unsigned>(to_bf16(src.v[s][r + 1])) << 16;
      } else {
        p[i * fullCols + j] = to_bf16(src.v[s][r]);
        p[i * fullCols + j + 1] = to_bf16(src.v[s][r + 1]);
      }
    });
    return;
  }
  float *p = slot_columns(blk, g, seq, head, chunk, R, col, C, fullCols);
  if (!p)
    return;
  const bool aligned = pairs && (reinterpret_cast<unsigned long long>(p) & 7) == 0;
  frag_visit<Frag<R, C, W>>([&](int s, int r, int i, int j) {
    if (r % 2 != 0)
      return;
    if (aligned) {
      *reinterpret_cast<float2 *>(p + i * fullCols + j) = make_float2(src.v[s][r], src.v[s][r + 1]);
    } else {
      p[i * fullCols + j] = src.v[s][r];
      p[i * fullCols + j + 1] = src.v[s][r + 1];
    }
  });
}

/// load_tile into a fragment (a segment's start state from the combine's
/// workspace): each thread loads the values it holds; registers only, so
/// no barrier.
template <int R, int C, int W>
__device__ __forceinline__ void load_tile(Block &blk, const Global *g, Frag<R, C, W> &dst,
                                          int64_t seq, int64_t head, int64_t chunk, int64_t col,
                                          int64_t fullCols) {
  LINAC_CONSUMERS_ONLY;
  const float *p = slot_columns(blk, g, seq, head, chunk, R, col, C, fullCols);
  if (!p)
    return;
  const bool aligned =
      col % 2 == 0 && fullCols % 2 == 0 && (reinterpret_cast<unsigned long long>(p) & 7) == 0;
  frag_visit<Frag<R, C, W>>([&](int s, int r, int i, int j) {
    if (r % 2 != 0)
      return;
    if (aligned) {
      const float2 v = *reinterpret_cast<const float2 *>(p + i * fullCols + j);
      dst.v[s][r] = v.x;
      dst.v[s][r + 1] = v.y;
    } else {
      dst.v[s][r] = p[i * fullCols + j];
      dst.v[s][r + 1] = p[i * fullCols + j + 1];
    }
  });
}

/// tile.take_rows into a fragment (tile-take-into-fragments): each thread
/// converts the landed values it holds (rows past `valid` zero), with the
/// same checks as into a tile; it writes registers only (the take's wait
/// still ends in a barrier, which orders the landing buffer's reads before
/// the next prefetch). A tensor that did not land is read from global
/// memory.
template <int R, int C, int RF, int CF, int W>
__device__ LINAC_LANDING_INLINE Token take_rows(Block &blk, const Global *g, const Tile landing,
                                                Frag<RF, CF, W> &dst, int64_t start, int64_t row,
                                                int64_t valid, int64_t head, int64_t col) {
  static_assert(R == RF && C == CF, "take_rows into a fragment of the rows' shape");
  const int64_t first = start + row;
  if (!take_in_bounds<R, C>(g, landing, first, valid, head, col)) {
    blk.L.fail();
    return Token{0, 0, 0};
  }
  if (is_producer())
    return Token{0, 0, 0};
  using F = Frag<RF, CF, W>;
  if (!landable<C>(g, head, col)) {
    const Global in = *g;
    frag_visit<F>([&](int s, int r, int i, int j) {
      dst.v[s][r] = i < valid ? in.load(first + i, head, col + j) : 0.0f;
    });
    return Token{0, 0, 0};
  }
  // Registers 2p and 2p + 1 are columns j, j + 1 of one row (acc_coord),
  // j even: one aligned 4-byte word of the landing buffer.
  const unsigned *land = reinterpret_cast<const unsigned *>(landing.p);
  const CopyMode mode = g->dtype == bf16 ? CopyMode::bf16x8 : CopyMode::f16x8;
  frag_visit<F>([&](int s, int r, int i, int j) {
    if (r % 2)
      return;
    const float2 pair = i < valid ? halves_to_float2(land[(i * C + j) / 2], mode)
                                  : make_float2(0.0f, 0.0f);
    dst.v[s][r] = pair.x;
    dst.v[s][r + 1] = pair.y;
  });
  return Token{0, 0, 0};
}

#ifdef LINAC_TENSOR_CORES
/// One operand value as the 16 bits the tensor cores read, rounded as
/// pack_operands rounds.
__device__ __forceinline__ unsigned short operand_half(float x, Operand type) {
  unsigned short h;
  if (type == Operand::bf16) {
    asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(h) : "f"(x));
  } else {
    x = round_operand(x, type);
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(x));
  }
  return h;
}

#ifndef LINAC_STMATRIX // 0: fragments staged by 16/32-bit stores on sm_90 too (to time the difference)
#define LINAC_STMATRIX 1
#endif

/// Stages block (br, bc) of a fragment as one 64 x 64 K slice, by the
/// threads that hold it: its columns are the slice's K (`kAlongCols`), or
/// its rows are.
template <int R, int C, int W>
__device__ __forceinline__ void stage_frag_block(char *dst, const Frag<R, C, W> &f, int br,
                                                 int bc, bool kAlongCols, Operand type) {
  using F = Frag<R, C, W>;
  const int b = br * F::kBlocksN + bc, g = frag_group();
  const int t = static_cast<int>(threadIdx.x) % kWarpgroupThreads;
#if __CUDA_ARCH__ >= 900 && LINAC_STMATRIX
  // stmatrix: the thread's values as the m8n8 matrices they form (two per
  // 8-column slab, rows 16w.. and 16w+8..), four per instruction; lane l
  // gives the address of row l % 8 of matrix l / 8, 16 contiguous bytes of
  // one core matrix. Transposed (.trans) where K runs along the rows.
  const int w = t / 32, l = t % 32, q = l / 8, i = l % 8;
#pragma unroll
  for (int s = 0; s < F::kSlots; ++s) {
    if (s * W + g != b)
      continue;
#pragma unroll
    for (int j = 0; j < 8; j += 2) {
      const int r0 = 16 * w + 8 * (q % 2), c0 = 8 * (j + q / 2);
      const unsigned addr = static_cast<unsigned>(__cvta_generic_to_shared(
          dst + (kAlongCols ? staged_offset(r0 + i, 2 * c0) : staged_offset(c0 + i, 2 * r0))));
      const unsigned x0 = pack_operands(f.v[s][4 * j], f.v[s][4 * j + 1], type),
                     x1 = pack_operands(f.v[s][4 * j + 2], f.v[s][4 * j + 3], type),
                     x2 = pack_operands(f.v[s][4 * j + 4], f.v[s][4 * j + 5], type),
                     x3 = pack_operands(f.v[s][4 * j + 6], f.v[s][4 * j + 7], type);
      if (kAlongCols)
        asm volatile("stmatrix.sync.aligned.m8n8.x4.shared.b16 [%0], {%1, %2, %3, %4};\n"
                     ::"r"(addr), "r"(x0), "r"(x1), "r"(x2), "r"(x3) : "memory");
      else
        asm volatile("stmatrix.sync.aligned.m8n8.x4.trans.shared.b16 [%0], {%1, %2, %3, %4};\n"
                     ::"r"(addr), "r"(x0), "r"(x1), "r"(x2), "r"(x3) : "memory");
    }
  }
#else
#pragma unroll
  for (int s = 0; s < F::kSlots; ++s) {
    if (s * W + g != b)
      continue;
#pragma unroll
    for (int r = 0; r < 32; r += 2) {
      int row, col;
      acc_coord(t, r, row, col);
      if (kAlongCols) {
        *reinterpret_cast<unsigned *>(dst + staged_offset(row, 2 * col)) =
            pack_operands(f.v[s][r], f.v[s][r + 1], type);
      } else {
        *reinterpret_cast<unsigned short *>(dst + staged_offset(col, 2 * row)) =
            operand_half(f.v[s][r], type);
        *reinterpret_cast<unsigned short *>(dst + staged_offset(col + 1, 2 * row)) =
            operand_half(f.v[s][r + 1], type);
      }
    }
  }
#endif
}

/// Rows [r0, r0+64) x K [k0, k0+64) of the K-major view of an operand
/// (x(row, k) = trans ? t(k, row) : t(row, k)): a fragment by its owners,
/// a tile in memory by every consumer.
template <int R, int C, int W>
__device__ __forceinline__ void stage_any(char *dst, const Frag<R, C, W> &f, bool trans, int r0,
                                          int k0, Operand type) {
  if (trans)
    stage_frag_block(dst, f, k0 / kMmaBlock, r0 / kMmaBlock, false, type);
  else
    stage_frag_block(dst, f, r0 / kMmaBlock, k0 / kMmaBlock, true, type);
}
__device__ __forceinline__ void stage_any(char *dst, const Tile &t, bool trans, int r0, int k0,
                                          Operand type) {
  // Inline, not the tile path's call: a call would spill the fragments
  // live across it.
  const int rows = trans ? t.cols : t.rows, ks = trans ? t.rows : t.cols;
  if (full_slice(t, r0, rows, k0, ks, type))
    stage_full_slice_inline(dst, t, trans, r0, k0, type, static_cast<int>(threadIdx.x),
                            consumer_threads());
  else
    stage_operand_elements(dst, t, trans, r0, rows, k0, ks, type, static_cast<int>(threadIdx.x),
                           consumer_threads());
}

/// The same for a bf16 tile, whose values are already the operands (a
/// bf16 matmul's): a copy. Whole aligned slices go 16 bytes at a time, the
/// lanes of a quarter warp spread over the banks as in
/// stage_full_slice_inline: not transposed, 8 K values of one row per
/// thread, 8 consecutive rows per quarter warp at K chunks rotated by the
/// row; transposed, 8 values of r from each of two rows of t (K and K + 1),
/// stored as 8 K pairs in an order rotated by the thread's octet of r.
/// Otherwise pairs of K values.
__device__ __forceinline__ void stage_any(char *dst, const Tile16 &t, bool trans, int r0, int k0,
                                          Operand) {
  const int rows = trans ? t.cols : t.rows, ks = trans ? t.rows : t.cols;
  const int lane = static_cast<int>(threadIdx.x), lanes = consumer_threads();
  const bool whole = r0 + kMmaBlock <= rows && k0 + 64 <= ks && t.ld % 8 == 0 &&
                     reinterpret_cast<unsigned long long>(t.p) % 16 == 0;
  if (whole && !trans) {
    for (int idx = lane; idx < kMmaBlock * 8; idx += lanes) {
      const int g8 = idx & 7, grp = idx >> 3;
      const int r = (grp >> 3) * 8 + g8, kc = (g8 + grp) & 7;
      *reinterpret_cast<uint4 *>(dst + staged_offset(r, 16 * kc)) =
          *reinterpret_cast<const uint4 *>(&t.at(r0 + r, k0 + 8 * kc));
    }
    return;
  }
  if (whole) { // x(r, k) = t(k0 + k, r0 + r)
    for (int idx = lane; idx < 8 * 32; idx += lanes) {
      const int rq = idx & 7, kp = idx >> 3;
      const uint4 a = *reinterpret_cast<const uint4 *>(&t.at(k0 + 2 * kp, r0 + 8 * rq));
      const uint4 b = *reinterpret_cast<const uint4 *>(&t.at(k0 + 2 * kp + 1, r0 + 8 * rq));
#pragma unroll
      for (int s = 0; s < 8; ++s) {
        const int i = (s + rq) & 7;
        const unsigned wa = i < 2 ? a.x : i < 4 ? a.y : i < 6 ? a.z : a.w;
        const unsigned wb = i < 2 ? b.x : i < 4 ? b.y : i < 6 ? b.z : b.w;
        const int shift = 16 * (i & 1);
        *reinterpret_cast<unsigned *>(dst + staged_offset(8 * rq + i, 4 * kp)) =
            (wa >> shift & 0xffffu) | (wb >> shift & 0xffffu) << 16;
      }
    }
    return;
  }
  auto x = [&](int r, int k) -> unsigned {
    return r0 + r < rows && k0 + k < ks ? (trans ? t.at(k0 + k, r0 + r) : t.at(r0 + r, k0 + k))
                                        : 0u;
  };
  for (int idx = lane; idx < kMmaBlock * 32; idx += lanes) {
    const int r = idx >> 5, k = 2 * (idx & 31); // 64 values of 2 bytes per row
    *reinterpret_cast<unsigned *>(dst + staged_offset(r, 2 * k)) = x(r, k) | x(r, k + 1) << 16;
  }
}

/// The reserved staging area as four slots of one 64 x 64 operand slice
/// (two per warpgroup area).
constexpr int kMmaStagedSlots = 2 * kMmaStagingAreas;
__device__ __forceinline__ char *staged_slot(int i) {
  return linacSharedMemory + i * kMmaOperandBytes;
}

/// One round of output blocks (one per warpgroup: blocks round * W + g),
/// K slice by K slice: every consumer stages the slice of each distinct
/// operand block of the round once (two blocks of a round share their rows
/// of A, or their columns of B, in every matmul whose output is a row of
/// blocks), then each warpgroup multiplies its block into d.
template <class A, class B>
__device__ __forceinline__ void mma_frag_round(float (&d)[32], int round, int blocks, int blocksN,
                                               const A &a, const B &b, bool ta, bool tb, int Kc,
                                               Operand type) {
  const int W = consumer_threads() / kWarpgroupThreads, g = frag_group();
  const int tid = static_cast<int>(threadIdx.x) % kWarpgroupThreads;
  const int b0 = round * W, b1 = W > 1 && b0 + 1 < blocks ? b0 + 1 : b0;
  const int m0 = b0 / blocksN, n0 = b0 % blocksN, m1 = b1 / blocksN, n1 = b1 % blocksN;
  // A in slots 0 (and 1), B in slots 2 (and 3); warpgroup 1 reads its own
  // where its block's differ from warpgroup 0's.
  const int sa = g == 1 && m1 != m0 ? 1 : 0, sb = g == 1 && n1 != n0 ? 3 : 2;
  for (int k0 = 0; k0 < Kc; k0 += 64) {
    sync_consumers(); // the previous slice's (or matmul's) readers are done with the stages
    // A as rows of M (K-major: a, or a^T), B as rows of N (b^T, or b).
    stage_any(staged_slot(0), a, ta, m0 * kMmaBlock, k0, type);
    if (m1 != m0)
      stage_any(staged_slot(1), a, ta, m1 * kMmaBlock, k0, type);
    stage_any(staged_slot(2), b, !tb, n0 * kMmaBlock, k0, type);
    if (n1 != n0)
      stage_any(staged_slot(3), b, !tb, n1 * kMmaBlock, k0, type);
    mma_stage_fence();
    sync_consumers();
    if (b0 + g < blocks)
      mma_slice_compute(d, staged_slot(sa), staged_slot(sb), type, tid);
  }
}

/// Whether every K slice of every row block of op(a) and column block of
/// op(b) fits in the staging slots at once (a 128 x 128 product over K = 64,
/// a 64 x 128 one over 64, a 64 x 64 one over 128): then they are staged
/// once, with one pair of barriers, and the rounds only multiply.
__device__ __forceinline__ bool mma_stage_once(int M, int N, int Kc) {
  return (M / kMmaBlock + N / kMmaBlock) * (Kc / 64) <= kMmaStagedSlots;
}

/// Stages every slice for mma_stage_once: A's row block i at slots
/// i * nk + k, B's column block j after them.
template <class A, class B>
__device__ __forceinline__ void mma_stage_all(const A &a, const B &b, bool ta, bool tb, int M,
                                              int N, int Kc, Operand type) {
  const int nk = Kc / 64, am = M / kMmaBlock, bn = N / kMmaBlock;
  sync_consumers(); // the previous matmul's readers are done with the stages
  for (int i = 0; i < am; ++i)
    for (int k = 0; k < nk; ++k)
      stage_any(staged_slot(i * nk + k), a, ta, i * kMmaBlock, 64 * k, type);
  for (int j = 0; j < bn; ++j)
    for (int k = 0; k < nk; ++k)
      stage_any(staged_slot((am + j) * nk + k), b, !tb, j * kMmaBlock, 64 * k, type);
  mma_stage_fence();
  sync_consumers();
}

/// Issues output block bb's K slices from the slots of mma_stage_all.
__device__ __forceinline__ void mma_issue_staged(float (&d)[32], int bb, int blocksN, int M,
                                                 int Kc, Operand type, int tid) {
  const int nk = Kc / 64, am = M / kMmaBlock;
  const int m = bb / blocksN, n = bb % blocksN;
  for (int k = 0; k < nk; ++k)
    mma_slice_issue(d, staged_slot(m * nk + k), staged_slot((am + n) * nk + k), type, tid);
}
#endif

/// acc (+)= op(a) op(b) over output blocks in rounds, each of the tiles a
/// fragment or in memory; bf16 or f16 operands, every extent a multiple
/// of 64.
template <class D, class A, class B, class Epi>
__device__ __forceinline__ void mma_rounds(Block &blk, D &&acc, const A &a, const B &b, bool ta,
                                           bool tb, bool accumulate, Operand type,
                                           bool subtract, const Epi &epi) {
#ifdef LINAC_TENSOR_CORES
  const int M = rows_of(acc), N = cols_of(acc), Kc = ta ? rows_of(a) : cols_of(a);
  if (type == Operand::f32 || type == Operand::tf32 || M % kMmaBlock || N % kMmaBlock ||
      Kc % kMmaBlock) {
    blk.L.fail();
    return;
  }
  const int blocksN = N / kMmaBlock, blocks = M / kMmaBlock * blocksN;
  const int W = consumer_threads() / kWarpgroupThreads, g = frag_group();
  const int tid = static_cast<int>(threadIdx.x) % kWarpgroupThreads;
  if constexpr (kIsFrag<D>) {
    using F = typename Bare<D>::type;
    if (W != F::kGroups) {
      blk.L.fail();
      return;
    }
    // subtract: the registers negated around the accumulation (exact).
    const bool negate = subtract && accumulate;
    if (negate)
      frag_negate(acc);
    if (mma_stage_once(M, N, Kc)) {
      // Every slot's blocks in flight at once, one wait.
      mma_stage_all(a, b, ta, tb, M, N, Kc, type);
#pragma unroll
      for (int s = 0; s < F::kSlots; ++s)
        if (!accumulate)
#pragma unroll
          for (int r = 0; r < 32; ++r)
            acc.v[s][r] = 0.0f;
      mma_issue_begin();
#pragma unroll
      for (int s = 0; s < F::kSlots; ++s)
        // A runtime test of g, which ptxas cannot prove warp-uniform: it
        // serialises the kernel's wgmmas (C7520). Kept on purpose: with a
        // bound known at compile time instead, no wgmma was serialised but
        // the kernels spilled more and ran slower on an H200 (linear
        // attention 8x4096x16 1.39 -> 1.91 ms, GDN 3.72 -> 3.94;
        // bench/results/bench-h200.md); LINAC_WGMMA_PIPELINED selects it.
        if (LINAC_WGMMA_PIPELINED ? F::kBlocks % F::kGroups == 0 || s * F::kGroups + g < F::kBlocks
                                  : s * W + g < blocks)
          mma_issue_staged(acc.v[s], s * W + g, blocksN, M, Kc, type, tid);
      mma_issue_end();
    } else {
#pragma unroll
      for (int s = 0; s < F::kSlots; ++s) {
        if (!accumulate)
#pragma unroll
          for (int r = 0; r < 32; ++r)
            acc.v[s][r] = 0.0f;
        mma_frag_round(acc.v[s], s, blocks, blocksN, a, b, ta, tb, Kc, type);
      }
    }
    if (negate)
      frag_negate(acc);
  } else {
    const int rounds = (blocks + W - 1) / W;
    // Rounds after the first would read what the first wrote.
    if (rounds > 1 && (overlaps_any(acc, a) || overlaps_any(acc, b))) {
      blk.L.fail();
      return;
    }
    const bool once = mma_stage_once(M, N, Kc);
    if (once)
      mma_stage_all(a, b, ta, tb, M, N, Kc, type);
    for (int round = 0; round < rounds; ++round) {
      const int bb = round * W + g;
      const bool mine = bb < blocks;
      const int m0 = bb / blocksN * kMmaBlock, n0 = bb % blocksN * kMmaBlock;
      float d[32];
#pragma unroll
      for (int r = 0; r < 32; ++r) {
        int row, col;
        acc_coord(tid, r, row, col);
        const float v = mine && accumulate ? acc.at(m0 + row, n0 + col) : 0.0f;
        d[r] = subtract ? -v : v;
      }
      if (once) {
        // Operands all staged: acc may change without a barrier first.
        if (mine) {
          mma_issue_begin();
          mma_issue_staged(d, bb, blocksN, M, Kc, type, tid);
          mma_issue_end();
        }
      } else {
        mma_frag_round(d, round, blocks, blocksN, a, b, ta, tb, Kc, type);
        sync_consumers(); // every operand was read before acc changes
      }
      if (mine)
#pragma unroll
        for (int r = 0; r < 32; ++r) {
          int row, col;
          acc_coord(tid, r, row, col);
          acc.at(m0 + row, n0 + col) = epi(m0 + row, n0 + col, subtract ? -d[r] : d[r]);
        }
    }
  }
  // The stages are free again for the next op (tri_inv works in them;
  // tile-elide-barriers orders the ops that use them through them).
  end_step(blk);
#else
  (void)acc, (void)a, (void)b, (void)ta, (void)tb, (void)accumulate, (void)type,
      (void)subtract, (void)epi;
  blk.L.fail();
#endif
}

#ifdef LINAC_TENSOR_CORES
/// The tile path's matmuls of whole blocks, out of line (sm_80).
__device__ __noinline__ void mma_tile_rounds(Block &blk, const Tile acc, const Tile a,
                                             const Tile b, bool ta, bool tb, bool accumulate,
                                             Operand type, bool subtract) {
  mma_rounds(blk, acc, a, b, ta, tb, accumulate, type, subtract);
}
#endif

/// acc (+)= op(a) op(b) with a fragment or a bf16 tile among them
/// (tile-place-fragments and tile-store-16bit check the operand precision
/// and the extents mma_rounds needs).
template <class D, class A, class B>
__device__ __forceinline__ typename EnableIf<(kIsFrag<D> || kIsFrag<A> || kIsFrag<B> ||
                                              kIsTile16<A> || kIsTile16<B>) &&
                                             !kIsOwn<D> && !kIsOwn<B>>::type
mma(Block &blk, D &&acc, const A &a, const B &b, bool ta, bool tb, bool accumulate,
    Operand type, bool subtract = false) {
  LINAC_CONSUMERS_ONLY;
  if (((kIsTile16<A> || kIsTile16<B>) && type != Operand::bf16) || (subtract && !accumulate)) {
    blk.L.fail(); // a bf16 tile holds bf16 operands only; subtract reads acc
    return;
  }
  mma_rounds(blk, static_cast<D &&>(acc), a, b, ta, tb, accumulate, type, subtract);
}

__device__ inline void causal_mask(Block &, const Tile &dst, bool inclusive) {
  LINAC_CONSUMERS_ONLY;
  LINAC_FOR_ELEMENTS(dst, i, j) {
    if (j > i || (j == i && !inclusive))
      dst.at(i, j) = 0.0f;
  }
  sync_consumers();
}

/// A scale column's value at row i; Tile{} (none) scales by 1.
__device__ __forceinline__ float scale_at(const Tile &s, int i) {
  return s.p ? s.at(i, 0) : 1.0f;
}

/// causal_mask, the kept entries scaled by rs[i] * cs[j] (a Gram matrix's
/// row and column scalings, chunk-push-row-scaling).
__device__ inline void causal_mask(Block &, const Tile &dst, const Tile &rs, const Tile &cs,
                                   bool inclusive) {
  LINAC_CONSUMERS_ONLY;
  LINAC_FOR_ELEMENTS(dst, i, j) {
    dst.at(i, j) = (j < i || (j == i && inclusive))
                       ? dst.at(i, j) * scale_at(rs, i) * scale_at(cs, j)
                       : 0.0f;
  }
  sync_consumers();
}

/// dst[i, j] *= exp(lg[i] - rg[j]) under the causal mask (times rs[i] cs[j]
/// when kScaled), zero above.
// 1 (default, as LINAC_ROW_INV_NORM_ROWS): by column quads, below; 0: the
// quads in element order.
#ifndef LINAC_DECAY_MASK_COLUMNS
#define LINAC_DECAY_MASK_COLUMNS 1
#endif
template <bool kScaled>
__device__ __forceinline__ void decay_mask_of(const Tile &dst, const Tile &lg, const Tile &rg,
                                              const Tile &rs, const Tile &cs, bool inclusive) {
  LINAC_CONSUMERS_ONLY;
  if (LINAC_DECAY_MASK_COLUMNS && dst.cols % 4 == 0 && dst.ld % 4 == 0 && aligned16(dst.p) &&
      consumer_threads() % (dst.cols / 4) == 0) {
    // Each thread keeps one quad of columns in every row it visits: their
    // gates and scales read once, the rows' loads unrolled so that they
    // are in flight together, the quads wholly above the diagonal zeroed
    // without their exponentials. The same products in the same order.
    const int quads = dst.cols / 4, tid = static_cast<int>(threadIdx.x);
    const int j = 4 * (tid % quads), step = consumer_threads() / quads;
    float rgj[4], csj[4];
#pragma unroll
    for (int u = 0; u < 4; ++u) {
      rgj[u] = rg.at(j + u, 0);
      csj[u] = kScaled ? scale_at(cs, j + u) : 1.0f;
    }
#pragma unroll 2
    for (int i = tid / quads; i < dst.rows; i += step) {
      float4 *p = reinterpret_cast<float4 *>(&dst.at(i, j));
      if (j > i) {
        *p = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
        continue;
      }
      const float4 v = *p;
      const float li = lg.at(i, 0);
      const float rsi = kScaled ? scale_at(rs, i) : 1.0f;
      float r[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
      for (int u = 0; u < 4; ++u) {
        if constexpr (kScaled)
          r[u] = j + u < i || (j + u == i && inclusive) ? r[u] * decay_exp(li - rgj[u]) * rsi * csj[u]
                                                        : 0.0f;
        else
          r[u] = j + u < i || (j + u == i && inclusive) ? r[u] * decay_exp(li - rgj[u]) : 0.0f;
      }
      *p = make_float4(r[0], r[1], r[2], r[3]);
    }
    sync_consumers();
    return;
  }
  if (dst.cols % 4 == 0 && dst.ld % 4 == 0 && aligned16(dst.p)) {
    // Four columns of a row per thread: one float4 of dst, one row gate.
    const int quads = dst.cols / 4, n = dst.rows * quads;
    for (int e = static_cast<int>(threadIdx.x); e < n; e += consumer_threads()) {
      const int i = e / quads, j = 4 * (e - i * quads);
      float4 *p = reinterpret_cast<float4 *>(&dst.at(i, j));
      const float4 v = *p;
      const float li = lg.at(i, 0);
      float r[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
      for (int u = 0; u < 4; ++u) {
        if constexpr (kScaled)
          r[u] = j + u < i || (j + u == i && inclusive)
                     ? r[u] * decay_exp(li - rg.at(j + u, 0)) * scale_at(rs, i) * scale_at(cs, j + u)
                     : 0.0f;
        else
          r[u] = j + u < i || (j + u == i && inclusive) ? r[u] * decay_exp(li - rg.at(j + u, 0)) : 0.0f;
      }
      *p = make_float4(r[0], r[1], r[2], r[3]);
    }
    sync_consumers();
    return;
  }
  LINAC_FOR_ELEMENTS(dst, i, j) {
    if constexpr (kScaled)
      dst.at(i, j) = (j < i || (j == i && inclusive))
                         ? dst.at(i, j) * decay_exp(lg.at(i, 0) - rg.at(j, 0)) * scale_at(rs, i) *
                               scale_at(cs, j)
                         : 0.0f;
    else
      dst.at(i, j) = (j < i || (j == i && inclusive))
                         ? dst.at(i, j) * decay_exp(lg.at(i, 0) - rg.at(j, 0))
                         : 0.0f;
  }
  sync_consumers();
}
__device__ inline void decay_mask(Block &, const Tile &dst, const Tile &lg,
                                  const Tile &rg, bool inclusive) {
  decay_mask_of<false>(dst, lg, rg, Tile{}, Tile{}, inclusive);
}
__device__ inline void decay_mask(Block &, const Tile &dst, const Tile &lg, const Tile &rg,
                                  const Tile &rs, const Tile &cs, bool inclusive) {
  decay_mask_of<true>(dst, lg, rg, rs, cs, inclusive);
}

/// A causal or decay mask as mma_rounds' epilogue: the value causal_mask
/// or decay_mask would leave at (i, j), the same products in the same
/// order (lg.p null: causal; rs, cs Tile{}: unscaled).
struct MaskEpilogue {
  Tile lg, rg, rs, cs;
  bool inclusive;
  __device__ __forceinline__ float operator()(int i, int j, float v) const {
    if (!(j < i || (j == i && inclusive)))
      return 0.0f;
    if (lg.p)
      v = v * expf(lg.at(i, 0) - rg.at(j, 0));
    if (rs.p || cs.p)
      v = v * scale_at(rs, i) * scale_at(cs, j);
    return v;
  }
};

/// acc = op(a) op(b) and the mask after it (tile-fuse-mask-epilogue):
/// on sm_90a's tensor-core rounds the mask runs on the accumulators as they
/// are stored (no second pass over acc, one barrier); elsewhere the two
/// ops in turn. lg and rg Tile{}: a causal mask; rs, cs Tile{}: unscaled.
template <class A, class B>
__device__ inline void mma_masked(Block &blk, const Tile &acc, const A &a, const B &b, bool ta,
                                  bool tb, Operand type, const Tile &lg, const Tile &rg,
                                  const Tile &rs, const Tile &cs, bool inclusive) {
  LINAC_CONSUMERS_ONLY;
  const bool scaled = rs.p || cs.p;
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
  const int Kc = ta ? rows_of(a) : cols_of(a);
  if ((type == Operand::bf16 || type == Operand::f16) && acc.rows % kMmaBlock == 0 &&
      acc.cols % kMmaBlock == 0 && Kc % kMmaBlock == 0 && !overlaps_any(acc, a) &&
      !overlaps_any(acc, b)) {
    mma_rounds(blk, acc, a, b, ta, tb, false, type, false,
               MaskEpilogue{lg, rg, rs, cs, inclusive});
    return;
  }
#endif
  mma(blk, acc, a, b, ta, tb, false, type);
  if (lg.p && scaled)
    decay_mask(blk, acc, lg, rg, rs, cs, inclusive);
  else if (lg.p)
    decay_mask(blk, acc, lg, rg, inclusive);
  else if (scaled)
    causal_mask(blk, acc, rs, cs, inclusive);
  else
    causal_mask(blk, acc, inclusive);
}

#ifndef LINAC_GRAM_TILED // 0: every gram_diag an element loop (to time both)
#define LINAC_GRAM_TILED 1
#endif
/// Whether gram_diag_tiled applies: square dst of 4-row multiples up to 64
/// and operands of as many channels.
__device__ inline bool gram_tiled_fits(const Tile &dst, const Tile &l, const Tile &r,
                                       const Tile &lg, const Tile &rg) {
  const Tile *ops[] = {&l, &r, &lg, &rg};
  bool ok = dst.rows == dst.cols && dst.rows % 4 == 0 && dst.rows <= 64;
  for (const Tile *t : ops)
    ok = ok && t->rows >= dst.rows && t->cols == l.cols;
  return ok;
}

/// gram_diag in 4 x 4 output tiles on and below the diagonal, each over a
/// slice of the channels (slices of one tile are adjacent lanes, summed by
/// shuffles in a fixed order, so results do not vary between runs). A tile
/// below the diagonal factors the decay through rg's row at its last
/// column, as the lowering's sub-blocks do (both factors <= 1 for
/// non-increasing cumulative gates): 8 exponentials per channel for 16
/// products instead of 16. Tiles on the diagonal take one exponential per
/// pair. Tiles above it are zero. Inline: as a call it made the kernels
/// save their fragments around it (ptxas: twice KDA's stack frame).
template <class L, class R>
__device__ __forceinline__ void gram_diag_tiled(const Tile &dst, const L &l, const R &r,
                                       const Tile &lg, const Tile &rg, bool inclusive) {
  const int n = dst.rows, T = n / 4, tiles = T * (T + 1) / 2, channels = l.cols;
  const int threads = consumer_threads(), tid = static_cast<int>(threadIdx.x);
  // Channel slices per tile: the most (a power of two up to 32) that keeps
  // every tile's slices in one pass.
  int S = 1;
  while (S < 32 && tiles * S * 2 <= threads && channels % (S * 2) == 0)
    S *= 2;
  const int slice = channels / S;
  // Zero the tiles above the diagonal.
  for (int e = tid; e < T * T; e += threads) {
    const int I = e / T, J = e % T;
    if (J > I)
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j)
          dst.at(4 * I + i, 4 * J + j) = 0.0f;
  }
  // Every warp's lanes take part in the shuffles, past the last tile too.
  const int items = (tiles * S + 31) / 32 * 32;
  for (int item = tid; item < items; item += threads) {
    const int t = item / S, s = item % S;
    const bool live = t < tiles;
    int I = 0, J = 0;
    if (live) { // the t-th tile of the lower triangle, row by row
      while ((I + 1) * (I + 2) / 2 <= t)
        ++I;
      J = t - I * (I + 1) / 2;
    }
    float acc[4][4] = {};
    if (live) {
      const int i0 = 4 * I, j0 = 4 * J;
      // Lanes start at different channels: rows 512 bytes apart would put
      // a warp's loads of one channel in the same bank.
      const int rot = (tid % 32) % slice;
      for (int q = 0; q < slice; ++q) {
        const int c = s * slice + (q + rot < slice ? q + rot : q + rot - slice);
        float li[4], gi[4], rj[4], hj[4];
#pragma unroll
        for (int u = 0; u < 4; ++u) {
          li[u] = row_value(l, i0 + u, c);
          gi[u] = lg.at(i0 + u, c);
          rj[u] = row_value(r, j0 + u, c);
          hj[u] = rg.at(j0 + u, c);
        }
        if (I > J) {
          const float ref = hj[3];
          float a[4], b[4];
#pragma unroll
          for (int u = 0; u < 4; ++u) {
            a[u] = li[u] * expf(gi[u] - ref);
            b[u] = rj[u] * expf(ref - hj[u]);
          }
#pragma unroll
          for (int i = 0; i < 4; ++i)
#pragma unroll
            for (int j = 0; j < 4; ++j)
              acc[i][j] += a[i] * b[j];
        } else {
#pragma unroll
          for (int i = 0; i < 4; ++i)
#pragma unroll
            for (int j = 0; j <= i; ++j)
              acc[i][j] += li[i] * rj[j] * expf(gi[i] - hj[j]);
        }
      }
    }
#pragma unroll
    for (int o = 1; o < 32; o *= 2)
      if (o < S)
#pragma unroll
        for (int i = 0; i < 4; ++i)
#pragma unroll
          for (int j = 0; j < 4; ++j)
            acc[i][j] += __shfl_xor_sync(0xffffffffu, acc[i][j], o);
    if (live && s == 0)
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) {
          const bool keep = I > J || j < i || (j == i && inclusive);
          dst.at(4 * I + i, 4 * J + j) = keep ? acc[i][j] : 0.0f;
        }
  }
}

#ifndef LINAC_GRAM_MMA // 0: gram_diag in fp32 whatever its operand type (to time both)
#define LINAC_GRAM_MMA 1
#endif
// The split form's outputs into d by constant indices, which keeps them in
// registers (H200, 8x4096x16, 2026-12-04: KDA 4.85 -> 4.68 ms, GDN-2 10.5 ->
// 9.70, DPLR 8.27 -> 8.04, GLA unchanged); 0: by a run-time index.
#ifndef LINAC_GRAM_BLOCK_REGS
#define LINAC_GRAM_BLOCK_REGS 1
#endif
#ifndef LINAC_GRAM_SPLIT_HINT // 0: a diagonal tile always tries the whole form first (to time both)
#define LINAC_GRAM_SPLIT_HINT 1
#endif
// 1 (default): the split form's 8 x 8 diagonal blocks with the channels
// over the lanes (each operand value read once, a shuffle reduction); 0:
// two pairs per lane over every channel. The same fp32 pairs, summed in
// another order (H100, 8x4096x16, session 24: KDA 4.72 -> 4.41 ms, GDN-2
// 10.17 -> 8.66; bench/results/bench-h100.md).
#ifndef LINAC_GRAM_DIAG_LANES
#define LINAC_GRAM_DIAG_LANES 1
#endif
// 1: the lanes form's diagonal 8 x 8 blocks through reference rows
// (gram_block_channel: 16 exponentials per channel instead of 28 for a
// strictly lower block, 21 instead of 36 for an inclusive one, and one fma
// per pair), where every factor's exponent is at most kGramTileBound
// (non-increasing gates: all of them <= 0); 0 (default until timed): each
// pair's exponential alone.
#ifndef LINAC_GRAM_BLOCK_FACTOR
#define LINAC_GRAM_BLOCK_FACTOR 0
#endif
// 1: gram_diag_pair takes each diagonal 8 x 8 block's exponentials once for
// both outputs (gram_block_diag_pair); 0: each output's block alone, as
// two gram_diag calls would (to time both; the outputs are the same).
#ifndef LINAC_GRAM_PAIR_BLOCKS
#define LINAC_GRAM_PAIR_BLOCKS 1
#endif

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
/// gram_diag with bf16 operands on the tensor cores, as the cpu library's
/// gram_diag computes it (the tile rule and kGramTileBound are documented
/// there): each warp takes 16 x 8 output tiles on or below the diagonal
/// (mma.sync m16n8k16), scales its operands by the exponentials of their
/// distance to the tile's reference row of rg while converting them to
/// bf16, and writes its tile masked. A tile with an exponent over the
/// bound, a scaled operand past kGramTileLargest, or scaled operands whose
/// largest magnitudes times the channels pass it (products that could
/// overflow) is computed again: a tile on the diagonal in the split form
/// (its 8 x 8 diagonal block's pairs in fp32, the rows below on the tensor
/// cores at its last column: with decays of several units per token, as
/// models' gates reach, nearly every diagonal tile is over the bound),
/// any other tile, or a split one still over, by its warp in fp32, pair by
/// pair. Tiles wholly above the diagonal are zero. Channels go to the K positions of a lane as
/// c = 4t..4t+3 (the same permutation for both operands), so each lane
/// reads them as one float4.
constexpr float kGramTileBound = 40.0f, kGramTileLargest = 3.0e38f;

__device__ inline bool gram_tiles_fit(const Tile &dst, const Tile &l, const Tile &r,
                                      const Tile &lg, const Tile &rg) {
  const Tile *ops[] = {&l, &r, &lg, &rg};
  bool ok = dst.rows == dst.cols && dst.rows % 16 == 0 && l.cols % 16 == 0;
  for (const Tile *t : ops)
    ok = ok && t->rows >= dst.rows && t->cols == l.cols && t->ld % 4 == 0 &&
         (reinterpret_cast<unsigned long long>(t->p) & 15) == 0;
  return ok;
}

__device__ __forceinline__ float4 gram_load4(const Tile &t, int i, int c) {
  return *reinterpret_cast<const float4 *>(&t.at(i, c));
}
/// Four values of a bf16 input stage, as floats (exactly).
__device__ __forceinline__ float4 gram_load4(const Tile16 &t, int i, int c) {
  const uint2 h = *reinterpret_cast<const uint2 *>(&t.at(i, c));
  return make_float4(__uint_as_float(h.x << 16), __uint_as_float(h.x & 0xffff0000u),
                     __uint_as_float(h.y << 16), __uint_as_float(h.y & 0xffff0000u));
}

/// x * ex as bf16 pairs (lo in the low half), ex the exponentials already
/// taken; a dead row (wholly masked in its tile) is zero. Keeps the largest
/// scaled magnitude in `peak` (NaN passes, as in the fp32 form).
__device__ __forceinline__ unsigned gram_scaled_given(float x0, float ex0, float x1, float ex1,
                                                      bool live, float &peak) {
  const float lo = live ? x0 * ex0 : 0.0f, hi = live ? x1 * ex1 : 0.0f;
  peak = fmaxf(peak, fmaxf(fabsf(lo), fabsf(hi)));
  unsigned packed;
  asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(packed) : "f"(hi), "f"(lo));
  return packed;
}
/// x * e^e as gram_scaled_given makes it, noting live exponents over the
/// bound in `over`.
__device__ __forceinline__ unsigned gram_scaled_pair(float x0, float e0, float x1, float e1,
                                                     bool live, bool &over, float &peak) {
  over |= live && (e0 > kGramTileBound || e1 > kGramTileBound);
  return gram_scaled_given(x0, __expf(e0), x1, __expf(e1), live, peak);
}

/// The lane's four outputs of the tile at (i0, j0) (the mma accumulator's
/// places) in fp32, each exponent as is; lanes start at different channels
/// (rows of one bank alignment). Inline: a call would save the caller's
/// fragments around it.
template <class L, class R>
__device__ __forceinline__ void gram_tile_fp32(float (&d)[4], const L &l, const R &r,
                                               const Tile &lg, const Tile &rg, int i0, int j0,
                                               int g, int t) {
  const int groups = l.cols / 4, lane = static_cast<int>(threadIdx.x) % 32;
#pragma unroll
  for (int v = 0; v < 4; ++v)
    d[v] = 0.0f;
  for (int q = 0; q < groups; ++q) {
    const int c = 4 * ((q + lane) % groups);
    float4 lv[2], gv[2], rv[2], hv[2];
#pragma unroll
    for (int x = 0; x < 2; ++x) {
      lv[x] = gram_load4(l, i0 + g + 8 * x, c);
      gv[x] = gram_load4(lg, i0 + g + 8 * x, c);
      rv[x] = gram_load4(r, j0 + 2 * t + x, c);
      hv[x] = gram_load4(rg, j0 + 2 * t + x, c);
    }
#pragma unroll
    for (int v = 0; v < 4; ++v) {
      const float4 a = lv[v / 2], ga = gv[v / 2], b = rv[v % 2], hb = hv[v % 2];
      d[v] += a.x * b.x * expf(ga.x - hb.x) + a.y * b.y * expf(ga.y - hb.y) +
              a.z * b.z * expf(ga.z - hb.z) + a.w * b.w * expf(ga.w - hb.w);
    }
  }
}

/// The lane's two outputs of an 8 x 8 diagonal block, (i, j) and (i, j + 1),
/// in fp32 pair by pair (d0, d1); a lane with neither live skips
/// the channels. Exponentials by __expf: ex2.approx of x log2 e, relative
/// error ~1e-7 + 6e-8 |x|, far below the bf16 rounding of the tiles beside
/// them; those of dead pairs may overflow and are masked when stored.
template <class L, class R>
__device__ __forceinline__ void gram_block_fp32(float &d0, float &d1, const L &l, const R &r,
                                                const Tile &lg, const Tile &rg, int i, int j,
                                                bool live) {
  const int groups = l.cols / 4, lane = static_cast<int>(threadIdx.x) % 32;
  float s0 = 0.0f, s1 = 0.0f;
  if (live)
    for (int q = 0; q < groups; ++q) {
      const int c = 4 * ((q + lane) % groups);
      const float4 a = gram_load4(l, i, c), ga = gram_load4(lg, i, c);
      const float4 b0 = gram_load4(r, j, c), h0 = gram_load4(rg, j, c);
      const float4 b1 = gram_load4(r, j + 1, c), h1 = gram_load4(rg, j + 1, c);
      s0 += a.x * b0.x * __expf(ga.x - h0.x) + a.y * b0.y * __expf(ga.y - h0.y) +
            a.z * b0.z * __expf(ga.z - h0.z) + a.w * b0.w * __expf(ga.w - h0.w);
      s1 += a.x * b1.x * __expf(ga.x - h1.x) + a.y * b1.y * __expf(ga.y - h1.y) +
            a.z * b1.z * __expf(ga.z - h1.z) + a.w * b1.w * __expf(ga.w - h1.w);
    }
  d0 = s0;
  d1 = s1;
}

/// One step of a warp's recursive halving of 2 Half sums per lane: a lane
/// keeps the half its bit `Half` picks, adding its partner's share of it.
/// (Selects by bit masks and a constant count: a conditional between two
/// elements, or a count known only at run time, would index the array at
/// run time and put it in local memory.)
template <int Half>
__device__ __forceinline__ void gram_halve(float (&acc)[36], int lane) {
  const unsigned upper = (lane & Half) != 0 ? 0xffffffffu : 0u;
#pragma unroll
  for (int k = 0; k < Half; ++k) {
    const unsigned lo = __float_as_uint(acc[k]), hi = __float_as_uint(acc[k + Half]);
    const float send = __uint_as_float((lo & upper) | (hi & ~upper));
    const float keep = __uint_as_float((hi & upper) | (lo & ~upper));
    acc[k] = keep + __shfl_xor_sync(0xffffffffu, send, Half);
  }
}

/// gram_block_channel's corner through reference row M: whether each of
/// its factors' exponents (rows M..End-1 against row M, row M against
/// columns First..M-1) is at most 0, so that no factor is above 1 (false
/// for a NaN, such as a closed gate's -inf - -inf).
template <int M, int First, int End>
__device__ __forceinline__ bool gram_corner_fits(const float (&gv)[8], const float (&hv)[8]) {
  bool fits = gv[M] - hv[M] <= 0.0f;
#pragma unroll
  for (int j = First; j < M; ++j)
    fits &= hv[M] - hv[j] <= 0.0f;
#pragma unroll
  for (int i = M + 1; i < End; ++i)
    fits &= gv[i] - hv[M] <= 0.0f;
  return fits;
}

/// The corner's pairs (rows M..End-1 by columns First..M), each
/// e^(gv_i - hv_M) e^(hv_M - hv_j) with the factors folded into the
/// operands: one fma a pair (the diagonal pair only where inclusive).
template <int M, int First, int End, int N>
__device__ __forceinline__ void gram_corner(float (&acc)[N][36], const float (&lv)[N][8],
                                            const float (&gv)[8], const float (&rv)[8],
                                            const float (&hv)[8], const bool (&inclusive)[N]) {
  float rb[M + 1]; // column M's factor is e^0
#pragma unroll
  for (int j = First; j < M; ++j)
    rb[j] = rv[j] * __expf(hv[M] - hv[j]);
  rb[M] = rv[M];
#pragma unroll
  for (int i = M; i < End; ++i) {
    const float x = __expf(gv[i] - hv[M]);
#pragma unroll
    for (int n = 0; n < N; ++n) {
      const float la = lv[n][i] * x;
#pragma unroll
      for (int j = First; j <= M; ++j)
        if (j < i || inclusive[n])
          acc[n][i * (i + 1) / 2 + j] = fmaf(la, rb[j], acc[n][i * (i + 1) / 2 + j]);
    }
  }
}

/// One channel's share of an 8 x 8 diagonal block's 36 pairs, for N left
/// operands with the same right operand and decays (lv: the lefts' rows,
/// gv: their decays, rv and hv: the right operand's rows and decays; pair
/// p = i (i + 1) / 2 + j, the diagonal pairs only where `inclusive[n]`).
/// Each pair's exponential e^(gv_i - hv_j) is taken once for all N. With
/// LINAC_GRAM_BLOCK_FACTOR it goes through reference rows where that is
/// safe: e^(gv_i - hv_j) = e^(gv_i - hv_m) e^(hv_m - hv_j) for i >= m >= j
/// (m = 4; then m = 2 and m = 6 inside the two corners left: 30 pairs;
/// (1, 0) and five diagonal pairs alone), each factor folded into its
/// operand, so a pair
/// costs one fma. Taken where every factor's exponent is at most 0
/// (non-increasing decays, the same on both sides): no factor is above 1,
/// so no scaled operand exceeds its operand, and a factor that underflows
/// leaves out a product that underflows in the direct form too. Otherwise
/// (rising gates, a left decay ahead of the right one, a NaN), this
/// channel's pairs one by one.
template <int N>
__device__ __forceinline__ void gram_block_channel(float (&acc)[N][36], const float (&lv)[N][8],
                                                   const float (&gv)[8], const float (&rv)[8],
                                                   const float (&hv)[8],
                                                   const bool (&inclusive)[N]) {
  bool anyInclusive = false;
#pragma unroll
  for (int n = 0; n < N; ++n)
    anyInclusive |= inclusive[n];
#if LINAC_GRAM_BLOCK_FACTOR
  // Rows 4-7 by columns 0-4 through row 4, then rows 2-3 by columns 0-2
  // through row 2 and rows 6-7 by columns 5-6 through row 6.
  if (gram_corner_fits<4, 0, 8>(gv, hv) & gram_corner_fits<2, 0, 4>(gv, hv) &
      gram_corner_fits<6, 5, 8>(gv, hv)) {
    gram_corner<4, 0, 8, N>(acc, lv, gv, rv, hv, inclusive);
    gram_corner<2, 0, 4, N>(acc, lv, gv, rv, hv, inclusive);
    gram_corner<6, 5, 8, N>(acc, lv, gv, rv, hv, inclusive);
    auto pair = [&](int n, int i, int j, float a, float b) {
      if (j < i || inclusive[n])
        acc[n][i * (i + 1) / 2 + j] = fmaf(a, b, acc[n][i * (i + 1) / 2 + j]);
    };
    // The pairs left: (1, 0) and the diagonal's (0, 0), (1, 1), (3, 3),
    // (5, 5), (7, 7).
    const float x10 = __expf(gv[1] - hv[0]);
#pragma unroll
    for (int n = 0; n < N; ++n)
      pair(n, 1, 0, lv[n][1] * rv[0], x10);
    if (anyInclusive) {
      constexpr int kLeft[5] = {0, 1, 3, 5, 7};
#pragma unroll
      for (int u = 0; u < 5; ++u) {
        const int i = kLeft[u];
        const float x = __expf(gv[i] - hv[i]);
#pragma unroll
        for (int n = 0; n < N; ++n)
          pair(n, i, i, lv[n][i] * rv[i], x);
      }
    }
    return;
  }
#endif
#pragma unroll
  for (int i = 0; i < 8; ++i) {
#pragma unroll
    for (int j = 0; j <= i; ++j) {
      if (j < i || anyInclusive) {
        const float x = __expf(gv[i] - hv[j]);
#pragma unroll
        for (int n = 0; n < N; ++n)
          if (j < i || inclusive[n]) {
            float &a = acc[n][i * (i + 1) / 2 + j];
            a = fmaf(lv[n][i] * rv[j], x, a); // one rounding order for every N
          }
      }
    }
  }
}

/// The warp's sums of an 8 x 8 diagonal block's 36 pairs (each lane's
/// share of the channels in `acc`) reduced and stored: the first 32 by
/// recursive halving (lane p ends with pair p) and the last 4 by
/// butterflies; the pairs above the diagonal are zero.
__device__ __forceinline__ void gram_block_store(const Tile &dst, float (&acc)[36], int b0,
                                                 bool inclusive, int lane) {
  gram_halve<16>(acc, lane);
  gram_halve<8>(acc, lane);
  gram_halve<4>(acc, lane);
  gram_halve<2>(acc, lane);
  gram_halve<1>(acc, lane);
  float last = 0.0f;
#pragma unroll
  for (int p = 32; p < 36; ++p) {
#pragma unroll
    for (int off = 16; off >= 1; off /= 2)
      acc[p] += __shfl_xor_sync(0xffffffffu, acc[p], off);
    const unsigned mine = lane == p - 32 ? 0xffffffffu : 0u;
    last = __uint_as_float((__float_as_uint(acc[p]) & mine) | (__float_as_uint(last) & ~mine));
  }
  // Lane p writes pair p (row i, column j <= i), lanes 0-3 the last four
  // (row 7, columns 4-7).
  int i = 0;
  while ((i + 1) * (i + 2) / 2 <= lane)
    ++i;
  const int j = lane - i * (i + 1) / 2;
  dst.at(b0 + i, b0 + j) = j < i || inclusive ? acc[0] : 0.0f;
  if (lane < 4)
    dst.at(b0 + 7, b0 + 4 + lane) = lane < 3 || inclusive ? last : 0.0f;
  for (int e = lane; e < 64; e += 32)
    if (e % 8 > e / 8)
      dst.at(b0 + e / 8, b0 + e % 8) = 0.0f;
}

/// N 8 x 8 diagonal blocks (rows and columns b0..b0 + 7) of Gram matrices
/// with the same right operand and decays, in fp32 pair by pair, with the
/// channels spread over the lanes (lane c, c + 32, ...: consecutive words,
/// no bank conflicts, each operand value read once): every lane sums its
/// channels' share of the blocks' pairs (gram_block_channel: each pair's
/// exponential once for all N), then the warp reduces them
/// (gram_block_store). Each output's sums are the same for any N (the same
/// products, added in the same order), so gram_diag_pair's outputs are
/// gram_diag's.
template <int N, class L, class R>
__device__ __forceinline__ void gram_block_diag_n(const Tile (&dst)[N], const L (&l)[N],
                                                  const bool (&inclusive)[N], const R &r,
                                                  const Tile &lg, const Tile &rg, int b0,
                                                  int lane) {
  const int channels = l[0].cols;
  float acc[N][36];
#pragma unroll
  for (int n = 0; n < N; ++n)
#pragma unroll
    for (int p = 0; p < 36; ++p)
      acc[n][p] = 0.0f;
  for (int c = lane; c < channels; c += 32) {
    float lv[N][8], gv[8], rv[8], hv[8];
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      rv[i] = row_value(r, b0 + i, c);
      hv[i] = rg.at(b0 + i, c);
      gv[i] = lg.at(b0 + i, c);
#pragma unroll
      for (int n = 0; n < N; ++n)
        lv[n][i] = row_value(l[n], b0 + i, c);
    }
    gram_block_channel<N>(acc, lv, gv, rv, hv, inclusive);
  }
#pragma unroll
  for (int n = 0; n < N; ++n)
    gram_block_store(dst[n], acc[n], b0, inclusive[n], lane);
}

template <class L, class R>
__device__ __forceinline__ void gram_block_diag(const Tile &dst, const L &l, const R &r,
                                                const Tile &lg, const Tile &rg, int b0,
                                                bool inclusive, int lane) {
  const Tile d[1] = {dst};
  const L ls[1] = {l};
  const bool inc[1] = {inclusive};
  gram_block_diag_n<1>(d, ls, inc, r, lg, rg, b0, lane);
}

/// gram_block_diag for two Gram matrices with the same right operand and
/// decays (gram_diag_pair).
template <class L, class R>
__device__ __forceinline__ void gram_block_diag_pair(const Tile &dst0, const L &l0,
                                                     bool inclusive0, const Tile &dst1,
                                                     const L &l1, bool inclusive1, const R &r,
                                                     const Tile &lg, const Tile &rg, int b0,
                                                     int lane) {
  const Tile d[2] = {dst0, dst1};
  const L ls[2] = {l0, l1};
  const bool inc[2] = {inclusive0, inclusive1};
  gram_block_diag_n<2>(d, ls, inc, r, lg, rg, b0, lane);
}

/// The tensor-core forms' zeros: the tiles wholly above the diagonal
/// (columns past their 16-row tile's last row).
__device__ __forceinline__ void gram_zero_above(const Tile &dst, int tid, int threads) {
  const int n = dst.rows;
  for (int e = tid; e < n * n; e += threads) {
    const int i = e / n, j = e % n;
    if (j >= i / 16 * 16 + 16)
      dst.at(i, j) = 0.0f;
  }
}

/// Whether a diagonal tile at column j0 is over the bound in the whole
/// form already at its first live row (j0) or last column (j0 + 7) against
/// the reference `ref`: these exponents are among those the whole form's
/// loop tests, so going straight to the split form gives the same values
/// without the discarded pass (with decays of several units per token
/// nearly every diagonal tile is over). Warp-uniform.
__device__ __forceinline__ bool gram_split_hint(const Tile &lg, const Tile &rg, int j0, int ref,
                                                int channels) {
  bool hint = false;
  for (int c = 4 * (static_cast<int>(threadIdx.x) % 32); c < channels; c += 128) {
    const float4 a = gram_load4(lg, j0, c), h = gram_load4(rg, ref, c),
                 z = gram_load4(rg, j0 + 7, c);
    hint |= a.x - h.x > kGramTileBound || a.y - h.y > kGramTileBound ||
            a.z - h.z > kGramTileBound || a.w - h.w > kGramTileBound ||
            h.x - z.x > kGramTileBound || h.y - z.y > kGramTileBound ||
            h.z - z.z > kGramTileBound || h.w - z.w > kGramTileBound;
  }
  return __any_sync(0xffffffffu, hint);
}

/// The form a 16 x 8 tile of gram_diag's per-tile form is in: the whole
/// form first (rows from the tile's first column on, scaled at its last
/// column below the diagonal or its fourth on it); a tile on the diagonal
/// that is over the bounds then takes the split form (rows below its
/// columns scaled at its last column, the 8 x 8 diagonal block's pairs in
/// fp32: rows i0.. for J = 2I, i0 + 8.. for J = 2I + 1); any other tile,
/// or a split one still over, fp32 pair by pair.
struct GramTileForm {
  int j0, ref, first;
  bool onDiag, split = false, fp32 = false;
  __device__ GramTileForm(const Tile &lg, const Tile &rg, int i0, int j0, int channels)
      : j0(j0), ref(j0 + 7 >= i0 ? j0 + 3 : j0 + 7), first(j0), onDiag(j0 + 7 >= i0) {
#if LINAC_GRAM_SPLIT_HINT
    if (onDiag && gram_split_hint(lg, rg, j0, ref, channels))
      to_split();
#else
    (void)lg, (void)rg, (void)channels;
#endif
  }
  __device__ void to_split() {
    split = true;
    ref = j0 + 7;
    first = j0 + 8;
  }
  /// After a pass over the bounds: the next form to try (true), or fp32.
  __device__ bool next() {
    if (!onDiag || split) {
      fp32 = true;
      return false;
    }
    to_split();
    return true;
  }
};

/// A split tile's rows outside its 8 x 8 diagonal block (J = 2I: rows
/// i0 + 8.., from the tensor-core loop's `d`; J = 2I + 1: rows i0.., above
/// the diagonal, zero).
__device__ __forceinline__ void gram_tile_store_off(const Tile &dst, int i0, int j0,
                                                    const float (&d)[4], bool inclusive) {
  const int tid = static_cast<int>(threadIdx.x), g = (tid % 32) / 4, t = tid % 4;
  const bool lower = j0 > i0;
#pragma unroll
  for (int v = 0; v < 4; ++v) {
    const int i = i0 + g + (v / 2) * 8, j = j0 + 2 * t + v % 2;
    if ((v / 2 == 1) != lower)
      dst.at(i, j) = j < i || (j == i && inclusive) ? d[v] : 0.0f;
  }
}

/// The end of a 16 x 8 tile of gram_diag's per-tile form, once the
/// tensor-core loop has left `d` (the whole tile, or with `split` the rows
/// below its 8 x 8 diagonal block) and chosen the form: the diagonal
/// block's pairs in fp32 where split, the whole tile in fp32 where `fp32`,
/// then the masked stores.
template <class L, class R>
__device__ __forceinline__ void gram_tile_finish(const Tile &dst, const L &l, const R &r,
                                                 const Tile &lg, const Tile &rg, int i0, int j0,
                                                 bool split, bool fp32, float (&d)[4],
                                                 bool inclusive) {
  const int tid = static_cast<int>(threadIdx.x), g = (tid % 32) / 4, t = tid % 4;
  const bool lower = j0 > i0;
#if LINAC_GRAM_DIAG_LANES
  if (split && !fp32) {
    // The diagonal block by the channels over the lanes, written here;
    // gram_tile_store_off stores the tile's other half.
    gram_block_diag(dst, l, r, lg, rg, j0, inclusive, static_cast<int>(threadIdx.x) % 32);
    gram_tile_store_off(dst, i0, j0, d, inclusive);
    return;
  }
#endif
  if (fp32) {
    gram_tile_fp32(d, l, r, lg, rg, i0, j0, g, t);
  } else if (split) { // the lane's pairs of the diagonal block: block row g, columns 2t, 2t + 1
    const bool live = 2 * t < g || (2 * t == g && inclusive);
    float s0, s1;
    gram_block_fp32(s0, s1, l, r, lg, rg, i0 + (lower ? 8 : 0) + g, j0 + 2 * t, live);
#if LINAC_GRAM_BLOCK_REGS
    // Constant indices into d: a run-time one puts d in local memory.
    d[0] = lower ? d[0] : s0;
    d[1] = lower ? d[1] : s1;
    d[2] = lower ? s0 : d[2];
    d[3] = lower ? s1 : d[3];
#else
    const int v = lower ? 2 : 0;
    d[v] = s0;
    d[v + 1] = s1;
#endif
  }
#pragma unroll
  for (int v = 0; v < 4; ++v) {
    const int i = i0 + g + (v / 2) * 8, j = j0 + 2 * t + v % 2;
    dst.at(i, j) = j < i || (j == i && inclusive) ? d[v] : 0.0f;
  }
}

/// One 16 x 8 tile (row tile I, column tile J) of gram_diag's per-tile
/// form, by the calling warp: the whole form, else the split form on the
/// diagonal, else fp32 pair by pair (the cpu library's gram_diag says the
/// rule).
template <class L, class R>
__device__ __forceinline__ void gram_tile_pertile(const Tile &dst, const L &l, const R &r,
                                                  const Tile &lg, const Tile &rg, int I, int J,
                                                  bool inclusive) {
  const int channels = l.cols, tid = static_cast<int>(threadIdx.x);
  const int g = (tid % 32) / 4, t = tid % 4;
  const int i0 = 16 * I, j0 = 8 * J;
  GramTileForm form(lg, rg, i0, j0, channels);
  float d[4];
  for (;;) { // warp-uniform: every exit depends on the tile and the warp's reductions
#pragma unroll
    for (int v = 0; v < 4; ++v)
      d[v] = 0.0f;
    if (form.first >= i0 + 16)
      break; // J = 2I + 1 split: no rows below the diagonal block
    const bool liveA = i0 + g >= form.first, liveB = i0 + g + 8 >= form.first;
    bool over = false;
    float peakA = 0.0f, peakB = 0.0f;
#pragma unroll 2
    for (int k0 = 0; k0 < channels; k0 += 16) {
      const int c = k0 + 4 * t;
      const float4 la = gram_load4(l, i0 + g, c), lb = gram_load4(l, i0 + g + 8, c);
      const float4 ga = gram_load4(lg, i0 + g, c), gb = gram_load4(lg, i0 + g + 8, c);
      const float4 rr = gram_load4(r, j0 + g, c), hr = gram_load4(rg, j0 + g, c);
      const float4 h = gram_load4(rg, form.ref, c);
      // K positions 2t, 2t+1 hold channels 4t, 4t+1; 2t+8, 2t+9 hold 4t+2, 4t+3.
      const unsigned a0 =
          gram_scaled_pair(la.x, ga.x - h.x, la.y, ga.y - h.y, liveA, over, peakA);
      const unsigned a1 =
          gram_scaled_pair(lb.x, gb.x - h.x, lb.y, gb.y - h.y, liveB, over, peakA);
      const unsigned a2 =
          gram_scaled_pair(la.z, ga.z - h.z, la.w, ga.w - h.w, liveA, over, peakA);
      const unsigned a3 =
          gram_scaled_pair(lb.z, gb.z - h.z, lb.w, gb.w - h.w, liveB, over, peakA);
      const unsigned b0 =
          gram_scaled_pair(rr.x, h.x - hr.x, rr.y, h.y - hr.y, true, over, peakB);
      const unsigned b1 =
          gram_scaled_pair(rr.z, h.z - hr.z, rr.w, h.w - hr.w, true, over, peakB);
      asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
                   "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                   : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                   : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
    }
    // The warp's largest magnitudes (non-negative floats order as their
    // bits; NaN passes the product test, as in the fp32 form).
    const float maxA = __uint_as_float(__reduce_max_sync(0xffffffffu, __float_as_uint(peakA)));
    const float maxB = __uint_as_float(__reduce_max_sync(0xffffffffu, __float_as_uint(peakB)));
    if (!(__any_sync(0xffffffffu, over) || maxA > kGramTileLargest ||
          maxB > kGramTileLargest || maxA * maxB * static_cast<float>(channels) > kGramTileLargest) ||
        !form.next())
      break;
  }
  gram_tile_finish(dst, l, r, lg, rg, i0, j0, form.split, form.fp32, d, inclusive);
}

// 1: the per-tile form's diagonal tiles dealt the lighter half first
// (gram_tile_unit); 0 (default until timed): row tile by row tile. The
// same tiles, each computed whole by one warp: the outputs are the same.
#ifndef LINAC_GRAM_BALANCE
#define LINAC_GRAM_BALANCE 0
#endif

/// The per-tile form's u-th 16 x 8 tile of T row tiles: row tile I has
/// 2I + 2 column tiles on or below the diagonal; the two on it (the
/// costlier ones when split) come first, one per warp as far as they go,
/// then the 2I below it (the warps' shares then differ by at most one tile
/// and one diagonal tile instead of up to two of each). Warp w takes
/// u = w, w + warps, ...: at 64 rows over 8 warps, warps 0-3 take three
/// tiles and warps 4-7 two. Under gates of several units per token every
/// diagonal tile is split, and a J = 2I tile then has a tensor-core pass
/// below its 8 x 8 block where a J = 2I + 1 tile has none, so with
/// LINAC_GRAM_BALANCE the T lighter ones (J = 2I + 1) come first, to the
/// warps that take a third tile: every warp then carries two passes, not
/// three on warps 0, 2 and their like (over 4 warps: one of each kind per
/// warp instead of two heavy or two light).
__device__ __forceinline__ void gram_tile_unit(int u, int T, int &I, int &J) {
  if (u < 2 * T) {
#if LINAC_GRAM_BALANCE
    I = u < T ? u : u - T;
    J = 2 * I + (u < T ? 1 : 0);
#else
    I = u / 2;
    J = 2 * I + u % 2;
#endif
  } else { // the k-th tile below the diagonal: row tile I holds k in [I (I - 1), I (I + 1))
    const int k = u - 2 * T;
    I = 1;
    while ((I + 1) * I <= k)
      ++I;
    J = k - I * (I - 1);
  }
}

/// gram_tile_pertile for two Gram matrices with the same right operand and
/// decays (config grams=pair: KDA's A = (beta k) k^T and M = q k^T): the
/// exponentials of the scaled operands, the right operand and the decays
/// are taken once for both tensor-core loops. Each output gets the values
/// its own gram_tile_pertile gives (the same products in the same order);
/// where the two would leave the whole or split form differently (an
/// operand's magnitudes pass the bounds for one only), each tile is
/// computed again by gram_tile_pertile alone.
template <class L, class R>
__device__ __forceinline__ void gram_tile_pertile_pair(const Tile &dst0, const L &l0,
                                                       bool inclusive0, const Tile &dst1,
                                                       const L &l1, bool inclusive1, const R &r,
                                                       const Tile &lg, const Tile &rg, int I,
                                                       int J) {
  const int channels = l0.cols, tid = static_cast<int>(threadIdx.x);
  const int g = (tid % 32) / 4, t = tid % 4;
  const int i0 = 16 * I, j0 = 8 * J;
  GramTileForm form(lg, rg, i0, j0, channels);
  float d0[4], d1[4];
  for (;;) { // warp-uniform, as gram_tile_pertile's
#pragma unroll
    for (int v = 0; v < 4; ++v)
      d0[v] = d1[v] = 0.0f;
    if (form.first >= i0 + 16)
      break;
    const bool liveA = i0 + g >= form.first, liveB = i0 + g + 8 >= form.first;
    bool over = false;
    float peak0 = 0.0f, peak1 = 0.0f, peakB = 0.0f;
#pragma unroll 2
    for (int k0 = 0; k0 < channels; k0 += 16) {
      const int c = k0 + 4 * t;
      const float4 ga = gram_load4(lg, i0 + g, c), gb = gram_load4(lg, i0 + g + 8, c);
      const float4 rr = gram_load4(r, j0 + g, c), hr = gram_load4(rg, j0 + g, c);
      const float4 h = gram_load4(rg, form.ref, c);
      // The exponents as gram_scaled_pair tests them, each exponential once.
      const float ea[4] = {ga.x - h.x, ga.y - h.y, ga.z - h.z, ga.w - h.w};
      const float eb[4] = {gb.x - h.x, gb.y - h.y, gb.z - h.z, gb.w - h.w};
      const float er[4] = {h.x - hr.x, h.y - hr.y, h.z - hr.z, h.w - hr.w};
      float xa[4], xb[4], xr[4];
#pragma unroll
      for (int u = 0; u < 4; ++u) {
        over |= (liveA && ea[u] > kGramTileBound) || (liveB && eb[u] > kGramTileBound) ||
                er[u] > kGramTileBound;
        xa[u] = __expf(ea[u]);
        xb[u] = __expf(eb[u]);
        xr[u] = __expf(er[u]);
      }
      const unsigned b0 = gram_scaled_given(rr.x, xr[0], rr.y, xr[1], true, peakB);
      const unsigned b1 = gram_scaled_given(rr.z, xr[2], rr.w, xr[3], true, peakB);
      {
        const float4 la = gram_load4(l0, i0 + g, c), lb = gram_load4(l0, i0 + g + 8, c);
        const unsigned a0 = gram_scaled_given(la.x, xa[0], la.y, xa[1], liveA, peak0);
        const unsigned a1 = gram_scaled_given(lb.x, xb[0], lb.y, xb[1], liveB, peak0);
        const unsigned a2 = gram_scaled_given(la.z, xa[2], la.w, xa[3], liveA, peak0);
        const unsigned a3 = gram_scaled_given(lb.z, xb[2], lb.w, xb[3], liveB, peak0);
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
                     "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                     : "+f"(d0[0]), "+f"(d0[1]), "+f"(d0[2]), "+f"(d0[3])
                     : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
      }
      {
        const float4 la = gram_load4(l1, i0 + g, c), lb = gram_load4(l1, i0 + g + 8, c);
        const unsigned a0 = gram_scaled_given(la.x, xa[0], la.y, xa[1], liveA, peak1);
        const unsigned a1 = gram_scaled_given(lb.x, xb[0], lb.y, xb[1], liveB, peak1);
        const unsigned a2 = gram_scaled_given(la.z, xa[2], la.w, xa[3], liveA, peak1);
        const unsigned a3 = gram_scaled_given(lb.z, xb[2], lb.w, xb[3], liveB, peak1);
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
                     "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                     : "+f"(d1[0]), "+f"(d1[1]), "+f"(d1[2]), "+f"(d1[3])
                     : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
      }
    }
    const float max0 = __uint_as_float(__reduce_max_sync(0xffffffffu, __float_as_uint(peak0)));
    const float max1 = __uint_as_float(__reduce_max_sync(0xffffffffu, __float_as_uint(peak1)));
    const float maxB = __uint_as_float(__reduce_max_sync(0xffffffffu, __float_as_uint(peakB)));
    const bool anyOver = __any_sync(0xffffffffu, over) || maxB > kGramTileLargest;
    const bool pass0 = !(anyOver || max0 > kGramTileLargest ||
                         max0 * maxB * static_cast<float>(channels) > kGramTileLargest);
    const bool pass1 = !(anyOver || max1 > kGramTileLargest ||
                         max1 * maxB * static_cast<float>(channels) > kGramTileLargest);
    if (pass0 && pass1)
      break;
    if (pass0 != pass1) { // the two part ways here: each alone, from the start
      gram_tile_pertile(dst0, l0, r, lg, rg, I, J, inclusive0);
      gram_tile_pertile(dst1, l1, r, lg, rg, I, J, inclusive1);
      return;
    }
    if (!form.next())
      break;
  }
#if LINAC_GRAM_DIAG_LANES && LINAC_GRAM_PAIR_BLOCKS
  if (form.split && !form.fp32) { // the diagonal block's exponentials once for both
    gram_block_diag_pair(dst0, l0, inclusive0, dst1, l1, inclusive1, r, lg, rg, j0, tid % 32);
    gram_tile_store_off(dst0, i0, j0, d0, inclusive0);
    gram_tile_store_off(dst1, i0, j0, d1, inclusive1);
    return;
  }
#endif
  gram_tile_finish(dst0, l0, r, lg, rg, i0, j0, form.split, form.fp32, d0, inclusive0);
  gram_tile_finish(dst1, l1, r, lg, rg, i0, j0, form.split, form.fp32, d1, inclusive1);
}

/// gram_diag_mma_of for a pair (gram_tile_pertile_pair), the tiles in the
/// same order.
template <class L, class R>
__device__ __forceinline__ void gram_diag_mma_pair_of(const Tile dst0, const L l0, bool inclusive0,
                                                      const Tile dst1, const L l1, bool inclusive1,
                                                      const R r, const Tile lg, const Tile rg) {
  const int n = dst0.rows, threads = consumer_threads();
  const int tid = static_cast<int>(threadIdx.x), warp = tid / 32, warps = threads / 32;
  gram_zero_above(dst0, tid, threads);
  gram_zero_above(dst1, tid, threads);
  const int T = n / 16, tiles = T * (T + 1);
  for (int u = warp; u < tiles; u += warps) {
    int I, J;
    gram_tile_unit(u, T, I, J);
    gram_tile_pertile_pair(dst0, l0, inclusive0, dst1, l1, inclusive1, r, lg, rg, I, J);
  }
}

/// Inline in fragment kernels, one out-of-line copy otherwise (as the
/// element-wise ops: LINAC_EW_OUTLINED).
template <class L, class R>
__device__ __forceinline__ void gram_diag_mma_of(const Tile dst, const L l, const R r,
                                              const Tile lg, const Tile rg, bool inclusive) {
  const int n = dst.rows, threads = consumer_threads();
  const int tid = static_cast<int>(threadIdx.x), warp = tid / 32, warps = threads / 32;
  gram_zero_above(dst, tid, threads);
  const int T = n / 16, tiles = T * (T + 1);
  for (int u = warp; u < tiles; u += warps) {
    int I, J;
    gram_tile_unit(u, T, I, J);
    gram_tile_pertile(dst, l, r, lg, rg, I, J, inclusive);
  }
}
/// The tensor-core form for fp32 operands and for bf16 input stages.
__device__ LINAC_EW_INLINE void gram_diag_mma(const Tile dst, const Tile l, const Tile r,
                                              const Tile lg, const Tile rg, bool inclusive) {
  gram_diag_mma_of(dst, l, r, lg, rg, inclusive);
}
template <class L, class R>
__device__ LINAC_EW_INLINE void gram_diag_mma(const Tile dst, const L l, const R r,
                                              const Tile lg, const Tile rg, bool inclusive) {
  gram_diag_mma_of(dst, l, r, lg, rg, inclusive);
}
/// The pair form (fp32 tiles: KDA's operands).
__device__ LINAC_EW_INLINE void gram_diag_mma_pair(const Tile dst0, const Tile l0, bool inclusive0,
                                                   const Tile dst1, const Tile l1, bool inclusive1,
                                                   const Tile r, const Tile lg, const Tile rg) {
  gram_diag_mma_pair_of(dst0, l0, inclusive0, dst1, l1, inclusive1, r, lg, rg);
}

// 0: a proven gate bound is ignored (the per-tile form, to time both; the
// cpu library still takes the bounded form, so outputs differ from it).
#ifndef LINAC_GRAM_BOUNDED
#define LINAC_GRAM_BOUNDED 1
#endif
/// The bounded form's longest run of column tiles per warp task.
constexpr int kGramRunMax = 3;
constexpr float kGramBoundedSpan = 80.0f;
__device__ __forceinline__ bool gram_bounded(float bound) {
  return LINAC_GRAM_BOUNDED && bound > 0.0f && 16.0f * bound <= kGramBoundedSpan;
}

/// The row-block form's tests where no bound is proven (the cpu library's
/// gram_diag states them): scaled rows' exponents at most 40, scaled
/// columns' at most 75, and at most 40 where a row's is below -80 (a row
/// that underflowed then drops at most e^-47 of a live product).
constexpr float kGramRowsLhsMax = 40.0f, kGramRowsRhsMax = 75.0f, kGramRowsLhsMin = -80.0f;
// 1: the row-block form's scalings by expf instead of __expf (to test the
// fast exponential's part in its rounding).
#ifndef LINAC_GRAM_ROWS_EXPF
#define LINAC_GRAM_ROWS_EXPF 0
#endif

/// What the row-block form notes of a row tile's or a column tile's scaled
/// operands: an exponent over the bound, one over kGramTileBound, one below
/// kGramRowsLhsMin, the largest magnitude (the rows' `mid` and the columns'
/// `lo` are not read: the compiler drops them).
struct GramRowsTests {
  bool hi = false, mid = false, lo = false;
  float peak = 0.0f;
};

/// x * e^e as bf16 pairs (lo in the low half) for the row-block form; with
/// Checked, notes them in `tests` against `hiBound`.
template <bool Checked>
__device__ __forceinline__ unsigned gram_pair_bf16(float x0, float e0, float x1, float e1,
                                                   GramRowsTests &tests, float hiBound) {
#if LINAC_GRAM_ROWS_EXPF // the accurate exponential (to test the fast one's rounding)
  const float v0 = x0 * expf(e0), v1 = x1 * expf(e1);
#else
  const float v0 = x0 * __expf(e0), v1 = x1 * __expf(e1);
#endif
  if (Checked) {
    tests.hi |= e0 > hiBound || e1 > hiBound;
    tests.mid |= e0 > kGramTileBound || e1 > kGramTileBound;
    tests.lo |= e0 < kGramRowsLhsMin || e1 < kGramRowsLhsMin;
    tests.peak = fmaxf(tests.peak, fmaxf(fabsf(v0), fabsf(v1)));
  }
  unsigned packed;
  asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(packed) : "f"(v1), "f"(v0));
  return packed;
}

/// Row tile I's column tiles (2I + 2 of them, on and below the diagonal)
/// in `runs` runs as even as they go; run q's first tile and count.
__device__ __forceinline__ void gram_run(int I, int runs, int q, int &first, int &count) {
  const int m = 2 * I + 2;
  first = q * m / runs;
  count = (q + 1) * m / runs - first;
}

/// gram_diag's row-block form: each 16-row block factors through its first
/// row p, so its scaled rows l e^(lg - rg[p]) serve every column tile of
/// the block. A warp takes a run of up to kGramRunMax column tiles of one
/// row tile and, per 16 channels, scales the row tile's operand once and
/// each column tile's, then multiplies (mma.sync m16n8k16); the per-tile
/// form scales both operands per 16 x 8 tile. Runs are sized so that the
/// tasks fit the warps (64 x 64 on 8 warps: runs of 2-3). Without Checked
/// (a proven decay bound: the cpu library's gram_diag says why it is safe)
/// nothing is tested; with it, a tile whose exponents or scaled operands
/// fail the row-block tests is computed again by the per-tile form.
template <bool Checked, class L, class R>
__device__ __forceinline__ void gram_diag_rows_of(const Tile dst, const L l, const R r,
                                                  const Tile lg, const Tile rg, bool inclusive) {
  const int n = dst.rows, channels = l.cols, threads = consumer_threads();
  const int tid = static_cast<int>(threadIdx.x), warp = tid / 32, warps = threads / 32;
  const int g = (tid % 32) / 4, t = tid % 4;
  gram_zero_above(dst, tid, threads);
  const int T = n / 16;
  // The shortest runs whose tasks fit the warps (or kGramRunMax).
  int cap = 1, tasks = 0;
  for (;; ++cap) {
    tasks = 0;
    for (int I = 0; I < T; ++I)
      tasks += (2 * I + 2 + cap - 1) / cap;
    if (tasks <= warps || cap == kGramRunMax)
      break;
  }
  for (int u = warp; u < tasks; u += warps) {
    // Task u: the longest row tiles first (their runs are the longest).
    int I = T - 1, q = u;
    for (;; --I) {
      const int runs = (2 * I + 2 + cap - 1) / cap;
      if (q < runs)
        break;
      q -= runs;
    }
    const int runs = (2 * I + 2 + cap - 1) / cap;
    int first, count;
    gram_run(I, runs, q, first, count);
    const int i0 = 16 * I;
    float d[kGramRunMax][4];
    // The tests: the rows' (shared by the run's tiles) and each tile's columns'.
    GramRowsTests rows, cols[kGramRunMax];
    // A tile whose last column is already past kGramRowsRhsMax at the row
    // block's first row fails its tests (that exponent is among them): it
    // goes straight to the per-tile form (decays of more than ~5 per token
    // send most diagonal tiles there), which gives the same values.
    unsigned skip = 0; // bit x: tile x skipped
#pragma unroll
    for (int x = 0; x < kGramRunMax; ++x) {
#pragma unroll
      for (int v = 0; v < 4; ++v)
        d[x][v] = 0.0f;
      if (Checked && x < count && 8 * (first + x) + 7 > i0) {
        bool over = false;
        for (int c = 4 * (tid % 32); c < channels; c += 128) {
          const float4 h = gram_load4(rg, i0, c), z = gram_load4(rg, 8 * (first + x) + 7, c);
          over |= h.x - z.x > kGramRowsRhsMax || h.y - z.y > kGramRowsRhsMax ||
                  h.z - z.z > kGramRowsRhsMax || h.w - z.w > kGramRowsRhsMax;
        }
        skip |= __any_sync(0xffffffffu, over) ? 1u << x : 0u;
      }
    }
    for (int k0 = 0; k0 < channels; k0 += 16) {
      const int c = k0 + 4 * t;
      const float4 h = gram_load4(rg, i0, c);
      const float4 la = gram_load4(l, i0 + g, c), lb = gram_load4(l, i0 + g + 8, c);
      const float4 ga = gram_load4(lg, i0 + g, c), gb = gram_load4(lg, i0 + g + 8, c);
      // K positions 2t, 2t+1 hold channels 4t, 4t+1; 2t+8, 2t+9 hold 4t+2, 4t+3.
      const unsigned a0 = gram_pair_bf16<Checked>(la.x, ga.x - h.x, la.y, ga.y - h.y, rows,
                                                  kGramRowsLhsMax);
      const unsigned a1 = gram_pair_bf16<Checked>(lb.x, gb.x - h.x, lb.y, gb.y - h.y, rows,
                                                  kGramRowsLhsMax);
      const unsigned a2 = gram_pair_bf16<Checked>(la.z, ga.z - h.z, la.w, ga.w - h.w, rows,
                                                  kGramRowsLhsMax);
      const unsigned a3 = gram_pair_bf16<Checked>(lb.z, gb.z - h.z, lb.w, gb.w - h.w, rows,
                                                  kGramRowsLhsMax);
#pragma unroll
      for (int x = 0; x < kGramRunMax; ++x) {
        if (x >= count)
          break;
        if (Checked && (skip >> x & 1u))
          continue;
        const int j0 = 8 * (first + x);
        const float4 rr = gram_load4(r, j0 + g, c), hr = gram_load4(rg, j0 + g, c);
        const unsigned b0 = gram_pair_bf16<Checked>(rr.x, h.x - hr.x, rr.y, h.y - hr.y, cols[x],
                                                    kGramRowsRhsMax);
        const unsigned b1 = gram_pair_bf16<Checked>(rr.z, h.z - hr.z, rr.w, h.w - hr.w, cols[x],
                                                    kGramRowsRhsMax);
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
                     "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
                     : "+f"(d[x][0]), "+f"(d[x][1]), "+f"(d[x][2]), "+f"(d[x][3])
                     : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
      }
    }
    bool rowsOver = false, rowsLow = false;
    if (Checked) {
      // Warp-wide (non-negative floats order as their bits; NaN passes).
      const float maxL =
          __uint_as_float(__reduce_max_sync(0xffffffffu, __float_as_uint(rows.peak)));
      rowsOver = __any_sync(0xffffffffu, rows.hi) || maxL > kGramTileLargest;
      rowsLow = __any_sync(0xffffffffu, rows.lo);
    }
    // The tiles that passed are stored first; those that failed are then
    // computed again by the per-tile form, one at a time (not unrolled:
    // one inlined copy, with no accumulators live across it).
    unsigned failed = skip; // warp-uniform
#pragma unroll
    for (int x = 0; x < kGramRunMax; ++x) {
      if (x >= count)
        break;
      if (Checked && !(skip >> x & 1u)) {
        const float maxR =
            __uint_as_float(__reduce_max_sync(0xffffffffu, __float_as_uint(cols[x].peak)));
        if (rowsOver || __any_sync(0xffffffffu, cols[x].hi) || maxR > kGramTileLargest ||
            (rowsLow && __any_sync(0xffffffffu, cols[x].mid)))
          failed |= 1u << x;
      }
      if (failed >> x & 1u)
        continue;
      const int j0 = 8 * (first + x);
#pragma unroll
      for (int v = 0; v < 4; ++v) {
        const int i = i0 + g + (v / 2) * 8, j = j0 + 2 * t + v % 2;
        dst.at(i, j) = j < i || (j == i && inclusive) ? d[x][v] : 0.0f;
      }
    }
    if (Checked) {
#pragma unroll 1
      for (int x = 0; x < count; ++x)
        if (failed >> x & 1u)
          gram_tile_pertile(dst, l, r, lg, rg, I, first + x, inclusive);
    }
  }
}
template <class L, class R>
__device__ LINAC_EW_INLINE void gram_diag_bounded(const Tile dst, const L l, const R r,
                                                  const Tile lg, const Tile rg, bool inclusive) {
  gram_diag_rows_of<false>(dst, l, r, lg, rg, inclusive);
}
template <class L, class R>
__device__ LINAC_EW_INLINE void gram_diag_rows(const Tile dst, const L l, const R r,
                                               const Tile lg, const Tile rg, bool inclusive) {
  gram_diag_rows_of<true>(dst, l, r, lg, rg, inclusive);
}
#endif

/// gram_diag pair by pair (shapes the other forms do not take).
template <class L, class R>
__device__ __forceinline__ void gram_diag_elements(const Tile &dst, const L &l, const R &r,
                                                   const Tile &lg, const Tile &rg,
                                                   bool inclusive) {
  LINAC_FOR_ELEMENTS(dst, i, j) {
    float acc = 0;
    if (j < i || (j == i && inclusive))
      for (int64_t c = 0; c < l.cols; ++c)
        acc += row_value(l, i, c) * row_value(r, j, c) * expf(lg.at(i, c) - rg.at(j, c));
    dst.at(i, j) = acc;
  }
}

__device__ inline void gram_diag(Block &, const Tile &dst, const Tile &l,
                                 const Tile &r, const Tile &lg, const Tile &rg,
                                 bool inclusive, Operand type = Operand::f32,
                                 float bound = 0.0f, bool rows = false) {
  LINAC_CONSUMERS_ONLY;
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  if (LINAC_GRAM_MMA && type == Operand::bf16 && gram_tiles_fit(dst, l, r, lg, rg)) {
    if (gram_bounded(bound))
      gram_diag_bounded(dst, l, r, lg, rg, inclusive);
    else if (rows)
      gram_diag_rows(dst, l, r, lg, rg, inclusive);
    else
      gram_diag_mma(dst, l, r, lg, rg, inclusive);
    sync_consumers();
    return;
  }
#else
  (void)type;
  (void)bound;
  (void)rows;
#endif
  if (LINAC_GRAM_TILED && gram_tiled_fits(dst, l, r, lg, rg)) {
    gram_diag_tiled(dst, l, r, lg, rg, inclusive);
    sync_consumers();
    return;
  }
  gram_diag_elements(dst, l, r, lg, rg, inclusive);
  sync_consumers();
}

/// Two Gram matrices with the same right operand and decays (config
/// grams=pair, tile-pair-grams: KDA's strictly lower A = (beta k) k^T and
/// inclusive M = q k^T): where both take the per-tile tensor-core form,
/// each tile's exponentials, right operand and decays once for both
/// (gram_tile_pertile_pair; each output the values its own call gives);
/// otherwise the two calls. The pair means the two calls in turn, so where
/// an output shares memory with an operand the other call reads (or with
/// the other output), the two calls run. Forced inline: nvcc inlines it
/// in every default kernel by its own measure, and a few instructions added
/// elsewhere in KDA's kernel (session 30) tipped it out of line, 446 -> 630
/// KB of code and 240 -> 528 bytes of spill stores, hiding what was timed.
__device__ __forceinline__ void gram_diag_pair(Block &blk, const Tile &dst0, const Tile &l0,
                                               bool inclusive0, const Tile &dst1,
                                               const Tile &l1, bool inclusive1, const Tile &r,
                                               const Tile &lg, const Tile &rg, Operand type) {
  LINAC_CONSUMERS_ONLY;
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  const bool apart = !overlaps(dst0, dst1) && !overlaps(dst0, l1) && !overlaps(dst1, l0) &&
                     !overlaps(dst1, r) && !overlaps(dst1, lg) && !overlaps(dst1, rg) &&
                     !overlaps(dst0, r) && !overlaps(dst0, lg) && !overlaps(dst0, rg) &&
                     !overlaps(dst0, l0) && !overlaps(dst1, l1);
  if (LINAC_GRAM_MMA && type == Operand::bf16 && apart && dst0.rows == dst1.rows &&
      l0.cols == l1.cols && gram_tiles_fit(dst0, l0, r, lg, rg) &&
      gram_tiles_fit(dst1, l1, r, lg, rg)) {
    gram_diag_mma_pair(dst0, l0, inclusive0, dst1, l1, inclusive1, r, lg, rg);
    sync_consumers();
    return;
  }
#endif
  gram_diag(blk, dst0, l0, r, lg, rg, inclusive0, type);
  gram_diag(blk, dst1, l1, r, lg, rg, inclusive1, type);
}

/// Whether four values of a row at a multiple of 4 load as one access:
/// fp32 as a float4, a bf16 input stage's as 8 bytes.
__device__ __forceinline__ bool gram_quads(const Tile &t) {
  return t.ld % 4 == 0 && (reinterpret_cast<unsigned long long>(t.p) & 15) == 0;
}
__device__ __forceinline__ bool gram_quads(const Tile16 &t) {
  return t.ld % 4 == 0 && (reinterpret_cast<unsigned long long>(t.p) & 7) == 0;
}

/// gram_diag with an operand (or both) a bf16 input stage
/// (tile-inputs-16bit: norms=factor's Gram matrices of q and k as given):
/// the same forms as the fp32 entry above, the operands converted exactly as
/// they are read. (The fp32 entry stays a function of its own: its callers'
/// code does not change.)
template <class L, class R>
__device__ inline void gram_diag(Block &, const Tile &dst, const L &l, const R &r,
                                 const Tile &lg, const Tile &rg, bool inclusive,
                                 Operand type = Operand::f32, float bound = 0.0f,
                                 bool rows = false) {
  LINAC_CONSUMERS_ONLY;
  const bool shaped = dst.rows == dst.cols && l.rows >= dst.rows && r.rows >= dst.rows &&
                      r.cols == l.cols && lg.rows >= dst.rows && rg.rows >= dst.rows &&
                      lg.cols == l.cols && rg.cols == l.cols;
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  if (LINAC_GRAM_MMA && type == Operand::bf16 && shaped && dst.rows % 16 == 0 &&
      l.cols % 16 == 0 && gram_quads(l) && gram_quads(r) && gram_quads(lg) && gram_quads(rg)) {
    if (gram_bounded(bound))
      gram_diag_bounded(dst, l, r, lg, rg, inclusive);
    else if (rows)
      gram_diag_rows(dst, l, r, lg, rg, inclusive);
    else
      gram_diag_mma(dst, l, r, lg, rg, inclusive);
    sync_consumers();
    return;
  }
#else
  (void)type;
  (void)bound;
  (void)rows;
#endif
  if (LINAC_GRAM_TILED && shaped && dst.rows % 4 == 0 && dst.rows <= 64) {
    gram_diag_tiled(dst, l, r, lg, rg, inclusive);
    sync_consumers();
    return;
  }
  gram_diag_elements(dst, l, r, lg, rg, inclusive);
  sync_consumers();
}

/// (I + L)^-1 for n = 16, 32, 48 or 64 (the chunk-local inverses), by every
/// consumer, in the mma staging area (free between matmuls), rows n + 4
/// floats apart (rows 16 bytes aligned, consecutive rows in different
/// banks): first the 16 x 16 diagonal blocks X_ii by forward substitution
/// (a column per thread, in registers), then the blocks below the diagonal
/// one block diagonal at a time, X_ij = -X_ii sum_{j<=k<i} L_ik X_kj, four
/// columns of a block row per thread (one L value and one float4 of X per
/// four products; each element summed in the same order as one at a time).
/// L_ii is not read once X_ii exists, so X_ii takes its place; X_ij (i > j)
/// lives in the free upper block (j, i). A dozen barriers, where a
/// column-serial substitution runs n dependent steps on n threads.
constexpr int kTriInvPad = 4;
#ifndef LINAC_TRI_INV_PHASED
#define LINAC_TRI_INV_PHASED 1
#endif
__device__ inline bool tri_inv_blocked_fits(int64_t n) {
  return n % 16 == 0 && n <= 64 &&
         n * (n + kTriInvPad) * 4 <= kMmaStagingAreas * 2 * kMmaOperandBytes;
}
__device__ __noinline__ void tri_inv_blocked(const Tile dst, const Tile src) {
  constexpr int kB = 16;
  const int n = static_cast<int>(src.rows), nb = n / kB, ld = n + kTriInvPad;
  const int tid = static_cast<int>(threadIdx.x), threads = consumer_threads();
  float *s = reinterpret_cast<float *>(linacSharedMemory);
  // Block (bi, bj) of X, bi >= bj; of L for bi > bj (before X_ij is written).
  auto X = [&](int bi, int bj, int r, int c) -> float & {
    return bi == bj ? s[(bi * kB + r) * ld + bi * kB + c] : s[(bj * kB + r) * ld + bi * kB + c];
  };
  auto X4 = [&](int bi, int bj, int r, int c) -> float4 & {
    return *reinterpret_cast<float4 *>(&X(bi, bj, r, c));
  };
  auto Lo = [&](int bi, int bk, int r, int c) -> float & {
    return s[(bi * kB + r) * ld + bk * kB + c];
  };
  for (int e = tid; e < n * n; e += threads) {
    const int i = e / n, j = e % n;
    s[i * ld + j] = j < i ? src.at(i, j) : 0.0f;
  }
  sync_consumers();
  // Diagonal blocks: x = column c of X_bb; x[r] = 0 above the diagonal
  // follows from the recurrence itself (branch-free, unrolled).
  float x[kB];
  const bool diag = tid < n;
  if (diag) {
    const int b = tid / kB, c = tid % kB;
#pragma unroll
    for (int r = 0; r < kB; ++r) {
      float acc = r == c ? 1.0f : 0.0f;
#pragma unroll
      for (int m = 0; m < r; ++m)
        acc -= Lo(b, b, r, m) * x[m];
      x[r] = acc;
    }
  }
  sync_consumers(); // every thread has read its L_bb
  if (diag) {
#pragma unroll
    for (int r = 0; r < kB; ++r)
      X(tid / kB, tid / kB, r, tid % kB) = x[r];
  }
  sync_consumers();
  // Below the diagonal: (nb - d) blocks of 64 quads on diagonal d, at most
  // 3 x 64 / 128 (rounded up) per thread.
  constexpr int kQuads = kB * kB / 4, kMaxPerThread = 2;
  for (int d = 1; d < nb; ++d) {
    // f(q, i, j, r, c) for this thread's quads (row r, columns c..c+3) of
    // blocks (i, j).
    auto each = [&](auto &&f) {
      const int count = (nb - d) * kQuads;
#pragma unroll
      for (int q = 0; q < kMaxPerThread; ++q) {
        int e = tid + q * threads;
        if (e < count) {
          int j = e / kQuads;
          f(q, j + d, j, (e / 4) % kB, 4 * (e % 4));
        }
      }
    };
    each([&](int, int i, int j, int r, int c) {
      float4 acc = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
      for (int k = j; k < i; ++k)
#pragma unroll
        for (int m = 0; m < kB; ++m) {
          const float l = Lo(i, k, r, m);
          const float4 v = X4(k, j, m, c);
          acc.x += l * v.x;
          acc.y += l * v.y;
          acc.z += l * v.z;
          acc.w += l * v.w;
        }
      X4(i, j, r, c) = acc; // T_ij, until the product below replaces it
    });
    sync_consumers();
    float4 y[kMaxPerThread];
    each([&](int q, int i, int j, int r, int c) {
      float4 acc = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
#pragma unroll
      for (int m = 0; m < kB; ++m) {
        const float l = X(i, i, r, m);
        const float4 v = X4(i, j, m, c);
        acc.x -= l * v.x;
        acc.y -= l * v.y;
        acc.z -= l * v.z;
        acc.w -= l * v.w;
      }
      y[q] = acc;
    });
    sync_consumers(); // every T_ij read
    each([&](int q, int i, int j, int r, int c) { X4(i, j, r, c) = y[q]; });
    sync_consumers();
  }
  for (int e = tid; e < n * n; e += threads) {
    const int i = e / n, j = e % n;
    dst.at(i, j) = j > i ? 0.0f : X(i / kB, j / kB, i % kB, j % kB);
  }
}

/// (I + L)^-1 for the sizes of tri_inv_blocked, dst apart from src, in five
/// block-wide phases instead of a dozen: L is read where it is (no copy
/// in), each block of X goes to dst as soon as it is final (no copy out),
/// and the rows of a block below the diagonal are scaled once
/// (M_ik = -X_ii L_ik), so that X_ij = sum_{j<=k<i} M_ik X_kj is one product
/// per phase, its partial sums kept in registers:
///  1. X_ii (a column per thread, forward substitution); dst above the
///     diagonal blocks zeroed;
///  2. M_ik for every block below the diagonal;
///  3. every block's term k = j; the blocks next to the diagonal are final;
///  4, 5. the terms k = j + 1, j + 2 (blocks 2 and 3 below the diagonal).
/// The work area is the mma staging area, rows n + 4 floats apart: X_ii and
/// X_ij (i > j) where they belong, M_ik in the free upper block (k, i).
__device__ inline void tri_inv_pair(int p, int nb, int &i, int &j) {
  int d = 1, first = 0; // blocks on diagonal d: nb - d
  while (p >= first + nb - d) {
    first += nb - d;
    ++d;
  }
  j = p - first;
  i = j + d;
}
// Inlined: the tile's size is then a constant, so the loops over blocks and
// quads and tri_inv_pair's search fold (GDN's fused kernel: 540 instructions
// fewer, fewer spills).
__device__ __forceinline__ void tri_inv_phased(const Tile dst, const Tile src) {
  constexpr int kB = 16, kQuads = kB * kB / 4, kMaxPerThread = 3; // 6 x 64 quads / 128 threads
  const int n = static_cast<int>(src.rows), nb = n / kB, ld = n + kTriInvPad;
  const int tid = static_cast<int>(threadIdx.x), threads = consumer_threads();
  const int blocks = nb * (nb - 1) / 2;
  float *s = reinterpret_cast<float *>(linacSharedMemory);
  auto W = [&](int row, int col) -> float & { return s[row * ld + col]; };
  auto W4 = [&](int row, int col) -> float4 & {
    return *reinterpret_cast<float4 *>(&s[row * ld + col]);
  };
  const bool srcVec = src.ld % 4 == 0 && aligned16(src.p);
  const bool dstVec = dst.ld % 4 == 0 && aligned16(dst.p);
  auto L4 = [&](int row, int col) -> float4 {
    if (srcVec)
      return *reinterpret_cast<const float4 *>(&src.at(row, col));
    return make_float4(src.at(row, col), src.at(row, col + 1), src.at(row, col + 2),
                       src.at(row, col + 3));
  };
  auto put = [&](int row, int col, float4 v) {
    if (dstVec) {
      *reinterpret_cast<float4 *>(&dst.at(row, col)) = v;
    } else {
      dst.at(row, col) = v.x;
      dst.at(row, col + 1) = v.y;
      dst.at(row, col + 2) = v.z;
      dst.at(row, col + 3) = v.w;
    }
  };
  auto fma4 = [](float4 &acc, float a, float4 b) {
    acc.x += a * b.x;
    acc.y += a * b.y;
    acc.z += a * b.z;
    acc.w += a * b.w;
  };
  // 1. Diagonal blocks (x = column c of X_bb; zero above the diagonal by the
  // recurrence itself), and zeros above them in dst.
  for (int e = tid; e < n * n / 4; e += threads) {
    const int row = e / (n / 4), col = 4 * (e % (n / 4));
    if (col / kB > row / kB)
      put(row, col, make_float4(0.0f, 0.0f, 0.0f, 0.0f));
  }
  if (tid < n) {
    const int b = tid / kB, c = tid % kB, o = b * kB;
    float x[kB];
#pragma unroll
    for (int r = 0; r < kB; ++r) {
      float acc = r == c ? 1.0f : 0.0f;
#pragma unroll
      for (int m = 0; m < r; ++m)
        acc -= src.at(o + r, o + m) * x[m];
      x[r] = acc;
    }
#pragma unroll
    for (int r = 0; r < kB; ++r) {
      W(o + r, o + c) = x[r];
      dst.at(o + r, o + c) = x[r];
    }
  }
  if (nb == 1)
    return;
  sync_consumers();
  // 2. M_ik = -X_ii L_ik, into the upper block (k, i).
  for (int e = tid; e < blocks * kQuads; e += threads) {
    int i, k;
    tri_inv_pair(e / kQuads, nb, i, k);
    const int r = (e % kQuads) / 4, c = 4 * (e % 4);
    float4 acc = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
#pragma unroll
    for (int m = 0; m < kB; ++m)
      fma4(acc, -W(i * kB + r, i * kB + m), L4(i * kB + m, k * kB + c));
    W4(k * kB + r, i * kB + c) = acc;
  }
  sync_consumers();
  // 3-5. Term k = j + p of every block (i, j) this thread has quads of;
  // a block is final after its term k = i - 1.
  float4 y[kMaxPerThread];
  for (int p = 0; p < nb - 1; ++p) {
    if (p > 0)
      sync_consumers(); // the blocks final after term p - 1 are visible
#pragma unroll
    for (int q = 0; q < kMaxPerThread; ++q) {
      const int e = tid + q * threads;
      if (e >= blocks * kQuads)
        continue;
      int i, j;
      tri_inv_pair(e / kQuads, nb, i, j);
      const int k = j + p, r = (e % kQuads) / 4, c = 4 * (e % 4);
      if (k >= i)
        continue;
      float4 acc = p == 0 ? make_float4(0.0f, 0.0f, 0.0f, 0.0f) : y[q];
#pragma unroll
      for (int m = 0; m < kB; ++m)
        fma4(acc, W(k * kB + r, i * kB + m), W4(k * kB + m, j * kB + c));
      y[q] = acc;
      if (k == i - 1) {
        W4(i * kB + r, j * kB + c) = acc;
        put(i * kB + r, j * kB + c, acc);
      }
    }
  }
}

/// (I + L)^-1 (L strictly lower). Sizes the blocked form takes (above) go
/// to the phased form, or to the blocked one where dst overlaps src (in
/// place); others: one column per thread, forward substitution down the
/// rows, with L copied into the staging area when it fits.
__device__ inline void tri_inv(Block &, const Tile &dst, const Tile &src) {
  LINAC_CONSUMERS_ONLY;
  sync_consumers(); // the staging area may still hold the last matmul's operands
  int64_t n = src.rows;
  float *staged = reinterpret_cast<float *>(linacSharedMemory);
  bool inShared = n * n * 4 <= 2 * kMmaOperandBytes;
  if (tri_inv_blocked_fits(n)) {
    if (LINAC_TRI_INV_PHASED && !overlaps(dst, src) && consumer_threads() >= kWarpgroupThreads)
      tri_inv_phased(dst, src);
    else
      tri_inv_blocked(dst, src);
    sync_consumers(); // the staging area is the next matmul's again
    return;
  }
  if (inShared) {
    LINAC_FOR_ELEMENTS(src, i, j) { staged[i * n + j] = src.at(i, j); }
    sync_consumers();
  }
  for (int64_t j = threadIdx.x; j < n; j += consumer_threads())
    for (int64_t i = 0; i < n; ++i) {
      float acc = i == j ? 1.0f : 0.0f;
      for (int64_t m = j; m < i; ++m)
        acc -= (inShared ? staged[i * n + m] : src.at(i, m)) * dst.at(m, j);
      dst.at(i, j) = i < j ? 0.0f : acc;
    }
  sync_consumers(); // the staging area is the next matmul's again
}

#endif // __CUDACC__

using KernelFn = void (*)(const Launch);
// A kernel parameter may take at most 4 KiB.
static_assert(sizeof(Launch) <= 4096, "the launch block must fit a kernel parameter");

struct KernelInfo {
  const char *name;
  const char *grid[3];
  int64_t vtileCols;
  int64_t segmentChunks;
  int64_t sharedBytes;
  int64_t regBytes;
  KernelFn fn;
};
/// A workspace: per (sequence, head), one rows x cols slot for every
/// `slotChunks` chunks (a segment in the sequence split, else a chunk).
struct WorkspaceInfo {
  const char *name;
  int64_t rows, cols, slotChunks;
  int64_t elementBytes; // 4 (f32), or 2 (bf16: read only into bf16 stages)
};
/// Slots per (sequence, head) of such a workspace (slotChunks >= 1), and
/// so the blocks along a "segment" grid dimension of that many chunks.
inline int64_t workspace_slots(int64_t chunks, int64_t slotChunks) {
  return (chunks + slotChunks - 1) / slotChunks;
}
/// A tensor the variant declares: an input [B, T, H or HV(, K or V)] or a
/// parameter [HV(, K or V)]; width 0 is a scalar, 1 is K, 2 is V.
struct ArgInfo {
  const char *name;
  int isParam;
  int perH;
  int width;
};
/// Version of the module tables above (ModuleInfo, KernelInfo,
/// WorkspaceInfo, ArgInfo); a module exports it as linac_module_abi(), and a
/// runtime refuses a module built with another (2: workspace slots; 3: a
/// workspace's element size).
constexpr int kModuleAbi = 3;
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
  __device__ __forceinline__ void name(const ::linac::tile::Launch &L, ::linac::tile::Block &blk)
/// Blocks the compiler keeps registers for on one multiprocessor (one: a
/// block of 256 threads may use 255 registers each); defined in front of a
/// kernel source to try more resident blocks (bench/variant.sh --define).
#ifndef LINAC_BLOCKS_PER_SM
#define LINAC_BLOCKS_PER_SM 1
#endif
/// A kernel's block size as a fact the compiler uses: the library's loops
/// over the consumer threads then have constant bounds and strides, and
/// paths no thread takes fold away (GDN's fused kernel: 26% fewer
/// instructions, half the spills). A launch with another size sets the
/// error flag and returns rather than computing wrong answers.
/// LINAC_LAYOUT_FACTS=0 (top of this file) leaves them to run time.
#if LINAC_LAYOUT_FACTS
#ifdef LINAC_BLOCK_THREADS
#define LINAC_BLOCK_SIZE_AGREES(threads)                                       \
  static_assert((threads) == LINAC_BLOCK_THREADS,                              \
                "a kernel's block size differs from LINAC_BLOCK_THREADS");
#else
#define LINAC_BLOCK_SIZE_AGREES(threads)
#endif
#define LINAC_BLOCK_SIZE_IS(threads)                                           \
  LINAC_BLOCK_SIZE_AGREES(threads)                                             \
  if (blockDim.x != (threads) || blockDim.y != 1 || blockDim.z != 1) {         \
    L.fail();                                                                  \
    return;                                                                    \
  }                                                                            \
  __builtin_assume(blockDim.x == (threads) && threadIdx.x < (threads))
#else
#define LINAC_BLOCK_SIZE_IS(threads) (void)0
#endif
/// The launchable kernel; `threads` is its block size (the compiler keeps
/// its registers within what LINAC_BLOCKS_PER_SM blocks of that size may use).
#define LINAC_ENTRY(name, threads) LINAC_ENTRY_SIZED(name, threads, LINAC_BLOCKS_PER_SM)
/// A kernel sized for `blocks` resident blocks per SM (config pblocks or blocks): the
/// compiler keeps its registers within their share (LINAC_BLOCKS_PER_SM,
/// above, does not apply to such a kernel).
#define LINAC_ENTRY_SIZED(name, threads, blocks)                               \
  extern "C" __global__ void __launch_bounds__(threads, blocks)               \
      name##_entry(const __grid_constant__ ::linac::tile::Launch L) {         \
    int64_t linear = (static_cast<int64_t>(blockIdx.z) * gridDim.y +           \
                      blockIdx.y) * gridDim.x + blockIdx.x;                    \
    int64_t seq_, head_;                                                       \
    ::linac::tile::launch_position(L, blockIdx.x, blockIdx.y, gridDim.x,       \
                                   gridDim.y, seq_, head_);                    \
    LINAC_BLOCK_SIZE_IS(threads);                                              \
    ::linac::tile::CopyAccount account_; /* the Block's own unless apart */   \
    ::linac::tile::Block blk(L, seq_, head_, blockIdx.z, linear, &account_);   \
    name(L, blk);                                                              \
    ::linac::tile::drain_copies(blk);                                          \
  }
#define LINAC_KERNEL_FN(name) &name##_entry

#endif // LINAC_TILE_CUDA_CUH
