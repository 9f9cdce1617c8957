//===- linac_tile.h - the cpu tile library ---------------------------------===//
//
// The tile primitives that emitted kernels call, implemented with loops so
// that the same block-level program the GPU runs can run on a CPU. Blocks
// run one after another; within a block, ops (and warp roles) run in program
// order. mma operands are rounded to their declared precision and
// accumulated in fp32, as tensor cores do.
//
// The library also checks the kernel's synchronisation, and reports as an
// error (never silently): a shared stage read before the copy into it was
// waited for; a copy into a stage that was read since the last barrier (a
// stage overwritten while in use); a copy into a stage with a copy still in
// flight; any access outside a tensor. Staged buffers are filled with NaN
// while a copy is in flight, so a missed check cannot go unnoticed either.
//
// Self-contained (C++17 standard library only): linac embeds this file and
// writes it next to the emitted source it compiles.
//
// Most of a kernel's compile time went into these ops, inlined into each
// kernel. So the ops are declared first and defined with LINAC_TILE_FN: a
// program that includes this header gets them inline (the reference, the
// tests); a kernel compiled with LINAC_TILE_EXTERN sees the declarations
// only and links the ops from a shared library that the module cache
// compiles once per header and compiler with LINAC_TILE_LIBRARY
// (runtime/cpu/ModuleCache.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef LINAC_TILE_CPU_H
#define LINAC_TILE_CPU_H

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#if defined(LINAC_TILE_EXTERN) || defined(LINAC_TILE_LIBRARY)
#define LINAC_TILE_FN
#else
#define LINAC_TILE_FN inline
#endif

namespace linac {
namespace tile {

enum Space { reg = 0, shared = 1 };
enum class Ew {
  copy, neg, exp, log, sqrt, sigmoid, logsigmoid, softplus, silu,
  add, sub, mul, div, max, min
};
enum class Operand { f32, tf32, bf16, f16 };

/// A global tensor: rows x heads x cols floats, row-major. Per-token tensors
/// have rows = B*T; params rows = 1 (heads = HV); states rows = N
/// (cols = K*V); workspaces rows = N*HV*slots (workspace_slots), heads = 1,
/// cols = r*c.
struct Global {
  std::string name;
  float *data = nullptr;
  int64_t rows = 0, heads = 0, cols = 0;
  /// A workspace of bf16 values (WorkspaceInfo::elementBytes 2): stored
  /// here as floats, rounded to bf16 when written.
  bool bf16 = false;
  /// The caller's dtype of an input (0 f32, 1 bf16, 2 f16; linac_dtype's
  /// codes): the data here is floats of that dtype's values. A bf16 input
  /// stage (config inputs=bf16) takes only bf16.
  int dtype = 0;
};

struct Launch {
  std::vector<Global> globals;
  int64_t B = 0, T = 0, H = 1, HV = 1, K = 0, V = 0, N = 0;
  int64_t chunks = 0; // workspace slots per (sequence, head)
  std::vector<int64_t> cuSeqlens; // empty: one sequence per batch row
  std::vector<int64_t> seqOrder;  // empty, or sequences longest first
                                  // (launch_position; runtime/SequenceOrder.h)
  bool hasInitialState = false;
  float scale = 1;
  mutable std::string error; // the first error; later ones are dropped

  void fail(const std::string &message) const {
    if (error.empty())
      error = message;
  }
  bool failed() const { return !error.empty(); }
  const Global *global(const char *name) const {
    for (const Global &g : globals)
      if (g.name == name)
        return &g;
    fail(std::string("kernel uses tensor '") + name + "', which was not passed");
    return nullptr;
  }
  float scalar(const char *name) const {
    if (std::string(name) == "scale")
      return scale;
    fail(std::string("unknown scalar '") + name + "'");
    return 0;
  }
};

/// Synchronisation state of one stage of a shared buffer.
struct StageState {
  bool pending = false;         // a copy is in flight
  bool readSinceBarrier = false;
  /// A bf16 input stage (tile-inputs-16bit) that a copy of a bf16 input
  /// filled: its values are the input's, exactly, and every op may read it.
  bool input16 = false;
};

struct Tile {
  float *p = nullptr;
  int64_t rows = 0, cols = 0, ld = 0;
  Space space = reg;
  StageState *state = nullptr; // shared stages only
  std::string name;
  /// A bf16 tile (tile-store-16bit): its values are stored rounded to bf16
  /// (here as floats), and only bf16 matmuls may read it.
  bool bf16 = false;
  float &at(int64_t i, int64_t j) const { return p[i * ld + j]; }
  /// Broadcasting read: a dimension of size 1 repeats.
  float get(int64_t i, int64_t j) const {
    return p[(rows == 1 ? 0 : i) * ld + (cols == 1 ? 0 : j)];
  }
  Tile view(int64_t r, int64_t c, int64_t nr, int64_t nc) const {
    Tile t = *this;
    t.p = p + r * ld + c;
    t.rows = nr;
    t.cols = nc;
    return t;
  }
};

/// A multi-stage buffer; stage(i) gives one stage as a tile.
struct Buffer {
  std::vector<float> data;
  std::vector<StageState> states;
  int64_t rows = 0, cols = 0, stages = 1;
  int64_t pitch = 0; // elements from one row's start to the next's (>= cols)
  Space space = reg;
  bool bf16 = false;
  std::string name;
  Tile stage(int64_t i) {
    Tile t;
    t.p = data.data() + (i % stages) * rows * pitch;
    t.rows = rows;
    t.cols = cols;
    t.ld = pitch;
    t.space = space;
    t.state = space == shared ? &states[i % stages] : nullptr;
    t.name = name;
    t.bf16 = bf16;
    return t;
  }
  operator Tile() { return stage(0); }
};

/// A register tile that tile-place-fragments keeps in registers on GPU
/// targets (spread over W warpgroups there); here, with one thread, a
/// register tile like any other, so the same emitted code runs.
template <int R, int C, int W> struct Frag {
  std::vector<float> data = std::vector<float>(static_cast<size_t>(R) * C, 0.0f);
  operator Tile() {
    Tile t;
    t.p = data.data();
    t.rows = R;
    t.cols = C;
    t.ld = C;
    t.name = "fragment";
    return t;
  }
};

/// A register tile whose columns warps own on GPU targets
/// (tile-own-columns); here a register tile like any other.
template <int R, int C, int W> struct OwnFrag : Frag<R, C, 1> {};

struct Token {
  StageState *state = nullptr;
  std::shared_ptr<std::function<void()>> copy; // runs at wait
};

class Block {
public:
  Block(const Launch &L, int64_t i0, int64_t i1, int64_t i2) : L(L) {
    id[0] = i0;
    id[1] = i1;
    id[2] = i2;
  }
  const Launch &L;
  int64_t id[3];
  // tile-elide-barriers' mark, set by the emitted code around an op whose
  // closing barrier the GPU libraries leave out; one thread runs each op
  // whole here, so there is no barrier to leave out.
  bool elide = false;
  std::vector<std::unique_ptr<Buffer>> buffers;
  /// tile.prefetch_rows issued into a landing buffer, checked by
  /// tile.take_rows: the same rows, landed (tile.landed) and not taken yet.
  struct Prefetch {
    const float *landing;
    int64_t first, head, col;
    bool landed, taken;
    bool readSinceBarrier; // taken since the last barrier (a wait is one)
  };
  std::vector<Prefetch> prefetches;

