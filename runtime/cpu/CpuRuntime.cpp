//===- CpuRuntime.cpp -----------------------------------------------------===//
#include "runtime/cpu/CpuRuntime.h"
#include "runtime/InputDtypes.h"
#include "runtime/SequenceOrder.h"

#include <algorithm>
#include <dlfcn.h>

namespace linac {

CpuModule::~CpuModule() {
  if (handle)
    dlclose(handle);
}

std::string CpuModule::load(const std::string &path,
                            std::unique_ptr<CpuModule> &out) {
  auto m = std::unique_ptr<CpuModule>(new CpuModule());
  m->handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!m->handle)
    return std::string("cannot load the kernel module: ") + dlerror();
  using Entry = const tile::ModuleInfo *(*)();
  auto entry = reinterpret_cast<Entry>(dlsym(m->handle, "linac_module"));
  if (!entry)
    return "'" + path + "' exports no linac_module";
  // Its tables must have this runtime's layout.
  using Abi = int (*)();
  auto abi = reinterpret_cast<Abi>(dlsym(m->handle, "linac_module_abi"));
  int version = abi ? abi() : 1;
  if (version != tile::kModuleAbi)
    return "'" + path + "' was built with module tables of version " +
           std::to_string(version) + ", this runtime reads version " +
           std::to_string(tile::kModuleAbi) + ": emit and build it again";
  m->info_ = entry();
  out = std::move(m);
  return "";
}

std::string CpuModule::run(tile::Launch &L,
                           std::vector<std::vector<float>> &storage) const {
  const tile::ModuleInfo &mi = *info_;
  int64_t maxLen = 0;
  for (int64_t n = 0; n < L.N; ++n)
    maxLen = std::max(maxLen, L.cuSeqlens.empty()
                                  ? L.T
                                  : L.cuSeqlens[n + 1] - L.cuSeqlens[n]);
  L.chunks = tile::num_chunks(maxLen, mi.chunk);
  L.seqOrder = longestFirst(L.cuSeqlens);
  // Globals point into `storage`: reserve so that adding never moves it.
  storage.reserve(storage.size() + 2 + static_cast<size_t>(mi.numWorkspaces));
  auto add = [&](const std::string &name, int64_t rows, int64_t heads,
                 int64_t cols) {
    storage.emplace_back(static_cast<size_t>(rows * heads * cols), 0.0f);
    L.globals.push_back({name, storage.back().data(), rows, heads, cols});
  };
  add("ht", L.N, L.HV, L.K * L.V);
  add("o", L.B * L.T, L.HV, L.V);
  for (const tile::Global &g : L.globals)
    for (int a = 0; a < mi.numArgs; ++a)
      if (g.name == mi.args[a].name)
        if (auto err = checkInputDtype(mi.config, g.name, mi.args[a].isParam != 0,
                                       mi.args[a].width, g.dtype);
            !err.empty())
          return err;
  for (int i = 0; i < mi.numWorkspaces; ++i) {
    const tile::WorkspaceInfo &w = mi.workspaces[i];
    add(w.name, L.N * L.HV * tile::workspace_slots(L.chunks, w.slotChunks), 1,
        w.rows * w.cols);
    L.globals.back().bf16 = w.elementBytes == 2; // stored rounded (as floats here)
  }
  for (int k = 0; k < mi.numKernels; ++k) {
    const tile::KernelInfo &kernel = mi.kernels[k];
    int64_t extent[3] = {1, 1, 1};
    for (int i = 0; i < 3; ++i) {
      std::string g = kernel.grid[i];
      if (g == "seq")
        extent[i] = L.N;
      else if (g == "head")
        extent[i] = L.HV;
      else if (g == "vtile")
        extent[i] = kernel.vtileCols > 0 ? L.V / kernel.vtileCols : 1;
      else if (g == "chunk")
        extent[i] = L.chunks;
      else if (g == "segment" || g == "segment_vtile")
        extent[i] = (kernel.segmentChunks > 0
                         ? tile::num_chunks(L.chunks, kernel.segmentChunks)
                         : 1) *
                    (g == "segment_vtile" && kernel.vtileCols > 0 ? L.V / kernel.vtileCols : 1);
      else if (!g.empty())
        return "kernel " + std::string(kernel.name) +
               ": unknown grid dimension '" + g + "'";
    }
    if (kernel.vtileCols > 0 && L.V % kernel.vtileCols != 0)
      return "kernel " + std::string(kernel.name) + " is built for V tiles of " +
             std::to_string(kernel.vtileCols) + " columns; V = " +
             std::to_string(L.V) + " is not a multiple";
    if (!L.seqOrder.empty() &&
        (std::string(kernel.grid[0]) != "seq" || std::string(kernel.grid[1]) != "head" ||
         static_cast<int64_t>(L.seqOrder.size()) != L.N))
      return "kernel " + std::string(kernel.name) +
             ": a sequence order needs a grid that starts with (seq, head)";
    // Blocks in the GPU's launch order (x fastest), each at its position.
    for (int64_t c = 0; c < extent[2]; ++c)
      for (int64_t b = 0; b < extent[1]; ++b)
        for (int64_t a = 0; a < extent[0]; ++a) {
          int64_t seq, head;
          tile::launch_position(L, a, b, extent[0], extent[1], seq, head);
          tile::Block blk(L, seq, head, c);
          kernel.fn(L, blk);
          if (L.failed())
            return "kernel " + std::string(kernel.name) + ", block (" +
                   std::to_string(seq) + ", " + std::to_string(head) + ", " +
                   std::to_string(c) + "): " + L.error;
        }
  }
  return "";
}

