#!/usr/bin/env python3
"""Forward benchmark of linac's CUDA kernels (bench/run.sh runs it on a GPU).

Per case: linac's time (CUDA events around one forward call through the C
ABI, L2 flushed before each call, median of --reps), the floor (bytes of the
tensors as passed / the copy bandwidth measured in this run, or the chunked
FLOPs / the bf16 matmul rate measured in this run, whichever is larger;
MATH.md section 5), the ratio time / floor, and FLA's time for the same
problem measured in the same run when FLA is importable (--fla DIR puts an
exported FLA source tree on the path; the benchmark runs without it). The
ratio linac / FLA comes from the default kernel and FLA called in turn,
one call of each per round, after FLA's first calls (its autotuning).

Inputs: bf16 q/k/v and per-token gate inputs, fp32 parameters, K = V = 128,
layout [B, T, H, K]; o in bf16 and the final fp32 state are written (no
initial state). The time includes what a caller of linac_cuda_forward pays:
argument checks (for varlen, cu_seqlens is read back), workspace
allocation on the stream, and every kernel of the variant.

FLA runs the same recurrence with its own conventions: gates precomputed
(log gates = logsigmoid(randn), beta = sigmoid(randn)), q/k L2-normalised in
its kernel where the variant does that, final state written. For every
variant one of FLA's kernels computes (all examples but GDN-2) it also runs
once on linac's own inputs (gates, betas and norms computed from them as
the variant says), and the last column gives the largest difference of o
and of the final state relative to FLA's largest value.
"""

import argparse
import ctypes
import datetime
import math
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

REPO = Path(__file__).resolve().parent.parent
KV = 128
# 16 sequences, 65,536 tokens (the varlen row of ANCHORS.md); fixed lengths
# so every run times the same batch.
VARLEN = [8192, 512, 4096, 1000, 6000, 3000, 7000, 2048, 5000, 300, 9000,
          4500, 2500, 6500, 3000]
VARLEN.append(65536 - sum(VARLEN))

# name -> (variant, B, T, H, varlen)
CASES = {}
for v in ("gdn", "kda", "kda_safe"):
    CASES[f"{v} 1x8192x16"] = (v, 1, 8192, 16, False)
    CASES[f"{v} 8x4096x16"] = (v, 8, 4096, 16, False)
    CASES[f"{v} 4x16384x32"] = (v, 4, 16384, 32, False)
    CASES[f"{v} varlen 16 seqs"] = (v, 1, 65536, 16, True)
for v in ("linear_attention", "retnet", "simple_gla", "gla", "deltanet",
          "dplr", "gdn2"):
    CASES[f"{v} 8x4096x16"] = (v, 8, 4096, 16, False)

# Measured on an H100 (ANCHORS.md, 2026-11-21), shown beside this run's.
ANCHOR_FLA = {"gdn 1x8192x16": 0.652, "gdn 8x4096x16": 1.270,
              "gdn 4x16384x32": 4.839, "gdn varlen 16 seqs": 2.609,
              "kda 8x4096x16": 2.268}
# FlashKDA's semantics are KDA's safe gate, lower_bound * sigmoid(exp(A_log)
# (a + dt_bias)) with lower_bound = -5 (examples/kda_safe.lin); "kda" is the
# softplus gate, which FlashKDA does not compute (shown for reference).
ANCHOR_FLASHKDA = {f"{v} {shape}": ms for v in ("kda", "kda_safe")
                   for shape, ms in (("1x8192x16", 0.881), ("8x4096x16", 0.896),
                                     ("4x16384x32", 3.513), ("varlen 16 seqs", 2.634))}
# KDA's safe gate: the lower bound FlashKDA and Kimi Linear use.
KDA_LOWER_BOUND = -5.0

# Inputs whose declared range matters (examples/*.lin annotations).
LOGDECAY = {("gla", "g"), ("dplr", "g"), ("retnet", "gamma")}
UNIT = {("dplr", "iclr")}

F32, BF16 = 0, 1


