//===- Npy.cpp ------------------------------------------------------------===//
#include "reference/Npy.h"

#include <cstring>
#include <fstream>

namespace linac {

static std::string header(const char *descr, const std::vector<int64_t> &shape) {
  std::string dims; // numpy spells 1-d shapes "(n,)"
  for (size_t i = 0; i < shape.size(); ++i)
    dims += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1)
    dims += ",";
  std::string dict = std::string("{'descr': '") + descr +
                     "', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Magic (6) + version (2) + length (2) + dict + '\n', padded to 64 bytes.
  size_t total = 10 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  uint16_t len = static_cast<uint16_t>(dict.size());
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>(len >> 8);
  return out + dict;
}

template <typename T>
static std::string writeRaw(const std::string &path, const char *descr,
                            const std::vector<int64_t> &shape,
                            const std::vector<T> &data) {
  std::ofstream f(path, std::ios::binary);
  if (!f)
    return "cannot write '" + path + "'";
  std::string h = header(descr, shape);
  f.write(h.data(), static_cast<std::streamsize>(h.size()));
  f.write(reinterpret_cast<const char *>(data.data()),
          static_cast<std::streamsize>(data.size() * sizeof(T)));
  if (!f)
    return "error writing '" + path + "'";
  return "";
}

std::string writeNpy(const std::string &path, const std::vector<int64_t> &shape,
                     const std::vector<double> &data) {
  return writeRaw(path, "<f8", shape, data);
}

std::string writeNpyInt64(const std::string &path,
                          const std::vector<int64_t> &data) {
  return writeRaw(path, "<i8", {static_cast<int64_t>(data.size())}, data);
}

std::string readNpy(const std::string &path, NpyArray &out) {
  std::ifstream f(path, std::ios::binary);
  if (!f)
    return "cannot read '" + path + "'";
  char pre[10];
  if (!f.read(pre, 10) || std::memcmp(pre, "\x93NUMPY", 6) != 0 || pre[6] != 1)
    return "'" + path + "' is not a version-1 .npy file";
  size_t len = static_cast<unsigned char>(pre[8]) |
               (static_cast<size_t>(static_cast<unsigned char>(pre[9])) << 8);
  std::string dict(len, '\0');
  if (!f.read(dict.data(), static_cast<std::streamsize>(len)))
    return "'" + path + "': truncated header";
  bool isF8 = dict.find("'<f8'") != std::string::npos;
  bool isI8 = dict.find("'<i8'") != std::string::npos;
  if ((!isF8 && !isI8) || dict.find("'fortran_order': False") == std::string::npos)
    return "'" + path + "': only C-order <f8 and <i8 arrays are supported";
  size_t open = dict.find('('), close = dict.find(')');
  if (open == std::string::npos || close == std::string::npos || close < open)
    return "'" + path + "': no shape in header";
  out.shape.clear();
  int64_t count = 1;
  std::string dims = dict.substr(open + 1, close - open - 1);
  size_t pos = 0;
  while (pos < dims.size()) {
    while (pos < dims.size() && (dims[pos] == ' ' || dims[pos] == ','))
      ++pos;
    if (pos >= dims.size())
      break;
    size_t end = pos;
    while (end < dims.size() && dims[end] >= '0' && dims[end] <= '9')
      ++end;
    if (end == pos)
      return "'" + path + "': bad shape '" + dims + "'";
    int64_t d = std::stoll(dims.substr(pos, end - pos));
    out.shape.push_back(d);
    count *= d;
    pos = end;
  }
  if (count < 0 || count > (int64_t(1) << 32))
    return "'" + path + "': array too large";
  out.data.resize(static_cast<size_t>(count));
  if (isF8) {
    if (!f.read(reinterpret_cast<char *>(out.data.data()), count * 8))
      return "'" + path + "': truncated data";
  } else {
    std::vector<int64_t> ints(static_cast<size_t>(count));
    if (!f.read(reinterpret_cast<char *>(ints.data()), count * 8))
      return "'" + path + "': truncated data";
    for (size_t i = 0; i < ints.size(); ++i)
      out.data[i] = static_cast<double>(ints[i]);
  }
  return "";
}

} // namespace linac
