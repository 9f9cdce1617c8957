//===- ModuleCache.cpp ----------------------------------------------------===//
#include "runtime/cpu/ModuleCache.h"
#include "runtime/Directories.h"
#include "runtime/Hash.h"
#include "runtime/device/cpu/linac_tile.h"

#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace linac {

#include "EmbeddedHeader.inc"

std::string cacheDirectory() {
  if (const char *d = std::getenv("LINAC_CACHE_DIR"); d && *d)
    return d;
  if (const char *d = std::getenv("XDG_CACHE_HOME"); d && *d)
    return std::string(d) + "/linac";
  if (const char *d = std::getenv("HOME"); d && *d)
    return std::string(d) + "/.cache/linac";
  return "/tmp/linac-cache";
}

static bool writeFile(const std::string &path, const std::string &text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  return static_cast<bool>(f);
}

static std::string compilerIdentity(const std::string &cxx) {
  std::string cmd = cxx + " --version 2>/dev/null";
  FILE *p = popen(cmd.c_str(), "r");
  if (!p)
    return cxx;
  std::string out;
  char buf[256];
  while (fgets(buf, sizeof buf, p))
    out += buf;
  pclose(p);
  return cxx + "\n" + out;
}

/// Paths are quoted for the shell; $LINAC_CXX may carry its own flags.
static std::string quote(const std::string &s) {
  std::string q = "'";
  for (char c : s)
    q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

/// A cached shared object is usable if it loads (its libraries found,
/// every symbol resolved) and, for a kernel module, exports linac_module
/// and has this runtime's table layout.
static bool loads(const std::string &path, bool module = true) {
  void *h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h)
    return false;
  auto abi = reinterpret_cast<int (*)()>(dlsym(h, "linac_module_abi"));
  bool ok = !module || (dlsym(h, "linac_module") != nullptr && abi &&
                        abi() == tile::kModuleAbi);
  dlclose(h);
  return ok;
}

/// Compiles `source` (with linac_tile.h beside it) by `flags` (the
/// optimisation level among them), linking `inputs` (quoted paths, or
/// none), into `out`, through a private work directory and an atomic
/// rename, so that concurrent builders of the same key never see half a
/// file.
static std::string compileShared(const char *what, const std::string &cxx,
                                 const std::string &dir, const std::string &key,
                                 const std::string &source,
                                 const std::string &flags, const std::string &inputs,
                                 const std::string &out) {
  std::string work = dir + "/" + key + ".build." + std::to_string(getpid());
  if (!makeDirectories(work))
    return "cannot create '" + work + "'";
  if (!writeFile(work + "/linac_tile.h", kCpuTileHeader) ||
      !writeFile(work + "/source.cpp", source))
    return "cannot write into '" + work + "'";
  std::string tmp = work + "/out.so";
  std::string cmd = cxx + " -std=c++17 -shared -fPIC " + flags + " -I" + quote(work) +
                    " " + quote(work + "/source.cpp") + (inputs.empty() ? "" : " " + inputs) +
                    " -o " + quote(tmp) +
                    " > " + quote(work + "/compile.log") + " 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    std::ifstream log(work + "/compile.log");
    std::stringstream text;
    text << log.rdbuf();
    return std::string("compiling ") + what + " failed (" + cmd + "):\n" +
           text.str().substr(0, 4000);
  }
  if (std::rename(tmp.c_str(), out.c_str()) != 0)
    return "cannot move the compiled module to '" + out + "'";
  for (const char *f : {"/linac_tile.h", "/source.cpp", "/compile.log"})
    std::remove((work + f).c_str());
  rmdir(work.c_str());
  return "";
}

/// The tile library's ops (LINAC_TILE_LIBRARY), compiled once per header
/// and compiler into the cache; kernel modules link it by its path.
static std::string buildTileLibrary(const std::string &cxx, const std::string &identity,
                                    const std::string &dir, std::string &lib) {
  std::string key = hashHex(std::string(kCpuTileHeader) + "\nthe library\n" + identity);
  lib = dir + "/libtile-" + key + ".so";
  struct stat st;
  if (stat(lib.c_str(), &st) == 0) {
    if (loads(lib, /*module=*/false))
      return "";
    std::remove(lib.c_str()); // corrupt entry: rebuild it
  }
  return compileShared("the cpu tile library", cxx, dir, "libtile-" + key,
                       "#include \"linac_tile.h\"\n", "-O2 -DLINAC_TILE_LIBRARY", "", lib);
}

