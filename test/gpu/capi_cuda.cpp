//===- capi_cuda.cpp - the C ABI with device pointers, on the GPU ----------===//
//
//   capi_cuda DIR
//
// DIR holds emitted CUDA modules (scripts/gpu-check/prepare.sh): gdn64.cu
// (GDN, K = V = 64, fp32 mma operands) and kda64.cu (KDA, the GPU default,
// bf16 operands). Built and run on the GPU machine against liblinac by
// scripts/gpu-check/run.sh. Checks, through linac_cuda_forward only:
//  - results against the float64 reference (inputs rebuilt from seeds by
//    the MLIR-free reference, fed the same bf16/f16-rounded inputs): bf16
//    and f16 inputs, strided q/k (heads not contiguous), GVA, an initial
//    state, a varlen batch with empty sequences, bf16 and f32 outputs;
//  - bad arguments: each one returns LINAC_ERROR_INVALID_ARGUMENT with a
//    message naming it, and nothing is written (o keeps its poison).
// One line per check; the exit status is the number of failures.
//
//===----------------------------------------------------------------------===//
#include "reference/RandomProblem.h"
#include "reference/RecurrenceReference.h"
#include "runtime/capi/linac.h"
#include "frontend/Sema.h"

#include <cuda.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

using namespace linac;

static int failures = 0;
static void report(const std::string &name, bool ok, const std::string &detail) {
  std::printf("%-52s %-56s %s\n", name.c_str(), detail.c_str(), ok ? "ok" : "FAIL");
  failures += !ok;
}

static std::string readText(const std::string &path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

/// Device buffers owned by one case.
struct Buffers {
  std::vector<CUdeviceptr> all;
  ~Buffers() {
    for (CUdeviceptr p : all)
      cuMemFree(p);
  }
  CUdeviceptr alloc(size_t bytes) {
    CUdeviceptr p = 0;
    if (cuMemAlloc(&p, bytes ? bytes : 16) != CUDA_SUCCESS) {
      std::printf("cuMemAlloc failed\n");
      std::exit(100);
    }
    all.push_back(p);
    return p;
  }
};

/// A problem's tensor uploaded as `dtype`, its innermost dimension padded
/// to `padTo` elements (so heads are not contiguous when padTo > width).
static linac_tensor upload(Buffers &buf, const Tensor &t, linac_dtype dtype,
                           int64_t padTo, size_t shrinkBytes = 0) {
  linac_tensor out{};
  out.name = t.name.c_str();
  out.dtype = dtype;
  out.ndim = static_cast<int>(t.shape.size());
  int64_t inner = t.shape.back(), ld = std::max(inner, padTo);
  int64_t outer = static_cast<int64_t>(t.data.size()) / inner;
  size_t esize = dtype == LINAC_F32 ? 4 : 2;
  std::vector<unsigned char> host(static_cast<size_t>(outer * ld) * esize, 0);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      float x = static_cast<float>(t.data[o * inner + i]);
      unsigned char *p = &host[static_cast<size_t>(o * ld + i) * esize];
      if (dtype == LINAC_F32)
        std::memcpy(p, &x, 4);
      else {
        uint16_t h = toHalfBits(x, dtype);
        std::memcpy(p, &h, 2);
      }
    }
  size_t bytes = host.size() - std::min(host.size(), shrinkBytes);
  CUdeviceptr d = buf.alloc(bytes);
  cuMemcpyHtoD(d, host.data(), bytes);
  out.data = reinterpret_cast<void *>(d);
  int64_t stride = 1;
  for (int i = out.ndim - 1; i >= 0; --i) {
    out.shape[i] = t.shape[i];
    out.strides[i] = stride;
    stride *= i == out.ndim - 1 ? ld : t.shape[i];
  }
  return out;
}

struct Case {
  std::string name, module;
  Dims dims;
  std::vector<int64_t> cu;
  bool h0 = false;
  linac_dtype inputs = LINAC_BF16, o = LINAC_F32;
  int64_t padTo = 0; // pad q and k's rows (non-contiguous heads)
  double limitO = 1e-5, limitHt = 1e-5;
};

