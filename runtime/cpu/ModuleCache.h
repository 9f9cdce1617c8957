//===- ModuleCache.h - compiled kernel modules, cached on disk -------------===//
//
// Emitted source is compiled once and kept under a key made of the source,
// the tile library and the compiler, so a second run with the same kernel
// loads it directly. A cache entry that does not load (truncated, corrupt)
// is rebuilt.
//
//===----------------------------------------------------------------------===//
#ifndef LINAC_RUNTIME_CPU_MODULECACHE_H
#define LINAC_RUNTIME_CPU_MODULECACHE_H

#include <string>

namespace linac {

struct CompiledModule {
  std::string path;  // the shared object
  bool cacheHit = false;
};

/// The cache directory: $LINAC_CACHE_DIR, else $XDG_CACHE_HOME/linac, else
/// $HOME/.cache/linac, else /tmp/linac-cache.
std::string cacheDirectory();

/// Compiles `source` (which includes "linac_tile.h") into a shared object
/// with $LINAC_CXX (default: the compiler linac was built with), or finds
/// it in the cache. The module links the tile library's ops from the
/// cache's compiled copy (libtile-<key>.so, by its path), unless
/// `standalone`: then they are compiled into it, so that it can be copied
/// out of the cache (`--emit module`). Returns an error message, empty on
/// success.
std::string buildCpuModule(const std::string &source, CompiledModule &out,
                           bool standalone = false);

} // namespace linac

#endif
