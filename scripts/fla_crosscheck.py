#!/usr/bin/python3
"""Cross-check linac's float64 reference interpreter against FLA's naive recurrences.

FLA (flash-linear-attention) ships token-by-token reference loops written
independently of linac.  This script feeds them the inputs of a reference dump
(`linac run X.lin --target reference --dump DIR`), applies each variant's
pre-processing (l2norm, gates, ...) itself in float64, and compares FLA's o and
final states with the dump's o.npy / ht.npy.

Usage:
  fla_crosscheck.py --export-fla [DIR] [--mirror GITDIR]
      Extract the four naive.py files used here from the FLA git mirror into
      DIR (default: <repo>/.fla, git-ignored; FLA code is never committed).
  fla_crosscheck.py [--variant gdn|kda|gla|dplr] DUMPDIR [--fla DIR] [--out OUTDIR] [--tol 1e-10]
      Compute FLA's o and ht in float64, print the relative Frobenius errors
      ||x - ref|| / ||ref|| against the dump, exit 1 if either exceeds --tol.
      With --out, also write OUTDIR/o.npy and OUTDIR/ht.npy.

Requires torch and numpy only (einops is stubbed if absent: the recurrent
functions used do not call it).
"""

import argparse
import contextlib
import importlib.util
import json
import math
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parent.parent
DEFAULT_FLA = REPO / ".fla"
DEFAULT_MIRROR = Path("/work/.mirror/fla-org+flash-linear-attention/repo")

NAIVE_FILES = {
    "gdn": "fla/ops/gated_delta_rule/naive.py",
    "kda": "fla/ops/kda/naive.py",
    "gla": "fla/ops/gla/naive.py",
    "dplr": "fla/ops/generalized_delta_rule/dplr/naive.py",
}


# --------------------------------------------------------------------------
# Getting and loading FLA


def export_fla(dest, mirror):
    git = ["git", f"--git-dir={mirror}"]
    rev = subprocess.run(git + ["rev-parse", "HEAD"], capture_output=True, text=True)
    if rev.returncode != 0:
        sys.exit(f"cannot read FLA mirror {mirror}: {rev.stderr.strip()}")
    commit = rev.stdout.strip()
    dest.mkdir(parents=True, exist_ok=True)
    archive = subprocess.Popen(git + ["archive", "HEAD", *NAIVE_FILES.values()],
                               stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(dest)], stdin=archive.stdout, check=True)
    archive.stdout.close()
    if archive.wait() != 0:
        sys.exit(f"git archive failed (mirror {mirror})")
    (dest / "FLA_COMMIT").write_text(commit + "\n")
    print(f"exported FLA {commit} naive recurrences to {dest}")


class _Float64Torch:
    """Stands in for `torch` inside FLA's modules: their float32 casts become float64."""

    def __getattr__(self, name):
        if name in ("float32", "float"):
            return torch.float64
        return getattr(torch, name)


@contextlib.contextmanager
def _tensor_float_is_double():
    # `x.float()` is a method call, which the module-level proxy cannot see.
    had_own = "float" in torch.Tensor.__dict__
    saved = torch.Tensor.__dict__.get("float")
    torch.Tensor.float = lambda self, *a, **kw: self.double(*a, **kw)
    try:
        yield
    finally:
        if had_own:
            torch.Tensor.float = saved
        else:
            del torch.Tensor.float


