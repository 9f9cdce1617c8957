//===- Capi.cpp - the C ABI: argument checks, and the cpu runtime -----------===//
#include "runtime/capi/CapiInternal.h"
#include "runtime/InputDtypes.h"
#include "runtime/cpu/CpuRuntime.h"

#include <cmath>
#include <algorithm>
#include <cstring>
#include <string>

namespace linac {
namespace capi {

linac_status fail(linac_status status, const std::string &message, char *error,
                  size_t size) {
  if (error && size > 0) {
    size_t n = std::min(size - 1, message.size());
    std::memcpy(error, message.data(), n);
    error[n] = '\0';
  }
  return status;
}

std::string shapeText(const int64_t *shape, int ndim) {
  std::string s = "[";
  for (int i = 0; i < ndim; ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

const char *dtypeName(int d) {
  switch (d) {
  case LINAC_F32: return "f32";
  case LINAC_BF16: return "bf16";
  case LINAC_F16: return "f16";
  }
  return "unknown";
}

std::string signatureText(const std::vector<ArgSpec> &args) {
  std::string s;
  for (size_t i = 0; i < args.size(); ++i) {
    const ArgSpec &a = args[i];
    std::string dims = a.isParam ? "HV" : std::string("B,T,") + (a.perH ? "H" : "HV");
    if (a.width)
      dims += a.width == 1 ? ",K" : ",V";
    s += (i ? " " : "") + a.name + "[" + dims + "]";
  }
  return s;
}

std::string checkCall(const linac_module *m, const linac_forward_args *a,
                      bool cuda) {
  if (!m)
    return "module: null";
  if (!a)
    return "args: null";
  if (cuda && !m->cuda)
    return "module: a cpu module (use linac_forward)";
  if (!cuda && !m->cpu)
    return "module: a CUDA module (use linac_cuda_forward)";
  const ModuleView &view = m->view;
  if (a->K != view.K)
    return "K: the module is specialised for K=" + std::to_string(view.K) +
           ", got " + std::to_string(a->K);
  if (a->V != view.V)
    return "V: the module is specialised for V=" + std::to_string(view.V) +
           ", got " + std::to_string(a->V);
  if (a->B < 1 || a->T < 0 || a->H < 1 || a->HV < 1)
    return "B, H, HV must be at least 1 and T at least 0, got B=" +
           std::to_string(a->B) + " T=" + std::to_string(a->T) + " H=" +
           std::to_string(a->H) + " HV=" + std::to_string(a->HV);
  if (a->HV % a->H != 0)
    return "HV: must be a multiple of H=" + std::to_string(a->H) + ", got " +
           std::to_string(a->HV);
  if (a->cu_seqlens) {
    if (a->B != 1)
      return "cu_seqlens: needs B=1 (sequences packed along T), got B=" +
             std::to_string(a->B);
    if (a->num_sequences < 1)
      return "num_sequences: expected at least 1, got " +
             std::to_string(a->num_sequences);
  }
  if (!a->o)
    return "o: null (the output [B, T, HV, V] is required)";
  if (a->o_dtype != LINAC_F32 && a->o_dtype != LINAC_BF16 &&
      a->o_dtype != LINAC_F16)
    return "o_dtype: " + std::to_string(static_cast<int>(a->o_dtype)) +
           " is not one of f32, bf16, f16";
  if (a->num_tensors < 0 || (a->num_tensors > 0 && !a->tensors))
    return "tensors: null with num_tensors=" + std::to_string(a->num_tensors);
  if (!std::isfinite(a->scale) || a->scale < 0)
    return "scale: expected a finite value >= 0 (0 = K^-1/2), got " +
           std::to_string(a->scale);
  return "";
}

std::string checkSeqlens(const linac_forward_args *a,
                         const std::vector<int64_t> &cu) {
  if (cu.front() != 0 || cu.back() != a->T)
    return "cu_seqlens: expected to start at 0 and end at T=" +
           std::to_string(a->T) + ", got " + std::to_string(cu.front()) +
           " ... " + std::to_string(cu.back());
  for (size_t i = 1; i < cu.size(); ++i)
    if (cu[i] < cu[i - 1])
      return "cu_seqlens: expected non-decreasing offsets, got " +
             std::to_string(cu[i - 1]) + " then " + std::to_string(cu[i]) +
             " at index " + std::to_string(i);
  return "";
}

std::string bindTensors(const ModuleView &view, const linac_forward_args *a,
                        std::vector<Bound> &bound) {
  std::string expectedNames;
  for (size_t i = 0; i < view.args.size(); ++i)
    expectedNames += (i ? ", " : "") + view.args[i].name;
  for (int j = 0; j < a->num_tensors; ++j) {
    const char *name = a->tensors[j].name;
    if (!name)
      return "tensors[" + std::to_string(j) + "]: null name";
    bool known = false;
    for (const ArgSpec &arg : view.args)
      known |= arg.name == name;
    if (!known)
      return "tensor '" + std::string(name) + "': not a tensor of variant " +
             view.variant + " (expected " + expectedNames + ")";
    for (int k = 0; k < j; ++k)
      if (std::strcmp(a->tensors[k].name, name) == 0)
        return "tensor '" + std::string(name) + "': given twice";
  }
  bound.clear();
  for (const ArgSpec &arg : view.args) {
    const linac_tensor *t = nullptr;
    for (int j = 0; j < a->num_tensors; ++j)
      if (arg.name == a->tensors[j].name)
        t = &a->tensors[j];
    if (!t)
      return "tensor '" + arg.name + "': missing (variant " + view.variant +
             " takes " + expectedNames + ")";
    int64_t width = arg.width == 0 ? 1 : arg.width == 1 ? a->K : a->V;
    std::vector<int64_t> shape;
    if (arg.isParam)
      shape = {a->HV};
    else
      shape = {a->B, a->T, arg.perH ? a->H : a->HV};
    if (arg.width)
      shape.push_back(width);
    std::string name = "tensor '" + arg.name + "'";
    if (t->ndim != static_cast<int>(shape.size()) ||
        !std::equal(shape.begin(), shape.end(), t->shape))
      return name + ": expected shape " +
             shapeText(shape.data(), static_cast<int>(shape.size())) + ", got " +
             shapeText(t->shape, std::max(0, std::min(t->ndim, 4)));
    if (t->dtype != LINAC_F32 && t->dtype != LINAC_BF16 && t->dtype != LINAC_F16)
      return name + ": dtype " + std::to_string(static_cast<int>(t->dtype)) +
             " is not one of f32, bf16, f16";
    if (auto err = linac::checkInputDtype(view.config, arg.name, arg.isParam, arg.width,
                                          static_cast<int>(t->dtype));
        !err.empty())
      return err;
    if (!t->data)
      return name + ": null data";
    for (int d = 0; d < t->ndim; ++d)
      if (t->strides[d] < 1)
        return name + ": stride " + std::to_string(t->strides[d]) +
               " in dimension " + std::to_string(d) + " (expected >= 1)";
    bound.push_back({&arg, t, shape});
  }
  return "";
}

} // namespace capi
} // namespace linac

using namespace linac::capi;

namespace {

float loadElement(const void *data, linac_dtype dtype, int64_t offset) {
  if (dtype == LINAC_F32)
    return static_cast<const float *>(data)[offset];
  return linac::fromHalfBits(static_cast<const uint16_t *>(data)[offset],
                             static_cast<int>(dtype));
}

} // namespace

extern "C" {

linac_status linac_module_load(const char *path, linac_module **out, char *error,
                               size_t size) {
  if (!out)
    return fail(LINAC_ERROR_INVALID_ARGUMENT, "module: null output pointer",
                error, size);
  *out = nullptr;
  if (!path)
    return fail(LINAC_ERROR_INVALID_ARGUMENT, "path: null", error, size);
  auto m = std::make_unique<linac_module>();
  std::unique_ptr<linac::CpuModule> cpu;
  if (auto err = linac::CpuModule::load(path, cpu); !err.empty())
    return fail(LINAC_ERROR_LOAD, err, error, size);
  m->cpu = std::move(cpu);
  const linac::tile::ModuleInfo &info = m->cpu->info();
  m->view.variant = info.variant;
  m->view.config = info.config;
  m->view.K = info.K;
  m->view.V = info.V;
  for (int i = 0; i < info.numArgs; ++i) {
    const linac::tile::ArgInfo &a = info.args[i];
    m->view.args.push_back({a.name, a.isParam != 0, a.perH != 0, a.width});
  }
  m->view.signature = signatureText(m->view.args);
  *out = m.release();
  return LINAC_OK;
}

void linac_module_free(linac_module *module) { delete module; }

const char *linac_module_variant(const linac_module *m) {
  return m ? m->view.variant.c_str() : "";
}
const char *linac_module_config(const linac_module *m) {
  return m ? m->view.config.c_str() : "";
}
const char *linac_module_signature(const linac_module *m) {
  return m ? m->view.signature.c_str() : "";
}

linac_status linac_forward(linac_module *m, const linac_forward_args *a,
                           char *error, size_t size) {
  auto bad = [&](const std::string &message) {
    return fail(LINAC_ERROR_INVALID_ARGUMENT, message, error, size);
  };
  if (auto err = checkCall(m, a, false); !err.empty())
    return bad(err);
  std::vector<int64_t> cu;
  if (a->cu_seqlens) {
    cu.assign(a->cu_seqlens, a->cu_seqlens + a->num_sequences + 1);
    if (auto err = checkSeqlens(a, cu); !err.empty())
      return bad(err);
  }
  std::vector<Bound> bound;
  if (auto err = bindTensors(m->view, a, bound); !err.empty())
    return bad(err);

  const int64_t N = cu.empty() ? a->B : a->num_sequences;
  linac::tile::Launch L;
  L.B = a->B;
  L.T = a->T;
  L.H = a->H;
  L.HV = a->HV;
  L.K = a->K;
  L.V = a->V;
  L.N = N;
  L.cuSeqlens = cu;
  L.scale = a->scale > 0 ? a->scale : 1.0f / std::sqrt(static_cast<float>(a->K));
  std::vector<std::vector<float>> storage;
  storage.reserve(bound.size() + 1);
  for (const Bound &b : bound) {
    const linac_tensor *t = b.tensor;
    const std::vector<int64_t> &shape = b.shape;
    // Gather into the contiguous fp32 layout the kernels read.
    int64_t count = 1;
    for (int64_t s : shape)
      count *= s;
    std::vector<float> dense(static_cast<size_t>(count));
    std::vector<int64_t> index(shape.size(), 0);
    for (int64_t e = 0; e < count; ++e) {
      int64_t offset = 0;
      for (size_t d = 0; d < shape.size(); ++d)
        offset += index[d] * t->strides[d];
      dense[static_cast<size_t>(e)] = loadElement(t->data, t->dtype, offset);
      for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
        if (++index[d] < shape[d])
          break;
        index[d] = 0;
      }
    }
    storage.push_back(std::move(dense));
    int64_t width = b.spec->width == 0 ? 1 : shape.back();
    if (b.spec->isParam)
      L.globals.push_back({b.spec->name, storage.back().data(), 1, a->HV, width});
    else
      L.globals.push_back({b.spec->name, storage.back().data(), a->B * a->T,
                           b.spec->perH ? a->H : a->HV, width});
    L.globals.back().dtype = static_cast<int>(t->dtype);
  }
  if (a->initial_state) {
    storage.emplace_back(a->initial_state,
                         a->initial_state + N * a->HV * a->K * a->V);
    L.globals.push_back({"h0", storage.back().data(), N, a->HV, a->K * a->V});
    L.hasInitialState = true;
  }
  if (auto err = m->cpu->run(L, storage); !err.empty())
    return fail(LINAC_ERROR_KERNEL, err, error, size);
  for (size_t i = 0; i < L.globals.size(); ++i) {
    const std::vector<float> &src = storage[i];
    if (L.globals[i].name == "o") {
      if (a->o_dtype == LINAC_F32)
        std::copy(src.begin(), src.end(), static_cast<float *>(a->o));
      else
        for (size_t e = 0; e < src.size(); ++e)
          static_cast<uint16_t *>(a->o)[e] =
              linac::toHalfBits(src[e], static_cast<int>(a->o_dtype));
    } else if (L.globals[i].name == "ht" && a->final_state) {
      std::copy(src.begin(), src.end(), a->final_state);
    }
  }
  return LINAC_OK;
}

#ifndef LINAC_HAVE_CUDA_CAPI
// Built without the CUDA toolkit: the CUDA entry points say so.
linac_status linac_cuda_module_load(const char *, linac_module **module,
                                    char *error, size_t size) {
  if (module)
    *module = nullptr;
  return fail(LINAC_ERROR_LOAD, "this liblinac was built without CUDA", error,
              size);
}
linac_status linac_cuda_forward(linac_module *, const linac_forward_args *,
                                void *, char *error, size_t size) {
  return fail(LINAC_ERROR_LOAD, "this liblinac was built without CUDA", error,
              size);
}
linac_status linac_cuda_module_check(linac_module *, void *, char *error,
                                     size_t size) {
  return fail(LINAC_ERROR_LOAD, "this liblinac was built without CUDA", error,
              size);
}
#endif

} // extern "C"
