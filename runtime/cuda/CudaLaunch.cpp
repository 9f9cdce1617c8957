//===- CudaLaunch.cpp -----------------------------------------------------===//
#include "runtime/cuda/CudaLaunch.h"
#include "linac_tile_cuda.cuh"

#include <cmath>
#include <cstdio>

namespace linac {

namespace {
/// Device allocations of one run, freed on every path out.
struct DeviceMemory {
  std::vector<CUdeviceptr> blocks;
  ~DeviceMemory() {
    for (CUdeviceptr p : blocks)
      cuMemFree(p);
  }
  CUresult alloc(CUdeviceptr &p, size_t bytes) {
    CUresult r = cuMemAlloc(&p, bytes ? bytes : 16);
    if (r == CUDA_SUCCESS)
      blocks.push_back(p);
    return r;
  }
};

std::string cuError(const char *what, CUresult r) {
  const char *s = nullptr;
  cuGetErrorString(r, &s);
  return std::string(what) + ": " + (s ? s : "unknown CUDA error");
}
} // namespace

std::string runOnDevice(const CudaModule &module, const Problem &p,
                        CUstream stream, Result &result, DeviceRun &run) {
  const CudaModuleInfo &info = module.info();
  const Dims &d = p.dims;
  const int64_t N = p.numSequences();
  DeviceMemory mem;
  tile::Launch L{};
  L.B = d.B; L.T = d.T; L.H = d.H; L.HV = d.HV; L.K = d.K; L.V = d.V; L.N = N;
  L.scale = static_cast<float>(p.scale);
  L.hasInitialState = p.h0.has_value();
  int64_t maxLen = 0;
  for (int64_t n = 0; n < N; ++n)
    maxLen = std::max(maxLen, p.cuSeqlens.empty()
                                  ? d.T
                                  : p.cuSeqlens[n + 1] - p.cuSeqlens[n]);
  L.chunks = (maxLen + info.chunk - 1) / info.chunk;
  if (!p.cuSeqlens.empty()) {
    CUdeviceptr cu;
    size_t bytes = p.cuSeqlens.size() * sizeof(int64_t);
    if (CUresult r = mem.alloc(cu, bytes); r != CUDA_SUCCESS)
      return cuError("cu_seqlens", r);
    cuMemcpyHtoD(cu, p.cuSeqlens.data(), bytes);
    L.cuSeqlens = reinterpret_cast<const int64_t *>(cu);
  }
  std::string err;
  auto add = [&](const std::string &name, int64_t rows, int64_t heads,
                 int64_t cols, const std::vector<double> *src) -> CUdeviceptr {
    if (L.numGlobals == tile::kMaxGlobals) {
      err = "more than " + std::to_string(tile::kMaxGlobals) + " tensors";
      return 0;
    }
    tile::Global &g = L.globals[L.numGlobals++];
    std::snprintf(g.name, sizeof g.name, "%s", name.c_str());
    size_t n = static_cast<size_t>(rows * heads * cols);
    std::vector<float> host(n, NAN); // outputs start poisoned
    if (src)
      for (size_t i = 0; i < n; ++i)
        host[i] = static_cast<float>((*src)[i]);
    CUdeviceptr dp = 0;
    if (CUresult r = mem.alloc(dp, n * 4); r != CUDA_SUCCESS) {
      err = cuError(("tensor '" + name + "'").c_str(), r);
      return 0;
    }
    cuMemcpyHtoD(dp, host.data(), n * 4);
    g.data = reinterpret_cast<float *>(dp);
    g.rows = rows;
    g.heads = heads;
    g.cols = cols;
    return dp;
  };
  for (const Tensor &t : p.inputs)
    add(t.name, d.B * d.T, t.shape[2], t.shape.size() > 3 ? t.shape[3] : 1, &t.data);
  for (const Tensor &t : p.params)
    add(t.name, 1, t.shape[0], t.shape.size() > 1 ? t.shape[1] : 1, &t.data);
  if (p.h0)
    add("h0", N, d.HV, d.K * d.V, &p.h0->data);
  CUdeviceptr ht = add("ht", N, d.HV, d.K * d.V, nullptr);
  CUdeviceptr o = add("o", d.B * d.T, d.HV, d.V, nullptr);
  for (const CudaModuleInfo::Workspace &w : info.workspaces)
    add(w.name, N * d.HV * L.chunks, 1, w.rows * w.cols, nullptr);
  if (!err.empty())
    return err;
  CUdeviceptr errorFlag;
  if (CUresult r = mem.alloc(errorFlag, 4); r != CUDA_SUCCESS)
    return cuError("error flag", r);
  cuMemsetD32(errorFlag, 0, 1);
  L.error = reinterpret_cast<int *>(errorFlag);

  std::vector<unsigned> grid[3];
  int64_t maxBlocks = 1, maxReg = 0;
  for (const CudaModuleInfo::Kernel &k : info.kernels) {
    for (int i = 0; i < 3; ++i) {
      const std::string &g = k.grid[i];
      int64_t e = g == "seq" ? N
                  : g == "head" ? d.HV
                  : g == "vtile" ? (k.vtileCols ? d.V / k.vtileCols : 1)
                  : g == "chunk" ? L.chunks
                  : g == "segment" ? (k.segmentChunks ? (L.chunks + k.segmentChunks - 1) / k.segmentChunks : 1)
                                   : 1;
      grid[i].push_back(static_cast<unsigned>(std::max<int64_t>(e, 1)));
    }
    maxBlocks = std::max<int64_t>(
        maxBlocks, int64_t(grid[0].back()) * grid[1].back() * grid[2].back());
    maxReg = std::max(maxReg, k.regBytes);
  }
  CUdeviceptr scratch, dL;
  if (CUresult r = mem.alloc(scratch, static_cast<size_t>(maxBlocks * maxReg));
      r != CUDA_SUCCESS)
    return cuError("register-tile scratch", r);
  L.scratch = reinterpret_cast<char *>(scratch);
  L.scratchPerBlock = maxReg;
  if (CUresult r = mem.alloc(dL, sizeof L); r != CUDA_SUCCESS)
    return cuError("launch block", r);
  cuMemcpyHtoD(dL, &L, sizeof L);

  CUevent e0, e1;
  cuEventCreate(&e0, CU_EVENT_DEFAULT);
  cuEventCreate(&e1, CU_EVENT_DEFAULT);
  cuEventRecord(e0, stream);
  for (size_t k = 0; k < info.kernels.size(); ++k) {
    void *params[] = {&dL};
    if (CUresult r = cuLaunchKernel(
            module.function(k), grid[0][k], grid[1][k], grid[2][k], 128, 1, 1,
            static_cast<unsigned>(info.kernels[k].sharedBytes), stream, params,
            nullptr);
        r != CUDA_SUCCESS)
      return cuError(("launching " + info.kernels[k].entry).c_str(), r);
  }
  cuEventRecord(e1, stream);
  if (CUresult r = cuStreamSynchronize(stream); r != CUDA_SUCCESS)
    return cuError("running the kernels", r);
  float ms = 0;
  cuEventElapsedTime(&ms, e0, e1);
  cuEventDestroy(e0);
  cuEventDestroy(e1);
  run.ms = ms;
  int flag = 0;
  cuMemcpyDtoH(&flag, errorFlag, 4);
  run.outOfRange = flag != 0;
  std::vector<float> hostO(static_cast<size_t>(d.B * d.T * d.HV * d.V)),
      hostHt(static_cast<size_t>(N * d.HV * d.K * d.V));
  cuMemcpyDtoH(hostO.data(), o, hostO.size() * 4);
  cuMemcpyDtoH(hostHt.data(), ht, hostHt.size() * 4);
  result.o = {"o", {d.B, d.T, d.HV, d.V}, std::vector<double>(hostO.begin(), hostO.end())};
  result.ht = {"ht", {N, d.HV, d.K, d.V}, std::vector<double>(hostHt.begin(), hostHt.end())};
  return "";
}

} // namespace linac
