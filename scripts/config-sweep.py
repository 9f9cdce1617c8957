#!/usr/bin/env python3
"""Random kernel configs and variants against the float64 reference on the cpu target.

Every config key changes how the chunk and tile passes lower a variant;
the lit tests check each key in the forms it was written for. This
draws random combinations of keys, variants (the examples, and variants
of the family that no example spells: random_variant), shapes, ragged
varlen batches, initial states, gates and input dtypes, runs

  linac run EXAMPLE --target cpu ... --config CONFIG --check

and sorts each run into: ok (checked against float64), refused (the
driver named why the config cannot apply), REJECTED (the frontend refused
a drawn variant: the generator or the frontend is wrong; printed, to
review), FAIL (a check that did not pass, or non-finite outputs) and CRASH
(a signal, a timeout, a failed compile, or an exit without a message).
FAIL and CRASH are bugs.

  scripts/config-sweep.py [--runs N] [--seed S] [--linac PATH] [--jobs J]
                          [--minutes M] [--log FILE]

Exits 1 if any run failed or crashed; each is printed with its command
line, so that it can be rerun alone.
"""
import argparse
import concurrent.futures
import os
import random
import subprocess
import sys
import tempfile
import time

EXAMPLES = ["linear_attention", "retnet", "simple_gla", "gla", "deltanet", "gdn",
            "kda", "kda_safe", "dplr", "gdn2"]

# Values each key takes here (the driver's usage line lists the keys).
KEYS = {
    "chunk": ["16", "32", "64"],
    "sub": ["16", "32", "64"],
    "wu": ["fused", "materialized"],
    "split": ["head", "vtile", "sequence"],
    "vtile": ["8", "16", "32"],
    "segment": ["2", "4", "8"],
    "combine": ["2", "4", "32"],
    "stages": ["1", "2"],
    "mma": ["f32", "tf32", "bf16", "f16"],
    "warps": ["4", "8"],
    "roles": ["off", "on"],
    "promote": ["off", "on"],
    "frag": ["0", "64", "128", "192"],
    "fuse": ["off", "on"],
    "epilogue": ["off", "on"],
    "gram": ["tiles", "rows"],
    "alias": ["on", "off"],
    "prefetch": ["off", "on"],
    "take": ["stage", "fragment"],
    "ahead": ["off", "on"],
    "store16": ["off", "on"],
    "outputs": ["state", "parallel"],
    "inputs": ["any", "bf16"],
    "pwarps": ["4", "8"],
    "pblocks": ["1", "2"],
    "blocks": ["1", "2"],
    "norms": ["tile", "factor"],
    "scales": ["tile", "factor"],
    "push": ["local", "state"],
}


