/*===- linac.h - the C ABI of linac kernels ----------------------------------===
 *
 * Load a compiled kernel module (what `linac` emits and builds for a variant
 * and config) and run its forward pass on caller-owned tensors. Every entry
 * point checks its arguments first and, on a bad one, returns an error code
 * and a message that names the argument with the expected and actual
 * values; nothing runs on bad arguments.
 *
 * Targets: cpu modules (linac_module_load, linac_forward) take host
 * pointers; CUDA modules (linac_cuda_module_load, linac_cuda_forward) take
 * device pointers and a stream, through the same structures.
 *
 *===------------------------------------------------------------------------===*/
#ifndef LINAC_H
#define LINAC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum linac_status {
  LINAC_OK = 0,
  LINAC_ERROR_INVALID_ARGUMENT = 1, /* a bad argument: see the message */
  LINAC_ERROR_LOAD = 2,             /* the module could not be loaded */
  LINAC_ERROR_KERNEL = 3            /* a kernel reported an error */
} linac_status;

typedef enum linac_dtype {
  LINAC_F32 = 0,
  LINAC_BF16 = 1,
  LINAC_F16 = 2
} linac_dtype;

/* A strided tensor; strides are in elements. */
typedef struct linac_tensor {
  const char *name;
  const void *data;
  linac_dtype dtype;
  int ndim;
  int64_t shape[4];
  int64_t strides[4];
} linac_tensor;

typedef struct linac_forward_args {
  int64_t B, T, H, HV, K, V;
  /* Optional varlen offsets (B must be 1): num_sequences + 1 entries. */
  const int64_t *cu_seqlens;
  int64_t num_sequences;
  /* 0: the default K^-1/2. */
  float scale;
  /* Every input and parameter the variant declares, by name, in any order:
   * inputs [B, T, H or HV(, K or V)], parameters [HV(, K or V)]. */
  const linac_tensor *tensors;
  int num_tensors;
  /* Optional fp32 states [N, HV, K, V], contiguous (N sequences). */
  const float *initial_state;
  float *final_state;
  /* Output [B, T, HV, V], contiguous, of dtype o_dtype. */
  void *o;
  linac_dtype o_dtype; /* f32 when zero-initialised */
} linac_forward_args;

typedef struct linac_module linac_module;

/* Loads a module built by linac. On failure *module is NULL and `error`
 * (of `error_size` bytes, may be NULL) holds the reason. */
linac_status linac_module_load(const char *path, linac_module **module,
                               char *error, size_t error_size);
void linac_module_free(linac_module *module);

/* The variant, its config, K, V, and its tensors as a text signature
 * ("q[B,T,H,K] k[B,T,H,K] v[B,T,HV,V] ... A_log[HV]"). */
const char *linac_module_variant(const linac_module *module);
const char *linac_module_config(const linac_module *module);
const char *linac_module_signature(const linac_module *module);

linac_status linac_forward(linac_module *module, const linac_forward_args *args,
                           char *error, size_t error_size);

/* CUDA modules: emitted CUDA source (`linac compile X.lin --emit cuda
 * --target sm_90a|sm_80 --shape K=..,V=.. -o X.cu`), compiled with NVRTC for
 * the current device on first load and cached on disk ($LINAC_CACHE_DIR,
 * else $XDG_CACHE_HOME/linac, else ~/.cache/linac; a corrupt entry is
 * rebuilt). The module belongs to the CUDA context current at load (the
 * primary context of device 0 when none is). */
linac_status linac_cuda_module_load(const char *source_path,
                                    linac_module **module, char *error,
                                    size_t error_size);

/* Runs the forward pass asynchronously on `stream` (a CUstream or
 * cudaStream_t; NULL is the default stream). Every pointer in `args`
 * (tensors, cu_seqlens, states, o) is device memory of the module's
 * context; each tensor must lie inside its allocation, with its last
 * dimension contiguous and B and T collapsible (stride of B = T x stride of
 * T, or B = 1). cu_seqlens (int64) is read back to check it, which waits
 * for `stream`. On a bad argument nothing is launched. */
linac_status linac_cuda_forward(linac_module *module,
                                const linac_forward_args *args, void *stream,
                                char *error, size_t error_size);

/* Waits for `stream` and reports LINAC_ERROR_KERNEL if a kernel of this
 * module detected an access outside a tensor since the last check (which a
 * validated call never causes; this checks linac itself). */
linac_status linac_cuda_module_check(linac_module *module, void *stream,
                                     char *error, size_t error_size);

#ifdef __cplusplus
}
#endif

#endif /* LINAC_H */