std::string runCpuModule(const std::string &path, const Problem &p,
                         Result &result, int dtype) {
  std::unique_ptr<CpuModule> module;
  if (auto err = CpuModule::load(path, module); !err.empty())
    return err;
  const Dims &d = p.dims;
  const int64_t N = p.numSequences();
  tile::Launch L;
  L.B = d.B;
  L.T = d.T;
  L.H = d.H;
  L.HV = d.HV;
  L.K = d.K;
  L.V = d.V;
  L.N = N;
  L.cuSeqlens = p.cuSeqlens;
  L.hasInitialState = p.h0.has_value();
  L.scale = static_cast<float>(p.scale);

  std::vector<std::vector<float>> storage;
  storage.reserve(p.inputs.size() + p.params.size() + 1);
  auto add = [&](const std::string &name, int64_t rows, int64_t heads,
                 int64_t cols, const std::vector<double> &src) {
    storage.emplace_back(src.begin(), src.end());
    L.globals.push_back({name, storage.back().data(), rows, heads, cols});
  };
  for (const Tensor &t : p.inputs) { // [B, T, heads(, D)]
    add(t.name, d.B * d.T, t.shape[2], t.shape.size() > 3 ? t.shape[3] : 1,
        t.data);
    L.globals.back().dtype = dtype;
  }
  for (const Tensor &t : p.params) // [HV(, D)]
    add(t.name, 1, t.shape[0], t.shape.size() > 1 ? t.shape[1] : 1, t.data);
  if (p.h0)
    add("h0", N, d.HV, d.K * d.V, p.h0->data);
  if (auto err = module->run(L, storage); !err.empty())
    return err;
  auto fetch = [&](const std::string &name) -> const std::vector<float> & {
    for (size_t i = 0; i < L.globals.size(); ++i)
      if (L.globals[i].name == name)
        return storage[i];
    return storage.front();
  };
  const std::vector<float> &o = fetch("o"), &ht = fetch("ht");
  result.o = {"o", {d.B, d.T, d.HV, d.V}, std::vector<double>(o.begin(), o.end())};
  result.ht = {"ht", {N, d.HV, d.K, d.V}, std::vector<double>(ht.begin(), ht.end())};
  return "";
}

} // namespace linac
