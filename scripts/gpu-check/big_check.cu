//===- big_check.cu - large shapes on the GPU, checked on the GPU machine ---===//
//
//   big_check VARIANT.lin KERNEL.cu B,T,H,HV,K,V SEED SEQLENS|- h0|- [LIMIT]
//
// Shapes too large to carry as dumps: the inputs are rebuilt here from the
// seed (reference/RandomProblem, the driver's exact stream), the float64
// reference runs here from the frontend's normal form on all cores
// (reference/RecurrenceReference, no LLVM), and the emitted kernels run
// through the NVRTC runtime. LIMIT bounds the relative Frobenius errors
// (default 1e-5, for fp32 mma operands). Prints one line.
//
//===----------------------------------------------------------------------===//
#include "reference/RecurrenceReference.h"
#include "runtime/cuda/CudaLaunch.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

using namespace linac;

static std::string readText(const char *path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

int main(int argc, char **argv) {
  if (argc != 7 && argc != 8) {
    std::fprintf(stderr, "usage: big_check VARIANT.lin KERNEL.cu B,T,H,HV,K,V SEED SEQLENS|- h0|- [LIMIT]\n");
    return 2;
  }
  double limit = argc == 8 ? std::atof(argv[7]) : 1e-5;
  frontend::Diagnostics diags;
  std::string lin = readText(argv[1]);
  auto rec = frontend::compileSource(lin, diags);
  if (!rec) {
    std::fprintf(stderr, "%s", diags.render(argv[1], lin).c_str());
    return 2;
  }
  Dims d;
  if (std::sscanf(argv[3], "%lld,%lld,%lld,%lld,%lld,%lld", (long long *)&d.B,
                  (long long *)&d.T, (long long *)&d.H, (long long *)&d.HV,
                  (long long *)&d.K, (long long *)&d.V) != 6)
    return 2;
  std::vector<int64_t> cu;
  if (std::string(argv[5]) != "-")
    if (std::string err = parseSeqlens(argv[5], d, cu); !err.empty()) {
      std::fprintf(stderr, "%s\n", err.c_str());
      return 2;
    }
  Problem p = makeRandomProblem(tensorSpecs(*rec), d, cu,
                                std::string(argv[6]) == "h0",
                                std::stoull(argv[4]), std::nullopt);
  roundToFloat(p); // the kernels read float32
  auto t0 = std::chrono::steady_clock::now();
  Result ref;
  if (std::string err = runRecurrence(*rec, p, ref,
                                      static_cast<int>(std::thread::hardware_concurrency()));
      !err.empty()) {
    std::fprintf(stderr, "%s\n", err.c_str());
    return 2;
  }
  double refS = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  CUstream stream;
  if (!usePrimaryContext().empty() ||
      cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING) != CUDA_SUCCESS) {
    std::printf("big_check: no usable GPU\n");
    return 1;
  }
  CudaModule module;
  CudaModule::LoadStats stats;
  Result out;
  DeviceRun run;
  if (std::string err = module.load(readText(argv[2]), "/tmp/gpucheck/cache", stats);
      !err.empty()) {
    std::printf("big_check: %s\n", err.c_str());
    return 1;
  }
  if (std::string err = runOnDevice(module, p, stream, out, run); !err.empty()) {
    std::printf("big_check: %s\n", err.c_str());
    return 1;
  }
  int64_t badO, badHt;
  double eo = relativeError(out.o.data, ref.o.data, &badO);
  double eh = relativeError(out.ht.data, ref.ht.data, &badHt);
  bool ok = !run.outOfRange && badO == 0 && badHt == 0 && eo <= limit && eh <= limit;
  std::printf("%-10s B=%lld T=%lld H=%lld HV=%lld  o %.2e ht %.2e (limit %.0e)  "
              "run %.2f ms  reference %.1f s  %s\n",
              rec->name.c_str(), (long long)d.B, (long long)d.T, (long long)d.H,
              (long long)d.HV, eo, eh, limit, run.ms, refS, ok ? "ok" : "FAIL");
  return ok ? 0 : 1;
}
