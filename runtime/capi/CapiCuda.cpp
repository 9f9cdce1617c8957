//===- CapiCuda.cpp - the C ABI over the CUDA runtime ----------------------===//
//
// Device pointers are checked against the driver's view of them (memory
// type, owning allocation) before anything is launched: a tensor that does
// not lie inside its allocation, host memory where device memory is
// expected, or a layout the kernels cannot address is a named error.
//
//===----------------------------------------------------------------------===//
#include "runtime/capi/CapiInternal.h"
#include "runtime/cpu/ModuleCache.h"
#include "runtime/cuda/CudaDriver.h"
#include "runtime/cuda/CudaLaunch.h"

#include <cmath>
#include <fstream>
#include <sstream>

using namespace linac::capi;

namespace {

struct CudaState {
  linac::CudaModule module;
  CUcontext context = nullptr;
  CUdeviceptr errorFlag = 0;
  ~CudaState() {
    if (errorFlag)
      cuMemFree(errorFlag);
  }
};

std::string hex(uint64_t v) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

/// Checks that [ptr, ptr + bytes) is device memory inside one allocation.
std::string checkDeviceRange(const std::string &name, const void *ptr,
                             uint64_t bytes, size_t align) {
  CUdeviceptr p = reinterpret_cast<CUdeviceptr>(ptr);
  unsigned memoryType = 0;
  if (cuPointerGetAttribute(&memoryType, CU_POINTER_ATTRIBUTE_MEMORY_TYPE, p) !=
          CUDA_SUCCESS ||
      (memoryType != CU_MEMORYTYPE_DEVICE && memoryType != CU_MEMORYTYPE_UNIFIED))
    return name + ": " + hex(p) +
           " is not device memory of this context (expected a device pointer)";
  if (p % align != 0)
    return name + ": " + hex(p) + " is not aligned to its element size (" +
           std::to_string(align) + " bytes)";
  CUdeviceptr start = 0;
  size_t size = 0;
  if (cuPointerGetAttribute(&start, CU_POINTER_ATTRIBUTE_RANGE_START_ADDR, p) !=
          CUDA_SUCCESS ||
      cuPointerGetAttribute(&size, CU_POINTER_ATTRIBUTE_RANGE_SIZE, p) !=
          CUDA_SUCCESS)
    return name + ": cannot find the allocation of " + hex(p);
  uint64_t available = start + size - p;
  if (bytes > available)
    return name + ": needs " + std::to_string(bytes) + " bytes from " + hex(p) +
           ", its allocation has " + std::to_string(available) + " from there";
  return "";
}

} // namespace

