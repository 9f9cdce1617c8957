//===- CudaLaunch.cpp -----------------------------------------------------===//
#include "runtime/cuda/CudaLaunch.h"
#include "runtime/InputDtypes.h"
#include "runtime/SequenceOrder.h"
#include "linac_tile_cuda.cuh"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace linac {

namespace {
/// Device allocations of one synchronous run, freed on every path out.
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

} // namespace

std::string launchKernels(const CudaModule &module, const DeviceCall &c,
                          CUstream stream, CUdeviceptr errorFlag) {
  const CudaModuleInfo &info = module.info();
  tile::Launch L{};
  L.B = c.B; L.T = c.T; L.H = c.H; L.HV = c.HV; L.K = c.K; L.V = c.V;
  L.N = c.sequences;
  L.scale = c.scale;
  L.hasInitialState = c.hasInitialState;
  L.chunks = (c.longest + info.chunk - 1) / info.chunk;
  L.cuSeqlens = reinterpret_cast<const int64_t *>(c.cuSeqlens);
  L.error = reinterpret_cast<int *>(errorFlag);
  if (c.tensors.size() + info.workspaces.size() > static_cast<size_t>(tile::kMaxGlobals))
    return "more than " + std::to_string(tile::kMaxGlobals) + " tensors";
  auto add = [&](const DeviceTensor &t) {
    tile::Global &g = L.globals[L.numGlobals++];
    std::snprintf(g.name, sizeof g.name, "%s", t.name.c_str());
    g.data = reinterpret_cast<void *>(t.data);
    g.dtype = t.dtype;
    g.rows = t.rows;
    g.heads = t.heads;
    g.cols = t.cols;
    g.rowStride = t.rowStride;
    g.headStride = t.headStride;
  };
  for (const DeviceTensor &t : c.tensors) {
    for (const CudaModuleInfo::Arg &a : info.args)
      if (a.name == t.name)
        if (auto err = checkInputDtype(info.config, a.name, a.isParam, a.width, t.dtype);
            !err.empty())
          return err;
    add(t);
  }

  // Stream-ordered allocations: workspaces, scratch, the sequence order.
  std::vector<CUdeviceptr> owned;
  auto release = [&] {
    for (CUdeviceptr p : owned)
      cuMemFreeAsync(p, stream);
  };
  auto alloc = [&](CUdeviceptr &p, size_t bytes, const std::string &what) {
    CUresult r = module.pool()
                     ? cuMemAllocFromPoolAsync(&p, bytes ? bytes : 16, module.pool(), stream)
                     : cuMemAllocAsync(&p, bytes ? bytes : 16, stream);
    if (r != CUDA_SUCCESS)
      return describeCudaError(what, r);
    owned.push_back(p);
    return std::string();
  };
  for (const CudaModuleInfo::Workspace &w : info.workspaces) {
    DeviceTensor t{w.name, 0, w.elementBytes == 2 ? tile::bf16 : tile::f32,
                   c.sequences * c.HV * tile::workspace_slots(L.chunks, w.slotChunks), 1,
                   w.rows * w.cols, w.rows * w.cols, w.rows * w.cols};
    if (auto err = alloc(t.data, static_cast<size_t>(t.rows * t.cols * w.elementBytes),
                         "workspace '" + w.name + "'");
        !err.empty()) {
      release();
      return err;
    }
    add(t);
  }
  // Blocks start with the longest sequence (runtime/SequenceOrder.h).
  const std::vector<int64_t> order = longestFirst(c.hostCuSeqlens);
  if (!order.empty()) {
    if (static_cast<int64_t>(order.size()) != c.sequences) {
      release();
      return "cu_seqlens: " + std::to_string(c.hostCuSeqlens.size()) +
             " offsets on the host for " + std::to_string(c.sequences) + " sequences";
    }
    CUdeviceptr dOrder;
    if (auto err = alloc(dOrder, order.size() * sizeof(int64_t), "sequence order"); !err.empty()) {
      release();
      return err;
    }
    // From pageable memory: staged before the call returns.
    if (CUresult r = cuMemcpyHtoDAsync(dOrder, order.data(), order.size() * sizeof(int64_t),
                                       stream);
        r != CUDA_SUCCESS) {
      release();
      return describeCudaError("sequence order", r);
    }
    L.seqOrder = reinterpret_cast<const int64_t *>(dOrder);
  }
  std::vector<unsigned> grid[3];
  int64_t maxBlocks = 1, maxReg = 0;
  for (const CudaModuleInfo::Kernel &k : info.kernels) {
    if (L.seqOrder && (k.grid[0] != "seq" || k.grid[1] != "head")) {
      release();
      return "kernel " + k.entry + ": a sequence order needs a grid that starts with (seq, head)";
    }
    for (int i = 0; i < 3; ++i) {
      const std::string &g = k.grid[i];
      int64_t e = g == "seq" ? c.sequences
                  : g == "head" ? c.HV
                  : g == "vtile" ? (k.vtileCols ? c.V / k.vtileCols : 1)
                  : g == "chunk" ? L.chunks
                  : g == "segment" ? (k.segmentChunks ? tile::workspace_slots(L.chunks, k.segmentChunks) : 1)
                  // segments x V tiles (the V-split outputs kernel)
                  : g == "segment_vtile"
                      ? (k.segmentChunks ? tile::workspace_slots(L.chunks, k.segmentChunks) : 1) *
                            (k.vtileCols ? c.V / k.vtileCols : 1)
                      : 1;
      grid[i].push_back(static_cast<unsigned>(std::max<int64_t>(e, 1)));
    }
    maxBlocks = std::max<int64_t>(
        maxBlocks, int64_t(grid[0].back()) * grid[1].back() * grid[2].back());
    maxReg = std::max(maxReg, k.regBytes);
  }
  CUdeviceptr scratch;
  if (auto err = alloc(scratch, static_cast<size_t>(maxBlocks * maxReg), "register-tile scratch");
      !err.empty()) {
    release();
    return err;
  }
  L.scratch = reinterpret_cast<char *>(scratch);
  L.scratchPerBlock = maxReg;
  // The launch block is the kernels' parameter (copied at each launch).
  for (size_t k = 0; k < info.kernels.size(); ++k) {
    void *params[] = {&L};
    if (CUresult r = cuLaunchKernel(
            module.function(k), grid[0][k], grid[1][k], grid[2][k],
            static_cast<unsigned>(info.kernels[k].threads), 1, 1,
            static_cast<unsigned>(info.kernels[k].sharedBytes), stream, params,
            nullptr);
        r != CUDA_SUCCESS) {
      release();
      return describeCudaError("launching " + info.kernels[k].entry, r);
    }
  }
  release();
  return "";
}