class Tensor(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("data", ctypes.c_void_p),
                ("dtype", ctypes.c_int), ("ndim", ctypes.c_int),
                ("shape", ctypes.c_int64 * 4), ("strides", ctypes.c_int64 * 4)]


class ForwardArgs(ctypes.Structure):
    _fields_ = [("B", ctypes.c_int64), ("T", ctypes.c_int64),
                ("H", ctypes.c_int64), ("HV", ctypes.c_int64),
                ("K", ctypes.c_int64), ("V", ctypes.c_int64),
                ("cu_seqlens", ctypes.c_void_p),
                ("num_sequences", ctypes.c_int64), ("scale", ctypes.c_float),
                ("tensors", ctypes.POINTER(Tensor)),
                ("num_tensors", ctypes.c_int),
                ("initial_state", ctypes.c_void_p),
                ("final_state", ctypes.c_void_p), ("o", ctypes.c_void_p),
                ("o_dtype", ctypes.c_int)]


class Linac:
    def __init__(self, lib):
        self.lib = ctypes.CDLL(str(lib))
        L = self.lib
        L.linac_cuda_module_load.argtypes = [
            ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p,
            ctypes.c_size_t]
        L.linac_cuda_forward.argtypes = [
            ctypes.c_void_p, ctypes.POINTER(ForwardArgs), ctypes.c_void_p,
            ctypes.c_char_p, ctypes.c_size_t]
        L.linac_cuda_module_check.argtypes = [
            ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
        for f in ("linac_module_signature", "linac_module_config"):
            getattr(L, f).argtypes = [ctypes.c_void_p]
            getattr(L, f).restype = ctypes.c_char_p

    def load(self, source):
        module = ctypes.c_void_p()
        err = ctypes.create_string_buffer(4096)
        if self.lib.linac_cuda_module_load(str(source).encode(),
                                           ctypes.byref(module), err, 4096):
            raise RuntimeError(f"load {source}: {err.value.decode()}")
        return module


def parse_signature(sig):
    """'q[B,T,H,K] ... A_log[HV]' -> [(name, [dims])]."""
    return [(m.group(1), m.group(2).split(","))
            for m in re.finditer(r"(\w+)\[([\w,]+)\]", sig)]


def make_value(variant, name, shape, per_token, gen):
    x = torch.randn(shape, generator=gen, device="cuda", dtype=torch.float32)
    if (variant, name) in LOGDECAY:
        x = F.logsigmoid(x)
    elif (variant, name) in UNIT:
        x = torch.sigmoid(x)
    elif name == "A_log":
        x = torch.log(torch.rand(shape, generator=gen, device="cuda") * 15 + 1)
    elif name in ("q", "k", "v", "kk"):
        x = x * KV ** -0.5 if variant in ("linear_attention", "retnet") else x
    return x.to(torch.bfloat16 if per_token else torch.float32)


def time_ms(fn, reps, flush):
    """Median of `reps` calls, each timed alone with CUDA events after the
    L2 cache is flushed (a 256 MiB write)."""
    return time_interleaved([fn], reps, flush)[0]


def time_interleaved(fns, reps, flush):
    """time_ms for several functions at once, their calls taken in turn
    (one call of each per round): a case's variants then see the same
    clocks and temperature, which drift over a run by more than the
    differences a variant is made to measure."""
    for fn in fns:
        fn()
    torch.cuda.synchronize()
    times = [[] for _ in fns]
    for _ in range(reps):
        for fn, t in zip(fns, times):
            flush.zero_()
            start = torch.cuda.Event(enable_timing=True)
            end = torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            torch.cuda.synchronize()
            t.append(start.elapsed_time(end))
    return [statistics.median(t) for t in times]


def kernel_times(fn):
    """GPU time of each kernel of one call (torch's profiler, CUPTI): where a
    case's time goes when it runs several kernels."""
    from torch.profiler import profile, ProfilerActivity
    fn()
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        fn()
        torch.cuda.synchronize()
    parts = []
    for e in prof.key_averages():
        us = getattr(e, "device_time_total", None)
        if us is None:
            us = getattr(e, "cuda_time_total", 0)
        if us > 0:
            parts.append((us, e.key))
    parts.sort(reverse=True)
    return ", ".join(f"{name[:40]} {us / 1e3:.3f} ms" for us, name in parts[:6])


def measure_rates(flush):
    """Copy bandwidth (bytes read + written per second) and the bf16 matmul
    rate, both measured on this GPU now."""
    n = 1 << 30
    src = torch.empty(n, dtype=torch.uint8, device="cuda")
    dst = torch.empty_like(src)
    copy_ms = time_ms(lambda: dst.copy_(src), 10, flush)
    bandwidth = 2 * n / (copy_ms * 1e-3)
    del src, dst
    m = 8192
    a = torch.randn(m, m, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(m, m, device="cuda", dtype=torch.bfloat16)
    mm_ms = time_ms(lambda: a @ b, 10, flush)
    return bandwidth, 2 * m ** 3 / (mm_ms * 1e-3)


class LinacCase:
    """One variant and shape through linac_cuda_forward."""

    def __init__(self, linac, source, variant, B, T, H, varlen, gen):
        self.linac = linac
        self.module = linac.load(source)
        lib = linac.lib
        self.config = lib.linac_module_config(self.module).decode()
        sig = parse_signature(lib.linac_module_signature(self.module).decode())
        HV = H
        dims = {"B": B, "T": T, "H": H, "HV": HV, "K": KV, "V": KV}
        self.keep = []  # tensors referenced by the C structures
        self.inputs = {}  # the same, by name
        self.cu = None
        tensors = []
        self.bytes = 0
        for name, symbolic in sig:
            shape = [dims[d] for d in symbolic]
            per_token = symbolic[0] == "B"
            x = make_value(variant, name, shape, per_token, gen)
            self.keep.append(x)
            self.inputs[name] = x
            self.bytes += x.numel() * x.element_size()
            t = Tensor(name.encode(), x.data_ptr(), BF16 if per_token else F32,
                       len(shape))
            for i, (s, st) in enumerate(zip(shape, x.stride())):
                t.shape[i], t.strides[i] = s, st
            tensors.append(t)
        N = len(VARLEN) if varlen else B
        self.o = torch.empty(B, T, HV, KV, device="cuda", dtype=torch.bfloat16)
        self.ht = torch.empty(N, HV, KV, KV, device="cuda", dtype=torch.float32)
        self.bytes += self.o.numel() * 2 + self.ht.numel() * 4
        self.tensor_array = (Tensor * len(tensors))(*tensors)
        self.args = ForwardArgs(B=B, T=T, H=H, HV=HV, K=KV, V=KV,
                                tensors=ctypes.cast(self.tensor_array,
                                                    ctypes.POINTER(Tensor)),
                                num_tensors=len(tensors),
                                final_state=self.ht.data_ptr(),
                                o=self.o.data_ptr(), o_dtype=BF16)
        if varlen:
            cu = torch.tensor([0] + VARLEN, dtype=torch.int64).cumsum(0)
            self.cu = cu.cuda()
            self.args.cu_seqlens = self.cu.data_ptr()
            self.args.num_sequences = len(VARLEN)
        self.err = ctypes.create_string_buffer(4096)
        self.tokens_heads = T * B * HV

    def __call__(self):
        stream = torch.cuda.current_stream().cuda_stream
        if self.linac.lib.linac_cuda_forward(self.module, ctypes.byref(self.args),
                                             ctypes.c_void_p(stream), self.err, 4096):
            raise RuntimeError(self.err.value.decode())

    def check(self, finite=True):
        """The module's own checks, and (unless `finite` is False: a
        timing-only variant) finite outputs."""
        stream = torch.cuda.current_stream().cuda_stream
        if self.linac.lib.linac_cuda_module_check(self.module, ctypes.c_void_p(stream),
                                                  self.err, 4096):
            raise RuntimeError(self.err.value.decode())
        if finite and not (torch.isfinite(self.o).all() and torch.isfinite(self.ht).all()):
            raise RuntimeError("non-finite output")


def stub_missing_fla_dependencies():
    """FLA's forward kernels need torch and triton; its package also imports
    einops (for reference code) and packaging (version checks). Stand-ins
    where they are not installed: einops functions that refuse to run, and
    a numeric version parser."""
    import types
    try:
        import einops  # noqa: F401
    except ImportError:
        m = types.ModuleType("einops")
        def unavailable(*args, **kwargs):
            raise RuntimeError("einops is not installed")
        m.rearrange = m.repeat = m.reduce = m.einsum = unavailable
        sys.modules["einops"] = m
    try:
        import packaging.version  # noqa: F401
    except ImportError:
        pkg, ver = types.ModuleType("packaging"), types.ModuleType("packaging.version")
        ver.parse = lambda text: tuple(int(x) for x in re.findall(r"\d+", text)[:3])
        pkg.version = ver
        sys.modules["packaging"], sys.modules["packaging.version"] = pkg, ver


def fla_on_linac_inputs(lc, variant):
    """FLA's output and final state on linac's own inputs, for every variant
    that one of FLA's chunked kernels computes with the same semantics
    (scale K^-1/2 in both; gates, betas and norms that FLA takes computed
    are computed here from linac's inputs in fp32), else None."""
    x = lc.inputs
    q, k, v = x["q"], x["k"], x["v"]
    common = dict(output_final_state=True, cu_seqlens=lc.cu)
    if variant in ("gdn", "kda", "kda_safe"):
        # g = -exp(A_log) softplus(a + dt_bias) (the safe gate: bounded),
        # beta = sigmoid(b), q and k L2-normalised in the kernel.
        A, dt, a = x["A_log"].float(), x["dt_bias"].float(), x["a"].float()
        extra = {}
        if variant == "gdn":  # a [B, T, HV], A_log and dt_bias [HV]
            from fla.ops.gated_delta_rule import chunk_gated_delta_rule as f
            g = -A.exp() * F.softplus(a + dt)
        elif variant == "kda":  # a [B, T, HV, K], A_log [HV], dt_bias [HV, K]
            from fla.ops.kda import chunk_kda as f
            g = -A.exp()[:, None] * F.softplus(a + dt)
        else:  # the safe gate, which FLA then knows is bounded
            from fla.ops.kda import chunk_kda as f
            g = KDA_LOWER_BOUND * torch.sigmoid(A.exp()[:, None] * (a + dt))
            extra = dict(safe_gate=True, lower_bound=KDA_LOWER_BOUND)
        beta = torch.sigmoid(x["b"].float()).to(torch.bfloat16)
        return f(q, k, v, g, beta, use_qk_l2norm_in_kernel=True, **common, **extra)
    if variant == "linear_attention":
        from fla.ops.linear_attn import chunk_linear_attn as f
        return f(q, k, v, normalize=False, **common)
    if variant == "retnet":  # a constant log decay per head: FLA's g_gamma
        from fla.ops.simple_gla import chunk_simple_gla as f
        return f(q, k, v, g_gamma=x["gamma"].float().reshape(-1), **common)
    if variant == "simple_gla":  # g = -exp(A_log) softplus(dt + dt_bias), per head
        from fla.ops.simple_gla import chunk_simple_gla as f
        g = -x["A_log"].float().exp() * F.softplus(x["dt"].float() + x["dt_bias"].float())
        return f(q, k, v, g=g, **common)
    if variant == "gla":
        from fla.ops.gla import chunk_gla as f
        return f(q, k, v, x["g"], **common)
    if variant == "deltanet":
        from fla.ops.delta_rule import chunk_delta_rule as f
        beta = torch.sigmoid(x["b"].float()).to(torch.bfloat16)
        return f(q, k, v, beta, use_qk_l2norm_in_kernel=True, **common)
    if variant == "dplr":
        # FLA: S = exp(gk) S + k v^T + b (a^T S), a reading and b writing
        # (its naive dplr_recurrence); linac: S = decay(S, g) - (iclr kk)
        # (kk^T S) + k v^T with kk L2-normalised (scripts/fla_crosscheck.py).
        from fla.ops.generalized_delta_rule import chunk_dplr_delta_rule as f
        kk = F.normalize(x["kk"].float(), dim=-1)
        a = kk.to(torch.bfloat16)
        b = (-(x["iclr"].float() * kk)).to(torch.bfloat16)
        return f(q, k, v, a, b, x["g"], **common)
    return None


def rel_max_diff(mine, theirs):
    """max |mine - theirs| / max |theirs| (a float)."""
    theirs = theirs.float()
    return ((mine.float() - theirs).abs().max() / theirs.abs().max().clamp_min(1e-30)).item()


def compare_with_fla(lc, variant):
    """'max |linac - FLA| / max |FLA|' of o and of the final state, on the
    same inputs, or a reason why not."""
    try:
        ref = fla_on_linac_inputs(lc, variant)
        if ref is None:
            return "no FLA kernel with these semantics"
        lc()
        torch.cuda.synchronize()
        return f"o {rel_max_diff(lc.o, ref[0]):.1e}, ht {rel_max_diff(lc.ht, ref[1]):.1e}"
    except Exception as e:
        return f"compare failed ({type(e).__name__}: {str(e)[:60]})"


def compare_with_default(lc, default):
    """'max |variant - default| / max |default|' of o and of the final state,
    the variant run on the default kernel's inputs (a variant of the same
    case has the same signature and shapes): a variant that computes the
    same thing another way must agree to the rounding its change allows."""
    try:
        for name, x in lc.inputs.items():
            x.copy_(default.inputs[name])
        default()
        lc()
        torch.cuda.synchronize()
        return (f"vs default: o {rel_max_diff(lc.o, default.o):.1e}, "
                f"ht {rel_max_diff(lc.ht, default.ht):.1e}")
    except Exception as e:
        return f"vs default: compare failed ({type(e).__name__}: {str(e)[:60]})"


def fla_case(variant, B, T, H, varlen, gen):
    """FLA's chunked forward for the same problem, or a reason why not."""
    try:
        import fla.ops as ops  # noqa: F401
    except Exception as e:  # not importable: say why
        return None, f"FLA not importable ({type(e).__name__}: {e})"
    shape = (B, T, H, KV)
    def r(*s):
        return torch.randn(*s, generator=gen, device="cuda", dtype=torch.float32)
    q, k, v = (r(*shape).to(torch.bfloat16) for _ in range(3))
    g_head = F.logsigmoid(r(B, T, H)).to(torch.bfloat16)
    g_key = F.logsigmoid(r(*shape)).to(torch.bfloat16)
    beta = torch.sigmoid(r(B, T, H)).to(torch.bfloat16)
    cu = (torch.tensor([0] + VARLEN, dtype=torch.int64).cumsum(0).cuda()
          if varlen else None)
    common = dict(output_final_state=True, cu_seqlens=cu)
    if variant == "gdn":
        from fla.ops.gated_delta_rule import chunk_gated_delta_rule as f
        return (lambda: f(q, k, v, g_head, beta, use_qk_l2norm_in_kernel=True,
                          **common)), "chunk_gated_delta_rule"
    if variant == "kda":
        from fla.ops.kda import chunk_kda as f
        return (lambda: f(q, k, v, g_key, beta, use_qk_l2norm_in_kernel=True,
                          **common)), "chunk_kda"
    if variant == "kda_safe":  # FlashKDA's semantics: the gate fused, bounded
        from fla.ops.kda import chunk_kda as f
        a_raw = r(*shape).to(torch.bfloat16)
        A_log = torch.log(torch.rand(H, generator=gen, device="cuda") * 15 + 1)
        dt_bias = r(H * KV)
        return (lambda: f(q, k, v, a_raw, beta, use_qk_l2norm_in_kernel=True,
                          use_gate_in_kernel=True, safe_gate=True,
                          lower_bound=KDA_LOWER_BOUND, A_log=A_log, dt_bias=dt_bias,
                          **common)), "chunk_kda (safe gate)"
    if variant == "gla":
        from fla.ops.gla import chunk_gla as f
        return (lambda: f(q, k, v, g_key, **common)), "chunk_gla"
    if variant == "simple_gla":
        from fla.ops.simple_gla import chunk_simple_gla as f
        return (lambda: f(q, k, v, g_head, **common)), "chunk_simple_gla"
    if variant == "retnet":
        from fla.ops.retention import chunk_retention as f
        return (lambda: f(q, k, v, **common)), "chunk_retention"
    if variant == "deltanet":
        from fla.ops.delta_rule import chunk_delta_rule as f
        return (lambda: f(q, k, v, beta, use_qk_l2norm_in_kernel=True,
                          **common)), "chunk_delta_rule"
    if variant == "linear_attention":
        from fla.ops.linear_attn import chunk_linear_attn as f
        return (lambda: f(q, k, v, normalize=False, **common)), "chunk_linear_attn"
    if variant == "dplr":
        from fla.ops.generalized_delta_rule import chunk_dplr_delta_rule as f
        kk = F.normalize(r(*shape), dim=-1)
        a, b = (-kk).to(torch.bfloat16), (kk * beta[..., None]).to(torch.bfloat16)
        return (lambda: f(q, k, v, a, b, g_key, **common)), "chunk_dplr_delta_rule"
    return None, "no FLA kernel for this variant"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--lib", required=True, help="liblinac.so")
    p.add_argument("--kernels", required=True,
                   help="directory of emitted sources, NAME.cu per case (bench/run.sh)")
    p.add_argument("--cases", default="", help="regex selecting case names")
    p.add_argument("--fla", default="", help="directory holding an FLA source tree (fla/)")
    p.add_argument("--fla-cases", default=".", help="regex: cases FLA runs on")
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--out", default="", help="append the markdown table here")
    p.add_argument("--kernel-times", action="store_true",
                   help="after each row, the GPU time of each kernel (torch profiler)")
    a = p.parse_args()
    if a.fla:
        sys.path.insert(0, a.fla)
        stub_missing_fla_dependencies()
    linac = Linac(a.lib)
    gen = torch.Generator(device="cuda")
    gen.manual_seed(0)
    flush = torch.empty(256 << 20, dtype=torch.uint8, device="cuda")
    bandwidth, mm_rate = measure_rates(flush)
    name = torch.cuda.get_device_name()
    lines = [f"# {name}, {datetime.date.today()}, torch {torch.__version__}, "
             f"copy {bandwidth / 1e12:.2f} TB/s, bf16 matmul {mm_rate / 1e12:.0f} TFLOP/s "
             f"(both measured now), median of {a.reps}; linac / FLA from the two "
             f"called in turn",
             "",
             "| case | config | linac ms | floor ms | ratio | FLA ms (this run) | "
             "linac / FLA | FLA ms (ANCHORS) | FlashKDA ms (ANCHORS) | "
             "linac vs FLA, same inputs |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    print("\n".join(lines), flush=True)

    def emit(row):
        """Prints a row and appends it to --out at once, so that a run cut
        short (a device call's time limit) keeps the rows it measured."""
        print(row, flush=True)
        lines.append(row)
        if a.out:
            with open(a.out, "a") as f:
                f.write(row + "\n")

    if a.out:
        with open(a.out, "a") as f:
            f.write("\n".join(lines) + "\n")
    runs = []  # (case, kernel source): the default config, then any others
    for case in CASES:
        if re.search(a.cases, case):
            stem = case.replace(" ", "_")
            runs.append((case, Path(a.kernels) / (stem + ".cu")))
            runs += [(case, f) for f in sorted(Path(a.kernels).glob(stem + "@*.cu"))]
    # A case's kernel sources (the default config, then the others) are
    # timed together, their calls interleaved (time_interleaved); each row
    # is written as soon as its group is timed.
    for case in dict.fromkeys(c for c, _ in runs):
        variant, B, T, H, varlen = CASES[case]
        group = []
        for c, fname in runs:
            if c != case:
                continue
            try:
                group.append((fname, LinacCase(linac, fname, variant, B, T, H, varlen, gen)))
            except Exception as e:
                emit(f"| {case} | | failed: {e} | | | | | | | |")
        try:
            times = time_interleaved([lc for _, lc in group], a.reps, flush)
        except Exception as e:
            emit(f"| {case} | | failed: {e} | | | | | | | |")
            group, times = [], []
        for (fname, lc), ms in zip(group, times):
            # A variant tagged @timing-... (a library switch that bounds a
            # cost and breaks the outputs) is timed, its outputs not checked.
            timing_only = "@timing-" in fname.name
            try:
                lc.check(finite=not timing_only)
            except Exception as e:
                emit(f"| {case} | | failed: {e} | | | | | | | |")
                continue
            fla_first = fname.name == case.replace(" ", "_") + ".cu"
            row = case_row(a, case, fname, lc, ms, fla_first, bandwidth, mm_rate, flush, gen)
            if timing_only:
                row = row[:-2] + "timing only: outputs wrong by design, not compared |"
            elif not fla_first and group and group[0][0].name == case.replace(" ", "_") + ".cu":
                # A variant: the last column compares it with the default.
                row = row[:-2] + compare_with_default(lc, group[0][1]) + " |"
            emit(row)
            if a.kernel_times:
                try:
                    print(f"  kernels of {case} ({lc.config}): {kernel_times(lc)}", flush=True)
                except Exception as e:
                    print(f"  kernel times unavailable: {e}", flush=True)
        del group
        torch.cuda.empty_cache()
    if a.out:
        with open(a.out, "a") as f:
            f.write("\n")


def case_row(a, case, fname, lc, ms, fla_first, bandwidth, mm_rate, flush, gen):
    """One table row: linac's time against the floor, and FLA's time and
    agreement (the case's default config only, where FLA is asked for)."""
    variant, B, T, H, varlen = CASES[case]
    flops = lc.tokens_heads * 2 * (5 * 64 * KV + 3 * KV * KV)
    floor = max(lc.bytes / bandwidth, flops / mm_rate) * 1e3
    fla_ms, pair_ms, fla_note, agree = "", "", "", ""
    if fla_first and a.fla_cases and re.search(a.fla_cases, case):
        try:
            fn, fla_note = fla_case(variant, B, T, H, varlen, gen)
            if fn is not None:
                # FLA's first calls (its autotuning, compiles) before any
                # timing; then linac and FLA called in turn, so that the
                # ratio compares calls under the same clocks (FLA's times
                # alone moved by 20-27% between two runs on one machine,
                # linac's by under 2%: bench/results/bench-h100.md).
                for _ in range(3):
                    fn()
                torch.cuda.synchronize()
                pair_ms, fla_ms = time_interleaved([lc, fn], a.reps, flush)
        except Exception as e:
            fla_note = f"FLA failed ({type(e).__name__}: {str(e)[:80]})"
        if fla_ms:
            agree = compare_with_fla(lc, variant)
    # (with linac's time in those rounds, which the ratio divides)
    speed = f"{pair_ms / fla_ms:.2f} ({pair_ms:.3f} in turn)" if fla_ms else ""
    fla_cell = f"{fla_ms:.3f}" if fla_ms else (fla_note or "not run")
    # A kernel file named CASE@TAG.cu (CONFIGS, or a variant made by
    # hand) is labelled with its tag too.
    tag = fname.stem.partition("@")[2]
    label = lc.config + (f" [@{tag}]" if tag else "")
    return (f"| {case} | {label} | {ms:.3f} | {floor:.3f} | {ms / floor:.1f} | "
            f"{fla_cell} | {speed} | {ANCHOR_FLA.get(case, '')} | "
            f"{ANCHOR_FLASHKDA.get(case, '')} | {agree} |")


if __name__ == "__main__":
    main()