static const frontend::Recurrence &recurrence(const std::string &example) {
  static std::map<std::string, frontend::Recurrence> cache;
  auto it = cache.find(example);
  if (it == cache.end()) {
    frontend::Diagnostics diags;
    std::string text = readText("examples/" + example + ".lin");
    auto rec = frontend::compileSource(text, diags);
    if (!rec) {
      std::printf("%s", diags.render(example, text).c_str());
      std::exit(100);
    }
    it = cache.emplace(example, *rec).first;
  }
  return it->second;
}

/// The arguments of one call, over freshly uploaded buffers.
struct Call {
  Buffers buf;
  Problem problem;
  std::vector<linac_tensor> tensors;
  linac_forward_args args{};
  CUdeviceptr o = 0, ht = 0;
  size_t oBytes = 0;
};

static void prepare(Call &c, const Case &k, const std::string &example,
                    uint64_t seed) {
  const frontend::Recurrence &rec = recurrence(example);
  c.problem = makeRandomProblem(tensorSpecs(rec), k.dims, k.cu, k.h0, seed, std::nullopt);
  roundToFloat(c.problem);
  roundInputs(c.problem, k.inputs);
  const Dims &d = k.dims;
  int64_t N = c.problem.numSequences();
  for (const Tensor &t : c.problem.inputs)
    c.tensors.push_back(upload(c.buf, t, k.inputs,
                               (t.name == "q" || t.name == "k") ? k.padTo : 0));
  for (const Tensor &t : c.problem.params)
    c.tensors.push_back(upload(c.buf, t, LINAC_F32, 0));
  c.args.B = d.B; c.args.T = d.T; c.args.H = d.H; c.args.HV = d.HV;
  c.args.K = d.K; c.args.V = d.V;
  c.args.tensors = c.tensors.data();
  c.args.num_tensors = static_cast<int>(c.tensors.size());
  if (!k.cu.empty()) {
    CUdeviceptr cu = c.buf.alloc(k.cu.size() * 8);
    cuMemcpyHtoD(cu, k.cu.data(), k.cu.size() * 8);
    c.args.cu_seqlens = reinterpret_cast<const int64_t *>(cu);
    c.args.num_sequences = N;
  }
  if (k.h0) {
    std::vector<float> h0(c.problem.h0->data.begin(), c.problem.h0->data.end());
    CUdeviceptr p = c.buf.alloc(h0.size() * 4);
    cuMemcpyHtoD(p, h0.data(), h0.size() * 4);
    c.args.initial_state = reinterpret_cast<const float *>(p);
  }
  c.ht = c.buf.alloc(static_cast<size_t>(N * d.HV * d.K * d.V) * 4);
  c.args.final_state = reinterpret_cast<float *>(c.ht);
  c.oBytes = static_cast<size_t>(d.B * d.T * d.HV * d.V) * (k.o == LINAC_F32 ? 4 : 2);
  c.o = c.buf.alloc(c.oBytes);
  cuMemsetD8(c.o, 0xA5, c.oBytes); // poison: unwritten elements show
  c.args.o = reinterpret_cast<void *>(c.o);
  c.args.o_dtype = k.o;
}

static void runCase(linac_module *m, const Case &k, const std::string &example) {
  Call c;
  prepare(c, k, example, 11);
  Result ref;
  if (std::string err = runRecurrence(recurrence(example), c.problem, ref, 8); !err.empty()) {
    report(k.name, false, err);
    return;
  }
  char error[512] = {0};
  CUstream stream;
  cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING);
  linac_status st = linac_cuda_forward(m, &c.args, stream, error, sizeof error);
  if (st == LINAC_OK)
    st = linac_cuda_module_check(m, stream, error, sizeof error);
  cuStreamDestroy(stream);
  if (st != LINAC_OK) {
    report(k.name, false, error);
    return;
  }
  const Dims &d = k.dims;
  std::vector<double> o(static_cast<size_t>(d.B * d.T * d.HV * d.V)), ht(ref.ht.data.size());
  if (k.o == LINAC_F32) {
    std::vector<float> f(o.size());
    cuMemcpyDtoH(f.data(), c.o, f.size() * 4);
    o.assign(f.begin(), f.end());
  } else {
    std::vector<uint16_t> h(o.size());
    cuMemcpyDtoH(h.data(), c.o, h.size() * 2);
    for (size_t i = 0; i < h.size(); ++i)
      o[i] = fromHalfBits(h[i], k.o);
  }
  std::vector<float> f(ht.size());
  cuMemcpyDtoH(f.data(), c.ht, f.size() * 4);
  ht.assign(f.begin(), f.end());
  int64_t badO = 0, badHt = 0;
  double eo = relativeError(o, ref.o.data, &badO), eh = relativeError(ht, ref.ht.data, &badHt);
  char detail[160];
  std::snprintf(detail, sizeof detail, "o %.2e ht %.2e (limit %.0e, %.0e)", eo, eh,
                k.limitO, k.limitHt);
  report(k.name, badO == 0 && badHt == 0 && eo <= k.limitO && eh <= k.limitHt, detail);
}

