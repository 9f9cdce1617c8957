//===- npy-compare.cpp - relative Frobenius error of two .npy arrays -------===//
//
//   npy-compare ACTUAL.npy EXPECTED.npy --rtol 1e-10
//
// Prints ||actual - expected||_F / ||expected||_F; exits 1 when the shapes
// differ, a value is not finite, or the error exceeds --rtol.
//
//===----------------------------------------------------------------------===//
#include "reference/Npy.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char **argv) {
  if (argc != 5 || std::string(argv[3]) != "--rtol") {
    std::fprintf(stderr, "usage: npy-compare ACTUAL.npy EXPECTED.npy --rtol X\n");
    return 2;
  }
  double rtol = std::strtod(argv[4], nullptr);
  linac::NpyArray a, e;
  for (auto [path, arr] : {std::pair{argv[1], &a}, std::pair{argv[2], &e}})
    if (std::string err = linac::readNpy(path, *arr); !err.empty()) {
      std::fprintf(stderr, "npy-compare: %s\n", err.c_str());
      return 2;
    }
  if (a.shape != e.shape) {
    std::fprintf(stderr, "npy-compare: shapes differ\n");
    return 1;
  }
  double diff = 0, ref = 0;
  for (size_t i = 0; i < a.data.size(); ++i) {
    if (!std::isfinite(a.data[i])) {
      std::fprintf(stderr, "npy-compare: non-finite value at %zu\n", i);
      return 1;
    }
    diff += (a.data[i] - e.data[i]) * (a.data[i] - e.data[i]);
    ref += e.data[i] * e.data[i];
  }
  double rel = ref > 0 ? std::sqrt(diff / ref) : std::sqrt(diff);
  std::printf("relative error %.3e (rtol %.1e): %s\n", rel, rtol,
              rel <= rtol ? "ok" : "FAIL");
  return rel <= rtol ? 0 : 1;
}
