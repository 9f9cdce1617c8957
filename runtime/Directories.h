//===- Directories.h - create a directory and its parents ------------------===//
#ifndef LINAC_RUNTIME_DIRECTORIES_H
#define LINAC_RUNTIME_DIRECTORIES_H

#include <cerrno>
#include <sstream>
#include <string>
#include <sys/stat.h>

namespace linac {

/// mkdir -p: true when `path` exists as a directory afterwards.
inline bool makeDirectories(const std::string &path) {
  std::string partial = !path.empty() && path[0] == '/' ? "/" : "";
  std::stringstream ss(path);
  std::string part;
  while (std::getline(ss, part, '/')) {
    if (part.empty())
      continue;
    partial += part + "/";
    if (mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST)
      return false;
  }
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

} // namespace linac

#endif
