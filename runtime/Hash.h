//===- Hash.h - the content hash of module cache keys -----------------------===//
#ifndef LINAC_RUNTIME_HASH_H
#define LINAC_RUNTIME_HASH_H

#include <cstdint>
#include <cstdio>
#include <string>

namespace linac {

/// 64-bit FNV-1a, printed as 16 hex digits.
inline std::string hashHex(const std::string &text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

} // namespace linac

#endif
