//===- Npy.h - NumPy .npy files (version 1.0, little-endian) ---------------===//
//
// So that anyone can check linac's results with another tool, inputs and
// outputs are written as .npy; tests read goldens back. No MLIR dependency.
//
//===----------------------------------------------------------------------===//
#ifndef LINAC_REFERENCE_NPY_H
#define LINAC_REFERENCE_NPY_H

#include <cstdint>
#include <string>
#include <vector>

namespace linac {

struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<double> data; // f8 arrays, and i8 arrays converted
};

/// Write float64 data; returns an error message, empty on success.
std::string writeNpy(const std::string &path, const std::vector<int64_t> &shape,
                     const std::vector<double> &data);
std::string writeNpyInt64(const std::string &path,
                          const std::vector<int64_t> &data);
/// Read an '<f8' or '<i8' C-order array; returns an error message on failure.
std::string readNpy(const std::string &path, NpyArray &out);

} // namespace linac

#endif
