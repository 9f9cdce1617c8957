"""Where a benchmark call's time goes besides the kernels: for each case,
  bench       the benchmark's own measure (L2 flushed, CUDA events around the call)
  warm        the same without the flush
  hidden      events around the call queued behind a 2 ms sleep kernel (the
              host's work on the call then overlaps the sleep), minus the sleep
  host        the host's time inside linac_cuda_forward (no waiting), median
  kernels     each kernel's GPU time (torch profiler)
Usage (on a GPU machine, after bench/run.sh built liblinac and the kernels):
  python3 bench/call_overhead.py --lib /tmp/linac-bench/liblinac.so \
      --kernels /tmp/linac-bench/kernels --cases 'gdn 8x4096'
"""
import argparse
import re
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402


def events(fn, reps, before=None):
    out = []
    for _ in range(reps):
        if before:
            before()
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        fn()
        e.record()
        torch.cuda.synchronize()
        out.append(s.elapsed_time(e))
    return statistics.median(out)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lib", required=True)
    p.add_argument("--kernels", required=True)
    p.add_argument("--cases", default=".")
    p.add_argument("--reps", type=int, default=10)
    a = p.parse_args()
    linac = bench.Linac(a.lib)
    gen = torch.Generator(device="cuda")
    gen.manual_seed(0)
    flush = torch.empty(256 << 20, dtype=torch.uint8, device="cuda")
    # Cycles of a 2 ms sleep on this GPU.
    cycles = 1 << 20
    torch.cuda._sleep(cycles)
    torch.cuda.synchronize()
    per = events(lambda: torch.cuda._sleep(cycles), 5) / cycles
    sleep_cycles = int(2.0 / per)
    sleep_ms = events(lambda: torch.cuda._sleep(sleep_cycles), 5)
    print(f"| case | bench ms | warm ms | hidden ms | host ms | kernels |")
    print(f"|---|---|---|---|---|---|")
    for case, spec in bench.CASES.items():
        if not re.search(a.cases, case):
            continue
        src = Path(a.kernels) / (case.replace(" ", "_") + ".cu")
        if not src.exists():
            continue
        lc = bench.LinacCase(linac, src, *spec, gen)
        lc()
        torch.cuda.synchronize()
        t_bench = events(lc, a.reps, before=flush.zero_)
        t_warm = events(lc, a.reps)
        def hidden():
            torch.cuda._sleep(sleep_cycles)
            lc()
        t_hidden = events(hidden, a.reps) - sleep_ms
        host = []
        for _ in range(a.reps):
            torch.cuda._sleep(sleep_cycles)
            t0 = time.perf_counter()
            lc()
            host.append((time.perf_counter() - t0) * 1e3)
            torch.cuda.synchronize()
        print(f"| {case} | {t_bench:.3f} | {t_warm:.3f} | {t_hidden:.3f} | "
              f"{statistics.median(host):.3f} | {bench.kernel_times(lc)} |", flush=True)


if __name__ == "__main__":
    main()
