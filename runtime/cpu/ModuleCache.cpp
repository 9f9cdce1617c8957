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

/// A cached module is usable if it loads, exports linac_module and has
/// this runtime's table layout.
static bool loads(const std::string &path) {
  void *h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h)
    return false;
  auto abi = reinterpret_cast<int (*)()>(dlsym(h, "linac_module_abi"));
  bool ok = dlsym(h, "linac_module") != nullptr && abi &&
            abi() == tile::kModuleAbi;
  dlclose(h);
  return ok;
}

std::string buildCpuModule(const std::string &source, CompiledModule &out) {
  const char *env = std::getenv("LINAC_CXX");
  std::string cxx = env && *env ? env : LINAC_DEFAULT_CXX;
  std::string dir = cacheDirectory() + "/cpu";
  if (!makeDirectories(dir))
    return "cannot create the module cache directory '" + dir + "'";
  std::string key = hashHex(source + "\n" + kCpuTileHeader + "\n" +
                            compilerIdentity(cxx));
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
  std::string work = dir + "/" + key + ".build." + std::to_string(getpid());
  if (!makeDirectories(work))
    return "cannot create '" + work + "'";
  if (!writeFile(work + "/linac_tile.h", kCpuTileHeader) ||
      !writeFile(work + "/kernel.cpp", source))
    return "cannot write into '" + work + "'";
  std::string tmp = work + "/kernel.so";
  // Paths are quoted for the shell; $LINAC_CXX may carry its own flags.
  auto quote = [](const std::string &s) {
    std::string q = "'";
    for (char c : s)
      q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
  };
  std::string cmd = cxx + " -std=c++17 -O2 -shared -fPIC -I" + quote(work) +
                    " " + quote(work + "/kernel.cpp") + " -o " + quote(tmp) +
                    " > " + quote(work + "/compile.log") + " 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    std::ifstream log(work + "/compile.log");
    std::stringstream text;
    text << log.rdbuf();
    return "compiling the emitted kernels failed (" + cmd + "):\n" +
           text.str().substr(0, 4000);
  }
  // Publish atomically, so a concurrent reader never sees half a file.
  if (std::rename(tmp.c_str(), so.c_str()) != 0)
    return "cannot move the compiled module to '" + so + "'";
  std::remove((work + "/linac_tile.h").c_str());
  std::remove((work + "/kernel.cpp").c_str());
  std::remove((work + "/compile.log").c_str());
  rmdir(work.c_str());
  return "";
}

} // namespace linac
