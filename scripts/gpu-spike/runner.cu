//===- runner.cu - run emitted CUDA kernels on a linac --dump directory -----===//
//
//   nvcc -std=c++17 -arch=sm_90 -I<repo> -I<repo>/runtime/device/cuda \
//        -DLINAC_KERNEL_SOURCE='"kernel.cu"' runner.cu <repo>/reference/Npy.cpp \
//        <repo>/reference/DumpMeta.cpp
//   ./runner DUMP_DIR
//
// Loads the inputs that `linac run --dump` wrote, runs the module's kernels
// in order (outputs poisoned with NaN first), and compares o and the final
// states with the float64 reference outputs in the dump.
//
//===----------------------------------------------------------------------===//
#include LINAC_KERNEL_SOURCE
#include "reference/DumpMeta.h"
#include "reference/Npy.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace linac;

#define CHECK(call)                                                            \
  do {                                                                         \
    cudaError_t e_ = (call);                                                   \
    if (e_ != cudaSuccess) {                                                   \
      std::fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call,       \
                   cudaGetErrorString(e_));                                    \
      std::exit(2);                                                            \
    }                                                                          \
  } while (0)

static NpyArray load(const std::string &dir, const std::string &name) {
  NpyArray a;
  std::string err = readNpy(dir + "/" + name + ".npy", a);
  if (!err.empty()) {
    std::fprintf(stderr, "runner: %s\n", err.c_str());
    std::exit(2);
  }
  return a;
}