/// How a kernel is compiled when it links the library: unoptimised. Its
/// own code is a sequence of calls into the library (compiled with -O2),
/// so it runs as fast (KDA at K = V = 128: the same time; fused
/// element-wise runs, whose loops are the kernel's own, about 1.5x
/// slower), and compiles about 5x faster.
static const std::string kKernelFlags = "-O0 -DLINAC_TILE_EXTERN";

/// clang's precompiled form of linac_tile.h (declarations only: parsing it
/// and the standard headers was about half of what remained of a kernel's
/// compile), built once per library and compiler: its path, empty for
/// other compilers or where it cannot be built. The header sits beside it,
/// written once and never touched again: clang checks that the header a
/// precompiled form was made from is unchanged.
static std::string tileHeaderPch(const std::string &cxx, const std::string &identity,
                                 const std::string &dir) {
  if (identity.find("clang") == std::string::npos)
    return "";
  std::string key =
      hashHex(std::string(kCpuTileHeader) + "\nthe header\n" + kKernelFlags + "\n" + identity);
  std::string pchDir = dir + "/pch-" + key, header = pchDir + "/linac_tile.h",
              pch = header + ".pch";
  struct stat st;
  if (stat(pch.c_str(), &st) == 0)
    return pch;
  if (!makeDirectories(pchDir))
    return "";
  std::string tmp = pchDir + "/tmp." + std::to_string(getpid());
  if (stat(header.c_str(), &st) != 0 &&
      (!writeFile(tmp, kCpuTileHeader) || std::rename(tmp.c_str(), header.c_str()) != 0))
    return "";
  std::string cmd = cxx + " -std=c++17 " + kKernelFlags + " -fPIC -x c++-header " +
                    quote(header) + " -o " + quote(tmp) + " > /dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0 || std::rename(tmp.c_str(), pch.c_str()) != 0) {
    std::remove(tmp.c_str());
    return "";
  }
  return pch;
}

std::string buildCpuModule(const std::string &source, CompiledModule &out, bool standalone) {
  const char *env = std::getenv("LINAC_CXX");
  std::string cxx = env && *env ? env : LINAC_DEFAULT_CXX;
  std::string dir = cacheDirectory() + "/cpu";
  if (!makeDirectories(dir))
    return "cannot create the module cache directory '" + dir + "'";
  const std::string identity = compilerIdentity(cxx);
  std::string lib;
  if (!standalone)
    if (std::string err = buildTileLibrary(cxx, identity, dir, lib); !err.empty())
      return err;
  // The module records the library's path (it has no soname), so the key
  // names the library too (none: standalone).
  std::string key = hashHex(source + "\n" + kCpuTileHeader + "\n" + identity + "\n" + lib +
                            (standalone ? "" : "\n" + kKernelFlags));
  std::string so = dir + "/" + key + ".so";
  out.path = so;
  struct stat st;
  if (stat(so.c_str(), &st) == 0) {
    if (loads(so)) {
      out.cacheHit = true;
      return "";
    }
    std::remove(so.c_str()); // corrupt entry: rebuild it
  }
  if (standalone)
    return compileShared("the emitted kernels", cxx, dir, key, source, "-O2", "", so);
  // With the precompiled header where there is one; a compile that fails
  // with it (a stale or foreign one) drops it and compiles without.
  const std::string pch = tileHeaderPch(cxx, identity, dir);
  const std::string withPch =
      pch.empty() ? "" : " -include-pch " + quote(pch);
  std::string err = compileShared("the emitted kernels", cxx, dir, key, source,
                                  kKernelFlags + withPch, quote(lib), so);
  if (!err.empty() && !pch.empty()) {
    std::remove(pch.c_str());
    err = compileShared("the emitted kernels", cxx, dir, key, source, kKernelFlags,
                        quote(lib), so);
  }
  return err;
}

} // namespace linac
