//===- cuda_run.cu - run an emitted module through the NVRTC runtime --------===//
//
//   cuda_run KERNEL.cu DUMP_DIR CACHE_DIR [ARCH|native [LIMIT_O LIMIT_HT]]
//
// ARCH (e.g. compute_80) compiles for another architecture than the
// device's: with a virtual one the driver JIT-compiles the PTX, which is
// how sm_80 code is checked on a Hopper GPU. The limits on the relative
// Frobenius errors default to 1e-5 (fp32 mma operands); kernels with
// rounded operands get the bound the cpu target's check computed.
//
// Loads the emitted source with runtime/cuda/CudaModule three times -- cold
// (empty cache: NVRTC), warm (cache hit), and after corrupting the cached
// cubin (must be detected and rebuilt) -- runs it on the dump's inputs with
// runtime/cuda/CudaLaunch and compares o and the final states with the
// dump's float64 reference. Prints one line.
//
//===----------------------------------------------------------------------===//
#include "reference/DumpMeta.h"
#include "runtime/cuda/CudaLaunch.h"

#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <sstream>

using namespace linac;

static int fail(const std::string &message) {
  std::printf("cuda_run: %s\n", message.c_str());
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 4 && argc != 5 && argc != 7) {
    std::fprintf(stderr, "usage: cuda_run KERNEL.cu DUMP_DIR CACHE_DIR "
                         "[ARCH|native [LIMIT_O LIMIT_HT]]\n");
    return 2;
  }
  std::string arch = argc >= 5 && std::string(argv[4]) != "native" ? argv[4] : "";
  double limitO = argc == 7 ? std::atof(argv[5]) : 1e-5,
         limitHt = argc == 7 ? std::atof(argv[6]) : 1e-5;
  std::ifstream f(argv[1]);
  std::stringstream text;
  text << f.rdbuf();
  std::string source = text.str(), dir = argv[2], cache = argv[3];
  Problem problem;
  Result reference;
  if (std::string err = readDump(dir, problem, reference); !err.empty())
    return fail(err);

  CUstream stream;
  if (!usePrimaryContext().empty() ||
      cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING) != CUDA_SUCCESS)
    return fail("no usable GPU");

  CudaModule cold, warm, repaired;
  CudaModule::LoadStats sCold, sWarm, sRepaired;
  if (std::string err = cold.load(source, cache, sCold, arch); !err.empty())
    return fail(err);
  if (std::string err = warm.load(source, cache, sWarm, arch); !err.empty())
    return fail(err);
  // Flip a byte in the middle of every cached cubin.
  if (DIR *dp = opendir(cache.c_str())) {
    while (dirent *e = readdir(dp)) {
      std::string name = e->d_name;
      if (name.size() < 6 || name.substr(name.size() - 6) != ".cubin") // PTX is cached as .cubin too
        continue;
      std::fstream c(cache + "/" + name, std::ios::in | std::ios::out | std::ios::binary);
      c.seekg(0, std::ios::end);
      std::streamoff n = c.tellg();
      c.seekp(n / 2);
      c.put('\x5a');
    }
    closedir(dp);
  }
  if (std::string err = repaired.load(source, cache, sRepaired, arch); !err.empty())
    return fail(err);

  Result out;
  DeviceRun run;
  if (std::string err = runOnDevice(warm, problem, stream, out, run); !err.empty())
    return fail(err);
  int64_t badO, badHt;
  double eo = relativeError(out.o.data, reference.o.data, &badO);
  double eh = relativeError(out.ht.data, reference.ht.data, &badHt);
  bool ok = !run.outOfRange && badO == 0 && badHt == 0 && eo <= limitO &&
            eh <= limitHt && !sCold.cacheHit && sWarm.cacheHit &&
            sRepaired.rebuiltCorrupt;
  std::printf("%-10s %-10s o %.2e ht %.2e (limit %.1e, %.1e)  cold %.0f+%.1f ms  warm %.1f ms  "
              "corrupt-cache %s  run %.2f ms  %s\n",
              warm.info().variant.c_str(), arch.empty() ? "native" : arch.c_str(),
              eo, eh, limitO, limitHt, sCold.compileMs, sCold.loadMs,
              sWarm.loadMs, sRepaired.rebuiltCorrupt ? "rebuilt" : "NOT DETECTED",
              run.ms, ok ? "ok" : "FAIL");
  return ok ? 0 : 1;
}