def random_variant(rng):
    """A variant of the family the examples do not spell: a decay (none,
    constant, scalar or per channel, from a Mamba-style formula, a
    log-sigmoid, a declared logdecay input, bounded or not), an erase (none,
    the delta rule in either spelling, or along a separate direction),
    normalised or raw q and k, GVA or not, and a read with or without the
    scale. Returns (name, source)."""
    ch = rng.choice(["", "[K]"])  # the gate's extent
    inputs = ["v[V]"]
    params = []
    pre = []
    qk_per = " per H" if rng.random() < 0.7 else ""
    # Per decay: its inputs, params and the line that forms g (with {ch},
    # the gate's extent); None: no decay.
    decays = {
        "none": None,
        "constant": ([], ["gamma{ch} : logdecay"], "g = gamma"),
        "mamba": (["a{ch}"], ["A_log", "dt_bias{ch}"], "g = -exp(A_log) * softplus(a + dt_bias)"),
        "logsigmoid": (["a{ch}"], [], "g = logsigmoid(a)"),
        "input": (["g{ch} : logdecay"], [], None),
        "bounded": (["a{ch}"], [], "g = max(logsigmoid(a), -5)"),
        "safe": (["a{ch}"], ["A_log", "dt_bias{ch}"], "g = -5 * sigmoid(exp(A_log) * (a + dt_bias))"),
    }
    decay = rng.choice(sorted(decays))
    g = None
    if decays[decay]:
        ins, ps, line = decays[decay]
        inputs += [x.format(ch=ch) for x in ins]
        params += [x.format(ch=ch) for x in ps]
        pre += [line] if line else []
        g = "g"
    erase = rng.choice(["none", "delta", "delta_I", "separate"])
    # The delta rule erases along k: I - beta k k^T is a contraction only for
    # beta ||k||^2 <= 2, so with raw keys (||k||^2 ~ K here) the recurrence
    # itself grows without bound and fp32 overflows where float64 does not
    # (found by this sweep: linac reports the non-finite outputs). Every
    # delta-rule model normalises k.
    if erase in ("delta", "delta_I"):
        pre += ["k = l2norm(k)"] + (["q = l2norm(q)"] if rng.random() < 0.6 else [])
    elif rng.random() < 0.6:
        pre += ["q = l2norm(q)", "k = l2norm(k)"]
    if erase != "none" or rng.random() < 0.3:
        inputs.append("b")
        pre.append("beta = sigmoid(b)")
        w = "beta * k"
    else:
        w = "k"
    upd = []
    if g:
        upd.append(rng.choice([f"S = decay(S, {g})", f"S = exp({g}) * S"]))
    if erase == "delta":
        upd.append("S = S + beta * k @ (v - S^T @ k)^T")
    elif erase == "delta_I":
        upd.append("S = (I - beta * k @ k^T) @ S + k @ (beta * v)^T")
    elif erase == "separate":
        inputs += ["e[K]", "c"]
        pre += ["e = l2norm(e)", "gamma2 = sigmoid(c)"]
        upd.append(f"S = S - gamma2 * e @ (e^T @ S) + {w} @ v^T")
    else:
        upd.append(f"S = S + {w} @ v^T")
    read = rng.choice(["o = scale * S^T @ q", "o = S^T @ (scale * q)", "o = S^T @ q"])
    name = f"rv_{decay}_{'ch' if ch else 'sc'}_{erase}"
    lines = [f"variant {name} {{", f"  input q[K], k[K]{qk_per}", "  input " + ", ".join(inputs)]
    if params:
        lines.append("  param " + ", ".join(params))
    lines += ["  " + x for x in pre + upd + [read]] + ["}"]
    return name, "\n".join(lines) + "\n"


def draw(rng, variants, tmp):
    """One run's arguments: example (a path), flags, config."""
    if variants == "random" or (variants == "both" and rng.random() < 0.5):
        name, text = random_variant(rng)
        ex = os.path.join(tmp, f"{name}_{rng.randrange(1 << 30):08x}.lin")
        with open(ex, "w") as f:
            f.write(text)
    else:
        ex = rng.choice(EXAMPLES)
    K = rng.choice([16, 32, 64])
    V = rng.choice([16, 32, 64])
    H = rng.choice([1, 2])
    HV = H * rng.choice([1, 2])
    if rng.random() < 0.5:
        lens = [rng.choice([0, 1, rng.randint(2, 70), rng.randint(60, 200)])
                for _ in range(rng.randint(1, 4))]
        if sum(lens) == 0:
            lens[0] = 5
        shape = f"B=1,T={sum(lens)},H={H},HV={HV},K={K},V={V}"
        flags = ["--seqlens", ",".join(map(str, lens))]
    else:
        shape = f"B={rng.randint(1, 2)},T={rng.randint(1, 260)},H={H},HV={HV},K={K},V={V}"
        flags = []
    flags += ["--shape", shape, "--seed", str(rng.randint(1, 99))]
    if rng.random() < 0.5:
        flags.append("--initial-state")
    flags += ["--gates", rng.choice(["realistic", "strong", "weak"])]
    flags += ["--dtype", rng.choice(["f32", "bf16", "f16"])]
    keys = rng.sample(sorted(KEYS), rng.randint(1, 6))
    cfg = {k: rng.choice(KEYS[k]) for k in keys}
    # Mostly coherent: the keys that size another key's form take it along
    # (a config the driver refuses is still drawn now and then).
    if rng.random() < 0.8:
        if {"pwarps", "pblocks"} & cfg.keys() or cfg.get("outputs") == "parallel":
            cfg["wu"] = "materialized"
        if "vtile" in cfg:
            cfg["split"] = "vtile"
        if {"segment", "combine"} & cfg.keys():
            cfg["split"] = "sequence"
        if "sub" in cfg and "chunk" in cfg and int(cfg["sub"]) > int(cfg["chunk"]):
            cfg["sub"] = cfg["chunk"]
    config = ",".join(f"{k}={v}" for k, v in cfg.items())
    return ex, flags, config


