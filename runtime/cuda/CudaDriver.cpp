//===- CudaDriver.cpp - forwards the driver API to libcuda.so.1 ------------===//
#include "runtime/cuda/CudaDriver.h"

#include <cuda.h>
#include <dlfcn.h>

namespace {

struct Library {
  void *handle = nullptr;
  std::string error;
  Library() {
    handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char *e = dlerror();
      error = std::string("no CUDA driver: ") + (e ? e : "libcuda.so.1 not found");
    }
  }
};

Library &library() {
  static Library lib;
  return lib;
}

void *symbol(const char *name) {
  Library &lib = library();
  return lib.handle ? dlsym(lib.handle, name) : nullptr;
}

} // namespace

namespace linac {
std::string cudaDriverError() { return library().error; }
} // namespace linac

// cuda.h maps API names to versioned symbols (cuMemAlloc -> cuMemAlloc_v2);
// the definitions below go through the same macros, and the symbol looked
// up is the expanded name.
#define LINAC_SYMBOL_NAME(f) LINAC_SYMBOL_NAME2(f)
#define LINAC_SYMBOL_NAME2(f) #f
// Hidden: a shared library with these inside (liblinac.so) must not offer
// them to a process that also links libcuda.
#define LINAC_HIDDEN __attribute__((visibility("hidden")))
#define LINAC_FORWARD(f, params, args)                                         \
  LINAC_HIDDEN CUresult CUDAAPI f params {                                     \
    using Fn = CUresult(CUDAAPI *) params;                                     \
    static Fn fn = reinterpret_cast<Fn>(symbol(LINAC_SYMBOL_NAME(f)));         \
    return fn ? fn args : CUDA_ERROR_NO_DEVICE;                                \
  }

extern "C" {

LINAC_HIDDEN CUresult CUDAAPI cuGetErrorString(CUresult error, const char **pStr) {
  using Fn = CUresult(CUDAAPI *)(CUresult, const char **);
  static Fn fn = reinterpret_cast<Fn>(symbol(LINAC_SYMBOL_NAME(cuGetErrorString)));
  if (fn)
    return fn(error, pStr);
  static std::string message;
  message = library().error.empty() ? "CUDA driver function missing" : library().error;
  *pStr = message.c_str();
  return CUDA_SUCCESS;
}

LINAC_FORWARD(cuInit, (unsigned int flags), (flags))
LINAC_FORWARD(cuDriverGetVersion, (int *v), (v))
LINAC_FORWARD(cuDeviceGetCount, (int *count), (count))
LINAC_FORWARD(cuDeviceGet, (CUdevice *d, int ordinal), (d, ordinal))
LINAC_FORWARD(cuDeviceGetName, (char *name, int len, CUdevice d), (name, len, d))
LINAC_FORWARD(cuDeviceGetAttribute, (int *v, CUdevice_attribute a, CUdevice d), (v, a, d))
LINAC_FORWARD(cuDevicePrimaryCtxRetain, (CUcontext *c, CUdevice d), (c, d))
LINAC_FORWARD(cuDevicePrimaryCtxRelease, (CUdevice d), (d))
LINAC_FORWARD(cuCtxSetCurrent, (CUcontext c), (c))
LINAC_FORWARD(cuCtxGetCurrent, (CUcontext *c), (c))
LINAC_FORWARD(cuCtxGetDevice, (CUdevice *d), (d))
LINAC_FORWARD(cuStreamCreate, (CUstream *s, unsigned int flags), (s, flags))
LINAC_FORWARD(cuStreamDestroy, (CUstream s), (s))
LINAC_FORWARD(cuStreamSynchronize, (CUstream s), (s))
LINAC_FORWARD(cuEventCreate, (CUevent *e, unsigned int flags), (e, flags))
LINAC_FORWARD(cuEventDestroy, (CUevent e), (e))
LINAC_FORWARD(cuEventRecord, (CUevent e, CUstream s), (e, s))
LINAC_FORWARD(cuEventElapsedTime, (float *ms, CUevent a, CUevent b), (ms, a, b))
LINAC_FORWARD(cuMemAlloc, (CUdeviceptr *p, size_t n), (p, n))
LINAC_FORWARD(cuMemFree, (CUdeviceptr p), (p))
LINAC_FORWARD(cuMemAllocAsync, (CUdeviceptr *p, size_t n, CUstream s), (p, n, s))
LINAC_FORWARD(cuMemFreeAsync, (CUdeviceptr p, CUstream s), (p, s))
LINAC_FORWARD(cuMemPoolCreate, (CUmemoryPool *pool, const CUmemPoolProps *props), (pool, props))
LINAC_FORWARD(cuMemPoolDestroy, (CUmemoryPool pool), (pool))
LINAC_FORWARD(cuMemPoolSetAttribute, (CUmemoryPool pool, CUmemPool_attribute a, void *v),
              (pool, a, v))
LINAC_FORWARD(cuMemAllocFromPoolAsync,
              (CUdeviceptr *p, size_t n, CUmemoryPool pool, CUstream s), (p, n, pool, s))
LINAC_FORWARD(cuMemcpyHtoD, (CUdeviceptr d, const void *h, size_t n), (d, h, n))
LINAC_FORWARD(cuMemcpyDtoH, (void *h, CUdeviceptr d, size_t n), (h, d, n))
LINAC_FORWARD(cuMemcpyHtoDAsync, (CUdeviceptr d, const void *h, size_t n, CUstream s), (d, h, n, s))
LINAC_FORWARD(cuMemcpyDtoHAsync, (void *h, CUdeviceptr d, size_t n, CUstream s), (h, d, n, s))
LINAC_FORWARD(cuMemsetD32, (CUdeviceptr d, unsigned int v, size_t n), (d, v, n))
LINAC_FORWARD(cuMemsetD32Async, (CUdeviceptr d, unsigned int v, size_t n, CUstream s), (d, v, n, s))
LINAC_FORWARD(cuPointerGetAttribute, (void *data, CUpointer_attribute a, CUdeviceptr p), (data, a, p))
LINAC_FORWARD(cuModuleLoadData, (CUmodule *m, const void *image), (m, image))
LINAC_FORWARD(cuModuleUnload, (CUmodule m), (m))
LINAC_FORWARD(cuModuleGetFunction, (CUfunction *f, CUmodule m, const char *name), (f, m, name))
LINAC_FORWARD(cuFuncSetAttribute, (CUfunction f, CUfunction_attribute a, int v), (f, a, v))
LINAC_FORWARD(cuLaunchKernel,
              (CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz,
               unsigned int bx, unsigned int by, unsigned int bz, unsigned int shared,
               CUstream s, void **params, void **extra),
              (f, gx, gy, gz, bx, by, bz, shared, s, params, extra))

} // extern "C"
