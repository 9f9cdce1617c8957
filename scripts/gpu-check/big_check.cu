//===- big_check.cu - large shapes on the GPU, checked on the GPU machine ---===//
//
//   big_check VARIANT.lin KERNEL.cu B,T,H,HV,K,V SEED [SEQLENS|-] [h0|-]
//
// Shapes too large to carry as dumps: the inputs are rebuilt here from the
// seed (reference/RandomProblem, the driver's exact stream), the float64
// reference runs here from the frontend's normal form on all cores
// (reference/RecurrenceReference, no LLVM), and the emitted kernels run
// through the NVRTC runtime. Prints one line.
//
//===----------------------------------------------------------------------===//
#include "linac_tile_cuda.cuh"
#include "reference/RecurrenceReference.h"
#include "runtime/cuda/CudaModule.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

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

static std::string readText(const char *path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

int main(int argc, char **argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: big_check VARIANT.lin KERNEL.cu B,T,H,HV,K,V SEED SEQLENS|- h0|-\n");
    return 2;
  }
  frontend::Diagnostics diags;
  std::string lin = readText(argv[1]);
  auto rec = frontend::compileSource(lin, diags);
  if (!rec) {
    std::fprintf(stderr, "%s", diags.render(argv[1], lin).c_str());
    return 2;
  }
  Dims d;
  if (std::sscanf(argv[3], "%lld,%lld,%lld,%lld,%lld,%lld", (long long *)&d.B,
                  (long long *)&d.T, (long long *)&d.H, (long long *)&d.HV,
                  (long long *)&d.K, (long long *)&d.V) != 6)
    return 2;
  std::vector<int64_t> cu;
  if (std::string(argv[5]) != "-")
    if (std::string err = parseSeqlens(argv[5], d, cu); !err.empty()) {
      std::fprintf(stderr, "%s\n", err.c_str());
      return 2;
    }
  Problem p = makeRandomProblem(tensorSpecs(*rec), d, cu,
                                std::string(argv[6]) == "h0",
                                std::stoull(argv[4]), std::nullopt);
  roundToFloat(p); // the kernels read float32
  auto t0 = std::chrono::steady_clock::now();
  Result ref;
  if (std::string err = runRecurrence(*rec, p, ref,
                                      static_cast<int>(std::thread::hardware_concurrency()));
      !err.empty()) {
    std::fprintf(stderr, "%s\n", err.c_str());
    return 2;
  }
  double refS = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  CU(cuInit(0));
  CUdevice device;
  CU(cuDeviceGet(&device, 0));
  CUcontext ctx;
  CU(cuDevicePrimaryCtxRetain(&ctx, device));
  CU(cuCtxSetCurrent(ctx));
  CUstream stream;
  CU(cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING));
  CudaModule module;
  CudaModule::LoadStats stats;
  if (std::string err = module.load(readText(argv[2]), "/tmp/gpucheck/cache", stats);
      !err.empty()) {
    std::fprintf(stderr, "%s\n", err.c_str());
    return 1;
  }
  const CudaModuleInfo &info = module.info();
  const int64_t N = p.numSequences();
  tile::Launch L{};
  L.B = d.B; L.T = d.T; L.H = d.H; L.HV = d.HV; L.K = d.K; L.V = d.V; L.N = N;
  L.scale = static_cast<float>(p.scale);
  L.hasInitialState = p.h0.has_value();
  int64_t maxLen = 0;
  for (int64_t n = 0; n < N; ++n)
    maxLen = std::max(maxLen, cu.empty() ? d.T : cu[n + 1] - cu[n]);
  L.chunks = (maxLen + info.chunk - 1) / info.chunk;
  if (!cu.empty()) {
    CUdeviceptr dcu;
    CU(cuMemAlloc(&dcu, cu.size() * 8));
    CU(cuMemcpyHtoD(dcu, cu.data(), cu.size() * 8));
    L.cuSeqlens = reinterpret_cast<const int64_t *>(dcu);
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
    CUdeviceptr dp;
    CU(cuMemAlloc(&dp, n * 4));
    CU(cuMemcpyHtoD(dp, host.data(), n * 4));
    g.data = reinterpret_cast<float *>(dp);
    g.rows = rows; g.heads = heads; g.cols = cols;
    return dp;
  };
  for (const Tensor &t : p.inputs)
    add(t.name, d.B * d.T, t.shape[2], t.shape.size() > 3 ? t.shape[3] : 1, &t.data, 0);
  for (const Tensor &t : p.params)
    add(t.name, 1, t.shape[0], t.shape.size() > 1 ? t.shape[1] : 1, &t.data, 0);
  if (p.h0)
    add("h0", N, d.HV, d.K * d.V, &p.h0->data, 0);
  CUdeviceptr dHt = add("ht", N, d.HV, d.K * d.V, nullptr, NAN);
  CUdeviceptr dO = add("o", d.B * d.T, d.HV, d.V, nullptr, NAN);
  for (const CudaModuleInfo::Workspace &w : info.workspaces)
    add(w.name, N * d.HV * L.chunks, 1, w.rows * w.cols, nullptr, NAN);
  CUdeviceptr dErr;
  CU(cuMemAlloc(&dErr, 4));
  CU(cuMemsetD32(dErr, 0, 1));
  L.error = reinterpret_cast<int *>(dErr);
  std::vector<unsigned> grid[3];
  int64_t maxBlocks = 1, maxReg = 0;
  for (const CudaModuleInfo::Kernel &k : info.kernels) {
    for (int i = 0; i < 3; ++i) {
      const std::string &g = k.grid[i];
      int64_t e = g == "seq" ? N : g == "head" ? d.HV
                : g == "vtile" ? (k.vtileCols ? d.V / k.vtileCols : 1)
                : g == "chunk" ? L.chunks
                : g == "segment" ? (k.segmentChunks ? (L.chunks + k.segmentChunks - 1) / k.segmentChunks : 1)
                : 1;
      grid[i].push_back(static_cast<unsigned>(e));
    }
    maxBlocks = std::max<int64_t>(maxBlocks, int64_t(grid[0].back()) * grid[1].back() * grid[2].back());
    maxReg = std::max(maxReg, k.regBytes);
  }
  CUdeviceptr scratch;
  CU(cuMemAlloc(&scratch, maxBlocks * maxReg));
  L.scratch = reinterpret_cast<char *>(scratch);
  L.scratchPerBlock = maxReg;
  CUdeviceptr dL;
  CU(cuMemAlloc(&dL, sizeof L));
  CU(cuMemcpyHtoD(dL, &L, sizeof L));
  for (size_t k = 0; k < info.kernels.size(); ++k) {
    void *params[] = {&dL};
    CU(cuLaunchKernel(module.function(k), grid[0][k], grid[1][k], grid[2][k], 128, 1, 1,
                      static_cast<unsigned>(info.kernels[k].sharedBytes), stream,
                      params, nullptr));
  }
  CU(cuStreamSynchronize(stream));
  int error = 0;
  CU(cuMemcpyDtoH(&error, dErr, 4));
  std::vector<float> o(ref.o.data.size()), ht(ref.ht.data.size());
  CU(cuMemcpyDtoH(o.data(), dO, o.size() * 4));
  CU(cuMemcpyDtoH(ht.data(), dHt, ht.size() * 4));
  auto rel = [](const std::vector<float> &x, const std::vector<double> &r, int64_t &bad) {
    double dd = 0, nn = 0;
    bad = 0;
    for (size_t i = 0; i < r.size(); ++i) {
      if (!std::isfinite(x[i]))
        ++bad;
      dd += (x[i] - r[i]) * (x[i] - r[i]);
      nn += r[i] * r[i];
    }
    return nn > 0 ? std::sqrt(dd / nn) : std::sqrt(dd);
  };
  int64_t badO, badHt;
  double eo = rel(o, ref.o.data, badO), eh = rel(ht, ref.ht.data, badHt);
  bool ok = error == 0 && badO == 0 && badHt == 0 && eo <= 1e-5 && eh <= 1e-5;
  std::printf("%-10s B=%lld T=%lld H=%lld HV=%lld  o %.2e ht %.2e  reference %.1f s  %s\n",
              rec->name.c_str(), (long long)d.B, (long long)d.T, (long long)d.H,
              (long long)d.HV, eo, eh, refS, ok ? "ok" : "FAIL");
  return ok ? 0 : 1;
}
