//===- DumpMeta.h - the meta.json of a `linac run --dump` directory ---------===//
#ifndef LINAC_REFERENCE_DUMPMETA_H
#define LINAC_REFERENCE_DUMPMETA_H

#include "reference/Problem.h"

#include <cstdint>
#include <string>
#include <vector>

namespace linac {

struct DumpMeta {
  std::string variant;
  int64_t B = 0, T = 0, H = 0, HV = 0, K = 0, V = 0;
  double scale = 0;
  bool varlen = false, initialState = false;
  std::vector<std::string> inputs, params;
};

/// Reads DIR/meta.json (the flat JSON linac writes). Returns an error
/// message, empty on success.
std::string readDumpMeta(const std::string &dir, DumpMeta &meta);

/// Reads a whole dump: the problem (inputs, params, h0, cu_seqlens, scale)
/// and the reference outputs it holds. Returns an error message or "".
std::string readDump(const std::string &dir, Problem &problem, Result &outputs);

} // namespace linac

#endif
