//===- CudaModule.cpp -----------------------------------------------------===//
#include "runtime/cuda/CudaModule.h"
#include "runtime/cuda/NvrtcCompiler.h"
#include "runtime/Directories.h"
#include "runtime/Hash.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace linac {

namespace {
#include "EmbeddedCudaHeader.inc"

bool readFile(const std::string &path, std::string &out) {
  std::ifstream f(path, std::ios::binary);
  if (!f)
    return false;
  std::stringstream s;
  s << f.rdbuf();
  out = s.str();
  return true;
}

bool writeAtomically(const std::string &path, const std::string &data) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream f(tmp, std::ios::binary);
    f << data;
    if (!f)
      return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

double msSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - t0)
      .count();
}
} // namespace

std::string cudaErrorText(CUresult r) {
  const char *s = nullptr;
  cuGetErrorString(r, &s);
  return s ? s : "unknown CUDA error";
}

std::string parseModuleInfo(const std::string &source, CudaModuleInfo &info) {
  std::istringstream lines(source);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("// linac:", 0) != 0)
      continue;
    std::istringstream w(line.substr(9));
    std::string kind;
    w >> kind;
    if (kind == "kernel") {
      CudaModuleInfo::Kernel k;
      w >> k.entry >> k.grid[0] >> k.grid[1] >> k.grid[2] >> k.vtileCols >>
          k.segmentChunks >> k.sharedBytes >> k.regBytes >> k.threads;
      for (std::string &g : k.grid)
        if (g == "-")
          g.clear();
      if (!w)
        return "bad module line: " + line;
      info.kernels.push_back(k);
    } else if (kind == "workspace") {
      CudaModuleInfo::Workspace ws;
      w >> ws.name >> ws.rows >> ws.cols >> ws.slotChunks >> ws.elementBytes;
      if (!w || ws.slotChunks < 1 || (ws.elementBytes != 4 && ws.elementBytes != 2))
        return "bad module line: " + line;
      info.workspaces.push_back(ws);
    } else if (kind == "module") {
      w >> info.variant >> info.chunk >> info.K >> info.V;
    } else if (kind == "config") {
      w >> info.config;
    } else if (kind == "arg") {
      CudaModuleInfo::Arg a;
      int p, h;
      w >> a.name >> p >> h >> a.width;
      a.isParam = p;
      a.perH = h;
      info.args.push_back(a);
    }
  }
  if (info.kernels.empty() || info.chunk <= 0)
    return "the source describes no kernels (no '// linac:' lines)";
  return "";
}

std::string deviceArch(CUdevice device) {
  int major = 0, minor = 0;
  cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
  cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
  std::string arch = "sm_" + std::to_string(major) + std::to_string(minor);
  return major == 9 && minor == 0 ? arch + "a" : arch;
}

std::string usePrimaryContext(CUdevice *deviceOut, CUcontext *contextOut) {
  int count = 0;
  if (CUresult r = cuInit(0); r != CUDA_SUCCESS)
    return describeCudaError("cuInit", r);
  if (cuDeviceGetCount(&count) != CUDA_SUCCESS || count == 0)
    return "no CUDA GPU";
  CUdevice device;
  CUcontext context;
  if (CUresult r = cuDeviceGet(&device, 0); r != CUDA_SUCCESS)
    return describeCudaError("device 0", r);
  if (CUresult r = cuDevicePrimaryCtxRetain(&context, device); r != CUDA_SUCCESS)
    return describeCudaError("primary context of device 0", r);
  if (CUresult r = cuCtxSetCurrent(context); r != CUDA_SUCCESS)
    return describeCudaError("primary context of device 0", r);
  if (deviceOut)
    *deviceOut = device;
  if (contextOut)
    *contextOut = context;
  return "";
}

CudaModule::~CudaModule() {
  if (module)
    cuModuleUnload(module);
  // Memory still in use by queued work is released when that work ends.
  if (pool_)
    cuMemPoolDestroy(pool_);
}

