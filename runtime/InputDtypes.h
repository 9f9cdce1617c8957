//===- InputDtypes.h - which input dtypes a module takes --------------------===//
//
// A module compiled with config inputs=bf16 keeps its multi-column inputs in
// bf16 stages (tile-inputs-16bit) and takes them only in bf16; every other
// module takes f32, bf16 or f16. Each runtime checks a call's tensors here
// before it launches, so that the caller hears which tensor is wrong rather
// than a kernel's error flag.
//
//===----------------------------------------------------------------------===//
#ifndef LINAC_RUNTIME_INPUTDTYPES_H
#define LINAC_RUNTIME_INPUTDTYPES_H

#include <string>

namespace linac {

/// Whether a module of this config (KernelConfig::str(), as the module
/// records it) takes its multi-column inputs only in bf16.
inline bool takesOnlyBf16Inputs(const std::string &config) {
  return ("," + config + ",").find(",inputs=bf16,") != std::string::npos;
}

/// "" when an argument (an input unless `isParam`, of `width` 0: one value
/// per token, 1: K, 2: V columns) of dtype `dtype` (0 f32, 1 bf16, 2 f16)
/// suits a module of `config`; otherwise the error, naming the tensor.
inline std::string checkInputDtype(const std::string &config, const std::string &name,
                                   bool isParam, int width, int dtype) {
  if (isParam || width == 0 || dtype == 1 || !takesOnlyBf16Inputs(config))
    return "";
  return "tensor '" + name + "': expected dtype bf16 (the module was compiled with config " +
         "inputs=bf16, which keeps it in bf16), got " + (dtype == 2 ? "f16" : "f32");
}

} // namespace linac

#endif
