# lit configuration: FileCheck tests per construct, diagnostic, pass and tool.
import os
import lit.formats

config.name = "linac"
# External shell: tests check exact exit codes with `; test $? -eq 2`.
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".lin", ".mlir", ".test"]
config.excludes = ["goldens", "unit", "tools", "CMakeLists.txt", "lit.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.linac_obj_root, "test")

tool_dirs = [
    os.path.join(config.linac_obj_root, "tools", "linac"),
    os.path.join(config.linac_obj_root, "tools", "linac-opt"),
    os.path.join(config.linac_obj_root, "test", "tools"),
    config.llvm_tools_dir,
]
config.environment["PATH"] = os.pathsep.join(tool_dirs + [config.environment.get("PATH", os.environ.get("PATH", ""))])
config.substitutions.append(("%examples", os.path.join(config.linac_src_root, "examples")))
config.substitutions.append(("%runtime", os.path.join(config.linac_src_root, "runtime")))
config.substitutions.append(("%cxx", config.linac_cxx))
config.substitutions.append(("%cc", config.linac_cc))
config.substitutions.append(("%goldens", os.path.join(config.linac_src_root, "test", "goldens")))

# Compiled kernel modules go to a cache inside the build tree.
config.environment["LINAC_CACHE_DIR"] = os.path.join(config.test_exec_root, "kernel-cache")
for var in ["HOME", "LINAC_CXX"]:
    if var in os.environ:
        config.environment[var] = os.environ[var]

# NVRTC (linac --emit ptx) and ptxas, where the CUDA toolkit was found.
if config.linac_have_nvrtc == "ON":
    config.available_features.add("nvrtc")
ptxas = os.path.join(config.cuda_bin_dir, "ptxas") if config.cuda_bin_dir else ""
if ptxas and os.path.exists(ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
nvcc = os.path.join(config.cuda_bin_dir, "nvcc") if config.cuda_bin_dir else ""
if nvcc and os.path.exists(nvcc):
    config.available_features.add("nvcc")
    config.substitutions.append(("%nvcc", nvcc))
# A CUDA driver (a GPU machine): GPU runs are possible, "no driver" errors not.
try:
    import ctypes
    ctypes.CDLL("libcuda.so.1")
    config.available_features.add("cuda-driver")
except OSError:
    pass