  /// `offset` (the buffer's place in its space on GPU targets) is unused:
  /// each buffer is its own allocation here.
  /// `pitch` (tile-pad-shared-rows; 0: `cols`) lays rows out as the GPU
  /// libraries do, so that the cpu target runs the padded layout too.
  Buffer &alloc(Space space, int64_t rows, int64_t cols, int64_t stages,
                const char *name, int64_t /*offset*/, int64_t pitch = 0) {
    if (pitch == 0)
      pitch = cols;
    auto b = std::make_unique<Buffer>();
    b->data.assign(static_cast<size_t>(rows * pitch * stages), 0.0f);
    b->states.resize(static_cast<size_t>(stages));
    b->rows = rows;
    b->cols = cols;
    b->pitch = pitch;
    b->stages = stages;
    b->space = space;
    b->name = name;
    buffers.push_back(std::move(b));
    return *buffers.back();
  }
  /// A bf16 buffer (the GPU libraries' Buffer16; here floats rounded to
  /// bf16 when written).
  Buffer &alloc16(Space space, int64_t rows, int64_t cols, int64_t stages,
                  const char *name, int64_t offset, int64_t pitch = 0) {
    Buffer &b = alloc(space, rows, cols, stages, name, offset, pitch);
    b.bf16 = true;
    return b;
  }
  int64_t program_id(int d) const { return id[d]; }
};

/// The emitted code's name for a stage or view of a bf16 buffer.
using Tile16 = Tile;

/// The library's functions (defined below; see LINAC_TILE_FN).
LINAC_TILE_FN float round_operand(float x, Operand t);
LINAC_TILE_FN void round_stored(const Tile &dst);
LINAC_TILE_FN bool checkRead(const Block &blk, const Tile &t, const char *op);
LINAC_TILE_FN void release_landings(Block &blk);
LINAC_TILE_FN void barrier(Block &blk);
LINAC_TILE_FN bool startCopy(const Block &blk, const Tile &dst);
LINAC_TILE_FN void wait(Block &blk, Token &t);
LINAC_TILE_FN void launch_position(const Launch &L, int64_t x, int64_t y, int64_t X, int64_t Y,
                                   int64_t &seq, int64_t &head);
LINAC_TILE_FN bool rowsInside(Block &blk, const char *op, const Global *g, const Tile &dst,
                              int64_t first, int64_t valid, int64_t head, int64_t col);
LINAC_TILE_FN void loadRows(const Global *g, const Tile &d, int64_t first, int64_t valid,
                            int64_t head, int64_t col);
LINAC_TILE_FN Token copy_async(Block &blk, const Global *g, const Tile &dst,
                               int64_t start, int64_t row, int64_t valid,
                               int64_t head, int64_t col);
LINAC_TILE_FN float *slot(const Block &blk, const Global *g, int64_t seq, int64_t head,
                          int64_t chunk, int64_t size);
LINAC_TILE_FN float *slot_columns(Block &blk, const Global *g, int64_t seq, int64_t head,
                                  int64_t chunk, int64_t rows, int64_t col, int64_t cols,
                                  int64_t fullCols, const char *op);
LINAC_TILE_FN void store_tile(Block &blk, const Global *g, const Tile &src,
                              int64_t seq, int64_t head, int64_t chunk, int64_t col,
                              int64_t fullCols);
LINAC_TILE_FN void load_tile(Block &blk, const Global *g, const Tile &dst,
                             int64_t seq, int64_t head, int64_t chunk, int64_t col,
                             int64_t fullCols);
LINAC_TILE_FN void landed(Block &blk);
LINAC_TILE_FN bool takeLanded(Block &blk, const Global *g, const Tile &landing, int64_t start,
                              int64_t row, int64_t head, int64_t col);
LINAC_TILE_FN Token copy_tile_async(Block &blk, const Global *g, const Tile &dst,
                                    int64_t seq, int64_t head, int64_t chunk,
                                    int64_t col, int64_t valid, int64_t fullCols);
LINAC_TILE_FN void load_param(Block &blk, const Global *g, const Tile &dst,
                              int64_t head, int64_t col);
LINAC_TILE_FN void load_state(Block &blk, const Tile &dst, int64_t seq, int64_t head,
                              int64_t col);
LINAC_TILE_FN void store_state(Block &blk, const Tile &src, int64_t seq, int64_t head,
                               int64_t col);
LINAC_TILE_FN void store_rows(Block &blk, const Global *g, const Tile &src,
                              int64_t start, int64_t row, int64_t valid, int64_t head,
                              int64_t col);
LINAC_TILE_FN void fill(Block &, const Tile &dst, float v);
LINAC_TILE_FN void identity(Block &, const Tile &dst);
LINAC_TILE_FN void mask_rows(Block &, const Tile &dst, int64_t valid);
LINAC_TILE_FN void ew(Block &blk, Ew k, const Tile &dst, const Tile &a);
LINAC_TILE_FN void ew(Block &blk, Ew k, const Tile &dst, const Tile &a, const Tile &b);
LINAC_TILE_FN void row_l2norm(Block &blk, const Tile &dst, const Tile &src);
LINAC_TILE_FN void row_inv_norm(Block &blk, const Tile &dst, const Tile &src);
LINAC_TILE_FN void row_dot(Block &blk, const Tile &dst, const Tile &a, const Tile &b);
LINAC_TILE_FN void cumsum(Block &blk, const Tile &dst, const Tile &src, bool exclusive);
LINAC_TILE_FN void transpose(Block &blk, const Tile &dst, const Tile &src);
LINAC_TILE_FN void mma(Block &blk, const Tile &acc, const Tile &a, const Tile &b,
                       bool ta, bool tb, bool accumulate, Operand type,
                       bool subtract = false);
LINAC_TILE_FN void causal_mask(Block &, const Tile &dst, bool inclusive);
LINAC_TILE_FN void causal_mask(Block &blk, const Tile &dst, const Tile &rs, const Tile &cs,
                               bool inclusive);
LINAC_TILE_FN void decay_mask(Block &blk, const Tile &dst, const Tile &lg,
                              const Tile &rg, bool inclusive);
LINAC_TILE_FN void decay_mask(Block &blk, const Tile &dst, const Tile &lg, const Tile &rg,
                              const Tile &rs, const Tile &cs, bool inclusive);
LINAC_TILE_FN void gram_diag(Block &blk, const Tile &dst, const Tile &l, const Tile &r,
                             const Tile &lg, const Tile &rg, bool inclusive,
                             Operand type = Operand::f32, float bound = 0.0f, bool rows = false);
LINAC_TILE_FN void gram_diag_pair(Block &blk, const Tile &dst0, const Tile &l0,
                                  bool inclusive0, const Tile &dst1, const Tile &l1,
                                  bool inclusive1, const Tile &r, const Tile &lg, const Tile &rg,
                                  Operand type);
LINAC_TILE_FN void tri_inv(Block &blk, const Tile &dst, const Tile &src);

/// The tile of a one-stage buffer (the emitter's per-use name for it): its
/// stage 0; the GPU library makes the address from the offset.
inline Tile buffer_tile(Block &, Buffer &b, Space, int64_t /*rows*/, int64_t /*cols*/,
                        int64_t /*offset*/, int64_t /*pitch*/ = 0) {
  return b.stage(0);
}


#ifndef LINAC_TILE_EXTERN
/// Rounds to the operand precision (round to nearest even on the mantissa).
LINAC_TILE_FN float round_operand(float x, Operand t) {
  int drop = t == Operand::f32 ? 0 : t == Operand::tf32 ? 13 : t == Operand::bf16 ? 16 : 13;
  if (drop == 0 || !std::isfinite(x))
    return x;
  uint32_t u;
  std::memcpy(&u, &x, 4);
  uint32_t half = 1u << (drop - 1), mask = (1u << drop) - 1;
  uint32_t rem = u & mask;
  u &= ~mask;
  if (rem > half || (rem == half && (u & (1u << drop))))
    u += 1u << drop;
  std::memcpy(&x, &u, 4);
  // f16 also has a narrower exponent range; values here stay well inside it.
  return x;
}

/// A bf16 tile's elements rounded as stored (what the GPU libraries'
/// Tile16 holds); other tiles unchanged.
LINAC_TILE_FN void round_stored(const Tile &dst) {
  if (!dst.bf16)
    return;
  for (int64_t i = 0; i < dst.rows; ++i)
    for (int64_t j = 0; j < dst.cols; ++j)
      dst.at(i, j) = round_operand(dst.at(i, j), Operand::bf16);
}

// --- synchronisation checks --------------------------------------------------

LINAC_TILE_FN bool checkRead(const Block &blk, const Tile &t, const char *op) {
  if (t.bf16 && std::string(op) != "mma" && !(t.state && t.state->input16)) {
    blk.L.fail(std::string(op) + " reads bf16 tile '" + t.name +
               "', which only bf16 matmuls may read");
    return false;
  }
  if (t.space != shared || !t.state)
    return true;
  if (t.state->pending) {
    blk.L.fail(std::string("hazard: ") + op + " reads shared buffer '" + t.name +
               "' before the copy into it was waited for");
    return false;
  }
  t.state->readSinceBarrier = true;
  return true;
}

/// A barrier of the consumers (tile.barrier, every wait, tile.landed on the
/// GPU): landing buffers taken before it may receive the next prefetch.
LINAC_TILE_FN void release_landings(Block &blk) {
  for (auto &p : blk.prefetches)
    p.readSinceBarrier = false;
}

LINAC_TILE_FN void barrier(Block &blk) {
  for (auto &b : blk.buffers)
    for (StageState &s : b->states)
      s.readSinceBarrier = false;
  release_landings(blk);
}

LINAC_TILE_FN bool startCopy(const Block &blk, const Tile &dst) {
  if (!dst.state) {
    blk.L.fail("copy_async into '" + dst.name + "', which is not shared");
    return false;
  }
  if (dst.state->readSinceBarrier) {
    blk.L.fail("hazard: copy into shared stage of '" + dst.name +
               "' while it is in use (read since the last barrier)");
    return false;
  }
  if (dst.state->pending) {
    blk.L.fail("hazard: copy into shared stage of '" + dst.name +
               "' while another copy into it is in flight");
    return false;
  }
  dst.state->pending = true;
  for (int64_t i = 0; i < dst.rows; ++i)
    for (int64_t j = 0; j < dst.cols; ++j)
      dst.at(i, j) = std::numeric_limits<float>::quiet_NaN();
  return true;
}

LINAC_TILE_FN void wait(Block &blk, Token &t) {
  if (!t.copy) {
    blk.L.fail("wait on a token with no copy");
    return;
  }
  (*t.copy)();
  t.copy.reset();
  if (t.state)
    t.state->pending = false;
  release_landings(blk); // on the GPU every wait ends in a barrier
}

// --- sequences and indices ------------------------------------------------

/// The (sequence, head) of block (x, y) in a grid of X sequences and Y
/// heads, as on the GPU: x and y, or, with an order, the x-fastest launch
/// position p = y X + x takes the sequence of rank p / Y and head p % Y
/// (runtime/SequenceOrder.h says why).
LINAC_TILE_FN void launch_position(const Launch &L, int64_t x, int64_t y, int64_t X, int64_t Y,
                                   int64_t &seq, int64_t &head) {
  seq = x;
  head = y;
  if (!L.seqOrder.empty()) {
    const int64_t p = y * X + x;
    seq = L.seqOrder[static_cast<size_t>(p / Y)];
    head = p % Y;
  }
}
#endif

struct SeqExtent {
  int64_t start, length;
};
inline SeqExtent sequence(const Block &blk, int64_t n) {
  const Launch &L = blk.L;
  if (L.cuSeqlens.empty())
    return {n * L.T, L.T};
  return {L.cuSeqlens[n], L.cuSeqlens[n + 1] - L.cuSeqlens[n]};
}
inline int64_t qk_head(const Block &blk, int64_t hv) {
  return hv / (blk.L.HV / blk.L.H);
}
inline int64_t num_chunks(int64_t length, int64_t chunk) {
  return (length + chunk - 1) / chunk;
}
inline int64_t chunk_rows(int64_t length, int64_t c, int64_t chunk) {
  int64_t r = length - c * chunk;
  return r < 0 ? 0 : (r > chunk ? chunk : r);
}

// --- global memory ------------------------------------------------------------

#ifndef LINAC_TILE_EXTERN
/// Whether rows [first, first + valid) of g (head, columns [col, col +
/// dst.cols)) fit both the tensor and the tile dst (copied from or into);
/// else `op`'s error is reported.
/// A copy of 0 rows (the prefetch past the last chunk) touches no memory.
LINAC_TILE_FN bool rowsInside(Block &blk, const char *op, const Global *g, const Tile &dst,
                              int64_t first, int64_t valid, int64_t head, int64_t col) {
  bool rowsOut = valid > 0 && (first < 0 || first + valid > g->rows);
  if (valid < 0 || valid > dst.rows || rowsOut || head < 0 ||
      head >= g->heads || col < 0 || col + dst.cols > g->cols) {
    blk.L.fail(std::string(op) + " of '" + g->name + "': rows [" +
               std::to_string(first) + ", " + std::to_string(first + valid) +
               "), head " + std::to_string(head) + ", columns [" +
               std::to_string(col) + ", " + std::to_string(col + dst.cols) +
               ") is outside the tensor");
    return false;
  }
  return true;
}

/// dst = rows [first, first + valid) of g (rows past them zero).
LINAC_TILE_FN void loadRows(const Global *g, const Tile &d, int64_t first, int64_t valid,
                            int64_t head, int64_t col) {
  for (int64_t i = 0; i < d.rows; ++i)
    for (int64_t j = 0; j < d.cols; ++j)
      d.at(i, j) = i < valid ? g->data[((first + i) * g->heads + head) * g->cols + col + j]
                             : 0.0f;
}

LINAC_TILE_FN Token copy_async(Block &blk, const Global *g, const Tile &dst,
                               int64_t start, int64_t row, int64_t valid,
                               int64_t head, int64_t col) {
  Token t;
  if (!g || !startCopy(blk, dst))
    return t;
  t.state = dst.state;
  if (dst.bf16) { // a bf16 input stage (config inputs=bf16)
    if (g->dtype != 1) {
      blk.L.fail("input '" + g->name + "' is " + (g->dtype == 2 ? "f16" : "f32") +
                 ": this module keeps it in bf16 stages (config inputs=bf16) and takes it "
                 "only in bf16");
      return t;
    }
    dst.state->input16 = true;
  }
  int64_t first = start + row;
  if (!rowsInside(blk, "copy_async", g, dst, first, valid, head, col))
    return t;
  Tile d = dst;
  t.copy = std::make_shared<std::function<void()>>(
      [=]() { loadRows(g, d, first, valid, head, col); });
  return t;
}

LINAC_TILE_FN float *slot(const Block &blk, const Global *g, int64_t seq, int64_t head,
                          int64_t chunk, int64_t size) {
  const Launch &L = blk.L;
  // Slots per (sequence, head): a chunk's or a segment's (workspace_slots).
  const int64_t pairs = L.N * L.HV;
  const int64_t per = pairs > 0 && g ? g->rows / pairs : 0;
  int64_t index = (seq * L.HV + head) * per + chunk;
  if (!g || chunk < 0 || chunk >= per || index < 0 || index >= g->rows || size > g->cols) {
    L.fail("workspace slot outside '" + (g ? g->name : std::string("?")) + "'");
    return nullptr;
  }
  return g->data + index * g->cols;
}

/// Columns col.. (`cols` of them) of workspace slot (seq, head, chunk),
/// whose tiles are rows x fullCols; null (and the launch fails, naming `op`)
/// outside it.
LINAC_TILE_FN float *slot_columns(Block &blk, const Global *g, int64_t seq, int64_t head,
                                  int64_t chunk, int64_t rows, int64_t col, int64_t cols,
                                  int64_t fullCols, const char *op) {
  float *p = slot(blk, g, seq, head, chunk, rows * fullCols);
  if (p && (col < 0 || col + cols > fullCols)) {
    blk.L.fail(std::string(op) + ": columns outside the slot of '" + g->name + "'");
    return nullptr;
  }
  return p ? p + col : nullptr;
}

LINAC_TILE_FN void store_tile(Block &blk, const Global *g, const Tile &src,
                              int64_t seq, int64_t head, int64_t chunk, int64_t col,
                              int64_t fullCols) {
  if (!checkRead(blk, src, "store_tile"))
    return;
  float *p = slot_columns(blk, g, seq, head, chunk, src.rows, col, src.cols, fullCols,
                          "store_tile");
  if (!p)
    return;
  for (int64_t i = 0; i < src.rows; ++i)
    for (int64_t j = 0; j < src.cols; ++j)
      p[i * fullCols + j] = g->bf16 ? round_operand(src.at(i, j), Operand::bf16) : src.at(i, j);
}

LINAC_TILE_FN void load_tile(Block &blk, const Global *g, const Tile &dst,
                             int64_t seq, int64_t head, int64_t chunk, int64_t col,
                             int64_t fullCols) {
  if (g && g->bf16) { // (the emitter reads bf16 workspaces into bf16 stages only)
    blk.L.fail("load_tile of bf16 workspace '" + g->name + "' into an fp32 tile");
    return;
  }
  const float *p = slot_columns(blk, g, seq, head, chunk, dst.rows, col, dst.cols,
                                fullCols, "load_tile");
  if (!p)
    return;
  for (int64_t i = 0; i < dst.rows; ++i)
    for (int64_t j = 0; j < dst.cols; ++j)
      dst.at(i, j) = p[i * fullCols + j];
}
#endif

/// copy_async with the destination's shape as the emitter states it (the
/// CUDA library compiles one copy per shape); a tile of another shape is an
/// error in the emitted program.
template <int R, int C>
inline Token copy_async(Block &blk, const Global *g, const Tile &dst, int64_t start,
                        int64_t row, int64_t valid, int64_t head, int64_t col) {
  if (dst.rows != R || dst.cols != C) {
    blk.L.fail("copy_async into '" + dst.name + "': the program says " + std::to_string(R) +
               " x " + std::to_string(C) + ", the tile is " + std::to_string(dst.rows) +
               " x " + std::to_string(dst.cols));
    return Token();
  }
  return copy_async(blk, g, dst, start, row, valid, head, col);
}

/// tile.prefetch_rows: the GPU starts loading rows [start + row, + R) of a
/// 16-bit tensor into the landing buffer (R x C/2 fp32 elements, or R x 1
/// for one column). Here the request is recorded (the inputs do not change
/// during a kernel, so take_rows copies them then) and the landing buffer
/// is poisoned; a prefetch into a landing buffer whose earlier rows were not
/// taken, or with no barrier since they were, is a hazard.
template <int R, int C>
inline void prefetch_rows(Block &blk, const Global *g, const Tile &landing, int64_t start,
                          int64_t row, int64_t head, int64_t col) {
  if (!g)
    return;
  constexpr int64_t landingCols = C == 1 ? 1 : C / 2;
  if (!landing.state || landing.rows != R || landing.cols != landingCols) {
    blk.L.fail("prefetch_rows of '" + g->name + "' into '" + landing.name +
               "', which is not a shared landing buffer of " + std::to_string(R) + " x " +
               std::to_string(landingCols));
    return;
  }
  if (head < 0 || head >= g->heads || col < 0 || col + C > g->cols) {
    blk.L.fail("prefetch_rows of '" + g->name + "': head " + std::to_string(head) +
               ", columns [" + std::to_string(col) + ", " + std::to_string(col + C) +
               ") is outside the tensor");
    return;
  }
  for (auto &p : blk.prefetches)
    if (p.landing == landing.p) {
      if (!p.taken) {
        blk.L.fail("hazard: prefetch into '" + landing.name +
                   "' before its earlier rows were taken");
        return;
      }
      if (p.readSinceBarrier) {
        blk.L.fail("hazard: prefetch into '" + landing.name +
                   "' while its rows are being taken (no barrier since the take)");
        return;
      }
      p = {landing.p, start + row, head, col, false, false, false};
      return;
    }
  for (int64_t i = 0; i < landing.rows; ++i)
    for (int64_t j = 0; j < landing.cols; ++j)
      landing.at(i, j) = std::numeric_limits<float>::quiet_NaN();
  blk.prefetches.push_back({landing.p, start + row, head, col, false, false, false});
}

#ifndef LINAC_TILE_EXTERN
/// tile.landed: every prefetch issued so far has landed.
LINAC_TILE_FN void landed(Block &blk) {
  for (auto &p : blk.prefetches)
    p.landed = true;
  release_landings(blk); // a barrier too
}

/// Whether a landed prefetch of exactly these rows waits in `landing`
/// (marked taken); else the hazard is reported.
LINAC_TILE_FN bool takeLanded(Block &blk, const Global *g, const Tile &landing, int64_t start,
                              int64_t row, int64_t head, int64_t col) {
  for (auto &p : blk.prefetches) {
    if (p.landing != landing.p)
      continue;
    auto hazard = [&](const char *what) {
      blk.L.fail("hazard: take_rows of '" + g->name + "' rows from " +
                 std::to_string(start + row) + " from '" + landing.name + "': " + what);
      return false;
    };
    if (p.taken || p.first != start + row || p.head != head || p.col != col)
      return hazard("no prefetch of these rows is waiting there");
    if (!p.landed)
      return hazard("the prefetch was not waited for (tile.landed)");
    p.taken = true;
    p.readSinceBarrier = true;
    return true;
  }
  blk.L.fail("hazard: take_rows of '" + g->name + "' from '" + landing.name +
             "', into which nothing was prefetched");
  return false;
}
#endif

/// tile.take_rows: copy_async of the same operands, allowed only where a
/// landed prefetch of exactly these rows is waiting in the landing buffer.
template <int R, int C>
inline Token take_rows(Block &blk, const Global *g, const Tile &landing, const Tile &dst,
                       int64_t start, int64_t row, int64_t valid, int64_t head, int64_t col) {
  if (!g || !takeLanded(blk, g, landing, start, row, head, col))
    return Token();
  return copy_async<R, C>(blk, g, dst, start, row, valid, head, col);
}

/// tile.take_rows into a fragment (tile-take-into-fragments): the same
/// check, the rows written at once (a fragment is the threads' registers on
/// a GPU: no stage, nothing to wait for).
template <int R, int C, int RF, int CF, int W>
inline Token take_rows(Block &blk, const Global *g, const Tile &landing, Frag<RF, CF, W> &dst,
                       int64_t start, int64_t row, int64_t valid, int64_t head, int64_t col) {
  static_assert(R == RF && C == CF, "take_rows into a fragment of the rows' shape");
  if (!g || !takeLanded(blk, g, landing, start, row, head, col))
    return Token();
  const int64_t first = start + row;
  Tile d = dst;
  if (!rowsInside(blk, "take_rows", g, d, first, valid, head, col))
    return Token();
  loadRows(g, d, first, valid, head, col);
  Token t; // waited as a copy's: done already
  t.copy = std::make_shared<std::function<void()>>([] {});
  return t;
}

#ifndef LINAC_TILE_EXTERN
/// Columns col.. of a workspace tile whose full width is `fullCols`; with
/// valid = 0 (a chunk past the end) a zero tile, reading nothing.
LINAC_TILE_FN Token copy_tile_async(Block &blk, const Global *g, const Tile &dst,
                                    int64_t seq, int64_t head, int64_t chunk,
                                    int64_t col, int64_t valid, int64_t fullCols) {
  Token t;
  if (!g || !startCopy(blk, dst))
    return t;
  t.state = dst.state;
  Tile z = dst;
  if (valid <= 0) {
    t.copy = std::make_shared<std::function<void()>>([=]() {
      for (int64_t i = 0; i < z.rows; ++i)
        for (int64_t j = 0; j < z.cols; ++j)
          z.at(i, j) = 0.0f;
    });
    return t;
  }
  const float *p = slot_columns(blk, g, seq, head, chunk, dst.rows, col, dst.cols,
                                fullCols, "copy_tile_async");
  if (!p)
    return t;
  Tile d = dst;
  t.copy = std::make_shared<std::function<void()>>([=]() {
    for (int64_t i = 0; i < d.rows; ++i)
      for (int64_t j = 0; j < d.cols; ++j)
        d.at(i, j) = p[i * fullCols + j];
    round_stored(d);
  });
  return t;
}

LINAC_TILE_FN void load_param(Block &blk, const Global *g, const Tile &dst,
                              int64_t head, int64_t col) {
  if (!g)
    return;
  if (head >= g->heads || col + dst.cols > g->cols || dst.rows != 1) {
    blk.L.fail("load_param of '" + g->name + "' is outside the tensor");
    return;
  }
  for (int64_t j = 0; j < dst.cols; ++j)
    dst.at(0, j) = g->data[head * g->cols + col + j];
}

LINAC_TILE_FN void load_state(Block &blk, const Tile &dst, int64_t seq, int64_t head,
                              int64_t col) {
  const Launch &L = blk.L;
  for (int64_t i = 0; i < dst.rows; ++i)
    for (int64_t j = 0; j < dst.cols; ++j)
      dst.at(i, j) = 0.0f;
  if (!L.hasInitialState)
    return;
  const Global *g = L.global("h0");
  if (!g)
    return;
  if (seq >= L.N || head >= L.HV || dst.rows != L.K || col + dst.cols > L.V) {
    L.fail("load_state outside h0");
    return;
  }
  const float *p = g->data + (seq * L.HV + head) * L.K * L.V;
  for (int64_t i = 0; i < dst.rows; ++i)
    for (int64_t j = 0; j < dst.cols; ++j)
      dst.at(i, j) = p[i * L.V + col + j];
}

LINAC_TILE_FN void store_state(Block &blk, const Tile &src, int64_t seq, int64_t head,
                               int64_t col) {
  const Launch &L = blk.L;
  const Global *g = L.global("ht");
  if (!g)
    return;
  if (seq >= L.N || head >= L.HV || src.rows != L.K || col + src.cols > L.V) {
    L.fail("store_state outside ht");
    return;
  }
  float *p = g->data + (seq * L.HV + head) * L.K * L.V;
  for (int64_t i = 0; i < src.rows; ++i)
    for (int64_t j = 0; j < src.cols; ++j)
      p[i * L.V + col + j] = src.at(i, j);
}

LINAC_TILE_FN void store_rows(Block &blk, const Global *g, const Tile &src,
                              int64_t start, int64_t row, int64_t valid, int64_t head,
                              int64_t col) {
  if (!g || !checkRead(blk, src, "store_rows"))
    return;
  int64_t first = start + row;
  if (!rowsInside(blk, "store_rows", g, src, first, valid, head, col))
    return;
  for (int64_t i = 0; i < valid; ++i)
    for (int64_t j = 0; j < src.cols; ++j)
      g->data[((first + i) * g->heads + head) * g->cols + col + j] = src.at(i, j);
}

// --- compute ----------------------------------------------------------------

LINAC_TILE_FN void fill(Block &, const Tile &dst, float v) {
  for (int64_t i = 0; i < dst.rows; ++i)
    for (int64_t j = 0; j < dst.cols; ++j)
      dst.at(i, j) = v;
}

LINAC_TILE_FN void identity(Block &, const Tile &dst) {
  for (int64_t i = 0; i < dst.rows; ++i)
    for (int64_t j = 0; j < dst.cols; ++j)
      dst.at(i, j) = i == j ? 1.0f : 0.0f;
}

LINAC_TILE_FN void mask_rows(Block &, const Tile &dst, int64_t valid) {
  for (int64_t i = valid < 0 ? 0 : valid; i < dst.rows; ++i)
    for (int64_t j = 0; j < dst.cols; ++j)
      dst.at(i, j) = 0.0f;
}
#endif

inline float apply(Ew k, float x, float y) {
  switch (k) {
  case Ew::copy: return x;
  case Ew::neg: return -x;
  case Ew::exp: return std::exp(x);
  case Ew::log: return std::log(x);
  case Ew::sqrt: return std::sqrt(x);
  case Ew::sigmoid: return 1.0f / (1.0f + std::exp(-x));
  case Ew::logsigmoid: return std::fmin(x, 0.0f) - std::log1p(std::exp(-std::fabs(x)));
  case Ew::softplus: return std::fmax(x, 0.0f) + std::log1p(std::exp(-std::fabs(x)));
  case Ew::silu: return x / (1.0f + std::exp(-x));
  case Ew::add: return x + y;
  case Ew::sub: return x - y;
  case Ew::mul: return x * y;
  case Ew::div: return x / y;
  case Ew::max: return std::fmax(x, y);
  case Ew::min: return std::fmin(x, y);
  }
  return x;
}

#ifndef LINAC_TILE_EXTERN
LINAC_TILE_FN void ew(Block &blk, Ew k, const Tile &dst, const Tile &a) {
  if (!checkRead(blk, a, "ew"))
    return;
  // Read into a temporary first: dst may alias a.
  std::vector<float> out(static_cast<size_t>(dst.rows * dst.cols));
  for (int64_t i = 0; i < dst.rows; ++i)
    for (int64_t j = 0; j < dst.cols; ++j)
      out[i * dst.cols + j] = apply(k, a.get(i, j), 0.0f);
  for (int64_t i = 0; i < dst.rows; ++i)
    for (int64_t j = 0; j < dst.cols; ++j)
      dst.at(i, j) = out[i * dst.cols + j];
  round_stored(dst);
}

LINAC_TILE_FN void ew(Block &blk, Ew k, const Tile &dst, const Tile &a, const Tile &b) {
  if (!checkRead(blk, a, "ew") || !checkRead(blk, b, "ew"))
    return;
  std::vector<float> out(static_cast<size_t>(dst.rows * dst.cols));
  for (int64_t i = 0; i < dst.rows; ++i)
    for (int64_t j = 0; j < dst.cols; ++j)
      out[i * dst.cols + j] = apply(k, a.get(i, j), b.get(i, j));
  for (int64_t i = 0; i < dst.rows; ++i)
    for (int64_t j = 0; j < dst.cols; ++j)
      dst.at(i, j) = out[i * dst.cols + j];
  round_stored(dst);
}
#endif

/// A run of element-wise ops (tile-fuse-elementwise) as one loop: f(i, j)
/// computes and stores every op's value at (i, j); `reads` are the tiles
/// the run reads (checked as every op's operands are).
template <class F, class... T>
inline void fused_ew(Block &blk, int64_t rows, int64_t cols, F &&f, const T &...reads) {
  if (!(checkRead(blk, reads, "fused ew") && ...))
    return;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      f(i, j);
}

/// Four consecutive values of a row (fused_ew4's unit; float4 in the CUDA
/// library).
struct Quad {
  float x, y, z, w;
};
inline Quad splat(float v) { return Quad{v, v, v, v}; }
inline Quad quad(const Tile &t, int64_t i, int64_t j) {
  return Quad{t.at(i, j), t.at(i, j + 1), t.at(i, j + 2), t.at(i, j + 3)};
}
inline void quad_store(const Tile &t, int64_t i, int64_t j, Quad v) {
  t.at(i, j) = v.x;
  t.at(i, j + 1) = v.y;
  t.at(i, j + 2) = v.z;
  t.at(i, j + 3) = v.w;
}
inline Quad apply4(Ew k, Quad a, Quad b) {
  return Quad{apply(k, a.x, b.x), apply(k, a.y, b.y), apply(k, a.z, b.z), apply(k, a.w, b.w)};
}
/// Rows a multiple of four floats apart (the CUDA library also asks for
/// 16-byte alignment, which the values do not depend on).
inline bool quad_ready(const Tile &t) { return t.ld % 4 == 0; }

/// A fused run emitted over quads as well (cols a multiple of 4): `q(i, j)`
/// computes and stores columns j..j+3 of row i; `f` is the per-element
/// form, taken where a tile is not `ready` for quads. The values are the
/// same either way (each element's ops in the same order).
template <class F, class Q, class... T>
inline void fused_ew4(Block &blk, int64_t rows, int64_t cols, bool ready, F &&f, Q &&q,
                      const T &...reads) {
  if (!ready)
    return fused_ew(blk, rows, cols, f, reads...);
  if (!(checkRead(blk, reads, "fused ew") && ...))
    return;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; j += 4)
      q(static_cast<int>(i), static_cast<int>(j));
}

#ifndef LINAC_TILE_EXTERN
/// 1 / ||row i of src|| (l2norm's epsilon): row_l2norm's and row_inv_norm's
/// one sum, so that they agree.
LINAC_TILE_FN float row_inverse_norm(const Tile &src, int64_t i) {
  float ss = 0;
  for (int64_t j = 0; j < src.cols; ++j)
    ss += src.at(i, j) * src.at(i, j);
  return 1.0f / std::sqrt(ss + 1e-6f);
}

LINAC_TILE_FN void row_l2norm(Block &blk, const Tile &dst, const Tile &src) {
  if (!checkRead(blk, src, "row_l2norm"))
    return;
  for (int64_t i = 0; i < src.rows; ++i) {
    float inv = row_inverse_norm(src, i);
    for (int64_t j = 0; j < src.cols; ++j)
      dst.at(i, j) = src.at(i, j) * inv;
  }
}

/// dst(i, 0) = 1 / ||row i of src|| (l2norm's factor).
LINAC_TILE_FN void row_inv_norm(Block &blk, const Tile &dst, const Tile &src) {
  if (!checkRead(blk, src, "row_inv_norm"))
    return;
  for (int64_t i = 0; i < src.rows; ++i)
    dst.at(i, 0) = row_inverse_norm(src, i);
}

LINAC_TILE_FN void row_dot(Block &blk, const Tile &dst, const Tile &a, const Tile &b) {
  if (!checkRead(blk, a, "row_dot") || !checkRead(blk, b, "row_dot"))
    return;
  for (int64_t i = 0; i < a.rows; ++i) {
    float acc = 0;
    for (int64_t j = 0; j < a.cols; ++j)
      acc += a.at(i, j) * b.at(i, j);
    dst.at(i, 0) = acc;
  }
}

LINAC_TILE_FN void cumsum(Block &blk, const Tile &dst, const Tile &src, bool exclusive) {
  if (!checkRead(blk, src, "cumsum"))
    return;
  for (int64_t j = 0; j < src.cols; ++j) {
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
}

LINAC_TILE_FN void transpose(Block &blk, const Tile &dst, const Tile &src) {
  if (!checkRead(blk, src, "transpose"))
    return;
  for (int64_t i = 0; i < src.rows; ++i)
    for (int64_t j = 0; j < src.cols; ++j)
      dst.at(j, i) = src.at(i, j);
}


LINAC_TILE_FN void mma(Block &blk, const Tile &acc, const Tile &a, const Tile &b,
                       bool ta, bool tb, bool accumulate, Operand type, bool subtract) {
  if (!checkRead(blk, a, "mma") || !checkRead(blk, b, "mma"))
    return;
  if (subtract && !accumulate) {
    blk.L.fail("mma: subtract needs accumulate");
    return;
  }
  int64_t m = acc.rows, n = acc.cols, k = ta ? a.rows : a.cols;
  std::vector<float> out(static_cast<size_t>(m * n));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      // subtract: -((-acc) + sum), as the CUDA library's accumulators do.
      float s = accumulate ? (subtract ? -acc.at(i, j) : acc.at(i, j)) : 0.0f;
      for (int64_t l = 0; l < k; ++l)
        s += round_operand(ta ? a.at(l, i) : a.at(i, l), type) *
             round_operand(tb ? b.at(j, l) : b.at(l, j), type);
      out[i * n + j] = subtract ? -s : s;
    }
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      acc.at(i, j) = out[i * n + j];
}

LINAC_TILE_FN void causal_mask(Block &, const Tile &dst, bool inclusive) {
  for (int64_t i = 0; i < dst.rows; ++i)
    for (int64_t j = 0; j < dst.cols; ++j)
      if (j > i || (j == i && !inclusive))
        dst.at(i, j) = 0.0f;
}
#endif

/// A scale column's value at row i; Tile{} (none) scales by 1.
inline float scale_at(const Tile &s, int64_t i) { return s.p ? s.at(i, 0) : 1.0f; }

#ifndef LINAC_TILE_EXTERN
/// causal_mask, the kept entries scaled by rs[i] * cs[j] (a Gram matrix's
/// row and column scalings).
LINAC_TILE_FN void causal_mask(Block &blk, const Tile &dst, const Tile &rs, const Tile &cs,
                               bool inclusive) {
  if (!checkRead(blk, rs, "causal_mask") || !checkRead(blk, cs, "causal_mask"))
    return;
  for (int64_t i = 0; i < dst.rows; ++i)
    for (int64_t j = 0; j < dst.cols; ++j)
      dst.at(i, j) = (j < i || (j == i && inclusive))
                         ? dst.at(i, j) * scale_at(rs, i) * scale_at(cs, j)
                         : 0.0f;
}

LINAC_TILE_FN void decay_mask(Block &blk, const Tile &dst, const Tile &lg,
                              const Tile &rg, bool inclusive) {
  if (!checkRead(blk, lg, "decay_mask") || !checkRead(blk, rg, "decay_mask"))
    return;
  for (int64_t i = 0; i < dst.rows; ++i)
    for (int64_t j = 0; j < dst.cols; ++j)
      dst.at(i, j) = (j < i || (j == i && inclusive))
                         ? dst.at(i, j) * std::exp(lg.at(i, 0) - rg.at(j, 0))
                         : 0.0f;
}

/// decay_mask, the kept entries scaled by rs[i] * cs[j].
LINAC_TILE_FN void decay_mask(Block &blk, const Tile &dst, const Tile &lg, const Tile &rg,
                              const Tile &rs, const Tile &cs, bool inclusive) {
  if (!checkRead(blk, lg, "decay_mask") || !checkRead(blk, rg, "decay_mask") ||
      !checkRead(blk, rs, "decay_mask") || !checkRead(blk, cs, "decay_mask"))
    return;
  for (int64_t i = 0; i < dst.rows; ++i)
    for (int64_t j = 0; j < dst.cols; ++j)
      dst.at(i, j) = (j < i || (j == i && inclusive))
                         ? dst.at(i, j) * std::exp(lg.at(i, 0) - rg.at(j, 0)) *
                               scale_at(rs, i) * scale_at(cs, j)
                         : 0.0f;
}
#endif

/// acc = op(a) op(b), then its causal mask (lg and rg Tile{}) or decay mask
/// (gates lg, rg), its kept entries scaled by rs[i] cs[j] where given: a
/// mask run on the matmul's accumulators (tile-fuse-mask-epilogue), here
/// the two ops in turn (the CUDA library's fused form computes the same
/// products in the same order).
template <class A, class B>
inline void mma_masked(Block &blk, const Tile &acc, const A &a, const B &b, bool ta, bool tb,
                       Operand type, const Tile &lg, const Tile &rg, const Tile &rs,
                       const Tile &cs, bool inclusive) {
  mma(blk, acc, a, b, ta, tb, false, type);
  const bool scaled = rs.p || cs.p;
  if (lg.p && scaled)
    decay_mask(blk, acc, lg, rg, rs, cs, inclusive);
  else if (lg.p)
    decay_mask(blk, acc, lg, rg, inclusive);
  else if (scaled)
    causal_mask(blk, acc, rs, cs, inclusive);
  else
    causal_mask(blk, acc, inclusive);
}

/// gram_diag with a 16-bit operand type (the CUDA library's tensor-core
/// form, computed the same way here so that the cpu target checks it):
/// output tiles of 16 rows x 8 columns on or below the diagonal, each
/// factoring the decay through a reference row of rg, so that
/// l e^(lg - ref) and r e^(ref - rg) are rounded and multiplied. A tile
/// below the diagonal takes its last column (every exponent <= 0 for
/// non-increasing cumulative gates); a tile on the diagonal its fourth
/// (positive exponents over at most four tokens' gates), and its rows
/// above its first column (wholly masked) are zero. A factor with a
/// positive exponent p may meet a partner that underflowed (exponent below
/// about -87), dropping a product of at most e^(p - 87) |l r|: this bound
/// keeps that below e^-47. A tile with a live exponent above it, a scaled
/// operand past 3e38 (bf16's largest is 3.39e38; NaN passes, as in the
/// fp32 form), or scaled operands whose largest magnitudes could make a
/// product sum past 3e38 (largest of the rows x largest of the columns x
/// channels: each may be finite while their products overflow fp32) is
/// over. An over tile on the diagonal takes the split form: the pairs of
/// its 8 x 8 diagonal block in fp32, pair by pair, and the rows below its
/// columns scaled at its last column (decays of several units per token,
/// which models' gates reach on some channels, put nearly every diagonal
/// tile over the bound). Any other over tile, or a split one whose rows
/// below are still over, is computed in fp32, pair by pair, as without a
/// 16-bit type.
constexpr float kGramTileBound = 40.0f;
constexpr float kGramTileLargest = 3.0e38f;

inline bool gram_tiles_fit(const Tile &dst, const Tile &l) {
  return dst.rows == dst.cols && dst.rows % 16 == 0 && l.cols % 16 == 0 && l.rows >= dst.rows;
}

/// How a tile of gram_diag's tensor-core form scales its operands: at row
/// `ref` of rg, for its rows from `first` on (the others are not on the
/// tensor cores).
struct GramTileForm {
  int64_t ref, first;
};
/// The whole form of the tile at (i0, j0): its last column below the
/// diagonal, its fourth on it; rows from its first column on.
inline GramTileForm gram_tile_whole(int64_t i0, int64_t j0) {
  return {j0 + 7 < i0 ? j0 + 7 : j0 + 3, j0};
}
/// The split form of a tile on the diagonal: its last column, for the rows
/// below its columns (its 8 x 8 diagonal block is fp32).
inline GramTileForm gram_tile_split(int64_t j0) { return {j0 + 7, j0 + 8}; }

#ifndef LINAC_TILE_EXTERN
/// Whether the tile at (i0, j0) in `form` is over: a live exponent past
/// kGramTileBound, or scaled operands that could overflow (see gram_diag).
LINAC_TILE_FN bool gram_tile_over(const Tile &l, const Tile &r, const Tile &lg, const Tile &rg,
                                  int64_t i0, int64_t j0, GramTileForm form) {
  const int64_t ref = form.ref;
  float peakL = 0.0f, peakR = 0.0f;
  for (int64_t c = 0; c < l.cols; ++c) {
    for (int64_t i = std::max(i0, form.first); i < i0 + 16; ++i) {
      if (lg.at(i, c) - rg.at(ref, c) > kGramTileBound)
        return true;
      peakL = std::max(peakL, std::fabs(l.at(i, c) * std::exp(lg.at(i, c) - rg.at(ref, c))));
    }
    for (int64_t j = j0; j < j0 + 8; ++j) {
      if (rg.at(ref, c) - rg.at(j, c) > kGramTileBound)
        return true;
      peakR = std::max(peakR, std::fabs(r.at(j, c) * std::exp(rg.at(ref, c) - rg.at(j, c))));
    }
  }
  return peakL > kGramTileLargest || peakR > kGramTileLargest ||
         peakL * peakR * static_cast<float>(l.cols) > kGramTileLargest;
}
#endif

/// A tile's over tests, each made once (-1: not yet): every pair of the
/// tile shares them, and each reads the tile's rows and columns.
struct GramTileTests {
  int8_t wholeOver = -1, splitOver = -1;
  int8_t rowsOver = -1; // the row-block form's (gram_rows_over)
};

#ifndef LINAC_TILE_EXTERN
/// The form (i, j) takes in the tile at (i0, j0), if any (false: fp32);
/// `tests` is that tile's.
LINAC_TILE_FN bool gram_pair_form(const Tile &l, const Tile &r, const Tile &lg, const Tile &rg,
                                  int64_t i, int64_t j, GramTileTests &tests, GramTileForm &form) {
  const int64_t i0 = i / 16 * 16, j0 = j / 8 * 8;
  auto over = [&](int8_t &known) {
    if (known < 0)
      known = gram_tile_over(l, r, lg, rg, i0, j0, form) ? 1 : 0;
    return known == 1;
  };
  form = gram_tile_whole(i0, j0);
  if (!over(tests.wholeOver))
    return true;
  if (j0 + 7 < i0 || i / 8 == j / 8) // below the diagonal, or in the 8 x 8 diagonal block
    return false;
  form = gram_tile_split(j0);
  return !over(tests.splitOver);
}

/// Entry (i, j) from operands scaled at row `ref` of rg and rounded to `type`.
LINAC_TILE_FN float gram_scaled_entry(const Tile &l, const Tile &r, const Tile &lg, const Tile &rg,
                                      int64_t i, int64_t j, int64_t ref, Operand type) {
  float acc = 0;
  for (int64_t c = 0; c < l.cols; ++c)
    acc += round_operand(l.at(i, c) * std::exp(lg.at(i, c) - rg.at(ref, c)), type) *
           round_operand(r.at(j, c) * std::exp(rg.at(ref, c) - rg.at(j, c)), type);
  return acc;
}
#endif

/// The bounded form (`bound` b > 0, the compiler's proof that the decays
/// are cumulative sums of per-token log-decays in [-b, 0], with 16 b <=
/// kGramBoundedSpan): every entry of a 16-row block factors through the
/// block's first row p, l e^(lg - rg[p]) and r e^(rg[p] - rg), rounded and
/// multiplied, the diagonal block included. Within the block the factors
/// lie in [e^(-16 b), e^b] and [1, e^(15 b)]: for operands below ~1e5 in
/// magnitude (normalised keys, as the variants that prove a bound have),
/// no overflow (products of masked pairs reach e^(16 b) per channel, within
/// fp32; they are not stored) and no underflow that a live product would
/// need; left of it both factors are <= 1, so
/// one that underflows drops only a product below e^-87. No tests, no fp32
/// fallback: the form FlashKDA and FLA's safe gate take, the gate formula
/// (e.g. lower_bound * sigmoid(...)) giving the bound.
constexpr float kGramBoundedSpan = 80.0f;
inline bool gram_bounded(float bound) { return bound > 0.0f && 16.0f * bound <= kGramBoundedSpan; }

/// The row-block form without a proven bound (`rows`, config gram=rows):
/// the same factoring through each 16-row block's first row p, with tests.
/// The 16 x 8 tile at (i0, j0) takes it unless a scaled row's exponent
/// lg - rg[p] passes kGramRowsLhsMax, a scaled column's rg[p] - rg passes
/// kGramRowsRhsMax, a row's is below kGramRowsLhsMin while a column's
/// passes kGramTileBound (a row that underflowed could then drop more than
/// e^-47 of a live product), or a scaled operand passes kGramTileLargest;
/// such a tile takes the per-tile form. Products of masked pairs may
/// overflow: they are not stored. With gates non-increasing down the rows
/// every exponent left of the diagonal block is <= 0, so only its two
/// diagonal tiles can fail (gates of more than ~5 per token).
constexpr float kGramRowsLhsMax = 40.0f, kGramRowsRhsMax = 75.0f, kGramRowsLhsMin = -80.0f;

#ifndef LINAC_TILE_EXTERN
LINAC_TILE_FN bool gram_rows_over(const Tile &l, const Tile &r, const Tile &lg, const Tile &rg,
                                  int64_t i0, int64_t j0) {
  bool rowsHi = false, rowsLo = false, colsHi = false, colsMid = false;
  float peakL = 0.0f, peakR = 0.0f;
  for (int64_t c = 0; c < l.cols; ++c) {
    for (int64_t i = i0; i < i0 + 16; ++i) {
      const float e = lg.at(i, c) - rg.at(i0, c);
      rowsHi = rowsHi || e > kGramRowsLhsMax;
      rowsLo = rowsLo || e < kGramRowsLhsMin;
      peakL = std::max(peakL, std::fabs(l.at(i, c) * std::exp(e)));
    }
    for (int64_t j = j0; j < j0 + 8; ++j) {
      const float e = rg.at(i0, c) - rg.at(j, c);
      colsHi = colsHi || e > kGramRowsRhsMax;
      colsMid = colsMid || e > kGramTileBound;
      peakR = std::max(peakR, std::fabs(r.at(j, c) * std::exp(e)));
    }
  }
  return rowsHi || colsHi || (rowsLo && colsMid) || peakL > kGramTileLargest ||
         peakR > kGramTileLargest;
}

LINAC_TILE_FN void gram_diag(Block &blk, const Tile &dst, const Tile &l, const Tile &r,
                             const Tile &lg, const Tile &rg, bool inclusive,
                             Operand type, float bound, bool rows) {
  for (const Tile *t : {&l, &r, &lg, &rg})
    if (!checkRead(blk, *t, "gram_diag"))
      return;
  const bool tiled = type == Operand::bf16 && gram_tiles_fit(dst, l);
  const bool bounded = tiled && gram_bounded(bound), rowBlocks = bounded || (tiled && rows);
  const int64_t tileCols = dst.cols / 8;
  std::vector<GramTileTests> tests(tiled ? static_cast<size_t>(dst.rows / 16 * tileCols) : 0);
  for (int64_t i = 0; i < dst.rows; ++i)
    for (int64_t j = 0; j < dst.cols; ++j) {
      if (j > i || (j == i && !inclusive)) {
        dst.at(i, j) = 0.0f;
        continue;
      }
      if (rowBlocks) {
        int8_t &over = tests[i / 16 * tileCols + j / 8].rowsOver;
        if (over < 0)
          over = !bounded && gram_rows_over(l, r, lg, rg, i / 16 * 16, j / 8 * 8) ? 1 : 0;
        if (!over) {
          dst.at(i, j) = gram_scaled_entry(l, r, lg, rg, i, j, i / 16 * 16, type);
          continue;
        }
      }
      GramTileForm form{};
      if (tiled && gram_pair_form(l, r, lg, rg, i, j, tests[i / 16 * tileCols + j / 8], form)) {
        dst.at(i, j) = gram_scaled_entry(l, r, lg, rg, i, j, form.ref, type);
        continue;
      }
      float acc = 0;
      for (int64_t c = 0; c < l.cols; ++c)
        acc += l.at(i, c) * r.at(j, c) * std::exp(lg.at(i, c) - rg.at(j, c));
      dst.at(i, j) = acc;
    }
}

/// Two Gram matrices of one right operand and decays (tile-pair-grams):
/// the GPU library takes their shared exponentials once, each output the
/// values of its own gram_diag; here the two calls.
LINAC_TILE_FN void gram_diag_pair(Block &blk, const Tile &dst0, const Tile &l0,
                                  bool inclusive0, const Tile &dst1, const Tile &l1,
                                  bool inclusive1, const Tile &r, const Tile &lg, const Tile &rg,
                                  Operand type) {
  gram_diag(blk, dst0, l0, r, lg, rg, inclusive0, type);
  gram_diag(blk, dst1, l1, r, lg, rg, inclusive1, type);
}

/// (I + L)^-1 for strictly lower L, by forward substitution in fp32.
LINAC_TILE_FN void tri_inv(Block &blk, const Tile &dst, const Tile &src) {
  if (!checkRead(blk, src, "tri_inv"))
    return;
  int64_t n = src.rows;
  std::vector<float> t(static_cast<size_t>(n * n), 0.0f);
  for (int64_t j = 0; j < n; ++j)
    for (int64_t i = j; i < n; ++i) {
      float acc = i == j ? 1.0f : 0.0f;
      for (int64_t m = j; m < i; ++m)
        acc -= src.at(i, m) * t[m * n + j];
      t[i * n + j] = acc;
    }
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      dst.at(i, j) = t[i * n + j];
}
#endif

// --- kernels ------------------------------------------------------------------

using KernelFn = void (*)(const Launch &, Block &);

/// What the emitted module exports: its kernels in launch order, with their
/// grids, and the workspaces they share.
struct KernelInfo {
  const char *name;
  const char *grid[3];
  int64_t vtileCols;    // columns of V per block along a "vtile" grid dimension
  int64_t segmentChunks; // chunks per block along a "segment" grid dimension
  int64_t sharedBytes;  // shared tiles per block (all stages)
  int64_t regBytes;     // register tiles per block
  KernelFn fn;
};
/// A workspace: per (sequence, head), one rows x cols slot for every
/// `slotChunks` chunks (a segment in the sequence split, else a chunk).
struct WorkspaceInfo {
  const char *name;
  int64_t rows, cols, slotChunks;
  int64_t elementBytes; // 4 (f32), or 2 (bf16: read only into bf16 stages)
};
/// Slots per (sequence, head) of such a workspace (slotChunks >= 1).
inline int64_t workspace_slots(int64_t chunks, int64_t slotChunks) {
  return num_chunks(chunks, slotChunks);
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
  static void name(const ::linac::tile::Launch &L, ::linac::tile::Block &blk)
#define LINAC_ENTRY(name, threads)
#define LINAC_ENTRY_SIZED(name, threads, blocks)
#define LINAC_KERNEL_FN(name) &name

#endif // LINAC_TILE_CPU_H