extern "C" {

linac_status linac_cuda_module_load(const char *path, linac_module **out,
                                    char *error, size_t size) {
  if (!out)
    return fail(LINAC_ERROR_INVALID_ARGUMENT, "module: null output pointer",
                error, size);
  *out = nullptr;
  if (!path)
    return fail(LINAC_ERROR_INVALID_ARGUMENT, "source_path: null", error, size);
  std::ifstream f(path);
  if (!f)
    return fail(LINAC_ERROR_LOAD, std::string("cannot read '") + path + "'",
                error, size);
  std::stringstream text;
  text << f.rdbuf();
  if (std::string why = linac::cudaDriverError(); !why.empty())
    return fail(LINAC_ERROR_LOAD, why, error, size);
  auto state = std::make_shared<CudaState>();
  if (CUresult r = cuInit(0); r != CUDA_SUCCESS)
    return fail(LINAC_ERROR_LOAD, linac::describeCudaError("cuInit", r), error, size);
  cuCtxGetCurrent(&state->context);
  if (!state->context)
    if (std::string why = linac::usePrimaryContext(nullptr, &state->context);
        !why.empty())
      return fail(LINAC_ERROR_LOAD, why, error, size);
  linac::CudaModule::LoadStats stats;
  if (std::string err = state->module.load(
          text.str(), linac::cacheDirectory() + "/cuda", stats);
      !err.empty())
    return fail(LINAC_ERROR_LOAD, err, error, size);
  if (CUresult r = cuMemAlloc(&state->errorFlag, 4); r != CUDA_SUCCESS)
    return fail(LINAC_ERROR_LOAD, linac::describeCudaError("error flag", r), error, size);
  cuMemsetD32(state->errorFlag, 0, 1);

  auto m = std::make_unique<linac_module>();
  const linac::CudaModuleInfo &info = state->module.info();
  m->view.variant = info.variant;
  m->view.config = info.config;
  m->view.K = info.K;
  m->view.V = info.V;
  for (const linac::CudaModuleInfo::Arg &a : info.args)
    m->view.args.push_back({a.name, a.isParam, a.perH, a.width});
  m->view.signature = signatureText(m->view.args);
  m->cuda = state;
  *out = m.release();
  return LINAC_OK;
}

linac_status linac_cuda_forward(linac_module *m, const linac_forward_args *a,
                                void *streamHandle, char *error, size_t size) {
  auto bad = [&](const std::string &message) {
    return fail(LINAC_ERROR_INVALID_ARGUMENT, message, error, size);
  };
  if (auto err = checkCall(m, a, true); !err.empty())
    return bad(err);
  auto *state = static_cast<CudaState *>(m->cuda.get());
  CUstream stream = static_cast<CUstream>(streamHandle);
  cuCtxSetCurrent(state->context);
  const int64_t N = a->cu_seqlens ? a->num_sequences : a->B;
  std::vector<int64_t> cu;
  if (a->cu_seqlens) {
    uint64_t bytes = static_cast<uint64_t>(a->num_sequences + 1) * 8;
    if (auto err = checkDeviceRange("cu_seqlens", a->cu_seqlens, bytes, 8);
        !err.empty())
      return bad(err);
    cu.resize(static_cast<size_t>(a->num_sequences + 1));
    CUresult r = cuMemcpyDtoHAsync(cu.data(), reinterpret_cast<CUdeviceptr>(a->cu_seqlens),
                                   bytes, stream);
    if (r == CUDA_SUCCESS)
      r = cuStreamSynchronize(stream);
    if (r != CUDA_SUCCESS)
      return fail(LINAC_ERROR_KERNEL, linac::describeCudaError("reading cu_seqlens", r), error, size);
    if (auto err = checkSeqlens(a, cu); !err.empty())
      return bad(err);
  }
  std::vector<Bound> bound;
  if (auto err = bindTensors(m->view, a, bound); !err.empty())
    return bad(err);

  linac::DeviceCall call;
  call.B = a->B; call.T = a->T; call.H = a->H; call.HV = a->HV;
  call.K = a->K; call.V = a->V;
  call.sequences = N;
  call.cuSeqlens = reinterpret_cast<CUdeviceptr>(a->cu_seqlens);
  call.hostCuSeqlens = cu;
  call.scale = a->scale > 0 ? a->scale : 1.0f / std::sqrt(static_cast<float>(a->K));
  call.hasInitialState = a->initial_state != nullptr;
  for (int64_t n = 0; n < N; ++n)
    call.longest = std::max(call.longest, cu.empty() ? a->T : cu[n + 1] - cu[n]);
  for (const Bound &b : bound) {
    const linac_tensor *t = b.tensor;
    const std::string name = "tensor '" + b.spec->name + "'";
    int nd = t->ndim;
    // The kernels address [rows, heads, cols] with contiguous columns.
    if (b.spec->width && t->strides[nd - 1] != 1)
      return bad(name + ": the last dimension must be contiguous (stride 1) on "
                        "the GPU, got stride " + std::to_string(t->strides[nd - 1]));
    linac::DeviceTensor d;
    d.name = b.spec->name;
    d.data = reinterpret_cast<CUdeviceptr>(t->data);
    d.dtype = static_cast<int>(t->dtype);
    d.cols = b.spec->width ? b.shape.back() : 1;
    if (b.spec->isParam) {
      d.rows = 1;
      d.heads = a->HV;
      d.headStride = t->strides[0];
      d.rowStride = 0;
    } else {
      if (a->B > 1 && t->strides[0] != a->T * t->strides[1])
        return bad(name + ": B and T must be collapsible on the GPU (stride of "
                          "B = T x stride of T = " +
                   std::to_string(a->T * t->strides[1]) + "), got " +
                   std::to_string(t->strides[0]));
      d.rows = a->B * a->T;
      d.heads = b.shape[2];
      d.rowStride = t->strides[1];
      d.headStride = t->strides[2];
    }
    // The last element's offset, for the allocation check.
    int64_t last = 0;
    bool empty = false;
    for (int i = 0; i < nd; ++i) {
      empty |= b.shape[i] == 0;
      last += (b.shape[i] - 1) * t->strides[i];
    }
    size_t esize = t->dtype == LINAC_F32 ? 4 : 2;
    if (!empty)
      if (auto err = checkDeviceRange(name, t->data,
                                      static_cast<uint64_t>(last + 1) * esize, esize);
          !err.empty())
        return bad(err);
    call.tensors.push_back(d);
  }
  uint64_t stateBytes = static_cast<uint64_t>(N * a->HV * a->K * a->V) * 4;
  uint64_t oBytes = static_cast<uint64_t>(a->B * a->T * a->HV * a->V) *
                    (a->o_dtype == LINAC_F32 ? 4 : 2);
  if (a->initial_state) {
    if (auto err = checkDeviceRange("initial_state", a->initial_state, stateBytes, 4);
        !err.empty())
      return bad(err);
    call.tensors.push_back({"h0", reinterpret_cast<CUdeviceptr>(a->initial_state),
                            LINAC_F32, N, a->HV, a->K * a->V, a->HV * a->K * a->V,
                            a->K * a->V});
  }
  if (a->final_state) {
    if (auto err = checkDeviceRange("final_state", a->final_state, stateBytes, 4);
        !err.empty())
      return bad(err);
    call.tensors.push_back({"ht", reinterpret_cast<CUdeviceptr>(a->final_state),
                            LINAC_F32, N, a->HV, a->K * a->V, a->HV * a->K * a->V,
                            a->K * a->V});
  }
  if (oBytes)
    if (auto err = checkDeviceRange("o", a->o, oBytes, a->o_dtype == LINAC_F32 ? 4 : 2);
        !err.empty())
      return bad(err);
  call.tensors.push_back({"o", reinterpret_cast<CUdeviceptr>(a->o),
                          static_cast<int>(a->o_dtype), a->B * a->T, a->HV, a->V,
                          a->HV * a->V, a->V});
  if (auto err = linac::launchKernels(state->module, call, stream, state->errorFlag);
      !err.empty())
    return fail(LINAC_ERROR_KERNEL, err, error, size);
  return LINAC_OK;
}

linac_status linac_cuda_module_check(linac_module *m, void *streamHandle,
                                     char *error, size_t size) {
  if (!m || !m->cuda)
    return fail(LINAC_ERROR_INVALID_ARGUMENT, "module: null or not a CUDA module",
                error, size);
  auto *state = static_cast<CudaState *>(m->cuda.get());
  cuCtxSetCurrent(state->context);
  CUstream stream = static_cast<CUstream>(streamHandle);
  int flag = 0;
  CUresult r = cuStreamSynchronize(stream);
  if (r == CUDA_SUCCESS)
    r = cuMemcpyDtoHAsync(&flag, state->errorFlag, 4, stream);
  if (r == CUDA_SUCCESS)
    r = cuStreamSynchronize(stream);
  if (r != CUDA_SUCCESS)
    return fail(LINAC_ERROR_KERNEL, linac::describeCudaError("waiting for the kernels", r), error, size);
  if (flag) {
    cuMemsetD32Async(state->errorFlag, 0, 1, stream);
    return fail(LINAC_ERROR_KERNEL,
                "a kernel of module " + m->view.variant +
                    " reported an access outside a tensor",
                error, size);
  }
  return LINAC_OK;
}

} // extern "C"