std::string runOnDevice(const CudaModule &module, const Problem &p,
                        CUstream stream, Result &result, DeviceRun &run,
                        int inputDtype) {
  const Dims &d = p.dims;
  const int64_t N = p.numSequences();
  DeviceMemory mem;
  DeviceCall call;
  call.B = d.B; call.T = d.T; call.H = d.H; call.HV = d.HV; call.K = d.K; call.V = d.V;
  call.sequences = N;
  call.scale = static_cast<float>(p.scale);
  call.hasInitialState = p.h0.has_value();
  for (int64_t n = 0; n < N; ++n)
    call.longest = std::max(call.longest, p.cuSeqlens.empty()
                                              ? d.T
                                              : p.cuSeqlens[n + 1] - p.cuSeqlens[n]);
  if (!p.cuSeqlens.empty()) {
    size_t bytes = p.cuSeqlens.size() * sizeof(int64_t);
    if (CUresult r = mem.alloc(call.cuSeqlens, bytes); r != CUDA_SUCCESS)
      return describeCudaError("cu_seqlens", r);
    cuMemcpyHtoD(call.cuSeqlens, p.cuSeqlens.data(), bytes);
    call.hostCuSeqlens = p.cuSeqlens;
  }
  std::string err;
  auto add = [&](const std::string &name, int64_t rows, int64_t heads,
                 int64_t cols, const std::vector<double> *src, int dtype) {
    size_t n = static_cast<size_t>(rows * heads * cols);
    size_t esize = dtype == tile::f32 ? 4 : 2;
    std::vector<unsigned char> host(n * esize);
    for (size_t i = 0; i < n; ++i) {
      float x = src ? static_cast<float>((*src)[i]) : NAN; // outputs start poisoned
      if (dtype == tile::f32)
        std::memcpy(&host[i * 4], &x, 4);
      else {
        uint16_t h = toHalfBits(x, dtype);
        std::memcpy(&host[i * 2], &h, 2);
      }
    }
    DeviceTensor t{name, 0, dtype, rows, heads, cols, heads * cols, cols};
    if (CUresult r = mem.alloc(t.data, host.size()); r != CUDA_SUCCESS) {
      err = describeCudaError("tensor '" + name + "'", r);
      return t;
    }
    cuMemcpyHtoD(t.data, host.data(), host.size());
    call.tensors.push_back(t);
    return t;
  };
  for (const Tensor &t : p.inputs)
    add(t.name, d.B * d.T, t.shape[2], t.shape.size() > 3 ? t.shape[3] : 1, &t.data,
        inputDtype);
  for (const Tensor &t : p.params)
    add(t.name, 1, t.shape[0], t.shape.size() > 1 ? t.shape[1] : 1, &t.data, tile::f32);
  if (p.h0)
    add("h0", N, d.HV, d.K * d.V, &p.h0->data, tile::f32);
  DeviceTensor ht = add("ht", N, d.HV, d.K * d.V, nullptr, tile::f32);
  DeviceTensor o = add("o", d.B * d.T, d.HV, d.V, nullptr, tile::f32);
  if (!err.empty())
    return err;
  CUdeviceptr errorFlag;
  if (CUresult r = mem.alloc(errorFlag, 4); r != CUDA_SUCCESS)
    return describeCudaError("error flag", r);
  cuMemsetD32(errorFlag, 0, 1);

  CUevent e0, e1;
  cuEventCreate(&e0, CU_EVENT_DEFAULT);
  cuEventCreate(&e1, CU_EVENT_DEFAULT);
  cuEventRecord(e0, stream);
  err = launchKernels(module, call, stream, errorFlag);
  cuEventRecord(e1, stream);
  CUresult sync = cuStreamSynchronize(stream);
  float ms = 0;
  cuEventElapsedTime(&ms, e0, e1);
  cuEventDestroy(e0);
  cuEventDestroy(e1);
  if (!err.empty())
    return err;
  if (sync != CUDA_SUCCESS)
    return describeCudaError("running the kernels", sync);
  run.ms = ms;
  int flag = 0;
  cuMemcpyDtoH(&flag, errorFlag, 4);
  run.outOfRange = flag != 0;
  std::vector<float> hostO(static_cast<size_t>(d.B * d.T * d.HV * d.V)),
      hostHt(static_cast<size_t>(N * d.HV * d.K * d.V));
  cuMemcpyDtoH(hostO.data(), o.data, hostO.size() * 4);
  cuMemcpyDtoH(hostHt.data(), ht.data, hostHt.size() * 4);
  result.o = {"o", {d.B, d.T, d.HV, d.V}, std::vector<double>(hostO.begin(), hostO.end())};
  result.ht = {"ht", {N, d.HV, d.K, d.V}, std::vector<double>(hostHt.begin(), hostHt.end())};
  return "";
}

} // namespace linac
