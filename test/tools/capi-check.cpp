//===- capi-check.cpp - drive the C ABI on a linac --dump directory ---------===//
//
//   capi-check MODULE.so DUMP_DIR          run, compare o and ht (1e-5)
//   capi-check --bad MODULE.so DUMP_DIR    bad arguments: print each error,
//                                          check that nothing was written
//   capi-check --bf16-inputs MODULE.so DUMP_DIR
//                                          run with the per-token inputs
//                                          passed as bf16 (exact for a dump
//                                          made with --dtype bf16)
//
// Inputs are passed through the C ABI as strided views: q is
// given with its heads and tokens swapped in memory (non-contiguous), to
// exercise strides.
//
//===----------------------------------------------------------------------===//
#include "reference/DumpMeta.h"
#include "reference/Npy.h"
#include "reference/Problem.h"
#include "runtime/capi/linac.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Owned {
  std::string name;
  std::vector<float> data;
  std::vector<int64_t> shape;
};

} // namespace

/// capi-check --cuda SOURCE.cu MODULE.so: the CUDA entry points where no
/// GPU is needed to answer: loading (no driver, no file) and a cpu module
/// passed to linac_cuda_forward.
static int cudaChecks(const char *source, const char *cpuModule) {
  char error[512] = {0};
  linac_module *m = nullptr;
  linac_status st = linac_cuda_module_load(source, &m, error, sizeof error);
  std::printf("cuda load: status %d, %s%s\n", st, error, m ? "" : ", no module");
  if (m)
    linac_module_free(m);
  linac_module *cpu = nullptr;
  if (linac_module_load(cpuModule, &cpu, error, sizeof error) != LINAC_OK) {
    std::printf("load failed: %s\n", error);
    return 1;
  }
  linac_forward_args args = {};
  st = linac_cuda_forward(cpu, &args, nullptr, error, sizeof error);
  std::printf("cuda forward on a cpu module: status %d, %s\n", st, error);
  st = linac_cuda_module_check(cpu, nullptr, error, sizeof error);
  std::printf("cuda check on a cpu module: status %d, %s\n", st, error);
  linac_module_free(cpu);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 4 && std::string(argv[1]) == "--cuda")
    return cudaChecks(argv[2], argv[3]);
  bool bad = argc == 4 && std::string(argv[1]) == "--bad";
  bool bf16Inputs = argc == 4 && std::string(argv[1]) == "--bf16-inputs";
  if (argc != 3 + (bad || bf16Inputs ? 1 : 0)) {
    std::fprintf(stderr, "usage: capi-check [--bad|--bf16-inputs] MODULE.so DUMP_DIR\n"
                         "       capi-check --cuda SOURCE.cu MODULE.so\n");
    return 2;
  }
  const int first = bad || bf16Inputs ? 2 : 1;
  std::string so = argv[first], dir = argv[first + 1];
  linac::DumpMeta meta;
  if (auto err = linac::readDumpMeta(dir, meta); !err.empty()) {
    std::printf("%s\n", err.c_str());
    return 1;
  }

  char error[512];
  linac_module *module = nullptr;
  if (linac_module_load(so.c_str(), &module, error, sizeof error) != LINAC_OK) {
    std::printf("load failed: %s\n", error);
    return 1;
  }
  std::printf("variant %s, signature %s\n", linac_module_variant(module),
              linac_module_signature(module));

  std::vector<Owned> owned;
  std::vector<std::string> all = meta.inputs;
  all.insert(all.end(), meta.params.begin(), meta.params.end());
  for (const std::string &n : all) {
    linac::NpyArray a;
    if (auto err = linac::readNpy(dir + "/" + n + ".npy", a); !err.empty()) {
      std::printf("%s\n", err.c_str());
      return 1;
    }
    owned.push_back({n, std::vector<float>(a.data.begin(), a.data.end()), a.shape});
  }
  std::vector<linac_tensor> tensors;
  for (Owned &o : owned) {
    linac_tensor t{};
    t.name = o.name.c_str();
    t.data = o.data.data();
    t.dtype = LINAC_F32;
    t.ndim = static_cast<int>(o.shape.size());
    int64_t stride = 1;
    for (int d = t.ndim - 1; d >= 0; --d) {
      t.shape[d] = o.shape[d];
      t.strides[d] = stride;
      stride *= o.shape[d];
    }
    tensors.push_back(t);
  }
  // q as a non-contiguous view: stored [B, H, T, K], passed as [B, T, H, K].
  std::vector<float> qPermuted;
  for (size_t i = 0; i < owned.size(); ++i)
    if (owned[i].name == "q" && owned[i].shape.size() == 4) {
      const std::vector<int64_t> &s = owned[i].shape;
      int64_t B = s[0], T = s[1], H = s[2], K = s[3];
      qPermuted.resize(owned[i].data.size());
      for (int64_t b = 0; b < B; ++b)
        for (int64_t t = 0; t < T; ++t)
          for (int64_t h = 0; h < H; ++h)
            for (int64_t k = 0; k < K; ++k)
              qPermuted[((b * H + h) * T + t) * K + k] =
                  owned[i].data[((b * T + t) * H + h) * K + k];
      tensors[i].data = qPermuted.data();
      tensors[i].strides[0] = H * T * K;
      tensors[i].strides[1] = K;
      tensors[i].strides[2] = T * K;
      tensors[i].strides[3] = 1;
    }

  // --bf16-inputs: each per-token input's buffer (in its layout) as bf16.
  std::vector<std::vector<uint16_t>> halves;
  halves.reserve(tensors.size());
  if (bf16Inputs)
    for (size_t i = 0; i < tensors.size(); ++i) {
      bool input = false;
      for (const std::string &n : meta.inputs)
        input |= n == owned[i].name;
      if (!input)
        continue;
      const float *from = static_cast<const float *>(tensors[i].data);
      halves.emplace_back(owned[i].data.size());
      for (size_t e = 0; e < owned[i].data.size(); ++e)
        halves.back()[e] = linac::toHalfBits(from[e], LINAC_BF16);
      tensors[i].data = halves.back().data();
      tensors[i].dtype = LINAC_BF16;
    }

  linac_forward_args args{};
  args.B = meta.B;
  args.T = meta.T;
  args.H = meta.H;
  args.HV = meta.HV;
  args.K = meta.K;
  args.V = meta.V;
  args.scale = static_cast<float>(meta.scale);
  std::vector<int64_t> cu;
  if (meta.varlen) {
    linac::NpyArray c;
    linac::readNpy(dir + "/cu_seqlens.npy", c);
    for (double x : c.data)
      cu.push_back(static_cast<int64_t>(x));
    args.cu_seqlens = cu.data();
    args.num_sequences = static_cast<int64_t>(cu.size()) - 1;
  }
  const int64_t N = cu.empty() ? args.B : args.num_sequences;
  std::vector<float> h0;
  if (meta.initialState) {
    linac::NpyArray a;
    linac::readNpy(dir + "/h0.npy", a);
    h0.assign(a.data.begin(), a.data.end());
    args.initial_state = h0.data();
  }
  std::vector<float> o(static_cast<size_t>(args.B * args.T * args.HV * args.V), -7.0f);
  std::vector<float> ht(static_cast<size_t>(N * args.HV * args.K * args.V), -7.0f);
  args.o = o.data();
  args.final_state = ht.data();
  args.tensors = tensors.data();
  args.num_tensors = static_cast<int>(tensors.size());

  if (bad) {
    // Each case breaks one argument; the call must refuse it and write
    // nothing.
    auto attempt = [&](const char *what, linac_forward_args a) {
      linac_status s = linac_forward(module, &a, error, sizeof error);
      bool untouched = true;
      for (float x : o)
        untouched &= x == -7.0f;
      std::printf("%s: status %d, %s, %s\n", what, static_cast<int>(s), error,
                  untouched ? "nothing written" : "OUTPUT WRITTEN");
    };
    linac_forward_args a = args;
    a.K = args.K * 2;
    attempt("wrong K", a);
    a = args;
    a.HV = args.H * 3 + (args.H > 1 ? 1 : 0);
    if (a.HV % args.H == 0)
      a.HV = args.H + 1;
    attempt("HV not a multiple of H", a);
    a = args;
    a.o = nullptr;
    attempt("no output", a);
    std::vector<linac_tensor> fewer(tensors.begin() + 1, tensors.end());
    a = args;
    a.tensors = fewer.data();
    a.num_tensors = static_cast<int>(fewer.size());
    attempt("missing tensor", a);
    std::vector<linac_tensor> wrong = tensors;
    wrong[1].shape[3] += 1;
    a = args;
    a.tensors = wrong.data();
    attempt("wrong shape", a);
    wrong = tensors;
    wrong[0].name = "qq";
    a = args;
    a.tensors = wrong.data();
    attempt("unknown tensor", a);
    wrong = tensors;
    wrong[2].data = nullptr;
    a = args;
    a.tensors = wrong.data();
    attempt("null data", a);
    wrong = tensors;
    wrong[0].strides[1] = 0;
    a = args;
    a.tensors = wrong.data();
    attempt("zero stride", a);
    int64_t badCu[3] = {0, args.T + 1, args.T};
    a = args;
    a.cu_seqlens = badCu;
    a.num_sequences = 2;
    attempt("decreasing cu_seqlens", a);
    linac_module_free(module);
    return 0;
  }

  if (linac_forward(module, &args, error, sizeof error) != LINAC_OK) {
    std::printf("forward failed: %s\n", error);
    return 1;
  }
  auto compare = [&](const char *name, const std::vector<float> &got) {
    linac::NpyArray ref;
    linac::readNpy(dir + "/" + name + ".npy", ref);
    double d = 0, n = 0;
    for (size_t i = 0; i < ref.data.size(); ++i) {
      d += (got[i] - ref.data[i]) * (got[i] - ref.data[i]);
      n += ref.data[i] * ref.data[i];
    }
    return std::sqrt(d / (n > 0 ? n : 1));
  };
  double eo = compare("o", o), eh = compare("ht", ht);
  bool ok = eo <= 1e-5 && eh <= 1e-5;
  std::printf("o %.3e, final state %.3e: %s\n", eo, eh, ok ? "ok" : "FAIL");
  linac_module_free(module);
  return ok ? 0 : 1;
}