/// A bad call: the status, the message and an untouched o.
static void badCase(linac_module *m, const std::string &name, const std::string &expect,
                    const std::function<void(Call &)> &spoil) {
  Case k;
  k.name = name;
  k.dims = Dims{2, 40, 2, 4, 64, 64};
  Call c;
  prepare(c, k, "gdn", 5);
  spoil(c);
  char error[512] = {0};
  linac_status st = linac_cuda_forward(m, &c.args, nullptr, error, sizeof error);
  cuStreamSynchronize(nullptr);
  std::vector<unsigned char> o(c.oBytes);
  cuMemcpyDtoH(o.data(), c.o, o.size());
  bool untouched = true;
  for (unsigned char b : o)
    untouched &= b == 0xA5;
  bool ok = st == LINAC_ERROR_INVALID_ARGUMENT && std::strstr(error, expect.c_str()) &&
            untouched;
  report("bad argument: " + name, ok, std::string(error).substr(0, 56) +
                                          (untouched ? "" : " [o WRITTEN]"));
  if (!ok)
    std::printf("    full message: %s (expected to contain '%s')\n", error, expect.c_str());
}

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: capi_cuda DIR\n");
    return 2;
  }
  std::string dir = argv[1];
  CUdevice device;
  CUcontext ctx;
  if (cuInit(0) != CUDA_SUCCESS || cuDeviceGet(&device, 0) != CUDA_SUCCESS ||
      cuDevicePrimaryCtxRetain(&ctx, device) != CUDA_SUCCESS ||
      cuCtxSetCurrent(ctx) != CUDA_SUCCESS) {
    std::printf("capi_cuda: no usable GPU\n");
    return 100;
  }
  char error[512];
  linac_module *gdn = nullptr, *kda = nullptr;
  if (linac_cuda_module_load((dir + "/gdn64.cu").c_str(), &gdn, error, sizeof error) ||
      linac_cuda_module_load((dir + "/kda64.cu").c_str(), &kda, error, sizeof error)) {
    std::printf("capi_cuda: %s\n", error);
    return 100;
  }
  std::printf("# modules: %s [%s] %s; %s [%s]\n", linac_module_variant(gdn),
              linac_module_config(gdn), linac_module_signature(gdn),
              linac_module_variant(kda), linac_module_config(kda));

  Case a{"gdn bf16 in, strided q/k, GVA, h0, bf16 o", "gdn", Dims{2, 100, 2, 4, 64, 64}};
  a.h0 = true;
  a.padTo = 96;
  a.o = LINAC_BF16;
  a.limitO = 1e-2; // o rounded to bf16 (2^-9 relative per element)
  runCase(gdn, a, "gdn");
  Case b{"gdn f16 in, varlen 1,0,79,70, f32 o", "gdn", Dims{1, 150, 2, 2, 64, 64}};
  b.cu = {0, 1, 1, 80, 150};
  b.inputs = LINAC_F16;
  b.h0 = true;
  runCase(gdn, b, "gdn");
  Case c{"gdn f32 in, T=1, no h0", "gdn", Dims{3, 1, 1, 1, 64, 64}};
  c.inputs = LINAC_F32;
  runCase(gdn, c, "gdn");
  Case e{"kda bf16 in (bf16 mma), GVA, h0, f32 o", "kda", Dims{2, 130, 1, 2, 64, 64}};
  e.h0 = true;
  e.limitO = e.limitHt = 2e-2;
  runCase(kda, e, "kda");

  auto tensor = [](Call &c, const char *name) -> linac_tensor & {
    for (linac_tensor &t : c.tensors)
      if (std::strcmp(t.name, name) == 0)
        return t;
    std::printf("no tensor %s\n", name);
    std::exit(100);
  };
  std::vector<float> hostBuffer(1 << 20);
  badCase(gdn, "q on the host", "tensor 'q': 0x", [&](Call &c) {
    tensor(c, "q").data = hostBuffer.data();
  });
  badCase(gdn, "q's allocation too small", "tensor 'q': needs", [&](Call &c) {
    Tensor q = c.problem.inputs[0];
    tensor(c, "q") = upload(c.buf, q, LINAC_BF16, 0, 2);
    tensor(c, "q").name = "q";
  });
  badCase(gdn, "k of the wrong shape", "tensor 'k': expected shape [2, 40, 2, 64], got [2, 40, 2, 32]",
          [&](Call &c) { tensor(c, "k").shape[3] = 32; });
  badCase(gdn, "v of an unknown dtype", "tensor 'v': dtype 7 is not one of",
          [&](Call &c) { tensor(c, "v").dtype = static_cast<linac_dtype>(7); });
  badCase(gdn, "k's last dimension strided", "tensor 'k': the last dimension must be contiguous",
          [&](Call &c) { tensor(c, "k").strides[3] = 2; });
  badCase(gdn, "B and T not collapsible", "tensor 'v': B and T must be collapsible",
          [&](Call &c) { tensor(c, "v").strides[0] += 1; });
  badCase(gdn, "a missing tensor", "tensor 'b': missing", [&](Call &c) {
    for (size_t i = 0; i < c.tensors.size(); ++i)
      if (std::strcmp(c.tensors[i].name, "b") == 0)
        c.tensors.erase(c.tensors.begin() + i);
    c.args.tensors = c.tensors.data();
    c.args.num_tensors = static_cast<int>(c.tensors.size());
  });
  badCase(gdn, "an unknown tensor", "tensor 'beta': not a tensor of variant gdn",
          [&](Call &c) { tensor(c, "b").name = "beta"; });
  badCase(gdn, "K of another module", "K: the module is specialised for K=64, got 128",
          [&](Call &c) { c.args.K = 128; });
  badCase(gdn, "o too small", "o: needs", [&](Call &c) { c.args.T = 40; c.args.B = 2;
    c.args.o = reinterpret_cast<void *>(c.o + c.oBytes - 64); });
  badCase(gdn, "final state on the host", "final_state: 0x",
          [&](Call &c) { c.args.final_state = hostBuffer.data(); });
  badCase(gdn, "cu_seqlens not ending at T", "cu_seqlens: expected to start at 0 and end at T=80", [&](Call &c) {
    // B = 1, T = 80 over the same buffers (the first sequence's tokens).
    c.args.B = 1;
    c.args.T = 80;
    for (linac_tensor &t : c.tensors)
      if (t.ndim == 4 || (t.ndim == 3 && t.shape[0] == 2)) {
        t.shape[0] = 1;
        t.shape[1] = 80;
      }
    int64_t cu[3] = {0, 30, 79};
    CUdeviceptr d = c.buf.alloc(24);
    cuMemcpyHtoD(d, cu, 24);
    c.args.cu_seqlens = reinterpret_cast<const int64_t *>(d);
    c.args.num_sequences = 2;
  });
  badCase(gdn, "cu_seqlens on the host", "cu_seqlens: 0x", [&](Call &c) {
    static int64_t cu[2] = {0, 80};
    c.args.B = 1;
    c.args.T = 80;
    c.args.cu_seqlens = cu;
    c.args.num_sequences = 1;
  });
  {
    Case k;
    k.dims = Dims{2, 40, 2, 4, 64, 64};
    Call c;
    prepare(c, k, "gdn", 5);
    char err[256] = {0};
    linac_status st = linac_forward(gdn, &c.args, err, sizeof err);
    report("bad argument: linac_forward on a CUDA module",
           st == LINAC_ERROR_INVALID_ARGUMENT && std::strstr(err, "a CUDA module"), err);
  }
  linac_status st = linac_cuda_module_check(gdn, nullptr, error, sizeof error);
  report("no kernel reported an access outside a tensor", st == LINAC_OK,
         st == LINAC_OK ? "" : error);
  linac_module_free(gdn);
  linac_module_free(kda);
  std::printf("# %d failure(s)\n", failures);
  return failures;
}
