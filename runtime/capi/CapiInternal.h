//===- CapiInternal.h - what the cpu and CUDA halves of the C ABI share ----===//
#ifndef LINAC_RUNTIME_CAPI_CAPIINTERNAL_H
#define LINAC_RUNTIME_CAPI_CAPIINTERNAL_H

#include "runtime/capi/linac.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace linac {
class CpuModule;
namespace capi {

/// A tensor a module's variant declares.
struct ArgSpec {
  std::string name;
  bool isParam = false, perH = false;
  int width = 0; // 0 scalar, 1 K, 2 V
};

/// What the C ABI needs to know of a module, whatever its target.
struct ModuleView {
  std::string variant, config, signature;
  int64_t K = 0, V = 0;
  std::vector<ArgSpec> args;
};

/// One declared tensor matched to the caller's, its shape checked.
struct Bound {
  const ArgSpec *spec = nullptr;
  const linac_tensor *tensor = nullptr;
  std::vector<int64_t> shape;
};

/// Copies `message` into `error` (when given) and returns `status`.
linac_status fail(linac_status status, const std::string &message, char *error,
                  size_t size);
/// "q[B,T,H,K] k[B,T,H,K] ... A_log[HV]".
std::string signatureText(const std::vector<ArgSpec> &args);
const char *dtypeName(int dtype);
std::string shapeText(const int64_t *shape, int ndim);

/// The checks before any tensor is read: the module (of the target the
/// entry point serves), K and V, B/T/H/HV, the varlen rules, o, the tensor
/// list, scale. Returns the message, empty when fine.
std::string checkCall(const linac_module *m, const linac_forward_args *a,
                      bool cuda);
/// cu_seqlens read into `cu` (num_sequences + 1 entries): starts at 0,
/// ends at T, non-decreasing.
std::string checkSeqlens(const linac_forward_args *a,
                         const std::vector<int64_t> &cu);
/// Every declared tensor given once, none unknown, each of the declared
/// shape, a supported dtype, non-null, strides >= 1, in declaration order.
std::string bindTensors(const ModuleView &view, const linac_forward_args *a,
                        std::vector<Bound> &bound);

} // namespace capi
} // namespace linac

struct linac_module {
  linac::capi::ModuleView view;
  std::shared_ptr<linac::CpuModule> cpu; // a cpu module, or
  std::shared_ptr<void> cuda;            // a CUDA module (CapiCuda.cpp)
};

#endif