static double relError(const std::vector<float> &x, const std::vector<double> &ref,
                       int64_t &nonFinite) {
  double d = 0, n = 0;
  nonFinite = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    if (!std::isfinite(x[i]))
      ++nonFinite;
    d += (x[i] - ref[i]) * (x[i] - ref[i]);
    n += ref[i] * ref[i];
  }
  return n > 0 ? std::sqrt(d / n) : std::sqrt(d);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: runner DUMP_DIR\n");
    return 2;
  }
  std::string dir = argv[1];
  DumpMeta meta;
  if (std::string err = readDumpMeta(dir, meta); !err.empty()) {
    std::fprintf(stderr, "runner: %s\n", err.c_str());
    return 2;
  }
  const int64_t B = meta.B, T = meta.T, H = meta.H, HV = meta.HV, K = meta.K,
                V = meta.V;
  const bool varlen = meta.varlen, hasH0 = meta.initialState;
  const tile::ModuleInfo *info = linac_module();

  tile::Launch L{};
  L.B = B; L.T = T; L.H = H; L.HV = HV; L.K = K; L.V = V;
  L.scale = static_cast<float>(meta.scale);
  L.hasInitialState = hasH0;
  std::vector<int64_t> cu;
  if (varlen) {
    NpyArray c = load(dir, "cu_seqlens");
    for (double x : c.data)
      cu.push_back(static_cast<int64_t>(x));
  }
  const int64_t N = varlen ? static_cast<int64_t>(cu.size()) - 1 : B;
  L.N = N;
  int64_t maxLen = 0;
  for (int64_t n = 0; n < N; ++n)
    maxLen = std::max(maxLen, varlen ? cu[n + 1] - cu[n] : T);
  L.chunks = (maxLen + info->chunk - 1) / info->chunk;
  int64_t *dCu = nullptr;
  if (varlen) {
    CHECK(cudaMalloc(&dCu, cu.size() * 8));
    CHECK(cudaMemcpy(dCu, cu.data(), cu.size() * 8, cudaMemcpyHostToDevice));
  }
  L.cuSeqlens = dCu;

  std::vector<float *> owned;
  auto add = [&](const std::string &name, int64_t rows, int64_t heads,
                 int64_t cols, const std::vector<double> *src, float fillValue) {
    tile::Global &g = L.globals[L.numGlobals++];
    std::snprintf(g.name, sizeof g.name, "%s", name.c_str());
    size_t n = static_cast<size_t>(rows * heads * cols);
    std::vector<float> host(n, fillValue);
    if (src)
      for (size_t i = 0; i < n; ++i)
        host[i] = static_cast<float>((*src)[i]);
    CHECK(cudaMalloc(&g.data, n * 4));
    CHECK(cudaMemcpy(g.data, host.data(), n * 4, cudaMemcpyHostToDevice));
    g.rows = rows; g.heads = heads; g.cols = cols;
    owned.push_back(g.data);
    return g.data;
  };
  for (const std::string &in : meta.inputs) {
    NpyArray a = load(dir, in);
    add(in, B * T, a.shape[2], a.shape.size() > 3 ? a.shape[3] : 1, &a.data, 0);
  }
  for (const std::string &p : meta.params) {
    NpyArray a = load(dir, p);
    add(p, 1, a.shape[0], a.shape.size() > 1 ? a.shape[1] : 1, &a.data, 0);
  }
  if (hasH0) {
    NpyArray h0 = load(dir, "h0");
    add("h0", N, HV, K * V, &h0.data, 0);
  }
  const float nan = std::nanf("");
  float *dHt = add("ht", N, HV, K * V, nullptr, nan); // poisoned
  float *dO = add("o", B * T, HV, V, nullptr, nan);
  for (int i = 0; i < info->numWorkspaces; ++i) {
    const tile::WorkspaceInfo &w = info->workspaces[i];
    add(w.name, N * HV * tile::workspace_slots(L.chunks, w.slotChunks), 1, w.rows * w.cols,
        nullptr, nan);
  }
  int *dError;
  CHECK(cudaMalloc(&dError, 4));
  CHECK(cudaMemset(dError, 0, 4));
  L.error = dError;

  // Scratch for register tiles: the largest kernel's need, for every block.
  int64_t maxBlocks = 1, maxReg = 0;
  std::vector<dim3> grids;
  for (int k = 0; k < info->numKernels; ++k) {
    const tile::KernelInfo &ki = info->kernels[k];
    int64_t extent[3] = {1, 1, 1};
    for (int i = 0; i < 3; ++i) {
      std::string g = ki.grid[i];
      extent[i] = g == "seq" ? N : g == "head" ? HV
                : g == "vtile" ? (ki.vtileCols ? V / ki.vtileCols : 1)
                : g == "chunk" ? L.chunks
                : g == "segment" ? (ki.segmentChunks ? (L.chunks + ki.segmentChunks - 1) / ki.segmentChunks : 1)
                : 1;
    }
    grids.push_back(dim3(extent[0], extent[1], extent[2]));
    maxBlocks = std::max(maxBlocks, extent[0] * extent[1] * extent[2]);
    maxReg = std::max(maxReg, ki.regBytes);
  }
  CHECK(cudaMalloc(&L.scratch, maxBlocks * maxReg));
  L.scratchPerBlock = maxReg;

  cudaEvent_t t0, t1;
  CHECK(cudaEventCreate(&t0));
  CHECK(cudaEventCreate(&t1));
  CHECK(cudaEventRecord(t0));
  for (int k = 0; k < info->numKernels; ++k) {
    const tile::KernelInfo &ki = info->kernels[k];
    if (ki.sharedBytes > 48 * 1024)
      CHECK(cudaFuncSetAttribute(reinterpret_cast<const void *>(ki.fn),
                                 cudaFuncAttributeMaxDynamicSharedMemorySize,
                                 static_cast<int>(ki.sharedBytes)));
    ki.fn<<<grids[k], 128, ki.sharedBytes>>>(L);
    CHECK(cudaGetLastError());
  }
  CHECK(cudaEventRecord(t1));
  CHECK(cudaDeviceSynchronize());
  float ms = 0;
  CHECK(cudaEventElapsedTime(&ms, t0, t1));
  int error = 0;
  CHECK(cudaMemcpy(&error, dError, 4, cudaMemcpyDeviceToHost));

  std::vector<float> o(static_cast<size_t>(B * T * HV * V)),
      ht(static_cast<size_t>(N * HV * K * V));
  CHECK(cudaMemcpy(o.data(), dO, o.size() * 4, cudaMemcpyDeviceToHost));
  CHECK(cudaMemcpy(ht.data(), dHt, ht.size() * 4, cudaMemcpyDeviceToHost));
  NpyArray refO = load(dir, "o"), refHt = load(dir, "ht");
  // Rows of o past the end of varlen tokens do not exist; every o is written.
  int64_t badO, badHt;
  double eo = relError(o, refO.data, badO), eh = relError(ht, refHt.data, badHt);
  bool ok = error == 0 && badO == 0 && badHt == 0 && eo <= 1e-5 && eh <= 1e-5;
  std::printf("%-10s %-55s o %.3e  ht %.3e  unwritten/non-finite %lld/%lld  "
              "oob %d  %.2f ms  %s\n",
              info->variant, info->config, eo, eh, (long long)badO,
              (long long)badHt, error, ms, ok ? "ok" : "FAIL");
  return ok ? 0 : 1;
}