def run_one(linac, root, ex, flags, config, timeout):
    path = ex if ex.endswith(".lin") else os.path.join(root, "examples", ex + ".lin")
    cmd = [linac, "run", path, "--target", "cpu",
           *flags, "--config", config, "--check"]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "CRASH", cmd, f"timeout after {timeout} s"
    out = (p.stdout + p.stderr).strip()
    last = out.splitlines()[-1] if out else ""
    if p.returncode < 0:
        return "CRASH", cmd, f"signal {-p.returncode}: {last}"
    checks = [l for l in out.splitlines() if "check against the float64 reference" in l]
    if checks:
        bad = [l for l in checks if not l.rstrip().endswith(": ok")]
        if p.returncode == 0 and not bad:
            return "ok", cmd, checks[-1]
        return "FAIL", cmd, (bad or checks)[-1]
    # Exits 1 that are bugs, not a config the driver cannot apply.
    for sign, verdict in (("non-finite", "FAIL"), ("compiling the emitted kernels failed", "CRASH"),
                          ("internal", "CRASH"), ("verif", "CRASH")):
        if sign in out:
            return verdict, cmd, last
    if p.returncode == 2 or (p.returncode == 1 and "config" in last):
        return "refused", cmd, last
    if ".lin:" in out and "error:" in out:  # the frontend rejected a drawn variant
        return "REJECTED", cmd, next(l for l in out.splitlines() if "error:" in l)
    return "CRASH", cmd, f"exit {p.returncode} without a check: {last}"


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--linac", default=os.path.join(root, "build", "tools", "linac", "linac"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--minutes", type=float, default=0, help="stop drawing after this long")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per run")
    ap.add_argument("--log", help="every run's verdict, one line each")
    ap.add_argument("--variants", choices=["examples", "random", "both"], default="both",
                    help="the examples, variants drawn from the family (random_variant), or both")
    ap.add_argument("--keep", help="a folder for the drawn variants' sources (default: a temporary one)")
    a = ap.parse_args()
    if not os.access(a.linac, os.X_OK):
        sys.exit(f"config-sweep: no linac at {a.linac} (build it, or --linac PATH)")
    rng = random.Random(a.seed)
    tmp = a.keep or tempfile.mkdtemp(prefix="config-sweep-")
    os.makedirs(tmp, exist_ok=True)
    draws = [draw(rng, a.variants, tmp) for _ in range(a.runs)]
    start = time.time()
    counts = {"ok": 0, "refused": 0, "REJECTED": 0, "FAIL": 0, "CRASH": 0}
    refusals = {}
    log = open(a.log, "w") if a.log else None
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        pending = set()
        it = iter(draws)
        def submit():
            if a.minutes and time.time() - start > 60 * a.minutes:
                return False
            d = next(it, None)
            if d is None:
                return False
            pending.add(pool.submit(run_one, a.linac, root, *d, a.timeout))
            return True
        for _ in range(a.jobs):
            submit()
        while pending:
            done, _ = concurrent.futures.wait(pending, return_when="FIRST_COMPLETED")
            for f in done:
                pending.discard(f)
                verdict, cmd, msg = f.result()
                counts[verdict] += 1
                line = f"{verdict:7s} {' '.join(cmd[2:])}  => {msg}"
                if log:
                    print(line, file=log, flush=True)
                if verdict in ("FAIL", "CRASH", "REJECTED"):
                    print(line, flush=True)
                if verdict == "refused":
                    key = msg.split(":")[-1].strip()[:90]
                    refusals[key] = refusals.get(key, 0) + 1
                submit()
    print(f"config-sweep: {sum(counts.values())} runs in {time.time() - start:.0f} s: "
          + ", ".join(f"{v} {k}" for k, v in counts.items()))
    for msg, n in sorted(refusals.items(), key=lambda kv: -kv[1])[:12]:
        print(f"  refused {n}x: {msg}")
    return 1 if counts["FAIL"] or counts["CRASH"] else 0


if __name__ == "__main__":
    sys.exit(main())