def load_naive(fla_dir, variant):
    path = fla_dir / NAIVE_FILES[variant]
    if not path.is_file():
        sys.exit(f"{path} not found; run `{Path(__file__).name} --export-fla` first")
    if "einops" not in sys.modules and importlib.util.find_spec("einops") is None:
        stub = types.ModuleType("einops")

        def rearrange(*_a, **_kw):
            raise NotImplementedError("einops stub: not expected to be called")

        stub.rearrange = rearrange
        sys.modules["einops"] = stub
    # Load by path under a private name: importing the `fla` package would pull in triton.
    spec = importlib.util.spec_from_file_location(f"_fla_naive_{variant}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.torch = _Float64Torch()
    return mod


# --------------------------------------------------------------------------
# Pre-processing, as linac's DSL defines it


def l2norm(x):
    # As linac (and FLA's fused kernel): x / sqrt(sum(x^2) + 1e-6).
    return x / torch.sqrt((x * x).sum(-1, keepdim=True) + 1e-6)


def softplus(x):
    # Exact everywhere; F.softplus switches to x above 20, an error of ~2e-9.
    return torch.clamp(x, min=0) + torch.log1p(torch.exp(-x.abs()))


def expand_heads(x, hv):
    """[B,T,H,...] -> [B,T,HV,...]: value head h reads query/key head h // (HV/H)."""
    g = hv // x.shape[2]
    return x if g == 1 else x.repeat_interleave(g, dim=2)


def run_gdn(mod, t, p, h0, scale, hv):
    q = expand_heads(l2norm(t["q"]), hv)  # FLA's GDN loop has no GVA
    k = expand_heads(l2norm(t["k"]), hv)
    g = -torch.exp(p["A_log"]) * softplus(t["a"] + p["dt_bias"])
    beta = torch.sigmoid(t["b"])
    return mod.naive_recurrent_gated_delta_rule(
        q=q, k=k, v=t["v"], beta=beta, g=g, scale=scale,
        initial_state=h0, output_final_state=True)


def run_kda(mod, t, p, h0, scale, hv):
    q, k = l2norm(t["q"]), l2norm(t["k"])  # GVA handled by FLA itself
    g = -torch.exp(p["A_log"])[:, None] * softplus(t["a"] + p["dt_bias"])
    beta = torch.sigmoid(t["b"])
    return mod.naive_recurrent_kda(
        q=q, k=k, v=t["v"], g=g, beta=beta, scale=scale,
        initial_state=h0, output_final_state=True)


def _rescale_q(q, scale):
    # GLA and DPLR hard-code K**-0.5 on q; o is linear in q, so fold any other scale in.
    fla_scale = q.shape[-1] ** -0.5
    return q if scale == fla_scale else q * (scale / fla_scale)


def run_gla(mod, t, p, h0, scale, hv):
    q = _rescale_q(expand_heads(t["q"], hv), scale)
    k = expand_heads(t["k"], hv)
    return mod.naive_recurrent_gla(q=q, k=k, v=t["v"], gk=t["g"],
                                   initial_state=h0, output_final_state=True)


def run_dplr(mod, t, p, h0, scale, hv):
    q = _rescale_q(expand_heads(t["q"], hv), scale)
    k = expand_heads(t["k"], hv)
    kk = l2norm(t["kk"])
    # FLA: S = S*exp(gk) + k v^T + beta (alpha^T S_prev); alpha reads, beta writes.
    # linac: S = decay(S, g) - (iclr*kk) (kk^T S_prev) + k v^T.
    alpha, beta = kk, -(t["iclr"] * kk)
    # This one is laid out [B, H, T, D].
    bhtd = [x.transpose(1, 2) for x in (q, k, t["v"], alpha, beta, t["g"])]
    o, ht = mod.dplr_recurrence(*bhtd, initial_state=h0, output_final_state=True)
    return o.transpose(1, 2), ht


# Per variant: runner, per-token inputs and params with their trailing dims.
QKV = {"q": ("K",), "k": ("K",), "v": ("V",)}
VARIANTS = {
    "gdn": (run_gdn, {**QKV, "a": (), "b": ()}, {"A_log": (), "dt_bias": ()}),
    "kda": (run_kda, {**QKV, "a": ("K",), "b": ()}, {"A_log": (), "dt_bias": ("K",)}),
    "gla": (run_gla, {**QKV, "g": ("K",)}, {}),
    "dplr": (run_dplr, {**QKV, "kk": ("K",), "iclr": ("K",), "g": ("K",)}, {}),
}


# --------------------------------------------------------------------------
# Driver


def load_f64(path):
    if not path.is_file():
        sys.exit(f"{path} missing")
    a = np.load(path)
    if a.dtype != np.float64:
        sys.exit(f"{path}: expected float64, got {a.dtype}")
    return torch.from_numpy(a)


def fla_outputs(variant, dump, fla_dir):
    """FLA's (o [B,T,HV,V], ht [N,HV,K,V]) for a dump, in float64."""
    meta = json.loads((dump / "meta.json").read_text())
    B, T, H, HV, K, V = (meta[x] for x in ("B", "T", "H", "HV", "K", "V"))
    if meta.get("variant") != variant:
        print(f"note: dump variant is {meta.get('variant')!r}, checking as {variant!r}")
    if HV % H:
        sys.exit(f"HV={HV} is not a multiple of H={H}")
    run, tok_dims, par_dims = VARIANTS[variant]
    mod = load_naive(fla_dir, variant)

    size = {"K": K, "V": V}

    def load_checked(name, shape):
        x = load_f64(dump / f"{name}.npy")
        if tuple(x.shape) != shape:
            sys.exit(f"{name}.npy: shape {tuple(x.shape)}, expected {shape} for {variant}")
        return x

    tok = {n: load_checked(n, (B, T, H if n in ("q", "k") else HV, *(size[d] for d in dims)))
           for n, dims in tok_dims.items()}
    par = {n: load_checked(n, (HV, *(size[d] for d in dims))) for n, dims in par_dims.items()}

    if meta.get("varlen"):
        if B != 1:
            sys.exit("varlen dump with B != 1")
        cu = np.load(dump / "cu_seqlens.npy").astype(np.int64).tolist()
        if cu[0] != 0 or cu[-1] != T or any(b < a for a, b in zip(cu, cu[1:])):
            sys.exit(f"bad cu_seqlens {cu}")
        segments = list(zip(cu, cu[1:]))
    else:
        segments = None
    N = len(segments) if segments else B

    h0 = load_f64(dump / "h0.npy") if meta.get("initial_state") else None
    if h0 is not None and tuple(h0.shape) != (N, HV, K, V):
        sys.exit(f"h0.npy: unexpected shape {tuple(h0.shape)}")
    scale = float(meta["scale"])

    def call(t, s0):
        with torch.no_grad(), _tensor_float_is_double():
            o, ht = run(mod, t, par, s0, scale, HV)
        assert o.dtype == torch.float64 and ht.dtype == torch.float64, (o.dtype, ht.dtype)
        return o, ht

    if segments is None:
        o, ht = call(tok, h0)
    else:
        o = torch.zeros(1, T, HV, V, dtype=torch.float64)
        ht = torch.zeros(N, HV, K, V, dtype=torch.float64)
        for n, (bos, eos) in enumerate(segments):
            s0 = None if h0 is None else h0[n:n + 1].clone()
            if eos == bos:  # nothing to run: the state passes through
                if s0 is not None:
                    ht[n] = s0[0]
                continue
            seg = {name: x[:, bos:eos] for name, x in tok.items()}
            o_seg, ht_seg = call(seg, s0)
            o[:, bos:eos] = o_seg
            ht[n] = ht_seg[0]
    o, ht = o.contiguous(), ht.contiguous()
    assert tuple(o.shape) == (B, T, HV, V) and tuple(ht.shape) == (N, HV, K, V)
    return o, ht


def rel_err(x, ref):
    x, ref = np.asarray(x, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    if x.shape != ref.shape:
        print(f"shape mismatch: FLA {x.shape}, dump {ref.shape}")
        return math.inf
    den = np.linalg.norm(ref)
    num = np.linalg.norm(x - ref)
    return num / den if den > 0 else num


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Cross-check a linac reference dump against FLA's naive recurrences.")
    ap.add_argument("dump", nargs="?", type=Path, metavar="DUMPDIR",
                    help="directory written by `linac run --target reference --dump`")
    ap.add_argument("--variant", choices=sorted(VARIANTS),
                    help="FLA recurrence to check against (default: the dump's variant)")
    ap.add_argument("--fla", type=Path, default=DEFAULT_FLA,
                    help=f"where --export-fla put FLA's files (default {DEFAULT_FLA})")
    ap.add_argument("--out", type=Path, help="write FLA's o.npy and ht.npy here")
    ap.add_argument("--tol", type=float, default=1e-10)
    ap.add_argument("--export-fla", nargs="?", const=DEFAULT_FLA, type=Path, metavar="DIR",
                    help=f"extract FLA's naive.py files from the mirror into DIR "
                         f"(default {DEFAULT_FLA}) and exit unless DUMPDIR is given")
    ap.add_argument("--mirror", type=Path, default=DEFAULT_MIRROR,
                    help=f"FLA git directory for --export-fla (default {DEFAULT_MIRROR})")
    args = ap.parse_args(argv)

    if args.export_fla is not None:
        export_fla(args.export_fla, args.mirror)
        if args.dump is None:
            return 0
    if args.dump is None:
        ap.error("DUMPDIR is required")
    variant = args.variant or json.loads((args.dump / "meta.json").read_text()).get("variant")
    if variant not in VARIANTS:
        ap.error(f"dump variant {variant!r} has no FLA counterpart here; pass --variant")

    o, ht = fla_outputs(variant, args.dump, args.fla)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        np.save(args.out / "o.npy", o.numpy())
        np.save(args.out / "ht.npy", ht.numpy())

    errs = {"o": rel_err(o.numpy(), np.load(args.dump / "o.npy")),
            "ht": rel_err(ht.numpy(), np.load(args.dump / "ht.npy"))}
    ok = True
    for name, e in errs.items():
        good = e <= args.tol  # False for NaN too
        ok &= good
        print(f"{variant} {name:2s} rel err {e:.3e}  {'ok' if good else 'FAIL'} (tol {args.tol:g})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
