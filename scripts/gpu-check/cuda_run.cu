//===- cuda_run.cu - run an emitted module through the NVRTC runtime --------===//
//
//   cuda_run KERNEL.cu DUMP_DIR CACHE_DIR
//
// Loads the emitted source with runtime/cuda/CudaModule (NVRTC compile or
// cache hit, driver-API load) three times -- cold (empty cache), warm (cache
// hit), and after corrupting the cached cubin (must be detected and
// rebuilt) -- then launches the kernels on a stream, poisoning the outputs
// first, and compares o and the final states with the dump's float64
// reference. Prints one line.
//
//===----------------------------------------------------------------------===//
#include "linac_tile_cuda.cuh"
#include "reference/DumpMeta.h"
#include "reference/Npy.h"
#include "runtime/cuda/CudaModule.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace linac;

#define CU(call)                                                               \
  do {                                                                         \
    CUresult r_ = (call);                                                      \
    if (r_ != CUDA_SUCCESS) {                                                  \
      const char *s_ = nullptr;                                                \
      cuGetErrorString(r_, &s_);                                               \
      std::fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, s_);  \
      std::exit(2);                                                            \
    }                                                                          \
  } while (0)

static NpyArray load(const std::string &dir, const std::string &name) {
  NpyArray a;
  if (std::string err = readNpy(dir + "/" + name + ".npy", a); !err.empty()) {
    std::fprintf(stderr, "cuda_run: %s\n", err.c_str());
    std::exit(2);
  }
  return a;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: cuda_run KERNEL.cu DUMP_DIR CACHE_DIR\n");
    return 2;
  }
  std::ifstream f(argv[1]);
  std::stringstream text;
  text << f.rdbuf();
  std::string source = text.str(), dir = argv[2], cache = argv[3];
  DumpMeta meta;
  if (std::string err = readDumpMeta(dir, meta); !err.empty()) {
    std::fprintf(stderr, "cuda_run: %s\n", err.c_str());
    return 2;
  }
  CU(cuInit(0));
  CUdevice device;
  CU(cuDeviceGet(&device, 0));
  CUcontext ctx;
  CU(cuDevicePrimaryCtxRetain(&ctx, device));
  CU(cuCtxSetCurrent(ctx));
  CUstream stream;
  CU(cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING));

  // Cold, warm, and corrupt-cache loads.
  CudaModule cold, warm, repaired;
  CudaModule::LoadStats sCold, sWarm, sRepaired;
  if (auto err = cold.load(source, cache, sCold); !err.empty()) {
    std::fprintf(stderr, "cuda_run: %s\n", err.c_str());
    return 1;
  }
  if (auto err = warm.load(source, cache, sWarm); !err.empty()) {
    std::fprintf(stderr, "cuda_run: %s\n", err.c_str());
    return 1;
  }
  // Flip a byte in the middle of the cached cubin.
  std::string cubinPath;
  {
    std::string cmd = "ls " + cache + "/*.cubin";
    FILE *p = popen(cmd.c_str(), "r");
    char buf[1024] = {};
    if (p && fgets(buf, sizeof buf, p))
      cubinPath = std::string(buf).substr(0, std::string(buf).find('\n'));
    if (p)
      pclose(p);
    std::fstream c(cubinPath, std::ios::in | std::ios::out | std::ios::binary);
    c.seekg(0, std::ios::end);
    std::streamoff n = c.tellg();
    c.seekp(n / 2);
    c.put('\x5a');
  }
  if (auto err = repaired.load(source, cache, sRepaired); !err.empty()) {
    std::fprintf(stderr, "cuda_run: %s\n", err.c_str());
    return 1;
  }
  const CudaModuleInfo &info = warm.info();

  const int64_t B = meta.B, T = meta.T, HV = meta.HV, K = meta.K, V = meta.V;
  tile::Launch L{};
  L.B = B; L.T = T; L.H = meta.H; L.HV = HV; L.K = K; L.V = V;
  L.scale = static_cast<float>(meta.scale);
  L.hasInitialState = meta.initialState;
  std::vector<int64_t> cu;
  if (meta.varlen)
    for (double x : load(dir, "cu_seqlens").data)
      cu.push_back(static_cast<int64_t>(x));
  const int64_t N = meta.varlen ? static_cast<int64_t>(cu.size()) - 1 : B;
  L.N = N;
  int64_t maxLen = 0;
  for (int64_t n = 0; n < N; ++n)
    maxLen = std::max(maxLen, meta.varlen ? cu[n + 1] - cu[n] : T);
  L.chunks = (maxLen + info.chunk - 1) / info.chunk;
  if (meta.varlen) {
    CUdeviceptr d;
    CU(cuMemAlloc(&d, cu.size() * 8));
    CU(cuMemcpyHtoD(d, cu.data(), cu.size() * 8));
    L.cuSeqlens = reinterpret_cast<const int64_t *>(d);
  }
  auto add = [&](const std::string &name, int64_t rows, int64_t heads,
                 int64_t cols, const std::vector<double> *src, float fill) {
    tile::Global &g = L.globals[L.numGlobals++];
    std::snprintf(g.name, sizeof g.name, "%s", name.c_str());
    size_t n = static_cast<size_t>(rows * heads * cols);
    std::vector<float> host(n, fill);
    if (src)
      for (size_t i = 0; i < n; ++i)
        host[i] = static_cast<float>((*src)[i]);
    CUdeviceptr d;
    CU(cuMemAlloc(&d, n * 4));
    CU(cuMemcpyHtoD(d, host.data(), n * 4));
    g.data = reinterpret_cast<float *>(d);
    g.rows = rows; g.heads = heads; g.cols = cols;
    return d;
  };
  for (const std::string &in : meta.inputs) {
    NpyArray a = load(dir, in);
    add(in, B * T, a.shape[2], a.shape.size() > 3 ? a.shape[3] : 1, &a.data, 0);
  }
  for (const std::string &p : meta.params) {
    NpyArray a = load(dir, p);
    add(p, 1, a.shape[0], a.shape.size() > 1 ? a.shape[1] : 1, &a.data, 0);
  }
  if (meta.initialState) {
    NpyArray h0 = load(dir, "h0");
    add("h0", N, HV, K * V, &h0.data, 0);
  }
  CUdeviceptr dHt = add("ht", N, HV, K * V, nullptr, NAN);
  CUdeviceptr dO = add("o", B * T, HV, V, nullptr, NAN);
  for (const CudaModuleInfo::Workspace &w : info.workspaces)
    add(w.name, N * HV * L.chunks, 1, w.rows * w.cols, nullptr, NAN);
  CUdeviceptr dErr;
  CU(cuMemAlloc(&dErr, 4));
  CU(cuMemsetD32(dErr, 0, 1));
  L.error = reinterpret_cast<int *>(dErr);

  std::vector<unsigned> grids[3];
  int64_t maxBlocks = 1, maxReg = 0;
  for (const CudaModuleInfo::Kernel &k : info.kernels) {
    for (int i = 0; i < 3; ++i) {
      const std::string &g = k.grid[i];
      int64_t e = g == "seq" ? N : g == "head" ? HV
                : g == "vtile" ? (k.vtileCols ? V / k.vtileCols : 1)
                : g == "chunk" ? L.chunks
                : g == "segment" ? (k.segmentChunks ? (L.chunks + k.segmentChunks - 1) / k.segmentChunks : 1)
                : 1;
      grids[i].push_back(static_cast<unsigned>(e));
    }
    maxBlocks = std::max<int64_t>(maxBlocks, int64_t(grids[0].back()) * grids[1].back() * grids[2].back());
    maxReg = std::max(maxReg, k.regBytes);
  }
  CUdeviceptr scratch;
  CU(cuMemAlloc(&scratch, maxBlocks * maxReg));
  L.scratch = reinterpret_cast<char *>(scratch);
  L.scratchPerBlock = maxReg;
  CUdeviceptr dL;
  CU(cuMemAlloc(&dL, sizeof L));
  CU(cuMemcpyHtoD(dL, &L, sizeof L));

  CUevent e0, e1;
  CU(cuEventCreate(&e0, CU_EVENT_DEFAULT));
  CU(cuEventCreate(&e1, CU_EVENT_DEFAULT));
  CU(cuEventRecord(e0, stream));
  for (size_t k = 0; k < info.kernels.size(); ++k) {
    void *params[] = {&dL};
    CU(cuLaunchKernel(warm.function(k), grids[0][k], grids[1][k], grids[2][k],
                      128, 1, 1, static_cast<unsigned>(info.kernels[k].sharedBytes),
                      stream, params, nullptr));
  }
  CU(cuEventRecord(e1, stream));
  CU(cuStreamSynchronize(stream));
  float ms = 0;
  CU(cuEventElapsedTime(&ms, e0, e1));
  int error = 0;
  CU(cuMemcpyDtoH(&error, dErr, 4));
  std::vector<float> o(static_cast<size_t>(B * T * HV * V)), ht(static_cast<size_t>(N * HV * K * V));
  CU(cuMemcpyDtoH(o.data(), dO, o.size() * 4));
  CU(cuMemcpyDtoH(ht.data(), dHt, ht.size() * 4));
  auto rel = [](const std::vector<float> &x, const std::vector<double> &ref, int64_t &bad) {
    double d = 0, n = 0;
    bad = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      if (!std::isfinite(x[i]))
        ++bad;
      d += (x[i] - ref[i]) * (x[i] - ref[i]);
      n += ref[i] * ref[i];
    }
    return n > 0 ? std::sqrt(d / n) : std::sqrt(d);
  };
  int64_t badO, badHt;
  double eo = rel(o, load(dir, "o").data, badO), eh = rel(ht, load(dir, "ht").data, badHt);
  bool ok = error == 0 && badO == 0 && badHt == 0 && eo <= 1e-5 && eh <= 1e-5 &&
            !sCold.cacheHit && sWarm.cacheHit && sRepaired.rebuiltCorrupt;
  std::printf("%-10s o %.2e ht %.2e  cold %.0f+%.1f ms  warm %.1f ms  corrupt-cache %s  run %.2f ms  %s\n",
              info.variant.c_str(), eo, eh, sCold.compileMs, sCold.loadMs, sWarm.loadMs,
              sRepaired.rebuiltCorrupt ? "rebuilt" : "NOT DETECTED", ms, ok ? "ok" : "FAIL");
  return ok ? 0 : 1;
}