std::string CudaModule::load(const std::string &source,
                             const std::string &cacheDir, LoadStats &stats,
                             const std::string &archOverride) {
  if (auto err = parseModuleInfo(source, info_); !err.empty())
    return err;
  CUdevice device;
  if (CUresult r = cuCtxGetDevice(&device); r != CUDA_SUCCESS)
    return "no current CUDA context: " + cudaErrorText(r);
  char name[256] = {};
  cuDeviceGetName(name, sizeof name, device);
  int driver = 0;
  cuDriverGetVersion(&driver);
  std::string arch = archOverride.empty() ? deviceArch(device) : archOverride;
  const bool ptxOnly = arch.rfind("compute_", 0) == 0;
  std::string key = hashHex(source + "\n" + kCudaTileHeader + "\n" + arch +
                            "\n" + nvrtcVersion() + "\n" + name + "\n" +
                            std::to_string(driver));
  if (!makeDirectories(cacheDir))
    return "cannot create the module cache directory '" + cacheDir + "'";
  std::string cubinPath = cacheDir + "/" + key + ".cubin";
  std::string sumPath = cacheDir + "/" + key + ".sum";

  auto t0 = std::chrono::steady_clock::now();
  std::string cubin, sum;
  bool cached = readFile(cubinPath, cubin) && readFile(sumPath, sum);
  if (cached && sum != hashHex(cubin)) {
    stats.rebuiltCorrupt = true; // checksum mismatch: rebuild
    cached = false;
  }
  if (!cached) {
    NvrtcOutput out;
    if (auto err = nvrtcCompile(source, arch, !ptxOnly, out); !err.empty())
      return err;
    cubin = ptxOnly ? out.ptx + std::string(1, '\0') : out.cubin;
    if (!writeAtomically(cubinPath, cubin) ||
        !writeAtomically(sumPath, hashHex(cubin)))
      return "cannot write the module cache in '" + cacheDir + "'";
    stats.compileMs = msSince(t0);
  }
  stats.cacheHit = cached;
  auto t1 = std::chrono::steady_clock::now();
  if (CUresult r = cuModuleLoadData(&module, cubin.data()); r != CUDA_SUCCESS)
    return std::string("cannot load the ") + (ptxOnly ? "PTX" : "cubin") +
           ": " + cudaErrorText(r);
  int sharedLimit = 0;
  cuDeviceGetAttribute(&sharedLimit,
                       CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
                       device);
  for (const CudaModuleInfo::Kernel &k : info_.kernels) {
    if (k.sharedBytes > sharedLimit)
      return "kernel '" + k.entry + "' needs " +
             std::to_string((k.sharedBytes + 1023) / 1024) +
             " KiB of shared memory per block; this GPU allows " +
             std::to_string(sharedLimit / 1024) + " KiB";
    CUfunction f;
    if (CUresult r = cuModuleGetFunction(&f, module, k.entry.c_str());
        r != CUDA_SUCCESS)
      return "kernel '" + k.entry + "' not in the module: " + cudaErrorText(r);
    if (k.sharedBytes > 48 * 1024)
      if (CUresult r = cuFuncSetAttribute(
              f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
              static_cast<int>(k.sharedBytes));
          r != CUDA_SUCCESS)
        return "kernel '" + k.entry + "': cannot allow " +
               std::to_string(k.sharedBytes) + " bytes of shared memory: " +
               cudaErrorText(r);
    functions.push_back(f);
  }
  // The calls' workspaces and scratch come from a pool of the module's
  // own that keeps up to kPoolKeepBytes between calls: from the context's
  // default pool, which returns its memory at every synchronisation, each
  // call mapped fresh memory (H200, GDN 1x8192x16: 0.42 ms of host time per
  // call, 0.35 ms of it before the first kernel; bench/call_overhead.py).
  // Without a pool (a driver that refuses one) calls use the default pool.
  CUmemPoolProps props{};
  props.allocType = CU_MEM_ALLOCATION_TYPE_PINNED;
  props.handleTypes = CU_MEM_HANDLE_TYPE_NONE;
  props.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
  props.location.id = static_cast<int>(device);
  if (cuMemPoolCreate(&pool_, &props) == CUDA_SUCCESS) {
    cuuint64_t keep = kPoolKeepBytes;
    cuMemPoolSetAttribute(pool_, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, &keep);
  } else {
    pool_ = nullptr;
  }
  stats.loadMs = msSince(t1);
  return "";
}

} // namespace linac
